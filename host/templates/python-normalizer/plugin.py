"""{{name}}: an ascribe partner normalizer, written in Python.

It reads a CSV export of touches, one row per touch, with the columns of
`sample/touches.csv`. Change INFO, `header` and `row` to read your own export; the kit
(`ascribe_kit.py`) streams the file, numbers the rows and packs the columns, and `app.py`
connects all of it to the contract. This file imports nothing from WebAssembly, so
`python3 -m unittest` tests it with any Python.
"""

import ascribe_kit as kit

INFO = kit.NormalizerInfo(
    name="{{name}}",
    version="0.1.0",
    description="Touches from a CSV export: one row per touch (e-mail, company domain, time, channel, campaign, asset, country)",
    params=[
        kit.ParamSpec("delimiter", ",", "field delimiter: `,`, `;`, `tab` or `|`"),
        kit.ParamSpec("date_order", "mdy", "how to read all-numeric dates such as 03/04/2026: mdy or dmy"),
        kit.ParamSpec("default_channel", "", "channel for rows whose Channel cell is empty"),
    ],
    accepts=["map:touches"],
)

_DELIMITERS = {",": ",", ";": ";", "|": "|", "tab": "\t", "\t": "\t"}


class Plugin(kit.CsvRows):
    def __init__(self, source, params):
        d = params.str("delimiter")
        if d not in _DELIMITERS:
            raise kit.ParamError("parameter `delimiter`: `%s` is not one of `,`, `;`, `tab`, `|`" % d)
        self.delimiter = _DELIMITERS[d]
        self.date_order = params.str("date_order").strip().lower()
        if self.date_order not in ("mdy", "dmy"):
            raise kit.ParamError("parameter `date_order`: `%s` is not a date order (use mdy or dmy)" % self.date_order)
        self.default_channel = params.str("default_channel").strip()

    def header(self, h):
        self.email, self.domain, self.time, self.channel = h.require(
            ["Email", "Company Domain", "Touched At", "Channel"])
        self.campaign = h.index("Campaign")
        self.asset = h.index("Asset")
        self.country = h.index("Country")

    def row(self, row, rec, out):
        def cell(i):
            return rec[i].strip() if i is not None and i < len(rec) else ""

        email, domain = cell(self.email), cell(self.domain)
        if not email and not domain:
            return out.reject(row, "Email", "no e-mail and no company domain: the touch cannot join any journey")
        try:
            time = kit.parse_datetime(cell(self.time), self.date_order)
        except ValueError as e:
            return out.reject(row, "Touched At", e)
        channel = cell(self.channel)
        # `Paid Social` → `paid_social`: channels are compared across partners.
        channel = channel.lower().replace(" ", "_") if channel else self.default_channel
        out.touch(
            row,
            time,
            person=email,
            account=domain,
            channel=channel,
            campaign=cell(self.campaign),
            asset=cell(self.asset),
            region=cell(self.country),
            touch_type="touch",
        )
