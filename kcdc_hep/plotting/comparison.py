"""A-vs-B figures of two histograms with the same binning: an overlay in 1-D, two panels side by side in 2-D.

The functions take bin contents as arrays (with the bin edges) or histogram objects (``hist.Hist``, uproot's
TH1/TH2, anything with ``values()``, ``variances()`` and ``axes``), draw on the axes they are given and compute
nothing. :func:`comparison_figure` builds a whole :class:`matplotlib.figure.Figure` without pyplot, so a caller can
save it (``fig.savefig(path)``) in any program without choosing a matplotlib backend; this is what
``kcdc_hep.analyses.compare.compare_files(plot_dir=...)`` and ``kcdc-hep compare --plot DIR`` do.

>>> import numpy as np
>>> from kcdc_hep.plotting.comparison import comparison_figure
>>> fig = comparison_figure(np.array([3.0, 5, 2]), np.array([3.0, 6, 2]), edges=(np.array([0.0, 1, 2, 3]),))
>>> [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
['A', 'B']
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import mplhep
import numpy as np
from matplotlib.figure import Figure

from kcdc_hep.errors import ArgumentError
from kcdc_hep.plotting import Drawn

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["comparison_figure", "mathtext", "plot_overlay", "plot_side_by_side"]


def mathtext(root_title: str) -> str:
    """A ROOT axis title (``lg(N_{#mu})``) as matplotlib mathtext (``$lg(N_{\\mu})$``); plain titles unchanged.

    >>> mathtext("lg(N_{#mu})"), mathtext("zenith angle [deg]")
    ('$lg(N_{\\\\mu})$', 'zenith angle [deg]')
    """
    if "#" not in root_title and "_{" not in root_title and "^{" not in root_title:
        return root_title
    text = root_title.replace("#", "\\")
    return f"${text}$".replace(" ", "\\ ")


def _arrays(
    h: Any, edges: Sequence[Any] | None, variances: Any, *, ndim: int, what: str
) -> tuple[np.ndarray, np.ndarray | None, tuple[np.ndarray, ...]]:
    """(values, variances or None, edges per axis) of an array with edges or of a histogram object."""
    if hasattr(h, "values") and hasattr(h, "axes"):
        values = np.asarray(h.values(), dtype=float)
        var = h.variances() if variances is None else variances
        found = []
        for axis in h.axes:
            e = axis.edges
            found.append(np.asarray(e() if callable(e) else e, dtype=float))
        axes_edges = tuple(found)
    else:
        if edges is None:
            msg = f"{what}: bin contents given as an array need edges=; or pass a histogram (hist.Hist, uproot TH1)"
            raise ArgumentError(msg)
        values = np.asarray(h, dtype=float)
        var = variances
        axes_edges = tuple(np.asarray(e, dtype=float) for e in edges)
    if values.ndim != ndim or len(axes_edges) != ndim:
        msg = f"{what}: expected {ndim}-D bin contents, got an array of shape {values.shape}"
        raise ArgumentError(msg)
    if values.shape != tuple(len(e) - 1 for e in axes_edges):
        msg = f"{what}: {values.shape} bin contents do not fit edges of {[len(e) for e in axes_edges]} values"
        raise ArgumentError(msg)
    return values, None if var is None else np.asarray(var, dtype=float), axes_edges


def _log_spaced(edges: np.ndarray) -> bool:
    """Edges over more than two decades of positive values read best on a log axis."""
    return bool(edges[0] > 0 and edges[-1] / edges[0] > 100)


def plot_overlay(
    a: Any,
    b: Any,
    *,
    edges: Sequence[Any] | None = None,
    variances: tuple[Any, Any] = (None, None),
    labels: tuple[str, str] = ("A", "B"),
    xlabel: str = "",
    ylabel: str = "entries",
    ax: Axes | None = None,
) -> Drawn:
    """Two 1-D histograms of the same binning on one axes: A as a line, B as black points with error bars.

    Parameters
    ----------
    a, b : array or histogram
        In-range bin contents (then ``edges`` is needed) or 1-D histogram objects.
    edges : sequence of one array, optional
        ``(x_edges,)`` for contents given as arrays.
    variances : pair of arrays or None
        Squared errors of A and B (error bars are ``sqrt``); None: a histogram's own, or no error bars.
    labels : pair of str
        Legend texts.
    xlabel, ylabel : str
        Axis titles.
    ax : matplotlib.axes.Axes, optional
        Where to draw (default: a new pyplot figure).

    Returns
    -------
    Drawn
        ``artists["a"]``, ``artists["b"]``.
    """
    va, ea, (xa,) = _arrays(a, edges, variances[0], ndim=1, what="plot_overlay A")
    vb, eb, (xb,) = _arrays(b, edges, variances[1], ndim=1, what="plot_overlay B")
    if len(xa) != len(xb) or not np.allclose(xa, xb):
        msg = f"plot_overlay: A and B have different bin edges ({len(xa) - 1} vs {len(xb) - 1} bins)"
        raise ArgumentError(msg)
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    artists = {
        "a": mplhep.histplot(va, xa, yerr=None if ea is None else np.sqrt(ea), ax=ax, label=labels[0]),
        "b": mplhep.histplot(
            vb, xb, yerr=None if eb is None else np.sqrt(eb), ax=ax, label=labels[1], histtype="errorbar", color="black"
        ),
    }
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if _log_spaced(xa):
        ax.set_xscale("log")
    ax.legend()
    return Drawn(ax, artists)


def plot_side_by_side(
    a: Any,
    b: Any,
    *,
    edges: Sequence[Any] | None = None,
    labels: tuple[str, str] = ("A", "B"),
    xlabel: str = "",
    ylabel: str = "",
    axes: Sequence[Axes] | None = None,
) -> Drawn:
    """Two 2-D histograms as colour maps on two axes, A left and B right, with the same axis titles.

    Parameters
    ----------
    a, b : 2-D array or histogram
        In-range bin contents (x along axis 0; then ``edges`` is needed) or 2-D histogram objects.
    edges : pair of arrays, optional
        ``(x_edges, y_edges)`` for contents given as arrays.
    labels : pair of str
        Titles of the two panels.
    xlabel, ylabel : str
        Axis titles of both panels.
    axes : two matplotlib axes, optional
        Where to draw (default: a new pyplot figure with two panels).

    Returns
    -------
    Drawn
        ``artists["a"]``, ``artists["b"]`` (the colour meshes), ``"a_colorbar"``, ``"b_colorbar"``; ``ax`` is the
        pair of axes.
    """
    va, _, (xa, ya) = _arrays(a, edges, None, ndim=2, what="plot_side_by_side A")
    vb, _, (xb, yb) = _arrays(b, edges, None, ndim=2, what="plot_side_by_side B")
    if axes is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(1, 2, figsize=(12, 5))
    if len(axes) != 2:
        msg = f"plot_side_by_side: needs two axes, got {len(axes)}"
        raise ArgumentError(msg)
    artists: dict[str, Any] = {}
    for key, ax, values, x, y, label in (("a", axes[0], va, xa, ya, labels[0]), ("b", axes[1], vb, xb, yb, labels[1])):
        # pcolormesh on the given axes (mplhep.hist2dplot would make them pyplot's current axes)
        artists[key] = ax.pcolormesh(x, y, values.T)
        artists[f"{key}_colorbar"] = ax.figure.colorbar(artists[key], ax=ax)
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.set_title(label, fontsize=10)
        if _log_spaced(y):
            ax.set_yscale("log")
    return Drawn(tuple(axes), artists)


def comparison_figure(
    a: Any,
    b: Any,
    *,
    edges: Sequence[Any] | None = None,
    variances: tuple[Any, Any] = (None, None),
    labels: tuple[str, str] = ("A", "B"),
    axis_labels: Sequence[str] = (),
    title: str = "",
) -> Figure:
    """A figure comparing A and B (an overlay for 1-D, two panels for 2-D), made without pyplot.

    The figure belongs to no pyplot window and needs no backend: save it with ``fig.savefig(path)``; it is freed
    when it is no longer referenced.

    Parameters
    ----------
    a, b : array or histogram
        1-D or 2-D in-range bin contents (with ``edges``) or histogram objects.
    edges : sequence of arrays, optional
        Bin edges per axis for contents given as arrays.
    variances : pair of arrays or None
        1-D only: squared errors of A and B.
    labels : pair of str
        Names of A and B (legend or panel titles).
    axis_labels : sequence of str
        x (and y) axis titles; a 1-D y axis without a title says "entries".
    title : str
        Figure title, after "KASCADE (KCDC masterclass) ·" (ROOT's ``#`` markup is dropped).

    Returns
    -------
    matplotlib.figure.Figure
    """
    ndim = len(a.axes) if hasattr(a, "axes") and hasattr(a, "values") else np.ndim(a)
    names = [*axis_labels, "", ""]
    if ndim == 1:
        fig = Figure(figsize=(7, 5))
        ax = fig.add_subplot()
        plot_overlay(
            a, b, edges=edges, variances=variances, labels=labels, xlabel=names[0], ylabel=names[1] or "entries", ax=ax
        )
    else:
        fig = Figure(figsize=(12, 5))
        plot_side_by_side(a, b, edges=edges, labels=labels, xlabel=names[0], ylabel=names[1], axes=fig.subplots(1, 2))
    fig.suptitle(f"KASCADE (KCDC masterclass) · {title.replace('#', '')}", fontsize=11)
    fig.tight_layout()
    return fig
