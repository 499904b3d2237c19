//! Organization policies and forced re-authentication when a session switches into an
//! organization whose policy it does not meet (ARCHITECTURE.md §4, API.md flow 2).

use crate::helpers::{parts, sign_up, spawn_app, totp_code, TestApp, PASSWORD};
use gatehouse::clock::Clock;
use serde_json::{json, Value};

async fn member(app: &TestApp, user: &Value, org: &Value) {
    let resp = app
        .post(
            "/user_management/organization_memberships",
            json!({"user_id": user["id"], "organization_id": org["id"]}),
        )
        .await;
    assert_eq!(resp.status(), 201);
}

#[tokio::test]
async fn policy_defaults_updates_and_validation() {
    let app = spawn_app().await;
    let org = app.create_org("Acme").await;
    let path = format!("/organizations/{}/policy", org["id"].as_str().unwrap());
    let (status, policy) = parts(app.get(&path).await).await;
    assert_eq!(status, 200);
    assert_eq!(
        (policy["mfa_required"].as_bool(), policy["sso_exempt_guests"].as_bool()),
        (Some(false), Some(true))
    );
    assert_eq!(policy["allowed_auth_methods"], Value::Null);

    let (status, policy) = parts(app.put(&path, json!({"mfa_required": true, "max_session_age": 3600, "allowed_auth_methods": ["password", "oauth:google"]})).await).await;
    assert_eq!(status, 200, "{policy}");
    let patched = app
        .request(reqwest::Method::PATCH, &path)
        .json(&json!({"max_session_age": null}))
        .send()
        .await
        .unwrap();
    let (status, policy) = parts(patched).await;
    assert_eq!(status, 200);
    assert_eq!(
        (policy["mfa_required"].as_bool(), policy["max_session_age"].clone()),
        (Some(true), Value::Null),
        "PATCH keeps what it does not name"
    );

    for (body, field) in [
        (json!({"sso_required": true}), "sso_required"),
        (
            json!({"allowed_auth_methods": ["carrier-pigeon"]}),
            "allowed_auth_methods[0]",
        ),
        (json!({"max_session_age": 0}), "max_session_age"),
        (json!({"guest_domains": ["not a domain"]}), "guest_domains[0]"),
    ] {
        let (status, err) = parts(app.put(&path, body.clone()).await).await;
        assert_eq!(
            (status, err["errors"][0]["field"].as_str()),
            (422, Some(field)),
            "{body}"
        );
    }
    let verified = app.create_org("Owner").await;
    let owner_path = format!("/organizations/{}", verified["id"].as_str().unwrap());
    app.put(
        &owner_path,
        json!({"domain_data": [{"domain": "owner.example", "state": "verified"}]}),
    )
    .await;
    let (status, err) = parts(
        app.put(
            &format!("{owner_path}/policy"),
            json!({"guest_domains": ["owner.example"]}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, err["errors"][0]["code"].as_str()),
        (422, Some("verified_domain"))
    );
    assert_eq!(app.events_of("organization_policy.updated").await.len(), 2);
}

#[tokio::test]
async fn switching_into_a_stricter_organization_forces_reauthentication() {
    let app = spawn_app().await;
    let email = format!("employee-{}@example.com", ulid::Ulid::new().to_string().to_lowercase());
    let (_, user) = parts(
        app.post(
            "/user_management/users",
            json!({"email": email, "password": PASSWORD, "email_verified": true}),
        )
        .await,
    )
    .await;
    let permissive = app.create_org("Permissive").await;
    let strict = app.create_org("Strict").await;
    member(&app, &user, &permissive).await;
    member(&app, &user, &strict).await;
    let strict_id = strict["id"].as_str().unwrap();
    app.put(
        &format!("/organizations/{strict_id}/policy"),
        json!({"mfa_required": true}),
    )
    .await;

    // Sign in to the permissive organization with a password only.
    let (_, needed) = app
        .authenticate(json!({"grant_type": "password", "email": email, "password": PASSWORD}))
        .await;
    let (status, signed_in) = app
        .authenticate(json!({"grant_type": "urn:gatehouse:grant-type:organization-selection",
                              "pending_authentication_token": needed["pending_authentication_token"], "organization_id": permissive["id"]}))
        .await;
    assert_eq!(status, 200, "{signed_in}");
    let refresh = signed_in["refresh_token"].as_str().unwrap().to_owned();

    // With no factor at all, the strict organization first asks for enrollment.
    let (status, enroll) = app
        .authenticate(json!({"grant_type": "refresh_token", "refresh_token": refresh, "organization_id": strict_id}))
        .await;
    assert_eq!(
        (status, enroll["code"].as_str()),
        (403, Some("mfa_enrollment")),
        "{enroll}"
    );

    let user_id = user["id"].as_str().unwrap();
    let (_, enrolled) = parts(
        app.post(
            &format!("/user_management/users/{user_id}/auth_factors"),
            json!({"type": "totp"}),
        )
        .await,
    )
    .await;
    let secret = enrolled["authentication_factor"]["totp"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let challenge = enrolled["authentication_challenge"]["id"].as_str().unwrap();
    parts(
        app.post(
            &format!("/auth/challenges/{challenge}/verify"),
            json!({"code": totp_code(&secret, app.clock.now().timestamp())}),
        )
        .await,
    )
    .await;
    app.clock.advance(chrono::Duration::seconds(30));

    // Now the session lacks MFA: re-authentication is required and no token is issued.
    let session_id = {
        let sessions: Value = app
            .get(&format!("/user_management/users/{user_id}/sessions"))
            .await
            .json()
            .await
            .unwrap();
        sessions["data"][0]["id"].as_str().unwrap().to_owned()
    };
    let explain: Value = app
        .get(&format!(
            "/organizations/{strict_id}/policy/explain?session_id={session_id}"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (explain["satisfied"].as_bool(), explain["requirements"].clone()),
        (Some(false), json!(["mfa"])),
        "{explain}"
    );
    let (status, reauth) = app
        .authenticate(json!({"grant_type": "refresh_token", "refresh_token": refresh, "organization_id": strict_id}))
        .await;
    assert_eq!(
        (status, reauth["code"].as_str()),
        (403, Some("reauthentication_required")),
        "{reauth}"
    );
    assert_eq!(
        (reauth["organization_id"].as_str(), reauth["requirements"].clone()),
        (Some(strict_id), json!(["mfa"]))
    );
    assert!(reauth.get("access_token").is_none());

    // The refresh token was not spent by the refusal: the permissive session goes on.
    let (status, still) = app
        .authenticate(json!({"grant_type": "refresh_token", "refresh_token": refresh}))
        .await;
    assert_eq!(
        (status, still["organization_id"].clone()),
        (200, permissive["id"].clone())
    );

    // Satisfying the policy (a TOTP challenge) completes the switch on the same session.
    let factor_id = enrolled["authentication_factor"]["id"].as_str().unwrap();
    let (_, fresh_challenge) = parts(
        app.post(&format!("/auth/factors/{factor_id}/challenge"), json!({}))
            .await,
    )
    .await;
    let (status, switched) = app
        .authenticate(json!({"grant_type": "urn:gatehouse:grant-type:mfa-totp", "pending_authentication_token": reauth["pending_authentication_token"],
                              "authentication_challenge_id": fresh_challenge["id"], "code": totp_code(&secret, app.clock.now().timestamp())}))
        .await;
    assert_eq!(status, 200, "{switched}");
    assert_eq!(switched["organization_id"].as_str(), Some(strict_id));
    let who: Value = app
        .http
        .get(format!("{}/user_management/me", app.base))
        .bearer_auth(switched["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        who["session"]["id"].as_str(),
        Some(session_id.as_str()),
        "the same session, stepped up"
    );
    assert!(who["session"]["mfa_at"].is_string());
    let explain: Value = app
        .get(&format!(
            "/organizations/{strict_id}/policy/explain?session_id={session_id}"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(explain["satisfied"], true);
}

#[tokio::test]
async fn jit_membership_needs_a_verified_domain_and_a_proven_email() {
    let app = spawn_app().await;
    let suffix = ulid::Ulid::new().to_string().to_lowercase();
    let domain = format!("acme-{suffix}.example");
    let (_, acme) = parts(
        app.post(
            "/organizations",
            json!({"name": "Acme", "domain_data": [{"domain": domain, "state": "verified"}]}),
        )
        .await,
    )
    .await;
    let acme_id = acme["id"].as_str().unwrap();
    app.put(
        &format!("/organizations/{acme_id}/policy"),
        json!({"jit_membership": true}),
    )
    .await;

    // The seed's fake-organization attack: someone else claims the same domain (unverified)
    // and turns JIT on, hoping Acme's people land in their organization.
    let (_, fake) = parts(
        app.post(
            "/organizations",
            json!({"name": "Acme (fake)", "domain_data": [{"domain": domain}]}),
        )
        .await,
    )
    .await;
    let fake_id = fake["id"].as_str().unwrap();
    app.put(
        &format!("/organizations/{fake_id}/policy"),
        json!({"jit_membership": true}),
    )
    .await;

    let employee = format!("ann@{domain}");
    sign_up(&app, &employee, true).await;
    let (status, signed_in) = app
        .authenticate(json!({"grant_type": "password", "email": employee, "password": PASSWORD}))
        .await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(
        signed_in["organization_id"].as_str(),
        Some(acme_id),
        "joined the verified owner only"
    );
    let memberships: Value = app
        .get(&format!(
            "/user_management/organization_memberships?user_id={}",
            signed_in["user"]["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    let joined: Vec<(&str, &str)> = memberships["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["organization_id"].as_str().unwrap(), m["source"].as_str().unwrap()))
        .collect();
    assert_eq!(joined, vec![(acme_id, "jit")], "nothing in the fake organization");

    // An unproven mailbox in the domain joins nothing.
    let unproven = format!("bob@{domain}");
    app.post(
        "/user_management/users",
        json!({"email": unproven, "password": PASSWORD}),
    )
    .await;
    let (status, needed) = app
        .authenticate(json!({"grant_type": "password", "email": unproven, "password": PASSWORD}))
        .await;
    assert_eq!(
        (status, needed["code"].as_str()),
        (403, Some("email_verification_required"))
    );
    let bob: Value = app
        .get(&format!("/user_management/users?email={unproven}"))
        .await
        .json()
        .await
        .unwrap();
    let bob_memberships: Value = app
        .get(&format!(
            "/user_management/organization_memberships?user_id={}",
            bob["data"][0]["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(bob_memberships["data"].as_array().unwrap().len(), 0);
}

#[tokio::test]
async fn guest_domain_users_are_not_added_directly() {
    let app = spawn_app().await;
    let org = app.create_org("Acme").await;
    let org_id = org["id"].as_str().unwrap();
    app.put(
        &format!("/organizations/{org_id}/policy"),
        json!({"guest_domains": ["contractor.example"]}),
    )
    .await;
    let contractor = sign_up(
        &app,
        &format!("c-{}@contractor.example", ulid::Ulid::new().to_string().to_lowercase()),
        true,
    )
    .await;
    let (status, err) = parts(
        app.post(
            "/user_management/organization_memberships",
            json!({"user_id": contractor["id"], "organization_id": org_id}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (422, Some("guest_domain_requires_invitation"))
    );
}

/// A domain can end up both verified and a guest domain (the guest domain saved first, the
/// domain verified after). Its people are contractors: JIT must not make them members.
#[tokio::test]
async fn jit_membership_skips_a_guest_domain_even_when_it_is_verified() {
    let app = spawn_app().await;
    let suffix = ulid::Ulid::new().to_string().to_lowercase();
    let domain = format!("agency-{suffix}.example");
    let org = app.create_org("Acme").await;
    let org_id = org["id"].as_str().unwrap();
    let (status, policy) = parts(
        app.put(
            &format!("/organizations/{org_id}/policy"),
            json!({"jit_membership": true, "guest_domains": [domain]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{policy}");
    let (status, updated) = parts(
        app.put(
            &format!("/organizations/{org_id}"),
            json!({"domain_data": [{"domain": domain, "state": "verified"}]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{updated}");
    assert_eq!(updated["domains"][0]["state"], "verified");

    let contractor = format!("carl@{domain}");
    sign_up(&app, &contractor, true).await;
    let (status, signed_in) = app
        .authenticate(json!({"grant_type": "password", "email": contractor, "password": PASSWORD}))
        .await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(signed_in["organization_id"], Value::Null, "not joined: {signed_in}");
    let memberships: Value = app
        .get(&format!(
            "/user_management/organization_memberships?user_id={}",
            signed_in["user"]["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(memberships["data"], json!([]));
}
