//! What the rest of a sign-in asks of the database about the user, read at once: whether the
//! organization that verified the email's domain requires SSO, the verified MFA factors, the
//! organization JIT provisioning would join, and the active memberships. All of it depends only on
//! the user row, so the password grant reads it while the password hash runs instead of after it.

use crate::context::Ctx;
use crate::domains;
use crate::identity::mfa;
use crate::orgs::{jit, memberships};
use crate::policy::evaluate::through_connection_of;
use crate::policy::policies::{self, DomainSsoRequirement};
use crate::sessions::pending::Progress;
use crate::validation::Email;
use entities::{mfa_factors, organization_memberships, users};
use sea_orm::DbErr;

pub(super) struct Standing {
    /// `None` also when the sign-in went through one of that organization's connections already.
    pub sso_required: Option<DomainSsoRequirement>,
    pub verified_factors: Vec<mfa_factors::Model>,
    /// The organization JIT membership would join (see `jit::owner_to_join`).
    pub jit_owner: Option<String>,
    /// As read before any JIT join.
    pub active_memberships: Vec<organization_memberships::Model>,
}

impl Standing {
    pub(super) async fn load(ctx: &Ctx, user: &users::Model, progress: &Progress) -> Result<Self, DbErr> {
        let db = ctx.db.read();
        // One read of the email domain's owner serves both the SSO rule and JIT membership.
        let domain_rules = async {
            let owner = match Email::parse(&user.email) {
                Some(email) => domains::verified_owner(db, email.domain()).await?,
                None => None,
            };
            let sso_required = match &owner {
                Some(org) => policies::sso_required_by(db, &user.id, org).await?,
                None => None,
            };
            // Met only through that organization's own connections, never another's.
            let sso_required = sso_required.filter(|required| {
                !progress
                    .methods
                    .iter()
                    .any(|m| through_connection_of(&m.method, &required.connection_ids))
            });
            Ok::<_, DbErr>((jit::owner_to_join(user, owner.as_deref()), sso_required))
        };
        let ((jit_owner, sso_required), verified_factors, active_memberships) = tokio::try_join!(
            domain_rules,
            mfa::verified_factors(db, &user.id),
            memberships::active_memberships(db, &user.id)
        )?;
        Ok(Self {
            sso_required,
            verified_factors,
            jit_owner,
            active_memberships,
        })
    }
}
