"""Benchmark: ``kcdc-hep run`` (the Python twin) vs the compiled C++ macro vs RDataFrame, as whole processes.

    python benchmarks/bench_run.py                       # full size: 1,080,295 showers with array data
    python benchmarks/bench_run.py --events 200000 --repeat 5
    python benchmarks/bench_run.py --input /path/to/events.root

The input is written once into ``benchmarks/_work/`` (git-ignored) with :func:`kcdc_hep.simulate.simulate` and the
compression of :mod:`kcdc_hep.samples` (the built-in ``events.root``), unless ``--input`` is given. Each command is
timed as a whole process (start-up, reading, filling, writing), the three interleaved, ``--repeat`` times; the
medians are compared. The two C++ variants are compiled with ACLiC once beforehand, so compile time is excluded;
RDataFrame runs with ``ROOT::EnableImplicitMT(2)``. At the end the three outputs are compared bin for bin.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / "_work"
FULL_EVENTS = 1_080_295  # the KCDC small sample


def make_input(n_events: int, seed: int) -> Path:
    """The benchmark events.root (written once, reused)."""
    path = WORK / f"events_{n_events}.root"
    if path.exists():
        return path
    from kcdc_hep.simulate import simulate
    from kcdc_hep.writers import write

    try:
        from kcdc_hep import samples

        compression = samples.ROOT_COMPRESSION
    except ImportError:
        compression = ("LZ4", 1)
    t0 = time.perf_counter()
    events = simulate(n_events, seed=seed, stations=True, calorimeter=True, progress=True)
    write(events, path, compression=compression)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.0f} MB) in {time.perf_counter() - t0:.0f} s", flush=True)
    return path


def _root_call(macro: Path, args: str) -> list[str]:
    return ["root", "-b", "-q", "-l", f"{macro}+({args})"]


def _time(cmd: list[str]) -> float:
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=WORK, capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
    elapsed = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return elapsed


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--input", type=Path, default=None, help="events.root to use instead of a generated one")
    p.add_argument("--events", type=int, default=FULL_EVENTS, help="showers of the generated input")
    p.add_argument("--repeat", type=int, default=3, help="runs of each command (median is reported)")
    p.add_argument("--seed", type=int, default=2940)
    args = p.parse_args()
    WORK.mkdir(parents=True, exist_ok=True)
    data = args.input.resolve() if args.input else make_input(args.events, args.seed)

    # compile once (ACLiC keeps the library next to the copied macro); compile time is not measured
    macro = Path(shutil.copy(REPO / "macros" / "KCDC_analyze_example.C", WORK))
    rdf = Path(shutil.copy(HERE / "rdf_run.C", WORK))
    subprocess.run(["root", "-b", "-q", "-l", "-e", f".L {macro}+"], cwd=WORK, check=True, capture_output=True)
    subprocess.run(["root", "-b", "-q", "-l", "-e", f".L {rdf}+"], cwd=WORK, check=True, capture_output=True)

    out = {k: WORK / f"bench_{k}.root" for k in ("python", "cpp", "rdf")}
    commands = {
        "python": [sys.executable, "-m", "kcdc_hep", "run", str(data), "--output", str(out["python"]), "--overwrite"],
        "cpp": _root_call(macro, f'"{data}", "{out["cpp"]}"'),
        "rdf": _root_call(rdf, f'"{data}", "{out["rdf"]}", 2'),
    }
    times: dict[str, list[float]] = {k: [] for k in commands}
    for i in range(args.repeat):
        for name, cmd in commands.items():
            times[name].append(_time(cmd))
        print(f"run {i + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()), flush=True)

    med = {k: statistics.median(v) for k, v in times.items()}
    best = {k: min(v) for k, v in times.items()}
    size = data.stat().st_size / 1e6
    print(f"\ninput: {data} ({size:.0f} MB); {os.cpu_count()} CPUs; medians of {args.repeat} runs (whole processes)")
    labels = {
        "python": "kcdc-hep run (Python, uproot + numpy, 2 threads)",
        "cpp": "KCDC_analyze_example.C+ (compiled C++ loop)",
        "rdf": "rdf_run.C+ (RDataFrame, EnableImplicitMT(2))",
    }
    print(f"  {'':50s} {'median':>8s} {'best':>8s}   ratio to Python (median, best)")
    for k, label in labels.items():
        ratio = f"{med[k] / med['python']:.2f}, {best[k] / best['python']:.2f}"
        print(f"  {label:50s} {med[k]:7.2f}s {best[k]:7.2f}s   {ratio}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"  load average at the end: {load:.1f} (other processes on the machine slow every command down)")

    from kcdc_hep.compare import compare_files

    for other in ("cpp", "rdf"):
        report = compare_files(out["python"], out[other])
        print(f"  Python vs {other}: {'identical bin for bin' if report.ok else 'DIFFERENT'} ({report.mode})")
        if not report.ok:
            print(report.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
