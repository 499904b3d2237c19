//! The organization-selection grant: the user picks one of the organizations they are an active
//! member of; the sign-in then continues, and the organization's policy is judged, as for any
//! sign-in that names its organization.

use crate::authentication::continuation::{continue_sign_in, user_by_id};
use crate::authentication::types::{AuthError, Caller, SignedIn};
use crate::context::Ctx;
use crate::policy::admission;
use crate::sessions::pending::{self, Awaiting};

pub(in crate::authentication) async fn select(
    ctx: &Ctx,
    caller: &Caller,
    pending_token: &str,
    organization_id: String,
) -> Result<SignedIn, AuthError> {
    let (user_id, mut progress) = pending::take_pending(
        ctx.db.write(),
        ctx.now(),
        pending_token,
        &caller.client_id,
        &[Awaiting::OrganizationSelection],
    )
    .await?;
    if !admission::is_active_member(ctx.db.read(), &user_id, &organization_id).await? {
        return Err(AuthError::NotAMember);
    }
    progress.organization_id = Some(organization_id);
    let user = user_by_id(ctx, &user_id).await?;
    continue_sign_in(ctx, caller, user, progress).await
}
