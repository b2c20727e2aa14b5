"""Text tables that would mislead a careless reader: each is read right, or refused with file and line.

Every case is read four ways (``read`` without and with the parse cache, the cached copy, ``iterate`` in small
chunks), which must give the same events or the same error.
"""

from __future__ import annotations

import os
import time
import zipfile
from pathlib import Path
from typing import Any

import awkward as ak
import pytest

import kcdc_hep
from kcdc_hep.errors import (
    CorruptFileError,
    EmptyFileError,
    KcdcError,
    MalformedRowError,
    MissingFileError,
    SchemaError,
    UnsafeZipError,
)
from kcdc_hep.readers import text

S1 = "E Ne Nmu Ze\n14.9335 4.55575 4.02881 18.2060\n14.5 4.1 3.7 10.0\n15.2 5.3 4.4 33.5\n"
S2_HEADER = "Particle,lgE,X,Y,CoreDist,Ze,Az,lgNe,lgNmu"
S2_ROWS = [
    "co,14.1173,59.4186,-39.3912,71.2898,17.5974,63.7923,3.53951,3.26399",
    "fe,14.5,1.0,2.0,2.23607,10.0,20.0,3.9,3.6",
    "p,15.1,-5.0,7.5,9.01388,25.0,300.0,4.8,3.9",
]
S2 = S2_HEADER + "\n" + "\n".join(S2_ROWS) + "\n"
S3_HEADER = "datetime,particle_id,energy,zenith,azimuth,core_x,core_y,electron_number,muon_number,shower_age"
S3_ROW = "1998-05-11 07:54:03,{pid},14.6197,17.6646,117.292,-22.4308,13.2296,4.14543,3.74844,1.04151"
LEGACY_HEADER = "E YC XC ZE AZ NE NMU ESUMHAD NHAD T P GT MT R EV AGE"
LEGACY_ROW = "14.9 -10.5 20.25 12.0 100.0 4.5 4.0 -1 -1 12.5 1002.0 {gt} {mt} {r} 1234 1.1"


def _write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        content = content.encode()
    path.write_bytes(content)
    return path


def _outcome(read: Any) -> Any:
    """Events as plain lists (a field absent = None), or the error's type and message."""
    try:
        events = read()
    except KcdcError as err:
        return type(err).__name__, str(err)
    rows = ak.to_list(events)
    names = sorted({k for r in rows for k in r})
    return [{k: _same_nan(r.get(k)) for k in names} for r in rows]


def _same_nan(value: Any) -> Any:
    return "nan" if isinstance(value, float) and value != value else value


def read_all_ways(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The outcome of read, read through the cache (storing, then loading) and iterate; asserts they agree."""
    monkeypatch.setenv("KCDC_HEP_CACHE_DIR", str(tmp_path / "cache"))
    plain = _outcome(lambda: kcdc_hep.read(path, cache=False))
    storing = _outcome(lambda: kcdc_hep.read(path, cache=True))
    cached = _outcome(lambda: kcdc_hep.read(path, cache=True))

    def chunks() -> ak.Array:
        parts = [ak.to_list(c) for c in kcdc_hep.iterate(path, step_size=2)]
        return ak.Array([row for part in parts for row in part])

    streamed = _outcome(chunks)
    assert storing == plain
    assert cached == plain
    assert streamed == plain
    return plain


def _events(outcome: Any) -> list[dict[str, Any]]:
    assert isinstance(outcome, list), outcome
    return outcome


def _error(outcome: Any, cls: type[KcdcError], pattern: str) -> str:
    assert isinstance(outcome, tuple), f"accepted: {outcome}"
    assert outcome[0] == cls.__name__, outcome
    import re

    assert re.search(pattern, outcome[1]), outcome[1]
    return str(outcome[1])


@pytest.fixture
def reference(tmp_path: Path) -> list[dict[str, Any]]:
    return ak.to_list(kcdc_hep.read(_write(tmp_path / "plain.csv", S2), cache=False))


# ---------------------------------------------------------------------------------------------------- row structure
@pytest.mark.parametrize("header_too", [False, True])
@pytest.mark.parametrize("delimiter", [",", ";"])
def test_trailing_delimiter_is_an_empty_last_field_not_a_shift(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reference: Any, delimiter: str, header_too: bool
) -> None:
    header = S2_HEADER + ("," if header_too else "")
    content = "\n".join([header, *(r + "," for r in S2_ROWS)]) + "\n"
    path = _write(tmp_path / "trailing.csv", content.replace(",", delimiter))
    assert _events(read_all_ways(path, tmp_path, monkeypatch)) == reference


def test_trailing_delimiter_on_some_rows_only(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reference: Any) -> None:
    path = _write(tmp_path / "some.csv", "\n".join([S2_HEADER, S2_ROWS[0] + ",", S2_ROWS[1], S2_ROWS[2] + ","]))
    assert _events(read_all_ways(path, tmp_path, monkeypatch)) == reference  # a row without it cannot shift
    path = _write(tmp_path / "two.csv", "\n".join([S2_HEADER, S2_ROWS[0] + ",", S2_ROWS[1] + ",,"]))
    _error(read_all_ways(path, tmp_path, monkeypatch), MalformedRowError, r"two\.csv:3: .*11 fields")
    path = _write(tmp_path / "value.csv", "\n".join([S2_HEADER, S2_ROWS[0] + ",", S2_ROWS[1] + ",7"]))
    _error(read_all_ways(path, tmp_path, monkeypatch), MalformedRowError, r"value\.csv:3: .*'7' after the last")


def test_one_value_too_many_is_refused_not_taken_as_an_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "five.txt", "E Ne Nmu Ze\n14.9 4.5 4.0 18.2 7\n14.5 4.1 3.7 10.0 9\n")
    outcome = read_all_ways(path, tmp_path, monkeypatch)
    _error(outcome, MalformedRowError, r"five\.txt:2: .*5 fields where the header has 4")


def test_a_pandas_index_is_dropped_only_when_it_counts_the_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reference: Any
) -> None:
    rows = [f"{i},{r}" for i, r in enumerate(S2_ROWS)]
    for header in ("," + S2_HEADER, "Unnamed: 0," + S2_HEADER):
        path = _write(tmp_path / "index.csv", "\n".join([header, *rows]) + "\n")
        assert _events(read_all_ways(path, tmp_path, monkeypatch)) == reference
    path = _write(tmp_path / "noname.csv", "\n".join([S2_HEADER, *rows]) + "\n")  # not pandas: its header has a ","
    _error(read_all_ways(path, tmp_path, monkeypatch), MalformedRowError, r"noname\.csv:2: .*10 fields where .* 9")
    indented = "   E   Ne  Nmu   Ze\n0 14.9 4.5 4.0 18.2\n1 14.5 4.1 3.7 10.0\n"  # pandas' to_string
    assert len(_events(read_all_ways(_write(tmp_path / "s.txt", indented), tmp_path, monkeypatch))) == 2
    counting = "general array calorimeter\n0 0 -1 7\n1 1 0 7\n"  # a first column that counts is no index
    _error(read_all_ways(_write(tmp_path / "m.txt", counting), tmp_path, monkeypatch), MalformedRowError, "4 fields")
    filtered = [f"{i},{r}" for i, r in zip((0, 3, 7), S2_ROWS, strict=True)]  # a filtered DataFrame's index
    path = _write(tmp_path / "filtered.csv", "\n".join(["," + S2_HEADER, *filtered]) + "\n")
    _error(read_all_ways(path, tmp_path, monkeypatch), MalformedRowError, r"filtered\.csv:3: .*row index is 3 where 1")


def test_short_and_long_rows_name_their_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "short.csv", "\n".join([S2_HEADER, S2_ROWS[0], S2_ROWS[1].rsplit(",", 1)[0]]))
    _error(read_all_ways(path, tmp_path, monkeypatch), MalformedRowError, r"short\.csv:3: .*8 fields where the header")
    path = _write(tmp_path / "long.csv", "\n".join([S2_HEADER, S2_ROWS[0] + ",1,2", S2_ROWS[1]]))
    _error(read_all_ways(path, tmp_path, monkeypatch), MalformedRowError, r"long\.csv:2: .*11 fields")


@pytest.mark.parametrize(
    "blank",
    ["\n", "\r\n", "   \n", "\t\n", "\n\n\n"],
    ids=["empty", "crlf", "blanks", "tab", "several"],
)
def test_blank_lines_are_skipped_the_same_way_everywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reference: Any, blank: str
) -> None:
    content = S2_HEADER + "\n" + blank + S2_ROWS[0] + "\n" + blank + S2_ROWS[1] + "\n" + S2_ROWS[2] + "\n" + blank
    path = _write(tmp_path / "blank.csv", content)
    assert _events(read_all_ways(path, tmp_path, monkeypatch)) == reference
    whitespace = _write(tmp_path / "blank.txt", S1.replace("\n14.5", "\n" + blank + "14.5") + blank)
    assert len(_events(read_all_ways(whitespace, tmp_path, monkeypatch))) == 3


def test_line_numbers_count_blank_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "late.csv", S2_HEADER + "\n\n" + S2_ROWS[0] + "\n\n\n" + S2_ROWS[1].replace("3.9", "x"))
    _error(read_all_ways(path, tmp_path, monkeypatch), MalformedRowError, r"late\.csv:6: .*'x' in column 'lgNe'")


def test_empty_field_is_a_missing_value(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "gap.csv", "\n".join([S2_HEADER, S2_ROWS[0].replace(",3.53951,", ",,"), S2_ROWS[1]]))
    events = _events(read_all_ways(path, tmp_path, monkeypatch))
    assert [e["lgNe"] for e in events] == [None, 3.9]
    assert [e["lgNmu"] for e in events] == [3.26399, 3.6]  # nothing shifted


def test_bom_crlf_and_quoted_names_read_like_the_plain_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reference: Any
) -> None:
    quoted = ",".join(f'"{n}"' for n in S2_HEADER.split(","))
    content = "\ufeff" + quoted + "\r\n" + "\r\n".join(S2_ROWS) + "\r\n"
    path = _write(tmp_path / "excel.csv", content)
    assert _events(read_all_ways(path, tmp_path, monkeypatch)) == reference


def test_our_own_csv_reads_back(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, reference: Any) -> None:
    events = kcdc_hep.read(_write(tmp_path / "s2.csv", S2), cache=False)
    written = kcdc_hep.write(events, tmp_path / "written.csv")  # strings quoted by pyarrow
    assert _events(read_all_ways(written, tmp_path, monkeypatch)) == reference


# ---------------------------------------------------------------------------------------------------- header
@pytest.mark.parametrize(
    ("header", "pattern"),
    [
        ("lgE,X,X,Y", r":1: the header repeats the name 'X'"),
        ("lgE,X,x,Y", r":1: the header repeats the name 'X'"),
        ("E,lgE,X,Y", r":1: the header names 'E', 'lgE' all mean lgE"),
        ("lgE,,X,Y", r":1: column 2 of the header has no name"),
        ("lgE,X\x0b,Y,Ze", r":1: the header name 'X\\x0b' holds an invisible"),
    ],
)
def test_header_names_that_cannot_be_told_apart_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, header: str, pattern: str
) -> None:
    path = _write(tmp_path / "header.csv", header + "\n14.1,1,2,3\n")
    _error(read_all_ways(path, tmp_path, monkeypatch), MalformedRowError, pattern)


def test_header_longer_than_the_sniff_window(tmp_path: Path) -> None:
    path = _write(tmp_path / "wide.csv", ",".join(f"c{i}" for i in range(20_000)) + "\n")
    with pytest.raises(MalformedRowError, match="header line is longer than"):
        kcdc_hep.read(path)


def test_too_many_columns(tmp_path: Path) -> None:
    path = _write(tmp_path / "many.csv", ",".join(f"c{i}" for i in range(2000)) + "\n" + ",".join(["1"] * 2000))
    with pytest.raises(MalformedRowError, match="2000 columns, more than the 1000"):
        kcdc_hep.read(path)


def test_nul_byte_after_the_first_4_kb(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    comments = "# export\n" * 600
    path = _write(tmp_path / "nul.csv", comments + "lgE,X\x00,Y\n14.1,1,2\n")
    _error(read_all_ways(path, tmp_path, monkeypatch), MalformedRowError, "invisible or control character")
    path = _write(tmp_path / "nulrow.csv", comments + "lgE,X,Y\n14.1,1\x00,2\n")
    _error(read_all_ways(path, tmp_path, monkeypatch), MalformedRowError, r"nulrow\.csv:602: .*not a number")


# ---------------------------------------------------------------------------------------------------- values
def test_integers_are_checked_against_their_field(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    row = LEGACY_ROW.format(gt=900000000, mt=5, r=3_000_000_000)
    path = _write(tmp_path / "run.txt", LEGACY_HEADER + "\n" + row + "\n")
    outcome = read_all_ways(path, tmp_path, monkeypatch)
    _error(outcome, SchemaError, r"run\.txt:2: 3000000000 in column 'R' does not fit")
    row = LEGACY_ROW.format(gt=900000000, mt=5, r="3e9")
    path = _write(tmp_path / "float.txt", LEGACY_HEADER + "\n" + row + "\n")
    _error(read_all_ways(path, tmp_path, monkeypatch), MalformedRowError, r"'3e9' in column 'R' is not a whole number")
    row = LEGACY_ROW.format(gt=900000000, mt=5, r="9" * 30)
    path = _write(tmp_path / "huge.txt", LEGACY_HEADER + "\n" + row + "\n")
    _error(read_all_ways(path, tmp_path, monkeypatch), MalformedRowError, r"too large a whole number")


@pytest.mark.parametrize(("gt", "mt"), [("10000000000", "5"), ("0", "5"), ("900000000", "1000000000")])
def test_times_that_would_wrap_or_are_not_kascade_times(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, gt: str, mt: str
) -> None:
    path = _write(tmp_path / "time.txt", LEGACY_HEADER + "\n" + LEGACY_ROW.format(gt=gt, mt=mt, r=877) + "\n")
    _error(read_all_ways(path, tmp_path, monkeypatch), SchemaError, r"time\.txt:2: column '(GT|MT)' = ")


def test_particle_ids_must_be_whole_numbers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "pid.csv", S3_HEADER + "\n" + S3_ROW.format(pid="1.5") + "\n")
    _error(read_all_ways(path, tmp_path, monkeypatch), SchemaError, r"pid\.csv:2: particle id '1.5'")
    rows = [S3_ROW.format(pid=p) for p in ("14", "5626", "402.0")]
    path = _write(tmp_path / "ids.csv", "\n".join([S3_HEADER, *rows]))
    assert [e["primary"] for e in _events(read_all_ways(path, tmp_path, monkeypatch))] == ["p", "Fe", "He"]
    path = _write(tmp_path / "measured.csv", "\n".join([S3_HEADER, S3_ROW.format(pid=0)]))
    assert "primary" not in _events(read_all_ways(path, tmp_path, monkeypatch))[0]


@pytest.mark.parametrize(
    ("column", "value", "pattern"),
    [
        ("Ne", "35000", r"column 'Ne': lgNe = 35000 is outside .* log10 of the electron number"),
        ("E", "1e15", r"column 'E': lgE = 1e\+15 is outside .* lg\(E/eV\)"),
        ("Ze", "95", r"column 'Ze': zenith = 95 is outside 0 to 90 \[deg\]"),
        ("Nmu", "inf", r"column 'Nmu': lgNmu = inf is outside"),
    ],
)
def test_values_outside_the_physical_range_name_field_and_unit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, column: str, value: str, pattern: str
) -> None:
    header = "E Ne Nmu Ze"
    values = dict(zip(header.split(), "14.9 4.5 4.0 18.2".split(), strict=True))
    values[column] = value
    path = _write(tmp_path / "unit.txt", f"{header}\n14.5 4.1 3.7 10.0\n" + " ".join(values.values()) + "\n")
    _error(read_all_ways(path, tmp_path, monkeypatch), SchemaError, r"unit\.txt:3: " + pattern)


def test_weather_in_other_units_and_missing_values(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    row = LEGACY_ROW.format(gt=900000000, mt=5, r=877)
    path = _write(tmp_path / "pa.txt", LEGACY_HEADER + "\n" + row.replace(" 1002.0 ", " 100200 ") + "\n")
    _error(read_all_ways(path, tmp_path, monkeypatch), SchemaError, r"pressure = 100200 .* hPa \(not Pa or kPa\)")
    path = _write(tmp_path / "nan.txt", LEGACY_HEADER + "\n" + row.replace(" 12.5 ", " nan ") + "\n")
    event = _events(read_all_ways(path, tmp_path, monkeypatch))[0]
    assert event["temperature"] == "nan" and event["ehad"] is None  # NaN kept; -1 = missing calorimeter


def test_a_word_in_a_numeric_column_after_the_first_rows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [f"{14 + i / 1000:.3f} 4.5 4.0 18.2 {i}" for i in range(300)]
    path = _write(tmp_path / "mixed.txt", "\n".join(["E Ne Nmu Ze extra", *rows, "14.9 4.5 4.0 18.2 abc"]) + "\n")
    _error(read_all_ways(path, tmp_path, monkeypatch), MalformedRowError, r"mixed\.txt:302: .*'abc' in column 'extra'")


def test_whole_numbers_beyond_64_bits_stay_exact_in_an_unknown_column(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _write(tmp_path / "id.txt", "E Ne Nmu Ze id\n14.9 4.5 4.0 18.2 123456789012345678901234567890\n")
    assert _events(read_all_ways(path, tmp_path, monkeypatch))[0]["id"] == "123456789012345678901234567890"


def test_datetimes_keep_one_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [S3_ROW.format(pid=0), S3_ROW.format(pid=0).replace("1998-05-11 07", "1998-05-11T07")]
    path = _write(tmp_path / "dt.csv", "\n".join([S3_HEADER, *rows]) + "\n")
    _error(read_all_ways(path, tmp_path, monkeypatch), MalformedRowError, r"dt\.csv:3: .*not a date-time")
    path = _write(tmp_path / "t.csv", "\n".join([S3_HEADER, rows[1]]) + "\n")
    assert _events(read_all_ways(path, tmp_path, monkeypatch))[0]["time"] is not None


def test_a_40000_digit_number_is_refused_in_linear_time(tmp_path: Path) -> None:
    path = _write(tmp_path / "digits.csv", S2_HEADER + "\n" + S2_ROWS[0].replace("3.53951", "1" * 40_000 + "x") + "\n")
    start = time.perf_counter()
    with pytest.raises(MalformedRowError, match=r"digits\.csv:2: .*in column 'lgNe' is not a number"):
        kcdc_hep.read(path, cache=False)
    assert time.perf_counter() - start < 5


# ---------------------------------------------------------------------------------------------------- limits
def test_long_lines_and_files_without_line_ends_are_refused_with_bounded_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(text, "MAX_LINE_BYTES", 5000)
    path = _write(tmp_path / "long.txt", S1 + "1" * 20_000 + " 4.5 4.0 18.2\n" + "14.5 4.1 3.7 10.0\n")
    _error(read_all_ways(path, tmp_path, monkeypatch), MalformedRowError, r"long\.txt:5: a line longer than 5000")
    path = _write(tmp_path / "noends.txt", "E Ne Nmu Ze\n" + "14.1 " * 10_000)
    _error(read_all_ways(path, tmp_path, monkeypatch), MalformedRowError, r"noends\.txt:2: a line longer than 5000")


def test_blank_blocks_are_skipped_with_bounded_memory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "blank.txt", S1 + "\n" * 300_000 + "14.5 4.1 3.7 10.0\n" + "  \n" * 100_000)
    assert len(_events(read_all_ways(path, tmp_path, monkeypatch))) == 4


def test_read_of_a_large_zip_member_is_refused_but_iterate_streams_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(text, "MAX_READ_STREAM_BYTES", 10_000)
    rows = "".join(f"14.{i % 10} 4.5 4.0 10.0\n" for i in range(2000))
    archive = tmp_path / "big.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.txt", "E Ne Nmu Ze\n" + rows)
    with pytest.raises(UnsafeZipError, match="MAX_READ_STREAM_BYTES"):
        kcdc_hep.read(archive)
    assert sum(len(c) for c in kcdc_hep.iterate(archive, step_size=500)) == 2000


def test_header_only_and_blank_only_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "header.csv", S2_HEADER + "\n\n   \n")
    _error(read_all_ways(path, tmp_path, monkeypatch), EmptyFileError, "header but no events")
    with pytest.raises(EmptyFileError, match="empty"):
        kcdc_hep.read(_write(tmp_path / "blank.csv", "\n" * 70_000))
    with pytest.raises(EmptyFileError, match="hold no header line, only blank or # lines"):
        kcdc_hep.read(_write(tmp_path / "comments.csv", "# a comment\n" * 7000))


# ---------------------------------------------------------------------------------------------------- sources
def test_a_zip_member_is_never_replaced_by_a_local_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "a.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("s2.csv", S2)
    monkeypatch.chdir(tmp_path)
    _write(tmp_path / "s2.csv", S2.replace("14.1173", "16.0"))  # a local file with the member's name
    assert kcdc_hep.read(archive).lgE[0] == 14.1173


def test_a_rewritten_file_with_the_same_size_and_mtime_is_parsed_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KCDC_HEP_CACHE_DIR", str(tmp_path / "cache"))
    path = _write(tmp_path / "s2.csv", S2)
    stat = path.stat()
    assert kcdc_hep.read(path).lgE[0] == 14.1173
    _write(path, S2.replace("14.1173", "15.1173"))  # same size
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # same modification time
    assert path.stat().st_size == stat.st_size and path.stat().st_mtime_ns == stat.st_mtime_ns
    assert kcdc_hep.read(path).lgE[0] == 15.1173


def test_a_path_longer_than_the_system_allows(tmp_path: Path) -> None:
    with pytest.raises(MissingFileError, match="cannot be opened"):
        kcdc_hep.read(tmp_path / ("a" * 300 + ".csv"))


@pytest.mark.parametrize(
    ("mapping", "pattern"),
    [
        ("general array\n0 0\n1 x\n", r"holds text, not row numbers"),
        ("general array\n0 0\n1 5\n", r"points to row 5 in row 2, but the component has 2 rows"),
        ("general array\n0 1\n1 0\n", r"is not increasing in row 2"),
        ("general array\n0 0\n1 0.5\n", r"holds 0.5 in row 2, not a row number"),
    ],
)
def test_row_mapping_is_validated(tmp_path: Path, mapping: str, pattern: str) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    _write(folder / "general.txt", "E Ze Az R Ev\n15.0 10 20 1 1\n15.5 12 30 1 2\n")
    _write(folder / "array.txt", "Ne Nmu Age Xc Yc\n5.0 4.0 1.0 3 4\n5.5 4.4 0.9 6 8\n")
    _write(folder / "row_mapping.txt", mapping)
    with pytest.raises(CorruptFileError, match=pattern):
        kcdc_hep.read(folder)
