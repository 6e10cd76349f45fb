//! `ascribe:normalizer@0.1.0`.

use wasmtime::Store;
use wasmtime::component::ResourceAny;

use crate::model::ParamSpec;
use crate::normalizer::{
    Batch, ConversionCols, NormalizerInfo, Reject, SourceInfo, StageEventCols, Strings, Times,
    TouchCols,
};
use crate::sandbox::StoreState;

mod bindings {
    wasmtime::component::bindgen!({
        path: "../../wit/normalizer-0.1.0",
        world: "normalizer-plugin",
    });
}

use bindings::exports::ascribe::normalizer::normalize as wit;

pub use super::Answer;

instance!(
    bindings::NormalizerPlugin,
    "a normalizer built against 0.1.0"
);

fn refusal(e: wit::NormalizeError) -> (&'static str, String) {
    match e {
        wit::NormalizeError::InvalidParam(m) => ("invalid parameter", m),
        wit::NormalizeError::BadFile(m) => ("bad file", m),
        wit::NormalizeError::Failed(m) => ("failed", m),
    }
}

fn strings(s: wit::Strings) -> Strings {
    Strings {
        offsets: s.offsets,
        data: s.data,
    }
}

fn times(t: wit::Times) -> Times {
    Times {
        wall_ms: t.wall_ms,
        offset_min: t.offset_min,
    }
}

fn batch(b: wit::Batch) -> Batch {
    let t = b.touches;
    let c = b.conversions;
    let e = b.stage_events;
    Batch {
        rows_read: b.rows_read,
        touches: TouchCols {
            row: t.row,
            person: strings(t.person),
            account: strings(t.account),
            time: times(t.time),
            channel: strings(t.channel),
            source: strings(t.source),
            medium: strings(t.medium),
            campaign: strings(t.campaign),
            asset: strings(t.asset),
            region: strings(t.region),
            segment: strings(t.segment),
            touch_type: strings(t.touch_type),
        },
        conversions: ConversionCols {
            row: c.row,
            id: strings(c.id),
            account: strings(c.account),
            account_domain: strings(c.account_domain),
            stage: strings(c.stage),
            amount: strings(c.amount),
            currency: strings(c.currency),
            created: times(c.created),
            closed: times(c.closed),
            lead_source: strings(c.lead_source),
            campaign: strings(c.campaign),
        },
        stage_events: StageEventCols {
            row: e.row,
            subject_kind: e.subject_kind,
            subject: strings(e.subject),
            account: strings(e.account),
            stage: strings(e.stage),
            time: times(e.time),
        },
        rejects: b
            .rejects
            .into_iter()
            .map(|r| Reject {
                row: r.row,
                column: r.column,
                reason: r.reason,
            })
            .collect(),
    }
}

impl Instance {
    /// Asks the normalizer what it is and what it reads.
    pub fn info(&self, store: &mut Store<StoreState>) -> wasmtime::Result<NormalizerInfo> {
        let i = self
            .plugin
            .ascribe_normalizer_normalize()
            .call_info(store)?;
        Ok(NormalizerInfo {
            name: i.name,
            version: i.version,
            description: i.description,
            params: i
                .params
                .into_iter()
                .map(|p| ParamSpec {
                    name: p.name,
                    default_value: p.default_value,
                    description: p.description,
                })
                .collect(),
            accepts: i.accepts,
        })
    }

    /// Opens a session for one file; the plugin may refuse it (a parameter it rejects).
    pub fn open(
        &self,
        store: &mut Store<StoreState>,
        source: &SourceInfo,
        params: &[(String, String)],
    ) -> wasmtime::Result<Answer<ResourceAny>> {
        let s = wit::SourceInfo {
            kind: source.kind.clone(),
            file_name: source.file_name.clone(),
        };
        Ok(self
            .plugin
            .ascribe_normalizer_normalize()
            .call_open(store, &s, params)?
            .map_err(refusal))
    }

    /// Feeds the session the next chunk; returns the records that became complete.
    pub fn push(
        &self,
        store: &mut Store<StoreState>,
        session: ResourceAny,
        chunk: &[u8],
    ) -> wasmtime::Result<Answer<Batch>> {
        Ok(self
            .plugin
            .ascribe_normalizer_normalize()
            .session()
            .call_push(store, session, chunk)?
            .map(batch)
            .map_err(refusal))
    }

    /// Ends the file: the session flushes its partial tail.
    pub fn finish(
        &self,
        store: &mut Store<StoreState>,
        session: ResourceAny,
    ) -> wasmtime::Result<Answer<Batch>> {
        Ok(self
            .plugin
            .ascribe_normalizer_normalize()
            .session()
            .call_finish(store, session)?
            .map(batch)
            .map_err(refusal))
    }
}
