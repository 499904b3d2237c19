//! The grants of a code: a magic-auth code (a sign-in by mailbox alone), the email-verification
//! code that continues a sign-in waiting for mailbox proof, and the one-time authorization code
//! a hosted sign-in hands to the client.

use crate::authentication::began::Began;
use crate::authentication::continuation::{
    accept_invitation, began_of, continue_sign_in, method, redeem_and_prove_mailbox, user_by_id,
};
use crate::authentication::types::{AuthError, Caller, SignedIn};
use crate::authentication::{social_signin, sso_signin};
use crate::context::Ctx;
use crate::identity::codes::{CodeKind, RedeemError};
use crate::identity::proof::Route;
use crate::sessions::pending::{self, Awaiting, PendingError, Progress};
use crate::validation::Email;
use entities::users;
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};

pub(in crate::authentication) async fn magic_auth(
    ctx: &Ctx,
    caller: &Caller,
    email: &str,
    code: &str,
    invitation_token: Option<&str>,
) -> Result<SignedIn, AuthError> {
    let user = user_by_email(ctx, email)
        .await?
        .ok_or(AuthError::Code(RedeemError::Invalid))?;
    let user = redeem_and_prove_mailbox(ctx, CodeKind::MagicAuth, user, code, Route::MagicAuth).await?;
    let mut progress = Progress {
        methods: vec![method("magic_auth", ctx.now())],
        ..Progress::default()
    };
    let (user, organization_id) = accept_invitation(ctx, invitation_token, &mut progress, user).await?;
    progress.organization_id = organization_id;
    continue_sign_in(ctx, caller, user, progress).await
}

pub(in crate::authentication) async fn email_verification(
    ctx: &Ctx,
    caller: &Caller,
    pending_token: &str,
    code: &str,
    invitation_token: Option<&str>,
) -> Result<SignedIn, AuthError> {
    let now = ctx.now();
    let (user_id, waiting) = pending::peek_pending(ctx.db.read(), now, pending_token, &caller.client_id).await?;
    let user = user_by_id(ctx, &user_id).await?;
    // The code continues this sign-in: whoever began it with the account's password keeps it; a
    // sign-in that began with an untrusted identity claims the account from whoever set it up.
    let route = if matches!(began_of(&waiting), Ok(Began::Password)) {
        Route::SignInWithPassword
    } else {
        Route::SignInWithIdentity
    };
    let user = redeem_and_prove_mailbox(ctx, CodeKind::EmailVerification, user, code, route).await?;
    let (_, mut progress) = pending::take_pending(
        ctx.db.write(),
        now,
        pending_token,
        &caller.client_id,
        &[Awaiting::EmailVerification],
    )
    .await?;
    // First the invitation (with its role), then the identities that waited for the proof.
    let (user, organization_id) = accept_invitation(ctx, invitation_token, &mut progress, user).await?;
    if organization_id.is_some() {
        progress.organization_id = organization_id;
    }
    // The SSO identity that asserted this address is linked now that the mailbox is proven.
    let user = match progress.sso_link.take() {
        Some(link) => {
            let user = sso_signin::link_proven(ctx, user, &link).await?;
            progress.organization_id.get_or_insert(link.organization_id);
            user
        }
        None => user,
    };
    // Likewise the social identity whose untrusted email named this account.
    let user = match progress.social_link.take() {
        Some(link) => social_signin::link_proven(ctx, user, &link).await?,
        None => user,
    };
    continue_sign_in(ctx, caller, user, progress).await
}

pub(in crate::authentication) async fn authorization_code(
    ctx: &Ctx,
    caller: &Caller,
    code: &str,
) -> Result<SignedIn, AuthError> {
    if !code.starts_with(pending::CODE_PREFIX) {
        return Err(AuthError::InvalidGrant("the code is not valid".into()));
    }
    let (user_id, progress) = pending::take_pending(
        ctx.db.write(),
        ctx.now(),
        code,
        &caller.client_id,
        &[Awaiting::AuthorizationCode],
    )
    .await
    .map_err(|e| match e {
        PendingError::Invalid => AuthError::InvalidGrant("the code is not valid".into()),
        PendingError::Db(db) => AuthError::Db(db),
    })?;
    let user = user_by_id(ctx, &user_id).await?;
    continue_sign_in(ctx, caller, user, progress).await
}

async fn user_by_email(ctx: &Ctx, raw: &str) -> Result<Option<users::Model>, DbErr> {
    let Some(email) = Email::parse(raw) else {
        return Ok(None);
    };
    users::Entity::find()
        .filter(users::Column::EmailNormalized.eq(email.normalized))
        .one(ctx.db.read())
        .await
}
