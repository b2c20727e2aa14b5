"""Synthetic KASCADE air showers in the event model: a fast, vectorised stand-in for CORSIKA + detector simulation.

This module draws the events (options, chunks and their seeds, the shower sampling, runs and times, assembly into
the event model); the formulas are in :mod:`kcdc_hep.simulation.showers` (physics) and
:mod:`kcdc_hep.simulation.detector` (detector response). The generator follows DESIGN §2.4:

1. true energy from a broken power law (:class:`~kcdc_hep.simulation.showers.BrokenPowerLaw`, knee 4 PeV,
   indices −2.7/−3.1);
2. primary from the energy-dependent KASCADE composition (:func:`~kcdc_hep.simulation.showers.composition_fractions`)
   or fixed fractions;
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

>>> ev = simulate(200, seed=1, kind="simulation")
>>> len(ev), "lgE_true" in ev.fields, sorted(set(ev.primary.to_list())) <= ["C", "Fe", "He", "Si", "p"]
(200, True, True)
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
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

__all__ = ["DATA_END", "DATA_START", "BrokenPowerLaw", "Kind", "simulate"]

#: First and last day of KASCADE data in the masterclass samples (UTC).
DATA_START = np.datetime64("1998-05-08T00:00:00", "ns")
DATA_END = np.datetime64("2013-01-15T00:00:00", "ns")
#: What :func:`simulate` makes: measured-data-like events or simulations with the truth.
Kind = Literal["data", "simulation"]

_CHUNK = 1 << 17  # events per chunk (each chunk has its own child seed)
_RUN_EVENTS = 1 << 13  # events per data run; a chunk holds whole runs
_ACCEPT_BLOCK = 1 << 16  # candidate showers per trigger block
_LN10 = math.log(10.0)


# ================================================================================================ simulate
@dataclass(frozen=True)
class _Options:
    kind: Kind
    symbols: tuple[str, ...]
    lnA: np.ndarray
    fixed_fractions: np.ndarray | None
    spectrum: BrokenPowerLaw
    zenith_max_deg: float
    lgE_range: tuple[float, float]
    gamma_fraction: float
    stations: bool
    calorimeter: bool
    array_fraction: float
    grande: bool


def simulate(
    n_events: int,
    *,
    seed: int | np.random.SeedSequence,
    kind: Kind = "data",
    composition: Mapping[str, float] | None = None,
    spectrum: BrokenPowerLaw | None = None,
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
        Fixed fractions such as ``{"p": 0.5, "Fe": 0.5}`` (normalised); default the energy-dependent KASCADE
        composition of :data:`KASCADE_COMPOSITION`.
    spectrum : BrokenPowerLaw, optional
        True-energy spectrum; default knee 4 PeV, indices −2.7 / −3.1.
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
    root = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(int(seed))
    n_chunks = -(-n_events // _CHUNK)
    runs = _run_table(n_events, _child(root, 0)) if kind == "data" else None
    bar, close = _progress(progress, n_events)

    def one(k: int) -> dict[str, Any]:
        lo = k * _CHUNK
        out = _chunk(min(_CHUNK, n_events - lo), lo, _child(root, k + 1), opts, runs)
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
    return _assemble(parts, opts)


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
    symbols, fixed = _composition(kw["composition"])
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
    spectrum = kw["spectrum"] if kw["spectrum"] is not None else BrokenPowerLaw()
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
def _draw_primary(rng: np.random.Generator, lgE: np.ndarray, opts: _Options) -> np.ndarray:
    """Index into ``opts.symbols`` for each shower (the last symbol is the photon)."""
    n = len(lgE)
    u = rng.random(n)
    if opts.fixed_fractions is not None:
        idx = np.searchsorted(np.cumsum(opts.fixed_fractions)[:-1], u, side="right")
    else:
        cum = np.cumsum(composition_fractions(lgE, opts.symbols[:-1]), axis=1)
        idx = (u[:, None] >= cum[:, :-1]).sum(axis=1)
    if opts.gamma_fraction > 0:
        idx[rng.random(n) < opts.gamma_fraction] = len(opts.symbols) - 1
    return idx.astype(np.int8)


@dataclass(frozen=True)
class _Proposal:
    """Envelope for exact rejection sampling of triggered showers: energy bins with an upper bound on the trigger
    probability of any shower in the bin; energies are proposed from spectrum × bound."""

    lo: np.ndarray
    hi: np.ndarray
    index: np.ndarray  # spectral index in the bin
    bound: np.ndarray  # >= trigger probability of any shower of the bin
    cum: np.ndarray  # cumulative proposal probability


def _proposal(opts: _Options) -> _Proposal:
    lo, hi = opts.lgE_range
    spec = opts.spectrum
    knee = spec.lgE_knee
    edges = np.arange(lo, hi, 0.01)
    edges = np.unique(np.r_[edges, hi, [knee] if lo < knee < hi else []])
    a, b = edges[:-1], edges[1:]
    g = np.where(b <= knee + 1e-12, spec.gamma1, spec.gamma2)
    weight = (10.0 ** ((g + 1) * (b - knee)) - 10.0 ** ((g + 1) * (a - knee))) / (g + 1)
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
    cum = np.cumsum(weight * bound)
    return _Proposal(a, b, g, bound, cum / cum[-1])


def _showers(rng: np.random.Generator, n: int, opts: _Options, prop: _Proposal) -> dict[str, np.ndarray]:
    """Candidate showers through trigger, reconstruction and fiducial cuts (a variable number survives).

    Exact rejection sampling: energies from spectrum × bound (:func:`_proposal`), accepted with probability
    P(trigger | E, A, θ, r) / bound; the electron-number fluctuation is then drawn conditional on the trigger.
    """
    j = np.minimum(np.searchsorted(prop.cum, rng.random(n), side="right"), len(prop.cum) - 1)
    g1, a, b = prop.index[j] + 1.0, prop.lo[j], prop.hi[j]
    knee = opts.spectrum.lgE_knee
    xa, xb = 10.0 ** (g1 * (a - knee)), 10.0 ** (g1 * (b - knee))
    lgE = knee + np.log10(xa + rng.random(n) * (xb - xa)) / g1
    prim = _draw_primary(rng, lgE, opts)
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
    keep = rng.random(n) * prop.bound[j] < p_trig
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
        "lgE_true": lgE,
        "zenith_true": zen,
        "azimuth_true": az,
        "core_x_true": x,
        "core_y_true": y,
        "lgNe_true": lgNe,
        "lgNmu_true": lgNmu,
    }
    return {k: v[ok] for k, v in cols.items()}


def _accepted_showers(rng: np.random.Generator, n: int, opts: _Options) -> dict[str, np.ndarray]:
    """Exactly ``n`` accepted showers: candidates are drawn in blocks until enough survive."""
    parts: list[dict[str, np.ndarray]] = []
    have = 0
    block = _ACCEPT_BLOCK
    prop = _proposal(opts)
    while have < n:
        part = _showers(rng, block, opts, prop)
        parts.append(part)
        have += len(part["lgNe"])
    out = {k: np.concatenate([p[k] for p in parts])[:n] for k in parts[0]}
    return out


# ------------------------------------------------------------------------------------------------ runs, time
@dataclass(frozen=True)
class _Runs:
    start_ns: np.ndarray  # int64, UTC ns
    rate_hz: np.ndarray
    pressure: np.ndarray
    temperature_anomaly: np.ndarray
    number: np.ndarray


def _run_table(n_events: int, ss: np.random.SeedSequence) -> _Runs:
    """Data runs of ``_RUN_EVENTS`` events spread over the data-taking period, in time order."""
    rng = np.random.default_rng(ss)
    n_runs = max(1, -(-n_events // _RUN_EVENTS))
    period = (DATA_END - DATA_START).astype(np.int64)
    spacing = period // n_runs
    longest = int(_RUN_EVENTS / 1.0 * 1.2e9)  # at 1 Hz with margin, ns
    if spacing < 2 * longest:
        msg = (
            f"simulate: {n_events} data events do not fit into the data-taking period at 1-4 Hz; simulate fewer "
            "events or kind='simulation'"
        )
        raise ArgumentError(msg)
    start = DATA_START.astype(np.int64) + np.arange(n_runs) * spacing + (rng.random(n_runs) * (spacing - longest))
    start = start.astype(np.int64)
    pressure = 1003.0 + 8.0 * rng.standard_normal(n_runs)
    rate = np.clip(rng.uniform(1.2, 3.8, n_runs) * np.exp(-(pressure - 1003.0) / 100.0), 1.0, 4.0)
    anomaly = 3.0 * rng.standard_normal(n_runs)
    number = 880 + (start - DATA_START.astype(np.int64)) // (8 * 3600 * 1_000_000_000)
    return _Runs(start, rate, pressure, anomaly, number.astype(np.int32))


def _seasonal_temperature(t_ns: np.ndarray) -> np.ndarray:
    """Mean air temperature at Karlsruhe, °C: 10 ± 10 over the year (coldest mid-January), ±3 over the day."""
    days = t_ns / 86_400e9
    doy = days % 365.2425
    hour = (days % 1.0) * 24.0
    return 10.0 - 10.0 * np.cos(2 * math.pi * (doy - 15.0) / 365.2425) - 3.0 * np.cos(2 * math.pi * (hour - 3.0) / 24)


def _data_time(rng: np.random.Generator, first: int, m: int, runs: _Runs) -> dict[str, np.ndarray]:
    """Time, weather, run and event numbers of events ``first ... first + m`` (whole runs)."""
    run_idx = (first + np.arange(m)) // _RUN_EVENTS
    gaps = rng.exponential(1.0, m) / runs.rate_hz[run_idx] * 1e9  # ns
    cum = np.cumsum(gaps)
    run_first = np.r_[True, run_idx[1:] != run_idx[:-1]]
    starts = np.flatnonzero(run_first)
    offset = np.repeat(cum[starts] - gaps[starts], np.diff(np.r_[starts, m]))
    t = runs.start_ns[run_idx] + (cum - offset).astype(np.int64)
    ev_gaps = 1 + rng.geometric(0.35, m)
    ev_cum = np.cumsum(ev_gaps)
    event = ev_cum - np.repeat(ev_cum[starts] - ev_gaps[starts], np.diff(np.r_[starts, m]))
    temperature = _seasonal_temperature(t.astype(float)) + runs.temperature_anomaly[run_idx]
    temperature = temperature + 0.3 * rng.standard_normal(m)
    pressure = runs.pressure[run_idx] + 0.3 * rng.standard_normal(m)
    return {
        "time": t.astype("datetime64[ns]"),
        "temperature": temperature,
        "pressure": pressure,
        "run": runs.number[run_idx],
        "event": event.astype(np.int64),
    }


# ------------------------------------------------------------------------------------------------ chunk
def _chunk(m: int, first: int, ss: np.random.SeedSequence, opts: _Options, runs: _Runs | None) -> dict[str, Any]:
    seeds = [_child(ss, i) for i in range(5)]
    sh = _accepted_showers(np.random.default_rng(seeds[0]), m, opts)
    lnA_prim = opts.lnA[sh["prim"]]
    out: dict[str, Any] = {"showers": sh}
    if opts.stations:
        out["stations"] = detector.stations(np.random.default_rng(seeds[1]), sh, opts.array_fraction)
    if opts.calorimeter:
        out["calor"] = detector.calorimeter(np.random.default_rng(seeds[2]), sh, lnA_prim)
    if runs is not None:
        out["time"] = _data_time(np.random.default_rng(seeds[3]), first, m, runs)
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
