"""The masterclass figures: one function per figure, each drawing on the matplotlib ``ax`` it is given.

Every function takes the numbers to draw — histograms from :mod:`kcdc_hep.histograms`, result records from
:mod:`kcdc_hep.fits` — and computes no physics. It draws on ``ax`` (a new figure only when ``ax`` is None), returns
what it drew and saves nothing. Wrap the drawing in :func:`style` for the masterclass look (large fonts for a
projector, colour-blind-safe colours, the same colour for a primary in every figure):

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import numpy as np, hist
>>> from kcdc_hep import plotting
>>> h = hist.Hist.new.Reg(40, 14, 18, name="lgE", label="lg(E/eV)").Int64().fill(np.full(10, 15.05))
>>> with plotting.style():
...     ax = plotting.plot_spectrum(h).ax
...     _ = plotting.kascade_label(ax, data=True)
>>> ax.get_xlabel(), ax.get_yscale()
('energy lg(E/eV)', 'log')
>>> matplotlib.pyplot.close(ax.figure)

This module imports matplotlib and mplhep; ``import kcdc_hep`` does not import it, so ``kcdc-hep info`` stays quick.
Labels name the experiment explicitly (:func:`kascade_label`): mplhep's own defaults would write LHC wording.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import mplhep
import numpy as np
from cycler import cycler
from matplotlib.colors import LogNorm

from kcdc_hep.errors import SchemaError
from kcdc_hep.schema import MASS_GROUPS, lookup_primary

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from kcdc_hep.fits import CompositionResult, FitResult, FluxSpectrum, HeavyFraction, KneeResult, SeparationLine

__all__ = [
    "DATA_COLOR",
    "PRIMARY_COLORS",
    "PRIMARY_MARKERS",
    "Drawn",
    "kascade_label",
    "plot_flux",
    "plot_fractions",
    "plot_heavy_fraction",
    "plot_mean_lnA",
    "plot_ratio",
    "plot_size_map",
    "plot_size_maps",
    "plot_sizes",
    "plot_spectrum",
    "style",
]

# --------------------------------------------------------------------------------------------------- colours
#: Okabe–Ito colours (safe for the common colour-vision deficiencies); one per primary, light (warm) to heavy (blue).
PRIMARY_COLORS: MappingProxyType[str, str] = MappingProxyType(
    {
        "p": "#D55E00",  # vermillion
        "He": "#E69F00",  # orange
        "C": "#009E73",  # bluish green
        "Si": "#56B4E9",  # sky blue
        "Fe": "#0072B2",  # blue
        "gamma": "#CC79A7",  # reddish purple
    }
)
#: Markers per primary, so the series differ in shape as well as colour (and in black-and-white print).
PRIMARY_MARKERS: MappingProxyType[str, str] = MappingProxyType(
    {"p": "o", "He": "s", "C": "^", "Si": "D", "Fe": "v", "gamma": "*"}
)
#: Measured data are black.
DATA_COLOR = "black"
#: Electrons and muons in the size figures.
SIZE_COLORS: MappingProxyType[str, str] = MappingProxyType({"lgNe": "#0072B2", "lgNmu": "#D55E00"})
#: Colour map of 2-D histograms (perceptually uniform, colour-blind safe).
CMAP = "cividis"

_OKABE_ITO = ("#000000", "#E69F00", "#56B4E9", "#009E73", "#0072B2", "#D55E00", "#CC79A7", "#F0E442")

#: rc settings on top of mplhep's ROOT style: readable on a projector, no TeX needed.
_RC: dict[str, Any] = {
    "figure.figsize": (10.0, 7.5),
    "figure.dpi": 100,
    "savefig.dpi": 130,
    "font.size": 20,
    "axes.titlesize": "medium",
    "legend.fontsize": 16,
    "legend.frameon": False,
    "axes.prop_cycle": cycler(color=list(_OKABE_ITO)),
    "lines.linewidth": 2.5,
    "lines.markersize": 8,
    "errorbar.capsize": 0,
    "image.cmap": CMAP,
    "xaxis.labellocation": "right",
    "yaxis.labellocation": "top",
    "figure.constrained_layout.use": True,
}


@contextlib.contextmanager
def style(**overrides: Any) -> Iterator[None]:
    """Context manager applying the masterclass figure style (mplhep ROOT style, larger fonts, Okabe–Ito colours).

    Nothing is changed globally: the previous rc settings come back when the block ends.

    Parameters
    ----------
    **overrides
        Extra matplotlib rc settings, e.g. ``style(**{"font.size": 14})``.
    """
    with mpl.rc_context(), plt.style.context([mplhep.style.ROOT, _RC, overrides]):
        yield


def color_of(primary: str) -> str:
    """The colour of a primary (any code: ``"fe"``, ``"Fe"``, ``5626``); grey for unknown ones."""
    p = lookup_primary(primary)
    return PRIMARY_COLORS.get(p.symbol if p else str(primary), "#999999")


def _symbol(primary: str) -> str:
    p = lookup_primary(primary)
    return p.symbol if p else str(primary)


def _primary_name(primary: str) -> str:
    p = lookup_primary(primary)
    if p is None:
        return str(primary)
    short = p.name.split(" (")[0]
    return f"{short} ({p.symbol})" if p.symbol not in ("gamma",) else short


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots()
    return ax


# --------------------------------------------------------------------------------------------------- results
@dataclass(frozen=True)
class Drawn:
    """What a plotting function drew: the axes and the artists, by role (``"data"``, ``"fit"``, ``"line"``...)."""

    ax: Any
    artists: Mapping[str, Any]

    def __getitem__(self, role: str) -> Any:
        return self.artists[role]


# --------------------------------------------------------------------------------------------------- label
def kascade_label(
    ax: Axes,
    text: str = "KASCADE",
    *,
    data: bool | str = True,
    rlabel: str = "KCDC masterclass",
    loc: int = 0,
    fontsize: float | None = None,
) -> tuple[Any, ...]:
    """Write the experiment label above the axes: ``KASCADE Open Data`` / ``KASCADE Simulation`` and a right label.

    mplhep's experiment label defaults to LHC wording (a "13 TeV" right label, "CMS"-like names); this helper always
    passes the KASCADE text and the right-hand label explicitly.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes to label.
    text : str
        Experiment name, bold.
    data : bool or str
        True → "Open Data", False → "Simulation", a string → that text (e.g. ``"Simulation"``, ``"Data vs sim."``).
    rlabel : str
        Text at the right above the axes (default ``"KCDC masterclass"``; ``""`` for none).
    loc : int
        mplhep label position (0 = above the axes, left).
    fontsize : float, optional
        Font size of the experiment name (default: the style's).

    Returns
    -------
    tuple of matplotlib.text.Text
        The texts mplhep drew.
    """
    llabel = data if isinstance(data, str) else ("Open Data" if data else "Simulation")
    return mplhep.label.exp_label(
        exp=text,
        llabel=llabel,
        rlabel=rlabel,
        com=None,
        loc=loc,
        ax=ax,
        fontsize=fontsize,
        data=bool(data),
        scilocator_adjust=False,  # True draws the whole figure once more (0.4 s per figure)
    )


# --------------------------------------------------------------------------------------------------- helpers
def _hist_arrays(h: Any, *, what: str, ndim: int = 1) -> tuple[np.ndarray, ...]:
    """(values, variances, edges...) of a hist/boost histogram, checking its dimension."""
    if not (hasattr(h, "axes") and hasattr(h, "values")):
        msg = f"{what}: expected a histogram (hist.Hist), got {type(h).__name__}"
        raise SchemaError(msg)
    if len(h.axes) != ndim:
        msg = f"{what}: expected a {ndim}-D histogram, got {len(h.axes)} axes ({', '.join(a.name for a in h.axes)})"
        raise SchemaError(msg)
    values = np.asarray(h.values(), dtype=float)
    variances = h.variances()
    variances = values.copy() if variances is None else np.asarray(variances, dtype=float)
    return (values, variances, *(np.asarray(a.edges, dtype=float) for a in h.axes))


def _bin_width_label(edges: np.ndarray, unit: str = "") -> str:
    widths = np.diff(edges)
    if np.allclose(widths, widths[0]):
        return f"events / {widths[0]:.3g}{(' ' + unit) if unit else ''}"
    return "events per bin"


def _legend(ax: Axes, **kwargs: Any) -> Any:
    handles, labels = ax.get_legend_handles_labels()
    return ax.legend(handles, labels, **kwargs) if handles else None


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
    ax = _axes(ax)
    items = dict(h) if isinstance(h, Mapping) else {label: h}
    if not items:
        msg = "plot_spectrum: no histogram given; pass a hist.Hist or a mapping label → hist.Hist"
        raise SchemaError(msg)
    artists: dict[str, Any] = {}
    edges = np.zeros(2)
    for name, hh in items.items():
        values, variances, edges = _hist_arrays(hh, what="plot_spectrum")
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
    _legend(ax, loc="upper right")
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
    ax = _axes(ax)
    if not hasattr(h, "axes") or len(h.axes) != 2 or "quantity" not in [a.name for a in h.axes]:
        msg = "plot_sizes: expected the histogram of kcdc_hep.histograms.sizes (axes size × quantity)"
        raise SchemaError(msg)
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
    _legend(ax, loc="upper right")
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
    ax = _axes(ax)
    values, _, xedges, yedges = _hist_arrays(h, what="plot_size_map", ndim=2)
    top = vmax if vmax is not None else max(float(values.max()), 1.0)
    mesh = _draw_map(values, xedges, yedges, ax, LogNorm(vmin=1.0, vmax=max(top, 1.5)))
    artists: dict[str, Any] = {"map": mesh}
    if colorbar:
        artists["colorbar"] = ax.figure.colorbar(mesh, ax=ax, label="events per bin")
        artists["colorbar"].ax.minorticks_off()
    if line is not None:
        artists["line"] = _draw_line(line, ax, xedges)
        _legend(ax, loc="upper left")
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
        raise SchemaError(msg)
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
        raise SchemaError(msg)
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
        ax.text(0.04, 0.95, _primary_name(p), transform=ax.transAxes, ha="left", va="top", color=color_of(p),
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
    ax = _axes(ax)
    values, variances, edges = _hist_arrays(h, what="plot_ratio")
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
            f"Gauss fit: μ = {mu:.4f} ± {fit.error('Mean'):.4f}\n"
            f"               σ = {sigma:.4f} ± {fit.error('Sigma'):.4f}"
        )
        (artists["fit"],) = ax.plot(x, c * np.exp(-0.5 * ((x - mu) / sigma) ** 2), color="#D55E00", label=text)
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(0, None)
    ax.set_xlabel("lg(Ne) / lg(Nμ)")
    ax.set_ylabel(_bin_width_label(edges))
    _legend(ax, loc="upper right")
    return Drawn(ax, artists)


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
    ax = _axes(ax)
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
            label=_primary_name(p),
        )
    ax.set_ylim(0, 1)
    ax.set_xlim(float(result.energy_edges[0]), float(result.energy_edges[-1]))
    ax.set_xlabel("energy lg(E/eV)")
    ax.set_ylabel("fraction of showers")
    _legend(ax, loc="upper left", ncols=3, fontsize=14)
    return Drawn(ax, artists)


def plot_mean_lnA(result: CompositionResult, *, ax: Axes | None = None, references: bool = True) -> Drawn:
    """Mean logarithmic mass ⟨ln A⟩ versus energy with error bars and the ln A of p … Fe as reference lines.

    Returns
    -------
    Drawn
        ``artists["data"]`` (errorbar container) and ``artists["reference"]`` (list of lines).
    """
    ax = _axes(ax)
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
    _legend(ax, loc="upper left")
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

    ax = _axes(ax)
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
            f"knee fit: E$_{{knee}}$ = {knee.E_knee_PeV:.2f} ± {knee.E_knee_err_PeV:.2f} PeV\n"
            f"γ$_1$ = {knee.gamma1:.2f} ± {knee.gamma1_err:.2f},  γ$_2$ = {knee.gamma2:.2f} ± {knee.gamma2_err:.2f}"
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
    _legend(ax, loc="lower left", fontsize=14)
    return Drawn(ax, artists)


def plot_heavy_fraction(result: HeavyFraction, *, ax: Axes | None = None, label: str | None = None) -> Drawn:
    """Fraction of showers above the light/heavy line versus energy, with binomial error bars.

    Returns
    -------
    Drawn
        ``artists["data"]`` (errorbar container).
    """
    ax = _axes(ax)
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
    _legend(ax, loc="upper left")
    return Drawn(ax, artists)
