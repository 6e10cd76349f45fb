//! The campaign-file parser on any text: it must answer with a campaign or an error that
//! names the file, never panic, and an error's line must be a line of the text.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let file = Path::new("/fuzz/campaign.toml");
    match ascribe::pipeline::campaign::parse(file, text) {
        Ok(c) => {
            assert!(!c.partners.is_empty() && !c.sources.is_empty());
            assert!(c.sources.iter().all(|s| s.partner < c.partners.len()));
            assert!(c.start <= c.end);
            assert!(c.models.iter().filter(|m| m.default).count() <= 1);
        }
        Err(e) => {
            assert_eq!(e.file, file);
            if let Some(line) = e.line {
                assert!(line >= 1 && line <= text.lines().count().max(1) + 1, "{e}");
            }
            let _ = e.to_string();
        }
    }
});
