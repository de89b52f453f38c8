//! Heap settings for processes that train or run STAR and the ESC models on the CPU.
//!
//! A training step allocates and frees tensors of tens of megabytes (the `[tokens, vocab]` logits,
//! their gradients, STAR's expert weight gradients, the optimizer's moments). With glibc's
//! defaults each of them is a fresh `mmap` whose pages are faulted in and zeroed anew at every
//! step. Growing the heap 1 GiB at a time (`M_TOP_PAD`) keeps those blocks in the heap. Measured
//! on 2 cores (BENCHMARKS.md, "allocator"): STAR's forward + backward at the paper sizes 1.9x
//! faster, the BlenderBot-Small "small" training step (batch 8, vocabulary 54,944) 1.4x faster
//! and its AdamW update 2.7x faster. mimalloc and jemalloc with their defaults were slower than
//! glibc's defaults on the same step.
//!
//! Setting `M_TOP_PAD` also fixes glibc's mmap threshold at 128 KiB, so blocks above it (the
//! 90M model's weight gradients and activations) were still fresh mappings. The heap therefore
//! also serves them (`M_MMAP_MAX = 0`), and keeps up to 2 GiB of freed memory instead of
//! returning it (`M_TRIM_THRESHOLD`): the 90M training step 5.9 / 6.8 s → 3.5 / 4.0 s, its
//! AdamW update 2x faster (BENCHMARKS.md, rung 3).
//!
//! The setting is process-wide, so only a binary can choose it: call [tune_allocator] first
//! thing in `main`.

/// Grows glibc's heap 1 GiB at a time instead of 128 KiB (`mallopt(M_TOP_PAD, 1 GiB)`), serves
/// every block from the heap instead of fresh mappings (`M_MMAP_MAX = 0`) and keeps up to 2 GiB
/// of freed memory for reuse (`M_TRIM_THRESHOLD`); returns whether it did.
///
/// Does nothing (returns `false`) on other platforms or C libraries, when `MALLOC_TOP_PAD_` is
/// set in the environment (the user's own value wins), or when `STAR_ESC_MALLOC_DEFAULTS` is set
/// (to measure glibc's defaults: setting any `MALLOC_*_` variable would also turn off glibc's
/// dynamic mmap threshold, so it is no baseline).
///
/// Call it at the start of `main`, before other threads exist. The memory it reserves is
/// address space: pages are only backed once written. The process keeps its peak heap until it
/// exits, which suits a training or evaluation binary, not a long-lived service.
///
/// ```
/// // First thing in `main`:
/// let tuned = star_core::tune_allocator();
/// # #[cfg(all(target_os = "linux", target_env = "gnu"))]
/// # if std::env::var_os("MALLOC_TOP_PAD_").is_none() && std::env::var_os("STAR_ESC_MALLOC_DEFAULTS").is_none() {
/// #     assert!(tuned);
/// # }
/// // ... build the model and train ...
/// ```
pub fn tune_allocator() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if std::env::var_os("MALLOC_TOP_PAD_").is_none()
        && std::env::var_os("STAR_ESC_MALLOC_DEFAULTS").is_none()
    {
        // SAFETY: mallopt only changes allocator parameters; it is thread-safe in glibc.
        return unsafe {
            libc::mallopt(libc::M_TOP_PAD, 1 << 30) == 1
                && libc::mallopt(libc::M_MMAP_MAX, 0) == 1
                && libc::mallopt(libc::M_TRIM_THRESHOLD, i32::MAX) == 1
        };
    }
    false
}
