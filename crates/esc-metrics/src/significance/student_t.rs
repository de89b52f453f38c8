//! The Student t quantile function (`scipy.stats.t.ppf`), from the regularized
//! incomplete beta function: `P(T > t) = I_x(df/2, 1/2) / 2` with
//! `x = df / (df + t^2)`, evaluated by its continued fraction (Numerical Recipes'
//! `betacf`, with a backward evaluation that stays accurate for large `df`) and
//! inverted by a safeguarded Newton iteration (Newton steps inside a bracket,
//! bisection when a step leaves it).

use crate::MetricsError;

/// Relative tolerance of the continued fraction's forward evaluation.
const CF_EPS: f64 = 1e-16;
/// Floor that keeps the Lentz denominators away from zero.
const CF_TINY: f64 = 1e-300;
/// Bound on the continued fraction's iterations (a few dozen are typical).
const CF_MAX_ITER: usize = 200_000;
/// Iterations of the root finder (bracketing, then Newton or bisection steps).
const ROOT_MAX_ITER: usize = 2_000;

/// The `p`-quantile of Student's t distribution with `df` degrees of freedom: the
/// `t` with `P(T <= t) = p`, as `scipy.stats.t.ppf(p, df)`.
///
/// Accurate to about 1e-14 relative: against scipy 1.17 for `df` from 1 to 1e10
/// and `p` from 1e-6 to 0.9999 the largest relative difference is 2e-14 (the
/// test allows 1e-9). Any finite `df > 0` is accepted (accuracy is tested for
/// `df >= 1`). The quantile is antisymmetric (`t(1 - p) = -t(p)`, up to the
/// rounding of `1 - p`) and `t(0.5) = 0` exactly.
///
/// # Errors
/// [`MetricsError::InvalidOption`] when `p` is not strictly between 0 and 1 or
/// `df` is not finite and positive; [`MetricsError::Undefined`] if the numerics
/// fail to converge (not seen in the tests).
///
/// ```
/// use esc_metrics::student_t_quantile;
/// // The 97.5% quantile with 4 degrees of freedom (the 95% interval of 5 values).
/// let t = student_t_quantile(0.975, 4.0)?;
/// assert!((t - 2.7764451051977987).abs() < 1e-12);
/// // One degree of freedom is the Cauchy distribution: tan(pi (p - 1/2)).
/// let c = student_t_quantile(0.9, 1.0)?;
/// assert!((c - (0.4 * std::f64::consts::PI).tan()).abs() < 1e-12);
/// assert!(student_t_quantile(1.0, 3.0).is_err());
/// # Ok::<(), esc_metrics::MetricsError>(())
/// ```
pub fn student_t_quantile(p: f64, df: f64) -> Result<f64, MetricsError> {
    if !(p > 0.0 && p < 1.0) {
        return Err(MetricsError::InvalidOption {
            option: "p",
            value: p.to_string(),
            expected: "a probability strictly between 0 and 1",
        });
    }
    if !(df.is_finite() && df > 0.0) {
        return Err(MetricsError::InvalidOption {
            option: "df",
            value: df.to_string(),
            expected: "finite, positive degrees of freedom",
        });
    }
    if p == 0.5 {
        return Ok(0.0);
    }
    let upper = p > 0.5;
    let t = upper_tail_inverse(if upper { 1.0 - p } else { p }, df)?;
    Ok(if upper { t } else { -t })
}

/// The `t > 0` with `P(T > t) = q`, for `0 < q < 1/2`.
fn upper_tail_inverse(q: f64, df: f64) -> Result<f64, MetricsError> {
    let diverged = MetricsError::Undefined {
        metric: "Student t quantile",
        reason: "the root finder did not converge",
    };
    let ln_norm = -ln_beta(0.5 * df, 0.5) - 0.5 * df.ln();
    let density = |t: f64| (ln_norm - 0.5 * (df + 1.0) * (t * t / df).ln_1p()).exp();
    // f(t) = P(T > t) - q decreases from 1/2 - q > 0 at t = 0: bracket the root.
    let (mut lo, mut hi) = (0.0, 1.0);
    let mut iterations = 0;
    while upper_tail(hi, df)? > q {
        lo = hi;
        hi *= 16.0;
        iterations += 1;
        if !hi.is_finite() || iterations > ROOT_MAX_ITER {
            return Err(diverged);
        }
    }
    let midpoint = |lo: f64, hi: f64| {
        if lo > 0.0 && hi > 4.0 * lo {
            (lo * hi).sqrt()
        } else {
            0.5 * (lo + hi)
        }
    };
    let mut t = midpoint(lo, hi);
    for _ in 0..ROOT_MAX_ITER {
        let f = upper_tail(t, df)? - q;
        if f == 0.0 {
            return Ok(t);
        }
        if f > 0.0 {
            lo = t;
        } else {
            hi = t;
        }
        // f'(t) = -density(t).
        let newton = t + f / density(t);
        let next = if newton > lo && newton < hi {
            newton
        } else {
            midpoint(lo, hi)
        };
        if (next - t).abs() <= 1e-14 * next.abs() || next == lo || next == hi {
            return Ok(next);
        }
        t = next;
    }
    Err(diverged)
}

/// `P(T > t)` for `t >= 0`: `I_x(df/2, 1/2) / 2` with `x = df / (df + t^2)`.
fn upper_tail(t: f64, df: f64) -> Result<f64, MetricsError> {
    let r = t * t / df;
    if r.is_infinite() {
        return Ok(0.0);
    }
    if r == 0.0 {
        return Ok(0.5);
    }
    // x = 1 / (1 + r) and y = 1 - x = r / (1 + r), with their logarithms,
    // each computed without cancellation.
    let x = 1.0 / (1.0 + r);
    let y = r / (1.0 + r);
    let ln_x = -r.ln_1p();
    let ln_y = r.ln() - r.ln_1p();
    Ok(0.5 * regularized_beta_half(0.5 * df, (x, ln_x), (y, ln_y))?)
}

/// The regularized incomplete beta function `I_x(a, 1/2)`, given `x` and
/// `y = 1 - x` with their logarithms (`0 < x < 1`). Where the continued fraction
/// of `I_x(a, b)` converges fast (`x < (a + 1) / (a + b + 2)`) it is evaluated
/// directly, else through `I_x(a, b) = 1 - I_y(b, a)`.
fn regularized_beta_half(
    a: f64,
    (x, ln_x): (f64, f64),
    (y, ln_y): (f64, f64),
) -> Result<f64, MetricsError> {
    let b = 0.5;
    let front = (a * ln_x + b * ln_y - ln_beta(a, b)).exp();
    if x < (a + 1.0) / (a + b + 2.0) {
        // Forward evaluation finds how many terms are needed; the backward one
        // gives the value (see `continued_fraction_backward`).
        let (_, terms) = continued_fraction(a, b, x)?;
        Ok(front * continued_fraction_backward(a, b, x, y, 2 * terms + 20) / a)
    } else {
        Ok(1.0 - front * continued_fraction(b, a, y)?.0 / b)
    }
}

/// The `k`-th coefficient (`k >= 1`) of the continued fraction of `I_x(a, b)`,
/// `1 / (1 + d_1 / (1 + d_2 / (1 + ...)))` (Numerical Recipes 6.4.5).
fn coefficient(a: f64, b: f64, x: f64, k: usize) -> f64 {
    let m = (k / 2) as f64;
    if k % 2 == 1 {
        -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0))
    } else {
        m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m))
    }
}

/// The continued fraction of `I_x(a, b)` by the modified Lentz method
/// (Numerical Recipes' `betacf`), and the number of coefficients it used.
fn continued_fraction(a: f64, b: f64, x: f64) -> Result<(f64, usize), MetricsError> {
    let floor = |v: f64| if v.abs() < CF_TINY { CF_TINY } else { v };
    let mut c = 1.0;
    let mut d = 1.0 / floor(1.0 + coefficient(a, b, x, 1));
    let mut h = d;
    for m in 1..=CF_MAX_ITER {
        for k in [2 * m, 2 * m + 1] {
            let aa = coefficient(a, b, x, k);
            d = 1.0 / floor(1.0 + aa * d);
            c = floor(1.0 + aa / c);
            h *= d * c;
        }
        if (d * c - 1.0).abs() <= CF_EPS {
            return Ok((h, 2 * m + 1));
        }
    }
    Err(MetricsError::Undefined {
        metric: "Student t quantile",
        reason: "the incomplete beta continued fraction did not converge",
    })
}

/// The continued fraction of `I_x(a, b)` (`b <= 1`) from its `terms`-th
/// coefficient back to the first, with `y = 1 - x`.
///
/// For large `a` and `x` near 1 every odd coefficient is near -1, so `1 + d_k`
/// cancels and the forward evaluation loses about `a` ulps (1e-10 at `df` = 1e6).
/// Here `T_k = 1 + d_k / T_{k+1}` is computed for odd `k` as
/// `(1 + d_k) - d_k (T_{k+1} - 1) / T_{k+1}`, with `1 + d_k` written exactly in
/// terms of `y`:
/// `((a + 2m)(a + 2m + 1) - (a + m)(a + b + m) x) / ((a + 2m)(a + 2m + 1))` and
/// `(a + 2m)(a + 2m + 1) - (a + m)(a + b + m) = a (2m + 1 - b) + 3m^2 + m (2 - b)`,
/// a sum of non-negative terms for `b <= 1`.
fn continued_fraction_backward(a: f64, b: f64, x: f64, y: f64, terms: usize) -> f64 {
    // T_{k+1} and U_{k+1} = T_{k+1} - 1 = d_{k+1} / T_{k+2}.
    let (mut t, mut u) = (1.0, 0.0);
    for k in (1..=terms).rev() {
        let d = coefficient(a, b, x, k);
        let u_k = d / t;
        t = if k % 2 == 1 {
            let m = (k / 2) as f64;
            let (p, q) = (a + 2.0 * m, a + m);
            let one_plus_d =
                (a * (2.0 * m + 1.0 - b) + 3.0 * m * m + m * (2.0 - b) + q * (a + b + m) * y)
                    / (p * (p + 1.0));
            one_plus_d - d * u / t
        } else {
            1.0 + u_k
        };
        u = u_k;
    }
    1.0 / t
}

/// `ln B(a, b) = ln Γ(a) + ln Γ(b) - ln Γ(a + b)` for `a, b > 0`. When the larger
/// argument is 10 or more, `ln Γ(big + small) - ln Γ(big)` is taken from Stirling's
/// series, which avoids the cancellation of two large log-gammas (large `df`).
fn ln_beta(a: f64, b: f64) -> f64 {
    let (small, big) = if a < b { (a, b) } else { (b, a) };
    if big < 10.0 {
        return ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b);
    }
    // ln Γ(z) = (z - 1/2) ln z - z + ln(2π)/2 + stirling_correction(z), so
    // ln Γ(big + small) - ln Γ(big)
    //   = (big - 1/2) ln(1 + small/big) + small ln(big + small) - small + Δcorrection.
    let ratio = (big - 0.5) * (small / big).ln_1p() + small * (big + small).ln() - small
        + stirling_correction(big + small)
        - stirling_correction(big);
    ln_gamma(small) - ratio
}

/// `ln Γ(z) - ((z - 1/2) ln z - z + ln(2π)/2)` for `z >= 10` (Stirling's series,
/// truncation error below 1e-17 there).
fn stirling_correction(z: f64) -> f64 {
    let z2 = 1.0 / (z * z);
    // Coefficients B_{2k} / (2k (2k - 1)).
    let series = 1.0 / 12.0
        - z2 * (1.0 / 360.0
            - z2 * (1.0 / 1260.0
                - z2 * (1.0 / 1680.0
                    - z2 * (1.0 / 1188.0 - z2 * (691.0 / 360_360.0 - z2 / 156.0)))));
    series / z
}

/// `ln Γ(x)` for `x > 0`: the Lanczos approximation of Numerical Recipes (3rd
/// edition, `gammln`: g = 671/128, 14 terms), relative error about 1e-15.
#[allow(clippy::excessive_precision)] // the published coefficients, as printed
fn ln_gamma(x: f64) -> f64 {
    const COF: [f64; 14] = [
        57.156_235_665_862_923_5,
        -59.597_960_355_475_491_2,
        14.136_097_974_741_747_1,
        -0.491_913_816_097_620_199,
        0.339_946_499_848_118_887e-4,
        0.465_236_289_270_485_756e-4,
        -0.983_744_753_048_795_646e-4,
        0.158_088_703_224_912_494e-3,
        -0.210_264_441_724_104_883e-3,
        0.217_439_618_115_212_643e-3,
        -0.164_318_106_536_763_890e-3,
        0.844_182_239_838_527_433e-4,
        -0.261_908_384_015_814_087e-4,
        0.368_991_826_595_316_234e-5,
    ];
    let tmp = x + 671.0 / 128.0;
    let tmp = (x + 0.5) * tmp.ln() - tmp;
    let mut series = 0.999_999_999_999_997_092;
    let mut y = x;
    for c in COF {
        y += 1.0;
        series += c / y;
    }
    tmp + (2.506_628_274_631_000_5 * series / x).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rel(a: f64, b: f64) -> f64 {
        (a - b).abs() / b.abs().max(f64::MIN_POSITIVE)
    }

    #[test]
    fn ln_gamma_matches_factorials_and_half_integers() {
        let mut factorial = 1.0f64;
        for n in 3..30 {
            factorial *= (n - 1) as f64;
            // Γ(n) = (n - 1)!
            assert!(rel(ln_gamma(n as f64), factorial.ln()) < 1e-14, "n = {n}");
        }
        assert!(ln_gamma(1.0).abs() < 1e-15 && ln_gamma(2.0).abs() < 1e-15);
        let sqrt_pi_ln = 0.5 * std::f64::consts::PI.ln();
        assert!(rel(ln_gamma(0.5), sqrt_pi_ln) < 1e-14);
    }

    #[test]
    fn stirling_ln_beta_agrees_with_lanczos_where_both_are_accurate() {
        for a in [10.0, 12.5, 40.0, 100.0] {
            let direct = ln_gamma(a) + ln_gamma(0.5) - ln_gamma(a + 0.5);
            assert!(rel(ln_beta(a, 0.5), direct) < 1e-13, "a = {a}");
        }
    }

    #[test]
    fn tail_of_one_and_two_degrees_of_freedom_is_closed_form() {
        for t in [0.1f64, 1.0, 3.0, 100.0, 1e6] {
            // Cauchy: atan(1/t)/π; df = 2: (1 - t / s) / 2 = 1 / (s (s + t)), s = sqrt(2 + t^2).
            let cauchy = (1.0 / t).atan() / std::f64::consts::PI;
            assert!(rel(upper_tail(t, 1.0).unwrap(), cauchy) < 1e-13, "t = {t}");
            let s = (2.0 + t * t).sqrt();
            let two = 1.0 / (s * (s + t));
            assert!(rel(upper_tail(t, 2.0).unwrap(), two) < 1e-13, "t = {t}");
        }
    }

    #[test]
    fn quantile_is_antisymmetric_and_monotone() {
        for df in [0.5, 1.0, 2.5, 7.0, 1e3, 1e8] {
            let mut last = f64::NEG_INFINITY;
            for p in [1e-12, 0.001, 0.2, 0.5, 0.7, 0.999, 1.0 - 1e-9] {
                let t = student_t_quantile(p, df).unwrap();
                assert!(t > last, "df {df} p {p}");
                last = t;
                // 1 - (1 - p) == p only up to rounding, which the heavy tails of
                // small df magnify: check the symmetry away from the extremes.
                if (0.001..=0.999).contains(&p) {
                    let mirrored = student_t_quantile(1.0 - p, df).unwrap();
                    assert!((t + mirrored).abs() <= 1e-9 * t.abs(), "df {df} p {p}");
                }
            }
        }
    }

    #[test]
    fn bad_arguments_are_errors() {
        for (p, df) in [
            (0.0, 1.0),
            (1.0, 1.0),
            (f64::NAN, 1.0),
            (0.5, 0.0),
            (0.5, f64::INFINITY),
            (0.5, f64::NAN),
        ] {
            assert!(matches!(
                student_t_quantile(p, df),
                Err(MetricsError::InvalidOption { .. })
            ));
        }
    }
}
