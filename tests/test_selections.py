"""The quality cuts keep what they should, say what they did, and refuse what they cannot do."""

from __future__ import annotations

import json

import awkward as ak
import numpy as np
import pytest

from kcdc_hep.errors import ArgumentError, MissingColumnError, SchemaError
from kcdc_hep.selections import Cutflow, Cuts, column, core_distance, select


@pytest.fixture
def events(rng: np.random.Generator) -> ak.Array:
    n = 10_000
    return ak.Array(
        {
            "lgE": rng.uniform(14.0, 17.0, n),
            "lgNe": rng.uniform(3.0, 7.0, n),
            "lgNmu": rng.uniform(3.0, 6.0, n),
            "zenith": rng.uniform(0.0, 40.0, n),
            "azimuth": rng.uniform(0.0, 360.0, n),
            "core_x": rng.uniform(-120.0, 120.0, n),
            "core_y": rng.uniform(-120.0, 120.0, n),
            "age": rng.uniform(0.0, 1.6, n),
            "primary": rng.choice(["p", "He", "C", "Si", "Fe"], n),
        }
    )


def test_default_cuts_are_the_masterclass_cuts(events: ak.Array) -> None:
    selected, flow = select(events)
    r = np.hypot(events.core_x, events.core_y)
    expected = (events.zenith <= 18) & (r <= 91) & (events.age >= 0.1) & (events.age <= 1.48)
    assert len(selected) == int(ak.sum(expected)) == flow.n_selected
    assert [s.name for s in flow.steps] == ["zenith", "core", "age"]
    assert ak.all(selected.zenith <= 18)
    assert ak.fields(selected) == ak.fields(events)


def test_cutflow_counts_are_consistent(events: ak.Array) -> None:
    _, flow = select(events, Cuts(lgNe_min=4.0, lgNmu_min=3.5, lgE_min=14.5, lgE_max=16.5))
    assert [s.name for s in flow.steps] == ["zenith", "core", "age", "lgNe", "lgNmu", "lgE"]
    previous = flow.n_total
    for step in flow.steps:
        assert step.n_pass <= previous
        assert step.efficiency == pytest.approx(step.n_pass / previous)
        assert step.cumulative_efficiency == pytest.approx(step.n_pass / flow.n_total)
        previous = step.n_pass
    assert flow.efficiency == pytest.approx(flow.n_selected / flow.n_total)


def test_cutflow_is_immutable_readable_and_json_ready(events: ak.Array) -> None:
    _, flow = select(events)
    assert isinstance(flow, Cutflow)
    with pytest.raises(AttributeError):
        flow.n_total = 3  # type: ignore[misc]
    text = str(flow)
    assert "all events" in text and "zenith <= 18 deg" in text and "0.1 <= age <= 1.48" in text
    d = json.loads(json.dumps(flow.to_dict()))
    assert d["n_total"] == len(events)
    assert [s["name"] for s in d["steps"]] == ["zenith", "core", "age"]


def test_bounds_are_inclusive() -> None:
    events = ak.Array({"zenith": [18.0, 18.0001], "core_dist": [91.0, 91.0], "age": [0.1, 1.48]})
    selected, _ = select(events)
    assert selected.zenith.tolist() == [18.0]
    assert select(events, Cuts(zenith_max_deg=None))[1].n_selected == 2


def test_core_dist_is_used_when_present_and_computed_otherwise() -> None:
    with_dist = ak.Array({"core_dist": [50.0, 100.0]})
    assert core_distance(with_dist).tolist() == [50.0, 100.0]
    no_dist = ak.Array({"core_x": [30.0, 90.0], "core_y": [40.0, 90.0]})
    only_core = Cuts(zenith_max_deg=None, age_min=None, age_max=None)
    assert select(no_dist, only_core)[0].core_x.tolist() == [30.0]


def test_all_cuts_off_keeps_everything_and_needs_no_fields() -> None:
    events = ak.Array({"lgE": [15.0, 16.0]})
    off = Cuts(zenith_max_deg=None, core_radius_max_m=None, age_min=None, age_max=None)
    selected, flow = select(events, off)
    assert len(selected) == 2 and flow.steps == () and flow.n_selected == 2


def test_nan_fails_the_cut() -> None:
    events = ak.Array({"zenith": [np.nan, 10.0], "core_dist": [1.0, 1.0], "age": [1.0, 1.0]})
    assert select(events)[1].n_selected == 1


def test_empty_input_gives_an_empty_selection_and_nan_efficiency() -> None:
    events = ak.Array({"zenith": np.zeros(0), "core_dist": np.zeros(0), "age": np.zeros(0)})
    selected, flow = select(events)
    assert len(selected) == 0
    assert np.isnan(flow.efficiency)
    assert json.dumps(flow.to_dict())
    assert "all events" in str(flow)


def test_missing_field_names_the_field_and_lists_what_is_there() -> None:
    events = ak.Array({"zenith": [1.0], "core_x": [0.0], "core_y": [0.0], "shower_age_typo": [1.0]})
    with pytest.raises(MissingColumnError, match=r"'age' is missing.*available: shower_age_typo"):
        select(events)
    with pytest.raises(MissingColumnError, match="core_x"):
        select(ak.Array({"zenith": [1.0], "age": [1.0]}))


def test_dict_of_arrays_is_accepted() -> None:
    selected, _ = select({"zenith": np.array([1.0, 50.0]), "core_dist": np.array([1.0, 1.0]), "age": np.ones(2)})
    assert len(selected) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"zenith_max_deg": 120.0}, "not an angle"),
        ({"core_radius_max_m": -1.0}, "must be positive"),
        ({"age_min": 1.5, "age_max": 0.1}, "swap them"),
        ({"lgE_min": 17.0, "lgE_max": 15.0}, "swap them"),
        ({"lgNe_min": "4"}, "must be a number"),
    ],
)
def test_nonsense_cuts_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ArgumentError, match=message):
        Cuts(**kwargs)  # type: ignore[arg-type]


def test_column_refuses_per_station_lists() -> None:
    events = ak.Array({"e_deposit": [[1.0, 2.0], [3.0]]})
    with pytest.raises(SchemaError, match="per-station list"):
        column(events, "e_deposit", where="test")


def test_column_turns_missing_values_into_nan() -> None:
    events = ak.Array([{"lgE": 15.0}, {"lgE": None}])
    values = column(events, "lgE", where="test")
    assert values[0] == 15.0 and np.isnan(values[1])


# ------------------------------------------------------------------------------------------- merging cut flows
def test_cutflows_of_chunks_merge_into_the_cutflow_of_all(events: ak.Array) -> None:
    _, whole = select(events)
    chunks = [select(events[i : i + 3000])[1] for i in range(0, len(events), 3000)]
    merged = chunks[0]
    for flow in chunks[1:]:
        merged = merged + flow
    assert merged == whole  # counts add, efficiencies are those of the sums, exactly
    assert Cutflow.merge(chunks[0], chunks[1]) == chunks[0] + chunks[1]


def test_cutflows_of_different_cuts_do_not_merge(events: ak.Array) -> None:
    _, a = select(events)
    _, b = select(events, Cuts(age_min=None, age_max=None))
    with pytest.raises(ArgumentError, match="different cuts"):
        a.merge(b)


def test_cutflow_from_counts_computes_the_efficiencies() -> None:
    flow = Cutflow.from_counts(200, [("zenith", "zenith <= 18 deg", 50), ("core", "core distance <= 91 m", 40)])
    assert [s.efficiency for s in flow.steps] == [0.25, 0.8]
    assert [s.cumulative_efficiency for s in flow.steps] == [0.25, 0.2]
    empty = Cutflow.from_counts(0, [("zenith", "zenith <= 18 deg", 0)])
    assert np.isnan(empty.steps[0].efficiency)
    assert json.loads(json.dumps(empty.to_dict()))["steps"][0]["efficiency"] is None


# ------------------------------------------------------------------------------------------- which cuts apply
def test_steps_name_the_fields_each_cut_needs() -> None:
    steps = Cuts(lgE_min=15.0).steps()
    assert [s.name for s in steps] == ["zenith", "core", "age", "lgE"]
    assert steps[1].needs == (("core_dist",), ("core_x", "core_y"))
    assert steps[3].description == "lg(E/eV) >= 15"
    mask = steps[0].mask(ak.Array({"zenith": [10.0, 20.0]}))
    assert mask.tolist() == [True, False]


@pytest.mark.parametrize(
    ("fields", "switched_off"),
    [
        ({"zenith", "core_dist", "age"}, []),
        ({"zenith", "core_x", "core_y", "age"}, []),
        ({"zenith", "core_x", "age"}, ["core_radius_max_m"]),
        ({"lgE", "lgNe", "lgNmu", "zenith"}, ["core_radius_max_m", "age_min", "age_max"]),
    ],
)
def test_cuts_applicable_to_the_fields_of_an_input(fields: set[str], switched_off: list[str]) -> None:
    cuts = Cuts()
    assert list(cuts.missing_fields(fields)) == switched_off
    used = cuts.applicable_to(fields)
    assert [name for name in ("core_radius_max_m", "age_min", "age_max") if getattr(used, name) is None] == switched_off
    assert used.zenith_max_deg == 18.0
    assert cuts.missing_fields({"zenith"})["core_radius_max_m"] == "core_dist or core_x+core_y"
    # what is applicable can be applied
    events = ak.Array({f: np.ones(3) for f in fields})
    assert select(events, used)[1].n_total == 3
