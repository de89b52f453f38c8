//! `Strategy` and `Emotion` names: any text parses to a value whose name it spells, or to an
//! error quoting the text.
#![no_main]

use esc_data::{Emotion, Strategy};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    match text.parse::<Strategy>() {
        Ok(s) => assert_eq!(s.to_string().parse::<Strategy>(), Ok(s)),
        Err(e) => assert!(e.to_string().contains(&format!("{text:?}"))),
    }
    match text.parse::<Emotion>() {
        Ok(e) => assert!(e.name().eq_ignore_ascii_case(text.trim())),
        Err(e) => assert!(e.to_string().contains(&format!("{text:?}"))),
    }
});
