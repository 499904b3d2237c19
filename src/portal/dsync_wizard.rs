//! The Directory Sync wizard: create the organization's SCIM directory and show its base URL
//! and bearer token, once (the token is stored hashed and never rendered again).

use super::links::Intent;
use super::{base, checked, current, internal, organization_id, organization_name};
use crate::context::Ctx;
use crate::directories::{self, DirectoryError, DirectoryType};
use crate::hosted::pages;
use poem::http::StatusCode;
use poem::web::{Data, Form};
use poem::{Request, Response};
use serde::Deserialize;
use serde_json::json;

#[poem::handler]
pub async fn page(req: &Request, Data(ctx): Data<&Ctx>) -> Response {
    let session = match current(ctx, req, Intent::Dsync) {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let organization = match organization_name(ctx, &session).await {
        Ok(name) => name,
        Err(resp) => return resp,
    };
    let data = base(
        &session,
        &organization,
        "Set up Directory Sync",
        json!({"name": format!("{organization} directory")}),
    );
    pages::page(StatusCode::OK, "portal_dsync", &data, None)
}

#[derive(Debug, Deserialize)]
pub struct CreateForm {
    csrf: Option<String>,
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

fn kind(raw: Option<&str>) -> DirectoryType {
    match raw {
        Some("okta") => DirectoryType::Okta,
        Some("entra") => DirectoryType::Entra,
        _ => DirectoryType::Generic,
    }
}

/// Creates the directory through the Directory Sync service; the answer is the only page
/// that ever shows the token.
#[poem::handler]
pub async fn create(req: &Request, Data(ctx): Data<&Ctx>, form: poem::Result<Form<CreateForm>>) -> Response {
    let Ok(Form(form)) = form else {
        return pages::message(StatusCode::BAD_REQUEST, "Bad form", "The form was malformed.", None);
    };
    let session = match checked(ctx, req, Intent::Dsync, form.csrf.as_deref()) {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let (org, organization) = match (organization_id(&session), organization_name(ctx, &session).await) {
        (Ok(id), Ok(name)) => (id, name),
        (Err(resp), _) | (_, Err(resp)) => return resp,
    };
    let name = form.name.unwrap_or_default();
    match directories::create_directory(ctx, &org, &name, kind(form.kind.as_deref())).await {
        Ok(created) => {
            tracing::info!(directory_id = %created.directory.id, "portal created a directory");
            let data = base(
                &session,
                &organization,
                "Your directory is ready",
                json!({
                    "scim_base_url": format!("{}/scim/v2/{}", ctx.config.issuer(), created.directory.id),
                    "token": created.token,
                }),
            );
            pages::page(StatusCode::CREATED, "portal_dsync_created", &data, None)
        }
        Err(DirectoryError::Invalid(errors)) => {
            let text = errors
                .iter()
                .map(|e| format!("{}: {}", e.field, e.message))
                .collect::<Vec<_>>()
                .join("; ");
            let data = base(
                &session,
                &organization,
                "Set up Directory Sync",
                json!({"name": name, "error": text}),
            );
            pages::page(StatusCode::UNPROCESSABLE_ENTITY, "portal_dsync", &data, None)
        }
        Err(err) => {
            tracing::error!(error = %err, "portal cannot create a directory");
            internal()
        }
    }
}
