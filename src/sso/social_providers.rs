//! The environment's social sign-in registrations (`/sso/social_providers/{provider}`): this server's OAuth
//! client at Google, Microsoft or GitHub, one row per provider, its secret sealed with the row id as associated
//! data. A provider without a row falls back to the configuration file's `[social.<provider>]` block, so
//! deployments configured that way keep working; a row, enabled or not, overrides the file.

pub use super::registration::Stored;
use crate::config::SocialProviderConfig;
use crate::context::Ctx;
use crate::events;
use crate::ids::SocialProviderId;
use crate::oidc::social::{SocialConfig, SocialProvider};
use crate::store::is_unique_violation;
use crate::validation::{is_web_url, FieldError, Problems};
use entities::social_providers as rows;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};
use secrecy::{ExposeSecret, SecretString};
use serde_json::json;
use tracing::instrument;

const MAX_CLIENT_ID: usize = 256;
const MAX_SECRET: usize = 1024;
const MAX_TENANT: usize = 64;

#[derive(Debug, thiserror::Error)]
pub enum SocialProviderError {
    #[error("social provider not found")]
    NotFound,
    #[error("invalid social provider")]
    Invalid(Vec<FieldError>),
    #[error("the provider was registered concurrently; retry")]
    Conflict,
    #[error("the client secret cannot be sealed or unsealed")]
    Seal,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// `PUT /sso/social_providers/{provider}`. `client_secret` may be left out only when replacing a
/// registration, which then keeps its sealed secret.
#[derive(Debug, Clone)]
pub struct ProviderInput {
    pub client_id: String,
    pub client_secret: Option<SecretString>,
    pub base_url: Option<String>,
    pub tenant: Option<String>,
    pub enabled: bool,
}

fn sealing_context(id: &str) -> Vec<u8> {
    format!("social_provider:{id}").into_bytes()
}

/// A Microsoft tenant goes into the authority URL's path: a tenant id (GUID), a domain, or one of the
/// `common`, `organizations`, `consumers` aliases.
fn is_tenant(raw: &str) -> bool {
    !raw.is_empty()
        && raw.len() <= MAX_TENANT
        && raw.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        && !raw.starts_with('.')
}

fn validate(provider: SocialProvider, input: &ProviderInput, replacing: bool) -> Result<(), SocialProviderError> {
    let mut problems = Problems::default();
    problems.text("client_id", &input.client_id, MAX_CLIENT_ID);
    match &input.client_secret {
        Some(secret) => problems.text("client_secret", secret.expose_secret(), MAX_SECRET),
        None if !replacing => problems.add("client_secret", "required", "required when registering a provider"),
        None => {}
    }
    if let Some(url) = &input.base_url {
        if !is_web_url(url) || url::Url::parse(url).is_ok_and(|u| u.query().is_some() || u.fragment().is_some()) {
            problems.add(
                "base_url",
                "invalid_url",
                "must be an absolute http(s) URL without query or fragment",
            );
        }
    }
    if let Some(tenant) = &input.tenant {
        if provider != SocialProvider::Microsoft {
            problems.add("tenant", "not_applicable", "only Microsoft has tenants");
        } else if !is_tenant(tenant) {
            problems.add(
                "tenant",
                "invalid_tenant",
                "must be common, organizations, consumers, a tenant id or a domain",
            );
        }
    }
    problems.into_result().map_err(SocialProviderError::Invalid)
}

/// What an event says about a registration: never the secret.
fn event_data(row: &rows::Model) -> serde_json::Value {
    json!({
        "id": row.id,
        "provider": row.provider,
        "client_id": row.client_id,
        "base_url": row.base_url,
        "tenant": row.tenant,
        "enabled": row.enabled,
    })
}

async fn find<C: ConnectionTrait>(db: &C, provider: SocialProvider) -> Result<Option<rows::Model>, DbErr> {
    rows::Entity::find()
        .filter(rows::Column::Provider.eq(provider.as_str()))
        .one(db)
        .await
}

/// Creates or replaces the registration; `true` when it was created.
#[instrument(skip_all, fields(provider = provider.as_str()))]
pub async fn put(
    ctx: &Ctx,
    provider: SocialProvider,
    input: ProviderInput,
) -> Result<(rows::Model, bool), SocialProviderError> {
    let existing = find(ctx.db.write(), provider).await?;
    validate(provider, &input, existing.is_some())?;
    let now = ctx.now();
    let client_id = input.client_id.trim().to_owned();
    let tx = ctx.db.begin().await?;
    let (row, created) = match existing {
        Some(row) => {
            let id = row.id.clone();
            let mut active = row.into_active_model();
            if let Some(secret) = &input.client_secret {
                active.client_secret_sealed = Set(seal(ctx, &id, secret)?);
            }
            active.client_id = Set(client_id);
            active.base_url = Set(input.base_url);
            active.tenant = Set(input.tenant);
            active.enabled = Set(input.enabled);
            active.updated_at = Set(now);
            (active.update(&tx).await?, false)
        }
        None => {
            let id = SocialProviderId::generate().into_string();
            let secret = input.client_secret.as_ref().ok_or(SocialProviderError::Seal)?;
            let inserted = rows::ActiveModel {
                client_secret_sealed: Set(seal(ctx, &id, secret)?),
                id: Set(id),
                provider: Set(provider.as_str().to_owned()),
                client_id: Set(client_id),
                base_url: Set(input.base_url),
                tenant: Set(input.tenant),
                enabled: Set(input.enabled),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(&tx)
            .await;
            match inserted {
                Ok(row) => (row, true),
                // A concurrent PUT registered it first.
                Err(err) if is_unique_violation(&err) => return Err(SocialProviderError::Conflict),
                Err(err) => return Err(err.into()),
            }
        }
    };
    let event = if created {
        "social_provider.created"
    } else {
        "social_provider.updated"
    };
    events::append(&tx, now, event, None, event_data(&row)).await?;
    tx.commit().await?;
    ctx.caches.social_providers.remove(&provider);
    tracing::info!(
        provider = provider.as_str(),
        created,
        enabled = row.enabled,
        "social provider registered"
    );
    Ok((row, created))
}

fn seal(ctx: &Ctx, id: &str, secret: &SecretString) -> Result<String, SocialProviderError> {
    ctx.sealer
        .seal(secret.expose_secret().as_bytes(), &sealing_context(id))
        .map_err(|_| SocialProviderError::Seal)
}

/// The row's client secret, unsealed.
pub fn client_secret(ctx: &Ctx, row: &rows::Model) -> Result<SecretString, SocialProviderError> {
    let plain = ctx
        .sealer
        .open(&row.client_secret_sealed, &sealing_context(&row.id))
        .map_err(|_| SocialProviderError::Seal)?;
    String::from_utf8(plain)
        .map(SecretString::from)
        .map_err(|_| SocialProviderError::Seal)
}

pub async fn list(ctx: &Ctx) -> Result<Vec<rows::Model>, DbErr> {
    rows::Entity::find()
        .order_by_asc(rows::Column::Provider)
        .all(ctx.db.read())
        .await
}

pub async fn get(ctx: &Ctx, provider: SocialProvider) -> Result<rows::Model, SocialProviderError> {
    find(ctx.db.read(), provider)
        .await?
        .ok_or(SocialProviderError::NotFound)
}

/// Removes the registration; the provider falls back to the configuration file, if it names one.
#[instrument(skip_all, fields(provider = provider.as_str()))]
pub async fn delete(ctx: &Ctx, provider: SocialProvider) -> Result<(), SocialProviderError> {
    let tx = ctx.db.begin().await?;
    let row = find(&tx, provider).await?.ok_or(SocialProviderError::NotFound)?;
    let gone = rows::Entity::delete_by_id(row.id.clone()).exec(&tx).await?;
    if gone.rows_affected == 0 {
        return Err(SocialProviderError::NotFound);
    }
    events::append(&tx, ctx.now(), "social_provider.deleted", None, event_data(&row)).await?;
    tx.commit().await?;
    ctx.caches.social_providers.remove(&provider);
    tracing::info!(provider = provider.as_str(), "social provider registration deleted");
    Ok(())
}

/// How `/sso/authorize` and the callback find a provider: the environment's row (cached briefly), else the
/// configuration file. `None`: not configured, or its row is disabled.
pub async fn configured(ctx: &Ctx, provider: SocialProvider) -> Result<Option<SocialConfig>, DbErr> {
    let cache = &ctx.caches.social_providers;
    let stored = match cache.get(&provider) {
        Some(stored) => stored,
        None => {
            let ticket = cache.ticket();
            let row = find(ctx.db.read(), provider).await?;
            let stored = match row {
                None => Stored::Absent,
                Some(row) if !row.enabled => Stored::Disabled,
                Some(row) => match client_secret(ctx, &row) {
                    Ok(secret) => Stored::Enabled(SocialConfig {
                        provider,
                        client_id: row.client_id,
                        client_secret: secret,
                        base_url: row.base_url,
                        tenant: row.tenant,
                    }),
                    Err(_) => {
                        tracing::error!(
                            provider = provider.as_str(),
                            "the provider's client secret cannot be unsealed"
                        );
                        Stored::Disabled
                    }
                },
            };
            cache.insert(ticket, provider, stored.clone());
            stored
        }
    };
    Ok(match stored {
        Stored::Enabled(config) => Some(config),
        Stored::Disabled => None,
        Stored::Absent => from_file(ctx, provider),
    })
}

fn from_file(ctx: &Ctx, provider: SocialProvider) -> Option<SocialConfig> {
    let social = &ctx.config.social;
    let c: &SocialProviderConfig = match provider {
        SocialProvider::Google => social.google.as_ref(),
        SocialProvider::Microsoft => social.microsoft.as_ref(),
        SocialProvider::GitHub => social.github.as_ref(),
    }?;
    Some(SocialConfig {
        provider,
        client_id: c.client_id.clone(),
        client_secret: c.client_secret.clone(),
        base_url: c.base_url.clone(),
        tenant: c.tenant.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(secret: Option<&str>, base_url: Option<&str>, tenant: Option<&str>) -> ProviderInput {
        ProviderInput {
            client_id: "client".into(),
            client_secret: secret.map(|s| SecretString::from(s.to_owned())),
            base_url: base_url.map(str::to_owned),
            tenant: tenant.map(str::to_owned),
            enabled: true,
        }
    }

    #[test]
    fn validation_table() {
        use SocialProvider::{GitHub, Google, Microsoft};
        let cases: [(SocialProvider, ProviderInput, bool, Option<&str>); 11] = [
            (Google, input(Some("s"), None, None), false, None),
            (Google, input(None, None, None), false, Some("client_secret")),
            (Google, input(None, None, None), true, None),
            (Google, input(Some("  "), None, None), true, Some("client_secret")),
            (
                Google,
                input(Some("s"), Some("http://127.0.0.1:4000/op"), None),
                false,
                None,
            ),
            (
                Google,
                input(Some("s"), Some("ftp://example.com"), None),
                false,
                Some("base_url"),
            ),
            (
                Google,
                input(Some("s"), Some("https://x.test/?a=b"), None),
                false,
                Some("base_url"),
            ),
            (GitHub, input(Some("s"), None, Some("common")), false, Some("tenant")),
            (Microsoft, input(Some("s"), None, Some("organizations")), false, None),
            (
                Microsoft,
                input(Some("s"), None, Some("9188040d-6c67-4c5b-b112-36a304b66dad")),
                false,
                None,
            ),
            (
                Microsoft,
                input(Some("s"), None, Some("common/../x")),
                false,
                Some("tenant"),
            ),
        ];
        for (provider, input, replacing, bad_field) in cases {
            let got = match validate(provider, &input, replacing) {
                Ok(()) => None,
                Err(SocialProviderError::Invalid(errors)) => Some(errors[0].field.clone()),
                Err(other) => panic!("{other}"),
            };
            assert_eq!(got.as_deref(), bad_field, "{provider:?} {input:?} {replacing}");
        }
    }
}
