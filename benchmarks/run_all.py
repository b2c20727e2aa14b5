"""Run every benchmark (``benchmarks/bench_*.py``) and write ``results.json`` and ``RESULTS.md``.

    python benchmarks/run_all.py [--quick] [--only NAME ...]

Each ``bench_NAME.py`` is run as ``python bench_NAME.py [--quick]`` and must print one JSON object on the last line
of its stdout (protocol in README.md). ``--only`` re-runs some benchmarks and keeps the others' previous results.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import _common as c

RESULTS_JSON = c.HERE / "results.json"
RESULTS_MD = c.HERE / "RESULTS.md"


def discover() -> dict[str, Path]:
    """``{name: script}`` for every ``bench_*.py`` next to this file."""
    return {p.stem.removeprefix("bench_"): p for p in sorted(c.HERE.glob("bench_*.py"))}


def run_one(name: str, script: Path, *, quick: bool) -> dict[str, Any]:
    argv = [sys.executable, str(script)] + (["--quick"] if quick else [])
    c.log(f"=== {name}: {' '.join(argv)}")
    load_before = os.getloadavg()[0]
    t0 = time.perf_counter()
    proc = subprocess.run(argv, stdout=subprocess.PIPE, stderr=None, cwd=c.REPO, check=False)
    elapsed = time.perf_counter() - t0
    stdout = proc.stdout.decode(errors="replace")
    lines = [ln for ln in stdout.splitlines() if ln.strip()]
    if proc.returncode != 0:
        return {"benchmark": name, "error": f"exit code {proc.returncode}", "elapsed_s": elapsed}
    try:
        result = json.loads(lines[-1])
        if not isinstance(result, dict):
            raise ValueError("not a JSON object")
    except (ValueError, IndexError):
        # not following the protocol: keep what it printed, as text
        result = {
            "title": name,
            "text": "\n".join(lines[-60:]),
            "notes": ["this script does not follow the protocol (no JSON object on its last stdout line)"],
        }
    result.setdefault("benchmark", name)
    result["elapsed_s"] = elapsed
    result["load_1min"] = [round(load_before, 2), round(os.getloadavg()[0], 2)]
    result["command"] = " ".join(["python", f"benchmarks/{script.name}"] + (["--quick"] if quick else []))
    return result


def markdown(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
    out = [
        "# Benchmark results",
        "",
        f"Measured {doc['date']} with `{doc['command']}` on {m['nproc']} cores ({m['cpu']}), "
        f"{m['ram_gib']} GiB RAM, Python {m['python']} ({m['platform']}).",
        "",
        f"Packages: {versions}.",
        "",
        "The machine is shared and noisy: whole-process timings are medians of repeated runs, ratios are taken",
        "between runs of the same session. Regenerate with `python benchmarks/run_all.py` (see README.md).",
        "",
    ]
    for result in doc["benchmarks"]:
        out += [f"## {result.get('title', result['benchmark'])}", ""]
        if "error" in result:
            out += [f"**failed**: {result['error']}", ""]
            continue
        out += [
            f"`{result.get('command', '')}` ({result.get('elapsed_s', 0):.0f} s)"
            + (" — quick mode" if result.get("quick") else ""),
            "",
        ]
        if result.get("text"):
            out += ["```text", result["text"], "```", ""]
        for table in result.get("tables", []):
            out += [f"**{table['title']}**", ""]
            out.append("| " + " | ".join(table["columns"]) + " |")
            out.append("| " + " | ".join("---" for _ in table["columns"]) + " |")
            for row in table["rows"]:
                out.append("| " + " | ".join(c.fmt(x) for x in row) + " |")
            out.append("")
        if result.get("checks"):
            out += ["| target | required | measured | met |", "| --- | --- | --- | --- |"]
            for chk in result["checks"]:
                met = "yes" if chk["met"] else "**no**"
                out.append(f"| {chk['what']} | {chk['target']} | {c.fmt(chk['value'])} | {met} |")
            out.append("")
        for note in result.get("notes", []):
            out.append(f"- {note}")
        out.append("")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small inputs, 3 repeats (a smoke test)")
    parser.add_argument("--only", nargs="+", metavar="NAME", help="run only these benchmarks (e.g. read memory)")
    args = parser.parse_args(argv)
    scripts = discover()
    names = args.only or list(scripts)
    unknown = [n for n in names if n not in scripts]
    if unknown:
        parser.error(f"unknown benchmark(s) {', '.join(unknown)}; available: {', '.join(scripts)}")
    previous: dict[str, Any] = {}
    if args.only and RESULTS_JSON.exists():
        previous = {b["benchmark"]: b for b in json.loads(RESULTS_JSON.read_text()).get("benchmarks", [])}
    results = dict(previous)
    for name in names:
        results[name] = run_one(name, scripts[name], quick=args.quick)
        for chk in results[name].get("checks", []):
            c.log(f"  {'ok  ' if chk['met'] else 'MISS'} {chk['what']}: {c.fmt(chk['value'])} (target {chk['target']})")
    command = (
        "python benchmarks/run_all.py"
        + (" --quick" if args.quick else "")
        + (f" --only {' '.join(args.only)}" if args.only else "")
    )
    doc = {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "machine": c.machine(),
        "benchmarks": [results[n] for n in scripts if n in results],
    }
    RESULTS_JSON.write_text(json.dumps(doc, indent=1, default=float) + "\n")
    RESULTS_MD.write_text(markdown(doc))
    c.log(f"wrote {RESULTS_JSON} and {RESULTS_MD}")
    return 1 if any("error" in results[n] for n in names) else 0


if __name__ == "__main__":
    sys.exit(main())
