"""HDF5 files: written by kcdc_hep, by h5py in every grouping, by pandas; zips, damaged files, bounded memory."""

from __future__ import annotations

import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

import kcdc_hep
from kcdc_hep.errors import CorruptFileError, MissingColumnError, MissingDependencyError, UnknownFormatError
from kcdc_hep.readers import format_of
from kcdc_hep.simulation import simulate
from kcdc_hep.writers import write_chunks

h5py = pytest.importorskip("h5py")


@pytest.fixture(scope="module")
def events() -> ak.Array:
    """Data events with every component: stations, calorimeter and (energies up to 10^17.5 eV) Grande."""
    return simulate(600, seed=5, kind="data", stations=True, calorimeter=True, grande=True, lgE_range=(15.0, 17.5))


def _same(a: ak.Array, b: ak.Array) -> None:
    assert sorted(a.fields) == sorted(b.fields)
    for field in a.fields:
        assert ak.to_list(a[field]) == ak.to_list(b[field]), field


def _plain(values: ak.Array) -> np.ndarray:
    return ak.to_numpy(values)


# ------------------------------------------------------------------------------------------------ kcdc_hep's own
def test_kcdc_hep_writes_the_kcdc_groups_and_reads_them_back(events: ak.Array, tmp_path: Path) -> None:
    path = kcdc_hep.write(events, tmp_path / "events.h5")
    assert format_of(path) == "hdf5"
    _same(kcdc_hep.read(path), events)
    with h5py.File(path) as f:
        assert sorted(f) == ["Array", "Calor", "Grande", "KCDC", "KCDCM"]
        assert f["KCDC/Ne"].attrs["unit"] == "log10(number of electrons)"
        assert f["Grande/Xc"].attrs["field"] == "grande_core_x"
        assert f["Array/EDeposit"].attrs["count"] == "ArrivalN"
        assert f["Array/EDeposit"].compression == "gzip" and f["Array/EDeposit"].fletcher32
        assert len(f["Array/EDeposit"]) == int(np.sum(f["Array/ArrivalN"][:]))
        assert len(f["Grande/Xc"]) == int(np.sum(f["KCDCM/GrandeIdx"][:] >= 0)) > 0


def test_written_in_chunks_read_in_chunks_and_by_range(events: ak.Array, tmp_path: Path) -> None:
    path = write_chunks((events[a : a + 150] for a in range(0, len(events), 150)), tmp_path / "x.hdf5")
    chunks = list(kcdc_hep.iterate(path, step_size=250))
    assert [len(c) for c in chunks] == [250, 250, 100]
    _same(ak.concatenate(chunks), events)
    _same(kcdc_hep.read(path, entry_start=333, entry_stop=-7), events[333:-7])
    part = kcdc_hep.read(path, columns=["Ne", "e_deposit", "grande_lgNch"])
    assert part.fields == ["lgNe", "e_deposit", "grande_lgNch"]


def test_same_events_give_byte_identical_files(events: ak.Array, tmp_path: Path) -> None:
    a = kcdc_hep.write(events, tmp_path / "a.h5").read_bytes()
    assert kcdc_hep.write(events, tmp_path / "b.h5").read_bytes() == a


# ------------------------------------------------------------------------------------------------ h5py groupings
def _write_groups(path: Path, events: ak.Array) -> None:
    """A KCDC-like file as a user might write it with h5py: other names and case, no count attributes."""
    has = ~ak.to_numpy(ak.is_none(events.n_stations))
    array = events[has]
    index = np.where(has, np.cumsum(has) - 1, -1)
    with h5py.File(path, "w") as f:
        g = f.create_group("general")
        g["ELECTRON_NUMBER"] = _plain(events.lgNe)
        g["nmu"] = _plain(events.lgNmu)
        g["ze"] = _plain(events.zenith)
        g["my_flag"] = np.arange(len(events)) % 2  # unknown: kept under its own name
        g["station_x"] = np.linspace(0, 1, 252)  # not one value per event: not read
        m = f.create_group("mapping")
        m["array_row"] = index.astype(np.int64)
        a = f.create_group("Stations")
        a["ArrivalN"] = _plain(array.n_stations)
        a["EDeposit"] = _plain(ak.flatten(array.e_deposit))
        a["ArrivalS"] = _plain(ak.flatten(array.station))


def test_h5py_groups_by_name_case_and_alias_with_lists_found_by_their_count(events: ak.Array, tmp_path: Path) -> None:
    path = tmp_path / "groups.h5"
    _write_groups(path, events)
    got = kcdc_hep.read(path)
    assert set(got.fields) == {"lgNe", "lgNmu", "zenith", "my_flag", "n_stations", "station", "e_deposit"}
    np.testing.assert_array_equal(_plain(got.lgNe), _plain(events.lgNe))
    assert ak.to_list(got.e_deposit) == ak.to_list(events.e_deposit)  # missing where the event has no array data
    assert ak.to_list(got.station) == ak.to_list(events.station)
    assert got.my_flag.to_list() == (np.arange(len(events)) % 2).tolist()
    chunks = list(kcdc_hep.iterate(path, step_size=97))
    assert ak.to_list(ak.concatenate(chunks).e_deposit) == ak.to_list(events.e_deposit)


def test_one_compound_table(events: ak.Array, tmp_path: Path) -> None:
    table = np.zeros(len(events), dtype=[("E", "f8"), ("Ne", "f8"), ("Nmu", "f8"), ("Particle", "S2"), ("R", "i4")])
    table["E"], table["Ne"], table["Nmu"] = _plain(events.lgE), _plain(events.lgNe), _plain(events.lgNmu)
    table["Particle"] = np.where(np.arange(len(events)) % 2, b"fe", b"p")
    table["R"] = _plain(events.run)
    path = tmp_path / "table.h5"
    with h5py.File(path, "w") as f:
        f.create_dataset("events", data=table, chunks=(100,), compression="gzip")
    got = kcdc_hep.read(path)
    assert got.fields == ["lgE", "lgNe", "lgNmu", "run", "primary"]
    np.testing.assert_array_equal(_plain(got.lgNmu), _plain(events.lgNmu))
    assert got.primary[:3].to_list() == ["p", "Fe", "p"]
    assert sum(len(c) for c in kcdc_hep.iterate(path, step_size=64)) == len(events)


def test_one_flat_table_of_root_level_datasets_with_a_user_block(events: ak.Array, tmp_path: Path) -> None:
    path = tmp_path / "flat.h5"
    with h5py.File(path, "w", userblock_size=1024) as f:
        for name in ("lgE", "lgNe", "core_x", "core_y"):
            f[name] = _plain(events[name])
        f["Gt"] = np.full(len(events), 1_000_000_000, dtype=np.int64)
    with open(path, "r+b") as fh:
        fh.write(b"KCDC export\n")  # the user block holds text, the HDF5 signature is at 1024
    assert format_of(path) == "hdf5"
    got = kcdc_hep.read(path)
    assert got.fields == ["lgE", "lgNe", "core_x", "core_y", "core_dist", "time"]
    np.testing.assert_allclose(_plain(got.core_dist), np.hypot(_plain(events.core_x), _plain(events.core_y)))
    assert str(_plain(got.time)[0]) == "2001-09-09T01:46:40.000000000"


@pytest.mark.parametrize("data_columns", [None, True])  # columns in blocks (pandas' default), or one per field
def test_pandas_table_format(events: ak.Array, tmp_path: Path, data_columns: bool | None) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("tables")
    frame = pd.DataFrame(
        {
            "energy": _plain(events.lgE),
            "electron_number": _plain(events.lgNe),
            "muon_number": _plain(events.lgNmu),
            "particle_id": np.zeros(len(events), dtype=np.int32),
            "datetime": _plain(events.time),
            "note": np.where(np.arange(len(events)) % 2, "odd", "even"),
        }
    )
    path = tmp_path / "pandas.h5"
    frame.to_hdf(path, key="events", format="table", data_columns=data_columns)
    got = kcdc_hep.read(path)
    assert set(got.fields) == {"lgE", "lgNe", "lgNmu", "time", "note"}  # particle_id 0: data, no primary
    np.testing.assert_array_equal(_plain(got.lgNe), _plain(events.lgNe))
    np.testing.assert_array_equal(_plain(got.time), _plain(events.time))
    assert got.note[:2].to_list() == ["even", "odd"]
    back = pd.read_hdf(path, "events")  # and pandas reads what it wrote, of course
    np.testing.assert_array_equal(back["energy"].to_numpy(), _plain(got.lgE))


def test_pandas_fixed_format_gives_its_numeric_columns(events: ak.Array, tmp_path: Path) -> None:
    pd = pytest.importorskip("pandas")
    pytest.importorskip("tables")
    frame = pd.DataFrame({"E": _plain(events.lgE), "Ze": _plain(events.zenith), "R": _plain(events.run), "x": "text"})
    path = tmp_path / "fixed.h5"
    frame.to_hdf(path, key="KCDC")  # pandas' default format="fixed"
    got = kcdc_hep.read(path)
    assert got.fields == ["lgE", "zenith", "run"]  # the text column is pickled objects: not read
    np.testing.assert_array_equal(_plain(got.zenith), _plain(events.zenith))
    assert [len(c) for c in kcdc_hep.iterate(path, step_size=250)] == [250, 250, 100]


def test_variable_length_arrays_are_per_event_lists(tmp_path: Path) -> None:
    path = tmp_path / "vlen.h5"
    lists = [np.array([1.5, 2.5], "f4"), np.array([], "f4"), np.array([7.0], "f4")]
    with h5py.File(path, "w") as f:
        f["Ne"] = np.array([4.0, 5.0, 6.0])
        ds = f.create_dataset("EDeposit", (3,), dtype=h5py.vlen_dtype(np.float32))
        for i, v in enumerate(lists):
            ds[i] = v
    got = kcdc_hep.read(path)
    assert got.e_deposit.to_list() == [[1.5, 2.5], [], [7.0]]


# ------------------------------------------------------------------------------------------------ zips
@pytest.mark.parametrize("compression", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED])
def test_zip_members_are_read(events: ak.Array, tmp_path: Path, compression: int) -> None:
    path = kcdc_hep.write(events, tmp_path / "events.h5")
    archive = tmp_path / "sample.zip"
    with zipfile.ZipFile(archive, "w", compression=compression) as zf:
        zf.write(path, "data/events.h5")
        zf.writestr("data/Info.txt", "KCDC export")
    assert format_of(archive) == "hdf5"
    _same(kcdc_hep.read(archive), events)
    _same(kcdc_hep.read(f"{archive}:data/events.h5", entry_start=10, entry_stop=20), events[10:20])
    assert sum(len(c) for c in kcdc_hep.iterate(archive, step_size=128)) == len(events)


# ------------------------------------------------------------------------------------------------ errors
def _damaged(tmp_path: Path, events: ak.Array, how: str) -> Path:
    path = kcdc_hep.write(events, tmp_path / "good.h5")
    data = bytearray(path.read_bytes())
    bad = tmp_path / f"{how}.h5"
    if how == "truncated":
        bad.write_bytes(bytes(data[: len(data) // 2]))
    else:  # flip bytes inside the per-station values: the checksum (or gzip) notices
        with h5py.File(path) as f:
            offset = f["Array/EDeposit"].id.get_chunk_info(0).byte_offset
        data[offset + 100 : offset + 164] = bytes(64)
        bad.write_bytes(bytes(data))
    return bad


@pytest.mark.parametrize("how", ["truncated", "corrupt"])
def test_damaged_files_give_one_corrupt_file_error(events: ak.Array, tmp_path: Path, how: str) -> None:
    bad = _damaged(tmp_path, events, how)
    with pytest.raises(CorruptFileError, match=r"truncated or corrupt|may be truncated") as info:
        kcdc_hep.read(bad)
    assert str(bad) in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("how", ["truncated", "corrupt"])
def test_damaged_files_give_one_line_from_the_command_line(events: ak.Array, tmp_path: Path, how: str) -> None:
    bad = _damaged(tmp_path, events, how)
    run = subprocess.run(
        [sys.executable, "-m", "kcdc_hep", "info", str(bad)], capture_output=True, text=True, check=False
    )
    assert run.returncode == 1
    assert run.stderr.startswith("kcdc-hep: error: ") and run.stderr.count("\n") == 1, run.stderr
    assert "Traceback" not in run.stderr


def test_a_file_without_tables_and_a_missing_field_are_explained(tmp_path: Path) -> None:
    path = tmp_path / "empty.h5"
    with h5py.File(path, "w") as f:
        f["image"] = np.zeros((4, 4))
    with pytest.raises(UnknownFormatError, match="no table of events"):
        kcdc_hep.read(path)
    with h5py.File(path, "a") as f:
        f["Ne"] = np.ones(3)
    with pytest.raises(MissingColumnError, match="lgNmu"):
        kcdc_hep.read(path, columns=["lgNmu"])


def test_without_h5py_the_error_names_the_extra(
    events: ak.Array, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = kcdc_hep.write(events[:5], tmp_path / "x.h5")
    monkeypatch.setitem(sys.modules, "h5py", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'kcdc_hep\[hdf5\]'"):
        kcdc_hep.read(path)
    with pytest.raises(MissingDependencyError, match="hdf5"):
        kcdc_hep.write(events[:5], tmp_path / "y.h5")
    assert not (tmp_path / "y.h5").exists()


# ------------------------------------------------------------------------------------------------ command line
def test_info_and_convert(events: ak.Array, tmp_path: Path) -> None:
    root = kcdc_hep.write(events, tmp_path / "events.root")
    env = {"PYTHONPATH": str(Path(kcdc_hep.__file__).parents[1])}
    run = subprocess.run(
        [sys.executable, "-m", "kcdc_hep", "convert", str(root), str(tmp_path / "events.h5")],
        capture_output=True,
        text=True,
        check=True,
        env={**__import__("os").environ, **env},
    )
    assert "wrote" in run.stdout
    from_hdf5, from_root = kcdc_hep.read(tmp_path / "events.h5"), kcdc_hep.read(root)
    assert from_hdf5.fields == from_root.fields
    _same(from_hdf5, from_root)
    info = subprocess.run(
        [sys.executable, "-m", "kcdc_hep", "info", str(tmp_path / "events.h5"), "--full"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "format:  hdf5" in info and "/Grande (group, 7 quantities" in info and "[mapping]" in info
    assert "grande_lgNch" in info and "Xc, Yc, Ze" in info


# ------------------------------------------------------------------------------------------------ memory
def _peak_while_iterating(path: Path, step: int) -> tuple[int, list[int]]:
    """Peak traced memory while iterating, and the memory still held after each chunk was dropped."""
    held = []
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        for chunk in kcdc_hep.iterate(path, step_size=step):
            del chunk
            held.append(tracemalloc.get_traced_memory()[0])
        return tracemalloc.get_traced_memory()[1], held
    finally:
        tracemalloc.stop()


def test_iterate_memory_stays_flat_on_a_file_ten_times_larger(events: ak.Array, tmp_path: Path) -> None:
    small = kcdc_hep.write(events, tmp_path / "small.h5")
    large = write_chunks((events for _ in range(10)), tmp_path / "large.h5")
    peak_small, _ = _peak_while_iterating(small, 200)
    peak_large, held = _peak_while_iterating(large, 200)
    assert len(held) == 30
    assert max(held[3:]) - min(held[3:]) < 256 * 1024  # nothing piles up from chunk to chunk
    assert peak_large < 1.5 * peak_small  # a chunk's memory, whatever the file size
    tracemalloc.start()
    try:
        whole = kcdc_hep.read(large)
        peak_whole = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(whole) == 10 * len(events)
    assert peak_large < peak_whole / 4
