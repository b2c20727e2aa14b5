"""Benchmark: ``kcdc-hep generate`` at full size, as a whole process, with the time of each stage.

Run::

    python benchmarks/bench_generate.py [--out DIR] [--scale 1.0] [--seed 2940]

It starts a fresh Python process that runs the ``kcdc-hep generate`` command line (imports included) with the
stage timings of :func:`kcdc_hep.simulation.generate` logged, and prints the stage times, the total wall time and the
file sizes. Target (issue "Realistic synthetic KCDC samples"): all full-size files in under 60 s on 2 cores.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

_CHILD = """
import logging, sys
logging.basicConfig(level=logging.WARNING, format="%(message)s", stream=sys.stderr)
logging.getLogger("kcdc_hep.simulation.samples").setLevel(logging.INFO)
from kcdc_hep.cli import main
sys.exit(main(sys.argv[1:]))
"""


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=None, help="output folder (default: a temporary folder, removed)")
    p.add_argument("--scale", type=float, default=None, help="fraction of the full size (default: full size)")
    p.add_argument("--seed", type=int, default=2940)
    args = p.parse_args()
    out = args.out or Path(tempfile.mkdtemp(prefix="kcdc-bench-"))
    cmd = [sys.executable, "-c", _CHILD, "generate", "--out", str(out), "--seed", str(args.seed), "--overwrite"]
    if args.scale is not None:
        cmd += ["--scale", str(args.scale)]
    env = dict(os.environ, TQDM_DISABLE="1")
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
    total = time.perf_counter() - start
    if proc.returncode != 0:
        print(proc.stdout, proc.stderr, sep="\n")
        return proc.returncode
    print(f"{'stage':<18}{'time [s]':>10}")
    for name, seconds in re.findall(r"stage (\S+): ([0-9.]+) s", proc.stderr):
        print(f"{name:<18}{float(seconds):>10.2f}")
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    load = os.getloadavg()[0]
    print(f"{'total (process)':<18}{total:>10.2f}   (cpus: {os.cpu_count()}; target < 60 s at full size)")
    print(f"{'cpu (user+sys)':<18}{usage.ru_utime + usage.ru_stime:>10.2f}   (load average now: {load:.1f})")
    for f in sorted(out.iterdir()):
        print(f"  {f.name:<42}{f.stat().st_size / 1e6:>10.1f} MB")
    if args.out is None:
        shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
