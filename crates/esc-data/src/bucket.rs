//! Length-bucketed, seeded batch order, as the reference's `BucketSampler`
//! (`inputters/inputter_utils.py`).
//!
//! Per epoch: shuffle all example indices; cut them into buckets of
//! `bucket_size = bucket × batch_size` (100 × 64 in the reference); sort each bucket by
//! length, longest first (stable); cut each bucket into batches of `batch_size`;
//! optionally drop the short batches; shuffle the batches. The two shuffles draw from
//! [`PyRandom`], so the same Python random state gives the same batches as the
//! reference.

use crate::PyRandom;

/// Buckets per batch in the reference (`bucket=100`).
pub const REFERENCE_BUCKET: usize = 100;

/// A length-bucketed batch order.
///
/// ```
/// use esc_data::{BucketSampler, PyRandom};
/// let lens = [5, 9, 3, 7, 1, 8];
/// let sampler = BucketSampler::new(lens.to_vec(), 2).with_bucket(2).with_drop_last(false);
/// let mut rng = PyRandom::new(13);
/// let batches = sampler.batches(&mut rng);
/// assert_eq!(batches.len(), 3);
/// for batch in &batches {
///     assert!(lens[batch[0]] >= lens[batch[1]]); // longest first inside a batch
/// }
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketSampler {
    lens: Vec<usize>,
    batch_size: usize,
    bucket: usize,
    drop_last: bool,
    shuffle: bool,
}

impl BucketSampler {
    /// A sampler over examples of the given lengths (e.g. [`EscExample::len_key`](crate::EscExample::len_key)),
    /// with the reference's settings: buckets of 100 batches, drop_last, shuffled.
    ///
    /// # Panics
    /// Panics if `batch_size == 0`.
    pub fn new(lens: Vec<usize>, batch_size: usize) -> Self {
        assert!(batch_size > 0, "batch_size must be positive");
        Self {
            lens,
            batch_size,
            bucket: REFERENCE_BUCKET,
            drop_last: true,
            shuffle: true,
        }
    }

    /// Batches per bucket (a bucket holds `bucket × batch_size` examples). Default 100.
    ///
    /// # Panics
    /// Panics if `bucket == 0`.
    pub fn with_bucket(mut self, bucket: usize) -> Self {
        assert!(bucket > 0, "bucket must be positive");
        self.bucket = bucket;
        self
    }

    /// Drop batches smaller than `batch_size`. Default true (the reference's training).
    pub fn with_drop_last(mut self, drop_last: bool) -> Self {
        self.drop_last = drop_last;
        self
    }

    /// Shuffle indices and batches. Default true; without it the order is the
    /// example order, sorted inside each bucket.
    pub fn with_shuffle(mut self, shuffle: bool) -> Self {
        self.shuffle = shuffle;
        self
    }

    /// Number of examples.
    pub fn num_examples(&self) -> usize {
        self.lens.len()
    }

    /// Number of batches per epoch.
    pub fn num_batches(&self) -> usize {
        let bucket_size = self.bucket * self.batch_size;
        let full = self.lens.len() / bucket_size;
        let rest = self.lens.len() % bucket_size;
        let per_bucket = |n: usize| {
            if self.drop_last {
                n / self.batch_size
            } else {
                n.div_ceil(self.batch_size)
            }
        };
        full * per_bucket(bucket_size) + per_bucket(rest)
    }

    /// The batches (example indices) of one epoch; call once per epoch with the same
    /// generator to get the next epoch's order.
    pub fn batches(&self, rng: &mut PyRandom) -> Vec<Vec<usize>> {
        let mut ids: Vec<usize> = (0..self.lens.len()).collect();
        if self.shuffle {
            rng.shuffle(&mut ids);
        }
        let mut batches = Vec::with_capacity(self.num_batches());
        for bucket in ids.chunks_mut(self.bucket * self.batch_size) {
            // Stable sort, longest first: Python's sorted(..., reverse=True) keeps ties in order.
            bucket.sort_by(|&a, &b| self.lens[b].cmp(&self.lens[a]));
            for batch in bucket.chunks(self.batch_size) {
                if !self.drop_last || batch.len() == self.batch_size {
                    batches.push(batch.to_vec());
                }
            }
        }
        if self.shuffle {
            rng.shuffle(&mut batches);
        }
        batches
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_batches_like_the_reference_len() {
        let s = BucketSampler::new(vec![1; 1050], 64);
        // bucket 6400 > 1050: one bucket of 1050 -> 16 full batches (drop_last)
        assert_eq!(s.num_batches(), 16);
        assert_eq!(s.batches(&mut PyRandom::new(1)).len(), 16);
        let s = s.with_drop_last(false);
        assert_eq!(s.num_batches(), 17);
        assert_eq!(s.batches(&mut PyRandom::new(1)).len(), 17);
    }

    #[test]
    fn every_example_appears_once_without_drop_last() {
        let lens: Vec<usize> = (0..103).map(|i| (i * 37) % 50).collect();
        let s = BucketSampler::new(lens, 8)
            .with_bucket(3)
            .with_drop_last(false);
        let mut seen: Vec<usize> = s.batches(&mut PyRandom::new(5)).concat();
        seen.sort();
        assert_eq!(seen, (0..103).collect::<Vec<_>>());
    }

    #[test]
    fn same_seed_same_order_and_epochs_differ() {
        let lens: Vec<usize> = (0..500).map(|i| (i * 7919) % 160).collect();
        let s = BucketSampler::new(lens, 16).with_bucket(4);
        let mut a = PyRandom::new(13);
        let mut b = PyRandom::new(13);
        let first = s.batches(&mut a);
        assert_eq!(first, s.batches(&mut b));
        assert_ne!(first, s.batches(&mut a));
    }
}
