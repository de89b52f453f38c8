//! What the examples share: the allocator settings and how a failed run is reported.

use std::process::ExitCode;

/// Runs `main` (after [star_esc::star_core::tune_allocator]), printing an error as one chain of causes
/// (`error: ...: ...`) without a backtrace, and turning it into a failing exit code.
pub fn report(main: impl FnOnce() -> anyhow::Result<()>) -> ExitCode {
    star_esc::star_core::tune_allocator();
    match main() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Our errors already quote their cause: print each cause once.
            let mut message = e.to_string();
            for cause in e.chain().skip(1) {
                let cause = cause.to_string();
                if !message.contains(&cause) {
                    message = format!("{message}: {cause}");
                }
            }
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
