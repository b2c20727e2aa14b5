"""The masterclass figures: one function per figure, each drawing on the matplotlib ``ax`` it is given.

Every function takes the numbers to draw — histograms from :mod:`kcdc_hep.histograms`, result records from
:mod:`kcdc_hep.fits` and :mod:`kcdc_hep.ml` — and computes no physics. It draws on ``ax`` (a new figure only when
``ax`` is None), returns what it drew and saves nothing. Wrap the drawing in :func:`style` for the masterclass look
(large fonts for a projector, colour-blind-safe colours, the same colour for a primary in every figure):

>>> import matplotlib
>>> matplotlib.use("Agg")
>>> import numpy as np, hist
>>> from kcdc_hep import plotting
>>> h = hist.Hist.new.Reg(40, 14, 18, name="lgE", label="lg(E/eV)").Int64().fill(np.full(10, 15.05))
>>> with plotting.style():
...     ax = plotting.plot_spectrum(h).ax
...     _ = plotting.kascade_label(ax, "synthetic data, seed 2940")
>>> ax.get_xlabel(), ax.get_yscale()
('energy lg(E/eV)', 'log')
>>> matplotlib.pyplot.close(ax.figure)

The figures live in three modules and are all available here (``plotting.plot_spectrum``):

- :mod:`kcdc_hep.plotting.events`: the showers themselves (spectrum, electron and muon numbers, size maps, ratio);
- :mod:`kcdc_hep.plotting.results`: analysis results (fractions, ⟨ln A⟩, heavy fraction, flux and knee);
- :mod:`kcdc_hep.plotting.classifier`: the comparison and machine-learning lessons (ratio shapes, confusion matrix,
  ROC curve, heavy fraction of three methods).

This module holds what they share: the style, the colours, the KASCADE label, :class:`Drawn`, and the helpers
:func:`get_axes`, :func:`legend`, :func:`hist_arrays`. It imports matplotlib and mplhep; ``import kcdc_hep`` does
not import it, so ``kcdc-hep info`` stays quick. Labels name the experiment explicitly (:func:`kascade_label`):
mplhep's own defaults would write LHC wording.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import mplhep
import numpy as np
from cycler import cycler

from kcdc_hep.errors import ArgumentError
from kcdc_hep.plotting.language import current_language, set_language, translate_figure
from kcdc_hep.schema import lookup_primary

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "CMAP",
    "DATA_COLOR",
    "NO_CLAIM",
    "PRIMARY_COLORS",
    "PRIMARY_MARKERS",
    "SIZE_COLORS",
    "Drawn",
    "color_of",
    "get_axes",
    "hist_arrays",
    "kascade_label",
    "legend",
    "plot_confusion",
    "plot_element_spectra",
    "plot_flux",
    "plot_fractions",
    "plot_heavy_comparison",
    "plot_heavy_fraction",
    "plot_light_fraction",
    "plot_mean_lnA",
    "plot_ratio",
    "plot_ratio_comparison",
    "plot_roc",
    "plot_size_map",
    "plot_size_maps",
    "plot_sizes",
    "plot_spectrum",
    "primary_name",
    "set_language",
    "style",
    "translate_figure",
    "value_with_error",
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


#: matplotlib's bundled font, present everywhere: the last fallback of the "cursive" family.
_FALLBACK_FONT = "DejaVu Sans"


def _cursive_fallback() -> None:
    """Give the "cursive" font family a fallback that exists, once, at import.

    Math text (``$E^{2.7}$``) looks up every math font, the calligraphic one (``mathtext.cal = cursive``) too, when a
    figure is drawn — in a notebook after the :func:`style` block has ended — and machines without a cursive font
    (most Linux servers) then print "findfont: Font family ['cursive'] not found" above the figure. This is the one
    global setting the module changes; it alters no figure that had a cursive font.
    """
    cursive = list(mpl.rcParams["font.cursive"])
    if _FALLBACK_FONT not in cursive:
        mpl.rcParams["font.cursive"] = [*cursive, _FALLBACK_FONT]


_cursive_fallback()


@contextlib.contextmanager
def style(**overrides: Any) -> Iterator[None]:
    """Context manager applying the masterclass figure style (mplhep ROOT style, larger fonts, Okabe–Ito colours).

    Nothing is changed globally: the previous rc settings come back when the block ends. In German
    (:func:`set_language`, which ``exercises.language("de")`` calls) the figures drawn in the block are translated
    when it ends (:mod:`kcdc_hep.plotting.language`).

    Parameters
    ----------
    **overrides
        Extra matplotlib rc settings, e.g. ``style(**{"font.size": 14})``.
    """
    with mpl.rc_context(), plt.style.context([mplhep.style.ROOT, _RC, overrides]):
        yield
    if current_language() != "en":  # a German notebook: the words of the figures drawn in the block
        for number in plt.get_fignums():
            translate_figure(plt.figure(number))


def color_of(primary: str) -> str:
    """The colour of a primary (any code: ``"fe"``, ``"Fe"``, ``5626``); grey for unknown ones."""
    p = lookup_primary(primary)
    return PRIMARY_COLORS.get(p.symbol if p else str(primary), "#999999")


def primary_name(primary: str) -> str:
    """The name of a primary for a legend: ``"iron (Fe)"`` for ``"fe"``; unknown codes as given.

    >>> primary_name("fe"), primary_name("p"), primary_name("xx")
    ('iron (Fe)', 'proton (p)', 'xx')
    """
    p = lookup_primary(primary)
    if p is None:
        return str(primary)
    short = p.name.split(" (")[0]
    return f"{short} ({p.symbol})" if p.symbol not in ("gamma",) else short


def get_axes(ax: Axes | None) -> Axes:
    """The axes to draw on: ``ax`` itself, or the axes of a new figure when ``ax`` is None."""
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
#: What the label says when the caller gives no provenance: only the experiment, no claim about the data.
NO_CLAIM = ""


def _llabel(label: Any, data: bool | str | None) -> str:
    """The text after the bold experiment name, from a Provenance, a string, or the older ``data=`` switch."""
    if label is not None:
        if hasattr(label, "label") and hasattr(label, "synthetic"):  # a kcdc_hep.provenance.Provenance
            return str(label.label)
        if isinstance(label, str):
            return label
        msg = f"kascade_label: label must be a Provenance or a text, not {type(label).__name__}"
        raise ArgumentError(msg)
    if isinstance(data, str):
        return data
    if data is True:  # the caller says the data are real KASCADE data
        return "Open Data"
    if data is False:
        return "Simulation"
    return NO_CLAIM


def kascade_label(
    ax: Axes,
    label: Any = None,
    *,
    text: str = "KASCADE",
    data: bool | str | None = None,
    rlabel: str = "",
    loc: int = 0,
    fontsize: float | None = None,
) -> tuple[Any, ...]:
    """Write the experiment label above the axes: the bold "KASCADE", what the data are, and a right label.

    The label says what the events are, honestly: give the :class:`~kcdc_hep.provenance.Provenance` of the file
    (``provenance_of(path)``), and a generated sample is called "synthetic data, seed 2940"; "Open Data" appears only
    for a provenance (or ``data=True``) that says the data are real KCDC data. Without either the label claims
    nothing ("KASCADE" alone).

    The texts are the axes' left and right titles, so matplotlib keeps them above everything drawn on top of the
    axes (a secondary axis such as E [PeV], its tick labels) and the layout makes room for them; they never
    overlap each other or the ticks (the right label gets a smaller font, and is left out if it cannot fit).
    mplhep's experiment label is not used: it defaults to LHC wording and is placed without regard to a top axis.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes to label.
    label : Provenance or str, optional
        What the data are: a :class:`~kcdc_hep.provenance.Provenance` (its ``label``) or the text itself
        (``"synthetic data + simulation, seed 2940"``).
    text : str
        Experiment name, bold.
    data : bool or str, optional
        The older switch, used when ``label`` is None: True → "Open Data" (say it only for real KCDC data), False →
        "Simulation", a string → that text.
    rlabel : str
        Text at the right above the axes (e.g. ``"KCDC masterclass"``; default none). It is left out when it would
        touch the left label (measured after the figure's layout).
    loc : int
        0 (above the axes, the default) or 1 (inside the axes, top left).
    fontsize : float, optional
        Font size of the experiment name (default: the style's).

    Returns
    -------
    tuple of matplotlib.text.Text
        The texts drawn: the experiment name with what the data are, and the right label (when given).
    """
    if loc not in (0, 1):
        msg = f"kascade_label: loc={loc!r}; use 0 (above the axes) or 1 (inside, top left)"
        raise ArgumentError(msg)
    what = _llabel(label, data)
    size = fontsize if fontsize is not None else mpl.rcParams["font.size"]
    if loc == 1:
        name = ax.text(0.03, 0.96, text, transform=ax.transAxes, va="top", ha="left", fontweight="bold",
                       fontsize=size)  # fmt: skip
    else:
        name = ax.set_title(text, loc="left", fontweight="bold", fontsize=size)
    drawn: list[Any] = [name]
    if what:
        what_text = ax.annotate(
            what, xy=(1.0, 0.0), xycoords=name, xytext=(0.3 * size, 0.0), textcoords="offset points",
            va="bottom", ha="left", fontstyle="italic", fontsize=0.8 * size, annotation_clip=False,
        )  # fmt: skip
        drawn.append(what_text)
    if rlabel and loc == 0:
        right = ax.set_title(rlabel, loc="right", fontsize=0.7 * size)
        if _too_wide(ax, [*drawn, right]):
            right.set_text("")  # no room beside a long left label: the left one says what matters
        else:
            drawn.append(right)
    elif rlabel:
        drawn.append(ax.text(0.97, 0.96, rlabel, transform=ax.transAxes, va="top", ha="right", fontsize=0.7 * size))
    return tuple(drawn)


def _too_wide(ax: Axes, texts: list[Any]) -> bool:
    """Whether texts placed in one line above ``ax`` are wider than the axes (with a gap of two characters).

    The figure's layout engine runs first, so that the width is the axes' final one (a legend outside shrinks it).
    """
    try:
        renderer = ax.figure.canvas.get_renderer()  # type: ignore[attr-defined]
    except AttributeError:  # pragma: no cover - backends without a renderer before drawing
        return False
    figure = ax.get_figure(root=True)
    engine = figure.get_layout_engine() if figure is not None else None
    if figure is not None and engine is not None:
        engine.execute(figure)  # type: ignore[arg-type]
    width = sum(t.get_window_extent(renderer).width for t in texts)
    gap = 2 * mpl.rcParams["font.size"] * ax.figure.dpi / 72
    return bool(width + gap > ax.get_window_extent(renderer).width)


# --------------------------------------------------------------------------------------------------- helpers
def hist_arrays(h: Any, *, what: str, ndim: int = 1) -> tuple[np.ndarray, ...]:
    """(values, variances, edges...) of a hist/boost histogram as float arrays, checking its dimension.

    Parameters
    ----------
    h : hist.Hist
        The histogram; unweighted storages without variances count as Poisson (variances = counts).
    what : str
        The caller's name, for the error message.
    ndim : int
        The number of axes ``h`` must have.

    Raises
    ------
    ArgumentError
        If ``h`` is not a histogram or has another number of axes.
    """
    if not (hasattr(h, "axes") and hasattr(h, "values")):
        msg = f"{what}: expected a histogram (hist.Hist), got {type(h).__name__}"
        raise ArgumentError(msg)
    if len(h.axes) != ndim:
        msg = f"{what}: expected a {ndim}-D histogram, got {len(h.axes)} axes ({', '.join(a.name for a in h.axes)})"
        raise ArgumentError(msg)
    values = np.asarray(h.values(), dtype=float)
    variances = h.variances()
    variances = values.copy() if variances is None else np.asarray(variances, dtype=float)
    return (values, variances, *(np.asarray(a.edges, dtype=float) for a in h.axes))


def value_with_error(value: float, error: float, *, digits: int = 2) -> str:
    """``value ± error`` rounded to ``digits`` significant digits of the error (never "± 0.000").

    >>> value_with_error(1.154731, 0.001342), value_with_error(4.771, 1.2286), value_with_error(-3.0904, 0.0667)
    ('1.1547 ± 0.0013', '4.8 ± 1.2', '-3.090 ± 0.067')
    >>> value_with_error(2.5, 0.0), value_with_error(1234.6, 56.0)
    ('2.5 ± 0', '1235 ± 56')
    """
    import math

    if not (math.isfinite(error) and error > 0):
        return f"{value:.{digits + 1}g} ± 0" if math.isfinite(value) else f"{value} ± {error}"
    decimals = max(0, digits - 1 - math.floor(math.log10(error)))
    return f"{value:.{decimals}f} ± {error:.{decimals}f}"


def legend(ax: Axes, *, inside: bool = False, **kwargs: Any) -> Any:
    """A legend of the labelled artists of ``ax``, outside the axes on the right; None when there is nothing to list.

    The legend never covers data: it stands right of the axes (the constrained layout makes room for it), top
    aligned. ``inside=True`` keeps matplotlib's placement inside the axes (``loc`` as for ``ax.legend``), for
    small panels of a grid.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
        The axes whose labelled artists are listed.
    inside : bool
        Place the legend inside the axes (at ``loc``) instead of outside on the right.
    **kwargs
        As for ``ax.legend``; ``loc`` only counts with ``inside=True``.
    """
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return None
    if not inside:
        kwargs.pop("loc", None)
        size = kwargs.get("fontsize", 16)
        kwargs["fontsize"] = min(float(size), 16.0) if isinstance(size, int | float) else size  # at most 16 pt
        return ax.legend(handles, labels, loc="upper left", bbox_to_anchor=(1.02, 1.0), borderaxespad=0.0, **kwargs)
    return ax.legend(handles, labels, **kwargs)


# --------------------------------------------------------------------------------------------------- the figures
# Imported last: each figure module takes the shared names above from this (by then initialised) module.
from kcdc_hep.plotting.classifier import (  # noqa: E402
    plot_confusion,
    plot_heavy_comparison,
    plot_ratio_comparison,
    plot_roc,
)
from kcdc_hep.plotting.events import plot_ratio, plot_size_map, plot_size_maps, plot_sizes, plot_spectrum  # noqa: E402
from kcdc_hep.plotting.results import (  # noqa: E402
    plot_element_spectra,
    plot_flux,
    plot_fractions,
    plot_heavy_fraction,
    plot_light_fraction,
    plot_mean_lnA,
)
