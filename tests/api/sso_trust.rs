//! Trust rules of issue 5 over HTTP: an untrusted IdP email proven by the emailed code links
//! the identity and joins the connection's organization; a domain whose organization requires
//! SSO refuses password and magic-auth sign-in (`sso_required`); an IdP email in one of the
//! organization's guest domains is never trusted.

use crate::helpers::{parts, sign_up, PASSWORD};
use crate::invitations::code_in;
use crate::mail::shared_sink;
use crate::sso_flow::setup;
use crate::sso_signin::{sessions_of, set_policy, sign_in, sso_code, unique, verify_domain, DOMAIN};
use serde_json::{json, Value};

fn unique_domain(tag: &str) -> String {
    format!("{tag}-{}.test", ulid::Ulid::new().to_string().to_lowercase())
}

async fn memberships_of(app: &crate::helpers::TestApp, user_id: &str) -> Vec<Value> {
    let (_, page) = parts(
        app.get(&format!("/user_management/organization_memberships?user_id={user_id}"))
            .await,
    )
    .await;
    page["data"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_mailbox_proven_after_an_untrusted_sso_email_links_the_identity_and_joins_the_organization() {
    // The organization has not verified the domain, so its IdP's email is not trusted.
    let s = setup(json!({})).await;
    let conn_id = s.conn["id"].as_str().unwrap();
    let email = unique("owner");
    let user = sign_up(&s.app, &email, true).await;
    let user_id = user["id"].as_str().unwrap();

    let code = sso_code(&s, "okta-owner-1", &email).await;
    let (status, needed) = sign_in(&s, &code).await;
    assert_eq!(
        (status, needed["code"].as_str()),
        (403, Some("email_verification_required")),
        "{needed}"
    );
    let mail = s.app.wait_for_email(&email).await;
    let (status, signed_in) = s
        .app
        .authenticate(json!({"grant_type": "urn:gatehouse:grant-type:email-verification:code",
            "pending_authentication_token": needed["pending_authentication_token"], "code": code_in(&mail.text)}))
        .await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(signed_in["user"]["id"], user_id);
    assert_eq!(signed_in["organization_id"], s.org_id.as_str(), "{signed_in}");
    let ms = memberships_of(&s.app, user_id).await;
    assert_eq!(ms.len(), 1, "{ms:?}");
    assert_eq!(
        (ms[0]["organization_id"].as_str(), ms[0]["source"].as_str()),
        (Some(s.org_id.as_str()), Some("sso"))
    );
    let sessions = sessions_of(&s, user_id).await;
    assert_eq!(sessions[0]["auth_methods"][0]["method"], format!("sso:{conn_id}"));

    // The identity is remembered: the same IdP subject signs in with no code.
    let code = sso_code(&s, "okta-owner-1", &email).await;
    let (status, again) = sign_in(&s, &code).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["user"]["id"], user_id);
    assert_eq!(again["organization_id"], s.org_id.as_str());
    assert_eq!(shared_sink().emails_to(&email).len(), 1, "no second code was sent");

    // Another subject of the IdP asserting the same address is a different identity: it proves
    // the mailbox again.
    let code = sso_code(&s, "okta-someone-else", &email).await;
    let (status, other) = sign_in(&s, &code).await;
    assert_eq!(
        (status, other["code"].as_str()),
        (403, Some("email_verification_required"))
    );
}

#[tokio::test]
async fn a_domain_whose_organization_requires_sso_refuses_password_and_magic_auth() {
    let s = setup(json!({})).await;
    let app = &s.app;
    let conn_id = s.conn["id"].as_str().unwrap();
    verify_domain(&s, DOMAIN).await;
    let guest_domain = unique_domain("contractor");
    set_policy(
        &s,
        &s.org_id,
        json!({"sso_required": true, "guest_domains": [guest_domain]}),
    )
    .await;
    let employee = unique("employee");
    let user = sign_up(app, &employee, true).await;
    let user_id = user["id"].as_str().unwrap();

    // The right password is refused with WorkOS's sso_required, and no session starts.
    let (status, refused) = app
        .authenticate(json!({"grant_type": "password", "email": employee, "password": PASSWORD}))
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (403, Some("sso_required")),
        "{refused}"
    );
    assert_eq!(refused["email"], employee.as_str());
    assert_eq!(refused["connection_ids"], json!([conn_id]));
    assert!(refused["pending_authentication_token"].is_string());
    assert!(refused["message"].is_string(), "{refused}");
    assert!(refused.get("access_token").is_none());
    // A wrong password still says only that the credentials are wrong.
    let (status, wrong) = app
        .authenticate(json!({"grant_type": "password", "email": employee, "password": "not the password"}))
        .await;
    assert_eq!((status, wrong["code"].as_str()), (400, Some("invalid_credentials")));

    // Magic auth: the code is right, and still refused.
    let (status, _) = parts(
        app.post("/user_management/magic_auth", json!({"email": employee}))
            .await,
    )
    .await;
    assert_eq!(status, 201);
    let mail = app.wait_for_email(&employee).await;
    let (status, refused_magic) = app
        .authenticate(json!({"grant_type": "urn:gatehouse:grant-type:magic-auth:code",
            "email": employee, "code": code_in(&mail.text)}))
        .await;
    assert_eq!(
        (status, refused_magic["code"].as_str()),
        (403, Some("sso_required")),
        "{refused_magic}"
    );
    assert!(sessions_of(&s, user_id).await.is_empty());
    assert!(app.events_of("session.created").await.is_empty());

    // Through the organization's connection, presenting the pending token, the employee gets in.
    let code = sso_code(&s, "okta-employee-1", &employee).await;
    let (status, entered) = app
        .authenticate(json!({"grant_type": "authorization_code", "code": code,
            "pending_authentication_token": refused["pending_authentication_token"]}))
        .await;
    assert_eq!(status, 200, "{entered}");
    assert_eq!(entered["user"]["id"], user_id);
    assert_eq!(entered["organization_id"], s.org_id.as_str());
    // The pending token was spent by that sign-in.
    let code = sso_code(&s, "okta-employee-1", &employee).await;
    let (status, spent) = app
        .authenticate(json!({"grant_type": "authorization_code", "code": code,
            "pending_authentication_token": refused["pending_authentication_token"]}))
        .await;
    assert_eq!(
        (status, spent["code"].as_str()),
        (400, Some("invalid_grant")),
        "{spent}"
    );

    // Other domains sign in with a password as before.
    let outsider = format!(
        "outsider-{}@{}",
        ulid::Ulid::new().to_string().to_lowercase(),
        unique_domain("elsewhere")
    );
    sign_up(app, &outsider, true).await;
    let (status, body) = app
        .authenticate(json!({"grant_type": "password", "email": outsider, "password": PASSWORD}))
        .await;
    assert_eq!(status, 200, "{body}");

    // A guest of the organization (from its guest domain) is exempt: invited, then password.
    let guest = format!("guest-{}@{guest_domain}", ulid::Ulid::new().to_string().to_lowercase());
    let (status, inv) = parts(
        app.post(
            "/user_management/invitations",
            json!({"email": guest, "organization_id": s.org_id}),
        )
        .await,
    )
    .await;
    assert_eq!((status, inv["kind"].as_str()), (201, Some("guest")), "{inv}");
    sign_up(app, &guest, false).await;
    let (_, pending) = app
        .authenticate(json!({"grant_type": "password", "email": guest, "password": PASSWORD,
            "invitation_token": inv["token"]}))
        .await;
    let (status, joined) = app.prove_pending(&guest, 1, &pending).await;
    assert_eq!(status, 200, "{joined}");
    assert_eq!(joined["organization_id"], s.org_id.as_str());
    let (status, again) = app
        .authenticate(json!({"grant_type": "password", "email": guest, "password": PASSWORD}))
        .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["organization_id"], s.org_id.as_str());
}

#[tokio::test]
async fn an_idp_email_in_a_guest_domain_is_never_trusted_even_when_the_domain_is_verified() {
    let s = setup(json!({})).await;
    let guest_domain = unique_domain("contractor");
    // Declared a guest domain first, verified afterwards: both at once.
    set_policy(
        &s,
        &s.org_id,
        json!({"guest_domains": [guest_domain], "jit_provisioning": true}),
    )
    .await;
    verify_domain(&s, &guest_domain).await;
    let contractor = format!("c-{}@{guest_domain}", ulid::Ulid::new().to_string().to_lowercase());
    let account = sign_up(&s.app, &contractor, true).await;
    let account_id = account["id"].as_str().unwrap();

    // The organization's IdP asserts the contractor's address: no link, no membership, no
    // session; the code goes to the contractor's own mailbox.
    let code = sso_code(&s, "okta-contractor-1", &contractor).await;
    let (status, body) = sign_in(&s, &code).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("email_verification_required")),
        "{body}"
    );
    assert!(body.get("access_token").is_none());
    assert!(memberships_of(&s.app, account_id).await.is_empty());
    assert!(sessions_of(&s, account_id).await.is_empty());

    // A new address of the guest domain is provisioned unverified, never vouched for.
    let newcomer = format!("n-{}@{guest_domain}", ulid::Ulid::new().to_string().to_lowercase());
    let code = sso_code(&s, "okta-contractor-2", &newcomer).await;
    let (status, body) = sign_in(&s, &code).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("email_verification_required")),
        "{body}"
    );
    assert_eq!(body["user"]["email_verified"], false, "{body}");
    let newcomer_id = body["user"]["id"].as_str().unwrap();
    assert!(
        memberships_of(&s.app, newcomer_id).await.is_empty(),
        "guests join only by invitation"
    );
}
