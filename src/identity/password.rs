//! Password hashing (argon2id), verification of hashes imported from other providers, and the
//! NIST SP 800-63B password policy.
//!
//! `common-passwords.txt` is the 30,000-entry "passwords" frequency list of the npm package
//! zxcvbn 4.4.2 (MIT, see `common-passwords.LICENSE`), most common first.

use std::collections::HashSet;
use std::sync::LazyLock;

use argon2::password_hash::{self, PasswordVerifier};
use argon2::{Argon2, PasswordHash};
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

// OWASP Password Storage Cheat Sheet, argon2id option 2: m=19 MiB, t=2, p=1.
const ARGON2_M_COST_KIB: u32 = 19_456;
const ARGON2_T_COST: u32 = 2;
const ARGON2_P_COST: u32 = 1;
const ARGON2_OUTPUT_LEN: usize = 32;

// A stored hash chooses how much work verification costs, so an imported hash with absurd
// parameters would let one login request pin a core (or allocate gigabytes). These caps sit well
// above what any provider uses by default.
const MAX_ARGON2_M_COST_KIB: u32 = 256 * 1024;
const MAX_ARGON2_T_COST: u32 = 10;
const MAX_ARGON2_P_COST: u32 = 16;
const MAX_BCRYPT_COST: u32 = 16;
// The bcrypt algorithm itself is undefined below cost 4.
const MIN_BCRYPT_COST: u32 = 4;
const MAX_PBKDF2_ROUNDS: u32 = 10_000_000;

/// Shortest accepted password, in characters (NIST SP 800-63B 5.1.1.2).
pub const MIN_PASSWORD_CHARS: usize = 8;
/// Longest accepted password, in characters; bounds the hashing work one request can ask for.
pub const MAX_PASSWORD_CHARS: usize = 128;

#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    #[error("password hash is malformed")]
    MalformedHash,
    #[error("password hash algorithm is not supported")]
    UnsupportedAlgorithm,
    #[error("password hash parameters are outside the accepted range")]
    UnacceptableParameters,
    #[error("password hashing failed: {0}")]
    Hashing(password_hash::Error),
    #[error("argon2 rejected its parameters: {0}")]
    Argon2(#[from] argon2::Error),
}

/// Outcome of checking a candidate password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// The password matches. When `needs_rehash` is true the caller should store a fresh
    /// [`hash_password`] result, since the stored hash uses outdated parameters or algorithm.
    Valid {
        needs_rehash: bool,
    },
    Invalid,
}

/// Hash formats accepted when importing users from another provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportedHashType {
    /// `$2a$`, `$2b$` or `$2y$` modular crypt strings.
    Bcrypt,
    /// PHC strings for argon2id, argon2i or argon2d.
    Argon2,
    /// PHC strings `$pbkdf2-sha256$i=<rounds>,l=<len>$<salt>$<hash>` (or `pbkdf2-sha512`),
    /// salt and hash in unpadded standard base64.
    Pbkdf2,
}

/// Working memory for argon2, kept by whoever hashes repeatedly (one per hashing thread): filling
/// 19 MiB afresh for every hash (allocation, page faults, zeroing) costs about a tenth of the hash.
/// Every block is written before it is read, so a reused buffer needs no clearing.
#[derive(Default)]
pub struct Argon2Memory {
    blocks: Vec<argon2::Block>,
}

impl Argon2Memory {
    /// Memory for the current parameters, so that hashing at them never allocates.
    pub fn for_current_parameters() -> Self {
        Self {
            blocks: vec![argon2::Block::default(); current_params().block_count()],
        }
    }

    /// Runs `fill` on `count` blocks. A larger imported hash borrows memory for this call only, so
    /// one such sign-in does not keep its memory for the life of the thread.
    fn with_blocks<T>(&mut self, count: usize, fill: impl FnOnce(&mut [argon2::Block]) -> T) -> T {
        match self.blocks.get_mut(..count) {
            Some(blocks) => fill(blocks),
            None => fill(&mut vec![argon2::Block::default(); count]),
        }
    }
}

/// Hashes `password` with argon2id and the OWASP parameters, returning a PHC string.
///
/// # Errors
/// [`PasswordError::Hashing`] if the random salt cannot be drawn or hashing fails.
pub fn hash_password(memory: &mut Argon2Memory, password: &SecretString) -> Result<String, PasswordError> {
    let params = current_params();
    let salt = password_hash::phc::Salt::generate();
    let mut output = [0u8; ARGON2_OUTPUT_LEN];
    let hasher = Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params.clone());
    memory.with_blocks(params.block_count(), |blocks| {
        hasher.hash_password_into_with_memory(password.expose_secret().as_bytes(), &salt, &mut output, blocks)
    })?;
    let phc = PasswordHash {
        algorithm: argon2::ARGON2ID_IDENT,
        version: Some(argon2::Version::V0x13.into()),
        params: password_hash::phc::ParamsString::try_from(&params).map_err(PasswordError::Hashing)?,
        salt: Some(salt),
        hash: Some(password_hash::phc::Output::new(&output).map_err(|e| PasswordError::Hashing(e.into()))?),
    };
    Ok(phc.to_string())
}

/// Checks `candidate` against a PHC string made by [`hash_password`] (or any argon2 variant).
///
/// # Errors
/// [`PasswordError::MalformedHash`] if `phc` does not parse, [`PasswordError::UnsupportedAlgorithm`]
/// if it is not argon2, [`PasswordError::UnacceptableParameters`] if its cost is out of bounds.
pub fn verify_password(
    memory: &mut Argon2Memory,
    phc: &str,
    candidate: &SecretString,
) -> Result<Verification, PasswordError> {
    let (hash, params) = parse_argon2(phc)?;
    let needs_rehash = !is_current_argon2(&hash, &params);
    Ok(if argon2_matches(memory, &hash, params, candidate)? {
        Verification::Valid { needs_rehash }
    } else {
        Verification::Invalid
    })
}

/// Recomputes a parsed argon2 hash for `candidate` in `memory` and compares in constant time.
fn argon2_matches(
    memory: &mut Argon2Memory,
    hash: &PasswordHash,
    params: argon2::Params,
    candidate: &SecretString,
) -> Result<bool, PasswordError> {
    let (Some(salt), Some(expected)) = (&hash.salt, &hash.hash) else {
        return Err(PasswordError::MalformedHash);
    };
    let algorithm =
        argon2::Algorithm::try_from(hash.algorithm.as_str()).map_err(|_| PasswordError::UnsupportedAlgorithm)?;
    let version = match hash.version {
        Some(version) => argon2::Version::try_from(version).map_err(|_| PasswordError::MalformedHash)?,
        None => argon2::Version::default(),
    };
    let mut computed = vec![0u8; expected.len()];
    let block_count = params.block_count();
    let hasher = Argon2::new(algorithm, version, params);
    memory.with_blocks(block_count, |blocks| {
        hasher.hash_password_into_with_memory(candidate.expose_secret().as_bytes(), salt, &mut computed, blocks)
    })?;
    Ok(bool::from(computed.ct_eq(expected.as_ref())))
}

/// Rejects an imported hash that could never verify, or whose cost is out of bounds, so that
/// bad imports fail at import time rather than at the user's first login.
///
/// # Errors
/// [`PasswordError::MalformedHash`], [`PasswordError::UnsupportedAlgorithm`] or
/// [`PasswordError::UnacceptableParameters`].
pub fn validate_imported_hash(kind: ImportedHashType, stored: &str) -> Result<(), PasswordError> {
    match kind {
        ImportedHashType::Bcrypt => parse_bcrypt(stored).map(|_| ()),
        ImportedHashType::Argon2 => parse_argon2(stored).map(|_| ()),
        ImportedHashType::Pbkdf2 => parse_pbkdf2(stored).map(|_| ()),
    }
}

/// Checks `candidate` against a hash imported from another provider. A valid password always
/// reports `needs_rehash: true`, so the caller replaces the foreign hash with [`hash_password`].
///
/// # Errors
/// As [`validate_imported_hash`], plus [`PasswordError::Hashing`] if the computation fails.
pub fn verify_imported(
    memory: &mut Argon2Memory,
    kind: ImportedHashType,
    stored: &str,
    candidate: &SecretString,
) -> Result<Verification, PasswordError> {
    let matched = match kind {
        ImportedHashType::Bcrypt => {
            parse_bcrypt(stored)?;
            bcrypt::verify(candidate.expose_secret().as_bytes(), stored).map_err(|_| PasswordError::MalformedHash)?
        }
        ImportedHashType::Argon2 => {
            let (hash, params) = parse_argon2(stored)?;
            argon2_matches(memory, &hash, params, candidate)?
        }
        ImportedHashType::Pbkdf2 => {
            let hash = parse_pbkdf2(stored)?;
            matches_phc(pbkdf2::Pbkdf2::default().verify_password(candidate.expose_secret().as_bytes(), &hash))?
        }
    };
    Ok(if matched {
        Verification::Valid { needs_rehash: true }
    } else {
        Verification::Invalid
    })
}

fn current_params() -> argon2::Params {
    argon2::Params::new(ARGON2_M_COST_KIB, ARGON2_T_COST, ARGON2_P_COST, Some(ARGON2_OUTPUT_LEN))
        .unwrap_or_else(|_| unreachable!("the OWASP parameters are within argon2's bounds"))
}

fn is_current_argon2(hash: &PasswordHash, params: &argon2::Params) -> bool {
    hash.algorithm == argon2::ARGON2ID_IDENT
        && hash.version == Some(argon2::Version::V0x13.into())
        && params.m_cost() == ARGON2_M_COST_KIB
        && params.t_cost() == ARGON2_T_COST
        && params.p_cost() == ARGON2_P_COST
        && params.output_len() == Some(ARGON2_OUTPUT_LEN)
}

fn parse_argon2(phc: &str) -> Result<(PasswordHash, argon2::Params), PasswordError> {
    let hash = PasswordHash::new(phc).map_err(|_| PasswordError::MalformedHash)?;
    argon2::Algorithm::try_from(hash.algorithm.as_str()).map_err(|_| PasswordError::UnsupportedAlgorithm)?;
    if hash.salt.is_none() || hash.hash.is_none() {
        return Err(PasswordError::MalformedHash);
    }
    if let Some(version) = hash.version {
        argon2::Version::try_from(version).map_err(|_| PasswordError::MalformedHash)?;
    }
    let params = argon2::Params::try_from(&hash).map_err(|_| PasswordError::MalformedHash)?;
    if params.m_cost() > MAX_ARGON2_M_COST_KIB
        || params.t_cost() > MAX_ARGON2_T_COST
        || params.p_cost() > MAX_ARGON2_P_COST
    {
        return Err(PasswordError::UnacceptableParameters);
    }
    Ok((hash, params))
}

fn parse_bcrypt(stored: &str) -> Result<bcrypt::HashParts, PasswordError> {
    // `$2x$` marks hashes from the crypt_blowfish sign-extension bug; no current provider
    // emits it, and the bcrypt crate would verify it as if it were `$2b$`.
    let known_prefix = ["$2a$", "$2b$", "$2y$"].iter().any(|prefix| stored.starts_with(prefix));
    if !known_prefix {
        return Err(PasswordError::UnsupportedAlgorithm);
    }
    let parts: bcrypt::HashParts = stored.parse().map_err(|_| PasswordError::MalformedHash)?;
    if !(MIN_BCRYPT_COST..=MAX_BCRYPT_COST).contains(&parts.get_cost()) {
        return Err(PasswordError::UnacceptableParameters);
    }
    Ok(parts)
}

fn parse_pbkdf2(stored: &str) -> Result<PasswordHash, PasswordError> {
    let hash = PasswordHash::new(stored).map_err(|_| PasswordError::MalformedHash)?;
    pbkdf2::Algorithm::try_from(hash.algorithm.as_str()).map_err(|_| PasswordError::UnsupportedAlgorithm)?;
    if hash.salt.is_none() || hash.hash.is_none() {
        return Err(PasswordError::MalformedHash);
    }
    // Rounds below the crate's floor of 1,000 are rejected here too: such hashes are too weak
    // to keep, and the user can reset their password instead.
    let params = pbkdf2::Params::try_from(&hash).map_err(|_| PasswordError::MalformedHash)?;
    if params.rounds() > MAX_PBKDF2_ROUNDS {
        return Err(PasswordError::UnacceptableParameters);
    }
    Ok(hash)
}

fn matches_phc(outcome: password_hash::Result<()>) -> Result<bool, PasswordError> {
    match outcome {
        Ok(()) => Ok(true),
        Err(password_hash::Error::PasswordInvalid) => Ok(false),
        Err(other) => Err(PasswordError::Hashing(other)),
    }
}

/// A reason a new password is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PolicyViolation {
    #[error("password must be at least {MIN_PASSWORD_CHARS} characters")]
    TooShort,
    #[error("password must be at most {MAX_PASSWORD_CHARS} characters")]
    TooLong,
    #[error("password is too common")]
    CommonPassword,
    #[error("password must not be your email address or name")]
    ContainsContext,
}

impl PolicyViolation {
    /// Stable machine-readable code for API error bodies.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooShort => "too_short",
            Self::TooLong => "too_long",
            Self::CommonPassword => "common_password",
            Self::ContainsContext => "contains_context",
        }
    }
}

static COMMON_PASSWORDS: LazyLock<HashSet<String>> = LazyLock::new(|| {
    include_str!("common-passwords.txt")
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_lowercase)
        .collect()
});

/// Checks a new password against NIST SP 800-63B: 8 to 128 characters (Unicode scalar values,
/// not bytes), not a commonly used or breached password, and not equal (ignoring case) to any of
/// `context_words` (e.g. the email address and its local part). Deliberately no composition
/// rules: NIST advises against them because they push users towards predictable patterns.
///
/// # Errors
/// Every violation found, in a stable order.
pub fn check_password_policy(password: &SecretString, context_words: &[&str]) -> Result<(), Vec<PolicyViolation>> {
    let password = password.expose_secret();
    let mut violations = Vec::new();

    let length = password.chars().count();
    if length < MIN_PASSWORD_CHARS {
        violations.push(PolicyViolation::TooShort);
    }
    if length > MAX_PASSWORD_CHARS {
        violations.push(PolicyViolation::TooLong);
    }

    let lowercase = password.to_lowercase();
    if COMMON_PASSWORDS.contains(&lowercase) {
        violations.push(PolicyViolation::CommonPassword);
    }
    let equals_context = context_words
        .iter()
        .map(|word| word.trim())
        .filter(|word| !word.is_empty())
        .any(|word| word.to_lowercase() == lowercase);
    if equals_context {
        violations.push(PolicyViolation::ContainsContext);
    }

    if violations.is_empty() {
        Ok(())
    } else {
        Err(violations)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::password_hash::PasswordHasher;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s)
    }

    // Argon2 at 19 MiB is slow in unoptimised builds, so the own-hash tests share one hash.
    static STORED: LazyLock<String> =
        LazyLock::new(|| hash_password(&mut Argon2Memory::default(), &secret("correct horse battery staple")).unwrap());

    #[test]
    fn hash_is_argon2id_phc_with_owasp_parameters() {
        assert!(STORED.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{}", *STORED);
    }

    #[test]
    fn hashes_are_salted() {
        let again = hash_password(&mut Argon2Memory::default(), &secret("correct horse battery staple")).unwrap();
        assert_ne!(again, *STORED);
    }

    #[test]
    fn verify_own_hash() {
        for (candidate, want) in [
            (
                "correct horse battery staple",
                Verification::Valid { needs_rehash: false },
            ),
            ("Correct horse battery staple", Verification::Invalid),
            ("", Verification::Invalid),
        ] {
            assert_eq!(
                verify_password(&mut Argon2Memory::default(), &STORED, &secret(candidate)).unwrap(),
                want,
                "{candidate}"
            );
        }
    }

    #[test]
    fn outdated_argon2_hashes_need_rehash() {
        // Reference vector from the phc-winner-argon2 README: argon2i, m=64 MiB, t=2, p=4.
        let argon2i = "$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";
        let weak_argon2id = weak_argon2id_hash("password");
        for (stored, candidate, want) in [
            (argon2i, "password", Verification::Valid { needs_rehash: true }),
            (argon2i, "passw0rd", Verification::Invalid),
            (
                weak_argon2id.as_str(),
                "password",
                Verification::Valid { needs_rehash: true },
            ),
        ] {
            assert_eq!(
                verify_password(&mut Argon2Memory::default(), stored, &secret(candidate)).unwrap(),
                want,
                "{stored}"
            );
        }
    }

    #[test]
    fn our_hashes_verify_with_the_argon2_crate_and_back() {
        let stored = PasswordHash::new(&STORED).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse battery staple", &stored)
            .is_ok());
        assert!(Argon2::default().verify_password(b"wrong", &stored).is_err());
        let theirs = Argon2::default()
            .hash_password(b"hunter22 hunter22")
            .unwrap()
            .to_string();
        assert_eq!(
            verify_password(&mut Argon2Memory::default(), &theirs, &secret("hunter22 hunter22")).unwrap(),
            Verification::Valid { needs_rehash: false }
        );
    }

    #[test]
    fn one_memory_serves_hashes_of_any_size_in_turn() {
        let mut memory = Argon2Memory::for_current_parameters();
        let larger = {
            let params = argon2::Params::new(ARGON2_M_COST_KIB + 1024, 1, 1, None).unwrap();
            Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
                .hash_password(b"larger memory")
                .unwrap()
                .to_string()
        };
        let cases = [
            (
                weak_argon2id_hash("smaller"),
                "smaller",
                Verification::Valid { needs_rehash: true },
            ),
            (
                STORED.clone(),
                "correct horse battery staple",
                Verification::Valid { needs_rehash: false },
            ),
            (
                larger.clone(),
                "larger memory",
                Verification::Valid { needs_rehash: true },
            ),
            (larger, "larger memory!", Verification::Invalid),
            (weak_argon2id_hash("smaller"), "smaller!", Verification::Invalid),
            (
                STORED.clone(),
                "correct horse battery staple",
                Verification::Valid { needs_rehash: false },
            ),
        ];
        for (stored, candidate, want) in cases {
            assert_eq!(
                verify_password(&mut memory, &stored, &secret(candidate)).unwrap(),
                want,
                "{candidate}"
            );
        }
        assert_eq!(
            memory.blocks.len(),
            current_params().block_count(),
            "a larger hash borrows, not keeps"
        );
    }

    fn weak_argon2id_hash(password: &str) -> String {
        let params = argon2::Params::new(1024, 1, 1, None).unwrap();
        Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
            .hash_password(password.as_bytes())
            .unwrap()
            .to_string()
    }

    #[test]
    fn verify_password_rejects_bad_stored_hashes() {
        let cases = [
            ("", "malformed"),
            ("not a hash", "malformed"),
            ("$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ", "malformed"),
            (
                "$argon2id$v=20$m=19456,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
                "malformed",
            ),
            (
                "$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
                "params",
            ),
            (
                "$argon2id$v=19$m=19456,t=1000,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
                "params",
            ),
            (
                "$pbkdf2-sha256$i=1000,l=32$c2FsdHlzYWx0eXNhbHR5IQ$HqXEpwTKtacBXE+l9o7y8+4SqDH3kZmDV0O2IJNBNcg",
                "algorithm",
            ),
            (
                "$2b$04$EGdrhbKUv8Oc9vGiXX0HQOxSg445d458Muh7DAHskb6QbtCvdxcie",
                "malformed",
            ),
        ];
        for (stored, want) in cases {
            let got = verify_password(&mut Argon2Memory::default(), stored, &secret("password"));
            let kind = match got {
                Err(PasswordError::MalformedHash) => "malformed",
                Err(PasswordError::UnacceptableParameters) => "params",
                Err(PasswordError::UnsupportedAlgorithm) => "algorithm",
                other => panic!("{stored}: unexpected {other:?}"),
            };
            assert_eq!(kind, want, "{stored}");
        }
    }

    fn bcrypt_hash(password: &str, version: &str) -> String {
        let b = bcrypt::hash(password, 4).unwrap();
        format!("$2{version}{}", &b[3..])
    }

    #[test]
    fn verify_imported_hashes() {
        let valid = Verification::Valid { needs_rehash: true };
        let invalid = Verification::Invalid;
        let bcrypt_2a = bcrypt_hash("hunter22", "a");
        let bcrypt_2b = bcrypt_hash("hunter22", "b");
        let bcrypt_2y = bcrypt_hash("hunter22", "y");
        // PBKDF2 vectors made with Python's hashlib.pbkdf2_hmac, salt b"saltysaltysalty!".
        let pbkdf2_1000 =
            "$pbkdf2-sha256$i=1000,l=32$c2FsdHlzYWx0eXNhbHR5IQ$HqXEpwTKtacBXE+l9o7y8+4SqDH3kZmDV0O2IJNBNcg";
        let pbkdf2_2000 =
            "$pbkdf2-sha256$i=2000,l=32$c2FsdHlzYWx0eXNhbHR5IQ$2W/hpiYgmkJPWDsoBHG7W7+DAQVe2VK0Pq7BDsG9vU8";
        let argon2i = "$argon2i$v=19$m=65536,t=2,p=4$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG";
        let cases = [
            // Openwall crypt_blowfish test vector.
            (
                ImportedHashType::Bcrypt,
                "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
                "U*U",
                valid,
            ),
            (
                ImportedHashType::Bcrypt,
                "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
                "U*U*",
                invalid,
            ),
            (ImportedHashType::Bcrypt, bcrypt_2a.as_str(), "hunter22", valid),
            (ImportedHashType::Bcrypt, bcrypt_2b.as_str(), "hunter22", valid),
            (ImportedHashType::Bcrypt, bcrypt_2y.as_str(), "hunter22", valid),
            (ImportedHashType::Bcrypt, bcrypt_2y.as_str(), "hunter23", invalid),
            (
                ImportedHashType::Pbkdf2,
                pbkdf2_1000,
                "correct horse battery staple",
                valid,
            ),
            (
                ImportedHashType::Pbkdf2,
                pbkdf2_1000,
                "correct horse battery stapler",
                invalid,
            ),
            (ImportedHashType::Pbkdf2, pbkdf2_2000, "hunter22hunter22", valid),
            (ImportedHashType::Argon2, argon2i, "password", valid),
            (ImportedHashType::Argon2, argon2i, "Password", invalid),
            (
                ImportedHashType::Argon2,
                STORED.as_str(),
                "correct horse battery staple",
                valid,
            ),
        ];
        for (kind, stored, candidate, want) in cases {
            assert_eq!(validate_imported_hash(kind, stored).ok(), Some(()), "{stored}");
            assert_eq!(
                verify_imported(&mut Argon2Memory::default(), kind, stored, &secret(candidate)).unwrap(),
                want,
                "{kind:?} {stored} {candidate}"
            );
        }
    }

    #[test]
    fn validate_imported_rejects_malformed_hashes() {
        let bcrypt_2x = bcrypt_hash("hunter22", "x");
        let cases = [
            (ImportedHashType::Bcrypt, "", "algorithm"),
            (ImportedHashType::Bcrypt, bcrypt_2x.as_str(), "algorithm"),
            (ImportedHashType::Bcrypt, "$2b$04$tooshort", "malformed"),
            (
                ImportedHashType::Bcrypt,
                "$2b$xx$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
                "malformed",
            ),
            (
                ImportedHashType::Bcrypt,
                "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOe\u{e9}",
                "malformed",
            ),
            (
                ImportedHashType::Bcrypt,
                "$2b$17$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
                "params",
            ),
            (
                ImportedHashType::Bcrypt,
                "$2b$03$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW",
                "params",
            ),
            (
                ImportedHashType::Bcrypt,
                "$pbkdf2-sha256$i=1000,l=32$c2FsdHlzYWx0eXNhbHR5IQ$HqXEpwTKtacBXE+l9o7y8+4SqDH3kZmDV0O2IJNBNcg",
                "algorithm",
            ),
            (ImportedHashType::Pbkdf2, "", "malformed"),
            (
                ImportedHashType::Pbkdf2,
                "pbkdf2_sha256$1000$c2FsdA$aGFzaA",
                "malformed",
            ),
            (
                ImportedHashType::Pbkdf2,
                "$pbkdf2-sha1$i=1000,l=20$c2FsdHlzYWx0eXNhbHR5IQ$HqXEpwTKtacBXE+l9o7y8+4SqDE",
                "algorithm",
            ),
            (
                ImportedHashType::Pbkdf2,
                "$pbkdf2-sha256$i=999,l=32$c2FsdHlzYWx0eXNhbHR5IQ$HqXEpwTKtacBXE+l9o7y8+4SqDH3kZmDV0O2IJNBNcg",
                "malformed",
            ),
            (
                ImportedHashType::Pbkdf2,
                "$pbkdf2-sha256$i=20000000,l=32$c2FsdHlzYWx0eXNhbHR5IQ$HqXEpwTKtacBXE+l9o7y8+4SqDH3kZmDV0O2IJNBNcg",
                "params",
            ),
            (
                ImportedHashType::Pbkdf2,
                "$pbkdf2-sha256$i=1000,l=20$c2FsdHlzYWx0eXNhbHR5IQ$HqXEpwTKtacBXE+l9o7y8+4SqDH3kZmDV0O2IJNBNcg",
                "malformed",
            ),
            (
                ImportedHashType::Pbkdf2,
                "$pbkdf2-sha256$i=1000,l=32$c2FsdHlzYWx0eXNhbHR5IQ",
                "malformed",
            ),
            (
                ImportedHashType::Pbkdf2,
                "$pbkdf2-sha256$i=1000,l=32$c2FsdHlz!!!$HqXEpwTKtacBXE+l9o7y8+4SqDH3kZmDV0O2IJNBNcg",
                "malformed",
            ),
            (
                ImportedHashType::Argon2,
                "$argon2id$v=19$m=4194304,t=2,p=1$c29tZXNhbHQ$RdescudvJCsgt3ub+b+dWRWJTmaaJObG",
                "params",
            ),
            (
                ImportedHashType::Argon2,
                "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHQ",
                "malformed",
            ),
            (
                ImportedHashType::Argon2,
                "$scrypt$ln=16,r=8,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNo",
                "algorithm",
            ),
        ];
        for (kind, stored, want) in cases {
            let got = validate_imported_hash(kind, stored);
            let label = match &got {
                Err(PasswordError::MalformedHash) => "malformed",
                Err(PasswordError::UnacceptableParameters) => "params",
                Err(PasswordError::UnsupportedAlgorithm) => "algorithm",
                other => panic!("{kind:?} {stored}: unexpected {other:?}"),
            };
            assert_eq!(label, want, "{kind:?} {stored}");
            assert!(
                verify_imported(&mut Argon2Memory::default(), kind, stored, &secret("hunter22")).is_err(),
                "{kind:?} {stored}"
            );
        }
    }

    #[test]
    fn imported_hash_type_uses_snake_case_names() {
        for (kind, name) in [
            (ImportedHashType::Bcrypt, "\"bcrypt\""),
            (ImportedHashType::Argon2, "\"argon2\""),
            (ImportedHashType::Pbkdf2, "\"pbkdf2\""),
        ] {
            assert_eq!(serde_json::to_string(&kind).unwrap(), name);
        }
    }

    #[test]
    fn common_password_list_is_loaded() {
        assert!(COMMON_PASSWORDS.len() >= 10_000, "{}", COMMON_PASSWORDS.len());
    }

    #[test]
    fn password_policy() {
        use PolicyViolation::*;
        let context = ["alice.smith@example.com", "alice.smith", ""];
        let cases: &[(&str, Result<(), Vec<PolicyViolation>>)] = &[
            ("hunter2", Err(vec![TooShort, CommonPassword])),
            ("sevench", Err(vec![TooShort])),
            ("eight ch", Ok(())),
            // Eight characters but sixteen bytes: length counts characters.
            ("éééééééé", Ok(())),
            ("ééééééé", Err(vec![TooShort])),
            ("password", Err(vec![CommonPassword])),
            ("PassWord", Err(vec![CommonPassword])),
            ("12345678", Err(vec![CommonPassword])),
            ("baseball", Err(vec![CommonPassword])),
            ("Alice.Smith", Err(vec![ContainsContext])),
            ("alice.smith@example.com", Err(vec![ContainsContext])),
            ("alice.smith is here", Ok(())),
            ("no digits or symbols at all", Ok(())),
        ];
        for (password, want) in cases {
            assert_eq!(&check_password_policy(&secret(password), &context), want, "{password}");
        }
    }

    #[test]
    fn password_length_limits() {
        let longest = "x".repeat(MAX_PASSWORD_CHARS - 1) + "é";
        let too_long = "x".repeat(MAX_PASSWORD_CHARS + 1);
        assert_eq!(check_password_policy(&secret(&longest), &[]), Ok(()));
        assert_eq!(
            check_password_policy(&secret(&too_long), &[]),
            Err(vec![PolicyViolation::TooLong])
        );
    }

    #[test]
    fn violation_codes() {
        for (violation, code) in [
            (PolicyViolation::TooShort, "too_short"),
            (PolicyViolation::TooLong, "too_long"),
            (PolicyViolation::CommonPassword, "common_password"),
            (PolicyViolation::ContainsContext, "contains_context"),
        ] {
            assert_eq!(violation.code(), code);
        }
    }
}
