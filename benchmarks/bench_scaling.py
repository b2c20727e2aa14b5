"""Scaling of the chunked analysis with the number of events: 1×, 2×, 4×, 8× sample 1.

The job (``kcdc_hep.engine.map_reduce`` run locally = ``kcdc_hep.iterate`` + histogram fills: energy spectrum,
electron and muon sizes, the 2-D size map) runs in a fresh process on sample 1 with its rows repeated k times
(one file). ``example.run`` (the twin of the ROOT C++ macro) is included on KCDC ROOT files of k × 100 k events
when ``kcdc_hep.analyses.example`` exists. Targets: time(8×) ≤ 1.2 · 8 · time(1×), RSS(8×) ≤ 1.2 · RSS(1×).
The histogram job runs with the parse cache off (``KCDC_HEP_CACHE=0``): a local run reads a text file of up to
256 MiB whole through the cache (``engine.local_chunks``), so with the cache on the 1× and 2× files would be cached
whole reads and the larger ones streamed parses, and the ratios would compare the two paths, not the scaling.

    python benchmarks/bench_scaling.py [--quick]
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from typing import Any

import _common as c

SCRIPT = str(Path(__file__).resolve())
FACTORS = (1, 2, 4, 8)


def job(events: Any) -> dict[str, Any]:
    """The histogram job: spectrum, sizes (lgNe, lgNmu) and the 2-D size map."""
    from kcdc_hep import histograms

    return {
        "n": len(events),
        "spectrum": histograms.spectrum(events),
        "sizes": histograms.sizes(events),
        "size_map": histograms.size_map(events),
    }


def case_histograms(path: str, step: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    from kcdc_hep import engine

    t1 = time.perf_counter()
    result = engine.map_reduce(job, path, step_size=int(step))
    return {"import_s": t1 - t0, "work_s": time.perf_counter() - t1, "n": result["n"]}


def case_example(path: str, out: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    from kcdc_hep.analyses import example

    t1 = time.perf_counter()
    example.run(path, output=out, overwrite=True, progress=False)
    return {"import_s": t1 - t0, "work_s": time.perf_counter() - t1}


def case_make_example(path: str, n: str) -> dict[str, Any]:
    from kcdc_hep.analyses import example

    example.make_example_input(path, n_events=int(n))
    return {}


CASES = {"histograms": case_histograms, "example": case_example, "make_example": case_make_example}


def _row(label: str, k: int, r: dict[str, Any], base: dict[str, Any]) -> list[Any]:
    return [
        label,
        k,
        r.get("n"),
        r["median_s"],
        r.get("work_s"),
        r["peak_rss_mib"],
        r["median_s"] / (k * base["median_s"]),
        r["peak_rss_mib"] / base["peak_rss_mib"],
    ]


def main(argv: list[str] | None = None) -> None:
    args = c.parse_args(__doc__ or "", argv)
    if c.case_main(CASES, args):
        return
    import _inputs

    scale = 0.05 if args.quick else 1.0
    repeats = args.repeats or 3
    work = c.WORK
    step = 500_000
    rows: list[list[Any]] = []
    checks = []
    made: list[Path] = []
    try:
        results = {}
        for k in FACTORS:
            path = (
                _inputs.ensure(work, "sample1", scale=scale) if k == 1 else _inputs.concatenated(work, k, scale=scale)
            )
            if k > 1:
                made.append(path)
            results[k] = c.measure(
                c.self_case(SCRIPT, "histograms", path, step), repeats=repeats, env={"KCDC_HEP_CACHE": "0"}
            )
            c.log(f"[scaling] histograms {k}x: {results[k]['median_s']:.2f} s {results[k]['peak_rss_mib']:.0f} MiB")
            rows.append(_row("iterate + spectrum, sizes, size map (text)", k, results[k], results[1]))
            if k > 1:
                path.unlink()
                made.remove(path)
        t8, r8 = (
            results[8]["median_s"] / (8 * results[1]["median_s"]),
            results[8]["peak_rss_mib"] / results[1]["peak_rss_mib"],
        )
        checks.append(c.check("histogram job: time(8x) / (8 time(1x))", "<= 1.2", t8, t8 <= 1.2))
        checks.append(c.check("histogram job: RSS(8x) / RSS(1x)", "<= 1.2", r8, r8 <= 1.2))
        w8 = results[8]["work_s"] / (8 * results[1]["work_s"])
        checks.append(c.check("histogram job, imports excluded: work(8x) / (8 work(1x))", "<= 1.2", w8, w8 <= 1.2))

        if importlib.util.find_spec("kcdc_hep.analyses.example") is not None:
            base_n = 10_000 if args.quick else 100_000
            ex: dict[int, dict[str, Any]] = {}
            for k in FACTORS:
                path = work / f"example_{k * base_n}.root"
                if not path.exists():
                    c.log(f"[scaling] writing {path.name}")
                    c.run_child(c.self_case(SCRIPT, "make_example", path, k * base_n))
                made.append(path)
                out = work / f"example_out_{k}.root"
                made.append(out)
                ex[k] = c.measure(c.self_case(SCRIPT, "example", path, out), repeats=repeats)
                ex[k]["n"] = k * base_n
                c.log(f"[scaling] example.run {k}x: {ex[k]['median_s']:.2f} s {ex[k]['peak_rss_mib']:.0f} MiB")
                rows.append(_row("example.run (KCDC ROOT, station arrays)", k, ex[k], ex[1]))
            t8 = ex[8]["median_s"] / (8 * ex[1]["median_s"])
            r8 = ex[8]["peak_rss_mib"] / ex[1]["peak_rss_mib"]
            checks.append(c.check("example.run: time(8x) / (8 time(1x))", "<= 1.2", t8, t8 <= 1.2))
            checks.append(c.check("example.run: RSS(8x) / RSS(1x)", "<= 1.2", r8, r8 <= 1.2))
        c.emit(
            {
                "benchmark": "scaling",
                "title": "Scaling with the number of events (whole process, medians)",
                "quick": args.quick,
                "tables": [
                    {
                        "title": f"step_size {step:,}; time/linear = time(k) / (k · time(1)); RSS/1x = RSS(k) / RSS(1)",
                        "columns": [
                            "job",
                            "k",
                            "events",
                            "median wall [s]",
                            "work [s]",
                            "peak RSS [MiB]",
                            "time / linear",
                            "RSS / 1x",
                        ],
                        "rows": rows,
                    }
                ],
                "checks": checks,
                "notes": [
                    f"{repeats} whole-process runs per row. work = the job without imports.",
                    "Whole-process times include ~0.5 s of start-up and imports, which makes 8x look sub-linear.",
                ],
            }
        )
    finally:
        for path in made:
            path.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main())
