//! The start of a hosted flow and its sign-in page (password, or a way to another method).

use super::flow::{self, Flow, Return, Stage};
use super::{advance, checked, client_of, current, form_error, limit, pages, run_grant, sso};
use crate::authentication::Grant;
use crate::context::Ctx;
use crate::environment::clients::{get_client, uris};
use crate::ids::ClientId;
use poem::http::StatusCode;
use poem::web::{Data, Form, Query};
use poem::{Request, Response};
use secrecy::SecretString;
use serde::Deserialize;
use serde_json::json;

#[derive(Debug, Deserialize)]
pub struct AuthorizeQuery {
    client_id: Option<String>,
    redirect_uri: Option<String>,
    state: Option<String>,
    login_hint: Option<String>,
    /// `sign-up` opens the sign-up page first.
    screen_hint: Option<String>,
}

const MAX_STATE_LEN: usize = 1024;

fn bad_link(text: &str) -> Response {
    pages::message(StatusCode::BAD_REQUEST, "This sign-in link is not valid", text, None)
}

/// `GET /hosted/authorize`: checks the client and its exactly registered `redirect_uri`
/// (never redirecting to one that is not), then opens a flow.
#[poem::handler]
pub async fn authorize(Data(ctx): Data<&Ctx>, query: poem::Result<Query<AuthorizeQuery>>) -> Response {
    let Ok(Query(q)) = query else {
        return bad_link("The link is malformed.");
    };
    let (Some(client_id), Some(redirect_uri)) = (q.client_id, q.redirect_uri) else {
        return bad_link("The link must name a client_id and a redirect_uri.");
    };
    let client = match client_id.parse::<ClientId>() {
        Ok(id) => get_client(ctx, &id).await.ok(),
        Err(_) => None,
    };
    // The state rides in the flow cookie, which browsers drop past 4 KB.
    if q.state.as_ref().is_some_and(|st| st.len() > MAX_STATE_LEN) {
        return bad_link("The app sent a state value that is too long.");
    }
    let Some(client) = client else {
        return bad_link("The app that sent you here is not known.");
    };
    if !uris(&client.redirect_uris).contains(&redirect_uri) {
        tracing::info!(client_id = %client.id, "hosted authorize refused: redirect_uri not registered");
        return bad_link("The app asked to return to an address it has not registered.");
    }
    let mut flow = Flow::new(
        ctx.now(),
        Some(Return {
            client_id: client.id,
            redirect_uri,
            state: q.state,
        }),
    );
    flow.email = q.login_hint.filter(|h| h.len() <= 320);
    let page = if q.screen_hint.as_deref() == Some("sign-up") {
        "/hosted/sign-up"
    } else {
        "/hosted/sign-in"
    };
    pages::see_other(page, Some(flow::set_cookie(ctx, &flow)))
}

fn sign_in_form(status: StatusCode, flow: &Flow, error: Option<&str>, notice: Option<&str>) -> Response {
    let data = form_error(flow, json!({"title": "Sign in", "error": error, "notice": notice}));
    pages::page(status, "sign_in", &data, None)
}

#[poem::handler]
pub async fn sign_in_page(req: &Request, Data(ctx): Data<&Ctx>) -> Response {
    match current(ctx, req) {
        Ok(flow) => sign_in_form(StatusCode::OK, &flow, None, None),
        Err(resp) => resp,
    }
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    csrf: Option<String>,
    email: Option<String>,
    password: Option<String>,
}

#[poem::handler]
pub async fn sign_in(req: &Request, Data(ctx): Data<&Ctx>, form: poem::Result<Form<SignInForm>>) -> Response {
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
    if email.is_empty() || password.is_empty() {
        return sign_in_form(
            StatusCode::BAD_REQUEST,
            &flow,
            Some("Enter your email and password."),
            None,
        );
    }
    if let Err(resp) = limit(ctx, req, Some(&email)) {
        return resp;
    }
    flow.stage = Stage::SignIn;
    let grant = Grant::Password {
        email,
        password: SecretString::from(password),
    };
    let outcome = run_grant(ctx, req, &client_id, grant).await;
    advance(ctx, flow, outcome, |flow, text| {
        sign_in_form(StatusCode::BAD_REQUEST, &flow, Some(text), None)
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct EmailForm {
    pub csrf: Option<String>,
    pub email: Option<String>,
}

/// `POST /hosted/sso`: single sign-on chosen by the email's domain.
#[poem::handler]
pub async fn sso_start(req: &Request, Data(ctx): Data<&Ctx>, form: poem::Result<Form<EmailForm>>) -> Response {
    let Ok(Form(form)) = form else {
        return super::expired();
    };
    let mut flow = match checked(ctx, req, form.csrf.as_deref()) {
        Ok(flow) => flow,
        Err(resp) => return resp,
    };
    let email = form.email.unwrap_or_default().trim().to_owned();
    flow.email = Some(email.clone());
    match sso::route_by_email(ctx, &email).await {
        Ok(route) => sign_in_form(StatusCode::BAD_REQUEST, &flow, Some(&route.explain()), None),
        Err(err) => {
            tracing::error!(error = %err, "SSO lookup failed");
            super::internal()
        }
    }
}
