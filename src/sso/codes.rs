//! One-time codes: what an SSO or social login hands the client through its redirect URI, spent
//! once (bound to the client and its PKCE challenge) for the profile at `/sso/token` or the
//! authenticate grants, with an access token that reads the profile again for a while.

use super::profile::Profile;
use crate::context::Ctx;
use crate::secrets;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use entities::sso_codes as codes;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PrimaryKeyTrait, QueryFilter};
use serde::Deserialize;
use sha2::{Digest, Sha256};

/// How long a code lives.
pub(super) const CODE_TTL_MINUTES: i64 = 10;
pub(super) const CODE_PREFIX: &str = "sso_code_";

#[derive(Debug, thiserror::Error)]
pub enum CodeError {
    #[error("the code is invalid, expired or already used")]
    InvalidGrant,
    #[error("code_verifier does not match the code_challenge")]
    PkceMismatch,
    #[error(transparent)]
    Db(#[from] DbErr),
}

pub(crate) fn s256(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

const ACCESS_TOKEN_PREFIX: &str = "sso_at_";
/// How long `/sso/token`'s access token can fetch the profile again at `GET /sso/profile`.
pub const ACCESS_TOKEN_TTL_SECS: i64 = 600;

/// `POST /sso/token`: spends the code and returns its profile with an access token (kept hashed) that
/// `GET /sso/profile` accepts for [`ACCESS_TOKEN_TTL_SECS`].
pub async fn exchange_code(
    ctx: &Ctx,
    client_id: &str,
    code: &str,
    code_verifier: Option<&str>,
) -> Result<(Profile, String), CodeError> {
    exchange::<codes::Entity>(ctx, client_id, code, code_verifier).await
}

/// Spends a code of table `T` and stores the hash of a new access token beside its profile.
pub(super) async fn exchange<T>(
    ctx: &Ctx,
    client_id: &str,
    code: &str,
    code_verifier: Option<&str>,
) -> Result<(T::Profile, String), CodeError>
where
    T: CodeTable,
    <T::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
{
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let profile = spend_code::<T, _>(&tx, now, client_id, code, code_verifier).await?;
    let access_token = secrets::generate(ACCESS_TOKEN_PREFIX);
    T::update_many()
        .col_expr(T::ACCESS_TOKEN_HASH, Expr::value(secrets::hash(&access_token)))
        .col_expr(
            T::ACCESS_TOKEN_EXPIRES_AT,
            Expr::value(now + Duration::seconds(ACCESS_TOKEN_TTL_SECS)),
        )
        .filter(T::ID.eq(secrets::hash(code)))
        .exec(&tx)
        .await?;
    tx.commit().await?;
    Ok((profile, access_token))
}

/// The profile an unexpired `/sso/token` access token was issued with.
pub async fn profile_for_access_token(ctx: &Ctx, access_token: &str) -> Result<Option<Profile>, DbErr> {
    profile_of_access_token::<codes::Entity>(ctx, access_token).await
}

pub(super) async fn profile_of_access_token<T>(ctx: &Ctx, access_token: &str) -> Result<Option<T::Profile>, DbErr>
where
    T: CodeTable,
    <T::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
{
    if !access_token.starts_with(ACCESS_TOKEN_PREFIX) {
        return Ok(None);
    }
    let row = T::find()
        .filter(T::ACCESS_TOKEN_HASH.eq(secrets::hash(access_token)))
        .filter(T::ACCESS_TOKEN_EXPIRES_AT.gt(ctx.now()))
        .one(ctx.db.read())
        .await?;
    row.map(|r| parse_profile::<T>(T::issued(&r).profile)).transpose()
}

fn parse_profile<T: CodeTable>(stored: &serde_json::Value) -> Result<T::Profile, DbErr>
where
    <T::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
{
    T::Profile::deserialize(stored).map_err(|e| DbErr::Json(e.to_string()))
}

/// PKCE (RFC 7636, S256 only): a code issued for a `code_challenge` needs the verifier that hashes to it.
pub(super) fn pkce_satisfied(challenge: Option<&str>, verifier: Option<&str>) -> bool {
    match challenge {
        None => true,
        Some(challenge) => verifier.is_some_and(|v| secrets::hashes_match(&s256(v), challenge)),
    }
}

/// Spends a one-time code issued to `client_id` and returns its profile.
pub async fn redeem_code<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    client_id: &str,
    code: &str,
    code_verifier: Option<&str>,
) -> Result<Profile, CodeError> {
    spend_code::<codes::Entity, _>(db, now, client_id, code, code_verifier).await
}

/// A table of one-time codes (SSO's, social sign-in's): keyed by the code's hash, bound to a client and
/// optionally a PKCE challenge, spent by setting `used_at`.
pub(super) trait CodeTable: EntityTrait
where
    <Self::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
{
    /// What a code of this table was issued with, as `/sso/token` answers it.
    type Profile: serde::de::DeserializeOwned;
    const ID: Self::Column;
    const USED_AT: Self::Column;
    const ACCESS_TOKEN_HASH: Self::Column;
    const ACCESS_TOKEN_EXPIRES_AT: Self::Column;
    fn issued(row: &Self::Model) -> IssuedCode<'_>;
}

pub(super) struct IssuedCode<'a> {
    pub client_id: &'a str,
    pub code_challenge: Option<&'a str>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
    pub profile: &'a serde_json::Value,
}

/// Implements [`CodeTable`] for a code entity module whose columns have the shared names.
macro_rules! code_table {
    ($codes:ident, $profile:ty) => {
        impl $crate::sso::codes::CodeTable for $codes::Entity {
            type Profile = $profile;
            const ID: $codes::Column = $codes::Column::Id;
            const USED_AT: $codes::Column = $codes::Column::UsedAt;
            const ACCESS_TOKEN_HASH: $codes::Column = $codes::Column::AccessTokenHash;
            const ACCESS_TOKEN_EXPIRES_AT: $codes::Column = $codes::Column::AccessTokenExpiresAt;
            fn issued(row: &$codes::Model) -> $crate::sso::codes::IssuedCode<'_> {
                $crate::sso::codes::IssuedCode {
                    client_id: &row.client_id,
                    code_challenge: row.code_challenge.as_deref(),
                    expires_at: row.expires_at,
                    used_at: row.used_at,
                    profile: &row.profile,
                }
            }
        }
    };
}
pub(super) use code_table;

code_table!(codes, Profile);

/// Spends a code of table `T` issued to `client_id` (unexpired, unused, PKCE satisfied) and returns the
/// profile stored with it.
pub(super) async fn spend_code<T, C>(
    db: &C,
    now: DateTime<Utc>,
    client_id: &str,
    code: &str,
    code_verifier: Option<&str>,
) -> Result<T::Profile, CodeError>
where
    T: CodeTable,
    <T::PrimaryKey as PrimaryKeyTrait>::ValueType: From<String>,
    C: ConnectionTrait,
{
    let id = secrets::hash(code);
    let row = T::find_by_id(id.clone())
        .one(db)
        .await?
        .ok_or(CodeError::InvalidGrant)?;
    let issued = T::issued(&row);
    if issued.client_id != client_id || issued.used_at.is_some() || issued.expires_at <= now {
        return Err(CodeError::InvalidGrant);
    }
    if !pkce_satisfied(issued.code_challenge, code_verifier) {
        return Err(CodeError::PkceMismatch);
    }
    // The conditional update is what makes the code single-use under concurrency.
    let spent = T::update_many()
        .col_expr(T::USED_AT, Expr::value(now))
        .filter(T::ID.eq(id))
        .filter(T::USED_AT.is_null())
        .exec(db)
        .await?;
    if spent.rows_affected != 1 {
        return Err(CodeError::InvalidGrant);
    }
    Ok(parse_profile::<T>(issued.profile)?)
}

#[cfg(test)]
mod tests {
    use super::pkce_satisfied;

    #[test]
    fn pkce_s256_table() {
        let verifier = "a-verifier-of-43-characters-or-more-0123456789";
        let challenge = "gwx_1ff33sP-Na7uzErlwZMg02IfMm0pwvZjX6iq0Jg";
        let cases = [
            (None, None, true),
            (None, Some("anything"), true),
            (Some(challenge), Some(verifier), true),
            (Some(challenge), None, false),
            (Some(challenge), Some(""), false),
            (
                Some(challenge),
                Some("a-verifier-of-43-characters-or-more-012345678"),
                false,
            ),
            // `plain` is not supported: the challenge itself is no verifier.
            (Some(challenge), Some(challenge), false),
            (Some(verifier), Some(verifier), false),
        ];
        for (challenge, verifier, want) in cases {
            assert_eq!(pkce_satisfied(challenge, verifier), want, "{challenge:?} {verifier:?}");
        }
    }
}
