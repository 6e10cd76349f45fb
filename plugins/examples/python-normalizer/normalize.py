"""The contract's `session` resource (componentize-py looks for it in a module named after
the exported interface, `normalize`), and the conversions of the kit's batches and errors
into the contract's types. One session reads one file."""

from componentize_py_types import Err
from wit_world.exports import normalize as wit

import ascribe_kit as kit


def refusal(e):
    """An exception as the contract's error. MemoryError is left alone: the host reports
    it as the memory limit it is."""
    if isinstance(e, kit.ParamError):
        return Err(wit.NormalizeError_InvalidParam(str(e)))
    if isinstance(e, kit.BadFile):
        return Err(wit.NormalizeError_BadFile(str(e)))
    if isinstance(e, kit.Failed):
        return Err(wit.NormalizeError_Failed(str(e)))
    return Err(wit.NormalizeError_Failed(kit.describe(e)))


def _strings(values):
    offsets, data = kit.pack_strings(values)
    return wit.Strings(offsets=offsets, data=data)


def _times(values):
    wall, off = kit.split_times(values)
    return wit.Times(wall_ms=wall, offset_min=off)


def to_wit(b):
    t, c, e = b.touch_cols, b.conv_cols, b.event_cols
    return wit.Batch(
        rows_read=b.rows_read,
        touches=wit.Touches(
            row=b.touch_row,
            person=_strings(t["person"]),
            account=_strings(t["account"]),
            time=_times(b.touch_time),
            channel=_strings(t["channel"]),
            source=_strings(t["source"]),
            medium=_strings(t["medium"]),
            campaign=_strings(t["campaign"]),
            asset=_strings(t["asset"]),
            region=_strings(t["region"]),
            segment=_strings(t["segment"]),
            touch_type=_strings(t["touch_type"]),
        ),
        conversions=wit.Conversions(
            row=b.conv_row,
            id=_strings(c["id"]),
            account=_strings(c["account"]),
            account_domain=_strings(c["account_domain"]),
            stage=_strings(c["stage"]),
            amount=_strings(c["amount"]),
            currency=_strings(c["currency"]),
            created=_times(b.conv_created),
            closed=_times(b.conv_closed),
            lead_source=_strings(c["lead_source"]),
            campaign=_strings(c["campaign"]),
        ),
        stage_events=wit.StageEvents(
            row=b.event_row,
            subject_kind=bytes(b.event_kind),
            subject=_strings(e["subject"]),
            account=_strings(e["account"]),
            stage=_strings(e["stage"]),
            time=_times(b.event_time),
        ),
        rejects=[wit.Reject(row=r, column=col, reason=why) for r, col, why in b.rejects],
    )


class Session(wit.Session):
    def __init__(self, inner):
        self.inner = inner
        self.out = kit.Batch()

    def _call(self, step):
        try:
            step(self.out)
        except MemoryError:
            raise
        except Exception as e:
            raise refusal(e) from None
        return to_wit(self.out.take())

    def push(self, chunk):
        return self._call(lambda out: self.inner.push(chunk, out))

    def finish(self):
        return self._call(self.inner.finish)
