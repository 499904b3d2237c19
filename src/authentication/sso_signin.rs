//! Which user an SSO profile signs in as, by the one linking rule (`identity::linking`): a
//! profile links to an account only when its email is trusted (its domain verified by the
//! connection's organization, and not one of its guest domains); any other address must first be
//! proven through the mailbox in this sign-in, since any IdP can assert any address (the
//! identity-linking attack). An invitation token proves nothing: it only lets a new account be
//! created where JIT provisioning is off.

use super::types::AuthError;
use crate::context::Ctx;
use crate::domains::trust::IdpEmailTrust;
use crate::identity::linking::{self, Account, Asserter, Decision};
use crate::identity::proof::{self, Route};
use crate::ids::SsoIdentityId;
use crate::orgs::memberships::{add_member, Kind, MembershipError, NewMembership, Source};
use crate::policy::policies;
use crate::sessions::pending::SsoLink;
use crate::sso::flow::Profile;
use crate::users::{create_user, NewUser, UserError};
use crate::validation::Email;
use chrono::{DateTime, Utc};
use entities::{invitations, organization_memberships as memberships, sso_identities, users};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

pub(super) struct Resolved {
    pub user: users::Model,
    /// The profile's email is not trusted: the sign-in continues only after the user proves the
    /// mailbox with an emailed code, and nothing is linked or joined before.
    pub must_prove_mailbox: bool,
}

fn refused(code: &'static str, message: &str) -> AuthError {
    AuthError::SsoRefused(code, message.to_owned())
}

fn membership_error(err: MembershipError) -> AuthError {
    match err {
        MembershipError::Db(db) => AuthError::Db(db),
        other => AuthError::InvalidGrant(other.to_string()),
    }
}

/// `invited`: a pending invitation for the profile's email whose token the caller presented; it
/// allows creating the account whatever the JIT policy, and its organization is joined by
/// accepting it (with the invited role), not here.
pub async fn resolve(
    ctx: &Ctx,
    profile: &Profile,
    invited: Option<&invitations::Model>,
) -> Result<Resolved, AuthError> {
    let now = ctx.now();
    let join_org =
        Some(profile.organization_id.as_str()).filter(|org| invited.is_none_or(|i| i.organization_id != *org));
    let known = sso_identities::Entity::find()
        .filter(sso_identities::Column::ConnectionId.eq(profile.connection_id.as_str()))
        .filter(sso_identities::Column::IdpId.eq(profile.idp_id.as_str()))
        .one(ctx.db.read())
        .await?;
    if let Some(identity) = known {
        let user = users::Entity::find_by_id(identity.user_id)
            .one(ctx.db.read())
            .await?
            .ok_or_else(|| AuthError::InvalidGrant("unknown user".into()))?;
        if let Some(org) = join_org {
            let tx = ctx.db.begin().await?;
            ensure_membership(&tx, now, &user, org).await?;
            tx.commit().await?;
        }
        return Ok(Resolved {
            user,
            must_prove_mailbox: false,
        });
    }
    let email = profile.email.as_deref().and_then(Email::parse).ok_or_else(|| {
        refused(
            "sso_email_missing",
            "the identity provider sent no usable email address",
        )
    })?;
    let existing = users::Entity::find()
        .filter(users::Column::EmailNormalized.eq(email.normalized.clone()))
        .one(ctx.db.read())
        .await?;
    let trust = if profile.email_trusted {
        IdpEmailTrust::Trusted
    } else {
        IdpEmailTrust::Untrusted
    };
    let decision = linking::decide(Asserter::OrganizationIdp(trust), Account::of(existing.as_ref()));
    let user = match (decision, existing) {
        (Decision::SignIn | Decision::Claim | Decision::ProveFirst, Some(user)) => user,
        (Decision::Create | Decision::ProveFirst, None) => {
            let policy = policies::get_policy(ctx.db.read(), &profile.organization_id)
                .await
                .map_err(super::continuation::policy_error)?;
            if !policy.jit_provisioning && invited.is_none() {
                return Err(refused(
                    "sso_jit_provisioning_disabled",
                    "no user has this email and the organization does not provision users on SSO sign-in",
                ));
            }
            create_or_find(ctx, &email, profile, decision == Decision::Create).await?
        }
        (Decision::Refuse, _) | (Decision::SignIn | Decision::Claim, None) | (Decision::Create, Some(_)) => {
            return Err(refused(
                "sso_email_not_trusted",
                "the identity provider may not vouch for this email",
            ));
        }
    };
    if decision == Decision::ProveFirst {
        tracing::info!(user_id = %user.id, connection_id = %profile.connection_id,
            "SSO email not trusted: the mailbox must be proven before any link");
        return Ok(Resolved {
            user,
            must_prove_mailbox: true,
        });
    }
    let link = SsoLink {
        connection_id: profile.connection_id.clone(),
        idp_id: profile.idp_id.clone(),
        organization_id: profile.organization_id.clone(),
    };
    let tx = ctx.db.begin().await?;
    // A trusted IdP owns the mailbox: for an account nobody proved, this is its first proof.
    let user = proof::prove_mailbox(&tx, now, user, Route::TrustedIdp).await?;
    let user = link_identity(&tx, now, user, &link, join_org.is_some()).await?;
    tx.commit().await?;
    Ok(Resolved {
        user,
        must_prove_mailbox: false,
    })
}

/// A new account for the profile; `proven` when its IdP vouches for the address. A concurrent
/// sign-in may have created it first: that account is answered (and the caller's decision still
/// holds, since it did not depend on which of the two created it).
async fn create_or_find(ctx: &Ctx, email: &Email, profile: &Profile, proven: bool) -> Result<users::Model, AuthError> {
    let new = NewUser {
        password: None,
        email: email.address.clone(),
        email_verified: proven,
        first_name: profile.first_name.clone(),
        last_name: profile.last_name.clone(),
        external_id: None,
        metadata: Default::default(),
    };
    match create_user(ctx, new).await {
        Ok(user) => Ok(user),
        Err(UserError::EmailTaken) => users::Entity::find()
            .filter(users::Column::EmailNormalized.eq(email.normalized.clone()))
            .one(ctx.db.read())
            .await?
            .ok_or_else(|| AuthError::InvalidGrant("unknown user".into())),
        Err(other) => Err(AuthError::InvalidGrant(other.to_string())),
    }
}

/// Links the IdP identity once the user proved the mailbox with an emailed code (the
/// untrusted-email branch): the same effects as a trusted email.
pub async fn link_proven(ctx: &Ctx, user: users::Model, link: &SsoLink) -> Result<users::Model, AuthError> {
    if !user.email_verified {
        return Err(AuthError::InvalidGrant("the email is not verified".into()));
    }
    let tx = ctx.db.begin().await?;
    let user = link_identity(&tx, ctx.now(), user, link, true).await?;
    tx.commit().await?;
    tracing::info!(user_id = %user.id, connection_id = %link.connection_id, "SSO identity linked after the mailbox was proven");
    Ok(user)
}

/// Links an identity whose email is trusted or proven to `user`, and makes the user a member
/// of the connection's organization (when `join`).
async fn link_identity<C: ConnectionTrait>(
    tx: &C,
    now: DateTime<Utc>,
    user: users::Model,
    link: &SsoLink,
    join: bool,
) -> Result<users::Model, AuthError> {
    insert_identity(tx, now, &user, link).await?;
    if join {
        ensure_membership(tx, now, &user, &link.organization_id).await?;
    }
    Ok(user)
}

async fn insert_identity<C: ConnectionTrait>(
    tx: &C,
    now: DateTime<Utc>,
    user: &users::Model,
    link: &SsoLink,
) -> Result<(), AuthError> {
    let inserted = sso_identities::ActiveModel {
        id: Set(SsoIdentityId::generate().into_string()),
        connection_id: Set(link.connection_id.clone()),
        idp_id: Set(link.idp_id.clone()),
        user_id: Set(user.id.clone()),
        created_at: Set(now),
    }
    .insert(tx)
    .await;
    match inserted {
        // A concurrent sign-in of the same subject linked it first.
        Err(err) if !crate::store::is_unique_violation(&err) => Err(err.into()),
        _ => Ok(()),
    }
}

/// The connection's organization vouches for its IdP's users: they become members (source=sso),
/// except users of its guest domains.
async fn ensure_membership<C: ConnectionTrait>(
    db: &C,
    now: DateTime<Utc>,
    user: &users::Model,
    org: &str,
) -> Result<(), AuthError> {
    let already = memberships::Entity::find()
        .filter(memberships::Column::UserId.eq(user.id.as_str()))
        .filter(memberships::Column::OrganizationId.eq(org))
        .one(db)
        .await?
        .is_some();
    if already {
        return Ok(());
    }
    // Guest-domain users join only by invitation (as guests), never because an IdP named them.
    let policy = policies::get_policy(db, org)
        .await
        .map_err(super::continuation::policy_error)?;
    let domain = Email::parse(&user.email)
        .map(|e| e.domain().to_owned())
        .unwrap_or_default();
    if crate::domains::trust::is_guest_domain(&domain, &policy.guest_domains) {
        tracing::info!(user_id = %user.id, organization_id = org, "no SSO membership: guest-domain email");
        return Ok(());
    }
    let new = NewMembership {
        user_id: user
            .id
            .parse()
            .map_err(|_| AuthError::InvalidGrant("unknown user".into()))?,
        organization_id: org
            .parse()
            .map_err(|_| AuthError::InvalidGrant("unknown organization".into()))?,
        role_slug: None,
        kind: Kind::Member,
        source: Source::Sso,
    };
    match add_member(db, now, new).await {
        Ok(_) | Err(MembershipError::AlreadyMember) => Ok(()),
        Err(other) => Err(membership_error(other)),
    }
}
