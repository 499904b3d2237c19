//! ACS validations per second, in process: the same checks as `POST /sso/saml/acs` before it
//! touches the database (xmlsec signature, issuer, audience, destination, times), run over one
//! signed response on every core. `benches/load/saml_acs.sh` runs it beside @node-saml/node-saml.
//!
//! Usage: saml_verify_rate <response.b64> <idp-cert.pem> <idp-entity-id> <sp-entity-id> <acs-url> [seconds]
//! Prints one JSON object; exits 1 if the response is refused.

use base64::Engine as _;
use gatehouse::sso::saml::metadata::parse_certificate;
use gatehouse::sso::saml::verify::{verify_response, Expectations};
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 6 {
        eprintln!(
            "usage: {} <response.b64> <idp-cert.pem> <idp-entity-id> <sp-entity-id> <acs-url> [seconds]",
            args[0]
        );
        std::process::exit(2);
    }
    let b64 = std::fs::read_to_string(&args[1]).expect("response file");
    let xml = String::from_utf8(
        base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .expect("base64 response"),
    )
    .expect("UTF-8 response");
    let pem = std::fs::read_to_string(&args[2]).expect("certificate file");
    let certificate = samael::crypto::CertificateDer::from(parse_certificate(&pem).expect("PEM certificate").der);
    let seconds: u64 = args.get(6).and_then(|s| s.parse().ok()).unwrap_or(10);
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());

    let validate = || {
        let certificates = [certificate.clone()];
        let expectations = Expectations {
            certificates: &certificates,
            idp_entity_id: &args[3],
            sp_entity_id: &args[4],
            acs_url: &args[5],
            request_id: None,
            allow_idp_initiated: true,
            now: chrono::Utc::now(),
            skew: chrono::Duration::seconds(90),
            sp_key: None,
        };
        verify_response(&xml, &expectations)
    };
    if let Err(refusal) = validate() {
        eprintln!("refused: {refusal}");
        std::process::exit(1);
    }

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let counts: Vec<u64> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut n = 0u64;
                    while Instant::now() < deadline {
                        validate().expect("validated once, so always");
                        n += 1;
                    }
                    n
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("worker")).collect()
    });
    let elapsed = started.elapsed().as_secs_f64();
    let total: u64 = counts.iter().sum();
    println!(
        "{{\"part\":\"gatehouse verify_response (in process, one response)\",\"threads\":{threads},\"validated\":{total},\"seconds\":{elapsed:.2},\"per_second\":{:.1}}}",
        total as f64 / elapsed
    );
}
