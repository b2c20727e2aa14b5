"""Figures of analysis results: primary fractions and ⟨ln A⟩ versus energy, the heavy fraction, the flux and knee,
the light fraction and the energy spectra of the elements.

Each function draws result records of :mod:`kcdc_hep.fits`, :mod:`kcdc_hep.unfolding` and :mod:`kcdc_hep.reference`
on the ``ax`` it is given and returns a :class:`~kcdc_hep.plotting.Drawn`; see :mod:`kcdc_hep.plotting` for the
conventions. Legends of the figures with many series sit outside the axes, so that they never hide data.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from kcdc_hep.errors import ArgumentError
from kcdc_hep.plotting import (
    DATA_COLOR,
    PRIMARY_MARKERS,
    Drawn,
    color_of,
    get_axes,
    legend,
    primary_name,
    value_with_error,
)
from kcdc_hep.schema import lookup_primary

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from kcdc_hep.fits import CompositionResult, FluxSpectrum, HeavyFraction, KneeResult
    from kcdc_hep.reference import ElementSpectra, MeanLnA
    from kcdc_hep.unfolding import UnfoldingResult

__all__ = [
    "plot_element_spectra",
    "plot_flux",
    "plot_fractions",
    "plot_heavy_fraction",
    "plot_light_fraction",
    "plot_mean_lnA",
]

#: Published points: grey open squares.
PUBLISHED_COLOR = "#555555"


def _symbol(primary: str) -> str:
    p = lookup_primary(primary)
    return p.symbol if p else str(primary)


def _valid_centres(result: CompositionResult) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    edges = np.asarray(result.energy_edges, dtype=float)
    centres = 0.5 * (edges[1:] + edges[:-1])
    half = 0.5 * np.diff(edges)
    return centres, half, np.asarray(result.valid, dtype=bool)


def plot_fractions(
    result: CompositionResult, *, ax: Axes | None = None, resolved: Sequence[bool] | None = None
) -> Drawn:
    """Fractions of the primaries p … Fe versus energy, from :func:`kcdc_hep.fits.fit_composition`.

    Error bars are the 68 % intervals (asymmetric for a fraction at its zero limit).

    Parameters
    ----------
    result : CompositionResult
        The fit.
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    resolved : sequence of bool, optional
        Per energy bin, whether the primaries are told apart; the other bins are shaded grey and labelled.

    Returns
    -------
    Drawn
        ``artists`` by primary symbol (errorbar containers), and with ``resolved`` ``"unresolved"`` (the shaded
        spans).
    """
    ax = get_axes(ax)
    centres, half, valid = _valid_centres(result)
    k = len(result.primaries)
    shift = 0.12 * half * (np.arange(k) - (k - 1) / 2)[:, None] / max(k / 2, 1)  # small offsets: no overlap
    lower, upper = _fraction_bars(result)
    artists: dict[str, Any] = {}
    for j, p in enumerate(result.primaries):
        artists[p] = ax.errorbar(
            centres[valid] + shift[j][valid],
            result.fractions[valid, j],
            yerr=[lower[valid, j], upper[valid, j]],
            xerr=half[valid] if j == 0 else None,
            fmt=PRIMARY_MARKERS.get(p, "o") + "-",
            color=color_of(p),
            label=primary_name(p),
        )
    spans: list[Any] = []
    edges = np.asarray(result.energy_edges, dtype=float)
    for i, told in enumerate(resolved if resolved is not None else ()):
        if not told and valid[i]:
            label = "groups not told apart" if not spans else None
            spans.append(ax.axvspan(edges[i], edges[i + 1], color="#DDDDDD", alpha=0.6, lw=0, zorder=0, label=label))
    if resolved is not None:
        artists["unresolved"] = spans
    ax.set_ylim(0, 1)
    ax.set_xlim(float(result.energy_edges[0]), float(result.energy_edges[-1]))
    ax.set_xlabel("energy lg(E/eV)")
    ax.set_ylabel("fraction of showers")
    legend(ax, fontsize=14)
    return Drawn(ax, artists)


def _fraction_bars(result: CompositionResult) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper error bars of the fractions: the 68 % intervals where given (asymmetric at the zero limit)."""
    f = np.asarray(result.fractions, dtype=float)
    if result.intervals is None:
        err = np.asarray(result.fraction_errors, dtype=float)
        return err, err
    return np.clip(f - result.intervals[..., 0], 0.0, None), np.clip(result.intervals[..., 1] - f, 0.0, None)


def plot_mean_lnA(
    result: CompositionResult,
    *,
    ax: Axes | None = None,
    references: bool = True,
    published: MeanLnA | None = None,
    unfolded: UnfoldingResult | None = None,
    label: str = "<ln A> from the fit",
) -> Drawn:
    """Mean logarithmic mass ⟨ln A⟩ versus energy with error bars and the ln A of p … Fe as reference lines.

    Parameters
    ----------
    result : CompositionResult
        From :func:`kcdc_hep.fits.fit_composition` (reconstructed energy).
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    references : bool
        Draw the ln A of each primary as a dotted line, named at its left end.
    published : MeanLnA, optional
        Published ⟨ln A⟩ (:func:`kcdc_hep.reference.published_mean_lnA`), drawn with its total error.
    unfolded : UnfoldingResult, optional
        Unfolded element spectra (:func:`kcdc_hep.unfolding.unfold`); their ⟨ln A⟩ versus true energy.
    label : str
        Legend text of ``result``.

    Returns
    -------
    Drawn
        ``artists["data"]`` (errorbar container), ``"published"``, ``"unfolded"`` and ``artists["reference"]``
        (list of lines).
    """
    ax = get_axes(ax)
    centres, half, valid = _valid_centres(result)
    artists: dict[str, Any] = {
        "data": ax.errorbar(
            centres[valid],
            result.mean_lnA[valid],
            yerr=result.mean_lnA_err[valid],
            xerr=half[valid],
            fmt="o",
            color=DATA_COLOR,
            label=label,
        )
    }
    if unfolded is not None:
        mean, err = unfolded.mean_lnA()
        e = np.asarray(unfolded.lgE_edges, dtype=float)
        ok = np.isfinite(mean)
        artists["unfolded"] = ax.errorbar(
            (0.5 * (e[1:] + e[:-1]))[ok] + 0.02, mean[ok], yerr=err[ok], fmt="D", mfc="white", color="#CC79A7",
            label="<ln A> of the unfolded spectra (true energy)",
        )  # fmt: skip
    if published is not None:
        err = np.hypot(published.stat, published.sys)
        artists["published"] = ax.errorbar(
            published.lgE_centers, published.mean_lnA, yerr=err, fmt="s", mfc="none", color=PUBLISHED_COLOR, ms=6,
            lw=1.2, label="KASCADE 2024 (published)",
        )  # fmt: skip
    refs = []
    lo_x, hi_x = float(result.energy_edges[0]), float(result.energy_edges[-1])
    if references:
        for p, lna in zip(result.primaries, result.lnA, strict=True):
            refs.append(ax.axhline(lna, color=color_of(p), ls=":", lw=2))
            ax.text(lo_x + 0.01 * (hi_x - lo_x), lna + 0.05, _symbol(p), color=color_of(p), va="bottom", ha="left",
                    fontsize="small")  # fmt: skip
    artists["reference"] = refs
    ax.set_xlim(lo_x, hi_x)
    ax.set_ylim(-0.3, 4.5)
    ax.set_xlabel("energy lg(E/eV)")
    ax.set_ylabel("mean mass <ln A>")
    legend(ax, fontsize=14)  # outside the axes, never on the data
    return Drawn(ax, artists)


def plot_light_fraction(
    result: CompositionResult,
    *,
    ax: Axes | None = None,
    unfolded: UnfoldingResult | None = None,
    published: tuple[ArrayLike, ArrayLike, ArrayLike] | None = None,
    group: str = "light",
) -> Drawn:
    """The fraction of light cosmic rays (p + He) versus energy, with heavy = 1 − light.

    Parameters
    ----------
    result : CompositionResult
        A fit with the templates ``"light"`` and ``"heavy"`` (reconstructed energy).
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    unfolded : UnfoldingResult, optional
        Unfolded light and heavy spectra (:meth:`kcdc_hep.unfolding.UnfoldingResult.combined`); their light fraction
        versus true energy.
    published : (lgE_edges, fraction, error), optional
        The published light fraction per energy bin.
    group : str
        The group drawn.

    Returns
    -------
    Drawn
        ``artists["data"]``, ``"unfolded"``, ``"published"`` (errorbar containers).
    """
    ax = get_axes(ax)
    centres, half, valid = _valid_centres(result)
    j = result.primaries.index(group)
    lower, upper = _fraction_bars(result)
    artists: dict[str, Any] = {
        "data": ax.errorbar(
            centres[valid], result.fractions[valid, j], yerr=[lower[valid, j], upper[valid, j]], xerr=half[valid],
            fmt="o", color=DATA_COLOR, label=f"{group} fraction from the fit (reconstructed energy)",
        )
    }  # fmt: skip
    if unfolded is not None:
        f, err = unfolded.fractions()
        k = unfolded.groups.index(group)
        e = np.asarray(unfolded.lgE_edges, dtype=float)
        ok = np.isfinite(f[k])
        artists["unfolded"] = ax.errorbar(
            (0.5 * (e[1:] + e[:-1]))[ok] + 0.02, f[k][ok], yerr=err[k][ok], fmt="D", mfc="white", color="#CC79A7",
            label=f"{group} fraction of the unfolded spectra (true energy)",
        )  # fmt: skip
    if published is not None:
        pe, pf, perr = (np.asarray(x, dtype=float) for x in published)
        artists["published"] = ax.errorbar(
            0.5 * (pe[1:] + pe[:-1]), pf, yerr=perr, fmt="s", mfc="none", color=PUBLISHED_COLOR, ms=6, lw=1.2,
            label="KASCADE 2024 (published)",
        )  # fmt: skip
    ax.set_ylim(0, 1)
    ax.set_xlim(float(result.energy_edges[0]), float(result.energy_edges[-1]))
    ax.set_xlabel("energy lg(E/eV)")
    ax.set_ylabel(f"fraction of {group} nuclei (p + He)" if group == "light" else f"fraction of {group} nuclei")
    legend(ax, fontsize=14)
    return Drawn(ax, artists)


def plot_element_spectra(
    result: UnfoldingResult | None = None,
    *,
    ax: Axes | None = None,
    published: ElementSpectra | None = None,
    knees: Mapping[str, KneeResult] | None = None,
    scale: float = 2.7,
) -> Drawn:
    """The energy spectrum of each element times E^2.7, with the published KASCADE points beside it.

    Parameters
    ----------
    result : UnfoldingResult, optional
        Unfolded element spectra with an exposure (:func:`kcdc_hep.unfolding.unfold`); flux in
        m⁻² s⁻¹ sr⁻¹ GeV⁻¹ versus true energy. None: only ``published`` (each group then named in the legend).
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    published : ElementSpectra, optional
        :func:`kcdc_hep.reference.published_element_spectra` (groups H … Fe drawn with their element's colour).
    knees : mapping of element → KneeResult, optional
        Knee fits of single elements, drawn as curves over the element's points.
    scale : float
        The flux is multiplied by E^scale (E in GeV): a spectrum falling like E^−2.7 is flat.

    Returns
    -------
    Drawn
        ``artists`` by element (errorbar containers), ``"published <group>"``, ``"knee <element>"``.

    Raises
    ------
    ArgumentError
        If neither ``result`` nor ``published`` is given.

    Notes
    -----
    A bin whose error reaches zero is drawn as a 68 % upper limit (an arrow down from flux + error).
    """
    from kcdc_hep.fits import broken_power_law

    if result is not None:
        lgE_edges, groups, flux, flux_err = result.lgE_edges, result.groups, result.flux, result.flux_err
    elif published is not None:
        lgE_edges, groups, flux, flux_err = published.lgE_edges, (), None, None
    else:
        msg = "plot_element_spectra: give unfolded spectra (result) or published ones (published=), or both"
        raise ArgumentError(msg)
    ax = get_axes(ax)
    edges_gev = 10.0 ** (np.asarray(lgE_edges, dtype=float) - 9.0)
    e = np.sqrt(edges_gev[1:] * edges_gev[:-1])
    pev = 1e-6
    k = len(groups)
    artists: dict[str, Any] = {}
    for j, g in enumerate(groups):
        shift = 10.0 ** (0.012 * (j - (k - 1) / 2))  # small offsets in lg E: no overlap
        y, err = flux[j] * e**scale, flux_err[j] * e**scale  # type: ignore[index]
        ok = np.isfinite(y) & np.isfinite(err)
        measured = ok & (y - err > 0)
        limit = ok & ~measured & (y + err > 0)
        marker = PRIMARY_MARKERS.get(g, "o")
        artists[g] = ax.errorbar(e[measured] * shift * pev, y[measured], yerr=err[measured], fmt=marker,
                                 color=color_of(g), label=f"{primary_name(g)}, unfolded")  # fmt: skip
        if limit.any():
            top = (y + err)[limit]
            ax.errorbar(e[limit] * shift * pev, top, yerr=0.35 * top, uplims=True, fmt="none", color=color_of(g))
    if published is not None:
        from kcdc_hep.reference import GROUP_ELEMENTS

        pe = 10.0 ** (np.asarray(published.lgE_centers, dtype=float) - 9.0)
        for group, element in GROUP_ELEMENTS.items():
            if group not in published.groups:
                continue
            y = np.asarray(published.flux[group]) * pe**scale
            err = published.total_error(group) * pe**scale
            artists[f"published {group}"] = ax.errorbar(
                pe * pev, y, yerr=err, fmt=PRIMARY_MARKERS.get(element, "o"), mfc="none", ms=5, lw=0.8, alpha=0.6,
                color=color_of(element), label=None if result is not None else primary_name(element),
            )  # fmt: skip
        artists["published"] = ax.errorbar([], [], fmt="s", mfc="none", color=PUBLISHED_COLOR,
                                           label="open markers: KASCADE 2024 (published)")  # fmt: skip
    for g, knee in (knees or {}).items():
        par = dict(zip(knee.fit.parameters, knee.fit.values, strict=True))
        x = np.geomspace(e[0], e[-1], 200)
        model = broken_power_law(x, par["lgJ0"], par["lgE_knee"], par["gamma1"], par["gamma2"], par["sharpness"])
        (artists[f"knee {g}"],) = ax.plot(
            x * pev, model * x**scale, color=color_of(g), lw=1.5,
            label=f"{_symbol(g)} knee: {knee.E_knee_PeV:.1f} ± {knee.E_knee_err_PeV:.1f} PeV",
        )  # fmt: skip
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("true energy E [PeV]")
    ax.set_ylabel(f"E$^{{{scale:g}}}$ · flux [GeV$^{{{scale - 1:g}}}$ m$^{{-2}}$ s$^{{-1}}$ sr$^{{-1}}$]")
    legend(ax, fontsize=13)
    return Drawn(ax, artists)


def _e27(spectrum: FluxSpectrum) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    e = np.asarray(spectrum.energy_GeV, dtype=float)
    scale = e**2.7
    return (
        e,
        np.asarray(spectrum.flux) * scale,
        np.asarray(spectrum.flux_err_low) * scale,
        np.asarray(spectrum.flux_err_high) * scale,
    )


def plot_flux(
    spectrum: FluxSpectrum,
    knee: KneeResult | None = None,
    *,
    ax: Axes | None = None,
    reference: FluxSpectrum | None = None,
    label: str = "this analysis",
    others: Sequence[FluxSpectrum] = (),
) -> Drawn:
    """The all-particle flux times E^2.7 (a straight spectrum ∝ E^−2.7 is flat), with the knee fit.

    Parameters
    ----------
    spectrum : FluxSpectrum
        From :func:`kcdc_hep.fits.flux_spectrum` (E in GeV, J in m⁻² s⁻¹ sr⁻¹ GeV⁻¹).
    knee : KneeResult, optional
        From :func:`kcdc_hep.fits.fit_knee`; drawn as a curve with the knee energy marked.
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    reference : FluxSpectrum, optional
        A published spectrum for comparison (e.g. :func:`kcdc_hep.fits.read_flux_table`).
    label : str
        Legend text of ``spectrum``.
    others : sequence of FluxSpectrum
        More spectra to compare (e.g. the sum of unfolded element spectra), each with its ``label``.

    Returns
    -------
    Drawn
        ``artists["data"]``, ``"reference"``, ``"fit"``, ``"knee"``, ``"other <i>"``.
    """
    from kcdc_hep.fits import broken_power_law

    ax = get_axes(ax)
    artists: dict[str, Any] = {}
    e, y, lo, hi = _e27(spectrum)
    ok = y > 0
    pev = 1e-6
    artists["data"] = ax.errorbar(e[ok] * pev, y[ok], yerr=[lo[ok], hi[ok]], fmt="o", color=DATA_COLOR, label=label)
    if reference is not None:
        er, yr, lor, hir = _e27(reference)
        artists["reference"] = ax.errorbar(
            er * pev,
            yr,
            yerr=[lor, hir],
            fmt="s",
            mfc="none",
            color="#0072B2",
            label=reference.label or "published KASCADE spectrum",
        )
    for i, other in enumerate(others):
        eo, yo, loo, hio = _e27(other)
        good = yo > 0
        artists[f"other {i}"] = ax.errorbar(eo[good] * pev, yo[good], yerr=[loo[good], hio[good]], fmt="D",
                                            mfc="white", color="#CC79A7", label=other.label)  # fmt: skip
    if knee is not None:
        par = dict(zip(knee.fit.parameters, knee.fit.values, strict=True))
        x = np.geomspace(e[ok].min() if ok.any() else 1e5, e[ok].max() if ok.any() else 1e8, 300)
        model = broken_power_law(x, par["lgJ0"], par["lgE_knee"], par["gamma1"], par["gamma2"], par["sharpness"])
        text = (
            f"knee fit: E$_{{knee}}$ = {value_with_error(knee.E_knee_PeV, knee.E_knee_err_PeV)} PeV\n"
            f"γ$_1$ = {value_with_error(knee.gamma1, knee.gamma1_err)},  "
            f"γ$_2$ = {value_with_error(knee.gamma2, knee.gamma2_err)}"
        )
        if not knee.valid:
            text += "\n(not a reliable fit: too few showers, or a slope at its limit)"
        style = "-" if knee.valid else "--"
        (artists["fit"],) = ax.plot(x * pev, model * x**2.7, color="#D55E00", ls=style, label=text)
        artists["knee"] = ax.axvline(knee.E_knee_PeV, color="#D55E00", ls=":", lw=2)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("energy E [PeV]")
    ax.set_ylabel("E$^{2.7}$ · flux [GeV$^{1.7}$ m$^{-2}$ s$^{-1}$ sr$^{-1}$]")
    legend(ax, loc="lower left", fontsize=14)
    return Drawn(ax, artists)


def plot_heavy_fraction(result: HeavyFraction, *, ax: Axes | None = None, label: str | None = None) -> Drawn:
    """Fraction of showers above the light/heavy line versus energy, with binomial error bars.

    Returns
    -------
    Drawn
        ``artists["data"]`` (errorbar container).
    """
    ax = get_axes(ax)
    edges = np.asarray(result.energy_edges, dtype=float)
    centres = 0.5 * (edges[1:] + edges[:-1])
    ok = np.isfinite(np.asarray(result.fraction, dtype=float))
    artists = {
        "data": ax.errorbar(
            centres[ok],
            np.asarray(result.fraction)[ok],
            yerr=np.asarray(result.error)[ok],
            xerr=0.5 * np.diff(edges)[ok],
            fmt="o",
            color="#0072B2",
            label=label or "showers above the light/heavy line",
        )
    }
    ax.set_ylim(0, 1)
    ax.set_xlim(edges[0], edges[-1])
    ax.set_xlabel("energy lg(E/eV)")
    ax.set_ylabel("heavy fraction")
    legend(ax, loc="upper left")
    return Drawn(ax, artists)
