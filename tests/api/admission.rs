//! Which organization a session may carry (issue 16, points 6-8), as an attacker would try it over
//! HTTP: no token carries an organization without an active membership there, a policy tightened
//! after the session began takes hold at the next refresh, and only the organization's own
//! connections count as its SSO. The rule lives in `policy/admission.rs`; these tests hold
//! sign-in, switching and every refresh to it.

use crate::helpers::{parts, sign_up, totp_code, TestApp, PASSWORD};
use crate::saml_idp::TestIdp;
use crate::sso_connections::{cert_b64, create_saml};
use crate::sso_flow::{setup, Setup};
use crate::sso_signin::{set_policy, sign_in, sso_code, token_claims, unique, verify_domain};
use gatehouse::clock::Clock;
use serde_json::{json, Value};

async fn refresh(app: &TestApp, token: &str, organization_id: Option<&str>) -> (u16, Value) {
    let mut body = json!({"grant_type": "refresh_token", "refresh_token": token});
    if let Some(org) = organization_id {
        body["organization_id"] = json!(org);
    }
    app.authenticate(body).await
}

async fn add_member(app: &TestApp, user_id: &str, org_id: &str) -> String {
    let (status, m) = parts(
        app.post(
            "/user_management/organization_memberships",
            json!({"user_id": user_id, "organization_id": org_id}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{m}");
    m["id"].as_str().unwrap().to_owned()
}

fn assert_no_tokens(body: &Value) {
    assert!(body.get("access_token").is_none(), "{body}");
    assert!(body.get("refresh_token").is_none(), "{body}");
}

fn assert_reauthentication(status: u16, body: &Value, org_id: &str, requirements: Value) {
    assert_eq!(
        (status, body["code"].as_str(), body["organization_id"].as_str()),
        (403, Some("reauthentication_required"), Some(org_id)),
        "{body}"
    );
    assert_eq!(body["requirements"], requirements, "{body}");
    assert_no_tokens(body);
}

/// Point 6: a member of A signs in through A's SSO, then A deactivates the membership. Neither
/// the session's next refresh nor a new sign-in through A's IdP carries A.
#[tokio::test]
async fn a_deactivated_member_gets_no_token_for_the_organization() {
    let s = setup(json!({})).await;
    verify_domain(&s, crate::sso_signin::DOMAIN).await;
    let email = unique("leaver");
    let user = sign_up(&s.app, &email, true).await;
    let user_id = user["id"].as_str().unwrap();
    let code = sso_code(&s, "okta-leaver", &email).await;
    let (status, signed_in) = sign_in(&s, &code).await;
    assert_eq!(
        (status, signed_in["organization_id"].as_str()),
        (200, Some(s.org_id.as_str())),
        "{signed_in}"
    );
    let refresh_token = signed_in["refresh_token"].as_str().unwrap().to_owned();

    let (_, page) = parts(
        s.app
            .get(&format!("/user_management/organization_memberships?user_id={user_id}"))
            .await,
    )
    .await;
    let membership_id = page["data"][0]["id"].as_str().unwrap().to_owned();
    let (status, off) = parts(
        s.app
            .put(
                &format!("/user_management/organization_memberships/{membership_id}/deactivate"),
                json!({}),
            )
            .await,
    )
    .await;
    assert_eq!((status, off["status"].as_str()), (200, Some("inactive")), "{off}");

    // The session that carried A ended with the membership.
    let (status, body) = refresh(&s.app, &refresh_token, None).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_grant")), "{body}");
    assert_no_tokens(&body);

    // A's IdP still vouches for the person, but the session it opens carries no organization.
    let code = sso_code(&s, "okta-leaver", &email).await;
    let (status, body) = sign_in(&s, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["id"], user_id);
    assert_eq!(
        body.get("organization_id").cloned().unwrap_or(Value::Null),
        Value::Null,
        "{body}"
    );
    let claims = token_claims(body["access_token"].as_str().unwrap());
    assert!(claims.get("org_id").is_none_or(Value::is_null), "{claims}");
    let (status, body) = refresh(&s.app, body["refresh_token"].as_str().unwrap(), Some(&s.org_id)).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("organization_membership_required")),
        "no switch into A either: {body}"
    );
    assert_no_tokens(&body);
    let (_, page) = parts(
        s.app
            .get(&format!("/user_management/organization_memberships?user_id={user_id}"))
            .await,
    )
    .await;
    assert_eq!(
        page["data"][0]["status"], "inactive",
        "the sign-in did not reactivate it"
    );
}

/// Point 7: on a session in B, B's admin tightens the policy. Each plain refresh evaluates the
/// policy as it reads now, refuses naming what is missing, and spends nothing.
#[tokio::test]
async fn a_policy_tightened_after_sign_in_takes_hold_at_the_next_refresh() {
    let s = setup(json!({})).await;
    let app = &s.app;
    let email = unique("stayer");
    let user = sign_up(app, &email, true).await;
    let user_id = user["id"].as_str().unwrap();
    add_member(app, user_id, &s.org_id).await;
    let (status, signed_in) = app
        .authenticate(json!({"grant_type": "password", "email": email, "password": PASSWORD}))
        .await;
    assert_eq!(
        (status, signed_in["organization_id"].as_str()),
        (200, Some(s.org_id.as_str())),
        "{signed_in}"
    );
    let token = signed_in["refresh_token"].as_str().unwrap().to_owned();

    set_policy(&s, &s.org_id, json!({"sso_required": true})).await;
    let (status, body) = refresh(app, &token, None).await;
    assert_reauthentication(status, &body, &s.org_id, json!(["sso"]));

    set_policy(&s, &s.org_id, json!({"max_session_age": 60})).await;
    app.clock.advance(chrono::Duration::seconds(120));
    let (status, body) = refresh(app, &token, None).await;
    assert_reauthentication(status, &body, &s.org_id, json!(["max_session_age"]));

    // No factor yet: MFA asks for enrollment first.
    set_policy(&s, &s.org_id, json!({"mfa_required": true})).await;
    let (status, body) = refresh(app, &token, None).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("mfa_enrollment")), "{body}");
    assert_no_tokens(&body);

    // With a factor, the refusal names MFA, and its pending token completes a step-up of the same
    // session.
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
    let factor_id = enrolled["authentication_factor"]["id"].as_str().unwrap();
    let challenge = enrolled["authentication_challenge"]["id"].as_str().unwrap();
    let (status, _) = parts(
        app.post(
            &format!("/auth/challenges/{challenge}/verify"),
            json!({"code": totp_code(&secret, app.clock.now().timestamp())}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    app.clock.advance(chrono::Duration::seconds(30));
    let (status, reauth) = refresh(app, &token, None).await;
    assert_reauthentication(status, &reauth, &s.org_id, json!(["mfa"]));

    // Nothing was spent by any refusal: the token still refreshes once the policy allows it.
    set_policy(&s, &s.org_id, json!({})).await;
    let (status, body) = refresh(app, &token, None).await;
    assert_eq!(
        (status, body["organization_id"].as_str()),
        (200, Some(s.org_id.as_str())),
        "{body}"
    );
    let token = body["refresh_token"].as_str().unwrap().to_owned();

    set_policy(&s, &s.org_id, json!({"mfa_required": true})).await;
    let (status, reauth) = refresh(app, &token, None).await;
    assert_reauthentication(status, &reauth, &s.org_id, json!(["mfa"]));
    let (_, fresh) = parts(
        app.post(&format!("/auth/factors/{factor_id}/challenge"), json!({}))
            .await,
    )
    .await;
    let (status, stepped) = app
        .authenticate(json!({"grant_type": "urn:gatehouse:grant-type:mfa-totp",
            "pending_authentication_token": reauth["pending_authentication_token"],
            "authentication_challenge_id": fresh["id"],
            "code": totp_code(&secret, app.clock.now().timestamp())}))
        .await;
    assert_eq!(
        (status, stepped["organization_id"].as_str()),
        (200, Some(s.org_id.as_str())),
        "{stepped}"
    );
    let (status, body) = refresh(app, stepped["refresh_token"].as_str().unwrap(), None).await;
    assert_eq!(status, 200, "the stepped-up session meets the policy: {body}");
}

/// Point 7, the idle rule: a session left idle longer than a newly set `idle_timeout` is refused
/// at its next refresh, though that refresh itself marks the session seen, and a refusal spends
/// nothing: once the rule is relaxed the same token refreshes.
#[tokio::test]
async fn an_idle_timeout_set_after_sign_in_refuses_the_refresh_of_an_idle_session() {
    let s = setup(json!({})).await;
    let app = &s.app;
    let email = unique("idler");
    let user = sign_up(app, &email, true).await;
    add_member(app, user["id"].as_str().unwrap(), &s.org_id).await;
    let (status, signed_in) = app
        .authenticate(json!({"grant_type": "password", "email": email, "password": PASSWORD}))
        .await;
    assert_eq!(status, 200, "{signed_in}");
    let token = signed_in["refresh_token"].as_str().unwrap().to_owned();

    set_policy(&s, &s.org_id, json!({"idle_timeout": 60})).await;
    app.clock.advance(chrono::Duration::seconds(90));
    let (status, body) = refresh(app, &token, None).await;
    assert_reauthentication(status, &body, &s.org_id, json!(["max_session_age"]));
    let (status, body) = refresh(app, &token, None).await;
    assert_reauthentication(status, &body, &s.org_id, json!(["max_session_age"]));

    set_policy(&s, &s.org_id, json!({"idle_timeout": 600})).await;
    let (status, body) = refresh(app, &token, None).await;
    assert_eq!(
        (status, body["organization_id"].as_str()),
        (200, Some(s.org_id.as_str())),
        "the refused refreshes spent nothing: {body}"
    );
}

/// A second organization with its own active SAML connection.
async fn org_with_connection(app: &TestApp, name: &str) -> (String, String) {
    let org = app.create_org(name).await;
    let org_id = org["id"].as_str().unwrap().to_owned();
    let idp = TestIdp::generate().unwrap();
    let (status, conn) = create_saml(
        app,
        &org_id,
        json!({"idp_entity_id": format!("https://idp.{}.test/e", name.to_lowercase()),
               "idp_sso_url": format!("https://idp.{}.test/sso", name.to_lowercase()),
               "idp_certificates": [cert_b64(&idp)]}),
    )
    .await;
    assert_eq!(status, 201, "{conn}");
    let conn_id = conn["id"].as_str().unwrap().to_owned();
    let resp = app.post(&format!("/connections/{conn_id}/activate"), json!({})).await;
    assert_eq!(resp.status(), 200);
    (org_id, conn_id)
}

/// Signs in through B's (the setup's) connection as a user of B's verified domain, who is also a
/// member of `other_org`.
async fn signed_in_through_b(s: &Setup, other_org: &str) -> (String, String) {
    verify_domain(s, crate::sso_signin::DOMAIN).await;
    let email = unique("both");
    let user = sign_up(&s.app, &email, true).await;
    let user_id = user["id"].as_str().unwrap().to_owned();
    add_member(&s.app, &user_id, other_org).await;
    let code = sso_code(s, "okta-both", &email).await;
    let (status, body) = sign_in(s, &code).await;
    assert_eq!(
        (status, body["organization_id"].as_str()),
        (200, Some(s.org_id.as_str())),
        "{body}"
    );
    (user_id, body["refresh_token"].as_str().unwrap().to_owned())
}

/// Point 8: A allows only SSO, and requires it. A sign-in through B's connection is SSO for B,
/// never for A.
#[tokio::test]
async fn another_organizations_connection_is_not_sso_for_this_one() {
    let s = setup(json!({})).await;
    let (a_id, a_conn) = org_with_connection(&s.app, "Alpha").await;

    set_policy(&s, &a_id, json!({"allowed_auth_methods": ["sso"]})).await;
    let (_, token) = signed_in_through_b(&s, &a_id).await;
    let (status, body) = refresh(&s.app, &token, Some(&a_id)).await;
    assert_reauthentication(status, &body, &a_id, json!(["allowed_auth_methods"]));

    set_policy(&s, &a_id, json!({"sso_required": true})).await;
    let (status, body) = refresh(&s.app, &token, Some(&a_id)).await;
    assert_reauthentication(status, &body, &a_id, json!(["sso"]));
    assert_eq!(
        body["sso_connection_ids"],
        json!([a_conn]),
        "A's own connection: {body}"
    );

    // The session goes on in B.
    let (status, body) = refresh(&s.app, &token, None).await;
    assert_eq!(
        (status, body["organization_id"].as_str()),
        (200, Some(s.org_id.as_str()))
    );
}

/// Point 8, the domain rule: A owns `alpha-corp.test` and requires SSO for it. A sign-in
/// through B's connection, even once the person proved the mailbox in that flow, does not meet
/// it: only A's connection does.
#[tokio::test]
async fn the_domain_sso_rule_is_met_only_through_the_owners_connections() {
    let s = setup(json!({})).await;
    let (a_id, a_conn) = org_with_connection(&s.app, "Alpha").await;
    let resp = s
        .app
        .put(
            &format!("/organizations/{a_id}"),
            json!({"domain_data": [{"domain": "alpha-corp.test", "state": "verified"}]}),
        )
        .await;
    assert_eq!(resp.status(), 200);
    set_policy(&s, &a_id, json!({"sso_required": true})).await;
    let email = format!("eve-{}@alpha-corp.test", ulid::Ulid::new().to_string().to_lowercase());
    let user = sign_up(&s.app, &email, true).await;

    // The password is refused by A's rule, as before.
    let (status, body) = s
        .app
        .authenticate(json!({"grant_type": "password", "email": email, "password": PASSWORD}))
        .await;
    assert_eq!((status, body["code"].as_str()), (403, Some("sso_required")), "{body}");

    // B's IdP asserts the address; the person proves the mailbox in that flow. A's rule still
    // stands: no tokens.
    let code = sso_code(&s, "b-subject", &email).await;
    let (status, pending) = sign_in(&s, &code).await;
    assert_eq!(
        (status, pending["code"].as_str()),
        (403, Some("email_verification_required")),
        "{pending}"
    );
    let (status, body) = s.app.prove_pending(&email, 1, &pending).await;
    assert_eq!((status, body["code"].as_str()), (403, Some("sso_required")), "{body}");
    assert_eq!(body["connection_ids"], json!([a_conn]), "{body}");
    assert_no_tokens(&body);
    let sessions = crate::sso_signin::sessions_of(&s, user["id"].as_str().unwrap()).await;
    assert!(sessions.is_empty(), "{sessions:?}");
}
