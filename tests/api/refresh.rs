//! Refresh-token rotation under racing clients and across the schema change that made the session
//! name its live token.

use crate::helpers::{sign_up, spawn_app, unique_email, TestApp, PASSWORD};
use migration::{Migrator, MigratorTrait};
use serde_json::{json, Value};

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
