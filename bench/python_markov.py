#!/usr/bin/env python3
"""ascribe's Python package against ChannelAttribution in the same Python process.

    python_markov.py ASCRIBE_GEN WORK_DIR [SIZES ...]      (default 100000 1000000)

Run with the interpreter of a virtual env that has both packages (`cargo xtask bench`
installs the release wheel into target/bench-venv beside ChannelAttribution). For each size
it reuses or generates WORK_DIR/paths-N.csv (`ascribe-gen paths --seed 1 --paths N
--channels 12 --max-len 12`, the table bench/channelattribution.py uses), reads it once with
pandas (untimed: both get the same DataFrame), then times, interleaved and best of
--repeat (3):

- ``ascribe.markov_model(df, …, order=1)`` against ``ChannelAttribution.markov_model`` with
  its defaults (both with value and nulls, ``out_more=True``);
- ``ascribe.heuristic_models`` against ``ChannelAttribution.heuristic_models``.

ascribe's time includes handing the pandas table over (pandas → Arrow). It prints a
markdown table (with the load average before and after) and writes
WORK_DIR/python.json.
"""

import argparse
import json
import math
import os
import subprocess
import sys
import time

import pandas as pd

import ascribe
import ChannelAttribution as ca


def load():
    return [round(x, 2) for x in os.getloadavg()]


def table(gen, work, n):
    path = os.path.join(work, f"paths-{n}.csv")
    ok = path + ".ok"
    if not os.path.exists(ok):
        os.makedirs(work, exist_ok=True)
        subprocess.run([gen, "paths", "--seed", "1", "--paths", str(n), "--channels", "12",
                        "--max-len", "12", "--out", path], check=True)
        open(ok, "w").close()
    return path


def timed(fn):
    t0 = time.perf_counter()
    r = fn()
    return time.perf_counter() - t0, r


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("gen")
    ap.add_argument("work")
    ap.add_argument("sizes", nargs="*", type=int, default=[100_000, 1_000_000])
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    kw = dict(var_value="total_conversion_value", var_null="total_null", out_more=True)
    runs = {
        "markov order 1": (
            lambda d: ascribe.markov_model(d, "path", "total_conversions", order=1, **kw),
            lambda d: ca.markov_model(d, "path", "total_conversions", order=1, verbose=False,
                                      flg_pro=False, **kw),
        ),
        "heuristics": (
            lambda d: ascribe.heuristic_models(d, "path", "total_conversions",
                                               var_value="total_conversion_value"),
            lambda d: ca.heuristic_models(d, "path", "total_conversions",
                                          var_value="total_conversion_value", flg_pro=False),
        ),
    }
    start = load()
    rows = []
    for n in a.sizes:
        df = pd.read_csv(table(a.gen, a.work, n))
        total = float(df["total_conversions"].sum())
        for name, (ours, theirs) in runs.items():
            best = {"ascribe": math.inf, "ca": math.inf}
            exact = None
            for _ in range(a.repeat):
                t, r = timed(lambda: ours(df))
                best["ascribe"] = min(best["ascribe"], t)
                res = r["result"] if isinstance(r, dict) else r
                col = "total_conversions" if "total_conversions" in res else "linear_touch_conversions"
                exact = math.isclose(float(res[col].sum()), total, rel_tol=1e-12)
                t, _ = timed(lambda: theirs(df))
                best["ca"] = min(best["ca"], t)
            rows.append({"paths": n, "model": name, "ascribe_s": best["ascribe"],
                         "ca_s": best["ca"], "ratio": best["ca"] / best["ascribe"],
                         "exact": exact, "load": load()})
            print(f"{n:>9} {name:<15} ascribe {best['ascribe']:.3f} s  CA {best['ca']:.3f} s"
                  f"  {best['ca'] / best['ascribe']:.1f}x", file=sys.stderr, flush=True)
    end = load()
    versions = {"python": sys.version.split()[0], "pandas": pd.__version__,
                "ChannelAttribution": "2.2.5", "ascribe": ascribe.__version__}
    with open(os.path.join(a.work, "python.json"), "w") as f:
        json.dump({"rows": rows, "load_start": start, "load_end": end, "versions": versions},
                  f, indent=2)
    print(f"In one Python process ({', '.join(f'{k} {v}' for k, v in versions.items())}), "
          f"best of {a.repeat}, interleaved; load average {start[0]} at the start, "
          f"{end[0]} at the end.\n")
    print("| paths | call | ascribe s | ChannelAttribution s | ratio | ascribe exact |")
    print("| ---: | --- | ---: | ---: | ---: | --- |")
    for r in rows:
        print(f"| {r['paths']:,} | {r['model']} | {r['ascribe_s']:.3f} | {r['ca_s']:.3f} | "
              f"{r['ratio']:.1f}× | {'yes' if r['exact'] else 'NO'} |")


if __name__ == "__main__":
    main()
