"""webinar-attendees: an ascribe partner normalizer written in Python.

It reads a webinar platform's attendee report (the columns of `sample/attendees.csv`):
one row per registrant. Each row gives one touch, channel `webinar`: touch type `attended`
at the join time when the person attended for at least `min_minutes`, else `registered`
at the registration time. Each row also gives a person stage event `registered` at the
registration time (map it to `lead` in the campaign's stages). Names, organizations and
job titles are never emitted. Times carry no offset: the host applies the source's
`timezone`. Made with `ascribe plugin new --kind normalizer --lang python`, then edited.
"""

import ascribe_kit as kit

INFO = kit.NormalizerInfo(
    name="webinar-attendees",
    version="1.0.0",
    description="A webinar platform's attendee report: one touch (attended or registered) and one `registered` stage event per registrant",
    params=[
        kit.ParamSpec("webinar", "", "the webinar's name, written to each touch's asset (default: the file name without .csv)"),
        kit.ParamSpec("campaign", "", "campaign written to each touch"),
        kit.ParamSpec("min_minutes", "1", "minutes in session for a registrant to count as attended"),
    ],
    accepts=["map:webinar-attendees"],
)

_MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}


def parse_report_time(text):
    """`Sep 1, 2026 04:12 PM` (the report's own form) → (wall_ms, None); `--` and empty
    mean no time (None). Raises ValueError."""
    s = text.strip()
    if s in ("", "--"):
        return None
    parts = s.replace(",", " ").split()
    if len(parts) == 5 and parts[0][:3].lower() in _MONTHS:
        mon, day, year, clock, ampm = parts
        return kit.parse_datetime("%d/%s/%s %s %s" % (_MONTHS[mon[:3].lower()], day, year, clock, ampm))
    # Also the ISO form some exports use.
    return kit.parse_datetime(s)


class Plugin(kit.CsvRows):
    def __init__(self, source, params):
        stem = source.file_name.rsplit("/", 1)[-1]
        if stem.lower().endswith(".csv"):
            stem = stem[:-4]
        self.webinar = params.str("webinar").strip() or stem
        self.campaign = params.str("campaign").strip()
        self.min_minutes = params.float("min_minutes", 0, 24 * 60)

    def header(self, h):
        (self.attended, self.email, self.registered, self.joined, self.minutes) = h.require(
            ["Attended", "Email", "Registration Time", "Join Time", "Time in Session (minutes)"])
        self.country = h.index("Country/Region Name")
        self.source = h.index("Source Name")

    def row(self, row, rec, out):
        def cell(i):
            return rec[i].strip() if i is not None and i < len(rec) else ""

        email = cell(self.email)
        if not email:
            return out.reject(row, "Email", "no e-mail: a registrant without one cannot be attributed")
        attended = cell(self.attended).lower()
        if attended not in ("yes", "no"):
            return out.reject(row, "Attended", "`%s` is neither Yes nor No" % cell(self.attended))
        try:
            registered = parse_report_time(cell(self.registered))
        except ValueError as e:
            return out.reject(row, "Registration Time", e)
        if registered is None:
            return out.reject(row, "Registration Time", "no registration time")
        try:
            joined = parse_report_time(cell(self.joined))
        except ValueError as e:
            return out.reject(row, "Join Time", e)
        try:
            minutes = float(cell(self.minutes) or 0)
        except ValueError:
            return out.reject(row, "Time in Session (minutes)", "`%s` is not a number" % cell(self.minutes))
        came = attended == "yes" and joined is not None and minutes >= self.min_minutes
        out.touch(
            row,
            joined if came else registered,
            person=email,
            channel="webinar",
            source=cell(self.source),
            campaign=self.campaign,
            asset=self.webinar,
            region=cell(self.country),
            touch_type="attended" if came else "registered",
        )
        out.stage_event(row, "person", email, "registered", registered)
