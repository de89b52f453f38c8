//! What the examples share: how a failed run is reported.

use std::process::ExitCode;

/// Runs `main`, printing an error as one chain of causes (`error: ...: ...`) without a
/// backtrace, and turning it into a failing exit code.
pub fn report(main: impl FnOnce() -> anyhow::Result<()>) -> ExitCode {
    match main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
