"""Zip archives are read only for what they hold: hostile, damaged and oversized archives give one clear error.

Every archive here is written small: bombs by repeating one flushed deflate block (10 GiB of blank lines in about
10 MB) or by compressing zeros, archives of many entries and zip64 records by hand with :mod:`struct`.
"""

from __future__ import annotations

import io
import struct
import time
import tracemalloc
import zipfile
import zlib
from pathlib import Path

import pytest

import kcdc_hep
from kcdc_hep import settings
from kcdc_hep.cli.info import describe_file
from kcdc_hep.errors import (
    ArgumentError,
    CorruptFileError,
    KcdcError,
    MissingFileError,
    UnknownFormatError,
    UnsafeZipError,
)

SAMPLE2 = (
    "Particle,lgE,X,Y,CoreDist,Ze,Az,lgNe,lgNmu\n"
    "co,14.1173,59.4186,-39.3912,71.2898,17.5974,63.7923,3.53951,3.26399\n"
    "fe,14.5,1.0,2.0,2.23607,10.0,20.0,3.9,3.6\n"
    "p,15.1,-5.0,7.5,9.01388,25.0,300.0,4.8,3.9\n"
)
#: A table of other values, for files that must never be read in the archive's stead.
DECOY = "E Ne Nmu Ze\n16.5 6.0 5.5 45.0\n"


def _zip(path: Path, members: dict[str, str | bytes], method: int = zipfile.ZIP_STORED) -> Path:
    with zipfile.ZipFile(path, "w", compression=method) as zf:
        for name, data in members.items():
            zf.writestr(zipfile.ZipInfo(name, date_time=(2013, 1, 15, 0, 0, 0)), data, compress_type=method)
    return path


def _raw_zip(path: Path, name: str, payload: bytes, *, size: int, method: int, crc: int = 0) -> Path:
    """One member written by hand with zip64 sizes: ``payload`` (compressed data) declaring ``size`` bytes."""
    encoded = name.encode()
    local_extra = struct.pack("<HHQQ", 1, 16, size, len(payload))
    local = struct.pack("<4s5H3I2H", b"PK\x03\x04", 45, 0, method, 0, 0x21, crc, *[0xFFFFFFFF] * 2, len(encoded), 20)
    central_extra = struct.pack("<HHQQQ", 1, 24, size, len(payload), 0)
    central = struct.pack(
        "<4s6H3I5H2I",
        b"PK\x01\x02",
        45,
        45,
        0,
        method,
        0,
        0x21,
        crc,
        *[0xFFFFFFFF] * 2,
        len(encoded),
        28,
        0,
        0,
        0,
        0,
        0xFFFFFFFF,
    )
    head = local + encoded + local_extra + payload
    directory = central + encoded + central_extra
    path.write_bytes(head + directory + _end_records(1, len(directory), len(head)))
    return path


def _end_records(entries: int, directory: int, offset: int) -> bytes:
    """zip64 end record, its locator and the classic end record (which defers to zip64) for a central directory."""
    zip64 = struct.pack("<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, entries, entries, directory, offset)
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, offset + directory, 1)
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return zip64 + locator + end


def _many_entries(path: Path, n: int, *, declared: int | None = None) -> Path:
    """A zip of ``n`` empty stored members (``declared``: the entry count its end record claims)."""
    local, central = io.BytesIO(), io.BytesIO()
    for i in range(n):
        name = f"f{i}.txt".encode()
        offset = local.tell()
        local.write(struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 0, 0, 0x21, 0, 0, 0, len(name), 0) + name)
        central.write(
            struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 0, 0, 0x21, 0, 0, 0, len(name), *[0] * 5, offset)
        )
        central.write(name)
    records = _end_records(n if declared is None else declared, central.tell(), local.tell())
    path.write_bytes(local.getvalue() + central.getvalue() + records)
    return path


def _deflate_repeated(unit: bytes, total: int) -> bytes:
    """A raw deflate stream of ``total`` bytes of ``unit``: one fully flushed 1 MiB block, repeated (fast)."""
    block_size = 1 << 20
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(unit * (block_size // len(unit))) + compressor.flush(zlib.Z_FULL_FLUSH)
    return block * (total // block_size) + zlib.compressobj(9, zlib.DEFLATED, -15).flush(zlib.Z_FINISH)


def _bounded(func: object, *, seconds: float = 5.0, megabytes: float = 100.0) -> KcdcError:
    """Call ``func``; it must raise a KcdcError within ``seconds``, tracing at most ``megabytes`` at its peak."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(KcdcError) as info:
            func()  # type: ignore[operator]
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert elapsed < seconds, f"took {elapsed:.1f} s"
    assert peak < megabytes * 2**20, f"peak {peak / 2**20:.0f} MB"
    return info.value


# ---------------------------------------------------------------------------------------------------- contents
@pytest.mark.parametrize("source", ["archive.zip", "archive.zip:data.csv"])
def test_a_member_is_read_from_the_zip_never_from_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str
) -> None:
    _zip(tmp_path / "archive.zip", {"data.csv": SAMPLE2})
    (tmp_path / "data.csv").write_text(DECOY)  # same name as the member, other values
    monkeypatch.chdir(tmp_path)
    for events in (kcdc_hep.read(source, cache=False), kcdc_hep.read(source), *kcdc_hep.iterate(source, step_size=2)):
        assert "lgNmu" in events.fields and 16.5 not in events["lgE"].to_list()
    assert len(kcdc_hep.read(source)) == 3
    assert "events:  3" in describe_file(source)


def test_component_members_are_read_from_the_zip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    general = "E Ne Nmu Ze\n15.1 4.5 3.9 10.0\n15.3 4.7 4.0 12.0\n"
    _zip(tmp_path / "export.zip", {"export/general.txt": general, "export/calorimeter.txt": "Ehad Nhad\n1.5 3\n2 4\n"})
    (tmp_path / "export").mkdir()
    (tmp_path / "export" / "general.txt").write_text(DECOY)
    (tmp_path / "general.txt").write_text(DECOY)
    monkeypatch.chdir(tmp_path)
    events = kcdc_hep.read("export.zip", cache=False)
    assert events["lgE"].to_list() == [15.1, 15.3] and events["nhad"].to_list() == [3, 4]


@pytest.mark.parametrize("member", ["../evil.csv", "/abs/evil.csv", "data/../../evil.csv", "C:evil.csv"])
def test_member_paths_that_leave_the_archive_are_refused(tmp_path: Path, member: str) -> None:
    archive = _zip(tmp_path / "evil.zip", {member: SAMPLE2})
    assert zipfile.ZipFile(archive).namelist() == [member]  # stored as written
    for source in (archive, f"{archive}:{member}"):
        with pytest.raises(UnsafeZipError, match="refusing zip member") as info:
            kcdc_hep.read(source)
        assert str(archive) in str(info.value)


# ---------------------------------------------------------------------------------------------------- bombs
def test_ten_gib_of_blank_lines_in_ten_mb_is_refused_at_once(tmp_path: Path) -> None:
    payload = _deflate_repeated(b"\n", 10 << 30)
    assert len(payload) < 12 << 20
    bomb = _raw_zip(tmp_path / "bomb.zip", "blank.csv", payload, size=10 << 30, method=zipfile.ZIP_DEFLATED)
    for call in (
        lambda: kcdc_hep.read(bomb),
        lambda: next(kcdc_hep.iterate(bomb)),
        lambda: describe_file(bomb),
        lambda: kcdc_hep.read(f"{bomb}:blank.csv"),
    ):
        err = _bounded(call, seconds=2.0, megabytes=30.0)
        assert isinstance(err, UnsafeZipError)
        assert "KCDC_HEP_MAX_UNCOMPRESSED_BYTES" in str(err) and "blank.csv" in str(err)


def test_without_the_size_limit_the_ratio_limit_refuses_the_bomb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    payload = _deflate_repeated(b"\n", 2 << 30)
    bomb = _raw_zip(tmp_path / "bomb.zip", "blank.csv", payload, size=2 << 30, method=zipfile.ZIP_DEFLATED)
    monkeypatch.setenv("KCDC_HEP_MAX_UNCOMPRESSED_BYTES", "0")
    err = _bounded(lambda: kcdc_hep.read(bomb), seconds=2.0, megabytes=30.0)
    assert isinstance(err, UnsafeZipError) and "KCDC_HEP_MAX_COMPRESSION_RATIO" in str(err)
    monkeypatch.setenv("KCDC_HEP_MAX_UNCOMPRESSED_BYTES", "1GiB")
    err = _bounded(lambda: kcdc_hep.read(bomb), seconds=2.0, megabytes=30.0)
    assert "beyond the limit of 1,073,741,824 bytes" in str(err)


def test_a_compressed_table_over_the_ratio_limit_reads_once_the_limit_is_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = 1_000_000  # 18 MB of one repeated row: compressed about 400 times
    archive = _zip(tmp_path / "same.zip", {"same.txt": "E Ne Nmu Ze\n" + "15.1 4.5 3.9 10.0\n" * rows}, 8)
    with pytest.raises(UnsafeZipError, match=r"compressed \d+ times.*KCDC_HEP_MAX_COMPRESSION_RATIO"):
        kcdc_hep.read(archive)
    monkeypatch.setenv("KCDC_HEP_MAX_COMPRESSION_RATIO", "1000")
    assert len(kcdc_hep.read(archive, cache=False)) == rows


def test_a_member_that_unpacks_to_more_than_it_declares_stops_at_its_declared_size(tmp_path: Path) -> None:
    payload = _deflate_repeated(b"15.1 4.5 3.9 10.0\n", 1 << 30)  # 1 GiB behind a header that says 1 kB
    archive = _raw_zip(tmp_path / "liar.zip", "data.txt", payload, size=1000, method=zipfile.ZIP_DEFLATED)
    err = _bounded(lambda: kcdc_hep.read(archive, cache=False), seconds=3.0, megabytes=50.0)
    assert isinstance(err, KcdcError) and "liar.zip" in str(err)


def test_a_stored_member_over_the_size_limit_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = _zip(tmp_path / "big.zip", {"sim.csv": SAMPLE2})
    monkeypatch.setenv("KCDC_HEP_MAX_UNCOMPRESSED_BYTES", "100")
    with pytest.raises(UnsafeZipError, match=f"unpacks to {len(SAMPLE2)} bytes, beyond the limit of 100 bytes"):
        kcdc_hep.read(archive)
    monkeypatch.setenv("KCDC_HEP_MAX_UNCOMPRESSED_BYTES", "1kB")
    assert len(kcdc_hep.read(archive, cache=False)) == 3


# ---------------------------------------------------------------------------------------------------- entries
def test_an_archive_of_a_hundred_thousand_entries_is_refused_quickly(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = _many_entries(tmp_path / "many.zip", 100_000)
    err = _bounded(lambda: kcdc_hep.read(archive), seconds=0.5, megabytes=5.0)
    assert isinstance(err, UnsafeZipError)
    assert "100,000 entries" in str(err) and "KCDC_HEP_MAX_ZIP_ENTRIES" in str(err)
    monkeypatch.setenv("KCDC_HEP_MAX_ZIP_ENTRIES", "0")  # a valid archive: without the limit, it is listed
    with pytest.raises(UnknownFormatError, match=r"cannot tell which member to read \(it holds: f0\.txt, f1\.txt"):
        kcdc_hep.read(archive)


def test_a_million_declared_entries_are_refused_before_anything_is_listed(tmp_path: Path) -> None:
    archive = _many_entries(tmp_path / "million.zip", 3, declared=1_000_000)
    err = _bounded(lambda: kcdc_hep.read(archive), seconds=0.2, megabytes=2.0)
    assert "1,000,000 entries" in str(err)


def test_an_end_record_that_hides_its_entries_is_refused_by_the_size_of_its_index(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = _many_entries(tmp_path / "hidden.zip", 5_000, declared=2)
    monkeypatch.setenv("KCDC_HEP_MAX_ZIP_ENTRIES", "50")
    with pytest.raises(UnsafeZipError, match=r"an index of [0-9,]+ bytes, beyond the limit of 50 entries"):
        kcdc_hep.read(archive)


# ---------------------------------------------------------------------------------------------------- damage
def _encrypted(path: Path) -> Path:
    data = bytearray(_zip(path, {"sim.csv": SAMPLE2}).read_bytes())
    data[6] |= 1  # general-purpose flag bit 0 (encrypted) in the local header ...
    data[data.rfind(b"PK\x01\x02") + 8] |= 1  # ... and in the central directory
    path.write_bytes(bytes(data))
    return path


def _bad_crc(path: Path, method: int) -> Path:
    data = bytearray(_zip(path, {"sim.csv": SAMPLE2}, method).read_bytes())
    if method == zipfile.ZIP_STORED:
        at = data.index(b"14.1173")
        data[at + 3] = ord("9")  # still a number: only the CRC can tell
    else:
        crc_at = data.rfind(b"PK\x01\x02") + 16
        data[crc_at] ^= 0xFF
        data[14] ^= 0xFF
    path.write_bytes(bytes(data))
    return path


def test_an_encrypted_member_is_a_corrupt_file_error_naming_the_archive(tmp_path: Path) -> None:
    archive = _encrypted(tmp_path / "secret.zip")
    for call in (
        lambda: kcdc_hep.read(archive),
        lambda: list(kcdc_hep.iterate(archive)),
        lambda: describe_file(archive),
    ):
        with pytest.raises(CorruptFileError, match="encrypted") as info:
            call()
        assert "secret.zip:sim.csv" in str(info.value)


@pytest.mark.parametrize("method", [zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED], ids=["stored", "deflated"])
def test_a_bad_crc_is_a_corrupt_file_error(tmp_path: Path, method: int) -> None:
    archive = _bad_crc(tmp_path / "crc.zip", method)
    for call in (
        lambda: kcdc_hep.read(archive, cache=False),
        lambda: list(kcdc_hep.iterate(archive, step_size=1)),
        lambda: describe_file(archive),
    ):
        with pytest.raises(CorruptFileError, match="CRC") as info:
            call()
        assert "crc.zip" in str(info.value) and isinstance(info.value.__cause__, zipfile.BadZipFile)


def test_every_damaged_byte_or_cut_of_an_archive_gives_a_kcdc_error_or_the_same_events(tmp_path: Path) -> None:
    original = _zip(tmp_path / "good.zip", {"data/sim.csv": SAMPLE2}, zipfile.ZIP_DEFLATED).read_bytes()
    expected = kcdc_hep.read(tmp_path / "good.zip", cache=False).to_list()
    damaged = tmp_path / "damaged.zip"
    cases = [original[:cut] for cut in range(0, len(original), 3)]
    cases += [original[:at] + bytes([original[at] ^ 0xFF]) + original[at + 1 :] for at in range(len(original))]
    for data in cases:
        damaged.write_bytes(data)
        try:
            events = kcdc_hep.read(damaged, cache=False)
        except KcdcError:
            continue
        assert events.to_list() == expected


def test_a_missing_member_lists_what_the_archive_holds(tmp_path: Path) -> None:
    archive = _zip(tmp_path / "a.zip", {"sim.csv": SAMPLE2})
    with pytest.raises(MissingFileError, match=r"no member 'other.csv' in the archive \(it holds: sim.csv\)"):
        kcdc_hep.read(f"{archive}:other.csv")


# ---------------------------------------------------------------------------------------------------- settings
@pytest.mark.parametrize(
    ("value", "expected"),
    [("", 4 << 30), ("512MiB", 512 << 20), ("2GB", 2 * 10**9), ("1e6", 10**6), ("0", None), ("off", None)],
)
def test_the_size_limit_is_a_setting(monkeypatch: pytest.MonkeyPatch, value: str, expected: int | None) -> None:
    monkeypatch.setenv("KCDC_HEP_MAX_UNCOMPRESSED_BYTES", value)
    assert settings.max_uncompressed_bytes() == expected


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("KCDC_HEP_MAX_UNCOMPRESSED_BYTES", "lots"),
        ("KCDC_HEP_MAX_UNCOMPRESSED_BYTES", "-5"),
        ("KCDC_HEP_MAX_COMPRESSION_RATIO", "10MB"),
        ("KCDC_HEP_MAX_ZIP_ENTRIES", "many"),
    ],
)
def test_a_bad_limit_names_its_variable(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ArgumentError, match=f"{variable}={value!r} is not"):
        (settings.max_uncompressed_bytes, settings.max_compression_ratio, settings.max_zip_entries)[
            ["KCDC_HEP_MAX_UNCOMPRESSED_BYTES", "KCDC_HEP_MAX_COMPRESSION_RATIO", "KCDC_HEP_MAX_ZIP_ENTRIES"].index(
                variable
            )
        ]()


def test_the_limits_are_listed_with_the_settings() -> None:
    for variable in ("KCDC_HEP_MAX_UNCOMPRESSED_BYTES", "KCDC_HEP_MAX_COMPRESSION_RATIO", "KCDC_HEP_MAX_ZIP_ENTRIES"):
        assert variable in settings.VARIABLES and variable in (settings.__doc__ or "")
    assert settings.max_compression_ratio() == 100 and settings.max_zip_entries() == 10_000
