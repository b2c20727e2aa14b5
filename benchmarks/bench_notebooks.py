"""Benchmark: the wall time of every code cell of the masterclass notebooks 01–05 (English) on the built-in samples.

    python benchmarks/bench_notebooks.py            # full size (KCDC_HEP_DEFAULT_SCALE=1)
    python benchmarks/bench_notebooks.py --quick    # 5 % samples (KCDC_HEP_DEFAULT_SCALE=0.05)
    python benchmarks/bench_notebooks.py --only 04  # some notebooks only (number prefixes)

Each notebook is executed with nbclient in a fresh Python kernel, as a student runs it top to bottom, in a temporary
folder (so that the built-in samples are used and what a notebook writes goes there); each code cell is timed from
the moment its code is sent to the kernel until the kernel is idle again with every output received (nbclient's
``on_cell_execute`` and ``on_cell_executed`` hooks, ``time.perf_counter``), so the time is what a student waits.

Every notebook is executed three times, each time in a fresh kernel: a warm-up execution first, whose times are
reported but not checked (it may generate the built-in samples into the user cache, and it fills the parse cache of
the files read), then the timed execution, then one with the parse cache off (``KCDC_HEP_CACHE=0``: what a student's
very first run costs when the tutor has not read the files before). The checks (issue 15 item 4) are on the timed
execution: every cell < 3 s, and the first data-loading cell (the first that calls ``kcdc_hep.read``) < 5 s; that
cell is checked with the parse cache off as well. Headless, the explorers draw once without widgets, as in the
notebook tests.

Protocol: one JSON object on the last stdout line (README.md); the per-cell tables go to stderr as well.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import _common as c

NOTEBOOKS = sorted(p for p in (c.REPO / "notebooks").glob("*.ipynb") if re.match(r"0[1-5]_", p.name))
CELL_TARGET_S = 3.0
LOAD_TARGET_S = 5.0
QUICK_SCALE = "0.05"
CELL_TIMEOUT_S = 600
#: A code cell that loads data: the first one in a notebook gets the 5 s target.
_LOADS = re.compile(r"\bkcdc_hep\.read\(|\bread\(")
#: The samples the notebooks read (lesson.class_sample names), made before the warm-up so that it is not skewed.
_SAMPLES = ("sample1", "sample2", "sample3")


def _first_line(source: str) -> str:
    lines = [ln.strip() for ln in source.splitlines() if ln.strip() and not ln.strip().startswith("%")]
    text = lines[0] if lines else source.strip()
    return text if len(text) <= 70 else text[:67] + "..."


def _execute(path: Path, folder: Path, env: dict[str, str]) -> list[dict[str, Any]]:
    """Execute one notebook in a fresh kernel; per code cell: index, first line, seconds, error."""
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    started: dict[int, float] = {}
    cells: list[dict[str, Any]] = []

    def on_execute(cell: Any, cell_index: int, **_: Any) -> None:
        started[cell_index] = time.perf_counter()

    def on_executed(cell: Any, cell_index: int, execute_reply: Any = None, **_: Any) -> None:
        seconds = time.perf_counter() - started[cell_index]
        status = (execute_reply or {}).get("content", {}).get("status", "ok")
        cells.append({"index": cell_index, "first_line": _first_line(cell.source), "seconds": seconds,
                      "loads": bool(_LOADS.search(cell.source)), "status": status})  # fmt: skip

    client = nbclient.NotebookClient(
        nb,
        kernel_name="python3",
        timeout=CELL_TIMEOUT_S,
        resources={"metadata": {"path": str(folder)}},
        on_cell_execute=on_execute,
        on_cell_executed=on_executed,
        allow_errors=True,
    )
    client.execute(env=env)
    for cell in nb.cells:  # a notebook that fails is reported, not timed as if it had run
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                msg = f"{path.name}: {out.get('ename')}: {out.get('evalue')}"
                raise RuntimeError(msg)
    return cells


def _kernel_env(scale: str) -> dict[str, str]:
    env = {**os.environ, "KCDC_HEP_DEFAULT_SCALE": scale}
    for variable in ("KCDC_HEP_WIDGETS", "KCDC_HEP_SOLUTIONS", "JPY_SESSION_NAME", "VSCODE_PID", "MPLBACKEND"):
        env.pop(variable, None)  # headless, as in the notebook tests; %matplotlib inline chooses the backend
    return env


def main() -> int:
    only, rest = _split_only(sys.argv[1:])
    args = c.parse_args(__doc__.splitlines()[0], rest)
    scale = QUICK_SCALE if args.quick else "1"
    os.environ["KCDC_HEP_DEFAULT_SCALE"] = scale  # the samples below are made at the kernels' scale
    from kcdc_hep.simulation.samples import default_sample

    t0 = time.perf_counter()
    for name in _SAMPLES:
        default_sample(name)
    c.log(f"samples ready in {time.perf_counter() - t0:.1f} s (scale {scale}, not timed)")
    env = _kernel_env(scale)
    notebooks = [p for p in NOTEBOOKS if not only or p.name[:2] in only]
    tables, checks, per_notebook = [], [], {}
    slow: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench_notebooks-") as tmp:
        for path in notebooks:
            folder = Path(tmp) / path.stem
            folder.mkdir()
            shutil.copy(path, folder / path.name)
            c.log(f"=== {path.name}: warm-up execution")
            warm = _execute(folder / path.name, folder, env)
            c.log(f"=== {path.name}: timed execution")
            timed = _execute(folder / path.name, folder, env)
            c.log(f"=== {path.name}: execution with the parse cache off")
            cold = _execute(folder / path.name, folder, {**env, "KCDC_HEP_CACHE": "0"})
            warm_s = {cell["index"]: cell["seconds"] for cell in warm}
            cold_s = {cell["index"]: cell["seconds"] for cell in cold}
            rows = [[cell["index"], cell["first_line"], round(cell["seconds"], 2), round(cold_s[cell["index"]], 2),
                     round(warm_s[cell["index"]], 2)] for cell in timed]  # fmt: skip
            for row in rows:
                c.log(f"  [{row[0]:>2}] {row[2]:6.2f} s (parse cache off {row[3]:6.2f} s, warm-up {row[4]:6.2f} s)  "
                      f"{row[1]}")  # fmt: skip
            total = sum(cell["seconds"] for cell in timed)
            slowest = max(timed, key=lambda cell: cell["seconds"])
            loading = next((cell for cell in timed if cell["loads"]), None)
            over = [cell for cell in timed if cell["seconds"] >= CELL_TARGET_S]
            slow += [
                f"{path.stem} cell {cell['index']} ({cell['seconds']:.2f} s): {cell['first_line']}" for cell in over
            ]
            tables.append({
                "title": f"{path.name}: {len(timed)} code cells, {total:.1f} s in all (timed execution)",
                "columns": ["cell", "first line", "seconds", "parse cache off [s]", "warm-up run [s]"],
                "rows": rows,
            })  # fmt: skip
            checks.append(c.check(f"{path.stem}: slowest cell (cell {slowest['index']})", f"< {CELL_TARGET_S:g} s",
                                  slowest["seconds"], slowest["seconds"] < CELL_TARGET_S))  # fmt: skip
            if loading is not None:
                first, first_cold = loading["seconds"], cold_s[loading["index"]]
                checks.append(c.check(f"{path.stem}: first data-loading cell (cell {loading['index']})",
                                      f"< {LOAD_TARGET_S:g} s", first, first < LOAD_TARGET_S))  # fmt: skip
                checks.append(c.check(f"{path.stem}: first data-loading cell, parse cache off",
                                      f"< {LOAD_TARGET_S:g} s", first_cold, first_cold < LOAD_TARGET_S))  # fmt: skip
            slow += [f"{path.stem} cell {cell['index']} with the parse cache off ({cell['seconds']:.2f} s): "
                     f"{cell['first_line']}" for cell in cold if cell["seconds"] >= CELL_TARGET_S]  # fmt: skip
            per_notebook[path.stem] = {"total_s": total, "cells": timed, "parse_cache_off": cold, "warm_up": warm}
    notes = [
        "Each notebook ran three times, each time in a fresh python3 kernel (nbclient): a warm-up execution (not "
        "checked; it generates the built-in samples if the user cache lacks them and fills the parse cache of the "
        "files it reads), the timed one ('seconds'), and one with the parse cache off (KCDC_HEP_CACHE=0, a "
        "student's first read of a file nobody read before). The 'warm-up run' column shows the first execution.",
        "Cell time: from sending the cell to the kernel until the kernel is idle with every output received "
        "(nbclient on_cell_execute / on_cell_executed hooks), i.e. what a student waits, figures included.",
        f"Built-in samples at KCDC_HEP_DEFAULT_SCALE={scale}; headless, the explorers draw once without widgets.",
        f"Targets (issue 15 item 4): every cell < {CELL_TARGET_S:g} s, the first data-loading cell "
        f"(first call of kcdc_hep.read) < {LOAD_TARGET_S:g} s.",
    ]
    if slow:
        notes.append("Cells at or above 3 s: " + "; ".join(slow))
    notes.append(f"1-minute load average at the end: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores (shared).")
    c.emit({
        "benchmark": "notebooks",
        "title": "Notebook cells 01-05 on the built-in samples" + (f" (scale {QUICK_SCALE})" if args.quick else ""),
        "tables": tables,
        "checks": checks,
        "notes": notes,
        "notebooks": per_notebook,
    })  # fmt: skip
    return 0


def _split_only(argv: list[str]) -> tuple[set[str], list[str]]:
    """The notebook numbers after ``--only`` (none: all) and the other arguments."""
    if "--only" not in argv:
        return set(), argv
    i = argv.index("--only")
    j = i + 1
    while j < len(argv) and not argv[j].startswith("--"):
        j += 1
    return set(argv[i + 1 : j]), argv[:i] + argv[j:]


if __name__ == "__main__":
    sys.exit(main())
