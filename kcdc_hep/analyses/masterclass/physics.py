"""The physics of the knee in the masterclass job: composition per energy bin and the energy spectra of the elements.

Both start from the composition histograms of :mod:`~kcdc_hep.analyses.masterclass.stream` (showers up to the zenith
range of the simulation library; in each reconstructed-energy bin the distribution of the KCDC mass estimate ln A,
which turns a shower's electron and muon numbers into one number):

- :func:`composition_fits`: in each reconstructed-energy bin, template fits of the measured ln A distribution with
  the simulated ones of p, He, C, Si, Fe, and with light (p + He) and heavy (C + Si + Fe) ones
  (:func:`kcdc_hep.fits.fit_composition`). The templates are the simulation library re-weighted, true-energy bin by
  true-energy bin, to the spectrum the job measured (the prior sky's element spectra times the ratio of the measured
  all-particle knee fit to the prior's all-particle flux): a library thrown on E^−2 would otherwise bring showers of
  too high an energy into each bin. Fractions at their zero limit get profile-likelihood intervals. Where the five
  groups cannot be told apart (a fraction error above :data:`RESOLVED_MAX_ERROR`) the bin says so and the
  light/heavy fit is the result there.
- :func:`element_spectra`: the unfolding (:func:`kcdc_hep.unfolding.unfold`) of the same histogram into the flux of each
  element versus true energy, with statistical errors and the response's uncertainty, ⟨ln A⟩ and the light and
  heavy spectra, and the knee of each element where the data fix it (:func:`kcdc_hep.fits.fit_knee`).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import hist
import numpy as np

from kcdc_hep import fits, schema
from kcdc_hep._util import to_jsonable
from kcdc_hep.analyses.masterclass.stream import (
    PRIOR_SKY,
    CompositionBinning,
    DataHistograms,
    SimHistograms,
    _titled,
)
from kcdc_hep.errors import ArgumentError, FitError, SchemaError
from kcdc_hep.simulation.sky import GenerationSpectrum
from kcdc_hep.spectrum import FluxSpectrum
from kcdc_hep.unfolding import LIGHT_HEAVY, UnfoldingResult, response_from_histogram, unfold

__all__ = [
    "AT_ZERO",
    "KNEE_MAX_INDEX_ERROR",
    "KNEE_MAX_RELATIVE_ERROR",
    "MIN_EVENTS",
    "RESOLVED_MAX_ERROR",
    "RESPONSE_TOYS",
    "Composition",
    "ElementSpectra",
    "Failure",
    "composition_fits",
    "element_spectra",
    "physics_histograms",
]

#: Fewest showers per energy bin, in the data and (effective number) in each simulated primary, for a template fit.
MIN_EVENTS = 50
#: A composition bin tells the five groups apart when every fraction is known to better than ±0.10 (Hessian error)
#: and none sits at its zero limit (a sign that the fit trades similar groups against each other); otherwise the
#: light/heavy fractions are the result of that bin.
RESOLVED_MAX_ERROR = 0.10
#: A fitted fraction below this counts as "at zero".
AT_ZERO = 1e-3
#: Refits of the unfolding with the simulation's statistics fluctuated (the response's uncertainty).
RESPONSE_TOYS = 10
#: An element's knee counts as fixed by the data when its energy is known to 50 %, both indices to ±0.5, and the
#: spectrum is steeper above it by more than two errors.
KNEE_MAX_RELATIVE_ERROR = 0.5
KNEE_MAX_INDEX_ERROR = 0.5
_ELEMENTS = schema.MASS_GROUPS
_GROUPS_TEXT = "light = p + He, heavy = C + Si + Fe"


@dataclass(frozen=True)
class Failure:
    """An analysis that could not be done, and why (in plain words)."""

    reason: str

    def to_dict(self) -> dict[str, Any]:
        """``{"error": reason}``, as ``summary.json`` writes it."""
        return {"error": self.reason}

    def __str__(self) -> str:
        return self.reason


# ================================================================================================ composition
@dataclass(frozen=True)
class Composition:
    """The composition per reconstructed-energy bin: five groups, light/heavy, and where five can be told apart.

    Attributes
    ----------
    elements : CompositionResult or Failure
        The fit with the templates of p, He, C, Si, Fe.
    light_heavy : CompositionResult or Failure
        The fit with the templates light (p + He) and heavy (C + Si + Fe).
    resolved : tuple of bool
        Per bin, whether the five groups are told apart (valid fit, every fraction known to ±0.10, none at zero).
    zenith_max_deg : float or None
        Zenith cut of the composition showers.
    templates : str
        How the templates were made (re-weighting), in words.
    template_histograms : mapping of str → hist.Hist
        The template of each element (reconstructed lgE × mass estimate ln A, Weight storage) as fitted.
    """

    elements: fits.CompositionResult | Failure
    light_heavy: fits.CompositionResult | Failure
    resolved: tuple[bool, ...]
    zenith_max_deg: float | None
    templates: str
    template_histograms: Mapping[str, hist.Hist] = field(default_factory=dict)

    def reason(self, i: int) -> str:
        """Why bin ``i`` is invalid, or that its five groups are not told apart ("" for a resolved bin)."""
        comp = self.elements
        if isinstance(comp, Failure):
            return comp.reason
        if not comp.valid[i]:
            return comp.reason(i)
        if self.resolved[i]:
            return ""
        worst = float(np.nanmax(_half_widths(comp)[i]))
        at_zero = [p for p, f in zip(comp.primaries, comp.fractions[i], strict=True) if f < AT_ZERO]
        why = f"fraction errors up to ±{worst:.2f}" + (f", {', '.join(at_zero)} at zero" if at_zero else "")
        return f"five groups not told apart here ({why}): the light/heavy fractions are the result of this bin"

    def to_dict(self) -> dict[str, Any]:
        """The ``composition`` of ``summary.json``: one record per bin (lg(E/eV), reconstructed energy)."""
        comp = self.elements
        head = {
            "zenith_max_deg": self.zenith_max_deg,
            "templates": self.templates,
            "resolved_max_error": RESOLVED_MAX_ERROR,
            "light_heavy": _bins_dict(self.light_heavy, None),
        }
        if isinstance(comp, Failure):
            return {**comp.to_dict(), **head, "bins": []}
        return {
            "primaries": list(comp.primaries),
            "lnA": list(comp.lnA),
            "observable": comp.observable,
            "method": comp.method,
            **head,
            **_bins_dict(comp, self),
        }


def _half_widths(comp: fits.CompositionResult) -> np.ndarray:
    """How well each fraction is known, shape (bins, primaries): its Hessian error (the curvature of the likelihood
    without the zero limit), which tells whether the data separate the groups even where a fraction sits at 0."""
    return np.asarray(comp.fraction_errors)


def _bins_dict(comp: fits.CompositionResult | Failure, five: Composition | None) -> dict[str, Any]:
    """``{"bins": [...]}`` of a composition fit (with the five-group notes when ``five`` is given)."""
    if isinstance(comp, Failure):
        return {**comp.to_dict(), "bins": []}
    out: dict[str, Any] = {"groups": {g: list(LIGHT_HEAVY[g]) for g in LIGHT_HEAVY}} if five is None else {}
    if five is None:
        out["lnA"] = dict(zip(comp.primaries, comp.lnA, strict=True))
    bins = []
    limits = comp.at_limit if comp.at_limit is not None else np.zeros(comp.fractions.shape, dtype=bool)
    for i in range(len(comp.n_data)):
        intervals = comp.intervals[i] if comp.intervals is not None else np.full((len(comp.primaries), 2), np.nan)
        errors = comp.fraction_errors[i].copy()
        if comp.at_limit is not None:  # at the zero limit: the distance to the upper end of the interval
            errors = np.where(comp.at_limit[i], intervals[:, 1] - comp.fractions[i], errors)
        record = {
            "lgE_low": float(comp.energy_edges[i]),
            "lgE_high": float(comp.energy_edges[i + 1]),
            "n_data": int(comp.n_data[i]),
            "valid": bool(comp.valid[i]),
            "reason": five.reason(i) if five is not None else comp.reason(i),
            "fractions": dict(zip(comp.primaries, comp.fractions[i].tolist(), strict=True)),
            "errors": dict(zip(comp.primaries, errors.tolist(), strict=True)),
            "intervals": dict(zip(comp.primaries, intervals.tolist(), strict=True)),
            "at_limit": dict(zip(comp.primaries, limits[i].tolist(), strict=True)),
            "mean_lnA": float(comp.mean_lnA[i]),
            "mean_lnA_err": float(comp.mean_lnA_err[i]),
        }
        if five is not None:
            record["resolved"] = bool(five.resolved[i])
        bins.append(record)
    out["bins"] = bins
    return to_jsonable(out)  # type: ignore[no-any-return]


def template_factors(binning: CompositionBinning, knee: fits.KneeResult | Failure) -> tuple[np.ndarray, str]:
    """Per true-energy bin, the factor from the prior sky to the measured spectrum, and how it was made (words).

    ∫ J_knee dE / ∫ J_prior dE over each bin, normalised to 1 at the first analysis bin: the measured all-particle
    knee fit against the prior's all-particle flux (1 everywhere without a valid knee fit).
    """
    edges = np.asarray(binning.true_edges)
    if isinstance(knee, Failure) or not knee.valid:
        return np.ones(len(edges) - 1), "re-weighted to the published KASCADE element spectra (no valid knee fit)"
    par = dict(zip(knee.fit.parameters, knee.fit.values, strict=True))
    lo, hi = edges[:-1, None], edges[1:, None]
    x, w = np.polynomial.legendre.leggauss(8)
    lg = 0.5 * (hi - lo) * x + 0.5 * (hi + lo)
    e_gev = 10.0 ** (lg - 9.0)
    measured = (fits.broken_power_law(e_gev, par["lgJ0"], par["lgE_knee"], par["gamma1"], par["gamma2"],
                                      par["sharpness"]) * e_gev * w).sum(axis=1)  # fmt: skip
    prior = (PRIOR_SKY.all_particle(lg) * e_gev * w).sum(axis=1)
    ratio = measured / prior
    ratio = ratio / ratio[binning.first_true]
    text = (
        "re-weighted to the measured spectrum: the published KASCADE element spectra times the ratio of this "
        f"job's knee fit (E_knee = {knee.E_knee_PeV:.1f} PeV, indices {knee.gamma1:.2f} / {knee.gamma2:.2f}) to "
        "their all-particle sum"
    )
    return ratio, text


def templates_of(
    sim: SimHistograms, data_axes: Any, binning: CompositionBinning, factors: np.ndarray
) -> dict[str, Any]:
    """Template histograms per element in the analysis bins (Weight storage), from the response re-weighted by
    ``factors`` per true bin, or from the plain templates of a simulation without truth."""
    sl = slice(binning.first, binning.first + len(binning.energy_bins) - 1)
    out: dict[str, Any] = {}
    if sim.response is not None:
        view: Any = sim.response.view(flow=False)
        value = np.einsum("tzrx,t->zrx", view["value"], factors)[:, sl]
        variance = np.einsum("tzrx,t->zrx", view["variance"], factors**2)[:, sl]
        for k, el in enumerate(sim.response.axes["primary"]):
            out[str(el)] = _weighted(data_axes, value[k], variance[k])
        return out
    assert sim.templates is not None
    for el in sim.templates.axes["primary"]:
        h: Any = sim.templates[sl, :, el]
        if h.sum() > 0:
            out[str(el)] = _weighted(data_axes, np.asarray(h.values(), float), np.asarray(h.values(), float))
    return out


def _weighted(axes: Any, value: np.ndarray, variance: np.ndarray) -> hist.Hist:
    h = hist.Hist(*axes, storage=hist.storage.Weight())
    view = h.view(flow=False)
    view["value"], view["variance"] = value, variance
    return h


def composition_fits(
    sim: SimHistograms, data: DataHistograms, binning: CompositionBinning, knee: fits.KneeResult | Failure
) -> Composition:
    """The five-group and the light/heavy template fits in each analysis bin (see the module docstring)."""
    sl = slice(binning.first, binning.first + len(binning.energy_bins) - 1)
    measured: Any = data.composition[sl, :]
    factors, how = template_factors(binning, knee) if sim.response is not None else (np.ones(0), "")
    if sim.response is None:
        how = "the simulation's showers as they are (no true energies or generation record to re-weight them)"
    templates = templates_of(sim, measured.axes, binning, factors)
    try:
        five: fits.CompositionResult | Failure = fits.fit_composition(
            measured, templates, method="da", min_events=MIN_EVENTS
        )
    except (FitError, SchemaError, ArgumentError) as err:
        five = Failure(str(err))
    two = _light_heavy_fit(measured, templates)
    if isinstance(five, Failure):
        resolved: tuple[bool, ...] = ()
    else:
        widths = _half_widths(five)
        at_zero = np.asarray(five.fractions) < AT_ZERO
        resolved = tuple(
            bool(five.valid[i] and np.all(widths[i] < RESOLVED_MAX_ERROR) and not at_zero[i].any())
            for i in range(len(widths))
        )
    return Composition(five, two, resolved, binning.zenith_max_deg, how, MappingProxyType(templates))


def _light_heavy_fit(measured: Any, templates: Mapping[str, Any]) -> fits.CompositionResult | Failure:
    """The fit with light and heavy templates (each the sum of its elements' templates), ln A of each the mean of
    its simulated showers' ln A."""
    groups: dict[str, Any] = {}
    lnA: dict[str, float] = {}
    for name, members in LIGHT_HEAVY.items():
        present = [templates[m] for m in members if m in templates]
        if not present:
            return Failure(f"the simulation has no {name} primary ({', '.join(members)})")
        total = present[0]
        for h in present[1:]:
            total = total + h
        groups[name] = total
        sums = np.array([templates[m].sum().value for m in members if m in templates])
        ln = np.array([schema.PRIMARIES[m].lnA for m in members if m in templates])
        lnA[name] = float(sums @ ln / sums.sum()) if sums.sum() > 0 else float(ln.mean())
    try:
        return fits.fit_composition(measured, groups, method="da", min_events=MIN_EVENTS, lnA=lnA)
    except (FitError, SchemaError, ArgumentError) as err:
        return Failure(str(err))


# ================================================================================================ element spectra
@dataclass(frozen=True)
class ElementSpectra:
    """The unfolded energy spectra of p, He, C, Si, Fe (true energy), their sums light and heavy, and their knees.

    Attributes
    ----------
    result : UnfoldingResult
        The elements in the analysis bins (flux in m⁻² s⁻¹ sr⁻¹ GeV⁻¹).
    light_heavy : UnfoldingResult
        Light (p + He) and heavy (C + Si + Fe), summed with the covariance.
    full : UnfoldingResult
        All bins of the fit, with the outer bins that take up the migration across the ends of the range.
    knees : mapping of str → KneeResult or Failure
        The knee of each element's spectrum, or why the data do not fix it.
    zenith_max_deg : float
        Zenith range of the showers (and of the library's thrown showers).
    """

    result: UnfoldingResult
    light_heavy: UnfoldingResult
    full: UnfoldingResult
    knees: Mapping[str, fits.KneeResult | Failure]
    zenith_max_deg: float

    @property
    def resolved(self) -> np.ndarray:
        """Per bin, whether every element is measured (its error below its flux)."""
        flux, err = self.result.flux, self.result.flux_err
        return np.all(np.nan_to_num(err, nan=np.inf) < np.nan_to_num(flux), axis=0)

    def to_dict(self) -> dict[str, Any]:
        """The ``element_spectra`` of ``summary.json``."""
        r = self.result
        d = r.to_dict()
        per_gev = r.flux / np.where(r.counts != 0, r.counts, np.nan)
        for k, g in enumerate(r.groups):
            d["groups"][g]["flux_stat_err"] = to_jsonable(r.stat_err[k] * np.nan_to_num(per_gev[k]))
            d["groups"][g]["flux_sys_err"] = to_jsonable(r.sys_err[k] * np.nan_to_num(per_gev[k]))
        lh = self.light_heavy.to_dict()["groups"]
        mean, mean_err = r.mean_lnA()
        frac, frac_err = self.light_heavy.fractions()
        return to_jsonable(
            {
                **d,
                "light_heavy": lh,
                "mean_lnA": mean,
                "mean_lnA_err": mean_err,
                "light_fraction": frac[0],
                "light_fraction_err": frac_err[0],
                "resolved": self.resolved,
                "knees": {g: _knee_dict(k) for g, k in self.knees.items()},
                "method": r.method,
                "errors": "flux_err = statistical (flux_stat_err) and response (flux_sys_err) errors in quadrature",
                "valid": r.valid,
                "status": r.status,
                "exposure_m2_s_sr": r.exposure_m2_s_sr,
                "zenith_max_deg": self.zenith_max_deg,
                "n_data": r.n_data,
                "n_outside": r.n_outside,
                "fit_lgE_edges": self.full.lgE_edges,
            }
        )


def _knee_dict(knee: fits.KneeResult | Failure) -> dict[str, Any]:
    if isinstance(knee, Failure):
        return knee.to_dict()
    keys = ("E_knee_PeV", "E_knee_err_PeV", "gamma1", "gamma1_err", "gamma2", "gamma2_err", "chi2", "ndof", "valid")
    return {k: getattr(knee, k) for k in keys}


def element_spectra(
    sim: SimHistograms,
    data: DataHistograms,
    binning: CompositionBinning,
    generation: GenerationSpectrum | None,
    *,
    knee_sharpness: float,
) -> ElementSpectra | Failure:
    """Unfold the composition map of the data into element spectra (or say why it cannot be done)."""
    if sim.response is None or generation is None:
        return Failure(
            "element spectra need a simulation library with true energies and a generation record "
            "(simulation.root; sample 2 has neither)"
        )
    live = data.live.seconds if data.live is not None else None
    if live is None or not live > 0 or binning.zenith_max_deg is None:
        return Failure("element spectra need the measuring time (event times) and the zenith angle of the data")
    response = response_from_histogram(sim.response, prior=PRIOR_SKY)
    exposure = live * generation.aperture_m2_sr
    try:
        full = unfold(data.composition, response, exposure_m2_s_sr=exposure, response_toys=RESPONSE_TOYS, seed=0)
    except (FitError, ArgumentError) as err:
        return Failure(f"unfolding not possible: {err}")
    result = full.between(binning.energy_bins[0], binning.energy_bins[-1])
    knees = MappingProxyType({g: _element_knee(result, k, knee_sharpness) for k, g in enumerate(result.groups)})
    return ElementSpectra(result, result.combined(LIGHT_HEAVY), full, knees, binning.zenith_max_deg)


def _element_knee(result: UnfoldingResult, k: int, sharpness: float) -> fits.KneeResult | Failure:
    """A smooth knee fitted to one element's unfolded spectrum, if the data fix it."""
    el = result.groups[k]
    edges_gev = 10.0 ** (result.lgE_edges - 9.0)
    flux, err = result.flux[k], result.flux_err[k]
    ok = np.isfinite(flux) & np.isfinite(err)
    spectrum = FluxSpectrum(
        energy_GeV=np.sqrt(edges_gev[1:] * edges_gev[:-1])[ok],
        flux=flux[ok],
        flux_err_low=err[ok],
        flux_err_high=err[ok],
        label=f"unfolded {el}",
    )
    lo, hi = (f"10^{x:g} eV" for x in result.lgE_edges[[0, -1]])
    try:
        knee = fits.fit_knee(spectrum, model="smooth", sharpness=sharpness, method="chi2")
    except FitError as err_:
        return Failure(f"no knee fit for {el}: {err_}")
    if not knee.valid:
        return Failure(f"the data do not fix a knee of {el} between {lo} and {hi} (the fit ran to its limits)")
    fixed = (
        knee.E_knee_err_PeV < KNEE_MAX_RELATIVE_ERROR * knee.E_knee_PeV
        and max(knee.gamma1_err, knee.gamma2_err) < KNEE_MAX_INDEX_ERROR
        and knee.gamma2 + 2 * knee.gamma2_err < knee.gamma1
    )
    if not fixed:
        return Failure(
            f"the data do not fix a knee of {el} between {lo} and {hi} (E_knee = {knee.E_knee_PeV:.2g} ± "
            f"{knee.E_knee_err_PeV:.2g} PeV, indices {knee.gamma1:.2f} / {knee.gamma2:.2f} ± {knee.gamma2_err:.2f})"
        )
    if not math.isfinite(knee.chi2):
        return Failure(f"no knee fit for {el}: the fit did not converge")
    return knee


# ================================================================================================ ROOT file
def _series(edges: np.ndarray, values: np.ndarray, errors: np.ndarray, title: str) -> hist.Hist:
    """A TH1D-like histogram of values with errors over lg(E/eV) bins (NaN → 0)."""
    h = hist.Hist(hist.axis.Variable(edges, name="lgE", label="lg(E/eV)"), storage=hist.storage.Weight(), name=title)
    view = h.view(flow=False)
    view["value"], view["variance"] = np.nan_to_num(values), np.nan_to_num(errors) ** 2
    return h


def physics_histograms(
    composition: Composition, spectra: ElementSpectra | Failure, binning: CompositionBinning
) -> dict[str, hist.Hist]:
    """The templates, fractions and unfolded spectra for ``masterclass.root`` (TH1D/TH2D with errors).

    ``sim_<el>_lnA_ebin<i>``: the fitted template of an element in analysis bin i; ``composition_<g>_fraction``
    (reconstructed energy) for p … Fe and light/heavy; ``unfolded_<g>_flux`` [m⁻² s⁻¹ sr⁻¹ GeV⁻¹] and
    ``unfolded_mean_lnA`` over true energy.
    """
    out: dict[str, hist.Hist] = {}
    bins = binning.energy_bins
    for el, h in composition.template_histograms.items():
        for i, (lo, hi) in enumerate(itertools.pairwise(bins)):
            title = f"simulation {el}: template of the mass estimate ln A, {lo:g} <= lgE < {hi:g}"
            out[f"sim_{el}_lnA_ebin{i}"] = _titled(h[i, :], title)
    for fit in (composition.elements, composition.light_heavy):
        if isinstance(fit, Failure):
            continue
        edges = np.asarray(fit.energy_edges)
        for k, g in enumerate(fit.primaries):
            title = f"composition: fraction of {g} (reconstructed energy)"
            out[f"composition_{g}_fraction"] = _series(edges, fit.fractions[:, k], fit.fraction_errors[:, k], title)
    if not isinstance(spectra, Failure):
        for r in (spectra.result, spectra.light_heavy):
            for k, g in enumerate(r.groups):
                title = f"unfolded flux of {g} [m^-2 s^-1 sr^-1 GeV^-1] vs true energy"
                out[f"unfolded_{g}_flux"] = _series(np.asarray(r.lgE_edges), r.flux[k], r.flux_err[k], title)
        mean, err = spectra.result.mean_lnA()
        out["unfolded_mean_lnA"] = _series(np.asarray(spectra.result.lgE_edges), mean, err, "unfolded <ln A>")
    return out
