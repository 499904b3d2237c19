//! Raw argon2id verifications per second of one password hash, with the parameters and code the
//! password grant uses (`identity::password`, each thread keeping its argon2 memory as the server's
//! hashing threads do), on a given number of threads. `benches/load/identity.sh`
//! sets it beside the password grant's throughput over HTTP to measure what a sign-in adds.
//!
//! Usage: argon2_rate <threads> [seconds]
//! Prints one JSON object.

use gatehouse::identity::password::{hash_password, verify_password, Argon2Memory, Verification};
use secrecy::SecretString;
use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let threads: usize = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .filter(|&n| n > 0)
        .unwrap_or_else(|| {
            eprintln!("usage: {} <threads> [seconds]", args[0]);
            std::process::exit(2);
        });
    let seconds: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let password = SecretString::from("correct horse battery staple 42");
    let phc = hash_password(&mut Argon2Memory::default(), &password).expect("hash");
    let verify =
        |memory: &mut Argon2Memory| matches!(verify_password(memory, &phc, &password), Ok(Verification::Valid { .. }));
    assert!(
        verify(&mut Argon2Memory::default()),
        "the hash verifies its own password"
    );

    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let counts: Vec<u64> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut memory = Argon2Memory::for_current_parameters();
                    let mut n = 0u64;
                    while Instant::now() < deadline {
                        assert!(verify(&mut memory));
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
        "{{\"part\":\"argon2id verify_password\",\"threads\":{threads},\"verified\":{total},\"seconds\":{elapsed:.2},\"per_second\":{:.2},\"ms_each_per_thread\":{:.2}}}",
        total as f64 / elapsed,
        elapsed * 1000.0 * threads as f64 / total as f64
    );
}
