//! Whether an email that an identity provider asserts for an organization's users is trusted
//! (ARCHITECTURE.md §5): only in a domain the organization verified, and never in one of its
//! guest domains, whether the assertion comes by SSO or by SCIM.

use entities::organization_policies as policies;
use sea_orm::{ConnectionTrait, DbErr, EntityTrait};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdpEmailTrust {
    /// A domain the organization verified: its IdP vouches for the mailbox.
    Trusted,
    /// Unproven until the user proves the mailbox with a code.
    Untrusted,
    /// One of the organization's guest domains: contractors' addresses, which its IdP does not
    /// own, so never trusted, even where the domain is also verified.
    Guest,
}

/// Whether `domain` is one of the organization's guest domains.
pub fn is_guest_domain(domain: &str, guest_domains: &[String]) -> bool {
    guest_domains.iter().any(|g| g.eq_ignore_ascii_case(domain))
}

/// The rule itself, for the email's `domain`.
pub fn rule(domain: &str, verified_by_org: bool, guest_domains: &[String]) -> IdpEmailTrust {
    if is_guest_domain(domain, guest_domains) {
        IdpEmailTrust::Guest
    } else if verified_by_org {
        IdpEmailTrust::Trusted
    } else {
        IdpEmailTrust::Untrusted
    }
}

/// The rule for an email `org_id`'s IdP asserts; no usable address is untrusted.
pub async fn idp_email_trust<C: ConnectionTrait>(
    db: &C,
    org_id: &str,
    email: Option<&str>,
) -> Result<IdpEmailTrust, DbErr> {
    let Some(domain) = email
        .and_then(crate::validation::Email::parse)
        .map(|e| e.domain().to_owned())
    else {
        return Ok(IdpEmailTrust::Untrusted);
    };
    let guest_domains = guest_domains_of(db, org_id).await?;
    let verified = super::verified_by(db, org_id, &domain).await?;
    Ok(rule(&domain, verified, &guest_domains))
}

/// The organization's guest domains (none without a policy; a malformed list is an error).
pub async fn guest_domains_of<C: ConnectionTrait>(db: &C, org_id: &str) -> Result<Vec<String>, DbErr> {
    match policies::Entity::find_by_id(org_id).one(db).await? {
        Some(p) => crate::store::string_list("organization_policies.guest_domains", &p.guest_domains),
        None => Ok(Vec::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guest_domains_are_never_trusted() {
        let guests = vec!["contractor.test".to_owned(), "agency.test".to_owned()];
        let cases = [
            ("acme.test", true, &guests, IdpEmailTrust::Trusted),
            ("acme.test", false, &guests, IdpEmailTrust::Untrusted),
            ("contractor.test", false, &guests, IdpEmailTrust::Guest),
            // Verified and a guest domain at once (a guest domain verified later): still a guest.
            ("contractor.test", true, &guests, IdpEmailTrust::Guest),
            ("Agency.TEST", true, &guests, IdpEmailTrust::Guest),
            // A subdomain of a guest domain is a domain of its own.
            ("eu.contractor.test", true, &guests, IdpEmailTrust::Trusted),
            ("contractor.test", true, &Vec::new(), IdpEmailTrust::Trusted),
            ("other.test", false, &Vec::new(), IdpEmailTrust::Untrusted),
        ];
        for (domain, verified, guest_domains, want) in cases {
            assert_eq!(rule(domain, verified, guest_domains), want, "{domain} {verified}");
        }
    }
}
