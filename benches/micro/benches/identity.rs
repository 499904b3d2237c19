//! Raw single-core costs that the issue-4 targets compare against:
//! - argon2id verification of one stored hash (what a password sign-in must pay);
//! - access-token verification through `verify_access_token` against a one-key JWKS, next to the
//!   same check with a decoding key built once, and the bare P-256 ECDSA verify of the signature;
//! - signing an access token (what every sign-in and refresh pays).
//!
//! Run: `CARGO_TARGET_DIR=$HOME/.cache/gatehouse/micro-target cargo bench --manifest-path benches/micro/Cargo.toml`

use std::hint::black_box;
use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use base64::Engine as _;
use criterion::{criterion_group, Criterion};
use gatehouse::identity::password::{hash_password, verify_password, Argon2Memory, Verification};
use gatehouse::sessions::signing_keys::{
    generate_key, jwks, sign_access_token, verify_access_token, AccessClaims, Algorithm,
};
use jsonwebtoken::jwk::Jwk;
use jsonwebtoken::{DecodingKey, Validation};
use p256::ecdsa::signature::Verifier as _;
use p256::ecdsa::{Signature, VerifyingKey};
use secrecy::SecretString;

const PASSWORD: &str = "correct horse battery staple 42";
const ISSUER: &str = "http://127.0.0.1:8080";
const NOW: i64 = 1_700_000_000;

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".into())
}

fn claims() -> AccessClaims {
    AccessClaims {
        iss: ISSUER.to_owned(),
        sub: "user_01HZY0000000000000000000".to_owned(),
        sid: "session_01HZY0000000000000000000".to_owned(),
        org_id: None,
        role: None,
        permissions: vec![],
        exp: NOW + 300,
        iat: NOW,
        jti: "01HZY0000000000000000000JT".to_owned(),
    }
}

fn password(c: &mut Criterion) {
    let pw = SecretString::from(PASSWORD);
    let mut memory = Argon2Memory::for_current_parameters();
    let phc = hash_password(&mut memory, &pw).expect("hash");
    assert_eq!(
        verify_password(&mut memory, &phc, &pw).expect("verify"),
        Verification::Valid { needs_rehash: false }
    );
    let mut g = c.benchmark_group("argon2id");
    g.sample_size(30).measurement_time(Duration::from_secs(8));
    g.bench_function("verify_password (m=19456 KiB, t=2, p=1)", |b| {
        b.iter(|| verify_password(&mut memory, black_box(&phc), black_box(&pw)).expect("verify"))
    });
    g.bench_function("hash_password", |b| {
        b.iter(|| hash_password(&mut memory, black_box(&pw)).expect("hash"))
    });
    g.finish();
}

fn access_tokens(c: &mut Criterion) {
    let key = generate_key(Algorithm::ES256).expect("key");
    let set = jwks(std::slice::from_ref(&key.public_jwk));
    let token = sign_access_token(&claims(), &key.kid, key.alg, &key.private_pkcs8_pem).expect("sign");
    assert_eq!(verify_access_token(&token, &set, ISSUER, NOW).expect("verify"), claims());

    // The same check with the JWK turned into a decoding key once, as a verifier with a key cache would.
    let jwk: Jwk = serde_json::from_value(key.public_jwk.clone()).expect("jwk");
    let decoding = DecodingKey::from_jwk(&jwk).expect("decoding key");
    let mut validation = Validation::new(jsonwebtoken::Algorithm::ES256);
    validation.validate_exp = false;
    validation.set_required_spec_claims(&["exp", "iss", "sub"]);
    validation.set_issuer(&[ISSUER]);

    // Bare ECDSA P-256: SHA-256 of the signing input plus the curve verification, nothing else.
    let coord = |name: &str| B64URL.decode(key.public_jwk[name].as_str().expect("coord")).expect("b64");
    let (x, y) = (coord("x"), coord("y"));
    let point = p256::EncodedPoint::from_affine_coordinates(x.as_slice().into(), y.as_slice().into(), false);
    let vk = VerifyingKey::from_encoded_point(&point).expect("point");
    let (signing_input, sig_b64) = token.rsplit_once('.').expect("jwt");
    let sig = Signature::from_slice(&B64URL.decode(sig_b64).expect("b64")).expect("sig");
    vk.verify(signing_input.as_bytes(), &sig).expect("bare verify");

    let mut g = c.benchmark_group("es256");
    g.warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    g.bench_function("verify_access_token (one-key JWKS)", |b| {
        b.iter(|| verify_access_token(black_box(&token), black_box(&set), ISSUER, NOW).expect("verify"))
    });
    g.bench_function("jsonwebtoken::decode (decoding key built once)", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<AccessClaims>(black_box(&token), &decoding, &validation).expect("decode")
        })
    });
    g.bench_function("bare p256 ECDSA verify", |b| {
        b.iter(|| vk.verify(black_box(signing_input.as_bytes()), black_box(&sig)).expect("verify"))
    });
    g.bench_function("sign_access_token (PEM parsed per call)", |b| {
        b.iter(|| sign_access_token(black_box(&claims()), &key.kid, key.alg, &key.private_pkcs8_pem).expect("sign"))
    });
    g.finish();
}

criterion_group!(benches, password, access_tokens);

fn main() {
    println!("load average before: {}", loadavg());
    benches();
    Criterion::default().configure_from_args().final_summary();
    println!("load average after: {}", loadavg());
}
