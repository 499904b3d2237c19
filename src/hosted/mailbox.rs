//! Pages that go through the mailbox: sign up (then verify the email), email verification,
//! sign-in by emailed code, and password reset.

use super::flow::{self, Flow, Stage};
use super::signin::EmailForm;
use super::{advance, checked, client_of, current, form_error, limit, pages, run_grant, Attempt};
use crate::authentication::Grant;
use crate::context::Ctx;
use crate::identity::codes::{CodeError, RedeemError};
use crate::identity::credentials::CredentialError;
use crate::identity::mailbox::{self, MailboxError};
use crate::users::{self, NewPassword, NewUser, UserError};
use poem::http::StatusCode;
use poem::web::{Data, Form, Query};
use poem::{Request, Response};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    csrf: Option<String>,
    code: Option<String>,
}

fn verify_form(status: StatusCode, flow: &Flow, error: Option<&str>) -> Response {
    let data = form_error(flow, json!({"title": "Verify your email", "error": error}));
    pages::page(status, "verify_email", &data, None)
}

#[poem::handler]
pub async fn verify_email_page(req: &Request, Data(ctx): Data<&Ctx>) -> Response {
    match current(ctx, req) {
        Ok(flow) if matches!(flow.stage, Stage::VerifyEmail { .. }) => verify_form(StatusCode::OK, &flow, None),
        Ok(_) => pages::see_other("/hosted/sign-in", None),
        Err(resp) => resp,
    }
}

#[poem::handler]
pub async fn verify_email(req: &Request, Data(ctx): Data<&Ctx>, form: poem::Result<Form<CodeForm>>) -> Response {
    let Ok(Form(form)) = form else {
        return super::expired();
    };
    let flow = match checked(ctx, req, form.csrf.as_deref()) {
        Ok(flow) => flow,
        Err(resp) => return resp,
    };
    let (Stage::VerifyEmail { .. }, Some(pending)) = (&flow.stage, flow.pending.clone()) else {
        return pages::see_other("/hosted/sign-in", None);
    };
    let client_id = match client_of(&flow) {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    if let Err(resp) = limit(ctx, req, Attempt::Pending(&pending)) {
        return resp;
    }
    let grant = Grant::EmailVerification {
        pending_token: pending,
        code: form.code.unwrap_or_default(),
    };
    let outcome = run_grant(ctx, req, &client_id, grant).await;
    advance(ctx, flow, outcome, |flow, text| {
        verify_form(StatusCode::BAD_REQUEST, &flow, Some(text))
    })
    .await
}

fn magic_start_form(status: StatusCode, flow: &Flow, error: Option<&str>) -> Response {
    let data = form_error(flow, json!({"title": "Sign in with an emailed code", "error": error}));
    pages::page(status, "magic_start", &data, None)
}

#[poem::handler]
pub async fn magic_start_page(req: &Request, Data(ctx): Data<&Ctx>) -> Response {
    match current(ctx, req) {
        Ok(flow) => magic_start_form(StatusCode::OK, &flow, None),
        Err(resp) => resp,
    }
}

/// Emails a sign-in code (the same page whether or not the address has an account).
#[poem::handler]
pub async fn magic_start(req: &Request, Data(ctx): Data<&Ctx>, form: poem::Result<Form<EmailForm>>) -> Response {
    let Ok(Form(form)) = form else {
        return super::expired();
    };
    let mut flow = match checked(ctx, req, form.csrf.as_deref()) {
        Ok(flow) => flow,
        Err(resp) => return resp,
    };
    let email = form.email.unwrap_or_default().trim().to_owned();
    flow.email = Some(email.clone());
    if email.is_empty() {
        return magic_start_form(StatusCode::OK, &flow, None);
    }
    if let Err(resp) = limit(ctx, req, Attempt::Mailbox(&email)) {
        return resp;
    }
    match mailbox::start_magic_auth(ctx, &email).await {
        Ok(_) => {
            flow.stage = Stage::MagicCode { email };
            flow.pending = None;
            pages::see_other("/hosted/magic-code", Some(flow::set_cookie(ctx, &flow)))
        }
        Err(MailboxError::InvalidEmail) => {
            magic_start_form(StatusCode::BAD_REQUEST, &flow, Some("Enter a valid email address."))
        }
        Err(err) => {
            tracing::error!(error = %err, "cannot send a magic auth code");
            super::internal()
        }
    }
}

fn magic_code_form(status: StatusCode, flow: &Flow, error: Option<&str>) -> Response {
    let data = form_error(flow, json!({"title": "Check your email", "error": error}));
    pages::page(status, "magic_code", &data, None)
}

#[poem::handler]
pub async fn magic_code_page(req: &Request, Data(ctx): Data<&Ctx>) -> Response {
    match current(ctx, req) {
        Ok(flow) if matches!(flow.stage, Stage::MagicCode { .. }) => magic_code_form(StatusCode::OK, &flow, None),
        Ok(_) => pages::see_other("/hosted/sign-in", None),
        Err(resp) => resp,
    }
}

#[poem::handler]
pub async fn magic_code(req: &Request, Data(ctx): Data<&Ctx>, form: poem::Result<Form<CodeForm>>) -> Response {
    let Ok(Form(form)) = form else {
        return super::expired();
    };
    let flow = match checked(ctx, req, form.csrf.as_deref()) {
        Ok(flow) => flow,
        Err(resp) => return resp,
    };
    let Stage::MagicCode { email } = flow.stage.clone() else {
        return pages::see_other("/hosted/sign-in", None);
    };
    let client_id = match client_of(&flow) {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    if let Err(resp) = limit(ctx, req, Attempt::SignIn(&email)) {
        return resp;
    }
    let grant = Grant::MagicAuth {
        email,
        code: form.code.unwrap_or_default(),
    };
    let outcome = run_grant(ctx, req, &client_id, grant).await;
    advance(ctx, flow, outcome, |flow, text| {
        magic_code_form(StatusCode::BAD_REQUEST, &flow, Some(text))
    })
    .await
}

fn sign_up_form(status: StatusCode, flow: &Flow, fields: serde_json::Value) -> Response {
    let mut data = form_error(
        flow,
        json!({"title": "Create your account", "email_error": null, "password_error": null, "first_name": "", "last_name": ""}),
    );
    if let (Some(map), Some(fields)) = (data.as_object_mut(), fields.as_object()) {
        for (k, v) in fields {
            map.insert(k.clone(), v.clone());
        }
    }
    pages::page(status, "sign_up", &data, None)
}

#[poem::handler]
pub async fn sign_up_page(req: &Request, Data(ctx): Data<&Ctx>) -> Response {
    match current(ctx, req) {
        Ok(flow) => sign_up_form(StatusCode::OK, &flow, json!({})),
        Err(resp) => resp,
    }
}

#[derive(Debug, Deserialize)]
pub struct SignUpForm {
    csrf: Option<String>,
    email: Option<String>,
    password: Option<String>,
    first_name: Option<String>,
    last_name: Option<String>,
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// Creates the account (email unverified), then signs in with it: the sign-in service asks
/// for the emailed verification code, and the flow goes on from there.
#[poem::handler]
pub async fn sign_up(req: &Request, Data(ctx): Data<&Ctx>, form: poem::Result<Form<SignUpForm>>) -> Response {
    let Ok(Form(form)) = form else {
        return super::expired();
    };
    let mut flow = match checked(ctx, req, form.csrf.as_deref()) {
        Ok(flow) => flow,
        Err(resp) => return resp,
    };
    let client_id = match client_of(&flow) {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let email = form.email.unwrap_or_default().trim().to_owned();
    flow.email = Some(email.clone());
    let password = form.password.unwrap_or_default();
    let (first_name, last_name) = (non_empty(form.first_name), non_empty(form.last_name));
    let names = json!({"first_name": first_name.clone().unwrap_or_default(), "last_name": last_name.clone().unwrap_or_default()});
    let refuse = |field: &str, text: &str| {
        let mut fields = names.clone();
        fields[format!("{field}_error")] = json!(text);
        sign_up_form(StatusCode::BAD_REQUEST, &flow, fields)
    };
    if password.is_empty() {
        return refuse("password", "Choose a password.");
    }
    if let Err(resp) = limit(ctx, req, Attempt::Mailbox(&email)) {
        return resp;
    }
    let new = NewUser {
        email: email.clone(),
        password: Some(NewPassword::Plain(SecretString::from(password.clone()))),
        email_verified: false,
        first_name,
        last_name,
        ..NewUser::default()
    };
    match users::create_user(ctx, new).await {
        Ok(_) => {}
        Err(UserError::EmailTaken) => {
            return refuse("email", "An account with this email already exists. Sign in instead.");
        }
        Err(UserError::Invalid(problems)) => {
            let email_problem = problems.iter().any(|p| p.field == "email");
            return if email_problem {
                refuse("email", "Enter a valid email address.")
            } else {
                refuse("password", "Check the fields and try again.")
            };
        }
        Err(UserError::Credential(CredentialError::Weak(problems))) => {
            let text = problems
                .first()
                .map(|p| p.message.clone())
                .unwrap_or_else(|| "Choose a stronger password.".into());
            return refuse("password", &text);
        }
        Err(err) => {
            tracing::error!(error = %err, "hosted sign-up failed");
            return super::internal();
        }
    }
    let grant = Grant::Password {
        email,
        password: SecretString::from(password),
    };
    let outcome = run_grant(ctx, req, &client_id, grant).await;
    advance(ctx, flow, outcome, |flow, text| {
        sign_up_form(StatusCode::BAD_REQUEST, &flow, json!({"error": text}))
    })
    .await
}

fn forgot_form(status: StatusCode, flow: &Flow, error: Option<&str>) -> Response {
    let data = form_error(flow, json!({"title": "Reset your password", "error": error}));
    pages::page(status, "forgot_password", &data, None)
}

#[poem::handler]
pub async fn forgot_password_page(req: &Request, Data(ctx): Data<&Ctx>) -> Response {
    match current(ctx, req) {
        Ok(flow) => forgot_form(StatusCode::OK, &flow, None),
        Err(resp) => resp,
    }
}

/// Emails a reset link; the page says the same whether or not the address has an account.
#[poem::handler]
pub async fn forgot_password(req: &Request, Data(ctx): Data<&Ctx>, form: poem::Result<Form<EmailForm>>) -> Response {
    let Ok(Form(form)) = form else {
        return super::expired();
    };
    let mut flow = match checked(ctx, req, form.csrf.as_deref()) {
        Ok(flow) => flow,
        Err(resp) => return resp,
    };
    let email = form.email.unwrap_or_default().trim().to_owned();
    flow.email = Some(email.clone());
    if let Err(resp) = limit(ctx, req, Attempt::Mailbox(&email)) {
        return resp;
    }
    match mailbox::start_password_reset(ctx, &email).await {
        Ok(()) => pages::message(
            StatusCode::OK,
            "Check your email",
            &format!("If {email} has an account, we emailed it a link to reset the password."),
            Some(("/hosted/sign-in", "Back to sign in")),
        ),
        Err(MailboxError::InvalidEmail) => {
            forgot_form(StatusCode::BAD_REQUEST, &flow, Some("Enter a valid email address."))
        }
        Err(err) => {
            tracing::error!(error = %err, "cannot start a password reset");
            super::internal()
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct ResetQuery {
    token: Option<String>,
}

fn reset_form(status: StatusCode, flow: &Flow, token: &str, error: Option<&str>, cookie: Option<String>) -> Response {
    let data = form_error(
        flow,
        json!({"title": "Choose a new password", "error": error, "token": token}),
    );
    pages::page(status, "reset_password", &data, cookie)
}

/// `GET /reset-password?token=`: the link of the reset email. Opens a flow for the form's CSRF
/// token when the browser has none.
#[poem::handler]
pub async fn reset_password_page(
    req: &Request,
    Data(ctx): Data<&Ctx>,
    query: poem::Result<Query<ResetQuery>>,
) -> Response {
    let token = query.ok().and_then(|Query(q)| q.token).unwrap_or_default();
    let (flow, cookie) = match flow::read(ctx, req) {
        Some(flow) => (flow, None),
        None => {
            let flow = Flow::new(ctx.now(), None);
            let cookie = flow::set_cookie(ctx, &flow);
            (flow, Some(cookie))
        }
    };
    reset_form(StatusCode::OK, &flow, &token, None, cookie)
}

#[derive(Debug, Deserialize)]
pub struct ResetForm {
    csrf: Option<String>,
    token: Option<String>,
    new_password: Option<String>,
}

#[poem::handler]
pub async fn reset_password(req: &Request, Data(ctx): Data<&Ctx>, form: poem::Result<Form<ResetForm>>) -> Response {
    let Ok(Form(form)) = form else {
        return super::expired();
    };
    let flow = match checked(ctx, req, form.csrf.as_deref()) {
        Ok(flow) => flow,
        Err(resp) => return resp,
    };
    if let Err(resp) = limit(ctx, req, Attempt::Anonymous) {
        return resp;
    }
    let token = form.token.unwrap_or_default();
    let password = SecretString::from(form.new_password.unwrap_or_default());
    let back = flow.back.is_some().then_some(("/hosted/sign-in", "Sign in"));
    match mailbox::confirm_password_reset(ctx, &token, &password).await {
        Ok(_) => pages::message(
            StatusCode::OK,
            "Password changed",
            "Your password has been changed and you have been signed out everywhere else.",
            back,
        ),
        Err(MailboxError::Credential(CredentialError::Weak(problems))) => {
            let text = problems
                .first()
                .map(|p| p.message.clone())
                .unwrap_or_else(|| "Choose a stronger password.".into());
            reset_form(StatusCode::BAD_REQUEST, &flow, &token, Some(&text), None)
        }
        Err(MailboxError::Code(CodeError::Redeem(reason))) => {
            let text = match reason {
                RedeemError::Expired => "This reset link has expired. Request a new one.",
                _ => "This reset link is not valid. Request a new one.",
            };
            pages::message(
                StatusCode::BAD_REQUEST,
                "Link not valid",
                text,
                Some(("/hosted/forgot-password", "Request a new link")),
            )
        }
        Err(err) => {
            tracing::error!(error = %err, "password reset failed");
            super::internal()
        }
    }
}
