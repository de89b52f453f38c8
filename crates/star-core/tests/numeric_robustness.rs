//! STAR's gate values and refined states stay finite under extreme inputs: a single position,
//! long sequences, rows that are all padding (mask all `true`), and hidden states of large
//! magnitude, for every pooling mode and pad treatment, batched and incremental.

use burn::tensor::{Bool, Device, Distribution, Int, Tensor, TensorData};
use star_core::{PadPooling, PoolingMode, Star, StarCache, StarConfig, StarInput};

fn stars(device: &Device) -> Vec<(String, Star)> {
    let mut out = Vec::new();
    for pooling in [PoolingMode::Full, PoolingMode::Causal] {
        for pads in [PadPooling::Masked, PadPooling::IncludePads] {
            device.seed(7);
            let star = StarConfig::new(16, 8)
                .with_n_heads(4)
                .with_d_ffn(32)
                .with_gate_dim(8)
                .with_pooling(pooling)
                .with_pad_pooling(pads)
                .init(device);
            out.push((format!("{pooling:?}/{pads:?}"), star));
        }
    }
    out
}

fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_to_vec::<f32>().unwrap()
}

fn check(name: &str, star: &Star, hidden: Tensor<3>, mask: Tensor<2, Bool>) {
    let device = hidden.device();
    let [b, t, _] = hidden.dims();
    let ids: Vec<i64> = (0..b as i64).map(|i| i % 8).collect();
    let ids = Tensor::<1, Int>::from_data(TensorData::new(ids, [b]), &device);
    let out = star.forward(StarInput::new(hidden.clone(), ids.clone()).mask_pad(mask.clone()));
    let gate = values(out.gate);
    assert!(
        gate.iter()
            .all(|g| g.is_finite() && (0.0..=1.0).contains(g)),
        "{name}: gate {gate:?}"
    );
    for (what, v) in [
        ("hidden", values(out.hidden)),
        ("pooled", values(out.pooled)),
    ] {
        let bad = v.iter().filter(|x| !x.is_finite()).count();
        assert_eq!(bad, 0, "{name}: {bad} non-finite {what} values");
    }
    // Incremental refinement (generation) over the same positions, one at a time.
    let mut cache = StarCache::new();
    for i in 0..t {
        let step = StarInput::new(hidden.clone().narrow(1, i, 1), ids.clone())
            .mask_pad(mask.clone().narrow(1, i, 1));
        let out = star.forward_step(step, &mut cache);
        let v = values(out.hidden);
        assert!(v.iter().all(|x| x.is_finite()), "{name}: step {i}");
        let g = values(out.gate);
        assert!(g.iter().all(|x| x.is_finite()), "{name}: step {i} gate");
    }
}

#[test]
fn single_positions_long_sequences_and_padding_rows_stay_finite() {
    let device = Device::flex();
    for (name, star) in stars(&device) {
        // One position, not padded.
        let h = Tensor::<3>::random([2, 1, 16], Distribution::Normal(0.0, 1.0), &device);
        check(
            &format!("{name} single"),
            &star,
            h,
            Tensor::full([2, 1], false, &device),
        );
        // A long sequence with a padded tail on one row.
        let h = Tensor::<3>::random([2, 512, 16], Distribution::Normal(0.0, 1.0), &device);
        let mut mask = vec![false; 2 * 512];
        mask[512 + 100..].iter_mut().for_each(|m| *m = true);
        let mask = Tensor::<2, Bool>::from_data(TensorData::new(mask, [2, 512]), &device);
        check(&format!("{name} long"), &star, h, mask);
        // Row 1 entirely padding, and a batch of nothing but padding.
        let h = Tensor::<3>::random([2, 5, 16], Distribution::Normal(0.0, 1.0), &device);
        let mut mask = vec![false; 10];
        mask[5..].iter_mut().for_each(|m| *m = true);
        let mask = Tensor::<2, Bool>::from_data(TensorData::new(mask, [2, 5]), &device);
        check(&format!("{name} padding row"), &star, h.clone(), mask);
        check(
            &format!("{name} all padding"),
            &star,
            h,
            Tensor::full([2, 5], true, &device),
        );
    }
}

#[test]
fn hidden_states_of_large_magnitude_stay_finite() {
    let device = Device::flex();
    for (name, star) in stars(&device) {
        for scale in [1e2, 1e4] {
            let h =
                Tensor::<3>::random([2, 6, 16], Distribution::Normal(0.0, 1.0), &device) * scale;
            let mut mask = vec![false; 12];
            mask[9..].iter_mut().for_each(|m| *m = true);
            let mask = Tensor::<2, Bool>::from_data(TensorData::new(mask, [2, 6]), &device);
            check(&format!("{name} scale {scale}"), &star, h, mask);
        }
    }
}
