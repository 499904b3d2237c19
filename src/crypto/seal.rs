//! AES-256-GCM sealing of secrets kept at rest (TOTP seeds, IdP client secrets, signing keys).
//!
//! Sealed form: standard base64 of `version (1 byte) | nonce (12 bytes) | ciphertext | tag (16 bytes)`.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;

const FORMAT_VERSION: u8 = 1;
const NONCE_LEN: usize = 12;
const TAG_LEN: usize = 16;
const KEY_LEN: usize = 32;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SealError {
    #[error("sealing key must be {KEY_LEN} bytes of standard base64")]
    InvalidKey,
    #[error("sealed value is not valid base64")]
    Encoding,
    #[error("sealed value is too short")]
    Truncated,
    #[error("sealed value has unknown format version {0}")]
    UnknownVersion(u8),
    // One error for wrong key, wrong associated data and tampering: telling them apart would
    // only help an attacker.
    #[error("sealed value failed authentication")]
    Unauthentic,
    #[error("plaintext is too large to seal")]
    TooLarge,
}

/// Encrypts and authenticates small secrets with one 256-bit key.
pub struct Sealer {
    cipher: Aes256Gcm,
    /// A key for [`Sealer::tag`], derived from the sealing key so that one key is never used by two
    /// algorithms.
    tag_key: [u8; 32],
}

/// HMAC-SHA256 keyed with a 32-byte key. HMAC pads a key shorter than the hash's 64-byte block with
/// zeros (RFC 2104), so the padded block is that same key, given in the fixed size `KeyInit::new` takes.
fn hmac_sha256(key: &[u8; 32]) -> Hmac<Sha256> {
    let mut block = [0u8; 64];
    block[..32].copy_from_slice(key);
    <Hmac<Sha256> as KeyInit>::new(&block.into())
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealer { .. }")
    }
}

impl Sealer {
    pub fn new(key: [u8; KEY_LEN]) -> Self {
        let mut derive = hmac_sha256(&key);
        derive.update(b"gatehouse tag key v1");
        Self {
            cipher: Aes256Gcm::new(&Key::<Aes256Gcm>::from(key)),
            tag_key: derive.finalize().into_bytes().into(),
        }
    }

    /// An HMAC-SHA256 tag over `data` for `purpose`: proves that this server made `data`, for
    /// values that are handed out rather than stored (a tag for one purpose is no tag for another).
    pub fn tag(&self, purpose: &str, data: &[u8]) -> [u8; 32] {
        let mut mac = hmac_sha256(&self.tag_key);
        mac.update(purpose.as_bytes());
        mac.update(&[0]);
        mac.update(data);
        mac.finalize().into_bytes().into()
    }

    /// Builds a sealer from a standard-base64 32-byte key (e.g. `openssl rand -base64 32`).
    ///
    /// # Errors
    /// [`SealError::InvalidKey`] if it is not base64 or not exactly 32 bytes.
    pub fn from_base64(encoded: &str) -> Result<Self, SealError> {
        let bytes = BASE64.decode(encoded.trim()).map_err(|_| SealError::InvalidKey)?;
        let key: [u8; KEY_LEN] = bytes.try_into().map_err(|_| SealError::InvalidKey)?;
        Ok(Self::new(key))
    }

    /// Encrypts `plaintext` under a fresh random nonce. `associated_data` is authenticated but not
    /// stored: pass what the secret belongs to (e.g. `b"totp:auth_factor_01H..."`) so a sealed
    /// value copied onto another row fails to open.
    ///
    /// # Errors
    /// [`SealError::TooLarge`] past AES-GCM's 64 GiB message limit.
    pub fn seal(&self, plaintext: &[u8], associated_data: &[u8]) -> Result<String, SealError> {
        // 96-bit random nonces are safe for well under 2^32 seals per key (NIST SP 800-38D 8.3);
        // secrets at rest are sealed far less often than that.
        let mut nonce_bytes = [0u8; NONCE_LEN];
        rand::fill(&mut nonce_bytes);
        let nonce = Nonce::from(nonce_bytes);
        let aad = authenticated_data(FORMAT_VERSION, associated_data);
        let ciphertext = self
            .cipher
            .encrypt(
                &nonce,
                Payload {
                    msg: plaintext,
                    aad: &aad,
                },
            )
            .map_err(|_| SealError::TooLarge)?;

        let mut sealed = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        sealed.push(FORMAT_VERSION);
        sealed.extend_from_slice(&nonce_bytes);
        sealed.extend_from_slice(&ciphertext);
        Ok(BASE64.encode(sealed))
    }

    /// Decrypts a value made by [`Sealer::seal`] with the same key and `associated_data`.
    ///
    /// # Errors
    /// [`SealError::Encoding`], [`SealError::Truncated`], [`SealError::UnknownVersion`], or
    /// [`SealError::Unauthentic`] for a wrong key, wrong associated data or any tampering.
    pub fn open(&self, sealed: &str, associated_data: &[u8]) -> Result<Vec<u8>, SealError> {
        let bytes = BASE64.decode(sealed).map_err(|_| SealError::Encoding)?;
        let (&version, rest) = bytes.split_first().ok_or(SealError::Truncated)?;
        if version != FORMAT_VERSION {
            return Err(SealError::UnknownVersion(version));
        }
        if rest.len() < NONCE_LEN + TAG_LEN {
            return Err(SealError::Truncated);
        }
        let (nonce_bytes, ciphertext) = rest.split_at(NONCE_LEN);
        let nonce = Nonce::try_from(nonce_bytes).map_err(|_| SealError::Truncated)?;
        let aad = authenticated_data(version, associated_data);
        self.cipher
            .decrypt(
                &nonce,
                Payload {
                    msg: ciphertext,
                    aad: &aad,
                },
            )
            .map_err(|_| SealError::Unauthentic)
    }
}

// The version byte is authenticated too, so a future format cannot be downgraded by rewriting it.
fn authenticated_data(version: u8, associated_data: &[u8]) -> Vec<u8> {
    let mut aad = Vec::with_capacity(1 + associated_data.len());
    aad.push(version);
    aad.extend_from_slice(associated_data);
    aad
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_padded_hmac_key_is_the_key_itself() {
        let key = [7u8; 32];
        let mut padded = hmac_sha256(&key);
        let mut plain = <Hmac<Sha256> as KeyInit>::new_from_slice(&key).unwrap();
        padded.update(b"data");
        plain.update(b"data");
        assert_eq!(padded.finalize().into_bytes(), plain.finalize().into_bytes());
    }

    #[test]
    fn tags_depend_on_key_purpose_and_data() {
        let a = Sealer::new([1; 32]);
        let tag = a.tag("refresh_token", b"x");
        assert_eq!(tag, a.tag("refresh_token", b"x"));
        assert_ne!(tag, Sealer::new([2; 32]).tag("refresh_token", b"x"));
        assert_ne!(tag, a.tag("other", b"x"));
        assert_ne!(tag, a.tag("refresh_token", b"y"));
    }

    const KEY_A: [u8; 32] = [7; 32];
    const KEY_B: [u8; 32] = [8; 32];

    fn tamper(sealed: &str, index: usize) -> String {
        let mut bytes = BASE64.decode(sealed).unwrap();
        bytes[index] ^= 0x01;
        BASE64.encode(bytes)
    }

    fn truncate(sealed: &str, len: usize) -> String {
        let bytes = BASE64.decode(sealed).unwrap();
        BASE64.encode(&bytes[..len])
    }

    #[test]
    fn round_trip() {
        let sealer = Sealer::new(KEY_A);
        for plaintext in [&b""[..], b"JBSWY3DPEHPK3PXP", &[0u8; 1000]] {
            let sealed = sealer.seal(plaintext, b"totp:auth_factor_1").unwrap();
            assert_eq!(sealer.open(&sealed, b"totp:auth_factor_1").unwrap(), plaintext);
        }
    }

    #[test]
    fn sealed_layout_and_fresh_nonces() {
        let sealer = Sealer::new(KEY_A);
        let first = sealer.seal(b"secret", b"").unwrap();
        let second = sealer.seal(b"secret", b"").unwrap();
        assert_ne!(first, second);
        let bytes = BASE64.decode(&first).unwrap();
        assert_eq!(bytes[0], FORMAT_VERSION);
        assert_eq!(bytes.len(), 1 + NONCE_LEN + b"secret".len() + TAG_LEN);
    }

    #[test]
    fn open_rejects() {
        let sealer = Sealer::new(KEY_A);
        let sealed = sealer.seal(b"client secret", b"conn_1").unwrap();
        let minimal = 1 + NONCE_LEN + TAG_LEN;
        let cases = [
            (
                "wrong key",
                Sealer::new(KEY_B),
                sealed.clone(),
                &b"conn_1"[..],
                SealError::Unauthentic,
            ),
            (
                "wrong aad",
                Sealer::new(KEY_A),
                sealed.clone(),
                b"conn_2",
                SealError::Unauthentic,
            ),
            (
                "missing aad",
                Sealer::new(KEY_A),
                sealed.clone(),
                b"",
                SealError::Unauthentic,
            ),
            (
                "tampered nonce",
                Sealer::new(KEY_A),
                tamper(&sealed, 1),
                b"conn_1",
                SealError::Unauthentic,
            ),
            (
                "tampered ciphertext",
                Sealer::new(KEY_A),
                tamper(&sealed, 1 + NONCE_LEN),
                b"conn_1",
                SealError::Unauthentic,
            ),
            (
                "tampered tag",
                Sealer::new(KEY_A),
                tamper(&sealed, minimal + 12),
                b"conn_1",
                SealError::Unauthentic,
            ),
            (
                "tampered version",
                Sealer::new(KEY_A),
                tamper(&sealed, 0),
                b"conn_1",
                SealError::UnknownVersion(0),
            ),
            (
                "tag cut off",
                Sealer::new(KEY_A),
                truncate(&sealed, minimal - 1),
                b"conn_1",
                SealError::Truncated,
            ),
            (
                "ciphertext cut short",
                Sealer::new(KEY_A),
                truncate(&sealed, minimal),
                b"conn_1",
                SealError::Unauthentic,
            ),
            (
                "version only",
                Sealer::new(KEY_A),
                truncate(&sealed, 1),
                b"conn_1",
                SealError::Truncated,
            ),
            (
                "empty",
                Sealer::new(KEY_A),
                String::new(),
                b"conn_1",
                SealError::Truncated,
            ),
            (
                "not base64",
                Sealer::new(KEY_A),
                "not base64!".to_owned(),
                b"conn_1",
                SealError::Encoding,
            ),
        ];
        for (name, sealer, input, aad, want) in cases {
            assert_eq!(sealer.open(&input, aad), Err(want), "{name}");
        }
    }

    #[test]
    fn key_from_base64() {
        let encoded = BASE64.encode(KEY_A);
        let from_text = Sealer::from_base64(&format!("{encoded}\n")).unwrap();
        let sealed = Sealer::new(KEY_A).seal(b"x", b"").unwrap();
        assert_eq!(from_text.open(&sealed, b"").unwrap(), b"x");

        for bad in ["", "not base64!", &BASE64.encode([1u8; 16]), &BASE64.encode([1u8; 33])] {
            assert_eq!(
                Sealer::from_base64(bad).map(|_| ()),
                Err(SealError::InvalidKey),
                "{bad}"
            );
        }
    }

    #[test]
    fn debug_hides_the_key() {
        assert_eq!(format!("{:?}", Sealer::new(KEY_A)), "Sealer { .. }");
    }
}
