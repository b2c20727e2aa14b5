"""The pure-Python twin of ``macros/KCDC_analyze_example.C``: the same histograms of events.root, without ROOT.

:func:`run` reads a KCDC ``events.root`` (trees ``KCDC``, ``KCDCM``, ``Array``, ``Calor``; or the KCDC zip that
holds it), prints the same lines as the C++ macro and writes ``KCDC_analyze_example_output.root`` with the same
TH1D/TH2D objects: names, titles, binning, under/overflow, entries (``fEntries``), errors (``fSumw2``) and the
statistics ROOT's ``GetMean``/``GetRMS`` use (``fTsumw``, ``fTsumwx``, ``fTsumwx2``, ...). ``kcdc-hep compare``
checks the two files bin for bin.

How it stays identical to ROOT and fast:

- Columnar and chunked: ``step_size`` showers at a time, no Python loop over showers; the component trees are
  joined through the ``KCDCM`` mapping as the macro does. Only the branches the histograms need are read, each in
  its own task on two threads (uproot's decompression releases the GIL), and a basket is decompressed once even
  when it spans several chunks.
- Bin numbers are ROOT's: ``TAxis::FindFixBin`` of ROOT 6.40 (``1 + int(n*(x-low)/(high-low))``, corrected so that
  ``GetBinLowEdge(bin) <= x < GetBinUpEdge(bin)``) for regular axes, the binary search over the edges for variable
  ones; NaN goes to the overflow bin. Regular axes of boost-histogram or numpy round differently at bin edges,
  which matters for values stored as float32. Counting is ``numpy.bincount`` on those bin numbers.
- Statistics as ``TH1::Fill``: every fill counts in ``fEntries``; only fills inside the axis ranges enter
  ``fTsumw``, ``fTsumwx``, ... (ROOT's default, ``TH1::StatOverflows(false)``).
- On Dask (``workers=N`` or ``scheduler=``) every chunk of ``step_size`` showers is one task; the tasks return the
  counts and the statistics of their chunk, which are added in chunk order, so the output is the local one bit for
  bit (``fTsumwx`` ... included). Without ``workers`` and ``scheduler`` Dask is not imported.

>>> [spec.name for spec in HISTOGRAMS][:5]
['hE', 'hNe', 'hNmu', 'hZe', 'hAz']
"""

from __future__ import annotations

import functools
import math
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kcdc_hep import settings
from kcdc_hep.errors import CorruptFileError, MissingColumnError, MissingFileError, OutputExistsError, SchemaError

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


# --------------------------------------------------------------------------------------------- histogram specs
@dataclass(frozen=True)
class RootAxis:
    """One axis of a ROOT histogram: ``bins`` regular bins on [low, high), or variable bins with ``edges``.

    ``log = (k_low, k_high, per_decade)`` marks variable bins with edges ``10**(k / per_decade)`` (only used to
    find bin numbers faster).
    """

    bins: int
    low: float
    high: float
    edges: tuple[float, ...] | None = None
    log: tuple[int, int, int] | None = None

    @classmethod
    def log_bins(cls, k_low: int, k_high: int, per_decade: int) -> RootAxis:
        """Variable bins with edges ``10**(k / per_decade)``, k = k_low ... k_high (as ``LogEdges`` in the macro).

        >>> RootAxis.log_bins(0, 20, 10).edges[10]
        10.0
        """
        edges = tuple(math.pow(10.0, k / per_decade) for k in range(k_low, k_high + 1))
        return cls(len(edges) - 1, edges[0], edges[-1], edges, (k_low, k_high, per_decade))

    def bin_index(self, values: np.ndarray) -> np.ndarray:
        """ROOT's bin number of each value: 0 underflow, 1 ... bins, bins + 1 overflow (and NaN).

        Exactly ``TAxis::FindFixBin`` of ROOT 6.40 (see the module docstring).

        >>> RootAxis(7, 0.1, 0.8).bin_index(np.array([0.05, 0.1, 0.7, 0.8, np.nan])).tolist()
        [0, 1, 6, 8, 8]
        """
        x = np.asarray(values)
        if x.dtype.kind != "f":
            x = x.astype(np.float64)
        n = self.bins
        low_edge, up_edge = _edge_tables(self)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            # a first guess t (bin number + fraction), right to within one bin ...
            if self.log is not None:
                k_low, _, per_decade = self.log
                t = np.log10(x)
                t *= per_decade
                t += 1 - k_low
            elif self.edges is None:
                t = x - self.low
                t *= n / (self.high - self.low)
                t += 1
            else:
                return np.searchsorted(np.asarray(self.edges), x, side="right").astype(np.intp)
            whole = np.floor(t)
            # ... then exact comparisons with ROOT's edges for the values near a bin edge (not for -inf, NaN)
            eps = 1e-3 if x.dtype.itemsize < 8 else 1e-7
            t -= whole
            near = np.flatnonzero((t < eps) | (t > 1 - eps))
            np.fmax(whole, 0, out=whole)  # fmax/fmin also map NaN to 0 (x < 0 on a log axis); NaN x is set below
            np.fmin(whole, n + 1, out=whole)
            b = whole.astype(np.intp)
            if len(near):
                xn, bn = x[near], b[near]
                bn += up_edge[bn] <= xn
                np.minimum(bn, n + 1, out=bn)  # +inf
                bn -= low_edge[bn] > xn
                b[near] = bn
            nan = np.isnan(x)
            if nan.any():
                b[nan] = n + 1
        return b


@functools.cache
def _edge_tables(axis: RootAxis) -> tuple[np.ndarray, np.ndarray]:
    """(low edge, up edge) of bins 0 ... n + 1 as ROOT decides them: bin b holds low_edge[b] <= x < up_edge[b].

    Regular axes: ``GetBinLowEdge(b) = low + (b - 1) * width`` and ROOT 6.40 moves a value to the neighbour bin
    when rounding put it outside [GetBinLowEdge(b), GetBinUpEdge(b)); values at or above ``high`` overflow.
    Variable axes: the binary search over the edges.
    """
    n = axis.bins
    if axis.edges is not None:
        edges = np.asarray(axis.edges, dtype=np.float64)
    else:
        width = (axis.high - axis.low) / n
        edges = np.arange(n + 1, dtype=np.float64) * width + axis.low
        edges[n] = min(axis.high, edges[n])
    low_edge = np.concatenate([[-np.inf], edges])
    up_edge = np.concatenate([edges, [np.inf]])
    return low_edge, up_edge


@dataclass(frozen=True)
class HistogramSpec:
    """A histogram of the example: ROOT name, ROOT title (``"title;x title;y title"``), x and (for TH2D) y axis."""

    name: str
    title: str
    x: RootAxis
    y: RootAxis | None = None

    @property
    def titles(self) -> tuple[str, str, str]:
        """(histogram title, x-axis title, y-axis title), split at ``;`` as ``TH1::SetTitle`` does."""
        parts = [*self.title.split(";"), "", ""]
        return parts[0], parts[1], parts[2]


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


# --------------------------------------------------------------------------------------------- accumulators
def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """``sum(a * b)`` independent of the number of threads (numpy's own loop, not BLAS).

    ``np.dot`` goes to a multithreaded BLAS whose sum depends on the thread count (OpenBLAS splits vectors of more
    than 10,000 values among its threads): the statistics would then differ in the last bits between machines, and
    between the local run and Dask workers (which run BLAS on one thread). As fast here as ``np.dot``.
    """
    return float(np.einsum("i,i", a, b))


class _Accumulator:
    """Bin contents and ``TH1::Fill`` statistics of one histogram, summed over chunks."""

    def __init__(self, spec: HistogramSpec) -> None:
        self.spec = spec
        nx = spec.x.bins + 2
        ny = spec.y.bins + 2 if spec.y is not None else 1
        self.counts = np.zeros(nx * ny, dtype=np.int64)  # ROOT order: bin = biny * (nx + 2) + binx
        # which bins count in the statistics (not under/overflow on any axis)
        inside_x = np.zeros(nx, dtype=bool)
        inside_x[1:-1] = True
        inside_y = np.ones(1, dtype=bool)
        if spec.y is not None:
            inside_y = np.zeros(ny, dtype=bool)
            inside_y[1:-1] = True
        self._inside = np.outer(inside_y, inside_x).ravel()
        self.entries = 0
        self.sumw = 0.0
        self.sumwx = 0.0
        self.sumwx2 = 0.0
        self.sumwy = 0.0
        self.sumwy2 = 0.0
        self.sumwxy = 0.0

    def fill(self, x: np.ndarray, ix: np.ndarray, y: np.ndarray | None = None, iy: np.ndarray | None = None) -> None:
        """Add values ``x`` (and ``y``) whose bin numbers are ``ix`` (and ``iy``), as ``TH1::Fill`` would."""
        nx = self.spec.x.bins
        self.entries += len(ix)
        if y is None or iy is None or self.spec.y is None:
            self.counts += np.bincount(ix, minlength=nx + 2)
            inside = self._inside[ix]
            xin = x[inside].astype(np.float64, copy=False)
        else:
            flat = iy * (nx + 2)
            flat += ix
            self.counts += np.bincount(flat, minlength=len(self.counts))
            inside = self._inside[flat]
            xin = x[inside].astype(np.float64, copy=False)
            yin = y[inside].astype(np.float64, copy=False)
            self.sumwy += float(yin.sum())
            self.sumwy2 += _dot(yin, yin)
            self.sumwxy += _dot(xin, yin)
        self.sumw += float(len(xin))
        self.sumwx += float(xin.sum())
        self.sumwx2 += _dot(xin, xin)

    _SUMS = ("sumw", "sumwx", "sumwx2", "sumwy", "sumwy2", "sumwxy")

    def state(self) -> tuple[np.ndarray, int, tuple[float, ...]]:
        """(bin counts, entries, statistics sums): what a Dask task sends back."""
        return self.counts, self.entries, tuple(getattr(self, k) for k in self._SUMS)

    def add(self, state: tuple[np.ndarray, int, tuple[float, ...]]) -> None:
        """Add the :meth:`state` of one chunk: the same additions as filling that chunk here (same floats)."""
        counts, entries, sums = state
        self.counts += counts
        self.entries += entries
        for key, value in zip(self._SUMS, sums, strict=True):
            setattr(self, key, getattr(self, key) + value)

    def to_root(self) -> Any:
        """The histogram as an uproot-writable TH1D or TH2D."""
        from uproot.writing.identify import to_TAxis, to_TH1x, to_TH2x

        title, xtitle, ytitle = self.spec.titles

        def axis(name: str, spec: RootAxis, axis_title: str) -> Any:
            edges = np.asarray(spec.edges if spec.edges is not None else [], dtype=np.float64)
            return to_TAxis(name, axis_title, spec.bins, spec.low, spec.high, fXbins=edges)

        data = self.counts.astype(np.float64)
        common = {"fEntries": float(self.entries), "fTsumw": self.sumw, "fTsumw2": self.sumw}
        if self.spec.y is None:
            return to_TH1x(
                self.spec.name,
                title,
                data,
                fTsumwx=self.sumwx,
                fTsumwx2=self.sumwx2,
                fSumw2=data.copy(),  # unit weights: sum of squared weights = contents
                fXaxis=axis("xaxis", self.spec.x, xtitle),
                fYaxis=to_TAxis("yaxis", ytitle, 1, 0.0, 1.0),
                **common,
            )
        return to_TH2x(
            self.spec.name,
            title,
            data,
            fTsumwx=self.sumwx,
            fTsumwx2=self.sumwx2,
            fTsumwy=self.sumwy,
            fTsumwy2=self.sumwy2,
            fTsumwxy=self.sumwxy,
            fSumw2=data.copy(),
            fXaxis=axis("xaxis", self.spec.x, xtitle),
            fYaxis=axis("yaxis", self.spec.y, ytitle),
            **common,
        )


# --------------------------------------------------------------------------------------------- reading
class _BranchCursor:
    """Reads increasing entry ranges of one branch, decompressing each basket once.

    A read extends to the end of the basket that holds the last requested entry and keeps the rest for the next
    request, so chunks that do not line up with baskets (or files written with one huge basket per branch) cost
    no second decompression.
    """

    def __init__(self, branch: Any) -> None:
        self.branch = branch
        self.boundaries = np.asarray(branch.entry_offsets, dtype=np.int64)
        self.start = 0
        self.data: Any = None  # entries [start, start + len(data))

    def _stop(self) -> int:
        return self.start + (len(self.data) if self.data is not None else 0)

    def take(self, lo: int, hi: int) -> Any:
        """Entries [lo, hi) of the branch (an awkward array)."""
        import awkward as ak

        if self.data is None or not self.start <= lo <= self._stop():
            self.data, self.start = None, lo
        if hi > self._stop():
            read_from = self._stop()
            k = min(int(np.searchsorted(self.boundaries, hi, side="left")), len(self.boundaries) - 1)
            read_to = max(hi, int(self.boundaries[k]))  # to the end of the basket that holds entry hi - 1
            new = self.branch.array(entry_start=read_from, entry_stop=read_to, library="ak")
            if self.data is None:
                self.data = new
            else:  # keep what is still needed of the previous read (at most one basket); to_packed drops the
                # consumed part of a jagged view's content, which concatenate would otherwise carry along for ever
                self.data = ak.concatenate([ak.to_packed(self.data[lo - self.start :]), new])
                self.start = lo
        return self.data[lo - self.start : hi - self.start]


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
    OutputExistsError
        The output exists and ``overwrite`` is false.
    MissingFileError, CorruptFileError, MissingColumnError
        The input is missing, not a readable ROOT file, or lacks a tree or branch the example needs.
    MissingDependencyError
        ``workers`` or ``scheduler`` was given and Dask (``distributed``) is not installed.
    """
    if step_size < 1:
        msg = f"step_size must be a positive number of showers, not {step_size}"
        raise SchemaError(msg)
    if workers is not None and scheduler is not None:
        msg = "run: pass either workers= (a local Dask cluster) or scheduler= (an existing one), not both"
        raise ValueError(msg)
    if workers is not None and (not isinstance(workers, int | np.integer) or isinstance(workers, bool) or workers < 1):
        msg = f"run: workers must be a positive number of processes, not {workers!r}"
        raise ValueError(msg)
    from kcdc_hep.readers import resolve

    resolve(path_to_data)  # a missing input is reported before an existing output
    out = Path(output) if output is not None else Path(DEFAULT_OUTPUT)
    if out.exists() and not overwrite:
        msg = f"{out}: exists; pass overwrite=True (CLI: --overwrite) or choose another output name"
        raise OutputExistsError(msg)
    accumulators = {spec.name: _Accumulator(spec) for spec in HISTOGRAMS}
    with ExitStack() as stack:
        root_path = _local_root_file(path_to_data, stack)
        file = stack.enter_context(_open(root_path, where=os.fspath(path_to_data)))
        trees = _trees(file, where=os.fspath(path_to_data))
        sizes = {name: (int(t.num_entries) if t is not None else 0) for name, t in trees.items()}
        print(f"Input file:{os.fspath(path_to_data)}")
        print(f"KCDC-Entries read from files: {sizes['KCDC']}")
        print(f"KCDCM-Entries: {sizes['KCDCM']}")
        print(f"Array Entries: {sizes['Array']}")
        print(f"Calor Entries: {sizes['Calor']}")
        sys.stdout.flush()
        if progress is None:
            progress = sys.stderr.isatty()
        where = os.fspath(path_to_data)
        if workers is None and scheduler is None:
            _fill_here(accumulators, trees, step_size=step_size, where=where, progress=progress)
        else:
            ranges = [(a, min(a + step_size, sizes["KCDC"])) for a in range(0, sizes["KCDC"], step_size)]
            job = functools.partial(_fill_range, root_path, where=where, step_size=step_size)
            for states in _on_dask(job, ranges, workers=workers, scheduler=scheduler, progress=progress):
                for chunk_states in states:  # in chunk order: the additions of the local run
                    for name, state in chunk_states.items():
                        accumulators[name].add(state)
    _write(out, accumulators.values())
    print(f"Histograms written to: {os.fspath(out)}")
    return ExampleResult(
        out, sizes["KCDC"], sizes["KCDCM"], sizes["Array"], sizes["Calor"], tuple(spec.name for spec in HISTOGRAMS)
    )


def _fill_here(
    accumulators: dict[str, _Accumulator], trees: dict[str, Any], *, step_size: int, where: str, progress: bool
) -> None:
    """Fill the histograms in this process, chunk by chunk."""
    with ExitStack() as stack:
        # three small pools: reading branches, reading ahead, filling (two cores are enough for all of them)
        read_pool = stack.enter_context(ThreadPoolExecutor(max_workers=2, thread_name_prefix="kcdc-read"))
        ahead_pool = stack.enter_context(ThreadPoolExecutor(max_workers=1, thread_name_prefix="kcdc-ahead"))
        fill_pool = stack.enter_context(ThreadPoolExecutor(max_workers=2, thread_name_prefix="kcdc-fill"))
        chunks = _prefetch(_chunks(trees, step_size=step_size, pool=read_pool, where=where), ahead_pool)
        if progress:
            from tqdm.auto import tqdm

            total = -(-int(trees["KCDC"].num_entries) // step_size)
            chunks = iter(tqdm(chunks, total=total, unit="chunk", desc="KCDC_analyze_example", file=sys.stderr))
        for chunk in chunks:
            _fill(accumulators, chunk, fill_pool)


def _fill_range(
    root_path: Path, entries: tuple[int, int], *, where: str, step_size: int
) -> list[dict[str, tuple[np.ndarray, int, tuple[float, ...]]]]:
    """Fill fresh histograms from the showers ``entries`` of the file, one set per chunk (a Dask task).

    Returns the :meth:`_Accumulator.state` of every histogram for each chunk, in chunk order: added one chunk after
    the other, they give exactly the floating-point sums of the local run.
    """
    lo, hi = entries
    out = []
    with ExitStack() as stack:
        file = stack.enter_context(_open(root_path, where=where))
        trees = _trees(file, where=where)
        read_pool = stack.enter_context(ThreadPoolExecutor(max_workers=1, thread_name_prefix="kcdc-read"))
        fill_pool = stack.enter_context(ThreadPoolExecutor(max_workers=1, thread_name_prefix="kcdc-fill"))
        for chunk in _chunks(trees, step_size=step_size, pool=read_pool, where=where, start=lo, stop=hi):
            accumulators = {spec.name: _Accumulator(spec) for spec in HISTOGRAMS}
            _fill(accumulators, chunk, fill_pool)
            out.append({name: a.state() for name, a in accumulators.items()})
    return out


def _on_dask(
    job: Any, ranges: list[tuple[int, int]], *, workers: int | None, scheduler: Any, progress: bool
) -> Iterator[Any]:
    """The results of ``job`` for every range, in range order, computed on a Dask cluster."""
    from kcdc_hep._optional import import_optional
    from kcdc_hep.engine import dask_client

    distributed = import_optional("distributed")
    with dask_client(workers=workers, scheduler=scheduler) as client:
        futures = client.map(job, ranges, pure=False)
        if progress:
            from tqdm.auto import tqdm

            for _ in tqdm(distributed.as_completed(futures), total=len(futures), unit="chunk", file=sys.stderr):
                pass
        for future in futures:
            yield future.result()
            future.release()


def _local_root_file(source: str | os.PathLike[str], stack: ExitStack) -> Path:
    """A ROOT file on disk: the file itself, or the zip member unpacked into a temporary folder."""
    from kcdc_hep.readers import _open_source, resolve

    src = resolve(source)
    if src.kind == "file":
        return src.path
    if src.kind != "zip":
        msg = f"{src.where}: the example reads a ROOT events.root (or a zip holding one), not a folder"
        raise SchemaError(msg)
    tmpdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="kcdc_example_")))
    with _open_source(src) as (fh, resolved):
        if resolved.kind != "zip" or not (resolved.member or "").lower().endswith(".root"):
            msg = (
                f"{src.where}: the archive's data member is {resolved.member!r}, not a ROOT file; "
                "name the ROOT member as 'ZIP:MEMBER'"
            )
            raise SchemaError(msg)
        target = tmpdir / Path(resolved.member or "events.root").name
        with open(target, "wb") as out:
            shutil.copyfileobj(fh, out, length=16 << 20)
    return target


def _open(path: Path, *, where: str) -> Any:
    import uproot

    try:
        return uproot.open(path, array_cache=None)
    except Exception as err:
        msg = f"{where}: not a readable ROOT file ({type(err).__name__}: {err}); it may be truncated or corrupt"
        raise CorruptFileError(msg) from err


def _trees(file: Any, *, where: str) -> dict[str, Any]:
    names = {k.split(";")[0]: c for k, c in file.classnames().items()}
    if names.get("KCDC") != "TTree":
        listed = ", ".join(f"{k} ({c})" for k, c in names.items()) or "nothing"
        msg = f"{where}: no TTree 'KCDC' (it holds: {listed}); the example needs a KCDC events.root"
        raise MissingColumnError(msg)
    trees = {name: (file[name] if names.get(name) == "TTree" else None) for name in ("KCDC", "KCDCM", "Array", "Calor")}
    _require(trees["KCDC"], GENERAL_BRANCHES, where=f"{where}:KCDC")
    if trees["KCDCM"] is None:  # as the macro: without the mapping the components cannot be joined
        trees["Array"] = trees["Calor"] = None
    else:
        keys = set(trees["KCDCM"].keys())
        if "ArrayIdx" not in keys:
            trees["Array"] = None
        if "CalorIdx" not in keys:
            trees["Calor"] = None
    if trees["Array"] is not None:
        _require(trees["Array"], ARRAY_BRANCHES, where=f"{where}:Array")
    if trees["Calor"] is not None:
        _require(trees["Calor"], CALOR_BRANCHES, where=f"{where}:Calor")
    return trees


def _require(tree: Any, branches: tuple[str, ...], *, where: str) -> None:
    from kcdc_hep.errors import closest_first

    keys = list(tree.keys())
    for b in branches:
        if b not in keys:
            listed = ", ".join(closest_first(b, keys)[:10]) or "nothing"
            msg = f"{where}: no branch {b!r} (branches, closest first: {listed})"
            raise MissingColumnError(msg)


@dataclass(frozen=True)
class _Chunk:
    general: dict[str, np.ndarray]
    array_event: np.ndarray | None  # mask of the chunk's showers that have array data
    stations: dict[str, np.ndarray] | None  # flat per-station values, in shower order
    counts: np.ndarray | None  # stations per shower with array data
    calor: dict[str, np.ndarray] | None


def _chunks(
    trees: dict[str, Any],
    *,
    step_size: int,
    pool: ThreadPoolExecutor,
    where: str,
    start: int = 0,
    stop: int | None = None,
) -> Iterator[_Chunk]:
    """The showers ``[start, stop)`` (default: all) in chunks of ``step_size``, joined with their component data."""
    general = {b: _BranchCursor(trees["KCDC"][b]) for b in GENERAL_BRANCHES}
    mapping = trees["KCDCM"]
    amap = _BranchCursor(mapping["ArrayIdx"]) if trees["Array"] is not None else None
    cmap = _BranchCursor(mapping["CalorIdx"]) if trees["Calor"] is not None else None
    array = {b: _BranchCursor(trees["Array"][b]) for b in ARRAY_BRANCHES} if trees["Array"] is not None else {}
    calor = {b: _BranchCursor(trees["Calor"][b]) for b in CALOR_BRANCHES} if trees["Calor"] is not None else {}
    n = int(trees["KCDC"].num_entries)
    n_array = int(trees["Array"].num_entries) if trees["Array"] is not None else 0
    n_calor = int(trees["Calor"].num_entries) if trees["Calor"] is not None else 0

    def read(cursors: dict[str, _BranchCursor], lo: int, hi: int) -> dict[str, Any]:
        futures = {name: pool.submit(c.take, lo, hi) for name, c in cursors.items()}
        try:
            return {name: f.result() for name, f in futures.items()}
        except Exception as err:
            msg = f"{where}: reading entries {lo}-{hi} failed ({type(err).__name__}: {err}); the file may be truncated"
            raise CorruptFileError(msg) from err

    stop = n if stop is None else min(stop, n)
    for a in range(start, stop, step_size):
        b = min(a + step_size, stop)
        maps = read({k: v for k, v in (("a", amap), ("c", cmap)) if v is not None}, a, b)
        gen = {k: _numpy(v) for k, v in read(general, a, b).items()}
        array_event = stations = counts = calor_values = None
        if "a" in maps:
            idx = _numpy(maps["a"]).astype(np.int64)
            array_event = idx >= 0
            sel = idx[array_event]
            _check_range(sel, n_array, "Array", where)
            counts, stations = _stations(array, read, sel)
        if "c" in maps:
            idx = _numpy(maps["c"]).astype(np.int64)
            sel = idx[idx >= 0]
            _check_range(sel, n_calor, "Calor", where)
            calor_values = _take(calor, read, sel)
        yield _Chunk(gen, array_event, stations, counts, calor_values)


def _check_range(sel: np.ndarray, n: int, tree: str, where: str) -> None:
    if len(sel) and (sel.min() < 0 or sel.max() >= n):
        msg = (
            f"{where}: the KCDCM mapping points past the end of the {tree} tree ({n} entries); the file is inconsistent"
        )
        raise CorruptFileError(msg)


def _contiguous(sel: np.ndarray) -> bool:
    return bool(len(sel) == 0 or (sel[-1] - sel[0] + 1 == len(sel) and np.all(np.diff(sel) == 1)))


def _stations(array: dict[str, _BranchCursor], read: Any, sel: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Per-station values of the Array entries ``sel`` (in that order), flattened, and the counts per entry."""
    if len(sel) == 0:
        return np.zeros(0, np.int64), {b: np.zeros(0) for b in ARRAY_BRANCHES}
    lo, hi = int(sel.min()), int(sel.max()) + 1
    raw = read(array, lo, hi)
    if not _contiguous(sel):
        raw = {k: v[sel - lo] for k, v in raw.items()}
    split = {name: _flat(values) for name, values in raw.items()}
    counts = split["ArrivalS"][0]
    for name, (c, _) in split.items():
        if not np.array_equal(c, counts):
            msg = f"Array branch {name} has other list lengths than ArrivalS; the file is inconsistent"
            raise CorruptFileError(msg)
    return counts, {name: content for name, (_, content) in split.items()}


def _take(cursors: dict[str, _BranchCursor], read: Any, sel: np.ndarray) -> dict[str, np.ndarray]:
    if len(sel) == 0:
        return {b: np.zeros(0) for b in cursors}
    lo, hi = int(sel.min()), int(sel.max()) + 1
    raw = {k: _numpy(v) for k, v in read(cursors, lo, hi).items()}
    return raw if _contiguous(sel) else {k: v[sel - lo] for k, v in raw.items()}


# --------------------------------------------------------------------------------------------- filling
def _fill(acc: dict[str, _Accumulator], chunk: _Chunk, pool: ThreadPoolExecutor) -> None:
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
        core.fill(g["Xc"], _x_axis(core).bin_index(g["Xc"]), g["Yc"], _y_axis(core).bin_index(g["Yc"]))
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
        return r, _x_axis(acc["hEDepR"]).bin_index(r), valid

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


def _x_axis(a: _Accumulator) -> RootAxis:
    return a.spec.x


def _y_axis(a: _Accumulator) -> RootAxis:
    if a.spec.y is None:
        msg = f"{a.spec.name} is not a 2-D histogram"
        raise SchemaError(msg)
    return a.spec.y


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
    import shutil

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
    import uproot

    from kcdc_hep.writers import _atomic

    with _atomic(out) as tmp, uproot.recreate(tmp) as f:
        for a in accumulators:
            f[a.spec.name] = a.to_root()
