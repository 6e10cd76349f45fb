"""The ascribe plugin kit for Python, vendored into this project by `ascribe plugin new`.

Plain Python with no WebAssembly imports, so a plugin's logic runs under any CPython 3.9+
for its tests; `app.py` turns what the kit builds into the contract's types. It mirrors
ascribe's Rust SDK: parameters with defaults, a streaming CSV reader that keeps a record
split across chunks, column builders, and date parsing without a time-zone database.
It is yours now: nothing here calls home, and you may change it freely.
"""

import csv
import io
import re
from collections import namedtuple
from itertools import accumulate

__all__ = [
    "ParamSpec", "Params", "ParamError", "BadFile", "Failed", "UnsupportedInput",
    "NormalizerInfo", "ModelInfo", "Batch", "Header", "CsvRows", "CsvNormalizer",
    "parse_datetime", "days_from_civil", "clean_amount", "run_file", "unaccounted_rows",
    "Output", "iter_journeys", "journeys_from_paths", "check_weights", "describe",
    "NO_OFFSET", "NO_TIME",
]

# ---------------------------------------------------------------------------------------
# Errors a plugin raises; app.py maps them onto the contract's error variants.


class ParamError(ValueError):
    """A parameter is unknown or its value cannot be used (`invalid-param`)."""


class BadFile(Exception):
    """The file as a whole cannot be read: wrong format, missing columns (`bad-file`)."""


class Failed(Exception):
    """Anything else the plugin wants to refuse with a message (`failed`)."""


class UnsupportedInput(Exception):
    """A model cannot work with well-formed input (`unsupported-input`)."""


def describe(e):
    """`ZeroDivisionError: division by zero (at plugin.py:42 in row)`: the message an
    unexpected exception becomes, because a component cannot print a traceback. (It walks
    the traceback by hand: the traceback module reads source files, which a component
    built with --stub-wasi cannot open.)"""
    where = ""
    tb = e.__traceback__
    if tb is not None:
        while tb.tb_next is not None:
            tb = tb.tb_next
        code = tb.tb_frame.f_code
        where = " (at %s:%d in %s)" % (code.co_filename.rsplit("/", 1)[-1], tb.tb_lineno, code.co_name)
    return "%s: %s%s" % (type(e).__name__, e, where)


# ---------------------------------------------------------------------------------------
# Parameters: declared once in the info, resolved with their defaults.

ParamSpec = namedtuple("ParamSpec", "name default_value description")

NormalizerInfo = namedtuple("NormalizerInfo", "name version description params accepts")

ModelInfo = namedtuple(
    "ModelInfo",
    "name version description params needs_timestamps needs_milestones needs_nulls key_scores",
)


class Params:
    """The values in force for one call: what the user set, else the declared default."""

    def __init__(self, values):
        self._values = values

    @staticmethod
    def resolve(specs, given):
        names = [s.name for s in specs]
        for name, _ in given:
            if name not in names:
                if not names:
                    raise ParamError("unknown parameter `%s`: this plugin accepts no parameters" % name)
                raise ParamError("unknown parameter `%s`: accepted parameters are %s" % (name, ", ".join(names)))
        values = {}
        for s in specs:
            values[s.name] = s.default_value
        for name, value in given:
            values[name] = value
        return Params(values)

    def str(self, name):
        return self._values[name]

    def list(self, name):
        return [x.strip() for x in self._values[name].split(",") if x.strip()]

    def float(self, name, lo=None, hi=None):
        raw = self._values[name].strip()
        try:
            v = float(raw)
        except ValueError:
            raise ParamError("parameter `%s`: `%s` is not a number" % (name, raw)) from None
        if v != v or v in (float("inf"), float("-inf")):
            raise ParamError("parameter `%s`: `%s` is not a finite number" % (name, raw))
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise ParamError("parameter `%s`: %s is outside [%s, %s]" % (name, v, lo, hi))
        return v

    def int(self, name, lo=None, hi=None):
        raw = self._values[name].strip()
        try:
            v = int(raw)
        except ValueError:
            raise ParamError("parameter `%s`: `%s` is not a whole number" % (name, raw)) from None
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise ParamError("parameter `%s`: %s is outside [%s, %s]" % (name, v, lo, hi))
        return v

    def bool(self, name):
        raw = self._values[name].strip().lower()
        if raw in ("true", "yes", "1", "on"):
            return True
        if raw in ("false", "no", "0", "off"):
            return False
        raise ParamError("parameter `%s`: `%s` is not true or false" % (name, raw))


# ---------------------------------------------------------------------------------------
# Times: wall-clock milliseconds since 1970-01-01T00:00 of the export's own clock, plus
# the UTC offset in minutes when the export gave one (else the host applies the source's
# time zone).

NO_OFFSET = -2147483648
NO_TIME = -9223372036854775808
_DAY_MS = 86400000


def days_from_civil(y, m, d):
    """Days from 1970-01-01 to a proleptic Gregorian date."""
    y -= m <= 2
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    doy = (153 * (m - 3 if m > 2 else m + 9) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


def _days_in_month(y, m):
    if m == 2:
        return 29 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 28
    return 30 if m in (4, 6, 9, 11) else 31


_ISO = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?| UTC| GMT)?)?$"
)
_NUMERIC = re.compile(
    r"(\d{1,2})([/.])(\d{1,2})\2(\d{4})"
    r"(?:[T ](\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?)?$"
)


def parse_datetime(text, order="mdy"):
    """Parses `2026-03-04`, `2026-03-04 15:30`, `2026-03-04T15:30:00Z`,
    `2026-03-04T15:30:00+01:00`, `3/4/2026`, `3/4/2026 3:30 PM` and `04.03.2026 15:30`
    (`order` reads all-numeric dates with `/`: `mdy` or `dmy`; `.` is always day first).
    Returns `(wall_ms, offset_min)`, offset None when the text has none; raises
    ValueError with a message for anything else."""
    s = text.strip()
    if not s:
        raise ValueError("empty date")
    m = _ISO.match(s)
    offset = None
    if m:
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        hh, mi, ss, frac, zone = m.group(4), m.group(5), m.group(6), m.group(7), m.group(8)
        ampm = None
        if zone:
            z = zone.strip()
            if z in ("Z", "z", "UTC", "GMT"):
                offset = 0
            else:
                digits = z[1:].replace(":", "")
                oh, om = int(digits[:2]), int(digits[2:] or 0)
                if oh > 14 or om > 59:
                    raise ValueError("`%s` is not a UTC offset" % z)
                offset = (oh * 60 + om) * (-1 if z[0] == "-" else 1)
    else:
        m = _NUMERIC.match(s)
        if not m:
            raise ValueError("`%s` is not a date" % s)
        a, sep, b, y = int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4))
        mo, d = (b, a) if sep == "." or order == "dmy" else (a, b)
        hh, mi, ss, frac, ampm = m.group(5), m.group(6), m.group(7), None, m.group(8)
    if not 1970 <= y <= 2200:
        raise ValueError("year %d is out of range 1970–2200" % y)
    if not 1 <= mo <= 12:
        raise ValueError("month %d is out of range" % mo)
    if not 1 <= d <= _days_in_month(y, mo):
        raise ValueError("day %d is out of range for %d-%02d" % (d, y, mo))
    ms = days_from_civil(y, mo, d) * _DAY_MS
    if hh is not None:
        h, mn, sec = int(hh), int(mi), int(ss or 0)
        if ampm:
            if not 1 <= h <= 12:
                raise ValueError("`%s` is not a time of day" % s)
            h = h % 12 + (12 if ampm.lower() == "pm" else 0)
        if h > 23 or mn > 59 or sec > 60:
            raise ValueError("`%s` is not a time of day" % s)
        ms += ((h * 60 + mn) * 60 + min(sec, 59)) * 1000 + int((frac or "0")[:3].ljust(3, "0"))
    return ms, offset


def clean_amount(raw, decimal_comma=False):
    """`$1,234.50` → `1234.50`; `1.234,50 €` with decimal_comma → `1234.50`; empty → ``.
    Amounts travel as decimal text, never as floats. Raises ValueError. The same rules as
    the Rust SDK's `clean_amount` (plugins/sdk/src/normalizer.rs), line for line: a
    thousands separator only between groups of three digits, a currency code before or
    after the number, any other letter (`12.5k`, `n/a`) refused, so no amount is ever
    read as another number."""
    s = raw.strip()
    if not s:
        return ""
    shown = s if len(s) <= 64 else s[:64] + "\u2026"
    bad = ValueError("`%s` is not an amount" % shown)
    body = s
    for _ in range(2):
        t = body.strip()
        if len(t) > 3 and t[:3].isascii() and t[:3].isupper() and t[:3].isalpha():
            body = t[3:]
        elif len(t) > 3 and t[-3:].isascii() and t[-3:].isupper() and t[-3:].isalpha():
            body = t[:-3]
        else:
            body = t
    dec, group = (",", ".") if decimal_comma else (".", ",")
    symbols = "$\u20ac\u00a3\u00a5"
    spaces = (" ", "\u00a0")
    phase = 0
    minus = plus = opened = closed = 0
    out, digits, seen_dec = [], 0, False
    group_len, last_sep, misplaced, prev_digit = 0, None, None, False
    for i, ch in enumerate(body):
        next_digit = i + 1 < len(body) and body[i + 1].isascii() and body[i + 1].isdigit()
        is_digit = ch.isascii() and ch.isdigit()
        if is_digit:
            if phase == 2:
                raise bad
            phase = 1
            out.append(ch)
            digits += 1
            if not seen_dec:
                group_len += 1
        elif ch == dec and phase < 2:
            if seen_dec:
                raise bad
            if last_sep is not None and group_len != 3:
                misplaced = misplaced or last_sep
            phase = 1
            seen_dec = True
            out.append(".")
        elif phase < 2 and (ch == group or ((ch in spaces or ch == "'") and prev_digit and next_digit)):
            first = last_sep is None
            if seen_dec or (first and not 1 <= group_len <= 3) or (not first and group_len != 3):
                misplaced = misplaced or (last_sep if last_sep is not None else ch)
            phase = 1
            last_sep = ch
            group_len = 0
        elif ch in spaces or ch in symbols:
            if phase == 1:
                phase = 2
        elif ch == "-" and phase == 0:
            minus += 1
        elif ch == "+" and phase == 0:
            plus += 1
        elif ch == "(" and phase == 0:
            opened += 1
        elif ch == ")" and phase > 0:
            phase = 2
            closed += 1
        else:
            raise bad
        prev_digit = is_digit
    if not seen_dec and last_sep is not None and group_len != 3:
        misplaced = misplaced or last_sep
    if misplaced == ",":
        raise ValueError(
            "amount `%s` has a comma that is not a thousands separator; if this source "
            "writes decimal commas, set the normalizer parameter `decimal_comma = true`" % shown)
    if misplaced == ".":
        raise ValueError(
            "amount `%s` has a point that is not a thousands separator; if this source "
            "writes decimal points, set the normalizer parameter `decimal_comma = false`" % shown)
    if misplaced is not None:
        raise bad
    if digits == 0 or minus + plus + opened > 1 or opened != closed:
        raise bad
    return ("-" if minus + opened == 1 else "") + "".join(out)


# ---------------------------------------------------------------------------------------
# Output columns.

TOUCH_FIELDS = ("person", "account", "channel", "source", "medium", "campaign", "asset",
                "region", "segment", "touch_type")
CONVERSION_FIELDS = ("id", "account", "account_domain", "stage", "amount", "currency",
                     "lead_source", "campaign")
EVENT_FIELDS = ("subject", "account", "stage")


MAX_REJECT_TEXT = 1024


def _cut(s):
    """`s` cut to MAX_REJECT_TEXT UTF-8 bytes at a character boundary, ending in an
    ellipsis when cut."""
    b = s.encode("utf-8")
    if len(b) <= MAX_REJECT_TEXT:
        return s
    return b[: MAX_REJECT_TEXT - 3].decode("utf-8", "ignore") + "\u2026"


class Batch:
    """What one `push` or `finish` returns, built row by row. Times are the
    `(wall_ms, offset_min)` pairs `parse_datetime` returns, or None for "no time"."""

    def __init__(self):
        self.rows_read = 0
        self._clear()

    def _clear(self):
        self.touch_row = []
        self.touch_cols = {f: [] for f in TOUCH_FIELDS}
        self.touch_time = []
        self.conv_row = []
        self.conv_cols = {f: [] for f in CONVERSION_FIELDS}
        self.conv_created = []
        self.conv_closed = []
        self.event_row = []
        self.event_kind = []
        self.event_cols = {f: [] for f in EVENT_FIELDS}
        self.event_time = []
        self.rejects = []

    def touch(self, row, time, person="", account="", channel="", source="", medium="",
                 campaign="", asset="", region="", segment="", touch_type=""):
        fields = locals()  # the arguments, by the names of TOUCH_FIELDS
        self.touch_row.append(row)
        for f in TOUCH_FIELDS:
            self.touch_cols[f].append(fields[f])
        self.touch_time.append(time)

    def conversion(self, row, id="", account="", account_domain="", stage="", amount="",
                   currency="", created=None, closed=None, lead_source="", campaign=""):
        fields = locals()  # the arguments, by the names of CONVERSION_FIELDS
        self.conv_row.append(row)
        for f in CONVERSION_FIELDS:
            self.conv_cols[f].append(fields[f])
        self.conv_created.append(created)
        self.conv_closed.append(closed)

    def stage_event(self, row, subject, key, stage, time, account=""):
        """`subject` is "person" (key: e-mail or id) or "deal" (key: deal id)."""
        if subject not in ("person", "deal"):
            raise ValueError("subject must be 'person' or 'deal', not %r" % (subject,))
        self.event_row.append(row)
        self.event_kind.append(0 if subject == "person" else 1)
        self.event_cols["subject"].append(key)
        self.event_cols["account"].append(account)
        self.event_cols["stage"].append(stage)
        self.event_time.append(time)

    def reject(self, row, column, reason):
        """Rejects a row; `column` names the offending column ("" for the whole row). Both are
        cut to the host's limit of 1,024 UTF-8 bytes, as the Rust SDK does: a reason quoting
        a long cell must cost its row, not the batch the host would refuse."""
        self.rejects.append((row, _cut(str(column)), _cut(str(reason))))

    def take(self):
        """Moves the records out into a new Batch; `rows_read` is cumulative and stays."""
        b = Batch.__new__(Batch)
        b.__dict__.update(self.__dict__)
        self._clear()
        return b

    def touches(self):
        return len(self.touch_row)

    def conversions(self):
        return len(self.conv_row)

    def stage_events(self):
        return len(self.event_row)

    def extend(self, other):
        """Appends another batch's records (for tests that collect a whole file)."""
        self.rows_read = other.rows_read
        self.touch_row += other.touch_row
        for f in TOUCH_FIELDS:
            self.touch_cols[f] += other.touch_cols[f]
        self.touch_time += other.touch_time
        self.conv_row += other.conv_row
        for f in CONVERSION_FIELDS:
            self.conv_cols[f] += other.conv_cols[f]
        self.conv_created += other.conv_created
        self.conv_closed += other.conv_closed
        self.event_row += other.event_row
        self.event_kind += other.event_kind
        for f in EVENT_FIELDS:
            self.event_cols[f] += other.event_cols[f]
        self.event_time += other.event_time
        self.rejects += other.rejects


def pack_strings(values):
    """A string column as the contract packs it: (offsets, UTF-8 bytes)."""
    enc = [v.encode("utf-8", "replace") for v in values]
    offsets = [0]
    offsets.extend(accumulate(map(len, enc)))
    return offsets, b"".join(enc)


def split_times(times):
    """A time column as the contract has it: (wall_ms list, offset_min list)."""
    wall, off = [], []
    for t in times:
        if t is None:
            wall.append(NO_TIME)
            off.append(NO_OFFSET)
        else:
            wall.append(t[0])
            off.append(NO_OFFSET if t[1] is None else t[1])
    return wall, off


# ---------------------------------------------------------------------------------------
# CSV: a streaming reader fed in chunks, and a normalizer that maps one record at a time.


class Header:
    """Header names matched case-insensitively, ignoring surrounding spaces."""

    def __init__(self, names):
        self.names = [n.strip().lower() for n in names]

    def index(self, name):
        n = name.strip().lower()
        return self.names.index(n) if n in self.names else None

    def any(self, names):
        for n in names:
            i = self.index(n)
            if i is not None:
                return i
        return None

    def require(self, names):
        """Positions of the required columns; raises BadFile naming every missing one."""
        missing = [n for n in names if self.index(n) is None]
        if missing:
            raise BadFile("missing required column(s): " + ", ".join(missing))
        return [self.index(n) for n in names]


MAX_RECORD_BYTES = 1 << 20
_SURROGATE = re.compile("[\udc80-\udcff]")


class BadRecord(str):
    """A record that cannot be read; the text says why."""


class CsvStream:
    """Feeds chunks, yields complete records (lists of str) or BadRecord. Keeps at most
    one unfinished record plus the chunk; handles a UTF-8 BOM, CRLF, quoted fields with
    delimiters, doubled quotes and newlines. Records end at a line break outside quotes,
    found by counting quotes: a stray quote inside an unquoted field (`5" screen`) delays
    the records after it until a second one balances it (they are still read correctly),
    or rejects them once more than MAX_RECORD_BYTES wait."""

    def __init__(self, delimiter=","):
        self.delimiter = delimiter
        self.buf = b""
        self.started = False
        self.skipping = False

    def feed(self, chunk):
        buf = self.buf + chunk
        if not self.started and len(buf) >= 3:
            if buf.startswith(b"\xef\xbb\xbf"):
                buf = buf[3:]
            self.started = True
        out = []
        if self.skipping:
            nl = buf.find(b"\n")
            if nl < 0:
                self.buf = b""
                return out
            buf = buf[nl + 1:]
            self.skipping = False
        # The last line end outside quotes: everything before it is complete records.
        cut = buf.rfind(b"\n")
        while cut >= 0 and buf.count(b'"', 0, cut) % 2:
            cut = buf.rfind(b"\n", 0, cut)
        if cut < 0:
            self.buf = buf
            if len(buf) > MAX_RECORD_BYTES:
                self.buf = b""
                self.skipping = True
                out.append(BadRecord(
                    "record is longer than %d bytes (a missing closing quote, or not a CSV file)"
                    % MAX_RECORD_BYTES))
            return out
        self.buf = buf[cut + 1:]
        self._parse(buf[:cut + 1], out)
        return out

    def finish(self):
        buf, self.buf = self.buf, b""
        self.started = True
        out = []
        if self.skipping or not buf.strip(b"\r\n"):
            return out
        if buf.count(b'"') % 2:
            out.append(BadRecord("unterminated quoted field: the file ends inside quotes"))
            return out
        self._parse(buf, out)
        return out

    def _parse(self, data, out):
        text = data.decode("utf-8", "surrogateescape")
        check = _SURROGATE.search(text) is not None
        for rec in csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter, strict=False):
            if check and any(_SURROGATE.search(f) for f in rec):
                out.append(BadRecord("invalid UTF-8"))
            else:
                out.append(rec)


class CsvRows:
    """Base class of a CSV normalizer: the kit streams the file, numbers the rows (from
    1, the first data row after the header; blank lines are not rows) and calls `row`.
    Every row must produce a record or a reject."""

    delimiter = ","

    def __init__(self, source, params):
        """`source.kind` is crm, map or analytics; `source.file_name` the file's name."""

    def header(self, header):
        """Called once with the header row; raise BadFile when a required column is missing."""

    def row(self, row, record, out):
        raise NotImplementedError


class CsvNormalizer:
    """One session: a CsvRows plugin fed chunk by chunk."""

    def __init__(self, rows):
        self.rows = rows
        self.stream = CsvStream(rows.delimiter)
        self.header_seen = False

    def _drain(self, records, out):
        for rec in records:
            if not self.header_seen:
                if isinstance(rec, BadRecord):
                    raise BadFile("cannot read the header row: " + rec)
                self.rows.header(Header(rec))
                self.header_seen = True
            elif isinstance(rec, BadRecord):
                out.rows_read += 1
                out.reject(out.rows_read, "", str(rec))
            elif not any(rec):
                continue
            else:
                out.rows_read += 1
                self.rows.row(out.rows_read, rec, out)

    def push(self, chunk, out):
        self._drain(self.stream.feed(chunk), out)

    def finish(self, out):
        self._drain(self.stream.finish(), out)
        if not self.header_seen:
            raise BadFile("the file is empty: no header row")


class Source:
    def __init__(self, kind, file_name):
        self.kind = kind
        self.file_name = file_name


def run_file(info, plugin_class, data, params=(), chunk=1 << 20, kind="map", file_name="sample.csv"):
    """Reads a whole file through a CSV plugin the way the host does, in chunks of
    `chunk` bytes, and returns all of its output in one Batch. For tests."""
    p = Params.resolve(info.params, list(params))
    session = CsvNormalizer(plugin_class(Source(kind, file_name), p))
    out, total = Batch(), Batch()
    for i in range(0, len(data), max(1, chunk)):
        session.push(data[i:i + chunk], out)
        total.extend(out.take())
    session.finish(out)
    total.extend(out.take())
    return total


def unaccounted_rows(batch):
    """Rows in 1..rows_read that are in no output and no reject: the host's rule is that
    there are none."""
    seen = set(batch.touch_row) | set(batch.conv_row) | set(batch.event_row)
    seen.update(r for r, _, _ in batch.rejects)
    return [r for r in range(1, batch.rows_read + 1) if r not in seen]


# ---------------------------------------------------------------------------------------
# Models.

FIRST_TOUCH, LEAD_CREATION, OPPORTUNITY_CREATION, CLOSED_WON = 1, 2, 4, 8

Output = namedtuple("Output", "weights scores notes")
Output.__new__.__defaults__ = ((), ())

Journey = namedtuple(
    "Journey",
    "index start keys times_ms flags partners conversions nulls value conversion_time_ms",
)


def iter_journeys(j):
    """Journeys one at a time. `j` has the contract's columns as attributes (the host's
    input in app.py, or `journeys_from_paths` in tests). `keys` are indexes into
    `j.keys`; a journey's weights go to `weights[start:start + len(keys)]`."""
    off = j.journey_offsets
    for i in range(len(off) - 1):
        s, e = off[i], off[i + 1]
        yield Journey(i, s, j.touch_key[s:e], j.touch_time_ms[s:e], j.touch_flags[s:e],
                      j.touch_partner[s:e], j.conversions[i], j.nulls[i], j.value[i],
                      j.conversion_time_ms[i])


class Columns:
    """Journeys as columns, for tests (the same attributes the host sends)."""

    def __init__(self):
        self.keys, self.partners = [], ["partner"]
        self.touch_key, self.touch_time_ms, self.touch_flags, self.touch_partner = [], [], [], []
        self.journey_offsets = [0]
        self.conversions, self.nulls, self.value, self.conversion_time_ms = [], [], [], []


def journeys_from_paths(rows):
    """[("webinar > event", conversions, nulls, value), …] as journeys, for tests."""
    j = Columns()
    for path, conversions, nulls, value in rows:
        for k in (x.strip() for x in path.split(">")):
            if not k:
                continue
            if k not in j.keys:
                j.keys.append(k)
            j.touch_key.append(j.keys.index(k))
            j.touch_time_ms.append(0)
            j.touch_flags.append(0)
            j.touch_partner.append(0)
        j.journey_offsets.append(len(j.touch_key))
        j.conversions.append(float(conversions))
        j.nulls.append(float(nulls))
        j.value.append(float(value))
        j.conversion_time_ms.append(0)
    return j


def check_weights(j, weights):
    """The host's check of a model's weights; returns None or what is wrong."""
    if len(weights) != len(j.touch_key):
        return "%d weights for %d touches" % (len(weights), len(j.touch_key))
    for i, w in enumerate(weights):
        if not (w == w and w >= 0.0 and w != float("inf")):
            return "weight %d is %r" % (i, w)
    for jr in iter_journeys(j):
        if jr.conversions > 0 and jr.keys:
            s = sum(weights[jr.start:jr.start + len(jr.keys)])
            if abs(s - 1.0) > 1e-6:
                return "journey %d weights sum to %r" % (jr.index, s)
    return None
