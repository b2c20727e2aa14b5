"""Figures of the comparison and machine-learning lessons: shapes of the ratio, and how well a classifier does.

* :func:`plot_ratio_comparison` — the ratio lgNe/lgNmu of data and simulated showers, as shapes;
* :func:`plot_confusion` — the confusion matrix of a classifier on test showers;
* :func:`plot_roc` — its ROC curve;
* :func:`plot_heavy_comparison` — the heavy fraction per energy from the classifier, the template fit, the line.

Each function draws on the ``ax`` it is given and returns a :class:`~kcdc_hep.plotting.Drawn`; see
:mod:`kcdc_hep.plotting` for the conventions. The numbers come from :mod:`kcdc_hep.ml`, :mod:`kcdc_hep.fits` and
:func:`kcdc_hep.histograms.normalized`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import mplhep
import numpy as np

from kcdc_hep.errors import ArgumentError
from kcdc_hep.histograms import normalized
from kcdc_hep.plotting import DATA_COLOR, Drawn, color_of, get_axes, hist_arrays, legend, primary_name

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from kcdc_hep.fits import HeavyFraction
    from kcdc_hep.ml import ClassifiedFraction, Evaluation

__all__ = ["plot_confusion", "plot_heavy_comparison", "plot_ratio_comparison", "plot_roc"]


def plot_ratio_comparison(histograms: Mapping[str, Any], *, ax: Axes | None = None, density: bool = True) -> Drawn:
    """Overlay ratio (lgNe/lgNmu) histograms of data and simulated showers, normalised to the same area.

    Parameters
    ----------
    histograms : mapping label → hist.Hist
        1-D ratio histograms with the same binning (:func:`kcdc_hep.histograms.ratio`). The label ``"data"`` is
        drawn as black points; a primary's symbol (``"p"``, ``"Fe"``) picks its colour and name.
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    density : bool
        Divide each histogram by its number of showers and the bin width, so that shapes compare.

    Returns
    -------
    Drawn
        ``artists`` by label.
    """
    ax = get_axes(ax)
    if not histograms:
        msg = "plot_ratio_comparison: no histograms given; pass a mapping label → ratio histogram"
        raise ArgumentError(msg)
    artists: dict[str, Any] = {}
    edges = np.zeros(2)
    for label, h in histograms.items():
        values, variances, edges = hist_arrays(h, what="plot_ratio_comparison")
        if density:
            values, variances, edges = hist_arrays(normalized(h), what="plot_ratio_comparison")
        errors = np.sqrt(variances)
        if label == "data":
            centres = 0.5 * (edges[1:] + edges[:-1])
            ok = values > 0
            artists[label] = ax.errorbar(centres[ok], values[ok], yerr=errors[ok], fmt="o", color=DATA_COLOR,
                                         label="data", markersize=5)  # fmt: skip
        else:
            artists[label] = mplhep.histplot(values, edges, ax=ax, histtype="step", color=color_of(label),
                                             label=f"simulated {primary_name(label)}", flow=None)  # fmt: skip
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(0, None)
    ax.set_xlabel("lg(Ne) / lg(Nμ)")
    ax.set_ylabel("fraction of showers per unit ratio" if density else "showers per bin")
    legend(ax, loc="upper right")
    return Drawn(ax, artists)


def plot_confusion(evaluation: Evaluation, *, ax: Axes | None = None, normalise: bool = True) -> Drawn:
    """The confusion matrix: true class (rows) against the classifier's answer (columns), with the counts written in.

    Parameters
    ----------
    evaluation : Evaluation
        From :func:`kcdc_hep.ml.evaluate`.
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    normalise : bool
        Colour by the fraction of each true class (each row sums to 1); the counts are written in any case.

    Returns
    -------
    Drawn
        ``artists["matrix"]`` (the image) and ``artists["texts"]``.
    """
    ax = get_axes(ax)
    counts = np.asarray(evaluation.confusion, dtype=float)
    rows = counts.sum(axis=1, keepdims=True)
    shown = np.divide(counts, rows, out=np.zeros_like(counts), where=rows > 0) if normalise else counts
    image = ax.imshow(shown, cmap="Blues", vmin=0, vmax=1 if normalise else None)
    texts = []
    for i in range(2):
        for j in range(2):
            share = f"\n{100 * shown[i, j]:.0f}%" if normalise else ""
            colour = "white" if shown[i, j] > 0.6 * (shown.max() or 1) else "black"
            texts.append(ax.text(j, i, f"{int(counts[i, j])}{share}", ha="center", va="center", color=colour,
                                 fontsize="large"))  # fmt: skip
    names = ["light", "heavy"]
    ax.set_xticks([0, 1], labels=names)
    ax.set_yticks([0, 1], labels=names)
    ax.tick_params(which="minor", length=0)
    ax.set_xlabel("classifier says")
    ax.set_ylabel("true primary")
    ax.set_title(f"test showers: {100 * evaluation.accuracy:.1f}% right")
    return Drawn(ax, {"matrix": image, "texts": texts})


def plot_roc(evaluation: Evaluation, *, ax: Axes | None = None, label: str = "classifier") -> Drawn:
    """The ROC curve: heavy showers found (true-positive rate) against light showers wrongly called heavy.

    The diagonal is guessing; the closer the curve comes to the top left corner, the better. The dot marks the
    threshold used for the accuracy.

    Returns
    -------
    Drawn
        ``artists["curve"]``, ``"guess"``, ``"point"``.
    """
    ax = get_axes(ax)
    (curve,) = ax.plot(evaluation.roc_false_positive, evaluation.roc_true_positive, color="#0072B2",
                       label=f"{label} (area {evaluation.auc:.2f})")  # fmt: skip
    (guess,) = ax.plot([0, 1], [0, 1], color="#999999", ls="--", label="guessing (area 0.50)")
    (point,) = ax.plot([evaluation.light_mistag], [evaluation.heavy_efficiency], "o", color="#D55E00",
                       label=f"threshold {evaluation.threshold:g}")  # fmt: skip
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("light showers called heavy (fraction)")
    ax.set_ylabel("heavy showers found (fraction)")
    legend(ax, loc="lower right")
    return Drawn(ax, {"curve": curve, "guess": guess, "point": point})


def plot_heavy_comparison(
    *,
    classified: ClassifiedFraction | None = None,
    template: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None,
    line: HeavyFraction | None = None,
    ax: Axes | None = None,
) -> Drawn:
    """Heavy fraction per energy bin from up to three methods, side by side.

    Parameters
    ----------
    classified : ClassifiedFraction, optional
        From :func:`kcdc_hep.ml.classified_fraction`: the corrected fraction is drawn (the raw one faintly).
    template : (energy_edges, fraction, error), optional
        The heavy fraction of the template fit (:func:`kcdc_hep.ml.template_heavy_fraction` with the fit's edges).
    line : HeavyFraction, optional
        Fraction above the light/heavy line (:func:`kcdc_hep.fits.heavy_fraction`; not corrected).
    ax : matplotlib.axes.Axes, optional
        Where to draw.

    Returns
    -------
    Drawn
        ``artists`` by method.
    """
    ax = get_axes(ax)
    artists: dict[str, Any] = {}
    lo, hi = np.inf, -np.inf

    def draw(key: str, edges: Any, y: Any, err: Any, offset: float, **kw: Any) -> None:
        nonlocal lo, hi
        edges = np.asarray(edges, dtype=float)
        y, err = np.asarray(y, dtype=float), np.asarray(err, dtype=float)
        centres = 0.5 * (edges[1:] + edges[:-1])
        ok = np.isfinite(y)
        shift = offset * np.diff(edges)
        artists[key] = ax.errorbar(centres[ok] + shift[ok], y[ok], yerr=err[ok], **kw)
        lo, hi = min(lo, edges[0]), max(hi, edges[-1])

    if classified is not None:
        draw("raw", classified.energy_edges, classified.raw, classified.raw_error, -0.1, fmt="o", mfc="none",
             color="#0072B2", alpha=0.5, label="classifier: called heavy")  # fmt: skip
        draw("classifier", classified.energy_edges, classified.corrected, classified.corrected_error, 0.0, fmt="o",
             color="#0072B2", label="classifier: corrected")  # fmt: skip
    if template is not None:
        draw("template", template[0], template[1], template[2], 0.1, fmt="s", color="#D55E00",
             label="template fit (C + Si + Fe)")  # fmt: skip
    if line is not None:
        draw("line", line.energy_edges, line.fraction, line.error, 0.2, fmt="^", color="#CC79A7",
             label="above the light/heavy line")  # fmt: skip
    if not artists:
        msg = "plot_heavy_comparison: nothing to draw; pass classified=, template= or line="
        raise ArgumentError(msg)
    ax.set_ylim(0, 1)
    ax.set_xlim(lo, hi)
    ax.set_xlabel("energy lg(E/eV)")
    ax.set_ylabel("fraction of heavy showers")
    legend(ax, loc="upper left", fontsize=14)
    return Drawn(ax, artists)
