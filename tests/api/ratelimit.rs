use crate::helpers::{parts, sign_up, spawn_app_with, TestApp, PASSWORD};
use crate::hosted::{client, enroll_verified_totp, open_flow, Browser};
use crate::mail::shared_sink;
use futures::StreamExt;
use gatehouse::http::client_ip::TrustedProxies;
use reqwest::cookie::Jar;
use serde_json::{json, Value};
use std::sync::Arc;

async fn sign_in(app: &TestApp, email: &str, password: &str, ip: &str) -> reqwest::Response {
    let client_id = app.client_id().await;
    app.post(
        "/user_management/authenticate",
        json!({"client_id": client_id, "grant_type": "password", "email": email, "password": password, "ip_address": ip}),
    )
    .await
}

#[tokio::test]
async fn a_flood_against_one_account_is_limited_without_locking_out_others() {
    let app = spawn_app_with(|c| {
        c.rate_limit_account_burst = 3;
        c.rate_limit_ip_burst = 1000;
        c.rate_limit_period_secs = 6;
    })
    .await;
    sign_up(&app, "victim@example.com", true).await;
    sign_up(&app, "bystander@example.com", true).await;
    for _ in 0..3 {
        assert_eq!(
            sign_in(&app, "victim@example.com", "wrong password guess", "198.51.100.7")
                .await
                .status(),
            400
        );
    }
    let limited = sign_in(&app, "victim@example.com", "wrong password guess", "198.51.100.7").await;
    assert!(limited.headers().get("retry-after").is_some());
    let (status, body) = parts(limited).await;
    assert_eq!((status, body["code"].as_str()), (429, Some("rate_limited")));
    let (status, _) = parts(sign_in(&app, "victim@example.com", PASSWORD, "203.0.113.9").await).await;
    assert_eq!(status, 429, "the account is protected from every IP during the window");

    assert_eq!(
        sign_in(&app, "bystander@example.com", PASSWORD, "198.51.100.7")
            .await
            .status(),
        200,
        "other accounts are untouched"
    );
    tokio::time::sleep(std::time::Duration::from_millis(6100)).await;
    app.clock.advance(chrono::Duration::milliseconds(6100));
    assert_eq!(
        sign_in(&app, "victim@example.com", PASSWORD, "203.0.113.9")
            .await
            .status(),
        200,
        "the window passed"
    );
}

#[tokio::test]
async fn one_ip_spraying_many_accounts_is_limited() {
    let app = spawn_app_with(|c| {
        c.rate_limit_account_burst = 1000;
        c.rate_limit_ip_burst = 3;
        c.rate_limit_period_secs = 60;
    })
    .await;
    for i in 0..3 {
        assert_eq!(
            sign_in(&app, &format!("sprayed{i}@example.com"), PASSWORD, "192.0.2.1")
                .await
                .status(),
            400
        );
    }
    assert_eq!(
        sign_in(&app, "sprayed9@example.com", PASSWORD, "192.0.2.1")
            .await
            .status(),
        429
    );
    assert_eq!(
        sign_in(&app, "sprayed9@example.com", PASSWORD, "192.0.2.2")
            .await
            .status(),
        400,
        "another IP is not limited"
    );
    let (status, _) = parts(
        app.post("/user_management/magic_auth", json!({"email": "sprayed1@example.com"}))
            .await,
    )
    .await;
    assert_eq!(status, 201, "the peer address of the vendor backend has its own budget");
}

/// Attack: spell the victim's address three ways to get three budgets of guesses.
#[tokio::test]
async fn every_spelling_of_one_address_spends_one_budget() {
    let app = spawn_app_with(|c| {
        c.rate_limit_account_burst = 3;
        c.rate_limit_ip_burst = 1000;
    })
    .await;
    sign_up(&app, "victim@x.test", true).await;
    for spelling in [" victim@x.test", "victim@x.test ", "VICTIM@x.test"] {
        let status = sign_in(&app, spelling, "wrong password guess", "198.51.100.7")
            .await
            .status();
        assert_eq!(status, 400, "{spelling:?}");
    }
    let (status, body) = parts(sign_in(&app, "victim@x.test", "wrong password guess", "198.51.100.7").await).await;
    assert_eq!((status, body["code"].as_str()), (429, Some("rate_limited")), "{body}");

    // Codes sent to one mailbox: one budget too, from every IP.
    for spelling in ["  inbox@x.test", "inbox@x.test\t", "Inbox@X.test"] {
        let (status, body) = parts(
            app.post("/user_management/magic_auth", json!({"email": spelling}))
                .await,
        )
        .await;
        assert_eq!(status, 201, "{spelling:?}: {body}");
    }
    let (status, _) = parts(
        app.post("/user_management/magic_auth", json!({"email": "inbox@x.test"}))
            .await,
    )
    .await;
    assert_eq!(status, 429);
}

async fn wrong_totp_guess(app: &TestApp, challenge: &str) -> (u16, Value) {
    parts(
        app.post(
            &format!("/auth/challenges/{challenge}/verify"),
            json!({"code": "000000"}),
        )
        .await,
    )
    .await
}

async fn open_challenge(app: &TestApp, factor: &str) -> String {
    let (status, body) = parts(app.post(&format!("/auth/factors/{factor}/challenge"), json!({})).await).await;
    assert_eq!(status, 201, "{body}");
    body["id"].as_str().unwrap().to_owned()
}

/// Attack: open a new challenge whenever one runs out of guesses.
#[tokio::test]
async fn totp_guesses_count_per_factor_across_challenges() {
    let app = spawn_app_with(|c| {
        c.rate_limit_account_burst = 4;
        c.rate_limit_ip_burst = 1000;
    })
    .await;
    let user = sign_up(&app, "totp-target@x.test", true).await;
    enroll_verified_totp(&app, &user).await;
    let (_, factors) = parts(
        app.get(&format!(
            "/user_management/users/{}/auth_factors",
            user["id"].as_str().unwrap()
        ))
        .await,
    )
    .await;
    let factor = factors["data"][0]["id"].as_str().unwrap().to_owned();
    let first = open_challenge(&app, &factor).await;
    // The enrollment's proof spent one guess of the factor's four.
    for _ in 0..3 {
        let (status, body) = wrong_totp_guess(&app, &first).await;
        assert_eq!((status, body["valid"].as_bool()), (200, Some(false)), "{body}");
    }
    let second = open_challenge(&app, &factor).await;
    let (status, body) = wrong_totp_guess(&app, &second).await;
    assert_eq!((status, body["code"].as_str()), (429, Some("rate_limited")), "{body}");
}

async fn unknown_sign_in(app: &TestApp, email: &str, forwarded_for: &str) -> u16 {
    let client_id = app.client_id().await;
    app.request(reqwest::Method::POST, "/user_management/authenticate")
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({"client_id": client_id, "grant_type": "password", "email": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Attack: write `X-Forwarded-For` to get a fresh IP budget on every request.
#[tokio::test]
async fn x_forwarded_for_names_the_client_only_behind_a_trusted_proxy() {
    let direct = spawn_app_with(|c| c.rate_limit_ip_burst = 2).await;
    assert_eq!(unknown_sign_in(&direct, "a@x.test", "198.51.100.1").await, 400);
    assert_eq!(unknown_sign_in(&direct, "b@x.test", "198.51.100.2").await, 400);
    assert_eq!(
        unknown_sign_in(&direct, "c@x.test", "198.51.100.3").await,
        429,
        "without trusted proxies the header is anyone's to write"
    );

    let behind_balancer = spawn_app_with(|c| {
        c.rate_limit_ip_burst = 2;
        c.trusted_proxies = TrustedProxies::parse("127.0.0.1/32").unwrap();
    })
    .await;
    for email in ["a@x.test", "b@x.test"] {
        assert_eq!(unknown_sign_in(&behind_balancer, email, "198.51.100.1").await, 400);
    }
    assert_eq!(
        unknown_sign_in(&behind_balancer, "c@x.test", "6.6.6.6, 198.51.100.1").await,
        429,
        "a client's own hops left of the balancer's change nothing"
    );
    assert_eq!(
        unknown_sign_in(&behind_balancer, "c@x.test", "198.51.100.2").await,
        400,
        "another client behind the balancer has its own budget"
    );
}

/// Attack (lockout as a weapon): a flood of wrong guesses from a thousand addresses, then the
/// owner arrives with the right password.
#[tokio::test]
async fn a_flood_from_many_addresses_meets_the_ceiling_but_spares_the_owners_known_address() {
    let app = spawn_app_with(|c| {
        c.rate_limit_account_burst = 10;
        c.rate_limit_ip_burst = 100;
        c.rate_limit_period_secs = 60;
    })
    .await;
    let victim = "flooded@x.test";
    sign_up(&app, victim, true).await;
    assert_eq!(sign_in(&app, victim, PASSWORD, "203.0.113.50").await.status(), 200);

    // Twenty-five at a time, as a botnet would: the ceiling holds under concurrency too.
    let statuses: Vec<u16> = futures::stream::iter(0..1000u32)
        .map(|i| {
            let app = &app;
            async move {
                let ip = format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256);
                sign_in(app, victim, "wrong password guess", &ip)
                    .await
                    .status()
                    .as_u16()
            }
        })
        .buffer_unordered(25)
        .collect()
        .await;
    let checked = statuses.iter().filter(|s| **s == 400).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(
        (checked, limited),
        (10, 990),
        "the ceiling lets ten guesses through: {statuses:?}"
    );

    assert_eq!(
        sign_in(&app, victim, PASSWORD, "203.0.113.50").await.status(),
        200,
        "the owner signs in from the address an earlier session came from"
    );
    let (status, body) = parts(sign_in(&app, victim, PASSWORD, "198.51.100.77").await).await;
    assert_eq!((status, body["code"].as_str()), (429, Some("rate_limited")), "{body}");

    let notice = shared_sink()
        .wait_for_nth_titled(victim, "Sign-in attempts on your Gatehouse account", 1)
        .await;
    assert!(notice.text.contains("new addresses are paused"), "{}", notice.text);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let notices = shared_sink()
        .emails_to(victim)
        .into_iter()
        .filter(|mail| mail.subject.starts_with("Sign-in attempts"))
        .count();
    assert_eq!(notices, 1, "the owner is told once per flood");

    app.clock.advance(chrono::Duration::seconds(61));
    assert_eq!(
        sign_in(&app, victim, PASSWORD, "198.51.100.77").await.status(),
        200,
        "the next window lets a new address try"
    );
}

/// A browser of the hosted pages behind the trusted balancer, which names `ip` as the client;
/// browsers built on one `jar` are one browser moving between networks.
fn browser_at(app: &TestApp, jar: &Arc<Jar>, ip: &str) -> Browser {
    let mut headers = reqwest::header::HeaderMap::new();
    headers.insert("x-forwarded-for", ip.parse().unwrap());
    Browser {
        http: reqwest::Client::builder()
            .cookie_provider(jar.clone())
            .default_headers(headers)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        base: app.base.clone(),
    }
}

async fn hosted_sign_in(browser: &Browser, client_id: &str, email: &str, password: &str) -> u16 {
    open_flow(browser, client_id).await;
    let page = browser
        .submit(
            "/hosted/sign-in",
            "/hosted/sign-in",
            &[("email", email), ("password", password)],
        )
        .await;
    page.status
}

/// Attack (lockout as a weapon, hosted pages): the flood fills the ceiling; the owner's own
/// browser, now on another network, must still get in, while a browser that never signed in to
/// the account (even one known to another account: the attacker's own) gets 429 from a new
/// address.
#[tokio::test]
async fn the_owners_browser_passes_a_full_ceiling_from_a_new_address() {
    let app = spawn_app_with(|c| {
        c.rate_limit_account_burst = 10;
        c.rate_limit_ip_burst = 100;
        c.rate_limit_period_secs = 60;
        c.trusted_proxies = TrustedProxies::parse("127.0.0.1/32").unwrap();
    })
    .await;
    let client_id = client(&app).await;
    let owner = "travelling@x.test";
    let attacker = "mallory@x.test";
    sign_up(&app, owner, true).await;
    sign_up(&app, attacker, true).await;
    let owners_jar = Arc::new(Jar::default());
    let attackers_jar = Arc::new(Jar::default());
    let at_home = browser_at(&app, &owners_jar, "203.0.113.60");
    assert_eq!(hosted_sign_in(&at_home, &client_id, owner, PASSWORD).await, 303);
    let attackers_browser = browser_at(&app, &attackers_jar, "203.0.113.66");
    assert_eq!(
        hosted_sign_in(&attackers_browser, &client_id, attacker, PASSWORD).await,
        303
    );

    let statuses: Vec<u16> = futures::stream::iter(0..40u32)
        .map(|i| {
            let app = &app;
            async move {
                let ip = format!("10.9.{}.{}", i / 256, i % 256);
                sign_in(app, owner, "wrong password guess", &ip).await.status().as_u16()
            }
        })
        .buffer_unordered(10)
        .collect()
        .await;
    assert_eq!(statuses.iter().filter(|s| **s == 400).count(), 10, "{statuses:?}");

    let stranger = browser_at(&app, &attackers_jar, "198.51.100.81");
    assert_eq!(
        hosted_sign_in(
            &stranger,
            &client_id,
            owner,
            "a guess from a browser known to another account"
        )
        .await,
        429,
        "a device cookie counts only for the account that signed in with it"
    );
    let fresh = browser_at(&app, &Arc::new(Jar::default()), "198.51.100.82");
    assert_eq!(hosted_sign_in(&fresh, &client_id, owner, PASSWORD).await, 429);
    let abroad = browser_at(&app, &owners_jar, "198.51.100.83");
    assert_eq!(
        hosted_sign_in(&abroad, &client_id, owner, PASSWORD).await,
        303,
        "the owner's browser gets in from an address the account never saw"
    );
}
