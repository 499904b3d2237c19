//! The trust core (issue 16), as an attacker would try it over HTTP: nobody gets into an account,
//! an organization or a session on the strength of something they did not prove.
//!
//! Each test is the attacker's request sequence and the refusal expected, then the owner's happy
//! path where there is one. The rules live in `identity/linking.rs` (who may link), and
//! `identity/proof.rs` (what a first mailbox proof ends); these tests hold every path to them.

use crate::helpers::{parts, sign_up, unique_email, TestApp, PASSWORD};
use crate::mail::shared_sink;
use crate::sso_flow::setup;
use crate::sso_signin::{sessions_of, set_policy, sign_in, sso_code, unique, verify_domain};
use serde_json::{json, Value};

const MAGIC: &str = "urn:workos:oauth:grant-type:magic-auth:code";
const ATTACKER_PASSWORD: &str = "the attacker's own passphrase 41";

async fn password_grant(app: &TestApp, email: &str, password: &str) -> (u16, Value) {
    app.authenticate(json!({"grant_type": "password", "email": email, "password": password}))
        .await
}

/// The attacker's sign-up on someone else's address: an account with the attacker's password and
/// an address nobody proved.
async fn squat(app: &TestApp, email: &str) -> Value {
    let (status, user) = parts(
        app.post(
            "/user_management/users",
            json!({"email": email, "password": ATTACKER_PASSWORD}),
        )
        .await,
    )
    .await;
    assert_eq!((status, user["email_verified"].as_bool()), (201, Some(false)), "{user}");
    user
}

fn six_digits(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|line| line.len() == 6 && line.bytes().all(|b| b.is_ascii_digit()))
        .expect("a six-digit code on a line of its own")
        .to_owned()
}

/// The mailbox owner signs in with a magic code (the `nth` one sent to the address).
async fn magic_sign_in(app: &TestApp, email: &str, nth: usize) -> (u16, Value) {
    let (status, _) = parts(app.post("/user_management/magic_auth", json!({"email": email})).await).await;
    assert_eq!(status, 201);
    let mail = shared_sink().wait_for_nth_titled(email, "Your sign-in code", nth).await;
    app.authenticate(json!({"grant_type": MAGIC, "email": email, "code": six_digits(&mail.text)}))
        .await
}

/// The mailbox owner resets the password through the emailed link.
async fn reset_password(app: &TestApp, email: &str, new_password: &str) {
    let (status, _) = parts(
        app.post("/user_management/password_reset", json!({"email": email}))
            .await,
    )
    .await;
    assert_eq!(status, 202);
    let mail = shared_sink().wait_for_nth_titled(email, "Reset", 1).await;
    let token = mail
        .text
        .split("token=")
        .nth(1)
        .expect("a reset link")
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect::<String>();
    let (status, body) = parts(
        app.post(
            "/user_management/password_reset/confirm",
            json!({"token": token, "new_password": new_password}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
}

async fn sso_identities(app: &TestApp, user_id: &str) -> usize {
    use entities::sso_identities as ids;
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    ids::Entity::find()
        .filter(ids::Column::UserId.eq(user_id))
        .all(app.ctx.db.read())
        .await
        .unwrap()
        .len()
}

async fn memberships_in(app: &TestApp, org_id: &str) -> Vec<Value> {
    let (_, page) = parts(
        app.get(&format!(
            "/user_management/organization_memberships?organization_id={org_id}"
        ))
        .await,
    )
    .await;
    page["data"].as_array().cloned().unwrap_or_default()
}

async fn user(app: &TestApp, id: &str) -> Value {
    parts(app.get(&format!("/user_management/users/{id}")).await).await.1
}

async fn invite(app: &TestApp, email: &str, org_id: &str) -> String {
    let (status, inv) = parts(
        app.post(
            "/user_management/invitations",
            json!({"email": email, "organization_id": org_id}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{inv}");
    inv["token"]
        .as_str()
        .expect("the API answer carries the token")
        .to_owned()
}

fn assert_refused_to_prove_first(status: u16, body: &Value) {
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("email_verification_required")),
        "{body}"
    );
    assert!(body.get("access_token").is_none(), "{body}");
    assert!(body.get("refresh_token").is_none(), "{body}");
}

/// Point 1: the admin of A reads the invitation's token and signs in through A's own IdP asserting
/// the victim's address. The token is no proof of anyone's mailbox.
#[tokio::test]
async fn an_invitation_token_does_not_open_an_existing_account_through_sso() {
    let s = setup(json!({})).await;
    set_policy(&s, &s.org_id, json!({"jit_provisioning": true})).await;
    let victim_email = unique_email("victim");
    let victim = sign_up(&s.app, &victim_email, true).await;
    let victim_id = victim["id"].as_str().unwrap();
    let token = invite(&s.app, &victim_email, &s.org_id).await;

    let code = sso_code(&s, "attacker-subject", &victim_email).await;
    let (status, body) = s
        .app
        .authenticate(json!({"grant_type": "authorization_code", "code": code, "invitation_token": token}))
        .await;
    assert_refused_to_prove_first(status, &body);
    assert_eq!(sso_identities(&s.app, victim_id).await, 0, "A's IdP is not linked");
    assert!(sessions_of(&s, victim_id).await.is_empty(), "no session for the victim");
    assert!(memberships_in(&s.app, &s.org_id).await.is_empty(), "nobody joined A");

    // The same IdP subject again, without the token: still nothing.
    let code = sso_code(&s, "attacker-subject", &victim_email).await;
    let (status, body) = sign_in(&s, &code).await;
    assert_refused_to_prove_first(status, &body);

    // The victim accepts the invitation by signing in as themselves.
    let (status, body) = s
        .app
        .authenticate(
            json!({"grant_type": "password", "email": victim_email, "password": PASSWORD, "invitation_token": token}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["organization_id"], s.org_id.as_str());
    assert_eq!(body["user"]["id"], victim_id);
}

/// Point 2: the attacker signs the victim's address up with their own password, invites it, and
/// runs the password grant with the token.
#[tokio::test]
async fn an_invitation_token_never_verifies_an_account_or_its_password() {
    let s = setup(json!({})).await;
    let app = &s.app;
    let victim_email = unique_email("victim2");
    let squatted = squat(app, &victim_email).await;
    let token = invite(app, &victim_email, &s.org_id).await;

    let (status, body) = app
        .authenticate(json!({"grant_type": "password", "email": victim_email,
            "password": ATTACKER_PASSWORD, "invitation_token": token}))
        .await;
    assert_refused_to_prove_first(status, &body);
    let after = user(app, squatted["id"].as_str().unwrap()).await;
    assert_eq!(after["email_verified"], false, "{after}");
    assert!(memberships_in(app, &s.org_id).await.is_empty());

    // The owner of the mailbox arrives by the invitation email's magic code: the account is theirs
    // now, and the password set up before their proof no longer opens it.
    let (status, body) = magic_sign_in(app, &victim_email, 1).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["email_verified"], true);
    let (status, body) = password_grant(app, &victim_email, ATTACKER_PASSWORD).await;
    assert_eq!(
        (status, body["code"].as_str()),
        (400, Some("invalid_credentials")),
        "{body}"
    );
}

/// Point 3, "classic-federated merge": the attacker's password survives the victim's later proof
/// by another route. Each route of proof ends it.
#[tokio::test]
async fn a_first_mailbox_proof_by_another_route_ends_the_password_set_up_before_it() {
    let s = setup(json!({})).await;
    let app = &s.app;
    verify_domain(&s, crate::sso_signin::DOMAIN).await;
    set_policy(&s, &s.org_id, json!({"jit_provisioning": true})).await;

    // Magic auth.
    let email = unique_email("merge-magic");
    squat(app, &email).await;
    let (status, body) = magic_sign_in(app, &email, 1).await;
    assert_eq!(status, 200, "{body}");
    let (status, _) = password_grant(app, &email, ATTACKER_PASSWORD).await;
    assert_eq!(status, 400, "magic auth ends the squatter's password");

    // Password reset: only the new password opens the account.
    let email = unique_email("merge-reset");
    squat(app, &email).await;
    reset_password(app, &email, "the owner's new passphrase 93").await;
    let (status, _) = password_grant(app, &email, ATTACKER_PASSWORD).await;
    assert_eq!(status, 400);
    let (status, body) = password_grant(app, &email, "the owner's new passphrase 93").await;
    assert_eq!(status, 200, "{body}");

    // A trusted IdP (an address in a domain the organization verified).
    let email = unique("merge-sso");
    let squatted = squat(app, &email).await;
    let code = sso_code(&s, "okta-owner", &email).await;
    let (status, body) = sign_in(&s, &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["id"], squatted["id"]);
    assert_eq!(body["user"]["email_verified"], true);
    let (status, _) = password_grant(app, &email, ATTACKER_PASSWORD).await;
    assert_eq!(status, 400, "a trusted IdP's proof ends the squatter's password");

    let proofs = app.events_of("user.email_verified").await;
    assert_eq!(proofs.len(), 3, "{proofs:?}");
    for proof in &proofs {
        assert_eq!(proof["data"]["ended"]["passwords"], 1, "{proof}");
    }
}

/// Point 3, the ordinary sign-up: the person who signs up with a password and enters the code that
/// continues that same sign-in proved both together, and keeps the password.
#[tokio::test]
async fn the_code_that_continues_a_password_sign_up_keeps_its_password() {
    let s = setup(json!({})).await;
    let app = &s.app;
    let email = unique_email("signup");
    sign_up(app, &email, false).await;
    let (status, pending) = password_grant(app, &email, PASSWORD).await;
    assert_refused_to_prove_first(status, &pending);
    let (status, body) = app.prove_pending(&email, 1, &pending).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = password_grant(app, &email, PASSWORD).await;
    assert_eq!(status, 200, "{body}");
}

/// Point 3, "unexpired session" and "unexpired email change": the attacker holds a session on an
/// account whose address is then moved onto the victim's; the victim's proof ends the session and
/// the password.
#[tokio::test]
async fn a_first_proof_ends_sessions_opened_before_it() {
    let s = setup(json!({})).await;
    let app = &s.app;
    let attacker_email = unique_email("attacker");
    let attacker = sign_up(app, &attacker_email, true).await;
    let attacker_id = attacker["id"].as_str().unwrap();
    let (status, session) = password_grant(app, &attacker_email, PASSWORD).await;
    assert_eq!(status, 200, "{session}");
    let refresh = session["refresh_token"].as_str().unwrap().to_owned();

    let victim_email = unique_email("victim3");
    let (status, moved) = parts(
        app.put(
            &format!("/user_management/users/{attacker_id}"),
            json!({"email": victim_email}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, moved["email_verified"].as_bool()),
        (200, Some(false)),
        "{moved}"
    );

    let (status, body) = magic_sign_in(app, &victim_email, 1).await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = app
        .authenticate(json!({"grant_type": "refresh_token", "refresh_token": refresh}))
        .await;
    assert_eq!(status, 400, "the session opened before the proof is over: {body}");
    let (status, _) = password_grant(app, &victim_email, PASSWORD).await;
    assert_eq!(status, 400, "and so is the password");
    let live: Vec<Value> = sessions_of(&s, attacker_id)
        .await
        .into_iter()
        .filter(|s| s["status"] != "revoked")
        .collect();
    assert_eq!(live.len(), 1, "only the owner's own session lives: {live:?}");
}

/// Point 3, "trojan identifier": the attacker squats the address and plants an identity of an IdP
/// they control; after the victim's proof the IdP still gets nothing without its own proof.
#[tokio::test]
async fn an_identity_planted_before_the_proof_never_opens_the_account() {
    let s = setup(json!({})).await;
    set_policy(&s, &s.org_id, json!({"jit_provisioning": true})).await;
    let app = &s.app;
    let email = unique_email("trojan");
    let squatted = squat(app, &email).await;
    let id = squatted["id"].as_str().unwrap();

    let code = sso_code(&s, "attacker-trojan", &email).await;
    let (status, body) = sign_in(&s, &code).await;
    assert_refused_to_prove_first(status, &body);
    assert_eq!(sso_identities(app, id).await, 0);

    let (status, body) = magic_sign_in(app, &email, 1).await;
    assert_eq!(status, 200, "{body}");
    let code = sso_code(&s, "attacker-trojan", &email).await;
    let (status, body) = sign_in(&s, &code).await;
    assert_refused_to_prove_first(status, &body);
    assert_eq!(sso_identities(app, id).await, 0);
    assert!(memberships_in(app, &s.org_id).await.is_empty());
}

/// Point 3, "non-verifying IdP", and point 4: A's IdP asserts an address in a domain A never
/// verified. With JIT provisioning on, nothing is linked or joined until the mailbox is proven in
/// that same flow, and a proof by another route later does not make A's IdP trusted.
#[tokio::test]
async fn an_untrusted_idp_email_is_linked_and_joined_only_after_its_proof_in_the_same_flow() {
    let s = setup(json!({})).await;
    set_policy(&s, &s.org_id, json!({"jit_provisioning": true})).await;
    let app = &s.app;

    // An existing, proven account: A's IdP cannot sign in as it.
    let victim_email = unique_email("victim4");
    let victim = sign_up(app, &victim_email, true).await;
    let code = sso_code(&s, "a-subject-1", &victim_email).await;
    let (status, body) = sign_in(&s, &code).await;
    assert_refused_to_prove_first(status, &body);
    assert_eq!(sso_identities(app, victim["id"].as_str().unwrap()).await, 0);
    assert!(sessions_of(&s, victim["id"].as_str().unwrap()).await.is_empty());

    // No account yet: JIT waits for the proof.
    let newcomer = unique_email("victim5");
    let code = sso_code(&s, "a-subject-2", &newcomer).await;
    let (status, pending) = sign_in(&s, &code).await;
    assert_refused_to_prove_first(status, &pending);
    assert!(
        memberships_in(app, &s.org_id).await.is_empty(),
        "no membership before the proof"
    );
    let (_, found) = parts(app.get(&format!("/user_management/users?email={newcomer}")).await).await;
    for u in found["data"].as_array().unwrap() {
        assert_eq!(u["email_verified"], false, "{u}");
        assert_eq!(sso_identities(app, u["id"].as_str().unwrap()).await, 0);
    }

    // The owner proves the mailbox by a magic code, outside the SSO flow: A's IdP is still not
    // trusted for the address.
    let (status, body) = magic_sign_in(app, &newcomer, 1).await;
    assert_eq!(status, 200, "{body}");
    let code = sso_code(&s, "a-subject-2", &newcomer).await;
    let (status, pending) = sign_in(&s, &code).await;
    assert_refused_to_prove_first(status, &pending);
    assert!(memberships_in(app, &s.org_id).await.is_empty());

    // The person at the IdP proves the mailbox in the flow: linked and joined now.
    let (status, body) = app.prove_pending(&newcomer, 2, &pending).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["organization_id"], s.org_id.as_str());
    let ms = memberships_in(app, &s.org_id).await;
    assert_eq!(ms.len(), 1, "{ms:?}");
    let code = sso_code(&s, "a-subject-2", &newcomer).await;
    let (status, body) = sign_in(&s, &code).await;
    assert_eq!(status, 200, "the linked identity signs in: {body}");
}

/// Point 5: A's directory pushes addresses in a domain A never verified, one of them a proven
/// account's. No core user is linked or created, and nobody lands in A.
#[tokio::test]
async fn a_directory_cannot_squat_addresses_outside_its_verified_domains() {
    use crate::scim::{membership_of, setup as scim_setup, USER};
    let app = crate::helpers::spawn_app().await;
    let s = scim_setup(&app, "generic").await;
    let org_id = s.org["id"].as_str().unwrap();
    let victim_email = unique_email("victim6");
    let victim = sign_up(&app, &victim_email, true).await;
    let nobody = unique_email("nobody");

    for email in [&victim_email, &nobody] {
        let (status, pushed) = s
            .scim
            .post(
                "/Users",
                json!({"schemas": [USER], "userName": email, "active": true,
                       "emails": [{"value": email, "primary": true}]}),
            )
            .await;
        assert_eq!(status, 201, "{pushed}");
        let (_, du) = parts(
            app.get(&format!("/directory_users/{}", pushed["id"].as_str().unwrap()))
                .await,
        )
        .await;
        assert_eq!(du["user_id"], Value::Null, "{du}");
    }
    assert!(membership_of(&app, victim["id"].as_str().unwrap(), org_id)
        .await
        .is_none());
    let (_, found) = parts(app.get(&format!("/user_management/users?email={nobody}")).await).await;
    assert_eq!(found["data"], json!([]), "no account squats the address");
    assert!(memberships_in(&app, org_id).await.is_empty());
}

/// Attack (trojan identifier by spelling): register the victim's address again in another
/// Unicode or IDNA form, so that one mailbox has two accounts.
#[tokio::test]
async fn one_mailbox_has_one_account_however_its_address_is_spelled() {
    let app = crate::helpers::spawn_app().await;
    let (status, victim) = parts(
        app.post(
            "/user_management/users",
            json!({"email": "ren\u{00e9}@xn--bcher-kva.test"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{victim}");
    for look_alike in [
        "rene\u{0301}@xn--bcher-kva.test",
        "RENE\u{0301}@B\u{00dc}CHER.test",
        "ren\u{00e9}@b\u{00fc}cher.test",
        " Ren\u{00e9}@XN--BCHER-KVA.test ",
    ] {
        let (status, body) = parts(app.post("/user_management/users", json!({"email": look_alike})).await).await;
        assert_eq!(
            (status, body["code"].as_str()),
            (409, Some("email_taken")),
            "{look_alike:?}: {body}"
        );
        let (_, found) = parts(
            app.request(reqwest::Method::GET, "/user_management/users")
                .query(&[("email", look_alike)])
                .send()
                .await
                .unwrap(),
        )
        .await;
        assert_eq!(
            found["data"].as_array().map(Vec::len),
            Some(1),
            "{look_alike:?}: {found}"
        );
        assert_eq!(found["data"][0]["id"], victim["id"], "{look_alike:?}");
    }
}

/// A `guest_domains` value this code never writes (a hand edit, a bad restore) must not read
/// as "no guest domains", which would trust every contractor's IdP-asserted address.
#[tokio::test]
async fn a_malformed_guest_domains_row_fails_closed() {
    use sea_orm::ConnectionTrait;
    let app = crate::helpers::spawn_app().await;
    let org = app.create_org("Guarded Corp").await;
    let org_id = org["id"].as_str().unwrap();
    let (status, body) = parts(
        app.put(
            &format!("/organizations/{org_id}/policy"),
            json!({"guest_domains": ["contractor.test"]}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    app.ctx
        .db
        .write()
        .execute_unprepared(&format!(
            "UPDATE organization_policies SET guest_domains = '\"contractor.test\"' WHERE organization_id = '{org_id}'"
        ))
        .await
        .unwrap();
    let (status, body) = parts(app.get(&format!("/organizations/{org_id}/policy")).await).await;
    assert_eq!((status, body["code"].as_str()), (500, Some("internal_error")), "{body}");
    assert!(!body.to_string().contains("contractor"), "{body}");
}
