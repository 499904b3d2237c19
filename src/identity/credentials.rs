//! Password credentials: set (policy-checked, argon2id), import from another provider,
//! and check at sign-in, upgrading old or imported hashes to current argon2id.

use super::password::{self, ImportedHashType, PolicyViolation, Verification};
use crate::store::Db;
use crate::validation::FieldError;
use chrono::{DateTime, Utc};
use entities::{password_credentials as credentials, users};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, Set};
use secrecy::SecretString;

/// How a new user's password arrives: typed by the user, or exported from another provider.
#[derive(Clone)]
pub enum NewPassword {
    Plain(secrecy::SecretString),
    Imported { hash_type: String, hash: String },
}

impl std::fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("NewPassword(..)")
    }
}

pub const OURS: &str = "argon2id";

#[derive(Debug, thiserror::Error)]
pub enum CredentialError {
    #[error("password does not meet the policy")]
    Weak(Vec<FieldError>),
    #[error("password_hash is not a valid {0} hash")]
    BadImport(&'static str),
    #[error("password hashing failed")]
    Hashing,
    #[error(transparent)]
    Db(#[from] DbErr),
}

pub fn parse_hash_type(raw: &str) -> Option<ImportedHashType> {
    match raw {
        "bcrypt" => Some(ImportedHashType::Bcrypt),
        "argon2" => Some(ImportedHashType::Argon2),
        "pbkdf2" => Some(ImportedHashType::Pbkdf2),
        _ => None,
    }
}

fn type_name(kind: ImportedHashType) -> &'static str {
    match kind {
        ImportedHashType::Bcrypt => "bcrypt",
        ImportedHashType::Argon2 => "argon2",
        ImportedHashType::Pbkdf2 => "pbkdf2",
    }
}

/// Checks the NIST 800-63B policy; the email's local part counts as a context word.
pub fn check_policy(candidate: &SecretString, email: &str) -> Result<(), CredentialError> {
    let local = email.split('@').next().unwrap_or_default();
    password::check_password_policy(candidate, &[email, local]).map_err(|violations| {
        CredentialError::Weak(
            violations
                .iter()
                .map(|v: &PolicyViolation| FieldError::new("password", v.code(), v.to_string()))
                .collect(),
        )
    })
}

/// Runs a password-hashing job on the hashing threads (see `hashing`), off the async workers.
async fn run_hashing<T: Send + 'static>(
    job: impl FnOnce(&mut password::Argon2Memory) -> T + Send + 'static,
) -> Result<T, CredentialError> {
    super::hashing::run(job).await.ok_or(CredentialError::Hashing)
}

/// argon2id is deliberately slow: run it off the async workers.
async fn hash(candidate: &SecretString) -> Result<String, CredentialError> {
    let candidate = candidate.clone();
    run_hashing(move |memory| password::hash_password(memory, &candidate))
        .await?
        .map_err(|_| CredentialError::Hashing)
}

async fn upsert<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    hash: String,
    hash_type: &str,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    match credentials::Entity::find_by_id(user_id).one(db).await? {
        Some(existing) => {
            let mut row = existing.into_active_model();
            row.password_hash = Set(hash);
            row.hash_type = Set(hash_type.to_owned());
            row.updated_at = Set(now);
            row.update(db).await?;
        }
        None => {
            credentials::ActiveModel {
                user_id: Set(user_id.to_owned()),
                password_hash: Set(hash),
                hash_type: Set(hash_type.to_owned()),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

/// A credential ready to store: hashed (or validated, when imported) before the transaction
/// that creates the user, so the slow hash does not hold the write connection.
pub struct Prepared {
    hash: String,
    hash_type: &'static str,
}

pub async fn prepare(password: &NewPassword, email: &str) -> Result<Prepared, CredentialError> {
    match password {
        NewPassword::Plain(candidate) => {
            check_policy(candidate, email)?;
            Ok(Prepared {
                hash: hash(candidate).await?,
                hash_type: OURS,
            })
        }
        NewPassword::Imported { hash_type, hash } => {
            let kind = parse_hash_type(hash_type).ok_or(CredentialError::BadImport("bcrypt, argon2 or pbkdf2"))?;
            password::validate_imported_hash(kind, hash).map_err(|_| CredentialError::BadImport(type_name(kind)))?;
            Ok(Prepared {
                hash: hash.clone(),
                hash_type: type_name(kind),
            })
        }
    }
}

pub async fn store<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    prepared: Prepared,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    upsert(db, user_id, prepared.hash, prepared.hash_type, now).await
}

/// Sets the user's password after the policy check.
pub async fn set_password<C: ConnectionTrait>(
    db: &C,
    user_id: &str,
    email: &str,
    candidate: &SecretString,
    now: DateTime<Utc>,
) -> Result<(), CredentialError> {
    check_policy(candidate, email)?;
    let hashed = hash(candidate).await?;
    Ok(upsert(db, user_id, hashed, OURS, now).await?)
}

/// The user with `normalized_email` and their password credential, in one read.
pub async fn find_by_email<C: ConnectionTrait>(
    db: &C,
    normalized_email: &str,
) -> Result<Option<(users::Model, Option<credentials::Model>)>, DbErr> {
    users::Entity::find()
        .filter(users::Column::EmailNormalized.eq(normalized_email))
        .find_also_related(credentials::Entity)
        .one(db)
        .await
}

/// True when `candidate` matches `stored`, the user's credential. A valid password under outdated
/// parameters or an imported algorithm is re-hashed with current argon2id on the spot.
pub async fn check_password(
    db: &Db,
    stored: Option<credentials::Model>,
    candidate: &SecretString,
    now: DateTime<Utc>,
) -> Result<bool, CredentialError> {
    let Some(stored) = stored else {
        burn_equivalent_time(candidate).await;
        return Ok(false);
    };
    let user_id = stored.user_id.as_str();
    let (phc, kind, cand) = (
        stored.password_hash.clone(),
        stored.hash_type.clone(),
        candidate.clone(),
    );
    let verdict = run_hashing(move |memory| match parse_hash_type(&kind) {
        Some(imported) => password::verify_imported(memory, imported, &phc, &cand),
        None => password::verify_password(memory, &phc, &cand),
    })
    .await?;
    match verdict {
        Ok(Verification::Valid { needs_rehash }) => {
            if needs_rehash {
                let upgraded = hash(candidate).await?;
                upsert(db.write(), user_id, upgraded, OURS, now).await?;
                tracing::info!(user_id, from = %stored.hash_type, "password hash upgraded to argon2id");
            }
            Ok(true)
        }
        Ok(Verification::Invalid) => Ok(false),
        Err(err) => {
            tracing::warn!(user_id, error = %err, "stored password hash cannot be verified");
            Ok(false)
        }
    }
}

/// Spends about as long as a real verification so that "no such user" and "wrong password"
/// cannot be told apart by timing.
pub async fn burn_equivalent_time(candidate: &SecretString) {
    let _ = hash(candidate).await;
}
