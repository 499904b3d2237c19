//! The social grant: the one-time code a social sign-in (`/sso/authorize?provider=` → provider →
//! callback) handed over. Who the provider's profile is, and whether its email must be proven
//! first, is `social_signin::resolve`'s to say.

use crate::authentication::continuation::{accept_invitation, continue_sign_in, method, prove_mailbox_first};
use crate::authentication::social_signin;
use crate::authentication::types::{AuthError, Caller, SignedIn};
use crate::context::Ctx;
use crate::sessions::pending::{self, Progress};

pub(in crate::authentication) async fn sign_in(
    ctx: &Ctx,
    caller: &Caller,
    code: &str,
    code_verifier: Option<&str>,
    invitation_token: Option<&str>,
) -> Result<SignedIn, AuthError> {
    let now = ctx.now();
    let profile = crate::sso::social::redeem_code(ctx.db.write(), now, &caller.client_id, code, code_verifier)
        .await
        .map_err(|e| match e {
            crate::sso::flow::CodeError::Db(db) => AuthError::Db(db),
            other => AuthError::InvalidGrant(other.to_string()),
        })?;
    let resolved = social_signin::resolve(ctx, &profile).await?;
    let mut progress = Progress {
        methods: vec![method(&format!("oauth:{}", profile.provider.as_str()), now)],
        social_link: resolved.must_prove_mailbox.then(|| pending::SocialLink {
            provider: profile.provider,
            subject: profile.subject.clone(),
        }),
        ..Progress::default()
    };
    if resolved.must_prove_mailbox {
        // Not signed in as the account yet: its invitation waits for the proof.
        if let Some(token) = invitation_token {
            let invitation = crate::invitations::accept::find_by_token(ctx, token).await?;
            progress.invitation_id = Some(invitation.id);
        }
        return prove_mailbox_first(ctx, caller, resolved.user, progress).await;
    }
    let (user, invited_org) = accept_invitation(ctx, invitation_token, &mut progress, resolved.user).await?;
    progress.organization_id = invited_org;
    continue_sign_in(ctx, caller, user, progress).await
}
