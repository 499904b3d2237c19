//! The generated SDKs: fresh against sdk-gen/openapi.json, and their examples run against a live
//! server (on whichever database this suite runs). Node packages come from
//! sdk-gen/typescript/package-lock.json and Python ones from tests/interop/requirements.txt,
//! both installed by scripts/ensure-deps.sh.

use crate::helpers::{spawn_app, TestApp};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Output;
// Async processes: the server under test runs on this test's runtime and must keep answering.
use tokio::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

async fn run(cmd: &mut Command, what: &str) -> Output {
    let out = cmd
        .output()
        .await
        .unwrap_or_else(|e| panic!("{what}: cannot start ({e}); run scripts/ensure-deps.sh test"));
    assert!(
        out.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

fn with_server<'c>(cmd: &'c mut Command, app: &TestApp) -> &'c mut Command {
    cmd.env("GATEHOUSE_URL", &app.base)
        .env("GATEHOUSE_API_KEY", &app.key)
        .env("GATEHOUSE_ISSUER", app.ctx.config.issuer())
}

/// The example's one JSON line, checked against the server.
async fn check_example_output(app: &TestApp, out: &Output, sdk: &str) {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary: Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|_| panic!("{sdk} example printed no summary: {stdout}"));
    assert_eq!(summary["sdk"], sdk);
    assert_eq!(
        summary["token_sub"], summary["user_id"],
        "the token verified from JWKS is the user's"
    );
    assert_eq!(summary["token_org_id"], summary["organization_id"]);
    assert_eq!(summary["directory_users"], 1, "{summary}");
    let invitation = summary["invitation_id"].as_str().unwrap();
    let (_, invitation) =
        crate::helpers::parts(app.get(&format!("/user_management/invitations/{invitation}")).await).await;
    assert_eq!(invitation["state"], "revoked", "{invitation}");
    let org = summary["organization_id"].as_str().unwrap();
    assert_eq!(app.get(&format!("/organizations/{org}")).await.status(), 200);
}

#[tokio::test]
async fn generated_sdks_match_openapi_json() {
    run(
        Command::new("bash").arg(root().join("scripts/sdk.sh")).arg("--check"),
        "scripts/sdk.sh --check (stale generated SDK? run `make sdk`)",
    )
    .await;
}

#[tokio::test]
async fn typescript_sdk_example_runs_against_a_live_server() {
    let dir = root().join("sdk-gen/typescript");
    let tsc = dir.join("node_modules/.bin/tsc");
    assert!(
        Path::new(&tsc).exists(),
        "{} missing: run scripts/ensure-deps.sh test",
        tsc.display()
    );
    // Type-checks the SDK and the example against the generated schema, then emits JS for Node 20.
    run(Command::new(&tsc).arg("-p").arg(dir.join("tsconfig.json")), "tsc").await;
    let app = spawn_app().await;
    let out = run(
        with_server(Command::new("node").arg(dir.join("dist/examples/quickstart.js")), &app),
        "TypeScript example",
    )
    .await;
    check_example_output(&app, &out, "typescript").await;
}

#[tokio::test]
async fn python_sdk_example_runs_against_a_live_server() {
    let app = spawn_app().await;
    let out = run(
        with_server(
            Command::new("python3").arg(root().join("sdk-gen/python/examples/quickstart.py")),
            &app,
        ),
        "Python example",
    )
    .await;
    check_example_output(&app, &out, "python").await;
}
