//! Invitation tokens: long random secrets, stored only as SHA-256 hashes. An invitation has
//! the token of its email and one per reminder; resending, revoking or accepting deletes them
//! all, so every link works at most once and a resent invitation's old link stops working.

use crate::secrets;
use chrono::{DateTime, Utc};
use entities::{invitation_tokens as tokens, invitations};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

pub const TOKEN_PREFIX: &str = "gh_inv_";

/// Creates a token for the invitation and returns its plaintext, which only the email carries.
pub async fn issue<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    invitation_id: &str,
    purpose: &str,
) -> Result<String, DbErr> {
    let token = secrets::generate(TOKEN_PREFIX);
    tokens::ActiveModel {
        token_hash: Set(secrets::hash(&token)),
        invitation_id: Set(invitation_id.to_owned()),
        purpose: Set(purpose.to_owned()),
        created_at: Set(now),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The invitation a live token belongs to; `None` for unknown, malformed or spent tokens.
pub async fn find<C: ConnectionTrait>(db: &C, presented: &str) -> Result<Option<invitations::Model>, DbErr> {
    if !presented.starts_with(TOKEN_PREFIX) || presented.len() > 128 {
        return Ok(None);
    }
    let hash = secrets::hash(presented);
    let Some(row) = tokens::Entity::find_by_id(hash.clone()).one(db).await? else {
        return Ok(None);
    };
    if !secrets::hashes_match(&row.token_hash, &hash) {
        return Ok(None);
    }
    invitations::Entity::find_by_id(row.invitation_id).one(db).await
}

/// Deletes every token of the invitation.
pub async fn revoke_all<C: ConnectionTrait>(db: &C, invitation_id: &str) -> Result<(), DbErr> {
    tokens::Entity::delete_many()
        .filter(tokens::Column::InvitationId.eq(invitation_id))
        .exec(db)
        .await?;
    Ok(())
}
