"""The pure-Python twin of ``macros/KCDC_analyze_example.C``: the same histograms of events.root, without ROOT.

:func:`run` reads a KCDC ``events.root`` (trees ``KCDC``, ``KCDCM``, ``Array``, ``Calor``; or the KCDC zip that
holds it), prints the same lines as the C++ macro and writes ``KCDC_analyze_example_output.root`` with the same
TH1D/TH2D objects: names, titles, binning, under/overflow, entries (``fEntries``), errors (``fSumw2``) and the
statistics ROOT's ``GetMean``/``GetRMS`` use (``fTsumw``, ``fTsumwx``, ``fTsumwx2``, ...). ``kcdc-hep compare``
checks the two files bin for bin.

How it stays identical to ROOT and fast:

- Columnar and chunked: ``step_size`` showers at a time, no Python loop over showers. The file is read by the
  readers' KCDC ROOT reader (:class:`kcdc_hep.readers.kcdc_cursor.KcdcReader`), which finds the trees by role
  and joins the component trees through the ``KCDCM`` mapping as the macro does. Only the branches the histograms
  need are read, each in its own task on two threads (uproot's decompression releases the GIL), and a basket is
  decompressed once even when it spans several chunks.
- The histograms are filled as ``TH1::Fill`` fills them: ROOT's bin numbers (found for the millions of float32
  station values by a table over their bit patterns) and statistics sums
  (:mod:`kcdc_hep.analyses.example.root_histograms`). glibc keeps the memory of one chunk's temporaries for the next
  (:func:`kcdc_hep.engine.keep_freed_memory`).
- On Dask (``workers=N`` or ``scheduler=``) every chunk of ``step_size`` showers is one task
  (:func:`kcdc_hep.engine.map_ordered`); the tasks return the counts and the statistics of their chunk, which are
  added in chunk order, so the output is the local one bit for bit (``fTsumwx`` ... included). Without ``workers``
  and ``scheduler`` Dask is not imported.

>>> [spec.name for spec in HISTOGRAMS][:5]
['hE', 'hNe', 'hNmu', 'hZe', 'hAz']
"""

from __future__ import annotations

import functools
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kcdc_hep import engine, settings
from kcdc_hep._util import check_output, progress_bar
from kcdc_hep.analyses.example.root_histograms import Accumulator, HistogramSpec, RootAxis
from kcdc_hep.errors import ArgumentError, CorruptFileError, MissingColumnError, MissingFileError, closest_first
from kcdc_hep.readers import open_source, resolve
from kcdc_hep.readers.kcdc_cursor import Component, ComponentRows, KcdcChunk, KcdcReader
from kcdc_hep.readers.partitions import check_step
from kcdc_hep.readers.root import find_mapping_branches, layout, open_file

__all__ = [
    "DEFAULT_OUTPUT",
    "HISTOGRAMS",
    "MACRO",
    "ExampleResult",
    "HistogramSpec",
    "RootAxis",
    "copy_macro",
    "macro_path",
    "make_example_input",
    "run",
]

#: The output file of the C++ macro and of :func:`run` (in the working directory unless a path is given).
DEFAULT_OUTPUT = "KCDC_analyze_example_output.root"
#: Stations of the KASCADE array (ids 0-251).
N_STATIONS = 252


# --------------------------------------------------------------------------------------------- histograms
_DEPOSIT = RootAxis.log_bins(-10, 50, 10)  # 0.1 MeV ... 100 GeV, 10 bins per decade
_EHAD = RootAxis.log_bins(-10, 50, 10)  # 0.1 GeV ... 100 TeV
_LGNE = RootAxis(80, 0.0, 8.0)
_LGNMU = RootAxis(55, 1.0, 6.5)
_CORE = RootAxis(40, -100.0, 100.0)
_DIST = RootAxis(40, 0.0, 200.0)

#: The histograms of KCDC_analyze_example.C, in its order (change both files together).
HISTOGRAMS: tuple[HistogramSpec, ...] = (
    HistogramSpec("hE", "Reconstructed primary energy;lg(E/eV);showers", RootAxis(60, 13.0, 19.0)),
    HistogramSpec("hNe", "Electron number;lg(N_{e});showers", _LGNE),
    HistogramSpec("hNmu", "Muon number;lg(N_{#mu});showers", _LGNMU),
    HistogramSpec("hZe", "Zenith angle;#theta [deg];showers", RootAxis(35, 0.0, 70.0)),
    HistogramSpec("hAz", "Azimuth angle;#phi [deg];showers", RootAxis(36, 0.0, 360.0)),
    HistogramSpec("hCore", "Shower core position;X_{c} [m];Y_{c} [m]", _CORE, _CORE),
    HistogramSpec("hNeNmu", "Electron vs muon number;lg(N_{e});lg(N_{#mu})", _LGNE, _LGNMU),
    HistogramSpec("hRatio", "Size ratio;lg(N_{e}) / lg(N_{#mu});showers", RootAxis(70, 0.2, 1.6)),
    HistogramSpec("hEhad", "Hadronic energy sum (calorimeter);E_{had} [GeV];showers", _EHAD),
    HistogramSpec("hNhad", "Number of hadrons (calorimeter);N_{had};showers", RootAxis(250, -0.5, 249.5)),
    HistogramSpec("hNsta", "Stations with a signal;number of stations;showers", RootAxis(253, -0.5, 252.5)),
    HistogramSpec("hEDep", "e/#gamma energy deposit per station;E_{e/#gamma} [MeV];stations", _DEPOSIT),
    HistogramSpec("hMDep", "Muon energy deposit per station;E_{#mu} [MeV];stations", _DEPOSIT),
    HistogramSpec("hArrival", "Arrival time per station;t [ns];stations", RootAxis(120, -600.0, 600.0)),
    HistogramSpec("hEDepR", "e/#gamma deposit vs distance from the core;r [m];E_{e/#gamma} [MeV]", _DIST, _DEPOSIT),
    HistogramSpec("hMDepR", "Muon deposit vs distance from the core;r [m];E_{#mu} [MeV]", _DIST, _DEPOSIT),
)

#: Branches the example reads, by tree.
GENERAL_BRANCHES = ("E", "Ne", "Nmu", "Ze", "Az", "Xc", "Yc")
ARRAY_BRANCHES = ("ArrivalS", "EDeposit", "MDeposit", "Arrival")
CALOR_BRANCHES = ("Ehad", "Nhad")


@dataclass(frozen=True)
class ExampleResult:
    """What :func:`run` did: the output file, the tree sizes it printed and the histograms it wrote."""

    output: Path
    kcdc_entries: int
    kcdcm_entries: int
    array_entries: int
    calor_entries: int
    histograms: tuple[str, ...]


def run(
    path_to_data: str | os.PathLike[str] = "events.root",
    *,
    output: str | os.PathLike[str] | None = None,
    step_size: int = 50_000,
    overwrite: bool = False,
    progress: bool | None = None,
    workers: int | None = None,
    scheduler: str | Any | None = None,
) -> ExampleResult:
    """Fill the histograms of ``KCDC_analyze_example.C`` from ``events.root`` and write them to a ROOT file.

    Prints what the C++ ``run()`` prints (``Input file:...``, ``KCDC-Entries read from files: N``, ...).

    Parameters
    ----------
    path_to_data
        ``events.root``, or the KCDC zip (``SmallDataSample_withDataArrays_ROOT.zip``, optionally
        ``"archive.zip:member"``), whose ROOT member is unpacked into a temporary folder first.
    output
        Output ROOT file; default :data:`DEFAULT_OUTPUT` in the working directory, as the macro.
    step_size
        Showers per chunk; memory stays bounded by it (and by the largest basket of the file). The default keeps
        the per-station temporaries (~36 stations a shower) under glibc's 32 MB mmap ceiling, so they are reused
        instead of page-faulted in afresh for every chunk: 3.7 s instead of 6.3 s on the full KCDC sample.
    overwrite
        Replace an existing output file (the C++ macro always does).
    progress
        Show a progress bar on stderr; default: when stderr is a terminal.
    workers
        Fill the chunks on a local Dask cluster of this many worker processes (started for the run).
    scheduler
        Fill the chunks on an existing Dask cluster (``"tcp://host:8786"`` or a connected client); its workers
        must see the input file under the same path (a zip is unpacked into a local temporary folder first).

    Returns
    -------
    ExampleResult
        The output path, the tree sizes and the histogram names.

    Raises
    ------
    ArgumentError
        ``step_size`` or ``workers`` is not a positive number, both ``workers`` and ``scheduler`` were given, or
        ``path_to_data`` names a folder or a zip whose data member is not a ROOT file.
    OutputExistsError
        The output exists and ``overwrite`` is false.
    MissingFileError, CorruptFileError, MissingColumnError, UnknownFormatError
        The input is missing, not a readable ROOT file, or lacks a tree or branch the example needs.
    MissingDependencyError
        ``workers`` or ``scheduler`` was given and Dask (``distributed``) is not installed.
    """
    check_step(step_size)
    engine.check_cluster(workers=workers, scheduler=scheduler, caller="run")
    resolve(path_to_data)  # a missing input is reported before an existing output
    out = check_output(output if output is not None else DEFAULT_OUTPUT, overwrite=overwrite)
    where = os.fspath(path_to_data)
    accumulators = {spec.name: Accumulator(spec) for spec in HISTOGRAMS}
    with ExitStack() as stack:
        root_path = _local_root_file(path_to_data, stack)
        trees = _trees(stack.enter_context(open_file(root_path, where=where)), where=where)
        sizes = trees.sizes()
        print(f"Input file:{where}")
        print(f"KCDC-Entries read from files: {sizes['KCDC']}")
        print(f"KCDCM-Entries: {sizes['KCDCM']}")
        print(f"Array Entries: {sizes['Array']}")
        print(f"Calor Entries: {sizes['Calor']}")
        sys.stdout.flush()
        if progress is None:
            progress = sys.stderr.isatty()
        if workers is None and scheduler is None:
            engine.keep_freed_memory()  # the chunks' large temporaries reuse memory instead of page-faulting
            _fill_here(accumulators, trees, step_size=step_size, where=where, progress=progress)
        else:
            ranges = [(a, min(a + step_size, sizes["KCDC"])) for a in range(0, sizes["KCDC"], step_size)]
            job = functools.partial(_fill_range, root_path, where=where, step_size=step_size)
            tasks = engine.map_ordered(
                job, ranges, workers=workers, scheduler=scheduler, progress=progress, desc=MACRO, unit="chunk"
            )
            for states in tasks:
                for chunk_states in states:  # in chunk order: the additions of the local run
                    for name, state in chunk_states.items():
                        accumulators[name].add(state)
    _write(out, accumulators.values())
    print(f"Histograms written to: {os.fspath(out)}")
    return ExampleResult(
        out, sizes["KCDC"], sizes["KCDCM"], sizes["Array"], sizes["Calor"], tuple(spec.name for spec in HISTOGRAMS)
    )


def _fill_here(
    accumulators: dict[str, Accumulator], trees: _Trees, *, step_size: int, where: str, progress: bool
) -> None:
    """Fill the histograms in this process, chunk by chunk."""
    with ExitStack() as stack:
        # three small pools: reading branches, reading ahead, filling (two cores are enough for all of them)
        read_pool = stack.enter_context(ThreadPoolExecutor(max_workers=2, thread_name_prefix="kcdc-read"))
        ahead_pool = stack.enter_context(ThreadPoolExecutor(max_workers=1, thread_name_prefix="kcdc-ahead"))
        fill_pool = stack.enter_context(ThreadPoolExecutor(max_workers=2, thread_name_prefix="kcdc-fill"))
        reader = trees.reader(where=where, pool=read_pool)
        chunks = _prefetch((_Chunk.of(c) for c in reader.chunks(step=step_size)), ahead_pool)
        total = -(-reader.num_entries // step_size)
        for chunk in progress_bar(chunks, enabled=progress, desc=MACRO, total=total, unit="chunk"):
            _fill(accumulators, chunk, fill_pool)


def _fill_range(
    root_path: Path, entries: tuple[int, int], *, where: str, step_size: int
) -> list[dict[str, tuple[np.ndarray, int, tuple[float, ...]]]]:
    """Fill fresh histograms from the showers ``entries`` of the file, one set per chunk (a Dask task).

    Returns the :meth:`Accumulator.state` of every histogram for each chunk, in chunk order: added one chunk after
    the other, they give exactly the floating-point sums of the local run.
    """
    lo, hi = entries
    out = []
    with ExitStack() as stack:
        trees = _trees(stack.enter_context(open_file(root_path, where=where)), where=where)
        read_pool = stack.enter_context(ThreadPoolExecutor(max_workers=1, thread_name_prefix="kcdc-read"))
        fill_pool = stack.enter_context(ThreadPoolExecutor(max_workers=1, thread_name_prefix="kcdc-fill"))
        for chunk in trees.reader(where=where, pool=read_pool).chunks(lo, hi, step=step_size):
            accumulators = {spec.name: Accumulator(spec) for spec in HISTOGRAMS}
            _fill(accumulators, _Chunk.of(chunk), fill_pool)
            out.append({name: a.state() for name, a in accumulators.items()})
    return out


# --------------------------------------------------------------------------------------------- reading
def _local_root_file(source: str | os.PathLike[str], stack: ExitStack) -> Path:
    """A ROOT file on disk: the file itself, or the zip member unpacked into a temporary folder."""
    src = resolve(source)
    if src.kind == "file":
        return src.path
    if src.kind != "zip":
        msg = f"{src.where}: the example reads a ROOT events.root (or a zip holding one), not a folder"
        raise ArgumentError(msg)
    tmpdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kcdc_example_")))
    with open_source(src) as (fh, resolved):
        if resolved.kind != "zip" or not (resolved.member or "").lower().endswith(".root"):
            msg = (
                f"{src.where}: the archive's data member is {resolved.member!r}, not a ROOT file; "
                "name the ROOT member as 'ZIP:MEMBER'"
            )
            raise ArgumentError(msg)
        target = tmpdir / Path(resolved.member or "events.root").name
        with open(target, "wb") as out:
            shutil.copyfileobj(fh, out, length=16 << 20)
    return target


@dataclass(frozen=True)
class _Trees:
    """The trees the macro reads: general (``KCDC``), mapping (``KCDCM``) and the components it joins through it."""

    general: Any
    mapping: Any | None
    components: dict[str, Component]  # "array" (Array), "calorimeter" (Calor)

    def sizes(self) -> dict[str, int]:
        """The entries the macro prints (0 for a tree it does not use)."""

        def n(tree: Any | None) -> int:
            return int(tree.num_entries) if tree is not None else 0

        comp = {role: c.tree for role, c in self.components.items()}
        return {
            "KCDC": n(self.general),
            "KCDCM": n(self.mapping),
            "Array": n(comp.get("array")),
            "Calor": n(comp.get("calorimeter")),
        }

    def reader(self, *, where: str, pool: Executor) -> KcdcReader:
        """The readers' KCDC reader over the branches the histograms need."""
        return KcdcReader(
            self.general, GENERAL_BRANCHES, where=where, mapping=self.mapping, components=self.components, pool=pool
        )


def _trees(file: Any, *, where: str) -> _Trees:
    """Find the trees by role, as the readers do; check the branches the macro needs.

    As the macro: without the mapping tree the component trees cannot be joined, and a component is read only when
    the mapping has a branch for it.
    """
    lay = layout(file, where=where)
    _require(lay.general, GENERAL_BRANCHES, where=f"{where}:{lay.general_name}")
    mapping_branches = find_mapping_branches(lay)
    components: dict[str, Component] = {}
    if lay.mapping is not None:
        for role, branches in (("array", ARRAY_BRANCHES), ("calorimeter", CALOR_BRANCHES)):
            if role in lay.components and role in mapping_branches:
                _require(lay.components[role], branches, where=f"{where}:{role}")
                components[role] = Component(lay.components[role], branches, mapping_branches[role])
    return _Trees(lay.general, lay.mapping, components)


def _require(tree: Any, branches: tuple[str, ...], *, where: str) -> None:
    keys = list(tree.keys())
    for b in branches:
        if b not in keys:
            listed = ", ".join(closest_first(b, keys)[:10]) or "nothing"
            msg = f"{where}: no branch {b!r} (branches, closest first: {listed})"
            raise MissingColumnError(msg)


@dataclass(frozen=True)
class _Chunk:
    """One chunk of showers as numpy arrays, ready to fill."""

    general: dict[str, np.ndarray]
    array_event: np.ndarray | None  # mask of the chunk's showers that have array data
    stations: dict[str, np.ndarray] | None  # flat per-station values, in shower order
    counts: np.ndarray | None  # stations per shower with array data
    calor: dict[str, np.ndarray] | None

    @classmethod
    def of(cls, chunk: KcdcChunk) -> _Chunk:
        """The numpy arrays of a chunk the reader read."""
        general = {k: _numpy(v) for k, v in chunk.general.items()}
        array_event = stations = counts = calor = None
        if "array" in chunk.components:
            rows = chunk.components["array"]
            array_event = rows.present
            counts, stations = _stations(rows)
        if "calorimeter" in chunk.components:
            calor = {k: _numpy(v) for k, v in chunk.components["calorimeter"].selected().items()}
        return cls(general, array_event, stations, counts, calor)


def _stations(rows: ComponentRows) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Per-station values of the showers with array data (in shower order), flattened, and the counts per shower."""
    if not rows.present.any():
        return np.zeros(0, np.int64), {b: np.zeros(0) for b in ARRAY_BRANCHES}
    split = {name: _flat(values) for name, values in rows.selected().items()}
    counts = split["ArrivalS"][0]
    for name, (c, _) in split.items():
        if not np.array_equal(c, counts):
            msg = f"Array branch {name} has other list lengths than ArrivalS; the file is inconsistent"
            raise CorruptFileError(msg)
    return counts, {name: content for name, (_, content) in split.items()}


def _numpy(values: Any) -> np.ndarray:
    import awkward as ak

    return np.asarray(ak.to_numpy(values))


def _flat(values: Any) -> tuple[np.ndarray, np.ndarray]:
    """(counts per entry, flat content) of a jagged awkward array, without copying where possible."""
    import awkward as ak

    layout = values.layout
    if isinstance(layout, ak.contents.ListOffsetArray) and isinstance(layout.content, ak.contents.NumpyArray):
        offsets = np.asarray(layout.offsets)
        content = np.asarray(layout.content.data)[offsets[0] : offsets[-1]]
        return np.diff(offsets), content
    return _numpy(ak.num(values, axis=1)), _numpy(ak.flatten(values, axis=1))


# --------------------------------------------------------------------------------------------- filling
# --------------------------------------------------------------------------------------------- filling
def _fill(acc: dict[str, Accumulator], chunk: _Chunk, pool: ThreadPoolExecutor) -> None:
    """Fill the histograms from one chunk; independent histograms are filled on the pool's threads."""
    g = chunk.general

    def one(name: str, x: np.ndarray) -> np.ndarray:
        a = acc[name]
        ix = a.spec.x.bin_index(x)
        a.fill(x, ix)
        return ix

    def showers() -> None:
        i_ne = one("hNe", g["Ne"])
        i_nmu = one("hNmu", g["Nmu"])
        for name, branch in (("hE", "E"), ("hZe", "Ze"), ("hAz", "Az")):
            one(name, g[branch])
        core = acc["hCore"]
        core.fill(g["Xc"], core.spec.x.bin_index(g["Xc"]), g["Yc"], core.spec.y_axis.bin_index(g["Yc"]))
        acc["hNeNmu"].fill(g["Ne"], i_ne, g["Nmu"], i_nmu)  # same axes as hNe, hNmu
        with np.errstate(divide="ignore", invalid="ignore"):
            one("hRatio", g["Ne"] / g["Nmu"])
        if chunk.calor is not None:
            one("hEhad", chunk.calor["Ehad"])
            one("hNhad", chunk.calor["Nhad"])
        if chunk.counts is not None:
            one("hNsta", chunk.counts)

    if chunk.stations is None or chunk.counts is None or chunk.array_event is None:
        showers()
        return
    st = chunk.stations
    counts, has_array = chunk.counts, chunk.array_event

    def distance() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Distance [m] of each station from its shower's core, its bin numbers, and which stations are valid."""
        from kcdc_hep.geometry import STATION_X, STATION_Y

        ids = st["ArrivalS"].astype(np.intp, copy=False)
        valid = (ids >= 0) & (ids < N_STATIONS)
        xc = np.repeat(g["Xc"][has_array], counts)
        yc = np.repeat(g["Yc"][has_array], counts)
        if not valid.all():  # not a station of the array: the macro leaves it out of the distance histograms
            ids, xc, yc = ids[valid], xc[valid], yc[valid]
        dx = STATION_X[ids] - xc
        dy = STATION_Y[ids] - yc
        dx *= dx
        dy *= dy
        dx += dy  # as the macro: sqrt(dx*dx + dy*dy), not hypot (which rounds differently)
        r = np.sqrt(dx, out=dx)
        return r, acc["hEDepR"].spec.x.bin_index(r), valid

    shower_task = pool.submit(showers)
    e_task = pool.submit(one, "hEDep", st["EDeposit"])
    mu_task = pool.submit(one, "hMDep", st["MDeposit"])
    t_task = pool.submit(one, "hArrival", st["Arrival"])
    r, i_r, valid = pool.submit(distance).result()
    i_e, i_mu = e_task.result(), mu_task.result()
    shower_task.result()
    t_task.result()
    e_dep, mu_dep = st["EDeposit"], st["MDeposit"]
    if not valid.all():
        e_dep, mu_dep, i_e, i_mu = e_dep[valid], mu_dep[valid], i_e[valid], i_mu[valid]
    second = [
        pool.submit(acc["hEDepR"].fill, r, i_r, e_dep, i_e),
        pool.submit(acc["hMDepR"].fill, r, i_r, mu_dep, i_mu),
    ]
    for t in second:
        t.result()


def _prefetch(chunks: Iterator[_Chunk], pool: ThreadPoolExecutor) -> Iterator[_Chunk]:
    """Read the next chunk on ``pool`` while the current one is being filled."""
    future = pool.submit(next, chunks, None)
    while True:
        chunk = future.result()
        if chunk is None:
            return
        future = pool.submit(next, chunks, None)
        yield chunk


# --------------------------------------------------------------------------------------------- input
#: Showers of the KCDC small sample (SmallDataSample_withDataArrays_ROOT.zip).
KCDC_SMALL_SAMPLE_EVENTS = 1_080_295
#: the example input is this fraction of the KCDC small sample (times KCDC_HEP_DEFAULT_SCALE)
EXAMPLE_FRACTION = 0.02


#: File name of the C++ macro this module twins.
MACRO = "KCDC_analyze_example.C"


def macro_path() -> Path:
    """The C++ macro ``KCDC_analyze_example.C`` shipped with kcdc_hep (wheel: ``_macros``; checkout: ``macros/``).

    Raises
    ------
    MissingFileError
        If the installation lacks it.
    """
    from importlib import resources

    candidates = [
        Path(str(resources.files("kcdc_hep") / "_macros" / MACRO)),
        Path(__file__).resolve().parents[3] / "macros" / MACRO,
    ]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    msg = f"{MACRO} not found (looked in {', '.join(map(str, candidates))}); reinstall kcdc_hep"
    raise MissingFileError(msg)


def copy_macro(directory: str | os.PathLike[str] = ".", *, overwrite: bool = False) -> Path:
    """Copy ``KCDC_analyze_example.C`` into ``directory`` (kept if already there: a student may have edited it)."""
    target = Path(directory) / MACRO
    if overwrite or not target.exists():
        shutil.copyfile(macro_path(), target)
    return target


def make_example_input(
    path: str | os.PathLike[str] = "events.root",
    *,
    n_events: int | None = None,
    seed: int = 2940,
    overwrite: bool = False,
) -> Path:
    """Write a synthetic KCDC-like ``events.root`` (with array and calorimeter data) unless it exists.

    For notebooks and tutors' scripts that need an input without manual steps. The showers come from
    :func:`kcdc_hep.simulation.generator.simulate`; the default size is the KCDC small sample (1,080,295 showers) times
    ``EXAMPLE_FRACTION`` (0.02, about 21,600 showers, a few seconds) times ``KCDC_HEP_DEFAULT_SCALE``
    (:mod:`kcdc_hep.settings`, default 1.0), the same scale as the built-in samples.

    Returns
    -------
    pathlib.Path
        The file (left as it is when it exists and ``overwrite`` is false).
    """
    out = Path(path)
    if out.exists() and not overwrite:
        return out
    if n_events is None:
        n_events = max(1000, round(KCDC_SMALL_SAMPLE_EVENTS * EXAMPLE_FRACTION * settings.default_scale()))
    from kcdc_hep.simulation.generator import simulate
    from kcdc_hep.writers import write

    events = simulate(n_events, seed=seed, stations=True, calorimeter=True)
    return write(events, out, overwrite=overwrite, step_size=100_000)


# --------------------------------------------------------------------------------------------- writing
def _write(out: Path, accumulators: Any) -> None:
    from kcdc_hep.writers import write_histograms

    # overwrite: run() refused an existing output before reading (unless asked to overwrite)
    write_histograms({a.spec.name: a.to_root() for a in accumulators}, out, overwrite=True)
