//! The runner of the property suites (esc-metrics and esc-models include this file by `#[path]`):
//! a fixed seed per property (the same inputs on every run), a fixed case budget, no regression
//! files, and a printed count of the inputs tried.

use std::sync::atomic::{AtomicUsize, Ordering};

use proptest::strategy::Strategy;
use proptest::test_runner::{Config, RngAlgorithm, RngSeed, TestCaseError, TestRunner};

/// Runs `test` on `cases` inputs of `strategy` (seeded from `name`), prints the number of inputs
/// tried (shrinking included) and panics with the minimal failing input if a case fails.
pub fn check<S: Strategy>(
    name: &str,
    cases: u32,
    strategy: S,
    test: impl Fn(S::Value) -> Result<(), TestCaseError>,
) {
    // FNV-1a of the name: each property gets its own fixed stream.
    let seed = name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    });
    let config = Config {
        cases,
        rng_algorithm: RngAlgorithm::ChaCha,
        rng_seed: RngSeed::Fixed(seed),
        failure_persistence: None,
        ..Config::default()
    };
    let tried = AtomicUsize::new(0);
    let result = TestRunner::new(config).run(&strategy, |value| {
        tried.fetch_add(1, Ordering::Relaxed);
        test(value)
    });
    let tried = tried.into_inner();
    let verdict = if result.is_ok() {
        "0 failures, 0 panics"
    } else {
        "FAILED"
    };
    println!(
        "fuzz {} {name}: {tried} inputs, {verdict}",
        env!("CARGO_PKG_NAME")
    );
    if let Err(e) = result {
        panic!("{name}: {e}");
    }
}
