//! Learning rate: linear warmup then linear decay to 0, as transformers'
//! `get_linear_schedule_with_warmup` (the reference's scheduler).

use serde::{Deserialize, Serialize};

/// Linear warmup over `warmup` optimizer steps, then linear decay to 0 at `total` steps.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct LinearWarmup {
    /// Peak learning rate.
    pub peak: f64,
    /// Warmup steps.
    pub warmup: usize,
    /// Total optimizer steps.
    pub total: usize,
}

impl LinearWarmup {
    /// The learning rate of zero-based optimizer step `step` (as transformers: 0 at step 0).
    ///
    /// ```
    /// let s = star_esc::train::LinearWarmup { peak: 1.0, warmup: 2, total: 6 };
    /// let lrs: Vec<f64> = (0..7).map(|i| s.lr(i)).collect();
    /// assert_eq!(lrs, [0.0, 0.5, 1.0, 0.75, 0.5, 0.25, 0.0]);
    /// ```
    pub fn lr(&self, step: usize) -> f64 {
        let factor = if step < self.warmup {
            step as f64 / self.warmup.max(1) as f64
        } else {
            let left = self.total.saturating_sub(step) as f64;
            left / self.total.saturating_sub(self.warmup).max(1) as f64
        };
        self.peak * factor.max(0.0)
    }
}
