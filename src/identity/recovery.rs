//! MFA recovery codes: a fresh set replaces the old one at each TOTP enrollment; each code
//! signs in once in place of a TOTP code.

use super::totp;
use crate::secrets;
use chrono::{DateTime, Utc};
use entities::mfa_recovery_codes as codes;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set};

pub const CODES_PER_SET: usize = 10;

/// Codes carry 50 bits; salting the hash with the user id stops one precomputed table from
/// cracking every user's codes at once.
fn stored_hash(user_id: &str, code: &str) -> String {
    secrets::hash(&format!("{user_id}:{}", totp::hash_recovery_code(code)))
}

/// Replaces the user's recovery codes; returns the plaintexts, to be shown once.
pub async fn issue_recovery_codes<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    now: DateTime<Utc>,
) -> Result<Vec<String>, DbErr> {
    codes::Entity::delete_many()
        .filter(codes::Column::UserId.eq(user_id))
        .exec(db)
        .await?;
    let plaintexts = totp::generate_recovery_codes(CODES_PER_SET);
    for code in &plaintexts {
        codes::ActiveModel {
            id: Set(format!("recovery_code_{}", crate::ids::next_ulid())),
            user_id: Set(user_id.to_owned()),
            code_hash: Set(stored_hash(user_id, code)),
            used_at: Set(None),
            created_at: Set(now),
        }
        .insert(db)
        .await?;
    }
    Ok(plaintexts)
}

/// Spends one unused recovery code of the user; false when none matches.
pub async fn redeem_recovery_code<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    code: &str,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let spent = codes::Entity::update_many()
        .col_expr(codes::Column::UsedAt, Expr::value(now))
        .filter(codes::Column::UserId.eq(user_id))
        .filter(codes::Column::CodeHash.eq(stored_hash(user_id, code)))
        .filter(codes::Column::UsedAt.is_null())
        .exec(db)
        .await?;
    Ok(spent.rows_affected == 1)
}
