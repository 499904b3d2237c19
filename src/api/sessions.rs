use super::auth::ApiKey;
use super::request::{field_id, path_id};
use super::tags::Tag;
use super::text::Text;
use super::users::User;
use crate::context::Ctx;
use crate::error::{ApiError, ApiResult};
use crate::ids::{SessionId, UserId};
use crate::sessions::keys;
use crate::sessions::lifecycle::{self as service, methods_of, status};
use chrono::{DateTime, Utc};
use entities::{organization_memberships as memberships, sessions, users};
use poem::Request;
use poem_openapi::param::{Path, Query};
use poem_openapi::payload::Json;
use poem_openapi::{ApiResponse, Object, OpenApi};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

pub struct SessionsApi {
    pub ctx: Ctx,
}

#[derive(Debug, Clone, Object)]
pub struct SessionAuthMethod {
    pub method: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Object)]
pub struct Session {
    /// Always `session`.
    pub object: String,
    pub id: String,
    pub user_id: String,
    pub organization_id: Option<String>,
    /// active | revoked | expired
    pub status: String,
    pub auth_methods: Vec<SessionAuthMethod>,
    pub mfa_at: Option<DateTime<Utc>>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

fn view(ctx: &Ctx, s: sessions::Model) -> Session {
    let now = ctx.now();
    Session {
        object: "session".into(),
        status: status(ctx, &s, now).as_str().into(),
        auth_methods: methods_of(&s)
            .into_iter()
            .map(|m| SessionAuthMethod {
                method: m.method,
                at: m.at,
            })
            .collect(),
        id: s.id,
        user_id: s.user_id,
        organization_id: s.organization_id,
        mfa_at: s.mfa_at,
        ip_address: s.ip_address,
        user_agent: s.user_agent,
        last_seen_at: s.last_seen_at,
        expires_at: s.expires_at,
        created_at: s.created_at,
    }
}

#[derive(Debug, Clone, Object)]
pub struct SessionList {
    pub data: Vec<Session>,
}

#[derive(Debug, Clone, Object)]
pub struct RevokeSession {
    pub session_id: Text,
}

#[derive(Debug, Clone, Object)]
pub struct Revoked {
    pub revoked: u64,
}

#[derive(Debug, Clone, Object)]
pub struct MembershipRef {
    pub id: String,
    pub organization_id: String,
    pub role: super::memberships::RoleRef,
    pub status: String,
}

#[derive(Debug, Clone, Object)]
pub struct Me {
    pub user: User,
    pub organization_membership: Option<MembershipRef>,
    pub session: Session,
}

#[derive(ApiResponse)]
pub enum LoggedOut {
    /// Back to the registered `return_to`.
    #[oai(status = 303)]
    Redirect(#[oai(header = "Location")] String),
    /// Signed out; no `return_to` was given.
    #[oai(status = 204)]
    Done,
}

#[OpenApi(tag = "Tag::UserManagement")]
impl SessionsApi {
    /// List a user's sessions with their status
    #[oai(path = "/user_management/users/:id/sessions", method = "get")]
    async fn list(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<SessionList>> {
        let user = path_id::<UserId>(&id.0, "user")?;
        let sessions = service::list_user_sessions(&self.ctx, user.as_str()).await?;
        Ok(Json(SessionList {
            data: sessions.into_iter().map(|s| view(&self.ctx, s)).collect(),
        }))
    }

    /// Revoke one session; its refresh token stops working at once
    #[oai(path = "/user_management/sessions/revoke", method = "post")]
    async fn revoke(&self, _key: ApiKey, body: Json<RevokeSession>) -> ApiResult<Json<Session>> {
        let id = field_id::<SessionId>(&body.0.session_id, "session_id")?;
        let session = service::revoke_session(&self.ctx, &id, "revoked").await?;
        Ok(Json(view(&self.ctx, session)))
    }

    /// Revoke every session of a user ("sign out everywhere")
    #[oai(path = "/user_management/users/:id/sessions/revoke", method = "post")]
    async fn revoke_all(&self, _key: ApiKey, id: Path<String>) -> ApiResult<Json<Revoked>> {
        let user = path_id::<UserId>(&id.0, "user")?;
        let tx = self.ctx.db.begin().await?;
        let count =
            service::revoke_user_sessions(&tx, self.ctx.now(), user.as_str(), None, None, "signed_out_everywhere")
                .await?;
        tx.commit().await?;
        Ok(Json(Revoked { revoked: count as u64 }))
    }

    /// End a session from the browser and go back to a registered logout URI
    #[oai(path = "/user_management/sessions/logout", method = "get")]
    async fn logout(&self, session_id: Query<String>, return_to: Query<Option<String>>) -> ApiResult<LoggedOut> {
        let id = path_id::<SessionId>(&session_id.0, "session")?;
        let session = service::get_session(&self.ctx, id.as_str())
            .await
            .map_err(ApiError::from)?
            .ok_or_else(|| ApiError::not_found("session"))?;
        if let Some(target) = &return_to.0 {
            let client = crate::environment::clients::get_client(
                &self.ctx,
                &session.client_id.parse().map_err(|_| ApiError::not_found("client"))?,
            )
            .await?;
            if !crate::environment::clients::uris(&client.logout_uris).contains(target) {
                return Err(ApiError::field(
                    "return_to",
                    "unregistered_uri",
                    "return_to is not a registered logout URI",
                ));
            }
        }
        service::revoke_session(&self.ctx, &id, "logout").await?;
        Ok(match return_to.0 {
            Some(target) => LoggedOut::Redirect(target),
            None => LoggedOut::Done,
        })
    }

    /// The signed-in user, their membership and session, from an access token
    #[oai(path = "/user_management/me", method = "get")]
    async fn me(&self, req: &Request) -> ApiResult<Json<Me>> {
        let token = super::request::bearer(req).ok_or_else(|| ApiError::unauthorized("an access token is required"))?;
        let claims = keys::verify(&self.ctx, token).await.map_err(|err| {
            tracing::info!(error = %err, "access token refused");
            ApiError::unauthorized("invalid or expired access token")
        })?;
        let db = self.ctx.db.read();
        let user = users::Entity::find_by_id(claims.sub.clone())
            .one(db)
            .await?
            .ok_or_else(|| ApiError::unauthorized("unknown user"))?;
        let session = service::get_session(&self.ctx, &claims.sid)
            .await?
            .ok_or_else(|| ApiError::unauthorized("unknown session"))?;
        let membership = match &claims.org_id {
            Some(org) => memberships::Entity::find()
                .filter(memberships::Column::UserId.eq(user.id.clone()))
                .filter(memberships::Column::OrganizationId.eq(org.clone()))
                .one(db)
                .await?
                .map(|m| MembershipRef {
                    id: m.id,
                    organization_id: m.organization_id,
                    role: super::memberships::RoleRef { slug: m.role_slug },
                    status: m.status,
                }),
            None => None,
        };
        Ok(Json(Me {
            user: user.into(),
            organization_membership: membership,
            session: view(&self.ctx, session),
        }))
    }

    /// The public keys that verify access tokens (JWKS)
    #[oai(path = "/.well-known/jwks.json", method = "get")]
    async fn jwks(&self) -> ApiResult<Json<serde_json::Value>> {
        Ok(Json(keys::jwks(&self.ctx).await.map_err(|_| ApiError::internal())?))
    }

    /// The same JWKS, at WorkOS's per-client path
    #[oai(path = "/sso/jwks/:client_id", method = "get")]
    async fn client_jwks(&self, client_id: Path<String>) -> ApiResult<Json<serde_json::Value>> {
        let id = path_id::<crate::ids::ClientId>(&client_id.0, "client")?;
        crate::environment::clients::get_client(&self.ctx, &id).await?;
        Ok(Json(keys::jwks(&self.ctx).await.map_err(|_| ApiError::internal())?))
    }
}
