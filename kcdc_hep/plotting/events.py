"""Figures of the showers themselves: the energy spectrum, electron and muon numbers, the lgNe–lgNmu maps, the ratio.

Each function draws the histograms of :mod:`kcdc_hep.histograms` on the ``ax`` it is given and returns a
:class:`~kcdc_hep.plotting.Drawn`; see :mod:`kcdc_hep.plotting` for the conventions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import mplhep
import numpy as np
from matplotlib.colors import LogNorm

from kcdc_hep.errors import ArgumentError
from kcdc_hep.plotting import (
    CMAP,
    DATA_COLOR,
    SIZE_COLORS,
    Drawn,
    color_of,
    get_axes,
    hist_arrays,
    legend,
    primary_name,
    value_with_error,
)
from kcdc_hep.schema import MASS_GROUPS, lookup_primary

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from kcdc_hep.fits import FitResult, SeparationLine

__all__ = ["plot_ratio", "plot_size_map", "plot_size_maps", "plot_sizes", "plot_spectrum"]


def _bin_width_label(edges: np.ndarray, unit: str = "") -> str:
    widths = np.diff(edges)
    if np.allclose(widths, widths[0]):
        return f"events / {widths[0]:.3g}{(' ' + unit) if unit else ''}"
    return "events per bin"


def _secondary_pev_axis(ax: Axes) -> Any:
    """A top axis in PeV for an axis in lg(E/eV): E/PeV = 10^(lgE − 15)."""
    ax.tick_params(axis="x", which="both", top=False)
    sec = ax.secondary_xaxis(
        "top", functions=(lambda x: 10.0 ** (np.asarray(x) - 15.0), lambda y: np.log10(np.clip(y, 1e-30, None)) + 15.0)
    )
    lo, hi = ax.get_xlim()
    ticks = [10.0**k for k in range(math.floor(lo - 15), math.ceil(hi - 15) + 1) if lo <= k + 15 <= hi]
    sec.set_xticks(ticks, labels=[f"{t:g}" for t in ticks])
    sec.xaxis.set_minor_locator(mpl.ticker.NullLocator())
    sec.set_xlabel("E [PeV]")
    return sec


# --------------------------------------------------------------------------------------------------- figures
def plot_spectrum(
    h: Any | Mapping[str, Any],
    *,
    ax: Axes | None = None,
    label: str = "data",
    color: str | None = None,
    pev_axis: bool = True,
) -> Drawn:
    """The energy spectrum: events per lg(E/eV) bin on a logarithmic scale, with an energy axis in PeV on top.

    Parameters
    ----------
    h : hist.Hist or mapping of label → hist.Hist
        1-D histograms of ``lgE`` (e.g. :func:`kcdc_hep.histograms.spectrum`); a mapping draws several (a primary's
        name as label picks its colour).
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new figure).
    label, color : str, optional
        Legend text and colour of a single histogram.
    pev_axis : bool
        Add the secondary x axis E [PeV] on top.

    Returns
    -------
    Drawn
        ``artists`` by label (mplhep step artists), and ``"pev_axis"``.
    """
    ax = get_axes(ax)
    items = dict(h) if isinstance(h, Mapping) else {label: h}
    if not items:
        msg = "plot_spectrum: no histogram given; pass a hist.Hist or a mapping label → hist.Hist"
        raise ArgumentError(msg)
    artists: dict[str, Any] = {}
    edges = np.zeros(2)
    for name, hh in items.items():
        values, variances, edges = hist_arrays(hh, what="plot_spectrum")
        if color is not None and len(items) == 1:
            c: str | None = color
        elif lookup_primary(name) is not None:
            c = color_of(name)  # a primary keeps its colour in every figure
        else:
            c = DATA_COLOR if len(items) == 1 or name == "data" else None  # None: the style's colour cycle
        artists[name] = mplhep.histplot(
            values, edges, yerr=np.sqrt(variances), ax=ax, label=name, color=c, histtype="step", flow=None
        )
    ax.set_yscale("log")
    ax.set_xlim(edges[0], edges[-1])
    ax.set_xlabel("energy lg(E/eV)")
    ax.set_ylabel(_bin_width_label(edges))
    legend(ax, loc="upper right")
    if pev_axis:
        artists["pev_axis"] = _secondary_pev_axis(ax)
    return Drawn(ax, artists)


def plot_sizes(h: Any, *, ax: Axes | None = None, log: bool = False) -> Drawn:
    """Electron and muon numbers overlaid: the ``lgNe`` and ``lgNmu`` categories of :func:`~kcdc_hep.histograms.sizes`.

    Parameters
    ----------
    h : hist.Hist
        2 axes: ``size`` (lg N) and the category ``quantity`` with ``"lgNe"`` and ``"lgNmu"``.
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    log : bool
        Logarithmic counts axis.

    Returns
    -------
    Drawn
        ``artists["lgNe"]``, ``artists["lgNmu"]``.
    """
    ax = get_axes(ax)
    if not hasattr(h, "axes") or len(h.axes) != 2 or "quantity" not in [a.name for a in h.axes]:
        msg = "plot_sizes: expected the histogram of kcdc_hep.histograms.sizes (axes size × quantity)"
        raise ArgumentError(msg)
    names = {"lgNe": "electrons lg(Ne)", "lgNmu": "muons lg(Nμ)"}
    artists: dict[str, Any] = {}
    edges = np.asarray(h.axes[0].edges, dtype=float)
    for q in h.axes["quantity"]:
        one = h[:, q]
        values = np.asarray(one.values(), dtype=float)
        var = one.variances()
        err = np.sqrt(values if var is None else np.asarray(var, dtype=float))
        artists[q] = mplhep.histplot(
            values, edges, yerr=err, ax=ax, label=names.get(q, q), color=SIZE_COLORS.get(q), histtype="step", flow=None
        )
    if log:
        ax.set_yscale("log")
    ax.set_xlim(edges[0], edges[-1])
    ax.set_xlabel("number of particles lg(N)")
    ax.set_ylabel(_bin_width_label(edges))
    legend(ax, loc="upper right")
    return Drawn(ax, artists)


def _draw_map(values: np.ndarray, xedges: np.ndarray, yedges: np.ndarray, ax: Axes, norm: Any) -> Any:
    masked = np.ma.masked_less_equal(values.T, 0)
    ax.minorticks_off()  # minor ticks add nothing on a map and cost a second per figure to lay out
    return ax.pcolormesh(xedges, yedges, masked, norm=norm, cmap=CMAP)


def _draw_line(line: SeparationLine, ax: Axes, xedges: np.ndarray, *, annotate: bool = True) -> Any:
    x = np.array([xedges[0], xedges[-1]])
    (artist,) = ax.plot(
        x,
        line.lgNmu_on_line(x),
        color="#CC79A7",
        lw=3,
        ls="--",
        label=f"light/heavy line ({line.light} | {line.heavy})",
    )
    if annotate:
        xm = xedges[0] + 0.3 * (xedges[-1] - xedges[0])
        ym = float(line.lgNmu_on_line(xm))
        kw: dict[str, Any] = {"color": "#CC79A7", "fontsize": "small", "ha": "center", "fontweight": "bold"}
        ax.text(xm, ym + 0.35, "heavy: more muons", **kw)
        ax.text(xm + 0.6, ym + 0.6 * line.slope - 0.35, "light: more electrons", **kw)
    return artist


def plot_size_map(
    h: Any,
    *,
    ax: Axes | None = None,
    line: SeparationLine | None = None,
    colorbar: bool = True,
    vmax: float | None = None,
) -> Drawn:
    """A 2-D lgNe–lgNmu map (counts, logarithmic colour scale), optionally with the light/heavy separation line.

    Parameters
    ----------
    h : hist.Hist
        2 axes ``lgNe`` × ``lgNmu`` (:func:`~kcdc_hep.histograms.size_map`).
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    line : SeparationLine, optional
        The line from :func:`kcdc_hep.fits.separation_line`.
    colorbar : bool
        Draw a colour bar labelled "events per bin".
    vmax : float, optional
        Top of the colour scale (default: the largest bin).

    Returns
    -------
    Drawn
        ``artists["map"]`` (QuadMesh), ``"line"``, ``"colorbar"``.
    """
    ax = get_axes(ax)
    values, _, xedges, yedges = hist_arrays(h, what="plot_size_map", ndim=2)
    top = vmax if vmax is not None else max(float(values.max()), 1.0)
    mesh = _draw_map(values, xedges, yedges, ax, LogNorm(vmin=1.0, vmax=max(top, 1.5)))
    artists: dict[str, Any] = {"map": mesh}
    if colorbar:
        artists["colorbar"] = ax.figure.colorbar(mesh, ax=ax, label="events per bin")
        artists["colorbar"].ax.minorticks_off()
    if line is not None:
        artists["line"] = _draw_line(line, ax, xedges)
        legend(ax, loc="upper left")
    ax.set_xlim(xedges[0], xedges[-1])
    ax.set_ylim(yedges[0], yedges[-1])
    ax.set_xlabel("electrons lg(Ne)")
    ax.set_ylabel("muons lg(Nμ)")
    return Drawn(ax, artists)


def plot_size_maps(
    h: Any,
    *,
    axes: Any = None,
    primaries: Sequence[str] | None = None,
    line: SeparationLine | None = None,
    colorbar: bool = True,
) -> Drawn:
    """Fill a grid of axes with the simulated lgNe–lgNmu maps, one per primary, on one common colour scale.

    Parameters
    ----------
    h : hist.Hist
        3 axes ``lgNe`` × ``lgNmu`` × ``primary`` (:func:`~kcdc_hep.histograms.size_map` with ``by_primary=True``).
    axes : array of matplotlib.axes.Axes, optional
        The axes to fill, in reading order (any shape; spare axes are switched off). Default: a new 2 × 3 grid.
    primaries : sequence of str, optional
        Which primaries, in order (default: those of the histogram with events, light to heavy).
    line : SeparationLine, optional
        Drawn on every map.
    colorbar : bool
        One colour bar for all maps.

    Returns
    -------
    Drawn
        ``artists`` by primary symbol (QuadMesh), and ``"colorbar"``.
    """
    if not hasattr(h, "axes") or len(h.axes) != 3 or h.axes[2].name != "primary":
        msg = "plot_size_maps: expected a lgNe × lgNmu × primary histogram (size_map(..., by_primary=True))"
        raise ArgumentError(msg)
    present = [str(p) for p in h.axes["primary"]]
    if primaries is None:
        primaries = [p for p in (*MASS_GROUPS, *present) if p in present and h[:, :, p].sum() > 0]
        primaries = list(dict.fromkeys(primaries))
    if axes is None:
        n = len(primaries)
        ncols = 3 if n > 4 else max(n, 1)
        nrows = math.ceil(n / ncols) if n else 1
        _, axes = plt.subplots(
            nrows, ncols, figsize=(6.0 * ncols, 5.2 * nrows), sharex=True, sharey=True, squeeze=False
        )
    flat = list(np.asarray(axes, dtype=object).ravel())
    if len(flat) < len(primaries):
        msg = f"plot_size_maps: {len(primaries)} primaries but only {len(flat)} axes; pass a larger grid"
        raise ArgumentError(msg)
    vmax = max([float(np.asarray(h[:, :, p].values()).max()) for p in primaries] + [1.5])
    norm = LogNorm(vmin=1.0, vmax=vmax)
    artists: dict[str, Any] = {}
    xedges = np.asarray(h.axes[0].edges, dtype=float)
    yedges = np.asarray(h.axes[1].edges, dtype=float)
    for ax, p in zip(flat, primaries, strict=False):
        values = np.asarray(h[:, :, p].values(), dtype=float)
        artists[p] = _draw_map(values, xedges, yedges, ax, norm)
        if line is not None:
            _draw_line(line, ax, xedges, annotate=False)
        ax.text(0.04, 0.95, primary_name(p), transform=ax.transAxes, ha="left", va="top", color=color_of(p),
                fontweight="bold", bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.8})  # fmt: skip
        ax.set_xlim(xedges[0], xedges[-1])
        ax.set_ylim(yedges[0], yedges[-1])
        ax.set_xlabel("electrons lg(Ne)")
        ax.set_ylabel("muons lg(Nμ)")
    spare = flat[len(primaries) :]
    for ax in spare:
        ax.set_axis_off()
    if colorbar and artists:
        mesh = next(iter(artists.values()))
        label = "simulated showers per bin"
        if spare:  # the colour bar goes into the first free panel
            cax = spare[0].inset_axes((0.05, 0.05, 0.08, 0.9))
            artists["colorbar"] = spare[0].figure.colorbar(mesh, cax=cax, label=label)
        else:
            artists["colorbar"] = flat[0].figure.colorbar(mesh, ax=flat[: len(primaries)], label=label)
        artists["colorbar"].ax.minorticks_off()
    return Drawn(np.asarray(axes, dtype=object), artists)


def plot_ratio(h: Any, fit: FitResult | None = None, *, ax: Axes | None = None, label: str = "data") -> Drawn:
    """The ratio lgNe/lgNmu as points with error bars and the fitted Gaussian, its μ and σ in the legend.

    Parameters
    ----------
    h : hist.Hist
        1-D histogram of the ratio (:func:`~kcdc_hep.histograms.ratio`).
    fit : FitResult, optional
        The Gaussian from :func:`kcdc_hep.fits.fit_gauss` (parameters ``Constant``, ``Mean``, ``Sigma``).
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    label : str
        Legend text of the points.

    Returns
    -------
    Drawn
        ``artists["data"]`` (errorbar container), ``"fit"`` (Line2D).
    """
    ax = get_axes(ax)
    values, variances, edges = hist_arrays(h, what="plot_ratio")
    centres = 0.5 * (edges[1:] + edges[:-1])
    nonzero = values > 0
    artists: dict[str, Any] = {
        "data": ax.errorbar(
            centres[nonzero],
            values[nonzero],
            yerr=np.sqrt(variances[nonzero]),
            xerr=0.5 * np.diff(edges)[nonzero],
            fmt="o",
            color=DATA_COLOR,
            label=label,
            markersize=6,
        )
    }
    if fit is not None:
        x = np.linspace(edges[0], edges[-1], 400)
        c, mu, sigma = fit["Constant"], fit["Mean"], fit["Sigma"]
        text = (
            f"Gauss fit: μ = {value_with_error(mu, fit.error('Mean'))}\n"
            f"               σ = {value_with_error(sigma, fit.error('Sigma'))}"
        )
        (artists["fit"],) = ax.plot(x, c * np.exp(-0.5 * ((x - mu) / sigma) ** 2), color="#D55E00", label=text)
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(0, None)
    ax.set_xlabel("lg(Ne) / lg(Nμ)")
    ax.set_ylabel(_bin_width_label(edges))
    legend(ax, loc="upper right")
    return Drawn(ax, artists)
