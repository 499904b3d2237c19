//! What the rest of a sign-in asks of the database about the user, read at once: whether the
//! organization that verified the email's domain requires SSO, the verified MFA factors, and the
//! organizations JIT provisioning would join. All three depend only on the user row, so the password
//! grant reads them while the password hash runs instead of after it.

use crate::context::Ctx;
use crate::identity::mfa;
use crate::orgs::jit;
use crate::policy::policies::{self, DomainSsoRequirement};
use crate::sessions::pending::Progress;
use entities::{mfa_factors, users};
use sea_orm::DbErr;

pub(super) struct Standing {
    /// `None` also when the sign-in went through SSO already.
    pub sso_required: Option<DomainSsoRequirement>,
    pub verified_factors: Vec<mfa_factors::Model>,
    pub domain_owners: Vec<String>,
}

impl Standing {
    pub(super) async fn load(ctx: &Ctx, user: &users::Model, progress: &Progress) -> Result<Self, DbErr> {
        let db = ctx.db.read();
        let through_sso = progress.methods.iter().any(|m| m.method.starts_with("sso:"));
        let sso_required = async {
            if through_sso {
                Ok(None)
            } else {
                policies::sso_required_for_email(db, &user.id, &user.email).await
            }
        };
        let (sso_required, verified_factors, domain_owners) = tokio::try_join!(
            sso_required,
            mfa::verified_factors(db, &user.id),
            jit::domain_owners(db, user)
        )?;
        Ok(Self {
            sso_required,
            verified_factors,
            domain_owners,
        })
    }
}
