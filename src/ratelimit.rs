//! Rate limits on credential-taking endpoints (governor, in process), keyed separately by
//! client IP and by target account, so a flood against one account neither locks out other
//! accounts nor outlives its window. The account side of a key is an `AccountKey`: built
//! only from parsed parts, so every spelling of one address spends one budget, and never
//! from a raw secret, so no token sits in the limiter's memory.

use crate::validation::Email;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::num::NonZeroU32;
use std::time::Duration;

pub struct RateLimits {
    by_ip: DefaultKeyedRateLimiter<String>,
    by_account: DefaultKeyedRateLimiter<AccountKey>,
    clock: DefaultClock,
}

/// Whose budget an attempt spends.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct AccountKey(String);

impl AccountKey {
    /// Everything sent to one mailbox (codes, links): the whole address, from every IP.
    pub fn mailbox(raw: &str) -> Self {
        Self(format!("email:{}", Email::normalize_or_raw(raw)))
    }

    /// Guesses at one account's credential from one client IP. A flood from many addresses
    /// spends many of these, which is why the account also has a ceiling across the cluster
    /// (`authentication::ceiling`) that its owner's known addresses pass.
    pub fn sign_in(raw_email: &str, ip: Option<&str>) -> Self {
        Self(format!(
            "sign_in:{}|{}",
            Email::normalize_or_raw(raw_email),
            ip.unwrap_or("-")
        ))
    }

    /// The sign-in a pending authentication token continues, named by the token's hash.
    pub fn pending(token: &str) -> Self {
        Self(format!("pending:{}", crate::secrets::hash(token)))
    }

    /// Codes guessed against one user's pending proof (an email verification code).
    pub fn user(user_id: &str) -> Self {
        Self(format!("user:{user_id}"))
    }

    /// Codes guessed against one MFA factor, across all of its challenges.
    pub fn factor(factor_id: &str) -> Self {
        Self(format!("factor:{factor_id}"))
    }

    /// Codes guessed against one MFA challenge.
    pub fn challenge(challenge_id: &str) -> Self {
        Self(format!("challenge:{challenge_id}"))
    }

    /// Bearer tokens guessed against one SCIM directory.
    pub fn directory(directory_id: &str) -> Self {
        Self(format!("directory:{directory_id}"))
    }
}

/// Too many attempts; try again after this long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    pub retry_after: Duration,
}

fn quota(burst: u32, period: Duration) -> Quota {
    let burst = NonZeroU32::new(burst.max(1)).unwrap_or(NonZeroU32::MIN);
    // A full burst refills over `period`.
    let per_cell = period / burst.get();
    Quota::with_period(per_cell.max(Duration::from_millis(1)))
        .unwrap_or_else(|| Quota::per_second(burst))
        .allow_burst(burst)
}

impl RateLimits {
    pub fn new(ip_burst: u32, account_burst: u32, period: Duration) -> Self {
        Self {
            by_ip: governor::RateLimiter::keyed(quota(ip_burst, period)),
            by_account: governor::RateLimiter::keyed(quota(account_burst, period)),
            clock: DefaultClock::default(),
        }
    }

    /// Spends one attempt for the IP and one for the account (either may be absent).
    pub fn check(&self, ip: Option<&str>, account: Option<&AccountKey>) -> Result<(), Limited> {
        let mut worst: Option<Duration> = None;
        let now = self.clock.now();
        if let Some(ip) = ip {
            if let Err(not_until) = self.by_ip.check_key(&ip.to_owned()) {
                worst = Some(not_until.wait_time_from(now));
            }
        }
        if let Some(account) = account {
            if let Err(not_until) = self.by_account.check_key(account) {
                worst = worst.max(Some(not_until.wait_time_from(now)));
            }
        }
        match worst {
            Some(wait) => {
                tracing::info!(retry_after_ms = wait.as_millis() as u64, "rate limited");
                Err(Limited { retry_after: wait })
            }
            None => Ok(()),
        }
    }

    /// Forgets keys whose limits have fully refilled, so memory tracks recent attackers only.
    pub fn forget_idle_keys(&self) {
        self.by_ip.retain_recent();
        self.by_account.retain_recent();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_on_one_account_spares_others_and_refills() {
        let limits = RateLimits::new(100, 3, Duration::from_millis(300));
        let victim = AccountKey::mailbox("victim@example.com");
        for _ in 0..3 {
            assert!(limits.check(Some("10.0.0.1"), Some(&victim)).is_ok());
        }
        let limited = limits
            .check(Some("10.0.0.2"), Some(&AccountKey::mailbox("VICTIM@example.com")))
            .unwrap_err();
        assert!(limited.retry_after > Duration::ZERO && limited.retry_after <= Duration::from_millis(300));
        assert!(
            limits
                .check(Some("10.0.0.1"), Some(&AccountKey::mailbox("other@example.com")))
                .is_ok(),
            "other accounts are untouched"
        );
        std::thread::sleep(Duration::from_millis(350));
        assert!(
            limits.check(Some("10.0.0.3"), Some(&victim)).is_ok(),
            "the window passes"
        );
    }

    #[test]
    fn one_ip_is_limited_across_accounts() {
        let limits = RateLimits::new(2, 100, Duration::from_secs(60));
        let key = AccountKey::mailbox;
        assert!(limits.check(Some("10.0.0.9"), Some(&key("a@example.com"))).is_ok());
        assert!(limits.check(Some("10.0.0.9"), Some(&key("b@example.com"))).is_ok());
        assert!(limits.check(Some("10.0.0.9"), Some(&key("c@example.com"))).is_err());
        assert!(limits.check(Some("10.0.0.10"), Some(&key("c@example.com"))).is_ok());
    }

    #[test]
    fn keys_name_one_account_however_it_is_spelled_and_hold_no_secret() {
        let same = [
            ("victim@x.test", " victim@x.test"),
            ("victim@x.test", "victim@x.test "),
            ("victim@x.test", "VICTIM@x.test"),
            ("not an address", " NOT AN ADDRESS "),
        ];
        for (a, b) in same {
            assert_eq!(AccountKey::mailbox(a), AccountKey::mailbox(b), "{a:?} / {b:?}");
            assert_eq!(
                AccountKey::sign_in(a, Some("192.0.2.1")),
                AccountKey::sign_in(b, Some("192.0.2.1")),
                "{a:?} / {b:?}"
            );
        }
        assert_ne!(
            AccountKey::sign_in("victim@x.test", Some("192.0.2.1")),
            AccountKey::sign_in("victim@x.test", Some("192.0.2.2")),
            "sign-in guesses count per address pair"
        );
        assert_ne!(AccountKey::factor("f_1"), AccountKey::challenge("f_1"));
        let token = "pending_secret_value";
        assert!(!format!("{:?}", AccountKey::pending(token)).contains(token));
        assert_eq!(AccountKey::pending(token), AccountKey::pending(token));
    }
}
