"""Bounded memory: peak RSS of ``for chunk in kcdc_hep.iterate(path, step_size=...)`` on sample 1 and on 10× it.

Each run is a fresh process that streams the file and fills a histogram per chunk (a small reduction), so the peak
resident memory is that of the chunked read. Target: peak RSS of the 10× file within 1.2× of the 1× file. The 10×
inputs (text ~1.3 GB, and the same events as ROOT and Parquet) are written into ``benchmarks/_work`` and deleted
afterwards.

    python benchmarks/bench_memory.py [--quick]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import _common as c

SCRIPT = str(Path(__file__).resolve())


def case_iterate(path: str, step: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    import kcdc_hep
    from kcdc_hep import histograms

    rss_imports = c.peak_rss_mib()
    t1 = time.perf_counter()
    total = None
    n = 0
    chunks = 0
    for chunk in kcdc_hep.iterate(path, step_size=int(step)):
        h = histograms.spectrum(chunk)
        total = h if total is None else total + h
        n += len(chunk)
        chunks += 1
    t2 = time.perf_counter()
    return {"import_s": t1 - t0, "loop_s": t2 - t1, "n": n, "chunks": chunks, "rss_after_imports_mib": rss_imports}


def case_baseline() -> dict[str, Any]:
    """Imports only (kcdc_hep readers, histograms and the parser), to show the fixed part of the RSS."""
    import polars  # noqa: F401

    import kcdc_hep.readers  # noqa: F401
    from kcdc_hep import histograms  # noqa: F401

    return {}


def case_convert(src: str, dst: str) -> dict[str, Any]:
    """Write ``src`` (text) as ROOT or Parquet, streaming."""
    import kcdc_hep
    from kcdc_hep.writers import write_chunks

    write_chunks(kcdc_hep.iterate(src, step_size=1_000_000), dst, overwrite=True)
    return {}


CASES = {"iterate": case_iterate, "baseline": case_baseline, "convert": case_convert}


def main(argv: list[str] | None = None) -> None:
    args = c.parse_args(__doc__ or "", argv)
    if c.case_main(CASES, args):
        return
    import _inputs

    scale = 0.05 if args.quick else 1.0
    repeats = args.repeats or 3
    work = c.WORK
    small = _inputs.ensure(work, "sample1", scale=scale)
    big = _inputs.concatenated(work, 10, scale=scale)
    made = [big]
    inputs = {"text": (small, big)}
    try:
        for fmt in ("root", "parquet"):
            one = _inputs.ensure(work, f"sample1.{fmt}", scale=scale)
            ten = work / f"{big.stem}.{fmt}"
            c.log(f"[memory] writing {ten.name}")
            c.run_child(c.self_case(SCRIPT, "convert", big, ten))
            made.append(ten)
            inputs[fmt] = (one, ten)
        base = c.measure(c.self_case(SCRIPT, "baseline"), repeats=repeats)
        rows = []
        checks = []
        steps = {"text": [100_000, 500_000], "root": [500_000], "parquet": [500_000]}
        for fmt, (one, ten) in inputs.items():
            for step in steps[fmt]:
                r1 = c.measure(c.self_case(SCRIPT, "iterate", one, step), repeats=repeats)
                r10 = c.measure(c.self_case(SCRIPT, "iterate", ten, step), repeats=repeats)
                ratio = r10["peak_rss_mib"] / r1["peak_rss_mib"]
                c.log(
                    f"  {fmt:8s} step {step:>7,}: 1x {r1['peak_rss_mib']:.0f} MiB {r1['median_s']:.2f} s, "
                    f"10x {r10['peak_rss_mib']:.0f} MiB {r10['median_s']:.2f} s, ratio {ratio:.2f}"
                )
                rows.append(
                    [
                        fmt,
                        step,
                        r1["n"],
                        r1["median_s"],
                        r1["peak_rss_mib"],
                        r10["n"],
                        r10["median_s"],
                        r10["peak_rss_mib"],
                        ratio,
                        r10["median_s"] / r1["median_s"],
                    ]
                )
                checks.append(c.check(f"{fmt}, step {step:,}: peak RSS 10x / 1x", "<= 1.2", ratio, ratio <= 1.2))
        c.emit(
            {
                "benchmark": "memory",
                "title": "Peak RSS of chunked iteration (whole process, medians)",
                "quick": args.quick,
                "tables": [
                    {
                        "title": f"iterate + fill a histogram per chunk; baseline (imports only) "
                        f"{base['peak_rss_mib']:.0f} MiB",
                        "columns": [
                            "format",
                            "step_size",
                            "events 1x",
                            "time 1x [s]",
                            "RSS 1x [MiB]",
                            "events 10x",
                            "time 10x [s]",
                            "RSS 10x [MiB]",
                            "RSS ratio",
                            "time ratio",
                        ],
                        "rows": rows,
                    }
                ],
                "checks": checks,
                "notes": [f"{repeats} whole-process runs per cell; peak RSS = VmHWM of the process."],
            }
        )
    finally:
        for path in made:
            path.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
