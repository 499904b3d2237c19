//! Who may be signed in as, linked to or created for an asserted email address: the one rule of
//! account linking (seed 004, "identity linking"; Sudhodanan & Paverd, USENIX Security 2022).
//!
//! Any IdP, social provider or directory can assert any address, and anyone can read an
//! invitation's token from the API that created it. So an assertion counts only when its asserter
//! owns the mailbox: an organization's IdP or directory in a domain that organization verified (and
//! never in one of its guest domains), a social provider that vouches for the address. Everything
//! else must prove the mailbox with an emailed code in the same flow before anything is linked,
//! joined or trusted. SSO, social sign-in, SCIM and invitations ask [`decide`]; nothing else
//! decides.

use crate::domains::trust::IdpEmailTrust;

/// Who asserts the email.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Asserter {
    /// An organization's SSO connection, with the trust of its organization in the address.
    OrganizationIdp(IdpEmailTrust),
    /// A social provider; `vouches` when it owns or verifies the mailbox (`oidc::social::email_trust`).
    SocialProvider { vouches: bool },
    /// An organization's SCIM directory, with the trust of its organization in the address.
    Directory(IdpEmailTrust),
    /// Whoever presents an invitation token: the invited person, or the admin who read the token
    /// from the API. It lets the holder join, never proves the mailbox.
    InvitationToken,
}

/// The account that already has the asserted address, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Account {
    Missing,
    /// Its address was never proven: whoever set it up may not own the mailbox.
    Unproven,
    Proven,
}

impl Account {
    pub fn of(user: Option<&entities::users::Model>) -> Self {
        match user {
            None => Account::Missing,
            Some(u) if u.email_verified => Account::Proven,
            Some(_) => Account::Unproven,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The asserter owns the mailbox: sign in as the account and link the identity.
    SignIn,
    /// The asserter owns the mailbox of an account nobody proved: the assertion is the account's
    /// first mailbox proof (`identity::proof`, which ends what was set up before it), then link.
    Claim,
    /// No account has the address: create one with the address proven, and link.
    Create,
    /// The mailbox must be proven with an emailed code in this flow first. Until then nothing is
    /// linked or joined; a missing account may be created unproven to carry the proof.
    ProveFirst,
    /// No interactive flow can prove the mailbox (a directory push): nothing is linked or created,
    /// and the directory user stays a directory user.
    Refuse,
}

/// The rule itself.
pub fn decide(asserter: Asserter, account: Account) -> Decision {
    let vouches = match asserter {
        Asserter::OrganizationIdp(trust) | Asserter::Directory(trust) => trust == IdpEmailTrust::Trusted,
        Asserter::SocialProvider { vouches } => vouches,
        Asserter::InvitationToken => false,
    };
    match (vouches, account) {
        (true, Account::Proven) => Decision::SignIn,
        (true, Account::Unproven) => Decision::Claim,
        (true, Account::Missing) => Decision::Create,
        (false, _) if matches!(asserter, Asserter::Directory(_)) => Decision::Refuse,
        (false, _) => Decision::ProveFirst,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Account::*;
    use Asserter::*;
    use Decision::*;
    use IdpEmailTrust::{Guest, Trusted, Untrusted};

    #[test]
    fn only_an_asserter_that_owns_the_mailbox_links_or_creates() {
        let cases = [
            // An IdP in a domain its organization verified.
            (OrganizationIdp(Trusted), Proven, SignIn),
            (OrganizationIdp(Trusted), Unproven, Claim),
            (OrganizationIdp(Trusted), Missing, Create),
            // Any other address: the IdP may be the attacker's (non-verifying IdP, JIT squatting).
            (OrganizationIdp(Untrusted), Proven, ProveFirst),
            (OrganizationIdp(Untrusted), Unproven, ProveFirst),
            (OrganizationIdp(Untrusted), Missing, ProveFirst),
            // Contractors' addresses: never the organization's to vouch for, even when verified.
            (OrganizationIdp(Guest), Proven, ProveFirst),
            (OrganizationIdp(Guest), Missing, ProveFirst),
            (SocialProvider { vouches: true }, Proven, SignIn),
            (SocialProvider { vouches: true }, Unproven, Claim),
            (SocialProvider { vouches: true }, Missing, Create),
            (SocialProvider { vouches: false }, Proven, ProveFirst),
            (SocialProvider { vouches: false }, Unproven, ProveFirst),
            (SocialProvider { vouches: false }, Missing, ProveFirst),
            (Directory(Trusted), Proven, SignIn),
            (Directory(Trusted), Unproven, Claim),
            (Directory(Trusted), Missing, Create),
            // SCIM squatting: a directory cannot run an emailed code, so it gets nothing.
            (Directory(Untrusted), Proven, Refuse),
            (Directory(Untrusted), Unproven, Refuse),
            (Directory(Untrusted), Missing, Refuse),
            (Directory(Guest), Missing, Refuse),
            // The admin who invited can read the token: it is no mailbox proof for any account.
            (InvitationToken, Proven, ProveFirst),
            (InvitationToken, Unproven, ProveFirst),
            (InvitationToken, Missing, ProveFirst),
        ];
        for (asserter, account, want) in cases {
            assert_eq!(decide(asserter, account), want, "{asserter:?} {account:?}");
        }
    }
}
