//! Python's `random` module, bit for bit: the MT19937 Mersenne Twister seeded like
//! `random.seed(int)`, with `getrandbits`, `_randbelow` and `shuffle`.
//!
//! The ESConv split (`random.seed(13); random.shuffle(data)` in the ESConv authors'
//! `_reformat/process.py`) and the reference's `BucketSampler` both draw from Python's
//! `random`, so reproducing them needs the same generator and the same way of turning
//! its 32-bit words into indices (CPython `Modules/_randommodule.c`, `Lib/random.py`).

/// Python's `random.Random`: MT19937 plus CPython's seeding and index drawing.
///
/// ```
/// use esc_data::PyRandom;
/// let mut rng = PyRandom::new(13);
/// let mut xs: Vec<u32> = (0..10).collect();
/// rng.shuffle(&mut xs); // same order as `random.seed(13); random.shuffle(xs)` in Python
/// let mut sorted = xs.clone();
/// sorted.sort();
/// assert_eq!(sorted, (0..10).collect::<Vec<_>>());
/// ```
#[derive(Clone)]
pub struct PyRandom {
    state: [u32; N],
    index: usize,
}

const N: usize = 624;
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

impl std::fmt::Debug for PyRandom {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PyRandom")
            .field("index", &self.index)
            .finish_non_exhaustive()
    }
}

impl PyRandom {
    /// A generator seeded like Python's `random.seed(seed)` for a non-negative int.
    ///
    /// CPython splits the integer into 32-bit words (least significant first, at
    /// least one word) and feeds them to MT19937's `init_by_array`.
    pub fn new(seed: u64) -> Self {
        let low = seed as u32;
        let high = (seed >> 32) as u32;
        if high == 0 {
            Self::from_key(&[low])
        } else {
            Self::from_key(&[low, high])
        }
    }

    /// MT19937 `init_by_array(key)` (the reference 2002 algorithm CPython uses).
    fn from_key(key: &[u32]) -> Self {
        let mut rng = Self::from_u32(19_650_218);
        let mt = &mut rng.state;
        let mut i = 1usize;
        let mut j = 0usize;
        for _ in 0..N.max(key.len()) {
            let prev = mt[i - 1] ^ (mt[i - 1] >> 30);
            mt[i] = (mt[i] ^ prev.wrapping_mul(1_664_525))
                .wrapping_add(key[j])
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if j >= key.len() {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            let prev = mt[i - 1] ^ (mt[i - 1] >> 30);
            mt[i] = (mt[i] ^ prev.wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = 0x8000_0000; // MSB is 1, assuring a non-zero initial array
        rng
    }

    /// MT19937 `init_genrand(s)`.
    fn from_u32(seed: u32) -> Self {
        let mut state = [0u32; N];
        state[0] = seed;
        for i in 1..N {
            let prev = state[i - 1] ^ (state[i - 1] >> 30);
            state[i] = 1_812_433_253u32.wrapping_mul(prev).wrapping_add(i as u32);
        }
        Self { state, index: N }
    }

    /// The next 32-bit output word (`genrand_uint32`).
    pub fn next_u32(&mut self) -> u32 {
        if self.index >= N {
            self.twist();
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
    }

    fn twist(&mut self) {
        let mt = &mut self.state;
        for k in 0..N {
            let y = (mt[k] & UPPER_MASK) | (mt[(k + 1) % N] & LOWER_MASK);
            let mag = if y & 1 == 1 { MATRIX_A } else { 0 };
            mt[k] = mt[(k + M) % N] ^ (y >> 1) ^ mag;
        }
        self.index = 0;
    }

    /// Python's `random.getrandbits(k)` for `k <= 64`.
    ///
    /// Words are drawn least significant first; the last word keeps its top bits.
    ///
    /// # Panics
    /// Panics if `k > 64`.
    pub fn getrandbits(&mut self, k: u32) -> u64 {
        assert!(k <= 64, "getrandbits supports at most 64 bits, got {k}");
        if k == 0 {
            return 0;
        }
        if k <= 32 {
            return u64::from(self.next_u32() >> (32 - k));
        }
        let low = u64::from(self.next_u32());
        let high = u64::from(self.next_u32() >> (64 - k));
        low | (high << 32)
    }

    /// Python's `random._randbelow(n)`: a uniform integer in `0..n` by rejection
    /// sampling on `n.bit_length()` random bits.
    ///
    /// # Panics
    /// Panics if `n == 0` (Python raises there too).
    pub fn randbelow(&mut self, n: u64) -> u64 {
        assert!(n > 0, "randbelow(0) is empty");
        let k = u64::BITS - n.leading_zeros();
        loop {
            let r = self.getrandbits(k);
            if r < n {
                return r;
            }
        }
    }

    /// Python's `random.shuffle(x)` (Fisher-Yates from the end, `j = _randbelow(i + 1)`).
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            let j = self.randbelow(i as u64 + 1) as usize;
            items.swap(i, j);
        }
    }

    /// Python's `random.random()`: a float in `[0, 1)` from 53 random bits.
    pub fn random(&mut self) -> f64 {
        let a = self.next_u32() >> 5;
        let b = self.next_u32() >> 6;
        (f64::from(a) * 67_108_864.0 + f64::from(b)) * (1.0 / 9_007_199_254_740_992.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_mt19937_reference_output_for_init_by_array() {
        // mt19937ar.c's test vector: init_by_array({0x123, 0x234, 0x345, 0x456}).
        let mut rng = PyRandom::from_key(&[0x123, 0x234, 0x345, 0x456]);
        let first: Vec<u32> = (0..5).map(|_| rng.next_u32()).collect();
        assert_eq!(
            first,
            [
                1_067_595_299,
                955_945_823,
                477_289_528,
                4_107_218_783,
                4_228_976_476
            ]
        );
    }

    #[test]
    fn randbelow_stays_in_range() {
        let mut rng = PyRandom::new(0);
        for n in [1u64, 2, 3, 7, 1000, (1 << 40) + 3] {
            for _ in 0..100 {
                assert!(rng.randbelow(n) < n);
            }
        }
    }
}
