"""Histogram filling of 4.1 M values, 1-D and 2-D: kcdc_hep.histograms (boost-histogram) vs numpy vs ROOT.

In-process timings (one process, the data already in memory, one discarded warm-up fill, then the median of
repeated fills): filling is a pure in-memory operation, so process start-up would only hide it. ROOT runs
single-threaded (no ``EnableImplicitMT``); RDataFrame is timed from building the frame over the numpy arrays to
the filled histogram, its JIT compilation paid in the warm-up.

    python benchmarks/bench_fill.py [--quick]
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import _common as c


def _time(fn: Callable[[], Any], repeats: int) -> tuple[float, Any]:
    result = fn()  # warm-up (JIT, first-touch allocations)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main(argv: list[str] | None = None) -> None:
    args = c.parse_args(__doc__ or "", argv)
    import awkward as ak
    import boost_histogram as bh
    import numpy as np

    from kcdc_hep import histograms

    n = 410_300 if args.quick else 4_102_999
    repeats = args.repeats or (3 if args.quick else 7)
    rng = np.random.default_rng(42)
    lgE = rng.normal(14.6, 0.5, n)
    lgNe = rng.normal(4.5, 0.7, n)
    lgNmu = rng.normal(3.9, 0.5, n)
    events = ak.zip({"lgE": lgE, "lgNe": lgNe, "lgNmu": lgNmu})
    edges1 = np.linspace(14.0, 18.0, 41)
    ex, ey = np.linspace(2.0, 8.0, 61), np.linspace(2.0, 6.5, 46)

    one: dict[str, Callable[[], Any]] = {
        "kcdc_hep.histograms.spectrum (hist, Int64)": lambda: histograms.spectrum(events).values(),
        "boost_histogram Regular, Int64": lambda: (
            bh.Histogram(bh.axis.Regular(40, 14.0, 18.0), storage=bh.storage.Int64()).fill(lgE).values()
        ),
        "numpy.histogram(bins=40, range=...)": lambda: np.histogram(lgE, bins=40, range=(14.0, 18.0))[0],
        "numpy.histogram(bins=edge array)": lambda: np.histogram(lgE, bins=edges1)[0],
    }
    two: dict[str, Callable[[], Any]] = {
        "kcdc_hep.histograms.size_map (hist, Int64)": lambda: histograms.size_map(events).values(),
        "boost_histogram 2 x Regular, Int64": lambda: (
            bh.Histogram(bh.axis.Regular(60, 2.0, 8.0), bh.axis.Regular(45, 2.0, 6.5), storage=bh.storage.Int64())
            .fill(lgNe, lgNmu)
            .values()
        ),
        "numpy.histogram2d(bins=(60, 45), range=...)": lambda: np.histogram2d(
            lgNe, lgNmu, bins=(60, 45), range=((2.0, 8.0), (2.0, 6.5))
        )[0],
        "numpy.histogram2d(bins=edge arrays)": lambda: np.histogram2d(lgNe, lgNmu, bins=(ex, ey))[0],
    }
    notes = [f"{n:,} values, in-process median of {repeats} fills after one warm-up."]
    try:
        import warnings

        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=r"\s*This distribution of ROOT is in alpha stage")
            import ROOT

        ROOT.gROOT.SetBatch(True)
        ROOT.TH1.AddDirectory(False)
        notes.append(f"import ROOT took {time.perf_counter() - t0:.2f} s (not included).")

        def th1() -> Any:
            h = ROOT.TH1D("h1", "", 40, 14.0, 18.0)
            h.FillN(n, lgE, ROOT.nullptr)
            return np.array([h.GetBinContent(i) for i in range(1, 41)])

        def th2() -> Any:
            h = ROOT.TH2D("h2", "", 60, 2.0, 8.0, 45, 2.0, 6.5)
            h.FillN(n, lgNe, lgNmu, ROOT.nullptr)
            return np.array([[h.GetBinContent(i, j) for j in range(1, 46)] for i in range(1, 61)])

        def rdf1() -> Any:
            df = ROOT.RDF.FromNumpy({"lgE": lgE})
            h = df.Histo1D(("r1", "", 40, 14.0, 18.0), "lgE").GetValue()
            return np.array([h.GetBinContent(i) for i in range(1, 41)])

        def rdf2() -> Any:
            df = ROOT.RDF.FromNumpy({"lgNe": lgNe, "lgNmu": lgNmu})
            h = df.Histo2D(("r2", "", 60, 2.0, 8.0, 45, 2.0, 6.5), "lgNe", "lgNmu").GetValue()
            return np.array([[h.GetBinContent(i, j) for j in range(1, 46)] for i in range(1, 61)])

        one["ROOT TH1D::FillN (PyROOT, numpy buffer)"] = th1
        one["ROOT RDataFrame Histo1D (FromNumpy)"] = rdf1
        two["ROOT TH2D::FillN (PyROOT, numpy buffers)"] = th2
        two["ROOT RDataFrame Histo2D (FromNumpy)"] = rdf2
    except ImportError:
        notes.append("ROOT not installed: ROOT rows missing.")

    tables = []
    checks = []
    for title, cases in (("1-D, 40 regular bins (lgE)", one), ("2-D, 60 x 45 regular bins (lgNe x lgNmu)", two)):
        rows = []
        reference = None
        for label, fn in cases.items():
            t, values = _time(fn, repeats)
            values = np.asarray(values, dtype=float)
            if reference is None:
                reference = values
            same = bool(np.array_equal(values, reference))
            rows.append([label, t * 1e3, n / t / 1e6, same])
            c.log(f"[fill] {label:48s} {t * 1e3:8.2f} ms  {n / t / 1e6:7.1f} M/s  same counts: {same}")
        base = rows[0][1]
        for row in rows:
            row.append(row[1] / base)
        tables.append(
            {
                "title": title,
                "columns": ["case", "median [ms]", "M values/s", "same bin counts", "÷ kcdc_hep"],
                "rows": rows,
            }
        )
        fastest_peer = min(r[1] for r in rows[1:] if "boost_histogram" not in r[0])
        checks.append(
            c.check(f"{title}: fastest of numpy/ROOT / kcdc_hep", "> 1", fastest_peer / base, fastest_peer > base)
        )
        numpy_regular = rows[2][1]
        checks.append(
            c.check(f"{title}: numpy (regular) / kcdc_hep", ">= 1", numpy_regular / base, numpy_regular >= base)
        )
    c.emit(
        {
            "benchmark": "fill",
            "title": "Histogram filling (in-process, medians)",
            "quick": args.quick,
            "tables": tables,
            "checks": checks,
            "notes": notes,
        }
    )


if __name__ == "__main__":
    sys.exit(main())
