"""The same histogram job locally and on a local Dask cluster of 1 and 2 worker processes (full-size samples).

Each run is a fresh process: ``kcdc_hep.engine.map_reduce(job, [sample 1, 2, 3], step_size=500_000)`` locally,
then with a ``distributed.LocalCluster`` of N processes (one thread each, as ``map_reduce(workers=N)`` starts it).
``cluster`` is the start-up of the cluster, ``compute`` the map-reduce on it; the whole-process wall time has
both. Peak RSS: the driver, and the largest worker (VmHWM gathered from the workers before they stop).
Target: 2 workers no slower than local.

    python benchmarks/bench_dask.py [--quick]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import _common as c

SCRIPT = str(Path(__file__).resolve())


def job(events: Any) -> dict[str, Any]:
    """Energy spectrum and 2-D size map of a chunk (sample 2 adds nothing else: fields common to all samples)."""
    from kcdc_hep import histograms

    return {"n": len(events), "spectrum": histograms.spectrum(events), "size_map": histograms.size_map(events)}


def case_run(workers: str, *paths: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    from kcdc_hep import engine

    n_workers = int(workers)
    columns = ["lgE", "lgNe", "lgNmu"]
    if n_workers == 0:
        t1 = time.perf_counter()
        result = engine.map_reduce(job, list(paths), step_size=500_000, columns=columns)
        t2 = time.perf_counter()
        return {"import_s": t1 - t0, "cluster_s": 0.0, "compute_s": t2 - t1, "n": result["n"], "worker_rss_mib": 0.0}
    import distributed

    t1 = time.perf_counter()
    with (
        distributed.LocalCluster(
            n_workers=n_workers, processes=True, threads_per_worker=1, dashboard_address=None, env=engine._worker_env()
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.wait_for_workers(n_workers)
        t2 = time.perf_counter()
        result = engine.map_reduce(job, list(paths), step_size=500_000, columns=columns, scheduler=client)
        t3 = time.perf_counter()
        worker_rss = max(client.run(c.peak_rss_mib).values())
    return {
        "import_s": t1 - t0,
        "cluster_s": t2 - t1,
        "compute_s": t3 - t2,
        "n": result["n"],
        "worker_rss_mib": worker_rss,
    }


CASES = {"run": case_run}


def main(argv: list[str] | None = None) -> None:
    args = c.parse_args(__doc__ or "", argv)
    if c.case_main(CASES, args):
        return
    import importlib.util

    if importlib.util.find_spec("distributed") is None:
        c.emit({"benchmark": "dask", "title": "Dask", "tables": [], "checks": [], "notes": ["dask not installed"]})
        return
    import _inputs

    scale = 0.05 if args.quick else 1.0
    repeats = args.repeats or 3
    paths = [str(_inputs.ensure(c.WORK, name, scale=scale)) for name in ("sample1", "sample2", "sample3")]
    env = {"KCDC_HEP_CACHE": "0"}  # every run parses the text (a cache would make the local run a file copy)
    results = {}
    for n in (0, 1, 2):
        results[n] = c.measure(c.self_case(SCRIPT, "run", n, *paths), repeats=repeats, env=env)
        r = results[n]
        c.log(
            f"[dask] workers={n}: wall {r['median_s']:.2f} s, cluster {r['cluster_s']:.2f} s, "
            f"compute {r['compute_s']:.2f} s, RSS {r['peak_rss_mib']:.0f}/{r['worker_rss_mib']:.0f} MiB"
        )
    local = results[0]
    rows = []
    for n, r in results.items():
        rows.append(
            [
                "local (in-process, no dask)" if n == 0 else f"Dask LocalCluster, {n} worker process(es)",
                r["median_s"],
                r["cluster_s"],
                r["compute_s"],
                r["n"] / r["compute_s"] / 1e6,
                r["peak_rss_mib"],
                r["worker_rss_mib"] or None,
                local["compute_s"] / r["compute_s"],
                local["median_s"] / r["median_s"],
            ]
        )
    two = results[2]
    checks = [
        c.check(
            "2 workers: local compute / Dask compute (cluster start-up excluded)",
            ">= 1",
            local["compute_s"] / two["compute_s"],
            two["compute_s"] <= local["compute_s"],
        ),
        c.check(
            "2 workers: local / Dask whole process (start-up included)",
            ">= 1",
            local["median_s"] / two["median_s"],
            two["median_s"] <= local["median_s"],
        ),
    ]
    n_events = local["n"]
    c.emit(
        {
            "benchmark": "dask",
            "title": "Local vs Dask (whole process, medians)",
            "quick": args.quick,
            "tables": [
                {
                    "title": f"spectrum + size map over samples 1-3 ({n_events:,} events, text parsed, no cache), "
                    "step_size 500,000",
                    "columns": [
                        "run",
                        "median wall [s]",
                        "cluster start [s]",
                        "compute [s]",
                        "M events/s (compute)",
                        "driver RSS [MiB]",
                        "max worker RSS [MiB]",
                        "speed-up (compute)",
                        "speed-up (wall)",
                    ],
                    "rows": rows,
                }
            ],
            "checks": checks,
            "notes": [
                f"{repeats} whole-process runs each; KCDC_HEP_CACHE=0.",
                "Local runs polars with its own threads (2 cores); Dask workers run one thread each "
                "(POLARS_MAX_THREADS=1), so 2 workers use the same 2 cores.",
            ],
        }
    )


if __name__ == "__main__":
    sys.exit(main())
