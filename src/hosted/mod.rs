//! Hosted pages: a server-rendered sign-in that a vendor's app sends its users to, like an
//! OAuth authorization endpoint. `GET /hosted/authorize?client_id&redirect_uri&state` starts a
//! flow; each page calls the sign-in services of `authentication` (never its own rules) and
//! moves the browser to the page of the step still needed; at the end the browser returns to
//! the registered `redirect_uri` with a one-time `code` and `state`, which the vendor's
//! backend exchanges at `POST /user_management/authenticate` (grant `authorization_code`).
//!
//! Plain poem routes, outside the OpenAPI document. Forms work without JavaScript; every POST
//! carries the flow's CSRF token.

mod device;
pub(crate) mod flow;
mod mailbox;
pub(crate) mod pages;
mod qr;
pub mod routes;
mod signin;
mod sso;
mod steps;

use crate::authentication::{self, AuthError, Caller, Delivery, Grant, Step};
use crate::context::Ctx;
use crate::identity::codes::RedeemError;
use crate::identity::mfa::{self, MfaError};
use crate::ids::{AuthFactorId, UserId};
use crate::policy::evaluate::Requirement;
use crate::ratelimit::{AccountKey, Limited};
use flow::{Flow, Stage};
use poem::http::{header, StatusCode};
use poem::{Request, Response};
use sea_orm::EntityTrait;
use serde_json::json;

#[poem::handler]
fn static_css() -> Response {
    pages::stylesheet()
}

fn caller(ctx: &Ctx, req: &Request, client_id: &str) -> Caller {
    Caller {
        client_id: client_id.to_owned(),
        ip_address: crate::api::client_ip(req, None),
        device: device::of(ctx, req),
        user_agent: req
            .headers()
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(|ua| ua.chars().take(512).collect()),
        delivery: Delivery::AuthorizationCode,
    }
}

fn expired() -> Response {
    pages::message(
        StatusCode::BAD_REQUEST,
        "Your sign-in has expired",
        "This sign-in is no longer open. Go back to the app and start again.",
        None,
    )
}

fn internal() -> Response {
    pages::message(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "We could not finish this step. Please try again in a moment.",
        Some(("/hosted/sign-in", "Back to sign in")),
    )
}

/// The browser's flow, or the "expired" page.
fn current(ctx: &Ctx, req: &Request) -> Result<Flow, Response> {
    flow::read(ctx, req).ok_or_else(expired)
}

/// The flow a form belongs to, once its CSRF token matches (double submit).
fn checked(ctx: &Ctx, req: &Request, csrf: Option<&str>) -> Result<Flow, Response> {
    let flow = current(ctx, req)?;
    if !flow.csrf_matches(csrf.unwrap_or_default()) {
        tracing::info!("hosted form refused: CSRF token mismatch");
        return Err(pages::message(
            StatusCode::FORBIDDEN,
            "This form has expired",
            "The form did not come from this sign-in. Reload the page and try again.",
            Some(("/hosted/sign-in", "Back to sign in")),
        ));
    }
    Ok(flow)
}

/// The client the flow signs in to; a flow opened only for a password reset has none.
fn client_of(flow: &Flow) -> Result<String, Response> {
    flow.back.as_ref().map(|b| b.client_id.clone()).ok_or_else(expired)
}

/// What an attempt at a form spends, besides the client IP's budget (as on the API).
enum Attempt<'a> {
    /// Only the IP's budget (a token that is itself checked against the store).
    Anonymous,
    /// Something sent to this address: its whole budget, from every IP.
    Mailbox(&'a str),
    /// A guess at this account's credential from this client.
    SignIn(&'a str),
    /// A guess within the sign-in this pending token continues.
    Pending(&'a str),
}

/// Spends a credential attempt as the API does, or answers 429 with `Retry-After`.
fn limit(ctx: &Ctx, req: &Request, attempt: Attempt<'_>) -> Result<(), Response> {
    let ip = crate::api::client_ip(req, None);
    let account = match attempt {
        Attempt::Anonymous => None,
        Attempt::Mailbox(email) => Some(AccountKey::mailbox(email)),
        Attempt::SignIn(email) => Some(AccountKey::sign_in(email, ip.as_deref())),
        Attempt::Pending(token) => Some(AccountKey::pending(token)),
    };
    ctx.limits.check(ip.as_deref(), account.as_ref()).map_err(too_many)
}

/// The page of a refused attempt: 429 with `Retry-After`.
fn too_many(limited: Limited) -> Response {
    let secs = limited.retry_after.as_secs().max(1);
    let mut resp = pages::message(
        StatusCode::TOO_MANY_REQUESTS,
        "Too many attempts",
        &format!("Please wait {secs} seconds before trying again."),
        None,
    );
    if let Ok(value) = secs.to_string().parse() {
        resp.headers_mut().insert(header::RETRY_AFTER, value);
    }
    resp
}

/// What a refused grant means to the person at the form.
fn refusal(err: &AuthError) -> Option<&'static str> {
    Some(match err {
        AuthError::InvalidCredentials => "The email or password is not correct.",
        AuthError::Code(RedeemError::Invalid) => "That code is not correct.",
        AuthError::Code(RedeemError::Expired) => "That code has expired. Request a new one.",
        AuthError::Code(RedeemError::TooManyAttempts) => "Too many wrong codes. Request a new one.",
        AuthError::SsoRefused("sso_jit_provisioning_disabled", _) => {
            "Your organization has not given you an account here yet. Ask your administrator."
        }
        AuthError::SsoRefused("sso_email_missing", _) => {
            "Your organization's sign-in did not tell us your email address. Ask your administrator."
        }
        AuthError::SsoRefused(..) => "Single sign-on could not sign you in. Ask your administrator.",
        _ => return None,
    })
}

/// Moves the flow on after a grant: to the page of the step still needed, back to the client
/// with the code when the sign-in is complete, or `retry` (the same form with a message) when
/// the grant was refused.
async fn advance(
    ctx: &Ctx,
    mut flow: Flow,
    outcome: Result<authentication::SignedIn, AuthError>,
    retry: impl FnOnce(Flow, &str) -> Response,
) -> Response {
    let needed = match outcome {
        Err(AuthError::Needed(needed)) => *needed,
        Err(err) => {
            if let Some(text) = refusal(&err) {
                return retry(flow, text);
            }
            return match err {
                AuthError::InvalidGrant(_) | AuthError::NotAMember | AuthError::UnknownClient => restart(ctx, flow),
                AuthError::Mfa(MfaError::TooManyAttempts) => restart(ctx, flow),
                AuthError::Mfa(MfaError::RateLimited(limited)) | AuthError::RateLimited(limited) => too_many(limited),
                AuthError::Credential(_) | AuthError::Mfa(_) => retry(flow, "That did not work. Please try again."),
                other => {
                    tracing::error!(error = %other, "hosted sign-in step failed");
                    internal()
                }
            };
        }
        Ok(_) => {
            tracing::error!("a hosted sign-in issued tokens instead of a code");
            return internal();
        }
    };
    flow.email = Some(needed.user.email.clone());
    flow.pending = Some(needed.pending_token.clone());
    let (stage, page) = match needed.step {
        Step::AuthorizationCode => {
            let Some(back) = flow.back else { return expired() };
            let mut params = vec![("code", needed.pending_token.as_str())];
            if let Some(state) = back.state.as_deref() {
                params.push(("state", state));
            }
            tracing::info!(user_id = %needed.user.id, client_id = %back.client_id, "hosted sign-in complete");
            return pages::see_other(
                &flow::redirect_with(&back.redirect_uri, &params),
                Some(flow::clear_cookie(ctx)),
            );
        }
        Step::EmailVerification { .. } => (
            Stage::VerifyEmail {
                email: needed.user.email.clone(),
            },
            "/hosted/verify-email",
        ),
        Step::MfaChallenge { factors } => {
            let Some(factor) = factors.first().and_then(|f| f.id.parse::<AuthFactorId>().ok()) else {
                return internal();
            };
            match mfa::challenge_factor(ctx, &factor).await {
                Ok(challenge) => (
                    Stage::MfaChallenge {
                        factor_id: factor.into_string(),
                        challenge_id: challenge.id,
                    },
                    "/hosted/mfa",
                ),
                Err(err) => {
                    tracing::error!(error = %err, "cannot challenge the factor");
                    return internal();
                }
            }
        }
        Step::MfaEnrollment => {
            let Ok(user_id) = needed.user.id.parse::<UserId>() else {
                return internal();
            };
            match mfa::enroll_totp(ctx, &user_id).await {
                Ok(enrollment) => (
                    Stage::MfaEnroll {
                        challenge_id: enrollment.challenge.id,
                        secret: enrollment.secret_base32,
                        uri: enrollment.uri,
                        recovery_codes: enrollment.recovery_codes,
                    },
                    "/hosted/mfa/enroll",
                ),
                Err(err) => {
                    tracing::error!(error = %err, "cannot enroll a factor");
                    return internal();
                }
            }
        }
        Step::OrganizationSelection { organizations } => (
            Stage::PickOrganization {
                organizations: organizations.into_iter().map(|o| (o.id, o.name)).collect(),
            },
            "/hosted/organizations",
        ),
        Step::Reauthentication {
            organization_id,
            requirements,
        } => match reauthentication_page(ctx, organization_id, &requirements).await {
            Ok(next) => next,
            Err(resp) => return resp,
        },
        Step::SsoRequired {
            organization_id,
            connection_ids,
            ..
        } => match reauthentication_page(ctx, organization_id, &[Requirement::Sso { connection_ids }]).await {
            Ok(next) => next,
            Err(resp) => return resp,
        },
    };
    flow.stage = stage;
    pages::see_other(page, Some(flow::set_cookie(ctx, &flow)))
}

/// A step that can no longer go on (the pending token was spent or expired): back to the
/// first page of the same flow.
fn restart(ctx: &Ctx, mut flow: Flow) -> Response {
    flow.stage = Stage::SignIn;
    flow.pending = None;
    let cookie = flow::set_cookie(ctx, &flow);
    let mut resp = pages::message(
        StatusCode::BAD_REQUEST,
        "Please sign in again",
        "This step of the sign-in is no longer valid.",
        Some(("/hosted/sign-in", "Sign in again")),
    );
    if let Ok(value) = cookie.parse() {
        resp.headers_mut().insert(header::SET_COOKIE, value);
    }
    resp
}

fn method_name(method: &str) -> String {
    match method {
        "password" => "password".into(),
        "magic_auth" => "a code sent by email".into(),
        "sso" => "single sign-on".into(),
        other => match other.strip_prefix("oauth:") {
            Some(provider) => format!("{provider} sign-in"),
            None => other.to_owned(),
        },
    }
}

/// The re-authentication page names each requirement of the organization in words, and
/// offers only the ways of meeting them that the organization allows.
/// The page that tells what the organization requires before the sign-in may go on.
async fn reauthentication_page(
    ctx: &Ctx,
    organization_id: String,
    requirements: &[Requirement],
) -> Result<(Stage, &'static str), Response> {
    let found = entities::organizations::Entity::find_by_id(organization_id.clone())
        .one(ctx.db.read())
        .await;
    let name = match found {
        Ok(org) => org.map(|o| o.name).unwrap_or_else(|| organization_id.clone()),
        Err(err) => {
            tracing::error!(error = %err, "cannot read the organization");
            return Err(internal());
        }
    };
    let mut stage = reauthentication_stage(organization_id.clone(), name, requirements);
    // "Continue with SSO" is offered only where it leads somewhere, unless SSO is all the
    // organization accepts (the page then names the requirement with no way to meet it).
    match crate::policy::policies::active_connection_ids(ctx.db.read(), &organization_id).await {
        Ok(ids) if ids.is_empty() => {
            if let Stage::Reauthenticate { allowed, .. } = &mut stage {
                if allowed.len() > 1 {
                    allowed.retain(|m| m != "sso");
                }
            }
        }
        Ok(_) => {}
        Err(err) => {
            tracing::error!(error = %err, "cannot read the organization's connections");
            return Err(internal());
        }
    }
    Ok((stage, "/hosted/reauthenticate"))
}

fn reauthentication_stage(organization_id: String, organization: String, requirements: &[Requirement]) -> Stage {
    let mut allowed: Vec<String> = vec!["password".into(), "magic_auth".into(), "sso".into()];
    let mut words = Vec::new();
    for requirement in requirements {
        match requirement {
            Requirement::Sso { .. } => {
                words.push("Sign in through the organization's single sign-on (SSO).".to_owned());
                allowed = vec!["sso".into()];
            }
            Requirement::Mfa => words.push("Two-step verification with your authenticator app.".to_owned()),
            Requirement::MfaEnrollment => words.push("Setting up two-step verification.".to_owned()),
            Requirement::MaxSessionAge => words.push("A recent sign-in: please sign in again.".to_owned()),
            Requirement::AllowedMethod { allowed: methods } => {
                let names: Vec<String> = methods.iter().map(|m| method_name(m)).collect();
                words.push(format!("Signing in with {}.", names.join(" or ")));
                allowed.retain(|m| methods.iter().any(|a| a == m));
            }
        }
    }
    Stage::Reauthenticate {
        organization_id,
        organization,
        requirements: words,
        allowed,
    }
}

fn form_error(flow: &Flow, extra: serde_json::Value) -> serde_json::Value {
    let mut data =
        json!({"csrf": flow.csrf, "email": flow.email.clone().unwrap_or_default(), "error": null, "notice": null});
    if let (Some(map), Some(extra)) = (data.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            map.insert(k.clone(), v.clone());
        }
    }
    data
}

async fn run_grant(
    ctx: &Ctx,
    req: &Request,
    client_id: &str,
    grant: Grant,
) -> Result<authentication::SignedIn, AuthError> {
    authentication::authenticate(ctx, &caller(ctx, req, client_id), grant).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reauthentication_names_requirements_and_offers_only_allowed_methods() {
        for (requirements, want_words, want_allowed) in [
            (
                vec![Requirement::Sso {
                    connection_ids: vec!["conn_1".into()],
                }],
                vec!["Sign in through the organization's single sign-on (SSO)."],
                vec!["sso"],
            ),
            (
                vec![Requirement::AllowedMethod {
                    allowed: vec!["magic_auth".into(), "sso".into()],
                }],
                vec!["Signing in with a code sent by email or single sign-on."],
                vec!["magic_auth", "sso"],
            ),
            (
                vec![Requirement::MaxSessionAge],
                vec!["A recent sign-in: please sign in again."],
                vec!["password", "magic_auth", "sso"],
            ),
        ] {
            let Stage::Reauthenticate {
                requirements: words,
                allowed,
                ..
            } = reauthentication_stage("org_1".into(), "Acme".into(), &requirements)
            else {
                panic!("not a reauthentication stage");
            };
            assert_eq!(words, want_words);
            assert_eq!(allowed, want_allowed);
        }
    }
}
