//! Invitations end to end over HTTP, with emails read back from the real SMTP sink: each branch
//! of the seed's "Invitation flows" (new person, existing account, personal address when the
//! organization wants work emails, guests, domain rules), resend/revoke/expiry, reminders, and
//! reminders sent once by two server processes sharing one PostgreSQL database.

use crate::helpers::{captured_logs, parts, sign_up, spawn_app, spawn_app_with, TestApp, PASSWORD};
use crate::mail::{shared_sink, ReceivedEmail};
use serde_json::{json, Value};

const PATH: &str = "/user_management/invitations";

fn unique(tag: &str, domain: &str) -> String {
    format!("{tag}-{}@{domain}", ulid::Ulid::new().to_string().to_lowercase())
}

/// A domain no other test uses, so policies keyed on domains stay apart.
fn unique_domain(tag: &str) -> String {
    format!("{tag}-{}.test", ulid::Ulid::new().to_string().to_lowercase())
}

/// The token of the accept link in an email's text part.
fn token_in(text: &str) -> String {
    let start = text.find("invitation_token=").expect("an accept link in the email") + "invitation_token=".len();
    text[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
        .collect()
}

pub fn code_in(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|line| line.len() == 6 && line.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned)
        .expect("a six-digit code on a line of its own")
}

async fn invite(app: &TestApp, body: Value) -> (u16, Value) {
    parts(app.post(PATH, body).await).await
}

async fn inviter(app: &TestApp) -> Value {
    let (status, user) = parts(
        app.post(
            "/user_management/users",
            json!({"email": unique("boss", "acme.test"), "first_name": "Grace", "last_name": "Hopper", "email_verified": true}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{user}");
    user
}

async fn memberships_of(app: &TestApp, user_id: &str) -> Vec<Value> {
    let page: Value = app
        .get(&format!("/user_management/organization_memberships?user_id={user_id}"))
        .await
        .json()
        .await
        .unwrap();
    page["data"].as_array().cloned().unwrap_or_default()
}

async fn by_token(app: &TestApp, token: &str) -> (u16, Value) {
    parts(app.get(&format!("{PATH}/by_token/{token}")).await).await
}

async fn set_policy(app: &TestApp, org_id: &str, policy: Value) {
    let (status, body) = parts(app.put(&format!("/organizations/{org_id}/policy"), policy).await).await;
    assert_eq!(status, 200, "{body}");
}

fn assert_mentions(mail: &ReceivedEmail, org: &str, inviter: &str) {
    for part in [&mail.subject, &mail.text] {
        assert!(part.contains(org) || part.contains(inviter), "{part}");
    }
    assert!(mail.text.contains(org) && mail.text.contains(inviter), "{}", mail.text);
    assert!(
        mail.html.contains("<html lang=\"en\">") && mail.html.contains("<h1"),
        "{}",
        mail.html
    );
    assert!(mail.html.contains(inviter), "{}", mail.html);
}

fn event_kinds(events: &[Value]) -> Vec<String> {
    events.iter().map(|e| e["event"].as_str().unwrap().to_owned()).collect()
}

#[tokio::test]
async fn a_new_person_signs_up_with_a_password_and_joins_with_the_invited_role() {
    let app = spawn_app().await;
    let org = app.create_org("Initech & Co").await;
    let org_id = org["id"].as_str().unwrap();
    let boss = inviter(&app).await;
    let email = unique("ann", "initech.test");

    let (status, inv) = invite(
        &app,
        json!({"email": email, "organization_id": org_id, "role_slug": "admin", "inviter_user_id": boss["id"]}),
    )
    .await;
    assert_eq!(status, 201, "{inv}");
    assert_eq!(
        (
            inv["state"].as_str(),
            inv["variant"].as_str(),
            inv["kind"].as_str(),
            inv["role_slug"].as_str()
        ),
        (Some("pending"), Some("new_user"), Some("member"), Some("admin"))
    );
    let token = inv["token"].as_str().unwrap().to_owned();
    assert!(token.len() >= 40, "long token: {token}");
    assert!(inv["accept_invitation_url"].as_str().unwrap().ends_with(&token));
    // 7 days by default, from the clock.
    let expires: chrono::DateTime<chrono::Utc> = inv["expires_at"].as_str().unwrap().parse().unwrap();
    // (PostgreSQL keeps microseconds, the clock nanoseconds.)
    assert!(
        ((expires - app.ctx.now()).num_seconds() - 7 * 86400).abs() <= 1,
        "{expires}"
    );

    let mail = app.wait_for_email(&email).await;
    assert_eq!(mail.subject, "Grace Hopper invited you to join Initech & Co");
    assert_mentions(&mail, "Initech & Co", "Grace Hopper");
    assert!(mail.html.contains("Initech &amp; Co"), "HTML is escaped");
    assert!(mail.text.contains("Create your account"), "{}", mail.text);
    assert!(mail.text.contains("expires in 7 days,"), "{}", mail.text);
    assert_eq!(token_in(&mail.text), token, "the email carries the token");

    // The stored token is a hash: reads never show it again.
    let (status, got) = parts(app.get(&format!("{PATH}/{}", inv["id"].as_str().unwrap())).await).await;
    assert_eq!(status, 200);
    assert!(got.get("token").is_none(), "{got}");
    let (status, found) = by_token(&app, &token).await;
    assert_eq!((status, found["id"].clone()), (200, inv["id"].clone()));

    // The invitee creates an account with a password. The token is no mailbox proof (the admin
    // who invited can read it), so the sign-in continues with the emailed code, and the
    // invitation is accepted once the code proves the mailbox.
    let user = sign_up(&app, &email, false).await;
    let (status, pending) = app
        .authenticate(
            json!({"grant_type": "password", "email": email, "password": PASSWORD, "invitation_token": token}),
        )
        .await;
    assert_eq!(
        (status, pending["code"].as_str()),
        (403, Some("email_verification_required")),
        "{pending}"
    );
    assert!(
        memberships_of(&app, user["id"].as_str().unwrap()).await.is_empty(),
        "nothing joined before the proof"
    );
    let (status, signed_in) = app.prove_pending(&email, 1, &pending).await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(signed_in["organization_id"].as_str(), Some(org_id));
    assert_eq!(signed_in["user"]["email_verified"], true);
    let ms = memberships_of(&app, user["id"].as_str().unwrap()).await;
    assert_eq!(ms.len(), 1);
    assert_eq!(
        (
            ms[0]["role"]["slug"].as_str(),
            ms[0]["kind"].as_str(),
            ms[0]["source"].as_str(),
            ms[0]["status"].as_str()
        ),
        (Some("admin"), Some("member"), Some("invitation"), Some("active"))
    );
    let (_, got) = parts(app.get(&format!("{PATH}/{}", inv["id"].as_str().unwrap())).await).await;
    assert_eq!(
        (got["state"].as_str(), got["accepted_user_id"].clone()),
        (Some("accepted"), user["id"].clone())
    );

    // Single use: the link is dead now.
    assert_eq!(by_token(&app, &token).await.0, 404);
    let (status, again) = app
        .authenticate(
            json!({"grant_type": "password", "email": email, "password": PASSWORD, "invitation_token": token}),
        )
        .await;
    assert_eq!(
        (status, again["code"].as_str()),
        (400, Some("invalid_invitation_token")),
        "{again}"
    );

    let kinds = event_kinds(
        &app.events_of("invitation.created,invitation.accepted,organization_membership.created")
            .await,
    );
    assert_eq!(
        kinds,
        [
            "invitation.created",
            "organization_membership.created",
            "invitation.accepted"
        ]
    );
    let created = &app.events_of("invitation.created").await[0];
    assert!(!created.to_string().contains(&token), "no token in events");
    let leaks: Vec<String> = captured_logs()
        .lines()
        .filter(|l| l.contains(&token))
        .map(str::to_owned)
        .collect();
    assert!(
        leaks.is_empty(),
        "no token in the logs, not even from the by_token path: {leaks:?}"
    );

    // Sending again to a member is a conflict.
    let (status, dup) = invite(&app, json!({"email": email, "organization_id": org_id})).await;
    assert_eq!((status, dup["code"].as_str()), (409, Some("already_member")), "{dup}");
}

#[tokio::test]
async fn an_existing_account_gets_a_join_email_and_joins_with_magic_auth_without_a_new_account() {
    let app = spawn_app().await;
    let org = app.create_org("Vandelay").await;
    let org_id = org["id"].as_str().unwrap();
    let boss = inviter(&app).await;
    let email = unique("kramer", "vandelay.test");
    let user = sign_up(&app, &email, true).await;

    let (status, inv) = invite(
        &app,
        json!({"email": email, "organization_id": org_id, "inviter_user_id": boss["id"], "expires_in_days": 3}),
    )
    .await;
    assert_eq!(status, 201, "{inv}");
    assert_eq!(inv["variant"], "existing_user");
    let mail = app.wait_for_email(&email).await;
    assert_eq!(mail.subject, "Grace Hopper invited you to join Vandelay on Gatehouse");
    assert_mentions(&mail, "Vandelay", "Grace Hopper");
    assert!(mail.text.contains("You already have an account"), "{}", mail.text);
    assert!(mail.text.contains("expires in 3 days"), "{}", mail.text);
    let token = token_in(&mail.text);

    let (status, _) = parts(app.post("/user_management/magic_auth", json!({"email": email})).await).await;
    assert_eq!(status, 201);
    let code = code_in(&app.nth_email(&email, 2).await.text);
    let (status, signed_in) = app
        .authenticate(json!({"grant_type": "urn:workos:oauth:grant-type:magic-auth:code", "email": email, "code": code, "invitation_token": token}))
        .await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(signed_in["user"]["id"], user["id"], "the same account joined");
    assert_eq!(signed_in["organization_id"].as_str(), Some(org_id));
    let ms = memberships_of(&app, user["id"].as_str().unwrap()).await;
    assert_eq!(
        (ms.len(), ms[0]["role"]["slug"].as_str(), ms[0]["source"].as_str()),
        (1, Some("member"), Some("invitation"))
    );
    let users: Value = app
        .get(&format!("/user_management/users?email={email}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(users["data"].as_array().unwrap().len(), 1, "no second account");
}

#[tokio::test]
async fn a_new_person_joins_with_magic_auth() {
    let app = spawn_app().await;
    let org = app.create_org("Pied Piper").await;
    let org_id = org["id"].as_str().unwrap();
    let email = unique("jared", "piedpiper.test");
    let (status, inv) = invite(
        &app,
        json!({"email": email, "organization_id": org_id, "role_slug": "admin"}),
    )
    .await;
    assert_eq!((status, inv["variant"].as_str()), (201, Some("new_user")), "{inv}");
    let token = token_in(&app.wait_for_email(&email).await.text);

    // The vendor's accept page creates a passwordless account and signs it in with a code.
    let user = app.create_user(&email).await;
    let (status, _) = parts(app.post("/user_management/magic_auth", json!({"email": email})).await).await;
    assert_eq!(status, 201);
    let code = code_in(&app.nth_email(&email, 2).await.text);
    let (status, signed_in) = app
        .authenticate(json!({"grant_type": "urn:gatehouse:grant-type:magic-auth:code", "email": email, "code": code, "invitation_token": token}))
        .await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(
        (
            signed_in["organization_id"].as_str(),
            signed_in["user"]["email_verified"].as_bool()
        ),
        (Some(org_id), Some(true))
    );
    let ms = memberships_of(&app, user["id"].as_str().unwrap()).await;
    assert_eq!(
        (
            ms.len(),
            ms[0]["role"]["slug"].as_str(),
            ms[0]["kind"].as_str(),
            ms[0]["source"].as_str()
        ),
        (1, Some("admin"), Some("member"), Some("invitation"))
    );
    assert_eq!(by_token(&app, &token).await.0, 404, "used once");
}

#[tokio::test]
async fn a_personal_account_cannot_join_an_org_that_requires_work_email_and_is_never_merged() {
    let app = spawn_app().await;
    let org = app.create_org("Initech").await;
    let org_id = org["id"].as_str().unwrap();
    set_policy(&app, org_id, json!({"require_work_email": true})).await;
    let boss = inviter(&app).await;

    // A free-mail address nobody signed up with: refused outright.
    let stranger = unique("nobody", "gmail.com");
    let (status, refused) = invite(&app, json!({"email": stranger, "organization_id": org_id})).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (422, Some("work_email_required")),
        "{refused}"
    );
    assert_eq!(refused["errors"][0]["field"], "email");

    // Someone who signed up with a personal address gets the distinct email.
    let personal = unique("peter", "gmail.com");
    let personal_user = sign_up(&app, &personal, true).await;
    let (status, inv) = invite(
        &app,
        json!({"email": personal, "organization_id": org_id, "inviter_user_id": boss["id"]}),
    )
    .await;
    assert_eq!(status, 201, "{inv}");
    assert_eq!(inv["variant"], "work_email_required");
    let mail = app.wait_for_email(&personal).await;
    assert_eq!(mail.subject, "Initech invited you: join with your work email");
    assert_mentions(&mail, "Initech", "Grace Hopper");
    assert!(mail.text.contains("cannot join"), "{}", mail.text);
    assert!(mail.text.contains("not merged"), "{}", mail.text);
    let token = token_in(&mail.text);

    // The personal account cannot use it.
    let (status, no) = app
        .authenticate(
            json!({"grant_type": "password", "email": personal, "password": PASSWORD, "invitation_token": token}),
        )
        .await;
    assert_eq!(
        (status, no["code"].as_str()),
        (422, Some("personal_account_cannot_join")),
        "{no}"
    );
    assert!(memberships_of(&app, personal_user["id"].as_str().unwrap())
        .await
        .is_empty());

    // A new account on a work address joins once that address is proven.
    let work = unique("peter", "initech-corp.test");
    let work_user = sign_up(&app, &work, false).await;
    let (status, needed) = app
        .authenticate(json!({"grant_type": "password", "email": work, "password": PASSWORD, "invitation_token": token}))
        .await;
    assert_eq!(
        (status, needed["code"].as_str()),
        (403, Some("email_verification_required")),
        "{needed}"
    );
    let (_, still) = by_token(&app, &token).await;
    assert_eq!(
        still["state"], "pending",
        "not accepted before the work mailbox is proven"
    );
    let code = code_in(&app.wait_for_email(&work).await.text);
    let (status, signed_in) = app
        .authenticate(json!({
            "grant_type": "urn:gatehouse:grant-type:email-verification:code", "code": code,
            "pending_authentication_token": needed["pending_authentication_token"], "invitation_token": token,
        }))
        .await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(signed_in["organization_id"].as_str(), Some(org_id));
    assert_eq!(signed_in["user"]["id"], work_user["id"]);
    let ms = memberships_of(&app, work_user["id"].as_str().unwrap()).await;
    assert_eq!((ms.len(), ms[0]["source"].as_str()), (1, Some("invitation")));
    // Two accounts, still apart; the personal one joined nothing.
    assert_ne!(personal_user["id"], work_user["id"]);
    assert!(memberships_of(&app, personal_user["id"].as_str().unwrap())
        .await
        .is_empty());
    let (_, personal_now) = parts(
        app.get(&format!(
            "/user_management/users/{}",
            personal_user["id"].as_str().unwrap()
        ))
        .await,
    )
    .await;
    assert_eq!(personal_now["email"].as_str(), Some(personal.as_str()));
}

#[tokio::test]
async fn invitation_domains_restrict_invitees_and_guest_domains_join_as_guests() {
    let app = spawn_app().await;
    let org = app.create_org("Nike").await;
    let org_id = org["id"].as_str().unwrap();
    let own = unique_domain("nike");
    let contractors = unique_domain("agency");
    set_policy(
        &app,
        org_id,
        json!({"invitation_domains": [own, contractors], "guest_domains": [contractors]}),
    )
    .await;

    let (status, refused) = invite(
        &app,
        json!({"email": unique("eve", "evil.test"), "organization_id": org_id}),
    )
    .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (422, Some("email_domain_not_allowed")),
        "{refused}"
    );
    assert!(
        refused["message"].as_str().unwrap().contains("invitation_domains"),
        "names the rule: {refused}"
    );
    assert!(refused["message"].as_str().unwrap().contains(&own), "{refused}");
    assert!(app.events_of("invitation.created").await.is_empty());

    let guest = unique("carl", &contractors);
    let (status, inv) = invite(&app, json!({"email": guest, "organization_id": org_id})).await;
    assert_eq!((status, inv["kind"].as_str()), (201, Some("guest")), "{inv}");
    let token = token_in(&app.wait_for_email(&guest).await.text);
    let user = sign_up(&app, &guest, false).await;
    let (_, pending) = app
        .authenticate(
            json!({"grant_type": "password", "email": guest, "password": PASSWORD, "invitation_token": token}),
        )
        .await;
    let (status, signed_in) = app.prove_pending(&guest, 1, &pending).await;
    assert_eq!(status, 200, "{signed_in}");
    let ms = memberships_of(&app, user["id"].as_str().unwrap()).await;
    assert_eq!(
        (ms[0]["kind"].as_str(), ms[0]["source"].as_str()),
        (Some("guest"), Some("invitation"))
    );

    let member = unique("nina", &own);
    let (status, inv) = invite(&app, json!({"email": member, "organization_id": org_id})).await;
    assert_eq!((status, inv["kind"].as_str()), (201, Some("member")), "{inv}");
}

#[tokio::test]
async fn bad_input_is_refused_with_the_api_error_body() {
    let app = spawn_app().await;
    let org = app.create_org("Acme").await;
    let org_id = org["id"].as_str().unwrap();
    let email = unique("ann", "acme.test");
    let cases = [
        (
            json!({"email": "not-an-email", "organization_id": org_id}),
            422,
            "email",
        ),
        (
            json!({"email": email, "organization_id": org_id, "expires_in_days": 0}),
            422,
            "expires_in_days",
        ),
        (
            json!({"email": email, "organization_id": org_id, "expires_in_days": 31}),
            422,
            "expires_in_days",
        ),
        (
            json!({"email": email, "organization_id": org_id, "role_slug": "wizard"}),
            422,
            "role_slug",
        ),
        (
            json!({"email": email, "organization_id": "user_01ARZ3NDEKTSV4RRFFQ69G5FAV"}),
            422,
            "organization_id",
        ),
        (
            json!({"email": email, "organization_id": "org_01ARZ3NDEKTSV4RRFFQ69G5FAV"}),
            422,
            "organization_id",
        ),
        (
            json!({"email": email, "organization_id": org_id, "inviter_user_id": "user_01ARZ3NDEKTSV4RRFFQ69G5FAV"}),
            422,
            "inviter_user_id",
        ),
    ];
    for (body, want, field) in cases {
        let (status, err) = invite(&app, body.clone()).await;
        assert_eq!(
            (status, err["errors"][0]["field"].as_str()),
            (want, Some(field)),
            "{body} -> {err}"
        );
    }
    let (status, err) = invite(&app, json!({"email": 5, "organization_id": org_id})).await;
    assert_eq!((status, err["code"].as_str()), (400, Some("invalid_request")));

    let (status, _) = invite(&app, json!({"email": email, "organization_id": org_id})).await;
    assert_eq!(status, 201);
    let (status, dup) = invite(&app, json!({"email": email.to_uppercase(), "organization_id": org_id})).await;
    assert_eq!(
        (status, dup["code"].as_str()),
        (409, Some("invitation_pending")),
        "{dup}"
    );

    assert_eq!(
        app.get(&format!("{PATH}/invitation_01ARZ3NDEKTSV4RRFFQ69G5FAV"))
            .await
            .status(),
        404
    );
    assert_eq!(
        app.get(&format!("{PATH}/org_01ARZ3NDEKTSV4RRFFQ69G5FAV"))
            .await
            .status(),
        404
    );
    assert_eq!(by_token(&app, "gh_inv_nope").await.0, 404);
    let (status, err) = parts(app.get(&format!("{PATH}?state=dormant")).await).await;
    assert_eq!((status, err["errors"][0]["field"].as_str()), (422, Some("state")));
}

#[tokio::test]
async fn resend_replaces_the_link_revoke_kills_it_and_expiry_follows_the_clock() {
    let app = spawn_app().await;
    let org = app.create_org("Globex").await;
    let org_id = org["id"].as_str().unwrap();
    let email = unique("hank", "globex.test");
    let (_, inv) = invite(&app, json!({"email": email, "organization_id": org_id})).await;
    let id = inv["id"].as_str().unwrap().to_owned();
    let first = token_in(&app.wait_for_email(&email).await.text);

    // The invitee signed up meanwhile: the resent email says to join with that account.
    sign_up(&app, &email, false).await;
    let (status, resent) = parts(app.post(&format!("{PATH}/{id}/resend"), json!({})).await).await;
    assert_eq!(
        (status, resent["variant"].as_str()),
        (200, Some("existing_user")),
        "{resent}"
    );
    let resent_mail = app.nth_email(&email, 2).await;
    assert!(
        resent_mail.text.contains("You already have an account"),
        "{}",
        resent_mail.text
    );
    let second = token_in(&resent_mail.text);
    assert_eq!(resent["token"].as_str(), Some(second.as_str()));
    assert_ne!(first, second);
    assert_eq!(by_token(&app, &first).await.0, 404, "the old link stopped working");
    assert_eq!(by_token(&app, &second).await.0, 200);

    let (status, revoked) = parts(app.post(&format!("{PATH}/{id}/revoke"), json!({})).await).await;
    assert_eq!((status, revoked["state"].as_str()), (200, Some("revoked")));
    assert_eq!(by_token(&app, &second).await.0, 404);
    let (status, err) = app
        .authenticate(
            json!({"grant_type": "password", "email": email, "password": PASSWORD, "invitation_token": second}),
        )
        .await;
    assert_eq!((status, err["code"].as_str()), (400, Some("invalid_invitation_token")));
    for action in ["revoke", "resend"] {
        let (status, err) = parts(app.post(&format!("{PATH}/{id}/{action}"), json!({})).await).await;
        assert_eq!((status, err["code"].as_str()), (409, Some("not_pending")), "{action}");
    }

    // A new invitation may follow the revoked one; it expires by the clock.
    let (status, inv) = invite(
        &app,
        json!({"email": email, "organization_id": org_id, "expires_in_days": 1}),
    )
    .await;
    assert_eq!(status, 201, "{inv}");
    let id = inv["id"].as_str().unwrap().to_owned();
    let token = inv["token"].as_str().unwrap().to_owned();
    let pending: Value = app
        .get(&format!("{PATH}?organization_id={org_id}&state=pending"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(pending["data"].as_array().unwrap().len(), 1);
    app.clock.advance(chrono::Duration::days(1));
    for _ in 0..2 {
        let (_, got) = parts(app.get(&format!("{PATH}/{id}")).await).await;
        assert_eq!(got["state"], "expired");
    }
    let expired: Value = app
        .get(&format!("{PATH}?email={email}&state=expired"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(expired["data"][0]["id"].as_str(), Some(id.as_str()));
    let pending: Value = app
        .get(&format!("{PATH}?organization_id={org_id}&state=pending"))
        .await
        .json()
        .await
        .unwrap();
    assert!(pending["data"].as_array().unwrap().is_empty());
    assert_eq!(app.events_of("invitation.expired").await.len(), 1, "announced once");
    let (status, err) = app
        .authenticate(
            json!({"grant_type": "password", "email": email, "password": PASSWORD, "invitation_token": token}),
        )
        .await;
    assert_eq!(status, 400, "{err}");
    let (status, _) = parts(app.post(&format!("{PATH}/{id}/resend"), json!({})).await).await;
    assert_eq!(status, 409);
    let revoked: Value = app
        .get(&format!("{PATH}?organization_id={org_id}&state=revoked"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(revoked["data"].as_array().unwrap().len(), 1);

    let kinds = event_kinds(
        &app.events_of("invitation.created,invitation.resent,invitation.revoked,invitation.expired")
            .await,
    );
    assert_eq!(
        kinds,
        [
            "invitation.created",
            "invitation.resent",
            "invitation.revoked",
            "invitation.created",
            "invitation.expired"
        ]
    );
}

#[tokio::test]
async fn the_accept_endpoint_needs_the_verified_invited_email() {
    let app = spawn_app().await;
    let org = app.create_org("Hooli").await;
    let org_id = org["id"].as_str().unwrap();
    let email = unique("gavin", "hooli.test");
    let (_, inv) = invite(
        &app,
        json!({"email": email, "organization_id": org_id, "role_slug": "admin"}),
    )
    .await;
    let id = inv["id"].as_str().unwrap();
    let accept = format!("{PATH}/{id}/accept");

    let unverified = sign_up(&app, &email, false).await;
    let (status, err) = parts(app.post(&accept, json!({"user_id": unverified["id"]})).await).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (422, Some("email_not_verified")),
        "{err}"
    );
    let other = sign_up(&app, &unique("richard", "hooli.test"), true).await;
    let (status, err) = parts(app.post(&accept, json!({"user_id": other["id"]})).await).await;
    assert_eq!((status, err["code"].as_str()), (422, Some("email_mismatch")), "{err}");
    assert!(memberships_of(&app, other["id"].as_str().unwrap()).await.is_empty());

    let (status, _) = parts(
        app.put(
            &format!("/user_management/users/{}", unverified["id"].as_str().unwrap()),
            json!({"email_verified": true}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200);
    let (status, accepted) = parts(app.post(&accept, json!({"user_id": unverified["id"]})).await).await;
    assert_eq!(status, 200, "{accepted}");
    assert_eq!(accepted["invitation"]["state"], "accepted");
    assert_eq!(
        (
            accepted["organization_membership"]["role"]["slug"].as_str(),
            accepted["organization_membership"]["source"].as_str()
        ),
        (Some("admin"), Some("invitation"))
    );
    let (status, err) = parts(app.post(&accept, json!({"user_id": unverified["id"]})).await).await;
    assert_eq!(
        (status, err["code"].as_str()),
        (409, Some("not_pending")),
        "accepts once"
    );
}

#[tokio::test]
async fn reminders_go_out_every_n_days_up_to_the_maximum() {
    let app = spawn_app_with(|c| {
        c.invitation_reminder_interval_secs = 1;
        c.invitation_reminder_after_days = 2;
        c.invitation_max_reminders = 2;
    })
    .await;
    let org = app.create_org("Umbrella").await;
    let boss = inviter(&app).await;
    let email = unique("alice", "umbrella.test");
    let (_, inv) = invite(
        &app,
        json!({"email": email, "organization_id": org["id"], "inviter_user_id": boss["id"], "expires_in_days": 10}),
    )
    .await;
    app.wait_for_email(&email).await;

    // Nothing before N days.
    app.clock
        .advance(chrono::Duration::days(2) - chrono::Duration::minutes(1));
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(shared_sink().emails_to(&email).len(), 1);

    app.clock.advance(chrono::Duration::minutes(2));
    let reminder = app.nth_email(&email, 2).await;
    assert_eq!(reminder.subject, "Reminder: Grace Hopper invited you to join Umbrella");
    assert_mentions(&reminder, "Umbrella", "Grace Hopper");
    assert!(reminder.text.contains("Create your account"), "{}", reminder.text);
    let reminder_token = token_in(&reminder.text);
    assert_eq!(
        by_token(&app, &reminder_token).await.1["id"],
        inv["id"],
        "the reminder's link works"
    );
    assert_eq!(
        by_token(&app, inv["token"].as_str().unwrap()).await.0,
        200,
        "and so does the first"
    );

    app.clock.advance(chrono::Duration::days(2));
    app.nth_email(&email, 3).await;
    app.clock.advance(chrono::Duration::days(2));
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(shared_sink().emails_to(&email).len(), 3, "at most two reminders");
    let (_, got) = parts(app.get(&format!("{PATH}/{}", inv["id"].as_str().unwrap())).await).await;
    assert_eq!(got["reminders_sent"], 2);

    // The task also announces expiry, once.
    app.clock.advance(chrono::Duration::days(5));
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    while app.events_of("invitation.expired").await.is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "no invitation.expired");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(app.events_of("invitation.expired").await.len(), 1);
    assert_eq!(
        shared_sink().emails_to(&email).len(),
        3,
        "no reminder for an expired invitation"
    );
}

#[tokio::test]
async fn an_organization_sets_its_own_reminder_schedule() {
    let app = spawn_app_with(|c| {
        c.invitation_reminder_interval_secs = 1;
        c.invitation_reminder_after_days = 3;
        c.invitation_max_reminders = 2;
    })
    .await;
    let org = app.create_org("Soylent").await;
    let org_id = org["id"].as_str().unwrap();
    let path = format!("/organizations/{org_id}/invitation_settings");
    let (status, defaults) = parts(app.get(&path).await).await;
    assert_eq!(status, 200, "{defaults}");
    assert_eq!(
        (
            defaults["reminder_after_days"].as_i64(),
            defaults["max_reminders"].as_i64()
        ),
        (Some(3), Some(2))
    );
    for (body, field) in [
        (
            json!({"reminder_after_days": 0, "max_reminders": 1}),
            "reminder_after_days",
        ),
        (json!({"reminder_after_days": 1, "max_reminders": 11}), "max_reminders"),
    ] {
        let (status, err) = parts(app.put(&path, body).await).await;
        assert_eq!(
            (status, err["errors"][0]["field"].as_str()),
            (422, Some(field)),
            "{err}"
        );
    }
    let missing = "/organizations/org_01ARZ3NDEKTSV4RRFFQ69G5FAV/invitation_settings";
    assert_eq!(app.get(missing).await.status(), 404);
    let (status, set) = parts(
        app.put(&path, json!({"reminder_after_days": 1, "max_reminders": 1}))
            .await,
    )
    .await;
    assert_eq!((status, set["max_reminders"].as_i64()), (200, Some(1)), "{set}");

    let email = unique("sol", "soylent.test");
    invite(&app, json!({"email": email, "organization_id": org_id})).await;
    app.wait_for_email(&email).await;
    app.clock.advance(chrono::Duration::days(1));
    let reminder = app.nth_email(&email, 2).await;
    assert!(reminder.subject.starts_with("Reminder:"), "{}", reminder.subject);
    app.clock.advance(chrono::Duration::days(1));
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(
        shared_sink().emails_to(&email).len(),
        2,
        "one reminder: the organization's maximum"
    );
}

/// A `gatehouse serve` process; killed when dropped.
pub struct Server {
    child: std::process::Child,
    pub base: String,
    pub printed_key: Option<String>,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts the real binary against `db_url`, sending mail to the shared SMTP sink and running the
/// reminder task every second, and waits until it says where it listens.
fn start_server(data_dir: &std::path::Path, db_url: &str) -> Server {
    start_server_with(data_dir, db_url, &[])
}

/// `start_server` with more settings (`GATEHOUSE_…` variables).
pub fn start_server_with(data_dir: &std::path::Path, db_url: &str, settings: &[(&str, String)]) -> Server {
    use std::io::BufRead;
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_gatehouse"));
    command.envs(settings.iter().map(|(k, v)| (*k, v.as_str())));
    let mut child = command
        .arg("serve")
        .current_dir(data_dir)
        .env("GATEHOUSE_LISTEN", "127.0.0.1:0")
        .env("GATEHOUSE_LOG", "warn")
        .env("GATEHOUSE_DATABASE_URL", db_url)
        .env("GATEHOUSE_DATA_DIR", data_dir)
        // Both nodes unseal the same signing key.
        .env("GATEHOUSE_SECRET_KEY", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
        .env("GATEHOUSE_SMTP_HOST", "127.0.0.1")
        .env("GATEHOUSE_SMTP_PORT", shared_sink().port.to_string())
        .env("GATEHOUSE_SMTP_TLS", "none")
        .env("GATEHOUSE_INVITATION_REMINDER_INTERVAL_SECS", "1")
        .env("GATEHOUSE_INVITATION_REMINDER_AFTER_DAYS", "1")
        .env("GATEHOUSE_INVITATION_MAX_REMINDERS", "2")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start gatehouse serve");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut base = None;
    let mut printed_key = None;
    let wait = |base: &Option<String>| std::time::Duration::from_secs(if base.is_some() { 1 } else { 60 });
    while let Ok(line) = rx.recv_timeout(wait(&base)) {
        if let Some(url) = line.strip_prefix("Gatehouse listening on ") {
            base = Some(url.trim().to_owned());
        }
        if let Some(key) = line.strip_prefix("API key (shown once): ") {
            printed_key = Some(key.trim().to_owned());
        }
        if line.starts_with("Client id:") {
            break;
        }
    }
    Server {
        child,
        base: base.expect("the server printed its address"),
        printed_key,
    }
}

/// Makes every pending invitation's next reminder due now, as if N days had passed.
async fn make_reminders_due(db: &sea_orm::DatabaseConnection) {
    use sea_orm::ConnectionTrait;
    db.execute_unprepared(
        "UPDATE invitations SET next_reminder_at = now() - interval '1 minute' WHERE next_reminder_at IS NOT NULL",
    )
    .await
    .unwrap();
}

async fn settle_and_count(addresses: &[String], want: usize) {
    for address in addresses {
        shared_sink().wait_for_emails(address, want).await;
    }
    // Several more runs of both nodes' tasks: nothing more may arrive.
    tokio::time::sleep(std::time::Duration::from_secs(4)).await;
    for address in addresses {
        assert_eq!(shared_sink().emails_to(address).len(), want, "{address}");
    }
}

#[tokio::test]
async fn two_server_processes_on_one_postgresql_send_each_reminder_once() {
    if !crate::helpers::on_postgres() {
        eprintln!(
            "skipped: two server processes need one shared PostgreSQL database \
             (GATEHOUSE_TEST_DATABASE=postgres); SQLite is one process's file"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let db_url = crate::helpers::fresh_database_url(dir.path()).await;
    let (dir_a, dir_b) = (dir.path().join("a"), dir.path().join("b"));
    std::fs::create_dir_all(&dir_a).unwrap();
    std::fs::create_dir_all(&dir_b).unwrap();
    // One after the other: the first migrates and bootstraps, the second finds it done.
    let a = start_server(&dir_a, &db_url);
    let key = a.printed_key.clone().expect("the first start prints a key");
    let b = start_server(&dir_b, &db_url);
    assert_eq!(b.printed_key, None);
    let http = reqwest::Client::new();

    let org: Value = http
        .post(format!("{}/organizations", a.base))
        .bearer_auth(&key)
        .json(&json!({"name": "Two Nodes"}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let addresses: Vec<String> = (0..60).map(|i| unique(&format!("n{i}"), "two-nodes.test")).collect();
    for (i, email) in addresses.iter().enumerate() {
        // Spread the writes over both nodes.
        let base = if i % 2 == 0 { &a.base } else { &b.base };
        let resp = http
            .post(format!("{base}{PATH}"))
            .bearer_auth(&key)
            .json(&json!({"email": email, "organization_id": org["id"]}))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 201);
    }
    settle_and_count(&addresses, 1).await;

    let db = sea_orm::Database::connect(&db_url).await.unwrap();
    make_reminders_due(&db).await;
    settle_and_count(&addresses, 2).await;
    make_reminders_due(&db).await;
    settle_and_count(&addresses, 3).await;
    // The maximum is two reminders: nothing is due any more.
    make_reminders_due(&db).await;
    settle_and_count(&addresses, 3).await;

    let reminders: Vec<ReceivedEmail> = addresses
        .iter()
        .flat_map(|a| shared_sink().emails_to(a))
        .filter(|m| m.subject.starts_with("Reminder:"))
        .collect();
    assert_eq!(reminders.len(), 2 * addresses.len());
    let listed: Value = http
        .get(format!(
            "{}{PATH}?organization_id={}&limit=100",
            b.base,
            org["id"].as_str().unwrap()
        ))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let sent: Vec<i64> = listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["reminders_sent"].as_i64().unwrap())
        .collect();
    assert_eq!(sent, vec![2; addresses.len()]);
    db.close().await.ok();
}
