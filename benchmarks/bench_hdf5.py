"""Reading HDF5: kcdc_hep.read of the full-size KCDC sample vs h5py directly and pandas.read_hdf.

Inputs, written once into ``benchmarks/_work/`` (git-ignored):

- ``events.h5``: the events of ``SmallDataSample_withDataArrays_HDF5.zip`` at full size (1,080,295 data events with
  per-station lists, calorimeter and Grande; :func:`kcdc_hep.simulation.simulate` + :func:`kcdc_hep.write`, the
  KCDC groups, gzip 1 + shuffle + checksum);
- ``events_pandas.h5``: its general quantities as a pandas ``format="table"`` file (what ``pandas.read_hdf`` reads).

Every case is a fresh ``python`` process that imports what it needs, reads, and sums every number it read (so
nothing stays lazy). kcdc_hep gives the joined event model (canonical names, time from Gt+Mt, components as
missing values); h5py gives raw datasets, no join: the floor. Ratios are case / first case of the table.

    python benchmarks/bench_hdf5.py [--quick]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import _common as c

SCRIPT = str(Path(__file__).resolve())
FULL_EVENTS = 1_080_295
GENERAL = ("E", "Ne", "Nmu", "Ze", "Az", "Xc", "Yc", "Age", "Gt", "Mt", "T", "P", "R", "Ev", "lnA")


# ---------------------------------------------------------------------------------------------------- inputs
def ensure_inputs(work: Path, scale: float) -> tuple[Path, Path]:
    """The two input files at ``scale`` of the full size (written if missing)."""
    tag = "" if scale == 1.0 else f"_x{scale:g}"
    events, frame = work / f"events{tag}.h5", work / f"events_pandas{tag}.h5"
    if not events.exists():
        import kcdc_hep
        from kcdc_hep.simulation import simulate

        c.log(f"[hdf5] writing {events}")
        n = max(1, round(FULL_EVENTS * scale))
        ev = simulate(n, seed=2940, kind="data", stations=True, calorimeter=True, grande=True)
        kcdc_hep.write(ev, events, overwrite=True)
    if not frame.exists():
        import h5py
        import pandas as pd

        c.log(f"[hdf5] writing {frame}")
        with h5py.File(events) as f:
            df = pd.DataFrame({name: f["KCDC"][name][:] for name in GENERAL})
        df.to_hdf(frame, key="KCDC", format="table", mode="w", complevel=1, complib="zlib")
    return events, frame


# ---------------------------------------------------------------------------------------------------- child cases
def _sum(arrays: Any) -> float:
    import numpy as np

    total = 0.0
    for a in arrays:
        a = np.asarray(a)
        if a.dtype.kind in "fiu":
            total += float(np.nansum(a))
    return total


def _event_sum(ev: Any) -> float:
    import awkward as ak

    return _sum(
        ak.to_numpy(ak.fill_none(ak.flatten(ev[f], axis=None), 0)) for f in ev.fields if f not in ("time", "primary")
    )


def case_kcdc(path: str, what: str = "all") -> dict[str, Any]:
    t0 = time.perf_counter()
    import kcdc_hep
    import kcdc_hep.readers

    t1 = time.perf_counter()
    columns = (
        ["lgE", "lgNe", "lgNmu", "zenith", "azimuth", "core_x", "core_y", "age", "time"] if what == "general" else None
    )
    ev = kcdc_hep.read(path, columns=columns)
    s = _event_sum(ev)
    t2 = time.perf_counter()
    return {"import_s": t1 - t0, "read_s": t2 - t1, "n": len(ev), "check": s}


def case_kcdc_iterate(path: str, step: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    import kcdc_hep

    t1 = time.perf_counter()
    n, s = 0, 0.0
    for chunk in kcdc_hep.iterate(path, step_size=int(step)):
        n += len(chunk)
        s += _event_sum(chunk)
    t2 = time.perf_counter()
    return {"import_s": t1 - t0, "read_s": t2 - t1, "n": n, "check": s}


def case_h5py(path: str, what: str = "all") -> dict[str, Any]:
    t0 = time.perf_counter()
    import h5py

    t1 = time.perf_counter()
    values = []
    with h5py.File(path) as f:
        groups = ["KCDC"] if what == "general" else list(f)
        for g in groups:
            names = [n for n in f[g] if what != "general" or n in GENERAL[:9]]
            values += [f[g][n][:] for n in names]
    n = len(values[0])
    s = _sum(values)
    t2 = time.perf_counter()
    return {"import_s": t1 - t0, "read_s": t2 - t1, "n": n, "check": s}


def case_pandas(path: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    import pandas as pd

    t1 = time.perf_counter()
    df = pd.read_hdf(path, "KCDC")
    s = _sum(df[col].to_numpy() for col in df.columns)
    t2 = time.perf_counter()
    return {"import_s": t1 - t0, "read_s": t2 - t1, "n": len(df), "check": s}


CASES = {"kcdc": case_kcdc, "kcdc_iterate": case_kcdc_iterate, "h5py": case_h5py, "pandas": case_pandas}


# ---------------------------------------------------------------------------------------------------- driver
def main(argv: list[str] | None = None) -> None:
    args = c.parse_args(__doc__ or "", argv)
    if c.case_main(CASES, args):
        return
    scale = 0.05 if args.quick else 1.0
    few = args.repeats or 3
    c.WORK.mkdir(parents=True, exist_ok=True)
    events, frame = (str(p) for p in ensure_inputs(c.WORK, scale))
    step = str(max(1000, round(100_000 * scale)))
    groups = [
        (
            "events.h5, everything (event model with lists and components)",
            events,
            [
                ("kcdc_hep.read", c.self_case(SCRIPT, "kcdc", events, "all")),
                (f"kcdc_hep.iterate(step_size={step})", c.self_case(SCRIPT, "kcdc_iterate", events, step)),
                ("h5py, every dataset [:] (no join)", c.self_case(SCRIPT, "h5py", events, "all")),
            ],
        ),
        (
            "events.h5, 9 general quantities",
            events,
            [
                ("kcdc_hep.read(columns=...)", c.self_case(SCRIPT, "kcdc", events, "general")),
                ("h5py, 9 datasets [:]", c.self_case(SCRIPT, "h5py", events, "general")),
            ],
        ),
        (
            "general quantities as a pandas table (format='table', zlib 1)",
            frame,
            [
                ("kcdc_hep.read", c.self_case(SCRIPT, "kcdc", frame, "all")),
                ('pandas.read_hdf(key="KCDC")', c.self_case(SCRIPT, "pandas", frame)),
            ],
        ),
    ]
    tables, raw = [], {}
    for title, path, cases in groups:
        c.log(f"[hdf5] {title}: {path}")
        results = []
        for label, argv_ in cases:
            r = c.measure(argv_, repeats=few)
            c.log(f"  {label:42s} {r['median_s']:.3f} s (read {r.get('read_s', 0):.3f} s, {r['peak_rss_mib']:.0f} MiB)")
            results.append((label, r))
        ref = results[0][1]["median_s"]
        size = Path(path).stat().st_size / 1e6
        tables.append(
            {
                "title": f"{title} — {size:.0f} MB, {results[0][1].get('n', 0):,} events",
                "columns": [
                    "case",
                    "median wall [s]",
                    "read+sum [s]",
                    "imports [s]",
                    "peak RSS [MiB]",
                    "÷ first",
                    "runs",
                ],
                "rows": [
                    [
                        label,
                        r["median_s"],
                        r.get("read_s"),
                        r.get("import_s"),
                        r["peak_rss_mib"],
                        r["median_s"] / ref,
                        r["repeats"],
                    ]
                    for label, r in results
                ],
            }
        )
        raw[title] = dict(results)
    everything = raw[groups[0][0]]
    general = raw[groups[1][0]]
    pandas_file = raw[groups[2][0]]
    read_all, iterate_all = everything["kcdc_hep.read"], everything[groups[0][2][1][0]]
    h5py_all = everything["h5py, every dataset [:] (no join)"]
    checks = [
        c.check(
            "everything: kcdc_hep.read / h5py (read+sum, the event model's cost)",
            "<= 3",
            read_all["read_s"] / h5py_all["read_s"],
            read_all["read_s"] <= 3 * h5py_all["read_s"],
        ),
        c.check(
            "everything: peak RSS of iterate / of read",
            "<= 0.5",
            iterate_all["peak_rss_mib"] / read_all["peak_rss_mib"],
            iterate_all["peak_rss_mib"] <= 0.5 * read_all["peak_rss_mib"],
        ),
        c.check(
            "9 general quantities: kcdc_hep.read / h5py (read+sum)",
            "<= 2",
            general["kcdc_hep.read(columns=...)"]["read_s"] / general["h5py, 9 datasets [:]"]["read_s"],
            general["kcdc_hep.read(columns=...)"]["read_s"] <= 2 * general["h5py, 9 datasets [:]"]["read_s"],
        ),
        c.check(
            "pandas table: kcdc_hep.read / pandas.read_hdf (whole process)",
            "<= 1",
            pandas_file["kcdc_hep.read"]["median_s"] / pandas_file['pandas.read_hdf(key="KCDC")']["median_s"],
            pandas_file["kcdc_hep.read"]["median_s"] <= pandas_file['pandas.read_hdf(key="KCDC")']["median_s"],
        ),
    ]
    c.emit(
        {
            "benchmark": "hdf5",
            "title": "Reading HDF5 (whole process, medians)",
            "quick": args.quick,
            "tables": tables,
            "checks": checks,
            "notes": [
                "Whole process = python start-up + imports + read + sum of every number read.",
                "h5py reads raw datasets (no names, no join, no missing values): the floor for the same bytes.",
                "pandas.read_hdf reads only pandas/PyTables files, so it gets the general quantities as a table.",
            ],
            "raw": raw,
        }
    )


if __name__ == "__main__":
    sys.exit(main())
