//! The domain wizard: claim a domain for the organization, show the TXT record that proves
//! it, and run the DNS check on demand (the background re-check keeps running too).

use super::links::Intent;
use super::session::PortalSession;
use super::{base, checked, current, internal, not_found, organization_id, organization_name};
use crate::context::Ctx;
use crate::domains::{self, dns, DomainError, Strategy};
use crate::hosted::pages;
use crate::ids::OrganizationDomainId;
use crate::orgs::organizations::get_organization;
use poem::http::StatusCode;
use poem::web::{Data, Form};
use poem::{Request, Response};
use serde::Deserialize;
use serde_json::{json, Value};

/// The domains page, with `error` or `notice` from the last action.
async fn render(
    ctx: &Ctx,
    session: &PortalSession,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
) -> Response {
    let org = match organization_id(session) {
        Ok(id) => id,
        Err(resp) => return resp,
    };
    let organization = match organization_name(ctx, session).await {
        Ok(name) => name,
        Err(resp) => return resp,
    };
    let claimed = match get_organization(ctx, &org).await {
        Ok(org) => org.domains,
        Err(err) => {
            tracing::error!(error = %err, "cannot read the portal's domains");
            return internal();
        }
    };
    let list: Vec<Value> = claimed
        .iter()
        .map(|d| {
            json!({
                "id": d.id,
                "domain": d.domain,
                "state": d.state,
                "verified": d.state == "verified",
                "record_name": dns::record_name(&d.domain),
                "record_value": dns::record_value(&d.verification_token),
                "reason": d.failure_reason,
            })
        })
        .collect();
    let data = base(
        session,
        &organization,
        "Verify your domains",
        json!({"domains": list, "error": error, "notice": notice}),
    );
    pages::page(status, "portal_domains", &data, None)
}

#[poem::handler]
pub async fn page(req: &Request, Data(ctx): Data<&Ctx>) -> Response {
    match current(ctx, req, Intent::DomainVerification) {
        Ok(session) => render(ctx, &session, StatusCode::OK, None, None).await,
        Err(resp) => resp,
    }
}

#[derive(Debug, Deserialize)]
pub struct AddForm {
    csrf: Option<String>,
    domain: Option<String>,
}

fn refusal(err: &DomainError) -> Option<String> {
    match err {
        DomainError::Invalid(_) | DomainError::Refused(_) | DomainError::AlreadyClaimed(_) | DomainError::Taken(_) => {
            Some(err.to_string())
        }
        _ => None,
    }
}

#[poem::handler]
pub async fn add(req: &Request, Data(ctx): Data<&Ctx>, form: poem::Result<Form<AddForm>>) -> Response {
    let Ok(Form(form)) = form else {
        return pages::message(StatusCode::BAD_REQUEST, "Bad form", "The form was malformed.", None);
    };
    let session = match checked(ctx, req, Intent::DomainVerification, form.csrf.as_deref()) {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let org = match organization_id(&session) {
        Ok(id) => id,
        Err(resp) => return resp,
    };
    let raw = form.domain.unwrap_or_default();
    match domains::claim_domain(ctx, &org, &raw, Strategy::Dns).await {
        Ok(_) => pages::see_other("/admin-portal/domains", None),
        Err(err) => match refusal(&err) {
            Some(text) => render(ctx, &session, StatusCode::UNPROCESSABLE_ENTITY, Some(text), None).await,
            None => {
                tracing::error!(error = %err, "portal cannot claim a domain");
                internal()
            }
        },
    }
}

#[derive(Debug, Deserialize)]
pub struct VerifyForm {
    csrf: Option<String>,
    domain_id: Option<String>,
}

/// Checks the TXT record now, for a domain of the session's organization only.
#[poem::handler]
pub async fn verify(req: &Request, Data(ctx): Data<&Ctx>, form: poem::Result<Form<VerifyForm>>) -> Response {
    let Ok(Form(form)) = form else {
        return pages::message(StatusCode::BAD_REQUEST, "Bad form", "The form was malformed.", None);
    };
    let session = match checked(ctx, req, Intent::DomainVerification, form.csrf.as_deref()) {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let Some(id) = form.domain_id.and_then(|id| id.parse::<OrganizationDomainId>().ok()) else {
        return not_found();
    };
    match domains::get_domain(ctx, &id).await {
        Ok(d) if d.organization_id == session.organization_id => {}
        Ok(_) | Err(DomainError::NotFound) => {
            tracing::info!(domain_id = %id, "portal refused a domain of another organization");
            return not_found();
        }
        Err(err) => {
            tracing::error!(error = %err, "cannot read a domain");
            return internal();
        }
    }
    match domains::verify_domain_now(ctx, &id).await {
        Ok(d) if d.state == "verified" => {
            let notice = format!("{} is verified.", d.domain);
            render(ctx, &session, StatusCode::OK, None, Some(notice)).await
        }
        Ok(d) => {
            let why = d
                .failure_reason
                .unwrap_or_else(|| "the TXT record was not found".into());
            let text = format!("{} is not verified yet: {why}.", d.domain);
            render(ctx, &session, StatusCode::OK, Some(text), None).await
        }
        Err(err @ DomainError::Taken(_)) => {
            render(ctx, &session, StatusCode::CONFLICT, Some(err.to_string()), None).await
        }
        Err(err) => {
            tracing::error!(error = %err, "portal cannot verify a domain");
            internal()
        }
    }
}
