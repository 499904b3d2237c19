//! Single sign-on chosen by the email's domain: a verified domain names the organization, and
//! the organization's active connections say where to send the browser.
//!
//! SSO connections arrive with their own issue. When they do, `route_by_email` gains a
//! `Redirect(url)` answer to `/sso/authorize?client_id=..&redirect_uri=..&organization=<org>&login_hint=..`
//! (`signin::sso_start` sends the browser there); until then it explains why SSO cannot start.

use crate::context::Ctx;
use crate::policy::policies;
use entities::{organization_domains as domains, organizations};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SsoRoute {
    /// Not an email address.
    NotAnEmail,
    /// No organization has verified this domain.
    NoOrganization { domain: String },
    /// The organization has no active SSO connection.
    NoConnection { organization: String },
    /// The organization has connections, but this build cannot start SSO yet.
    Unavailable { organization: String },
}

impl SsoRoute {
    pub fn explain(&self) -> String {
        match self {
            SsoRoute::NotAnEmail => "Enter your work email to find your organization's single sign-on.".into(),
            SsoRoute::NoOrganization { domain } => format!(
                "No organization uses single sign-on for {domain}. Sign in with your password or an emailed code."
            ),
            SsoRoute::NoConnection { organization } => format!(
                "{organization} has not set up single sign-on yet. Sign in with your password or an emailed code."
            ),
            SsoRoute::Unavailable { organization } => format!(
                "Single sign-on for {organization} cannot be started from this page yet. Ask your administrator."
            ),
        }
    }
}

pub async fn route_by_email(ctx: &Ctx, email: &str) -> Result<SsoRoute, DbErr> {
    let Some(parsed) = crate::validation::Email::parse(email) else {
        return Ok(SsoRoute::NotAnEmail);
    };
    let domain = parsed
        .normalized
        .rsplit_once('@')
        .map(|(_, d)| d.to_owned())
        .unwrap_or_default();
    let claim = domains::Entity::find()
        .filter(domains::Column::Domain.eq(domain.clone()))
        .filter(domains::Column::State.eq("verified"))
        .one(ctx.db.read())
        .await?;
    let Some(claim) = claim else {
        return Ok(SsoRoute::NoOrganization { domain });
    };
    let organization = organizations::Entity::find_by_id(claim.organization_id.clone())
        .one(ctx.db.read())
        .await?
        .map(|o| o.name)
        .unwrap_or_default();
    let connections = policies::active_connection_ids(ctx.db.read(), &claim.organization_id).await?;
    if connections.is_empty() {
        return Ok(SsoRoute::NoConnection { organization });
    }
    // The SSO issue plugs its authorize URL in here.
    Ok(SsoRoute::Unavailable { organization })
}
