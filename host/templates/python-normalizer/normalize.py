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
    """The batch as the contract's columns: each text column packed by the name it has in
    both (kit.TOUCH_FIELDS, CONVERSION_FIELDS, EVENT_FIELDS), then the rows and times."""
    t, c, e = b.touch_cols, b.conv_cols, b.event_cols
    return wit.Batch(
        rows_read=b.rows_read,
        touches=wit.Touches(
            row=b.touch_row,
            time=_times(b.touch_time),
            **{f: _strings(t[f]) for f in kit.TOUCH_FIELDS},
        ),
        conversions=wit.Conversions(
            row=b.conv_row,
            created=_times(b.conv_created),
            closed=_times(b.conv_closed),
            **{f: _strings(c[f]) for f in kit.CONVERSION_FIELDS},
        ),
        stage_events=wit.StageEvents(
            row=b.event_row,
            subject_kind=bytes(b.event_kind),
            time=_times(b.event_time),
            **{f: _strings(e[f]) for f in kit.EVENT_FIELDS},
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
