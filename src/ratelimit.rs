//! Rate limits on credential-taking endpoints (governor, in process), keyed separately by
//! client IP and by target account (email, user or challenge), so a flood against one
//! account neither locks out other accounts nor outlives its window.

use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};
use std::num::NonZeroU32;
use std::time::Duration;

pub struct RateLimits {
    by_ip: DefaultKeyedRateLimiter<String>,
    by_account: DefaultKeyedRateLimiter<String>,
    clock: DefaultClock,
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
    pub fn check(&self, ip: Option<&str>, account: Option<&str>) -> Result<(), Limited> {
        let mut worst: Option<Duration> = None;
        let now = self.clock.now();
        if let Some(ip) = ip {
            if let Err(not_until) = self.by_ip.check_key(&ip.to_owned()) {
                worst = Some(not_until.wait_time_from(now));
            }
        }
        if let Some(account) = account {
            if let Err(not_until) = self.by_account.check_key(&account.to_lowercase()) {
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
        for _ in 0..3 {
            assert!(limits.check(Some("10.0.0.1"), Some("victim@example.com")).is_ok());
        }
        let limited = limits.check(Some("10.0.0.2"), Some("VICTIM@example.com")).unwrap_err();
        assert!(limited.retry_after > Duration::ZERO && limited.retry_after <= Duration::from_millis(300));
        assert!(
            limits.check(Some("10.0.0.1"), Some("other@example.com")).is_ok(),
            "other accounts are untouched"
        );
        std::thread::sleep(Duration::from_millis(350));
        assert!(
            limits.check(Some("10.0.0.3"), Some("victim@example.com")).is_ok(),
            "the window passes"
        );
    }

    #[test]
    fn one_ip_is_limited_across_accounts() {
        let limits = RateLimits::new(2, 100, Duration::from_secs(60));
        assert!(limits.check(Some("10.0.0.9"), Some("a@example.com")).is_ok());
        assert!(limits.check(Some("10.0.0.9"), Some("b@example.com")).is_ok());
        assert!(limits.check(Some("10.0.0.9"), Some("c@example.com")).is_err());
        assert!(limits.check(Some("10.0.0.10"), Some("c@example.com")).is_ok());
    }
}
