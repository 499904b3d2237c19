//! Sessions: one row per sign-in with its auth facts, an opaque refresh token that rotates
//! on every use (a replayed one revokes the whole session), and short-lived access tokens.

use super::keys::{self, SigningKeyError};
use super::refresh_token;
use super::rotation::{self, Rotated, Rotation};
use super::signing_keys::AccessClaims;
use crate::context::Ctx;
use crate::events::{self, NewEvent};
use crate::ids::SessionId;
use crate::orgs::roles;
use crate::secrets;
use chrono::{DateTime, Duration, Utc};
use entities::{organization_memberships as memberships, sessions};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, Set};
use serde::{Deserialize, Serialize};
use serde_json::json;
use tracing::instrument;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuthMethod {
    pub method: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    #[error("the refresh token is not valid")]
    InvalidRefreshToken,
    #[error("the session has been revoked")]
    Revoked,
    #[error("the session has expired")]
    Expired,
    #[error("the user is not an active member of that organization")]
    NotAMember,
    #[error("session not found")]
    NotFound,
    #[error(transparent)]
    Signing(#[from] SigningKeyError),
    #[error(transparent)]
    Db(#[from] DbErr),
}

#[derive(Debug, Clone)]
pub struct NewSession {
    pub user_id: String,
    pub client_id: String,
    pub organization_id: Option<String>,
    pub methods: Vec<AuthMethod>,
    pub mfa_at: Option<DateTime<Utc>>,
    pub ip_address: Option<String>,
    pub user_agent: Option<String>,
    /// The `authentication.*_succeeded` event to record with the session, in its transaction.
    pub authentication_event: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Issued {
    pub session: sessions::Model,
    pub access_token: String,
    pub refresh_token: String,
}

/// A refresh's new pair, and the session's user as the rotation found it.
#[derive(Debug, Clone)]
pub struct Refreshed {
    pub issued: Issued,
    pub user: entities::users::Model,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Active,
    Revoked,
    Expired,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Revoked => "revoked",
            Status::Expired => "expired",
        }
    }
}

pub fn status(ctx: &Ctx, session: &sessions::Model, now: DateTime<Utc>) -> Status {
    let idle_deadline = session.last_seen_at + Duration::seconds(ctx.config.session_idle_timeout_secs);
    if session.revoked_at.is_some() {
        Status::Revoked
    } else if session.expires_at <= now || idle_deadline <= now {
        Status::Expired
    } else {
        Status::Active
    }
}

pub fn methods_of(session: &sessions::Model) -> Vec<AuthMethod> {
    serde_json::from_value(session.auth_methods.clone()).unwrap_or_default()
}

/// The role and permissions the session carries in its organization, if any.
async fn role_in<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    org: Option<&str>,
) -> Result<Option<(String, Vec<String>)>, DbErr> {
    let Some(org) = org else { return Ok(None) };
    let membership = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user_id))
        .filter(memberships::Column::OrganizationId.eq(org))
        .filter(memberships::Column::Status.eq("active"))
        .one(db)
        .await?;
    let Some(membership) = membership else { return Ok(None) };
    Ok(Some(role_of(db, &membership).await?))
}

/// The role slug of an (active) membership and the permissions that role grants.
async fn role_of<C: ConnectionTrait>(db: &C, membership: &memberships::Model) -> Result<(String, Vec<String>), DbErr> {
    let permissions = roles::resolve_role(db, &membership.organization_id, &membership.role_slug)
        .await?
        .map(|r| roles::permissions_of(&r))
        .unwrap_or_default();
    Ok((membership.role_slug.clone(), permissions))
}

async fn access_token(ctx: &Ctx, session: &sessions::Model, now: DateTime<Utc>) -> Result<String, SessionError> {
    let role = role_in(ctx.db.read(), &session.user_id, session.organization_id.as_deref()).await?;
    sign_access_token(ctx, session, role, now).await
}

async fn sign_access_token(
    ctx: &Ctx,
    session: &sessions::Model,
    role: Option<(String, Vec<String>)>,
    now: DateTime<Utc>,
) -> Result<String, SessionError> {
    let (role, permissions) = role.map(|(r, p)| (Some(r), p)).unwrap_or_default();
    let claims = AccessClaims {
        iss: ctx.config.issuer(),
        sub: session.user_id.clone(),
        sid: session.id.clone(),
        org_id: session.organization_id.clone(),
        role,
        permissions,
        exp: (now + Duration::seconds(ctx.config.access_token_ttl_secs)).timestamp(),
        iat: now.timestamp(),
        jti: crate::ids::next_ulid().to_string(),
    };
    Ok(keys::sign(ctx, &claims).await?)
}

/// Starts a session for a completed sign-in.
#[instrument(skip_all, fields(user_id = %new.user_id))]
pub async fn start_session(ctx: &Ctx, new: NewSession) -> Result<Issued, SessionError> {
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let session_id = SessionId::generate();
    let refresh_token = refresh_token::issue(&ctx.sealer, &session_id);
    let session = sessions::ActiveModel {
        id: Set(session_id.into_string()),
        user_id: Set(new.user_id.clone()),
        client_id: Set(new.client_id.clone()),
        organization_id: Set(new.organization_id),
        auth_methods: Set(json!(new.methods)),
        mfa_at: Set(new.mfa_at),
        ip_address: Set(new.ip_address),
        user_agent: Set(new.user_agent),
        created_at: Set(now),
        last_seen_at: Set(now),
        expires_at: Set(now + Duration::seconds(ctx.config.session_lifetime_secs)),
        revoked_at: Set(None),
        revoked_reason: Set(None),
        refresh_token_hash: Set(Some(secrets::hash(&refresh_token))),
    }
    .insert(&tx)
    .await?;
    entities::users::Entity::update_many()
        .col_expr(entities::users::Column::LastSignInAt, Expr::value(now))
        .filter(entities::users::Column::Id.eq(new.user_id))
        .exec(&tx)
        .await?;
    let mut created = vec![NewEvent {
        event: "session.created",
        organization_id: session.organization_id.as_deref(),
        data: session_event(&session),
    }];
    if let Some(event) = &new.authentication_event {
        let mut data = json!({"user_id": session.user_id, "session_id": session.id});
        if let Some(conn) = new.methods.iter().find_map(|m| m.method.strip_prefix("sso:")) {
            data["connection_id"] = json!(conn);
        }
        created.push(NewEvent {
            event,
            organization_id: session.organization_id.as_deref(),
            data,
        });
    }
    events::append_all(&tx, now, created).await?;
    tx.commit().await?;
    let access_token = access_token(ctx, &session, now).await?;
    tracing::info!(session_id = %session.id, "session started");
    Ok(Issued {
        session,
        access_token,
        refresh_token,
    })
}

/// A refresh whose rotation is done and whose access token is not yet signed. The caller decides
/// whether the session may carry its organization before it [`finish_refresh`]es; when it may not,
/// [`undo_refresh`] gives the presented token back, so a refused refresh spends nothing.
#[derive(Debug)]
pub struct RotatedRefresh {
    rotated: Rotated,
    pub user: entities::users::Model,
    presented_hash: String,
    next: String,
    next_hash: String,
}

impl RotatedRefresh {
    pub fn session(&self) -> &sessions::Model {
        &self.rotated.session
    }

    /// When the session was last seen before this refresh.
    pub fn seen_before(&self) -> DateTime<Utc> {
        self.rotated.before.last_seen_at
    }
}

/// Rotates the refresh token `presented`: it is spent, and presenting a spent token again means it
/// was stolen or leaked, so the whole session is revoked. `switch_to` moves the session into
/// another organization; whether the session may carry the organization it ends up in (an active
/// membership, the policy) is `policy::admission`'s answer, asked by the caller before it finishes.
///
/// Rotation is one conditional update of the session row, from the presented token's hash to the
/// new one's, which also checks that the session is alive: of two racing uses of one token only one
/// can win, and the loser is treated as the replay it is. This grant is the hottest write path, so
/// the update runs in the rotation writer's next batch (`rotation`) rather than on its own.
#[instrument(skip_all)]
pub async fn rotate_refresh(
    ctx: &Ctx,
    presented: &str,
    switch_to: Option<&str>,
) -> Result<RotatedRefresh, SessionError> {
    let now = ctx.now();
    let session_id = match refresh_token::session_of(&ctx.sealer, presented) {
        Some(id) => id,
        // A token from before the session id was part of it.
        None => session_by_token_hash(ctx, presented)
            .await?
            .and_then(|s| s.id.parse().ok())
            .ok_or(SessionError::InvalidRefreshToken)?,
    };
    let next = refresh_token::issue(&ctx.sealer, &session_id);
    let presented_hash = secrets::hash(presented);
    let next_hash = secrets::hash(&next);
    let rotated = rotation::rotate(
        &ctx.db,
        &ctx.rotations,
        Rotation {
            session_id: session_id.as_str().to_owned(),
            presented_hash: presented_hash.clone(),
            next_hash: next_hash.clone(),
            now,
            idle_since: now - Duration::seconds(ctx.config.session_idle_timeout_secs),
            organization_id: switch_to.map(ToOwned::to_owned),
        },
    )
    .await?;
    let Some(rotated) = rotated else {
        return Err(why_not_rotated(ctx, &session_id, presented, now).await?);
    };
    let user = rotated.user.clone().ok_or(SessionError::InvalidRefreshToken)?;
    Ok(RotatedRefresh {
        rotated,
        user,
        presented_hash,
        next,
        next_hash,
    })
}

/// Puts the session back as it was before `refresh` rotated it: the presented token is live again.
pub async fn undo_refresh(ctx: &Ctx, refresh: &RotatedRefresh) -> Result<(), SessionError> {
    rotation::undo(
        ctx.db.write(),
        &refresh.rotated,
        &refresh.presented_hash,
        &refresh.next_hash,
    )
    .await?;
    Ok(())
}

/// Signs the access token of a rotated refresh. `membership` is the session's active membership in
/// its organization when the caller has just read it; otherwise it is read here.
pub async fn finish_refresh(
    ctx: &Ctx,
    refresh: RotatedRefresh,
    membership: Option<&memberships::Model>,
) -> Result<Refreshed, SessionError> {
    let session = refresh.rotated.session;
    let role = match (session.organization_id.as_deref(), membership) {
        (None, _) => None,
        (Some(org), Some(membership)) if membership.organization_id == org => {
            Some(role_of(ctx.db.read(), membership).await?)
        }
        (Some(org), _) => role_in(ctx.db.read(), &session.user_id, Some(org)).await?,
    };
    let access_token = sign_access_token(ctx, &session, role, ctx.now()).await?;
    Ok(Refreshed {
        issued: Issued {
            session,
            access_token,
            refresh_token: refresh.next,
        },
        user: refresh.user,
    })
}

/// Why a token that names `session_id` did not rotate: the session is gone, ended, or the token is
/// no longer its live one, which is a replay and ends the session.
async fn why_not_rotated(
    ctx: &Ctx,
    session_id: &SessionId,
    presented: &str,
    now: DateTime<Utc>,
) -> Result<SessionError, SessionError> {
    let Some(session) = sessions::Entity::find_by_id(session_id.as_str())
        .one(ctx.db.write())
        .await?
    else {
        return Ok(SessionError::InvalidRefreshToken);
    };
    match status(ctx, &session, now) {
        Status::Revoked => Ok(SessionError::Revoked),
        _ if is_live(&session, presented) => Ok(SessionError::Expired),
        _ => {
            tracing::warn!(session_id = %session.id, "refresh token replayed; revoking the session");
            revoke_session(ctx, session_id, "refresh_token_reuse").await?;
            Ok(SessionError::Revoked)
        }
    }
}

/// Whether `presented` is the session's live refresh token; every other token of a session is spent.
pub fn is_live(session: &sessions::Model, presented: &str) -> bool {
    session
        .refresh_token_hash
        .as_deref()
        .is_some_and(|stored| secrets::hashes_match(stored, &secrets::hash(presented)))
}

async fn session_by_token_hash(ctx: &Ctx, presented: &str) -> Result<Option<sessions::Model>, DbErr> {
    sessions::Entity::find()
        .filter(sessions::Column::RefreshTokenHash.eq(secrets::hash(presented)))
        .one(ctx.db.read())
        .await
}

async fn revoke_in<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    session: &sessions::Model,
    reason: &str,
) -> Result<(), DbErr> {
    if session.revoked_at.is_some() {
        return Ok(());
    }
    sessions::Entity::update_many()
        .col_expr(sessions::Column::RevokedAt, Expr::value(now))
        .col_expr(sessions::Column::RevokedReason, Expr::value(reason))
        .filter(sessions::Column::Id.eq(session.id.clone()))
        .filter(sessions::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    let mut data = session_event(session);
    data["revoked_reason"] = json!(reason);
    events::append(db, now, "session.revoked", session.organization_id.as_deref(), data).await
}

pub async fn revoke_session(ctx: &Ctx, id: &SessionId, reason: &str) -> Result<sessions::Model, SessionError> {
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let session = sessions::Entity::find_by_id(id.as_str())
        .one(&tx)
        .await?
        .ok_or(SessionError::NotFound)?;
    revoke_in(&tx, now, &session, reason).await?;
    tx.commit().await?;
    tracing::info!(session_id = %id, reason, "session revoked");
    sessions::Entity::find_by_id(id.as_str())
        .one(ctx.db.write())
        .await?
        .ok_or(SessionError::NotFound)
}

/// Revokes the user's live sessions (optionally only those in one organization, and
/// optionally keeping one), inside the caller's transaction.
pub async fn revoke_user_sessions<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    user_id: &str,
    organization_id: Option<&str>,
    keep: Option<&str>,
    reason: &str,
) -> Result<usize, DbErr> {
    let mut select = sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(user_id))
        .filter(sessions::Column::RevokedAt.is_null());
    if let Some(org) = organization_id {
        select = select.filter(sessions::Column::OrganizationId.eq(org));
    }
    if let Some(keep) = keep {
        select = select.filter(sessions::Column::Id.ne(keep));
    }
    let live = select.all(db).await?;
    for session in &live {
        revoke_in(db, now, session, reason).await?;
    }
    Ok(live.len())
}

pub async fn list_user_sessions(ctx: &Ctx, user_id: &str) -> Result<Vec<sessions::Model>, DbErr> {
    sessions::Entity::find()
        .filter(sessions::Column::UserId.eq(user_id))
        .order_by_desc(sessions::Column::Id)
        .all(ctx.db.read())
        .await
}

pub async fn get_session(ctx: &Ctx, id: &str) -> Result<Option<sessions::Model>, DbErr> {
    sessions::Entity::find_by_id(id).one(ctx.db.read()).await
}

fn session_event(s: &sessions::Model) -> serde_json::Value {
    json!({"object": "session", "id": s.id, "user_id": s.user_id, "organization_id": s.organization_id,
           "auth_methods": s.auth_methods, "ip_address": s.ip_address})
}

/// Completes a step-up on an existing session: it records the new auth facts, moves into
/// `organization_id`, and gets a fresh token pair. Its earlier refresh tokens are spent, so the
/// client must use the new pair.
pub async fn step_up(
    ctx: &Ctx,
    session: &sessions::Model,
    methods: Vec<AuthMethod>,
    mfa_at: Option<DateTime<Utc>>,
    organization_id: &str,
) -> Result<Issued, SessionError> {
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let current = sessions::Entity::find_by_id(session.id.clone())
        .one(&tx)
        .await?
        .ok_or(SessionError::NotFound)?;
    match status(ctx, &current, now) {
        Status::Active => {}
        Status::Revoked => return Err(SessionError::Revoked),
        Status::Expired => return Err(SessionError::Expired),
    }
    if role_in(&tx, &current.user_id, Some(organization_id)).await?.is_none() {
        return Err(SessionError::NotAMember);
    }
    // The new token replaces the live one, which spends every earlier token of the session.
    let session_id: SessionId = current.id.parse().map_err(|_| SessionError::NotFound)?;
    let refresh_token = refresh_token::issue(&ctx.sealer, &session_id);
    let mut updated: sessions::ActiveModel = current.into();
    updated.auth_methods = Set(json!(methods));
    updated.mfa_at = Set(mfa_at);
    updated.organization_id = Set(Some(organization_id.to_owned()));
    updated.last_seen_at = Set(now);
    updated.refresh_token_hash = Set(Some(secrets::hash(&refresh_token)));
    let session = updated.update(&tx).await?;
    tx.commit().await?;
    let access_token = access_token(ctx, &session, now).await?;
    tracing::info!(session_id = %session.id, organization_id, "session stepped up");
    Ok(Issued {
        session,
        access_token,
        refresh_token,
    })
}
