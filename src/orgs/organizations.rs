//! Organizations: create, read, update, delete, list, with their domains.

pub use super::organization::Organization;
use crate::context::Ctx;
use crate::domains::blocklist;
use crate::events;
use crate::ids::OrganizationId;
use crate::store::is_unique_violation;
use crate::store::pagination::{fetch_page, Page, PageRequest};
use crate::validation::{parse_domain, FieldError, Problems};
use entities::{organization_domains as domains, organizations};
use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
    TransactionTrait,
};
use serde_json::json;
use std::collections::BTreeMap;
use tracing::instrument;

#[derive(Debug, thiserror::Error)]
pub enum OrgError {
    #[error("organization not found")]
    NotFound,
    #[error("external_id is already used by another organization")]
    ExternalIdTaken,
    #[error("domain {0} is already verified by another organization")]
    DomainTaken(String),
    #[error("invalid organization")]
    Invalid(Vec<FieldError>),
    #[error(transparent)]
    Db(#[from] DbErr),
}

#[derive(Debug, Clone)]
pub struct DomainData {
    pub domain: String,
    pub verified: bool,
}

#[derive(Debug, Clone, Default)]
pub struct NewOrganization {
    pub name: String,
    pub external_id: Option<String>,
    pub metadata: BTreeMap<String, String>,
    pub domains: Vec<DomainData>,
}

#[derive(Debug, Clone, Default)]
pub struct OrganizationChanges {
    pub name: Option<String>,
    pub external_id: Option<Option<String>>,
    pub metadata: Option<BTreeMap<String, String>>,
    pub domains: Option<Vec<DomainData>>,
}

#[derive(Debug, Clone, Default)]
pub struct OrganizationFilter {
    pub domains: Vec<String>,
    pub search: Option<String>,
}

fn validate(
    name: Option<&str>,
    external_id: Option<&str>,
    metadata: Option<&BTreeMap<String, String>>,
    domain_data: Option<&[DomainData]>,
) -> Result<Vec<DomainData>, OrgError> {
    let mut problems = Problems::default();
    if let Some(name) = name {
        problems.text("name", name, 256);
    }
    problems.optional_text("external_id", external_id, 128);
    if let Some(metadata) = metadata {
        problems.metadata("metadata", metadata);
    }
    let mut parsed = Vec::new();
    for (i, d) in domain_data.unwrap_or_default().iter().enumerate() {
        match parse_domain(&d.domain).map(|domain| (blocklist::check(&domain), domain)) {
            Some((Err(refusal), _)) => {
                problems.add(&format!("domain_data[{i}].domain"), refusal.code(), refusal.message())
            }
            Some((Ok(()), domain)) if !parsed.iter().any(|p: &DomainData| p.domain == domain) => {
                parsed.push(DomainData {
                    domain,
                    verified: d.verified,
                })
            }
            Some(_) => problems.add(&format!("domain_data[{i}].domain"), "duplicate", "domain listed twice"),
            None => problems.add(
                &format!("domain_data[{i}].domain"),
                "invalid_domain",
                "not a valid domain name",
            ),
        }
    }
    problems.into_result().map_err(OrgError::Invalid)?;
    Ok(parsed)
}

fn map_unique(err: DbErr) -> OrgError {
    if is_unique_violation(&err) {
        OrgError::ExternalIdTaken
    } else {
        OrgError::Db(err)
    }
}

#[instrument(skip_all)]
pub async fn create_organization(ctx: &Ctx, new: NewOrganization) -> Result<Organization, OrgError> {
    let domain_data = validate(
        Some(&new.name),
        new.external_id.as_deref(),
        Some(&new.metadata),
        Some(&new.domains),
    )?;
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let org = organizations::ActiveModel {
        id: Set(OrganizationId::generate().into_string()),
        name: Set(new.name.trim().to_owned()),
        external_id: Set(new.external_id),
        metadata: Set(json!(new.metadata)),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&tx)
    .await
    .map_err(map_unique)?;
    let domains = replace_domains(&tx, &org.id, &domain_data, now).await?;
    let created = Organization { org, domains };
    events::append(
        &tx,
        now,
        "organization.created",
        Some(&created.org.id),
        organization_event(&created),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(org_id = %created.org.id, "organization created");
    Ok(created)
}

/// The organization with its domains; served from `ctx.caches.organizations` for up to its TTL.
pub async fn get_organization(ctx: &Ctx, id: &OrganizationId) -> Result<Organization, OrgError> {
    let cache = &ctx.caches.organizations;
    if let Some(hit) = cache.get(&id.as_str().to_owned()) {
        return Ok(Organization::clone(&hit));
    }
    let ticket = cache.ticket();
    let org = organizations::Entity::find_by_id(id.as_str())
        .one(ctx.db.read())
        .await?
        .ok_or(OrgError::NotFound)?;
    let domains = domains_of(ctx.db.read(), &org.id).await?;
    let found = Organization { org, domains };
    cache.insert(ticket, found.org.id.clone(), std::sync::Arc::new(found.clone()));
    Ok(found)
}

#[instrument(skip_all, fields(org_id = %id))]
pub async fn update_organization(
    ctx: &Ctx,
    id: &OrganizationId,
    changes: OrganizationChanges,
) -> Result<Organization, OrgError> {
    let domain_data = validate(
        changes.name.as_deref(),
        changes.external_id.as_ref().and_then(|e| e.as_deref()),
        changes.metadata.as_ref(),
        changes.domains.as_deref(),
    )?;
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let existing = organizations::Entity::find_by_id(id.as_str())
        .one(&tx)
        .await?
        .ok_or(OrgError::NotFound)?;
    let mut org = existing.into_active_model();
    if let Some(name) = changes.name {
        org.name = Set(name.trim().to_owned());
    }
    if let Some(external_id) = changes.external_id {
        org.external_id = Set(external_id);
    }
    if let Some(metadata) = changes.metadata {
        org.metadata = Set(json!(metadata));
    }
    org.updated_at = Set(now);
    let org = org.update(&tx).await.map_err(map_unique)?;
    let domains = match changes.domains {
        Some(_) => replace_domains(&tx, &org.id, &domain_data, now).await?,
        None => domains_of(&tx, &org.id).await?,
    };
    let updated = Organization { org, domains };
    events::append(
        &tx,
        now,
        "organization.updated",
        Some(&updated.org.id),
        organization_event(&updated),
    )
    .await?;
    tx.commit().await?;
    ctx.caches.organizations.remove(&updated.org.id);
    Ok(updated)
}

#[instrument(skip_all, fields(org_id = %id))]
pub async fn delete_organization(ctx: &Ctx, id: &OrganizationId) -> Result<(), OrgError> {
    let now = ctx.now();
    let tx = ctx.db.begin().await?;
    let org = organizations::Entity::find_by_id(id.as_str())
        .one(&tx)
        .await?
        .ok_or(OrgError::NotFound)?;
    let domains = domains_of(&tx, &org.id).await?;
    let deleted = Organization { org, domains };
    // Memberships, domains and org-scoped rows go with it through ON DELETE CASCADE.
    organizations::Entity::delete_by_id(id.as_str()).exec(&tx).await?;
    events::append(
        &tx,
        now,
        "organization.deleted",
        Some(id.as_str()),
        organization_event(&deleted),
    )
    .await?;
    tx.commit().await?;
    ctx.caches.organizations.remove(&deleted.org.id);
    // Its directories went with it (ON DELETE CASCADE); their tokens must stop working here now.
    ctx.caches.scim_directories.clear();
    Ok(())
}

pub async fn list_organizations(
    ctx: &Ctx,
    filter: &OrganizationFilter,
    page: &PageRequest,
) -> Result<Page<Organization>, OrgError> {
    let mut select = organizations::Entity::find();
    if !filter.domains.is_empty() {
        let wanted: Vec<String> = filter.domains.iter().map(|d| d.trim().to_lowercase()).collect();
        select = select.filter(
            organizations::Column::Id.in_subquery(
                Query::select()
                    .column(domains::Column::OrganizationId)
                    .from(domains::Entity)
                    .and_where(Expr::col(domains::Column::Domain).is_in(wanted))
                    .take(),
            ),
        );
    }
    if let Some(search) = filter.search.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        let pattern = format!(
            "%{}%",
            search
                .to_lowercase()
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        select = select.filter(
            Expr::expr(Func::lower(Expr::col(organizations::Column::Name))).like(LikeExpr::new(pattern).escape('\\')),
        );
    }
    let page = fetch_page(ctx.db.read(), select, organizations::Column::Id, |o| o.id.clone(), page).await?;
    let ids: Vec<String> = page.data.iter().map(|o| o.id.clone()).collect();
    let mut all_domains = domains::Entity::find()
        .filter(domains::Column::OrganizationId.is_in(ids))
        .order_by_asc(domains::Column::Id)
        .all(ctx.db.read())
        .await?;
    Ok(page.map(|org| {
        let (mine, rest): (Vec<_>, Vec<_>) = std::mem::take(&mut all_domains)
            .into_iter()
            .partition(|d| d.organization_id == org.id);
        all_domains = rest;
        Organization { org, domains: mine }
    }))
}

async fn domains_of<C: ConnectionTrait>(db: &C, org_id: &str) -> Result<Vec<domains::Model>, DbErr> {
    domains::Entity::find()
        .filter(domains::Column::OrganizationId.eq(org_id))
        .order_by_asc(domains::Column::Id)
        .all(db)
        .await
}

/// Makes the organization's domains exactly `wanted`, keeping the rows (and verification
/// state) of domains that stay.
async fn replace_domains<C: ConnectionTrait + TransactionTrait>(
    tx: &C,
    org_id: &str,
    wanted: &[DomainData],
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<domains::Model>, OrgError> {
    let existing = domains_of(tx, org_id).await?;
    for old in existing
        .iter()
        .filter(|old| !wanted.iter().any(|w| w.domain == old.domain))
    {
        domains::Entity::delete_by_id(old.id.clone()).exec(tx).await?;
    }
    for want in wanted
        .iter()
        .filter(|w| !existing.iter().any(|old| old.domain == w.domain))
    {
        crate::domains::insert_domain(tx, org_id, &want.domain, want.verified, now)
            .await
            .map_err(|err| {
                if is_unique_violation(&err) {
                    OrgError::DomainTaken(want.domain.clone())
                } else {
                    OrgError::Db(err)
                }
            })?;
    }
    Ok(domains_of(tx, org_id).await?)
}

pub fn organization_event(org: &Organization) -> serde_json::Value {
    json!({
        "object": "organization",
        "id": org.org.id,
        "name": org.org.name,
        "external_id": org.org.external_id,
        "domains": org.domains.iter().map(|d| json!({"id": d.id, "domain": d.domain, "state": d.state})).collect::<Vec<_>>(),
    })
}
