//! Beam search, a host-side port of transformers 4.57 `GenerationMixin._beam_search`
//! (`early_stopping` `true`/`false`; `"never"` is not supported): top `2 * num_beams` candidates
//! per example, finished hypotheses scored `sum_logprobs / generated_len^length_penalty`, the
//! early-stop heuristic of `_check_early_stop_heuristic`, and HF's output padding (the pad id,
//! or EOS when the pad id is 0).

use burn::tensor::{Int, Tensor, TensorData};

use super::config::GenerationConfig;
use super::processors::{NgramTable, StepContext, log_softmax, process};
use super::search::{SpecialIds, StepDecoder, ids_tensor, rows_of};

const NEG: f32 = -1.0e9;

#[derive(Clone)]
struct Finished {
    seq: Vec<u32>,
    score: f32,
    done: bool,
}

/// Beam search over `prefixes` (one per example); see the module doc.
pub(crate) fn beam_search<D: StepDecoder>(
    decoder: &mut D,
    prefixes: Vec<Vec<u32>>,
    tables: &[Option<NgramTable>],
    config: &GenerationConfig,
    special: SpecialIds,
) -> Vec<Vec<u32>> {
    let n_beams = config.num_beams;
    let batch = prefixes.len();
    let prompt_len = prefixes[0].len();
    let keep = 2 * n_beams;
    let lp = config.length_penalty;
    let device = decoder.device();

    // Hypotheses are flattened example-major: row = example * n_beams + beam.
    let mut running: Vec<Vec<u32>> = prefixes
        .iter()
        .flat_map(|p| std::iter::repeat_n(p.clone(), n_beams))
        .collect();
    let mut running_scores: Vec<f32> = (0..batch * n_beams)
        .map(|i| if i % n_beams == 0 { 0.0 } else { NEG })
        .collect();
    let mut finished: Vec<Vec<Finished>> = prefixes
        .iter()
        .map(|p| {
            vec![
                Finished {
                    seq: p.clone(),
                    score: NEG,
                    done: false
                };
                n_beams
            ]
        })
        .collect();
    let mut unsatisfied = vec![true; batch];
    let mut cur_len = prompt_len;
    let mut new_ids = ids_tensor(&running, &device);

    loop {
        let logits = rows_of(decoder.step(new_ids));
        let mut next_running = Vec::with_capacity(batch * n_beams);
        let mut next_scores = Vec::with_capacity(batch * n_beams);
        let mut sources = Vec::with_capacity(batch * n_beams);
        let mut all_hit = true;
        for b in 0..batch {
            // Accumulated, processed log-probs of every (beam, token) continuation.
            let mut candidates: Vec<(f32, usize, u32)> = Vec::new();
            for beam in 0..n_beams {
                let row = b * n_beams + beam;
                let mut scores = log_softmax(&logits[row]);
                let ctx = StepContext {
                    config,
                    eos: special.eos,
                    ids: &running[row],
                    encoder_ngrams: tables[b].as_ref(),
                };
                process(&mut scores, &ctx);
                for (token, s) in scores.into_iter().enumerate() {
                    candidates.push((s + running_scores[row], beam, token as u32));
                }
            }
            // torch.topk: descending; ties by lower flat index.
            candidates.sort_by(|x, y| y.0.total_cmp(&x.0).then((x.1, x.2).cmp(&(y.1, y.2))));
            candidates.truncate(keep);
            let hits: Vec<bool> = candidates
                .iter()
                .map(|&(_, _, token)| token == special.eos || cur_len + 1 >= config.max_length)
                .collect();
            all_hit &= hits.iter().all(|&h| h);

            // Running beams for the next step: the best candidates that did not stop.
            let mut order: Vec<usize> = (0..keep).collect();
            let penalised: Vec<f32> = candidates
                .iter()
                .zip(&hits)
                .map(|(c, &h)| if h { c.0 + NEG } else { c.0 })
                .collect();
            order.sort_by(|&x, &y| penalised[y].total_cmp(&penalised[x]).then(x.cmp(&y)));
            for &k in order.iter().take(n_beams) {
                let (_, beam, token) = candidates[k];
                let mut seq = running[b * n_beams + beam].clone();
                seq.push(token);
                next_running.push(seq);
                next_scores.push(penalised[k]);
                sources.push((b * n_beams + beam) as i64);
            }

            // Finished hypotheses: only the top `n_beams` candidates may finish.
            let all_done = finished[b].iter().all(|f| f.done);
            let denom = ((cur_len + 1 - prompt_len) as f64).powf(lp) as f32;
            let mut merged = finished[b].clone();
            for (k, &(score, beam, token)) in candidates.iter().enumerate() {
                let just_finished = hits[k] && k < n_beams;
                let mut s = score / denom;
                if all_done && config.early_stopping {
                    s += NEG;
                }
                if !unsatisfied[b] {
                    s += NEG;
                }
                if !just_finished {
                    s += NEG;
                }
                let mut seq = running[b * n_beams + beam].clone();
                seq.push(token);
                merged.push(Finished {
                    seq,
                    score: s,
                    done: just_finished,
                });
            }
            let mut idx: Vec<usize> = (0..merged.len()).collect();
            idx.sort_by(|&x, &y| merged[y].score.total_cmp(&merged[x].score).then(x.cmp(&y)));
            finished[b] = idx
                .iter()
                .take(n_beams)
                .map(|&i| merged[i].clone())
                .collect();
        }
        running = next_running;
        running_scores = next_scores;
        let indices =
            Tensor::<1, Int>::from_data(TensorData::new(sources, [batch * n_beams]), &device);
        decoder.select(indices);
        cur_len += 1;

        // `_check_early_stop_heuristic` and `_beam_search_has_unfinished_sequences`.
        let best_len = ((cur_len - prompt_len) as f64).powf(lp) as f32;
        for b in 0..batch {
            let best_running = running_scores[b * n_beams] / best_len;
            let all_done = finished[b].iter().all(|f| f.done);
            let min_finished = finished[b]
                .iter()
                .map(|f| f.score)
                .fold(f32::INFINITY, f32::min);
            let improvable = finished[b]
                .iter()
                .any(|f| best_running > if f.done { min_finished } else { NEG });
            let _ = all_done;
            unsatisfied[b] &= improvable;
        }
        let improvement_possible = unsatisfied.iter().any(|&u| u);
        let open_beam =
            !(config.early_stopping && finished.iter().all(|f| f.iter().all(|h| h.done)));
        if !(improvement_possible && open_beam && !all_hit) {
            break;
        }
        new_ids = ids_tensor(
            &running
                .iter()
                .map(|s| vec![*s.last().expect("non-empty")])
                .collect::<Vec<_>>(),
            &device,
        );
    }

    // HF fills with `pad_token_id or eos_token_id`: a pad id of 0 is falsy in Python.
    let fill = if special.pad != 0 {
        special.pad
    } else {
        special.eos
    };
    let best: Vec<Vec<u32>> = finished.into_iter().map(|f| f[0].seq.clone()).collect();
    let out_len = best.iter().map(Vec::len).max().unwrap_or(prompt_len);
    best.into_iter()
        .map(|mut s| {
            s.resize(out_len, fill);
            s
        })
        .collect()
}
