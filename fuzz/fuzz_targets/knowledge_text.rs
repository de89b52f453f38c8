//! KEMI-style knowledge text (`[xReact] sad [xWant] rest`, `[resp] … [str] … [aff] …`): any text
//! gives segments whose tags are allowed, or an error.
#![no_main]

use esc_data::{KnowledgeKind, parse_knowledge_text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let tag_sets: [&[KnowledgeKind]; 2] = [&KnowledgeKind::COMET, &KnowledgeKind::HEAL];
    for allowed in tag_sets {
        if let Ok(segments) = parse_knowledge_text(text, allowed, "a tag") {
            assert!(segments.iter().all(|s| allowed.contains(&s.kind)));
        }
    }
});
