"""Helpers for the masterclass notebooks: sliders on a figure, and tables of showers with units.

:func:`explore` puts sliders (ipywidgets) on a drawing function where a student should explore a cut value, an
energy bin or a binning; without ipywidgets, or when a notebook runs headless, it simply draws once with the
starting values. The ``explore_*`` functions are the ready-made explorers of the notebooks, and :func:`table` shows
the first showers of a file with the unit of every column.

The figures themselves are drawn by :mod:`kcdc_hep.plotting`; the figures of the comparison and machine-learning
lessons (:func:`~kcdc_hep.plotting.plot_ratio_comparison`, :func:`~kcdc_hep.plotting.plot_confusion`,
:func:`~kcdc_hep.plotting.plot_roc`, :func:`~kcdc_hep.plotting.plot_heavy_comparison`) can also be called from
here, as the notebooks do (``lesson.plot_roc(...)``).
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

import matplotlib.pyplot as plt
import numpy as np

from kcdc_hep import histograms, plotting, settings
from kcdc_hep.errors import FitError
from kcdc_hep.plotting import plot_confusion, plot_heavy_comparison, plot_ratio_comparison, plot_roc
from kcdc_hep.schema import FIELDS, MASS_GROUPS
from kcdc_hep.selections import column

__all__ = [
    "WORK_FOLDER",
    "Table",
    "class_sample",
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
    "widgets_wanted",
    "work_folder",
]

#: The folder, next to the notebook, that notebooks write their files into (ignored by git in the repository).
WORK_FOLDER = "work"
#: Environment variables that show a notebook runs in a front end that draws widgets: Jupyter Server (JupyterLab,
#: Notebook, JupyterHub) names the session of every kernel it starts; VS Code and Colab set their own.
_FRONTEND_VARIABLES = ("JPY_SESSION_NAME", "VSCODE_PID", "COLAB_RELEASE_TAG")


def class_sample(name: str) -> Path:
    """The class sample ``name`` (``"sample1"``, ``"sample2"``, ``"sample3"``): the workspace's copy, else the built-in.

    A workspace made by ``kcdc-hep lab``, ``prepare_class.sh`` or the JupyterHub has the class samples in ``data/``
    next to the notebooks (links to the samples the tutor prepared, of the size the tutor chose); those are used
    when present. Anywhere else (the repository's ``notebooks/`` folder, a notebook copied on its own) the built-in
    default sample is used, generated into the user cache on first use. Either way the showers are *synthetic*:
    :func:`kcdc_hep.provenance.provenance_of` says so, with the seed.

    Parameters
    ----------
    name : str
        One of :data:`kcdc_hep.simulation.samples.SAMPLE_NAMES`.

    Returns
    -------
    pathlib.Path
        The file to read.
    """
    from kcdc_hep.simulation import samples

    file_name = samples.FILES.get(name, name)
    local = Path("data") / file_name
    if local.is_file():
        return local
    return Path(samples.default_sample(name, progress=widgets_wanted()))  # a widget bar only where one is drawn


def work_folder() -> Path:
    """The folder ``work/`` next to the notebook, created if needed: where notebooks write their files.

    Nothing a notebook writes lands among the notebooks themselves (in the repository ``.gitignore`` covers
    ``notebooks/**/work/``), and a student finds every output in one place.
    """
    folder = Path(WORK_FOLDER)
    folder.mkdir(exist_ok=True)
    return folder


def widgets_wanted() -> bool:
    """Whether the explorers should show widgets: a front end that draws them is attached, and they are not off.

    ``KCDC_HEP_WIDGETS=0`` switches them off. Otherwise they are on only where a front end draws them: a kernel that
    Jupyter Server started for JupyterLab, Notebook or the JupyterHub (it sets ``JPY_SESSION_NAME``), VS Code or
    Colab. A headless run (nbclient, nbconvert, papermill, ``prepare_class.sh``, the tests) has none of these and
    gets plain figures — such runs can otherwise stall for a whole cell timeout after a widget (jupyter/nbclient#312).
    """
    if not settings.widgets_enabled():
        return False
    return any(os.environ.get(name) for name in _FRONTEND_VARIABLES)


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
    only once). Without ipywidgets, without a front end that draws widgets, or with ``KCDC_HEP_WIDGETS=0`` (see
    :func:`widgets_wanted`), the figure is drawn once with the start values.
    """

    def show(**kwargs: Any) -> None:
        draw(**kwargs)
        plt.show()

    show.__name__ = getattr(draw, "__name__", "show")
    show.__signature__ = _signature_of(draw)  # type: ignore[attr-defined]
    if not widgets_wanted():
        # headless runs (nbclient/nbconvert) can stall for a whole cell timeout after a widget: jupyter/nbclient#312
        show()
        return
    if importlib.util.find_spec("ipywidgets") is None:
        print("(install ipywidgets for sliders: pip install 'kcdc_hep[notebooks]')")
        show()
        return
    import ipywidgets
    from IPython.display import display

    panel = ipywidgets.interactive(show, **controls)
    for control in panel.children[:-1]:  # the last child is the output area
        if hasattr(control, "style") and hasattr(control.style, "description_width"):
            control.style.description_width = "initial"  # the whole name, never "zenith_m…"
            control.layout.width = "auto"
    display(panel)


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
    return plt.subplots(1, ncols, figsize=(width, 7.0) if ncols == 1 else (width, 6.0))


def explore_spectrum(events: Any) -> None:
    """Energy spectrum with a slider for the number of bins between lg(E/eV) = 14 and 18."""

    def spectrum(bins: int = 40) -> None:
        with plotting.style():
            _, ax = _figure()
            plotting.plot_spectrum(histograms.spectrum(events, bins=(bins, 14.0, 18.0)), ax=ax)
            plotting.kascade_label(ax)

    explore(spectrum, bins=(4, 120, 4))


def explore_zenith_cut(events: Any) -> None:
    """Spectrum of all showers and of those below a zenith angle set with a slider, and how many are kept."""
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
    from kcdc_hep.fits import fit_gauss

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
    from kcdc_hep.ml import evaluate

    def threshold(threshold: float = 0.5) -> None:
        result = evaluate(classifier, test, threshold=threshold)
        with plotting.style():
            _, (left, right) = _figure(ncols=2, width=18.0)
            plot_confusion(result, ax=left)
            plot_roc(result, ax=right)

    explore(threshold, threshold=(0.05, 0.95, 0.05))
