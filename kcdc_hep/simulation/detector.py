"""What the KASCADE detectors make of a shower: trigger, reconstruction, array stations and central calorimeter.

- :func:`trigger_efficiency` / :func:`trigger_threshold`: the low-energy turn-over of the array trigger;
- :func:`reconstruct`: smearing of sizes (:func:`size_resolution`), core and direction
  (:func:`reconstruct_direction`) and the reconstructed shower age; :func:`in_fiducial_area` the KCDC cuts
  (core within 91 m, zenith below 60°);
- :func:`stations`: per-station e/γ and muon deposits and arrival times of the 252 array stations;
- :func:`calorimeter`: hadrons in the central calorimeter;
- :func:`grande`: KASCADE-Grande's own reconstruction of the showers above ~10^16 eV
  (:func:`grande_efficiency`).

The shower physics these start from is in :mod:`kcdc_hep.simulation.showers`.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import special

from kcdc_hep import geometry
from kcdc_hep.simulation.showers import (
    MOLIERE_RADIUS_M,
    MUON_NORM,
    MUON_RADIUS_M,
    shower_age,
    unit_vector,
)

__all__ = [
    "CORE_RADIUS_MAX_M",
    "C_M_PER_NS",
    "GRANDE_LGE50",
    "GRANDE_SIDE_M",
    "TRIGGER_LGNE50",
    "TRIGGER_WIDTH",
    "ZENITH_CUT_DEG",
    "calorimeter",
    "grande",
    "grande_efficiency",
    "in_fiducial_area",
    "reconstruct",
    "reconstruct_direction",
    "size_resolution",
    "stations",
    "threshold",
    "trigger_efficiency",
    "trigger_threshold",
]

#: Radius of the KASCADE fiducial area, m.
CORE_RADIUS_MAX_M = 91.0
#: Largest reconstructed zenith angle KCDC publishes, deg.
ZENITH_CUT_DEG = 60.0
#: Speed of light, m/ns.
C_M_PER_NS = 0.299792458

_STATION_BLOCK = 512  # events per block of the (event, station) tables: bounds memory
_LN10 = math.log(10.0)
_LG_E = 1.0 / _LN10  # d lg N = lg(e) dN/N
# Extra size resolution near the threshold (few particles per station), lg units per decade below 4.5 / 4.0.
_NE_THRESHOLD_SIGMA = 0.42
_NMU_THRESHOLD_SIGMA = 0.17


# ------------------------------------------------------------------------------------------------ trigger
#: Trigger: 50 % point in lg Ne at the centre, its rise at 91 m, width, and its fall per unit (sec θ − 1).
TRIGGER_LGNE50 = 3.7
_TRIGGER_EDGE = 0.1
TRIGGER_WIDTH = 0.3
_TRIGGER_INCLINED = 1.7


def trigger_efficiency(lgNe: Any, core_r_m: Any, zenith_deg: Any = 0.0) -> Any:
    """Probability that a shower triggers the array and is reconstructed.

    An error function (width 0.3) in the true electron number at ground, with a threshold of lgNe = 3.7 for
    vertical showers at the centre that rises by 0.1 towards the edge of the fiducial area (fewer stations around
    the core) and falls by 1.7 per unit of (sec θ − 1) (inclined showers spread over more stations, which partly
    makes up for their attenuation). Full efficiency above ~1 PeV for all primaries; the reconstructed energy
    distribution of data peaks at lgE ≈ 14.3. Tuned to the KCDC simulation export in ../shared/data.

    Examples
    --------
    >>> [round(float(trigger_efficiency(x, 0.0)), 3) for x in (3.7, 4.3)]
    [0.5, 0.977]
    """
    return special.ndtr((np.asarray(lgNe, dtype=float) - trigger_threshold(core_r_m, zenith_deg)) / TRIGGER_WIDTH)


def trigger_threshold(core_r_m: Any, zenith_deg: Any) -> Any:
    """lgNe at which the trigger efficiency is 50 %, for a core at ``core_r_m`` [m] and zenith ``zenith_deg`` [deg].

    >>> round(float(trigger_threshold(0.0, 0.0)), 2), round(float(trigger_threshold(91.0, 60.0)), 2)
    (3.7, 2.1)
    """
    return threshold(np.asarray(core_r_m, dtype=float), np.cos(np.radians(zenith_deg)))


def threshold(core_r_m: Any, cos_zenith: Any) -> Any:
    """:func:`trigger_threshold` for a core at ``core_r_m`` [m] and the cosine of the zenith angle."""
    edge = (core_r_m / CORE_RADIUS_MAX_M) ** 2
    return TRIGGER_LGNE50 + _TRIGGER_EDGE * edge - _TRIGGER_INCLINED * (1.0 / cos_zenith - 1.0)


def size_resolution(
    lg_size: Any, rel_best: float, rel_extra: float, lg_full: float, lg_span: float, sigma_thr: float, lg_thr: float
) -> Any:
    """Reconstruction resolution of a log10 shower size, in lg units.

    The relative resolution grows linearly from ``rel_best`` at ``lg_full`` and above to ``rel_best + rel_extra``
    at ``lg_full − lg_span`` and below (DESIGN: 5–15 % for Ne, 10–25 % for Nmu), added in quadrature to a
    threshold term ``sigma_thr`` per decade below ``lg_thr`` (capped at 1.5 decades): near the threshold only a few
    stations see a few particles.

    Examples
    --------
    >>> round(float(size_resolution(6.0, 0.05, 0.10, 5.5, 2.5, 0.4, 4.5)), 4)
    0.0217
    """
    small = np.clip((lg_full - np.asarray(lg_size, dtype=float)) / lg_span, 0.0, 1.0)
    thr = np.clip(lg_thr - np.asarray(lg_size, dtype=float), 0.0, 1.5)
    return np.hypot(_LG_E * (rel_best + rel_extra * small), sigma_thr * thr)


def reconstruct_direction(
    rng: np.random.Generator, zenith: np.ndarray, azimuth: np.ndarray, sigma_deg: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Smear a direction by a 2-D Gaussian of width ``sigma_deg`` perpendicular to it."""
    u = unit_vector(zenith, azimuth)
    t, p = np.radians(zenith), np.radians(azimuth)
    e_theta = np.stack([np.cos(t) * np.cos(p), np.cos(t) * np.sin(p), -np.sin(t)])
    e_phi = np.stack([-np.sin(p), np.cos(p), np.zeros_like(p)])
    s = np.radians(sigma_deg)
    v = u + s * rng.standard_normal(len(t)) * e_theta + s * rng.standard_normal(len(t)) * e_phi
    v /= np.sqrt((v * v).sum(axis=0))
    zen = np.degrees(np.arccos(np.clip(v[2], -1.0, 1.0)))
    az = np.degrees(np.arctan2(v[1], v[0])) % 360.0
    return zen, az


# ------------------------------------------------------------------------------------------------ reconstruction
def reconstruct(
    rng: np.random.Generator,
    lgNe: np.ndarray,
    lgNmu: np.ndarray,
    core_x: np.ndarray,
    core_y: np.ndarray,
    zenith: np.ndarray,
    azimuth: np.ndarray,
) -> dict[str, np.ndarray]:
    """Reconstructed sizes, core [m], direction [deg] and shower age of showers with the given true values.

    Resolutions worsen towards the threshold: 5–15 % in Ne and 10–25 % in Nmu (:func:`size_resolution`), a core
    error of 1–4 m and a direction error of 0.3–0.8°; the age is :func:`~kcdc_hep.simulation.showers.shower_age`.
    """
    m = len(lgNe)
    small_e = np.clip((5.5 - lgNe) / 2.5, 0.0, 1.0)
    sig_e = size_resolution(lgNe, 0.05, 0.10, 5.5, 2.5, _NE_THRESHOLD_SIGMA, 4.5)
    rec_ne = lgNe + sig_e * rng.standard_normal(m)  # 5-15 % in Ne, worse at the threshold
    sig_mu = size_resolution(lgNmu, 0.10, 0.15, 4.5, 1.5, _NMU_THRESHOLD_SIGMA, 4.0)
    rec_nmu = lgNmu + sig_mu * rng.standard_normal(m)  # 10-25 % in Nmu, worse at the threshold
    core_sigma = 1.0 + 3.0 * small_e
    xr = core_x + core_sigma * rng.standard_normal(m)
    yr = core_y + core_sigma * rng.standard_normal(m)
    zr, ar = reconstruct_direction(rng, zenith, azimuth, 0.3 + 0.5 * small_e)
    age = shower_age(rng, m)
    return {"lgNe": rec_ne, "lgNmu": rec_nmu, "zenith": zr, "azimuth": ar, "core_x": xr, "core_y": yr, "age": age}


def in_fiducial_area(core_x: np.ndarray, core_y: np.ndarray, zenith: np.ndarray) -> np.ndarray:
    """The KCDC cuts on reconstructed showers: core within 91 m of the array centre, zenith below 60°."""
    return (core_x * core_x + core_y * core_y <= CORE_RADIUS_MAX_M**2) & (zenith < ZENITH_CUT_DEG)


# ------------------------------------------------------------------------------------------------ stations
_EG_MIP_MEV = 10.0  # e/γ liquid scintillator, 5 cm: most probable deposit of a vertical particle
_MU_MIP_MEV = 6.0  # muon counter, 3 cm plastic


_LN_RM = math.log(MOLIERE_RADIUS_M)
_LN_R0 = math.log(MUON_RADIUS_M)
_SX = geometry.STATION_X.astype(np.float32)
_SY = geometry.STATION_Y.astype(np.float32)
with np.errstate(divide="ignore"):
    _LN_EG_AREA = np.log(geometry.STATION_EG_AREA_M2).astype(np.float32)
    _LN_MU_AREA = np.log(geometry.STATION_MU_AREA_M2).astype(np.float32)  # -inf: no muon counter


def _nkg_log_norm(lgNe: np.ndarray, age: np.ndarray) -> np.ndarray:
    """ln(Ne C(s) / r_M²) of :func:`nkg_density`, per event."""
    c = special.gamma(4.5 - age) / (2.0 * math.pi * special.gamma(age) * special.gamma(4.5 - 2.0 * age))
    return lgNe * _LN10 + np.log(c) - 2.0 * _LN_RM


def _zero_truncated_poisson(u: np.ndarray, lam: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Poisson numbers conditioned on n ≥ 1, by inverting the Poisson CDF at ``u`` ≥ P(0) (exact)."""
    n = np.ones(len(lam), dtype=np.int64)
    big = lam > 20.0  # P(0) < 2e-9: a plain Poisson draw
    n[big] = np.maximum(rng.poisson(lam[big]), 1)
    idx = np.flatnonzero(~big)
    lam_s, u_s = lam[idx], u[idx]
    p = np.exp(-lam_s) * lam_s  # P(1)
    cdf = np.exp(-lam_s) + p
    k = 1
    active = np.flatnonzero(cdf < u_s)
    while active.size and k < 200:
        k += 1
        n[idx[active]] = k
        p[active] *= lam_s[active] / k
        cdf[active] += p[active]
        active = active[cdf[active] < u_s[active]]
    return n


def _station_block(rng: np.random.Generator, ev: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per-station signals of a block of events: flat (event, station) arrays of the stations hit.

    Dense (event × station) tables in single precision: distance in the shower plane, expected e/γ and muon
    numbers from :func:`nkg_density` and :func:`muon_density` (in log form), a station is hit with probability
    1 − exp(−λe − λμ); only then are the particle numbers (Poisson, conditioned on ≥ 1, split binomially), deposits
    and arrival times drawn.
    """
    f32 = np.float32
    n = len(ev["x"])
    col = {k: v.astype(f32)[:, None] for k, v in ev.items()}
    dx = _SX[None, :] - col["x"]
    dy = _SY[None, :] - col["y"]
    along = dx * col["ux"] + dy * col["uy"]  # along the horizontal projection of the axis, m
    r2 = dx * dx + dy * dy - along * along  # squared distance in the shower plane, m²
    del dx, dy
    np.maximum(r2, f32(1.0), out=r2)
    r = np.sqrt(r2)
    ln_r = np.log(r)
    age = col["age"]
    ln_cz = np.log(col["cz"])
    a_e = (_nkg_log_norm(ev["lgNe"], ev["age"]).astype(f32)[:, None] + ln_cz) - (age - f32(2.0)) * f32(_LN_RM)
    lam_e = np.exp(
        a_e
        + _LN_EG_AREA[None, :]
        + (age - f32(2.0)) * ln_r
        + (age - f32(4.5)) * np.log1p(r * f32(1 / MOLIERE_RADIUS_M))
    )
    a_mu = f32(math.log(MUON_NORM) + 0.75 * _LN_R0) + col["lgNmu"] * f32(_LN10) + ln_cz
    lam_mu = np.exp(a_mu + _LN_MU_AREA[None, :] - f32(0.75) * ln_r - f32(2.5) * np.log1p(r * f32(1 / MUON_RADIUS_M)))
    lam = lam_e + lam_mu
    u = rng.random((n, len(_SX)), dtype=f32)
    flat = np.flatnonzero(u >= np.exp(-lam))
    e_i, s_i = np.divmod(flat, len(_SX))
    lam_h, lam_e_h = lam.ravel()[flat].astype(float), lam_e.ravel()[flat].astype(float)
    u_h, r, along = u.ravel()[flat].astype(float), r.ravel()[flat], along.ravel()[flat]
    k = len(flat)
    n_tot = _zero_truncated_poisson(np.maximum(u_h, np.exp(-lam_h)), lam_h, rng)
    n_e = rng.binomial(n_tot, np.clip(lam_e_h / lam_h, 0.0, 1.0))
    n_mu = n_tot - n_e
    sec = (1.0 / ev["cz"]).astype(f32)[e_i]
    # Landau-like response: ~30 % spread per particle (at least 0.2 MIP each), path length 1/cos θ
    fe, fm = n_e.astype(f32), n_mu.astype(f32)
    e_dep = (
        f32(_EG_MIP_MEV) * sec * np.maximum(fe + f32(0.3) * np.sqrt(fe) * rng.standard_normal(k, f32), f32(0.2) * fe)
    )
    mu_dep = (
        f32(_MU_MIP_MEV) * sec * np.maximum(fm + f32(0.3) * np.sqrt(fm) * rng.standard_normal(k, f32), f32(0.2) * fm)
    )
    # shower front: plane through the core (earlier upstream), curvature (R ≈ 2.5 km), thickness, jitter
    t = along * f32(-1.0 / C_M_PER_NS) + r * r * f32(1.0 / (2.0 * 2500.0 * C_M_PER_NS)) + r * f32(1.0 / 40.0)
    t += (f32(1.5) + r * f32(1.0 / 30.0)) * rng.standard_normal(k, f32)
    return {
        "count": np.bincount(e_i, minlength=n).astype(np.int32),
        "station": s_i.astype(np.int32),
        "e_deposit": e_dep,
        "mu_deposit": mu_dep,
        "arrival_time": t,
    }


def stations(rng: np.random.Generator, sh: dict[str, np.ndarray], array_fraction: float) -> dict[str, np.ndarray]:
    """Per-station data of the showers ``sh`` (true core, direction and sizes; the reconstructed age).

    A fraction ``array_fraction`` of the events has array data (``has_array``); for those, ``count`` stations with
    a signal each, and flat per-station arrays ``station``, ``e_deposit`` [MeV], ``mu_deposit`` [MeV] and
    ``arrival_time`` [ns], event after event (see :func:`_station_block`).
    """
    u = unit_vector(sh["zenith_true"], sh["azimuth_true"])
    ev = {
        "x": sh["core_x_true"],
        "y": sh["core_y_true"],
        "ux": u[0],
        "uy": u[1],
        "cz": u[2],
        "lgNe": sh["lgNe_true"],
        "lgNmu": sh["lgNmu_true"],
        "age": np.clip(sh["age"], 0.3, 1.48),
    }
    n = len(ev["x"])
    has = rng.random(n) < array_fraction
    idx = np.flatnonzero(has)
    blocks = [
        _station_block(rng, {k: v[idx[a : a + _STATION_BLOCK]] for k, v in ev.items()})
        for a in range(0, len(idx), _STATION_BLOCK)
    ]
    out: dict[str, np.ndarray] = {
        "station": np.zeros(0, np.int32),
        **{k: np.zeros(0, np.float32) for k in ("e_deposit", "mu_deposit", "arrival_time")},
    }
    if blocks:
        out = {k: np.concatenate([b[k] for b in blocks]) for k in out}
    count = np.zeros(n, dtype=np.int32)
    if blocks:
        count[idx] = np.concatenate([b["count"] for b in blocks])
    out["count"] = count
    out["has_array"] = has
    return out


# ------------------------------------------------------------------------------------------------ calorimeter
_HADRON_REACH_M = 15.0  # tuned: hadrons reach the calorimeter in ~23 % of the events (KCDC: 250981 of 1080295)


def calorimeter(rng: np.random.Generator, sh: dict[str, np.ndarray], lnA: np.ndarray) -> dict[str, np.ndarray]:
    """Hadrons above threshold in the central calorimeter: a Poisson number falling with the core distance."""
    d = geometry.calorimeter_distance(sh["core_x_true"], sh["core_y_true"])
    lgE_pev = sh["lgE_true"] - 15.0
    mean_on = 12.0 * 10.0 ** (0.8 * lgE_pev) * np.exp(-0.25 * lnA)  # hadrons when the core hits the calorimeter
    nhad = rng.poisson(mean_on * np.exp(-d / _HADRON_REACH_M))
    has = nhad > 0
    mean_e = 80.0 * 10.0 ** (0.15 * lgE_pev)  # GeV per hadron above the ~50 GeV threshold
    ehad = rng.gamma(np.maximum(nhad, 1) * 1.5, mean_e / 1.5)
    return {"ehad": ehad, "nhad": nhad.astype(np.int32), "has_calor": has}


# ------------------------------------------------------------------------------------------------ Grande
#: lg(E/eV) at which KASCADE-Grande reconstructs half of the showers, and the width of its turn-on (lg units).
GRANDE_LGE50 = 16.0
GRANDE_WIDTH = 0.2
#: Side of the square KASCADE-Grande array, m (the KASCADE array lies inside it).
GRANDE_SIDE_M = 700.0
#: Grande's own reconstruction resolutions: core [m], direction [deg], lg Nch and lg Nmu [lg units], age.
GRANDE_CORE_SIGMA_M = 6.0
GRANDE_DIRECTION_SIGMA_DEG = 0.8
GRANDE_LGNCH_SIGMA = 0.06
GRANDE_LGNMU_SIGMA = 0.09
GRANDE_AGE_SIGMA = 0.1


def grande_efficiency(lgE: Any) -> Any:
    """Probability that KASCADE-Grande reconstructs a shower of true energy ``lgE`` [lg(E/eV)].

    An error function in lgE with its 50 % point at 10^16 eV and a width of 0.2: Grande's 37 stations, 137 m
    apart over 700 m × 700 m, see only showers above ~10^16 eV.

    Examples
    --------
    >>> [round(float(grande_efficiency(x)), 3) for x in (15.6, 16.0, 16.4)]
    [0.023, 0.5, 0.977]
    """
    return special.ndtr((np.asarray(lgE, dtype=float) - GRANDE_LGE50) / GRANDE_WIDTH)


def grande(rng: np.random.Generator, sh: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """KASCADE-Grande's own reconstruction of the showers ``sh`` (true values; the KASCADE-reconstructed age).

    A simple model: the KASCADE array lies inside the 700 m × 700 m Grande array, so every core KASCADE accepts is
    in Grande's area too; Grande reconstructs a shower with probability :func:`grande_efficiency` of its true
    energy (``has_grande``), and then smears, independently of KASCADE's reconstruction, the core by 6 m per
    coordinate, the direction by 0.8°, the charged-particle number lg(Ne + Nμ) by 0.06 (≈ 15 %), the muon number by
    0.09 (≈ 20 %) and the age by 0.1 (clipped to 0.1–1.48). All values are drawn for every shower (so the random
    numbers do not depend on which showers Grande sees); the event model marks them missing where ``has_grande`` is
    false.
    """
    n = len(sh["lgE_true"])
    has = rng.random(n) < grande_efficiency(sh["lgE_true"])
    core_x = sh["core_x_true"] + GRANDE_CORE_SIGMA_M * rng.standard_normal(n)
    core_y = sh["core_y_true"] + GRANDE_CORE_SIGMA_M * rng.standard_normal(n)
    zenith, azimuth = reconstruct_direction(
        rng, sh["zenith_true"], sh["azimuth_true"], np.full(n, GRANDE_DIRECTION_SIGMA_DEG)
    )
    lg_nch = np.logaddexp(sh["lgNe_true"] * _LN10, sh["lgNmu_true"] * _LN10) / _LN10
    return {
        "has_grande": has,
        "grande_core_x": core_x,
        "grande_core_y": core_y,
        "grande_zenith": zenith,
        "grande_azimuth": azimuth,
        "grande_lgNch": lg_nch + GRANDE_LGNCH_SIGMA * rng.standard_normal(n),
        "grande_lgNmu": sh["lgNmu_true"] + GRANDE_LGNMU_SIGMA * rng.standard_normal(n),
        "grande_age": np.clip(sh["age"] + GRANDE_AGE_SIGMA * rng.standard_normal(n), 0.1, 1.48),
    }
