"""Figures of the comparison and machine-learning lessons: they draw exactly the numbers of the records they get."""

from __future__ import annotations

from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")

import awkward as ak
import numpy as np
import pytest
from matplotlib.figure import Figure

from kcdc_hep import histograms, plotting
from kcdc_hep.errors import ArgumentError
from kcdc_hep.fits import HeavyFraction
from kcdc_hep.ml import ClassifiedFraction, Evaluation

CheckFigure = Callable[[Figure], np.ndarray]


def new_ax() -> tuple[Figure, object]:
    fig = Figure()
    return fig, fig.subplots()


@pytest.fixture
def evaluation() -> Evaluation:
    """A classifier's record on 100 light and 50 heavy test showers: 80 + 40 right."""
    return Evaluation(
        accuracy=0.8,
        baseline_accuracy=100 / 150,
        confusion=np.array([[80, 20], [10, 40]]),
        heavy_efficiency=0.8,
        light_mistag=0.2,
        roc_false_positive=np.array([0.0, 0.1, 0.2, 0.5, 1.0]),
        roc_true_positive=np.array([0.0, 0.5, 0.8, 0.95, 1.0]),
        auc=0.85,
        threshold=0.5,
        n_light=100,
        n_heavy=50,
    )


def test_ratio_comparison_draws_shapes_of_equal_area(events: ak.Array, check_figure: CheckFigure) -> None:
    shapes = {
        "data": histograms.ratio(events),
        "p": histograms.ratio(events[events.primary == "p"]),
        "Fe": histograms.ratio(events[events.primary == "Fe"]),
    }
    fig, ax = new_ax()
    with plotting.style():
        drawn = plotting.plot_ratio_comparison(shapes, ax=ax)
        plotting.kascade_label(ax, data="Data vs sim.")
        check_figure(fig)
    assert set(drawn.artists) == {"data", "p", "Fe"}
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["simulated proton (p)", "simulated iron (Fe)", "data"]
    assert ax.get_xlabel() == "lg(Ne) / lg(Nμ)" and ax.get_ylabel() == "fraction of showers per unit ratio"
    edges = shapes["p"].axes[0].edges
    for label in ("p", "Fe"):  # each simulated step has area 1 and the colour of its primary
        stairs = drawn[label][0].stairs
        assert np.sum(stairs.get_data().values * np.diff(edges)) == pytest.approx(1.0)
        assert matplotlib.colors.to_hex(stairs.get_edgecolor()) == plotting.PRIMARY_COLORS[label].lower()
    points = drawn["data"].lines[0]
    expected = histograms.normalized(shapes["data"]).values()
    assert np.allclose(points.get_ydata(), expected[expected > 0])


def test_ratio_comparison_counts_without_density(events: ak.Array) -> None:
    h = histograms.ratio(events)
    _, ax = new_ax()
    drawn = plotting.plot_ratio_comparison({"data": h}, ax=ax, density=False)
    counts = h.values()
    assert np.array_equal(drawn["data"].lines[0].get_ydata(), counts[counts > 0])
    assert ax.get_ylabel() == "showers per bin"
    with pytest.raises(ArgumentError, match="no histograms given"):
        plotting.plot_ratio_comparison({}, ax=ax)
    with pytest.raises(ArgumentError, match="expected a histogram"):
        plotting.plot_ratio_comparison({"data": [1, 2, 3]}, ax=ax)


def test_confusion_matrix_writes_counts_and_row_shares(evaluation: Evaluation, check_figure: CheckFigure) -> None:
    fig, ax = new_ax()
    with plotting.style():
        drawn = plotting.plot_confusion(evaluation, ax=ax)
        plotting.kascade_label(ax, data=False)
        check_figure(fig)
    assert np.allclose(drawn["matrix"].get_array(), [[0.8, 0.2], [0.2, 0.8]])  # each true class sums to 1
    assert [t.get_text() for t in drawn["texts"]] == ["80\n80%", "20\n20%", "10\n20%", "40\n80%"]
    assert ax.get_xlabel() == "classifier says" and ax.get_ylabel() == "true primary"
    assert [t.get_text() for t in ax.get_xticklabels()] == ["light", "heavy"]
    assert ax.get_title() == "test showers: 80.0% right"
    _, ax = new_ax()
    raw = plotting.plot_confusion(evaluation, ax=ax, normalise=False)
    assert np.array_equal(raw["matrix"].get_array(), evaluation.confusion)
    assert [t.get_text() for t in raw["texts"]] == ["80", "20", "10", "40"]


def test_roc_curve_with_guessing_line_and_working_point(evaluation: Evaluation, check_figure: CheckFigure) -> None:
    fig, ax = new_ax()
    with plotting.style():
        drawn = plotting.plot_roc(evaluation, ax=ax, label="boosted trees")
        plotting.kascade_label(ax, data=False)
        check_figure(fig)
    assert np.array_equal(drawn["curve"].get_xdata(), evaluation.roc_false_positive)
    assert np.array_equal(drawn["curve"].get_ydata(), evaluation.roc_true_positive)
    assert list(drawn["point"].get_xydata()[0]) == [0.2, 0.8]
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["boosted trees (area 0.85)", "guessing (area 0.50)", "threshold 0.5"]
    assert "light showers called heavy" in ax.get_xlabel() and "heavy showers found" in ax.get_ylabel()


def test_heavy_comparison_draws_each_method_given(check_figure: CheckFigure) -> None:
    edges = np.array([15.0, 15.5, 16.0, 16.5])
    classified = ClassifiedFraction(
        energy_edges=edges,
        n=np.array([100, 50, 0]),
        raw=np.array([0.4, 0.5, np.nan]),
        raw_error=np.array([0.05, 0.07, np.nan]),
        corrected=np.array([0.3, 0.45, np.nan]),
        corrected_error=np.array([0.06, 0.09, np.nan]),
        heavy_efficiency=np.array([0.8, 0.8, np.nan]),
        light_mistag=np.array([0.2, 0.2, np.nan]),
    )
    line = HeavyFraction(edges, np.array([100, 50, 10]), np.array([40, 25, 6]), np.array([0.4, 0.5, 0.6]),
                         np.array([0.05, 0.07, 0.15]))  # fmt: skip
    template = (edges, np.array([0.35, 0.5, 0.55]), np.array([0.04, 0.06, 0.1]))
    fig, ax = new_ax()
    with plotting.style():
        drawn = plotting.plot_heavy_comparison(classified=classified, template=template, line=line, ax=ax)
        plotting.kascade_label(ax, data="Data + Simulation")
        check_figure(fig)
    assert set(drawn.artists) == {"raw", "classifier", "template", "line"}
    assert np.array_equal(drawn["classifier"].lines[0].get_ydata(), [0.3, 0.45])  # NaN bins are left out
    assert np.array_equal(drawn["line"].lines[0].get_ydata(), [0.4, 0.5, 0.6])
    x_template = drawn["template"].lines[0].get_xdata()
    assert np.allclose(x_template, [15.3, 15.8, 16.3])  # shifted a little to the right: no overlap
    assert ax.get_ylim() == (0.0, 1.0) and ax.get_xlim() == (15.0, 16.5)
    assert ax.get_xlabel() == "energy lg(E/eV)" and ax.get_ylabel() == "fraction of heavy showers"
    _, ax = new_ax()
    only = plotting.plot_heavy_comparison(line=line, ax=ax)
    assert set(only.artists) == {"line"}
    with pytest.raises(ArgumentError, match="nothing to draw"):
        plotting.plot_heavy_comparison(ax=ax)
