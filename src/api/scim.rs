//! The SCIM 2.0 endpoints IdPs provision into: `/scim/v2/{directory_id}/...` with the
//! directory's bearer token and `application/scim+json` bodies. Plain poem, not
//! poem-openapi: the wire format is RFC 7644's, not API.md's, including errors.

use crate::context::Ctx;
use crate::directories::{self, groups, users, ScimError};
use crate::ids::DirectoryId;
use crate::scim::filter::parse_filter;
use crate::scim::patch::{ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA};
use crate::scim::resources::{self, Projection};
use entities::{directories as dirs, directory_groups, directory_users};
use poem::http::{header, Method, StatusCode};
use poem::{Endpoint, IntoResponse, Request, Response, Result};
use serde_json::{json, Value};
use std::collections::HashMap;

pub const CONTENT_TYPE: &str = "application/scim+json";
/// API.md: `count` ≤ 100.
const MAX_COUNT: u64 = 100;

pub struct ScimEndpoint {
    pub ctx: Ctx,
}

fn respond(status: StatusCode, body: &Value) -> Response {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, CONTENT_TYPE)
        .body(body.to_string())
}

fn error(status: StatusCode, scim_type: Option<&str>, detail: &str) -> Response {
    respond(status, &resources::error_body(status.as_u16(), scim_type, detail))
}

fn scim_error(err: ScimError) -> Response {
    match err {
        ScimError::NotFound(what) => error(StatusCode::NOT_FOUND, None, &format!("{what} not found")),
        ScimError::Uniqueness(detail) => error(StatusCode::CONFLICT, Some("uniqueness"), &detail),
        ScimError::Invalid { scim_type, detail } => error(StatusCode::BAD_REQUEST, Some(scim_type), &detail),
        ScimError::Db(db) => {
            tracing::error!(error = %db, "SCIM request failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, None, "internal error")
        }
    }
}

fn method_not_allowed(allow: &str) -> Response {
    let mut resp = error(StatusCode::METHOD_NOT_ALLOWED, None, "method not allowed");
    if let Ok(value) = allow.parse() {
        resp.headers_mut().insert(header::ALLOW, value);
    }
    resp
}

impl Endpoint for ScimEndpoint {
    type Output = Response;

    async fn call(&self, mut req: Request) -> Result<Response> {
        let path = req.uri().path().to_owned();
        let rest = path.strip_prefix("/scim/v2").unwrap_or(&path);
        let segments: Vec<String> = rest.trim_matches('/').split('/').map(percent_decode).collect();
        let Some(directory) = (match self.authenticate(&req, &segments[0]).await {
            Ok(directory) => directory,
            Err(resp) => return Ok(resp),
        }) else {
            return Ok(error(StatusCode::UNAUTHORIZED, None, "invalid or missing bearer token"));
        };
        let body = if matches!(*req.method(), Method::POST | Method::PUT | Method::PATCH) {
            let bytes = req.take_body().into_bytes().await;
            match bytes {
                Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                    Ok(value) if value.is_object() => Some(value),
                    Ok(_) => {
                        return Ok(error(
                            StatusCode::BAD_REQUEST,
                            Some("invalidSyntax"),
                            "the body must be a JSON object",
                        ))
                    }
                    Err(e) => {
                        return Ok(error(
                            StatusCode::BAD_REQUEST,
                            Some("invalidSyntax"),
                            &format!("the body is not valid JSON: {e}"),
                        ))
                    }
                },
                Err(e) => {
                    return Ok(error(
                        poem::Error::from(e).status(),
                        None,
                        "the request body could not be read",
                    ))
                }
            }
        } else {
            None
        };
        let parts: Vec<&str> = segments[1..].iter().map(String::as_str).collect();
        let ctx = &self.ctx;
        let base = format!("{}/scim/v2/{}", ctx.config.issuer(), directory.id);
        let query = Query::from(&req);
        let method = req.method().clone();
        Ok(match (parts.as_slice(), method) {
            (["ServiceProviderConfig"], Method::GET) => {
                respond(StatusCode::OK, &resources::service_provider_config(&base))
            }
            (["ResourceTypes"], Method::GET) => {
                let all = resources::resource_types(&base);
                respond(StatusCode::OK, &resources::list_response(all.len() as u64, 1, all))
            }
            (["ResourceTypes", name], Method::GET) => one_of(resources::resource_types(&base), name),
            (["Schemas"], Method::GET) => {
                let all = resources::schemas(&base);
                respond(StatusCode::OK, &resources::list_response(all.len() as u64, 1, all))
            }
            (["Schemas", id], Method::GET) => one_of(resources::schemas(&base), id),
            (["Users"], Method::GET) => self.list_users(&directory, &base, &query).await,
            (["Users"], Method::POST) => match users::create_user(ctx, &directory, &body.unwrap_or_default()).await {
                // A new user is in no group yet: `groups` is computed, and what the body sent is ignored.
                Ok(du) => created(render_user(&base, &du, &[])),
                Err(e) => scim_error(e),
            },
            (["Users"], _) => method_not_allowed("GET, POST"),
            (["Users", id], Method::GET) => self.get_user(&directory, &base, id, &query).await,
            (["Users", id], m @ (Method::PUT | Method::PATCH)) => {
                let body = body.unwrap_or_default();
                let change = if m == Method::PUT {
                    users::Change::Replace(&body)
                } else {
                    users::Change::Patch(&body)
                };
                match users::change_user(ctx, &directory, id, change).await {
                    Ok(du) => match self.groups(&[&du], &Projection::default()).await {
                        Ok(mut groups) => {
                            let groups = groups.remove(&du.id).unwrap_or_default();
                            respond(StatusCode::OK, &render_user(&base, &du, &groups))
                        }
                        Err(resp) => resp,
                    },
                    Err(e) => scim_error(e),
                }
            }
            (["Users", id], Method::DELETE) => match users::delete_user(ctx, &directory, id).await {
                Ok(()) => StatusCode::NO_CONTENT.into_response(),
                Err(e) => scim_error(e),
            },
            (["Users", _], _) => method_not_allowed("GET, PUT, PATCH, DELETE"),
            (["Groups"], Method::GET) => self.list_groups(&directory, &base, &query).await,
            (["Groups"], Method::POST) => {
                match groups::create_group(ctx, &directory, &body.unwrap_or_default()).await {
                    Ok((group, members)) => created(render_group(&base, &group, Some(members))),
                    Err(e) => scim_error(e),
                }
            }
            (["Groups"], _) => method_not_allowed("GET, POST"),
            (["Groups", id], Method::GET) => self.get_group(&directory, &base, id, &query).await,
            (["Groups", id], m @ (Method::PUT | Method::PATCH)) => {
                let body = body.unwrap_or_default();
                let patch = m == Method::PATCH;
                let change = if patch {
                    users::Change::Patch(&body)
                } else {
                    users::Change::Replace(&body)
                };
                match groups::change_group(ctx, &directory, id, change).await {
                    // RFC 7644 §3.5.2: a PATCH may answer 204; Okta and Entra accept it, and a
                    // big group is not re-read and re-sent for every member change.
                    Ok(_) if patch && !query.wants_body_after_patch() => StatusCode::NO_CONTENT.into_response(),
                    Ok(group) => match groups::member_entries(ctx.db.read(), &group.id).await {
                        Ok(members) => respond(StatusCode::OK, &render_group(&base, &group, Some(members))),
                        Err(e) => scim_error(e.into()),
                    },
                    Err(e) => scim_error(e),
                }
            }
            (["Groups", id], Method::DELETE) => match groups::delete_group(ctx, &directory, id).await {
                Ok(()) => StatusCode::NO_CONTENT.into_response(),
                Err(e) => scim_error(e),
            },
            (["Groups", _], _) => method_not_allowed("GET, PUT, PATCH, DELETE"),
            (["ServiceProviderConfig" | "ResourceTypes" | "Schemas", ..], _) => method_not_allowed("GET"),
            _ => error(StatusCode::NOT_FOUND, None, "no such SCIM endpoint"),
        })
    }
}

impl ScimEndpoint {
    /// The directory the bearer token opens. Failed attempts are rate limited per IP and
    /// directory (a credential-taking endpoint); valid IdP traffic is not.
    async fn authenticate(&self, req: &Request, raw_id: &str) -> std::result::Result<Option<dirs::Model>, Response> {
        let token = super::request::bearer(req);
        let found = match (raw_id.parse::<DirectoryId>(), token) {
            (Ok(id), Some(token)) => directories::authenticate_token(&self.ctx, &id, token)
                .await
                .map_err(|e| scim_error(e.into()))?,
            _ => None,
        };
        if found.is_none() {
            let ip = super::request::client_ip(req, None);
            let account = crate::ratelimit::AccountKey::directory(raw_id);
            if let Err(limited) = self.ctx.limits.check(ip.as_deref(), Some(&account)) {
                let mut resp = error(
                    StatusCode::TOO_MANY_REQUESTS,
                    None,
                    "too many failed attempts; slow down",
                );
                if let Ok(value) = limited.retry_after.as_secs().max(1).to_string().parse() {
                    resp.headers_mut().insert(header::RETRY_AFTER, value);
                }
                return Err(resp);
            }
            tracing::info!("SCIM request refused: unknown directory or wrong token");
        }
        Ok(found)
    }

    async fn list_users(&self, directory: &dirs::Model, base: &str, query: &Query) -> Response {
        let (filter, offset, count, projection) = match query.listing() {
            Ok(parts) => parts,
            Err(resp) => return resp,
        };
        match users::list_users(&self.ctx, &directory.id, filter.as_ref(), offset, count).await {
            Ok((total, rows)) => {
                let page: Vec<&directory_users::Model> = rows.iter().collect();
                let mut groups = match self.groups(&page, &projection).await {
                    Ok(groups) => groups,
                    Err(resp) => return resp,
                };
                let items = rows
                    .iter()
                    .map(|du| {
                        let groups = groups.remove(&du.id).unwrap_or_default();
                        projection.apply(render_user(base, du, &groups))
                    })
                    .collect();
                respond(StatusCode::OK, &resources::list_response(total, offset + 1, items))
            }
            Err(e) => scim_error(e),
        }
    }

    async fn list_groups(&self, directory: &dirs::Model, base: &str, query: &Query) -> Response {
        let (filter, offset, count, projection) = match query.listing() {
            Ok(parts) => parts,
            Err(resp) => return resp,
        };
        let (total, rows) = match groups::list_groups(&self.ctx, &directory.id, filter.as_ref(), offset, count).await {
            Ok(found) => found,
            Err(e) => return scim_error(e),
        };
        let mut items = Vec::with_capacity(rows.len());
        for group in &rows {
            // Entra ID lists with excludedAttributes=members; do not load what is dropped.
            let members = if projection.excludes("members") {
                None
            } else {
                match groups::member_entries(self.ctx.db.read(), &group.id).await {
                    Ok(members) => Some(members),
                    Err(e) => return scim_error(e.into()),
                }
            };
            items.push(projection.apply(render_group(base, group, members)));
        }
        respond(StatusCode::OK, &resources::list_response(total, offset + 1, items))
    }

    async fn get_user(&self, directory: &dirs::Model, base: &str, id: &str, query: &Query) -> Response {
        let projection = match query.projection() {
            Ok(p) => p,
            Err(resp) => return resp,
        };
        let du = match users::get_user(self.ctx.db.read(), &directory.id, id).await {
            Ok(du) => du,
            Err(e) => return scim_error(e),
        };
        match self.groups(&[&du], &projection).await {
            Ok(mut groups) => {
                let groups = groups.remove(&du.id).unwrap_or_default();
                respond(StatusCode::OK, &projection.apply(render_user(base, &du, &groups)))
            }
            Err(resp) => resp,
        }
    }

    /// The `groups` of each user, unless the projection drops them (then nothing is read).
    async fn groups(
        &self,
        rows: &[&directory_users::Model],
        projection: &Projection,
    ) -> std::result::Result<HashMap<String, Vec<users::GroupRef>>, Response> {
        if rows.is_empty() || projection.excludes("groups") {
            return Ok(HashMap::new());
        }
        let ids: Vec<&str> = rows.iter().map(|du| du.id.as_str()).collect();
        users::groups_of(self.ctx.db.read(), &ids)
            .await
            .map_err(|e| scim_error(e.into()))
    }

    async fn get_group(&self, directory: &dirs::Model, base: &str, id: &str, query: &Query) -> Response {
        let projection = match query.projection() {
            Ok(p) => p,
            Err(resp) => return resp,
        };
        let group = match groups::get_group(self.ctx.db.read(), &directory.id, id).await {
            Ok(group) => group,
            Err(e) => return scim_error(e),
        };
        let members = if projection.excludes("members") {
            None
        } else {
            match groups::member_entries(self.ctx.db.read(), &group.id).await {
                Ok(members) => Some(members),
                Err(e) => return scim_error(e.into()),
            }
        };
        respond(StatusCode::OK, &projection.apply(render_group(base, &group, members)))
    }
}

fn created(resource: Value) -> Response {
    let location = resource["meta"]["location"].as_str().unwrap_or_default().to_owned();
    let mut resp = respond(StatusCode::CREATED, &resource);
    if let Ok(value) = location.parse() {
        resp.headers_mut().insert(header::LOCATION, value);
    }
    resp
}

fn one_of(all: Vec<Value>, id: &str) -> Response {
    match all.into_iter().find(|r| r["id"].as_str() == Some(id)) {
        Some(found) => respond(StatusCode::OK, &found),
        None => error(StatusCode::NOT_FOUND, None, &format!("{id} not found")),
    }
}

fn meta(
    kind: &str,
    location: String,
    created: chrono::DateTime<chrono::Utc>,
    modified: chrono::DateTime<chrono::Utc>,
) -> Value {
    json!({
        "resourceType": kind,
        "created": created.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "lastModified": modified.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "location": location,
    })
}

fn render_user(base: &str, du: &directory_users::Model, groups: &[users::GroupRef]) -> Value {
    let mut resource = du.resource.clone();
    if let Value::Object(map) = &mut resource {
        // RFC 7643 §4.1.2: read-only, "direct" membership only (groups do not nest here).
        // An empty list is left out, as unassigned (§2.5).
        if !groups.is_empty() {
            let groups = groups
                .iter()
                .map(|g| {
                    json!({
                        "value": g.id,
                        "$ref": format!("{base}/Groups/{}", g.id),
                        "display": g.display_name,
                        "type": "direct",
                    })
                })
                .collect();
            map.insert("groups".into(), Value::Array(groups));
        }
        let mut schemas = vec![json!(USER_SCHEMA)];
        if map.keys().any(|k| k.eq_ignore_ascii_case(ENTERPRISE_USER_SCHEMA)) {
            schemas.push(json!(ENTERPRISE_USER_SCHEMA));
        }
        map.insert("schemas".into(), Value::Array(schemas));
        map.insert("id".into(), json!(du.id));
        if !map.keys().any(|k| k.eq_ignore_ascii_case("active")) {
            map.insert("active".into(), json!(du.active));
        }
        map.insert(
            "meta".into(),
            meta("User", format!("{base}/Users/{}", du.id), du.created_at, du.updated_at),
        );
    }
    resource
}

fn render_group(base: &str, group: &directory_groups::Model, members: Option<Vec<Value>>) -> Value {
    let mut resource = group.resource.clone();
    if let Value::Object(map) = &mut resource {
        map.insert("schemas".into(), json!([GROUP_SCHEMA]));
        map.insert("id".into(), json!(group.id));
        if let Some(members) = members {
            let members = members
                .into_iter()
                .map(|mut m| {
                    if let Some(id) = m["value"].as_str() {
                        m["$ref"] = json!(format!("{base}/Users/{id}"));
                    }
                    m
                })
                .collect();
            map.insert("members".into(), Value::Array(members));
        }
        map.insert(
            "meta".into(),
            meta(
                "Group",
                format!("{base}/Groups/{}", group.id),
                group.created_at,
                group.updated_at,
            ),
        );
    }
    resource
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// The query parameters of SCIM reads (RFC 7644 §3.4.2).
struct Query {
    params: Vec<(String, String)>,
}

impl From<&Request> for Query {
    fn from(req: &Request) -> Self {
        let params = url::form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Query { params }
    }
}

type Listing = (Option<crate::scim::filter::Filter>, u64, u64, Projection);

impl Query {
    /// Parameter names are case-insensitive in practice (Entra sends `excludedAttributes`,
    /// some clients `startindex`).
    fn get(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    fn projection(&self) -> std::result::Result<Projection, Response> {
        resources::parse_projection(self.get("attributes"), self.get("excludedAttributes"))
            .map_err(|detail| error(StatusCode::BAD_REQUEST, Some("invalidPath"), &detail))
    }

    fn wants_body_after_patch(&self) -> bool {
        self.get("attributes").is_some() || self.get("excludedAttributes").is_some()
    }

    fn number(&self, name: &str) -> std::result::Result<Option<i64>, Response> {
        match self.get(name) {
            None => Ok(None),
            Some(raw) => raw.trim().parse::<i64>().map(Some).map_err(|_| {
                error(
                    StatusCode::BAD_REQUEST,
                    Some("invalidValue"),
                    &format!("{name} must be an integer"),
                )
            }),
        }
    }

    fn listing(&self) -> std::result::Result<Listing, Response> {
        let filter = match self.get("filter").map(str::trim).filter(|f| !f.is_empty()) {
            Some(raw) => Some(
                parse_filter(raw).map_err(|e| error(StatusCode::BAD_REQUEST, Some(e.scim_type()), &e.to_string()))?,
            ),
            None => None,
        };
        // RFC 7644 §3.4.2.4: startIndex < 1 means 1; a negative count means 0.
        let start = self.number("startIndex")?.unwrap_or(1).max(1) as u64;
        let count = self
            .number("count")?
            .map_or(MAX_COUNT, |c| c.clamp(0, MAX_COUNT as i64) as u64);
        Ok((filter, start - 1, count, self.projection()?))
    }
}
