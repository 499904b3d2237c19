//! Domains no organization may claim: free-mail providers and public suffixes. Their
//! mailboxes belong to strangers, so verifying one would make anyone's email "trusted"
//! (ARCHITECTURE.md §5).

use std::collections::HashSet;
use std::sync::LazyLock;

/// Why a domain can never belong to an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The domain (or a parent of it) hands out mailboxes to anyone.
    FreeMail,
    /// The domain is a public suffix (`co.uk`, `github.io`): its children are separate owners.
    PublicSuffix,
}

impl Refusal {
    /// The API error code.
    pub fn code(self) -> &'static str {
        match self {
            Refusal::FreeMail => "free_mail_domain",
            Refusal::PublicSuffix => "public_suffix",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            Refusal::FreeMail => "free-mail domains cannot belong to an organization",
            Refusal::PublicSuffix => "a public suffix cannot belong to an organization",
        }
    }
}

static FREE_MAIL: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    include_str!("free-mail-domains.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
});

/// Checks a parsed (lowercase, no trailing dot) domain name.
pub fn check(domain: &str) -> Result<(), Refusal> {
    if psl::suffix_str(domain) == Some(domain) {
        return Err(Refusal::PublicSuffix);
    }
    // A subdomain of a free-mail provider is the provider's too (eu.hotmail.com).
    let mut rest = domain;
    loop {
        if FREE_MAIL.contains(rest) {
            return Err(Refusal::FreeMail);
        }
        match rest.split_once('.') {
            Some((_, parent)) => rest = parent,
            None => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals() {
        let cases = [
            ("acme.com", Ok(())),
            ("acme.co.uk", Ok(())),
            ("acme.github.io", Ok(())),
            ("mail.acme.com", Ok(())),
            ("acme.internal", Ok(())),
            ("gmail.com", Err(Refusal::FreeMail)),
            ("googlemail.com", Err(Refusal::FreeMail)),
            ("outlook.com", Err(Refusal::FreeMail)),
            ("hotmail.com", Err(Refusal::FreeMail)),
            ("live.com", Err(Refusal::FreeMail)),
            ("msn.com", Err(Refusal::FreeMail)),
            ("yahoo.com", Err(Refusal::FreeMail)),
            ("icloud.com", Err(Refusal::FreeMail)),
            ("me.com", Err(Refusal::FreeMail)),
            ("aol.com", Err(Refusal::FreeMail)),
            ("proton.me", Err(Refusal::FreeMail)),
            ("protonmail.com", Err(Refusal::FreeMail)),
            ("gmx.com", Err(Refusal::FreeMail)),
            ("gmx.de", Err(Refusal::FreeMail)),
            ("mail.ru", Err(Refusal::FreeMail)),
            ("yandex.ru", Err(Refusal::FreeMail)),
            ("qq.com", Err(Refusal::FreeMail)),
            ("163.com", Err(Refusal::FreeMail)),
            ("zoho.com", Err(Refusal::FreeMail)),
            ("fastmail.com", Err(Refusal::FreeMail)),
            ("hey.com", Err(Refusal::FreeMail)),
            ("eu.hotmail.com", Err(Refusal::FreeMail)),
            ("co.uk", Err(Refusal::PublicSuffix)),
            ("github.io", Err(Refusal::PublicSuffix)),
            ("com.au", Err(Refusal::PublicSuffix)),
            ("herokuapp.com", Err(Refusal::PublicSuffix)),
        ];
        for (domain, want) in cases {
            assert_eq!(check(domain), want, "{domain}");
        }
    }

    #[test]
    fn the_shipped_list_is_big() {
        assert!(FREE_MAIL.len() > 1000, "{}", FREE_MAIL.len());
    }
}
