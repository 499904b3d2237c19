//! Refresh-token rotation under racing clients and across the schema change that made the session
//! name its live token.

use crate::helpers::{parts, sign_up, spawn_app, unique_email, TestApp, PASSWORD};
use entities::sessions;
use gatehouse::sessions::lifecycle::{start_session, AuthMethod, NewSession};
use gatehouse::sessions::signing_keys::AccessClaims;
use migration::{Migrator, MigratorTrait};
use reqwest::Method;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use std::time::Duration;

async fn signed_in(app: &TestApp) -> (String, String) {
    let email = unique_email("rt");
    let user = sign_up(app, &email, true).await;
    let (status, body) = app
        .authenticate(json!({"grant_type": "password", "email": email, "password": PASSWORD}))
        .await;
    assert_eq!(status, 200, "{body}");
    (
        user["id"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

async fn refresh(app: &TestApp, token: &str) -> (u16, Value) {
    app.authenticate(json!({"grant_type": "refresh_token", "refresh_token": token}))
        .await
}

async fn session_statuses(app: &TestApp, user_id: &str) -> Vec<String> {
    let sessions: Value = app
        .get(&format!("/user_management/users/{user_id}/sessions"))
        .await
        .json()
        .await
        .unwrap();
    sessions["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn one_token_presented_at_once_by_many_clients_is_spent_once_and_revokes_the_session() {
    let app = spawn_app().await;
    let (user_id, token) = signed_in(&app).await;

    let racing = (0..8).map(|_| refresh(&app, &token));
    let answers = futures::future::join_all(racing).await;
    let outcomes: Vec<(u16, &str)> = answers
        .iter()
        .map(|(s, b)| (*s, b["code"].as_str().unwrap_or("")))
        .collect();
    let winners: Vec<&Value> = answers.iter().filter(|(s, _)| *s == 200).map(|(_, b)| b).collect();
    assert_eq!(winners.len(), 1, "exactly one use wins: {outcomes:?}");
    assert!(
        outcomes
            .iter()
            .filter(|(s, _)| *s != 200)
            .all(|o| *o == (400, "invalid_grant")),
        "{outcomes:?}"
    );
    // The other seven were replays of a spent token: the session is gone, the winner's pair too.
    assert_eq!(session_statuses(&app, &user_id).await, ["revoked"]);
    let (status, _) = refresh(&app, winners[0]["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn live_and_spent_tokens_keep_their_meaning_across_the_migration() {
    let app = spawn_app().await;
    let (user_id, spent) = signed_in(&app).await;
    let (status, rotated) = refresh(&app, &spent).await;
    assert_eq!(status, 200, "{rotated}");
    let live = rotated["refresh_token"].as_str().unwrap().to_owned();

    // Back to the schema that marked spent tokens, and forward again: the live token is found anew.
    Migrator::down(app.ctx.db.write(), Some(1)).await.expect("down");
    Migrator::up(app.ctx.db.write(), None).await.expect("up");

    let (status, next) = refresh(&app, &live).await;
    assert_eq!(status, 200, "the live token still rotates: {next}");
    let (status, _) = refresh(&app, &spent).await;
    assert_eq!(status, 400, "the spent one is a replay");
    assert_eq!(session_statuses(&app, &user_id).await, ["revoked"]);
}

#[tokio::test]
async fn a_made_up_token_naming_a_session_is_invalid_and_leaves_the_session_alone() {
    let app = spawn_app().await;
    let (user_id, token) = signed_in(&app).await;
    // Same session id and shape, another secret: the server's tag does not match.
    let mut forged = token.clone().into_bytes();
    let i = "gh_rt_".len() + 26 + 3;
    forged[i] = if forged[i] == b'a' { b'b' } else { b'a' };
    let (status, body) = refresh(&app, std::str::from_utf8(&forged).unwrap()).await;
    assert_eq!((status, body["code"].as_str()), (400, Some("invalid_grant")), "{body}");
    assert_eq!(session_statuses(&app, &user_id).await, ["active"]);
    let (status, _) = refresh(&app, &token).await;
    assert_eq!(status, 200, "the real token still rotates");
}

/// A session of `user_id` started directly (no password hashing): its id and refresh token.
async fn started(app: &TestApp, user_id: &str, client_id: &str) -> (String, String) {
    let issued = start_session(
        &app.ctx,
        NewSession {
            user_id: user_id.to_owned(),
            client_id: client_id.to_owned(),
            organization_id: None,
            methods: vec![AuthMethod {
                method: "password".into(),
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
    (issued.session.id, issued.refresh_token)
}

async fn claims(app: &TestApp, body: &Value) -> AccessClaims {
    gatehouse::sessions::keys::verify(&app.ctx, body["access_token"].as_str().unwrap())
        .await
        .unwrap()
}

/// A refresh sent now and answered whenever the server answers, while the test goes on.
fn refresh_in_flight(app: &TestApp, client_id: &str, token: &str) -> tokio::task::JoinHandle<(u16, Value)> {
    let sent = app
        .request(Method::POST, "/user_management/authenticate")
        .json(&json!({"grant_type": "refresh_token", "refresh_token": token, "client_id": client_id}))
        .send();
    tokio::spawn(async move { parts(sent.await.expect("request")).await })
}

#[tokio::test]
async fn many_sessions_refreshed_at_once_each_get_their_own_working_pair() {
    let app = spawn_app().await;
    let client_id = app.client_id().await;
    let mut users = Vec::new();
    for _ in 0..4 {
        let user = app.create_user(&unique_email("rt-many")).await;
        users.push(user["id"].as_str().unwrap().to_owned());
    }
    // (user, session, refresh token)
    let mut sessions = Vec::new();
    for i in 0..40 {
        let user_id = &users[i % users.len()];
        let (session_id, token) = started(&app, user_id, &client_id).await;
        sessions.push((user_id.clone(), session_id, token));
    }

    for round in 0..2 {
        let answers = futures::future::join_all(sessions.iter().map(|(_, _, token)| refresh(&app, token))).await;
        let mut next = Vec::new();
        for ((user_id, session_id, old), (status, body)) in sessions.iter().zip(&answers) {
            assert_eq!(status, &200, "round {round}: {body}");
            // Each caller gets its own session's pair and user, not another's from the same batch.
            let claims = claims(&app, body).await;
            assert_eq!((&claims.sid, &claims.sub), (session_id, user_id), "round {round}");
            assert_eq!(body["user"]["id"].as_str(), Some(user_id.as_str()), "round {round}");
            let token = body["refresh_token"].as_str().unwrap().to_owned();
            assert_ne!(&token, old);
            next.push((user_id.clone(), session_id.clone(), token));
        }
        let mut distinct: Vec<&str> = next.iter().map(|(_, _, t)| t.as_str()).collect();
        distinct.sort_unstable();
        distinct.dedup();
        assert_eq!(distinct.len(), sessions.len(), "round {round}: every pair is new");
        sessions = next;
    }
    for user_id in &users {
        let statuses = session_statuses(&app, user_id).await;
        assert_eq!(statuses, ["active"; 10], "{user_id}");
    }
}

#[tokio::test]
async fn two_uses_of_one_token_queued_together_are_one_rotation_and_one_replay() {
    let app = spawn_app().await;
    let client_id = app.client_id().await;
    let user = app.create_user(&unique_email("rt-batch")).await;
    let user_id = user["id"].as_str().unwrap();
    let (plug_id, plug_token) = started(&app, user_id, &client_id).await;
    let (_, token) = started(&app, user_id, &client_id).await;

    // Hold the plug's session row (and on SQLite the one writer) so that the writer's first batch,
    // the plug's rotation, waits while both uses of `token` queue behind it into the next batch.
    let holding = app.ctx.db.begin().await.unwrap();
    sessions::Entity::update_many()
        .col_expr(sessions::Column::LastSeenAt, Expr::value(app.ctx.now()))
        .filter(sessions::Column::Id.eq(plug_id.as_str()))
        .exec(&holding)
        .await
        .unwrap();
    let plug = refresh_in_flight(&app, &client_id, &plug_token);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let racing = [
        refresh_in_flight(&app, &client_id, &token),
        refresh_in_flight(&app, &client_id, &token),
    ];
    tokio::time::sleep(Duration::from_millis(300)).await;
    holding.commit().await.unwrap();

    let (status, body) = plug.await.unwrap();
    assert_eq!(status, 200, "{body}");
    let mut answers = Vec::new();
    for answer in racing {
        answers.push(answer.await.unwrap());
    }
    let outcomes: Vec<(u16, &str)> = answers
        .iter()
        .map(|(s, b)| (*s, b["code"].as_str().unwrap_or("")))
        .collect();
    assert_eq!(
        outcomes.iter().filter(|(s, _)| *s == 200).count(),
        1,
        "one use wins: {outcomes:?}"
    );
    assert!(outcomes.contains(&(400, "invalid_grant")), "{outcomes:?}");
    // The replay revoked the token's session; the plug's session is untouched.
    let mut statuses = session_statuses(&app, user_id).await;
    statuses.sort();
    assert_eq!(statuses, ["active", "revoked"]);
    let (status, _) = refresh(&app, body["refresh_token"].as_str().unwrap()).await;
    assert_eq!(status, 200, "the plug's new token works");
}
