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
...     _ = plotting.kascade_label(ax, data=True)
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
from kcdc_hep.schema import lookup_primary

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = [
    "CMAP",
    "DATA_COLOR",
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
    "plot_flux",
    "plot_fractions",
    "plot_heavy_comparison",
    "plot_heavy_fraction",
    "plot_mean_lnA",
    "plot_ratio",
    "plot_ratio_comparison",
    "plot_roc",
    "plot_size_map",
    "plot_size_maps",
    "plot_sizes",
    "plot_spectrum",
    "primary_name",
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


def legend(ax: Axes, **kwargs: Any) -> Any:
    """A legend of the labelled artists of ``ax`` (keyword arguments as for ``ax.legend``); None when there are none."""
    handles, labels = ax.get_legend_handles_labels()
    return ax.legend(handles, labels, **kwargs) if handles else None


# --------------------------------------------------------------------------------------------------- the figures
# Imported last: each figure module takes the shared names above from this (by then initialised) module.
from kcdc_hep.plotting.classifier import (  # noqa: E402
    plot_confusion,
    plot_heavy_comparison,
    plot_ratio_comparison,
    plot_roc,
)
from kcdc_hep.plotting.events import plot_ratio, plot_size_map, plot_size_maps, plot_sizes, plot_spectrum  # noqa: E402
from kcdc_hep.plotting.results import plot_flux, plot_fractions, plot_heavy_fraction, plot_mean_lnA  # noqa: E402
from kcdc_hep.plotting.results import plot_element_spectra, plot_light_fraction  # noqa: E402
