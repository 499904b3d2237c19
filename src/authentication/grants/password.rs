//! The password grant: the account's password, under the account's ceiling on guesses.

use crate::authentication::ceiling;
use crate::authentication::continuation::{accept_invitation, continue_sign_in_with, method};
use crate::authentication::standing::Standing;
use crate::authentication::types::{AuthError, Caller, SignedIn};
use crate::context::Ctx;
use crate::identity::credentials;
use crate::sessions::pending::Progress;
use crate::validation::Email;
use secrecy::SecretString;

pub(in crate::authentication) async fn sign_in(
    ctx: &Ctx,
    caller: &Caller,
    email: &str,
    password: &SecretString,
    invitation_token: Option<&str>,
) -> Result<SignedIn, AuthError> {
    let now = ctx.now();
    let found = match Email::parse(email) {
        Some(email) => credentials::find_by_email(ctx.db.read(), &email.normalized).await?,
        None => None,
    };
    let Some((user, credential)) = found else {
        credentials::burn_equivalent_time(password).await;
        tracing::info!("password sign-in refused: unknown email");
        return Err(AuthError::InvalidCredentials);
    };
    let mut progress = Progress {
        methods: vec![method("password", now)],
        ..Progress::default()
    };
    // Accepting an invitation adds a membership, which changes the user's standing: read it
    // ahead only without one.
    let standing = async {
        match invitation_token {
            None => Standing::load(ctx, &user, &progress).await.map(Some),
            Some(_) => Ok(None),
        }
    };
    let reserved = ceiling::reserve(ctx, &user, caller).await?;
    let (matched, standing) = tokio::join!(
        credentials::check_password(&ctx.db, credential, password, now),
        standing
    );
    if !matched? {
        tracing::info!(user_id = %user.id, "password sign-in refused: wrong password");
        return Err(AuthError::InvalidCredentials);
    }
    if let Some(reserved) = reserved {
        ceiling::give_back(ctx, reserved).await?;
    }
    let standing = standing?;
    let (user, organization_id) = accept_invitation(ctx, invitation_token, &mut progress, user).await?;
    progress.organization_id = organization_id;
    continue_sign_in_with(ctx, caller, user, progress, standing).await
}
