"""Partitions: found without reading the events, they tile every input exactly where ``iterate`` cuts its chunks."""

from __future__ import annotations

import importlib
import itertools
import zipfile
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

import kcdc_hep
from kcdc_hep import readers
from kcdc_hep.errors import ArgumentError

N_TEXT = 23_456
#: the module (``readers.partitions`` is its function of the same name)
partitions_module = importlib.import_module("kcdc_hep.readers.partitions")


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A masterclass sample-1 table, and a flat ROOT file, a Parquet file, an HDF5 file and zips made from it."""
    rng = np.random.default_rng(3)
    d = tmp_path_factory.mktemp("partitions")
    table = np.column_stack(
        [
            rng.normal(14.6, 0.4, N_TEXT),
            rng.normal(4.5, 0.6, N_TEXT),
            rng.normal(3.9, 0.4, N_TEXT),
            rng.uniform(0, 40, N_TEXT),
        ]
    )
    text = d / "sample1_a.txt"
    np.savetxt(text, table, fmt=["%.4f", "%.5f", "%.5f", "%.4f"], header="E Ne Nmu Ze", comments="")
    second = d / "sample1_b.txt"
    np.savetxt(second, table[:9_999], fmt="%.4f", header="E Ne Nmu Ze", comments="")
    events = kcdc_hep.read(text, cache=False)
    out = {
        "txt1": text,
        "txt2": second,
        "root": kcdc_hep.write(events[:15_000], d / "flat.root"),
        "parquet": kcdc_hep.write(events[5_000:], d / "flat.parquet", step_size=4_000),  # row groups of 4000
    }
    with zipfile.ZipFile(d / "kcdc.zip", "w") as zf:
        zf.write(out["root"], "events.root")
    out["zip"] = d / "kcdc.zip"
    out["h5"] = kcdc_hep.write(events[:14_000], d / "events.h5")
    with zipfile.ZipFile(d / "kcdc_hdf5.zip", "w") as zf:
        zf.write(out["h5"], "events.h5")
    out["h5zip"] = d / "kcdc_hdf5.zip"
    return out


@pytest.mark.parametrize("step", [1, 7, 1000, N_TEXT, 10**6])
def test_text_partitions_tile_the_file(files: dict[str, Path], step: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(partitions_module, "SCAN_BYTES", 4099)  # many scan blocks: boundaries across block edges
    parts = readers.partitions(files["txt1"], step_size=step)
    data = files["txt1"].read_bytes()
    assert parts[0].byte_start == data.index(b"\n") + 1
    assert parts[-1].byte_stop == len(data)
    assert all(p.byte_stop == q.byte_start for p, q in itertools.pairwise(parts))
    assert [p.entry_start for p in parts] == list(range(0, N_TEXT, step))
    assert sum(p.num_entries or 0 for p in parts) == N_TEXT
    for p in parts[:3] + parts[-2:]:
        assert data[p.byte_start : p.byte_stop].count(b"\n") == p.num_entries


def test_text_without_final_line_end(tmp_path: Path) -> None:
    path = tmp_path / "s.txt"
    path.write_text("E Ne Nmu Ze\n14.1 4.1 3.1 10\n14.2 4.2 3.2 20\n14.3 4.3 3.3 30")
    parts = readers.partitions(path, step_size=2)
    assert [(p.entry_start, p.entry_stop) for p in parts] == [(0, 2), (2, 3)]
    assert [len(c) for p in parts for c in readers.read_partition(p)] == [2, 1]


def test_root_parquet_zip_partitions_from_metadata(files: dict[str, Path]) -> None:
    assert [(p.entry_start, p.entry_stop, p.format) for p in readers.partitions(files["root"], step_size=6000)] == [
        (0, 6000, "root"),
        (6000, 12000, "root"),
        (12000, 15000, "root"),
    ]
    assert [p.num_entries for p in readers.partitions(files["parquet"], step_size=10_000)] == [10_000, 8_456]
    assert [p.num_entries for p in readers.partitions(files["zip"], step_size=10_000)] == [10_000, 5_000]
    for kind in ("h5", "h5zip"):  # HDF5 by its datasets' lengths: several workers share one file
        assert [p.num_entries for p in readers.partitions(files[kind], step_size=6_000)] == [6_000, 6_000, 2_000]


def test_glob_and_list_sources(files: dict[str, Path]) -> None:
    by_glob = readers.partitions(str(files["txt1"].parent / "sample1_*.txt"), step_size=10_000)
    by_list = readers.partitions([files["txt1"], files["txt2"]], step_size=10_000)
    assert by_glob == by_list
    assert [p.num_entries for p in by_glob] == [10_000, 10_000, 3_456, 9_999]


@pytest.mark.parametrize("kind", ["txt1", "root", "parquet", "zip", "h5", "h5zip"])
def test_a_partition_holds_the_chunk_iterate_yields(files: dict[str, Path], kind: str) -> None:
    """What a Dask worker reads for a partition is exactly the chunk the local run gets (row groups cut across)."""
    step = 3_000
    chunks = list(kcdc_hep.iterate(files[kind], step_size=step, columns=["lgE", "lgNmu"]))
    parts = readers.partitions(files[kind], step_size=step)
    pieces = [c for p in parts for c in readers.read_partition(p, columns=["lgE", "lgNmu"], step_size=step)]
    assert [len(c) for c in pieces] == [len(c) for c in chunks]
    for got, expected in zip(pieces, chunks, strict=True):
        assert got.fields == expected.fields
        assert np.array_equal(ak.to_numpy(got.lgE), ak.to_numpy(expected.lgE))
        assert np.array_equal(ak.to_numpy(got.lgNmu), ak.to_numpy(expected.lgNmu))


@pytest.mark.parametrize("step", [0, -5, 2.5, True])
def test_step_size_must_be_a_positive_count(files: dict[str, Path], step: object) -> None:
    with pytest.raises(ArgumentError, match="step_size"):
        readers.partitions(files["txt2"], step_size=step)  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="step_size"):
        next(kcdc_hep.iterate(files["txt2"], step_size=step))  # type: ignore[arg-type]
