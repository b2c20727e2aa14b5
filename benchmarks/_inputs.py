"""Benchmark inputs in the exact masterclass formats, written once into ``benchmarks/_work/`` (git-ignored).

Sample 1 (``E Ne Nmu Ze``, single spaces, 4,102,999 rows, ~131 MB), sample 2 and 3 CSV with the headers of DESIGN
§2.1, and sample 1 as Parquet and as a flat ROOT tree (written by :func:`kcdc_hep.write`, ZSTD(5)). The values
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

ROWS = {"sample1": 4_102_999, "sample2": 1_720_319, "sample3": 1_500_317}
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
    lgE = 14.0 + rng.exponential(0.38, n)  # steep spectrum above threshold
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


def ensure(work: Path, name: str, *, scale: float = 1.0) -> Path:
    """Input ``name`` (sample1/2/3, sample1.parquet, sample1.root) at ``scale``, written if missing."""
    work.mkdir(parents=True, exist_ok=True)
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
