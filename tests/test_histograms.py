"""Histograms have the right axes, units and contents, and add up over chunks."""

from __future__ import annotations

import awkward as ak
import hist
import numpy as np
import pytest

from kcdc_hep import histograms
from kcdc_hep.errors import ArgumentError, MissingColumnError


@pytest.fixture
def events(rng: np.random.Generator) -> ak.Array:
    n = 20_000
    return ak.Array(
        {
            "lgE": rng.uniform(14.0, 18.0, n),
            "lgNe": rng.normal(5.0, 0.5, n),
            "lgNmu": rng.normal(4.2, 0.4, n),
            "zenith": rng.uniform(0.0, 18.0, n),
            "azimuth": rng.uniform(0.0, 360.0, n),
            "core_x": rng.uniform(-90.0, 90.0, n),
            "core_y": rng.uniform(-90.0, 90.0, n),
            "primary": rng.choice(["p", "He", "C", "Si", "Fe"], n),
        }
    )


@pytest.mark.parametrize(
    ("function", "field", "label", "edges"),
    [
        (histograms.spectrum, "lgE", "lg(E/eV)", (14.0, 18.0, 40)),
        (histograms.zenith, "zenith", "zenith angle [deg]", (0.0, 60.0, 30)),
        (histograms.azimuth, "azimuth", "azimuth angle [deg]", (0.0, 360.0, 36)),
    ],
)
def test_one_dimensional_histograms_match_numpy(
    events: ak.Array, function: object, field: str, label: str, edges: tuple[float, float, int]
) -> None:
    h = function(events)  # type: ignore[operator]
    axis = h.axes[0]
    assert (axis.name, axis.label) == (field, label)
    assert (axis.edges[0], axis.edges[-1], len(axis)) == edges
    assert h.storage_type is hist.storage.Int64
    expected, _ = np.histogram(ak.to_numpy(events[field]), bins=axis.edges)
    np.testing.assert_array_equal(h.values(), expected)


def test_spectrum_takes_plain_values_and_custom_bins() -> None:
    values = np.array([14.05, 14.15, 15.5, 17.95])
    assert histograms.spectrum(values).sum() == 4
    assert len(histograms.spectrum(values, bins=8).axes[0]) == 8
    h = histograms.spectrum(values, bins=(2, 14.0, 16.0))
    assert h.values().tolist() == [2, 1]
    v = histograms.spectrum(values, bins=[14.0, 14.1, 16.0, 18.0])
    assert v.values().tolist() == [1, 2, 1]


def test_weights_switch_to_weight_storage_with_sum_of_squares(events: ak.Array) -> None:
    w = np.full(len(events), 2.0)
    h = histograms.spectrum(events, weight=w)
    assert h.storage_type is hist.storage.Weight
    unweighted = histograms.spectrum(events)
    np.testing.assert_allclose(h.values(), 2 * unweighted.values())
    np.testing.assert_allclose(h.variances(), 4 * unweighted.values())
    by_name = histograms.spectrum(ak.with_field(events, w, "w"), weight="w")
    np.testing.assert_allclose(by_name.values(), h.values())


def test_sizes_share_one_axis_with_a_quantity_category(events: ak.Array) -> None:
    h = histograms.sizes(events)
    assert [a.name for a in h.axes] == ["size", "quantity"]
    assert list(h.axes["quantity"]) == ["lgNe", "lgNmu"]
    inside = (ak.to_numpy(events.lgNmu) >= 2) & (ak.to_numpy(events.lgNmu) < 8)
    assert h[:, "lgNmu"].sum() == np.count_nonzero(inside)
    assert h[:, "lgNe"].values().argmax() > h[:, "lgNmu"].values().argmax()  # electrons outnumber muons


def test_size_map_overall_and_per_primary(events: ak.Array) -> None:
    h = histograms.size_map(events)
    assert [(a.name, a.label) for a in h.axes] == [("lgNe", "lg(Ne)"), ("lgNmu", "lg(Nmu)")]
    by = histograms.size_map(events, by_primary=True)
    assert list(by.axes["primary"]) == ["p", "He", "C", "Si", "Fe"]
    np.testing.assert_array_equal(by.project("lgNe", "lgNmu").values(), h.values())
    n_fe = int(ak.sum(events.primary == "Fe"))
    assert by[:, :, "Fe"].sum(flow=True) == n_fe


def test_size_map_by_primary_needs_the_primary_field(events: ak.Array) -> None:
    with pytest.raises(MissingColumnError, match="primary"):
        histograms.size_map(events[["lgNe", "lgNmu"]], by_primary=True)


def test_unknown_primary_gets_its_own_category() -> None:
    ev = ak.Array({"lgNe": [5.0, 5.0], "lgNmu": [4.0, 4.0], "primary": ["p", "gamma"]})
    h = histograms.size_map(ev, by_primary=True)
    assert list(h.axes["primary"]) == ["p", "He", "C", "Si", "Fe", "gamma"]


def test_core_map_and_ratio(events: ak.Array) -> None:
    core = histograms.core_map(events)
    assert [(a.name, a.label) for a in core.axes] == [("core_x", "core x [m]"), ("core_y", "core y [m]")]
    assert core.sum() == len(events)
    r = histograms.ratio(events)
    assert r.axes[0].label == "lgNe / lgNmu"
    assert r.axes[0].edges[0] == pytest.approx(0.6) and r.axes[0].edges[-1] == pytest.approx(1.6)
    expected, _ = np.histogram(ak.to_numpy(events.lgNe / events.lgNmu), bins=r.axes[0].edges)
    np.testing.assert_array_equal(r.values(), expected)


def test_accumulate_over_chunks_equals_one_fill(events: ak.Array) -> None:
    chunks = [events[i : i + 5000] for i in range(0, len(events), 5000)]
    total = histograms.accumulate(histograms.size_map(c, by_primary=True) for c in chunks)
    np.testing.assert_array_equal(total.values(), histograms.size_map(events, by_primary=True).values())


def test_accumulate_refuses_nothing_and_mismatched_binning(events: ak.Array) -> None:
    with pytest.raises(ArgumentError, match="no histograms"):
        histograms.accumulate([])
    with pytest.raises(ArgumentError, match="different axes"):
        histograms.accumulate([histograms.spectrum(events), histograms.spectrum(events, bins=10)])


@pytest.mark.parametrize("bins", [0, (5, 2.0, 1.0), [1.0, 1.0, 2.0], [3.0]])
def test_bad_binning_is_refused(bins: object) -> None:
    with pytest.raises(ArgumentError, match=r"bins|bin edges"):
        histograms.spectrum(np.array([15.0]), bins=bins)  # type: ignore[arg-type]


def test_weight_length_must_match(events: ak.Array) -> None:
    with pytest.raises(ArgumentError, match="one weight per event"):
        histograms.spectrum(events, weight=np.ones(3))


def test_accumulated_count_histograms_can_be_fitted(rng: np.random.Generator) -> None:
    from kcdc_hep.fits import fit_gauss

    chunks = [ak.Array({"lgNe": rng.normal(5.5, 0.3, 5000), "lgNmu": np.full(5000, 5.0)}) for _ in range(3)]
    total = histograms.accumulate(histograms.ratio(c) for c in chunks)
    assert total.variances() is not None
    assert fit_gauss(total).valid
