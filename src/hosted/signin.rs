//! The start of a hosted flow and its sign-in page (password, or a way to another method).

use super::flow::{self, Flow, Return, SsoLogin, Stage};
use super::sso::{self, SsoRoute};
use super::{advance, checked, client_of, current, form_error, limit, pages, run_grant, Attempt};
use crate::authentication::Grant;
use crate::context::Ctx;
use crate::environment::clients::{get_client, uris};
use crate::ids::ClientId;
use crate::sso::flow::{self as sso_flow, FlowFailure, Selector};
use poem::http::{header, StatusCode};
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
pub async fn authorize(req: &Request, Data(ctx): Data<&Ctx>, query: poem::Result<Query<AuthorizeQuery>>) -> Response {
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
    let mut resp = pages::see_other(page, Some(flow::set_cookie(ctx, &flow)));
    // The browser's device token, which a completed sign-in makes known to the account.
    if let Some(cookie) = super::device::issue_unless_present(ctx, req).and_then(|c| c.parse().ok()) {
        resp.headers_mut().append(header::SET_COOKIE, cookie);
    }
    resp
}

fn sign_in_form(status: StatusCode, flow: &Flow, error: Option<&str>, notice: Option<&str>) -> Response {
    let data = form_error(flow, json!({"title": "Sign in", "error": error, "notice": notice}));
    pages::page(status, "sign_in", &data, None)
}

/// The sign-in page with an error about the single sign-on form: its field is the one marked
/// and focused.
fn sso_form_error(flow: &Flow, error: &str) -> Response {
    let data = form_error(flow, json!({"title": "Sign in", "error": error, "sso_error": true}));
    pages::page(StatusCode::BAD_REQUEST, "sign_in", &data, None)
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
    if let Err(resp) = limit(ctx, req, Attempt::SignIn(&email)) {
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

#[derive(Debug, Deserialize)]
pub struct SsoForm {
    csrf: Option<String>,
    email: Option<String>,
    /// `reauthenticate` when the re-authentication prompt sent it: the login then completes
    /// the pending sign-in, at the organization that asked.
    step: Option<String>,
}

/// Where the SSO flow brings the browser back to.
fn callback_url(ctx: &Ctx) -> String {
    format!("{}/hosted/sso/callback", ctx.config.issuer())
}

/// `POST /hosted/sso`: single sign-on chosen by the email's domain, or by the organization
/// whose re-authentication prompt sent the form. The browser goes to the IdP through the same
/// SSO flow as `/sso/authorize`; the login's `state` and PKCE verifier stay in the flow cookie.
#[poem::handler]
pub async fn sso_start(req: &Request, Data(ctx): Data<&Ctx>, form: poem::Result<Form<SsoForm>>) -> Response {
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
    let asking = match (&flow.stage, &flow.pending, form.step.as_deref()) {
        (Stage::Reauthenticate { organization_id, .. }, Some(pending), Some("reauthenticate"))
            if !organization_id.is_empty() =>
        {
            Some((organization_id.clone(), pending.clone()))
        }
        _ => None,
    };
    let route = match &asking {
        Some((organization_id, _)) => sso::route_to_organization(ctx, organization_id).await,
        None => {
            // A fresh sign-in: whatever step this flow was on is left behind.
            let email = form.email.unwrap_or_default().trim().to_owned();
            flow.email = Some(email.clone());
            flow.stage = Stage::SignIn;
            flow.pending = None;
            sso::route_by_email(ctx, &email).await
        }
    };
    let route = match route {
        Ok(route) => route,
        Err(err) => {
            tracing::error!(error = %err, "SSO lookup failed");
            return super::internal();
        }
    };
    let SsoRoute::Connections { organization_id, .. } = &route else {
        tracing::info!("hosted SSO not started: no route for the email");
        return match asking {
            Some(_) => pages::message(
                StatusCode::BAD_REQUEST,
                "Single sign-on is not available",
                &route.explain(),
                Some(("/hosted/reauthenticate", "Back")),
            ),
            None => sso_form_error(&flow, &route.explain()),
        };
    };
    let login = SsoLogin::new(asking.map(|(_, pending)| pending));
    let started = sso_flow::authorize_internal(
        ctx,
        &client_id,
        Selector::Organization(organization_id.clone()),
        callback_url(ctx),
        login.state.clone(),
        crate::sso::codes::s256(&login.verifier),
    )
    .await;
    flow.sso = Some(login);
    let cookie = Some(flow::set_cookie(ctx, &flow));
    match started {
        // A refusal comes back through the callback, which shows it.
        Ok(url) | Err(FlowFailure::Redirect(url)) => pages::see_other(url.as_str(), cookie),
        Err(FlowFailure::Direct { message, .. }) => {
            tracing::warn!(message = %message, "hosted SSO cannot start");
            super::internal()
        }
        Err(FlowFailure::Db(err)) => {
            tracing::error!(error = %err, "hosted SSO cannot start");
            super::internal()
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct SsoCallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

fn with_cookie(mut resp: Response, cookie: String) -> Response {
    if let Ok(value) = cookie.parse() {
        resp.headers_mut().append(poem::http::header::SET_COOKIE, value);
    }
    resp
}

/// `GET /hosted/sso/callback`: the SSO flow's answer. Only the login this flow started is
/// accepted (its `state`, in the flow cookie); its code is redeemed with the PKCE verifier
/// through the same sign-in service as the API, and the flow then goes on like any sign-in.
#[poem::handler]
pub async fn sso_callback(
    req: &Request,
    Data(ctx): Data<&Ctx>,
    query: poem::Result<Query<SsoCallbackQuery>>,
) -> Response {
    let mut flow = match current(ctx, req) {
        Ok(flow) => flow,
        Err(resp) => return resp,
    };
    let client_id = match client_of(&flow) {
        Ok(c) => c,
        Err(resp) => return resp,
    };
    let q = query.ok().map(|Query(q)| q);
    // One answer per login: a refused one spends it too.
    let login = flow.sso.take();
    let matches = match (&login, q.as_ref().and_then(|q| q.state.as_deref())) {
        (Some(login), Some(state)) => login.state_matches(state),
        _ => false,
    };
    let (Some(q), Some(login), true) = (q, login, matches) else {
        tracing::info!("hosted SSO answer refused: it matches no login of this flow");
        let resp = pages::message(
            StatusCode::BAD_REQUEST,
            "This sign-in answer is not yours",
            "The answer from single sign-on does not belong to the sign-in open in this browser. \
             Start single sign-on again from the sign-in page.",
            Some(("/hosted/sign-in", "Back to sign in")),
        );
        return with_cookie(resp, flow::set_cookie(ctx, &flow));
    };
    if let Some(error) = q.error {
        tracing::info!(error = %error, "hosted SSO login did not complete");
        let text = match q.error_description {
            Some(d) => format!("Your organization's sign-in did not complete: {}", truncate(&d, 200)),
            None => "Your organization's sign-in did not complete.".to_owned(),
        };
        let resp = pages::message(
            StatusCode::BAD_REQUEST,
            "Single sign-on did not complete",
            &text,
            Some(("/hosted/sign-in", "Back to sign in")),
        );
        return with_cookie(resp, flow::set_cookie(ctx, &flow));
    }
    let grant = Grant::Sso {
        code: q.code.unwrap_or_default(),
        code_verifier: Some(login.verifier),
        pending_token: login.pending,
    };
    let outcome = run_grant(ctx, req, &client_id, grant).await;
    advance(ctx, flow, outcome, |mut flow, text| {
        flow.stage = Stage::SignIn;
        flow.pending = None;
        let cookie = flow::set_cookie(ctx, &flow);
        with_cookie(sign_in_form(StatusCode::BAD_REQUEST, &flow, Some(text), None), cookie)
    })
    .await
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}
