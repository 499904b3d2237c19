//! The cryptography behind jsonwebtoken: ES256 (the default access-token algorithm) runs on
//! ring's constant-time assembly P-256, every other algorithm on jsonwebtoken's own RustCrypto
//! provider. The pure-Rust P-256 signs and verifies about ten times slower than ring on the
//! machines we measured, and every refresh signs a token and every API call with an access
//! token verifies one (BENCHMARKS.md, issue 4).

use jsonwebtoken::crypto::{rust_crypto, CryptoProvider, JwtSigner, JwtVerifier};
use jsonwebtoken::errors::{Error, ErrorKind};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey};
use ring::rand::SystemRandom;
use ring::signature::{EcdsaKeyPair, UnparsedPublicKey, ECDSA_P256_SHA256_FIXED, ECDSA_P256_SHA256_FIXED_SIGNING};
use std::sync::{LazyLock, Once};

static PROVIDER: LazyLock<CryptoProvider> = LazyLock::new(|| CryptoProvider {
    signer_factory: new_signer,
    verifier_factory: new_verifier,
    key_utils: rust_crypto::DEFAULT_PROVIDER.key_utils.clone(),
});

/// Makes this provider jsonwebtoken's process-wide default. Cheap after the first call, so
/// every entry point that signs or verifies calls it rather than relying on startup order.
pub fn install() {
    static INSTALLED: Once = Once::new();
    INSTALLED.call_once(|| {
        // Fails only if jsonwebtoken already fell back to its feature default (RustCrypto),
        // which is correct, only slower.
        let _ = PROVIDER.install_default();
    });
}

fn new_signer(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>, Error> {
    match algorithm {
        Algorithm::ES256 => {
            let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, key.as_bytes(), &SystemRandom::new())
                .map_err(|_| Error::from(ErrorKind::InvalidEcdsaKey))?;
            Ok(Box::new(Es256Signer(pair)))
        }
        other => (rust_crypto::DEFAULT_PROVIDER.signer_factory)(other, key),
    }
}

fn new_verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>, Error> {
    match algorithm {
        Algorithm::ES256 => Ok(Box::new(Es256Verifier(key.try_get_as_bytes()?.to_vec()))),
        other => (rust_crypto::DEFAULT_PROVIDER.verifier_factory)(other, key),
    }
}

struct Es256Signer(EcdsaKeyPair);

impl signature::Signer<Vec<u8>> for Es256Signer {
    fn try_sign(&self, message: &[u8]) -> Result<Vec<u8>, signature::Error> {
        let signature = self
            .0
            .sign(&SystemRandom::new(), message)
            .map_err(|_| signature::Error::new())?;
        Ok(signature.as_ref().to_vec())
    }
}

impl JwtSigner for Es256Signer {
    fn algorithm(&self) -> Algorithm {
        Algorithm::ES256
    }
}

/// An uncompressed SEC1 P-256 point, as jsonwebtoken hands EC public keys over.
struct Es256Verifier(Vec<u8>);

impl signature::Verifier<Vec<u8>> for Es256Verifier {
    fn verify(&self, message: &[u8], signature: &Vec<u8>) -> Result<(), signature::Error> {
        UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, &self.0)
            .verify(message, signature)
            .map_err(|_| signature::Error::new())
    }
}

impl JwtVerifier for Es256Verifier {
    fn algorithm(&self) -> Algorithm {
        Algorithm::ES256
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
    use base64::Engine as _;
    use p256::ecdsa::signature::{Signer as _, Verifier as _};
    use p256::ecdsa::{Signature, SigningKey};
    use p256::pkcs8::EncodePrivateKey;

    const MESSAGE: &[u8] = b"eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyXzAxIn0";

    struct Key {
        rust_crypto: SigningKey,
        encoding: EncodingKey,
        decoding: DecodingKey,
    }

    fn key() -> Key {
        let rust_crypto = SigningKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
        let der = rust_crypto.to_pkcs8_der().unwrap();
        let point = rust_crypto.verifying_key().to_encoded_point(false);
        let decoding =
            DecodingKey::from_ec_components(&B64URL.encode(point.x().unwrap()), &B64URL.encode(point.y().unwrap()))
                .unwrap();
        Key {
            rust_crypto,
            encoding: EncodingKey::from_ec_der(der.as_bytes()),
            decoding,
        }
    }

    fn ring_sign(key: &Key, message: &[u8]) -> Vec<u8> {
        new_signer(&Algorithm::ES256, &key.encoding)
            .unwrap()
            .try_sign(message)
            .unwrap()
    }

    fn ring_verifies(key: &Key, message: &[u8], signature: &[u8]) -> bool {
        new_verifier(&Algorithm::ES256, &key.decoding)
            .unwrap()
            .verify(message, &signature.to_vec())
            .is_ok()
    }

    #[test]
    fn ring_signatures_are_standard_es256_that_an_independent_implementation_accepts() {
        let key = key();
        let signature = ring_sign(&key, MESSAGE);
        assert_eq!(signature.len(), 64, "JWS ES256 is r || s, 32 bytes each");
        let parsed = Signature::from_slice(&signature).unwrap();
        assert!(key.rust_crypto.verifying_key().verify(MESSAGE, &parsed).is_ok());
    }

    #[test]
    fn ring_verifier_accepts_an_independent_signature_and_refuses_tampering() {
        let key = key();
        let other = self::key();
        let independent: Signature = key.rust_crypto.sign(MESSAGE);
        let mut flipped = independent.to_vec();
        flipped[10] ^= 1;
        let cases: [(&str, &[u8], Vec<u8>, bool); 5] = [
            ("independent signature", MESSAGE, independent.to_vec(), true),
            ("one bit of the signature flipped", MESSAGE, flipped, false),
            (
                "another message",
                b"eyJhbGciOiJFUzI1NiJ9.e30",
                independent.to_vec(),
                false,
            ),
            ("another key's signature", MESSAGE, ring_sign(&other, MESSAGE), false),
            (
                "truncated signature",
                MESSAGE,
                independent.to_vec()[..63].to_vec(),
                false,
            ),
        ];
        for (name, message, signature, expected) in cases {
            assert_eq!(ring_verifies(&key, message, &signature), expected, "{name}");
        }
    }

    #[test]
    fn a_key_that_is_not_p256_is_an_error_not_a_panic() {
        let not_ec = EncodingKey::from_ec_der(b"not a pkcs8 document");
        assert!(new_signer(&Algorithm::ES256, &not_ec).is_err());
    }
}
