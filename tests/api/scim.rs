//! Directory Sync over SCIM 2.0: request sequences shaped as Okta and Entra ID send them,
//! replayed against the real server, and their effects on users, memberships, roles,
//! sessions and events.

use crate::dns::unique_domain;
use crate::helpers::{parts, spawn_app, unique_email, TestApp};
use crate::scim_fixtures::{fixture, DOMAIN, ENTRA_MEMBER_ID, OKTA_GROUP_ID, OKTA_USER_ID};
use reqwest::Method;
use sea_orm::EntityTrait;
use serde_json::{json, Value};

pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
pub const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// A SCIM client holding one directory's base URL and bearer token.
pub struct Scim {
    pub base: String,
    pub token: String,
    pub http: reqwest::Client,
}

impl Scim {
    pub async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{}", self.base, path))
            .bearer_auth(&self.token);
        if let Some(body) = body {
            req = req
                .header("content-type", "application/scim+json")
                .body(body.to_string());
        }
        let resp = req.send().await.expect("request");
        if resp.status().as_u16() != 204 {
            assert_eq!(
                resp.headers().get("content-type").and_then(|v| v.to_str().ok()),
                Some("application/scim+json"),
                "SCIM media type"
            );
        }
        parts(resp).await
    }

    pub async fn get(&self, path: &str) -> (u16, Value) {
        self.call(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(Method::PUT, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> (u16, Value) {
        self.call(Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> u16 {
        self.call(Method::DELETE, path, None).await.0
    }
}

/// An organization with a verified domain and a directory of `kind`.
pub struct Setup {
    pub org: Value,
    pub domain: String,
    pub directory: Value,
    pub scim: Scim,
}

pub async fn setup(app: &TestApp, kind: &str) -> Setup {
    let org = app.create_org("Acme").await;
    let domain = unique_domain("acme");
    let (status, claimed) = parts(
        app.post(
            "/organization_domains",
            json!({"organization_id": org["id"], "domain": domain, "verification_strategy": "manual"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, claimed["state"].as_str()),
        (201, Some("verified")),
        "{claimed}"
    );
    let (status, directory) = parts(
        app.post(
            "/directories",
            json!({"organization_id": org["id"], "name": "Corp IdP", "type": kind}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{directory}");
    let scim = Scim {
        base: directory["scim_base_url"]
            .as_str()
            .unwrap()
            .replace("http://127.0.0.1:8080", &app.base),
        token: directory["bearer_token"].as_str().unwrap().to_owned(),
        http: reqwest::Client::new(),
    };
    Setup {
        org,
        domain,
        directory,
        scim,
    }
}

pub async fn membership_of(app: &TestApp, user_id: &str, org_id: &str) -> Option<Value> {
    let list: Value = app
        .get(&format!(
            "/user_management/organization_memberships?user_id={user_id}&organization_id={org_id}"
        ))
        .await
        .json()
        .await
        .unwrap();
    list["data"].as_array().unwrap().first().cloned()
}

/// A live session of `user_id` in `org_id`, as an SSO sign-in would leave.
pub async fn session_in(app: &TestApp, user_id: &str, org_id: &str) -> String {
    use gatehouse::sessions::lifecycle::{start_session, AuthMethod, NewSession};
    let issued = start_session(
        &app.ctx,
        NewSession {
            user_id: user_id.to_owned(),
            client_id: app.client_id().await,
            organization_id: Some(org_id.to_owned()),
            methods: vec![AuthMethod {
                method: "sso".into(),
                at: app.ctx.now(),
            }],
            mfa_at: None,
            ip_address: None,
            user_agent: None,
            authentication_event: None,
        },
    )
    .await
    .unwrap();
    issued.refresh_token
}

pub async fn refresh_works(app: &TestApp, refresh_token: &str) -> bool {
    let (status, _) = app
        .authenticate(json!({"grant_type": "refresh_token", "refresh_token": refresh_token}))
        .await;
    status == 200
}

fn event_names(events: &[Value]) -> Vec<String> {
    events.iter().map(|e| e["event"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn directory_token_is_shown_once_hashed_and_rotates() {
    let app = spawn_app().await;
    let s = setup(&app, "okta").await;
    let id = s.directory["id"].as_str().unwrap();
    assert!(s.scim.token.starts_with("gh_scim_"));
    assert_eq!(s.directory["state"], "pending");
    assert!(s.scim.base.ends_with(&format!("/scim/v2/{id}")));

    let (status, got) = parts(app.get(&format!("/directories/{id}")).await).await;
    assert_eq!(status, 200);
    assert!(got.get("bearer_token").is_none(), "the token is shown only once");
    let stored: Vec<String> = entities::directories::Entity::find()
        .all(app.ctx.db.read())
        .await
        .unwrap()
        .into_iter()
        .map(|d| d.token_hash)
        .collect();
    assert!(!stored.contains(&s.scim.token), "stored hashed");

    let (status, config) = s.scim.get("/ServiceProviderConfig").await;
    assert_eq!((status, config["patch"]["supported"].as_bool()), (200, Some(true)));
    assert_eq!(config["bulk"]["supported"], false);
    let (_, types) = s.scim.get("/ResourceTypes").await;
    assert_eq!(types["totalResults"], 2);
    let (_, schemas) = s.scim.get("/Schemas").await;
    assert_eq!(schemas["Resources"].as_array().unwrap().len(), 3);
    let (status, _) = s.scim.get(&format!("/Schemas/{ENTERPRISE}")).await;
    assert_eq!(status, 200);
    let (_, got) = parts(app.get(&format!("/directories/{id}")).await).await;
    assert_eq!(got["state"], "active", "the first SCIM call activates it");
    assert_eq!(event_names(&app.events_of("dsync.activated").await).len(), 1);

    let wrong = Scim {
        token: "gh_scim_wrong".into(),
        base: s.scim.base.clone(),
        http: reqwest::Client::new(),
    };
    let (status, err) = wrong.get("/Users").await;
    assert_eq!(status, 401);
    assert_eq!(err["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error");
    assert_eq!(err["status"], "401");

    // Another directory's token does not open this one, even once it is cached as valid.
    let other = setup(&app, "entra").await;
    assert_eq!(other.scim.get("/Users").await.0, 200);
    let crossed = Scim {
        token: other.scim.token.clone(),
        base: s.scim.base.clone(),
        http: reqwest::Client::new(),
    };
    assert_eq!(crossed.get("/Users").await.0, 401);

    let (status, rotated) = parts(app.post(&format!("/directories/{id}/rotate_token"), json!({})).await).await;
    assert_eq!(status, 200);
    assert_ne!(rotated["bearer_token"], s.directory["bearer_token"]);
    assert_eq!(s.scim.get("/Users").await.0, 401, "the old token stops working");
    let fresh = Scim {
        token: rotated["bearer_token"].as_str().unwrap().to_owned(),
        base: s.scim.base.clone(),
        http: reqwest::Client::new(),
    };
    assert_eq!(fresh.get("/Users").await.0, 200);

    assert_eq!(app.delete(&format!("/directories/{id}")).await.status(), 204);
    assert_eq!(fresh.get("/Users").await.0, 401);
    assert_eq!(event_names(&app.events_of("dsync.deleted").await).len(), 1);
}

#[tokio::test]
async fn failed_token_checks_are_rate_limited() {
    let app = crate::helpers::spawn_app_with(|c| c.rate_limit_account_burst = 3).await;
    let s = setup(&app, "generic").await;
    let wrong = Scim {
        token: "gh_scim_guess".into(),
        base: s.scim.base.clone(),
        http: reqwest::Client::new(),
    };
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(wrong.get("/Users").await.0);
    }
    assert_eq!(statuses, [401, 401, 401, 429, 429]);
    for _ in 0..5 {
        assert_eq!(s.scim.get("/Users").await.0, 200, "the real IdP is not limited");
    }
}

/// Okta's SCIM 2.0 sequence with bodies in Okta's documented shapes (`fixtures/scim/okta`): look
/// up by userName, create (plus a password), update by PUT, deactivate and reactivate with a
/// pathless replace, push a group mapped to a role, add and remove a member, rename; then the
/// events.
#[tokio::test]
async fn okta_provisioning_replay() {
    let app = spawn_app().await;
    let s = setup(&app, "okta").await;
    let org_id = s.org["id"].as_str().unwrap();
    let login = format!("rhea.okafor@{}", s.domain);

    let (status, found) = s
        .scim
        .get(&format!(
            "/Users?filter=userName%20eq%20%22{}%22&startIndex=1&count=100",
            login
        ))
        .await;
    assert_eq!((status, found["totalResults"].as_u64()), (200, Some(0)));

    // The create body in Okta's documented shape, plus the password Okta sends when password
    // sync is on (its SCIM 2.0 spec test carries one; the reference page does not).
    let mut body = fixture("okta", "01-create-user.json", &[(DOMAIN, &s.domain)]);
    body["password"] = json!("1mz050nq");
    let (status, created) = s.scim.post("/Users", body).await;
    assert_eq!(status, 201, "{created}");
    let scim_id = created["id"].as_str().unwrap().to_owned();
    assert!(scim_id.starts_with("directory_user_"));
    assert_eq!(created["userName"], login.as_str());
    assert_eq!(created["active"], true);
    assert!(created.get("password").is_none(), "never stored or returned");
    assert_eq!(
        created["meta"]["location"].as_str().unwrap(),
        format!("{}/Users/{scim_id}", s.directory["scim_base_url"].as_str().unwrap())
    );

    // The core: a user with the trusted (verified-domain) email, and a SCIM membership.
    let (_, du) = parts(app.get(&format!("/directory_users/{scim_id}")).await).await;
    assert!(du["raw_attributes"].get("password").is_none());
    assert_eq!(du["idp_id"], "00u7kq3xw2HbNp8Rf5d4");
    let user_id = du["user_id"].as_str().expect("linked").to_owned();
    let (_, user) = parts(app.get(&format!("/user_management/users/{user_id}")).await).await;
    assert_eq!(
        (user["email"].as_str(), user["email_verified"].as_bool()),
        (Some(login.as_str()), Some(true))
    );
    let m = membership_of(&app, &user_id, org_id).await.expect("membership");
    assert_eq!(
        (m["source"].as_str(), m["status"].as_str()),
        (Some("scim"), Some("active"))
    );

    let (_, found) = s
        .scim
        .get(&format!(
            "/Users?filter=userName%20eq%20%22{}%22&startIndex=1&count=100",
            login.to_uppercase()
        ))
        .await;
    assert_eq!(found["totalResults"], 1, "userName compares without case");
    assert_eq!(found["Resources"][0]["id"], scim_id.as_str());

    // Profile update: Okta PUTs the whole user back.
    let mut put = created.clone();
    put["name"]["familyName"] = json!("Renamed");
    put["password"] = json!("1mz050nq");
    let (status, updated) = s.scim.put(&format!("/Users/{scim_id}"), put).await;
    assert_eq!((status, updated["name"]["familyName"].as_str()), (200, Some("Renamed")));

    // Deactivation ends the user's sessions in the organization at once.
    let refresh = session_in(&app, &user_id, org_id).await;
    let (status, off) = s
        .scim
        .patch(
            &format!("/Users/{scim_id}"),
            fixture("okta", "03-deactivate-user.json", &[]),
        )
        .await;
    assert_eq!((status, off["active"].as_bool()), (200, Some(false)), "{off}");
    let m = membership_of(&app, &user_id, org_id).await.unwrap();
    assert_eq!(m["status"], "inactive");
    assert!(!refresh_works(&app, &refresh).await, "session revoked");
    let (_, inactive) = s.scim.get("/Users?filter=active%20eq%20false").await;
    assert_eq!(inactive["totalResults"], 1);

    let (status, on) = s
        .scim
        .patch(
            &format!("/Users/{scim_id}"),
            json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": true}}]}),
        )
        .await;
    assert_eq!((status, on["active"].as_bool()), (200, Some(true)));
    assert_eq!(membership_of(&app, &user_id, org_id).await.unwrap()["status"], "active");

    // Group push: create, map to a role, add the member, remove, rename.
    let (status, group) = s
        .scim
        .post("/Groups", fixture("okta", "04-create-group.json", &[]))
        .await;
    assert_eq!(status, 201, "{group}");
    let group_id = group["id"].as_str().unwrap().to_owned();
    let (status, mapped) = parts(
        app.put(
            &format!("/directory_groups/{group_id}/role"),
            json!({"role_slug": "admin"}),
        )
        .await,
    )
    .await;
    assert_eq!((status, mapped["role_slug"].as_str()), (200, Some("admin")), "{mapped}");

    let add = fixture(
        "okta",
        "06-add-member.json",
        &[(OKTA_USER_ID, &scim_id), (DOMAIN, &s.domain)],
    );
    let (status, _) = s.scim.patch(&format!("/Groups/{group_id}"), add).await;
    assert!(status == 204 || status == 200, "{status}");
    assert_eq!(
        membership_of(&app, &user_id, org_id).await.unwrap()["role"]["slug"],
        "admin"
    );
    let (_, got) = s.scim.get(&format!("/Groups/{group_id}")).await;
    assert_eq!(got["members"][0]["value"], scim_id.as_str());
    let (_, by_member) = s
        .scim
        .get(&format!("/Groups?filter=members.value%20eq%20%22{scim_id}%22"))
        .await;
    assert_eq!(by_member["totalResults"], 1);

    let (status, _) = s
        .scim
        .patch(
            &format!("/Groups/{group_id}"),
            json!({"schemas": [PATCH_OP], "Operations": [{
                "op": "remove", "path": format!("members[value eq \"{scim_id}\"]")
            }]}),
        )
        .await;
    assert!(status == 204 || status == 200);
    assert_eq!(
        membership_of(&app, &user_id, org_id).await.unwrap()["role"]["slug"],
        "member",
        "back to the default role"
    );

    let rename = fixture("okta", "05-rename-group.json", &[(OKTA_GROUP_ID, &group_id)]);
    let (status, _) = s.scim.patch(&format!("/Groups/{group_id}"), rename).await;
    assert!(status == 204 || status == 200);
    let (_, got) = s.scim.get(&format!("/Groups/{group_id}")).await;
    assert_eq!(got["displayName"], "Field Engineering EMEA");
    assert_eq!(s.scim.delete(&format!("/Groups/{group_id}")).await, 204);
    assert_eq!(s.scim.get(&format!("/Groups/{group_id}")).await.0, 404);

    let kinds = event_names(&app.events_of("dsync.user.created,dsync.user.updated,dsync.group.created,dsync.group.updated,dsync.group.deleted,dsync.group.user_added,dsync.group.user_removed").await);
    assert_eq!(
        kinds,
        [
            "dsync.user.created",
            "dsync.user.updated",
            "dsync.user.updated",
            "dsync.user.updated",
            "dsync.group.created",
            "dsync.group.updated",
            "dsync.group.user_added",
            "dsync.group.user_removed",
            "dsync.group.updated",
            "dsync.group.deleted",
        ]
    );
    let revoked = app.events_of("session.revoked").await;
    assert_eq!(revoked.len(), 1);
}

/// Entra ID's sequence with bodies in Microsoft's documented shapes (`fixtures/scim/entra`), plus
/// what the examples leave out: reactivation with "True", an enterprise-URN path, members added
/// twice, the vendor API's view and the events.
#[tokio::test]
async fn entra_provisioning_replay() {
    let app = spawn_app().await;
    let s = setup(&app, "entra").await;
    let org_id = s.org["id"].as_str().unwrap();
    let email = format!("Pilot_User_8b2f6e01-d4c7-4a39-9e15-3f0a7b6c2d84@{}", s.domain);

    let (status, none) = s
        .scim
        .get("/Users?filter=userName+eq+%22Pilot_User_5a1c8f3e-26d9-4b07-8e4a-c93f0d17b6e2%22")
        .await;
    assert_eq!((status, none["totalResults"].as_u64()), (200, Some(0)));
    assert_eq!(none["Resources"], json!([]));

    let (status, created) = s
        .scim
        .post(
            "/Users",
            fixture("entra", "01-create-user.json", &[(DOMAIN, &s.domain)]),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_owned();
    let (_, du) = parts(app.get(&format!("/directory_users/{id}")).await).await;
    let user_id = du["user_id"].as_str().expect("linked by the work email").to_owned();
    assert_eq!(du["emails"][0]["value"], email.as_str());

    let (status, got) = s
        .scim
        .get("/Users?filter=userName+eq+%22Pilot_User_3e7d21c4-9a0b-4f6e-b852-7c1d04e9fa13%22")
        .await;
    assert_eq!((status, got["Resources"][0]["id"].as_str()), (200, Some(id.as_str())));

    let (status, patched) = s
        .scim
        .patch(
            &format!("/Users/{id}"),
            fixture("entra", "02-update-user-multi-valued.json", &[]),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched["emails"][0]["value"], "Ines.Relocated@example.org");
    assert_eq!(patched["name"]["familyName"], "Castellano-Ruiz");
    // Not in the published examples: an enterprise attribute by its URN-prefixed path.
    let (status, patched) = s
        .scim
        .patch(
            &format!("/Users/{id}"),
            json!({"schemas": [PATCH_OP], "Operations": [
                {"op": "Add", "path": format!("{ENTERPRISE}:department"), "value": "Human Resources US"}
            ]}),
        )
        .await;
    assert_eq!(status, 200, "{patched}");
    assert_eq!(patched[ENTERPRISE]["department"], "Human Resources US");
    let (_, du) = parts(app.get(&format!("/directory_users/{id}")).await).await;
    assert_eq!(du["custom_attributes"]["department"], "Human Resources US");
    let (_, by_email) = s
        .scim
        .get("/Users?filter=emails%5Btype%20eq%20%22work%22%20and%20value%20co%20%22ines.relocated%40%22%5D")
        .await;
    assert_eq!(
        by_email["totalResults"], 1,
        "value filter on the email rows, case-insensitively"
    );

    let (status, _) = s
        .scim
        .patch(
            &format!("/Users/{id}"),
            fixture("entra", "03-update-user-single-valued.json", &[(DOMAIN, &s.domain)]),
        )
        .await;
    assert_eq!(status, 200);

    let refresh = session_in(&app, &user_id, org_id).await;
    let (status, off) = s
        .scim
        .patch(
            &format!("/Users/{id}"),
            fixture("entra", "ki-01-disable-user-without-flag.json", &[]),
        )
        .await;
    assert_eq!((status, off["active"].as_bool()), (200, Some(false)), "{off}");
    assert_eq!(
        membership_of(&app, &user_id, org_id).await.unwrap()["status"],
        "inactive"
    );
    assert!(!refresh_works(&app, &refresh).await);
    let (status, on) = s
        .scim
        .patch(
            &format!("/Users/{id}"),
            json!({"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "active", "value": "True"}]}),
        )
        .await;
    assert_eq!((status, on["active"].as_bool()), (200, Some(true)));
    assert_eq!(membership_of(&app, &user_id, org_id).await.unwrap()["status"], "active");

    // Groups.
    let (status, group) = s
        .scim
        .post("/Groups", fixture("entra", "05-create-group.json", &[]))
        .await;
    assert_eq!(status, 201, "{group}");
    let gid = group["id"].as_str().unwrap().to_owned();
    let (status, listed) = s
        .scim
        .get("/Groups?excludedAttributes=members&filter=displayName+eq+%22Site+Reliability%22")
        .await;
    assert_eq!((status, listed["totalResults"].as_u64()), (200, Some(1)));
    assert!(listed["Resources"][0].get("members").is_none());
    assert_eq!(
        listed["Resources"][0]["externalId"],
        "2b7e4d91-60c3-4a8f-b1d5-e93c07a6f284"
    );

    let add = fixture("entra", "07-update-group-add-members.json", &[(ENTRA_MEMBER_ID, &id)]);
    assert_eq!(s.scim.patch(&format!("/Groups/{gid}"), add.clone()).await.0, 204);
    assert_eq!(
        s.scim.patch(&format!("/Groups/{gid}"), add).await.0,
        204,
        "re-adding is a no-op"
    );
    let (_, members) = parts(app.get(&format!("/directory_users?group={gid}")).await).await;
    assert_eq!(members["data"].as_array().unwrap().len(), 1);
    let (_, user_groups) = parts(app.get(&format!("/directory_groups?user={id}")).await).await;
    assert_eq!(user_groups["data"][0]["id"], gid.as_str());
    assert_eq!(app.events_of("dsync.group.user_added").await.len(), 1);

    let remove = fixture(
        "entra",
        "08-update-group-remove-members.json",
        &[(ENTRA_MEMBER_ID, &id)],
    );
    assert_eq!(s.scim.patch(&format!("/Groups/{gid}"), remove).await.0, 204);
    let (_, members) = parts(app.get(&format!("/directory_users?group={gid}")).await).await;
    assert_eq!(members["data"], json!([]));
    let (status, _) = s
        .scim
        .patch(
            &format!("/Groups/{gid}"),
            fixture("entra", "06-update-group-non-member-attributes.json", &[]),
        )
        .await;
    assert_eq!(status, 204);

    // Delete: the membership goes, the core user stays.
    let refresh = session_in(&app, &user_id, org_id).await;
    assert_eq!(s.scim.delete(&format!("/Users/{id}")).await, 204);
    assert_eq!(s.scim.get(&format!("/Users/{id}")).await.0, 404);
    assert!(membership_of(&app, &user_id, org_id).await.is_none());
    assert!(!refresh_works(&app, &refresh).await);
    assert_eq!(
        app.get(&format!("/user_management/users/{user_id}")).await.status(),
        200
    );
    let kinds = event_names(
        &app.events_of("dsync.user.deleted,organization_membership.deleted")
            .await,
    );
    assert_eq!(kinds, ["organization_membership.deleted", "dsync.user.deleted"]);
}

#[tokio::test]
async fn emails_outside_verified_domains_never_link_to_existing_users() {
    let app = spawn_app().await;
    let s = setup(&app, "generic").await;
    let victim = unique_email("victim");
    let existing = app.create_user(&victim).await;
    let (status, planted) = s
        .scim
        .post(
            "/Users",
            json!({"schemas": [USER], "userName": "attacker", "emails": [{"value": victim, "primary": true}]}),
        )
        .await;
    assert_eq!(status, 201);
    let (_, du) = parts(
        app.get(&format!("/directory_users/{}", planted["id"].as_str().unwrap()))
            .await,
    )
    .await;
    assert_eq!(du["user_id"], Value::Null, "an IdP cannot claim someone else's account");
    assert!(
        membership_of(&app, existing["id"].as_str().unwrap(), s.org["id"].as_str().unwrap())
            .await
            .is_none()
    );

    let fresh = unique_email("newcomer");
    let (_, created) = s
        .scim
        .post(
            "/Users",
            json!({"schemas": [USER], "userName": fresh, "emails": [{"value": fresh, "primary": true}]}),
        )
        .await;
    let (_, du) = parts(
        app.get(&format!("/directory_users/{}", created["id"].as_str().unwrap()))
            .await,
    )
    .await;
    // Issue 16 point 5: a directory cannot prove a mailbox, so no core user is created for an
    // address outside the organization's verified domains; the directory user stays one.
    assert_eq!(du["user_id"], Value::Null, "{du}");
    let (_, users) = parts(
        app.get(&format!("/user_management/users?email={}", urlencode(&fresh)))
            .await,
    )
    .await;
    assert_eq!(users["data"], json!([]), "no user squats the address");
}

#[tokio::test]
async fn filters_paging_and_projection_run_in_sql() {
    let app = spawn_app().await;
    let s = setup(&app, "generic").await;
    let people = [
        ("ann", "work", true, "Eng"),
        ("bob", "home", true, "Ops"),
        ("cy", "work", false, "Eng"),
        ("dee", "work", true, "Ops"),
        ("eve_x%", "work", true, "Eng"),
    ];
    for (name, kind, active, dept) in people {
        let (status, body) = s
            .scim
            .post(
                "/Users",
                json!({
                    "schemas": [USER, ENTERPRISE],
                    "userName": format!("{name}@{}", s.domain),
                    "externalId": format!("ext-{name}"),
                    "name": {"givenName": name.to_uppercase(), "familyName": "Smith"},
                    "emails": [{"value": format!("{name}@x.com"), "type": kind, "primary": true}],
                    "active": active,
                    ENTERPRISE: {"department": dept}
                }),
            )
            .await;
        assert_eq!(status, 201, "{body}");
    }
    let names = |body: &Value| -> Vec<String> {
        let mut out: Vec<String> = body["Resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["userName"].as_str().unwrap().split('@').next().unwrap().to_owned())
            .collect();
        out.sort();
        out
    };
    let cases: [(&str, &[&str]); 13] = [
        ("userName sw \"a\"", &["ann"]),
        ("userName sw \"B\" and userName co \"OB@\"", &["bob"]),
        ("userName ew \"X%@{d}\"", &["eve_x%"]),
        ("userName co \"_\"", &["eve_x%"]),
        ("externalId eq \"ext-ann\"", &["ann"]),
        ("externalId eq \"EXT-ANN\"", &[]),
        ("active eq false", &["cy"]),
        ("not (active eq false) and name.givenName gt \"C\"", &["dee", "eve_x%"]),
        (
            "emails[type eq \"work\" and value co \"@x.com\"] and active eq true",
            &["ann", "dee", "eve_x%"],
        ),
        ("emails.type eq \"home\" or userName eq \"CY@{d}\"", &["bob", "cy"]),
        (
            "(userName sw \"a\" or userName sw \"b\") and not (emails.type eq \"home\")",
            &["ann"],
        ),
        ("externalId pr", &["ann", "bob", "cy", "dee", "eve_x%"]),
        ("displayName pr", &[]),
    ];
    for (filter, want) in cases {
        let filter = filter.replace("{d}", &s.domain);
        let url = format!("/Users?filter={}", urlencode(&filter));
        let (status, body) = s.scim.get(&url).await;
        assert_eq!(status, 200, "{filter}: {body}");
        assert_eq!(names(&body), want.to_vec(), "{filter}");
        assert_eq!(body["totalResults"].as_u64(), Some(want.len() as u64), "{filter}");
    }

    let (_, page) = s.scim.get("/Users?startIndex=2&count=2").await;
    assert_eq!(
        (
            page["totalResults"].as_u64(),
            page["startIndex"].as_u64(),
            page["itemsPerPage"].as_u64()
        ),
        (Some(5), Some(2), Some(2))
    );
    // A short last page gives the total without a COUNT; it must still be the whole total.
    let (_, last) = s.scim.get("/Users?startIndex=4&count=10").await;
    assert_eq!(
        (last["totalResults"].as_u64(), last["itemsPerPage"].as_u64()),
        (Some(5), Some(2))
    );
    let (_, past) = s.scim.get("/Users?startIndex=9").await;
    assert_eq!(
        (past["totalResults"].as_u64(), past["Resources"].clone()),
        (Some(5), json!([]))
    );
    let (_, counted) = s.scim.get("/Users?count=0").await;
    assert_eq!(counted["Resources"], json!([]));
    assert_eq!(counted["totalResults"], 5);

    let (_, slim) = s
        .scim
        .get(&format!(
            "/Users?attributes=userName,name.givenName&filter={}",
            urlencode("userName sw \"ann\"")
        ))
        .await;
    let only = &slim["Resources"][0];
    assert!(only.get("emails").is_none() && only.get("meta").is_none() && only.get("id").is_some());
    assert_eq!(only["name"], json!({"givenName": "ANN"}));
    let (_, without) = s
        .scim
        .get(&format!("/Users?excludedAttributes=emails,{ENTERPRISE}"))
        .await;
    assert!(without["Resources"][0].get("emails").is_none());
    assert!(without["Resources"][0].get(ENTERPRISE).is_none());
    assert!(without["Resources"][0].get("userName").is_some());

    // Vendor API: cursor pagination over the same users.
    let dir = s.directory["id"].as_str().unwrap();
    let (_, first) = parts(
        app.get(&format!("/directory_users?directory={dir}&limit=2&order=asc"))
            .await,
    )
    .await;
    assert_eq!(first["data"].as_array().unwrap().len(), 2);
    let after = first["list_metadata"]["after"].as_str().unwrap();
    let (_, second) = parts(
        app.get(&format!(
            "/directory_users?directory={dir}&limit=2&order=asc&after={after}"
        ))
        .await,
    )
    .await;
    assert_eq!(second["data"].as_array().unwrap().len(), 2);
    assert_ne!(first["data"][0]["id"], second["data"][0]["id"]);
    let (status, err) = parts(app.get("/directory_users").await).await;
    assert_eq!((status, err["code"].as_str()), (422, Some("validation_failed")));
}

pub fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn malformed_requests_are_400_with_scim_type_and_write_nothing() {
    let app = spawn_app().await;
    let s = setup(&app, "generic").await;
    let (_, ann) = s
        .scim
        .post(
            "/Users",
            json!({"schemas": [USER], "userName": format!("ann@{}", s.domain), "externalId": "a-1",
                   "name": {"givenName": "Ann"}}),
        )
        .await;
    let ann_id = ann["id"].as_str().unwrap().to_owned();
    let events_before = app
        .events_of("dsync.user.updated,dsync.user.created,dsync.group.created")
        .await
        .len();

    for (filter, scim_type) in [
        ("userName eq", "invalidFilter"),
        ("userName xx \"a\"", "invalidFilter"),
        ("(userName eq \"a\"", "invalidFilter"),
        ("emails[type eq \"work\"", "invalidFilter"),
        ("nickName eq \"a\"", "invalidFilter"),
        ("active gt true", "invalidFilter"),
        ("userName eq 12", "invalidFilter"),
        ("emails[value eq \"a\"] and userName ew", "invalidFilter"),
    ] {
        let (status, err) = s.scim.get(&format!("/Users?filter={}", urlencode(filter))).await;
        assert_eq!(
            (status, err["scimType"].as_str()),
            (400, Some(scim_type)),
            "{filter}: {err}"
        );
        assert_eq!(err["status"], "400");
    }
    let deep = format!("{}userName eq \"a\"{}", "(".repeat(200), ")".repeat(200));
    let (status, err) = s.scim.get(&format!("/Users?filter={}", urlencode(&deep))).await;
    assert_eq!((status, err["scimType"].as_str()), (400, Some("invalidFilter")));
    let (status, err) = s.scim.get("/Users?count=ten").await;
    assert_eq!((status, err["scimType"].as_str()), (400, Some("invalidValue")));
    let (status, err) = s.scim.get("/Users?attributes=emails%5Btype%5D").await;
    assert_eq!((status, err["scimType"].as_str()), (400, Some("invalidPath")));

    let user_path = format!("/Users/{ann_id}");
    let patches: [(Value, &str); 7] = [
        (
            json!({"Operations": [{"op": "replace", "path": "userName", "value": "x"}]}),
            "invalidSyntax",
        ),
        (
            json!({"schemas": [PATCH_OP], "Operations": [{"op": "frobnicate", "path": "userName", "value": "x"}]}),
            "invalidSyntax",
        ),
        (
            json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "emails[type eq", "value": "x"}]}),
            "invalidPath",
        ),
        (
            json!({"schemas": [PATCH_OP], "Operations": [{"op": "remove"}]}),
            "noTarget",
        ),
        (
            json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": "maybe"}]}),
            "invalidValue",
        ),
        (
            json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "id", "value": "other"}]}),
            "mutability",
        ),
        // The first operation is fine; the second fails: nothing of either is written.
        (
            json!({"schemas": [PATCH_OP], "Operations": [
                {"op": "replace", "path": "name.givenName", "value": "Changed"},
                {"op": "remove", "path": "userName"}
            ]}),
            "invalidValue",
        ),
    ];
    for (body, scim_type) in patches {
        let (status, err) = s.scim.patch(&user_path, body.clone()).await;
        assert_eq!(
            (status, err["scimType"].as_str()),
            (400, Some(scim_type)),
            "{body}: {err}"
        );
    }
    let (_, unchanged) = s.scim.get(&user_path).await;
    assert_eq!(unchanged["name"]["givenName"], "Ann", "nothing partial is written");

    for (body, scim_type) in [
        (json!({"schemas": [USER]}), "invalidValue"),
        (json!({"schemas": [USER], "userName": 7}), "invalidValue"),
        (
            json!({"schemas": [USER], "userName": "x", "active": "sometimes"}),
            "invalidValue",
        ),
        (
            json!({"schemas": [USER], "userName": "x", "emails": "x@y.z"}),
            "invalidValue",
        ),
    ] {
        let (status, err) = s.scim.post("/Users", body.clone()).await;
        assert_eq!(
            (status, err["scimType"].as_str()),
            (400, Some(scim_type)),
            "{body}: {err}"
        );
    }
    let resp = reqwest::Client::new()
        .post(format!("{}/Users", s.scim.base))
        .bearer_auth(&s.scim.token)
        .header("content-type", "application/scim+json")
        .body("{\"userName\": ")
        .send()
        .await
        .unwrap();
    let (status, err) = parts(resp).await;
    assert_eq!((status, err["scimType"].as_str()), (400, Some("invalidSyntax")));

    // Uniqueness, case-insensitive for userName, exact for externalId.
    let (status, err) = s
        .scim
        .post(
            "/Users",
            json!({"schemas": [USER], "userName": format!("ANN@{}", s.domain.to_uppercase())}),
        )
        .await;
    assert_eq!((status, err["scimType"].as_str()), (409, Some("uniqueness")), "{err}");
    let (status, err) = s
        .scim
        .post(
            "/Users",
            json!({"schemas": [USER], "userName": "other", "externalId": "a-1"}),
        )
        .await;
    assert_eq!((status, err["scimType"].as_str()), (409, Some("uniqueness")));
    assert_eq!(
        s.scim
            .post(
                "/Users",
                json!({"schemas": [USER], "userName": "other2", "externalId": "A-1"})
            )
            .await
            .0,
        201
    );

    // A group naming a member that is not a user of this directory is refused whole.
    let (status, err) = s
        .scim
        .post(
            "/Groups",
            json!({"schemas": [GROUP], "displayName": "G", "members": [{"value": ann_id}, {"value": "directory_user_01ARZ3NDEKTSV4RRFFQ69G5FAV"}]}),
        )
        .await;
    assert_eq!((status, err["scimType"].as_str()), (400, Some("invalidValue")));
    let (_, groups) = s.scim.get("/Groups").await;
    assert_eq!(groups["totalResults"], 0, "no group half-created");
    assert_eq!(
        s.scim.get("/Users/directory_user_01ARZ3NDEKTSV4RRFFQ69G5FAV").await.0,
        404
    );
    let (status, _) = s.scim.call(Method::POST, &user_path, Some(json!({}))).await;
    assert_eq!(status, 405);

    let events_after = app
        .events_of("dsync.user.updated,dsync.user.created,dsync.group.created")
        .await
        .len();
    assert_eq!(
        events_after,
        events_before + 1,
        "only the one valid create was recorded"
    );
}

/// Entra ID sends creates in parallel; one user results, the others get 409 uniqueness.
#[tokio::test]
async fn concurrent_creates_of_one_user_yield_one() {
    let app = spawn_app().await;
    let s = setup(&app, "entra").await;
    let login = format!("racer@{}", s.domain);
    let body = json!({"schemas": [USER], "userName": login, "externalId": "race-1",
                      "emails": [{"value": login, "primary": true, "type": "work"}], "active": true});
    let scim = std::sync::Arc::new(s.scim);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let scim = scim.clone();
        let body = body.clone();
        tasks.push(tokio::spawn(async move { scim.post("/Users", body).await }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        let (status, body) = task.await.unwrap();
        if status == 409 {
            assert_eq!(body["scimType"], "uniqueness");
        }
        statuses.push(status);
    }
    statuses.sort();
    assert_eq!(statuses, [201, 409, 409, 409, 409, 409, 409, 409]);
    let (_, found) = scim.get("/Users").await;
    assert_eq!(found["totalResults"], 1);
    let (_, users) = parts(app.get(&format!("/user_management/users?email={login}")).await).await;
    assert_eq!(users["data"].as_array().unwrap().len(), 1);
    assert_eq!(app.events_of("organization_membership.created").await.len(), 1);
}

/// scim2-client (PyPI, pinned in tests/interop/requirements.txt), a SCIM client written by
/// others that validates every answer against the RFC 7643 models, drives the server.
#[tokio::test]
async fn third_party_scim_client_interoperates() {
    let app = spawn_app().await;
    let s = setup(&app, "generic").await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/scim2_client_check.py");
    // pydantic's email check refuses the reserved `.test` names the other tests use.
    let domain = format!("interop-{}.com", ulid::Ulid::new().to_string().to_lowercase());
    let args = [script.to_owned(), s.scim.base.clone(), s.scim.token.clone(), domain];
    let output = tokio::task::spawn_blocking(move || std::process::Command::new("python3").args(args).output())
        .await
        .unwrap()
        .expect("run python3 tests/interop/scim2_client_check.py");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success() && stdout.trim_end().ends_with("ok"),
        "scim2-client failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let kinds = event_names(
        &app.events_of("dsync.user.created,dsync.user.deleted,dsync.group.user_added")
            .await,
    );
    assert_eq!(
        kinds,
        ["dsync.user.created", "dsync.group.user_added", "dsync.user.deleted"]
    );
}

/// RFC 7643 §4.1.2: a user's `groups` is read-only and computed from group membership; it is
/// rendered, projected and filterable, and whatever an IdP sends for it is ignored.
#[tokio::test]
async fn user_groups_are_computed_read_only_and_projectable() {
    let app = spawn_app().await;
    let s = setup(&app, "okta").await;
    let base = s.directory["scim_base_url"].as_str().unwrap().to_owned();
    let user = |name: &str| {
        let login = format!("{name}@{}", s.domain);
        json!({
            "schemas": [USER], "userName": login, "active": true,
            "name": {"givenName": name, "familyName": "Test"},
            "emails": [{"primary": true, "value": login, "type": "work"}],
            // Read-only: an IdP echoing it must neither fail nor write it.
            "groups": [{"value": "forged-group", "display": "Forged", "type": "direct"}],
        })
    };
    let (status, ann) = s.scim.post("/Users", user("ann")).await;
    assert_eq!(status, 201, "{ann}");
    assert!(ann.get("groups").is_none(), "a new user is in no group: {ann}");
    let ann_id = ann["id"].as_str().unwrap().to_owned();
    let (_, bob) = s.scim.post("/Users", user("bob")).await;
    let bob_id = bob["id"].as_str().unwrap().to_owned();
    let (_, stored) = parts(app.get(&format!("/directory_users/{ann_id}")).await).await;
    assert!(stored["raw_attributes"].get("groups").is_none(), "{stored}");

    let group = |name: &str, members: &[&str]| {
        json!({"schemas": [GROUP], "displayName": name,
               "members": members.iter().map(|m| json!({"value": m})).collect::<Vec<_>>()})
    };
    let (status, eng) = s.scim.post("/Groups", group("Engineering", &[&ann_id])).await;
    assert_eq!(status, 201, "{eng}");
    let eng_id = eng["id"].as_str().unwrap().to_owned();
    let (_, admins) = s.scim.post("/Groups", group("Admins", &[&ann_id, &bob_id])).await;
    let admins_id = admins["id"].as_str().unwrap().to_owned();
    let entry = |id: &str, name: &str| json!({"value": id, "$ref": format!("{base}/Groups/{id}"), "display": name, "type": "direct"});

    let (status, got) = s.scim.get(&format!("/Users/{ann_id}")).await;
    assert_eq!(status, 200);
    assert_eq!(
        got["groups"],
        json!([entry(&admins_id, "Admins"), entry(&eng_id, "Engineering")])
    );

    let (_, only) = s.scim.get(&format!("/Users/{ann_id}?attributes=groups")).await;
    let mut keys: Vec<&String> = only.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, ["groups", "id", "schemas"], "{only}");
    let (_, values) = s.scim.get(&format!("/Users/{ann_id}?attributes=groups.value")).await;
    assert_eq!(values["groups"], json!([{"value": admins_id}, {"value": eng_id}]));
    let (_, without) = s.scim.get(&format!("/Users/{ann_id}?excludedAttributes=groups")).await;
    assert!(
        without.get("groups").is_none() && without["userName"].is_string(),
        "{without}"
    );

    let (_, in_eng) = s
        .scim
        .get(&format!("/Users?filter=groups.value%20eq%20%22{eng_id}%22"))
        .await;
    assert_eq!(in_eng["totalResults"], 1, "{in_eng}");
    assert_eq!(in_eng["Resources"][0]["id"], ann_id.as_str());
    let (_, in_admins) = s
        .scim
        .get(&format!("/Users?filter=groups%20eq%20%22{admins_id}%22"))
        .await;
    assert_eq!(in_admins["totalResults"], 2);
    assert_eq!(
        in_admins["Resources"][1]["groups"],
        json!([entry(&admins_id, "Admins")])
    );
    let (_, listed) = s.scim.get("/Users?attributes=userName").await;
    assert!(listed["Resources"][0].get("groups").is_none(), "{listed}");

    // A PUT carrying other groups changes nothing about membership; the answer shows the real ones.
    let mut put = user("ann");
    put["groups"] = json!([{"value": eng_id}, {"value": "forged-group"}]);
    put["name"]["familyName"] = json!("Renamed");
    let (status, replaced) = s.scim.put(&format!("/Users/{ann_id}"), put).await;
    assert_eq!(status, 200, "{replaced}");
    assert_eq!(
        replaced["groups"],
        json!([entry(&admins_id, "Admins"), entry(&eng_id, "Engineering")])
    );
    // Leaving a group shows at once.
    let (status, _) = s
        .scim
        .patch(
            &format!("/Groups/{eng_id}"),
            json!({"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": format!("members[value eq \"{ann_id}\"]")}]}),
        )
        .await;
    assert!(status == 204 || status == 200);
    let (_, got) = s.scim.get(&format!("/Users/{ann_id}")).await;
    assert_eq!(got["groups"], json!([entry(&admins_id, "Admins")]));
    // Advertised as read-only in /Schemas, with the sub-attributes rendered above.
    let (_, schema) = s.scim.get(&format!("/Schemas/{USER}")).await;
    let attrs = schema["attributes"].as_array().unwrap();
    let groups = attrs.iter().find(|a| a["name"] == "groups").unwrap();
    assert_eq!(groups["mutability"], "readOnly");
    let subs: Vec<(&str, &str)> = groups["subAttributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| (a["name"].as_str().unwrap(), a["mutability"].as_str().unwrap()))
        .collect();
    assert_eq!(
        subs,
        [
            ("value", "readOnly"),
            ("$ref", "readOnly"),
            ("display", "readOnly"),
            ("type", "readOnly")
        ]
    );
    // The Groups PATCH on a user stays refused (RFC 7644 §3.5.2: readOnly -> mutability).
    let (status, refused) = s
        .scim
        .patch(
            &format!("/Users/{ann_id}"),
            json!({"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "groups", "value": [{"value": eng_id}]}]}),
        )
        .await;
    assert_eq!((status, refused["scimType"].as_str()), (400, Some("mutability")));
}

pub async fn core_user(app: &TestApp, user_id: &str) -> Value {
    parts(app.get(&format!("/user_management/users/{user_id}")).await)
        .await
        .1
}

pub async fn last_user_updated(app: &TestApp, scim_id: &str) -> Value {
    app.events_of("dsync.user.updated")
        .await
        .into_iter()
        .rfind(|e| e["data"]["id"] == scim_id)
        .expect("a dsync.user.updated event")
}

/// Name and email changes an IdP sends (Okta PUT and partial-object PATCH; Entra dotted and
/// value-filtered paths) reach the linked core user; an email change reaches it only when the
/// organization owns the new address and the current one (ARCHITECTURE.md §5).
#[tokio::test]
async fn profile_changes_reach_the_core_user_under_the_trust_rules() {
    let app = spawn_app().await;
    let s = setup(&app, "entra").await;
    let login = format!("ann@{}", s.domain);
    let (status, created) = s
        .scim
        .post(
            "/Users",
            json!({
                "schemas": [USER, ENTERPRISE], "userName": login, "active": true, "externalId": "ann",
                "name": {"givenName": "Ann", "familyName": "Lee"},
                "emails": [{"primary": true, "type": "work", "value": login}],
            }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let scim_id = created["id"].as_str().unwrap().to_owned();
    let (_, du) = parts(app.get(&format!("/directory_users/{scim_id}")).await).await;
    let user_id = du["user_id"].as_str().expect("linked").to_owned();
    let user_updates = |events: Vec<Value>| {
        events
            .into_iter()
            .filter(|e| e["data"]["id"] == user_id.as_str())
            .count()
    };
    let updates_before = user_updates(app.events_of("user.updated").await);

    // Okta: PUT of the whole user.
    let mut put = created.clone();
    put["name"]["givenName"] = json!("Annie");
    let (status, _) = s.scim.put(&format!("/Users/{scim_id}"), put).await;
    assert_eq!(status, 200);
    assert_eq!(core_user(&app, &user_id).await["first_name"], "Annie");
    assert_eq!(user_updates(app.events_of("user.updated").await), updates_before + 1);

    // Okta: replace with no path and a partial object.
    let (status, _) = s
        .scim
        .patch(
            &format!("/Users/{scim_id}"),
            json!({"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"name": {"givenName": "Annie", "familyName": "Leigh"}}}]}),
        )
        .await;
    assert_eq!(status, 200);
    let user = core_user(&app, &user_id).await;
    assert_eq!(
        (user["first_name"].as_str(), user["last_name"].as_str()),
        (Some("Annie"), Some("Leigh"))
    );

    // Entra: dotted path, capitalized op.
    let (status, _) = s
        .scim
        .patch(
            &format!("/Users/{scim_id}"),
            json!({"schemas": [PATCH_OP], "Operations": [{"op": "Replace", "path": "name.givenName", "value": "Anne"}]}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(core_user(&app, &user_id).await["first_name"], "Anne");
    // An unrelated change does not overwrite a name edited in Gatehouse.
    let (status, _) = parts(
        app.put(
            &format!("/user_management/users/{user_id}"),
            json!({"last_name": "Edited"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    let (status, _) = s
        .scim
        .patch(
            &format!("/Users/{scim_id}"),
            json!({"schemas": [PATCH_OP], "Operations": [{"op": "Add", "path": "title", "value": "Engineer"}]}),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(core_user(&app, &user_id).await["last_name"], "Edited");

    // Entra: a new work email in the organization's verified domain is trusted.
    let renamed = format!("anne.lee@{}", s.domain);
    let email_patch = |value: &str| {
        json!({"schemas": [PATCH_OP], "Operations": [
            {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": value}
        ]})
    };
    let (status, _) = s.scim.patch(&format!("/Users/{scim_id}"), email_patch(&renamed)).await;
    assert_eq!(status, 200);
    let user = core_user(&app, &user_id).await;
    assert_eq!(
        (user["email"].as_str(), user["email_verified"].as_bool()),
        (Some(renamed.as_str()), Some(true))
    );
    assert!(last_user_updated(&app, &scim_id).await["data"]
        .get("core_email_unchanged")
        .is_none());

    // Outside the verified domains: the directory user changes, the core user keeps its email.
    let outside = "anne@elsewhere.example";
    let (status, patched) = s.scim.patch(&format!("/Users/{scim_id}"), email_patch(outside)).await;
    assert_eq!((status, patched["emails"][0]["value"].as_str()), (200, Some(outside)));
    assert_eq!(core_user(&app, &user_id).await["email"], renamed.as_str());
    assert_eq!(
        last_user_updated(&app, &scim_id).await["data"]["core_email_unchanged"]["reason"],
        "untrusted_domain"
    );

    // Back in the domain, but the address belongs to someone else: kept, and why.
    let taken = format!("taken@{}", s.domain);
    app.create_user(&taken).await;
    let (status, _) = s.scim.patch(&format!("/Users/{scim_id}"), email_patch(&taken)).await;
    assert_eq!(status, 200);
    assert_eq!(core_user(&app, &user_id).await["email"], renamed.as_str());
    assert_eq!(
        last_user_updated(&app, &scim_id).await["data"]["core_email_unchanged"]["reason"],
        "email_in_use"
    );

    // An address the organization does not own gets no core user (issue 16 point 5); once the
    // directory moves it into a verified domain, the directory user links to a proven account.
    let (status, other) = s
        .scim
        .post(
            "/Users",
            json!({"schemas": [USER], "userName": "bo@partner.example", "active": true,
                   "emails": [{"primary": true, "type": "work", "value": "bo@partner.example"}]}),
        )
        .await;
    assert_eq!(status, 201, "{other}");
    let other_id = other["id"].as_str().unwrap().to_owned();
    let (_, other_du) = parts(app.get(&format!("/directory_users/{other_id}")).await).await;
    assert_eq!(other_du["user_id"], Value::Null, "{other_du}");
    let owned = format!("bo@{}", s.domain);
    let (status, _) = s.scim.patch(&format!("/Users/{other_id}"), email_patch(&owned)).await;
    assert_eq!(status, 200);
    let (_, other_du) = parts(app.get(&format!("/directory_users/{other_id}")).await).await;
    let other_user = other_du["user_id"].as_str().expect("linked once owned").to_owned();
    let user = core_user(&app, &other_user).await;
    assert_eq!(
        (user["email"].as_str(), user["email_verified"].as_bool()),
        (Some(owned.as_str()), Some(true))
    );
}
