//! The decisions an invitation makes from values alone: whom an organization's policy lets it
//! invite, which email the invitee gets, as what kind of member they join, and what state a
//! stored invitation is in at a given time.

use chrono::{DateTime, Utc};

/// The policy fields that govern invitations (API.md "organization policy").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InvitePolicy {
    /// `None`: anyone may be invited.
    pub invitation_domains: Option<Vec<String>>,
    pub require_work_email: bool,
    pub guest_domains: Vec<String>,
}

/// What is known about the invitee's address when the invitation is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Invitee<'a> {
    /// Lowercase domain of the invited address.
    pub domain: &'a str,
    /// The address hands out mailboxes to anyone (gmail.com, outlook.com …).
    pub free_mail: bool,
    /// An account with this address exists already.
    pub has_account: bool,
}

/// Which email the invitee gets, and so how the invitation is accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// "Create an account": no account has this address.
    NewUser,
    /// "Join this organization": the account with this address joins on accept.
    ExistingUser,
    /// The account with this address is a personal one and the organization requires a work
    /// email: the invitee must join with a new account on a work address, never this one.
    WorkEmailRequired,
}

impl Variant {
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::NewUser => "new_user",
            Variant::ExistingUser => "existing_user",
            Variant::WorkEmailRequired => "work_email_required",
        }
    }

    pub fn parse(raw: &str) -> Self {
        match raw {
            "existing_user" => Variant::ExistingUser,
            "work_email_required" => Variant::WorkEmailRequired,
            _ => Variant::NewUser,
        }
    }

    /// The email template that announces the invitation.
    pub fn template(self) -> &'static str {
        match self {
            Variant::NewUser => "invitation_new",
            Variant::ExistingUser => "invitation_existing",
            Variant::WorkEmailRequired => "invitation_work_email",
        }
    }
}

/// Why the policy refuses an invitee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// `invitation_domains` does not list the domain; carries the allowed domains.
    DomainNotAllowed(Vec<String>),
    /// `require_work_email` and a free-mail address with no account to explain it to.
    WorkEmailRequired,
}

/// The outcome of the policy for one invitee: which email, and whether they join as a guest.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    pub variant: Variant,
    pub guest: bool,
}

/// Applies the organization's invitation policy to an invitee.
pub fn decide(policy: &InvitePolicy, invitee: Invitee<'_>) -> Result<Decision, Refusal> {
    if let Some(allowed) = &policy.invitation_domains {
        if !allowed.iter().any(|d| d.eq_ignore_ascii_case(invitee.domain)) {
            return Err(Refusal::DomainNotAllowed(allowed.clone()));
        }
    }
    let variant = match (policy.require_work_email && invitee.free_mail, invitee.has_account) {
        // Someone already signed up with a personal address: tell them why this account cannot
        // join instead of silently asking them to sign up again (the seed's "sinister" case).
        (true, true) => Variant::WorkEmailRequired,
        (true, false) => return Err(Refusal::WorkEmailRequired),
        (false, true) => Variant::ExistingUser,
        (false, false) => Variant::NewUser,
    };
    let guest = policy
        .guest_domains
        .iter()
        .any(|d| d.eq_ignore_ascii_case(invitee.domain));
    Ok(Decision { variant, guest })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    Pending,
    Accepted,
    Revoked,
    Expired,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Accepted => "accepted",
            State::Revoked => "revoked",
            State::Expired => "expired",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "pending" => State::Pending,
            "accepted" => State::Accepted,
            "revoked" => State::Revoked,
            "expired" => State::Expired,
            _ => return None,
        })
    }
}

/// The state at `now`: a stored `pending` past its expiry is expired. Expiry follows the clock,
/// not a sweeper, so an invitation can never be accepted a moment after it lapsed.
pub fn state_at(stored: &str, expires_at: DateTime<Utc>, now: DateTime<Utc>) -> State {
    match State::parse(stored).unwrap_or(State::Revoked) {
        State::Pending if now >= expires_at => State::Expired,
        other => other,
    }
}

/// The display name of whoever sent the invitation.
pub fn inviter_name(first: Option<&str>, last: Option<&str>, email: Option<&str>, organization: &str) -> String {
    let full = [first, last]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if !full.is_empty() {
        full
    } else if let Some(email) = email {
        email.to_owned()
    } else {
        format!("An administrator of {organization}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn policy(domains: Option<&[&str]>, work: bool, guests: &[&str]) -> InvitePolicy {
        InvitePolicy {
            invitation_domains: domains.map(|d| d.iter().map(|s| s.to_string()).collect()),
            require_work_email: work,
            guest_domains: guests.iter().map(|s| s.to_string()).collect(),
        }
    }

    fn invitee(domain: &str, free_mail: bool, has_account: bool) -> Invitee<'_> {
        Invitee {
            domain,
            free_mail,
            has_account,
        }
    }

    #[test]
    fn policy_decides_variant_kind_or_refusal() {
        let ok = |variant, guest| Ok(Decision { variant, guest });
        let cases = [
            (
                policy(None, false, &[]),
                invitee("acme.test", false, false),
                ok(Variant::NewUser, false),
            ),
            (
                policy(None, false, &[]),
                invitee("acme.test", false, true),
                ok(Variant::ExistingUser, false),
            ),
            (
                policy(None, false, &[]),
                invitee("gmail.com", true, true),
                ok(Variant::ExistingUser, false),
            ),
            (
                policy(None, true, &[]),
                invitee("gmail.com", true, true),
                ok(Variant::WorkEmailRequired, false),
            ),
            (
                policy(None, true, &[]),
                invitee("gmail.com", true, false),
                Err(Refusal::WorkEmailRequired),
            ),
            (
                policy(None, true, &[]),
                invitee("acme.test", false, true),
                ok(Variant::ExistingUser, false),
            ),
            (
                policy(Some(&["acme.test"]), false, &[]),
                invitee("evil.test", false, false),
                Err(Refusal::DomainNotAllowed(vec!["acme.test".into()])),
            ),
            (
                policy(Some(&["ACME.test"]), false, &[]),
                invitee("acme.test", false, false),
                ok(Variant::NewUser, false),
            ),
            (
                policy(Some(&["acme.test"]), true, &[]),
                invitee("gmail.com", true, true),
                Err(Refusal::DomainNotAllowed(vec!["acme.test".into()])),
            ),
            (
                policy(None, false, &["contractor.test"]),
                invitee("contractor.test", false, false),
                ok(Variant::NewUser, true),
            ),
            (
                policy(None, false, &["contractor.test"]),
                invitee("contractor.test", false, true),
                ok(Variant::ExistingUser, true),
            ),
            (
                policy(None, false, &["contractor.test"]),
                invitee("acme.test", false, false),
                ok(Variant::NewUser, false),
            ),
        ];
        for (policy, invitee, want) in cases {
            assert_eq!(decide(&policy, invitee), want, "{policy:?} {invitee:?}");
        }
    }

    #[test]
    fn expiry_follows_the_clock() {
        let t = Utc::now();
        let cases = [
            ("pending", t + Duration::seconds(1), State::Pending),
            ("pending", t, State::Expired),
            ("pending", t - Duration::days(1), State::Expired),
            ("accepted", t - Duration::days(1), State::Accepted),
            ("revoked", t + Duration::days(1), State::Revoked),
            ("expired", t + Duration::days(1), State::Expired),
        ];
        for (stored, expires_at, want) in cases {
            assert_eq!(state_at(stored, expires_at, t), want, "{stored} {expires_at}");
        }
    }

    #[test]
    fn inviter_names_fall_back_to_email_then_organization() {
        let cases = [
            (Some("Ada"), Some("Lovelace"), Some("ada@x.test"), "Ada Lovelace"),
            (Some("Ada"), None, Some("ada@x.test"), "Ada"),
            (Some(" "), None, Some("ada@x.test"), "ada@x.test"),
            (None, None, None, "An administrator of Acme"),
        ];
        for (first, last, email, want) in cases {
            assert_eq!(inviter_name(first, last, email, "Acme"), want);
        }
    }
}
