#!/usr/bin/env python3
"""Render the benchmark figures into docs/performance.md and docs/performance-scale.svg.

    python3 bench/report.py JSON_DIR [CA_JSON]

Reads what `cargo xtask bench` had the benchmarks write (JSON_DIR/pipeline.json,
intervals.json, paths.json, call_path.json; CA_JSON is bench/channelattribution.py's output) and replaces
the part of docs/performance.md between the `bench:generated` markers. Nothing here
measures anything: every figure comes from those files. Standard library only.
"""

import json
import math
import os
import sys
from datetime import date

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOC = os.path.join(ROOT, "docs", "performance.md")
SVG = os.path.join(ROOT, "docs", "performance-scale.svg")
BEGIN = "<!-- bench:generated:begin (cargo xtask bench writes this part; edit bench/report.py) -->"
END = "<!-- bench:generated:end -->"


def load(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def table(header, rows):
    # Text columns (the first, and any whose first cell is not a number) left, figures right.
    def numeric(c):
        try:
            float(str(c).replace(",", "").rstrip("×").lstrip("<≥ ").split(" ")[0])
            return True
        except ValueError:
            return False
    align = [
        " ---: " if i > 0 and rows and numeric(rows[0][i]) else " --- " for i in range(len(header))
    ]
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(out)


def met(ok):
    return "yes" if ok else "**no**"


def figure(v):
    """0.34, 3.68, 48.8, 283, 2,308: three significant digits, no exponents."""
    return f"{v:.3g}" if v < 100 else f"{v:,.0f}"


def plot(sizes):
    """Wall time and peak memory of track-source against touches, log-log, with a line of
    slope 1 through the smallest size: points on it mean time grows linearly."""
    w, h, pad = 760, 330, 56
    pw = (w - 3 * pad) / 2
    xs = [s["touches"] for s in sizes]
    panels = [
        ("track-source --detail full: wall seconds", [s["track_source_seconds"] for s in sizes], "#1f6fb4"),
        ("peak memory, MiB", [s["track_source_peak_mib"] for s in sizes], "#c2571a"),
    ]
    lx0, lx1 = math.log10(min(xs)) - 0.15, math.log10(max(xs)) + 0.15
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{w}" height="{h}" fill="white"/>',
    ]
    for i, (title, ys, colour) in enumerate(panels):
        x0 = pad + i * (pw + pad)
        ly0, ly1 = math.log10(min(ys)) - 0.3, math.log10(max(ys)) + 0.3
        X = lambda v: x0 + (math.log10(v) - lx0) / (lx1 - lx0) * pw
        Y = lambda v: h - pad - (math.log10(v) - ly0) / (ly1 - ly0) * (h - 2 * pad)
        parts.append(f'<text x="{x0}" y="{pad - 20}" font-weight="bold">{title}</text>')
        parts.append(
            f'<rect x="{x0}" y="{pad}" width="{pw}" height="{h - 2 * pad}" fill="none" stroke="#999"/>'
        )
        for e in range(math.floor(ly0), math.floor(ly1) + 1):
            for m in (1, 2, 5):
                v = m * 10**e
                if ly0 <= math.log10(v) <= ly1:
                    parts.append(
                        f'<line x1="{x0}" x2="{x0 + pw}" y1="{Y(v):.1f}" y2="{Y(v):.1f}" stroke="#eee"/>'
                        f'<text x="{x0 - 6}" y="{Y(v) + 4:.1f}" text-anchor="end">{v:g}</text>'
                    )
        for v in xs:
            label = f"{v / 1e6:g}M" if v >= 1e6 else f"{v / 1e3:g}k"
            parts.append(
                f'<text x="{X(v):.1f}" y="{h - pad + 16}" text-anchor="middle">{label}</text>'
            )
        parts.append(
            f'<text x="{x0 + pw / 2}" y="{h - pad + 32}" text-anchor="middle">touches</text>'
        )
        # Slope 1 through the first point: linear growth.
        a = ys[0] / xs[0]
        parts.append(
            f'<line x1="{X(xs[0]):.1f}" y1="{Y(ys[0]):.1f}" x2="{X(xs[-1]):.1f}" y2="{Y(a * xs[-1]):.1f}" '
            'stroke="#888" stroke-dasharray="4 3"/>'
        )
        pts = " ".join(f"{X(x):.1f},{Y(y):.1f}" for x, y in zip(xs, ys))
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for x, y in zip(xs, ys):
            parts.append(
                f'<circle cx="{X(x):.1f}" cy="{Y(y):.1f}" r="4" fill="{colour}"/>'
                f'<text x="{X(x) + 6:.1f}" y="{Y(y) - 6:.1f}">{figure(y)}</text>'
            )
    parts.append(
        f'<text x="{w / 2}" y="{h - 6}" text-anchor="middle" fill="#666">dashed: linear growth from the smallest size</text>'
    )
    parts.append("</svg>")
    with open(SVG, "w") as f:
        f.write("\n".join(parts) + "\n")


def pipeline_section(p):
    sizes = p["sizes"]
    rows = []
    for s in sizes:
        n, secs, mib = s["touches"], s["track_source_seconds"], s["track_source_peak_mib"]
        target = {1_000_000: ("< 5 s", secs < 5), 10_000_000: ("< 60 s, < 4 GiB", secs < 60 and mib < 4096)}.get(n)
        rows.append([
            f"{n:,}", f"{secs:.2f}", f"{mib:.0f}", f"{secs / n * 1e6:.2f}",
            target[0] if target else "—", met(target[1]) if target else "—",
        ])
    out = [
        "### track-source end to end",
        "",
        "`track-source --detail full` on campaigns from the seeded generator (seed 7), release "
        "binary as a separate process under `/usr/bin/time`, best of 3 after one run that warms "
        f"the compile cache; load average at the end {p['load']}.",
        "",
        table(["touches", "wall s", "peak MiB", "s per 1M touches", "target", "met"], rows),
        "",
        "![time and memory against size](performance-scale.svg)",
        "",
        "### Normalization throughput",
        "",
        "Each source through its normalizer plugin and the host's reconciliation "
        "(`normalize::source::run`), one source at a time:",
        "",
    ]
    for s in sizes:
        out.append(f"{s['touches']:,}-touch campaign:")
        out.append("")
        r = []
        for x in s["normalization"]:
            mbs = x["mb"] / x["seconds"]
            big = x["mb"] >= 10
            target = (100 if x["format"] == "csv" else 50) if big else None
            r.append([
                x["source"], x["plugin"], x["format"], f"{x['mb']:.1f}", f"{x['rows']:,}",
                f"{x['seconds']:.3f}", f"{mbs:.1f}", f"{x['rows'] / x['seconds']:,.0f}",
                f"≥ {target}" if target else "— (under 10 MB)",
                met(mbs >= target) if target else "—",
            ])
        out.append(table(["source", "plugin", "format", "MB", "rows", "s", "MB/s", "rows/s", "target MB/s", "met"], r))
        out.append("")
    staged = [s for s in sizes if "journeys_and_allocation" in s]
    if staged:
        out += [
            "### Journey building and allocation",
            "",
            "In process on the normalized dataset, with `track-source`'s defaults (the campaign's "
            "window, `channel` as the key): both journey sets (pipeline and revenue) built, "
            "linear's weights for them (through the sandbox, identical paths merged), and every "
            "conversion's amount allocated exactly over its touches; median of 3.",
            "",
        ]
        r = []
        for s in staged:
            j = s["journeys_and_allocation"]
            r.append([
                f"{s['touches']:,}", f"{j['journey_touches']:,}", f"{j['build_s']:.3f}",
                f"{j['journey_touches'] / j['build_s']:,.0f}", f"{j['linear_weights_s']:.3f}",
                f"{j['credits']:,}", f"{j['allocate_s']:.4f}", f"{j['credits'] / j['allocate_s']:,.0f}",
            ])
        out.append(table(["touches", "journey touches", "build s", "journey touches/s",
                          "linear's weights s", "credits", "allocate s", "credits/s"], r))
        out.append("")
    return out


def intervals_section(iv):
    rows = [
        [r["model"], f"{r['without_s']:.2f}", f"{r['with_s']:.2f}", f"{r['added_s']:.2f}",
         f"≤ {r['target_s']:g} s", met(r["added_s"] <= r["target_s"])]
        for r in iv["runs"]
    ]
    return [
        "### Intervals on credit",
        "",
        f"`track-source --detail full` on the {iv['touches']:,}-touch campaign with "
        f"`--no-intervals` and with the default {iv['replicates']} bootstrap replicates "
        "(one draw per measure bounds every credited figure; Markov is solved again per "
        "replicate), release binary as a separate process, best of 3 of each, the two "
        f"alternating; load average at the end {iv['load']}.",
        "",
        table(["model", "without s", "with s", "added s", "target", "met"], rows),
        "",
    ]


def call_path_section(c):
    rows = []
    for key in ("declared", "every_column"):
        r = c[key]
        ph = r["phases_ns_per_touch"]
        rows.append([
            r["plugin"], f"**{r['median_ns_per_touch']:.2f}**", f"{r['min_ns_per_touch']:.2f}",
            f"{ph['check']:.2f}", f"{ph['instantiate']:.2f}", f"{ph['call']:.2f}",
            f"{ph['validate']:.2f}", f"{ph['release']:.2f}", met(r["median_ns_per_touch"] <= 5),
        ])
    return [
        "### Model call path",
        "",
        f"{c['touches']:,} touches in {c['journeys']:,} journeys into a first-touch model and the "
        "weights back, each call in a fresh store, median of 11; ns per touch, the median call's "
        "phases after it (`call` is the columns in, the model and the weights out)"
        + (f"; load average {c['load']}." if "load" in c else "."),
        "",
        table(
            ["plugin", "ns per touch", "min", "check", "instantiate", "call", "validate",
             "release", "≤ 5 ns"],
            rows,
        ),
        "",
    ]


def paths_section(p):
    t = p["table"]
    out = [
        "### paths",
        "",
        f"A table of {t['paths']:,} distinct paths, {t['touches']:,} touches over {t['channels']} "
        f"channels ({t['mb']:.1f} MB); load average at the end {p['load']}.",
        "",
        "End to end (release binary, parse included, best of 3):",
        "",
        table(
            ["model", "wall s", "CPU s", "peak MiB", "target", "met"],
            [[e["model"], f"{e['wall_s']:.3f}", f"{e['cpu_s']:.2f}", f"{e['peak_mib']:.0f}",
              f"< {e['target_s']:g} s", met(e["wall_s"] < e["target_s"])] for e in p["end_to_end"]],
        ),
        "",
        "Every bundled model through the sandbox on the same columns (the call alone, median of 3):",
        "",
        table(
            ["model", "call s", "touches/s", "guest MiB"],
            [[m["model"], f"{m['call_s']:.3f}", f"{m['touches_per_s']:,.0f}", f"{m['guest_mib']:.0f}"]
             for m in p["models"]],
        ),
        "",
        "Native (the model crate linked into the host) against the plugin, same columns, same weights:",
        "",
        table(
            ["model", "native s", "plugin s", "ratio", "met (≤ 1.3×)"],
            [[m["model"], f"{m['native_s']:.3f}", f"{m['plugin_s']:.3f}", f"{m['ratio']:.2f}×",
              met(m["ratio"] <= 1.3)] for m in p["native_vs_plugin"]],
        ),
        "",
        "Where the median plugin call's time went, ms (`call`: columns in, the model, weights out):",
        "",
        table(
            ["model", "check", "instantiate", "call", "validate", "release", "one copy of the weights"],
            [[m["model"]] + [f"{m['phases_ms'][k]:.1f}" for k in
                             ("check", "instantiate", "call", "validate", "release")]
             + [f"{m['weights_copy_s'] * 1e3:.1f}" if "weights_copy_s" in m else "–"]
             for m in p["native_vs_plugin"] if "phases_ms" in m],
        ),
        "",
        "(`one copy of the weights`: the same weights copied once into fresh host memory, "
        "natively; lifting them out of the sandbox costs at least that, inside `call`.)",
        "",
    ]
    return out


def ca_section(ca):
    env = ca["env"]
    rows = []
    for s in ca["sizes"]:
        for model, t in s["timings"].items():
            rows.append([
                f"{s['paths']:,}", model, f"{t['ascribe']['wall']:.3f}", f"{t['ca_call']['call']:.3f}",
                f"{t['ca_call']['read_call']:.3f}", f"{t['ratio_call']:.1f}×", f"{t['ratio_read_call']:.1f}×",
            ])
    agree = all(
        h[k]["agree_1e9"]
        for s in ca["sizes"]
        for h in s["heuristics"].values()
        for k in ("conversions", "value")
    )
    markov = [s for s in ca["sizes"] if s["paths"] == 1_000_000]
    target = markov[0]["timings"]["markov"]["ratio_call"] if markov else None
    return [
        "### ascribe paths against ChannelAttribution",
        "",
        f"ChannelAttribution {env['channelattribution']} (Python {env['python']}, numpy "
        f"{env['numpy']}, pandas {env['pandas']}) on the same tables "
        "(`bench/channelattribution.sh`), best of 3, interleaved; ascribe end to end as a process, "
        f"ChannelAttribution's call alone and with `read_csv`; load average {env['load_at_start'][0]} "
        f"at the start, {env['load_at_end'][0]} at the end.",
        "",
        table(["paths", "model", "ascribe s", "CA call s", "CA read + call s", "ratio (call)", "ratio (read + call)"], rows),
        "",
        f"Heuristics agree with ChannelAttribution to 1e-9 (relative) on every channel: {met(agree)}. "
        + (f"Markov order 1 on 1M paths: {target:.1f}× faster than ChannelAttribution's call; "
           f"target ≥ 5×: {met(target >= 5)}." if target else ""),
        "",
    ]


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    d = sys.argv[1]
    pipeline = load(os.path.join(d, "pipeline.json"))
    paths = load(os.path.join(d, "paths.json"))
    call = load(os.path.join(d, "call_path.json"))
    intervals = load(os.path.join(d, "intervals.json"))
    ca = load(sys.argv[2]) if len(sys.argv) > 2 else None
    out = [
        BEGIN,
        "",
        f"## Benchmark suite (rendered {date.today()} by `bench/report.py`)",
        "",
        "From the JSON the benchmarks of `cargo xtask bench` wrote; each part gives the load "
        "average of its own run (a bench may be re-run alone with "
        "`BENCH_JSON_DIR=target/bench-data/json`, then this report re-rendered).",
        "",
    ]
    if pipeline:
        plot(pipeline["sizes"])
        out += pipeline_section(pipeline)
    if intervals:
        out += intervals_section(intervals)
    if call:
        out += call_path_section(call)
    if paths:
        out += paths_section(paths)
    if ca:
        out += ca_section(ca)
    out.append(END)
    with open(DOC) as f:
        doc = f.read()
    block = "\n".join(out)
    if BEGIN in doc and END in doc:
        doc = doc[: doc.index(BEGIN)] + block + doc[doc.index(END) + len(END):]
    else:
        doc = doc.rstrip() + "\n\n" + block + "\n"
    with open(DOC, "w") as f:
        f.write(doc)
    print(f"wrote {DOC}" + (f" and {SVG}" if pipeline else ""))


if __name__ == "__main__":
    main()
