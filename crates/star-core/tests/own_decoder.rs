//! Runs the `own_decoder` example's training (STAR on a user's own small decoder) and fails
//! if its losses did not decrease.

#[path = "../examples/own_decoder.rs"]
#[allow(dead_code)] // the example's `main`
mod own_decoder;

use burn::tensor::Device;

#[test]
fn star_on_an_own_decoder_trains() {
    let log = own_decoder::train(&Device::flex().autodiff(), 4, 10);
    assert_eq!(log.len(), 40);
    assert!(
        log.iter()
            .all(|s| s.loss.is_finite() && s.gate > 0.0 && s.gate < 1.0),
        "{log:?}"
    );
    if let Err(err) = own_decoder::check_decreased(&log) {
        panic!("{err}\n{log:#?}");
    }
}

#[test]
fn the_decrease_check_can_fail() {
    let mut log = own_decoder::train(&Device::flex().autodiff(), 1, 2);
    let first = log[0];
    log.push(first);
    assert!(own_decoder::check_decreased(&log).is_err());
}
