//! The `Gatehouse-Signature` header: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`,
//! with one `v1` per live secret (two during a rotation). Pure: no clock, no I/O.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

pub const HEADER: &str = "Gatehouse-Signature";

/// How far a receiver lets `t` stray from its own clock (API.md: 300 s).
pub const DEFAULT_TOLERANCE_SECS: i64 = 300;

/// The hex `v1` signature of `body` sent at `t`.
pub fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    mac(secret, t, body)
        .map(|m| hex::encode(m.finalize().into_bytes()))
        .unwrap_or_default()
}

/// HMAC takes keys of any length, so this is always `Some`; the `Option` only spares a panic.
fn mac(secret: &str, t: i64, body: &[u8]) -> Option<Hmac<Sha256>> {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    Some(mac)
}

/// The header value for `body` sent at `t`, signed by every secret in `secrets`.
pub fn header(secrets: &[&str], t: i64, body: &[u8]) -> String {
    let mut value = format!("t={t}");
    for secret in secrets {
        value.push_str(",v1=");
        value.push_str(&sign(secret, t, body));
    }
    value
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum VerifyError {
    #[error("the signature header is malformed")]
    Malformed,
    #[error("the signature timestamp is outside the tolerance window")]
    OutsideTolerance,
    #[error("no signature matches")]
    NoMatch,
}

/// Checks a received header against `secret` at the receiver's time `now` (unix seconds).
/// Any one matching `v1` is enough; the comparison is constant-time.
pub fn verify(header: &str, body: &[u8], secret: &str, now: i64, tolerance_secs: i64) -> Result<(), VerifyError> {
    let mut t = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = Some(v.parse::<i64>().map_err(|_| VerifyError::Malformed)?),
            Some(("v1", v)) => candidates.push(hex::decode(v).map_err(|_| VerifyError::Malformed)?),
            // Unknown schemes (a future v2) are skipped, as receivers are told to.
            Some(_) => {}
            None => return Err(VerifyError::Malformed),
        }
    }
    let t = t.ok_or(VerifyError::Malformed)?;
    if candidates.is_empty() {
        return Err(VerifyError::Malformed);
    }
    if (now - t).abs() > tolerance_secs {
        return Err(VerifyError::OutsideTolerance);
    }
    let matched = candidates
        .iter()
        .any(|candidate| mac(secret, t, body).is_some_and(|m| m.verify_slice(candidate).is_ok()));
    if matched {
        Ok(())
    } else {
        Err(VerifyError::NoMatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_timestamp_and_raw_body() {
        // Independent check: `printf '1700000000.{"a":1}' | openssl dgst -sha256 -hmac whsec_test`
        assert_eq!(
            sign("whsec_test", 1_700_000_000, br#"{"a":1}"#),
            "38877139021993b830af32feea6e18a8da83eb2f6e49ee50bd9e4cf4ca4d3789"
        );
        assert_eq!(sign("k", 1, b"x").len(), 64);
        assert_ne!(sign("k", 1, b"x"), sign("k", 2, b"x"));
        assert_ne!(sign("k", 1, b"x"), sign("k2", 1, b"x"));
    }

    #[test]
    fn header_carries_one_v1_per_secret() {
        let h = header(&["a", "b"], 10, b"{}");
        assert_eq!(
            h,
            format!("t=10,v1={},v1={}", sign("a", 10, b"{}"), sign("b", 10, b"{}"))
        );
    }

    #[test]
    fn verification_cases() {
        let body = br#"{"id":"event_1"}"#;
        let good = header(&["old", "new"], 1000, body);
        type Case<'a> = (String, &'a [u8], &'a str, i64, Result<(), VerifyError>);
        let cases: Vec<Case> = vec![
            (good.clone(), body, "new", 1000, Ok(())),
            (good.clone(), body, "old", 1000, Ok(())),
            (good.clone(), body, "new", 1300, Ok(())),
            (good.clone(), body, "new", 700, Ok(())),
            (good.clone(), body, "new", 1301, Err(VerifyError::OutsideTolerance)),
            (good.clone(), body, "new", 699, Err(VerifyError::OutsideTolerance)),
            (good.clone(), body, "other", 1000, Err(VerifyError::NoMatch)),
            (
                good.clone(),
                br#"{"id":"event_2"}"#,
                "new",
                1000,
                Err(VerifyError::NoMatch),
            ),
            (
                good.replace("t=1000", "t=1001"),
                body,
                "new",
                1000,
                Err(VerifyError::NoMatch),
            ),
            (format!("{good},v2=zz"), body, "new", 1000, Ok(())),
            ("t=1000".into(), body, "new", 1000, Err(VerifyError::Malformed)),
            (
                format!("v1={}", sign("new", 1000, body)),
                body,
                "new",
                1000,
                Err(VerifyError::Malformed),
            ),
            ("t=abc,v1=00".into(), body, "new", 1000, Err(VerifyError::Malformed)),
            (
                "t=1000,v1=nothex".into(),
                body,
                "new",
                1000,
                Err(VerifyError::Malformed),
            ),
            ("garbage".into(), body, "new", 1000, Err(VerifyError::Malformed)),
            ("".into(), body, "new", 1000, Err(VerifyError::Malformed)),
        ];
        for (h, b, secret, now, want) in cases {
            assert_eq!(
                verify(&h, b, secret, now, DEFAULT_TOLERANCE_SECS),
                want,
                "{h} {secret} {now}"
            );
        }
    }
}
