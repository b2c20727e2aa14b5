"""The figures of the masterclass job: which ones, in which layout, as PNG bytes (the drawing is in plotting)."""

from __future__ import annotations

import io
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

from kcdc_hep.analyses.masterclass.stream import DataHistograms, SimHistograms
from kcdc_hep.analyses.masterclass.summary import Analyses, Failure
from kcdc_hep.spectrum import FluxSpectrum

__all__ = ["FIGURES", "draw_figures"]

#: The figures of the job: file stem → title (the report's captions are in report.py).
FIGURES: MappingProxyType[str, str] = MappingProxyType(
    {
        "spectrum": "Energy spectrum",
        "sizes": "Electron and muon numbers",
        "size_maps_simulation": "Simulated showers of p … Fe in the electron–muon plane",
        "size_map_data": "Measured showers in the electron–muon plane",
        "ratio": "The ratio lg(Ne)/lg(Nμ) with a Gaussian fit",
        "composition": "Composition and mean mass versus energy",
        "heavy_fraction": "Heavy fraction versus energy",
        "flux": "All-particle flux and the knee",
    }
)


def _png(fig: Any) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=130)
    return buf.getvalue()


def _nothing(ax: Any, text: str) -> None:
    """An empty panel saying why there is nothing to show."""
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize="small")
    ax.set_xlabel("energy lg(E/eV)")


def draw_figures(
    sim: SimHistograms, data: DataHistograms, analyses: Analyses, reference: FluxSpectrum | None
) -> dict[str, bytes]:
    """Every figure of :data:`FIGURES` as PNG bytes (a panel says so where an analysis could not be done)."""
    from matplotlib.figure import Figure

    from kcdc_hep import plotting as plot

    a = analyses
    line = None if isinstance(a.separation_line, Failure) else a.separation_line
    pngs: dict[str, bytes] = {}

    def single(
        name: str,
        draw: Callable[[Any], Any],
        *,
        data: bool | str = True,
        loc: int = 0,
        rlabel: str = "KCDC masterclass",
    ) -> None:
        fig = Figure()
        ax = fig.subplots()
        draw(ax)
        plot.kascade_label(ax, data=data, loc=loc, rlabel=rlabel)
        pngs[name] = _png(fig)

    def spectrum(ax: Any) -> None:
        plot.plot_spectrum(data.spectrum, ax=ax, label="measured showers")
        lo, hi = ax.get_ylim()
        ax.set_ylim(lo, hi * 30)  # headroom for the label inside the axes

    def heavy(ax: Any) -> None:
        if isinstance(a.heavy_fraction, Failure):
            _nothing(ax, "no light/heavy line (see summary.json)")
        else:
            plot.plot_heavy_fraction(a.heavy_fraction, ax=ax)

    def flux(ax: Any) -> None:
        if isinstance(a.flux, Failure):
            _nothing(ax, "no flux measured (see summary.json)")
        else:
            knee = None if isinstance(a.knee, Failure) else a.knee
            plot.plot_flux(a.flux, knee, ax=ax, reference=reference)

    gauss = None if isinstance(a.gauss, Failure) else a.gauss
    with plot.style():
        single("spectrum", spectrum, loc=1, rlabel="")  # the top axis (E in PeV) takes the space above
        single("sizes", lambda ax: plot.plot_sizes(data.sizes, ax=ax))
        fig = Figure(figsize=(18, 10.5))
        grid = fig.subplots(2, 3, sharex=True, sharey=True)
        plot.plot_size_maps(sim.size_map, axes=grid, line=line)
        plot.kascade_label(grid[0, 0], data=False, rlabel="")
        pngs["size_maps_simulation"] = _png(fig)
        single("size_map_data", lambda ax: plot.plot_size_map(data.size_map, ax=ax, line=line))
        single("ratio", lambda ax: plot.plot_ratio(data.ratio, gauss, ax=ax, label="measured showers"))
        fig = Figure(figsize=(10, 12))
        top, bottom = fig.subplots(2, 1, sharex=True)
        if isinstance(a.composition, Failure):
            _nothing(top, "composition fit not possible (see summary.json)")
        else:
            plot.plot_fractions(a.composition, ax=top)
            plot.plot_mean_lnA(a.composition, ax=bottom)
        plot.kascade_label(top, data="Data + Simulation")
        pngs["composition"] = _png(fig)
        single("heavy_fraction", heavy, data="Data + Simulation")
        single("flux", flux)
    return pngs
