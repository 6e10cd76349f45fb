"""The GIL is released while the runtime works: another Python thread keeps running."""

import subprocess
import threading
import time

import pyarrow.csv as pacsv

import ascribe
from conftest import _tool


def test_other_threads_run_while_ascribe_works(tmp_path):
    gen = _tool("ASCRIBE_GEN", "debug/ascribe-gen")
    path = tmp_path / "big.csv"
    subprocess.run([gen, "paths", "--seed", "3", "--paths", "200000", "--channels", "12",
                    "--max-len", "12", "--out", path], check=True)
    table = pacsv.read_csv(path)
    done = {}

    def work():
        t0 = time.perf_counter()
        ascribe.paths(table, models=["markov", "shapley"], params={"order": 3})
        done["seconds"] = time.perf_counter() - t0

    worker = threading.Thread(target=work)
    ticks = []
    worker.start()
    while worker.is_alive():
        ticks.append(time.perf_counter())
        time.sleep(0.001)
    worker.join()
    gaps = [b - a for a, b in zip(ticks, ticks[1:])]
    # Holding the GIL through the call would stall this loop for most of the call.
    assert done["seconds"] > 0.2, f"the call took {done['seconds']:.3f} s: too short to tell"
    assert max(gaps) < 0.5 * done["seconds"], (max(gaps), done["seconds"])
    assert len(ticks) > 20
