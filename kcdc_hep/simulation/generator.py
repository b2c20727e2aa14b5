"""Synthetic KASCADE air showers in the event model: a fast, vectorised stand-in for CORSIKA + detector simulation.

This module draws the events (options, chunks and their seeds, the shower sampling, runs and times, assembly into
the event model); the formulas are in :mod:`kcdc_hep.simulation.showers` (physics) and
:mod:`kcdc_hep.simulation.detector` (detector response). The generator follows DESIGN §2.4:

1. true energy and primary from the sky of element spectra
   (:data:`~kcdc_hep.simulation.sky.KASCADE_2024_SKY`: p, He, C, Si, Fe, each with its own knee, fitted to the
   published KASCADE spectra) — the primary from the elements' shares of the flux at that energy — or from a
   broken power law (:class:`~kcdc_hep.simulation.showers.BrokenPowerLaw`) with the KASCADE composition table
   (:func:`~kcdc_hep.simulation.showers.composition_fractions`), or with fixed fractions;
3. direction isotropic on a flat detector (dN ∝ sin θ cos θ dθ), azimuth uniform; core uniform in the 91 m disc;
4. mean electron and muon numbers per primary at the mean depth of the 0–18° sample
   (:func:`~kcdc_hep.simulation.showers.mean_lgNe`, :func:`~kcdc_hep.simulation.showers.mean_lgNmu`), attenuated
   with sec θ by the exact inverse of the KCDC correction (:func:`~kcdc_hep.simulation.showers.attenuate`);
5. correlated shower-to-shower fluctuations per primary (:func:`~kcdc_hep.simulation.showers.fluctuation_widths`);
6. trigger (:func:`~kcdc_hep.simulation.detector.trigger_efficiency`: the low-energy turn-over), reconstruction
   smearing of sizes, core and direction (:func:`~kcdc_hep.simulation.detector.reconstruct`), and the KCDC
   fiducial cuts (reconstructed core within 91 m, zenith below 60°);
7. lgE and lnA from the *reconstructed* sizes with the KCDC estimators, as KCDC does.

Optionally per-station data (NKG-like electron and Greisen-like muon lateral distributions, Poisson particle
numbers, shower-front arrival times), central-calorimeter hadron data and KASCADE-Grande's own reconstruction of
the showers above ~10^16 eV.

Everything is generated in fixed-size chunks, each with its own child seed of the :class:`numpy.random.SeedSequence`
of ``seed``, so a sample is fully determined by ``(n_events, seed, options)``.

:func:`simulate_library` makes a simulation library as KCDC's CORSIKA libraries are made: equal numbers of p, He, C,
Si, Fe thrown on a flat power law (E^−2 from 10^14 to 10^18 eV), through the same detector, and it returns the
:class:`~kcdc_hep.simulation.sky.GenerationSpectrum` with the exact numbers thrown, so that an analysis can
re-weight the library to any sky (:meth:`~kcdc_hep.simulation.sky.GenerationSpectrum.weights_to`).

>>> ev = simulate(200, seed=1, kind="simulation")
>>> len(ev), "lgE_true" in ev.fields, sorted(set(ev.primary.to_list())) <= ["C", "Fe", "He", "Si", "p"]
(200, True, True)
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any, Literal

import awkward as ak
import numpy as np
from scipy import special

from kcdc_hep import schema
from kcdc_hep._util import progress_bar
from kcdc_hep.errors import ArgumentError
from kcdc_hep.estimators import (
    ATMOSPHERIC_DEPTH_G_CM2,
    ELECTRON_ATTENUATION_G_CM2,
    MEAN_SEC_ZENITH,
    MUON_ATTENUATION_G_CM2,
    estimate_energy,
    estimate_lnA,
)
from kcdc_hep.simulation import detector
from kcdc_hep.simulation.runs import DATA_END, DATA_START, data_time, run_table
from kcdc_hep.simulation.showers import (
    GAMMA_DLGNE,
    GAMMA_DLGNMU,
    BrokenPowerLaw,
    composition_fractions,
    electron_fluctuation,
    fluctuation_widths,
    mean_lgNe,
    mean_lgNmu,
)
from kcdc_hep.simulation.sky import KASCADE_2024_SKY, ElementSky, GenerationSpectrum

__all__ = ["DATA_END", "DATA_START", "BrokenPowerLaw", "Kind", "simulate", "simulate_library"]

#: What :func:`simulate` makes: measured-data-like events or simulations with the truth.
Kind = Literal["data", "simulation"]

_CHUNK = 1 << 17  # events per chunk (each chunk has its own child seed)
_ACCEPT_BLOCK = 1 << 16  # candidate showers per trigger block
_LN10 = math.log(10.0)
_PROPOSAL_STEP = 0.01  # decades per bin of the piecewise power-law proposal
_FINE_STEP = 1e-3  # decades per node of the tabulated sky (flux and fractions, interpolated)
_SKY_MARGIN = 1.001  # the sky / its piecewise power law through 0.01-decade nodes stays below this (< 1.0002)


# ================================================================================================ simulate
Spectrum = BrokenPowerLaw | ElementSky


@dataclass(frozen=True)
class _Options:
    kind: Kind
    symbols: tuple[str, ...]
    lnA: np.ndarray
    fixed_fractions: np.ndarray | None
    spectrum: Spectrum
    zenith_max_deg: float
    lgE_range: tuple[float, float]
    gamma_fraction: float
    stations: bool
    calorimeter: bool
    array_fraction: float
    grande: bool
    generation: GenerationSpectrum | None = None  # a library: energies and primaries thrown from it


def simulate(
    n_events: int,
    *,
    seed: int | np.random.SeedSequence,
    kind: Kind = "data",
    composition: Mapping[str, float] | None = None,
    spectrum: Spectrum | None = None,
    zenith_max_deg: float | None = None,
    lgE_range: tuple[float, float] = (13.6, 18.0),
    gamma_fraction: float = 0.0,
    stations: bool = False,
    calorimeter: bool = False,
    array_fraction: float = 986577 / 1080295,
    grande: bool = False,
    progress: bool | Any = False,
    workers: int | None = None,
) -> ak.Array:
    """Simulate ``n_events`` triggered and reconstructed KASCADE air showers.

    Parameters
    ----------
    n_events : int
        Number of events (after trigger and fiducial cuts).
    seed : int or numpy.random.SeedSequence
        Random seed; the same seed and options give the same events.
    kind : {"data", "simulation"}
        ``"data"``: measured-data-like events with ``time`` (UTC, at 1–4 Hz in runs between 1998-05-08 and
        2013-01-15, sorted), ``temperature`` [°C], ``pressure`` [hPa], ``run`` and ``event``, without primary.
        ``"simulation"``: events with the truth (``primary``, ``lgE_true``, ``zenith_true``, ``azimuth_true``,
        ``core_x_true``, ``core_y_true``, ``lgNe_true``, ``lgNmu_true``) and without time or weather.
    composition : mapping of primary code to fraction, optional
        Fixed fractions such as ``{"p": 0.5, "Fe": 0.5}`` (normalised), whatever the energy; default: the elements'
        shares of the sky's flux at each energy (for a :class:`BrokenPowerLaw`, the KASCADE composition table
        :data:`~kcdc_hep.simulation.showers.KASCADE_COMPOSITION`).
    spectrum : ElementSky or BrokenPowerLaw, optional
        The true flux: default :data:`~kcdc_hep.simulation.sky.KASCADE_2024_SKY` (one spectrum per element, fitted
        to the published KASCADE element spectra; energies follow their sum); a :class:`BrokenPowerLaw` gives the
        all-particle spectrum alone (knee 4 PeV, indices −2.7 / −3.1 by default).
    zenith_max_deg : float, optional
        Largest true zenith angle, deg; default 60 for data and 42 for simulations (the range of the KASCADE
        CORSIKA libraries).
    lgE_range : (float, float)
        True-energy range, lg(E/eV); the default starts well below the trigger threshold.
    gamma_fraction : float
        Fraction of photon primaries (muon-poor showers), drawn on top of the hadronic composition.
    stations : bool
        Add per-station data: ``n_stations`` (int32), ``station`` (ids 0–251), ``e_deposit`` and ``mu_deposit``
        [MeV], ``arrival_time`` [ns, relative to the shower plane through the core], stations with a signal only.
        A fraction 1 − ``array_fraction`` of the events has no array data (missing values), as in KCDC.
    calorimeter : bool
        Add ``ehad`` [GeV] and ``nhad`` for the events with hadrons in the central calorimeter (missing otherwise).
    array_fraction : float
        Fraction of events with array data (KCDC small sample: 986577 of 1080295).
    grande : bool
        Add KASCADE-Grande's own reconstruction (``grande_core_x``, ``grande_core_y`` [m], ``grande_zenith``,
        ``grande_azimuth`` [deg], ``grande_lgNch``, ``grande_lgNmu``, ``grande_age``) for the showers Grande sees
        (above ~10^16 eV, see :func:`~kcdc_hep.simulation.detector.grande`), missing for the others.
    progress : bool or tqdm-like
        Show a progress bar (True), or call ``progress.update(n)`` for each finished chunk.
    workers : int, optional
        Threads for the chunks (default: the number of CPUs, at most 4); the result does not depend on it.

    Returns
    -------
    awkward.Array
        Event records with canonical field names (see :mod:`kcdc_hep.schema`); scalars are float64.

    Raises
    ------
    ArgumentError
        On a bad option (unknown primary, empty composition, zenith or energy range, too many data events for the
        data-taking period).
    """
    opts = _options(
        n_events,
        kind=kind,
        composition=composition,
        spectrum=spectrum,
        zenith_max_deg=zenith_max_deg,
        lgE_range=lgE_range,
        gamma_fraction=gamma_fraction,
        stations=stations,
        calorimeter=calorimeter,
        array_fraction=array_fraction,
        grande=grande,
    )
    return _assemble(_run_chunks(n_events, seed, opts, progress, workers), opts)


def simulate_library(
    n_events: int,
    *,
    seed: int | np.random.SeedSequence,
    index: float = -2.0,
    lgE_range: tuple[float, float] = (14.0, 18.0),
    elements: tuple[str, ...] = schema.MASS_GROUPS,
    zenith_max_deg: float = 42.0,
    progress: bool | Any = False,
    workers: int | None = None,
) -> tuple[ak.Array, GenerationSpectrum]:
    """A simulation library as KCDC makes them: equal numbers of each element thrown on E^index, through the detector.

    Showers are thrown in turn p, He, C, Si, Fe, p, ... with true energies from E^index in ``lgE_range``, isotropic
    directions up to ``zenith_max_deg`` and cores uniform in the 91 m disc, then triggered, reconstructed and cut
    exactly as :func:`simulate` does; throwing stops at the ``n_events``-th surviving shower. The returned
    :class:`~kcdc_hep.simulation.sky.GenerationSpectrum` holds the exact number thrown of each element up to that
    shower (equal to within one per chunk of 131 072 events), which is what an analysis needs to turn the library
    into efficiencies and to re-weight it to any sky.

    Parameters
    ----------
    n_events : int
        Showers in the library (after trigger and fiducial cuts).
    seed : int or numpy.random.SeedSequence
        Random seed.
    index : float
        Differential spectral index of the generation (−2: flat in E² dN/dE, as KCDC's libraries).
    lgE_range : (float, float)
        True-energy range, lg(E/eV).
    elements : tuple of str
        The elements thrown (known nuclei).
    zenith_max_deg : float
        Largest true zenith angle, deg (42: the range of the KASCADE CORSIKA libraries).
    progress, workers
        As for :func:`simulate`.

    Returns
    -------
    events : awkward.Array
        Simulated events with the truth, as :func:`simulate` with ``kind="simulation"`` makes them.
    generation : GenerationSpectrum
        How the library was thrown, with the numbers thrown per element.

    Examples
    --------
    >>> ev, gen = simulate_library(300, seed=2)
    >>> gen.elements, gen.index, gen.lgE_range, sum(gen.n_thrown) > len(ev)
    (('p', 'He', 'C', 'Si', 'Fe'), -2.0, (14.0, 18.0), True)
    """
    symbols, _ = _composition(dict.fromkeys(elements, 1.0))
    lo, hi = (float(x) for x in lgE_range)
    if abs(index + 1.0) < 1e-9:
        msg = f"simulate_library: index={index} must not be -1 (use -2, as the KCDC libraries, or another index)"
        raise ArgumentError(msg)
    draft = GenerationSpectrum(symbols, (0,) * len(symbols), float(index), (lo, hi), float(zenith_max_deg))
    opts = replace(
        _options(n_events, kind="simulation", composition=dict.fromkeys(symbols, 1.0), spectrum=None,
                 zenith_max_deg=zenith_max_deg, lgE_range=(lo, hi), gamma_fraction=0.0, stations=False,
                 calorimeter=False, array_fraction=1.0, grande=False),
        generation=draft,
    )  # fmt: skip
    parts = _run_chunks(n_events, seed, opts, progress, workers)
    thrown = np.sum([p["thrown"] for p in parts], axis=0) if parts else np.zeros(len(symbols), dtype=np.int64)
    return _assemble(parts, opts), replace(draft, n_thrown=tuple(int(t) for t in thrown))


def _run_chunks(
    n_events: int, seed: int | np.random.SeedSequence, opts: _Options, progress: bool | Any, workers: int | None
) -> list[dict[str, Any]]:
    """The chunks of ``n_events`` events, each from its own child seed, on ``workers`` threads.

    Data get their times afterwards: the candidates drawn are a sample of the proposal's flux through the detector,
    so their number fixes the live time in which the sky sends these showers (:func:`_live_time`).
    """
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))
    n_chunks = -(-n_events // _CHUNK)
    bar, close = _progress(progress, n_events)
    prop = _proposal(opts)

    def one(k: int) -> dict[str, Any]:
        lo = k * _CHUNK
        out = _chunk(min(_CHUNK, n_events - lo), _child(root, k + 1), opts, prop)
        if bar is not None:
            bar.update(min(_CHUNK, n_events - lo))
        return out

    n_workers = max(1, min(workers or min(os.cpu_count() or 1, 4), n_chunks))
    try:
        if n_workers == 1:
            parts = [one(k) for k in range(n_chunks)]
        else:
            with ThreadPoolExecutor(n_workers) as pool:
                parts = list(pool.map(one, range(n_chunks)))
    finally:
        close()
    if opts.kind == "data":
        runs = run_table(n_events, _child(root, 0), _live_time(parts, opts, prop))
        for k, part in enumerate(parts):
            rng = np.random.default_rng(_child(_child(root, k + 1), 3))
            part["time"] = data_time(rng, k * _CHUNK, len(part["showers"]["lgNe"]), runs)
    return parts


def _live_time(parts: list[dict[str, Any]], opts: _Options, prop: _Proposal) -> float:
    """Seconds in which the sky sends the drawn candidates through the detector (cores in 91 m, zenith ≤ θmax).

    The candidates up to the last kept shower are a sample of the proposal's flux, ∫ J_proposal · bound dE
    (m⁻² s⁻¹ sr⁻¹), through the area π·91² m² and the solid angle π sin²θmax (flat detector); their number divided
    by that rate is the time, so that counts / (time × area × solid angle × efficiency) measures the sky's flux.
    """
    n_cand = sum(int(np.sum(p["thrown"])) for p in parts)
    area = math.pi * detector.CORE_RADIUS_MAX_M**2
    omega = math.pi * math.sin(math.radians(opts.zenith_max_deg)) ** 2
    return n_cand / (prop.rate_m2_s_sr * area * omega)


def _child(root: np.random.SeedSequence, i: int) -> np.random.SeedSequence:
    """Child ``i`` of ``root`` as ``root.spawn`` makes it, without changing ``root``'s spawn counter."""
    return np.random.SeedSequence(root.entropy, spawn_key=(*root.spawn_key, i), pool_size=root.pool_size)


def _progress(progress: bool | Any, total: int) -> tuple[Any, Any]:
    """The bar to update per finished chunk (``None`` for none) and the function that closes it."""
    if progress is True:
        bar = progress_bar(total=total, unit="ev", desc="simulate")
        return bar, bar.close
    if progress is False or progress is None:
        return None, lambda: None
    return progress, lambda: None


def _options(n_events: int, **kw: Any) -> _Options:
    if not isinstance(n_events, int | np.integer) or n_events < 0:
        msg = f"simulate: n_events={n_events!r} must be a non-negative integer"
        raise ArgumentError(msg)
    kind = kw["kind"]
    if kind not in ("data", "simulation"):
        msg = f"simulate: kind={kind!r} is unknown; use 'data' or 'simulation'"
        raise ArgumentError(msg)
    zmax = kw["zenith_max_deg"]
    zmax = (60.0 if kind == "data" else 42.0) if zmax is None else float(zmax)
    if not 0 < zmax <= detector.ZENITH_CUT_DEG:
        msg = f"simulate: zenith_max_deg={zmax} must be in (0, {detector.ZENITH_CUT_DEG}] degrees (the KCDC range)"
        raise ArgumentError(msg)
    lo, hi = (float(x) for x in kw["lgE_range"])
    if not (12.0 <= lo < hi <= 21.0):
        msg = f"simulate: lgE_range={kw['lgE_range']!r} must be (low, high) in lg(E/eV) with 12 <= low < high <= 21"
        raise ArgumentError(msg)
    spectrum = KASCADE_2024_SKY if kw["spectrum"] is None else kw["spectrum"]
    if not isinstance(spectrum, BrokenPowerLaw | ElementSky):
        msg = f"simulate: spectrum must be an ElementSky or a BrokenPowerLaw, not {type(spectrum).__name__}"
        raise ArgumentError(msg)
    composition = kw["composition"]
    if composition is None and isinstance(spectrum, ElementSky):
        composition = dict.fromkeys(spectrum.elements, 1.0)  # the symbols; the fractions follow the sky
        symbols, fixed = _composition(composition)[0], None
    else:
        symbols, fixed = _composition(composition)
    gamma_fraction = float(kw["gamma_fraction"])
    if not 0.0 <= gamma_fraction < 1.0:
        msg = f"simulate: gamma_fraction={gamma_fraction} must be in [0, 1)"
        raise ArgumentError(msg)
    array_fraction = float(kw["array_fraction"])
    if not 0.0 <= array_fraction <= 1.0:
        msg = f"simulate: array_fraction={array_fraction} must be in [0, 1]"
        raise ArgumentError(msg)
    all_symbols = (*symbols, "gamma")
    lnA = np.array([schema.PRIMARIES[s].lnA for s in symbols] + [0.0])
    return _Options(
        kind,
        all_symbols,
        lnA,
        fixed,
        spectrum,
        zmax,
        (lo, hi),
        gamma_fraction,
        bool(kw["stations"]),
        bool(kw["calorimeter"]),
        array_fraction,
        bool(kw["grande"]),
    )


def _composition(composition: Mapping[str, float] | None) -> tuple[tuple[str, ...], np.ndarray | None]:
    """The primaries' symbols and their fixed fractions (``None``: the energy-dependent KASCADE composition)."""
    if composition is None:
        return schema.MASS_GROUPS, None
    symbols: list[str] = []
    fracs: list[float] = []
    for code, frac in composition.items():
        p = schema.lookup_primary(code)
        if p is None or p.mass_number < 1:
            known = ", ".join(schema.MASS_GROUPS)
            msg = f"simulate: composition has unknown nucleus {code!r}; use symbols such as {known}"
            raise ArgumentError(msg)
        if not frac >= 0:
            msg = f"simulate: composition fraction of {code!r} is {frac}; fractions must be >= 0"
            raise ArgumentError(msg)
        if p.symbol in symbols:
            fracs[symbols.index(p.symbol)] += float(frac)
        else:
            symbols.append(p.symbol)
            fracs.append(float(frac))
    total = sum(fracs)
    if not total > 0:
        msg = f"simulate: composition {dict(composition)!r} has no positive fraction"
        raise ArgumentError(msg)
    return tuple(symbols), np.asarray(fracs) / total


# ------------------------------------------------------------------------------------------------ showers
def _draw_primary(rng: np.random.Generator, lgE: np.ndarray, opts: _Options, prop: _Proposal, first: int) -> np.ndarray:
    """Index into ``opts.symbols`` for each shower (the last symbol is the photon).

    A library throws its elements in turn (candidate ``first + i`` is element ``(first + i) mod k``); otherwise the
    primary comes from fixed fractions, the sky's shares at the energy, or the composition table.
    """
    n = len(lgE)
    if opts.generation is not None:
        return ((first + np.arange(n)) % len(opts.generation.elements)).astype(np.int8)
    u = rng.random(n)
    if opts.fixed_fractions is not None:
        idx = np.searchsorted(np.cumsum(opts.fixed_fractions)[:-1], u, side="right")
    elif prop.fine is not None:
        grid, _, cum = prop.fine
        idx = np.zeros(n, dtype=np.intp)
        for j in range(cum.shape[1] - 1):
            idx += u >= np.interp(lgE, grid, cum[:, j])
    else:
        cum = np.cumsum(composition_fractions(lgE, opts.symbols[:-1]), axis=1)
        idx = (u[:, None] >= cum[:, :-1]).sum(axis=1)
    if opts.gamma_fraction > 0:
        idx[rng.random(n) < opts.gamma_fraction] = len(opts.symbols) - 1
    return idx.astype(np.int8)


@dataclass(frozen=True)
class _Proposal:
    """Envelope for exact rejection sampling of triggered showers.

    Energy bins in which the spectrum is proposed as a power law through its values at the bin edges (exact for a
    broken power law with a node at the knee; for a sky of smooth element spectra it lies within 0.02 % of it, and
    the acceptance corrects for the difference), with an upper bound on the trigger probability of any shower in
    the bin. A library is one bin with bound 1: every thrown shower is a candidate.
    """

    lo: np.ndarray
    hi: np.ndarray
    index: np.ndarray  # spectral index of the proposal in the bin
    lg_flux_lo: np.ndarray  # lg J at the bin's lower edge, J in m⁻² s⁻¹ sr⁻¹ GeV⁻¹
    bound: np.ndarray  # >= trigger probability of any shower of the bin (× the sky margin)
    cum: np.ndarray  # cumulative proposal probability
    fine: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None  # sky: grid, lg J_all, cumulative fractions
    rate_m2_s_sr: float = math.nan  # ∫ J_proposal · bound dE: the flux of candidates, m⁻² s⁻¹ sr⁻¹


def _proposal(opts: _Options) -> _Proposal:
    lo, hi = opts.lgE_range
    if opts.generation is not None:
        one = np.ones(1)
        return _Proposal(np.array([lo]), np.array([hi]), np.array([opts.generation.index]), np.zeros(1), one, one)
    spec = opts.spectrum
    edges = np.arange(lo, hi, _PROPOSAL_STEP)
    if isinstance(spec, BrokenPowerLaw):
        edges = np.unique(np.r_[edges, hi, [spec.lgE_knee] if lo < spec.lgE_knee < hi else []])
        fine = None
        margin = 1.0
    else:
        edges = np.unique(np.r_[edges, hi])
        grid = np.linspace(lo, hi, max(2, math.ceil((hi - lo) / _FINE_STEP) + 1))
        fine = (grid, np.log10(spec.all_particle(grid)), np.cumsum(spec.fractions(grid), axis=-1))
        margin = _SKY_MARGIN
    a, b = edges[:-1], edges[1:]
    lg_a, lg_b = _lg_spectrum(spec, a), _lg_spectrum(spec, b)
    g = (lg_b - lg_a) / (b - a)
    # ∫ J dE over the bin, m⁻² s⁻¹ sr⁻¹: J(a) E_a (10^((g+1)(b−a)) − 1) / (g+1), E in GeV
    weight = 10.0 ** (lg_a + a - 9.0) * (10.0 ** ((g + 1.0) * (b - a)) - 1.0) / (g + 1.0)
    # the trigger probability Φ(D/S) is largest for vertical showers at the centre (the zenith term of the
    # threshold falls slower than the electron attenuation) and grows with energy: bound it at the bin's top
    bound = np.zeros(len(a))
    vertical = -(ATMOSPHERIC_DEPTH_G_CM2 * (1.0 - MEAN_SEC_ZENITH)) / (ELECTRON_ATTENUATION_G_CM2 * _LN10)
    for i, lnA in enumerate(opts.lnA):
        shift = GAMMA_DLGNE if i == len(opts.lnA) - 1 else 0.0
        d = mean_lgNe(b, lnA) + shift + vertical - detector.TRIGGER_LGNE50
        for e in (a, b):
            s_ = np.hypot(electron_fluctuation(e, lnA), detector.TRIGGER_WIDTH)
            bound = np.maximum(bound, special.ndtr(d / s_))
    bound = np.minimum(bound * 1.000001 + 1e-12, 1.0)
    cum = np.cumsum(weight * bound * margin)
    return _Proposal(a, b, g, lg_a, bound * margin, cum / cum[-1], fine, float(cum[-1]))


def _lg_spectrum(spec: Spectrum, lgE: np.ndarray) -> np.ndarray:
    """lg of the all-particle flux J at lgE [lg(E/eV)], J in m⁻² s⁻¹ sr⁻¹ GeV⁻¹."""
    if isinstance(spec, BrokenPowerLaw):
        return spec.lg_flux(lgE)
    return np.log10(spec.all_particle(lgE))


def _showers(
    rng: np.random.Generator, n: int, opts: _Options, prop: _Proposal, first: int = 0
) -> dict[str, np.ndarray]:
    """Candidate showers through trigger, reconstruction and fiducial cuts (a variable number survives).

    Exact rejection sampling: energies from the proposal × bound (:func:`_proposal`), accepted with probability
    P(trigger | E, A, θ, r) · J/J_proposal / bound; the electron-number fluctuation is then drawn conditional on the
    trigger. ``cand`` is each survivor's index among the ``n`` candidates.
    """
    j = np.minimum(np.searchsorted(prop.cum, rng.random(n), side="right"), len(prop.cum) - 1)
    g1, a, b = prop.index[j] + 1.0, prop.lo[j], prop.hi[j]
    lgE = a + np.log10(1.0 + rng.random(n) * (10.0 ** (g1 * (b - a)) - 1.0)) / g1
    prim = _draw_primary(rng, lgE, opts, prop, first)
    cos2max = math.cos(math.radians(opts.zenith_max_deg)) ** 2
    cos_t = np.sqrt(1.0 - rng.random(n) * (1.0 - cos2max))  # dN ∝ sin θ cos θ dθ
    r = detector.CORE_RADIUS_MAX_M * np.sqrt(rng.random(n))
    lnA = opts.lnA[prim]
    is_gamma = prim == len(opts.symbols) - 1
    dx = ATMOSPHERIC_DEPTH_G_CM2 / cos_t - MEAN_SEC_ZENITH * ATMOSPHERIC_DEPTH_G_CM2
    mu_e = mean_lgNe(lgE, lnA) + np.where(is_gamma, GAMMA_DLGNE, 0.0) - dx / (ELECTRON_ATTENUATION_G_CM2 * _LN10)
    threshold = detector.threshold(r, cos_t)
    sig_e = electron_fluctuation(lgE, lnA)
    s_tot = np.hypot(sig_e, detector.TRIGGER_WIDTH)
    p_trig = special.ndtr((mu_e - threshold) / s_tot)
    p_accept = p_trig
    if prop.fine is not None:  # the sky against its piecewise power law in the bin
        grid, lg_flux, _ = prop.fine
        p_accept = p_trig * 10.0 ** (np.interp(lgE, grid, lg_flux) - (prop.lg_flux_lo[j] + prop.index[j] * (lgE - a)))
    keep = rng.random(n) * prop.bound[j] < p_accept
    cand = np.flatnonzero(keep)
    lgE, prim, cos_t, r, lnA, is_gamma, mu_e, threshold, sig_e, s_tot, p_trig, dx = (
        v[keep] for v in (lgE, prim, cos_t, r, lnA, is_gamma, mu_e, threshold, sig_e, s_tot, p_trig, dx)
    )
    m = len(lgE)
    # fluctuation given the trigger: V = σ z1 − w z3 > −D (z3: the trigger's own spread), then z1 given V
    w_ = s_tot * special.ndtri(np.maximum(rng.random(m) * p_trig, 1e-300))  # W = −V < D, truncated normal
    rho_v = sig_e / s_tot
    z1 = -rho_v * w_ / s_tot + np.sqrt(1.0 - rho_v * rho_v) * rng.standard_normal(m)
    lgNe = mu_e + sig_e * z1
    _, sig_mu, rho = fluctuation_widths(lnA)
    mu_mu = mean_lgNmu(lgE, lnA) + np.where(is_gamma, GAMMA_DLGNMU, 0.0)
    lgNmu = mu_mu + sig_mu * (rho * z1 + np.sqrt(1.0 - rho * rho) * rng.standard_normal(m))
    lgNmu = lgNmu - dx / (MUON_ATTENUATION_G_CM2 * _LN10)
    zen = np.degrees(np.arccos(cos_t))
    az = rng.random(m) * 360.0
    phi = rng.random(m) * (2.0 * math.pi)
    x, y = r * np.cos(phi), r * np.sin(phi)
    # reconstruction: sizes, core, direction (resolutions worsen towards the threshold)
    rec = detector.reconstruct(rng, lgNe, lgNmu, x, y, zen, az)
    ok = detector.in_fiducial_area(rec["core_x"], rec["core_y"], rec["zenith"])
    cols = {
        **rec,
        "prim": prim,
        "cand": cand,
        "lgE_true": lgE,
        "zenith_true": zen,
        "azimuth_true": az,
        "core_x_true": x,
        "core_y_true": y,
        "lgNe_true": lgNe,
        "lgNmu_true": lgNmu,
    }
    return {k: v[ok] for k, v in cols.items()}


def _accepted_showers(
    rng: np.random.Generator, n: int, opts: _Options, prop: _Proposal
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Exactly ``n`` accepted showers (candidates are drawn in blocks until enough survive), and the number of
    candidates of each primary up to the ``n``-th survivor (for a library: the showers thrown)."""
    parts: list[dict[str, np.ndarray]] = []
    have = 0
    block = _ACCEPT_BLOCK
    first = 0
    while have < n:
        part = _showers(rng, block, opts, prop, first)
        part["cand"] = part["cand"] + first
        parts.append(part)
        have += len(part["lgNe"])
        first += block
    out = {k: np.concatenate([p[k] for p in parts])[:n] for k in parts[0]}
    k = len(opts.generation.elements) if opts.generation is not None else 1
    n_cand = int(out["cand"][-1]) + 1 if n else 0
    thrown = n_cand // k + (np.arange(k) < n_cand % k)
    return out, thrown.astype(np.int64)


# ------------------------------------------------------------------------------------------------ chunk
def _chunk(m: int, ss: np.random.SeedSequence, opts: _Options, prop: _Proposal) -> dict[str, Any]:
    """The showers of one chunk (its times are drawn later, from child 3 of ``ss``)."""
    seeds = [_child(ss, i) for i in range(5)]
    sh, thrown = _accepted_showers(np.random.default_rng(seeds[0]), m, opts, prop)
    lnA_prim = opts.lnA[sh["prim"]]
    out: dict[str, Any] = {"showers": sh, "thrown": thrown}
    if opts.stations:
        out["stations"] = detector.stations(np.random.default_rng(seeds[1]), sh, opts.array_fraction)
    if opts.calorimeter:
        out["calor"] = detector.calorimeter(np.random.default_rng(seeds[2]), sh, lnA_prim)
    if opts.grande:
        out["grande"] = detector.grande(np.random.default_rng(seeds[4]), sh)
    return out


def _assemble(parts: list[dict[str, Any]], opts: _Options) -> ak.Array:
    def cat(group: str, key: str, dtype: Any = None) -> np.ndarray:
        arrays = [p[group][key] for p in parts]
        if not arrays:
            return np.zeros(0, dtype=dtype or float)
        return np.concatenate(arrays)

    lgNe, lgNmu, zenith = cat("showers", "lgNe"), cat("showers", "lgNmu"), cat("showers", "zenith")
    x, y = cat("showers", "core_x"), cat("showers", "core_y")
    cols: dict[str, Any] = {
        "lgE": estimate_energy(lgNe, lgNmu, zenith),
        "lgNe": lgNe,
        "lgNmu": lgNmu,
        "zenith": zenith,
        "azimuth": cat("showers", "azimuth"),
        "core_x": x,
        "core_y": y,
        "core_dist": np.hypot(x, y),
        "age": cat("showers", "age"),
    }
    if opts.kind == "data":
        for k in ("time", "temperature", "pressure", "run", "event"):
            cols[k] = cat("time", k)
        if not parts:
            cols["time"] = cols["time"].astype("datetime64[ns]")
            cols["run"] = cols["run"].astype(np.int32)
            cols["event"] = cols["event"].astype(np.int64)
    else:
        prim = cat("showers", "prim", np.int8).astype(np.intp)
        cols["primary"] = ak.from_numpy(np.asarray(opts.symbols)[prim])
    cols["lnA"] = estimate_lnA(lgNe, lgNmu, zenith)
    if opts.kind == "simulation":
        for k in ("lgE_true", "zenith_true", "azimuth_true", "core_x_true", "core_y_true", "lgNe_true", "lgNmu_true"):
            cols[k] = cat("showers", k)
    if opts.calorimeter:
        has = cat("calor", "has_calor", bool)
        cols["ehad"] = ak.mask(ak.from_numpy(cat("calor", "ehad")), has)
        cols["nhad"] = ak.mask(ak.from_numpy(cat("calor", "nhad", np.int32).astype(np.int32)), has)
    if opts.grande:
        has = cat("grande", "has_grande", bool)
        for k in schema.GRANDE_FIELDS:
            cols[k] = ak.mask(ak.from_numpy(cat("grande", k)), has)
    if opts.stations:
        has = cat("stations", "has_array", bool)
        counts = cat("stations", "count", np.int32).astype(np.int32)
        offsets = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        cols["n_stations"] = ak.mask(ak.from_numpy(counts), has)
        for k, dtype in (
            ("station", np.int32),
            ("e_deposit", np.float32),
            ("mu_deposit", np.float32),
            ("arrival_time", np.float32),
        ):
            content = ak.contents.NumpyArray(cat("stations", k, dtype).astype(dtype))
            lists = ak.contents.ListOffsetArray(ak.index.Index64(offsets), content)
            cols[k] = ak.mask(ak.Array(lists), has)
    return ak.zip(cols, depth_limit=1)
