"""Damaged ROOT, RNTuple, Parquet and HDF5 files: only KcdcError, within bounded time and memory.

Small files of every binary format are written by kcdc_hep (and uproot, for the RNTuple), then cut at many offsets,
overwritten with extreme 4-byte values (sizes and offsets of ROOT keys among them) and bit-flipped with a seeded
generator. Each damaged file is read whole and chunk by chunk: it must give events or a KcdcError, never another
exception, each input within :data:`SECONDS`; the growth of the process's peak resident memory over a whole test is
bounded, and the damaged ROOT keys are read under tracemalloc (which numpy reports its arrays to) one by one.
"""

from __future__ import annotations

import contextlib
import random
import resource
import struct
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

import kcdc_hep
from kcdc_hep.analyses.example import run
from kcdc_hep.errors import CorruptFileError, EmptyFileError, KcdcError
from kcdc_hep.readers import partitions
from kcdc_hep.simulation import simulate

#: Limits for one damaged input (generous: the machine may be busy; a good read takes well under a second).
SECONDS = 10.0
TRACED_MB = 150
#: Growth of the process's peak resident memory allowed over one whole test.
RSS_GROWTH_MB = 1000
FORMATS = ["root", "root-zlib", "rntuple", "parquet", "hdf5"]


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Valid small files of every binary format (several baskets, row groups and chunks each)."""
    folder = tmp_path_factory.mktemp("seeds")
    events = simulate(250, seed=13, kind="data", stations=True, calorimeter=True, grande=True, lgE_range=(15, 17))
    flat = events[["lgE", "lgNe", "lgNmu", "zenith", "azimuth", "core_x", "core_y", "age"]]
    paths = {
        "root": kcdc_hep.write(events, folder / "events.root", step_size=100),
        "root-zlib": kcdc_hep.write(flat, folder / "flat.root", compression=("ZLIB", 1), step_size=150),
        "parquet": kcdc_hep.write(flat, folder / "flat.parquet", step_size=100),
        "hdf5": kcdc_hep.write(events, folder / "events.h5"),
    }
    import uproot

    with uproot.recreate(folder / "rntuple.root") as f:
        f["events"] = {name: ak.to_numpy(flat[name]) for name in ("lgE", "lgNe", "lgNmu", "zenith")}
    paths["rntuple"] = folder / "rntuple.root"
    return {name: path.read_bytes() for name, path in paths.items()}


def _read_both_ways(path: Path) -> None:
    """``read`` and ``iterate``: events, or a KcdcError; any other exception fails the test."""
    for attempt in (lambda: kcdc_hep.read(path), lambda: list(kcdc_hep.iterate(path, step_size=97))):
        with contextlib.suppress(KcdcError):
            attempt()


@pytest.fixture
def bounded() -> Iterator[Callable[[Path, str], None]]:
    """Read a damaged file both ways within :data:`SECONDS`; the peak resident memory may grow by at most
    :data:`RSS_GROWTH_MB` over the whole test."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

    def check(path: Path, what: str) -> None:
        start = time.perf_counter()
        _read_both_ways(path)
        elapsed = time.perf_counter() - start
        assert elapsed < SECONDS, f"{what}: {elapsed:.1f} s"

    yield check
    grown_mb = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024  # kB on Linux
    assert grown_mb < RSS_GROWTH_MB, f"peak resident memory grew by {grown_mb:.0f} MB"


def _traced(path: Path, what: str) -> None:
    """Read a damaged file whole, tracing its allocations: at most :data:`TRACED_MB` at the peak."""
    tracemalloc.start()
    try:
        with contextlib.suppress(KcdcError):
            kcdc_hep.read(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < TRACED_MB * 2**20, f"{what}: peak {peak / 2**20:.0f} MB"


def _suffix(fmt: str) -> str:
    return {"parquet": ".parquet", "hdf5": ".h5"}.get(fmt, ".root")


def _cuts(size: int) -> list[int]:
    """Offsets to cut a file at: every byte of the first 64, then 40 spread over the rest."""
    return sorted({*range(min(size, 64)), *np.linspace(64, size - 1, 40, dtype=int).tolist()})


def _overwrites(data: bytes, seed: int, n: int) -> Iterator[tuple[str, bytes]]:
    """Seeded 4-byte overwrites with extreme values and single-bit flips."""
    rng = random.Random(seed)
    values = [0x7FFFFFF0, 0xFFFFFFFF, 0, 0x10000000, 0x00FFFFFF, 0x80000000]
    for _ in range(n):
        at = rng.randrange(len(data) - 4)
        if rng.random() < 0.7:
            value = rng.choice([*values, rng.getrandbits(32)])
            yield f"{value:#x} at {at}", data[:at] + struct.pack(">I", value) + data[at + 4 :]
        else:
            bit = 1 << rng.randrange(8)
            yield f"bit {bit} at {at}", data[:at] + bytes([data[at] ^ bit]) + data[at + 1 :]


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_file_cut_anywhere_gives_a_kcdc_error(
    seeds: dict[str, bytes], fmt: str, tmp_path: Path, bounded: Callable[[Path, str], None]
) -> None:
    data = seeds[fmt]
    path = tmp_path / f"cut{_suffix(fmt)}"
    for cut in _cuts(len(data)):
        path.write_bytes(data[:cut])
        with pytest.raises(KcdcError):
            kcdc_hep.read(path)
        bounded(path, f"cut at {cut}")


@pytest.mark.parametrize("fmt", FORMATS)
def test_overwritten_bytes_give_events_or_a_kcdc_error(
    seeds: dict[str, bytes], fmt: str, tmp_path: Path, bounded: Callable[[Path, str], None]
) -> None:
    path = tmp_path / f"damaged{_suffix(fmt)}"
    for what, data in _overwrites(seeds[fmt], seed=FORMATS.index(fmt), n=60):
        path.write_bytes(data)
        bounded(path, what)


# ---------------------------------------------------------------------------------------------------- ROOT keys
def _keys(data: bytes) -> dict[int, str]:
    """The ROOT keys (TKey headers) of a small file: offset -> class name (the headers whose fSeekKey is their own
    offset, followed by fSeekPdir and the class name)."""
    found = {}
    for at in range(100, len(data) - 26):
        big = struct.unpack(">h", data[at + 4 : at + 6])[0] > 1000
        seek_end = at + (26 if big else 22)
        if int.from_bytes(data[at + 18 : seek_end], "big") == at:
            name_at = seek_end + (8 if big else 4)
            found[at] = data[name_at + 1 : name_at + 1 + data[name_at]].decode("latin-1")
    return found


def _spread(items: list[int], n: int) -> list[int]:
    return [items[i] for i in np.linspace(0, len(items) - 1, min(n, len(items)), dtype=int)]


@pytest.mark.parametrize("fmt", ["root", "root-zlib", "rntuple"])
def test_key_size_fields_set_to_extremes_are_refused_without_a_large_allocation(
    seeds: dict[str, bytes], fmt: str, tmp_path: Path
) -> None:
    data = seeds[fmt]
    keys = _keys(data)
    baskets = [k for k, name in keys.items() if name == "TBasket"]
    others = [k for k, name in keys.items() if name != "TBasket"]
    assert len(others) >= 3 and (fmt == "rntuple" or len(baskets) >= 5)
    path = tmp_path / "key.root"
    for key in _spread(baskets, 4) + _spread(others, 4):
        for field, at in (("fNbytes", key), ("fObjlen", key + 6), ("fSeekKey", key + 18)):
            for value in (0x7FFFFFF0, 0xFFFFFFF0):
                path.write_bytes(data[:at] + struct.pack(">I", value) + data[at + 4 :])
                _traced(path, f"{field} of the {keys[key]} key at {key} = {value:#x}")


def _basket(data: bytes, which: int) -> tuple[int, int]:
    """Offset and fObjlen of a compressed basket of a file."""
    keys = _keys(data)
    compressed = []
    for at, name in keys.items():
        nbytes, _, objlen, _, keylen = struct.unpack(">ihiih", data[at : at + 16])
        if name == "TBasket" and nbytes - keylen != objlen:
            compressed.append((at, objlen))
    return compressed[which]


def _declaring(data: bytes, which: int, objlen: Callable[[int], int], path: Path) -> Path:
    """``data`` with the fObjlen of its ``which``-th compressed basket replaced by ``objlen(fObjlen)``, in ``path``."""
    basket, old = _basket(data, which)
    path.write_bytes(data[: basket + 6] + struct.pack(">I", objlen(old)) + data[basket + 10 :])
    return path


def test_a_basket_declaring_two_gigabytes_is_refused_before_it_is_allocated(
    seeds: dict[str, bytes], tmp_path: Path
) -> None:
    """The 61 kB file of issue 13: one basket's fObjlen set to 2 GB used to cost 1.9 GB and 18 s before an error."""
    damaged = _declaring(seeds["root-zlib"], 0, lambda _: 0x7FFFFFF0, tmp_path / "basket.root")
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(CorruptFileError, match="KCDC_HEP_MAX_COMPRESSION_RATIO") as info:
            kcdc_hep.read(damaged)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert time.perf_counter() - start < 2 and peak < 50 * 2**20
    assert str(damaged) in str(info.value) and "2,147,483,632" in str(info.value)


def test_a_basket_declaring_a_little_more_than_it_holds_is_an_error_not_stray_bytes(
    seeds: dict[str, bytes], tmp_path: Path
) -> None:
    damaged = _declaring(seeds["root-zlib"], 1, lambda objlen: objlen + 64, tmp_path / "plus.root")
    objlen = _basket(seeds["root-zlib"], 1)[1]
    with pytest.raises(CorruptFileError, match=f"declares {objlen + 64:,} unpacked bytes but its compressed blocks"):
        kcdc_hep.read(damaged)


def _with_list_offset(path: Path, entry: int, value: Callable[[int], int]) -> Path:
    """An uncompressed KCDC file whose first ``EDeposit`` basket has the list offset of ``entry`` replaced by
    ``value(offset)`` (a basket ends with its entries' byte offsets: a count, then one 32-bit offset per entry)."""
    import uproot

    events = simulate(250, seed=13, kind="data", stations=True, lgE_range=(15, 17))
    kcdc_hep.write(events, path, compression=None, step_size=100)
    with uproot.open(path) as f:
        branch = f["Array"]["EDeposit"]
        at = int(branch.member("fBasketSeek")[0]) + branch.basket(0).member("fLast") + 4 + 4 * entry
    data = path.read_bytes()
    (old,) = struct.unpack(">i", data[at : at + 4])
    path.write_bytes(data[:at] + struct.pack(">i", value(old)) + data[at + 4 :])
    return path


def test_a_list_offset_far_out_of_its_basket_is_refused_before_it_is_allocated(tmp_path: Path) -> None:
    """uproot sized the lists' content from a damaged offset (one bit flip in a 17 kB basket cost 1.9 GB) and filled
    it with stray memory; the offsets are checked in uproot's hook before the baskets are joined."""
    path = _with_list_offset(tmp_path / "events.root", 2, lambda _: 0x7FFFFFF0)
    for call in (lambda: kcdc_hep.read(path), lambda: list(kcdc_hep.iterate(path, step_size=40))):
        tracemalloc.start()
        try:
            with pytest.raises(CorruptFileError, match=r"'EDeposit'.*basket 0 holds list offsets"):
                call()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        assert peak < 50 * 2**20


def test_lists_that_disagree_with_their_counter_are_an_error_not_shifted_values(tmp_path: Path) -> None:
    """One offset moved by one value: every list stays inside its basket, but two disagree with ``ArrivalN``."""
    path = _with_list_offset(tmp_path / "events.root", 2, lambda offset: offset + 4)
    for call in (lambda: kcdc_hep.read(path), lambda: list(kcdc_hep.iterate(path, step_size=40))):
        with pytest.raises(
            CorruptFileError, match=r"'EDeposit' holds \d+ values at entry 1 where its counter 'ArrivalN'"
        ):
            call()
    with pytest.raises(CorruptFileError, match="EDeposit has other list lengths than ArrivalS"):
        run(path, output=tmp_path / "out.root", progress=False)


@pytest.mark.parametrize(
    "head",
    [b"root" + bytes(12), b"root\x00\x0f\x42\x40" + bytes(8), b"root\x00\x00\xff\xff" + b"\xff" * 12, b"root"],
    ids=["16-zero", "16-big-version", "20-ones", "4"],
)
def test_a_few_root_looking_bytes_are_a_corrupt_file(tmp_path: Path, head: bytes) -> None:
    path = tmp_path / "tiny.root"
    path.write_bytes(head)
    with pytest.raises(CorruptFileError, match=r"tiny\.root"):
        kcdc_hep.read(path)
    with pytest.raises(CorruptFileError):
        run(path, output=tmp_path / "out.root", progress=False)


def test_the_run_twin_reports_a_damaged_file_as_corrupt(seeds: dict[str, bytes], tmp_path: Path) -> None:
    data = seeds["root"]
    path = tmp_path / "events.root"
    for n, (what, damaged) in enumerate(_overwrites(data, seed=99, n=25)):
        path.write_bytes(damaged)
        try:
            run(path, output=tmp_path / f"out{n}.root", progress=False)
        except KcdcError:
            continue
        assert (tmp_path / f"out{n}.root").is_file(), what


def test_a_file_with_class_versions_of_its_own_leaves_uproots_registry_as_it_was(tmp_path: Path) -> None:
    """uproot registers a model for every class version a file's streamers define, process-wide: a file claiming
    ``TH1D`` version 99 left that model behind for every later file of the process (seen with fuzzed files, whose
    damaged streamers broke a later histogram write). The readers restore the registry when the file closes."""
    import hist
    import uproot

    from kcdc_hep.analyses.compare import compare_files
    from kcdc_hep.writers import write_histograms

    h = hist.Hist.new.Reg(10, 0, 1, name="x").Double()
    h.fill(np.linspace(0.05, 0.95, 10))
    good = tmp_path / "good.root"
    with uproot.recreate(good, compression=None) as f:
        f["h"] = h
    data = bytearray(good.read_bytes())
    streamer = data.find(b"\x04TH1D\x00") + 10  # name, empty title, checksum: then the class version
    with uproot.open(good) as f:
        key = f.key("h")
        version = key.fSeekKey + key.fKeylen + 4  # the object's byte count, then its version
    assert data[streamer : streamer + 4] == b"\x00\x00\x00\x03" and data[version : version + 2] == b"\x00\x03"
    data[streamer : streamer + 4], data[version : version + 2] = struct.pack(">i", 99), struct.pack(">h", 99)
    own = tmp_path / "own.root"
    own.write_bytes(bytes(data))

    known = dict(uproot.classes["TH1D"].known_versions)
    report = compare_files(good, own)  # reads the version-99 histogram through uproot's model of it
    assert report.ok and uproot.classes["TH1D"].known_versions == known
    write_histograms({"h": h}, tmp_path / "out.root")
    with uproot.open(tmp_path / "out.root") as f:
        assert f["h"].values().tolist() == h.values().tolist()


# ---------------------------------------------------------------------------------------------------- Parquet
def test_a_parquet_file_without_row_groups_is_empty(tmp_path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = tmp_path / "none.parquet"
    pq.ParquetWriter(path, pa.schema([("lgE", pa.float64())])).close()
    assert pq.ParquetFile(path).metadata.num_row_groups == 0
    for call in (lambda: kcdc_hep.read(path), lambda: list(kcdc_hep.iterate(path))):
        with pytest.raises(EmptyFileError, match="holds no events"):
            call()
    assert partitions(path) == []  # nothing to map a job over


# ---------------------------------------------------------------------------------------------------- HDF5 in zips
def test_a_damaged_hdf5_member_of_a_zip_gives_a_kcdc_error(seeds: dict[str, bytes], tmp_path: Path) -> None:
    import zipfile

    archive = tmp_path / "events.zip"
    for n, (_, damaged) in enumerate(_overwrites(seeds["hdf5"], seed=7, n=20)):
        with zipfile.ZipFile(archive, "w", compression=(zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)[n % 2]) as zf:
            zf.writestr("events.h5", damaged)
        _read_both_ways(archive)
