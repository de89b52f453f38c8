//! STAR at the paper sizes (d 512, ffn 2048, gate 48, 8 strategies, 8 heads, 41 positions,
//! batch 32 / 64): forward (inference) and forward+backward (training, dropout on), vectorised
//! and per-example loop, on flex and ndarray; plus the two ways to dispatch experts
//! (grouped by strategy, as `Star` does, vs all experts on every example + one-hot select); and
//! one expert layer on a few rows, `row_linear::forward` against `Linear::forward`.
//!
//! `cargo bench -p star-core --bench star`

#[path = "common/workload.rs"]
mod workload;

use burn::module::Param;
use burn::tensor::activation::{gelu, relu, sigmoid};
use burn::tensor::{Device, Distribution, Int, Tensor, TensorData};
use criterion::{Criterion, criterion_group, criterion_main};
use star_core::{Star, StarConfig, StarExpert};
use workload::{D, N_STRATEGIES};

/// ndarray is deprecated in burn 0.22, but our users named it.
#[allow(deprecated)]
fn backends() -> [(&'static str, Device); 2] {
    [("flex", Device::flex()), ("ndarray", Device::ndarray())]
}

fn star_benches(c: &mut Criterion) {
    for (backend, device) in backends() {
        for b in [32, 64] {
            let mut group = c.benchmark_group(format!("star/{backend}/b{b}"));
            group.sample_size(10);

            let star = StarConfig::new(D, N_STRATEGIES).init(&device);
            let input = workload::input(b, &device);
            group.bench_function("forward", |bench| {
                bench.iter(|| {
                    let out = star.forward(input.clone());
                    device.sync().expect("sync");
                    out
                })
            });
            group.bench_function("forward_loop", |bench| {
                bench.iter(|| {
                    let out = star.forward_per_example(input.clone());
                    device.sync().expect("sync");
                    out
                })
            });

            let train = device.clone().autodiff();
            let star = StarConfig::new(D, N_STRATEGIES).init(&train);
            let mut input = workload::input(b, &train);
            input.hidden = input.hidden.require_grad();
            group.bench_function("forward_backward", |bench| {
                bench.iter(|| {
                    let grads = star.forward(input.clone()).hidden.sum().backward();
                    train.sync().expect("sync");
                    grads
                })
            });
            group.bench_function("forward_backward_loop", |bench| {
                bench.iter(|| {
                    let grads = star
                        .forward_per_example(input.clone())
                        .hidden
                        .sum()
                        .backward();
                    train.sync().expect("sync");
                    grads
                })
            });
            group.finish();
        }
    }
}

/// All 8 experts' weights stacked: `[E, d_in, d_out]`, as a dense dispatch would store them.
struct Stacked {
    gate_fc1: Param<Tensor<3>>,
    gate_fc1_bias: Param<Tensor<3>>,
    gate_fc2: Param<Tensor<3>>,
    fc1: Param<Tensor<3>>,
    fc1_bias: Param<Tensor<3>>,
    fc2: Param<Tensor<3>>,
    fc2_bias: Param<Tensor<3>>,
}

impl Stacked {
    fn new(star: &Star) -> Self {
        let stack3 = |f: &dyn Fn(&StarExpert) -> Tensor<2>| {
            Param::from_tensor(Tensor::stack(star.experts.iter().map(f).collect(), 0).detach())
        };
        let bias = |f: &dyn Fn(&StarExpert) -> Tensor<1>| {
            Param::from_tensor(
                Tensor::stack::<2>(star.experts.iter().map(f).collect(), 0)
                    .unsqueeze_dim(1)
                    .detach(),
            )
        };
        let b = |l: &burn::nn::Linear| l.bias.as_ref().expect("bias").val();
        Self {
            gate_fc1: stack3(&|e| e.gate.fc1.weight.val()),
            gate_fc1_bias: bias(&|e| b(&e.gate.fc1)),
            gate_fc2: stack3(&|e| e.gate.fc2.weight.val()),
            fc1: stack3(&|e| e.refine.fc1.weight.val()),
            fc1_bias: bias(&|e| b(&e.refine.fc1)),
            fc2: stack3(&|e| e.refine.fc2.weight.val()),
            fc2_bias: bias(&|e| b(&e.refine.fc2)),
        }
    }

    /// Every expert on every row, then keep each row's own expert: `z [b, d]`, `one_hot [E, b, 1]`.
    fn forward(&self, z: Tensor<2>, one_hot: Tensor<3>) -> (Tensor<2>, Tensor<2>) {
        let z = z.unsqueeze::<3>(); // [1, b, d]
        let g = relu(z.clone().matmul(self.gate_fc1.val()) + self.gate_fc1_bias.val());
        let g = sigmoid(g.matmul(self.gate_fc2.val())); // [E, b, 1]
        let r = gelu(z.matmul(self.fc1.val()) + self.fc1_bias.val());
        let r = r.matmul(self.fc2.val()) + self.fc2_bias.val(); // [E, b, d]
        (
            (g * one_hot.clone()).sum_dim(0).squeeze_dim(0),
            (r * one_hot).sum_dim(0).squeeze_dim(0),
        )
    }
}

/// Grouped dispatch as `Star` does it: one call per expert present, on its rows.
fn grouped(star: &Star, z: Tensor<2>, ids: &[usize]) -> (Tensor<2>, Tensor<2>) {
    let device = z.device();
    let mut order = Vec::new();
    let mut gates = Vec::new();
    let mut refined = Vec::new();
    for e in 0..N_STRATEGIES {
        let rows: Vec<i64> = (0..ids.len())
            .filter(|&i| ids[i] == e)
            .map(|i| i as i64)
            .collect();
        if rows.is_empty() {
            continue;
        }
        order.extend(rows.iter().map(|&i| i as usize));
        let index = Tensor::from_data(TensorData::new(rows.clone(), [rows.len()]), &device);
        let (g, r) = star.experts[e].forward(z.clone().select(0, index));
        gates.push(g);
        refined.push(r);
    }
    let mut inverse = vec![0i64; ids.len()];
    for (row, &i) in order.iter().enumerate() {
        inverse[i] = row as i64;
    }
    let inverse = Tensor::<1, Int>::from_data(TensorData::new(inverse, [ids.len()]), &device);
    (
        Tensor::cat(gates, 0).select(0, inverse.clone()),
        Tensor::cat(refined, 0).select(0, inverse),
    )
}

fn dispatch_benches(c: &mut Criterion) {
    let device = Device::flex().autodiff();
    for b in [32, 64] {
        let mut group = c.benchmark_group(format!("experts/flex/b{b}"));
        group.sample_size(10);
        let star = StarConfig::new(D, N_STRATEGIES)
            .with_gate_dropout(0.0)
            .with_refine_dropout(0.0)
            .init(&device);
        let stacked = Stacked::new(&star);
        let ids: Vec<usize> = (0..b).map(|i| (i * 5 + i / 3) % N_STRATEGIES).collect();
        let one_hot: Vec<f32> = (0..N_STRATEGIES)
            .flat_map(|e| ids.iter().map(move |&id| if id == e { 1.0 } else { 0.0 }))
            .collect();
        let one_hot =
            Tensor::<3>::from_data(TensorData::new(one_hot, [N_STRATEGIES, b, 1]), &device);
        let z = Tensor::<2>::random([b, D], Distribution::Normal(0.0, 1.0), &device).require_grad();

        // The two dispatches compute the same thing.
        let (g1, r1) = grouped(&star, z.clone(), &ids);
        let (g2, r2) = stacked.forward(z.clone(), one_hot.clone());
        g1.into_data().assert_approx_eq::<f32>(
            &g2.into_data(),
            burn::tensor::Tolerance::rel_abs(1e-4, 1e-5),
        );
        r1.into_data().assert_approx_eq::<f32>(
            &r2.into_data(),
            burn::tensor::Tolerance::rel_abs(1e-4, 1e-5),
        );

        group.bench_function("grouped_forward_backward", |bench| {
            bench.iter(|| {
                let (g, r) = grouped(&star, z.clone(), &ids);
                (g.sum() + r.sum()).backward()
            })
        });
        group.bench_function("all_experts_select_forward_backward", |bench| {
            bench.iter(|| {
                let (g, r) = stacked.forward(z.clone(), one_hot.clone());
                (g.sum() + r.sum()).backward()
            })
        });
        let inference = Device::flex();
        let z_inf = z.clone().inner();
        let star_inf = StarConfig::new(D, N_STRATEGIES).init(&inference);
        let stacked_inf = Stacked::new(&star_inf);
        let one_hot_inf = one_hot.clone().inner();
        group.bench_function("grouped_forward", |bench| {
            bench.iter(|| grouped(&star_inf, z_inf.clone(), &ids))
        });
        group.bench_function("all_experts_select_forward", |bench| {
            bench.iter(|| stacked_inf.forward(z_inf.clone(), one_hot_inf.clone()))
        });
        group.finish();
    }
}

/// One expert layer at the paper's width on a few rows: `row_linear::forward` (the fused flex
/// kernel with the `flex` feature) against `Linear::forward` (burn's matrix product), forward
/// without autodiff and forward + backward with it.
fn row_linear_benches(c: &mut Criterion) {
    use burn::nn::LinearConfig;
    use star_core::row_linear;
    for (d_in, d_out) in [(D, D), (D, 2048), (2048, D)] {
        for rows in [1, 4, 8, 16] {
            let mut group = c.benchmark_group(format!("row_linear/flex/{d_in}x{d_out}/rows{rows}"));
            group.sample_size(20);
            for (mode, device) in [
                ("forward", Device::flex()),
                ("forward_backward", Device::flex().autodiff()),
            ] {
                let layer = LinearConfig::new(d_in, d_out).init(&device);
                let x = Tensor::<2>::random([rows, d_in], Distribution::Normal(0.0, 1.0), &device);
                let x = if device.is_autodiff() {
                    x.require_grad()
                } else {
                    x
                };
                for (name, fused) in [("row_linear", true), ("linear", false)] {
                    group.bench_function(format!("{mode}/{name}"), |bench| {
                        bench.iter(|| {
                            let y = if fused {
                                row_linear::forward(&layer, x.clone())
                            } else {
                                layer.forward(x.clone())
                            };
                            if device.is_autodiff() {
                                let _grads = y.sum().backward();
                            } else {
                                let _ = y.into_data();
                            }
                        })
                    });
                }
            }
            group.finish();
        }
    }
}

criterion_group!(benches, star_benches, dispatch_benches, row_linear_benches);
criterion_main!(benches);
