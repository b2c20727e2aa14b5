"""The streaming part of the masterclass job: cut and histogram each chunk, then merge the chunks in file order.

Besides the histograms of the figures (showers passing the job's cuts, nearly vertical by default), each chunk fills
the histograms of the composition and the element spectra from the showers up to the zenith range of the simulation
library (:data:`COMPOSITION_ZENITH_MAX_DEG`, 42°: five times more showers than 18°): the measured showers in
reconstructed energy × the KCDC mass estimate ln A (:func:`kcdc_hep.estimators.estimate_lnA`: the electron and
muon numbers, corrected for the zenith angle, turned into one number that separates light from heavy), and for the
simulation the response — the same histogram with the true energy and the primary as two more axes, filled with
weights that turn the library into the showers of the prior sky
(:meth:`~kcdc_hep.simulation.sky.GenerationSpectrum.weights_to`).

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
from dataclasses import dataclass, fields, replace
from typing import Any, TypeVar

import awkward as ak
import hist
import numpy as np

from kcdc_hep import engine
from kcdc_hep._util import progress_bar
from kcdc_hep.estimators import estimate_lnA
from kcdc_hep.fits import HeavyFraction, SeparationLine, heavy_histogram
from kcdc_hep.histograms import add, make_axis, primary_axis
from kcdc_hep.schema import column
from kcdc_hep.selections import Cutflow, Cuts, select
from kcdc_hep.simulation.sky import KASCADE_2024_SKY, GenerationSpectrum
from kcdc_hep.spectrum import LiveTime

__all__ = [
    "COMPOSITION_ZENITH_MAX_DEG",
    "FLUX_BINS",
    "LINE_PRIMARIES",
    "PRIOR_SKY",
    "CompositionBinning",
    "DataHistograms",
    "SimHistograms",
    "composition_binning",
    "root_histograms",
    "stream_data",
    "stream_simulation",
]

#: Bins of the all-particle flux, lg(E/eV): (n, low, high).
FLUX_BINS: tuple[int, float, float] = (30, 15.0, 18.0)
#: The light and the heavy primary of the separation line.
LINE_PRIMARIES = ("p", "Fe")
#: Largest zenith angle of the showers of the composition and the element spectra, deg: the range of the simulation
#: library (KASCADE's CORSIKA libraries reach 42°); smaller if the library's generation record says so.
COMPOSITION_ZENITH_MAX_DEG = 42.0
#: The sky the simulation library is weighted to when its response is filled (the published KASCADE spectra).
PRIOR_SKY = KASCADE_2024_SKY
#: Binning of the mass estimate ln A of the composition histograms: (n, low, high).
LNA_BINS: tuple[int, float, float] = (100, -3.0, 7.0)
# outer bins that take up the migration across the ends of the analysis range: reconstructed (below, above) and
# true energy (below), lg(E/eV)
_REC_BELOW, _REC_ABOVE, _TRUE_BELOW = (0.4, 0.2), 0.5, (0.6, 0.4, 0.2)


@dataclass(frozen=True)
class CompositionBinning:
    """Binning of the composition and element-spectrum histograms.

    Attributes
    ----------
    energy_bins : tuple of float
        The analysis bins, lg(E/eV): reconstructed energy for the template fits, true energy for the spectra.
    rec_edges : tuple of float
        Reconstructed-energy axis of the histograms: the analysis bins and outer bins for the migration.
    true_edges : tuple of float
        True-energy bins of the unfolding: the analysis bins and outer bins, inside the library's range.
    zenith_max_deg : float or None
        Zenith cut of the composition showers (None: the inputs have no zenith angle).
    corrected : bool
        Whether the mass estimate uses each shower's zenith angle (needs it in data and simulation; otherwise all
        showers count as vertical).
    """

    energy_bins: tuple[float, ...]
    rec_edges: tuple[float, ...]
    true_edges: tuple[float, ...]
    zenith_max_deg: float | None
    corrected: bool

    @property
    def first(self) -> int:
        """Index of the first analysis bin on :attr:`rec_edges` (and on :attr:`true_edges`)."""
        return self.rec_edges.index(self.energy_bins[0])

    @property
    def first_true(self) -> int:
        """Index of the first analysis bin on :attr:`true_edges`."""
        return self.true_edges.index(self.energy_bins[0])

    def lnA_axis(self) -> hist.axis.Regular | hist.axis.Variable:
        """The axis of the mass estimate ln A."""
        return make_axis(LNA_BINS, name="lnA", label="mass estimate ln A (KCDC formula)")

    def rec_axis(self) -> hist.axis.Variable:
        """The reconstructed-energy axis of the composition histograms."""
        return hist.axis.Variable(np.asarray(self.rec_edges), name="lgE", label="lg(E/eV)")

    def mass_estimate(self, events: ak.Array, where: str) -> np.ndarray:
        """The KCDC mass estimate ln A of ``events`` (for vertical showers when the zenith angle is not known)."""
        ne, nmu = column(events, "lgNe", where=where), column(events, "lgNmu", where=where)
        zenith = column(events, "zenith", where=where) if self.corrected else np.zeros(len(ne))
        return np.asarray(estimate_lnA(ne, nmu, zenith), dtype=float)


def composition_binning(
    energy_bins: Sequence[float],
    *,
    cuts: Cuts,
    generation: GenerationSpectrum | None,
    corrected: bool,
    zenith_max_deg: float | None = COMPOSITION_ZENITH_MAX_DEG,
) -> tuple[CompositionBinning, Cuts]:
    """The binning of the composition histograms and the cuts of their showers.

    The cuts are the job's cuts with the zenith cut opened to ``zenith_max_deg`` (at most the library's thrown
    range); without a zenith cut in the job's cuts (no zenith angle in the inputs) there is none.
    """
    bins = tuple(float(e) for e in energy_bins)
    lo_gen, hi_gen = generation.lgE_range if generation is not None else (-np.inf, np.inf)
    rec = (*(bins[0] - d for d in _REC_BELOW), *bins, bins[-1] + _REC_ABOVE)
    true = [e for e in (*(bins[0] - d for d in _TRUE_BELOW), *bins, bins[-1] + _REC_ABOVE) if lo_gen <= e <= hi_gen]
    zmax = None
    if cuts.zenith_max_deg is not None:
        zmax = float(zenith_max_deg) if zenith_max_deg is not None else float(cuts.zenith_max_deg)
        if generation is not None:
            zmax = min(zmax, generation.zenith_max_deg)
    binning = CompositionBinning(
        bins, tuple(round(e, 9) for e in rec), tuple(round(e, 9) for e in true), zmax, corrected
    )
    return binning, replace(cuts, zenith_max_deg=zmax)


_T = TypeVar("_T")


def _counts(*axes: Any) -> hist.Hist:
    return hist.Hist(*axes, storage=hist.storage.Int64())


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
    templates : hist.Hist or None
        Composition showers in reconstructed lgE × mass estimate ln A × primary (counts), for a simulation without
        true energies or generation record; None when :attr:`response` is filled instead.
    response : hist.Hist or None
        Weight storage: true lgE × primary × reconstructed lgE × mass estimate ln A of the composition showers,
        weighted to the prior sky (:data:`PRIOR_SKY`) by the library's generation spectrum; the response of the
        unfolding, and the templates after summing over the true energy.
    line_points : mapping of str → tuple of numpy.ndarray
        For p and Fe, the (lgNe, lgNmu) points in the energy range of the analysis, one array per chunk in file
        order: the light/heavy line is trained where it is used (trained on all energies, the many showers near the
        trigger threshold would tilt it).
    """

    flow: Cutflow
    spectrum: hist.Hist
    size_map: hist.Hist
    ratio: hist.Hist
    templates: hist.Hist | None
    response: hist.Hist | None
    line_points: Mapping[str, tuple[np.ndarray, ...]]

    @classmethod
    def of_chunk(
        cls,
        events: ak.Array,
        *,
        cuts: Cuts,
        composition_cuts: Cuts,
        binning: CompositionBinning,
        generation: GenerationSpectrum | None,
    ) -> SimHistograms:
        """Cut and histogram one chunk of simulated showers (runs on a Dask worker or in this process).

        With ``generation`` (and true energies in the events) the response is filled, otherwise plain templates.
        """
        sel, flow = select(events, cuts)
        where = "masterclass simulation"
        lgE, ne, nmu = (column(sel, f, where=where) for f in ("lgE", "lgNe", "lgNmu"))
        primary = column(sel, "primary", where=where).astype(str)
        ne_axis, nmu_axis = make_axis(None, name="lgNe"), make_axis(None, name="lgNmu")
        spectrum = _counts(make_axis(None, name="lgE"), primary_axis())
        size_map = _counts(ne_axis, nmu_axis, primary_axis())
        ratio = _counts(make_axis(None, name="ratio"), primary_axis())
        points: dict[str, tuple[np.ndarray, ...]] = {}
        energy_bins = binning.energy_bins
        for p in np.unique(primary):  # a loop over the few primaries, not over events
            sel_p = primary == p
            e, a, b = lgE[sel_p], ne[sel_p], nmu[sel_p]
            spectrum.fill(e, p)
            size_map.fill(a, b, p)
            ratio.fill(a / b, p)
            if p in LINE_PRIMARIES:
                use = (e >= energy_bins[0]) & (e < energy_bins[-1])
                points[str(p)] = (np.column_stack([a[use], b[use]]),)
        comp, _ = select(events, composition_cuts)
        c_lgE = column(comp, "lgE", where=where)
        lnA = binning.mass_estimate(comp, where)
        c_primary = column(comp, "primary", where=where).astype(str)
        templates = response = None
        if generation is not None:
            lgE_true = column(comp, "lgE_true", where=where)
            true_axis = hist.axis.Variable(np.asarray(binning.true_edges), name="lgE_true", label="true lg(E/eV)")
            elements = hist.axis.StrCategory(list(generation.elements), name="primary", label="primary")
            response = hist.Hist(true_axis, elements, binning.rec_axis(), binning.lnA_axis(),
                                 storage=hist.storage.Weight())  # fmt: skip
            w = generation.weights_to(PRIOR_SKY, lgE_true, c_primary)
            response.fill(lgE_true, c_primary, c_lgE, lnA, weight=w)
        else:
            templates = _counts(binning.rec_axis(), binning.lnA_axis(), primary_axis())
            templates.fill(c_lgE, lnA, c_primary)
        return cls(flow, spectrum, size_map, ratio, templates, response, points)

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
    light/heavy line) when there is no line, ``live`` when the data have no event times. ``composition`` holds the
    composition showers (zenith up to the library's range) in reconstructed lgE × mass estimate ln A, binned as the
    simulation's response.
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
        composition_cuts: Cuts,
        line: SeparationLine | None,
        binning: CompositionBinning,
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

        comp, _ = select(events, composition_cuts)
        composition = _counts(binning.rec_axis(), binning.lnA_axis())
        composition.fill(column(comp, "lgE", where=where), binning.mass_estimate(comp, where))
        energy_bins = binning.energy_bins
        return cls(
            flow=flow,
            spectrum=_counts(make_axis(None, name="lgE")).fill(lgE),
            flux_counts=_counts(make_axis(FLUX_BINS, name="lgE")).fill(lgE),
            sizes=_counts(make_axis(None, name="size"), quantity).fill(ne, "lgNe").fill(nmu, "lgNmu"),
            size_map=_counts(ne_axis, nmu_axis).fill(ne, nmu),
            ratio=_counts(make_axis(None, name="ratio")).fill(ne / nmu),
            composition=composition,
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
    composition_cuts: Cuts,
    binning: CompositionBinning,
    generation: GenerationSpectrum | None,
    progress: bool,
    scheduler: Any,
    step_size: int,
) -> SimHistograms:
    """The merged :class:`SimHistograms` of all chunks of the simulation files."""
    job = functools.partial(
        SimHistograms.of_chunk, cuts=cuts, composition_cuts=composition_cuts, binning=binning, generation=generation
    )
    return _stream(job, paths, columns, desc="simulation", progress=progress, scheduler=scheduler, step_size=step_size)


def stream_data(
    paths: Sequence[str],
    columns: list[str],
    *,
    cuts: Cuts,
    composition_cuts: Cuts,
    line: SeparationLine | None,
    binning: CompositionBinning,
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
        composition_cuts=composition_cuts,
        line=line,
        binning=binning,
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
    sim: SimHistograms, data: DataHistograms, heavy: HeavyFraction | None, binning: CompositionBinning
) -> dict[str, hist.Hist]:
    """The job's histograms for ``masterclass.root``, 1-D or 2-D, categories split into one histogram each.

    The composition histograms of the data per analysis bin are ``data_lnA_ebin<i>`` (mass estimate ln A, showers
    up to the composition zenith cut); the simulated templates and the unfolded spectra come from
    :mod:`~kcdc_hep.analyses.masterclass.physics`.
    """
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
    energy_bins = binning.energy_bins
    for i, (lo, hi) in enumerate(itertools.pairwise(energy_bins)):
        out[f"data_lnA_ebin{i}"] = _titled(
            data.composition[binning.first + i, :], f"data: mass estimate ln A, {lo:g} <= lgE < {hi:g}"
        )
    for p in sim.size_map.axes["primary"]:
        out[f"sim_{p}_spectrum"] = _titled(sim.spectrum[:, p], f"simulation {p}: energy spectrum")
        out[f"sim_{p}_size_map"] = _titled(sim.size_map[:, :, p], f"simulation {p}: lgNe vs lgNmu")
        out[f"sim_{p}_ratio"] = _titled(sim.ratio[:, p], f"simulation {p}: lgNe/lgNmu")
    edges = np.asarray(energy_bins, dtype=float)
    zeros = np.zeros(len(edges) - 1, dtype=np.int64)
    n_heavy, n_all = (heavy.n_heavy, heavy.n) if heavy is not None else (zeros, zeros)
    out["data_heavy_lgE"] = _from_counts(edges, n_heavy, "data: showers above the light/heavy line")
    out["data_line_lgE"] = _from_counts(edges, n_all, "data: all showers")
    return out
