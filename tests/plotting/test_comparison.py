"""A-vs-B figures: they draw what they are given (arrays or histograms) on the given axes, and need no pyplot."""

from __future__ import annotations

import hist
import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.figure import Figure

from kcdc_hep.errors import ArgumentError
from kcdc_hep.plotting.comparison import comparison_figure, mathtext, plot_overlay, plot_side_by_side

matplotlib.use("Agg")


def test_overlay_of_arrays_draws_a_line_and_points_on_the_given_axes() -> None:
    fig = Figure()
    ax = fig.add_subplot()
    edges = np.array([1.0, 10, 100, 1000])
    drawn = plot_overlay(
        np.array([3.0, 5, 2]), np.array([3.0, 6, 2]), edges=(edges,), variances=(None, np.array([3.0, 6, 2])),
        labels=("C++", "Python"), xlabel="E [MeV]", ax=ax,
    )  # fmt: skip
    assert drawn.ax is ax and set(drawn.artists) == {"a", "b"}
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["C++", "Python"]
    assert (ax.get_xlabel(), ax.get_ylabel(), ax.get_xscale()) == ("E [MeV]", "entries", "log")  # 3 decades
    errorbar = drawn["b"][0].errorbar
    assert errorbar is not None and errorbar.lines[0].get_color() == "black"


def test_overlay_takes_hist_objects() -> None:
    rng = np.random.default_rng(1)
    a = hist.Hist.new.Reg(20, -3, 3, name="x").Weight().fill(rng.normal(size=500))
    b = hist.Hist.new.Reg(20, -3, 3, name="x").Weight().fill(rng.normal(size=500))
    drawn = plot_overlay(a, b, ax=Figure().add_subplot())
    (step,) = drawn["a"]
    assert np.allclose(step.stairs.get_data().values, a.values()) and drawn.ax.get_xscale() == "linear"


def test_side_by_side_draws_two_colour_maps() -> None:
    fig = Figure()
    values = np.arange(12.0).reshape(3, 4)  # x along axis 0
    drawn = plot_side_by_side(values, values + 1, edges=(np.arange(4.0), np.arange(5.0)), axes=fig.subplots(1, 2),
                              labels=("A", "B"), xlabel="lg Ne", ylabel="lg Nmu")  # fmt: skip
    assert [ax.get_title() for ax in drawn.ax] == ["A", "B"]
    assert np.array_equal(drawn["a"].get_array().reshape(4, 3), values.T)
    assert drawn["b"].get_array().max() == 12
    assert len(fig.axes) == 4  # two panels and their colour bars


def test_comparison_figure_needs_no_pyplot() -> None:
    before = plt.get_fignums()
    fig = comparison_figure(
        np.ones((3, 4)), np.ones((3, 4)), edges=(np.arange(4.0), np.arange(5.0)), axis_labels=("x", "y"), title="#mu"
    )
    assert isinstance(fig, Figure) and plt.get_fignums() == before
    assert fig.get_suptitle() == "KASCADE (KCDC masterclass) · mu"


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: plot_overlay(np.ones(3), np.ones(3)), "need edges="),
        (lambda: plot_overlay(np.ones(3), np.ones(4), edges=(np.arange(4.0),)), "do not fit edges"),
        (lambda: plot_overlay(np.ones((2, 2)), np.ones(3), edges=(np.arange(4.0),)), "expected 1-D"),
        (
            lambda: plot_overlay(
                hist.Hist.new.Reg(3, 0, 3).Double(), hist.Hist.new.Reg(4, 0, 3).Double(), ax=Figure().add_subplot()
            ),
            "different bin edges",
        ),
    ],
)
def test_bad_input_says_what_to_pass(call: object, match: str) -> None:
    with pytest.raises(ArgumentError, match=match):
        call()  # type: ignore[operator]


def test_root_titles_become_mathtext() -> None:
    assert mathtext("lg(N_{#mu})") == "$lg(N_{\\mu})$"
    assert mathtext("t [ns]") == "t [ns]"
