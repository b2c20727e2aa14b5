"""Benchmark inputs in the exact masterclass formats, written once into ``benchmarks/_work/`` (git-ignored).

Sample 1 (``E Ne Nmu Ze``, single spaces, 4,102,999 rows, ~131 MB), sample 2 and 3 CSV with the headers of DESIGN
§2.1, sample 1 as Parquet and as a flat ROOT tree (written by :func:`kcdc_hep.write`, ZSTD(5)), and a KCDC ASCII
export of the small data sample (DESIGN §2.2: a folder ``kcdc_ascii/`` of per-component files ``general.txt``,
``array.txt``, ``calorimeter.txt`` joined by ``row_mapping.txt``, with ``Info.txt``; 1,080,295 events, 986,577 with
an array row, 250,981 with a calorimeter row, as KCDC's C++ example prints for the small sample). The values
follow the KASCADE shapes roughly (steep spectrum, sizes growing with energy); for speed and memory only the
formats, sizes and number formatting matter, and these are exact.

``kcdc_hep.simulation.samples.generate`` (the physics generator) is used instead when it exists and writes these files
(``KCDC_BENCH_GENERATOR=samples``); by default the benchmarks write their own inputs with numpy and pyarrow, so
that the timings do not change when the generator does.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

ROWS = {"sample1": 4_102_999, "sample2": 1_720_319, "sample3": 1_500_317, "kcdc_ascii": 1_080_295}
HEADERS = {
    "sample1": "E Ne Nmu Ze",
    "sample2": "Particle,lgE,X,Y,CoreDist,Ze,Az,lgNe,lgNmu",
    "sample3": (
        "datetime,particle_id,energy,zenith,azimuth,core_x,core_y,electron_number,muon_number,shower_age,"
        "temperature,pressure"
    ),
}
SUFFIX = {"sample1": ".txt", "sample2": ".csv", "sample3": ".csv"}


def path_of(work: Path, name: str, scale: float) -> Path:
    """Where input ``name`` at ``scale`` lives."""
    tag = "" if scale == 1.0 else f"_x{scale:g}"
    stem, _, suffix = name.partition(".")
    return work / f"{stem}{tag}{SUFFIX[name] if name in SUFFIX else '.' + suffix}"


def _showers(n: int, seed: int) -> dict:
    import numpy as np

    rng = np.random.default_rng(seed)
    # steep spectrum above threshold, ending at 10^18.5 eV (an unbounded tail gave lg Ne above 12, which the
    # readers rightly refuse as outside the physical range)
    lgE = np.minimum(14.0 + rng.exponential(0.38, n), 18.5)
    ze = np.degrees(np.arcsin(np.sqrt(rng.uniform(0.0, np.sin(np.radians(40.0)) ** 2, n))))
    lnA = rng.choice([0.0, 1.39, 2.48, 3.33, 4.03], n, p=[0.45, 0.25, 0.12, 0.12, 0.06])
    lgNe = 4.91 + 1.2 * (lgE - 15.0) - 0.09 * lnA + rng.normal(0, 0.18, n) - 0.3 * (1 / np.cos(np.radians(ze)) - 1)
    lgNmu = 4.01 + 0.92 * (lgE - 15.0) + 0.04 * lnA + rng.normal(0, 0.09, n) - 0.05 * (1 / np.cos(np.radians(ze)) - 1)
    return {"lgE": lgE, "ze": ze, "lnA": lnA, "lgNe": lgNe, "lgNmu": lgNmu, "rng": rng}


def _write_table(path: Path, header: str, columns: dict, delimiter: str) -> None:
    import pyarrow as pa
    import pyarrow.csv as pcsv

    table = pa.table(columns)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "wb") as fh:
        fh.write(header.encode() + b"\n")
        pcsv.write_csv(
            table,
            fh,
            pcsv.WriteOptions(include_header=False, delimiter=delimiter, quoting_style="none", batch_size=1 << 16),
        )
    os.replace(tmp, path)


def write_sample1(path: Path, n: int, seed: int = 1) -> Path:
    """Sample 1: ``E Ne Nmu Ze`` separated by single spaces (4/5/5/4 decimals as in the masterclass file)."""
    import numpy as np

    s = _showers(n, seed)
    cols = {
        "E": np.round(s["lgE"], 4),
        "Ne": np.round(s["lgNe"], 5),
        "Nmu": np.round(s["lgNmu"], 5),
        "Ze": np.round(s["ze"], 4),
    }
    _write_table(path, HEADERS["sample1"], cols, " ")
    return path


def write_sample2(path: Path, n: int, seed: int = 2) -> Path:
    """Sample 2 (simulations): ``Particle,lgE,X,Y,CoreDist,Ze,Az,lgNe,lgNmu``."""
    import numpy as np

    s = _showers(n, seed)
    rng = s["rng"]
    codes = np.array(["p", "he", "co", "si", "fe"])
    particle = codes[np.searchsorted([0.0, 1.39, 2.48, 3.33, 4.03], s["lnA"])]
    r = 91.0 * np.sqrt(rng.uniform(0, 1, n))
    phi = rng.uniform(0, 2 * np.pi, n)
    x, y = r * np.cos(phi), r * np.sin(phi)
    cols = {
        "Particle": particle,
        "lgE": np.round(s["lgE"], 4),
        "X": np.round(x, 4),
        "Y": np.round(y, 4),
        "CoreDist": np.round(r, 4),
        "Ze": np.round(s["ze"], 4),
        "Az": np.round(rng.uniform(0, 360, n), 4),
        "lgNe": np.round(s["lgNe"], 5),
        "lgNmu": np.round(s["lgNmu"], 5),
    }
    _write_table(path, HEADERS["sample2"], cols, ",")
    return path


def write_sample3(path: Path, n: int, seed: int = 3) -> Path:
    """Sample 3 (data): ``datetime,particle_id,energy,...,pressure`` with ``YYYY-MM-DD hh:mm:ss`` times."""
    import numpy as np

    s = _showers(n, seed)
    rng = s["rng"]
    t0 = np.datetime64("1998-05-08T00:00:00", "s").astype(np.int64)
    t1 = np.datetime64("2013-01-15T00:00:00", "s").astype(np.int64)
    t = np.sort(rng.integers(t0, t1, n)).astype("datetime64[s]")
    r = 91.0 * np.sqrt(rng.uniform(0, 1, n))
    phi = rng.uniform(0, 2 * np.pi, n)
    cols = {
        "datetime": t,
        "particle_id": np.zeros(n, dtype=np.int64),
        "energy": np.round(s["lgE"], 4),
        "zenith": np.round(s["ze"], 4),
        "azimuth": np.round(rng.uniform(0, 360, n), 3),
        "core_x": np.round(r * np.cos(phi), 4),
        "core_y": np.round(r * np.sin(phi), 4),
        "electron_number": np.round(s["lgNe"], 5),
        "muon_number": np.round(s["lgNmu"], 5),
        "shower_age": np.round(np.clip(rng.normal(1.05, 0.25, n), 0.1, 1.48), 5),
        "temperature": np.round(10 + 8 * np.sin(rng.uniform(0, 2 * np.pi, n)), 4),
        "pressure": np.round(rng.normal(1003.0, 8.0, n), 1),
    }
    _write_table(path, HEADERS["sample3"], cols, ",")
    return path


def write_kcdc_ascii(folder: Path, n: int, seed: int = 4) -> Path:
    """A KCDC per-component ASCII export (DESIGN §2.2) of ``n`` events in ``folder``.

    Whitespace-separated tables with one header line of KCDC quantity names: ``general.txt`` (every event: ``E Ze Az
    Gt Mt R Ev``), ``array.txt`` (``Ne Nmu Age Xc Yc``, events with an array reconstruction), ``calorimeter.txt``
    (``Ehad Nhad``) and ``row_mapping.txt`` (``general array calorimeter``: the component's row of each event, -1
    when it has none), plus ``Info.txt``. Values carry 6 significant digits as KCDC prints them.
    """
    import numpy as np

    s = _showers(n, seed)
    rng = s["rng"]
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    has_array = rng.uniform(0, 1, n) < 986_577 / 1_080_295
    has_calor = rng.uniform(0, 1, n) < 250_981 / 1_080_295
    t0 = np.datetime64("1998-05-08T00:00:00", "s").astype(np.int64)
    gt = np.sort(rng.integers(t0, t0 + 400 * 86400, n))
    run = 877 + (gt - gt[0]) // 21600
    event = np.arange(n, dtype=np.int64) - np.searchsorted(run, run)  # counts from 0 in every run
    general = {
        "E": _sig6(s["lgE"]),
        "Ze": _sig6(s["ze"]),
        "Az": _sig6(rng.uniform(0, 360, n)),
        "Gt": gt,
        "Mt": rng.integers(0, 1_000_000_000, n),
        "R": run.astype(np.int32),
        "Ev": event,
    }
    r = 91.0 * np.sqrt(rng.uniform(0, 1, n))
    phi = rng.uniform(0, 2 * np.pi, n)
    array = {
        "Ne": _sig6(s["lgNe"]),
        "Nmu": _sig6(s["lgNmu"]),
        "Age": _sig6(np.clip(rng.normal(1.05, 0.25, n), 0.1, 1.48)),
        "Xc": _sig6(r * np.cos(phi)),
        "Yc": _sig6(r * np.sin(phi)),
    }
    calor = {"Ehad": _sig6(10 ** rng.normal(3.0, 0.6, n)), "Nhad": rng.poisson(8, n)}
    mapping = {
        "general": np.arange(n, dtype=np.int64),
        "array": np.where(has_array, np.cumsum(has_array) - 1, -1),
        "calorimeter": np.where(has_calor, np.cumsum(has_calor) - 1, -1),
    }
    _write_table(tmp / "general.txt", " ".join(general), general, " ")
    _write_table(tmp / "array.txt", " ".join(array), {k: v[has_array] for k, v in array.items()}, " ")
    _write_table(tmp / "calorimeter.txt", " ".join(calor), {k: v[has_calor] for k, v in calor.items()}, " ")
    _write_table(tmp / "row_mapping.txt", " ".join(mapping), mapping, " ")
    (tmp / "Info.txt").write_text(f"KCDC export (benchmark input), {n} events\n")
    shutil.rmtree(folder, ignore_errors=True)
    os.replace(tmp, folder)
    return folder


def _sig6(x):
    """6 significant digits (KCDC prints its quantities with %g)."""
    import numpy as np

    x = np.asarray(x, dtype=float)
    e = np.floor(np.log10(np.where(x != 0, np.abs(x), 1.0))).astype(int) - 5
    return np.round(x * 10.0**-e) / 10.0**-e


def ensure(work: Path, name: str, *, scale: float = 1.0) -> Path:
    """Input ``name`` (sample1/2/3, kcdc_ascii, sample1.parquet, sample1.root) at ``scale``, written if missing.

    ``kcdc_ascii`` is a folder of component files; its ``general.txt`` alone is a single KCDC ASCII table.
    """
    work.mkdir(parents=True, exist_ok=True)
    if name == "kcdc_ascii":
        tag = "" if scale == 1.0 else f"_x{scale:g}"
        folder = work / f"kcdc_ascii{tag}"
        if not (folder / "general.txt").exists():
            write_kcdc_ascii(folder, max(1, round(ROWS[name] * scale)))
        return folder
    if name in ("sample1.parquet", "sample1.root"):
        path = path_of(work, name, scale)
        if not path.exists():
            import kcdc_hep

            events = kcdc_hep.read(ensure(work, "sample1", scale=scale), cache=False)
            kcdc_hep.write(events, path)
        return path
    path = path_of(work, name, scale)
    if not path.exists():
        n = max(1, round(ROWS[name] * scale))
        {"sample1": write_sample1, "sample2": write_sample2, "sample3": write_sample3}[name](path, n)
    return path


def concatenated(work: Path, times: int, *, scale: float = 1.0) -> Path:
    """Sample 1 with its rows repeated ``times`` times (one header): the large-file input. Delete it after use."""
    base = ensure(work, "sample1", scale=scale)
    path = work / f"{base.stem}_concat{times}.txt"
    if path.exists():
        return path
    tmp = path.with_suffix(".tmp")
    with open(base, "rb") as src:
        header = src.readline()
        body_start = src.tell()
    with open(tmp, "wb") as out:
        out.write(header)
        for _ in range(times):
            with open(base, "rb") as src:
                src.seek(body_start)
                shutil.copyfileobj(src, out, 1 << 24)
    os.replace(tmp, path)
    return path
