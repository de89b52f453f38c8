//! STAR timings at the paper sizes as one JSON line, for `scripts/bench_star.py` (which puts
//! them next to PyTorch's). Same workloads as `benches/star.rs`; median milliseconds.
//!
//! `cargo run --profile bench -p star-core --example star_bench_json -- --reps 15 [--devices flex,ndarray]
//! [--batches 32,64] [--modes forward,forward_backward,forward_loop,forward_backward_loop]`
//! (`--modes`/`--batches` narrow the run, e.g. under a profiler).

#[path = "../benches/common/workload.rs"]
mod workload;

use std::collections::BTreeMap;
use std::time::Instant;

use burn::tensor::Device;
use star_core::StarConfig;
use workload::{D, N_STRATEGIES, input};

/// The first NVIDIA GPU, after checking that its driver (libcuda.so.1) loads: without it cudarc
/// panics later, on a runtime thread ("Unable to dynamically load the \"cuda\" shared library").
#[cfg(feature = "cuda")]
fn cuda_device() -> Device {
    #[cfg(unix)]
    {
        use std::ffi::{c_char, c_int, c_void};
        unsafe extern "C" {
            fn dlopen(filename: *const c_char, flag: c_int) -> *mut c_void;
        }
        const RTLD_NOW: c_int = 2;
        // SAFETY: NUL-terminated names; a loaded library stays loaded (cudarc loads it next).
        let loads = |name: &std::ffi::CStr| !unsafe { dlopen(name.as_ptr(), RTLD_NOW) }.is_null();
        assert!(
            loads(c"libcuda.so.1") || loads(c"libcuda.so"),
            "the NVIDIA CUDA driver (libcuda.so.1) cannot be loaded: `cuda` needs a machine with an \
             NVIDIA GPU and its driver (libcuda.so.1 on the loader's path, LD_LIBRARY_PATH)"
        );
    }
    Device::cuda(0)
}

fn median_ms(reps: usize, mut run: impl FnMut()) -> f64 {
    run();
    run();
    let mut times: Vec<f64> = (0..reps)
        .map(|_| {
            let start = Instant::now();
            run();
            start.elapsed().as_secs_f64() * 1e3
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[reps / 2]
}

fn device(name: &str) -> Device {
    match name {
        "flex" => Device::flex(),
        // ndarray is deprecated in burn 0.22, but our users named it.
        #[allow(deprecated)]
        "ndarray" => Device::ndarray(),
        #[cfg(feature = "cuda")]
        "cuda" => cuda_device(),
        other => {
            panic!("unknown device {other:?} (flex, ndarray, or cuda with the `cuda` feature)")
        }
    }
}

fn main() {
    // What the `train` binary does: without it every large tensor is a fresh, zeroed mapping.
    star_core::tune_allocator();
    let args: Vec<String> = std::env::args().collect();
    let reps = args
        .iter()
        .position(|a| a == "--reps")
        .and_then(|i| args.get(i + 1))
        .map_or(15, |r| r.parse().expect("--reps takes a number"));

    let list = |flag: &str, default: &'static str| -> Vec<String> {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .map_or(default, String::as_str)
            .split(',')
            .map(str::to_string)
            .collect()
    };
    let modes = list(
        "--modes",
        "forward,forward_loop,forward_backward,forward_backward_loop",
    );
    let batches: Vec<usize> = list("--batches", "32,64")
        .iter()
        .map(|b| b.parse().expect("--batches takes numbers, e.g. 32,64"))
        .collect();
    let wanted = |mode: &str| modes.iter().any(|m| m == mode);

    let mut all = BTreeMap::new();
    let names = args
        .iter()
        .position(|a| a == "--devices")
        .and_then(|i| args.get(i + 1))
        .map_or("flex,ndarray", String::as_str);
    for backend in names.split(',') {
        let device = device(backend);
        let mut per_batch = BTreeMap::new();
        for &b in &batches {
            let mut times = BTreeMap::new();
            let star = StarConfig::new(D, N_STRATEGIES).init(&device);
            let inp = input(b, &device);
            if wanted("forward") {
                times.insert(
                    "forward",
                    median_ms(reps, || {
                        star.forward(inp.clone());
                        device.sync().expect("sync");
                    }),
                );
            }
            if wanted("forward_loop") {
                times.insert(
                    "forward_loop",
                    median_ms(reps, || {
                        star.forward_per_example(inp.clone());
                        device.sync().expect("sync");
                    }),
                );
            }

            let train = device.clone().autodiff();
            let star = StarConfig::new(D, N_STRATEGIES).init(&train);
            let mut inp = input(b, &train);
            inp.hidden = inp.hidden.require_grad();
            if wanted("forward_backward") {
                times.insert(
                    "forward_backward",
                    median_ms(reps, || {
                        star.forward(inp.clone()).hidden.sum().backward();
                        train.sync().expect("sync");
                    }),
                );
            }
            if wanted("forward_backward_loop") {
                times.insert(
                    "forward_backward_loop",
                    median_ms(reps, || {
                        star.forward_per_example(inp.clone())
                            .hidden
                            .sum()
                            .backward();
                        train.sync().expect("sync");
                    }),
                );
            }
            per_batch.insert(format!("b{b}"), times);
        }
        all.insert(backend, per_batch);
    }
    println!("{}", serde_json::to_string(&all).expect("json"));
}
