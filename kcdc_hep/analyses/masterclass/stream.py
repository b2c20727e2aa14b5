"""The streaming part of the masterclass job: cut and histogram each chunk, then merge the chunks in file order.

Each chunk of the simulation becomes a :class:`SimHistograms`, each chunk of the data a :class:`DataHistograms`:
records of histograms, cut flow and the pieces that must stay in order (the p and Fe points of the light/heavy
line, the event times of the live time). Records add with ``+`` (histograms and counts add, ordered pieces are
concatenated), which is how :func:`kcdc_hep.engine.map_reduce` merges them, always in partition order: a Dask run
gives the numbers of a local run, bit for bit.
"""

from __future__ import annotations

import functools
import itertools
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar

import awkward as ak
import hist
import numpy as np

from kcdc_hep import engine
from kcdc_hep._util import progress_bar
from kcdc_hep.fits import HeavyFraction, SeparationLine, heavy_histogram
from kcdc_hep.histograms import add, make_axis, primary_axis
from kcdc_hep.schema import column
from kcdc_hep.selections import Cutflow, Cuts, select
from kcdc_hep.spectrum import LiveTime

__all__ = [
    "FLUX_BINS",
    "LINE_PRIMARIES",
    "DataHistograms",
    "SimHistograms",
    "root_histograms",
    "stream_data",
    "stream_simulation",
]

#: Bins of the all-particle flux, lg(E/eV): (n, low, high).
FLUX_BINS: tuple[int, float, float] = (30, 15.0, 18.0)
#: The light and the heavy primary of the separation line.
LINE_PRIMARIES = ("p", "Fe")

_T = TypeVar("_T")


def _counts(*axes: Any) -> hist.Hist:
    return hist.Hist(*axes, storage=hist.storage.Int64())


def _energy_axis(energy_bins: Sequence[float]) -> hist.axis.Variable:
    return hist.axis.Variable(np.asarray(energy_bins, dtype=float), name="lgE", label="lg(E/eV)")


def _add_or_none(a: _T | None, b: _T | None) -> _T | None:
    """``a + b`` for histograms, counts and live-time pieces (counts keep their Poisson variances); None is neutral."""
    if a is None:
        return b
    if b is None:
        return a
    return add(a, b)  # type: ignore[no-any-return]


def _merge_fields(a: Any, b: Any, *, skip: str = "") -> dict[str, Any]:
    """Field by field ``a + b`` of two records of the same type (except the field ``skip``)."""
    return {f.name: _add_or_none(getattr(a, f.name), getattr(b, f.name)) for f in fields(a) if f.name != skip}


# ================================================================================================== simulation
@dataclass(frozen=True, eq=False)
class SimHistograms:
    """The simulation's histograms and cut flow, from one chunk or merged over many.

    Attributes
    ----------
    flow : Cutflow
        The cut flow.
    spectrum, size_map, ratio : hist.Hist
        lgE, lgNe × lgNmu and lgNe/lgNmu, each with a last category axis ``primary``.
    templates : hist.Hist
        lgE (the energy bins of the analysis) × lgNe × lgNmu × primary: the composition templates.
    line_points : mapping of str → tuple of numpy.ndarray
        For p and Fe, the (lgNe, lgNmu) points in the energy range of the analysis, one array per chunk in file
        order: the light/heavy line is trained where it is used (trained on all energies, the many showers near the
        trigger threshold would tilt it).
    """

    flow: Cutflow
    spectrum: hist.Hist
    size_map: hist.Hist
    ratio: hist.Hist
    templates: hist.Hist
    line_points: Mapping[str, tuple[np.ndarray, ...]]

    @classmethod
    def of_chunk(cls, events: ak.Array, *, cuts: Cuts, energy_bins: tuple[float, ...]) -> SimHistograms:
        """Cut and histogram one chunk of simulated showers (runs on a Dask worker or in this process)."""
        sel, flow = select(events, cuts)
        where = "masterclass simulation"
        lgE, ne, nmu = (column(sel, f, where=where) for f in ("lgE", "lgNe", "lgNmu"))
        primary = column(sel, "primary", where=where).astype(str)
        ne_axis, nmu_axis = make_axis(None, name="lgNe"), make_axis(None, name="lgNmu")
        spectrum = _counts(make_axis(None, name="lgE"), primary_axis())
        size_map = _counts(ne_axis, nmu_axis, primary_axis())
        ratio = _counts(make_axis(None, name="ratio"), primary_axis())
        templates = _counts(_energy_axis(energy_bins), ne_axis, nmu_axis, primary_axis())
        points: dict[str, tuple[np.ndarray, ...]] = {}
        for p in np.unique(primary):  # a loop over the few primaries, not over events
            sel_p = primary == p
            e, a, b = lgE[sel_p], ne[sel_p], nmu[sel_p]
            spectrum.fill(e, p)
            size_map.fill(a, b, p)
            ratio.fill(a / b, p)
            templates.fill(e, a, b, p)
            if p in LINE_PRIMARIES:
                use = (e >= energy_bins[0]) & (e < energy_bins[-1])
                points[str(p)] = (np.column_stack([a[use], b[use]]),)
        return cls(flow, spectrum, size_map, ratio, templates, points)

    def __add__(self, other: SimHistograms) -> SimHistograms:
        if not isinstance(other, SimHistograms):
            return NotImplemented
        keys = [*self.line_points, *(k for k in other.line_points if k not in self.line_points)]
        points = {k: self.line_points.get(k, ()) + other.line_points.get(k, ()) for k in keys}
        return SimHistograms(**{**_merge_fields(self, other, skip="line_points"), "line_points": points})

    def line_sample(self) -> dict[str, np.ndarray]:
        """The (lgNe, lgNmu) points of p and Fe of all chunks, in file order, as float arrays of shape (n, 2)."""
        return {
            p: np.concatenate(self.line_points[p]).astype(float) if self.line_points.get(p) else np.zeros((0, 2))
            for p in LINE_PRIMARIES
        }


# ================================================================================================== data
@dataclass(frozen=True, eq=False)
class DataHistograms:
    """The data's histograms, cut flow and live-time pieces, from one chunk or merged over many.

    ``zenith``, ``azimuth`` and ``core_map`` are None when the data lack the fields, ``heavy`` (lgE × above the
    light/heavy line) when there is no line, ``live`` when the data have no event times.
    """

    flow: Cutflow
    spectrum: hist.Hist
    flux_counts: hist.Hist
    sizes: hist.Hist
    size_map: hist.Hist
    ratio: hist.Hist
    composition: hist.Hist
    zenith: hist.Hist | None
    azimuth: hist.Hist | None
    core_map: hist.Hist | None
    heavy: hist.Hist | None
    live: LiveTime | None

    @classmethod
    def of_chunk(
        cls,
        events: ak.Array,
        *,
        cuts: Cuts,
        line: SeparationLine | None,
        energy_bins: tuple[float, ...],
        available: frozenset[str],
        max_gap_s: float,
    ) -> DataHistograms:
        """Cut and histogram one chunk of measured showers (runs on a Dask worker or in this process).

        The live time counts every event of the chunk (before the cuts: the detector was taking data).
        """
        where = "masterclass data"
        live = None
        if "time" in available:
            live = LiveTime.of_chunk(ak.to_numpy(events["time"]), max_gap_s=max_gap_s)
        sel, flow = select(events, cuts)
        lgE, ne, nmu = (column(sel, f, where=where) for f in ("lgE", "lgNe", "lgNmu"))
        ne_axis, nmu_axis = make_axis(None, name="lgNe"), make_axis(None, name="lgNmu")
        quantity = hist.axis.StrCategory(["lgNe", "lgNmu"], name="quantity", label="quantity")

        def optional(name: str, *axes: Any) -> hist.Hist | None:
            needed = ("core_x", "core_y") if name == "core_map" else (name,)
            if not set(needed) <= available:
                return None
            return _counts(*axes).fill(*(column(sel, f, where=where) for f in needed))

        return cls(
            flow=flow,
            spectrum=_counts(make_axis(None, name="lgE")).fill(lgE),
            flux_counts=_counts(make_axis(FLUX_BINS, name="lgE")).fill(lgE),
            sizes=_counts(make_axis(None, name="size"), quantity).fill(ne, "lgNe").fill(nmu, "lgNmu"),
            size_map=_counts(ne_axis, nmu_axis).fill(ne, nmu),
            ratio=_counts(make_axis(None, name="ratio")).fill(ne / nmu),
            composition=_counts(_energy_axis(energy_bins), ne_axis, nmu_axis).fill(lgE, ne, nmu),
            zenith=optional("zenith", make_axis(None, name="zenith")),
            azimuth=optional("azimuth", make_axis(None, name="azimuth", circular=True)),
            core_map=optional("core_map", make_axis(None, name="core_x"), make_axis(None, name="core_y")),
            heavy=heavy_histogram(sel, line, energy_bins=energy_bins) if line is not None else None,
            live=live,
        )

    def __add__(self, other: DataHistograms) -> DataHistograms:
        if not isinstance(other, DataHistograms):
            return NotImplemented
        return DataHistograms(**_merge_fields(self, other))


# ================================================================================================== streaming
def _stream(
    job: Callable[[ak.Array], _T],
    paths: Sequence[str],
    columns: list[str],
    *,
    desc: str,
    progress: bool,
    scheduler: Any,
    step_size: int,
) -> _T:
    """``engine.map_reduce`` over the chunks of ``paths``: locally with an event progress bar, or on Dask."""
    if scheduler is None:
        with progress_bar(enabled=progress, desc=desc, unit="ev", unit_scale=True) as bar:

            def counted(events: ak.Array) -> _T:
                value = job(events)
                bar.update(len(events))
                return value

            return engine.map_reduce(counted, list(paths), step_size=step_size, columns=columns)  # type: ignore[no-any-return]
    return engine.map_reduce(  # type: ignore[no-any-return]
        job,
        list(paths),
        step_size=step_size,
        columns=columns,
        scheduler=scheduler,
        progress=progress and sys.stderr.isatty(),
    )


def stream_simulation(
    paths: Sequence[str],
    columns: list[str],
    *,
    cuts: Cuts,
    energy_bins: tuple[float, ...],
    progress: bool,
    scheduler: Any,
    step_size: int,
) -> SimHistograms:
    """The merged :class:`SimHistograms` of all chunks of the simulation files."""
    job = functools.partial(SimHistograms.of_chunk, cuts=cuts, energy_bins=energy_bins)
    return _stream(job, paths, columns, desc="simulation", progress=progress, scheduler=scheduler, step_size=step_size)


def stream_data(
    paths: Sequence[str],
    columns: list[str],
    *,
    cuts: Cuts,
    line: SeparationLine | None,
    energy_bins: tuple[float, ...],
    available: frozenset[str],
    max_gap_s: float,
    progress: bool,
    scheduler: Any,
    step_size: int,
) -> DataHistograms:
    """The merged :class:`DataHistograms` of all chunks of the data files."""
    job = functools.partial(
        DataHistograms.of_chunk,
        cuts=cuts,
        line=line,
        energy_bins=energy_bins,
        available=available,
        max_gap_s=max_gap_s,
    )
    return _stream(job, paths, columns, desc="data", progress=progress, scheduler=scheduler, step_size=step_size)


# ================================================================================================== ROOT file
def _titled(h: Any, title: str) -> hist.Hist:
    """``h`` (a copy) with a title: the TH1/TH2 title in the ROOT file."""
    out: hist.Hist = h.copy()
    out.name = title
    return out


def _from_counts(edges: np.ndarray, counts: np.ndarray, title: str) -> hist.Hist:
    h = hist.Hist(hist.axis.Variable(edges, name="lgE", label="lg(E/eV)"), storage=hist.storage.Int64(), name=title)
    h.view()[:] = counts
    return h


def root_histograms(
    sim: SimHistograms, data: DataHistograms, heavy: HeavyFraction | None, energy_bins: Sequence[float]
) -> dict[str, hist.Hist]:
    """Every histogram of the job for ``masterclass.root``, 1-D or 2-D, categories split into one histogram each."""
    out = {
        "data_spectrum": _titled(data.spectrum, "data: energy spectrum"),
        "data_flux_counts": _titled(data.flux_counts, "data: events in the flux bins"),
        "data_lgNe": _titled(data.sizes[:, "lgNe"], "data: electron number"),
        "data_lgNmu": _titled(data.sizes[:, "lgNmu"], "data: muon number"),
        "data_size_map": _titled(data.size_map, "data: lgNe vs lgNmu"),
        "data_ratio": _titled(data.ratio, "data: lgNe/lgNmu"),
    }
    for name in ("zenith", "azimuth", "core_map"):
        h = getattr(data, name)
        if h is not None:
            out[f"data_{name}"] = _titled(h, f"data: {name.replace('_', ' ')}")
    ebins = list(itertools.pairwise(energy_bins))
    for i, (lo, hi) in enumerate(ebins):
        out[f"data_size_map_ebin{i}"] = _titled(
            data.composition[i, :, :], f"data: lgNe vs lgNmu, {lo:g} <= lgE < {hi:g}"
        )
    for p in sim.size_map.axes["primary"]:
        out[f"sim_{p}_spectrum"] = _titled(sim.spectrum[:, p], f"simulation {p}: energy spectrum")
        out[f"sim_{p}_size_map"] = _titled(sim.size_map[:, :, p], f"simulation {p}: lgNe vs lgNmu")
        out[f"sim_{p}_ratio"] = _titled(sim.ratio[:, p], f"simulation {p}: lgNe/lgNmu")
        for i, (lo, hi) in enumerate(ebins):
            out[f"sim_{p}_size_map_ebin{i}"] = _titled(
                sim.templates[i, :, :, p], f"simulation {p}: lgNe vs lgNmu, {lo:g} <= lgE < {hi:g}"
            )
    edges = np.asarray(energy_bins, dtype=float)
    zeros = np.zeros(len(edges) - 1, dtype=np.int64)
    n_heavy, n_all = (heavy.n_heavy, heavy.n) if heavy is not None else (zeros, zeros)
    out["data_heavy_lgE"] = _from_counts(edges, n_heavy, "data: showers above the light/heavy line")
    out["data_line_lgE"] = _from_counts(edges, n_all, "data: all showers")
    return out
