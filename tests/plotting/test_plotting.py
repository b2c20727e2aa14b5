"""The masterclass figures: drawn on the given axes, labelled with units, KASCADE wording, never blank."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from typing import Any

import matplotlib

matplotlib.use("Agg")

import awkward as ak
import hist
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from kcdc_hep import fits, histograms, plotting
from kcdc_hep.errors import ArgumentError

CheckFigure = Callable[[Figure], np.ndarray]
Texts = Callable[[Figure], list[str]]

#: every name ``kcdc_hep.plotting`` offered before it became a package (the masterclass and notebooks use them)
NAMES_BEFORE_SPLIT = {
    "DATA_COLOR", "PRIMARY_COLORS", "PRIMARY_MARKERS", "SIZE_COLORS", "CMAP", "Drawn", "kascade_label", "style",
    "color_of", "plot_flux", "plot_fractions", "plot_heavy_fraction", "plot_mean_lnA", "plot_ratio", "plot_size_map",
    "plot_size_maps", "plot_sizes", "plot_spectrum",
}  # fmt: skip


# ------------------------------------------------------------------------------------------------ helpers
def new_ax() -> tuple[Figure, object]:
    fig = Figure()
    return fig, fig.subplots()


@pytest.fixture
def composition() -> fits.CompositionResult:
    edges = np.array([15.0, 15.5, 16.0, 16.5])
    fr = np.array([[0.5, 0.2, 0.1, 0.1, 0.1], [0.4, 0.2, 0.15, 0.15, 0.1], [np.nan] * 5])
    err = np.where(np.isfinite(fr), 0.03, np.nan)
    lna = np.log([1, 4, 12, 28, 56])
    return fits.CompositionResult(
        primaries=("p", "He", "C", "Si", "Fe"),
        lnA=tuple(lna),
        energy_edges=edges,
        fractions=fr,
        fraction_errors=err,
        covariance=np.zeros((3, 5, 5)),
        mean_lnA=fr @ lna,
        mean_lnA_err=np.array([0.1, 0.12, np.nan]),
        n_data=np.array([1000, 400, 20]),
        valid=np.array([True, True, False]),
        observable="2d",
        method="da",
    )


# ------------------------------------------------------------------------------------------------ figures
def test_spectrum_log_axis_with_pev_axis(events: ak.Array, check_figure: CheckFigure) -> None:
    fig, ax = new_ax()
    with plotting.style():
        drawn = plotting.plot_spectrum(histograms.spectrum(events), ax=ax)
        plotting.kascade_label(ax, data=True)
        check_figure(fig)
    assert drawn.ax is ax
    assert ax.get_yscale() == "log"
    assert "lg(E/eV)" in ax.get_xlabel()
    assert ax.get_ylabel().startswith("events")
    assert drawn["pev_axis"].get_xlabel() == "E [PeV]"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["data"]


def test_spectrum_overlays_a_mapping_with_primary_colours(events: ak.Array) -> None:
    _, ax = new_ax()
    hs = {p: histograms.spectrum(events[events.primary == p]) for p in ("p", "Fe")}
    drawn = plotting.plot_spectrum(hs, ax=ax, pev_axis=False)
    assert set(drawn.artists) == {"p", "Fe"}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["p", "Fe"]
    with pytest.raises(ArgumentError, match="no histogram"):
        plotting.plot_spectrum({}, ax=ax)


def test_sizes_overlaid(events: ak.Array, check_figure: CheckFigure) -> None:
    fig, ax = new_ax()
    with plotting.style():
        drawn = plotting.plot_sizes(histograms.sizes(events), ax=ax)
        plotting.kascade_label(ax)
        check_figure(fig)
    assert set(drawn.artists) == {"lgNe", "lgNmu"}
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["electrons lg(Ne)", "muons lg(Nμ)"]
    assert "lg(N)" in ax.get_xlabel()
    with pytest.raises(ArgumentError, match="sizes"):
        plotting.plot_sizes(histograms.spectrum(events), ax=ax)


def test_size_maps_fill_the_given_grid(events: ak.Array, check_figure: CheckFigure, texts: Texts) -> None:
    h = histograms.size_map(events, by_primary=True)
    line = fits.separation_line(events)
    fig = Figure(figsize=(15, 10))
    grid = fig.subplots(2, 2)
    with plotting.style():
        drawn = plotting.plot_size_maps(h, axes=grid, line=line)
        plotting.kascade_label(grid[0, 0], data=False)
        check_figure(fig)
    assert set(drawn.artists) == {"p", "Fe", "colorbar"}  # He, C, Si are empty here
    assert "proton (p)" in [t.get_text() for t in grid[0, 0].texts]
    assert "Simulation" in " ".join(texts(fig))
    assert not grid[1, 0].axison and not grid[1, 1].axison  # spare axes switched off
    for ax in grid.ravel()[:2]:
        assert ax.get_xlabel() == "electrons lg(Ne)" and ax.get_ylabel() == "muons lg(Nμ)"
        assert len(ax.lines) == 1  # the separation line
    with pytest.raises(ArgumentError, match="axes"):
        plotting.plot_size_maps(h, axes=[grid[0, 0]])
    with pytest.raises(ArgumentError, match="by_primary"):
        plotting.plot_size_maps(histograms.size_map(events), axes=grid)


def test_size_map_data_with_line(events: ak.Array, check_figure: CheckFigure) -> None:
    fig, ax = new_ax()
    line = fits.separation_line(events)
    with plotting.style():
        drawn = plotting.plot_size_map(histograms.size_map(events), ax=ax, line=line)
        plotting.kascade_label(ax)
        check_figure(fig)
    assert {"map", "line", "colorbar"} <= set(drawn.artists)
    assert drawn["colorbar"].ax.get_ylabel() == "events per bin"
    x, y = drawn["line"].get_data()
    assert np.allclose(y, line.slope * x + line.intercept)
    assert "light/heavy line" in ax.get_legend().get_texts()[0].get_text()


def test_ratio_with_gaussian_in_legend(events: ak.Array, check_figure: CheckFigure) -> None:
    h = histograms.ratio(events)
    fit = fits.fit_gauss(h)
    fig, ax = new_ax()
    with plotting.style():
        drawn = plotting.plot_ratio(h, fit, ax=ax)
        plotting.kascade_label(ax)
        check_figure(fig)
    legend = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert f"μ = {plotting.value_with_error(fit['Mean'], fit.error('Mean'))}" in legend
    assert f"σ = {plotting.value_with_error(fit['Sigma'], fit.error('Sigma'))}" in legend
    assert "± 0.000\n" not in legend + "\n"
    _, y = drawn["fit"].get_data()
    assert y.max() == pytest.approx(fit["Constant"], rel=1e-3)
    assert "lg(Ne) / lg(Nμ)" in ax.get_xlabel()


def test_fractions_and_mean_lnA(composition: fits.CompositionResult, check_figure: CheckFigure) -> None:
    fig = Figure(figsize=(10, 12))
    top, bottom = fig.subplots(2, 1)
    with plotting.style():
        fr = plotting.plot_fractions(composition, ax=top)
        ln = plotting.plot_mean_lnA(composition, ax=bottom)
        plotting.kascade_label(top, data="Data + Simulation")
        check_figure(fig)
    assert set(fr.artists) == {"p", "He", "C", "Si", "Fe"}
    # invalid bins are not drawn: 2 points per primary
    assert len(fr["p"].lines[0].get_xdata()) == 2
    assert fr["p"].lines[0].get_color() == plotting.PRIMARY_COLORS["p"]
    assert [round(line.get_ydata()[0], 2) for line in ln["reference"]] == [0.0, 1.39, 2.48, 3.33, 4.03]
    assert "lg(E/eV)" in bottom.get_xlabel() and "ln A" in bottom.get_ylabel()
    assert top.get_ylim() == (0.0, 1.0)


def test_flux_with_knee_and_reference(events: ak.Array, check_figure: CheckFigure) -> None:
    flux = fits.flux_spectrum(events, bins=(15, 15.0, 16.5), zenith_max_deg=18.0)
    knee = fits.fit_knee(flux, model="smooth", sharpness=10.0, method="poisson")
    reference = fits.FluxSpectrum(**{**flux.__dict__, "label": "published KASCADE", "counts": None})
    fig, ax = new_ax()
    with plotting.style():
        drawn = plotting.plot_flux(flux, knee, ax=ax, reference=reference)
        plotting.kascade_label(ax)
        check_figure(fig)
    assert {"data", "fit", "knee", "reference"} <= set(drawn.artists)
    assert ax.get_xscale() == ax.get_yscale() == "log"
    assert "[PeV]" in ax.get_xlabel() and "GeV$^{1.7}$" in ax.get_ylabel()
    legend = " ".join(t.get_text() for t in ax.get_legend().get_texts())
    assert plotting.value_with_error(knee.E_knee_PeV, knee.E_knee_err_PeV) in legend and "published KASCADE" in legend
    assert drawn["knee"].get_xdata()[0] == pytest.approx(knee.E_knee_PeV)


def test_published_element_spectra_alone_with_knees(check_figure: CheckFigure) -> None:
    """Without unfolded spectra the published groups are drawn, each named in the legend, with the knee fits."""
    from kcdc_hep.reference import published_element_spectra

    spectra = published_element_spectra()
    knees = {"p": fits.fit_knee(spectra.flux_spectrum("H"), model="sharp")}
    fig, ax = new_ax()
    with plotting.style():
        drawn = plotting.plot_element_spectra(published=spectra, knees=knees, ax=ax)
        plotting.kascade_label(ax, "published 2024")
        check_figure(fig)
    assert {"published H", "published Fe", "knee p"} <= set(drawn.artists)
    assert not {"p", "He", "C", "Si", "Fe"} & set(drawn.artists)  # no unfolded points
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert plotting.primary_name("p") in legend and plotting.primary_name("Fe") in legend
    x, _ = drawn["knee p"].get_data()
    assert x[0] == pytest.approx(10 ** (spectra.lgE_centers[0] - 15)) and x[-1] == pytest.approx(
        10 ** (spectra.lgE_centers[-1] - 15)
    )
    with pytest.raises(ArgumentError, match="give unfolded spectra"):
        plotting.plot_element_spectra(ax=ax)


def test_heavy_fraction(events: ak.Array, check_figure: CheckFigure) -> None:
    line = fits.separation_line(events)
    hf = fits.heavy_fraction(events, line, energy_bins=(6, 15.0, 16.5))
    fig, ax = new_ax()
    with plotting.style():
        drawn = plotting.plot_heavy_fraction(hf, ax=ax)
        plotting.kascade_label(ax)
        check_figure(fig)
    y = drawn["data"].lines[0].get_ydata()
    assert np.all((y >= 0) & (y <= 1)) and len(y) == np.isfinite(hf.fraction).sum()
    assert "lg(E/eV)" in ax.get_xlabel() and ax.get_ylabel() == "heavy fraction"


# ------------------------------------------------------------------------------------------------ label, style
@pytest.mark.parametrize(
    ("data", "expected"), [(True, "Open Data"), (False, "Simulation"), ("Simulation", "Simulation")]
)
def test_kascade_label_never_lhc(data: bool | str, expected: str, check_figure: CheckFigure, texts: Texts) -> None:
    fig, ax = new_ax()
    ax.plot([0, 1], [0, 1])
    drawn = plotting.kascade_label(ax, data=data)
    words = " ".join(t.get_text() for t in drawn if t is not None)
    assert "KASCADE" in words and expected in " ".join(texts(fig))
    check_figure(fig)


def test_style_is_a_context_not_global() -> None:
    before = dict(matplotlib.rcParams)
    with plotting.style():
        assert matplotlib.rcParams["font.size"] == 20
        assert matplotlib.rcParams["axes.prop_cycle"].by_key()["color"][1] == "#E69F00"
    assert matplotlib.rcParams["font.size"] == before["font.size"]
    assert matplotlib.rcParams["axes.prop_cycle"] == before["axes.prop_cycle"]


def test_new_figure_when_no_ax(events: ak.Array) -> None:
    drawn = plotting.plot_spectrum(histograms.spectrum(events))
    assert drawn.ax.figure is not None
    plt.close(drawn.ax.figure)


def test_primary_colours_one_table() -> None:
    assert plotting.color_of("fe") == plotting.color_of("Fe") == plotting.PRIMARY_COLORS["Fe"]
    assert plotting.color_of("co") == plotting.PRIMARY_COLORS["C"]
    assert len(set(plotting.PRIMARY_COLORS.values())) == len(plotting.PRIMARY_COLORS)


def test_bad_histogram_is_a_plain_error() -> None:
    _, ax = new_ax()
    with pytest.raises(ArgumentError, match="expected a histogram"):
        plotting.plot_ratio([1, 2, 3], ax=ax)
    h2 = hist.Hist.new.Reg(3, 0, 1).Reg(3, 0, 1).Int64()
    with pytest.raises(ArgumentError, match="1-D"):
        plotting.plot_ratio(h2, ax=ax)


def test_import_kcdc_hep_does_not_import_matplotlib() -> None:
    code = "import sys, kcdc_hep; kcdc_hep.Cuts; print('matplotlib' in sys.modules, 'mplhep' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]


def test_single_spectrum_is_black_whatever_its_label(events: ak.Array) -> None:
    _, ax = new_ax()
    drawn = plotting.plot_spectrum(histograms.spectrum(events), ax=ax, label="measured showers", pev_axis=False)
    assert matplotlib.colors.to_hex(drawn["measured showers"][0].stairs.get_edgecolor()) == "#000000"


def test_every_name_of_the_single_module_is_still_there() -> None:
    assert set(plotting.__all__) >= NAMES_BEFORE_SPLIT
    assert all(callable(getattr(plotting, name)) or name.isupper() for name in plotting.__all__)
    figures = {name: getattr(plotting, name).__module__ for name in plotting.__all__ if name.startswith("plot_")}
    assert set(figures.values()) == {
        "kcdc_hep.plotting.events",
        "kcdc_hep.plotting.results",
        "kcdc_hep.plotting.classifier",
    }


def test_shared_helpers() -> None:
    fig, ax = new_ax()
    assert plotting.get_axes(ax) is ax
    made = plotting.get_axes(None)
    assert made.figure is not fig
    plt.close(made.figure)
    assert plotting.legend(ax) is None  # nothing labelled: no empty legend box
    ax.plot([0, 1], [0, 1], label="a line")
    assert [t.get_text() for t in plotting.legend(ax, loc="upper left").get_texts()] == ["a line"]
    assert plotting.primary_name("fe") == "iron (Fe)" and plotting.primary_name("xyz") == "xyz"
    h = hist.Hist.new.Reg(2, 0, 1).Int64().fill([0.1, 0.2, 0.7])
    values, variances, edges = plotting.hist_arrays(h, what="test")
    assert values.tolist() == variances.tolist() == [2.0, 1.0] and edges.tolist() == [0.0, 0.5, 1.0]


# ------------------------------------------------------------------------------------------------ honest labels
def _boxes(fig: Figure, artists: list[Any]) -> list[Any]:
    renderer = fig.canvas.get_renderer()
    return [a.get_window_extent(renderer) for a in artists]


def test_kascade_label_claims_nothing_by_default(check_figure: CheckFigure, texts: Texts) -> None:
    fig, ax = new_ax()
    ax.plot([0, 1], [0, 1])
    plotting.kascade_label(ax)
    check_figure(fig)
    assert "Open Data" not in " ".join(texts(fig))


def test_kascade_label_says_synthetic_for_a_generated_sample(check_figure: CheckFigure, texts: Texts) -> None:
    from kcdc_hep.provenance import Provenance

    prov = Provenance(synthetic=True, seed=2940, source="kcdc_hep generator", label="synthetic data, seed 2940")
    fig, ax = new_ax()
    ax.plot([0, 1], [0, 1])
    drawn = plotting.kascade_label(ax, prov)
    check_figure(fig)
    words = " ".join(texts(fig))
    assert "synthetic data, seed 2940" in words and "Open Data" not in words
    assert [t.get_text().strip() for t in drawn] == ["KASCADE", "synthetic data, seed 2940"]
    with pytest.raises(ArgumentError, match="Provenance or a text"):
        plotting.kascade_label(ax, 42)


def test_labels_never_overlap_ticks_top_axis_or_each_other(events: ak.Array) -> None:
    """The spectrum has a secondary E [PeV] axis on top: the label stands above it, the right label beside it."""
    fig = Figure(figsize=(10, 7.5))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    with plotting.style():
        fig.set_layout_engine("constrained")
        drawn = plotting.plot_spectrum(histograms.spectrum(events), ax=ax, label="showers")
        labels = plotting.kascade_label(ax, "synthetic data + simulation, seed 2940", rlabel="KCDC masterclass")
        fig.canvas.draw()
    top = drawn["pev_axis"]
    tick_texts = [t for t in top.get_xticklabels() if t.get_text()] + [top.xaxis.label]
    label_boxes = _boxes(fig, [t for t in labels if t.get_text()])
    for box in label_boxes:
        for other in _boxes(fig, tick_texts):
            assert not box.overlaps(other), "a label touches the top axis"
    for i, a in enumerate(label_boxes):
        for b in label_boxes[i + 1 :]:
            assert not a.overlaps(b), "the labels touch each other"


def test_legend_stands_outside_the_data(events: ak.Array) -> None:
    fig = Figure(figsize=(10, 7.5))
    FigureCanvasAgg(fig)
    ax = fig.subplots()
    with plotting.style():
        fig.set_layout_engine("constrained")
        h = histograms.ratio(events)
        plotting.plot_ratio(h, fits.fit_gauss(h), ax=ax, label="data")
        fig.canvas.draw()
    (legend_box,) = _boxes(fig, [ax.get_legend()])
    assert legend_box.x0 >= ax.get_window_extent().x1  # right of the axes, never on the peak


def test_math_text_draws_without_a_font_warning(caplog: pytest.LogCaptureFixture) -> None:
    """Figures are drawn after the style block ends (in a notebook): no "findfont: 'cursive'" warning then."""
    fig, ax = new_ax()
    with plotting.style():
        ax.set_ylabel("E$^{2.7}$ · flux [GeV$^{1.7}$]")
    with caplog.at_level("WARNING", logger="matplotlib.font_manager"):
        FigureCanvasAgg(fig).draw()
    assert not [r for r in caplog.records if "cursive" in r.getMessage()]


@pytest.mark.parametrize(
    ("value", "error", "text"),
    [(1.154731, 0.0000412, "1.154731 ± 0.000041"), (4.771, 1.2286, "4.8 ± 1.2"), (593.0, 8.47, "593.0 ± 8.5")],
)
def test_fit_values_with_significant_digits(value: float, error: float, text: str) -> None:
    assert plotting.value_with_error(value, error) == text


# ------------------------------------------------------------------------------------------------ German figures
def test_figures_speak_german_in_a_german_notebook(events: ak.Array) -> None:
    plotting.set_language("de")
    try:
        with plotting.style():
            fig, ax = plt.subplots()
            plotting.plot_spectrum(histograms.spectrum(events), ax=ax, label="data")
            plotting.kascade_label(ax, "synthetic data, seed 2940")
        texts = [t.get_text() for t in fig.findobj(matplotlib.text.Text) if t.get_text()]
        assert "Energie lg(E/eV)" in texts and "Daten" in texts and "synthetische Daten, Seed 2940" in texts
        assert "KASCADE" in texts  # the experiment's name stays
        assert not any("energy" in t or "showers" in t for t in texts)
        plt.close(fig)
    finally:
        plotting.set_language("en")
    with plotting.style():
        fig, ax = plt.subplots()
        plotting.plot_spectrum(histograms.spectrum(events), ax=ax)
    assert ax.get_xlabel() == "energy lg(E/eV)"  # English again
    plt.close(fig)
    with pytest.raises(ArgumentError, match="come in en, de"):
        plotting.set_language("fr")


def test_named_ticks_are_translated_too() -> None:
    fig, ax = plt.subplots()
    ax.set_xticks([0, 1], ["light", "heavy"])
    plotting.translate_figure(fig, "de")
    fig.canvas.draw()
    assert [t.get_text() for t in ax.get_xticklabels()] == ["leicht", "schwer"]
    plt.close(fig)


def test_every_axis_label_of_the_figures_has_a_german_phrase() -> None:
    """Each fixed English label the figure modules write is translated (the table covers the figures)."""
    import re
    from pathlib import Path

    from kcdc_hep.plotting.language import translate

    folder = Path(plotting.__file__).parent
    labels: set[str] = set()
    for module in ("events.py", "results.py", "classifier.py"):
        source = (folder / module).read_text(encoding="utf-8")
        labels |= set(re.findall(r'set_[xy]label\("([^"$]+)"\)', source))
    labels -= {"E [PeV]", "lg(Ne) / lg(Nμ)"}  # symbols and units only
    assert labels and all(translate(label, "de") != label for label in labels), labels
