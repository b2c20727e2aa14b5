"""Helpers for the masterclass notebooks: the figures of the comparison and machine-learning lessons, and sliders.

Like :mod:`kcdc_hep.plotting`, every figure function draws on the ``ax`` it is given (a new figure when None),
computes no physics and returns a :class:`~kcdc_hep.plotting.Drawn`:

* :func:`plot_ratio_comparison` — the ratio lgNe/lgNmu of measured and simulated showers, as shapes;
* :func:`plot_confusion` — the confusion matrix of a classifier on test showers;
* :func:`plot_roc` — its ROC curve;
* :func:`plot_heavy_comparison` — the heavy fraction per energy from the classifier, the template fit, the line.

:func:`explore` puts sliders (ipywidgets) on a drawing function where a student should explore a cut value, an
energy bin or a binning; without ipywidgets, or when a notebook runs headless, it simply draws once with the
starting values.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from kcdc_hep import settings
from kcdc_hep.errors import SchemaError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from kcdc_hep.fits import HeavyFraction
    from kcdc_hep.ml import ClassifiedFraction, Evaluation
    from kcdc_hep.plotting import Drawn

__all__ = [
    "Table",
    "explore",
    "explore_knee",
    "explore_ratio_fit",
    "explore_sizes_by_primary",
    "explore_spectrum",
    "explore_threshold",
    "explore_zenith_cut",
    "plot_confusion",
    "plot_heavy_comparison",
    "plot_ratio_comparison",
    "plot_roc",
    "table",
]


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    return ax


def plot_ratio_comparison(histograms: Mapping[str, Any], *, ax: Axes | None = None, density: bool = True) -> Drawn:
    """Overlay ratio (lgNe/lgNmu) histograms of measured and simulated showers, normalised to the same area.

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
    import mplhep

    from kcdc_hep.plotting import DATA_COLOR, Drawn, _legend, _primary_name, color_of

    ax = _axes(ax)
    if not histograms:
        msg = "plot_ratio_comparison: no histograms given; pass a mapping label → ratio histogram"
        raise SchemaError(msg)
    artists: dict[str, Any] = {}
    edges = np.zeros(2)
    for label, h in histograms.items():
        values = np.asarray(h.values(), dtype=float)
        edges = np.asarray(h.axes[0].edges, dtype=float)
        errors = np.sqrt(values)
        if density and values.sum() > 0:
            scale = 1.0 / (values.sum() * np.diff(edges))
            values, errors = values * scale, errors * scale
        if label == "data":
            centres = 0.5 * (edges[1:] + edges[:-1])
            ok = values > 0
            artists[label] = ax.errorbar(centres[ok], values[ok], yerr=errors[ok], fmt="o", color=DATA_COLOR,
                                         label="measured showers", markersize=5)  # fmt: skip
        else:
            artists[label] = mplhep.histplot(values, edges, ax=ax, histtype="step", color=color_of(label),
                                             label=f"simulated {_primary_name(label)}", flow=None)  # fmt: skip
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(0, None)
    ax.set_xlabel("lg(Ne) / lg(Nμ)")
    ax.set_ylabel("fraction of showers per unit ratio" if density else "showers per bin")
    _legend(ax, loc="upper right")
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
    from kcdc_hep.plotting import Drawn

    ax = _axes(ax)
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
    from kcdc_hep.plotting import Drawn, _legend

    ax = _axes(ax)
    (curve,) = ax.plot(evaluation.roc_false_positive, evaluation.roc_true_positive, color="#0072B2",
                       label=f"{label} (area {evaluation.auc:.2f})")  # fmt: skip
    (guess,) = ax.plot([0, 1], [0, 1], color="#999999", ls="--", label="guessing (area 0.50)")
    (point,) = ax.plot([evaluation.light_mistag], [evaluation.heavy_efficiency], "o", color="#D55E00",
                       label=f"threshold {evaluation.threshold:g}")  # fmt: skip
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("light showers called heavy (fraction)")
    ax.set_ylabel("heavy showers found (fraction)")
    _legend(ax, loc="lower right")
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
    from kcdc_hep.plotting import Drawn, _legend

    ax = _axes(ax)
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
        raise SchemaError(msg)
    ax.set_ylim(0, 1)
    ax.set_xlim(lo, hi)
    ax.set_xlabel("energy lg(E/eV)")
    ax.set_ylabel("fraction of heavy showers")
    _legend(ax, loc="upper left", fontsize=14)
    return Drawn(ax, artists)


def explore(draw: Callable[..., Any], **controls: Any) -> None:
    """Sliders for a drawing function: each keyword becomes a control, and moving it redraws.

    Parameters
    ----------
    draw : callable
        A function drawing one figure from its keyword arguments (it should not call ``plt.show()`` itself).
    **controls
        As for :func:`ipywidgets.interact`: ``(min, max, step)`` gives a slider, a list gives a drop-down, a
        number gives a slider around it. Each keyword's start value is ``draw``'s default for it.

    Notes
    -----
    The controls and the first figure are displayed at once (nothing is returned, so a notebook cell shows them
    only once). Without ipywidgets, or with the environment variable ``KCDC_HEP_WIDGETS=0`` (for headless
    exports: nbclient can stall after a widget cell, jupyter/nbclient#312), the figure is drawn once with the start
    values.
    """
    import matplotlib.pyplot as plt

    def show(**kwargs: Any) -> None:
        draw(**kwargs)
        plt.show()

    show.__name__ = getattr(draw, "__name__", "show")
    show.__signature__ = _signature_of(draw)  # type: ignore[attr-defined]
    if not settings.widgets_enabled():
        # headless runs (nbclient/nbconvert) can stall for a whole cell timeout after a widget: jupyter/nbclient#312
        show()
        return
    if importlib.util.find_spec("ipywidgets") is None:
        print("(install ipywidgets for sliders: pip install 'kcdc_hep[notebooks]')")
        show()
        return
    import ipywidgets
    from IPython.display import display

    display(ipywidgets.interactive(show, **controls))


def _signature_of(func: Callable[..., Any]) -> Any:
    import inspect

    return inspect.signature(func)


# ============================================================================================ tables
class Table:
    """The first rows of a table of showers, shown as an HTML table with the unit of every column."""

    def __init__(self, events: Any, rows: int = 5) -> None:
        import awkward as ak

        self.fields = [f for f in ak.fields(events) if ak.Array(events[f][:0]).ndim == 1]
        self.n = len(events)
        self.head = {f: ak.to_list(events[f][:rows]) for f in self.fields}
        self.rows = min(rows, self.n)

    @staticmethod
    def _unit(name: str) -> str:
        from kcdc_hep.schema import FIELDS

        return FIELDS[name].unit if name in FIELDS else ""

    @staticmethod
    def _cell(value: Any) -> str:
        if isinstance(value, float):
            return f"{value:.5g}"
        return str(value)

    def __repr__(self) -> str:
        widths = {f: max(len(f), len(self._unit(f)), *(len(self._cell(v)) for v in self.head[f])) for f in self.fields}
        lines = ["  ".join(f"{f:>{widths[f]}}" for f in self.fields)]
        lines.append("  ".join(f"{self._unit(f):>{widths[f]}}" for f in self.fields))
        for i in range(self.rows):
            lines.append("  ".join(f"{self._cell(self.head[f][i]):>{widths[f]}}" for f in self.fields))
        lines.append(f"... {self.n} showers in all")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        import html

        head = "".join(f"<th>{html.escape(f)}</th>" for f in self.fields)
        units = "".join(f"<td><i>{html.escape(self._unit(f))}</i></td>" for f in self.fields)
        body = "".join(
            "<tr>" + "".join(f"<td>{html.escape(self._cell(self.head[f][i]))}</td>" for f in self.fields) + "</tr>"
            for i in range(self.rows)
        )
        return (
            f"<table><tr>{head}</tr><tr>{units}</tr>{body}</table><p>… {self.n} showers in all (one row per shower)</p>"
        )


def table(events: Any, rows: int = 5) -> Table:
    """The first ``rows`` showers as a table with units (shown nicely in a notebook).

    >>> import awkward as ak
    >>> print(table(ak.Array({"lgE": [15.0, 14.5], "zenith": [10.0, 20.0]}), rows=1))
         lgE  zenith
    lg(E/eV)     deg
          15      10
    ... 2 showers in all
    """
    return Table(events, rows)


# ============================================================================================ ready-made explorers
def _figure(*, ncols: int = 1, width: float = 10.0) -> tuple[Any, Any]:
    import matplotlib.pyplot as plt

    return plt.subplots(1, ncols, figsize=(width, 7.0) if ncols == 1 else (width, 6.0))


def explore_spectrum(events: Any) -> None:
    """Energy spectrum with a slider for the number of bins between lg(E/eV) = 14 and 18."""
    from kcdc_hep import histograms, plotting

    def spectrum(bins: int = 40) -> None:
        with plotting.style():
            _, ax = _figure()
            plotting.plot_spectrum(histograms.spectrum(events, bins=(bins, 14.0, 18.0)), ax=ax)
            plotting.kascade_label(ax)

    explore(spectrum, bins=(4, 120, 4))


def explore_zenith_cut(events: Any) -> None:
    """Spectrum of all showers and of those below a zenith angle set with a slider, and how many are kept."""
    from kcdc_hep import histograms, plotting
    from kcdc_hep.selections import column

    zenith = column(events, "zenith", where="explore_zenith_cut")

    def zenith_cut(zenith_max_deg: float = 18.0) -> None:
        kept = events[zenith <= zenith_max_deg]
        with plotting.style():
            _, ax = _figure()
            plotting.plot_spectrum(
                {
                    "all showers": histograms.spectrum(events),
                    f"zenith ≤ {zenith_max_deg:g}°": histograms.spectrum(kept),
                },
                ax=ax,
            )
            ax.set_title(f"kept {len(kept)} of {len(events)} showers ({100 * len(kept) / max(len(events), 1):.0f}%)")

    explore(zenith_cut, zenith_max_deg=(2.0, 60.0, 2.0))


def explore_sizes_by_primary(simulation: Any) -> None:
    """Electron or muon numbers of simulated p … Fe showers in one energy bin (drop-downs for both)."""
    from kcdc_hep import histograms, plotting
    from kcdc_hep.schema import MASS_GROUPS
    from kcdc_hep.selections import column

    lgE = column(simulation, "lgE", where="explore_sizes_by_primary")
    primary = column(simulation, "primary", where="explore_sizes_by_primary").astype(str)
    bins = ["14.0-14.5", "14.5-15.0", "15.0-15.5", "15.5-16.0", "16.0-17.0"]
    labels = {"muons lgNmu": "lgNmu", "electrons lgNe": "lgNe"}

    def sizes(energy_bin: str = "15.0-15.5", particles: str = "muons lgNmu") -> None:
        lo, hi = (float(x) for x in energy_bin.split("-"))
        name = labels[particles]
        with plotting.style():
            _, ax = _figure()
            for p in MASS_GROUPS:
                sel = (lgE >= lo) & (lgE < hi) & (primary == p)
                if not sel.any():
                    continue
                h: Any = histograms.sizes(simulation[sel], bins=(60, 2.0, 8.0))[:, name]
                values = np.asarray(h.values(), dtype=float)
                ax.stairs(values / values.sum(), h.axes[0].edges, color=plotting.color_of(p), lw=2.5,
                          label=f"{p} ({int(sel.sum())} showers)")  # fmt: skip
            ax.set_xlabel(f"{particles.split()[0]} lg(N)")
            ax.set_ylabel("fraction of showers per 0.1")
            ax.set_title(f"simulated showers with {lo:g} ≤ lg(E/eV) < {hi:g}")
            ax.legend(loc="upper right")

    explore(sizes, energy_bin=bins, particles=list(labels))


def explore_ratio_fit(simulation: Any) -> None:
    """The ratio lgNe/lgNmu of one simulated primary in one energy bin, with its Gaussian fit (drop-downs)."""
    from kcdc_hep import histograms, plotting
    from kcdc_hep.errors import FitError
    from kcdc_hep.fits import fit_gauss
    from kcdc_hep.schema import MASS_GROUPS
    from kcdc_hep.selections import column

    lgE = column(simulation, "lgE", where="explore_ratio_fit")
    primaries = column(simulation, "primary", where="explore_ratio_fit").astype(str)
    bins = ["all energies", "14.0-14.5", "14.5-15.0", "15.0-15.5", "15.5-16.0", "16.0-17.0"]

    def ratio(particle: str = "p", energy_bin: str = "all energies") -> None:
        sel = primaries == particle
        if energy_bin != "all energies":
            lo, hi = (float(x) for x in energy_bin.split("-"))
            sel &= (lgE >= lo) & (lgE < hi)
        h = histograms.ratio(simulation[sel])
        try:
            fit = fit_gauss(h)
        except FitError:
            fit = None
        with plotting.style():
            _, ax = _figure()
            plotting.plot_ratio(h, fit, ax=ax, label=f"simulated {particle}, {energy_bin}")
            if fit is None:
                ax.set_title("too few showers for a fit")

    explore(ratio, particle=list(MASS_GROUPS), energy_bin=bins)


def explore_knee(spectrum: Any) -> None:
    """Fit the knee of an all-particle spectrum: sharp or smooth bend, and the energy range of the fit (sliders)."""
    from kcdc_hep import plotting
    from kcdc_hep.errors import FitError
    from kcdc_hep.fits import fit_knee

    def knee(model: Literal["sharp", "smooth"] = "sharp", lowest_PeV: float = 1.0, highest_PeV: float = 100.0) -> None:
        try:
            result = fit_knee(spectrum, model=model, sharpness=None if model == "sharp" else 5.0,
                              energy_range_GeV=(lowest_PeV * 1e6, highest_PeV * 1e6))  # fmt: skip
        except FitError as err:
            result = None
            print(f"no fit: {err}")
        with plotting.style():
            _, ax = _figure()
            plotting.plot_flux(spectrum, result, ax=ax, label=spectrum.label or "spectrum")

    explore(knee, model=["sharp", "smooth"], lowest_PeV=(1.0, 10.0, 0.5), highest_PeV=(10.0, 100.0, 5.0))


def explore_threshold(classifier: Any, test: Any) -> None:
    """Confusion matrix and ROC point of a classifier for a threshold set with a slider."""
    from kcdc_hep import plotting
    from kcdc_hep.ml import evaluate

    def threshold(threshold: float = 0.5) -> None:
        result = evaluate(classifier, test, threshold=threshold)
        with plotting.style():
            _, (left, right) = _figure(ncols=2, width=18.0)
            plot_confusion(result, ax=left)
            plot_roc(result, ax=right)

    explore(threshold, threshold=(0.05, 0.95, 0.05))
