"""The one KCDC ROOT reader: branch cursors that hold about one basket, and the component join through KCDCM."""

from __future__ import annotations

from pathlib import Path

import awkward as ak
import numpy as np
import pytest
import uproot

import kcdc_hep
from kcdc_hep.errors import CorruptFileError
from kcdc_hep.readers.kcdc_cursor import BranchCursor, Component, ComponentRows, KcdcReader


@pytest.fixture(scope="module")
def kcdc_events() -> ak.Array:
    """Showers of which some have array data (per-station lists) and some calorimeter data."""
    rng = np.random.default_rng(11)
    n = 5_000
    has_array = rng.random(n) < 0.8
    has_calor = rng.random(n) < 0.3
    counts = np.where(has_array, rng.integers(1, 30, n), 0)
    total = int(counts.sum())

    def lists(values: np.ndarray) -> ak.Array:
        return ak.mask(ak.unflatten(values, counts), has_array)

    return ak.zip(
        {
            "lgE": rng.normal(15, 0.3, n),
            "lgNe": rng.normal(4.5, 0.5, n),
            "n_stations": ak.mask(ak.Array(counts.astype(np.int32)), has_array),
            "station": lists(rng.integers(0, 252, total).astype(np.int32)),
            "e_deposit": lists(rng.exponential(5, total).astype(np.float32)),
            "ehad": ak.mask(ak.Array(rng.exponential(100, n)), has_calor),
        },
        depth_limit=1,
    )


@pytest.fixture(scope="module")
def kcdc_file(kcdc_events: ak.Array, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("kcdc") / "events.root"
    return kcdc_hep.write(kcdc_events, path, step_size=600)  # baskets of 600 showers


def test_branch_cursor_memory_stays_bounded(tmp_path: Path, rng: np.random.Generator) -> None:
    n = 20_000
    counts = rng.integers(20, 40, n)
    events = ak.zip(
        {
            "lgE": rng.normal(15, 0.3, n),
            "station": ak.unflatten(rng.integers(0, 252, counts.sum()).astype(np.int32), counts),
            "e_deposit": ak.unflatten(rng.exponential(5, counts.sum()).astype(np.float32), counts),
        },
        depth_limit=1,
    )
    path = kcdc_hep.write(events, tmp_path / "events.root", step_size=1000)  # baskets of 1000 showers
    with uproot.open(path) as f:
        cursor = BranchCursor(f["Array"]["EDeposit"])
        held = []
        for lo in range(0, n, 700):  # chunks that do not line up with the baskets
            part = cursor.take(lo, min(lo + 700, n))
            assert ak.to_list(part[:2]) == ak.to_list(events.e_deposit[lo : lo + 2])
            held.append(ak.Array(cursor.data).nbytes)
    basket_bytes = 1000 * 40 * 4 + 1001 * 8
    assert max(held) < 4 * basket_bytes  # not growing with the number of chunks read


def test_branch_cursor_reads_backwards_and_empty_ranges(kcdc_file: Path, kcdc_events: ak.Array) -> None:
    with uproot.open(kcdc_file) as f:
        cursor = BranchCursor(f["KCDC"]["E"])
        expected = ak.to_numpy(kcdc_events.lgE)
        assert len(cursor.take(7, 7)) == 0
        for lo, hi in [(100, 1300), (1250, 1900), (10, 20), (4990, 5000)]:
            assert np.array_equal(ak.to_numpy(cursor.take(lo, hi)), expected[lo:hi])


@pytest.mark.parametrize("step", [333, 600, 5_000])
def test_reader_joins_the_components_through_the_mapping(kcdc_file: Path, kcdc_events: ak.Array, step: int) -> None:
    with uproot.open(kcdc_file) as f:
        reader = KcdcReader(
            f["KCDC"],
            ["E"],
            where=str(kcdc_file),
            mapping=f["KCDCM"],
            components={
                "array": Component(f["Array"], ("EDeposit",), "ArrayIdx"),
                "calorimeter": Component(f["Calor"], ("Ehad",), "CalorIdx"),
            },
        )
        chunks = list(reader.chunks(step=step))
    assert [(c.start, c.stop) for c in chunks] == [(a, min(a + step, 5_000)) for a in range(0, 5_000, step)]
    energy = np.concatenate([ak.to_numpy(c.general["E"]) for c in chunks])
    assert np.array_equal(energy, ak.to_numpy(kcdc_events.lgE))
    array = [c.components["array"] for c in chunks]
    assert np.array_equal(np.concatenate([r.present for r in array]), ~ak.to_numpy(ak.is_none(kcdc_events.e_deposit)))
    deposits = ak.concatenate([r.selected()["EDeposit"] for r in array])
    assert ak.to_list(deposits) == ak.to_list(ak.drop_none(kcdc_events.e_deposit))
    ehad = np.concatenate([ak.to_numpy(c.components["calorimeter"].selected()["Ehad"]) for c in chunks])
    assert np.array_equal(ehad, ak.to_numpy(ak.drop_none(kcdc_events.ehad)))


def test_rows_out_of_order_are_taken_in_shower_order() -> None:
    rows = ComponentRows(np.array([5, -1, 3, 4], dtype=np.int64), 3, {"x": ak.Array([30.0, 40.0, 50.0])})
    assert rows.local_index().tolist() == [2, -1, 0, 1]
    assert ak.to_list(rows.selected()["x"]) == [50.0, 30.0, 40.0]


def test_component_without_mapping_must_be_as_long(kcdc_file: Path) -> None:
    with uproot.open(kcdc_file) as f, pytest.raises(CorruptFileError, match="no mapping tree"):
        KcdcReader(f["KCDC"], ["E"], where="x.root", components={"calorimeter": Component(f["Calor"], ("Ehad",))})


def test_read_and_iterate_use_the_join(kcdc_file: Path, kcdc_events: ak.Array) -> None:
    whole = kcdc_hep.read(kcdc_file)
    assert ak.to_list(whole.e_deposit) == ak.to_list(kcdc_events.e_deposit)
    assert ak.to_list(whole.ehad) == ak.to_list(kcdc_events.ehad)
    part = kcdc_hep.read(kcdc_file, entry_start=1_111, entry_stop=2_345)
    assert ak.to_list(part) == ak.to_list(whole[1_111:2_345])
    chunks = list(kcdc_hep.iterate(kcdc_file, step_size=777))
    assert [len(c) for c in chunks] == [777] * 6 + [338]
    assert ak.to_list(ak.concatenate(chunks)) == ak.to_list(whole)


class _ShortBranch:
    """A branch whose (damaged) baskets hold fewer entries than its tree says."""

    def __init__(self, values: np.ndarray) -> None:
        self.values = values

    def array(self, *, entry_start: int, entry_stop: int, library: str = "ak") -> ak.Array:
        return ak.Array(self.values[entry_start : min(entry_stop, len(self.values) - 2)])


class _Tree:
    def __init__(self, **branches: np.ndarray) -> None:
        self.branches = branches
        self.num_entries = len(next(iter(branches.values())))

    def __getitem__(self, name: str) -> _ShortBranch:
        return _ShortBranch(self.branches[name])

    def keys(self) -> list[str]:
        return list(self.branches)


def test_a_branch_shorter_than_its_tree_is_a_corrupt_file_not_a_broken_join() -> None:
    """A bit flip seen by the fuzzer: a component branch returned fewer entries, and the join built an invalid
    array that failed only later, in the user's code."""
    general = _Tree(E=np.linspace(14.0, 16.0, 10))
    with pytest.raises(CorruptFileError, match="holds 8 entries where 10 were asked for"):
        KcdcReader(general, ["E"], where="damaged.root").read(0, 10)
