"""Raw f32 matmul throughput of torch and numpy (OpenBLAS) with 2 threads on the shapes of
scripts/gemm_throughput (the gemm crate that burn-flex calls): ms and GFLOP/s, median of 7 after a
warm-up. `python scripts/gemm_throughput/torch_gemm.py`"""

import time

import torch

torch.set_num_threads(2)
# name, m, k, n, whether B is read transposed (stored [n, k]) as the tied LM head is.
SHAPES = [
    ("lm_fwd", 320, 256, 54944, True),
    ("lm_dh", 320, 54944, 256, False),
    ("lm_dW", 54944, 320, 256, False),
    ("ffn1", 1280, 256, 1024, False),
    ("ffn2", 1280, 1024, 256, False),
    ("proj", 1280, 256, 256, False),
    ("square", 1024, 1024, 1024, False),
    ("dec16", 16, 256, 54944, True),
    ("dec1", 1, 256, 54944, True),
    ("dec16_ffn", 16, 256, 1024, False),
]
for lib in ["torch", "numpy"]:
    for name, m, k, n, trans_b in SHAPES:
        a = torch.rand(m, k)
        b = torch.rand(n, k).t() if trans_b else torch.rand(k, n)
        if lib == "numpy":
            a, b = a.numpy(), b.numpy()
        times = []
        for _ in range(8):
            start = time.perf_counter()
            _ = a @ b
            times.append(time.perf_counter() - start)
        times = sorted(times[1:])
        med = times[len(times) // 2]
        print(f"{lib:6} {name:8} {med * 1e3:8.2f} ms {2 * m * k * n / med / 1e9:7.1f} GFLOP/s")
