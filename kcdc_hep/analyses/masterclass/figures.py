"""The figures of the masterclass job: which ones, in which layout, as PNG bytes (the drawing is in plotting)."""

from __future__ import annotations

import io
from collections.abc import Callable, Collection, Mapping
from dataclasses import replace
from types import MappingProxyType
from typing import Any

import numpy as np

from kcdc_hep.analyses.masterclass.stream import DataHistograms, SimHistograms
from kcdc_hep.analyses.masterclass.summary import Analyses, Failure
from kcdc_hep.fits import SeparationLine
from kcdc_hep.reference import (
    GROUP_ELEMENTS,
    published_all_particle,
    published_element_spectra,
    published_mean_lnA,
)
from kcdc_hep.spectrum import FluxSpectrum
from kcdc_hep.unfolding import LIGHT_HEAVY

__all__ = [
    "DPI",
    "FIGURES",
    "HISTOGRAM_FIGURES",
    "RESULT_FIGURES",
    "draw_figures",
    "draw_histogram_figures",
    "draw_result_figures",
    "import_plotting",
    "published_light_fraction",
    "unfolded_all_particle",
]

#: The figures of the job: file stem → title (the report's captions are in report.py).
FIGURES: MappingProxyType[str, str] = MappingProxyType(
    {
        "spectrum": "Energy spectrum",
        "sizes": "Electron and muon numbers",
        "size_maps_simulation": "Simulated showers of p … Fe in the electron–muon plane",
        "size_map_data": "Measured showers in the electron–muon plane",
        "ratio": "The ratio lg(Ne)/lg(Nμ) with a Gaussian fit",
        "composition": "Composition and mean mass versus energy",
        "light_heavy": "Light and heavy cosmic rays versus energy",
        "heavy_fraction": "Heavy fraction versus energy",
        "element_spectra": "The energy spectrum of each element",
        "flux": "All-particle flux and the knee",
    }
)


def published_light_fraction() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The light fraction (p + He) of the published KASCADE element spectra: lgE edges, fraction, error.

    The error propagates the groups' statistical and systematic errors as independent (the paper gives no
    covariance), so it is indicative.
    """
    s = published_element_spectra()
    light = sum(np.asarray(s.flux[g]) for g in GROUP_ELEMENTS if GROUP_ELEMENTS[g] in LIGHT_HEAVY["light"])
    heavy = sum(np.asarray(s.flux[g]) for g in GROUP_ELEMENTS if GROUP_ELEMENTS[g] in LIGHT_HEAVY["heavy"])
    total = light + heavy
    var_l = sum(s.total_error(g) ** 2 for g in GROUP_ELEMENTS if GROUP_ELEMENTS[g] in LIGHT_HEAVY["light"])
    var_h = sum(s.total_error(g) ** 2 for g in GROUP_ELEMENTS if GROUP_ELEMENTS[g] in LIGHT_HEAVY["heavy"])
    err = np.sqrt(heavy**2 * var_l + light**2 * var_h) / total**2
    return np.asarray(s.lgE_edges), np.asarray(light / total), np.asarray(err)


def unfolded_all_particle(result: Any) -> FluxSpectrum:
    """The sum of the unfolded element spectra as a flux spectrum (true energy, anti-correlations included)."""
    total = result.combined({"all": result.groups})
    edges = 10.0 ** (np.asarray(total.lgE_edges) - 9.0)
    flux, err = np.nan_to_num(total.flux[0]), np.nan_to_num(total.flux_err[0])
    return FluxSpectrum(
        energy_GeV=np.sqrt(edges[1:] * edges[:-1]),
        flux=flux,
        flux_err_low=np.minimum(err, flux),
        flux_err_high=err,
        energy_edges_GeV=edges,
        label="sum of the unfolded elements (true energy)",
    )


#: Resolution of the PNG files (dots per inch): 1300 × 975 pixels for a single figure.
DPI = 130
#: The figures that need only the histograms (and the light/heavy line), not the fits: drawn while the fits run.
HISTOGRAM_FIGURES = ("spectrum", "sizes", "size_maps_simulation", "size_map_data")
#: The figures of fit results.
RESULT_FIGURES = ("ratio", "composition", "light_heavy", "heavy_fraction", "element_spectra", "flux")


def import_plotting() -> None:
    """Import what drawing the figures needs (matplotlib, the plotting module, Pillow: about 0.7 s).

    The job calls it once before it forks the processes that draw, so that they inherit the modules.
    """
    import matplotlib.backends.backend_agg
    import matplotlib.figure
    import PIL.Image

    from kcdc_hep import plotting

    del matplotlib, PIL, plotting


def _png(fig: Any) -> bytes:
    """The figure as PNG bytes (RGB, :data:`DPI`), drawn once.

    ``savefig`` draws a figure twice (once for the constrained layout, once for the pixels); here the one draw of the
    canvas does both, and the opaque figure is stored without an alpha channel (smaller, faster to compress).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = FigureCanvasAgg(fig)
    fig.set_dpi(DPI)
    canvas.draw()
    rgb = np.asarray(canvas.buffer_rgba())[..., :3]
    buf = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(buf, format="png", dpi=(DPI, DPI))
    return buf.getvalue()


def _nothing(ax: Any, text: str) -> None:
    """An empty panel saying why there is nothing to show."""
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize="small")
    ax.set_xlabel("energy lg(E/eV)")


class _Canvas:
    """Draws the job's figures into PNG bytes, in the masterclass style, with the labels of the inputs."""

    def __init__(self, labels: Mapping[str, str] | None) -> None:
        from kcdc_hep import plotting

        self.plot = plotting
        self.names = {"data": "", "simulation": "", "both": "", **(labels or {})}
        self.pngs: dict[str, bytes] = {}

    def single(
        self,
        name: str,
        draw: Callable[[Any], Any],
        *,
        which: str = "data",
        loc: int = 0,
        rlabel: str = "KCDC masterclass",
    ) -> None:
        """A figure of one axes."""
        from matplotlib.figure import Figure

        fig = Figure()
        ax = fig.subplots()
        draw(ax)
        self.plot.kascade_label(ax, self.names[which] or None, loc=loc, rlabel=rlabel)
        self.pngs[name] = _png(fig)

    def wide(self, name: str, draw: Callable[[Any], Any], *, which: str = "both") -> None:
        """A figure with room on the right for a legend outside the axes."""
        from matplotlib.figure import Figure

        fig = Figure(figsize=(15, 7.5))
        ax = fig.subplots()
        draw(ax)
        self.plot.kascade_label(ax, self.names[which] or None, rlabel="")
        self.pngs[name] = _png(fig)


def draw_histogram_figures(
    sim: SimHistograms,
    data: DataHistograms,
    line: SeparationLine | None,
    *,
    labels: Mapping[str, str] | None = None,
) -> dict[str, bytes]:
    """The figures of :data:`HISTOGRAM_FIGURES` as PNG bytes: they need the histograms and the line, no fit."""
    from matplotlib.figure import Figure

    c = _Canvas(labels)
    plot = c.plot

    def spectrum(ax: Any) -> None:
        plot.plot_spectrum(data.spectrum, ax=ax, label="measured showers")
        lo, hi = ax.get_ylim()
        ax.set_ylim(lo, hi * 30)  # headroom for the label inside the axes

    with plot.style():
        c.single("spectrum", spectrum, loc=1, rlabel="")  # the top axis (E in PeV) takes the space above
        c.single("sizes", lambda ax: plot.plot_sizes(data.sizes, ax=ax))
        fig = Figure(figsize=(18, 10.5))
        grid = fig.subplots(2, 3, sharex=True, sharey=True)
        plot.plot_size_maps(sim.size_map, axes=grid, line=line)
        plot.kascade_label(grid[0, 0], c.names["simulation"] or None, rlabel="")
        c.pngs["size_maps_simulation"] = _png(fig)
        c.single("size_map_data", lambda ax: plot.plot_size_map(data.size_map, ax=ax, line=line))
    return c.pngs


def draw_result_figures(
    data: DataHistograms,
    analyses: Analyses,
    reference: FluxSpectrum | None,
    *,
    labels: Mapping[str, str] | None = None,
    names: Collection[str] = RESULT_FIGURES,
) -> dict[str, bytes]:
    """The figures ``names`` of :data:`RESULT_FIGURES` (those that show fit results) as PNG bytes."""
    from matplotlib.figure import Figure

    c = _Canvas(labels)
    plot = c.plot
    a = analyses

    def heavy(ax: Any) -> None:
        if isinstance(a.heavy_fraction, Failure):
            _nothing(ax, "no light/heavy line (see summary.json)")
        else:
            plot.plot_heavy_fraction(a.heavy_fraction, ax=ax)

    spectra = None if isinstance(a.element_spectra, Failure) else a.element_spectra
    comp = a.composition_fits

    def flux(ax: Any) -> None:
        if isinstance(a.flux, Failure):
            _nothing(ax, "no flux measured (see summary.json)")
        else:
            knee = None if isinstance(a.knee, Failure) else a.knee
            others = [unfolded_all_particle(spectra.result)] if spectra is not None else []
            published = reference or replace(published_all_particle(), label="KASCADE 2005 (published, QGSJet 01)")
            plot.plot_flux(a.flux, knee, ax=ax, reference=published, others=others, label="measured (up to 18°)")

    def light_heavy(ax: Any) -> None:
        if isinstance(comp.light_heavy, Failure):
            _nothing(ax, "light/heavy fit not possible (see summary.json)")
        else:
            unfolded = spectra.light_heavy if spectra is not None else None
            plot.plot_light_fraction(comp.light_heavy, ax=ax, unfolded=unfolded, published=published_light_fraction())

    def element_spectra(ax: Any) -> None:
        if spectra is None:
            _nothing(ax, f"no element spectra: {a.element_spectra} (see summary.json)")
        else:
            knees = {g: k for g, k in spectra.knees.items() if not isinstance(k, Failure)}
            plot.plot_element_spectra(spectra.result, ax=ax, published=published_element_spectra(), knees=knees)

    gauss = None if isinstance(a.gauss, Failure) else a.gauss

    def composition() -> None:
        fig = Figure(figsize=(14, 12))
        top, bottom = fig.subplots(2, 1, sharex=True)
        if isinstance(a.composition, Failure):
            _nothing(top, "composition fit not possible (see summary.json)")
        else:
            plot.plot_fractions(a.composition, ax=top, resolved=comp.resolved)
            top.legend(**_OUTSIDE, fontsize=14)
            unfolded = spectra.result if spectra is not None else None
            plot.plot_mean_lnA(a.composition, ax=bottom, published=published_mean_lnA(), unfolded=unfolded,
                               label="<ln A> from the fit (reconstructed energy)")  # fmt: skip
        plot.kascade_label(top, c.names["both"] or None)
        c.pngs["composition"] = _png(fig)

    figures: dict[str, Callable[[], None]] = {
        "ratio": lambda: c.single(
            "ratio", lambda ax: plot.plot_ratio(data.ratio, gauss, ax=ax, label="measured showers")
        ),
        "composition": composition,
        "light_heavy": lambda: c.wide("light_heavy", light_heavy),
        "heavy_fraction": lambda: c.single("heavy_fraction", heavy, which="both"),
        "element_spectra": lambda: c.wide("element_spectra", element_spectra),
        "flux": lambda: c.single("flux", flux),
    }
    with plot.style():
        for name in names:
            figures[name]()
    return c.pngs


def draw_figures(
    sim: SimHistograms,
    data: DataHistograms,
    analyses: Analyses,
    reference: FluxSpectrum | None,
    *,
    labels: Mapping[str, str] | None = None,
) -> dict[str, bytes]:
    """Every figure of :data:`FIGURES` as PNG bytes, in its order (a panel says so where an analysis could not be done).

    ``labels`` says what the events are, for the figure labels: ``{"data": ..., "simulation": ..., "both": ...}``
    (:meth:`Inputs.label`, e.g. "synthetic data, seed 2940"); without it the figures claim nothing about the data.
    The job itself draws :func:`draw_histogram_figures` in another process while it fits, then
    :func:`draw_result_figures`.
    """
    line = None if isinstance(analyses.separation_line, Failure) else analyses.separation_line
    pngs = {
        **draw_histogram_figures(sim, data, line, labels=labels),
        **draw_result_figures(data, analyses, reference, labels=labels),
    }
    return {name: pngs[name] for name in FIGURES}


_OUTSIDE = {"loc": "upper left", "bbox_to_anchor": (1.02, 1.0), "borderaxespad": 0.0}
