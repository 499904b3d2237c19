//! Core identity end to end over HTTP: sign-up, email verification through a real SMTP
//! server, MFA, sessions, refresh rotation and reuse detection, magic auth, password reset.

use crate::helpers::{captured_logs, parts, sign_up, spawn_app, totp_code, unique_email, TestApp, PASSWORD};
use gatehouse::clock::Clock;
use serde_json::{json, Value};

/// The code sits on a line of its own; other digits in the mail (the address) must not match.
fn code_in(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .find(|line| line.len() == 6 && line.bytes().all(|b| b.is_ascii_digit()))
        .map(str::to_owned)
        .expect("a six-digit code on a line of its own in the email")
}

async fn me(app: &TestApp, access_token: &str) -> (u16, Value) {
    parts(
        app.http
            .get(format!("{}/user_management/me", app.base))
            .bearer_auth(access_token)
            .send()
            .await
            .unwrap(),
    )
    .await
}

async fn password_sign_in(app: &TestApp, email: &str) -> (u16, Value) {
    app.authenticate(json!({"grant_type": "password", "email": email, "password": PASSWORD}))
        .await
}

#[tokio::test]
async fn sign_up_verify_mfa_refresh_and_reuse_detection() {
    let app = spawn_app().await;
    let email = unique_email("ann");
    let user = sign_up(&app, &email, false).await;

    // An unverified mailbox is proven with a code emailed through the real SMTP server.
    let (status, needed) = password_sign_in(&app, &email).await;
    assert_eq!(
        (status, needed["code"].as_str()),
        (403, Some("email_verification_required")),
        "{needed}"
    );
    assert_eq!(needed["user"]["id"], user["id"], "{needed}");
    let pending = needed["pending_authentication_token"].as_str().unwrap().to_owned();
    let mail = app.wait_for_email(&email).await;
    let code = code_in(&mail.text);
    assert!(mail.html.contains(&code), "the code is in the HTML part too");
    let (status, signed_in) = app
        .authenticate(json!({"grant_type": "urn:workos:oauth:grant-type:email-verification:code", "code": code, "pending_authentication_token": pending}))
        .await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(signed_in["user"]["email_verified"], true);
    assert_eq!(signed_in["authentication_method"], "password");
    let (status, _) = app
        .authenticate(json!({"grant_type": "urn:gatehouse:grant-type:email-verification:code", "code": code, "pending_authentication_token": pending}))
        .await;
    assert_eq!(status, 400, "a pending token works once");

    // Enroll TOTP and prove it with a code from the seed.
    let user_id = user["id"].as_str().unwrap();
    let (status, enrolled) = parts(
        app.post(
            &format!("/user_management/users/{user_id}/auth_factors"),
            json!({"type": "totp"}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{enrolled}");
    let secret = enrolled["authentication_factor"]["totp"]["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(enrolled["authentication_factor"]["totp"]["qr_code"]
        .as_str()
        .unwrap()
        .starts_with("data:image/png;base64,"));
    assert!(enrolled["authentication_factor"]["totp"]["uri"]
        .as_str()
        .unwrap()
        .starts_with("otpauth://totp/"));
    let factor_id = enrolled["authentication_factor"]["id"].as_str().unwrap().to_owned();
    let challenge_id = enrolled["authentication_challenge"]["id"].as_str().unwrap();
    let now = app.clock.now().timestamp();
    let (status, verified) = parts(
        app.post(
            &format!("/auth/challenges/{challenge_id}/verify"),
            json!({"code": totp_code(&secret, now)}),
        )
        .await,
    )
    .await;
    assert_eq!((status, verified["valid"].as_bool()), (200, Some(true)), "{verified}");

    // Sign out, then sign in again: password, then the TOTP challenge.
    let access = signed_in["access_token"].as_str().unwrap();
    let (status, who) = me(&app, access).await;
    assert_eq!(status, 200, "{who}");
    let session_id = who["session"]["id"].as_str().unwrap().to_owned();
    let (status, revoked) = parts(
        app.post("/user_management/sessions/revoke", json!({"session_id": session_id}))
            .await,
    )
    .await;
    assert_eq!((status, revoked["status"].as_str()), (200, Some("revoked")));
    let (status, _) = app
        .authenticate(json!({"grant_type": "refresh_token", "refresh_token": signed_in["refresh_token"]}))
        .await;
    assert_eq!(status, 400, "a revoked session stops refreshing at once");

    let (status, needed) = password_sign_in(&app, &email).await;
    assert_eq!(
        (status, needed["code"].as_str()),
        (403, Some("mfa_challenge")),
        "{needed}"
    );
    assert_eq!(needed["authentication_factors"][0]["id"], factor_id.as_str());
    let pending = needed["pending_authentication_token"].as_str().unwrap().to_owned();
    let (_, challenge) = parts(
        app.post(&format!("/auth/factors/{factor_id}/challenge"), json!({}))
            .await,
    )
    .await;
    let replayed = totp_code(&secret, now);
    let (status, refused) = app
        .authenticate(
            json!({"grant_type": "urn:gatehouse:grant-type:mfa-totp", "pending_authentication_token": pending,
                              "authentication_challenge_id": challenge["id"], "code": replayed}),
        )
        .await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (400, Some("invalid_code")),
        "a used TOTP code cannot be replayed"
    );
    app.clock.advance(chrono::Duration::seconds(30));
    let fresh = totp_code(&secret, app.clock.now().timestamp());
    let (status, signed_in) = app
        .authenticate(
            json!({"grant_type": "urn:gatehouse:grant-type:mfa-totp", "pending_authentication_token": pending,
                              "authentication_challenge_id": challenge["id"], "code": fresh}),
        )
        .await;
    assert_eq!(status, 200, "{signed_in}");
    let (_, who) = me(&app, signed_in["access_token"].as_str().unwrap()).await;
    let methods: Vec<&str> = who["session"]["auth_methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["method"].as_str().unwrap())
        .collect();
    assert_eq!(methods, ["password", "totp"]);
    assert!(who["session"]["mfa_at"].is_string());

    // Refresh rotates; presenting a spent token revokes the whole session.
    let first = signed_in["refresh_token"].as_str().unwrap().to_owned();
    let (status, rotated) = app
        .authenticate(json!({"grant_type": "refresh_token", "refresh_token": first}))
        .await;
    assert_eq!(status, 200, "{rotated}");
    let second = rotated["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(first, second);
    let (status, reuse) = app
        .authenticate(json!({"grant_type": "refresh_token", "refresh_token": first}))
        .await;
    assert_eq!((status, reuse["code"].as_str()), (400, Some("invalid_grant")));
    let (status, _) = app
        .authenticate(json!({"grant_type": "refresh_token", "refresh_token": second}))
        .await;
    assert_eq!(status, 400, "after reuse the live token is dead too");
    let sessions: Value = app
        .get(&format!("/user_management/users/{user_id}/sessions"))
        .await
        .json()
        .await
        .unwrap();
    let statuses: Vec<&str> = sessions["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["revoked", "revoked"]);
    assert_eq!(app.events_of("session.revoked").await.len(), 2);

    // None of the secrets used above reached the logs.
    // The logs are shared by every test of the binary, and a six-digit code also turns up inside
    // the digits of timings such as `elapsed_ms=3.123456`: it counts only as a number of its own.
    let logs = captured_logs();
    for (name, secret_value) in [
        ("password", PASSWORD),
        ("totp secret", &secret),
        ("refresh token", &first),
        ("refresh token", &second),
        ("pending token", &pending),
        ("refresh token", &fresh),
    ] {
        if let Some(l) = logs.lines().find(|l| l.contains(secret_value)) {
            eprintln!("LEAK {name}: {l}");
        }
        assert!(!logs.contains(secret_value), "the {name} leaked into the logs");
    }
    assert!(!contains_number(&logs, &code), "the emailed code leaked into the logs");
}

/// Whether `digits` occurs in `text` as a whole number (not inside a longer run of digits or a decimal).
fn contains_number(text: &str, digits: &str) -> bool {
    let part_of_number = |c: Option<char>| c.is_some_and(|c| c.is_ascii_digit() || c == '.');
    text.match_indices(digits).any(|(at, _)| {
        !part_of_number(text[..at].chars().next_back()) && !part_of_number(text[at + digits.len()..].chars().next())
    })
}

#[test]
fn a_number_counts_only_on_its_own() {
    let cases = [
        ("code=123456 sent", true),
        ("\"code\":\"123456\"", true),
        ("elapsed_ms=3.123456", false),
        ("id 91234567", false),
        ("1234567", false),
        ("123456.7", false),
    ];
    for (text, expected) in cases {
        assert_eq!(contains_number(text, "123456"), expected, "{text}");
    }
}

#[tokio::test]
async fn wrong_credentials_are_refused_alike() {
    let app = spawn_app().await;
    let email = unique_email("bob");
    sign_up(&app, &email, true).await;
    let (s1, wrong) = app
        .authenticate(json!({"grant_type": "password", "email": email, "password": "not the password at all"}))
        .await;
    let (s2, unknown) = app
        .authenticate(json!({"grant_type": "password", "email": unique_email("nobody"), "password": PASSWORD}))
        .await;
    assert_eq!((s1, wrong["code"].as_str()), (400, Some("invalid_credentials")));
    assert_eq!(
        (s2, unknown["code"].clone()),
        (400, wrong["code"].clone()),
        "an unknown email looks like a wrong password"
    );
    let (status, body) = app.authenticate(json!({"grant_type": "telepathy"})).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("unsupported_grant_type")));
    let (status, body) = app
        .authenticate(json!({"grant_type": "password", "email": email}))
        .await;
    assert_eq!((status, body["errors"][0]["field"].as_str()), (422, Some("password")));
}

#[tokio::test]
async fn weak_and_common_passwords_are_refused() {
    let app = spawn_app().await;
    for password in ["short", "password123", "x".repeat(129).as_str()] {
        let (status, body) = parts(
            app.post(
                "/user_management/users",
                json!({"email": unique_email("weak"), "password": password}),
            )
            .await,
        )
        .await;
        assert_eq!(
            (status, body["code"].as_str()),
            (422, Some("password_too_weak")),
            "{password}"
        );
    }
}

#[tokio::test]
async fn imported_bcrypt_hashes_sign_in_and_are_upgraded() {
    let app = spawn_app().await;
    let email = unique_email("imported");
    let hash = bcrypt::hash(PASSWORD, 4).unwrap();
    let (status, user) = parts(
        app.post(
            "/user_management/users",
            json!({"email": email, "password_hash": hash, "password_hash_type": "bcrypt", "email_verified": true}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 201, "{user}");
    let (status, _) = password_sign_in(&app, &email).await;
    assert_eq!(status, 200);
    let stored = entities::password_credentials::Entity::find_by_id(user["id"].as_str().unwrap())
        .one(app.ctx.db.read())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.hash_type, "argon2id");
    assert!(stored.password_hash.starts_with("$argon2id$"));
    let (status, _) = password_sign_in(&app, &email).await;
    assert_eq!(status, 200, "the upgraded hash verifies");
    let (status, body) = parts(
        app.post(
            "/user_management/users",
            json!({"email": unique_email("bad"), "password_hash": "$2b$nonsense", "password_hash_type": "bcrypt"}),
        )
        .await,
    )
    .await;
    assert_eq!(
        (status, body["errors"][0]["field"].as_str()),
        (422, Some("password_hash"))
    );
}

use sea_orm::EntityTrait;

#[tokio::test]
async fn magic_auth_codes_are_single_use_expiring_and_limited() {
    let app = spawn_app().await;
    let email = unique_email("magic");
    sign_up(&app, &email, false).await;

    let (status, ticket) = parts(app.post("/user_management/magic_auth", json!({"email": email})).await).await;
    assert_eq!(status, 201, "{ticket}");
    assert!(ticket.get("code").is_none(), "the code is never returned");
    let code = code_in(&app.nth_email(&email, 1).await.text);
    let grant =
        |code: &str| json!({"grant_type": "urn:gatehouse:grant-type:magic-auth:code", "email": email, "code": code});
    let (status, signed_in) = app.authenticate(grant(&code)).await;
    assert_eq!(status, 200, "{signed_in}");
    assert_eq!(signed_in["user"]["email_verified"], true, "the code proved the mailbox");
    assert_eq!(signed_in["authentication_method"], "magic_auth");
    let (status, reused) = app.authenticate(grant(&code)).await;
    assert_eq!(
        (status, reused["code"].as_str()),
        (400, Some("invalid_code")),
        "single use"
    );

    // Expired.
    app.post("/user_management/magic_auth", json!({"email": email})).await;
    let code = code_in(&app.nth_email(&email, 2).await.text);
    app.clock.advance(chrono::Duration::minutes(11));
    let (status, expired) = app.authenticate(grant(&code)).await;
    assert_eq!((status, expired["code"].as_str()), (400, Some("code_expired")));

    // Wrong guesses are limited, after which even the right code fails.
    app.post("/user_management/magic_auth", json!({"email": email})).await;
    let code = code_in(&app.nth_email(&email, 3).await.text);
    let wrong = if code == "000000" { "111111" } else { "000000" };
    for _ in 0..4 {
        let (status, body) = app.authenticate(grant(wrong)).await;
        assert_eq!((status, body["code"].as_str()), (400, Some("invalid_code")));
    }
    let (_, fifth) = app.authenticate(grant(wrong)).await;
    assert_eq!(fifth["code"], "too_many_attempts");
    let (_, right_too_late) = app.authenticate(grant(&code)).await;
    assert_eq!(right_too_late["code"], "too_many_attempts");

    // Unknown addresses get the same answer and no email.
    let stranger = unique_email("stranger");
    let (status, ticket) = parts(
        app.post("/user_management/magic_auth", json!({"email": stranger}))
            .await,
    )
    .await;
    assert_eq!((status, ticket["object"].as_str()), (201, Some("magic_auth")));
}

#[tokio::test]
async fn password_reset_sets_a_new_password_and_revokes_sessions() {
    let app = spawn_app().await;
    let email = unique_email("reset");
    sign_up(&app, &email, true).await;
    let (_, before) = password_sign_in(&app, &email).await;

    let (status, _) = parts(
        app.post("/user_management/password_reset", json!({"email": email}))
            .await,
    )
    .await;
    assert_eq!(status, 202);
    let mail = app.wait_for_email(&email).await;
    let link = mail
        .text
        .split_whitespace()
        .find(|w| w.contains("reset-password?token="))
        .expect("a reset link")
        .to_owned();
    let token = link
        .split("token=")
        .nth(1)
        .unwrap()
        .trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_owned();

    let (status, weak) = parts(
        app.post(
            "/user_management/password_reset/confirm",
            json!({"token": token, "new_password": "12345678"}),
        )
        .await,
    )
    .await;
    assert_eq!((status, weak["code"].as_str()), (422, Some("password_too_weak")));
    let new_password = "a brand new passphrase 77";
    // The weak attempt rolled back, so the token still works once.
    let (status, user) = parts(
        app.post(
            "/user_management/password_reset/confirm",
            json!({"token": token, "new_password": new_password}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 200, "{user}");
    let (status, _) = parts(
        app.post(
            "/user_management/password_reset/confirm",
            json!({"token": token, "new_password": new_password}),
        )
        .await,
    )
    .await;
    assert_eq!(status, 400, "single use");

    let (status, _) = app
        .authenticate(json!({"grant_type": "refresh_token", "refresh_token": before["refresh_token"]}))
        .await;
    assert_eq!(status, 400, "sessions from before the reset are revoked");
    let (status, _) = password_sign_in(&app, &email).await;
    assert_eq!(status, 400, "the old password is gone");
    let (status, _) = app
        .authenticate(json!({"grant_type": "password", "email": email, "password": new_password}))
        .await;
    assert_eq!(status, 200);
    assert!(!captured_logs().contains(&token));
}

#[tokio::test]
async fn organization_selection_and_switching() {
    let app = spawn_app().await;
    let email = unique_email("multi");
    let user = sign_up(&app, &email, true).await;
    let a = app.create_org("Alpha").await;
    let b = app.create_org("Beta").await;
    for (org, role) in [(&a, "member"), (&b, "admin")] {
        let resp = app
            .post(
                "/user_management/organization_memberships",
                json!({"user_id": user["id"], "organization_id": org["id"], "role_slug": role}),
            )
            .await;
        assert_eq!(resp.status(), 201);
    }
    let (status, needed) = password_sign_in(&app, &email).await;
    assert_eq!(
        (status, needed["code"].as_str()),
        (403, Some("organization_selection_required"))
    );
    let names: Vec<&str> = needed["organizations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Alpha", "Beta"]);
    let pending = needed["pending_authentication_token"].clone();
    let (status, signed_in) =
        app.authenticate(json!({"grant_type": "urn:gatehouse:grant-type:organization-selection", "pending_authentication_token": pending, "organization_id": b["id"]})).await;
    assert_eq!(
        (status, signed_in["organization_id"].clone()),
        (200, b["id"].clone()),
        "{signed_in}"
    );
    let (_, who) = me(&app, signed_in["access_token"].as_str().unwrap()).await;
    assert_eq!(who["organization_membership"]["role"]["slug"], "admin");

    let (status, switched) =
        app.authenticate(json!({"grant_type": "refresh_token", "refresh_token": signed_in["refresh_token"], "organization_id": a["id"]})).await;
    assert_eq!((status, switched["organization_id"].clone()), (200, a["id"].clone()));
    let (_, who) = me(&app, switched["access_token"].as_str().unwrap()).await;
    assert_eq!(who["organization_membership"]["role"]["slug"], "member");

    let stranger = app.create_org("Gamma").await;
    let (status, refused) =
        app.authenticate(json!({"grant_type": "refresh_token", "refresh_token": switched["refresh_token"], "organization_id": stranger["id"]})).await;
    assert_eq!(
        (status, refused["code"].as_str()),
        (403, Some("organization_membership_required"))
    );
}

#[tokio::test]
async fn signing_keys_rotate_without_breaking_live_tokens() {
    let app = spawn_app().await;
    let email = unique_email("rotate");
    sign_up(&app, &email, true).await;
    let (_, signed_in) = password_sign_in(&app, &email).await;
    let old_token = signed_in["access_token"].as_str().unwrap().to_owned();

    gatehouse::sessions::keys::rotate_signing_key(&app.ctx).await.unwrap();
    let jwks: Value = app.get("/.well-known/jwks.json").await.json().await.unwrap();
    assert_eq!(
        jwks["keys"].as_array().unwrap().len(),
        2,
        "the retiring key is still published"
    );
    assert_eq!(
        me(&app, &old_token).await.0,
        200,
        "a token signed before the rotation still verifies"
    );

    let (_, refreshed) = app
        .authenticate(json!({"grant_type": "refresh_token", "refresh_token": signed_in["refresh_token"]}))
        .await;
    let new_token = refreshed["access_token"].as_str().unwrap().to_owned();
    let kid = |token: &str| jsonwebtoken::decode_header(token).unwrap().kid.unwrap();
    assert_ne!(kid(&old_token), kid(&new_token), "new tokens use the new key");
    assert_eq!(jwks["keys"][0]["kid"].as_str().unwrap(), kid(&new_token));

    app.clock.advance(chrono::Duration::minutes(11));
    let jwks: Value = app.get("/.well-known/jwks.json").await.json().await.unwrap();
    assert_eq!(
        jwks["keys"].as_array().unwrap().len(),
        1,
        "the old key is withdrawn once its tokens expired"
    );
    assert_eq!(me(&app, &old_token).await.0, 401);
}

#[tokio::test]
async fn forged_access_tokens_are_refused() {
    let app = spawn_app().await;
    let email = unique_email("forged");
    sign_up(&app, &email, true).await;
    let (_, signed_in) = password_sign_in(&app, &email).await;
    let token = signed_in["access_token"].as_str().unwrap();
    let mut pieces: Vec<String> = token.split('.').map(str::to_owned).collect();
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let none_header = b64.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let unsigned = format!("{none_header}.{}.", pieces[1]);
    let mut claims: Value = serde_json::from_slice(&b64.decode(&pieces[1]).unwrap()).unwrap();
    claims["sub"] = json!("user_01ARZ3NDEKTSV4RRFFQ69G5FAV");
    pieces[1] = b64.encode(claims.to_string());
    let tampered = pieces.join(".");
    for forged in [unsigned.as_str(), tampered.as_str(), "not.a.jwt"] {
        assert_eq!(me(&app, forged).await.0, 401, "{forged}");
    }
    app.clock.advance(chrono::Duration::minutes(6));
    assert_eq!(me(&app, token).await.0, 401, "expired");
}

#[tokio::test]
async fn deactivating_a_membership_ends_sessions_in_that_organization() {
    let app = spawn_app().await;
    let email = unique_email("leaver");
    let user = sign_up(&app, &email, true).await;
    let org = app.create_org("Acme").await;
    let (_, membership) = parts(
        app.post(
            "/user_management/organization_memberships",
            json!({"user_id": user["id"], "organization_id": org["id"]}),
        )
        .await,
    )
    .await;
    let (_, signed_in) = password_sign_in(&app, &email).await;
    assert_eq!(signed_in["organization_id"], org["id"]);
    let id = membership["id"].as_str().unwrap();
    assert_eq!(
        app.put(
            &format!("/user_management/organization_memberships/{id}/deactivate"),
            json!({})
        )
        .await
        .status(),
        200
    );
    let (status, _) = app
        .authenticate(json!({"grant_type": "refresh_token", "refresh_token": signed_in["refresh_token"]}))
        .await;
    assert_eq!(status, 400, "the session in that organization is revoked");
}

#[tokio::test]
async fn idle_and_absolute_session_expiry() {
    let app = spawn_app().await;
    let email = unique_email("idle");
    sign_up(&app, &email, true).await;
    let (_, signed_in) = password_sign_in(&app, &email).await;
    app.clock.advance(chrono::Duration::days(6));
    let (status, kept) = app
        .authenticate(json!({"grant_type": "refresh_token", "refresh_token": signed_in["refresh_token"]}))
        .await;
    assert_eq!(status, 200, "used within the idle timeout");
    app.clock.advance(chrono::Duration::days(8));
    let (status, _) = app
        .authenticate(json!({"grant_type": "refresh_token", "refresh_token": kept["refresh_token"]}))
        .await;
    assert_eq!(status, 400, "idle for longer than the idle timeout");

    let (_, fresh) = password_sign_in(&app, &email).await;
    let mut token = fresh["refresh_token"].as_str().unwrap().to_owned();
    for _ in 0..4 {
        app.clock.advance(chrono::Duration::days(6));
        let (status, next) = app
            .authenticate(json!({"grant_type": "refresh_token", "refresh_token": token}))
            .await;
        assert_eq!(status, 200);
        token = next["refresh_token"].as_str().unwrap().to_owned();
    }
    // Day 30 of the session: idle for only 6 days, but its lifetime is over.
    app.clock.advance(chrono::Duration::days(6));
    let (status, _) = app
        .authenticate(json!({"grant_type": "refresh_token", "refresh_token": token}))
        .await;
    assert_eq!(status, 400, "past the absolute lifetime, however active");
}

#[tokio::test]
async fn a_recovery_code_stands_in_for_totp_once() {
    let app = spawn_app().await;
    let email = unique_email("lost-phone");
    let user = sign_up(&app, &email, true).await;
    let user_id = user["id"].as_str().unwrap();
    let (_, enrolled) = parts(
        app.post(
            &format!("/user_management/users/{user_id}/auth_factors"),
            json!({"type": "totp"}),
        )
        .await,
    )
    .await;
    let codes: Vec<String> = enrolled["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(codes.len(), 10);
    let secret = enrolled["authentication_factor"]["totp"]["secret"].as_str().unwrap();
    let challenge_id = enrolled["authentication_challenge"]["id"].as_str().unwrap();
    let code = totp_code(secret, app.clock.now().timestamp());
    parts(
        app.post(
            &format!("/auth/challenges/{challenge_id}/verify"),
            json!({"code": code}),
        )
        .await,
    )
    .await;

    let stored = entities::mfa_recovery_codes::Entity::find()
        .all(app.ctx.db.read())
        .await
        .unwrap();
    assert!(
        stored
            .iter()
            .all(|row| !codes.iter().any(|c| row.code_hash.contains(c.as_str()))),
        "stored hashed"
    );

    let grant = |pending: &Value, code: &str| json!({"grant_type": "urn:gatehouse:grant-type:mfa-recovery-code", "pending_authentication_token": pending, "code": code});
    let (_, needed) = password_sign_in(&app, &email).await;
    let pending = needed["pending_authentication_token"].clone();
    let (status, _) = app.authenticate(grant(&pending, "aaaaa-bbbbb")).await;
    assert_eq!(status, 400, "a wrong recovery code");
    let (status, signed_in) = app.authenticate(grant(&pending, &codes[0].to_uppercase())).await;
    assert_eq!(status, 200, "{signed_in}");
    let (_, who) = me(&app, signed_in["access_token"].as_str().unwrap()).await;
    assert!(who["session"]["mfa_at"].is_string());

    let (_, needed) = password_sign_in(&app, &email).await;
    let (status, reused) = app
        .authenticate(grant(&needed["pending_authentication_token"], &codes[0]))
        .await;
    assert_eq!(
        (status, reused["code"].as_str()),
        (400, Some("invalid_code")),
        "each code works once"
    );
}

#[tokio::test]
async fn wrong_expired_and_over_attempted_codes_everywhere() {
    let app = spawn_app().await;
    let email = unique_email("codes");
    let user = sign_up(&app, &email, false).await;
    let user_id = user["id"].as_str().unwrap();

    // Email verification: a wrong code, then the right one.
    app.post(
        &format!("/user_management/users/{user_id}/email_verification/send"),
        json!({}),
    )
    .await;
    let code = code_in(&app.nth_email(&email, 1).await.text);
    let wrong = if code == "123456" { "654321" } else { "123456" };
    let confirm = format!("/user_management/users/{user_id}/email_verification/confirm");
    let (status, err) = parts(app.post(&confirm, json!({"code": wrong})).await).await;
    assert_eq!((status, err["code"].as_str()), (400, Some("invalid_code")));
    let (status, verified) = parts(app.post(&confirm, json!({"code": code})).await).await;
    assert_eq!((status, verified["email_verified"].as_bool()), (200, Some(true)));
    let (status, _) = parts(app.post(&confirm, json!({"code": code})).await).await;
    assert_eq!(status, 400, "used once");

    // Password reset: an expired link.
    app.post("/user_management/password_reset", json!({"email": email}))
        .await;
    let mail = app.nth_email(&email, 2).await;
    let link = mail
        .text
        .split_whitespace()
        .find(|w| w.contains("token="))
        .unwrap()
        .to_owned();
    let token = link
        .split("token=")
        .nth(1)
        .unwrap()
        .trim_end_matches(|c: char| !c.is_ascii_alphanumeric())
        .to_owned();
    app.clock.advance(chrono::Duration::minutes(31));
    let (status, err) = parts(
        app.post(
            "/user_management/password_reset/confirm",
            json!({"token": token, "new_password": "another fine passphrase 9"}),
        )
        .await,
    )
    .await;
    assert_eq!((status, err["code"].as_str()), (400, Some("code_expired")));

    // MFA challenge: five wrong codes use it up.
    let (_, enrolled) = parts(
        app.post(
            &format!("/user_management/users/{user_id}/auth_factors"),
            json!({"type": "totp"}),
        )
        .await,
    )
    .await;
    let challenge = enrolled["authentication_challenge"]["id"].as_str().unwrap();
    let verify = format!("/auth/challenges/{challenge}/verify");
    for _ in 0..5 {
        let (status, result) = parts(app.post(&verify, json!({"code": "000000"})).await).await;
        assert_eq!((status, result["valid"].as_bool()), (200, Some(false)));
    }
    let secret = enrolled["authentication_factor"]["totp"]["secret"].as_str().unwrap();
    let (status, err) = parts(
        app.post(&verify, json!({"code": totp_code(secret, app.clock.now().timestamp())}))
            .await,
    )
    .await;
    assert_eq!(
        (status, err["code"].as_str()),
        (400, Some("too_many_attempts")),
        "even the right code, once used up"
    );
}

#[tokio::test]
async fn concurrent_sign_ins_all_succeed_with_one_event_each() {
    let app = std::sync::Arc::new(spawn_app().await);
    let email = unique_email("rush");
    sign_up(&app, &email, true).await;
    let client_id = app.client_id().await;
    let sign_ins = (0..12).map(|_| {
        let app = app.clone();
        let body = json!({"client_id": client_id, "grant_type": "password", "email": email, "password": PASSWORD});
        async move { app.post("/user_management/authenticate", body).await.status().as_u16() }
    });
    let statuses = futures::future::join_all(sign_ins).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    assert_eq!(app.events_of("authentication.password_succeeded").await.len(), 12);
    assert_eq!(app.events_of("session.created").await.len(), 12);

    // Each sign-in appends its two events in one statement: in commit order they stay together,
    // the session first.
    let all: Value = app.get("/events?limit=100").await.json().await.unwrap();
    let kinds_and_sessions: Vec<(&str, &str)> = all["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| {
            matches!(
                e["event"].as_str(),
                Some("session.created" | "authentication.password_succeeded")
            )
        })
        .map(|e| {
            let session = e["data"]["session_id"].as_str().or(e["data"]["id"].as_str()).unwrap();
            (e["event"].as_str().unwrap(), session)
        })
        .collect();
    assert_eq!(kinds_and_sessions.len(), 24);
    for pair in kinds_and_sessions.chunks(2) {
        assert_eq!(pair[0].0, "session.created", "{kinds_and_sessions:?}");
        assert_eq!(pair[1].0, "authentication.password_succeeded", "{kinds_and_sessions:?}");
        assert_eq!(pair[0].1, pair[1].1, "both events name the same session");
    }
}

#[tokio::test]
async fn expired_codes_and_pending_sign_ins_are_swept_a_day_after_they_expire() {
    use entities::{one_time_codes, pending_authentications};
    use sea_orm::{ColumnTrait, QueryFilter};

    let app = spawn_app().await;
    let rows_of = |user_id: String| {
        let db = app.ctx.db.read().clone();
        async move {
            let codes = one_time_codes::Entity::find()
                .filter(one_time_codes::Column::UserId.eq(user_id.clone()))
                .all(&db)
                .await
                .unwrap();
            let pending = pending_authentications::Entity::find()
                .filter(pending_authentications::Column::UserId.eq(user_id))
                .all(&db)
                .await
                .unwrap();
            (codes.len(), pending.len())
        }
    };
    // A magic-auth code, and (for an unproven email) a pending sign-in with its emailed code.
    let magic_email = unique_email("sweep-magic");
    let magic_user = sign_up(&app, &magic_email, true).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post("/user_management/magic_auth", json!({"email": magic_email}))
        .await;
    let magic_code = code_in(&app.nth_email(&magic_email, 1).await.text);
    let unproven_email = unique_email("sweep-unproven");
    let unproven_user = sign_up(&app, &unproven_email, false).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, body) = app
        .authenticate(json!({"grant_type": "password", "email": unproven_email, "password": PASSWORD}))
        .await;
    assert_eq!(
        (status, body["code"].as_str()),
        (403, Some("email_verification_required"))
    );
    assert_eq!(rows_of(magic_user.clone()).await, (1, 0));
    let (codes, pending) = rows_of(unproven_user.clone()).await;
    assert!(codes >= 1 && pending == 1, "{codes} codes, {pending} pending");

    // Expired, but within the grace: kept, and still answered as expired.
    app.clock.advance(chrono::Duration::hours(2));
    assert_eq!(gatehouse::housekeeping::sweep(&app.ctx).await.unwrap(), 0);
    let magic_grant =
        json!({"grant_type": "urn:gatehouse:grant-type:magic-auth:code", "email": magic_email, "code": magic_code});
    let (status, expired) = app.authenticate(magic_grant.clone()).await;
    assert_eq!((status, expired["code"].as_str()), (400, Some("code_expired")));

    // A day after expiry: gone; a code issued now stays.
    app.clock.advance(gatehouse::housekeeping::GRACE);
    app.post("/user_management/magic_auth", json!({"email": magic_email}))
        .await;
    let swept = gatehouse::housekeeping::sweep(&app.ctx).await.unwrap();
    assert!(swept >= 3, "swept {swept}");
    assert_eq!(rows_of(magic_user).await, (1, 0), "only the new code is left");
    assert_eq!(rows_of(unproven_user).await, (0, 0));
    let (status, unknown) = app.authenticate(magic_grant).await;
    assert_eq!((status, unknown["code"].as_str()), (400, Some("invalid_code")));
}
