//! Accepting an invitation through SSO (issue 6): the invited address signs in through an
//! organization's connection and `/user_management/authenticate` carries the SSO code with the
//! `invitation_token`. The token lets the invited person join, but proves no mailbox (the admin
//! who invited can read it, issue 16): where the IdP's email is not trusted, the sign-in
//! continues with the emailed code, and only then is the identity linked and the invitation
//! accepted. A token that does not fit the asserted address (another email, revoked, expired)
//! refuses the sign-in before anything is written.

use crate::helpers::parts;
use crate::sso_flow::{setup, Setup};
use crate::sso_signin::{sessions_of, set_policy, sign_in, sso_code, unique, verify_domain, DOMAIN};
use serde_json::{json, Value};

const INVITATIONS: &str = "/user_management/invitations";

async fn invite(s: &Setup, email: &str, role: &str) -> Value {
    let (status, inv) = parts(
        s.app
            .post(
                INVITATIONS,
                json!({"email": email, "organization_id": s.org_id, "role_slug": role}),
            )
            .await,
    )
    .await;
    assert_eq!(status, 201, "{inv}");
    inv
}

async fn sign_in_invited(s: &Setup, code: &str, token: &str) -> (u16, Value) {
    s.app
        .authenticate(json!({"grant_type": "authorization_code", "code": code, "invitation_token": token}))
        .await
}

async fn users_with_email(s: &Setup, email: &str) -> Vec<Value> {
    let (_, users) = parts(s.app.get(&format!("/user_management/users?email={email}")).await).await;
    users["data"].as_array().cloned().unwrap_or_default()
}

async fn memberships_in_org(s: &Setup) -> Vec<Value> {
    let (_, page) = parts(
        s.app
            .get(&format!(
                "/user_management/organization_memberships?organization_id={}",
                s.org_id
            ))
            .await,
    )
    .await;
    page["data"].as_array().cloned().unwrap_or_default()
}

async fn invitation_state(s: &Setup, id: &str) -> String {
    let (_, inv) = parts(s.app.get(&format!("{INVITATIONS}/{id}")).await).await;
    inv["state"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn an_invited_email_accepts_its_invitation_through_sso_with_the_invited_role() {
    // No verified domain (the IdP's email is not trusted) and no JIT provisioning: only the
    // invitation lets this person in.
    let s = setup(json!({})).await;
    let conn_id = s.conn["id"].as_str().unwrap();
    let email = unique("invitee");
    let inv = invite(&s, &email, "admin").await;
    let token = inv["token"].as_str().unwrap();

    let code = sso_code(&s, "okta-invitee-1", &email).await;
    let (status, refused) = sign_in(&s, &code).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (403, Some("sso_jit_provisioning_disabled")),
        "without the invitation: {refused}"
    );

    let code = sso_code(&s, "okta-invitee-1", &email).await;
    let (status, pending) = sign_in_invited(&s, &code, token).await;
    assert_eq!(
        (status, pending["code"].as_str()),
        (403, Some("email_verification_required")),
        "the token is no mailbox proof: {pending}"
    );
    assert!(
        memberships_in_org(&s).await.is_empty(),
        "nothing joined before the proof"
    );
    let (status, body) = s.app.prove_pending(&email, 1, &pending).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["organization_id"], s.org_id.as_str());
    assert_eq!(body["authentication_method"], "sso");
    assert_eq!(body["user"]["email"], email.as_str());
    assert_eq!(
        body["user"]["email_verified"], true,
        "the emailed code proved the mailbox"
    );
    let user_id = body["user"]["id"].as_str().unwrap();

    // One membership, from the invitation, with the invited role.
    let ms = memberships_in_org(&s).await;
    assert_eq!(ms.len(), 1, "{ms:?}");
    assert_eq!(
        (
            ms[0]["user_id"].as_str(),
            ms[0]["role"]["slug"].as_str(),
            ms[0]["kind"].as_str(),
            ms[0]["source"].as_str(),
            ms[0]["status"].as_str()
        ),
        (
            Some(user_id),
            Some("admin"),
            Some("member"),
            Some("invitation"),
            Some("active")
        )
    );
    let (_, got) = parts(
        s.app
            .get(&format!("{INVITATIONS}/{}", inv["id"].as_str().unwrap()))
            .await,
    )
    .await;
    assert_eq!(
        (got["state"].as_str(), got["accepted_user_id"].as_str()),
        (Some("accepted"), Some(user_id))
    );
    let accepted = s.app.events_of("invitation.accepted").await;
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0]["data"]["id"], inv["id"]);
    let created = s.app.events_of("organization_membership.created").await;
    assert_eq!(created.len(), 1);
    let sessions = sessions_of(&s, user_id).await;
    assert_eq!(sessions.len(), 1);
    assert_eq!(sessions[0]["auth_methods"][0]["method"], format!("sso:{conn_id}"));

    // The token is spent, and the IdP identity is linked: the next SSO sign-in needs neither.
    let code = sso_code(&s, "okta-invitee-1", &email).await;
    let (status, again) = sign_in_invited(&s, &code, token).await;
    assert_eq!(
        (status, again["code"].as_str()),
        (400, Some("invalid_invitation_token")),
        "{again}"
    );
    let code = sso_code(&s, "okta-invitee-1", &email).await;
    let (status, again) = sign_in(&s, &code).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["user"]["id"], user_id);
    assert_eq!(memberships_in_org(&s).await.len(), 1);
}

#[tokio::test]
async fn an_invitation_that_does_not_fit_the_sso_sign_in_refuses_it_and_writes_nothing() {
    // Trusted domain and JIT provisioning: without an invitation token, this sign-in would
    // create the account and the membership.
    let s = setup(json!({})).await;
    verify_domain(&s, DOMAIN).await;
    set_policy(&s, &s.org_id, json!({"jit_provisioning": true})).await;
    let email = unique("newcomer");

    // An invitation for another address.
    let other = invite(&s, &unique("someone-else"), "admin").await;
    let code = sso_code(&s, "okta-newcomer-1", &email).await;
    let (status, body) = sign_in_invited(&s, &code, other["token"].as_str().unwrap()).await;
    assert_eq!((status, body["code"].as_str()), (422, Some("email_mismatch")), "{body}");
    assert!(body.get("access_token").is_none());
    assert_eq!(
        invitation_state(&s, other["id"].as_str().unwrap()).await,
        "pending",
        "another person's invitation stays usable"
    );

    // A revoked invitation for this very address: its token died with it.
    let revoked = invite(&s, &email, "admin").await;
    let id = revoked["id"].as_str().unwrap();
    let (status, _) = parts(s.app.post(&format!("{INVITATIONS}/{id}/revoke"), json!({})).await).await;
    assert_eq!(status, 200);
    let code = sso_code(&s, "okta-newcomer-1", &email).await;
    let (status, body) = sign_in_invited(&s, &code, revoked["token"].as_str().unwrap()).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_invitation_token")),
        "{body}"
    );

    // An expired one.
    let expiring = invite(&s, &unique("late"), "admin").await;
    s.app.clock.advance(chrono::Duration::days(8));
    let late = expiring["email"].as_str().unwrap();
    let code = sso_code(&s, "okta-late-1", late).await;
    let (status, body) = sign_in_invited(&s, &code, expiring["token"].as_str().unwrap()).await;
    assert_eq!((status, body["code"].as_str()), (409, Some("not_pending")), "{body}");

    // Nothing was written: no account, membership, link, session or acceptance.
    assert!(users_with_email(&s, &email).await.is_empty());
    assert!(users_with_email(&s, late).await.is_empty());
    assert!(memberships_in_org(&s).await.is_empty());
    assert!(s.app.events_of("invitation.accepted").await.is_empty());
    assert!(s.app.events_of("session.created").await.is_empty());

    // The same sign-in without a token goes through (so the refusals above came from the token).
    let code = sso_code(&s, "okta-newcomer-1", &email).await;
    let (status, body) = sign_in(&s, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(memberships_in_org(&s).await[0]["source"], "sso");
}
