//! Single sign-on chosen by the email's domain: a verified domain names the organization, and
//! the organization's active connections say where to send the browser. A guest domain of
//! that organization names contractors whom its IdP does not know, so it never routes to SSO.

use crate::context::Ctx;
use crate::domains::trust;
use crate::policy::policies;
use entities::{organization_domains as domains, organizations};
use sea_orm::{ColumnTrait, DbErr, EntityTrait, QueryFilter};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SsoRoute {
    /// Not an email address.
    NotAnEmail,
    /// No organization has verified this domain.
    NoOrganization { domain: String },
    /// The domain is one of the organization's guest domains.
    GuestDomain { domain: String, organization: String },
    /// The organization has no active SSO connection.
    NoConnection { organization: String },
    /// Sign in at the organization's active connections.
    Connections {
        organization_id: String,
        organization: String,
        connection_ids: Vec<String>,
    },
}

impl SsoRoute {
    /// Why the browser is not sent to an IdP (a route to connections needs no words).
    pub fn explain(&self) -> String {
        match self {
            SsoRoute::NotAnEmail => "Enter your work email to find your organization's single sign-on.".into(),
            SsoRoute::NoOrganization { domain } => format!(
                "No organization uses single sign-on for {domain}. Sign in with your password or an emailed code."
            ),
            SsoRoute::GuestDomain { domain, organization } => format!(
                "{organization} does not sign in {domain} addresses through its single sign-on. \
                 Sign in with your password or an emailed code."
            ),
            SsoRoute::NoConnection { organization } => format!(
                "{organization} has not set up single sign-on yet. Sign in with your password or an emailed code."
            ),
            SsoRoute::Connections { organization, .. } => {
                format!("Continue to {organization}'s single sign-on.")
            }
        }
    }
}

pub async fn route_by_email(ctx: &Ctx, email: &str) -> Result<SsoRoute, DbErr> {
    let Some(parsed) = crate::validation::Email::parse(email) else {
        return Ok(SsoRoute::NotAnEmail);
    };
    let domain = parsed.domain().to_lowercase();
    let claim = domains::Entity::find()
        .filter(domains::Column::Domain.eq(domain.clone()))
        .filter(domains::Column::State.eq("verified"))
        .one(ctx.db.read())
        .await?;
    let Some(claim) = claim else {
        return Ok(SsoRoute::NoOrganization { domain });
    };
    let guest_domains = trust::guest_domains_of(ctx.db.read(), &claim.organization_id).await?;
    if trust::is_guest_domain(&domain, &guest_domains) {
        let organization = organization_name(ctx, &claim.organization_id).await?;
        return Ok(SsoRoute::GuestDomain { domain, organization });
    }
    route_to_organization(ctx, &claim.organization_id).await
}

/// The route to an organization named by other means (a policy asking for its SSO).
pub async fn route_to_organization(ctx: &Ctx, organization_id: &str) -> Result<SsoRoute, DbErr> {
    let organization = organization_name(ctx, organization_id).await?;
    let connection_ids = policies::active_connection_ids(ctx.db.read(), organization_id).await?;
    if connection_ids.is_empty() {
        return Ok(SsoRoute::NoConnection { organization });
    }
    Ok(SsoRoute::Connections {
        organization_id: organization_id.to_owned(),
        organization,
        connection_ids,
    })
}

async fn organization_name(ctx: &Ctx, organization_id: &str) -> Result<String, DbErr> {
    Ok(organizations::Entity::find_by_id(organization_id)
        .one(ctx.db.read())
        .await?
        .map(|o| o.name)
        .unwrap_or_default())
}
