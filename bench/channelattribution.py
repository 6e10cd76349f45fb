#!/usr/bin/env python3
"""`ascribe paths` against ChannelAttribution on the same path tables, in the same run.

    channelattribution.py ASCRIBE ASCRIBE_GEN WORK_DIR [SIZES ...]   (default 100000 1000000)

Usually run through bench/channelattribution.sh, which sets up the virtual env. For each
size it

1. generates WORK_DIR/paths-N.csv with `ascribe-gen paths --seed 1 --paths N --channels 12
   --max-len 12` (reused when a previous run made it: WORK_DIR/paths-N.csv.ok);
2. times, interleaved and best of --repeat (3), `ascribe paths FILE --model M --format csv`
   as a subprocess (end to end: start-up, parse, model, output) against ChannelAttribution
   in this process: (a) the model call alone and (b) `pandas.read_csv` + the call;
3. compares the results:
   - heuristics (first/last/linear touch, conversions and value) against `heuristic_models`
     and against an exact reference computed here with math.fsum; ascribe's CSV writes
     every number as its shortest round-trip text (issue 16), so "agree to 1e-9" is checked
     as |ascribe - CA| <= 1e-9 * max(1, |CA|), with no allowance for printed digits, and
     the 6- and 2-decimal forms the table would print are also compared;
   - markov order 1 (exact in ascribe, simulated in ChannelAttribution) against
     `markov_model` with its defaults over several seeds (its own noise, and the bias of
     its step cap), and against a long, uncapped simulation (nsim 1e6 in one fold,
     max_step 200) whose noise is small enough to see whether the two are the same chain;
4. prints a markdown table and writes WORK_DIR/channelattribution.json (every figure,
   for plots) and WORK_DIR/channelattribution.md.

The CPU load (os.getloadavg) is recorded with every measurement: the machine may be shared.
"""

import argparse
import csv
import hashlib
import importlib.metadata
import io
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

HEURISTICS = ["first-touch", "last-touch", "linear"]
CA_HEUR = {"first-touch": "first_touch", "last-touch": "last_touch", "linear": "linear_touch"}
# The table's rounding (6 decimals for conversions and removal effects, 2 for value): the
# CSV itself is exact, and this is only how the figures are compared as a reader sees them.
DECIMALS = {"conversions": 6, "value": 2, "removal_effect": 6, "value_removal_effect": 6}
TOL = 1e-9
SEED_STEP = 1000


def load():
    return [round(x, 2) for x in os.getloadavg()]


_NICE = {"base": os.getpriority(os.PRIO_PROCESS, 0), "on": os.geteuid() == 0}


def untimed(yes):
    """Untimed work (the reference, extra CA seeds) runs at nice 19 so that it does not
    take the CPU from whoever shares the machine; timed work at the starting priority.
    Only when the priority can be raised back (root); otherwise nothing is niced."""
    if not _NICE["on"]:
        return
    try:
        os.setpriority(os.PRIO_PROCESS, 0, 19 if yes else _NICE["base"])
    except OSError:
        _NICE["on"] = False
        log("warning: cannot change the priority; untimed work runs at the normal one")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---------------------------------------------------------------------------------------
# ascribe


def ascribe_cmd(ascribe, path, model):
    """The command for one model label: a single model, `heuristics` (three in one
    process) or `markov`. On a path table last-touch is the plain last touch, as
    ChannelAttribution's."""
    if model == "heuristics":
        return [ascribe, "paths", path, "--models", ",".join(HEURISTICS),
                "--format", "csv"]
    cmd = [ascribe, "paths", path, "--model", model, "--format", "csv"]
    if model == "markov":
        cmd += ["--order", "1"]
    return cmd


def run_ascribe(cmd):
    """Runs cmd; returns (wall s, CPU s of the child, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if p.returncode != 0:
        sys.exit(f"error: {' '.join(cmd)} exited {p.returncode}:\n{p.stderr.decode()}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, p.stdout.decode()


def parse_ascribe_csv(text):
    """{model: {channel: {column: (float, printed string)}}}; a single-model CSV has no
    `model` column and is filed under None."""
    out = {}
    for row in csv.DictReader(io.StringIO(text)):
        m = row.pop("model", None)
        ch = row.pop("channel")
        out.setdefault(m, {})[ch] = {k: (float(v), v) for k, v in row.items() if v != ""}
    return out


# ---------------------------------------------------------------------------------------
# ChannelAttribution


def ca_heuristics(ca, d):
    return ca.heuristic_models(d, "path", "total_conversions",
                               var_value="total_conversion_value", flg_pro=False)


def ca_markov(ca, d, **kw):
    return ca.markov_model(d, "path", "total_conversions", var_value="total_conversion_value",
                           var_null="total_null", order=1, out_more=True, verbose=False,
                           flg_pro=False, **kw)


def run_ca(pd, fn, path):
    """(call s, read+call s, call CPU s, read+call CPU s, result)."""
    c0, t0 = time.process_time(), time.perf_counter()
    d = pd.read_csv(path)
    c1, t1 = time.process_time(), time.perf_counter()
    res = fn(d)
    c2, t2 = time.process_time(), time.perf_counter()
    del d
    return t2 - t1, t2 - t0, c2 - c1, c2 - c0, res


def ca_heur_table(res):
    """{model: {channel: {conversions, value}}} from heuristic_models' frame."""
    out = {m: {} for m in HEURISTICS}
    for r in res.to_dict("records"):
        for m, p in CA_HEUR.items():
            out[m][r["channel_name"]] = {"conversions": float(r[f"{p}_conversions"]),
                                         "value": float(r[f"{p}_value"])}
    return out


def ca_markov_table(res):
    out = {}
    for r in res["result"].to_dict("records"):
        out[r["channel_name"]] = {"conversions": float(r["total_conversions"]),
                                  "value": float(r["total_conversion_value"])}
    for r in res["removal_effects"].to_dict("records"):
        out[r["channel_name"]]["removal_effect"] = float(r["removal_effects_conversion"])
        out[r["channel_name"]]["value_removal_effect"] = float(
            r["removal_effects_conversion_value"])
    return out


# ---------------------------------------------------------------------------------------
# exact reference for the heuristics (and the totals)


def reference(path):
    """Heuristic credits computed independently: Python's correctly rounded float() on
    every number, math.fsum (exactly rounded) over the paths. Also returns the parsed
    columns so pandas' parse can be checked against them, and the order-1 chain's counts
    for markov_reference."""
    terms = {m: {} for m in HEURISTICS}
    chain = {"trans": {}, "conv": {}, "null": {}, "value": {}}
    conv_col, val_col = [], []
    tot_c, tot_v, tot_n = [], [], []

    def add(m, ch, c, v):
        t = terms[m].setdefault(ch, ([], []))
        t[0].append(c)
        t[1].append(v)

    with open(path, newline="") as f:
        r = csv.reader(f)
        head = next(r)
        ip, ic, iv, inn = (head.index(x) for x in
                           ("path", "total_conversions", "total_conversion_value", "total_null"))
        for row in r:
            chans = [x.strip() for x in row[ip].split(">")]
            c, v, n = float(row[ic]), float(row[iv]), float(row[inn])
            conv_col.append(c)
            val_col.append(v)
            tot_c.append(c)
            tot_v.append(v)
            tot_n.append(n)
            add("first-touch", chans[0], c, v)
            add("last-touch", chans[-1], c, v)
            k = len(chans)
            counts = {}
            for ch in chans:
                counts[ch] = counts.get(ch, 0) + 1
            for ch, cnt in counts.items():
                # the same product as ChannelAttribution's (count * c) / length
                add("linear", ch, cnt * c / k, cnt * v / k)
            # order-1 chain (docs/models.md): consecutive repeats collapse; weight c + n
            w = c + n
            if w > 0:
                prev = None  # (start)
                for ch in chans:
                    if ch != prev:
                        key = (prev, ch)
                        chain["trans"][key] = chain["trans"].get(key, 0.0) + w
                        prev = ch
                chain["conv"][prev] = chain["conv"].get(prev, 0.0) + c
                chain["null"][prev] = chain["null"].get(prev, 0.0) + n
                if c > 0:
                    chain["value"].setdefault(prev, []).append(v)
    ref = {m: {ch: {"conversions": math.fsum(t[0]), "value": math.fsum(t[1])}
               for ch, t in terms[m].items()} for m in HEURISTICS}
    totals = {"conversions": math.fsum(tot_c), "value": math.fsum(tot_v),
              "nulls": math.fsum(tot_n), "rows": len(conv_col)}
    return ref, totals, conv_col, val_col, chain


def markov_reference(chain):
    """Removal effects of the order-1 chain solved independently of ascribe, with numpy's
    LU (LAPACK): P(conv) = pi (I - Q)^-1 r, and the same restricted to the states other
    than x (the mass into x goes to null). Counts are integers here, exact in doubles."""
    import numpy as np

    states = sorted({t for (_, t) in chain["trans"]})
    ix = {s: i for i, s in enumerate(states)}
    k = len(states)
    W = np.zeros((k, k))
    pi = np.zeros(k)
    for (f, t), w in chain["trans"].items():
        if f is None:
            pi[ix[t]] += w
        else:
            W[ix[f], ix[t]] += w
    conv = np.array([chain["conv"].get(s, 0.0) for s in states])
    null = np.array([chain["null"].get(s, 0.0) for s in states])
    val = np.array([math.fsum(chain["value"].get(s, [])) for s in states])
    out = W.sum(axis=1) + conv + null
    Q = W / out[:, None]
    r, rv = conv / out, val / out
    pi = pi / pi.sum()

    def absorb(keep):
        A = np.eye(len(keep)) - Q[np.ix_(keep, keep)]
        return (float(pi[keep] @ np.linalg.solve(A, r[keep])),
                float(pi[keep] @ np.linalg.solve(A, rv[keep])))

    p, v = absorb(list(range(k)))
    res = {}
    for x in states:
        px, vx = absorb([i for i in range(k) if i != ix[x]])
        res[x] = {"removal_effect": 1 - px / p, "value_removal_effect": 1 - vx / v}
    return res, p


# ---------------------------------------------------------------------------------------
# comparisons


def half_unit(col):
    """No allowance: ascribe's CSV carries full precision since issue 16."""
    return 0.0


def compare_heuristic(asc, ca, ref):
    """Per column: max |ascribe - CA|, max relative, whether they agree to 1e-9 at the
    printed precision, printed-digit mismatches against CA and against the reference, and
    CA against the exact reference (full precision)."""
    out = {}
    chans = sorted(set(asc) | set(ca) | set(ref))
    for col in ("conversions", "value"):
        s = {"max_abs_diff": 0.0, "max_rel_diff": 0.0, "worst": None,
             "digits_differ_from_ca": [], "digits_differ_from_reference": [],
             "ca_vs_reference_max_abs": 0.0, "ca_vs_reference_max_rel": 0.0,
             "missing": [], "agree_1e9": True}
        for ch in chans:
            if ch not in asc or ch not in ca or ch not in ref:
                s["missing"].append(ch)
                s["agree_1e9"] = False
                continue
            a, a_str = asc[ch][col]
            c, r = ca[ch][col], ref[ch][col]
            diff = abs(a - c)
            rel = diff / max(1.0, abs(c))
            if diff > s["max_abs_diff"]:
                s["max_abs_diff"] = diff
                s["worst"] = {"channel": ch, "ascribe": a_str, "ca": repr(c), "reference": repr(r)}
            s["max_rel_diff"] = max(s["max_rel_diff"], rel)
            if diff > half_unit(col) + TOL * max(1.0, abs(c)):
                s["agree_1e9"] = False
            d = DECIMALS[col]
            a_str = f"{a + 0.0:.{d}f}"
            if a_str != f"{c + 0.0:.{d}f}":
                s["digits_differ_from_ca"].append({"channel": ch, "ascribe": a_str, "ca": repr(c)})
            if a_str != f"{r + 0.0:.{d}f}":
                s["digits_differ_from_reference"].append(
                    {"channel": ch, "ascribe": a_str, "reference": repr(r)})
            s["ca_vs_reference_max_abs"] = max(s["ca_vs_reference_max_abs"], abs(c - r))
            s["ca_vs_reference_max_rel"] = max(s["ca_vs_reference_max_rel"],
                                               abs(c - r) / max(1.0, abs(r)))
        out[col] = s
    return out


MARKOV_COLS = ["conversions", "value", "removal_effect", "value_removal_effect"]


def markov_exact(asc_json, totals):
    """ascribe's markov figures at full precision: the removal effects are the plugin's
    scores (JSON, shortest round-trip digits); credits are RE / sum RE x the totals."""
    m = asc_json["models"][0]
    scores = {s["name"]: {v["channel"]: float(v["value"]) for v in s["values"]}
              for s in m["scores"]}
    re, rev = scores["removal-effect"], scores["value-removal-effect"]
    sre, srev = math.fsum(re.values()), math.fsum(rev.values())
    out = {}
    for ch in re:
        out[ch] = {"removal_effect": re[ch], "value_removal_effect": rev[ch],
                   "conversions": re[ch] / sre * totals["conversions"],
                   "value": rev[ch] / srev * totals["value"]}
    return out


def compare_markov(exact, runs):
    """exact: ascribe's figures; runs: CA tables, one per seed. Per column, with
    rel = (CA - ascribe) / ascribe for each channel and seed:

    - max_rel_diff_seed0: the rel of seed 0 largest in absolute value (the timed run);
    - max_abs_rel_diff: the largest |rel| over every seed and channel;
    - mean_rel_diff: rel averaged over channels and seeds (a bias shows here);
    - noise_rel_sd: CA's own noise, the relative sd across seeds pooled over channels,
      sqrt(mean over channels of var(seeds) / ascribe^2) (about each channel's mean over
      seeds, so it does not assume ascribe is right);
    - max_dev_in_sd: max |rel| / noise_rel_sd: one simulated run's distance from the
      exact answer in units of the simulation's own spread;
    - max_bias_in_se: per channel |mean rel over seeds| / (noise_rel_sd / sqrt(seeds)),
      the largest: whether the mean of the seeds is off by more than its standard error.
    """
    out = {}
    for col in MARKOV_COLS:
        s = {"max_rel_diff_seed0": 0.0, "max_abs_rel_diff": 0.0, "worst": None,
             "per_channel": {}, "missing": []}
        rel_all, mean_rels, var_rel = [], [], []
        for ch, e in sorted(exact.items()):
            vals = [r[ch][col] for r in runs if ch in r]
            a = e[col]
            if len(vals) != len(runs) or a == 0:
                s["missing"].append(ch)
                continue
            rels = [(v - a) / a for v in vals]
            rel_all += rels
            mean_rels.append(statistics.fmean(rels))
            if len(vals) > 1:
                var_rel.append(statistics.variance(vals) / (a * a))
            s["per_channel"][ch] = {"ascribe": a, "ca": vals, "rel_diff": rels}
            if abs(rels[0]) > abs(s["max_rel_diff_seed0"]):
                s["max_rel_diff_seed0"] = rels[0]
                s["worst"] = {"channel": ch, "ascribe": a, "ca_seed0": vals[0]}
            s["max_abs_rel_diff"] = max(s["max_abs_rel_diff"], max(abs(r) for r in rels))
        s["mean_rel_diff"] = statistics.fmean(rel_all) if rel_all else float("nan")
        sd = math.sqrt(statistics.fmean(var_rel)) if var_rel else float("nan")
        s["noise_rel_sd"] = sd
        s["max_dev_in_sd"] = s["max_abs_rel_diff"] / sd if sd > 0 else float("nan")
        se = sd / math.sqrt(len(runs)) if runs else float("nan")
        s["max_bias_in_se"] = max(abs(m) for m in mean_rels) / se if mean_rels and se > 0 \
            else float("nan")
        out[col] = s
    return out


# ---------------------------------------------------------------------------------------


def generate(gen, work, n):
    path = os.path.join(work, f"paths-{n}.csv")
    if os.path.exists(path) and os.path.getsize(path) > 0 and os.path.exists(path + ".ok"):
        return path
    cmd = [gen, "paths", "--seed", "1", "--paths", str(n), "--channels", "12",
           "--max-len", "12", "--out", path]
    log("$", " ".join(cmd))
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    if p.returncode != 0:
        sys.exit(f"error: {' '.join(cmd)} exited {p.returncode}:\n{p.stdout.decode()}")
    log(p.stdout.decode().strip())
    with open(path + ".ok", "w") as f:
        f.write(" ".join(cmd) + "\n")
    return path


def best(xs, key):
    return min(xs, key=lambda x: x[key])


def bench_size(args, pd, ca, n):
    path = generate(args.ascribe_gen, args.work_dir, n)
    log(f"== {n} paths: {path} ({os.path.getsize(path) / 1e6:.1f} MB)")
    asc_models = HEURISTICS + ["heuristics", "markov"]
    ca_fns = {"heuristics": lambda d: ca_heuristics(ca, d),
              "markov": lambda d: ca_markov(ca, d, seed=0)}
    # Warm-up (page cache, ascribe's compile cache for the plugins), not timed.
    untimed(False)
    for m in asc_models:
        run_ascribe(ascribe_cmd(args.ascribe, path, m))
    asc_times = {m: [] for m in asc_models}
    ca_times = {m: [] for m in ca_fns}
    asc_out, ca_res = {}, {}
    for rep in range(args.repeat):
        # Interleaved: each CA model next to the ascribe runs it is compared with; who
        # goes first alternates between repetitions.
        for group, members in (("heuristics", asc_models[:4]), ("markov", ["markov"])):
            order = ["ascribe", "ca"] if rep % 2 == 0 else ["ca", "ascribe"]
            for side in order:
                if side == "ascribe":
                    for m in members:
                        ld = load()
                        wall, cpu, out = run_ascribe(ascribe_cmd(args.ascribe, path, m))
                        asc_times[m].append({"wall": wall, "cpu": cpu, "load": ld, "rep": rep})
                        asc_out[m] = out
                        log(f"  rep {rep} ascribe {m:<12} {wall:7.3f} s  cpu {cpu:6.3f}  load {ld}")
                else:
                    ld = load()
                    call, both, ccpu, bcpu, res = run_ca(pd, ca_fns[group], path)
                    ca_times[group].append({"call": call, "read_call": both, "call_cpu": ccpu,
                                            "read_call_cpu": bcpu, "load": ld, "rep": rep})
                    ca_res[group] = res
                    log(f"  rep {rep} CA      {group:<12} call {call:7.3f} s  read+call "
                        f"{both:7.3f} s  load {ld}")

    # --- results (untimed)
    untimed(True)
    log("  exact reference (fsum) ...")
    ref, totals, conv_col, val_col, chain = reference(path)
    d = pd.read_csv(path)
    pandas_parse = {
        "conversions_mismatches": int(sum(1 for a, b in zip(d["total_conversions"], conv_col)
                                          if float(a) != b)),
        "value_mismatches": int(sum(1 for a, b in zip(d["total_conversion_value"], val_col)
                                    if float(a) != b)),
    }
    ca_h = ca_heur_table(ca_res["heuristics"])
    heur = {}
    for m in HEURISTICS:
        single = parse_ascribe_csv(asc_out[m])[None]
        multi = parse_ascribe_csv(asc_out["heuristics"])[m]
        heur[m] = compare_heuristic(single, ca_h[m], ref[m])
        heur[m]["same_as_models_run"] = single == multi

    # Markov: ascribe at full precision, CA with its defaults over seeds, and long runs.
    p = subprocess.run([args.ascribe, "paths", path, "--model", "markov", "--order", "1",
                        "--format", "json"], stdout=subprocess.PIPE, check=True)
    exact = markov_exact(json.loads(p.stdout), totals)
    mref, p_chain = markov_reference(chain)
    vs_ref = {}
    for col in ("removal_effect", "value_removal_effect"):
        worst = max(exact, key=lambda ch: abs(exact[ch][col] - mref[ch][col]) / abs(mref[ch][col]))
        vs_ref[col] = {"max_rel_diff": abs(exact[worst][col] - mref[worst][col])
                       / abs(mref[worst][col]),
                       "channel": worst, "ascribe": exact[worst][col],
                       "reference": mref[worst][col]}
    csv_markov = parse_ascribe_csv(asc_out["markov"])[None]
    printed_ok = all(
        abs(exact[ch][c] - csv_markov[ch][c][0]) <= 1e-12 * max(1.0, abs(exact[ch][c]))
        for ch in exact for c in MARKOV_COLS)
    # CA seeds fold r of a run with seed + r (mt19937), so runs with seeds 0 and 1 share
    # nine of their ten folds' random streams: seeds are spaced by SEED_STEP.
    default_seeds = [k * SEED_STEP for k in range(args.seeds)]
    long_seeds = [k * SEED_STEP for k in range(args.long_seeds)]
    log(f"  CA markov, defaults, seeds {default_seeds} ...")
    d = pd.read_csv(path)
    default_runs = [ca_markov_table(ca_res["markov"])]  # seed 0, from the timed runs
    for seed in default_seeds[1:]:
        default_runs.append(ca_markov_table(ca_markov(ca, d, seed=seed)))
    long_kw = {"nsim_start": args.long_nsim, "nfold": 1, "max_step": args.long_max_step}
    log(f"  CA markov, {long_kw}, seeds {long_seeds} ...")
    long_runs, long_secs = [], []
    for seed in long_seeds:
        t0 = time.perf_counter()
        long_runs.append(ca_markov_table(ca_markov(ca, d, seed=seed, **long_kw)))
        long_secs.append(time.perf_counter() - t0)
    del d
    # What a binomial count predicts for the long runs' removal effects: a fraction RE of
    # about nsim * P(conv) converting walks, P(conv) = conversions / (conversions + nulls).
    p_conv = totals["conversions"] / (totals["conversions"] + totals["nulls"])
    n_conv = args.long_nsim * p_conv
    binom = max(math.sqrt((1 - e["removal_effect"]) / (e["removal_effect"] * n_conv))
                for e in exact.values() if e["removal_effect"] > 0)
    markov = {
        "ascribe_exact": exact,
        "ascribe_csv_matches_full_precision": printed_ok,
        "reference": mref,
        "reference_p_conv": p_chain,
        "ascribe_vs_reference": vs_ref,
        "p_conv": p_conv,
        "ca_default": {"settings": {"nsim_start": 1e5, "nfold": 10, "max_step": None,
                                    "seeds": default_seeds},
                       "compare": compare_markov(exact, default_runs)},
        "ca_long": {"settings": dict(long_kw, seeds=long_seeds),
                    "seconds": long_secs,
                    "binomial_rel_sd_removal_effect": binom,
                    "compare": compare_markov(exact, long_runs)},
    }

    untimed(False)
    timings = {}
    for m in asc_models:
        a = best(asc_times[m], "wall")
        g = "markov" if m == "markov" else "heuristics"
        c_call = best(ca_times[g], "call")
        c_both = best(ca_times[g], "read_call")
        timings[m] = {
            "ascribe": a, "ascribe_all": asc_times[m],
            "ca_call": c_call, "ca_read_call": c_both, "ca_all": ca_times[g],
            "ratio_call": c_call["call"] / a["wall"],
            "ratio_read_call": c_both["read_call"] / a["wall"],
        }
    return {"paths": n, "file": path, "bytes": os.path.getsize(path), "totals": totals,
            "pandas_parse": pandas_parse, "timings": timings, "heuristics": heur,
            "markov": markov}


def markdown(result):
    lines = []
    lines.append(f"ChannelAttribution {result['env']['channelattribution']} (pandas "
                 f"{result['env']['pandas']}, Python {result['env']['python']}), "
                 f"ascribe `{result['env']['ascribe']}`; best of {result['repeat']}, "
                 f"interleaved; the load is the 1-minute load average when the best run started.")
    lines.append("")
    lines.append("| paths | model | ascribe s (CPU s) | CA call s | CA read+call s | "
                 "CA call / ascribe | CA read+call / ascribe | load at ascribe / CA | "
                 "Δ conversions: max abs / rel | Δ value: max abs / rel | agree 1e-9 |")
    lines.append("| ---: | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | --- |")
    for s in result["sizes"]:
        for m, t in s["timings"].items():
            if m in HEURISTICS:
                h = s["heuristics"][m]
                dc, dv = (f"{h[c]['max_abs_diff']:.1e} / {h[c]['max_rel_diff']:.1e}"
                          for c in ("conversions", "value"))
                ok = "yes" if h["conversions"]["agree_1e9"] and h["value"]["agree_1e9"] else "**no**"
            elif m == "heuristics":
                dc = dv = ok = "(as above)"
            else:
                c = s["markov"]["ca_default"]["compare"]
                dc = f"rel {c['conversions']['max_rel_diff_seed0']:+.2%} (seed 0)"
                dv = f"rel {c['value']['max_rel_diff_seed0']:+.2%} (seed 0)"
                ok = "n/a (simulated)"
            label = {"heuristics": "3 heuristics, one process",
                     "markov": "markov order 1"}.get(m, m)
            cm = "heuristic_models" if m != "markov" else "markov_model"
            lines.append(
                f"| {s['paths']:,} | {label} (CA `{cm}`) | {t['ascribe']['wall']:.3f} "
                f"({t['ascribe']['cpu']:.2f}) | {t['ca_call']['call']:.3f} | "
                f"{t['ca_read_call']['read_call']:.3f} | {t['ratio_call']:.1f}x | "
                f"{t['ratio_read_call']:.1f}x | {t['ascribe']['load'][0]} / "
                f"{t['ca_call']['load'][0]} | {dc} | {dv} | {ok} |")
    lines.append("")
    lines.append("ascribe is the release binary as a subprocess, `--format csv`, parse included "
                 "(last touch is the plain last touch on a path table, as ChannelAttribution's); "
                 "one `heuristic_models` call computes all three heuristics, so its time is "
                 "set against each ascribe model and against the three in one process. "
                 "Heuristic Δ: ascribe's CSV (full precision) against CA's doubles, "
                 "rel = abs / max(1, |CA|); 'agree 1e-9' = every channel within 1e-9 "
                 "relative, with no allowance for printed digits. "
                 "Markov Δ: rel = (CA - ascribe) / ascribe, the largest in absolute value.")
    lines.append("")
    lines.append("Markov order 1: rel = (CA - ascribe) / ascribe per channel (ascribe is "
                 "exact); seed 0 = the timed run, largest |rel| among channels; max |rel| and "
                 "mean rel over every channel and seed; CA's noise = relative sd across seeds, "
                 "pooled over channels; then max |rel| in units of that sd, and the largest "
                 "per-channel |mean rel| in units of its standard error:")
    lines.append("")
    lines.append("| paths | CA settings | column | seed 0 | max abs rel | mean rel | CA noise sd "
                 "| max abs rel / sd | max bias / se |")
    lines.append("| ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for s in result["sizes"]:
        lk = s["markov"]["ca_long"]["settings"]
        for key, label in (("ca_default", "defaults (nsim 1e5, 10 folds, max_step from data)"),
                           ("ca_long", f"nsim {lk['nsim_start']:.0e}, 1 fold, "
                                       f"max_step {lk['max_step']}")):
            sk = s["markov"][key]
            for col in MARKOV_COLS:
                c = sk["compare"][col]
                lines.append(
                    f"| {s['paths']:,} | {label}, {len(sk['settings']['seeds'])} seeds | {col} | "
                    f"{c['max_rel_diff_seed0']:+.2%} | {c['max_abs_rel_diff']:.2%} | "
                    f"{c['mean_rel_diff']:+.2%} | {c['noise_rel_sd']:.2%} | "
                    f"{c['max_dev_in_sd']:.1f} | {c['max_bias_in_se']:.1f} |")
    lines.append("")
    for s in result["sizes"]:
        vr = s["markov"]["ascribe_vs_reference"]
        lines.append(f"- {s['paths']:,} paths: ascribe's markov removal effects against an "
                     f"independent absorbing-chain solve (numpy LU, this script): max relative "
                     f"difference {vr['removal_effect']['max_rel_diff']:.1e} (conversion), "
                     f"{vr['value_removal_effect']['max_rel_diff']:.1e} (value).")
    for s in result["sizes"]:
        lg = s["markov"]["ca_long"]
        lines.append(f"- {s['paths']:,} paths: for the long runs a binomial count predicts a "
                     f"relative sd of the removal effects of at most "
                     f"{lg['binomial_rel_sd_removal_effect']:.2%} (about "
                     f"{lg['settings']['nsim_start'] * s['markov']['p_conv']:,.0f} converting "
                     f"walks); they took {min(lg['seconds']):.1f}-{max(lg['seconds']):.1f} s each.")
    for s in result["sizes"]:
        mk = s["timings"]["markov"]
        lines.append(f"- {s['paths']:,} paths, markov order 1: CA call / ascribe "
                     f"{mk['ratio_call']:.1f}x, CA read+call / ascribe {mk['ratio_read_call']:.1f}x"
                     + (" (target >= 5x at 1M: " + ("met" if min(mk["ratio_call"], mk["ratio_read_call"]) >= 5
                        else "met against read+call only" if mk["ratio_read_call"] >= 5
                        else "**not met**") + ")" if s["paths"] == 1_000_000 else ""))
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("ascribe")
    ap.add_argument("ascribe_gen")
    ap.add_argument("work_dir")
    ap.add_argument("sizes", nargs="*", type=int, default=[100_000, 1_000_000])
    ap.add_argument("--repeat", type=int, default=3, help="timed repetitions (best of)")
    ap.add_argument("--seeds", type=int, default=5,
                    help="seeds for CA's markov with its defaults (noise)")
    ap.add_argument("--long-seeds", type=int, default=3)
    ap.add_argument("--long-nsim", type=float, default=1e6)
    ap.add_argument("--long-max-step", type=int, default=200)
    ap.add_argument("--json", help="default WORK_DIR/channelattribution.json")
    args = ap.parse_args()
    args.ascribe = os.path.abspath(args.ascribe)
    args.ascribe_gen = os.path.abspath(args.ascribe_gen)
    os.makedirs(args.work_dir, exist_ok=True)

    import pandas as pd
    import ChannelAttribution as ca  # prints a banner

    env = {
        "channelattribution": importlib.metadata.version("ChannelAttribution"),
        "pandas": pd.__version__,
        "numpy": importlib.metadata.version("numpy"),
        "python": platform.python_version(),
        "ascribe": subprocess.run([args.ascribe, "--version"], stdout=subprocess.PIPE,
                                  text=True).stdout.strip(),
        "ascribe_path": args.ascribe,
        "ascribe_sha256": hashlib.sha256(open(args.ascribe, "rb").read()).hexdigest(),
        "nproc": os.cpu_count(),
        "cpu": next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo")
                     if l.startswith("model name")), platform.processor()),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "load_at_start": load(),
    }
    result = {"env": env, "repeat": args.repeat, "tolerance_heuristics": TOL, "sizes": []}
    for n in args.sizes:
        result["sizes"].append(bench_size(args, pd, ca, n))
    env["load_at_end"] = load()
    md = markdown(result)
    print(md)
    out = args.json or os.path.join(args.work_dir, "channelattribution.json")
    with open(out, "w") as f:
        json.dump(result, f, indent=1)
    with open(os.path.splitext(out)[0] + ".md", "w") as f:
        f.write(md + "\n")
    log(f"wrote {out}")
    bad = [f"{s['paths']} {m}" for s in result["sizes"] for m in HEURISTICS
           if not (s["heuristics"][m]["conversions"]["agree_1e9"]
                   and s["heuristics"][m]["value"]["agree_1e9"])]
    bad += [f"{s['paths']} markov {c} vs the numpy solve" for s in result["sizes"]
            for c, v in s["markov"]["ascribe_vs_reference"].items() if not v["max_rel_diff"] <= TOL]
    if bad:
        log("NOT within 1e-9: " + ", ".join(bad))
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
