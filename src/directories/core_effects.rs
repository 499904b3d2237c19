//! What a directory user means for the core: a user, a membership (source=scim) in the
//! directory's organization, its status (active=false deactivates it and revokes the user's
//! sessions there) and its role (from the groups the user is in, by the directory's
//! group→role mappings). Everything runs inside the caller's transaction.

use super::ScimError;
use crate::domains::trust::{idp_email_trust, IdpEmailTrust};
use crate::events;
use crate::identity::linking::{self, Account, Asserter, Decision};
use crate::identity::proof::{self, Route};
use crate::ids::UserId;
use crate::orgs::memberships::{self, add_member, Kind, NewMembership, Source};
use crate::orgs::roles;
use crate::sessions::lifecycle::revoke_user_sessions;
use crate::users::user_event;
use crate::validation::Email;
use chrono::{DateTime, Utc};
use entities::{
    directory_group_members as members, directory_groups as groups, directory_users, organization_memberships as om,
    users,
};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, IntoActiveModel, QueryFilter, QuerySelect, Set,
};
use serde_json::json;

/// Links `du` to a core user when its email allows it, and brings the membership in line
/// with `du.active` and the user's groups. Returns `du` with `user_id` filled in if linked.
///
/// Linking follows the one rule (`identity::linking`): an email the directory pushes is trusted
/// only in a verified domain of the organization, never in one of its guest domains. A trusted
/// email links to the user with that email (its first mailbox proof if it was unproven), or
/// creates one with the email verified. Any other email links to nobody and creates nobody (SCIM
/// squatting: the directory would hand itself an account or a membership on an address it does
/// not own); the directory user stays a directory user.
pub async fn sync_user<C: ConnectionTrait>(
    tx: &C,
    now: DateTime<Utc>,
    mut du: directory_users::Model,
) -> Result<directory_users::Model, ScimError> {
    if du.user_id.is_none() {
        if let Some(user_id) = link(tx, now, &du).await? {
            let mut row = du.clone().into_active_model();
            row.user_id = Set(Some(user_id.clone()));
            row.update(tx).await?;
            du.user_id = Some(user_id);
        }
    }
    let Some(user_id) = du.user_id.clone() else {
        return Ok(du);
    };
    let existing = om::Entity::find()
        .filter(om::Column::UserId.eq(user_id.clone()))
        .filter(om::Column::OrganizationId.eq(du.organization_id.clone()))
        .one(tx)
        .await?;
    let role = role_for(tx, &du).await?;
    let membership = match existing {
        Some(m) => m,
        None => {
            let new = NewMembership {
                user_id: user_id.parse().map_err(|_| ScimError::NotFound("user"))?,
                organization_id: du
                    .organization_id
                    .parse()
                    .map_err(|_| ScimError::NotFound("organization"))?,
                role_slug: role.clone(),
                kind: Kind::Member,
                source: Source::Scim,
            };
            add_member(tx, now, new).await?
        }
    };
    let status = if du.active { "active" } else { "inactive" };
    let membership = memberships::set_status(tx, now, membership, status).await?;
    set_role(tx, now, membership, role).await?;
    Ok(du)
}

async fn link<C: ConnectionTrait>(
    tx: &C,
    now: DateTime<Utc>,
    du: &directory_users::Model,
) -> Result<Option<String>, ScimError> {
    let Some(email) = du.primary_email.as_deref().and_then(Email::parse) else {
        return Ok(None);
    };
    let trust = idp_email_trust(tx, &du.organization_id, Some(&email.address)).await?;
    let existing = users::Entity::find()
        .filter(users::Column::EmailNormalized.eq(email.normalized.clone()))
        .one(tx)
        .await?;
    match (
        linking::decide(Asserter::Directory(trust), Account::of(existing.as_ref())),
        existing,
    ) {
        (Decision::SignIn, Some(user)) => Ok(Some(user.id)),
        (Decision::Claim, Some(user)) => {
            // The organization owns the domain, so its directory vouches for the mailbox: the
            // account's first proof, which ends what anyone set up on it before.
            let user = proof::prove_mailbox(tx, now, user, Route::Directory).await?;
            Ok(Some(user.id))
        }
        (Decision::Create, None) => {
            let user = users::ActiveModel {
                id: Set(UserId::generate().into_string()),
                email: Set(email.address),
                email_normalized: Set(email.normalized),
                email_verified: Set(true),
                first_name: Set(du.first_name.clone()),
                last_name: Set(du.last_name.clone()),
                external_id: Set(None),
                metadata: Set(json!({})),
                last_sign_in_at: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
            }
            .insert(tx)
            .await
            .map_err(|e| {
                if crate::store::is_unique_violation(&e) {
                    ScimError::Uniqueness("a user with this email is being created concurrently".into())
                } else {
                    ScimError::Db(e)
                }
            })?;
            events::append(tx, now, "user.created", None, user_event(&user)).await?;
            Ok(Some(user.id))
        }
        (decision, _) => {
            tracing::info!(
                directory_user_id = %du.id,
                ?trust,
                ?decision,
                "not linked: the organization does not own this email's domain"
            );
            Ok(None)
        }
    }
}

/// Why an email change from the IdP did not reach the core user (recorded on the
/// `dsync.user.updated` event as `core_email_unchanged.reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EmailKept {
    /// The new address is in one of the organization's guest domains.
    GuestDomain,
    /// The new address is not in a verified domain of the organization.
    UntrustedDomain,
    /// The core user's current address is not in a verified domain of the organization, so
    /// the organization's IdP does not own that account's email.
    CurrentEmailNotOwned,
    /// Another user already has the new address.
    EmailInUse,
}

impl EmailKept {
    pub fn as_str(self) -> &'static str {
        match self {
            EmailKept::GuestDomain => "guest_domain",
            EmailKept::UntrustedDomain => "untrusted_domain",
            EmailKept::CurrentEmailNotOwned => "current_email_not_owned",
            EmailKept::EmailInUse => "email_in_use",
        }
    }
}

/// Brings the IdP's profile changes to the core user `after` was linked to before the change.
/// A name part goes over when the IdP changed it (one it left as it was does not overwrite
/// an edit made in Gatehouse; one it cleared clears nothing). A new email goes over only when
/// the organization owns both addresses: the new one in a verified domain (trusted, so it is
/// stored verified) and the current one too; otherwise the old email stays and the reason is
/// returned. Emits `user.updated` when the core user changed.
pub async fn update_core_user<C: ConnectionTrait>(
    tx: &C,
    now: DateTime<Utc>,
    before: &directory_users::Model,
    after: &directory_users::Model,
) -> Result<Option<EmailKept>, ScimError> {
    let Some(user_id) = after.user_id.as_deref() else {
        return Ok(None);
    };
    if before.user_id.as_deref() != Some(user_id) {
        // Linked by this very change: the link already took the IdP's profile.
        return Ok(None);
    }
    let Some(user) = users::Entity::find_by_id(user_id).one(tx).await? else {
        return Ok(None);
    };
    let mut row = user.clone().into_active_model();
    let mut changed = false;
    let changed_name =
        |was: &Option<String>, now: &Option<String>, core: &Option<String>| now.is_some() && now != was && now != core;
    if changed_name(&before.first_name, &after.first_name, &user.first_name) {
        row.first_name = Set(after.first_name.clone());
        changed = true;
    }
    if changed_name(&before.last_name, &after.last_name, &user.last_name) {
        row.last_name = Set(after.last_name.clone());
        changed = true;
    }
    let mut kept = None;
    let was = before.primary_email.as_deref().and_then(Email::parse);
    let new = after
        .primary_email
        .as_deref()
        .and_then(Email::parse)
        .filter(|e| was.as_ref().is_none_or(|w| w.normalized != e.normalized))
        .filter(|e| e.normalized != user.email_normalized);
    if let Some(email) = new {
        match email_change_refused(tx, &after.organization_id, &user, &email).await? {
            Some(reason) => {
                tracing::info!(
                    directory_user_id = %after.id,
                    reason = reason.as_str(),
                    "IdP email change not applied to the core user"
                );
                kept = Some(reason);
            }
            None => {
                row.email = Set(email.address);
                row.email_normalized = Set(email.normalized);
                row.email_verified = Set(true);
                changed = true;
            }
        }
    }
    if changed {
        row.updated_at = Set(now);
        let user = row.update(tx).await.map_err(|e| {
            if crate::store::is_unique_violation(&e) {
                ScimError::Uniqueness("another user is taking this email concurrently".into())
            } else {
                ScimError::Db(e)
            }
        })?;
        events::append(tx, now, "user.updated", None, user_event(&user)).await?;
    }
    Ok(kept)
}

async fn email_change_refused<C: ConnectionTrait>(
    tx: &C,
    org_id: &str,
    user: &users::Model,
    email: &Email,
) -> Result<Option<EmailKept>, sea_orm::DbErr> {
    match idp_email_trust(tx, org_id, Some(&email.address)).await? {
        IdpEmailTrust::Guest => return Ok(Some(EmailKept::GuestDomain)),
        IdpEmailTrust::Untrusted => return Ok(Some(EmailKept::UntrustedDomain)),
        IdpEmailTrust::Trusted => {}
    }
    let owned = match Email::parse(&user.email) {
        Some(current) => crate::domains::verified_by(tx, org_id, current.domain()).await?,
        None => false,
    };
    if !owned {
        return Ok(Some(EmailKept::CurrentEmailNotOwned));
    }
    let taken = users::Entity::find()
        .filter(users::Column::EmailNormalized.eq(email.normalized.clone()))
        .filter(users::Column::Id.ne(user.id.clone()))
        .one(tx)
        .await?
        .is_some();
    Ok(taken.then_some(EmailKept::EmailInUse))
}

/// The role the user's groups give: among mapped groups the user is in, the role with the
/// most permissions (ties: the first slug), so adding a group never lowers access. `None`
/// (the default role) when no group of theirs is mapped.
pub async fn role_for<C: ConnectionTrait>(tx: &C, du: &directory_users::Model) -> Result<Option<String>, ScimError> {
    let group_ids: Vec<String> = members::Entity::find()
        .select_only()
        .column(members::Column::DirectoryGroupId)
        .filter(members::Column::DirectoryUserId.eq(du.id.clone()))
        .into_tuple()
        .all(tx)
        .await?;
    if group_ids.is_empty() {
        return Ok(None);
    }
    let mut slugs: Vec<String> = groups::Entity::find()
        .filter(groups::Column::Id.is_in(group_ids))
        .filter(groups::Column::RoleSlug.is_not_null())
        .all(tx)
        .await?
        .into_iter()
        .filter_map(|g| g.role_slug)
        .collect();
    slugs.sort();
    slugs.dedup();
    let mut best: Option<(usize, String)> = None;
    for slug in slugs {
        let Some(role) = roles::resolve_role(tx, &du.organization_id, &slug).await? else {
            continue;
        };
        let weight = roles::permissions_of(&role).len();
        if best.as_ref().is_none_or(|(w, _)| weight > *w) {
            best = Some((weight, role.slug));
        }
    }
    Ok(best.map(|(_, slug)| slug))
}

async fn set_role<C: ConnectionTrait>(
    tx: &C,
    now: DateTime<Utc>,
    membership: om::Model,
    role: Option<String>,
) -> Result<(), ScimError> {
    // Only memberships the directory created follow its groups; an admin's manual choice
    // for a manual membership stands.
    if membership.source != Source::Scim.as_str() {
        return Ok(());
    }
    let slug = match role {
        Some(slug) => slug,
        None => match roles::default_role(tx).await? {
            Some(role) => role.slug,
            None => return Ok(()),
        },
    };
    if membership.role_slug == slug {
        return Ok(());
    }
    let mut row = membership.into_active_model();
    row.role_slug = Set(slug);
    row.updated_at = Set(now);
    let membership = row.update(tx).await?;
    events::append(
        tx,
        now,
        "organization_membership.updated",
        Some(&membership.organization_id),
        memberships::membership_event(&membership),
    )
    .await?;
    Ok(())
}

/// Recomputes the role of each listed directory user (after group changes).
pub async fn sync_roles<C: ConnectionTrait>(tx: &C, now: DateTime<Utc>, user_ids: &[String]) -> Result<(), ScimError> {
    if user_ids.is_empty() {
        return Ok(());
    }
    for chunk in user_ids.chunks(500) {
        let dus = directory_users::Entity::find()
            .filter(directory_users::Column::Id.is_in(chunk.to_vec()))
            .filter(directory_users::Column::UserId.is_not_null())
            .all(tx)
            .await?;
        for du in dus {
            let Some(user_id) = du.user_id.clone() else { continue };
            let Some(membership) = om::Entity::find()
                .filter(om::Column::UserId.eq(user_id))
                .filter(om::Column::OrganizationId.eq(du.organization_id.clone()))
                .one(tx)
                .await?
            else {
                continue;
            };
            let role = role_for(tx, &du).await?;
            set_role(tx, now, membership, role).await?;
        }
    }
    Ok(())
}

/// The IdP deleted the user: the membership goes and with it the user's sessions in the
/// organization. The core user stays (they may belong to other organizations).
pub async fn remove_user<C: ConnectionTrait>(
    tx: &C,
    now: DateTime<Utc>,
    du: &directory_users::Model,
) -> Result<(), ScimError> {
    let Some(user_id) = du.user_id.as_deref() else {
        return Ok(());
    };
    let Some(membership) = om::Entity::find()
        .filter(om::Column::UserId.eq(user_id))
        .filter(om::Column::OrganizationId.eq(du.organization_id.clone()))
        .one(tx)
        .await?
    else {
        return Ok(());
    };
    om::Entity::delete_by_id(membership.id.clone()).exec(tx).await?;
    revoke_user_sessions(
        tx,
        now,
        user_id,
        Some(&du.organization_id),
        None,
        "directory_user_deleted",
    )
    .await?;
    events::append(
        tx,
        now,
        "organization_membership.deleted",
        Some(&membership.organization_id),
        memberships::membership_event(&membership),
    )
    .await?;
    Ok(())
}
