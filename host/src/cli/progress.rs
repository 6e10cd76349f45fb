//! Progress on stderr: a spinner with the current stage on a terminal, nothing when
//! stderr is piped (indicatif hides its bar then), so scripts see clean output.
//!
//! With `ASCRIBE_TIMINGS=1` each stage's wall time is also printed to stderr when the
//! next one starts (`timing: normalizing … 1.234 s`), piped or not: that is how the
//! benchmarks in docs/performance.md split a run into its stages. Stages reported from
//! parallel threads (the partners' sources) overlap, so their times are spans between
//! messages, not CPU time.

use std::sync::Mutex;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

pub struct Progress {
    bar: ProgressBar,
    /// The stage in progress and when it started, when timings are on.
    timing: Option<Mutex<(String, Instant)>>,
}

impl Progress {
    pub fn new() -> Progress {
        let bar = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template("{spinner} {elapsed:>4} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        let timing = std::env::var_os("ASCRIBE_TIMINGS")
            .is_some_and(|v| v != "0" && !v.is_empty())
            .then(|| Mutex::new(("start".to_string(), Instant::now())));
        Progress { bar, timing }
    }

    pub fn step(&self, msg: &str) {
        self.lap(msg);
        self.bar.set_message(crate::text::clean(msg).into_owned());
    }

    pub fn finish(&self) {
        self.lap("done");
        self.bar.finish_and_clear();
    }

    fn lap(&self, next: &str) {
        if let Some(t) = &self.timing {
            let mut t = t.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            self.bar.suspend(|| {
                crate::errln!(
                    "timing: {:<48} {:>8.3} s",
                    t.0,
                    now.duration_since(t.1).as_secs_f64()
                )
            });
            *t = (next.to_string(), now);
        }
    }
}
