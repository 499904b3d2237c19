//! The SSO grant: the one-time code an SSO login (`/sso/authorize` → IdP → ACS) handed to the
//! client. With a pending token it completes a sign-in that answered `sso_required`, or a
//! re-authentication an organization asked for. Who the IdP's profile is, and whether its email
//! must be proven first, is `sso_signin::resolve`'s to say.

use crate::authentication::continuation::{accept_invitation, continue_sign_in, method, prove_mailbox_first};
use crate::authentication::sso_signin;
use crate::authentication::types::{AuthError, Caller, SignedIn};
use crate::context::Ctx;
use crate::sessions::pending::{self, Awaiting, PendingError, Progress};

/// The steps an SSO sign-in presenting a pending token completes.
const SSO_STEPS: &[Awaiting] = &[Awaiting::SsoRequired, Awaiting::Reauthentication];

pub(in crate::authentication) async fn sign_in(
    ctx: &Ctx,
    caller: &Caller,
    code: &str,
    code_verifier: Option<&str>,
    pending_token: Option<&str>,
    invitation_token: Option<&str>,
) -> Result<SignedIn, AuthError> {
    let now = ctx.now();
    let profile = crate::sso::flow::redeem_code(ctx.db.write(), now, &caller.client_id, code, code_verifier)
        .await
        .map_err(|e| match e {
            crate::sso::flow::CodeError::Db(db) => AuthError::Db(db),
            other => AuthError::InvalidGrant(other.to_string()),
        })?;
    let reauthenticating = match pending_token {
        Some(token) => {
            let (_, waiting) = pending::peek_pending(ctx.db.read(), now, token, &caller.client_id).await?;
            match waiting.awaiting {
                Some(step) if SSO_STEPS.contains(&step) => step == Awaiting::Reauthentication,
                _ => return Err(PendingError::Invalid.into()),
            }
        }
        None => false,
    };
    // Checked before anything is written: a refused invitation leaves no account or link.
    let presented = match invitation_token {
        Some(token) => {
            Some(crate::invitations::accept::check_token_for_email(ctx, token, profile.email.as_deref()).await?)
        }
        None => None,
    };
    let invited = presented
        .as_ref()
        .filter(|p| p.for_asserted_email)
        .map(|p| &p.invitation);
    let resolved = sso_signin::resolve(ctx, &profile, invited).await?;
    let mut earlier = None;
    if let Some(token) = pending_token {
        let (user_id, waiting) =
            pending::take_pending(ctx.db.write(), now, token, &caller.client_id, SSO_STEPS).await?;
        earlier = reauthenticating.then_some(waiting);
        if user_id != resolved.user.id {
            tracing::info!(user_id = %resolved.user.id, "SSO sign-in refused: the pending token is another user's");
            return Err(AuthError::InvalidGrant(
                "the pending authentication token belongs to another user".into(),
            ));
        }
    }
    let link = resolved.must_prove_mailbox.then(|| pending::SsoLink {
        connection_id: profile.connection_id.clone(),
        idp_id: profile.idp_id.clone(),
        organization_id: profile.organization_id.clone(),
    });
    let mut progress = Progress {
        methods: vec![method(&format!("sso:{}", profile.connection_id), now)],
        sso_link: link,
        ..Progress::default()
    };
    let user = if resolved.must_prove_mailbox {
        // Not signed in as the account yet: nothing is accepted, linked or joined, and the
        // connection's organization is not entered, before the mailbox is proven.
        progress.invitation_id = presented.as_ref().map(|p| p.invitation.id.clone());
        resolved.user
    } else {
        let (user, invited_org) = accept_invitation(ctx, invitation_token, &mut progress, resolved.user).await?;
        progress.organization_id = invited_org.or(Some(profile.organization_id.clone()));
        user
    };
    // A re-authentication through SSO adds to what the sign-in (or the stepping-up session) had
    // proven, and still enters the organization that asked for it.
    if let Some(earlier) = earlier {
        let mut methods = earlier.methods;
        methods.append(&mut progress.methods);
        progress = Progress {
            methods,
            mfa_at: earlier.mfa_at,
            organization_id: earlier.organization_id.or(progress.organization_id),
            session_id: earlier.session_id,
            ..progress
        };
    }
    if resolved.must_prove_mailbox {
        return prove_mailbox_first(ctx, caller, user, progress).await;
    }
    continue_sign_in(ctx, caller, user, progress).await
}
