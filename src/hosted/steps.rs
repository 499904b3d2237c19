//! The pages of the steps a sign-in may still need: MFA challenge and enrollment,
//! organization selection and the re-authentication prompt.

use super::flow::{self, Flow, Stage};
use super::{advance, checked, client_of, current, form_error, limit, pages, qr, run_grant, Attempt};
use crate::authentication::Grant;
use crate::context::Ctx;
use crate::identity::mfa;
use crate::ids::AuthFactorId;
use poem::http::StatusCode;
use poem::web::{Data, Form};
use poem::{Request, Response};
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    csrf: Option<String>,
    code: Option<String>,
}

/// The flow, if it is at a stage that `want` accepts; otherwise the sign-in page.
fn at_stage(ctx: &Ctx, req: &Request, want: fn(&Stage) -> bool) -> Result<Flow, Response> {
    let flow = current(ctx, req)?;
    if want(&flow.stage) {
        Ok(flow)
    } else {
        Err(pages::see_other("/hosted/sign-in", None))
    }
}

fn posted(
    ctx: &Ctx,
    req: &Request,
    csrf: Option<&str>,
    want: fn(&Stage) -> bool,
) -> Result<(Flow, String, String), Response> {
    let flow = checked(ctx, req, csrf)?;
    if !want(&flow.stage) {
        return Err(pages::see_other("/hosted/sign-in", None));
    }
    let client_id = client_of(&flow)?;
    let pending = flow.pending.clone().ok_or_else(super::expired)?;
    // As on the API, attempts are counted per pending token as well as per IP.
    limit(ctx, req, Attempt::Pending(&pending))?;
    Ok((flow, client_id, pending))
}

fn is_challenge(stage: &Stage) -> bool {
    matches!(stage, Stage::MfaChallenge { .. })
}

fn challenge_form(status: StatusCode, flow: &Flow, error: Option<&str>) -> Response {
    let data = form_error(flow, json!({"title": "Two-step verification", "error": error}));
    pages::page(status, "mfa_challenge", &data, None)
}

#[poem::handler]
pub async fn mfa_page(req: &Request, Data(ctx): Data<&Ctx>) -> Response {
    match at_stage(ctx, req, is_challenge) {
        Ok(flow) => challenge_form(StatusCode::OK, &flow, None),
        Err(resp) => resp,
    }
}

#[poem::handler]
pub async fn mfa_challenge(req: &Request, Data(ctx): Data<&Ctx>, form: poem::Result<Form<CodeForm>>) -> Response {
    let Ok(Form(form)) = form else {
        return super::expired();
    };
    let (mut flow, client_id, pending) = match posted(ctx, req, form.csrf.as_deref(), is_challenge) {
        Ok(parts) => parts,
        Err(resp) => return resp,
    };
    let Stage::MfaChallenge {
        factor_id,
        challenge_id,
    } = flow.stage.clone()
    else {
        return super::expired();
    };
    let grant = Grant::Totp {
        pending_token: pending,
        challenge_id,
        code: form.code.unwrap_or_default(),
    };
    let outcome = run_grant(ctx, req, &client_id, grant).await;
    if let Err(crate::authentication::AuthError::Mfa(mfa::MfaError::ChallengeExpired)) = &outcome {
        // A challenge lives 5 minutes; a slow user gets a fresh one, not a dead end.
        let Ok(factor) = factor_id.parse::<AuthFactorId>() else {
            return super::internal();
        };
        return match mfa::challenge_factor(ctx, &factor).await {
            Ok(challenge) => {
                flow.stage = Stage::MfaChallenge {
                    factor_id,
                    challenge_id: challenge.id,
                };
                let mut resp = challenge_form(
                    StatusCode::BAD_REQUEST,
                    &flow,
                    Some("That took too long. Enter the code your app shows now."),
                );
                if let Ok(v) = flow::set_cookie(ctx, &flow).parse() {
                    resp.headers_mut().insert(poem::http::header::SET_COOKIE, v);
                }
                resp
            }
            Err(_) => super::internal(),
        };
    }
    advance(ctx, flow, outcome, |flow, text| {
        challenge_form(StatusCode::BAD_REQUEST, &flow, Some(text))
    })
    .await
}

#[poem::handler]
pub async fn mfa_recovery(req: &Request, Data(ctx): Data<&Ctx>, form: poem::Result<Form<CodeForm>>) -> Response {
    let Ok(Form(form)) = form else {
        return super::expired();
    };
    let (flow, client_id, pending) = match posted(ctx, req, form.csrf.as_deref(), is_challenge) {
        Ok(parts) => parts,
        Err(resp) => return resp,
    };
    let grant = Grant::RecoveryCode {
        pending_token: pending,
        code: form.code.unwrap_or_default(),
    };
    let outcome = run_grant(ctx, req, &client_id, grant).await;
    advance(ctx, flow, outcome, |flow, text| {
        challenge_form(StatusCode::BAD_REQUEST, &flow, Some(text))
    })
    .await
}

fn is_enroll(stage: &Stage) -> bool {
    matches!(stage, Stage::MfaEnroll { .. })
}

fn enroll_form(status: StatusCode, flow: &Flow, error: Option<&str>) -> Response {
    let Stage::MfaEnroll {
        secret,
        uri,
        recovery_codes,
        ..
    } = &flow.stage
    else {
        return super::expired();
    };
    let data = form_error(
        flow,
        json!({
            "title": "Set up two-step verification",
            "error": error,
            "reason": "This organization requires two-step verification.",
            "qr_svg": qr::svg(uri).unwrap_or_default(),
            "secret": secret,
            "recovery_codes": recovery_codes,
        }),
    );
    pages::page(status, "mfa_enroll", &data, None)
}

#[poem::handler]
pub async fn enroll_page(req: &Request, Data(ctx): Data<&Ctx>) -> Response {
    match at_stage(ctx, req, is_enroll) {
        Ok(flow) => enroll_form(StatusCode::OK, &flow, None),
        Err(resp) => resp,
    }
}

#[poem::handler]
pub async fn enroll(req: &Request, Data(ctx): Data<&Ctx>, form: poem::Result<Form<CodeForm>>) -> Response {
    let Ok(Form(form)) = form else {
        return super::expired();
    };
    let (flow, client_id, pending) = match posted(ctx, req, form.csrf.as_deref(), is_enroll) {
        Ok(parts) => parts,
        Err(resp) => return resp,
    };
    let Stage::MfaEnroll { challenge_id, .. } = flow.stage.clone() else {
        return super::expired();
    };
    let grant = Grant::Totp {
        pending_token: pending,
        challenge_id,
        code: form.code.unwrap_or_default(),
    };
    let outcome = run_grant(ctx, req, &client_id, grant).await;
    advance(ctx, flow, outcome, |flow, text| {
        enroll_form(StatusCode::BAD_REQUEST, &flow, Some(text))
    })
    .await
}

fn is_pick(stage: &Stage) -> bool {
    matches!(stage, Stage::PickOrganization { .. })
}

fn organizations_form(status: StatusCode, flow: &Flow, error: Option<&str>) -> Response {
    let Stage::PickOrganization { organizations } = &flow.stage else {
        return super::expired();
    };
    let list: Vec<_> = organizations
        .iter()
        .map(|(id, name)| json!({"id": id, "name": name}))
        .collect();
    let data = form_error(
        flow,
        json!({"title": "Choose an organization", "error": error, "organizations": list}),
    );
    pages::page(status, "organizations", &data, None)
}

#[poem::handler]
pub async fn organizations_page(req: &Request, Data(ctx): Data<&Ctx>) -> Response {
    match at_stage(ctx, req, is_pick) {
        Ok(flow) => organizations_form(StatusCode::OK, &flow, None),
        Err(resp) => resp,
    }
}

#[derive(Debug, Deserialize)]
pub struct PickForm {
    csrf: Option<String>,
    organization_id: Option<String>,
}

#[poem::handler]
pub async fn pick_organization(req: &Request, Data(ctx): Data<&Ctx>, form: poem::Result<Form<PickForm>>) -> Response {
    let Ok(Form(form)) = form else {
        return super::expired();
    };
    let (flow, client_id, pending) = match posted(ctx, req, form.csrf.as_deref(), is_pick) {
        Ok(parts) => parts,
        Err(resp) => return resp,
    };
    let chosen = form.organization_id.unwrap_or_default();
    let offered = matches!(&flow.stage, Stage::PickOrganization { organizations } if organizations.iter().any(|(id, _)| *id == chosen));
    if !offered {
        return organizations_form(
            StatusCode::BAD_REQUEST,
            &flow,
            Some("Choose one of the organizations listed."),
        );
    }
    let grant = Grant::OrganizationSelection {
        pending_token: pending,
        organization_id: chosen,
    };
    let outcome = run_grant(ctx, req, &client_id, grant).await;
    advance(ctx, flow, outcome, |flow, text| {
        organizations_form(StatusCode::BAD_REQUEST, &flow, Some(text))
    })
    .await
}

fn is_reauth(stage: &Stage) -> bool {
    matches!(stage, Stage::Reauthenticate { .. })
}

#[poem::handler]
pub async fn reauthenticate_page(req: &Request, Data(ctx): Data<&Ctx>) -> Response {
    let flow = match at_stage(ctx, req, is_reauth) {
        Ok(flow) => flow,
        Err(resp) => return resp,
    };
    let Stage::Reauthenticate {
        organization,
        requirements,
        allowed,
        ..
    } = &flow.stage
    else {
        return super::expired();
    };
    let can = |m: &str| allowed.iter().any(|a| a == m);
    let data = form_error(
        &flow,
        json!({
            "title": format!("{organization} asks you to sign in again"),
            "organization": organization,
            "requirements": requirements,
            "can_password": can("password"),
            "can_magic": can("magic_auth"),
            "can_sso": can("sso"),
        }),
    );
    pages::page(StatusCode::OK, "reauthenticate", &data, None)
}

#[derive(Debug, Deserialize)]
pub struct MethodForm {
    csrf: Option<String>,
}

/// "Sign in again with your password": back to the sign-in page of the same flow.
#[poem::handler]
pub async fn reauthenticate(req: &Request, Data(ctx): Data<&Ctx>, form: poem::Result<Form<MethodForm>>) -> Response {
    let Ok(Form(form)) = form else {
        return super::expired();
    };
    let mut flow = match checked(ctx, req, form.csrf.as_deref()) {
        Ok(flow) => flow,
        Err(resp) => return resp,
    };
    flow.stage = Stage::SignIn;
    flow.pending = None;
    pages::see_other("/hosted/sign-in", Some(flow::set_cookie(ctx, &flow)))
}
