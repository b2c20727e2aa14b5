"""Benchmark: ``kcdc-hep run`` (the Python twin) vs the compiled C++ macro vs RDataFrame, as whole processes.

    python benchmarks/bench_run.py                       # full size: 1,080,295 showers with array data
    python benchmarks/bench_run.py --events 200000 --repeat 5
    python benchmarks/bench_run.py --input /path/to/events.root

The input is written once into ``benchmarks/_work/`` (git-ignored) with :func:`kcdc_hep.simulation.simulate` and the
compression of :mod:`~kcdc_hep.simulation.samples` (the built-in ``events.root``), unless ``--input`` is given.
Each command is
timed as a whole process (start-up, reading, filling, writing), the three interleaved, ``--repeat`` times; the
medians are compared. The two C++ variants are compiled with ACLiC once beforehand, so compile time is excluded;
RDataFrame runs with ``ROOT::EnableImplicitMT(2)``. At the end the three outputs are compared bin for bin.

Busy machine: the Python twin and the C++ macro are timed again (interleaved, on the kcdc_hep file) while the
benchmark keeps every core busy with CPU-burning processes of its own (``--burners``, default one per core), the
same load for both. The target (issue 15): the C++ time / Python time >= 1.5, quiet and busy.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / "_work"
FULL_EVENTS = 1_080_295  # the KCDC small sample
TARGET_RATIO = 1.5  # C++ time / Python time (issue 15)


def make_input(n_events: int, seed: int) -> Path:
    """The benchmark events.root (written once, reused)."""
    path = WORK / f"events_{n_events}.root"
    if path.exists():
        return path
    from kcdc_hep.simulation.generator import simulate
    from kcdc_hep.writers import write

    try:
        from kcdc_hep.simulation import samples

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


REWRITE_MACRO = r"""
void rewrite_with_root(const char *in, const char *out) {
   // every tree re-filled entry by entry by ROOT itself: ROOT-native baskets and cluster metadata
   TFile input(in);
   TFile output(out, "RECREATE", "", 404); // LZ4, level 4
   for (const char *name : {"KCDC", "KCDCM", "Array", "Calor"}) {
      auto *tree = input.Get<TTree>(name);
      if (!tree) continue;
      output.cd();
      tree->CloneTree(-1, "")->Write();
   }
}
"""


def root_native_copy(data: Path) -> Path:
    """The same events re-written by ROOT C++ (a one-off, not timed): ROOT's own baskets and cluster layout.

    The tools are timed on both files, so that neither the file kcdc_hep writes nor the one ROOT writes favours one.
    """
    out = data.with_name(data.stem + "_root_native.root")
    if out.exists() and out.stat().st_mtime > data.stat().st_mtime:
        return out
    macro = WORK / "rewrite_with_root.C"
    macro.write_text(REWRITE_MACRO)
    subprocess.run(["root", "-b", "-q", "-l", f'{macro}("{data}", "{out}")'], cwd=WORK, check=True, capture_output=True)
    return out


@contextlib.contextmanager
def burning(n: int) -> Iterator[None]:
    """``n`` CPU-burning processes (busy loops) for the duration of the block: a busy machine, the same for all."""
    procs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]
    try:
        time.sleep(0.5)
        yield
    finally:
        for proc in procs:
            proc.kill()
        for proc in procs:
            proc.wait()


def measure(
    data: Path, repeat: int, macro: Path, rdf: Path, tag: str, tools: tuple[str, ...] = ("python", "cpp", "rdf")
) -> dict[str, object]:
    """Median whole-process times of the tools on ``data`` and whether their outputs agree."""
    out = {k: WORK / f"bench_{tag}_{k}.root" for k in ("python", "cpp", "rdf")}
    every = {
        "python": [sys.executable, "-m", "kcdc_hep", "run", str(data), "--output", str(out["python"]), "--overwrite"],
        "cpp": _root_call(macro, f'"{data}", "{out["cpp"]}"'),
        "rdf": _root_call(rdf, f'"{data}", "{out["rdf"]}", 2'),
    }
    commands = {k: v for k, v in every.items() if k in tools}
    times: dict[str, list[float]] = {k: [] for k in commands}
    for i in range(repeat):
        for name, cmd in commands.items():
            times[name].append(_time(cmd))
        print(f"{tag} run {i + 1}: " + ", ".join(f"{k} {v[-1]:.2f} s" for k, v in times.items()), file=sys.stderr)
    from kcdc_hep.analyses.compare import compare_files

    agree = {other: compare_files(out["python"], out[other]).ok for other in commands if other != "python"}
    med = {k: statistics.median(v) for k, v in times.items()}
    return {
        "median": med,
        "best": {k: min(v) for k, v in times.items()},
        "agree": agree,
        "size_MB": data.stat().st_size / 1e6,
    }


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--input", type=Path, default=None, help="events.root to use instead of a generated one")
    p.add_argument("--events", type=int, default=FULL_EVENTS, help="showers of the generated input")
    p.add_argument("--repeat", type=int, default=3, help="runs of each command (median is reported)")
    p.add_argument("--seed", type=int, default=2940)
    p.add_argument("--quick", action="store_true", help="5 %% of the events, 2 repeats")
    p.add_argument("--burners", type=int, default=os.cpu_count() or 2, help="CPU burners of the busy runs")
    args = p.parse_args()
    if args.quick:
        args.events, args.repeat = FULL_EVENTS // 20, 2
    WORK.mkdir(parents=True, exist_ok=True)
    data = args.input.resolve() if args.input else make_input(args.events, args.seed)
    native = root_native_copy(data)

    # compile once (ACLiC keeps the library next to the copied macro); compile time is not measured
    macro = Path(shutil.copy(REPO / "macros" / "KCDC_analyze_example.C", WORK))
    rdf = Path(shutil.copy(HERE / "rdf_run.C", WORK))
    subprocess.run(["root", "-b", "-q", "-l", "-e", f".L {macro}+"], cwd=WORK, check=True, capture_output=True)
    subprocess.run(["root", "-b", "-q", "-l", "-e", f".L {rdf}+"], cwd=WORK, check=True, capture_output=True)

    results = {
        "kcdc_hep": measure(data, args.repeat, macro, rdf, "kcdc"),
        "root_native": measure(native, args.repeat, macro, rdf, "native"),
    }
    with burning(args.burners):
        results["kcdc_hep, busy"] = measure(data, args.repeat, macro, rdf, "busy", tools=("python", "cpp"))
    labels = {
        "python": "kcdc-hep run (Python)",
        "cpp": "KCDC_analyze_example.C+ (compiled)",
        "rdf": "RDataFrame, MT(2)",
    }
    rows, checks = [], []
    for tag, r in results.items():
        med, best, agree = r["median"], r["best"], r["agree"]  # type: ignore[index]
        for k, label in labels.items():
            if k not in med:
                continue
            same = "" if k == "python" else ("identical" if agree[k] else "DIFFERENT")
            rows.append([tag, label, round(med[k], 2), round(best[k], 2), round(med[k] / med["python"], 2), same])
        for peer in ("cpp", "rdf"):
            if peer not in med:
                continue
            ratio = med[peer] / med["python"]
            target = TARGET_RATIO if peer == "cpp" and tag != "root_native" else 1.0
            what = f"{tag} file: {labels[peer]} time / Python time"
            checks.append({"what": what, "target": f">= {target:g}", "value": round(ratio, 2), "met": ratio >= target})
    result = {
        "benchmark": "run",
        "title": "run(): the Python twin vs the compiled C++ macro and RDataFrame (1,080,295 showers with arrays)",
        "tables": [
            {
                "title": "whole-process times (s)",
                "columns": ["input file", "tool", "median", "best", "ratio to Python", "output vs Python"],
                "rows": rows,
            }
        ],
        "checks": checks,
        "notes": [
            f"medians of {args.repeat} interleaved whole-process runs; C++ and RDataFrame compiled beforehand (ACLiC)",
            f"busy: {args.burners} CPU-burning processes of the benchmark's own run during the Python and C++ runs "
            "(on top of whatever else the machine does); the Python twin fills on two threads, the C++ macro on one",
            "kcdc_hep file: written by kcdc_hep (uproot, LZ4, 100k-entry baskets); root_native: the same events "
            "re-written by ROOT C++ (CloneTree, LZ4, ROOT's own baskets and clusters)",
            f"load average at the end: {os.getloadavg()[0]:.1f}",
        ],
    }
    for row in rows:
        print("  ".join(str(x) for x in row), file=sys.stderr)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
