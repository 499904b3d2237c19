//! The Admin Portal: a vendor generates a short-lived link (`POST /portal/generate_link`) for
//! a customer's IT admin, who opens it without a Gatehouse account and, for that one
//! organization, sets up SSO, Directory Sync or a verified domain step by step.
//!
//! Server-rendered pages under `/admin-portal` in the hosted pages' style (their templates,
//! headers and sealed-cookie machinery). Pages call the same services as the API, so the same
//! rules apply and the same events are appended; every action is confined to the session's
//! organization and intent, and every form carries the session's CSRF token.

mod domain_wizard;
mod dsync_wizard;
pub mod links;
pub mod routes;
pub mod session;
mod sso_wizard;

use crate::context::Ctx;
use crate::hosted::pages;
use crate::ids::OrganizationId;
use links::{Intent, OpenError};
use poem::http::StatusCode;
use poem::web::{Data, Form, Query};
use poem::{Request, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use session::PortalSession;

fn intent_name(intent: Intent) -> &'static str {
    match intent {
        Intent::Sso => "single sign-on (SSO)",
        Intent::Dsync => "Directory Sync (SCIM)",
        Intent::DomainVerification => "domain verification",
    }
}

fn link_refused(err: &OpenError) -> Response {
    let text = match err {
        OpenError::Unknown => "This setup link is not valid. Ask the app that sent it for a new one.",
        OpenError::Expired => "This setup link has expired: links last five minutes. Ask for a new one.",
        OpenError::Used => "This setup link was already used: each link opens once. Ask for a new one.",
        OpenError::Db(err) => {
            tracing::error!(error = %err, "cannot read a portal link");
            return internal();
        }
    };
    pages::message(StatusCode::BAD_REQUEST, "This setup link cannot be opened", text, None)
}

fn internal() -> Response {
    pages::message(
        StatusCode::INTERNAL_SERVER_ERROR,
        "Something went wrong",
        "We could not finish this step. Please try again in a moment.",
        None,
    )
}

fn no_session() -> Response {
    pages::message(
        StatusCode::UNAUTHORIZED,
        "Your setup session has ended",
        "Open a new setup link from the app that sent you here.",
        None,
    )
}

fn not_found() -> Response {
    pages::message(
        StatusCode::NOT_FOUND,
        "Not found",
        "There is nothing like that in this organization's setup.",
        None,
    )
}

/// The session of this browser, when it was opened for `intent`.
fn current(ctx: &Ctx, req: &Request, intent: Intent) -> Result<PortalSession, Response> {
    let session = session::read(ctx, req).ok_or_else(no_session)?;
    if session.intent != intent {
        return Err(pages::message(
            StatusCode::FORBIDDEN,
            "Not part of this setup",
            &format!(
                "This setup link is for {}, not {}.",
                intent_name(session.intent),
                intent_name(intent)
            ),
            Some((session.intent.start_page(), "Back to the setup")),
        ));
    }
    Ok(session)
}

/// The session a form belongs to, once its CSRF token matches.
fn checked(ctx: &Ctx, req: &Request, intent: Intent, csrf: Option<&str>) -> Result<PortalSession, Response> {
    let session = current(ctx, req, intent)?;
    if !session.csrf_matches(csrf.unwrap_or_default()) {
        tracing::info!("portal form refused: CSRF token mismatch");
        return Err(pages::message(
            StatusCode::FORBIDDEN,
            "This form has expired",
            "The form did not come from this setup session. Reload the page and try again.",
            Some((intent.start_page(), "Back to the setup")),
        ));
    }
    Ok(session)
}

fn organization_id(session: &PortalSession) -> Result<OrganizationId, Response> {
    session.organization_id.parse().map_err(|_| no_session())
}

/// The organization's name, for the pages.
async fn organization_name(ctx: &Ctx, session: &PortalSession) -> Result<String, Response> {
    let id = organization_id(session)?;
    match crate::orgs::organizations::get_organization(ctx, &id).await {
        Ok(org) => Ok(org.org.name),
        Err(crate::orgs::organizations::OrgError::NotFound) => Err(no_session()),
        Err(err) => {
            tracing::error!(error = %err, "cannot read the portal's organization");
            Err(internal())
        }
    }
}

/// The data every portal page starts from.
fn base(session: &PortalSession, organization: &str, title: &str, extra: Value) -> Value {
    let mut data = json!({
        "title": title,
        "csrf": session.csrf,
        "organization": organization,
        "success_url": session.success_url,
        "return_url": session.return_url,
        "error": null,
        "notice": null,
    });
    if let (Some(map), Some(extra)) = (data.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            map.insert(k.clone(), v.clone());
        }
    }
    data
}

#[derive(Debug, Deserialize)]
struct TokenParam {
    token: Option<String>,
}

#[derive(Debug, Deserialize)]
struct LaunchForm {
    token: Option<String>,
    csrf: Option<String>,
}

/// `GET /admin-portal/launch?token=…`: checks the link without spending it, and asks for a
/// click. Mail and chat link scanners fetch links with GET; they must not use it up.
#[poem::handler]
async fn launch_page(Data(ctx): Data<&Ctx>, query: poem::Result<Query<TokenParam>>) -> Response {
    let token = query.ok().and_then(|Query(q)| q.token).unwrap_or_default();
    let link = match links::find_link(ctx, &token).await {
        Ok(link) => link,
        Err(err) => return link_refused(&err),
    };
    let Some(intent) = Intent::parse(&link.intent) else {
        return internal();
    };
    let organization = match link.organization_id.parse::<OrganizationId>() {
        Ok(id) => match crate::orgs::organizations::get_organization(ctx, &id).await {
            Ok(org) => org.org.name,
            Err(_) => return link_refused(&OpenError::Unknown),
        },
        Err(_) => return link_refused(&OpenError::Unknown),
    };
    let guard = session::LaunchGuard::new(ctx.now(), &token);
    let data = json!({
        "title": format!("Set up {}", intent_name(intent)),
        "organization": organization,
        "intent_name": intent_name(intent),
        "token": token,
        "csrf": guard.csrf,
        "error": null,
        "notice": null,
    });
    pages::page(
        StatusCode::OK,
        "portal_launch",
        &data,
        Some(session::set_launch_guard(ctx, &guard)),
    )
}

/// `POST /admin-portal/launch`: spends the link and opens a session for its organization,
/// when the form is the one the launch page showed this browser (login CSRF).
#[poem::handler]
async fn launch(req: &Request, Data(ctx): Data<&Ctx>, form: poem::Result<Form<LaunchForm>>) -> Response {
    let (token, csrf) = match form {
        Ok(Form(f)) => (f.token.unwrap_or_default(), f.csrf.unwrap_or_default()),
        Err(_) => Default::default(),
    };
    // A link that cannot open says why, whoever posted it.
    if let Err(err) = links::find_link(ctx, &token).await {
        return link_refused(&err);
    }
    let admitted = session::read_launch_guard(ctx, req).is_some_and(|guard| guard.admits(ctx.now(), &token, &csrf));
    if !admitted {
        tracing::info!("portal launch refused: the form did not come from this browser's launch page");
        return pages::message(
            StatusCode::FORBIDDEN,
            "This form has expired",
            "Open the setup link again and press Start setup.",
            None,
        );
    }
    let link = match links::open_link(ctx, &token).await {
        Ok(link) => link,
        Err(err) => return link_refused(&err),
    };
    let Some(intent) = Intent::parse(&link.intent) else {
        return internal();
    };
    let session = PortalSession::new(ctx.now(), &link, intent);
    pages::see_other(intent.start_page(), Some(session::set_cookie(ctx, &session)))
}
