"""The synthetic masterclass and KCDC sample files, and the built-in default sample.

:func:`generate` writes, from :func:`kcdc_hep.simulation.simulate`, files in the exact shapes of the masterclass
(DESIGN §2.1) and of KCDC's ROOT and HDF5 exports:

=====================  ==========================================  ==========================================
name                   file                                        full size (events)
=====================  ==========================================  ==========================================
``sample1``            ``sample1_data.txt`` (``E Ne Nmu Ze``)      4,102,999 data events
``sample2``            ``sample2_simulation.csv``                  1,720,319 simulated events (p, He, C, Si, Fe)
``sample3``            ``sample3_data.csv``                        1,500,317 data events with time and weather
``events``             ``SmallDataSample_withDataArrays_ROOT.zip`` 1,080,295 data events with per-station,
                       (member ``events.root``, KCDC trees)        calorimeter and KASCADE-Grande data
``events_hdf5``        ``SmallDataSample_withDataArrays_HDF5.zip`` the events of ``events``, the same values
                       (member ``events.h5``, KCDC groups)         (written when h5py is installed)
``simulation``         ``simulation.root`` (flat tree with truth   the events of ``sample2`` at full precision
                       and the generation record)
=====================  ==========================================  ==========================================

The measured samples (1, 3, ``events``) follow the sky of element spectra
(:data:`~kcdc_hep.simulation.sky.KASCADE_2024_SKY`). Sample 2 and ``simulation.root`` are one simulation library,
made as KCDC's CORSIKA libraries are (:func:`~kcdc_hep.simulation.generator.simulate_library`): equal numbers of p,
He, C, Si, Fe thrown on E^−2 from 10^14 to 10^18 eV true energy (:data:`LIBRARY_INDEX`, :data:`LIBRARY_LGE_RANGE`),
zenith up to 42° (:data:`LIBRARY_ZENITH_MAX_DEG`), cores in the 91 m disc, through the same detector as the data.
``simulation.root`` records how (a ``TObjString`` ``generation`` holding the JSON of the
:class:`~kcdc_hep.simulation.sky.GenerationSpectrum` with the numbers thrown, read by :func:`read_generation`), so an
analysis can re-weight the library to any sky and compute efficiencies; sample 2 keeps its exact header (the students
read it) and so carries no record: its generation spectrum is the documented constants above.

Samples 1 and 3 come from one synthetic data set: sample 3 holds the events of an evenly spread subset of its runs
(with all the columns), sample 1 every event but only four columns. Text values carry 6 significant digits, and the
energy column is computed by the KCDC estimator from the *written* (rounded) sizes and zenith, so that it recomputes
from the file to better than 1e-4.

The events of the KCDC samples have a Grande component (KASCADE-Grande's own reconstruction of the showers above
~10^16 eV, :func:`kcdc_hep.simulation.detector.grande`); the masterclass text samples keep their exact headers.

The same seed gives byte-identical files. uproot stamps the current time (TDatime) and a random UUID into every
ROOT file; :func:`generate` fixes both (the time to the end of the KASCADE data, 2013-01-15, the UUID from the seed)
while it writes, so that the ROOT files are byte-identical too.

>>> files = generate(tmp, events=500, progress=False)   # doctest: +SKIP
>>> sorted(files)                                         # doctest: +SKIP
['events', 'events_hdf5', 'sample1', 'sample2', 'sample3', 'simulation']
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime
import importlib.util
import json
import logging
import os
import shutil
import threading
import time
import types
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from kcdc_hep import settings
from kcdc_hep._optional import import_optional
from kcdc_hep._util import atomic_write, check_output, progress_bar
from kcdc_hep.errors import ArgumentError
from kcdc_hep.estimators import estimate_energy
from kcdc_hep.provenance import Provenance, builtin_label, sidecar_path, write_sidecar
from kcdc_hep.simulation.generator import simulate, simulate_library
from kcdc_hep.simulation.sky import GenerationSpectrum

__all__ = [
    "FILES",
    "FULL_SIZES",
    "GENERATION_KEY",
    "LIBRARY_INDEX",
    "LIBRARY_LGE_RANGE",
    "LIBRARY_ZENITH_MAX_DEG",
    "SAMPLE_NAMES",
    "default_sample",
    "generate",
    "generator_fingerprint",
    "read_generation",
    "round_significant",
    "sample1_columns",
    "sample2_columns",
    "sample3_columns",
    "sample_folder",
    "write_library",
]

#: File name of each sample.
FILES: dict[str, str] = {
    "sample1": "sample1_data.txt",
    "sample2": "sample2_simulation.csv",
    "sample3": "sample3_data.csv",
    "events": "SmallDataSample_withDataArrays_ROOT.zip",
    "simulation": "simulation.root",
    "events_hdf5": "SmallDataSample_withDataArrays_HDF5.zip",
}
#: The samples every installation makes (and a classroom workspace gets); ``events_hdf5`` needs h5py besides.
SAMPLE_NAMES: tuple[str, ...] = ("sample1", "sample2", "sample3", "events", "simulation")
#: Events per sample at full size (the real masterclass and KCDC small-sample sizes).
FULL_SIZES: dict[str, int] = {
    "sample1": 4_102_999,
    "sample2": 1_720_319,
    "sample3": 1_500_317,
    "events": 1_080_295,
    "simulation": 1_720_319,
    "events_hdf5": 1_080_295,
}
#: Significant digits of the text samples (as the masterclass slides show them).
DIGITS = 6
#: ROOT compression: LZ4 writes fast and decompresses fastest (the Python ``run()`` twin reads it), ROOT reads it.
ROOT_COMPRESSION = ("LZ4", 1)
#: Header lines of the text samples (DESIGN §2.1, exact).
HEADERS = {
    "sample1": ("E", "Ne", "Nmu", "Ze"),
    "sample2": ("Particle", "lgE", "X", "Y", "CoreDist", "Ze", "Az", "lgNe", "lgNmu"),
    "sample3": (
        "datetime",
        "particle_id",
        "energy",
        "zenith",
        "azimuth",
        "core_x",
        "core_y",
        "electron_number",
        "muon_number",
        "shower_age",
        "temperature",
        "pressure",
    ),
}
#: Masterclass codes of the simulated primaries (``Particle`` column of sample 2).
PARTICLE_CODES = {"p": "p", "He": "he", "C": "co", "Si": "si", "Fe": "fe", "N": "n", "O": "o", "gamma": "gm"}
#: The simulation library of sample 2 and simulation.root: differential index of the generation spectrum, its
#: true-energy range [lg(E/eV)] and the largest true zenith angle [deg] (the range of the KASCADE CORSIKA libraries).
LIBRARY_INDEX = -2.0
LIBRARY_LGE_RANGE = (14.0, 18.0)
LIBRARY_ZENITH_MAX_DEG = 42.0
#: Name of the generation record (a TObjString with JSON) in simulation.root.
GENERATION_KEY = "generation"
_ROOT_TIME = datetime.datetime(2013, 1, 15, 0, 0, 0)
_ROOT_LOCK = threading.Lock()
_log = logging.getLogger(__name__)


# ------------------------------------------------------------------------------------------------ numbers
def round_significant(x: Any, digits: int = DIGITS) -> np.ndarray:
    """Round to ``digits`` significant digits, vectorised; the result is the float nearest to the decimal.

    Examples
    --------
    >>> round_significant(np.array([14.93354, 4.555749, 1003.6049, -22.43084, 0.0, 1234567.8])).tolist()
    [14.9335, 4.55575, 1003.6, -22.4308, 0.0, 1234570.0]
    """
    x = np.asarray(x, dtype=float)
    ax = np.abs(x)
    e = np.floor(np.log10(np.where(ax > 0, ax, 1.0))).astype(int) - (digits - 1)
    out = np.empty_like(x)
    small = e <= 0  # scale by 10^-e >= 1: division by an exact power of ten is correctly rounded
    out[small] = np.round(x[small] * 10.0 ** -e[small]) / 10.0 ** -e[small]
    out[~small] = np.round(x[~small] / 10.0 ** e[~small]) * 10.0 ** e[~small]
    return out


def _sizes(scale: float | None, events: int | None) -> dict[str, int]:
    if scale is not None and events is not None:
        msg = "generate: give either scale= or events=, not both"
        raise ArgumentError(msg)
    if events is not None:
        if int(events) < 1:
            msg = f"generate: events={events} must be at least 1"
            raise ArgumentError(msg)
        return dict.fromkeys(FULL_SIZES, int(events))
    s = 1.0 if scale is None else float(scale)
    if not s > 0:
        msg = f"generate: scale={scale} must be positive (1.0 = full size)"
        raise ArgumentError(msg)
    return {k: max(1, round(n * s)) for k, n in FULL_SIZES.items()}


# ------------------------------------------------------------------------------------------------ text files
def _write_text(columns: dict[str, Any], header: tuple[str, ...], path: Path, delimiter: str) -> None:
    """Write columns (numpy / arrow arrays, already rounded) with pyarrow's CSV writer, header written by hand."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    table = pa.table({name: columns[name] for name in header})
    with open(path, "wb") as fh:
        fh.write((delimiter.join(header) + "\n").encode())
        pacsv.write_csv(
            table,
            fh,
            write_options=pacsv.WriteOptions(
                include_header=False, delimiter=delimiter, quoting_style="none", batch_size=1 << 16
            ),
        )


def _rounded_energy(lgNe: np.ndarray, lgNmu: np.ndarray, zenith: np.ndarray) -> tuple[np.ndarray, ...]:
    """Rounded sizes and zenith, and the KCDC energy computed from the rounded values (then rounded)."""
    ne, nmu, ze = round_significant(lgNe), round_significant(lgNmu), round_significant(zenith)
    return round_significant(estimate_energy(ne, nmu, ze)), ne, nmu, ze


def sample1_columns(events: ak.Array) -> dict[str, np.ndarray]:
    """The columns of ``sample1_data.txt`` (``E Ne Nmu Ze``), rounded as written."""
    e, ne, nmu, ze = _rounded_energy(*(ak.to_numpy(events[f]) for f in ("lgNe", "lgNmu", "zenith")))
    return {"E": e, "Ne": ne, "Nmu": nmu, "Ze": ze}


def sample2_columns(events: ak.Array) -> dict[str, Any]:
    """The columns of ``sample2_simulation.csv``, rounded as written (``Particle`` as masterclass codes)."""
    e, ne, nmu, ze = _rounded_energy(*(ak.to_numpy(events[f]) for f in ("lgNe", "lgNmu", "zenith")))
    x, y = round_significant(ak.to_numpy(events.core_x)), round_significant(ak.to_numpy(events.core_y))
    symbols = np.asarray(ak.to_numpy(events.primary)).astype(str)
    uniq, inverse = np.unique(symbols, return_inverse=True)
    codes = np.array([PARTICLE_CODES.get(u, u.lower()) for u in uniq])[inverse]
    return {
        "Particle": codes,
        "lgE": e,
        "X": x,
        "Y": y,
        "CoreDist": round_significant(np.hypot(x, y)),
        "Ze": ze,
        "Az": round_significant(ak.to_numpy(events.azimuth)),
        "lgNe": ne,
        "lgNmu": nmu,
    }


def sample3_columns(events: ak.Array) -> dict[str, Any]:
    """The columns of ``sample3_data.csv``, rounded as written (``datetime`` to the second, UTC)."""
    import pyarrow as pa

    e, ne, nmu, ze = _rounded_energy(*(ak.to_numpy(events[f]) for f in ("lgNe", "lgNmu", "zenith")))
    seconds = ak.to_numpy(events.time).astype("datetime64[s]")
    r = {f: round_significant(ak.to_numpy(events[f])) for f in ("azimuth", "core_x", "core_y", "age")}
    return {
        "datetime": pa.array(seconds).cast(pa.string()),
        "particle_id": np.zeros(len(e), dtype=np.int32),
        "energy": e,
        "zenith": ze,
        "azimuth": r["azimuth"],
        "core_x": r["core_x"],
        "core_y": r["core_y"],
        "electron_number": ne,
        "muon_number": nmu,
        "shower_age": r["age"],
        "temperature": round_significant(ak.to_numpy(events.temperature)),
        "pressure": round_significant(ak.to_numpy(events.pressure)),
    }


def _run_subset(events: ak.Array, n: int) -> ak.Array:
    """The events of an evenly spread subset of the runs, ``n`` events (the last selected run may be cut)."""
    if n >= len(events):
        return events
    run = ak.to_numpy(events.run)
    starts = np.flatnonzero(np.r_[True, run[1:] != run[:-1]])
    n_runs = len(starts)
    frac = n / len(events)
    chosen = np.floor(np.arange(1, n_runs + 1) * frac) != np.floor(np.arange(n_runs) * frac)
    lengths = np.diff(np.r_[starts, len(run)])
    take = np.repeat(chosen, lengths)
    idx = np.flatnonzero(take)
    if len(idx) < n:  # rounding: add runs that were not chosen, in time order
        extra = np.flatnonzero(~take)[: n - len(idx)]
        idx = np.sort(np.r_[idx, extra])
    return events[idx[:n]]


# ------------------------------------------------------------------------------------------------ ROOT files
class _NamedSink:
    """An uproot sink that reports ``name`` as its path (uproot stores the file name in the file)."""

    def __init__(self, sink: Any, name: str) -> None:
        self._sink = sink
        self._name = name

    @property
    def file_path(self) -> str:
        return self._name

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._sink, attr)


@contextlib.contextmanager
def _reproducible_root(seed: int, name: str) -> Iterator[None]:
    """Make uproot write a fixed TDatime, a seed-derived UUID and the final file name: byte-identical ROOT files.

    uproot calls ``datetime.datetime.now()`` for the file, directory, key and basket time stamps, ``uuid.uuid1``
    for the file UUID, and records the name of the file it writes, which ``kcdc_hep.write`` makes a random
    temporary name (it writes atomically); none of these is an option of ``kcdc_hep.write``. All three are replaced
    for the duration of the block (a lock keeps concurrent writers in this process out).
    """
    import uproot.writing._cascade as cascade
    import uproot.writing._cascadetree as cascadetree
    import uproot.writing.writable as writable

    class _FixedDatetime(datetime.datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime.datetime:  # type: ignore[override]
            return _ROOT_TIME

    shim = types.ModuleType("datetime")
    shim.__dict__.update(datetime.__dict__)
    shim.datetime = _FixedDatetime  # type: ignore[attr-defined]
    hi, lo = (int(v) for v in np.random.SeedSequence(int(seed)).generate_state(2, np.uint64))
    fixed_uuid = uuid.UUID(int=(hi << 64) | lo)

    create_empty = cascade.create_empty

    def named_create_empty(sink: Any, *args: Any, **kwargs: Any) -> Any:
        return create_empty(_NamedSink(sink, name), *args, **kwargs)

    modules = (cascade, cascadetree, writable)
    with _ROOT_LOCK:
        saved = [m.datetime for m in modules]
        saved_uuid = writable.create.defaults["uuid_function"]
        try:
            for m in modules:
                m.datetime = shim  # type: ignore[attr-defined]
            writable.create.defaults["uuid_function"] = lambda: fixed_uuid
            cascade.create_empty = named_create_empty
            yield
        finally:
            for m, d in zip(modules, saved, strict=True):
                m.datetime = d
            writable.create.defaults["uuid_function"] = saved_uuid
            cascade.create_empty = create_empty


def _write_root(
    events: ak.Array, path: Path, seed: int, name: str, generation: GenerationSpectrum | None = None
) -> None:
    """Write ``events`` to ``path`` as a reproducible ROOT file that records ``name`` as its file name.

    With ``generation``, the file also holds the TObjString :data:`GENERATION_KEY` (its JSON record).
    """
    import uproot

    from kcdc_hep.writers import write

    with _reproducible_root(seed, name):
        write(events, path, overwrite=True, format="root", compression=ROOT_COMPRESSION)
        if generation is not None:
            with uproot.update(path) as f:
                f[GENERATION_KEY] = json.dumps(generation.to_dict(), sort_keys=True)


def write_library(
    events: ak.Array, generation: GenerationSpectrum, path: str | os.PathLike[str], *, overwrite: bool = False
) -> Path:
    """Write a simulation library (from :func:`~kcdc_hep.simulation.generator.simulate_library`) as a ROOT file
    with its generation record, as ``simulation.root`` is written; :func:`read_generation` reads the record back.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``overwrite`` is false.
    ArgumentError
        If ``path`` does not end in ``.root``.
    """
    target = Path(path)
    if target.suffix.lower() != ".root":
        msg = f"write_library: {target} must be a .root file (the generation record is a ROOT object)"
        raise ArgumentError(msg)
    check_output(target, overwrite=overwrite)
    with atomic_write(target) as tmp:
        _write_root(events, tmp, 0, target.name, generation)
    return target


def read_generation(path: str | os.PathLike[str]) -> GenerationSpectrum | None:
    """How the simulation library in ``path`` was thrown, from its generation record (None: the file has none).

    ``simulation.root`` of :func:`generate` holds one; text files (sample 2) and ROOT files without the record give
    None (for sample 2 the generation is :data:`LIBRARY_INDEX` etc., but the number thrown is not in the file).

    Raises
    ------
    ArgumentError
        If the record is there but damaged.
    """
    p = Path(path)
    if p.suffix.lower() != ".root" or not p.is_file():
        return None
    import uproot

    with uproot.open(p) as f:
        if GENERATION_KEY not in f.keys(cycle=False):
            return None
        text = str(f[GENERATION_KEY])
    try:
        record = json.loads(text)
    except json.JSONDecodeError as err:
        msg = f"{p}: the generation record {GENERATION_KEY!r} is not JSON ({err}); write the file again"
        raise ArgumentError(msg) from err
    return GenerationSpectrum.from_dict(record)


def _write_zip(archive: Path, name: str, write_member: Callable[[Path], object]) -> None:
    """A zip holding one member ``name``, which ``write_member`` writes into a scratch file beside the archive.

    The member is stored uncompressed (ZIP_STORED: readers open it in place) with a fixed time stamp, so the
    archive is byte-identical for the same member.
    """
    scratch = archive.with_name(f"{archive.name}.{name}")
    try:
        write_member(scratch)
        info = zipfile.ZipInfo(name, date_time=(2013, 1, 15, 0, 0, 0))
        info.compress_type = zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        with (
            zipfile.ZipFile(archive, "w", allowZip64=True) as zf,
            open(scratch, "rb") as src,
            zf.open(info, "w") as dst,
        ):
            shutil.copyfileobj(src, dst, 1 << 24)
    finally:
        scratch.unlink(missing_ok=True)


# ------------------------------------------------------------------------------------------------ generate
def _seed_of(seed: int, name: str) -> np.random.SeedSequence:
    """Independent random stream of one sample: a child of ``seed`` keyed by the sample's name."""
    key = int.from_bytes(name.encode(), "little") % (1 << 32)
    return np.random.SeedSequence(int(seed), spawn_key=(key,))


def generate(
    out: str | os.PathLike[str],
    *,
    scale: float | None = None,
    events: int | None = None,
    seed: int = 2940,
    overwrite: bool = False,
    progress: bool = True,
    hdf5: bool | None = None,
) -> dict[str, Path]:
    """Write the synthetic masterclass samples and the KCDC-like ROOT (and HDF5) files into the folder ``out``.

    Parameters
    ----------
    out : path
        Output folder (created if needed).
    scale : float, optional
        Fraction of the full size of every sample (default 1.0: the real sizes, see :data:`FULL_SIZES`).
    events : int, optional
        Events in every sample instead (for tests); exclusive with ``scale``.
    seed : int
        Random seed: the same seed writes byte-identical files.
    overwrite : bool
        Replace existing files; otherwise an existing file raises :class:`~kcdc_hep.errors.OutputExistsError`
        before anything is written.
    progress : bool
        Show a progress bar over the stages.
    hdf5 : bool, optional
        Also write ``SmallDataSample_withDataArrays_HDF5.zip`` (the events of the ROOT zip, member ``events.h5``);
        default: when h5py is installed.

    Returns
    -------
    dict of str to pathlib.Path
        The written file of each sample (see :data:`FILES`).

    Raises
    ------
    OutputExistsError
        If an output file exists and ``overwrite`` is false.
    ArgumentError
        On a bad ``scale`` or ``events``.
    MissingDependencyError
        If ``hdf5=True`` and h5py is not installed.
    """
    folder = Path(out)
    sizes = _sizes(scale, events)
    names = (*SAMPLE_NAMES, "events_hdf5") if _with_hdf5(hdf5) else SAMPLE_NAMES
    targets = {name: check_output(folder / FILES[name], overwrite=overwrite) for name in names}
    for target in targets.values():
        check_output(sidecar_path(target), overwrite=overwrite)
    folder.mkdir(parents=True, exist_ok=True)
    groups = [_make_data_files, _make_simulation_files, _make_events_files]
    with progress_bar(total=len(targets), desc="generate", unit="file", enabled=progress) as bar:
        if sum(sizes[name] for name in SAMPLE_NAMES) < _PARALLEL_ABOVE:
            for group in groups:
                bar.update(len(group(targets, sizes, seed)))
        else:
            # the three groups are independent: two processes use both cores (CPU ~37 s at full size)
            with concurrent.futures.ProcessPoolExecutor(max_workers=2) as pool:
                futures = [pool.submit(group, targets, sizes, seed) for group in groups]
                for future in concurrent.futures.as_completed(futures):
                    bar.update(len(future.result()))
    size = f"{events} events" if events is not None else f"scale {1.0 if scale is None else scale}"
    fingerprint = generator_fingerprint()
    for name, target in targets.items():
        kind = "simulation" if name in ("sample2", "simulation") else "data"
        source = f"kcdc_hep {kind} sample {target.name} (generated: seed {seed}, {size}, generator {fingerprint})"
        prov = Provenance(synthetic=True, seed=seed, source=source, label=builtin_label(kind, seed))
        write_sidecar(target, prov, overwrite=overwrite)
    return targets


def _with_hdf5(hdf5: bool | None) -> bool:
    """Whether to write the HDF5 twin: as asked (h5py must be there), or when h5py is installed."""
    if hdf5 is None:
        return importlib.util.find_spec("h5py") is not None
    if hdf5:
        import_optional("h5py")
    return bool(hdf5)


#: Total events above which :func:`generate` runs its three groups in two processes.
_PARALLEL_ABOVE = 500_000


def _timed(name: str, start: float) -> float:
    now = time.perf_counter()
    _log.info("stage %s: %.2f s", name, now - start)
    return now


def _make_data_files(targets: dict[str, Path], sizes: dict[str, int], seed: int) -> list[str]:
    """One synthetic data set: sample 1 all of it, sample 3 a subset of its runs."""
    t = time.perf_counter()
    data = simulate(max(sizes["sample1"], sizes["sample3"]), seed=_seed_of(seed, "data"), kind="data")
    t = _timed("data", t)
    with atomic_write(targets["sample1"]) as tmp:
        _write_text(sample1_columns(data[: sizes["sample1"]]), HEADERS["sample1"], tmp, " ")
    t = _timed("sample1", t)
    with atomic_write(targets["sample3"]) as tmp:
        _write_text(sample3_columns(_run_subset(data, sizes["sample3"])), HEADERS["sample3"], tmp, ",")
    _timed("sample3", t)
    return ["sample1", "sample3"]


def _make_simulation_files(targets: dict[str, Path], sizes: dict[str, int], seed: int) -> list[str]:
    """Sample 2 (text) and simulation.root (the same library at full precision, with the truth and the generation).

    Both hold the library of ``sizes["simulation"]`` showers (the two sizes are equal at every scale).
    """
    t = time.perf_counter()
    sim, generation = simulate_library(
        sizes["simulation"],
        seed=_seed_of(seed, "simulation"),
        index=LIBRARY_INDEX,
        lgE_range=LIBRARY_LGE_RANGE,
        zenith_max_deg=LIBRARY_ZENITH_MAX_DEG,
    )
    t = _timed("simulation", t)
    with atomic_write(targets["sample2"]) as tmp:
        _write_text(sample2_columns(sim[: sizes["sample2"]]), HEADERS["sample2"], tmp, ",")
    t = _timed("sample2", t)
    with atomic_write(targets["simulation"]) as tmp:
        _write_root(sim, tmp, seed, FILES["simulation"], generation)
    _timed("simulation.root", t)
    return ["sample2", "simulation"]


def _make_events_files(targets: dict[str, Path], sizes: dict[str, int], seed: int) -> list[str]:
    """The KCDC small sample with data arrays: events.root inside the zip, and events.h5 with the same events."""
    from kcdc_hep.writers import write

    t = time.perf_counter()
    ev = simulate(
        sizes["events"], seed=_seed_of(seed, "events"), kind="data", stations=True, calorimeter=True, grande=True
    )
    t = _timed("events", t)
    with atomic_write(targets["events"]) as tmp:
        _write_zip(tmp, "events.root", lambda member: _write_root(ev, member, seed, "events.root"))
    t = _timed("events.root", t)
    if "events_hdf5" not in targets:
        return ["events"]
    with atomic_write(targets["events_hdf5"]) as tmp:
        _write_zip(tmp, "events.h5", lambda member: write(ev, member, overwrite=True, format="hdf5"))
    _timed("events.h5", t)
    return ["events", "events_hdf5"]


# ------------------------------------------------------------------------------------------------ default sample
#: the modules whose code decides what the generated files hold (the generator, the writers, the event model)
_GENERATOR_SOURCES = ("simulation", "writers", "schema.py", "geometry.py", "estimators.py")


def generator_fingerprint() -> str:
    """A short hash of everything that decides the content of the generated files.

    The source of the generator, the writers and the event model, and the versions of the libraries that write the
    files (numpy, awkward, uproot, pyarrow, polars, h5py). Any change to them gives a new fingerprint, and so a new
    sample folder.
    """
    import hashlib
    from importlib import metadata

    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for entry in _GENERATOR_SOURCES:
        path = package / entry
        for source in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            digest.update(source.relative_to(package).as_posix().encode())
            digest.update(source.read_bytes())
    for dist in ("numpy", "awkward", "uproot", "pyarrow", "polars", "h5py"):
        try:
            digest.update(f"{dist}={metadata.version(dist)}".encode())
        except metadata.PackageNotFoundError:
            digest.update(f"{dist}=none".encode())
    return digest.hexdigest()[:12]


def sample_folder(*, seed: int = 2940, scale: float | None = None) -> Path:
    """The cache folder of the built-in samples for ``seed`` and ``scale`` (default: ``KCDC_HEP_DEFAULT_SCALE``)."""
    scale = settings.default_scale() if scale is None else scale
    return settings.cache_dir() / "samples" / f"seed{seed}-scale{scale:g}-{generator_fingerprint()}"


#: A sample folder of another generator is removed once it has not been used for this long (seconds): another
#: installation of kcdc_hep sharing the cache (a second environment, a class server) may still use it, or be writing it.
STALE_AFTER_S = 7 * 86400
#: Touched at every use of a sample folder.
_USED = ".last_used"


def _last_used(folder: Path) -> float:
    """When a sample folder was last used or written (the later of its own and its use stamp's modification)."""
    stamp = folder / _USED
    return max(folder.stat().st_mtime, stamp.stat().st_mtime if stamp.exists() else 0.0)


def _prune_stale(folder: Path) -> None:
    """Remove the sample folders of other generators for the same seed and scale unused for :data:`STALE_AFTER_S`.

    They are never read by this generator; they are left alone while another installation may use them (two
    versions sharing a cache would otherwise delete each other's folders, even while one is being generated).
    """
    prefix = folder.name.rsplit("-", 1)[0] + "-"
    if not folder.parent.is_dir():
        return
    now = time.time()
    for other in folder.parent.iterdir():
        if other != folder and other.is_dir() and (other.name.startswith(prefix) or other.name == prefix[:-1]):
            with contextlib.suppress(OSError):  # gone already (another process pruned it)
                if now - _last_used(other) > STALE_AFTER_S:
                    shutil.rmtree(other, ignore_errors=True)


def default_sample(name: str = "sample1", *, seed: int = 2940, progress: bool = True) -> Path:
    """Path of a built-in sample, generated into the user cache on first use and reused afterwards.

    The samples live in :func:`sample_folder` (``<cache>/samples/seed<seed>-scale<scale>-<generator fingerprint>``;
    cache folder: ``KCDC_HEP_CACHE_DIR`` or the user cache directory), so a changed generator never serves the files
    of an older one; folders of other generators for the same seed and scale are removed once unused for
    :data:`STALE_AFTER_S` (a week).
    ``KCDC_HEP_DEFAULT_SCALE`` (default 1.0, full size) chooses a smaller size for tests.
    Every file is written under a temporary name and renamed when complete, so an interrupted first use leaves no
    half-written sample behind.

    Parameters
    ----------
    name : str
        One of :data:`FILES` (``"sample1"``, ``"sample2"``, ``"sample3"``, ``"events"``, ``"simulation"``,
        ``"events_hdf5"``) or its file name.
    seed : int
        Random seed of the samples.
    progress : bool
        Show a progress bar while generating.

    Returns
    -------
    pathlib.Path
        The sample file.

    Raises
    ------
    ArgumentError
        For an unknown sample name or a bad ``KCDC_HEP_DEFAULT_SCALE``.
    """
    key = {v: k for k, v in FILES.items()}.get(name, name)
    if key not in FILES:
        msg = f"default_sample: unknown sample {name!r}; choose one of {', '.join(FILES)}"
        raise ArgumentError(msg)
    scale = settings.default_scale()
    folder = sample_folder(seed=seed, scale=scale)
    _prune_stale(folder)
    hdf5 = key == "events_hdf5" or _with_hdf5(None)
    wanted = (*SAMPLE_NAMES, "events_hdf5") if hdf5 else SAMPLE_NAMES
    if not all((folder / FILES[k]).is_file() for k in wanted):
        # every file is written atomically: a file that is there is complete, and an interrupted first use only
        # leaves files missing, which this writes again
        generate(folder, scale=scale, seed=seed, overwrite=True, progress=progress, hdf5=hdf5)
    with contextlib.suppress(OSError):  # a read-only cache is still usable
        (folder / _USED).touch()
    return folder / FILES[key]
