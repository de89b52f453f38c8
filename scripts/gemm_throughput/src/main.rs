//! Raw f32 gemm throughput of the `gemm` crate (what burn-flex calls) on the train-step shapes.

use std::time::Instant;

fn bench(m: usize, k: usize, n: usize, trans_b: bool, reps: usize) -> f64 {
    let a: Vec<f32> = (0..m * k).map(|i| ((i % 97) as f32) * 0.01).collect();
    let b: Vec<f32> = (0..k * n).map(|i| ((i % 89) as f32) * 0.01).collect();
    let mut c = vec![0f32; m * n];
    let par = gemm::Parallelism::Rayon(0);
    let mut times = Vec::new();
    for _ in 0..reps + 1 {
        let t = Instant::now();
        // SAFETY: the three buffers hold m·k, k·n and m·n floats and the strides stay inside them.
        unsafe {
            // row-major C[m,n] = A[m,k] B[k,n]; B optionally read transposed ([n,k] storage).
            let (b_cs, b_rs) = if trans_b {
                (k as isize, 1)
            } else {
                (1, n as isize)
            };
            gemm::gemm(
                m,
                n,
                k,
                c.as_mut_ptr(),
                1,
                n as isize,
                false,
                a.as_ptr(),
                1,
                k as isize,
                b.as_ptr(),
                b_cs,
                b_rs,
                0.0f32,
                1.0f32,
                false,
                false,
                false,
                par,
            );
        }
        times.push(t.elapsed().as_secs_f64());
    }
    times.remove(0);
    times.sort_by(|x, y| x.partial_cmp(y).unwrap());
    times[times.len() / 2]
}

fn main() {
    let shapes: &[(&str, usize, usize, usize, bool)] = &[
        ("lm_fwd  [320,256]x[256,54944]^T", 320, 256, 54944, true),
        ("lm_dh   [320,54944]x[54944,256]", 320, 54944, 256, false),
        ("lm_dW   [54944,320]x[320,256]", 54944, 320, 256, false),
        ("ffn1    [1280,256]x[256,1024]", 1280, 256, 1024, false),
        ("ffn2    [1280,1024]x[1024,256]", 1280, 1024, 256, false),
        ("proj    [1280,256]x[256,256]", 1280, 256, 256, false),
        ("square  [1024,1024]x[1024,1024]", 1024, 1024, 1024, false),
        // Greedy decoding, one step at batch 16 and 1: the LM head and an FFN product.
        ("dec16   [16,256]x[256,54944]^T", 16, 256, 54944, true),
        ("dec1    [1,256]x[256,54944]^T", 1, 256, 54944, true),
        ("dec16   [16,256]x[256,1024]", 16, 256, 1024, false),
        // The 90M model (d 512, FFN 2048): its training LM head and layers, decoding at 16.
        ("lm_fwd  [320,512]x[512,54944]^T", 320, 512, 54944, true),
        ("lm_dh   [320,54944]x[54944,512]", 320, 54944, 512, false),
        ("lm_dW   [54944,320]x[320,512]", 54944, 320, 512, false),
        ("ffn1    [1280,512]x[512,2048]", 1280, 512, 2048, false),
        ("ffn2    [1280,2048]x[2048,512]", 1280, 2048, 512, false),
        ("enc16   [2560,512]x[512,512]", 2560, 512, 512, false),
        ("dec16   [16,512]x[512,54944]^T", 16, 512, 54944, true),
    ];
    for &(name, m, k, n, t) in shapes {
        let s = bench(m, k, n, t, 7);
        println!(
            "{name:36} {:8.2} ms {:7.1} GFLOP/s",
            s * 1e3,
            2.0 * (m * k * n) as f64 / s / 1e9
        );
    }
}
