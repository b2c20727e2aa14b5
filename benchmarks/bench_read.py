"""Reading the masterclass samples: kcdc_hep (cold parse / warm cache) vs what a student would write.

Every case is a fresh ``python`` process that imports what it needs, reads the whole file and sums every numeric
column (so lazily mapped data is really touched); the wall time of the whole process (start-up and imports
included) is the number that counts for a notebook cell or a script. ``inner`` is the read + sum alone, ``import``
the time of the imports the case needs. Ratios are peer / kcdc_hep (> 1: kcdc_hep faster).

    python benchmarks/bench_read.py [--quick]
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import _common as c

SCRIPT = str(Path(__file__).resolve())


# ---------------------------------------------------------------------------------------------------- child cases
def _numeric_sum(arrays: Any) -> float:
    import numpy as np

    total = 0.0
    for a in arrays:
        a = np.asarray(a)
        if a.dtype.kind in "fiu":
            total += float(np.nansum(a))
    return total


def case_kcdc(path: str) -> dict[str, Any]:
    t0 = time.perf_counter()
    import kcdc_hep
    import kcdc_hep.readers

    t1 = time.perf_counter()
    ev = kcdc_hep.read(path)
    s = _numeric_sum(_filled(ev[f]) for f in ev.fields if f != "primary" and f != "time")
    t2 = time.perf_counter()
    return {"import_s": t1 - t0, "read_s": t2 - t1, "n": len(ev), "check": s}


def _filled(values: Any) -> Any:
    """An awkward field as numpy (missing values, e.g. of a KCDC component an event lacks, as NaN)."""
    import awkward as ak

    if values.layout.is_option:
        values = ak.fill_none(values, float("nan"))
    return ak.to_numpy(values)


def case_polars_folder(folder: str) -> dict[str, Any]:
    """What a polars user writes for a KCDC component export: every component file, read one by one."""
    t0 = time.perf_counter()
    import polars as pl

    t1 = time.perf_counter()
    frames = [pl.read_csv(p, separator=" ") for p in sorted(Path(folder).glob("*.txt")) if p.name != "Info.txt"]
    s = _numeric_sum(df[col].to_numpy() for df in frames for col in df.columns if df[col].dtype.is_numeric())
    t2 = time.perf_counter()
    return {"import_s": t1 - t0, "read_s": t2 - t1, "n": frames[0].height, "check": s}


def case_polars(path: str, sep: str = " ") -> dict[str, Any]:
    t0 = time.perf_counter()
    import polars as pl

    t1 = time.perf_counter()
    df = pl.read_parquet(path) if path.endswith(".parquet") else pl.read_csv(path, separator=sep)
    s = _numeric_sum(df[col].to_numpy() for col in df.columns if df[col].dtype.is_numeric())
    t2 = time.perf_counter()
    return {"import_s": t1 - t0, "read_s": t2 - t1, "n": df.height, "check": s}


def case_pandas(path: str, sep: str = r"\s+") -> dict[str, Any]:
    t0 = time.perf_counter()
    import pandas as pd

    t1 = time.perf_counter()
    df = pd.read_parquet(path) if path.endswith(".parquet") else pd.read_csv(path, sep=sep)
    s = _numeric_sum(df[col].to_numpy() for col in df.select_dtypes("number").columns)
    t2 = time.perf_counter()
    return {"import_s": t1 - t0, "read_s": t2 - t1, "n": len(df), "check": s}


def case_pyarrow(path: str, sep: str = " ") -> dict[str, Any]:
    t0 = time.perf_counter()
    import pyarrow as pa

    if path.endswith(".parquet"):
        import pyarrow.parquet as pq
    else:
        import pyarrow.csv as pcsv
    t1 = time.perf_counter()
    if path.endswith(".parquet"):
        table = pq.read_table(path)
    else:
        table = pcsv.read_csv(path, parse_options=pcsv.ParseOptions(delimiter=sep))
    cols = [
        table.column(i)
        for i, f in enumerate(table.schema)
        if pa.types.is_integer(f.type) or pa.types.is_floating(f.type)
    ]
    s = _numeric_sum(col.to_numpy() for col in cols)
    t2 = time.perf_counter()
    return {"import_s": t1 - t0, "read_s": t2 - t1, "n": table.num_rows, "check": s}


def case_uproot(path: str, library: str = "np") -> dict[str, Any]:
    t0 = time.perf_counter()
    import uproot

    t1 = time.perf_counter()
    with uproot.open(path) as f:
        arrays = f["KCDC"].arrays(library=library)
    if library == "np":
        s = _numeric_sum(arrays.values())
        n = len(next(iter(arrays.values())))
    else:
        s = _numeric_sum(arrays[k] for k in arrays.fields)
        n = len(arrays)
    t2 = time.perf_counter()
    return {"import_s": t1 - t0, "read_s": t2 - t1, "n": n, "check": s}


def case_cache_ratio(path: str, cache_dir: str) -> dict[str, Any]:
    """In one process: first read (parse + store in the cache), second read (memory-mapped cache), both summed."""
    import os
    import shutil

    shutil.rmtree(cache_dir, ignore_errors=True)
    os.environ["KCDC_HEP_CACHE_DIR"] = cache_dir
    os.environ["KCDC_HEP_CACHE"] = "1"
    import kcdc_hep
    import kcdc_hep.readers

    ev = kcdc_hep.read(path, cache=False, entry_stop=10)  # warm the imports, not the parse
    t0 = time.perf_counter()
    ev = kcdc_hep.read(path)
    s1 = _numeric_sum(ev[f] for f in ev.fields)
    t1 = time.perf_counter()
    ev = kcdc_hep.read(path)
    s2 = _numeric_sum(ev[f] for f in ev.fields)
    t2 = time.perf_counter()
    ev = kcdc_hep.read(path, cache=False)
    _numeric_sum(ev[f] for f in ev.fields)
    t3 = time.perf_counter()
    return {
        "first_s": t1 - t0,
        "second_s": t2 - t1,
        "parse_only_s": t3 - t2,
        "ratio": (t1 - t0) / (t2 - t1),
        "same": s1 == s2,
    }


def case_imports() -> dict[str, Any]:
    """Import costs of the reader's stack, one after the other in one process."""
    out: dict[str, Any] = {}
    for name in ("numpy", "pyarrow", "awkward", "polars", "kcdc_hep.readers", "pandas", "uproot"):
        t0 = time.perf_counter()
        __import__(name)
        out[f"import_{name}_s"] = time.perf_counter() - t0
    return out


CASES: dict[str, Callable[..., dict[str, Any]]] = {
    "kcdc": case_kcdc,
    "polars": case_polars,
    "polars_folder": case_polars_folder,
    "pandas": case_pandas,
    "pyarrow": case_pyarrow,
    "uproot": case_uproot,
    "cache_ratio": case_cache_ratio,
    "imports": case_imports,
}


# ---------------------------------------------------------------------------------------------------- driver
def main(argv: list[str] | None = None) -> None:
    args = c.parse_args(__doc__ or "", argv)
    if c.case_main(CASES, args):
        return
    import _inputs

    scale = 0.05 if args.quick else 1.0
    repeats = args.repeats or (3 if args.quick else 5)
    few = args.repeats or 3
    work = c.WORK
    cache_dir = str(work / "cache")
    s1 = str(_inputs.ensure(work, "sample1", scale=scale))
    s2 = str(_inputs.ensure(work, "sample2", scale=scale))
    s3 = str(_inputs.ensure(work, "sample3", scale=scale))
    ascii_folder = str(_inputs.ensure(work, "kcdc_ascii", scale=scale))
    general = str(Path(ascii_folder) / "general.txt")
    pq_path = str(_inputs.ensure(work, "sample1.parquet", scale=scale))
    root_path = str(_inputs.ensure(work, "sample1.root", scale=scale))
    cold = {"KCDC_HEP_CACHE": "0"}
    warm = {"KCDC_HEP_CACHE": "1", "KCDC_HEP_CACHE_DIR": cache_dir}

    groups: list[tuple[str, str, list[tuple[str, list[str], dict[str, str], int]]]] = [
        (
            "sample 1 (TXT, single spaces)",
            s1,
            [
                ("kcdc_hep.read, cold (KCDC_HEP_CACHE=0)", c.self_case(SCRIPT, "kcdc", s1), cold, repeats),
                ("kcdc_hep.read, warm (parse cache)", c.self_case(SCRIPT, "kcdc", s1), warm, repeats),
                ('polars.read_csv(separator=" ")', c.self_case(SCRIPT, "polars", s1, " "), {}, repeats),
                ('pandas.read_csv(sep=r"\\s+")', c.self_case(SCRIPT, "pandas", s1, r"\s+"), {}, repeats),
                ('pandas.read_csv(sep=" ")', c.self_case(SCRIPT, "pandas", s1, " "), {}, repeats),
                ('pyarrow.csv.read_csv(delimiter=" ")', c.self_case(SCRIPT, "pyarrow", s1, " "), {}, repeats),
            ],
        ),
        (
            "sample 2 (CSV, simulations)",
            s2,
            [
                ("kcdc_hep.read, cold", c.self_case(SCRIPT, "kcdc", s2), cold, repeats),
                ("kcdc_hep.read, warm", c.self_case(SCRIPT, "kcdc", s2), warm, repeats),
                ("polars.read_csv", c.self_case(SCRIPT, "polars", s2, ","), {}, repeats),
                ("pandas.read_csv", c.self_case(SCRIPT, "pandas", s2, ","), {}, few),
                ("pyarrow.csv.read_csv", c.self_case(SCRIPT, "pyarrow", s2, ","), {}, few),
            ],
        ),
        (
            "sample 3 (CSV, data with datetime)",
            s3,
            [
                ("kcdc_hep.read, cold (datetime parsed)", c.self_case(SCRIPT, "kcdc", s3), cold, repeats),
                ("kcdc_hep.read, warm", c.self_case(SCRIPT, "kcdc", s3), warm, repeats),
                ("polars.read_csv (datetime as text)", c.self_case(SCRIPT, "polars", s3, ","), {}, repeats),
                ("pandas.read_csv (datetime as text)", c.self_case(SCRIPT, "pandas", s3, ","), {}, few),
                ("pyarrow.csv.read_csv (datetime parsed)", c.self_case(SCRIPT, "pyarrow", s3, ","), {}, few),
            ],
        ),
        (
            "KCDC ASCII table (general.txt: E Ze Az Gt Mt R Ev)",
            general,
            [
                ("kcdc_hep.read, cold", c.self_case(SCRIPT, "kcdc", general), cold, repeats),
                ("kcdc_hep.read, warm", c.self_case(SCRIPT, "kcdc", general), warm, repeats),
                ('polars.read_csv(separator=" ")', c.self_case(SCRIPT, "polars", general, " "), {}, repeats),
            ],
        ),
        (
            "KCDC ASCII component export (folder: general, array, calorimeter, row_mapping)",
            ascii_folder,
            [
                ("kcdc_hep.read, cold (joined events)", c.self_case(SCRIPT, "kcdc", ascii_folder), cold, repeats),
                (
                    "kcdc_hep.read, warm (no parse cache for folders)",
                    c.self_case(SCRIPT, "kcdc", ascii_folder),
                    warm,
                    few,
                ),
                (
                    'polars.read_csv(separator=" ") of each file',
                    c.self_case(SCRIPT, "polars_folder", ascii_folder),
                    {},
                    repeats,
                ),
            ],
        ),
        (
            "sample 1 as Parquet (ZSTD)",
            pq_path,
            [
                ("kcdc_hep.read", c.self_case(SCRIPT, "kcdc", pq_path), {}, few),
                ("polars.read_parquet", c.self_case(SCRIPT, "polars", pq_path), {}, few),
                ("pandas.read_parquet", c.self_case(SCRIPT, "pandas", pq_path), {}, few),
                ("pyarrow.parquet.read_table", c.self_case(SCRIPT, "pyarrow", pq_path), {}, few),
            ],
        ),
        (
            "sample 1 as ROOT flat TTree (ZSTD 5)",
            root_path,
            [
                ("kcdc_hep.read", c.self_case(SCRIPT, "kcdc", root_path), {}, few),
                ('uproot arrays(library="np")', c.self_case(SCRIPT, "uproot", root_path, "np"), {}, few),
                ('uproot arrays(library="ak")', c.self_case(SCRIPT, "uproot", root_path, "ak"), {}, few),
            ],
        ),
    ]
    tables = []
    checks = []
    raw: dict[str, Any] = {}
    for title, path, cases in groups:
        c.log(f"[read] {title}: {path}")
        # kcdc_hep and its peers in turns, so that the machine's load hits them alike (a group's cases run equally
        # often; the cases asked for fewer runs are then measured once more on their own)
        main_cases = [(argv, env) for _, argv, env, n in cases if n == max(k[3] for k in cases)]
        measured = iter(c.measure_interleaved(main_cases, repeats=max(k[3] for k in cases)))
        results = []
        for label, argv, env, n in cases:
            r = next(measured) if n == max(k[3] for k in cases) else c.measure(argv, repeats=n, env=env)
            c.log(
                f"  {label:45s} {r['median_s']:.3f} s  (read {r.get('read_s', 0):.3f} s, {r['peak_rss_mib']:.0f} MiB)"
            )
            results.append((label, r))
        ref = results[0][1]["median_s"]
        rows = [
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
        ]
        tables.append(
            {
                "title": f"{title} — {Path(path).stat().st_size / 1e6:.0f} MB, {results[0][1].get('n', 0):,} rows",
                "columns": [
                    "case",
                    "median wall [s]",
                    "read+sum [s]",
                    "imports [s]",
                    "peak RSS [MiB]",
                    "÷ first",
                    "runs",
                ],
                "rows": rows,
            }
        )
        raw[title] = {label: r for label, r in results}

    # the targets: every masterclass sample and KCDC ASCII input, cold at least as fast as polars, warm 3x
    for title, _path, cases in groups[:5]:
        found = raw[title]
        (cold_label, _, _, _), (warm_label, _, _, _) = cases[:2]
        peer_label = next(label for label, *_ in cases if label.startswith("polars"))
        peer = found[peer_label]["median_s"]
        short = title.split(" (")[0]
        cold_ratio = peer / found[cold_label]["median_s"]
        warm_ratio = peer / found[warm_label]["median_s"]
        checks.append(c.check(f"{short}: polars / kcdc_hep cold (whole process)", ">= 1", cold_ratio, cold_ratio >= 1))
        checks.append(
            c.check(f"{short}: polars cold / kcdc_hep warm (whole process)", ">= 3", warm_ratio, warm_ratio >= 3)
        )

    one = raw["sample 1 (TXT, single spaces)"]
    cold_s = one["kcdc_hep.read, cold (KCDC_HEP_CACHE=0)"]["median_s"]
    pandas_ws = one['pandas.read_csv(sep=r"\\s+")']["median_s"]
    checks.append(
        c.check(
            "sample 1: pandas \\s+ / kcdc_hep cold (whole process)",
            ">= 1.3",
            pandas_ws / cold_s,
            pandas_ws >= 1.3 * cold_s,
        )
    )
    cold_read = one["kcdc_hep.read, cold (KCDC_HEP_CACHE=0)"]["read_s"]
    polars_read = one['polars.read_csv(separator=" ")']["read_s"]
    checks.append(
        c.check(
            "sample 1: polars / kcdc_hep cold (read+sum only, imports excluded)",
            ">= 1",
            polars_read / cold_read,
            polars_read >= cold_read,
        )
    )

    c.log("[read] in-process cache ratio and import costs")
    ratio = c.measure(c.self_case(SCRIPT, "cache_ratio", s1, str(work / "cache_ratio")), repeats=few, warmup=0)
    checks.append(
        c.check("sample 1: first parse / cached read (in process)", ">= 10", ratio["ratio"], ratio["ratio"] >= 10)
    )
    imports = c.measure(c.self_case(SCRIPT, "imports"), repeats=few, warmup=1)
    tables.append(
        {
            "title": "in-process: first read (parse + store cache) vs second read (memory-mapped cache), sample 1",
            "columns": ["first [s]", "second [s]", "parse without cache [s]", "first / second"],
            "rows": [[ratio["first_s"], ratio["second_s"], ratio["parse_only_s"], ratio["ratio"]]],
        }
    )
    names = [k for k in imports if k.startswith("import_")]
    tables.append(
        {
            "title": "import costs, in this order in one process (each excludes what was imported before)",
            "columns": [k[len("import_") : -2] for k in names],
            "rows": [[imports[k] for k in names]],
        }
    )
    c.emit(
        {
            "benchmark": "read",
            "title": "Reading the samples (whole process, medians)",
            "quick": args.quick,
            "tables": tables,
            "checks": checks,
            "notes": [
                "Whole process = python start-up + imports + read + sum of every numeric column.",
                "kcdc_hep and its peers run in turns (interleaved), so each ratio compares runs of the same moments.",
                "warm = parse cache filled by a discarded warm-up run; the cache is memory-mapped Arrow IPC.",
                "kcdc_hep parses sample 3's datetime into datetime64[ns]; polars/pandas leave it as text by default.",
            ],
            "raw": raw,
        }
    )


if __name__ == "__main__":
    main()
