//! TOTP second factor (RFC 6238: SHA-1, 6 digits, 30 s) and single-use recovery codes.

use rand::RngExt as _;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use totp_rs::{Builder, Totp, TotpError};

const SECRET_LEN: usize = 20;
const DIGITS: usize = 6;
const STEP_SECONDS: u64 = 30;
// RFC 6238 5.2 recommends at most one step of network delay either side.
const SKEW_STEPS: u64 = 1;

const RECOVERY_CODE_LEN: usize = 10;
const RECOVERY_CODE_GROUP: usize = 5;
// Crockford's base32 alphabet: 32 symbols (5 bits each) without i, l, o and u, so a code read
// aloud or off paper cannot be mistaken for another.
const RECOVERY_ALPHABET: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TotpSetupError {
    #[error("TOTP secret must be at least 16 bytes")]
    SecretTooShort,
    #[error("issuer must not contain ':'")]
    InvalidIssuer,
    #[error("account name must be non-empty and must not contain ':'")]
    InvalidAccountName,
    // The library's error would carry the otpauth URI, and with it the secret: keep it out.
    #[error("could not render the QR code")]
    QrCode,
}

/// A fresh 160-bit TOTP secret, the length RFC 4226 section 4 recommends.
pub fn new_secret() -> Vec<u8> {
    let mut secret = vec![0u8; SECRET_LEN];
    rand::fill(&mut secret[..]);
    secret
}

/// The `otpauth://totp/Issuer:account?secret=...&issuer=Issuer` URI that authenticator apps scan.
///
/// # Errors
/// [`TotpSetupError`] if the secret is shorter than 16 bytes or issuer/account contain `:`.
pub fn otpauth_uri(secret: &[u8], issuer: &str, account: &str) -> Result<String, TotpSetupError> {
    enrollment(secret, issuer, account)?.to_url().map_err(setup_error)
}

/// The [`otpauth_uri`] as a QR code: a `data:image/png;base64,...` URI for an `<img src>`.
///
/// # Errors
/// As [`otpauth_uri`], or [`TotpSetupError::QrCode`] if the URI is too long for a QR code.
pub fn qr_code_png_base64(secret: &[u8], issuer: &str, account: &str) -> Result<String, TotpSetupError> {
    let png = enrollment(secret, issuer, account)?
        .to_qr_base64()
        .map_err(setup_error)?;
    Ok(format!("data:image/png;base64,{png}"))
}

/// Checks a 6-digit `code` at `now_unix`, accepting the current 30 s step and one either side.
/// Returns the matched time step, which the caller must store and pass back as `last_used_step`:
/// steps at or before it are refused, so an observed code cannot be replayed (RFC 6238 5.2).
/// Returns `None` for a wrong code, anything other than exactly six ASCII digits, or a secret
/// shorter than 16 bytes.
pub fn verify_code(secret: &[u8], code: &str, now_unix: u64, last_used_step: Option<u64>) -> Option<u64> {
    if code.len() != DIGITS || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let totp = Builder::new().with_secret(secret.to_vec()).build().ok()?;
    let current_step = now_unix / STEP_SECONDS;
    let first = current_step.saturating_sub(SKEW_STEPS);
    let last = current_step.saturating_add(SKEW_STEPS);
    (first..=last)
        .filter(|step| last_used_step.is_none_or(|used| *step > used))
        .find(|step| {
            step.checked_mul(STEP_SECONDS).is_some_and(|time| {
                let expected = totp.generate(time).to_string();
                bool::from(expected.as_bytes().ct_eq(code.as_bytes()))
            })
        })
}

/// `count` fresh recovery codes like `7kq2m-x9d4h`: 10 symbols of 5 bits (50 bits) each.
/// Show them once, store only [`hash_recovery_code`] of each.
pub fn generate_recovery_codes(count: usize) -> Vec<String> {
    let mut rng = rand::rng();
    (0..count)
        .map(|_| {
            let mut code = String::with_capacity(RECOVERY_CODE_LEN + 1);
            for position in 0..RECOVERY_CODE_LEN {
                if position == RECOVERY_CODE_GROUP {
                    code.push('-');
                }
                let index = rng.random_range(0..RECOVERY_ALPHABET.len());
                code.push(char::from(RECOVERY_ALPHABET[index]));
            }
            code
        })
        .collect()
}

/// Lowercase hex SHA-256 of a recovery code after normalising it: lowercase, hyphens and
/// whitespace removed, and Crockford's look-alikes mapped (`o` to `0`, `i`/`l` to `1`), so
/// however the user types a code it hashes the same as when it was issued.
pub fn hash_recovery_code(code: &str) -> String {
    let normalized: String = code
        .chars()
        .filter(|c| *c != '-' && !c.is_whitespace())
        .map(|c| match c.to_ascii_lowercase() {
            'o' => '0',
            'i' | 'l' => '1',
            other => other,
        })
        .collect();
    Sha256::digest(normalized.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn enrollment(secret: &[u8], issuer: &str, account: &str) -> Result<Totp, TotpSetupError> {
    let totp = Builder::new()
        .with_secret(secret.to_vec())
        .with_issuer(Some(issuer))
        .with_account_name(account)
        .build()
        .map_err(setup_error)?;
    if account.is_empty() {
        return Err(TotpSetupError::InvalidAccountName);
    }
    Ok(totp)
}

fn setup_error(error: TotpError) -> TotpSetupError {
    match error {
        TotpError::SecretTooShort { .. } => TotpSetupError::SecretTooShort,
        TotpError::InvalidIssuer { .. } => TotpSetupError::InvalidIssuer,
        TotpError::AccountNameNotSet | TotpError::InvalidAccountName { .. } => TotpSetupError::InvalidAccountName,
        _ => TotpSetupError::QrCode,
    }
}

/// The seed as authenticator apps take it when typed by hand (RFC 4648 base32).
pub fn secret_base32(secret: &[u8]) -> String {
    totp_rs::Secret::from(secret.to_vec()).to_base32()
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc6238_sha1_vectors() {
        // RFC 6238 appendix B, SHA-1 column, last six of the eight digits.
        for (time, code) in [
            (59, "287082"),
            (1_111_111_109, "081804"),
            (1_111_111_111, "050471"),
            (1_234_567_890, "005924"),
            (2_000_000_000, "279037"),
            (20_000_000_000, "353130"),
        ] {
            assert_eq!(verify_code(RFC_SECRET, code, time, None), Some(time / 30), "{time}");
        }
    }

    #[test]
    fn skew_and_replay() {
        // 287082 is the code for step 1 (t = 30..=59).
        let cases = [
            (59, None, Some(1)),
            (30, None, Some(1)),
            (0, None, Some(1)),
            (60, None, Some(1)),
            (89, None, Some(1)),
            (90, None, None),
            (59, Some(0), Some(1)),
            (59, Some(1), None),
            (59, Some(2), None),
        ];
        for (now, last_used, want) in cases {
            assert_eq!(
                verify_code(RFC_SECRET, "287082", now, last_used),
                want,
                "now={now} last_used={last_used:?}"
            );
        }
    }

    #[test]
    fn malformed_codes_are_refused() {
        for code in [
            "",
            "28708",
            "2870822",
            "28708a",
            " 287082",
            "287 082",
            "+28708",
            "２８７０８２",
        ] {
            assert_eq!(verify_code(RFC_SECRET, code, 59, None), None, "{code:?}");
        }
    }

    #[test]
    fn short_secret_never_verifies() {
        assert_eq!(verify_code(b"too short", "287082", 59, None), None);
    }

    #[test]
    fn fresh_secrets_are_random_and_20_bytes() {
        let (a, b) = (new_secret(), new_secret());
        assert_eq!(a.len(), 20);
        assert_ne!(a, b);
    }

    #[test]
    fn otpauth_uri_format() {
        assert_eq!(
            otpauth_uri(RFC_SECRET, "Gatehouse", "alice@example.com").unwrap(),
            "otpauth://totp/Gatehouse:alice%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Gatehouse"
        );
        for (secret, issuer, account, want) in [
            (RFC_SECRET, "Gate:house", "alice", TotpSetupError::InvalidIssuer),
            (RFC_SECRET, "Gatehouse", "ali:ce", TotpSetupError::InvalidAccountName),
            (RFC_SECRET, "Gatehouse", "", TotpSetupError::InvalidAccountName),
            (&RFC_SECRET[..10], "Gatehouse", "alice", TotpSetupError::SecretTooShort),
        ] {
            assert_eq!(otpauth_uri(secret, issuer, account), Err(want), "{issuer} {account}");
        }
    }

    #[test]
    fn qr_code_is_a_png_data_uri() {
        let uri = qr_code_png_base64(&new_secret(), "Gatehouse", "alice@example.com").unwrap();
        let png = base64::engine::general_purpose::STANDARD
            .decode(uri.strip_prefix("data:image/png;base64,").unwrap())
            .unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    }

    #[test]
    fn recovery_codes_shape() {
        let codes = generate_recovery_codes(10);
        assert_eq!(codes.len(), 10);
        for code in &codes {
            let (left, right) = code.split_once('-').unwrap();
            assert_eq!((left.len(), right.len()), (5, 5), "{code}");
            assert!(
                left.bytes()
                    .chain(right.bytes())
                    .all(|b| RECOVERY_ALPHABET.contains(&b)),
                "{code}"
            );
        }
        let unique: std::collections::HashSet<_> = codes.iter().collect();
        assert_eq!(unique.len(), codes.len());
    }

    #[test]
    fn recovery_code_hash_normalizes_input() {
        let issued = hash_recovery_code("7kq2m-x9d01");
        assert_eq!(issued.len(), 64);
        assert!(issued.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
        for (typed, same) in [
            ("7kq2m-x9d01", true),
            ("7KQ2M-X9D01", true),
            ("7kq2mx9d01", true),
            (" 7kq2m x9d01 ", true),
            ("7kq2m-x9dOl", true),
            ("7kq2m-x9d02", false),
        ] {
            assert_eq!(hash_recovery_code(typed) == issued, same, "{typed}");
        }
    }

    #[test]
    fn recovery_code_hash_is_sha256_hex() {
        // sha256("abc"), FIPS 180-2 example.
        assert_eq!(
            hash_recovery_code("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
