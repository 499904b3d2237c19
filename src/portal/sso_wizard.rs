//! The SSO wizard: pick the identity provider (a draft connection is made for it), read our
//! SP values and give the IdP's metadata (or OIDC settings), which validates and activates the
//! connection, then run a test sign-in through the IdP that shows what came back or exactly
//! which check failed.

use super::links::Intent;
use super::session::{self, PortalSession, TestLogin};
use super::{base, checked, current, internal, not_found, organization_id, organization_name};
use crate::context::Ctx;
use crate::hosted::pages;
use crate::ids::ConnectionId;
use crate::secrets;
use crate::sso::connections::{self, Connection, ConnectionChanges, ConnectionError, NewConnection, SAML};
use crate::sso::flow::{self, FlowFailure, PORTAL_TEST_CLIENT};
use crate::validation::FieldError;
use poem::http::StatusCode;
use poem::web::{Data, Form, Query};
use poem::{Request, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

/// The providers offered: (form value, name, connection type, attribute preset).
const PROVIDERS: [(&str, &str, &str, &str); 5] = [
    ("okta", "Okta", "saml", "okta"),
    ("entra", "Microsoft Entra ID", "saml", "entra"),
    ("google", "Google Workspace", "saml", "google"),
    ("saml", "Custom SAML 2.0", "saml", "generic"),
    ("oidc", "OpenID Connect", "oidc", "generic"),
];

fn provider_name(conn: &Connection) -> &'static str {
    let (ty, preset) = (conn.row.connection_type.as_str(), conn.row.attribute_preset.as_str());
    PROVIDERS
        .iter()
        .find(|p| p.2 == ty && p.3 == preset)
        .map(|p| p.1)
        .unwrap_or("Custom SAML 2.0")
}

#[poem::handler]
pub async fn provider_page(req: &Request, Data(ctx): Data<&Ctx>) -> Response {
    let session = match current(ctx, req, Intent::Sso) {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let organization = match organization_name(ctx, &session).await {
        Ok(name) => name,
        Err(resp) => return resp,
    };
    let providers: Vec<Value> = PROVIDERS.iter().map(|p| json!({"id": p.0, "name": p.1})).collect();
    let data = base(
        &session,
        &organization,
        "Set up single sign-on",
        json!({"providers": providers}),
    );
    pages::page(StatusCode::OK, "portal_sso_provider", &data, None)
}

#[derive(Debug, Deserialize)]
pub struct ProviderForm {
    csrf: Option<String>,
    provider: Option<String>,
}

/// Makes the draft connection for the chosen provider, so its SP values exist to show.
#[poem::handler]
pub async fn pick_provider(req: &Request, Data(ctx): Data<&Ctx>, form: poem::Result<Form<ProviderForm>>) -> Response {
    let Ok(Form(form)) = form else {
        return pages::message(StatusCode::BAD_REQUEST, "Bad form", "The form was malformed.", None);
    };
    let mut session = match checked(ctx, req, Intent::Sso, form.csrf.as_deref()) {
        Ok(s) => s,
        Err(resp) => return resp,
    };
    let Some(provider) = PROVIDERS.iter().find(|p| Some(p.0) == form.provider.as_deref()) else {
        return pages::see_other("/admin-portal/sso", None);
    };
    let org = match organization_id(&session) {
        Ok(id) => id,
        Err(resp) => return resp,
    };
    let new = NewConnection {
        organization_id: org,
        name: provider.1.to_owned(),
        connection_type: provider.2.to_owned(),
        attribute_preset: Some(provider.3.to_owned()),
        attribute_map: None,
        saml: Default::default(),
        oidc: Default::default(),
    };
    match connections::create_connection(ctx, new).await {
        Ok(conn) => {
            session.connection_id = Some(conn.row.id);
            session.test = None;
            pages::see_other("/admin-portal/sso/configure", Some(session::set_cookie(ctx, &session)))
        }
        Err(err) => {
            tracing::error!(error = %err, "portal cannot create a draft connection");
            internal()
        }
    }
}

/// The session's connection, which must belong to the session's organization.
async fn connection_of(ctx: &Ctx, session: &PortalSession) -> Result<Option<Connection>, Response> {
    let Some(id) = session
        .connection_id
        .as_deref()
        .and_then(|id| id.parse::<ConnectionId>().ok())
    else {
        return Ok(None);
    };
    match connections::get_connection(ctx.db.read(), &id).await {
        Ok(conn) if conn.row.organization_id == session.organization_id => Ok(Some(conn)),
        Ok(_) | Err(ConnectionError::NotFound) => Err(not_found()),
        Err(err) => {
            tracing::error!(error = %err, "cannot read the portal's connection");
            Err(internal())
        }
    }
}

fn configure_data(
    ctx: &Ctx,
    session: &PortalSession,
    organization: &str,
    conn: &Connection,
    errors: &[FieldError],
) -> Value {
    let r = &conn.row;
    let errors: Vec<Value> = errors
        .iter()
        .map(|e| json!({"field": e.field, "message": e.message}))
        .collect();
    base(
        session,
        organization,
        "Connect your identity provider",
        json!({
            "provider": provider_name(conn),
            "saml": r.connection_type == SAML,
            "acs_url": connections::acs_url(ctx, &r.id),
            "sp_entity_id": connections::sp_entity_id(ctx, r),
            "metadata_url": connections::metadata_url(ctx, &r.id),
            "metadata_url_value": r.saml_idp_metadata_url,
            "redirect_uri": crate::sso::oidc_flow::callback_url(ctx),
            "issuer": r.oidc_issuer,
            "client_id": r.oidc_client_id,
            "errors": errors,
            "error": if errors.is_empty() { None } else { Some("The connection could not be activated. See what failed below.") },
        }),
    )
}

/// Loads what the configure and test pages need, or the response to send instead.
async fn wizard_state(ctx: &Ctx, req: &Request) -> Result<(PortalSession, String, Connection), Response> {
    let session = current(ctx, req, Intent::Sso)?;
    let organization = organization_name(ctx, &session).await?;
    match connection_of(ctx, &session).await? {
        Some(conn) => Ok((session, organization, conn)),
        None => Err(pages::see_other("/admin-portal/sso", None)),
    }
}

#[poem::handler]
pub async fn configure_page(req: &Request, Data(ctx): Data<&Ctx>) -> Response {
    match wizard_state(ctx, req).await {
        Ok((session, organization, conn)) => pages::page(
            StatusCode::OK,
            "portal_sso_configure",
            &configure_data(ctx, &session, &organization, &conn, &[]),
            None,
        ),
        Err(resp) => resp,
    }
}

#[derive(Debug, Deserialize)]
pub struct ConfigureForm {
    csrf: Option<String>,
    metadata_url: Option<String>,
    metadata_xml: Option<String>,
    issuer: Option<String>,
    client_id: Option<String>,
    client_secret: Option<String>,
}

fn given(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// What went wrong, field by field, in the words the API uses.
fn failures(err: ConnectionError) -> Result<Vec<FieldError>, ConnectionError> {
    Ok(match err {
        ConnectionError::Invalid(errors) => errors,
        ConnectionError::Incomplete(missing) => missing
            .into_iter()
            .map(|field| FieldError::new(field, "required", "required to activate the connection"))
            .collect(),
        ConnectionError::MetadataUnreachable(why) => vec![FieldError::new(
            "saml.idp_metadata_url",
            "unreachable",
            format!("could not fetch the IdP metadata: {why}"),
        )],
        other => return Err(other),
    })
}

/// Saves the IdP's settings through the connection service, then activates the connection.
#[poem::handler]
pub async fn configure(req: &Request, Data(ctx): Data<&Ctx>, form: poem::Result<Form<ConfigureForm>>) -> Response {
    let Ok(Form(form)) = form else {
        return pages::message(StatusCode::BAD_REQUEST, "Bad form", "The form was malformed.", None);
    };
    if let Err(resp) = checked(ctx, req, Intent::Sso, form.csrf.as_deref()) {
        return resp;
    }
    let (session, organization, conn) = match wizard_state(ctx, req).await {
        Ok(state) => state,
        Err(resp) => return resp,
    };
    let mut changes = ConnectionChanges::default();
    let mut missing = Vec::new();
    if conn.row.connection_type == SAML {
        match (given(form.metadata_xml), given(form.metadata_url)) {
            (Some(xml), _) => changes.saml.idp_metadata_xml = Some(xml),
            (None, Some(url)) => changes.saml.idp_metadata_url = Some(url),
            (None, None) => missing.push(FieldError::new(
                "saml.idp_metadata",
                "required",
                "enter the IdP metadata URL or paste its XML",
            )),
        }
    } else {
        changes.oidc.issuer = given(form.issuer);
        changes.oidc.client_id = given(form.client_id);
        changes.oidc.client_secret = given(form.client_secret);
    }
    let id = match conn.row.id.parse::<ConnectionId>() {
        Ok(id) => id,
        Err(_) => return internal(),
    };
    let outcome = if missing.is_empty() {
        match connections::update_connection(ctx, &id, changes).await {
            Ok(_) => connections::set_active(ctx, &id, true).await,
            Err(err) => Err(err),
        }
    } else {
        Err(ConnectionError::Invalid(missing))
    };
    match outcome {
        Ok(_) => pages::see_other("/admin-portal/sso/test", None),
        Err(err) => match failures(err) {
            Ok(errors) => {
                tracing::info!(connection_id = %conn.row.id, "portal connection settings refused");
                let conn = connection_of(ctx, &session).await.ok().flatten().unwrap_or(conn);
                let data = configure_data(ctx, &session, &organization, &conn, &errors);
                pages::page(StatusCode::UNPROCESSABLE_ENTITY, "portal_sso_configure", &data, None)
            }
            Err(err) => {
                tracing::error!(error = %err, "portal cannot configure the connection");
                internal()
            }
        },
    }
}

fn test_page_with(
    session: &PortalSession,
    organization: &str,
    conn: &Connection,
    result: Option<Value>,
    failure: Option<String>,
    cookie: Option<String>,
) -> Response {
    let status = if failure.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let data = base(
        session,
        organization,
        "Test your connection",
        json!({"name": conn.row.name, "state": conn.row.state, "result": result, "failure": failure}),
    );
    pages::page(status, "portal_sso_test", &data, cookie)
}

#[poem::handler]
pub async fn test_page(req: &Request, Data(ctx): Data<&Ctx>) -> Response {
    match wizard_state(ctx, req).await {
        Ok((session, organization, conn)) => test_page_with(&session, &organization, &conn, None, None, None),
        Err(resp) => resp,
    }
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

fn test_callback_url(ctx: &Ctx) -> String {
    format!("{}/admin-portal/sso/test/callback", ctx.config.issuer())
}

/// Sends the browser to the IdP through the real SSO flow, bound to this session by `state`
/// and PKCE.
#[poem::handler]
pub async fn start_test(req: &Request, Data(ctx): Data<&Ctx>, form: poem::Result<Form<CsrfForm>>) -> Response {
    let csrf = form.ok().and_then(|Form(f)| f.csrf);
    if let Err(resp) = checked(ctx, req, Intent::Sso, csrf.as_deref()) {
        return resp;
    }
    let (mut session, organization, conn) = match wizard_state(ctx, req).await {
        Ok(state) => state,
        Err(resp) => return resp,
    };
    let login = TestLogin {
        state: secrets::generate(""),
        verifier: format!("{}{}", secrets::generate(""), secrets::generate("")),
    };
    let challenge = crate::sso::codes::s256(&login.verifier);
    let started = flow::authorize_portal_test(
        ctx,
        &conn.row.id,
        test_callback_url(ctx),
        login.state.clone(),
        challenge,
    )
    .await;
    session.test = Some(login);
    let cookie = session::set_cookie(ctx, &session);
    match started {
        Ok(url) => pages::see_other(url.as_str(), Some(cookie)),
        Err(FlowFailure::Redirect(url)) => pages::see_other(url.as_str(), Some(cookie)),
        Err(FlowFailure::Direct { message, .. }) => {
            test_page_with(&session, &organization, &conn, None, Some(message), Some(cookie))
        }
        Err(FlowFailure::Db(err)) => {
            tracing::error!(error = %err, "portal cannot start a test sign-in");
            internal()
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
    error_description: Option<String>,
}

/// Where the SSO flow returns: the code is redeemed here (the portal is its client), and the
/// page shows the profile, or the check that failed.
#[poem::handler]
pub async fn test_callback(
    req: &Request,
    Data(ctx): Data<&Ctx>,
    query: poem::Result<Query<CallbackQuery>>,
) -> Response {
    let (mut session, organization, conn) = match wizard_state(ctx, req).await {
        Ok(state) => state,
        Err(resp) => return resp,
    };
    let q = query.ok().map(|Query(q)| q);
    let login = session.test.take();
    let cookie = Some(session::set_cookie(ctx, &session));
    let state_matches = match (&login, q.as_ref().and_then(|q| q.state.as_deref())) {
        (Some(login), Some(state)) => bool::from(login.state.as_bytes().ct_eq(state.as_bytes())),
        _ => false,
    };
    let (Some(q), Some(login), true) = (q, login, state_matches) else {
        tracing::info!("portal test callback without a matching test sign-in");
        let failure = "this answer does not belong to a test sign-in started here. Start the test again.";
        return test_page_with(&session, &organization, &conn, None, Some(failure.into()), cookie);
    };
    if let Some(error) = q.error {
        let failure = q.error_description.unwrap_or(error);
        return test_page_with(&session, &organization, &conn, None, Some(failure), cookie);
    }
    let code = q.code.unwrap_or_default();
    match flow::redeem_code(
        ctx.db.write(),
        ctx.now(),
        PORTAL_TEST_CLIENT,
        &code,
        Some(&login.verifier),
    )
    .await
    {
        Ok(profile) if profile.organization_id == session.organization_id => {
            let result = json!({
                "email": profile.email,
                "first_name": profile.first_name,
                "last_name": profile.last_name,
                "idp_id": profile.idp_id,
                "email_trusted": profile.email_trusted,
            });
            tracing::info!(connection_id = %profile.connection_id, "portal test sign-in succeeded");
            test_page_with(&session, &organization, &conn, Some(result), None, cookie)
        }
        Ok(_) => not_found(),
        Err(err) => test_page_with(&session, &organization, &conn, None, Some(err.to_string()), cookie),
    }
}
