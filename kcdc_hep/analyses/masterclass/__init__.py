"""The whole masterclass analysis in one call: figures, ``masterclass.root``, ``summary.json`` and ``report.html``.

>>> from kcdc_hep.analyses.masterclass import run_masterclass
>>> result = run_masterclass(out="masterclass_output")        # doctest: +SKIP
>>> result.report                                               # doctest: +SKIP
PosixPath('masterclass_output/report.html')

Command line: ``kcdc-hep masterclass [--data FILE] [--sim FILE] [--out DIR] [--overwrite] [--workers N | --scheduler
ADDRESS]``.

The job streams the measured data and the simulation chunk by chunk (:func:`kcdc_hep.engine.map_reduce`), so memory
stays bounded whatever the file size; it applies the quality cuts (:class:`kcdc_hep.Cuts`, with a cut flow), fills
every histogram per chunk, merges the chunks in file order, and then fits the histograms. Locally (the default) the
chunks are read in this process and Dask is not imported; ``workers=N`` (``--workers N``) runs the chunks on a local
Dask cluster of N processes and ``scheduler=`` (``--scheduler tcp://host:8786``) on an existing one, with the same
outputs number for number:

1. the ratio lgNe/lgNmu of the data with a Gaussian (:func:`kcdc_hep.fits.fit_gauss`, as ROOT's ``Fit("gaus")``);
2. the composition per energy bin with the simulated 2-D lgNe–lgNmu maps of p … Fe as templates
   (:func:`kcdc_hep.fits.fit_composition`) and the mean logarithmic mass ⟨ln A⟩;
3. the light/heavy separation line from the simulated p and Fe showers (:func:`kcdc_hep.fits.separation_line`)
   and the heavy fraction of the data per energy bin;
4. the all-particle flux (:func:`kcdc_hep.fits.flux_spectrum`, exposure = live time × area × solid angle) and the
   knee (:func:`kcdc_hep.fits.fit_knee`), when the data carry event times.

A fit that cannot be done (too few events, no event times) is recorded in the summary with the reason, and the rest
of the job goes on.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import html
import io
import itertools
import json
import math
import os
import platform
import sys
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, cast

import awkward as ak
import hist
import numpy as np

from kcdc_hep import engine, fits
from kcdc_hep.errors import FitError, MissingColumnError, OutputExistsError, SchemaError, closest_first
from kcdc_hep.histograms import make_axis
from kcdc_hep.readers import expand, iterate
from kcdc_hep.schema import MASS_GROUPS, describe
from kcdc_hep.selections import Cutflow, Cuts, CutStep, column, select

__all__ = [
    "DEFAULT_ENERGY_BINS",
    "FIGURES",
    "MasterclassResult",
    "live_time",
    "run_masterclass",
]

#: Energy bins (lg(E/eV) edges) of the composition and heavy-fraction fits: from full trigger efficiency (1 PeV) up
#: to where the masterclass simulation (sample 2, 1.7 M showers) still has enough iron showers for a template.
DEFAULT_ENERGY_BINS: tuple[float, ...] = (15.0, 15.2, 15.4, 15.6, 16.0)
#: Bins of the all-particle flux, lg(E/eV): (n, low, high).
FLUX_BINS: tuple[int, float, float] = (30, 15.0, 18.0)
#: Energy range of the knee fit in GeV (1 PeV – 300 PeV).
KNEE_RANGE_GEV: tuple[float, float] = (1e6, 3e8)
#: Sharpness ε of the smooth knee (fixed: the data constrain it weakly, see :func:`kcdc_hep.fits.fit_knee`).
KNEE_SHARPNESS = 10.0
#: Largest gap between consecutive events that still counts as data taking (runs are separated by longer gaps).
MAX_GAP_S = 60.0
#: Fewest showers per energy bin, in the data and in each simulated primary, for a composition fit.
MIN_EVENTS = 50
#: Events per chunk.
STEP_SIZE = 500_000

#: The figures of the job: file stem → (title, caption for the report).
FIGURES: MappingProxyType[str, str] = MappingProxyType(
    {
        "spectrum": "Energy spectrum",
        "sizes": "Electron and muon numbers",
        "size_maps_simulation": "Simulated showers of p … Fe in the electron–muon plane",
        "size_map_data": "Measured showers in the electron–muon plane",
        "ratio": "The ratio lg(Ne)/lg(Nμ) with a Gaussian fit",
        "composition": "Composition and mean mass versus energy",
        "heavy_fraction": "Heavy fraction versus energy",
        "flux": "All-particle flux and the knee",
    }
)
_ROOT_FILE = "masterclass.root"
_SUMMARY = "summary.json"
_REPORT = "report.html"

_DATA_FIELDS = ("lgE", "lgNe", "lgNmu")
_SIM_FIELDS = ("lgE", "lgNe", "lgNmu", "primary")
_OPTIONAL = ("zenith", "azimuth", "core_x", "core_y", "core_dist", "age", "time")
#: fields each cut needs (any one of a group of alternatives)
_CUT_FIELDS: dict[str, tuple[tuple[str, ...], ...]] = {
    "zenith_max_deg": (("zenith",),),
    "core_radius_max_m": (("core_dist",), ("core_x", "core_y")),
    "age_min": (("age",),),
    "age_max": (("age",),),
    "lgNe_min": (("lgNe",),),
    "lgNmu_min": (("lgNmu",),),
    "lgE_min": (("lgE",),),
    "lgE_max": (("lgE",),),
}
_DEFAULT_CUTS = Cuts()


@dataclass(frozen=True)
class MasterclassResult:
    """What :func:`run_masterclass` wrote, and the summary of the analysis.

    Attributes
    ----------
    out : pathlib.Path
        The output folder.
    figures : mapping of str → pathlib.Path
        PNG file of each figure, by name (see :data:`FIGURES`).
    masterclass_root : pathlib.Path
        ROOT file with every histogram (TH1D/TH2D).
    summary_json : pathlib.Path
        The summary as JSON.
    report : pathlib.Path
        Self-contained HTML report (figures embedded).
    summary : mapping
        The content of ``summary.json``: ``cutflow``, ``gauss_ratio``, ``composition``, ``knee``, ...
    """

    out: Path
    figures: Mapping[str, Path]
    masterclass_root: Path
    summary_json: Path
    report: Path
    summary: Mapping[str, Any]


# ================================================================================================== live time
def live_time(time_ns: np.ndarray, *, max_gap_s: float = MAX_GAP_S, previous_ns: int | None = None) -> float:
    """Data-taking time in s: the sum of the gaps between consecutive events that are shorter than ``max_gap_s``.

    Runs are separated by long pauses; counting only short gaps measures the time the detector was taking data (the
    first event of a run starts the clock). With event rates of 1–4 Hz a gap of a minute never happens inside a run.

    Parameters
    ----------
    time_ns : numpy.ndarray
        Event times as integer ns (or ``datetime64``); sorted here.
    max_gap_s : float
        Longest gap in s counted as data taking.
    previous_ns : int, optional
        Time of the last event before these (when streaming chunks), so the gap across chunks counts too.

    >>> t = np.array([0, 1, 2, 1000, 1001], dtype=np.int64) * 1_000_000_000
    >>> live_time(t)
    3.0
    """
    t = np.sort(np.asarray(time_ns).astype("datetime64[ns]").astype(np.int64))
    if previous_ns is not None and t.size:
        t = np.concatenate([[previous_ns], t])
    gaps = np.diff(t) / 1e9
    return float(gaps[(gaps >= 0) & (gaps < max_gap_s)].sum())


# ================================================================================================== inputs
def _default_inputs(*, progress: bool) -> tuple[list[str], list[str]]:
    """The built-in default sample: data = sample 3, sim = sample 2 (generated into the user cache on first use).

    Sample 3 is the measured data set with every column: event times (for the flux and the knee), core position and
    shower age (for all the quality cuts). Sample 1 holds the same showers (and more) with only E, Ne, Nmu, Ze, so
    it would add no independent events and cannot be cut alike; sample 2 is the simulation with the primaries.
    """
    from kcdc_hep.simulation.samples import default_sample

    data = default_sample("sample3", progress=progress)
    sim = default_sample("sample2", progress=progress)
    return [os.fspath(data)], [os.fspath(sim)]


def _as_list(source: Any) -> list[str]:
    if isinstance(source, str | os.PathLike):
        return expand(source)
    return expand(list(source))


def _peek_fields(path: str) -> list[str]:
    """Field names of a file from its first few events (cheap: one small chunk is parsed, then the file is closed)."""
    for first in iterate(path, step_size=1000):
        return list(ak.fields(first))
    return []


def _check_fields(paths: list[str], needed: Sequence[str], *, role: str) -> list[str]:
    """Fields common to all files of one input; raise a plain-words error if a needed one is absent."""
    common: list[str] | None = None
    for path in paths:
        names = _peek_fields(path)
        for name in needed:
            if name in names:
                continue
            listed = ", ".join(closest_first(name, names)[:12]) or "nothing"
            if name == "primary":
                msg = (
                    f"{path}: the simulation must say which particle started each shower (a 'Particle' or "
                    f"'primary' column), but this file has none (it has: {listed}). Did you give measured data as "
                    "--sim? Use the simulation file (sample 2) for --sim and the measured data for --data."
                )
            else:
                msg = (
                    f"{path}: the {role} need the field {name!r} ({describe(name)}), but this file has: {listed}. "
                    "Is it a KASCADE/KCDC events file? The masterclass samples 1-3 and KCDC exports work."
                )
            raise MissingColumnError(msg)
        common = names if common is None else [n for n in common if n in names]
    return common or []


def _effective_cuts(cuts: Cuts, data_fields: set[str], sim_fields: set[str]) -> tuple[Cuts, list[str]]:
    """Switch off the cuts whose fields the data or the simulation lack (data and templates must be cut alike)."""
    changes: dict[str, None] = {}
    notes: list[str] = []
    for f in fields(cuts):
        options = _CUT_FIELDS.get(f.name, ())
        if getattr(cuts, f.name) is None or not options:
            continue
        lacking = [role for role, have in (("data", data_fields), ("simulation", sim_fields))
                   if not any(set(opt) <= have for opt in options)]  # fmt: skip
        if lacking:
            changes[f.name] = None
            need = " or ".join("+".join(o) for o in options)
            verb = "has" if len(lacking) == 1 else "have"
            notes.append(f"{f.name} switched off: the {' and the '.join(lacking)} {verb} no {need}")
    return replace(cuts, **changes), notes


def _columns(available: list[str], wanted: Sequence[str]) -> list[str]:
    return [w for w in wanted if w in available]


def _outputs(out: Path) -> dict[str, Path]:
    names = {f"figure:{k}": out / f"{k}.png" for k in FIGURES}
    names.update({"root": out / _ROOT_FILE, "summary": out / _SUMMARY, "report": out / _REPORT})
    return names


# ================================================================================================== cut flow
def _merge_cutflows(flows: list[Cutflow]) -> Cutflow:
    """One cut flow from the cut flows of the chunks (counts add; efficiencies from the sums)."""
    if not flows:
        return Cutflow(n_total=0, steps=())
    n_total = sum(f.n_total for f in flows)
    steps = []
    previous = n_total
    for i, first in enumerate(flows[0].steps):
        n_pass = sum(f.steps[i].n_pass for f in flows)
        steps.append(
            CutStep(
                name=first.name,
                description=first.description,
                n_pass=n_pass,
                efficiency=n_pass / previous if previous else math.nan,
                cumulative_efficiency=n_pass / n_total if n_total else math.nan,
            )
        )
        previous = n_pass
    return Cutflow(n_total=n_total, steps=tuple(steps))


# ================================================================================================== histograms
def _primary_axis() -> hist.axis.StrCategory:
    return hist.axis.StrCategory(list(MASS_GROUPS), name="primary", label="primary", growth=True)


def _energy_axis(energy_bins: Sequence[float]) -> hist.axis.Variable:
    return hist.axis.Variable(np.asarray(energy_bins, dtype=float), name="lgE", label="lg(E/eV)")


def _at(h: hist.Hist, *index: Any) -> hist.Hist:
    """``h[index]`` as a histogram (for the type checker: slicing a hist can also give a number)."""
    return cast(hist.Hist, h[index])


def _h(*axes: Any) -> hist.Hist:
    return hist.Hist(*axes, storage=hist.storage.Int64())


class _SimHistograms:
    """The simulation's histograms, filled chunk by chunk."""

    #: the histograms that add up over chunks (:meth:`state`)
    MERGED = ("spectrum", "size_map", "ratio", "templates")

    def __init__(self, energy_bins: Sequence[float]) -> None:
        ne, nmu = make_axis(None, name="lgNe"), make_axis(None, name="lgNmu")
        self.spectrum = _h(make_axis(None, name="lgE"), _primary_axis())
        self.size_map = _h(ne, nmu, _primary_axis())
        self.ratio = _h(make_axis(None, name="ratio"), _primary_axis())
        self.templates = _h(_energy_axis(energy_bins), ne, nmu, _primary_axis())
        # the light/heavy line is trained where it is used: on p and Fe showers in the energy range of the analysis
        # (trained on all energies, the many showers near the trigger threshold would tilt it)
        self.line_range = (float(energy_bins[0]), float(energy_bins[-1]))
        self.line_points: dict[str, list[np.ndarray]] = {"p": [], "Fe": []}

    def fill(self, lgE: np.ndarray, ne: np.ndarray, nmu: np.ndarray, primary: np.ndarray) -> None:
        for p in np.unique(primary):  # a loop over the few primaries, not over events
            sel = primary == p
            e, a, b = lgE[sel], ne[sel], nmu[sel]
            self.spectrum.fill(e, p)
            self.size_map.fill(a, b, p)
            self.ratio.fill(a / b, p)
            self.templates.fill(e, a, b, p)
            if p in self.line_points:
                use = (e >= self.line_range[0]) & (e < self.line_range[1])
                self.line_points[p].append(np.column_stack([a[use], b[use]]))


class _DataHistograms:
    """The data's histograms, filled chunk by chunk."""

    #: the histograms and counts that add up over chunks (:meth:`state`)
    MERGED = (
        "spectrum", "flux_counts", "sizes", "size_map", "ratio", "composition", "zenith", "azimuth", "core_map",
        "n_heavy", "n_line",
    )  # fmt: skip

    def __init__(self, energy_bins: Sequence[float], available: set[str]) -> None:
        ne, nmu = make_axis(None, name="lgNe"), make_axis(None, name="lgNmu")
        self.spectrum = _h(make_axis(None, name="lgE"))
        self.flux_counts = _h(make_axis(FLUX_BINS, name="lgE"))
        self.sizes = _h(
            make_axis(None, name="size"), hist.axis.StrCategory(["lgNe", "lgNmu"], name="quantity", label="quantity")
        )
        self.size_map = _h(ne, nmu)
        self.ratio = _h(make_axis(None, name="ratio"))
        self.composition = _h(_energy_axis(energy_bins), ne, nmu)
        self.zenith = _h(make_axis(None, name="zenith")) if "zenith" in available else None
        self.azimuth = _h(make_axis(None, name="azimuth", circular=True)) if "azimuth" in available else None
        has_core = {"core_x", "core_y"} <= available
        self.core_map = _h(make_axis(None, name="core_x"), make_axis(None, name="core_y")) if has_core else None
        self.n_heavy = np.zeros(len(energy_bins) - 1, dtype=np.int64)
        self.n_line = np.zeros(len(energy_bins) - 1, dtype=np.int64)

    def fill(self, events: ak.Array, line: fits.SeparationLine | None, energy_bins: Sequence[float]) -> None:
        where = "masterclass data"
        lgE, ne, nmu = (column(events, f, where=where) for f in ("lgE", "lgNe", "lgNmu"))
        self.spectrum.fill(lgE)
        self.flux_counts.fill(lgE)
        self.sizes.fill(ne, "lgNe").fill(nmu, "lgNmu")
        self.size_map.fill(ne, nmu)
        self.ratio.fill(ne / nmu)
        self.composition.fill(lgE, ne, nmu)
        if self.zenith is not None:
            self.zenith.fill(column(events, "zenith", where=where))
        if self.azimuth is not None:
            self.azimuth.fill(column(events, "azimuth", where=where))
        if self.core_map is not None:
            self.core_map.fill(column(events, "core_x", where=where), column(events, "core_y", where=where))
        if line is not None:
            part = fits.heavy_fraction(events, line, energy_bins=energy_bins)
            self.n_line += part.n
            self.n_heavy += part.n_heavy


def _state(h: _SimHistograms | _DataHistograms) -> dict[str, Any]:
    """The mergeable content of a histogram set (histograms and count arrays; ``None`` for absent ones)."""
    return {name: getattr(h, name) for name in h.MERGED}


def _restore(cls: type[Any], state: Mapping[str, Any], **extra: Any) -> Any:
    """A histogram set holding merged histograms (the inverse of :func:`_state`)."""
    obj = object.__new__(cls)
    for name, value in {**state, **extra}.items():
        setattr(obj, name, value)
    return obj


def _entries_at_centres(h: hist.Hist, names: Sequence[str]) -> ak.Array:
    """Events placed at the bin centres of a histogram, one per count: lets the event-based fits of
    :mod:`kcdc_hep.fits` run on accumulated histograms (every entry falls in its own bin, so the fits' histograms are
    exactly these)."""
    counts = np.asarray(h.values(), dtype=np.int64)
    idx = np.nonzero(counts)
    reps = counts[idx]
    out = {}
    for k, name in enumerate(names):
        centres = np.asarray(h.axes[k].centers, dtype=float)
        out[name] = np.repeat(centres[idx[k]], reps)
    return ak.Array(out)


def _merge_heavy(edges: Sequence[float], n: np.ndarray, n_heavy: np.ndarray) -> fits.HeavyFraction:
    """The heavy fraction from counts summed over chunks, with the binomial errors of :func:`fits.heavy_fraction`."""
    with np.errstate(divide="ignore", invalid="ignore"):
        f = np.where(n > 0, n_heavy / n, np.nan)
        err = np.where(n > 0, np.sqrt(f * (1 - f) / n), np.nan)
    arrays = [np.array(a) for a in (np.asarray(edges, dtype=float), n, n_heavy, f, err)]
    for a in arrays:
        a.setflags(write=False)
    return fits.HeavyFraction(*arrays)


# ================================================================================================== streaming
def _progress_bar(enabled: bool, desc: str, total: int | None = None, unit: str = "ev") -> Any:
    from tqdm.auto import tqdm

    # disable=None: bars only on a terminal, so logs and the one-line CLI errors stay clean
    return tqdm(
        total=total,
        desc=desc,
        unit=unit,
        unit_scale=True,
        file=sys.stderr,
        disable=None if enabled else True,
        leave=False,
        dynamic_ncols=True,
    )


def _in_order(value: Any) -> dict[str, Any]:
    """``value`` under a unique key: :func:`engine.merge` joins such dicts in partition order (a concatenation)."""
    return {uuid.uuid4().hex: value}


def _flow_counts(flow: Cutflow) -> dict[str, Any]:
    """The counts of a chunk's cut flow, as numbers that add up over chunks."""
    return {"n_total": flow.n_total, "n_pass": np.array([s.n_pass for s in flow.steps], dtype=np.int64)}


def _cutflow(cuts: Cuts, counts: Mapping[str, Any]) -> Cutflow:
    """The cut flow of all chunks from the summed counts (efficiencies from the sums, as :func:`_merge_cutflows`)."""
    steps = [
        CutStep(name=name, description=description, n_pass=int(n), efficiency=math.nan, cumulative_efficiency=math.nan)
        for (name, description, _, _), n in zip(cuts._steps(), counts["n_pass"], strict=True)
    ]
    return _merge_cutflows([Cutflow(n_total=int(counts["n_total"]), steps=tuple(steps))])


def _sim_chunk(events: ak.Array, *, cuts: Cuts, energy_bins: tuple[float, ...]) -> dict[str, Any]:
    """Cut and histogram one chunk of the simulation (runs on a Dask worker or in this process).

    Returns the cut-flow counts, the histograms, and the p and Fe points for the light/heavy line (in chunk order).
    """
    sel, flow = select(events, cuts)
    h = _SimHistograms(energy_bins)
    where = "masterclass simulation"
    h.fill(
        column(sel, "lgE", where=where),
        column(sel, "lgNe", where=where),
        column(sel, "lgNmu", where=where),
        column(sel, "primary", where=where).astype(str),
    )
    points = {p: v[0] for p, v in h.line_points.items() if v}  # fill appends at most one piece per primary
    return {"flow": _flow_counts(flow), "histograms": _state(h), "line_points": _in_order(points)}


def _data_chunk(
    events: ak.Array,
    *,
    cuts: Cuts,
    line: fits.SeparationLine | None,
    energy_bins: tuple[float, ...],
    available: frozenset[str],
    max_gap_s: float,
) -> dict[str, Any]:
    """Cut and histogram one chunk of the data (runs on a Dask worker or in this process).

    Returns the cut-flow counts, the histograms and heavy-fraction counts, and, with event times, the chunk's
    ``(first ns, last ns, short gaps in s)``: :func:`_live_time` joins the chunks in order afterwards.
    """
    out: dict[str, Any] = {}
    if "time" in available and len(events):
        out["times"] = _in_order(_time_piece(ak.to_numpy(events["time"]), max_gap_s))
    sel, flow = select(events, cuts)
    h = _DataHistograms(energy_bins, set(available))
    h.fill(sel, line, energy_bins)
    out.update(flow=_flow_counts(flow), histograms=_state(h))
    return out


def _time_piece(time_ns: np.ndarray, max_gap_s: float) -> tuple[int, int, np.ndarray]:
    """``(first ns, last ns, gaps in s shorter than max_gap_s)`` of one chunk's event times (as :func:`live_time`)."""
    t = np.sort(np.asarray(time_ns).astype("datetime64[ns]").astype(np.int64))
    gaps = np.diff(t) / 1e9
    return int(t[0]), int(t[-1]), gaps[(gaps >= 0) & (gaps < max_gap_s)]


def _live_time(chunks: Mapping[str, tuple[int, int, np.ndarray]], max_gap_s: float) -> tuple[float, int, int]:
    """Live time (s), first and last event time (ns) from the chunks in order: exactly :func:`live_time` summed
    chunk by chunk with ``previous_ns`` = the last time of the chunk before (the same arrays, summed alike).
    """
    live_s = 0.0
    last: int | None = None
    first: int | None = None
    latest: int | None = None
    for lo, hi, inner in chunks.values():
        gaps = inner
        if last is not None:  # the gap from the previous chunk leads the array, as in live_time(previous_ns=...)
            g0: np.ndarray = np.diff(np.array([last, lo], dtype=np.int64)) / 1e9
            gaps = np.concatenate([g0[(g0 >= 0) & (g0 < max_gap_s)], inner])
        live_s += float(gaps.sum())
        last = hi
        first = lo if first is None else min(first, lo)
        latest = hi if latest is None else max(latest, hi)
    assert first is not None and latest is not None  # internal invariant: called with at least one chunk
    return live_s, first, latest


def _map(
    func: Callable[[ak.Array], Any],
    paths: list[str],
    columns: list[str],
    *,
    desc: str,
    progress: bool,
    scheduler: Any,
) -> Any:
    """``engine.map_reduce`` over the chunks of ``paths``: locally with an event progress bar, or on Dask."""
    if scheduler is None:
        with _progress_bar(progress, desc) as bar:

            def counted(events: ak.Array) -> Any:
                value = func(events)
                bar.update(len(events))
                return value

            return engine.map_reduce(counted, paths, step_size=STEP_SIZE, columns=columns)
    return engine.map_reduce(
        func,
        paths,
        step_size=STEP_SIZE,
        columns=columns,
        scheduler=scheduler,
        progress=progress and sys.stderr.isatty(),
    )


# ================================================================================================== output
def _atomic_bytes(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _weighted(h: hist.Hist, title: str) -> hist.Hist:
    """A copy with Weight storage (ROOT TH1D/TH2D with Sumw2 = counts) and a title; uproot cannot write Int64."""
    out = hist.Hist(*h.axes, storage=hist.storage.Weight(), name=title)
    v = np.asarray(h.view(flow=True), dtype=float)
    view = out.view(flow=True)
    view.value = v
    view.variance = v
    return out


def _root_histograms(sim: _SimHistograms, data: _DataHistograms, energy_bins: Sequence[float]) -> dict[str, Any]:
    """Every histogram as a 1-D or 2-D histogram, categories split into one histogram each."""
    out: dict[str, hist.Hist] = {
        "data_spectrum": _weighted(data.spectrum, "data: energy spectrum"),
        "data_flux_counts": _weighted(data.flux_counts, "data: events in the flux bins"),
        "data_lgNe": _weighted(_at(data.sizes, slice(None), "lgNe"), "data: electron number"),
        "data_lgNmu": _weighted(_at(data.sizes, slice(None), "lgNmu"), "data: muon number"),
        "data_size_map": _weighted(data.size_map, "data: lgNe vs lgNmu"),
        "data_ratio": _weighted(data.ratio, "data: lgNe/lgNmu"),
    }
    for name in ("zenith", "azimuth", "core_map"):
        h = getattr(data, name)
        if h is not None:
            out[f"data_{name}"] = _weighted(h, f"data: {name.replace('_', ' ')}")
    ebins = list(itertools.pairwise(energy_bins))
    for i, (lo, hi) in enumerate(ebins):
        out[f"data_size_map_ebin{i}"] = _weighted(
            _at(data.composition, i, slice(None), slice(None)), f"data: lgNe vs lgNmu, {lo:g} <= lgE < {hi:g}"
        )
    for p in sim.size_map.axes["primary"]:
        out[f"sim_{p}_spectrum"] = _weighted(_at(sim.spectrum, slice(None), p), f"simulation {p}: energy spectrum")
        out[f"sim_{p}_size_map"] = _weighted(
            _at(sim.size_map, slice(None), slice(None), p), f"simulation {p}: lgNe vs lgNmu"
        )
        out[f"sim_{p}_ratio"] = _weighted(_at(sim.ratio, slice(None), p), f"simulation {p}: lgNe/lgNmu")
        for i, (lo, hi) in enumerate(ebins):
            out[f"sim_{p}_size_map_ebin{i}"] = _weighted(
                _at(sim.templates, i, slice(None), slice(None), p),
                f"simulation {p}: lgNe vs lgNmu, {lo:g} <= lgE < {hi:g}",
            )
    edges = hist.axis.Variable(np.asarray(energy_bins, dtype=float), name="lgE", label="lg(E/eV)")
    for name, counts in (("data_heavy_lgE", data.n_heavy), ("data_line_lgE", data.n_line)):
        h = _h(edges)
        h.view()[:] = counts
        out[name] = _weighted(h, "data: showers above the light/heavy line" if "heavy" in name else "data: all showers")
    return out


def _write_root(path: Path, histograms: Mapping[str, Any]) -> None:
    import uproot

    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        with uproot.recreate(tmp) as f:
            for name, h in histograms.items():
                f[name] = h
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=130)
    return buf.getvalue()


def _clean(x: Any) -> Any:
    """JSON-ready: numpy → Python, NaN/inf → None."""
    if isinstance(x, Mapping):
        return {str(k): _clean(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_clean(v) for v in x]
    if isinstance(x, np.ndarray):
        return _clean(x.tolist())
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, Path):
        return str(x)
    return x


# ================================================================================================== the job
def run_masterclass(
    *,
    data: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    sim: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    out: str | os.PathLike[str] = "masterclass_output",
    overwrite: bool = False,
    cuts: Cuts = _DEFAULT_CUTS,
    progress: bool = True,
    energy_bins: Sequence[float] = DEFAULT_ENERGY_BINS,
    flux_table: str | os.PathLike[str] | None = None,
    workers: int | None = None,
    scheduler: str | Any | None = None,
) -> MasterclassResult:
    """Run the whole masterclass analysis and write figures, ``masterclass.root``, ``summary.json``, ``report.html``.

    Parameters
    ----------
    data : path, glob or list of paths, optional
        Measured showers with ``lgE``, ``lgNe``, ``lgNmu`` (any format :func:`kcdc_hep.read` reads); with event
        times (``time``: sample 3, KCDC exports) the flux and the knee are measured too. Default: the built-in
        sample-3-like data of :func:`kcdc_hep.simulation.samples.default_sample`.
    sim : path, glob or list of paths, optional
        Simulated showers with the ``primary`` (sample 2, KCDC simulation exports). Default: the built-in sample 2.
    out : path
        Output folder (created if needed; existing output files are refused unless ``overwrite``).
    overwrite : bool
        Replace existing output files.
    cuts : Cuts
        Quality cuts for data and simulation alike; a cut whose field the inputs lack is switched off (noted in the
        summary under ``cuts_switched_off``).
    progress : bool
        Progress bars on stderr.
    energy_bins : sequence of float
        lg(E/eV) edges of the composition and heavy-fraction bins.
    flux_table : path, optional
        A published flux table (:func:`kcdc_hep.fits.read_flux_table`) drawn with the measured flux for comparison.
    workers : int, optional
        Run the chunks on a local Dask cluster of this many worker processes (started for the run).
    scheduler : str or distributed.Client, optional
        Run the chunks on an existing Dask cluster (``"tcp://host:8786"`` or a connected client). Without
        ``workers`` and ``scheduler`` everything runs in this process and Dask is not imported; every way gives the
        same outputs number for number.

    Returns
    -------
    MasterclassResult

    Raises
    ------
    OutputExistsError
        If an output file exists and ``overwrite`` is False (nothing is computed or written then).
    MissingDependencyError
        ``workers`` or ``scheduler`` was given and Dask (``distributed``) is not installed.
    MissingFileError, UnknownFormatError, MissingColumnError
        For a wrong input file, with plain words on what to change.
    SchemaError
        If no event passes the cuts.
    """
    timings: dict[str, float] = {}
    t_start = time.perf_counter()
    out_dir = Path(out)
    edges_e = [float(e) for e in energy_bins]
    if len(edges_e) < 2 or any(b <= a for a, b in itertools.pairwise(edges_e)):
        msg = f"run_masterclass: energy_bins must be at least two increasing lg(E/eV) edges, got {energy_bins!r}"
        raise SchemaError(msg)
    if out_dir.exists() and not out_dir.is_dir():
        msg = f"{out_dir}: exists and is not a folder; choose another --out"
        raise OutputExistsError(msg)
    targets = _outputs(out_dir)
    existing = [p for p in targets.values() if p.exists()]
    if existing and not overwrite:
        listed = ", ".join(p.name for p in existing[:5]) + (" ..." if len(existing) > 5 else "")
        msg = (
            f"{out_dir}: holds results of an earlier run ({listed}); pass overwrite=True (--overwrite) or another --out"
        )
        raise OutputExistsError(msg)

    if workers is not None and scheduler is not None:
        msg = "run_masterclass: pass either workers= (a local Dask cluster) or scheduler= (an existing one), not both"
        raise ValueError(msg)
    if workers is not None and (not isinstance(workers, int | np.integer) or isinstance(workers, bool) or workers < 1):
        msg = f"run_masterclass: workers must be a positive number of processes, not {workers!r}"
        raise ValueError(msg)
    stages = _progress_bar(progress, "masterclass", total=6, unit="stage")
    dask = contextlib.ExitStack()  # the Dask client of the run, if any: one for the simulation and the data
    client = None
    try:
        # ---------------------------------------------------------------- inputs
        stages.set_description("masterclass: checking inputs")
        if data is None or sim is None:
            default_data, default_sim = _default_inputs(progress=progress)
        data_paths = _as_list(data) if data is not None else default_data
        sim_paths = _as_list(sim) if sim is not None else default_sim
        data_fields = _check_fields(data_paths, _DATA_FIELDS, role="measured data")
        sim_fields = _check_fields(sim_paths, _SIM_FIELDS, role="simulation")
        used_cuts, cut_notes = _effective_cuts(cuts, set(data_fields), set(sim_fields))
        if workers is not None or scheduler is not None:
            client = dask.enter_context(engine.dask_client(workers=workers, scheduler=scheduler))
        timings["inputs"] = time.perf_counter() - t_start
        stages.update()

        # ---------------------------------------------------------------- simulation
        t0 = time.perf_counter()
        stages.set_description("masterclass: simulation")
        sim_cols = _columns(sim_fields, (*_SIM_FIELDS, *_OPTIONAL[:-1]))
        sim_job = functools.partial(_sim_chunk, cuts=used_cuts, energy_bins=tuple(edges_e))
        sim_out = _map(sim_job, sim_paths, sim_cols, desc="simulation", progress=progress, scheduler=client)
        sim_h = _restore(_SimHistograms, sim_out["histograms"], line_points={})
        sim_flow = _cutflow(used_cuts, sim_out["flow"])
        if sim_flow.n_selected == 0:
            msg = f"no simulated shower passes the cuts ({sim_flow.n_total} read); check the file or loosen the cuts"
            raise SchemaError(msg)
        line_or_error: fits.SeparationLine | str
        try:
            pieces = {p: [c[p] for c in sim_out["line_points"].values() if p in c] for p in ("p", "Fe")}
            pts = {p: np.concatenate(v) if v else np.zeros((0, 2), np.float32) for p, v in pieces.items()}
            line_events = ak.Array(
                {
                    "lgNe": np.concatenate([pts["p"][:, 0], pts["Fe"][:, 0]]).astype(float),
                    "lgNmu": np.concatenate([pts["p"][:, 1], pts["Fe"][:, 1]]).astype(float),
                    "primary": np.repeat(np.array(["p", "Fe"]), [len(pts["p"]), len(pts["Fe"])]),
                }
            )
            line_or_error = fits.separation_line(line_events, light="p", heavy="Fe")
        except FitError as err:
            line_or_error = str(err)
        del sim_out
        line = line_or_error if isinstance(line_or_error, fits.SeparationLine) else None
        timings["simulation"] = time.perf_counter() - t0
        stages.update()

        # ---------------------------------------------------------------- data
        t0 = time.perf_counter()
        stages.set_description("masterclass: data")
        data_cols = _columns(data_fields, (*_DATA_FIELDS, *_OPTIONAL))
        has_time = "time" in data_fields
        data_job = functools.partial(
            _data_chunk,
            cuts=used_cuts,
            line=line,
            energy_bins=tuple(edges_e),
            available=frozenset(data_fields),
            max_gap_s=MAX_GAP_S,
        )
        data_out = _map(data_job, data_paths, data_cols, desc="data", progress=progress, scheduler=client)
        data_h = _restore(_DataHistograms, data_out["histograms"])
        data_flow = _cutflow(used_cuts, data_out["flow"])
        live_s = 0.0
        t_first: int | None = None
        t_last: int | None = None
        if data_out.get("times"):
            live_s, t_first, t_last = _live_time(data_out["times"], MAX_GAP_S)
        del data_out
        if data_flow.n_selected == 0:
            msg = (
                f"no measured shower passes the cuts ({data_flow.n_total} read):\n{data_flow}\n"
                "check the data file or loosen the cuts"
            )
            raise SchemaError(msg)
        timings["data"] = time.perf_counter() - t0
        stages.update()

        # ---------------------------------------------------------------- fits
        t0 = time.perf_counter()
        stages.set_description("masterclass: fits")
        results, fit_errors = _fits(sim_h, data_h, used_cuts, edges_e, line, live_s if has_time else None)
        if not isinstance(line_or_error, fits.SeparationLine):
            fit_errors["separation_line"] = line_or_error
        reference = fits.read_flux_table(flux_table) if flux_table is not None else None
        timings["fits"] = time.perf_counter() - t0
        stages.update()

        # ---------------------------------------------------------------- figures
        t0 = time.perf_counter()
        stages.set_description("masterclass: figures")
        pngs = _figures(sim_h, data_h, results, line, reference)
        timings["figures"] = time.perf_counter() - t0
        stages.update()

        # ---------------------------------------------------------------- outputs
        t0 = time.perf_counter()
        stages.set_description("masterclass: writing")
        out_dir.mkdir(parents=True, exist_ok=True)
        figure_paths: dict[str, Path] = {}
        for name, png in pngs.items():
            figure_paths[name] = targets[f"figure:{name}"]
            _atomic_bytes(figure_paths[name], png)
        _write_root(targets["root"], _root_histograms(sim_h, data_h, edges_e))
        timings["write"] = time.perf_counter() - t0
        timings["total"] = time.perf_counter() - t_start
        summary = _summary(
            data_paths=data_paths,
            sim_paths=sim_paths,
            cuts=used_cuts,
            cut_notes=cut_notes,
            data_flow=data_flow,
            sim_flow=sim_flow,
            results=results,
            fit_errors=fit_errors,
            live_s=live_s if has_time else None,
            span=(t_first, t_last),
            timings=timings,
            energy_bins=edges_e,
            flux_table=flux_table,
        )
        _atomic_bytes(targets["summary"], (json.dumps(summary, indent=2, allow_nan=False) + "\n").encode())
        _atomic_bytes(targets["report"], _report(summary, pngs).encode("utf-8"))
        stages.update()
    finally:
        dask.close()
        stages.close()
    return MasterclassResult(
        out=out_dir,
        figures=MappingProxyType(figure_paths),
        masterclass_root=targets["root"],
        summary_json=targets["summary"],
        report=targets["report"],
        summary=MappingProxyType(summary),
    )


# ================================================================================================== fits
def _fits(
    sim_h: _SimHistograms,
    data_h: _DataHistograms,
    cuts: Cuts,
    energy_bins: list[float],
    line: fits.SeparationLine | None,
    live_s: float | None,
) -> tuple[dict[str, Any], dict[str, str]]:
    results: dict[str, Any] = {"line": line}
    errors: dict[str, str] = {}
    try:
        results["gauss"] = fits.fit_gauss(data_h.ratio, method="chi2")
    except FitError as err:
        errors["gauss_ratio"] = str(err)
    # composition: 2-D lgNe × lgNmu templates per energy bin, fitted on the accumulated histograms
    try:
        names = ("lgE", "lgNe", "lgNmu")
        data_ev = _entries_at_centres(data_h.composition, names)
        templates = {
            str(p): _entries_at_centres(_at(sim_h.templates, slice(None), slice(None), slice(None), p), names)
            for p in sim_h.templates.axes["primary"]
        }
        templates = {p: ev for p, ev in templates.items() if len(ev)}
        bins2d = (sim_h.templates.axes[1].edges, sim_h.templates.axes[2].edges)
        results["composition"] = fits.fit_composition(
            data_ev,
            templates,
            observable="2d",
            energy_bins=energy_bins,
            bins=bins2d,
            method="da",
            min_events=MIN_EVENTS,
        )
    except (FitError, SchemaError) as err:
        errors["composition"] = str(err)
    if line is not None:
        results["heavy"] = _merge_heavy(energy_bins, data_h.n_line, data_h.n_heavy)
    # flux and knee
    if live_s is None or live_s <= 0 or cuts.zenith_max_deg is None or cuts.core_radius_max_m is None:
        if live_s is None:
            why = "the data have no event times, so the measuring time is unknown"
        elif live_s <= 0:
            why = "the live time is zero (all events at the same time?)"
        else:
            why = "the zenith and core cuts are needed for the solid angle and the area"
        errors["flux"] = errors["knee"] = f"flux not measured: {why}"
        return results, errors
    try:
        flux_events = _entries_at_centres(data_h.flux_counts, ("lgE",))
        flux = fits.flux_spectrum(
            flux_events,
            bins=FLUX_BINS,
            zenith_max_deg=cuts.zenith_max_deg,
            core_radius_max_m=cuts.core_radius_max_m,
            exposure_s=live_s,
        )
        results["flux"] = fits.FluxSpectrum(**{**flux.__dict__, "label": "this analysis"})
        results["knee"] = fits.fit_knee(
            results["flux"], model="smooth", sharpness=KNEE_SHARPNESS, method="poisson", energy_range_GeV=KNEE_RANGE_GEV
        )
    except (FitError, SchemaError) as err:
        errors["knee"] = str(err)
    return results, errors


# ================================================================================================== figures
def _figures(
    sim_h: _SimHistograms,
    data_h: _DataHistograms,
    results: Mapping[str, Any],
    line: fits.SeparationLine | None,
    reference: fits.FluxSpectrum | None,
) -> dict[str, bytes]:
    from matplotlib.figure import Figure

    from kcdc_hep import plotting as plot

    pngs: dict[str, bytes] = {}

    def single(
        name: str, draw: Any, *, data: bool | str = True, loc: int = 0, rlabel: str = "KCDC masterclass"
    ) -> None:
        fig = Figure()
        ax = fig.subplots()
        draw(ax)
        plot.kascade_label(ax, data=data, loc=loc, rlabel=rlabel)
        pngs[name] = _png(fig)

    with plot.style():

        def spectrum(ax: Any) -> None:
            plot.plot_spectrum(data_h.spectrum, ax=ax, label="measured showers")
            lo, hi = ax.get_ylim()
            ax.set_ylim(lo, hi * 30)  # headroom for the label inside the axes

        single("spectrum", spectrum, loc=1, rlabel="")  # the top axis (E in PeV) takes the space above
        single("sizes", lambda ax: plot.plot_sizes(data_h.sizes, ax=ax))
        fig = Figure(figsize=(18, 10.5))
        grid = fig.subplots(2, 3, sharex=True, sharey=True)
        plot.plot_size_maps(sim_h.size_map, axes=grid, line=line)
        plot.kascade_label(grid[0, 0], data=False, rlabel="")
        pngs["size_maps_simulation"] = _png(fig)
        single("size_map_data", lambda ax: plot.plot_size_map(data_h.size_map, ax=ax, line=line))
        single("ratio", lambda ax: plot.plot_ratio(data_h.ratio, results.get("gauss"), ax=ax, label="measured showers"))

        fig = Figure(figsize=(10, 12))
        top, bottom = fig.subplots(2, 1, sharex=True)
        if "composition" in results:
            plot.plot_fractions(results["composition"], ax=top)
            plot.plot_mean_lnA(results["composition"], ax=bottom)
        else:
            _nothing(top, "composition fit not possible (see summary.json)")
        plot.kascade_label(top, data="Data + Simulation")
        pngs["composition"] = _png(fig)

        def heavy(ax: Any) -> None:
            if "heavy" in results:
                plot.plot_heavy_fraction(results["heavy"], ax=ax)
            else:
                _nothing(ax, "no light/heavy line (see summary.json)")

        single("heavy_fraction", heavy, data="Data + Simulation")

        def flux(ax: Any) -> None:
            if "flux" in results:
                plot.plot_flux(results["flux"], results.get("knee"), ax=ax, reference=reference)
            else:
                _nothing(ax, "no flux measured (see summary.json)")

        single("flux", flux)
    return pngs


def _nothing(ax: Any, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize="small")
    ax.set_xlabel("energy lg(E/eV)")


# ================================================================================================== summary
def _summary(
    *,
    data_paths: list[str],
    sim_paths: list[str],
    cuts: Cuts,
    cut_notes: list[str],
    data_flow: Cutflow,
    sim_flow: Cutflow,
    results: Mapping[str, Any],
    fit_errors: Mapping[str, str],
    live_s: float | None,
    span: tuple[int | None, int | None],
    timings: Mapping[str, float],
    energy_bins: list[float],
    flux_table: Any,
) -> dict[str, Any]:
    from kcdc_hep import __version__

    s: dict[str, Any] = {
        "kcdc_hep_version": __version__,
        "inputs": {
            "data": [os.path.abspath(p) for p in data_paths],
            "simulation": [os.path.abspath(p) for p in sim_paths],
            "flux_table": os.fspath(flux_table) if flux_table is not None else None,
            "n_data_events": data_flow.n_total,
            "n_simulated_events": sim_flow.n_total,
        },
        "cuts": asdict(cuts),
        "cuts_switched_off": cut_notes,
        "cutflow": data_flow.to_dict(),
        "cutflow_simulation": sim_flow.to_dict(),
        "energy_bins_lgE": energy_bins,
    }
    g = results.get("gauss")
    if g is not None:
        s["gauss_ratio"] = {
            "mu": g["Mean"],
            "sigma": g["Sigma"],
            "mu_err": g.error("Mean"),
            "sigma_err": g.error("Sigma"),
            "constant": g["Constant"],
            "chi2": g.chi2,
            "ndof": g.ndof,
            "valid": g.valid,
            "errors": {"mu": g.error("Mean"), "sigma": g.error("Sigma")},
            "fit": g.to_dict(),
        }
    else:
        s["gauss_ratio"] = {"error": fit_errors.get("gauss_ratio", "not fitted")}
    comp = results.get("composition")
    if comp is not None:
        bins = []
        for i in range(len(comp.n_data)):
            ok = bool(comp.valid[i])
            bins.append(
                {
                    "lgE_low": float(comp.energy_edges[i]),
                    "lgE_high": float(comp.energy_edges[i + 1]),
                    "n_data": int(comp.n_data[i]),
                    "valid": ok,
                    "reason": comp.reasons[i] if i < len(comp.reasons) else "",
                    "fractions": dict(zip(comp.primaries, comp.fractions[i].tolist(), strict=True)),
                    "errors": dict(zip(comp.primaries, comp.fraction_errors[i].tolist(), strict=True)),
                    "mean_lnA": float(comp.mean_lnA[i]),
                    "mean_lnA_err": float(comp.mean_lnA_err[i]),
                }
            )
        s["composition"] = {
            "primaries": list(comp.primaries),
            "lnA": list(comp.lnA),
            "observable": comp.observable,
            "method": comp.method,
            "bins": bins,
        }
    else:
        s["composition"] = {"error": fit_errors.get("composition", "not fitted"), "bins": []}
    line = results.get("line")
    s["separation_line"] = line.to_dict() if line is not None else {"error": fit_errors.get("separation_line")}
    heavy = results.get("heavy")
    s["heavy_fraction"] = heavy.to_dict() if heavy is not None else {"error": fit_errors.get("separation_line")}
    flux = results.get("flux")
    s["exposure"] = {
        "live_time_s": live_s,
        "first_event": str(np.datetime64(span[0], "ns")) if span[0] is not None else None,
        "last_event": str(np.datetime64(span[1], "ns")) if span[1] is not None else None,
        "max_gap_s": MAX_GAP_S,
        "exposure_m2_s_sr": flux.exposure_m2_s_sr if flux is not None else None,
    }
    s["flux"] = flux.to_dict() if flux is not None else {"error": fit_errors.get("flux")}
    knee = results.get("knee")
    if knee is not None:
        s["knee"] = {
            **knee.to_dict(),
            "errors": {"E_knee_PeV": knee.E_knee_err_PeV, "gamma1": knee.gamma1_err, "gamma2": knee.gamma2_err},
            "energy_range_GeV": list(KNEE_RANGE_GEV),
        }
    else:
        s["knee"] = {"error": fit_errors.get("knee", "not fitted")}
    s["fit_errors"] = dict(fit_errors)
    s["timings_s"] = {k: round(v, 3) for k, v in timings.items()}
    s["platform"] = {"python": platform.python_version(), "machine": platform.machine()}
    return _clean(s)


# ================================================================================================== report
_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; max-width: 1100px;
       margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.5; font-size: 18px; }
h1 { font-size: 2em; margin-bottom: 0.2em; } h2 { margin-top: 2em; border-bottom: 2px solid #0072B2; }
figure { margin: 1em 0; } figure img { width: 100%; height: auto; border: 1px solid #ddd; }
figcaption { font-size: 1em; background: #f4f8fb; padding: 0.8em 1em; border-left: 4px solid #0072B2; }
table { border-collapse: collapse; margin: 1em 0; font-size: 0.95em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.7em; text-align: right; } th { background: #eef; }
td.l, th.l { text-align: left; } .note { color: #8a4b00; } .small { font-size: 0.85em; color: #555; }
"""

_JS = """
window.addEventListener("load", function () {
  var imgs = Array.prototype.slice.call(document.images);
  var ok = imgs.filter(function (im) { return im.complete && im.naturalWidth > 0; }).length;
  document.body.setAttribute("data-images-loaded", ok + "/" + imgs.length);
  document.body.setAttribute("data-report-status", ok === imgs.length && imgs.length > 0 ? "ok" : "broken");
});
"""


def _fmt(x: Any, digits: int = 3) -> str:
    if x is None:
        return "–"
    if isinstance(x, float):
        return f"{x:.{digits}g}" if abs(x) >= 1e-3 or x == 0 else f"{x:.2e}"
    return html.escape(str(x))


def _captions(s: Mapping[str, Any]) -> dict[str, str]:
    g = s["gauss_ratio"]
    knee = s["knee"]
    comp = s["composition"]
    line = s["separation_line"]
    valid_bins = [b for b in comp.get("bins", []) if b["valid"]]
    lna_text = ""
    if valid_bins:
        first, last = valid_bins[0], valid_bins[-1]
        lna_text = (
            f" In our fit ⟨ln A⟩ goes from {first['mean_lnA']:.2f} ± {first['mean_lnA_err']:.2f} at "
            f"lg(E/eV) = {first['lgE_low']:.2f}–{first['lgE_high']:.2f} to {last['mean_lnA']:.2f} ± "
            f"{last['mean_lnA_err']:.2f} at {last['lgE_low']:.2f}–{last['lgE_high']:.2f}."
        )
    gauss_text = (
        f" The fit finds the centre μ = {g['mu']:.3f} ± {g['mu_err']:.3f} and the width σ = {g['sigma']:.3f} ± "
        f"{g['sigma_err']:.3f}."
        if "mu" in g
        else ""
    )
    knee_text = (
        f" Our fit puts the knee at E = {knee['E_knee_PeV']:.1f} ± {knee['E_knee_err_PeV']:.1f} PeV; the spectrum "
        f"falls like E^{knee['gamma1']:.2f} below it and E^{knee['gamma2']:.2f} above it."
        if "E_knee_PeV" in knee and knee.get("valid", False)
        else " The fit found no reliable knee here (too few showers above it, or a slope ran into the edge of what "
        "the fit allows): with a bigger sample it can."
        if "E_knee_PeV" in knee
        else f" (No knee fit here: {html.escape(str(knee.get('error', '')))}.)"
    )
    line_text = (
        f" The dashed line, lg(Nμ) = {line['slope']:.2f} · lg(Ne) {line['intercept']:+.2f}, is the best straight "
        f"line between simulated protons and iron; it sorts {100 * line['accuracy']:.0f} % of them right."
        if "slope" in line
        else ""
    )
    return {
        "spectrum": (
            "How many air showers we measured at each energy. The energy axis is logarithmic: every step of 1 "
            "means ten times more energy (top axis: energy in PeV, 1 PeV = 10<sup>15</sup> eV). "
            "<b>What to notice:</b> the number of showers falls very steeply with energy — for ten times more "
            "energy there are about 500 times fewer showers. Below about 1 PeV the curve bends over: there the "
            "detector does not see every shower any more."
        ),
        "sizes": (
            "A shower reaches the ground with ten thousand to millions of electrons and thousands of muons. KASCADE "
            "counts both. "
            "The blue curve shows how often each electron number lg(Ne) occurs, the red one the muon number "
            "lg(Nμ) (both as powers of ten: 5 means 100 000). <b>What to notice:</b> the two curves are shifted — a "
            "shower has several times more electrons than muons, and the higher the energy, the more of both."
        ),
        "size_maps_simulation": (
            "Computer-simulated showers started by different particles: protons (p), helium (He), carbon (C), "
            "silicon (Si) and iron (Fe). Each panel counts showers by their electron number (across) and muon "
            "number (up). <b>What to notice:</b> for the same number of electrons, heavy particles like iron "
            "give <i>more muons</i> (their band lies higher) and, at the same energy, fewer electrons. So the "
            "position in this map tells light from heavy." + line_text
        ),
        "size_map_data": (
            "The same map for the real, measured showers. The dashed line comes from the simulation: showers "
            "above it look heavy (iron-like), below it light (proton-like). <b>What to notice:</b> the measured "
            "showers fill the region between the simulated proton and iron bands — cosmic rays are a mixture of "
            "light and heavy particles."
        ),
        "ratio": (
            "For every measured shower we divide lg(Ne) by lg(Nμ). Light particles give large ratios, heavy "
            "ones small ratios. The red curve is a Gaussian (bell curve) fitted to the points."
            + gauss_text
            + " <b>What to notice:</b> the distribution is wide, because it is a mixture of light and heavy "
            "primaries and because every shower fluctuates."
        ),
        "composition": (
            "Top: which fraction of the showers in each energy bin comes from p, He, C, Si and Fe. We find it by "
            "fitting the simulated maps of the five particles to the measured map, energy bin by energy bin. "
            "Bottom: the mean mass ⟨ln A⟩ (A = mass number: 1 for a proton, 56 for iron; the dotted lines mark "
            "each element). <b>What to notice:</b> if ⟨ln A⟩ rises with energy, cosmic rays get heavier at high "
            "energy — light particles 'run out' first." + lna_text
        ),
        "heavy_fraction": (
            "The fraction of measured showers above the light/heavy line, in each energy bin. This is a simple "
            "count, not a fit. <b>What to notice:</b> a rising fraction means more heavy particles at higher "
            "energy. (Some light showers fluctuate above the line and some heavy ones below, so it is not the "
            "exact iron fraction.)"
        ),
        "flux": (
            "The flux: how many cosmic rays arrive per square metre, second, steradian and GeV. It is multiplied "
            "by E<sup>2.7</sup>, so that a spectrum falling like E<sup>−2.7</sup> would be a flat line. "
            "<b>What to notice:</b> at a few PeV the spectrum bends down: this is the famous <i>knee</i>. "
            "KASCADE found that the light particles disappear there, as if the cosmic accelerators in our Galaxy "
            "reach their limit." + knee_text
        ),
    }


def _table(rows: list[list[str]], head: list[str], left: int = 1) -> str:
    th = "".join(f'<th class="{"l" if i < left else ""}">{h}</th>' for i, h in enumerate(head))
    body = "".join(
        "<tr>" + "".join(f'<td class="{"l" if i < left else ""}">{c}</td>' for i, c in enumerate(r)) + "</tr>"
        for r in rows
    )
    return f"<table><tr>{th}</tr>{body}</table>"


def _report(s: Mapping[str, Any], pngs: Mapping[str, bytes]) -> str:
    caps = _captions(s)
    flow = s["cutflow"]
    rows = [["all showers", "", f"{flow['n_total']:,}", "", ""]]
    rows += [
        [
            html.escape(st["name"]),
            html.escape(st["description"]),
            f"{st['n_pass']:,}",
            f"{100 * st['efficiency']:.1f} %" if st["efficiency"] is not None else "–",
            f"{100 * st['cumulative_efficiency']:.1f} %" if st["cumulative_efficiency"] is not None else "–",
        ]
        for st in flow["steps"]
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        "<title>KASCADE masterclass: results</title>",
        f"<style>{_CSS}</style><script>{_JS}</script></head>",
        '<body data-report-status="loading">',
        "<h1>KASCADE masterclass: what cosmic rays are made of</h1>",
        '<p class="small">KASCADE Open Data (KCDC), made with kcdc_hep '
        f"{html.escape(str(s['kcdc_hep_version']))}. Data: {html.escape(', '.join(s['inputs']['data']))}; "
        f"simulation: {html.escape(', '.join(s['inputs']['simulation']))}.</p>",
        "<p>Cosmic rays are atomic nuclei from space. When one hits the atmosphere it makes an <i>air shower</i> "
        "of billions of particles. The KASCADE experiment in Karlsruhe measured the electrons and muons of such "
        "showers on the ground from 1996 to 2013. From them we learn the energy of each cosmic ray and whether it "
        "was a light (proton) or a heavy (iron) nucleus.</p>",
        "<h2>Which showers we use</h2>",
        "<p>We keep only well-measured showers: nearly vertical ones, with the core inside the detector and a "
        "normal shower shape. The table says how many are left after each cut.</p>",
        _table(rows, ["cut", "requirement", "showers left", "of previous", "of all"], left=2),
    ]
    if s["cuts_switched_off"]:
        notes = "; ".join(html.escape(n) for n in s["cuts_switched_off"])
        parts.append(f'<p class="note">Note: {notes}.</p>')
    for i, (name, title) in enumerate(FIGURES.items(), start=1):
        if name not in pngs:
            continue
        b64 = base64.b64encode(pngs[name]).decode("ascii")
        parts += [
            f'<h2 id="{name}">{i}. {html.escape(title)}</h2>',
            f'<figure><img src="data:image/png;base64,{b64}" alt="{html.escape(title)}" data-figure="{name}">',
            f"<figcaption>{caps[name]}</figcaption></figure>",
        ]
    comp = s["composition"]
    if comp.get("bins"):
        head = ["lg(E/eV)", "showers", *comp["primaries"], "⟨ln A⟩"]
        crow = []
        for b in comp["bins"]:
            cells = [f"{b['lgE_low']:.2f}–{b['lgE_high']:.2f}", f"{b['n_data']:,}"]
            if b["valid"]:
                cells += [f"{b['fractions'][p]:.2f} ± {b['errors'][p]:.2f}" for p in comp["primaries"]]
                cells.append(f"{b['mean_lnA']:.2f} ± {b['mean_lnA_err']:.2f}")
            else:
                cells += ["–"] * len(comp["primaries"]) + ["too few showers"]
            crow.append(cells)
        parts += ["<h2>Composition in numbers</h2>", _table(crow, head)]
    if s["fit_errors"]:
        items = "".join(f"<li>{html.escape(k)}: {html.escape(v)}</li>" for k, v in s["fit_errors"].items())
        parts.append(f'<h2>What could not be done</h2><ul class="note">{items}</ul>')
    parts += [
        '<p class="small">All histograms are in masterclass.root (open it with ROOT or uproot), all numbers in '
        f"summary.json. The analysis took {s['timings_s'].get('total', 0):.1f} s.</p>",
        "</body></html>",
    ]
    return "\n".join(parts)
