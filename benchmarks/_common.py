"""Shared helpers of the benchmark scripts: whole-process timing with peak RSS, the JSON protocol, machine facts.

Protocol (see README.md): a ``bench_*.py`` script run as ``python benchmarks/bench_X.py [--quick]`` prints exactly
one JSON object on the last line of stdout (progress goes to stderr). A script measures its cases in fresh child
processes, usually by running itself with ``--case NAME ...``; the child prints one JSON line of inner timings.

Only the standard library is imported here, so a child's start-up is not inflated by the harness.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / "_work"
#: Prefix of the one line a ``--case`` child prints.
CASE_PREFIX = "KCDC_BENCH_CASE "


def log(*args: Any) -> None:
    """Progress to stderr (stdout is reserved for the JSON result)."""
    print(*args, file=sys.stderr, flush=True)


def parse_args(description: str, argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The common command line of a benchmark script: ``--quick``, ``--case NAME [ARG ...]``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help="small inputs and 3 repeats (a smoke test)")
    parser.add_argument("--repeats", type=int, default=None, help="whole-process runs per case (default 5, quick 3)")
    parser.add_argument("--case", nargs="+", default=None, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# ---------------------------------------------------------------------------------------------------- children
def run_child(argv: Sequence[str], *, env: dict[str, str] | None = None, timeout: float = 1800) -> dict[str, Any]:
    """Run one process; return its wall time [s], peak RSS [MiB] (``wait4`` of that very child) and JSON line."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    t0 = time.perf_counter()
    proc = subprocess.Popen(list(argv), stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=full_env, cwd=REPO)
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    # communicate() reaps the child itself, so the child reports its own peak RSS (VmHWM, see case_main)
    wall = time.perf_counter() - t0
    if proc.returncode != 0:
        msg = f"{' '.join(argv)} failed ({proc.returncode}):\n{err.decode(errors='replace')[-3000:]}"
        raise RuntimeError(msg)
    inner: dict[str, Any] = {}
    for line in out.decode().splitlines():
        if line.startswith(CASE_PREFIX):
            inner = json.loads(line[len(CASE_PREFIX) :])
    return {"wall_s": wall, **inner}


def measure(argv: Sequence[str], *, repeats: int, warmup: int = 1, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Median wall time and peak RSS of ``repeats`` whole-process runs (after ``warmup`` discarded runs)."""
    for _ in range(warmup):
        run_child(argv, env=env)
    return _summary([run_child(argv, env=env) for _ in range(repeats)], repeats)


def measure_interleaved(
    cases: Sequence[tuple[Sequence[str], dict[str, str] | None]], *, repeats: int, warmup: int = 1
) -> list[dict[str, Any]]:
    """:func:`measure` of several cases run in turns (case 1, 2, ..., 1, 2, ...), so that a change in the machine's
    load hits every case alike and their ratios stay fair; one result per case, in order."""
    for _ in range(warmup):
        for argv, env in cases:
            run_child(argv, env=env)
    runs: list[list[dict[str, Any]]] = [[] for _ in cases]
    for _ in range(repeats):
        for i, (argv, env) in enumerate(cases):
            runs[i].append(run_child(argv, env=env))
    return [_summary(r, repeats) for r in runs]


def _summary(runs: list[dict[str, Any]], repeats: int) -> dict[str, Any]:
    walls = [r["wall_s"] for r in runs]
    out: dict[str, Any] = {
        "median_s": statistics.median(walls),
        "min_s": min(walls),
        "runs_s": [round(w, 4) for w in walls],
        "repeats": repeats,
    }
    for key in runs[0]:
        if key != "wall_s" and all(isinstance(r.get(key), int | float) for r in runs):
            out[key] = statistics.median(r[key] for r in runs)
        elif key != "wall_s":
            out[key] = runs[0][key]
    return out


def case_main(cases: dict[str, Callable[..., dict[str, Any]]], args: argparse.Namespace) -> bool:
    """In a ``--case`` child: run that case, print its JSON line (with peak RSS) and return True."""
    if not args.case:
        return False
    name, *rest = args.case
    t0 = time.perf_counter()
    result = cases[name](*rest)
    result.setdefault("inner_s", time.perf_counter() - t0)
    result["peak_rss_mib"] = peak_rss_mib()
    print(CASE_PREFIX + json.dumps(result), flush=True)
    return True


def peak_rss_mib() -> float:
    """Peak resident memory of this process [MiB] (VmHWM).

    Not ``getrusage(RUSAGE_SELF).ru_maxrss``: Linux carries that high-water mark over ``exec`` from the forking
    parent, so a child of a big driver would report the driver's memory.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def self_case(script: str, name: str, *args: Any) -> list[str]:
    """argv running case ``name`` of ``script`` in a fresh interpreter."""
    return [sys.executable, script, "--case", name, *map(str, args)]


def emit(result: dict[str, Any]) -> None:
    """Print the benchmark's result: one JSON line on stdout (the protocol)."""
    print(json.dumps(result, default=float), flush=True)


def check(what: str, target: str, value: float, ok: bool) -> dict[str, Any]:
    """A target of the issue and whether the measurement meets it."""
    return {"what": what, "target": target, "value": round(value, 3), "met": bool(ok)}


# ---------------------------------------------------------------------------------------------------- machine
def machine() -> dict[str, Any]:
    """Facts about this machine and the package versions, for the results table."""
    from importlib import metadata

    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    versions: dict[str, str | None] = {}
    for pkg in (
        "kcdc_hep",
        "numpy",
        "awkward",
        "polars",
        "pandas",
        "pyarrow",
        "uproot",
        "boost-histogram",
        "hist",
        "iminuit",
        "dask",
        "distributed",
        "ROOT",
    ):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    try:
        root_version = subprocess.run(
            [sys.executable, "-c", "import ROOT; print(ROOT.gROOT.GetVersion())"],
            capture_output=True,
            text=True,
            timeout=60,
        ).stdout.strip()
        versions["ROOT (gROOT)"] = root_version or None
    except (OSError, subprocess.SubprocessError):
        pass
    return {
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "ram_gib": ram,
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
    }


def fmt(x: Any, digits: int = 3) -> str:
    """A number for a Markdown table."""
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:.{digits}g}" if abs(x) < 1000 else f"{x:,.0f}"
    return str(x)
