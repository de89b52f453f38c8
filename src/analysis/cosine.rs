//! Cosine similarities of several gradient vectors from their Gram matrix, and their mean over
//! batches.

/// Σ over parameter tensors of the dot products `⟨g_i, g_j⟩` of `k` gradient vectors (`f64`
/// accumulation).
#[derive(Debug, Clone, PartialEq)]
pub struct GramMatrix {
    /// `k × k`, symmetric.
    pub dots: Vec<Vec<f64>>,
}

impl GramMatrix {
    /// Zeros, `k × k`.
    pub fn new(k: usize) -> Self {
        Self {
            dots: vec![vec![0.0; k]; k],
        }
    }

    /// Adds one parameter tensor's gradients, one per vector (`None` = no gradient = zeros).
    ///
    /// # Panics
    /// If `parts.len()` differs from `k` or two present parts differ in length.
    pub fn add(&mut self, parts: &[Option<&[f32]>]) {
        let k = self.dots.len();
        assert_eq!(parts.len(), k, "one part per vector");
        for i in 0..k {
            for j in i..k {
                let (Some(a), Some(b)) = (parts[i], parts[j]) else {
                    continue;
                };
                assert_eq!(a.len(), b.len(), "gradients of one tensor differ in length");
                let d: f64 = a.iter().zip(b).map(|(&x, &y)| x as f64 * y as f64).sum();
                self.dots[i][j] += d;
                if i != j {
                    self.dots[j][i] += d;
                }
            }
        }
    }

    /// `cos[i][j] = ⟨g_i, g_j⟩ / (‖g_i‖ ‖g_j‖)`, `NaN` where a norm is zero.
    pub fn cosine(&self) -> Vec<Vec<f64>> {
        let k = self.dots.len();
        (0..k)
            .map(|i| {
                (0..k)
                    .map(|j| {
                        let den = (self.dots[i][i] * self.dots[j][j]).sqrt();
                        if den > 0.0 {
                            (self.dots[i][j] / den).clamp(-1.0, 1.0)
                        } else {
                            f64::NAN
                        }
                    })
                    .collect()
            })
            .collect()
    }

    /// `‖g_i‖`.
    pub fn norms(&self) -> Vec<f64> {
        (0..self.dots.len())
            .map(|i| self.dots[i][i].sqrt())
            .collect()
    }
}

/// Mean and sample standard deviation over batches of each cosine (undefined values skipped).
#[derive(Debug, Clone, PartialEq)]
pub struct CosineStats {
    sum: Vec<Vec<f64>>,
    sum_sq: Vec<Vec<f64>>,
    count: Vec<Vec<usize>>,
    norm_sum: Vec<f64>,
    batches: usize,
}

impl CosineStats {
    /// No batches yet, `k` vectors.
    pub fn new(k: usize) -> Self {
        Self {
            sum: vec![vec![0.0; k]; k],
            sum_sq: vec![vec![0.0; k]; k],
            count: vec![vec![0; k]; k],
            norm_sum: vec![0.0; k],
            batches: 0,
        }
    }

    /// Adds one batch.
    pub fn add(&mut self, gram: &GramMatrix) {
        for (i, row) in gram.cosine().iter().enumerate() {
            for (j, &c) in row.iter().enumerate() {
                if c.is_finite() {
                    self.sum[i][j] += c;
                    self.sum_sq[i][j] += c * c;
                    self.count[i][j] += 1;
                }
            }
        }
        for (s, n) in self.norm_sum.iter_mut().zip(gram.norms()) {
            *s += n;
        }
        self.batches += 1;
    }

    /// Mean cosine (`NaN` where never defined).
    pub fn mean(&self) -> Vec<Vec<f64>> {
        self.map(|s, _, n| if n > 0 { s / n as f64 } else { f64::NAN })
    }

    /// Sample standard deviation (0 for one batch, `NaN` where never defined).
    pub fn std(&self) -> Vec<Vec<f64>> {
        self.map(|s, sq, n| match n {
            0 => f64::NAN,
            1 => 0.0,
            _ => {
                let m = s / n as f64;
                ((sq - n as f64 * m * m).max(0.0) / (n - 1) as f64).sqrt()
            }
        })
    }

    /// Mean gradient norm of each vector over the batches.
    pub fn mean_norms(&self) -> Vec<f64> {
        self.norm_sum
            .iter()
            .map(|s| s / self.batches.max(1) as f64)
            .collect()
    }

    fn map(&self, f: impl Fn(f64, f64, usize) -> f64) -> Vec<Vec<f64>> {
        (0..self.sum.len())
            .map(|i| {
                (0..self.sum.len())
                    .map(|j| f(self.sum[i][j], self.sum_sq[i][j], self.count[i][j]))
                    .collect()
            })
            .collect()
    }
}
