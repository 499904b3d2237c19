//! Portal links: `POST /portal/generate_link` makes one for an organization and an intent; the
//! IT admin opens it once, within `LINK_TTL_MINUTES`. Only the token's SHA-256 is stored.

use crate::context::Ctx;
use crate::ids::{OrganizationId, PortalLinkId};
use crate::secrets;
use crate::validation::{is_web_url, FieldError, Problems};
use chrono::Duration;
use entities::{organizations, portal_links as links};
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, DbErr, EntityTrait, QueryFilter, Set};
use serde::{Deserialize, Serialize};
use tracing::instrument;

pub const TOKEN_PREFIX: &str = "gh_portal_";
/// WorkOS's portal links also live five minutes: long enough to paste into a chat, short
/// enough that a leaked link is most likely dead.
pub const LINK_TTL_MINUTES: i64 = 5;
const MAX_URL_LEN: usize = 2048;

/// What the IT admin may set up with the link; a portal session does nothing else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Intent {
    Sso,
    Dsync,
    DomainVerification,
}

impl Intent {
    pub const ALL: [Intent; 3] = [Intent::Sso, Intent::Dsync, Intent::DomainVerification];

    pub fn as_str(self) -> &'static str {
        match self {
            Intent::Sso => "sso",
            Intent::Dsync => "dsync",
            Intent::DomainVerification => "domain_verification",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.as_str() == raw)
    }

    /// The first page of the intent's wizard.
    pub fn start_page(self) -> &'static str {
        match self {
            Intent::Sso => "/admin-portal/sso",
            Intent::Dsync => "/admin-portal/dsync",
            Intent::DomainVerification => "/admin-portal/domains",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("organization not found")]
    OrganizationNotFound,
    #[error("invalid portal link request")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Why a link does not open. The page says which, so the admin knows to ask for a new one.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("the link is not valid")]
    Unknown,
    #[error("the link has expired")]
    Expired,
    #[error("the link was already used")]
    Used,
    #[error(transparent)]
    Db(#[from] DbErr),
}

pub struct NewLink {
    pub organization_id: OrganizationId,
    pub intent: Intent,
    pub return_url: Option<String>,
    pub success_url: Option<String>,
}

fn check_url(problems: &mut Problems, field: &str, url: Option<&str>) {
    if let Some(url) = url {
        if url.len() > MAX_URL_LEN || !is_web_url(url) {
            problems.add(field, "invalid_url", "must be an absolute http(s) URL");
        }
    }
}

/// Stores a new link and returns its URL, the only place the token appears.
#[instrument(skip_all, fields(org_id = %new.organization_id, intent = new.intent.as_str()))]
pub async fn generate_link(ctx: &Ctx, new: NewLink) -> Result<String, LinkError> {
    let mut problems = Problems::default();
    check_url(&mut problems, "return_url", new.return_url.as_deref());
    check_url(&mut problems, "success_url", new.success_url.as_deref());
    problems.into_result().map_err(LinkError::Invalid)?;
    if organizations::Entity::find_by_id(new.organization_id.as_str())
        .one(ctx.db.read())
        .await?
        .is_none()
    {
        return Err(LinkError::OrganizationNotFound);
    }
    let token = secrets::generate(TOKEN_PREFIX);
    let now = ctx.now();
    let link = links::ActiveModel {
        id: Set(PortalLinkId::generate().into_string()),
        organization_id: Set(new.organization_id.into_string()),
        intent: Set(new.intent.as_str().to_owned()),
        token_hash: Set(secrets::hash(&token)),
        return_url: Set(new.return_url),
        success_url: Set(new.success_url),
        expires_at: Set(now + Duration::minutes(LINK_TTL_MINUTES)),
        opened_at: Set(None),
        created_at: Set(now),
    }
    .insert(ctx.db.write())
    .await?;
    tracing::info!(portal_link_id = %link.id, "portal link created");
    Ok(format!("{}/admin-portal/launch?token={token}", ctx.config.issuer()))
}

/// The link a token names, checked but not spent (the page before "Open").
pub async fn find_link(ctx: &Ctx, token: &str) -> Result<links::Model, OpenError> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 128 {
        return Err(OpenError::Unknown);
    }
    let hash = secrets::hash(token);
    let link = links::Entity::find()
        .filter(links::Column::TokenHash.eq(hash.clone()))
        .one(ctx.db.read())
        .await?
        .filter(|l| secrets::hashes_match(&l.token_hash, &hash))
        .ok_or(OpenError::Unknown)?;
    if link.opened_at.is_some() {
        return Err(OpenError::Used);
    }
    if link.expires_at <= ctx.now() {
        return Err(OpenError::Expired);
    }
    Ok(link)
}

/// Spends the link: of two browsers opening it at once, one gets it.
#[instrument(skip_all)]
pub async fn open_link(ctx: &Ctx, token: &str) -> Result<links::Model, OpenError> {
    let link = find_link(ctx, token).await?;
    let now = ctx.now();
    let spent = links::Entity::update_many()
        .col_expr(links::Column::OpenedAt, Expr::value(now))
        .filter(links::Column::Id.eq(link.id.clone()))
        .filter(links::Column::OpenedAt.is_null())
        .filter(links::Column::ExpiresAt.gt(now))
        .exec(ctx.db.write())
        .await?;
    if spent.rows_affected != 1 {
        return Err(OpenError::Used);
    }
    tracing::info!(portal_link_id = %link.id, org_id = %link.organization_id, "portal link opened");
    Ok(link)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn intents_round_trip_and_unknown_ones_are_refused() {
        for intent in Intent::ALL {
            assert_eq!(Intent::parse(intent.as_str()), Some(intent));
        }
        for raw in ["", "SSO", "audit_logs", "sso "] {
            assert_eq!(Intent::parse(raw), None, "{raw}");
        }
    }
}
