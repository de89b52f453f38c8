//! glibc allocator settings for the example binaries.
//!
//! Training allocates and frees tensors of tens of megabytes at every step (the `[tokens, vocab]`
//! logits and their gradients). Growing glibc's heap 1 GiB at a time (`M_TOP_PAD`) instead of the
//! default 128 KiB measured 1.13-1.19x faster training of the `mini` preset on 2 cores
//! (`scripts/malloc_ab.sh`, BENCHMARKS.md). A `MALLOC_TOP_PAD_` set in the environment wins;
//! `STAR_ESC_MALLOC_DEFAULTS=1` keeps glibc's defaults (the baseline of the measurement: setting
//! any `MALLOC_*_` variable also turns off glibc's dynamic mmap threshold, so it is no baseline).

/// Applies the settings (glibc on Linux only; elsewhere nothing).
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_TOP_PAD_").is_none()
        && std::env::var_os("STAR_ESC_MALLOC_DEFAULTS").is_none()
    {
        // SAFETY: mallopt only changes allocator parameters; it is called at the start of main,
        // before any other thread exists.
        unsafe {
            libc::mallopt(libc::M_TOP_PAD, 1 << 30);
        }
    }
}
