//! SSO sign-in through user management: an SSO login's code presented to
//! /user_management/authenticate signs the user in, linking to an existing account only when
//! the connection's organization vouches for the email (a verified domain), and otherwise
//! only after the mailbox is proven (the identity-linking attacks of seed 004).

use crate::helpers::{parts, sign_up};
use crate::saml_idp::{signed_response, ResponseSpec};
use crate::sso_flow::{param, setup, Setup};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

pub const DOMAIN: &str = "acme-sso.test";

pub fn token_claims(jwt: &str) -> Value {
    let payload = jwt.split('.').nth(1).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).unwrap()).unwrap()
}

pub async fn verify_domain(s: &Setup, domain: &str) {
    let (status, body) = parts(
        s.app
            .put(
                &format!("/organizations/{}", s.org_id),
                json!({"domain_data": [{"domain": domain, "state": "verified"}]}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

pub async fn set_policy(s: &Setup, org_id: &str, policy: Value) {
    let resp = s.app.put(&format!("/organizations/{org_id}/policy"), policy).await;
    assert_eq!(resp.status(), 200, "{}", resp.text().await.unwrap());
}

/// An SP-initiated login at the connection whose IdP asserts `email` for subject `idp_id`;
/// returns the code the client received.
pub async fn sso_code(s: &Setup, idp_id: &str, email: &str) -> String {
    let (request_id, relay) = s.start(&format!("connection={}", s.conn["id"].as_str().unwrap())).await;
    let spec = ResponseSpec {
        name_id: idp_id.into(),
        attributes: vec![("email".into(), vec![email.into()])],
        ..s.spec(Some(&request_id))
    };
    let (status, to) = s.post_acs(&signed_response(&s.idp, &spec).unwrap(), Some(&relay)).await;
    assert_eq!(status, 302);
    param(&to.unwrap(), "code").expect("a code")
}

pub async fn sign_in(s: &Setup, code: &str) -> (u16, Value) {
    s.app
        .authenticate(json!({"grant_type": "authorization_code", "code": code}))
        .await
}

pub async fn sessions_of(s: &Setup, user_id: &str) -> Vec<Value> {
    let body: Value = s
        .app
        .get(&format!("/user_management/users/{user_id}/sessions"))
        .await
        .json()
        .await
        .unwrap();
    body["data"].as_array().unwrap().clone()
}

pub fn unique(tag: &str) -> String {
    format!("{tag}-{}@{DOMAIN}", ulid::Ulid::new().to_string().to_lowercase())
}

#[tokio::test]
async fn a_trusted_email_links_to_the_existing_user_and_satisfies_sso_required() {
    let s = setup(json!({})).await;
    verify_domain(&s, DOMAIN).await;
    set_policy(&s, &s.org_id, json!({"sso_required": true})).await;
    let conn_id = s.conn["id"].as_str().unwrap();
    let email = unique("ada");
    let user = sign_up(&s.app, &email, true).await;
    let user_id = user["id"].as_str().unwrap();

    let code = sso_code(&s, "okta-ada-1", &email).await;
    let (status, body) = sign_in(&s, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["id"], user_id);
    assert_eq!(body["authentication_method"], "sso");
    assert_eq!(body["organization_id"], s.org_id.as_str());
    assert_eq!(
        token_claims(body["access_token"].as_str().unwrap())["org_id"],
        s.org_id.as_str()
    );
    let sessions = sessions_of(&s, user_id).await;
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["auth_methods"][0]["method"], format!("sso:{conn_id}"));

    // The code is single-use.
    let (status, body) = sign_in(&s, &code).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_grant")), "{body}");

    // The membership came from SSO, and the sign-in event names the connection.
    let (_, memberships) = parts(
        s.app
            .get(&format!("/user_management/organization_memberships?user_id={user_id}"))
            .await,
    )
    .await;
    assert_eq!(
        memberships["data"][0]["organization_id"],
        s.org_id.as_str(),
        "{memberships}"
    );
    let events = s.app.events_of("authentication.sso_succeeded").await;
    assert_eq!(events.len(), 1);
    assert_eq!(events[0]["data"]["connection_id"], conn_id);
    assert_eq!(events[0]["data"]["user_id"], user_id);

    // The IdP subject is remembered: a changed IdP email still reaches the same user.
    let code = sso_code(&s, "okta-ada-1", &unique("ada-renamed")).await;
    let (status, body) = sign_in(&s, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["id"], user_id);
}

#[tokio::test]
async fn an_untrusted_idp_email_never_links_silently() {
    // The attacker's organization runs its own IdP but has not verified the victim's domain.
    let s = setup(json!({})).await;
    let victim_email = unique("victim");
    let victim = sign_up(&s.app, &victim_email, true).await;
    let victim_id = victim["id"].as_str().unwrap();

    let code = sso_code(&s, "attacker-subject", &victim_email).await;
    let (status, body) = sign_in(&s, &code).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("email_verification_required")),
        "{body}"
    );
    assert!(body.get("access_token").is_none());
    assert!(body["pending_authentication_token"].is_string());
    // The code went to the victim's mailbox, which the attacker cannot read.
    let mail = s.app.wait_for_email(&victim_email).await;
    assert!(!mail.text.is_empty());
    // A guessed code does not get in, and no session, membership or link exists.
    let (status, _) = s
        .app
        .authenticate(json!({"grant_type": "urn:gatehouse:grant-type:email-verification:code",
            "pending_authentication_token": body["pending_authentication_token"], "code": "000000"}))
        .await;
    assert_eq!(status, 400);
    assert!(sessions_of(&s, victim_id).await.is_empty());
    let (_, memberships) = parts(
        s.app
            .get(&format!(
                "/user_management/organization_memberships?user_id={victim_id}"
            ))
            .await,
    )
    .await;
    assert_eq!(memberships["data"].as_array().unwrap().len(), 0, "{memberships}");
    // A second try by the same IdP subject is still not linked.
    let code = sso_code(&s, "attacker-subject", &victim_email).await;
    let (status, body) = sign_in(&s, &code).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("email_verification_required"))
    );
}

#[tokio::test]
async fn jit_provisioning_follows_the_policy() {
    let s = setup(json!({})).await;
    verify_domain(&s, DOMAIN).await;
    let email = unique("newcomer");

    let code = sso_code(&s, "okta-new-1", &email).await;
    let (status, body) = sign_in(&s, &code).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("sso_jit_provisioning_disabled")),
        "{body}"
    );
    let (_, users) = parts(s.app.get(&format!("/user_management/users?email={email}")).await).await;
    assert_eq!(users["data"].as_array().unwrap().len(), 0);

    set_policy(&s, &s.org_id, json!({"jit_provisioning": true})).await;
    let code = sso_code(&s, "okta-new-1", &email).await;
    let (status, body) = sign_in(&s, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["email"], email.as_str());
    assert_eq!(body["user"]["email_verified"], true);
    assert_eq!(body["organization_id"], s.org_id.as_str());
    let user_id = body["user"]["id"].as_str().unwrap();
    let (status, shown) = parts(s.app.get(&format!("/user_management/users/{user_id}")).await).await;
    assert_eq!((status, shown["email"].as_str()), (200, Some(email.as_str())));
}

#[tokio::test]
async fn an_unproven_account_is_not_merged_into_the_sso_identity() {
    // The attacker registers the victim's work address first, with a password, never proving it.
    let s = setup(json!({})).await;
    verify_domain(&s, DOMAIN).await;
    let victim_email = unique("victim");
    let squatted = sign_up(&s.app, &victim_email, false).await;

    // The victim signs in through the organization's IdP, which vouches for the address.
    let code = sso_code(&s, "okta-victim-1", &victim_email).await;
    let (status, body) = sign_in(&s, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["email_verified"], true);
    let user_id = body["user"]["id"].as_str().unwrap();
    assert_eq!(user_id, squatted["id"].as_str().unwrap());

    // The attacker's password no longer opens the account the victim now uses.
    let (status, body) = s
        .app
        .authenticate(json!({"grant_type": "password", "email": victim_email, "password": crate::helpers::PASSWORD}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_credentials")),
        "{body}"
    );
    assert!(body.get("access_token").is_none());
    assert_eq!(sessions_of(&s, user_id).await.len(), 1);
}

/// A user of the domain, member of the connection's organization and of another one, signed
/// in by password into the other one: (email, user id, the sign-in's answer).
async fn signed_into_a_permissive_org(s: &Setup, tag: &str) -> (String, String, Value) {
    use crate::helpers::PASSWORD;
    let app = &s.app;
    let email = unique(tag);
    let user = sign_up(app, &email, true).await;
    let user_id = user["id"].as_str().unwrap().to_owned();
    let permissive = app.create_org("Permissive").await;
    for org in [permissive["id"].as_str().unwrap(), s.org_id.as_str()] {
        let resp = app
            .post(
                "/user_management/organization_memberships",
                json!({"user_id": user_id, "organization_id": org}),
            )
            .await;
        assert_eq!(resp.status(), 201);
    }
    let (_, needed) = app
        .authenticate(json!({"grant_type": "password", "email": email, "password": PASSWORD}))
        .await;
    let (status, signed_in) = app
        .authenticate(json!({"grant_type": "urn:gatehouse:grant-type:organization-selection",
            "pending_authentication_token": needed["pending_authentication_token"], "organization_id": permissive["id"]}))
        .await;
    assert_eq!(status, 200, "{signed_in}");
    (email, user_id, signed_in)
}

#[tokio::test]
async fn an_employee_enters_the_strict_organization_only_through_its_idp_and_mfa() {
    use crate::helpers::totp_code;
    use gatehouse::clock::Clock;
    let s = setup(json!({})).await;
    verify_domain(&s, DOMAIN).await;
    let app = &s.app;
    let conn_id = s.conn["id"].as_str().unwrap();
    let strict_id = s.org_id.as_str();
    // A password sign-in into the permissive organization, before the strict one required SSO
    // (afterwards its verified domain refuses password sign-in: sso_trust.rs).
    let (email, user_id, signed_in) = signed_into_a_permissive_org(&s, "employee").await;
    let user_id = user_id.as_str();
    let refresh = signed_in["refresh_token"].as_str().unwrap().to_owned();
    set_policy(&s, strict_id, json!({"sso_required": true, "mfa_required": true})).await;
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

    // Switching into the strict organization names what is missing: its SSO, and MFA.
    let (status, reauth) = app
        .authenticate(json!({"grant_type": "refresh_token", "refresh_token": refresh, "organization_id": strict_id}))
        .await;
    assert_eq!(
        (status, reauth["code"].as_str()),
        (403, Some("reauthentication_required")),
        "{reauth}"
    );
    let requirements = reauth["requirements"].as_array().unwrap();
    assert!(requirements.contains(&json!("sso")), "{reauth}");
    assert!(requirements.contains(&json!("mfa")), "{reauth}");
    assert_eq!(reauth["sso_connection_ids"], json!([conn_id]));

    // Through the organization's IdP, then the TOTP challenge, the sign-in enters it.
    let code = sso_code(&s, "okta-employee-1", &email).await;
    let (status, mfa) = sign_in(&s, &code).await;
    assert_eq!((status, mfa["code"].as_str()), (403, Some("mfa_challenge")), "{mfa}");
    let factor_id = enrolled["authentication_factor"]["id"].as_str().unwrap();
    let (_, fresh) = parts(
        app.post(&format!("/auth/factors/{factor_id}/challenge"), json!({}))
            .await,
    )
    .await;
    let (status, entered) = app
        .authenticate(json!({"grant_type": "urn:gatehouse:grant-type:mfa-totp",
            "pending_authentication_token": mfa["pending_authentication_token"],
            "authentication_challenge_id": fresh["id"], "code": totp_code(&secret, app.clock.now().timestamp())}))
        .await;
    assert_eq!(status, 200, "{entered}");
    assert_eq!(entered["organization_id"], strict_id);
    assert_eq!(
        token_claims(entered["access_token"].as_str().unwrap())["org_id"],
        strict_id
    );

    // The password session still cannot switch in.
    let (status, again) = app
        .authenticate(json!({"grant_type": "refresh_token", "refresh_token": refresh, "organization_id": strict_id}))
        .await;
    assert_eq!(
        (status, again["code"].as_str()),
        (403, Some("reauthentication_required"))
    );
}

#[tokio::test]
async fn saml_idp_from_npm_signs_a_provisioned_user_in() {
    use crate::sso_flow::{no_redirects, urlencode};
    use crate::sso_interop::{connect, deliver, setup as interop_setup, sign_in_at_idp};
    let (app, org, client_id, redirect_uri) = interop_setup().await;
    let org_id = org["id"].as_str().unwrap();
    let (status, body) = parts(
        app.put(
            &format!("/organizations/{org_id}"),
            json!({"domain_data": [{"domain": "example.com", "state": "verified"}]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let resp = app
        .put(
            &format!("/organizations/{org_id}/policy"),
            json!({"jit_provisioning": true}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    let (conn, idp) = connect(&app, &org, json!({}), None).await;
    let http = no_redirects();
    let authorize = format!(
        "{}/sso/authorize?client_id={client_id}&redirect_uri={}&response_type=code&state=xyz&organization={org_id}",
        app.base,
        urlencode(&redirect_uri),
    );
    let resp = http.get(authorize).send().await.unwrap();
    assert_eq!(resp.status(), 302);
    let to_idp = resp.headers()["location"].to_str().unwrap().to_owned();
    let fields = sign_in_at_idp(&http, &idp, &to_idp).await;
    let to = deliver(&app, &conn, &fields).await;
    let code = param(&to, "code").unwrap_or_else(|| panic!("no code in {to}"));

    let (status, body) = app
        .authenticate(json!({"grant_type": "authorization_code", "code": code}))
        .await;
    assert_eq!(status, 200, "{body}");
    assert!(body["access_token"].is_string() && body["refresh_token"].is_string());
    assert_eq!(body["organization_id"], org_id);
    let user_id = body["user"]["id"].as_str().unwrap();
    let (status, user) = parts(app.get(&format!("/user_management/users/{user_id}")).await).await;
    assert_eq!(status, 200, "{user}");
    assert_eq!(user["email"], "saml.jackson@example.com");
    assert_eq!(user["email_verified"], true);
    assert_eq!(user["first_name"], "Saml");
}

/// API.md flow 2: a password session switching into an organization that requires SSO gets
/// `reauthentication_required` with a pending token; the SSO code presented with that token
/// steps the same session up (facts += sso:<connection>) and enters the organization.
#[tokio::test]
async fn an_sso_code_with_the_reauthentication_token_steps_the_same_session_up() {
    let s = setup(json!({})).await;
    verify_domain(&s, DOMAIN).await;
    let app = &s.app;
    let conn_id = s.conn["id"].as_str().unwrap();
    let strict_id = s.org_id.as_str();
    let (email, user_id, signed_in) = signed_into_a_permissive_org(&s, "switcher").await;
    let user_id = user_id.as_str();
    let session_id = sessions_of(&s, user_id).await[0]["id"].as_str().unwrap().to_owned();
    set_policy(&s, strict_id, json!({"sso_required": true})).await;

    let (status, reauth) = app
        .authenticate(json!({"grant_type": "refresh_token", "refresh_token": signed_in["refresh_token"], "organization_id": strict_id}))
        .await;
    assert_eq!(
        (status, reauth["code"].as_str()),
        (403, Some("reauthentication_required")),
        "{reauth}"
    );
    let code = sso_code(&s, "okta-switcher-1", &email).await;
    let (status, switched) = app
        .authenticate(json!({"grant_type": "authorization_code", "code": code,
            "pending_authentication_token": reauth["pending_authentication_token"]}))
        .await;
    assert_eq!(status, 200, "{switched}");
    assert_eq!(switched["organization_id"], strict_id);
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
        who["session"]["id"],
        session_id.as_str(),
        "the same session, stepped up"
    );
    let sessions = sessions_of(&s, user_id).await;
    assert_eq!(sessions.len(), 1);
    let methods: Vec<&str> = sessions[0]["auth_methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, vec!["password".to_owned(), format!("sso:{conn_id}")]);

    // The token was spent with the step-up.
    let code = sso_code(&s, "okta-switcher-1", &email).await;
    let (status, again) = app
        .authenticate(json!({"grant_type": "authorization_code", "code": code,
            "pending_authentication_token": reauth["pending_authentication_token"]}))
        .await;
    assert_eq!(
        (status, again["code"].as_str()),
        (400, Some("invalid_grant")),
        "{again}"
    );
}
