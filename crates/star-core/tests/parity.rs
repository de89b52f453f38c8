//! Parity with the PyTorch reference (`scripts/star_reference.py`): outputs and gradients of
//! every fixture case (both expert modes, both gate widths, masked / include-pads pooling,
//! full / causal pooling) match to 1e-5 on flex and ndarray.

mod common;

use common::{assert_close, devices, fixture, linear_mut, values};
use star_core::StarInput;

const TOL: f32 = 1e-5;

#[test]
fn outputs_and_gradients_match_pytorch() {
    let fixture = fixture();
    assert_eq!(fixture.cases.len(), 8);
    for (device_name, device) in devices() {
        let device = device.autodiff();
        for case in &fixture.cases {
            let what = |field: &str| format!("{device_name}/{}: {field}", case.name);
            let mut star = fixture.star(case, &device);
            let hidden = fixture.hidden(&device).require_grad();
            let input = StarInput::new(hidden.clone(), fixture.strategy_ids(&device))
                .mask_pad(fixture.mask_pad(&device));
            let out = star.forward(input);

            assert_close(
                &what("hidden"),
                &values(out.hidden.clone()),
                &case.output["hidden"].data,
                TOL,
            );
            assert_close(
                &what("gate"),
                &values(out.gate.clone()),
                &case.output["gate"].data,
                TOL,
            );
            assert_close(
                &what("pooled"),
                &values(out.pooled.clone()),
                &case.output["pooled"].data,
                TOL,
            );
            assert_eq!(
                out.gate.dims().to_vec(),
                case.output["gate"].shape,
                "{}",
                what("gate shape")
            );

            let loss = (out.hidden * fixture.loss_weights.tensor::<3>(&device)).sum();
            let grads = loss.backward();
            let grad_hidden = hidden.grad(&grads).expect("gradient of the hidden states");
            assert_close(
                &what("d hidden"),
                &values(grad_hidden),
                &case.grads["hidden"].data,
                TOL,
            );

            let mut checked = 0;
            for (name, expected) in &case.grads {
                let Some((layer, kind)) = name.rsplit_once('.') else {
                    continue; // "hidden"
                };
                let linear = linear_mut(&mut star, layer).expect("parameter of this case");
                let grad = match kind {
                    // burn stores [in, out]; the reference [out, in].
                    "weight" => linear
                        .weight
                        .val()
                        .grad(&grads)
                        .map(|g| values(g.transpose())),
                    "bias" => linear
                        .bias
                        .as_ref()
                        .and_then(|b| b.val().grad(&grads))
                        .map(values),
                    _ => unreachable!(),
                };
                // No gradient = not on the graph (k_proj.bias: softmax is shift-invariant).
                let param = grad.unwrap_or_else(|| vec![0.0; expected.data.len()]);
                assert_close(&what(&format!("d {name}")), &param, &expected.data, TOL);
                checked += 1;
            }
            // Every parameter of the case was compared (pooling + experts).
            assert!(checked >= 8 + 3, "{}", what("parameter count"));
        }
    }
}
