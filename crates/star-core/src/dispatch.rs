//! Vectorised expert dispatch: each expert's weights are read once per batch.
//!
//! The examples of a batch are grouped by strategy id on the host; each expert present runs
//! one batched call over the rows of its group, and one gather restores the batch order.
//! Gathering the expert weights per example instead (`W[ids]`, then a batched matmul) copies
//! a multi-megabyte matrix per example and is slower than a Python loop (REFERENCE.md).

use burn::tensor::{Int, Tensor, TensorData};

use crate::StarExpert;

/// Examples grouped by expert, in expert order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Groups {
    /// `(expert, example indices)` for each expert that has at least one example.
    pub groups: Vec<(usize, Vec<usize>)>,
}

impl Groups {
    /// Group example indices `0..ids.len()` by their expert id.
    ///
    /// # Panics
    /// If an id is `>= n_experts`.
    pub fn new(ids: &[usize], n_experts: usize) -> Self {
        let mut members = vec![Vec::new(); n_experts];
        for (example, &id) in ids.iter().enumerate() {
            assert!(
                id < n_experts,
                "strategy id {id} of example {example} is out of range (n_strategies = {n_experts})"
            );
            members[id].push(example);
        }
        let groups = members
            .into_iter()
            .enumerate()
            .filter(|(_, m)| !m.is_empty())
            .collect();
        Self { groups }
    }

    /// The example order after grouping (concatenated groups).
    pub fn order(&self) -> Vec<usize> {
        self.groups
            .iter()
            .flat_map(|(_, m)| m.iter().copied())
            .collect()
    }

    /// For each example, its row in the grouped order.
    pub fn inverse_order(&self) -> Vec<usize> {
        let order = self.order();
        let mut inverse = vec![0; order.len()];
        for (row, &example) in order.iter().enumerate() {
            inverse[example] = row;
        }
        inverse
    }
}

/// Read strategy ids to the host.
///
/// # Panics
/// If an id is negative.
pub(crate) fn host_ids(ids: &Tensor<1, Int>) -> Vec<usize> {
    ids.to_data()
        .iter::<i64>()
        .map(|id| usize::try_from(id).unwrap_or_else(|_| panic!("negative strategy id {id}")))
        .collect()
}

fn index_tensor(indices: &[usize], like: &Tensor<3>) -> Tensor<1, Int> {
    let values: Vec<i64> = indices.iter().map(|&i| i as i64).collect();
    Tensor::from_data(TensorData::new(values, [indices.len()]), &like.device())
}

/// Run each example's expert on its pooled rows: `z [b, n, d]` -> `(g [b, n, w], ĥ [b, n, d])`.
///
/// # Panics
/// If `ids.len() != b` or an id is out of range.
pub(crate) fn apply_grouped(
    experts: &[StarExpert],
    z: Tensor<3>,
    ids: &[usize],
) -> (Tensor<3>, Tensor<3>) {
    let [b, _, _] = z.dims();
    assert_eq!(ids.len(), b, "one strategy id per example is needed");
    let groups = Groups::new(ids, experts.len());
    if let [(expert, _)] = groups.groups.as_slice() {
        // The whole batch uses one expert: no reordering.
        return experts[*expert].forward(z);
    }
    let sorted = z.clone().select(0, index_tensor(&groups.order(), &z));
    let sizes = groups.groups.iter().map(|(_, m)| m.len()).collect();
    let parts = sorted.split_with_sizes(sizes, 0);
    let (gates, refined): (Vec<_>, Vec<_>) = groups
        .groups
        .iter()
        .zip(parts)
        .map(|((expert, _), part)| experts[*expert].forward(part))
        .unzip();
    let restore = index_tensor(&groups.inverse_order(), &z);
    (
        Tensor::cat(gates, 0).select(0, restore.clone()),
        Tensor::cat(refined, 0).select(0, restore),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_keep_expert_order_and_invert() {
        let groups = Groups::new(&[2, 0, 2, 1, 0], 4);
        assert_eq!(
            groups.groups,
            vec![(0, vec![1, 4]), (1, vec![3]), (2, vec![0, 2])]
        );
        assert_eq!(groups.order(), vec![1, 4, 3, 0, 2]);
        let inverse = groups.inverse_order();
        for (row, &example) in groups.order().iter().enumerate() {
            assert_eq!(inverse[example], row);
        }
    }

    #[test]
    #[should_panic(expected = "strategy id 8 of example 1 is out of range")]
    fn out_of_range_id_panics() {
        Groups::new(&[0, 8], 8);
    }
}
