//! Which user a social sign-in (Google, Microsoft, GitHub) signs in as. The provider's subject finds the
//! account it linked before. Otherwise the one linking rule (`identity::linking`) decides: the email
//! links to an account only when the provider may vouch for it (`oidc::social::email_trust`, decided
//! at the callback); any other address is first proven through the mailbox, and the subject is linked
//! only after the emailed code. A new account made from an untrusted email starts unverified.

use super::sso_signin::Resolved;
use super::types::AuthError;
use crate::context::Ctx;
use crate::identity::linking::{self, Account, Asserter, Decision};
use crate::identity::proof::{self, Route};
use crate::ids::SocialIdentityId;
use crate::oidc::social::SocialProvider;
use crate::sessions::pending::SocialLink;
use crate::sso::social::SocialProfile;
use crate::users::{create_user, NewUser, UserError};
use crate::validation::Email;
use chrono::{DateTime, Utc};
use entities::{social_identities, users};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Set};

pub async fn resolve(ctx: &Ctx, profile: &SocialProfile) -> Result<Resolved, AuthError> {
    let now = ctx.now();
    let provider = profile.provider.as_str();
    let known = social_identities::Entity::find()
        .filter(social_identities::Column::Provider.eq(provider))
        .filter(social_identities::Column::Subject.eq(profile.subject.as_str()))
        .one(ctx.db.read())
        .await?;
    if let Some(identity) = known {
        let user = users::Entity::find_by_id(identity.user_id)
            .one(ctx.db.read())
            .await?
            .ok_or_else(|| AuthError::InvalidGrant("unknown user".into()))?;
        return Ok(Resolved {
            user,
            must_prove_mailbox: false,
        });
    }
    let email = profile.email.as_deref().and_then(Email::parse).ok_or_else(|| {
        AuthError::SsoRefused(
            "oauth_email_missing",
            "the provider sent no usable email address".into(),
        )
    })?;
    let existing = users::Entity::find()
        .filter(users::Column::EmailNormalized.eq(email.normalized.clone()))
        .one(ctx.db.read())
        .await?;
    let asserter = Asserter::SocialProvider {
        vouches: profile.email_trusted,
    };
    let mut decision = linking::decide(asserter, Account::of(existing.as_ref()));
    let user = match existing {
        Some(user) => user,
        None => {
            let new = NewUser {
                password: None,
                email: email.address.clone(),
                email_verified: decision == Decision::Create,
                first_name: profile.first_name.clone(),
                last_name: profile.last_name.clone(),
                external_id: None,
                metadata: Default::default(),
            };
            match create_user(ctx, new).await {
                Ok(user) => user,
                // A concurrent sign-in created it first: the same rule as for any existing account.
                Err(UserError::EmailTaken) => {
                    let user = users::Entity::find()
                        .filter(users::Column::EmailNormalized.eq(email.normalized))
                        .one(ctx.db.read())
                        .await?
                        .ok_or_else(|| AuthError::InvalidGrant("unknown user".into()))?;
                    decision = linking::decide(asserter, Account::of(Some(&user)));
                    user
                }
                Err(other) => return Err(AuthError::InvalidGrant(other.to_string())),
            }
        }
    };
    match decision {
        Decision::SignIn | Decision::Claim | Decision::Create => {}
        Decision::ProveFirst | Decision::Refuse => {
            tracing::info!(user_id = %user.id, provider,
                "social email not trusted: the mailbox must be proven before any link");
            return Ok(Resolved {
                user,
                must_prove_mailbox: true,
            });
        }
    }
    let tx = ctx.db.begin().await?;
    // The provider vouches for the mailbox: for an account nobody proved, this is its first proof.
    let user = proof::prove_mailbox(&tx, now, user, Route::TrustedSocialProvider).await?;
    insert_identity(&tx, now, &user, profile.provider, &profile.subject).await?;
    tx.commit().await?;
    Ok(Resolved {
        user,
        must_prove_mailbox: false,
    })
}

/// Links the provider subject once the user proved the mailbox with the emailed code (the untrusted-email
/// branch), so the next sign-in with that subject goes straight in.
pub async fn link_proven(ctx: &Ctx, user: users::Model, link: &SocialLink) -> Result<users::Model, AuthError> {
    if !user.email_verified {
        return Err(AuthError::InvalidGrant("the email is not verified".into()));
    }
    let tx = ctx.db.begin().await?;
    insert_identity(&tx, ctx.now(), &user, link.provider, &link.subject).await?;
    tx.commit().await?;
    tracing::info!(user_id = %user.id, provider = link.provider.as_str(),
        "social identity linked after the mailbox was proven");
    Ok(user)
}

async fn insert_identity<C: ConnectionTrait>(
    tx: &C,
    now: DateTime<Utc>,
    user: &users::Model,
    provider: SocialProvider,
    subject: &str,
) -> Result<(), AuthError> {
    let inserted = social_identities::ActiveModel {
        id: Set(SocialIdentityId::generate().into_string()),
        provider: Set(provider.as_str().to_owned()),
        subject: Set(subject.to_owned()),
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
