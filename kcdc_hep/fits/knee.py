"""The knee: a broken power law fitted to an all-particle flux spectrum (:class:`kcdc_hep.spectrum.FluxSpectrum`)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from iminuit import Minuit

from kcdc_hep._util import to_jsonable
from kcdc_hep.errors import ArgumentError, FitError
from kcdc_hep.fits.results import FitResult, fit_result
from kcdc_hep.spectrum import FluxSpectrum

__all__ = ["KneeResult", "broken_power_law", "fit_knee"]

KneeModel = Literal["smooth", "sharp"]
KneeMethod = Literal["chi2", "poisson"]
_PARAMETERS = ("lgJ0", "lgE_knee", "gamma1", "gamma2", "sharpness")
_GL_X, _GL_W = np.polynomial.legendre.leggauss(12)


@dataclass(frozen=True)
class KneeResult:
    """Broken-power-law fit of an all-particle spectrum.

    ``E_knee_PeV`` is the break energy; ``gamma1``/``gamma2`` the spectral indices below/above (negative numbers,
    J ∝ E^γ); ``sharpness`` ε (∞ for the sharp model); errors are parabolic (Hesse), the knee error propagated
    from lg E_knee. ``fit`` holds the full parameter record (``lgJ0``, ``lgE_knee`` with E in GeV, ``gamma1``,
    ``gamma2``, ``sharpness``).
    """

    E_knee_PeV: float
    E_knee_err_PeV: float
    gamma1: float
    gamma1_err: float
    gamma2: float
    gamma2_err: float
    sharpness: float
    sharpness_err: float
    chi2: float
    ndof: int
    valid: bool
    model: KneeModel
    method: KneeMethod
    fit: FitResult

    @property
    def chi2_ndof(self) -> float:
        """χ²/ndof (NaN for ndof ≤ 0)."""
        return self.chi2 / self.ndof if self.ndof > 0 else math.nan

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        names = ("E_knee_PeV", "E_knee_err_PeV", "gamma1", "gamma1_err", "gamma2", "gamma2_err", "sharpness",
                 "sharpness_err", "chi2", "ndof", "valid", "model", "method")  # fmt: skip
        return to_jsonable({**{k: getattr(self, k) for k in names}, "fit": self.fit.to_dict()})

    def __str__(self) -> str:
        eps = "sharp" if math.isinf(self.sharpness) else f"{self.sharpness:.3g} ± {self.sharpness_err:.2g}"
        return (
            f"knee fit ({self.model}, {self.method}, {'valid' if self.valid else 'INVALID'})\n"
            f"  E_knee = {self.E_knee_PeV:.3g} ± {self.E_knee_err_PeV:.2g} PeV\n"
            f"  gamma1 = {self.gamma1:.3f} ± {self.gamma1_err:.3f}\n"
            f"  gamma2 = {self.gamma2:.3f} ± {self.gamma2_err:.3f}\n"
            f"  sharpness = {eps}\n"
            f"  chi2/ndof = {self.chi2:.4g}/{self.ndof}"
        )


def broken_power_law(
    E_GeV: np.ndarray, lgJ0: float, lgE_knee: float, gamma1: float, gamma2: float, sharpness: float = math.inf
) -> np.ndarray:
    """J(E) = J0 (E/Ek)^γ1 [1 + (E/Ek)^ε]^((γ2−γ1)/ε); ε = ∞ gives the sharp break J0 (E/Ek)^γ(E).

    E and Ek = 10^lgE_knee in GeV, J0 = 10^lgJ0 in m⁻² s⁻¹ sr⁻¹ GeV⁻¹ (the flux at the knee for the sharp model).

    >>> print(f"{broken_power_law(np.array([1e7]), -14.0, 6.0, -2.7, -3.1)[0]:.4e}")
    7.9433e-18
    """
    lx = np.log(np.asarray(E_GeV, dtype=float)) - lgE_knee * math.log(10.0)
    if math.isinf(sharpness):
        log_j = np.where(lx < 0, gamma1 * lx, gamma2 * lx)
    else:
        log_j = gamma1 * lx + (gamma2 - gamma1) / sharpness * np.logaddexp(0.0, sharpness * lx)
    return np.power(10.0, lgJ0) * np.exp(log_j)  # numpy: overflow gives inf, not an exception


Cost = Callable[[float, float, float, float, float], float]


@dataclass(frozen=True)
class _Prepared:
    """What one knee fit minimises: the cost, the points it uses, and the energies/fluxes for the start values."""

    fcn: Cost
    n_points: int
    energy_GeV: np.ndarray
    flux: np.ndarray


def fit_knee(
    spectrum: FluxSpectrum,
    *,
    model: KneeModel = "smooth",
    sharpness: float | None = None,
    method: KneeMethod = "chi2",
    energy_range_GeV: tuple[float, float] | None = None,
) -> KneeResult:
    """Fit a broken power law (the knee) to an all-particle spectrum.

    Parameters
    ----------
    spectrum : FluxSpectrum
        From :func:`kcdc_hep.spectrum.flux_spectrum` or :func:`kcdc_hep.readers.flux_table.read_flux_table`.
    model : {"smooth", "sharp"}
        ``"smooth"``: J0 (E/Ek)^γ1 [1 + (E/Ek)^ε]^((γ2−γ1)/ε); ``"sharp"``: ε → ∞, indices γ1 below and γ2 above Ek.
    sharpness : float, optional
        ε of the smooth model; None fits it (within 0.5–100, from several starting values). Real data constrain ε
        weakly and a free ε trades off against the knee position: for a stable knee fix it (ε ≥ 5) or use "sharp".
    method : {"chi2", "poisson"}
        ``"chi2"``: χ² with the asymmetric errors, taking for each point the error on the side where the model lies
        (points with zero flux are skipped). ``"poisson"``: binned Poisson likelihood of the counts (spectra from
        :func:`kcdc_hep.spectrum.flux_spectrum` only), expected counts = exposure × ∫ J dE over each bin; its
        ``chi2`` is the Baker–Cousins likelihood-ratio χ².
    energy_range_GeV : (low, high), optional
        Fit only points (bin centres) in this energy range.

    Returns
    -------
    KneeResult

    Raises
    ------
    ArgumentError
        For an unknown model or method, or ``method="poisson"`` on a spectrum without counts.
    FitError
        If too few points remain for the parameters, or none has a positive flux.
    """
    if model not in ("smooth", "sharp"):
        msg = f"fit_knee: unknown model {model!r}; use 'smooth' or 'sharp'"
        raise ArgumentError(msg)
    if method not in ("chi2", "poisson"):
        msg = f"fit_knee: unknown method {method!r}; use 'chi2' or 'poisson'"
        raise ArgumentError(msg)
    e = np.asarray(spectrum.energy_GeV, dtype=float)
    use = np.ones(len(e), dtype=bool)
    if energy_range_GeV is not None:
        use &= (e >= energy_range_GeV[0]) & (e <= energy_range_GeV[1])
    free_eps = model == "smooth" and sharpness is None
    eps0 = math.inf if model == "sharp" else (10.0 if sharpness is None else float(sharpness))
    prepared = _poisson_cost(spectrum, use) if method == "poisson" else _chi2_cost(spectrum, use)
    n_par = 4 + int(free_eps)
    if prepared.n_points <= n_par:
        msg = f"fit_knee: {prepared.n_points} usable points for {n_par} parameters; widen the energy range"
        raise FitError(msg)
    # a free sharpness makes the χ² surface multi-modal: start from several values and keep the best minimum
    with np.errstate(all="ignore"):  # Minuit may probe extreme slopes where the model under- or overflows
        candidates = [_minimise(prepared, e0, free_eps) for e0 in ((2.0, 5.0, 10.0, 30.0) if free_eps else (eps0,))]
    m = min(candidates, key=lambda c: (not c.valid, c.fval))
    fit = fit_result(
        m, method=method, chi2=float(m.fval), minus_two_lnL=None, n_data=prepared.n_points, parameters=_PARAMETERS
    )
    ek_pev = 10.0 ** m.values["lgE_knee"] / 1e6
    return KneeResult(
        E_knee_PeV=float(ek_pev),
        E_knee_err_PeV=float(ek_pev * math.log(10.0) * m.errors["lgE_knee"]),
        gamma1=float(m.values["gamma1"]),
        gamma1_err=float(m.errors["gamma1"]),
        gamma2=float(m.values["gamma2"]),
        gamma2_err=float(m.errors["gamma2"]),
        sharpness=float(m.values["eps"]),
        sharpness_err=float(m.errors["eps"]) if free_eps else 0.0,
        chi2=float(m.fval),
        ndof=prepared.n_points - n_par,
        valid=bool(m.valid) and not _at_limit(m, ("lgE_knee", "gamma1", "gamma2")),
        model=model,
        method=method,
        fit=fit,
    )


def _poisson_cost(spectrum: FluxSpectrum, use: np.ndarray) -> _Prepared:
    """Binned Poisson likelihood (Baker–Cousins χ²) of the counts: μ = exposure × ∫ J dE over each bin."""
    if spectrum.counts is None or spectrum.energy_edges_GeV is None or spectrum.exposure_m2_s_sr is None:
        msg = "fit_knee: method='poisson' needs a spectrum made from counts (flux_spectrum); use method='chi2'"
        raise ArgumentError(msg)
    n = np.asarray(spectrum.counts)[use]
    lo_e, hi_e = spectrum.energy_edges_GeV[:-1][use], spectrum.energy_edges_GeV[1:][use]
    exposure = spectrum.exposure_m2_s_sr
    # Gauss–Legendre in ln E per bin (exact enough for smooth power laws)
    llo, lhi = np.log(lo_e), np.log(hi_e)
    nodes = np.exp(0.5 * (lhi - llo)[:, None] * _GL_X[None, :] + 0.5 * (lhi + llo)[:, None])
    weights = 0.5 * (lhi - llo)[:, None] * _GL_W[None, :] * nodes
    positive = n > 0

    def fcn(lgJ0: float, lgE_knee: float, gamma1: float, gamma2: float, eps: float) -> float:
        mu = exposure * np.sum(weights * broken_power_law(nodes, lgJ0, lgE_knee, gamma1, gamma2, eps), axis=1)
        t = mu - n
        t[positive] += n[positive] * np.log(n[positive] / mu[positive])
        return 2.0 * float(t.sum())

    return _Prepared(fcn, len(n), np.asarray(spectrum.energy_GeV)[use], np.asarray(spectrum.flux)[use])


def _chi2_cost(spectrum: FluxSpectrum, use: np.ndarray) -> _Prepared:
    """χ² with asymmetric errors: each point's error on the side where the model lies; zero fluxes skipped."""
    e = np.asarray(spectrum.energy_GeV, dtype=float)
    y = np.asarray(spectrum.flux)[use]
    elo, ehi = np.asarray(spectrum.flux_err_low)[use], np.asarray(spectrum.flux_err_high)[use]
    ok = (y > 0) & (elo > 0) & (ehi > 0)
    x, y, elo, ehi = e[use][ok], y[ok], elo[ok], ehi[ok]

    def fcn(lgJ0: float, lgE_knee: float, gamma1: float, gamma2: float, eps: float) -> float:
        mu = broken_power_law(x, lgJ0, lgE_knee, gamma1, gamma2, eps)
        err = np.where(mu > y, ehi, elo)
        return float(np.sum(((y - mu) / err) ** 2))

    return _Prepared(fcn, len(x), x, y)


def _minimise(prepared: _Prepared, eps_start: float, free_eps: bool) -> Minuit:
    """Migrad from a knee in the middle (log) of the fitted range and J0 from the nearest point; then Hesse."""
    ee, flux = prepared.energy_GeV, prepared.flux
    lgEk0 = float(np.log10(np.sqrt(ee.min() * ee.max())))
    pos = flux > 0
    if not np.any(pos):
        msg = "fit_knee: the spectrum has no positive flux in the fit range"
        raise FitError(msg)
    nearest = np.argmin(np.abs(np.log10(ee[pos]) - lgEk0))
    lgJ00 = float(np.log10(flux[pos][nearest]))
    m = Minuit(prepared.fcn, lgJ0=lgJ00, lgE_knee=lgEk0, gamma1=-2.7, gamma2=-3.1, eps=eps_start)
    m.errordef = Minuit.LEAST_SQUARES
    m.limits["lgE_knee"] = (float(np.log10(ee.min())), float(np.log10(ee.max())))
    m.limits["gamma1"] = (-6.0, 0.0)
    m.limits["gamma2"] = (-6.0, 0.0)
    m.fixed["eps"] = True
    m.migrad()
    if free_eps:  # release the sharpness from the minimum at fixed ε
        m.limits["eps"] = (0.5, 100.0)
        m.fixed["eps"] = False
        m.migrad()
    if not m.valid:
        m.migrad()
    m.hesse()
    return m


def _at_limit(m: Minuit, names: Sequence[str]) -> bool:
    """Whether a free parameter ended on one of its limits: the minimum is then the limit's, not the data's."""
    for name in names:
        p = m.params[name]
        if p.is_fixed or not p.has_limits:
            continue
        lo = p.lower_limit if p.has_lower_limit else -math.inf
        hi = p.upper_limit if p.has_upper_limit else math.inf
        tol = 1e-3 * (hi - lo) if math.isfinite(hi - lo) else 1e-6
        if p.value - lo < tol or hi - p.value < tol:
            return True
    return False
