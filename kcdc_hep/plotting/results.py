"""Figures of analysis results: primary fractions and ⟨ln A⟩ versus energy, the heavy fraction, the flux and knee.

Each function draws a result record of :mod:`kcdc_hep.fits` on the ``ax`` it is given and returns a
:class:`~kcdc_hep.plotting.Drawn`; see :mod:`kcdc_hep.plotting` for the conventions.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

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

__all__ = ["plot_flux", "plot_fractions", "plot_heavy_fraction", "plot_mean_lnA"]


def _symbol(primary: str) -> str:
    p = lookup_primary(primary)
    return p.symbol if p else str(primary)


def _valid_centres(result: CompositionResult) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    edges = np.asarray(result.energy_edges, dtype=float)
    centres = 0.5 * (edges[1:] + edges[:-1])
    half = 0.5 * np.diff(edges)
    return centres, half, np.asarray(result.valid, dtype=bool)


def plot_fractions(result: CompositionResult, *, ax: Axes | None = None) -> Drawn:
    """Fractions of the primaries p … Fe versus energy, from :func:`kcdc_hep.fits.fit_composition`.

    Returns
    -------
    Drawn
        ``artists`` by primary symbol (errorbar containers).
    """
    ax = get_axes(ax)
    centres, half, valid = _valid_centres(result)
    k = len(result.primaries)
    shift = 0.12 * half * (np.arange(k) - (k - 1) / 2)[:, None] / max(k / 2, 1)  # small offsets: no overlap
    artists: dict[str, Any] = {}
    for j, p in enumerate(result.primaries):
        artists[p] = ax.errorbar(
            centres[valid] + shift[j][valid],
            result.fractions[valid, j],
            yerr=result.fraction_errors[valid, j],
            xerr=half[valid] if j == 0 else None,
            fmt=PRIMARY_MARKERS.get(p, "o") + "-",
            color=color_of(p),
            label=primary_name(p),
        )
    ax.set_ylim(0, 1)
    ax.set_xlim(float(result.energy_edges[0]), float(result.energy_edges[-1]))
    ax.set_xlabel("energy lg(E/eV)")
    ax.set_ylabel("fraction of showers")
    legend(ax, fontsize=14)
    return Drawn(ax, artists)


def plot_mean_lnA(result: CompositionResult, *, ax: Axes | None = None, references: bool = True) -> Drawn:
    """Mean logarithmic mass ⟨ln A⟩ versus energy with error bars and the ln A of p … Fe as reference lines.

    Returns
    -------
    Drawn
        ``artists["data"]`` (errorbar container) and ``artists["reference"]`` (list of lines).
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
            label="<ln A> from the fit",
        )
    }
    refs = []
    if references:
        x_text = float(result.energy_edges[-1])
        for p, lna in zip(result.primaries, result.lnA, strict=True):
            refs.append(ax.axhline(lna, color=color_of(p), ls=":", lw=2))
            ax.text(
                x_text,
                lna,
                f" {_symbol(p)}",
                color=color_of(p),
                va="center",
                ha="left",
                fontsize="small",
                clip_on=False,
            )
    artists["reference"] = refs
    ax.set_xlim(float(result.energy_edges[0]), float(result.energy_edges[-1]))
    ax.set_ylim(-0.3, 4.5)
    ax.set_xlabel("energy lg(E/eV)")
    ax.set_ylabel("mean mass <ln A>")
    legend(ax, loc="upper left")
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

    Returns
    -------
    Drawn
        ``artists["data"]``, ``"reference"``, ``"fit"``, ``"knee"``.
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
