//! Opaque random secrets (API keys, tokens) and how they are stored: only a SHA-256 hash.
//! These secrets carry 200+ bits of entropy, so a fast hash is enough; a slow one would only
//! cost latency on every request.

use rand::distr::{Alphanumeric, SampleString};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// A fresh secret: `prefix` followed by 40 alphanumeric characters (~238 bits).
pub fn generate(prefix: &str) -> String {
    format!("{prefix}{}", Alphanumeric.sample_string(&mut rand::rng(), 40))
}

pub fn hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Compares two stored hashes without revealing where they first differ.
pub fn hashes_match(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_secrets_are_distinct_and_hash_stably() {
        let a = generate("gh_sk_");
        let b = generate("gh_sk_");
        assert!(a.starts_with("gh_sk_") && a.len() == 46);
        assert_ne!(a, b);
        assert!(hashes_match(&hash(&a), &hash(&a)));
        assert!(!hashes_match(&hash(&a), &hash(&b)));
        assert_ne!(hash(&a), a);
    }
}
