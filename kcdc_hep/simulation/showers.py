"""The physics of the synthetic air showers: one small formula per function, units in the docstrings.

- the all-particle spectrum (:class:`BrokenPowerLaw`, knee 4 PeV, indices −2.7/−3.1);
- the energy-dependent KASCADE composition (:func:`composition_fractions`);
- the mean electron and muon numbers per primary at the mean depth of the 0–18° sample (:func:`mean_lgNe`,
  :func:`mean_lgNmu`), their attenuation with sec θ (:func:`attenuate`) and their shower-to-shower fluctuations
  (:func:`fluctuation_widths`, :func:`electron_fluctuation`);
- the lateral shower age (:func:`shower_age`) and the lateral densities of electrons (NKG, :func:`nkg_density`) and
  muons (Greisen-like, :func:`muon_density`).

What the detector makes of a shower (trigger, resolution, stations, calorimeter, Grande) is in
:mod:`kcdc_hep.simulation.detector`; :mod:`kcdc_hep.simulation.generator` draws the events.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import special

from kcdc_hep import schema
from kcdc_hep.errors import ArgumentError
from kcdc_hep.estimators import ATMOSPHERIC_DEPTH_G_CM2, MEAN_SEC_ZENITH

__all__ = [
    "GAMMA_DLGNE",
    "GAMMA_DLGNMU",
    "KASCADE_COMPOSITION",
    "MOLIERE_RADIUS_M",
    "MUON_NORM",
    "MUON_RADIUS_M",
    "BrokenPowerLaw",
    "attenuate",
    "composition_fractions",
    "electron_fluctuation",
    "fluctuation_widths",
    "mean_lgNe",
    "mean_lgNmu",
    "muon_density",
    "nkg_density",
    "shower_age",
    "unit_vector",
]

_LN10 = math.log(10.0)
_LN56 = math.log(56.0)


# ================================================================================================ spectrum
@dataclass(frozen=True)
class BrokenPowerLaw:
    """All-particle energy spectrum dN/dE ∝ E^γ1 below the knee and ∝ E^γ2 above (continuous at the knee).

    Parameters
    ----------
    knee_PeV : float
        Knee energy, PeV.
    gamma1, gamma2 : float
        Differential spectral indices below and above the knee (negative).
    e27_flux_1PeV : float
        Normalisation: E^2.7 · dN/dE at 1 PeV in GeV^1.7 m⁻² s⁻¹ sr⁻¹ (DESIGN §2.4: 4.7·10⁴).

    Examples
    --------
    >>> s = BrokenPowerLaw()
    >>> x = s.sample_lgE(np.random.default_rng(1), 100_000, (14.0, 17.0))
    >>> bool(14.0 <= x.min() and x.max() <= 17.0), round(float(np.mean(x < 14.1)), 2)
    (True, 0.32)
    """

    knee_PeV: float = 4.0
    gamma1: float = -2.7
    gamma2: float = -3.1
    e27_flux_1PeV: float = 4.7e4

    def __post_init__(self) -> None:
        if not (self.knee_PeV > 0 and self.gamma1 < -1 and self.gamma2 < -1):
            msg = (
                f"BrokenPowerLaw(knee_PeV={self.knee_PeV}, gamma1={self.gamma1}, gamma2={self.gamma2}): the knee "
                "must be positive and both indices below -1 (a falling, normalisable spectrum)"
            )
            raise ArgumentError(msg)

    @property
    def lgE_knee(self) -> float:
        """Knee energy as lg(E/eV)."""
        return math.log10(self.knee_PeV) + 15.0

    def lg_flux(self, lgE: Any) -> np.ndarray:
        """lg of dN/dE at lgE [lg(E/eV)], dN/dE in m⁻² s⁻¹ sr⁻¹ GeV⁻¹.

        >>> round(float(BrokenPowerLaw().lg_flux(15.0)), 3)  # 4.7e4 / (10^6 GeV)^2.7
        -11.528
        """
        lg = np.asarray(lgE, dtype=float)

        def segment(x: Any) -> Any:  # lg J relative to the knee, for the segment of each energy
            d = x - self.lgE_knee
            return np.where(d <= 0, self.gamma1, self.gamma2) * d

        return math.log10(self.e27_flux_1PeV) - 2.7 * 6.0 + segment(lg) - segment(15.0)

    def sample_lgE(self, rng: np.random.Generator, n: int, lgE_range: tuple[float, float]) -> np.ndarray:
        """Draw ``n`` energies lg(E/eV) in ``lgE_range`` by inverting the cumulative distribution (exact)."""
        lo, hi = (x - self.lgE_knee for x in lgE_range)  # lg(E/E_knee)
        u = rng.random(n)
        return self.lgE_knee + _inverse_broken_cdf(u, lo, hi, self.gamma1, self.gamma2)


def _segment_integral(a: float, b: float, g: float) -> float:
    """∫ x^g dx from 10^a to 10^b (x = E/E_knee)."""
    if b <= a:
        return 0.0
    return (10.0 ** ((g + 1) * b) - 10.0 ** ((g + 1) * a)) / (g + 1)


def _inverse_power(u: np.ndarray, a: float, b: float, g: float) -> np.ndarray:
    """lg x for a fraction u of the way through ∫ x^g dx on [10^a, 10^b]."""
    xa, xb = 10.0 ** ((g + 1) * a), 10.0 ** ((g + 1) * b)
    return np.log10(xa + u * (xb - xa)) / (g + 1)


def _inverse_broken_cdf(u: np.ndarray, lo: float, hi: float, g1: float, g2: float) -> np.ndarray:
    if not hi > lo:
        msg = f"lgE_range: the upper energy must exceed the lower one (got a width of {hi - lo} decades)"
        raise ArgumentError(msg)
    i1 = _segment_integral(lo, min(hi, 0.0), g1)
    i2 = _segment_integral(max(lo, 0.0), hi, g2)
    p1 = i1 / (i1 + i2)
    below = u < p1
    out = np.empty_like(u)
    if i1 > 0:
        out[below] = _inverse_power(u[below] / p1, lo, min(hi, 0.0), g1)
    if i2 > 0:
        out[~below] = _inverse_power((u[~below] - p1) / (1.0 - p1), max(lo, 0.0), hi, g2)
    return out


# ================================================================================================ composition
#: Energy-dependent KASCADE composition: fractions of p, He, C, Si, Fe at lg(E/eV) nodes, interpolated linearly
#: in lgE and constant outside. 1.6 PeV: KASCADE 2024 (H 0.55, He 0.18, C 0.11, Si 0.11, Fe 0.05, ⟨lnA⟩ ≈ 1.1,
#: taken as constant below); turning heavier above ~10 PeV to ⟨lnA⟩ ≈ 2.5 at 90 PeV (DESIGN §2.4).
KASCADE_COMPOSITION: Mapping[str, tuple[float, ...]] = {
    "lgE": (15.2, 15.8, 16.95, 18.0),
    "p": (0.55, 0.55, 0.12, 0.10),
    "He": (0.18, 0.18, 0.18, 0.15),
    "C": (0.11, 0.11, 0.22, 0.20),
    "Si": (0.11, 0.11, 0.25, 0.25),
    "Fe": (0.05, 0.05, 0.23, 0.30),
}


def composition_fractions(lgE: np.ndarray, primaries: tuple[str, ...] = schema.MASS_GROUPS) -> np.ndarray:
    """Fractions of each primary at energy lgE [lg(E/eV)] in the KASCADE composition, shape ``(len(lgE), k)``.

    Examples
    --------
    >>> f = composition_fractions(np.array([15.2, 16.95]))
    >>> f.round(2).tolist()
    [[0.55, 0.18, 0.11, 0.11, 0.05], [0.12, 0.18, 0.22, 0.25, 0.23]]
    >>> lnA = np.log([1, 4, 12, 28, 56])
    >>> (f @ lnA).round(1).tolist()
    [1.1, 2.6]
    """
    nodes = KASCADE_COMPOSITION["lgE"]
    cols = [np.interp(lgE, nodes, KASCADE_COMPOSITION[p]) for p in primaries]
    f = np.stack(cols, axis=-1)
    return f / f.sum(axis=-1, keepdims=True)


# ================================================================================================ shower sizes
# Mean sizes at the mean depth of the 0-18 deg sample, lines through (lgE 15, 16) for p and Fe (DESIGN §2.4);
# other nuclei are interpolated linearly in ln A (superposition model).
_LGNE_P = (4.91, 6.12)
_LGNE_FE = (4.56, 5.84)
_LGNMU_P = (4.01, 4.93)
_LGNMU_FE = (4.17, 5.08)
# Below 1 PeV showers reach ground further past their maximum: Ne grows faster with energy there (tuned, with the
# threshold resolution below, to the KCDC simulation export of ../shared/data).
_LGNE_STEEPER_BELOW_PEV = 0.3
# Relative growth of sigma(lgNe) per decade below 1 PeV.
_FLUCTUATION_GROWTH = 0.5
#: Photon showers: electron-rich and muon-poor compared with protons of the same energy (lg units).
GAMMA_DLGNE = 0.10
GAMMA_DLGNMU = -0.80


def _line(lgE: Any, at15_16: tuple[float, float], steeper_below: float = 0.0) -> Any:
    slope = at15_16[1] - at15_16[0]
    d = np.asarray(lgE, dtype=float) - 15.0
    return at15_16[0] + slope * d + steeper_below * np.minimum(d, 0.0)


def _mass_weight(lnA: Any) -> Any:
    return np.asarray(lnA, dtype=float) / _LN56


def mean_lgNe(lgE: Any, lnA: Any) -> Any:
    """Mean log10 electron number at the mean depth of the 0–18° sample (sec θ = 1.025).

    Parameters
    ----------
    lgE : float or array
        True primary energy, lg(E/eV).
    lnA : float or array
        ln of the primary mass number (0 for protons, 4.03 for iron).

    Examples
    --------
    >>> round(float(mean_lgNe(15.0, 0.0)), 2), round(float(mean_lgNe(16.0, np.log(56))), 2)
    (4.91, 5.84)
    """
    w = _mass_weight(lnA)
    return (1.0 - w) * _line(lgE, _LGNE_P, _LGNE_STEEPER_BELOW_PEV) + w * _line(lgE, _LGNE_FE, _LGNE_STEEPER_BELOW_PEV)


def mean_lgNmu(lgE: Any, lnA: Any) -> Any:
    """Mean log10 muon number at the mean depth of the 0–18° sample (sec θ = 1.025).

    Examples
    --------
    >>> round(float(mean_lgNmu(15.0, 0.0)), 2), round(float(mean_lgNmu(16.0, np.log(56))), 2)
    (4.01, 5.08)
    """
    w = _mass_weight(lnA)
    return (1.0 - w) * _line(lgE, _LGNMU_P) + w * _line(lgE, _LGNMU_FE)


def attenuate(lg_size: Any, zenith_deg: Any, attenuation_g_cm2: float) -> Any:
    """Size at zenith θ from the size at the reference depth: the exact inverse of the KCDC correction.

    ``lgN(θ) = lgN_ref − (D/cos θ − 1.025 D) / (Λ ln 10)`` with D = 1022.65 g/cm² and the attenuation length Λ
    (158 g/cm² for electrons, 823 g/cm² for muons).

    Examples
    --------
    >>> from kcdc_hep.estimators import attenuation_corrected_sizes
    >>> x, _ = attenuation_corrected_sizes(attenuate(5.0, 30.0, 158.0), 4.0, 30.0)
    >>> round(float(x), 12)
    5.0
    """
    dx = ATMOSPHERIC_DEPTH_G_CM2 / np.cos(np.radians(zenith_deg)) - MEAN_SEC_ZENITH * ATMOSPHERIC_DEPTH_G_CM2
    return lg_size - dx / (attenuation_g_cm2 * _LN10)


def fluctuation_widths(lnA: Any) -> tuple[Any, Any, Any]:
    """Shower-to-shower fluctuations: σ(lgNe), σ(lgNmu) and their correlation, per primary.

    σ(lgNe) falls from 0.18 (p) to 0.07 (Fe), σ(lgNmu) from 0.09 (p) to 0.045 (Fe), linearly in ln A; the
    correlation (deep showers have more electrons and slightly more muons) from 0.5 (p) to 0.3 (Fe).

    Examples
    --------
    >>> [round(float(v), 3) for v in fluctuation_widths(0.0)]
    [0.18, 0.09, 0.5]
    """
    w = _mass_weight(lnA)
    return 0.18 - 0.11 * w, 0.09 - 0.045 * w, 0.5 - 0.2 * w


def shower_age(rng: np.random.Generator, n: int) -> np.ndarray:
    """Reconstructed lateral shower age in 0.1–1.48.

    DESIGN §2.4 suggests N(1.05, 0.25) clipped to 0.1–1.48; the KCDC simulation export is skewed instead (mean
    1.10, standard deviation 0.24, no pile-up at 1.48, 1 % at 0.1), so this draws a normal N(1.20, 0.20)
    truncated to 0.1–1.48 with a 12 % broad component N(0.85, 0.30) (poorly measured small showers) and 1 % of
    fits stopping at the lower limit 0.1.
    """
    u = rng.random(n)
    broad = rng.random(n) < 0.12
    mu = np.where(broad, 0.85, 1.20)
    sigma = np.where(broad, 0.30, 0.20)
    a, b = special.ndtr((0.1 - mu) / sigma), special.ndtr((1.48 - mu) / sigma)
    age = mu + sigma * special.ndtri(a + u * (b - a))
    age[rng.random(n) < 0.01] = 0.1
    return np.clip(age, 0.1, 1.48)


# ================================================================================================ lateral densities
#: Molière radius used in the NKG function, m.
MOLIERE_RADIUS_M = 89.0
#: Scale radius of the muon lateral distribution (Greisen), m.
MUON_RADIUS_M = 320.0
#: Normalisation of :func:`muon_density`, m⁻² per muon.
MUON_NORM = 1.0 / (2.0 * math.pi * MUON_RADIUS_M**2 * special.beta(1.25, 1.25))


def nkg_density(r_m: Any, lgNe: Any, age: Any) -> Any:
    """Electron density of the NKG function, m⁻².

    ``ρ(r) = Ne C(s) / r_M² (r/r_M)^(s−2) (1 + r/r_M)^(s−4.5)`` with
    ``C(s) = Γ(4.5−s) / (2π Γ(s) Γ(4.5−2s))`` and r_M = 89 m; it integrates to Ne over the plane.

    Examples
    --------
    >>> from scipy.integrate import quad
    >>> total, _ = quad(lambda r: 2 * np.pi * r * nkg_density(r, 5.0, 1.2), 0, np.inf)
    >>> round(total / 1e5, 4)
    1.0
    """
    s = np.asarray(age, dtype=float)
    c = special.gamma(4.5 - s) / (2.0 * math.pi * special.gamma(s) * special.gamma(4.5 - 2.0 * s))
    x = np.asarray(r_m, dtype=float) / MOLIERE_RADIUS_M
    return 10.0**lgNe * c / MOLIERE_RADIUS_M**2 * x ** (s - 2.0) * (1.0 + x) ** (s - 4.5)


def muon_density(r_m: Any, lgNmu: Any) -> Any:
    """Muon density of a Greisen-like lateral distribution, m⁻².

    ``ρ(r) = Nμ / (2π r0² B(1.25, 1.25)) (r/r0)^−0.75 (1 + r/r0)^−2.5`` with r0 = 320 m; it integrates to Nμ.

    Examples
    --------
    >>> from scipy.integrate import quad
    >>> total, _ = quad(lambda r: 2 * np.pi * r * muon_density(r, 4.0, ), 0, np.inf)
    >>> round(total / 1e4, 4)
    1.0
    """
    x = np.asarray(r_m, dtype=float) / MUON_RADIUS_M
    return 10.0**lgNmu * MUON_NORM * x**-0.75 * (1.0 + x) ** -2.5


def unit_vector(zenith_deg: np.ndarray, azimuth_deg: np.ndarray) -> np.ndarray:
    """Unit vectors (x, y, z) along the shower axis (pointing up), shape ``(3, n)``, from zenith and azimuth [deg]."""
    t, p = np.radians(zenith_deg), np.radians(azimuth_deg)
    return np.stack([np.sin(t) * np.cos(p), np.sin(t) * np.sin(p), np.cos(t)])


def electron_fluctuation(lgE: Any, lnA: Any) -> Any:
    """σ(lgNe) of :func:`fluctuation_widths`, growing below 1 PeV (showers further past their maximum)."""
    return fluctuation_widths(lnA)[0] * (1.0 + _FLUCTUATION_GROWTH * np.clip(15.0 - lgE, 0.0, 2.0))
