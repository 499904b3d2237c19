//! When a pending domain is checked again. DNS changes take minutes to hours to reach every
//! resolver, so checks start close together and spread out, and stop 72 h after the claim.

use chrono::{DateTime, Duration, Utc};

/// How long after the claim a domain keeps being re-checked before it fails with "gave up".
pub const GIVE_UP_AFTER: Duration = Duration::hours(72);

/// Waits after the 1st, 2nd, ... unsuccessful check; the last one repeats.
const WAITS_MINUTES: [i64; 5] = [1, 5, 15, 60, 360];

/// What follows an unsuccessful check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    /// Check again at this time.
    CheckAt(DateTime<Utc>),
    /// The deadline has passed: the domain fails.
    GiveUp,
}

/// The next step after `attempts` unsuccessful checks (this one included), the last made at
/// `now`, for a domain claimed at `claimed_at`. The final check falls on the deadline itself.
pub fn next_check(claimed_at: DateTime<Utc>, attempts: i32, now: DateTime<Utc>) -> Next {
    let deadline = claimed_at + GIVE_UP_AFTER;
    if now >= deadline {
        return Next::GiveUp;
    }
    let index = usize::try_from(attempts.saturating_sub(1))
        .unwrap_or(0)
        .min(WAITS_MINUTES.len() - 1);
    let wait = Duration::minutes(WAITS_MINUTES[index]);
    Next::CheckAt(std::cmp::min(now + wait, deadline))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_table() {
        let t0 = DateTime::<Utc>::from_timestamp(1_700_000_000, 0).unwrap_or_default();
        let min = Duration::minutes;
        let cases = [
            (0, min(0), Next::CheckAt(t0 + min(1))),
            (1, min(0), Next::CheckAt(t0 + min(1))),
            (2, min(1), Next::CheckAt(t0 + min(6))),
            (3, min(6), Next::CheckAt(t0 + min(21))),
            (4, min(21), Next::CheckAt(t0 + min(81))),
            (5, min(81), Next::CheckAt(t0 + min(441))),
            (6, min(441), Next::CheckAt(t0 + min(801))),
            (30, Duration::hours(70), Next::CheckAt(t0 + GIVE_UP_AFTER)),
            (31, GIVE_UP_AFTER, Next::GiveUp),
            (2, Duration::hours(100), Next::GiveUp),
        ];
        for (attempts, since_claim, want) in cases {
            assert_eq!(
                next_check(t0, attempts, t0 + since_claim),
                want,
                "{attempts} {since_claim}"
            );
        }
    }
}
