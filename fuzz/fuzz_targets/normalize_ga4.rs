//! The bundled GA4 normalizer end to end through the runtime and the host's normalize
//! stage, on any bytes as a BigQuery NDJSON export (property: common/normalize.rs).
//! Options: `o[0] % 3` touch_events (the default list, `page_view`, none), `o[1] % 2`
//! account_param (`company_domain`, none), `o[2] % 2` key_event_stage (`lead`, the event's
//! own name), `o[3] % 2` key_events (the default list, none; with no touch events either,
//! `open` refuses).
#![no_main]

#[path = "common/normalize.rs"]
mod normalize;

use normalize::Input;

fn params(i: &Input) -> (&'static str, Vec<(&'static str, String)>) {
    let touch = [
        "session_start,page_view,file_download,video_start,form_start",
        "page_view",
        "",
    ][i.o[0] as usize % 3];
    (
        "analytics",
        vec![
            ("touch_events", touch.into()),
            (
                "account_param",
                ["company_domain", ""][i.o[1] as usize % 2].into(),
            ),
            ("key_event_stage", ["lead", ""][i.o[2] as usize % 2].into()),
            (
                "key_events",
                ["generate_lead,sign_up,form_submit", ""][i.o[3] as usize % 2].into(),
            ),
        ],
    )
}

normalize::target!("ga4", "events.ndjson", params);
