"""Benchmark: the whole masterclass main job on the built-in default samples, as one process.

    python benchmarks/bench_masterclass.py              # full size: sample 3 (1.5 M data) + sample 2 (1.7 M sim)
    KCDC_HEP_DEFAULT_SCALE=0.05 python benchmarks/bench_masterclass.py   # smaller samples

The job reads the measured sample 3 (1,500,317 events) and the simulated sample 2 (1,720,319 events): 3.2 M events
in all (sample 1 holds the same showers as sample 3 with fewer columns, so the job does not read it). The samples
are generated into the user cache first if needed (not timed). The job then runs as a separate process,
``python -m kcdc_hep masterclass --out <tmp>``, exactly as a user runs it; the script prints the wall time of that
process, its stage times (from summary.json) and its peak resident memory.

Targets on the 2-core reference machine: < 60 s and < 4 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 60.0
TARGET_GB = 4.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="keep the outputs in this folder (default: temporary)")
    args = parser.parse_args()

    from kcdc_hep.samples import FULL_SIZES, default_sample

    t0 = time.perf_counter()
    data = default_sample("sample3")
    sim = default_sample("sample2")
    prepared = time.perf_counter() - t0
    print(f"samples: {data} ({data.stat().st_size / 1e6:.0f} MB), {sim} ({sim.stat().st_size / 1e6:.0f} MB)")
    print(f"  ready in {prepared:.1f} s (generated on first use, not part of the job)")
    scale = os.environ.get("KCDC_HEP_DEFAULT_SCALE", "1.0")
    print(f"  scale {scale}: full size would be {FULL_SIZES['sample3']:,} + {FULL_SIZES['sample2']:,} events")

    with tempfile.TemporaryDirectory(prefix="bench_masterclass-") as tmp:
        out = args.out or Path(tmp) / "out"
        cmd = [sys.executable, "-m", "kcdc_hep", "masterclass", "--out", str(out), "--overwrite"]
        env = {**os.environ, "MPLBACKEND": "Agg"}
        t0 = time.perf_counter()
        run = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - t0
        peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024 / 1e9  # Linux: kB
        if run.returncode != 0:
            print(run.stderr, file=sys.stderr)
            return run.returncode
        summary = json.loads((out / "summary.json").read_text())

    n_data = summary["inputs"]["n_data_events"]
    n_sim = summary["inputs"]["n_simulated_events"]
    print(f"\ncommand: {' '.join(cmd[1:])}")
    print(f"events read: {n_data:,} data + {n_sim:,} simulated = {n_data + n_sim:,}")
    print(
        f"selected:    {summary['cutflow']['n_selected']:,} data, {summary['cutflow_simulation']['n_selected']:,} sim"
    )
    print("stage times (s, inside the job):")
    for stage, seconds in summary["timings_s"].items():
        print(f"  {stage:<12} {seconds:8.2f}")
    print(f"process wall time: {wall:.1f} s (target < {TARGET_S:.0f} s)")
    print(f"peak RSS:          {peak_gb:.2f} GB (target < {TARGET_GB:.0f} GB)")
    knee = summary.get("knee", {})
    if "E_knee_PeV" in knee:
        print(f"knee: {knee['E_knee_PeV']:.2f} ± {knee['E_knee_err_PeV']:.2f} PeV, "
              f"gamma1 {knee['gamma1']:.2f}, gamma2 {knee['gamma2']:.2f}")  # fmt: skip
    ok = wall < TARGET_S and peak_gb < TARGET_GB
    print("OK" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
