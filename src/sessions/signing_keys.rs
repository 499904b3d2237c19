//! Access-token signing keys (ES256 by default, RS256 for old verifiers), the JWKS that apps
//! verify against, and the access token itself.

use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::jwk::{Jwk, JwkSet, KeyAlgorithm, PublicKeyUse, ThumbprintHash};
use jsonwebtoken::{DecodingKey, EncodingKey, Header, Validation};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

const RSA_KEY_BITS: usize = 2048;

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("key generation failed: {0}")]
    Generation(String),
    #[error("private key is not a valid PKCS#8 PEM for {0:?}")]
    InvalidPrivateKey(Algorithm),
    #[error("JWKS is malformed")]
    MalformedJwks,
    #[error("could not sign the token")]
    Signing(#[source] jsonwebtoken::errors::Error),
    #[error("token is malformed")]
    MalformedToken,
    #[error("token algorithm is not accepted")]
    UnsupportedAlgorithm,
    #[error("token header has no kid")]
    MissingKid,
    #[error("no key with kid {0:?} in the JWKS")]
    UnknownKey(String),
    #[error("token signature is invalid")]
    InvalidSignature,
    #[error("token issuer is not the expected one")]
    WrongIssuer,
    #[error("token has expired")]
    Expired,
}

/// Signature algorithms Gatehouse issues tokens with; nothing else is ever accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Algorithm {
    ES256,
    RS256,
}

impl Algorithm {
    fn to_jwt(self) -> jsonwebtoken::Algorithm {
        match self {
            Self::ES256 => jsonwebtoken::Algorithm::ES256,
            Self::RS256 => jsonwebtoken::Algorithm::RS256,
        }
    }

    fn from_jwt(alg: jsonwebtoken::Algorithm) -> Option<Self> {
        match alg {
            jsonwebtoken::Algorithm::ES256 => Some(Self::ES256),
            jsonwebtoken::Algorithm::RS256 => Some(Self::RS256),
            _ => None,
        }
    }

    fn key_algorithm(self) -> KeyAlgorithm {
        match self {
            Self::ES256 => KeyAlgorithm::ES256,
            Self::RS256 => KeyAlgorithm::RS256,
        }
    }
}

/// A new signing key pair. Seal `private_pkcs8_pem` before storing it; publish `public_jwk`.
#[derive(Debug)]
pub struct GeneratedKey {
    /// RFC 7638 SHA-256 thumbprint of the public key, base64url.
    pub kid: String,
    pub alg: Algorithm,
    pub private_pkcs8_pem: SecretString,
    /// Public JWK with `kid`, `alg` and `use: "sig"`; never contains private parameters.
    pub public_jwk: serde_json::Value,
}

/// Claims of a Gatehouse access token (API.md, Authentication).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessClaims {
    pub iss: String,
    /// User id.
    pub sub: String,
    /// Session id.
    pub sid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(default)]
    pub permissions: Vec<String>,
    pub exp: i64,
    pub iat: i64,
    pub jti: String,
}

/// Generates a key pair for `alg` (P-256 for ES256, 2048-bit RSA for RS256).
///
/// # Errors
/// [`KeyError::Generation`] if the key cannot be generated or encoded.
pub fn generate_key(alg: Algorithm) -> Result<GeneratedKey, KeyError> {
    let pem = match alg {
        Algorithm::ES256 => {
            use p256::pkcs8::{EncodePrivateKey, LineEnding};
            let key = p256::SecretKey::random(&mut p256::elliptic_curve::rand_core::OsRng);
            key.to_pkcs8_pem(LineEnding::LF)
                .map_err(|e| KeyError::Generation(e.to_string()))?
                .to_string()
        }
        Algorithm::RS256 => {
            use rsa::pkcs8::{EncodePrivateKey, LineEnding};
            let key = rsa::RsaPrivateKey::new(&mut rsa::rand_core::OsRng, RSA_KEY_BITS)
                .map_err(|e| KeyError::Generation(e.to_string()))?;
            key.to_pkcs8_pem(LineEnding::LF)
                .map_err(|e| KeyError::Generation(e.to_string()))?
                .to_string()
        }
    };
    let private_pkcs8_pem = SecretString::from(pem);
    let encoding_key = encoding_key(alg, &private_pkcs8_pem)?;
    let mut jwk =
        Jwk::from_encoding_key(&encoding_key, alg.to_jwt()).map_err(|e| KeyError::Generation(e.to_string()))?;
    let kid = jwk
        .thumbprint(ThumbprintHash::SHA256)
        .map_err(|e| KeyError::Generation(e.to_string()))?;
    jwk.common.key_id = Some(kid.clone());
    jwk.common.key_algorithm = Some(alg.key_algorithm());
    jwk.common.public_key_use = Some(PublicKeyUse::Signature);
    let public_jwk = serde_json::to_value(&jwk).map_err(|e| KeyError::Generation(e.to_string()))?;
    Ok(GeneratedKey {
        kid,
        alg,
        private_pkcs8_pem,
        public_jwk,
    })
}

/// Signs `claims` with the PKCS#8 PEM private key, putting `kid` in the header.
///
/// # Errors
/// [`KeyError::InvalidPrivateKey`] if the PEM does not hold an `alg` key, [`KeyError::Signing`].
pub fn sign_access_token(
    claims: &AccessClaims,
    kid: &str,
    alg: Algorithm,
    private_pkcs8_pem: &SecretString,
) -> Result<String, KeyError> {
    ActiveKey::from_pem(kid, alg, private_pkcs8_pem)?.sign(claims)
}

/// A private key parsed once and kept for signing many tokens.
#[derive(Clone)]
pub struct ActiveKey {
    kid: String,
    alg: Algorithm,
    key: std::sync::Arc<EncodingKey>,
}

impl ActiveKey {
    /// # Errors
    /// [`KeyError::InvalidPrivateKey`] when the PEM is not a PKCS#8 key for `alg`.
    pub fn from_pem(kid: &str, alg: Algorithm, private_pkcs8_pem: &SecretString) -> Result<Self, KeyError> {
        Ok(Self {
            kid: kid.to_owned(),
            alg,
            key: std::sync::Arc::new(encoding_key(alg, private_pkcs8_pem)?),
        })
    }

    /// # Errors
    /// [`KeyError::Signing`] if the token cannot be signed.
    pub fn sign(&self, claims: &AccessClaims) -> Result<String, KeyError> {
        let mut header = Header::new(self.alg.to_jwt());
        header.kid = Some(self.kid.clone());
        jsonwebtoken::encode(&header, claims, &self.key).map_err(KeyError::Signing)
    }
}

/// The JWKS document `{"keys": [...]}` served at `/.well-known/jwks.json`. List a new key here
/// before signing with it, and keep an old one until the last token it signed has expired.
pub fn jwks(public_jwks: &[serde_json::Value]) -> serde_json::Value {
    serde_json::json!({ "keys": public_jwks })
}

/// Verifies an access token against a JWKS: the header's `kid` picks the key, only ES256 and
/// RS256 are accepted (so `none` and HMAC tokens are refused), the key's own `alg` must match,
/// `iss` must equal `issuer`, and the token is expired once `now_unix >= exp` (no leeway).
///
/// # Errors
/// The [`KeyError`] naming the first check that failed.
pub fn verify_access_token(
    token: &str,
    jwks: &serde_json::Value,
    issuer: &str,
    now_unix: i64,
) -> Result<AccessClaims, KeyError> {
    super::jwt_crypto::install();
    // An `alg` that jsonwebtoken does not implement, such as "none", already fails here.
    let header = jsonwebtoken::decode_header(token).map_err(|_| KeyError::MalformedToken)?;
    let alg = Algorithm::from_jwt(header.alg).ok_or(KeyError::UnsupportedAlgorithm)?;
    let kid = header.kid.ok_or(KeyError::MissingKid)?;

    let set: JwkSet = serde_json::from_value(jwks.clone()).map_err(|_| KeyError::MalformedJwks)?;
    let jwk = set.find(&kid).ok_or_else(|| KeyError::UnknownKey(kid.clone()))?;
    // Without this an attacker could pick the algorithm for a key meant for another one.
    if jwk.common.key_algorithm != Some(alg.key_algorithm()) {
        return Err(KeyError::UnsupportedAlgorithm);
    }
    let key = DecodingKey::from_jwk(jwk).map_err(|_| KeyError::MalformedJwks)?;

    let mut validation = Validation::new(alg.to_jwt());
    // jsonwebtoken compares `exp` with the system clock; expiry is checked below against the
    // caller's `now` instead, so it stays testable and has no hidden leeway.
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["exp", "iss", "sub"]);
    validation.set_issuer(&[issuer]);
    let claims = jsonwebtoken::decode::<AccessClaims>(token, &key, &validation)
        .map_err(|e| match e.kind() {
            ErrorKind::InvalidSignature => KeyError::InvalidSignature,
            ErrorKind::InvalidIssuer => KeyError::WrongIssuer,
            ErrorKind::InvalidAlgorithm => KeyError::UnsupportedAlgorithm,
            _ => KeyError::MalformedToken,
        })?
        .claims;
    if now_unix >= claims.exp {
        return Err(KeyError::Expired);
    }
    Ok(claims)
}

fn encoding_key(alg: Algorithm, private_pkcs8_pem: &SecretString) -> Result<EncodingKey, KeyError> {
    super::jwt_crypto::install();
    let pem = private_pkcs8_pem.expose_secret().as_bytes();
    match alg {
        Algorithm::ES256 => EncodingKey::from_ec_pem(pem),
        Algorithm::RS256 => EncodingKey::from_rsa_pem(pem),
    }
    .map_err(|_| KeyError::InvalidPrivateKey(alg))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
    use base64::Engine as _;
    use std::sync::LazyLock;

    const ISSUER: &str = "https://auth.example.com";
    const NOW: i64 = 1_700_000_000;

    // RSA key generation is slow in unoptimised builds: one key for the whole test binary.
    static RSA_KEY: LazyLock<GeneratedKey> = LazyLock::new(|| generate_key(Algorithm::RS256).unwrap());

    fn claims() -> AccessClaims {
        AccessClaims {
            iss: ISSUER.to_owned(),
            sub: "user_01HZY".to_owned(),
            sid: "session_01HZY".to_owned(),
            org_id: Some("org_01HZY".to_owned()),
            role: Some("admin".to_owned()),
            permissions: vec!["widgets:read".to_owned()],
            exp: NOW + 300,
            iat: NOW,
            jti: "jti-1".to_owned(),
        }
    }

    fn sign(key: &GeneratedKey, claims: &AccessClaims) -> String {
        sign_access_token(claims, &key.kid, key.alg, &key.private_pkcs8_pem).unwrap()
    }

    fn segments(token: &str) -> Vec<String> {
        token.split('.').map(str::to_owned).collect()
    }

    #[test]
    fn round_trip_both_algorithms() {
        let es = generate_key(Algorithm::ES256).unwrap();
        for key in [&es, &*RSA_KEY] {
            let token = sign(key, &claims());
            let header = jsonwebtoken::decode_header(&token).unwrap();
            assert_eq!(header.kid.as_deref(), Some(key.kid.as_str()));
            assert_eq!(Algorithm::from_jwt(header.alg), Some(key.alg));
            let set = jwks(std::slice::from_ref(&key.public_jwk));
            assert_eq!(
                verify_access_token(&token, &set, ISSUER, NOW).unwrap(),
                claims(),
                "{:?}",
                key.alg
            );
        }
    }

    #[test]
    fn generated_keys_are_pkcs8_and_public_jwks_are_public() {
        let es = generate_key(Algorithm::ES256).unwrap();
        for (key, kty, alg) in [(&es, "EC", "ES256"), (&*RSA_KEY, "RSA", "RS256")] {
            assert!(key
                .private_pkcs8_pem
                .expose_secret()
                .starts_with("-----BEGIN PRIVATE KEY-----\n"));
            let jwk = &key.public_jwk;
            assert_eq!(jwk["kty"], kty);
            assert_eq!(jwk["alg"], alg);
            assert_eq!(jwk["use"], "sig");
            assert_eq!(jwk["kid"], key.kid.as_str());
            for private_member in ["d", "p", "q", "dp", "dq", "qi"] {
                assert!(jwk.get(private_member).is_none(), "{alg} {private_member}");
            }
            assert!(!format!("{key:?}").contains("PRIVATE KEY"));
        }
        assert_ne!(es.kid, generate_key(Algorithm::ES256).unwrap().kid);
    }

    #[test]
    fn jwks_document() {
        let key = generate_key(Algorithm::ES256).unwrap();
        let set = jwks(&[key.public_jwk.clone(), RSA_KEY.public_jwk.clone()]);
        let keys = set["keys"].as_array().unwrap();
        assert_eq!(keys.len(), 2);
        assert_eq!(keys[0]["kid"], key.kid.as_str());
        assert_eq!(keys[1]["kid"], RSA_KEY.kid.as_str());
    }

    #[test]
    fn rotation_accepts_old_and_new_keys() {
        let old = generate_key(Algorithm::ES256).unwrap();
        let new = generate_key(Algorithm::ES256).unwrap();
        let set = jwks(&[new.public_jwk.clone(), old.public_jwk.clone()]);
        for key in [&old, &new] {
            let token = sign(key, &claims());
            assert_eq!(verify_access_token(&token, &set, ISSUER, NOW).unwrap(), claims());
        }
    }

    fn forge_unsigned(kid: &str) -> String {
        let header = B64URL.encode(format!(r#"{{"alg":"none","typ":"JWT","kid":"{kid}"}}"#));
        let payload = B64URL.encode(serde_json::to_vec(&claims()).unwrap());
        format!("{header}.{payload}.")
    }

    fn forge_hs256_with_public_key(kid: &str, public_jwk: &serde_json::Value) -> String {
        // Classic key confusion: HMAC "signed" with the public key material the JWKS publishes.
        let mut header = Header::new(jsonwebtoken::Algorithm::HS256);
        header.kid = Some(kid.to_owned());
        let secret = serde_json::to_vec(public_jwk).unwrap();
        jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_secret(&secret)).unwrap()
    }

    fn swap_payload(token: &str, claims: &AccessClaims) -> String {
        let parts = segments(token);
        let payload = B64URL.encode(serde_json::to_vec(claims).unwrap());
        format!("{}.{payload}.{}", parts[0], parts[2])
    }

    fn relabel_alg(token: &str, alg: &str) -> String {
        let parts = segments(token);
        let mut header: serde_json::Value = serde_json::from_slice(&B64URL.decode(&parts[0]).unwrap()).unwrap();
        header["alg"] = alg.into();
        let header = B64URL.encode(serde_json::to_vec(&header).unwrap());
        format!("{header}.{}.{}", parts[1], parts[2])
    }

    #[test]
    fn verification_failures() {
        let key_a = generate_key(Algorithm::ES256).unwrap();
        let key_b = generate_key(Algorithm::ES256).unwrap();
        let only_a = jwks(std::slice::from_ref(&key_a.public_jwk));
        let only_b = jwks(std::slice::from_ref(&key_b.public_jwk));
        let with_rsa = jwks(std::slice::from_ref(&RSA_KEY.public_jwk));
        let good = sign(&key_a, &claims());

        let mut elevated = claims();
        elevated.role = Some("owner".to_owned());
        let mut other_issuer = claims();
        other_issuer.iss = "https://evil.example.com".to_owned();
        let mut expired_now = claims();
        expired_now.exp = NOW;
        let b_token_with_a_kid =
            sign_access_token(&claims(), &key_a.kid, Algorithm::ES256, &key_b.private_pkcs8_pem).unwrap();
        let no_kid = {
            let header = Header::new(jsonwebtoken::Algorithm::ES256);
            let pem = key_a.private_pkcs8_pem.expose_secret().as_bytes();
            jsonwebtoken::encode(&header, &claims(), &EncodingKey::from_ec_pem(pem).unwrap()).unwrap()
        };

        let cases: Vec<(&str, String, &serde_json::Value, &str)> = vec![
            ("signed by A, JWKS has only B", good.clone(), &only_b, "unknown_key"),
            (
                "signed by B under A's kid",
                b_token_with_a_kid,
                &only_a,
                "invalid_signature",
            ),
            (
                "unknown kid",
                sign_access_token(&claims(), "nope", Algorithm::ES256, &key_a.private_pkcs8_pem).unwrap(),
                &only_a,
                "unknown_key",
            ),
            ("no kid", no_kid, &only_a, "missing_kid"),
            (
                "tampered payload",
                swap_payload(&good, &elevated),
                &only_a,
                "invalid_signature",
            ),
            ("alg none", forge_unsigned(&key_a.kid), &only_a, "malformed_token"),
            (
                "HS256 with public key",
                forge_hs256_with_public_key(&RSA_KEY.kid, &RSA_KEY.public_jwk),
                &with_rsa,
                "unsupported_algorithm",
            ),
            (
                "ES256 token relabelled RS256",
                relabel_alg(&good, "RS256"),
                &only_a,
                "unsupported_algorithm",
            ),
            ("wrong issuer", sign(&key_a, &other_issuer), &only_a, "wrong_issuer"),
            ("expired at exp", sign(&key_a, &expired_now), &only_a, "expired"),
            ("garbage", "not.a.jwt".to_owned(), &only_a, "malformed_token"),
            ("empty", String::new(), &only_a, "malformed_token"),
            ("bad JWKS", good.clone(), &serde_json::Value::Null, "malformed_jwks"),
        ];
        for (name, token, set, want) in cases {
            let got = match verify_access_token(&token, set, ISSUER, NOW) {
                Ok(_) => "ok",
                Err(KeyError::UnknownKey(_)) => "unknown_key",
                Err(KeyError::InvalidSignature) => "invalid_signature",
                Err(KeyError::MissingKid) => "missing_kid",
                Err(KeyError::UnsupportedAlgorithm) => "unsupported_algorithm",
                Err(KeyError::WrongIssuer) => "wrong_issuer",
                Err(KeyError::Expired) => "expired",
                Err(KeyError::MalformedToken) => "malformed_token",
                Err(KeyError::MalformedJwks) => "malformed_jwks",
                Err(other) => panic!("{name}: unexpected {other:?}"),
            };
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn expiry_uses_the_given_now_without_leeway() {
        let key = generate_key(Algorithm::ES256).unwrap();
        let set = jwks(std::slice::from_ref(&key.public_jwk));
        let token = sign(&key, &claims());
        let exp = claims().exp;
        for (now, valid) in [(NOW, true), (exp - 1, true), (exp, false), (exp + 1, false)] {
            assert_eq!(
                verify_access_token(&token, &set, ISSUER, now).is_ok(),
                valid,
                "now={now}"
            );
        }
    }

    #[test]
    fn signing_rejects_a_key_of_the_wrong_kind() {
        let es = generate_key(Algorithm::ES256).unwrap();
        for (alg, pem) in [
            (Algorithm::RS256, es.private_pkcs8_pem.expose_secret().to_owned()),
            (Algorithm::ES256, RSA_KEY.private_pkcs8_pem.expose_secret().to_owned()),
            (Algorithm::ES256, "not a pem".to_owned()),
        ] {
            assert!(matches!(
                sign_access_token(&claims(), "kid", alg, &SecretString::from(pem)),
                Err(KeyError::InvalidPrivateKey(_))
            ));
        }
    }
}
