"""Reading every masterclass and KCDC input into the one event model."""

from __future__ import annotations

import zipfile
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

import kcdc_hep
from kcdc_hep.errors import (
    CorruptFileError,
    EmptyFileError,
    MalformedRowError,
    MissingColumnError,
    MissingFileError,
    UnknownFormatError,
    UnknownPrimaryWarning,
    UnsafeZipError,
)

# The sample rows printed in the masterclass slides (DESIGN §2.1)
SAMPLE1 = "E Ne Nmu Ze\n14.9335 4.55575 4.02881 18.2060\n14.5 4.1 3.7 10.0\n"
SAMPLE2 = (
    "Particle,lgE,X,Y,CoreDist,Ze,Az,lgNe,lgNmu\n"
    "co,14.1173,59.4186,-39.3912,71.2898,17.5974,63.7923,3.53951,3.26399\n"
    "fe,14.5,1.0,2.0,2.23607,10.0,20.0,3.9,3.6\n"
)
SAMPLE3 = (
    "datetime,particle_id,energy,zenith,azimuth,core_x,core_y,electron_number,muon_number,shower_age,"
    "temperature,pressure\n"
    "1998-05-11 07:54:03,0,14.6197,17.6646,117.292,-22.4308,13.2296,4.14543,3.74844,1.04151,18.4202,1003.6\n"
)
LEGACY = (
    "E YC XC ZE AZ NE NMU ESUMHAD NHAD T P GT MT YMD HMS R EV AGE\n"
    "14.9 -10.5 20.25 12.0 100.0 4.5 4.0 -1 -1 12.5 1002.0 900000000 123456789 19980709 160000 877 1234 1.1\n"
    "15.1 5.0 6.0 20.0 200.0 5.0 4.3 1500.5 12 12.5 1002.0 900000100 5 19980709 160140 877 1235 0.9\n"
)


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_sample1_reads_with_canonical_names(tmp_path: Path) -> None:
    events = kcdc_hep.read(_write(tmp_path / "s1.txt", SAMPLE1))
    assert events.fields == ["lgE", "lgNe", "lgNmu", "zenith"]
    assert ak.to_list(events[0]) == {"lgE": 14.9335, "lgNe": 4.55575, "lgNmu": 4.02881, "zenith": 18.206}


@pytest.mark.parametrize(
    "text",
    [
        "     E       Ne     Nmu      Ze\n0  14.9335  4.55575\t4.02881 18.2060\n1  14.5 4.1 3.7 10.0\n",
        "E\tNe\tNmu\tZe\n14.9335\t4.55575\t4.02881\t18.2060\n14.5\t4.1\t3.7\t10.0\n",
        "  e  NE   nmu ze  \n  14.9335   4.55575  4.02881   18.2060  \n14.5 4.1 3.7 10.0\n",
    ],
    ids=["index-column-and-runs", "tabs", "leading-trailing-blanks-lower-case"],
)
def test_whitespace_shapes_read_the_same(tmp_path: Path, text: str) -> None:
    expected = kcdc_hep.read(_write(tmp_path / "plain.txt", SAMPLE1))
    events = kcdc_hep.read(_write(tmp_path / "odd.txt", text))
    assert ak.to_list(events) == ak.to_list(expected)


def test_sample2_with_pandas_index_maps_primary_codes(tmp_path: Path) -> None:
    text = "," + SAMPLE2.replace("\nco,", "\n0,co,").replace("\nfe,", "\n1,fe,")
    events = kcdc_hep.read(_write(tmp_path / "s2.csv", text))
    assert ak.to_list(events.primary) == ["C", "Fe"]
    assert not events.primary.layout.is_option  # every code known: no missing values in the type
    assert events.core_dist[0] == pytest.approx(71.2898)
    assert "Unnamed: 0" not in events.fields and "" not in events.fields


def test_slide_spelling_IgE(tmp_path: Path) -> None:
    text = "Particle,IgE,X,Y,CoreDist,Ze,Az,IgNe,IgNmu\np,15.0,1,1,1.41421,5,5,5.0,4.0\n"
    events = kcdc_hep.read(_write(tmp_path / "slides.csv", text))
    assert {"lgE", "lgNe", "lgNmu", "primary"} <= set(events.fields)


def test_sample3_time_is_utc_and_measured_data_has_no_primary(tmp_path: Path) -> None:
    events = kcdc_hep.read(_write(tmp_path / "s3.csv", SAMPLE3))
    assert "primary" not in events.fields  # particle_id 0 = measured: absent, not invented
    assert ak.to_numpy(events.time)[0] == np.datetime64("1998-05-11T07:54:03", "ns")
    assert events.lgNe[0] == 4.14543 and events.age[0] == 1.04151
    assert events.core_dist[0] == pytest.approx(np.hypot(-22.4308, 13.2296))


def test_unknown_primary_code_warns_and_is_kept(tmp_path: Path) -> None:
    text = SAMPLE2.replace("\nfe,", "\nxx,")
    with pytest.warns(UnknownPrimaryWarning, match="xx"):
        events = kcdc_hep.read(_write(tmp_path / "s2.csv", text))
    assert ak.to_list(events.primary) == ["C", "xx"]


def test_legacy_kcdc_table_maps_y_before_x_time_and_missing(tmp_path: Path) -> None:
    events = kcdc_hep.read(_write(tmp_path / "kcdc.txt", LEGACY))
    assert ak.to_list(events.core_x) == [20.25, 6.0]
    assert ak.to_list(events.core_y) == [-10.5, 5.0]
    times = ak.to_numpy(events.time)
    assert times[0] == np.datetime64(900000000, "s") + np.timedelta64(123456789, "ns")
    assert str(times[0]).startswith("1998-07-09T16:00:00.123456789")
    assert ak.to_list(events.ehad) == [None, 1500.5] and ak.to_list(events.nhad) == [None, 12]
    assert ak.to_list(events.run) == [877, 877] and ak.to_list(events.event) == [1234, 1235]
    assert "YMD" not in events.fields and "GT" not in events.fields


def test_kcdc_component_export_joins_through_row_mapping(tmp_path: Path) -> None:
    folder = tmp_path / "export"
    folder.mkdir()
    _write(folder / "general.txt", "E Ze Az Gt Mt R Ev\n15.0 10 20 900000000 0 1 1\n15.5 12 30 900000001 7 1 2\n")
    _write(folder / "array.txt", "Ne Nmu Age Xc Yc\n5.0 4.0 1.0 3 4\n5.5 4.4 0.9 6 8\n")
    _write(folder / "calorimeter.txt", "Ehad Nhad\n321.5 4\n")
    _write(folder / "row_mapping.txt", "general array calorimeter\n0 0 -1\n1 1 0\n")
    _write(folder / "Info.txt", "KCDC export, 2 events\n")
    events = kcdc_hep.read(folder)
    assert ak.to_list(events.lgNe) == [5.0, 5.5]
    assert ak.to_list(events.ehad) == [None, 321.5]
    assert ak.to_list(events.core_dist) == [5.0, 10.0]
    assert ak.to_numpy(events.time)[1] == np.datetime64(900000001, "s") + np.timedelta64(7, "ns")
    # the same export zipped, as KCDC delivers it
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for p in folder.iterdir():
            zf.write(p, f"export/{p.name}")
    assert ak.to_list(kcdc_hep.read(archive)) == ak.to_list(events)


def test_columns_select_by_alias_and_derive(tmp_path: Path) -> None:
    path = _write(tmp_path / "kcdc.txt", LEGACY)
    events = kcdc_hep.read(path, columns=["Ne", "core_dist", "time"])
    assert events.fields == ["lgNe", "core_dist", "time"]


def test_entry_range(tmp_path: Path) -> None:
    path = _write(tmp_path / "kcdc.txt", LEGACY)
    assert ak.to_list(kcdc_hep.read(path, entry_start=1).event) == [1235]
    assert ak.to_list(kcdc_hep.read(path, entry_stop=-1).event) == [1234]


def test_format_from_content_not_suffix(tmp_path: Path) -> None:
    events = kcdc_hep.read(_write(tmp_path / "s2.csv", SAMPLE2))
    disguised = tmp_path / "really_parquet.txt"
    kcdc_hep.write(events, tmp_path / "x.parquet")
    (tmp_path / "x.parquet").rename(disguised)
    assert ak.to_list(kcdc_hep.read(disguised)) == ak.to_list(events)


def test_iterate_streams_in_exact_chunks(tmp_path: Path, rng: np.random.Generator) -> None:
    n = 10_007
    values = rng.uniform([14, 2, 2, 0], [18, 8, 6, 60], (n, 4))  # lgE, lgNe, lgNmu, zenith in their ranges
    rows = "\n".join(f"{a:.4f} {b:.5f} {c:.5f} {d:.4f}" for a, b, c, d in values)
    path = _write(tmp_path / "big.txt", "E Ne Nmu Ze\n" + rows + "\n")
    whole = kcdc_hep.read(path, cache=False)
    chunks = list(kcdc_hep.iterate(path, step_size=1000))
    assert [len(c) for c in chunks] == [1000] * 10 + [7]
    assert np.array_equal(ak.to_numpy(ak.concatenate(chunks).lgE), ak.to_numpy(whole.lgE))


def test_iterate_over_a_glob_and_a_list(tmp_path: Path) -> None:
    for i in range(3):
        _write(tmp_path / f"part{i}.txt", SAMPLE1)
    assert sum(len(c) for c in kcdc_hep.iterate(str(tmp_path / "part*.txt"))) == 6
    assert sum(len(c) for c in kcdc_hep.iterate([tmp_path / "part0.txt", tmp_path / "part1.txt"])) == 4


def test_parse_cache_returns_the_same_events(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KCDC_HEP_CACHE_DIR", str(tmp_path / "cache"))
    path = _write(tmp_path / "s3.csv", SAMPLE3)
    first = kcdc_hep.read(path)
    assert list((tmp_path / "cache" / "parsed").glob("*.events"))
    second = kcdc_hep.read(path)
    assert ak.to_list(first) == ak.to_list(second)
    # a changed file is parsed again
    _write(path, SAMPLE3.replace("14.6197", "15.0000"))
    assert kcdc_hep.read(path).lgE[0] == 15.0


# ------------------------------------------------------------------------------------------ errors
def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(MissingFileError, match="no such file"):
        kcdc_hep.read(tmp_path / "nope.csv")


def test_empty_file_and_header_only(tmp_path: Path) -> None:
    with pytest.raises(EmptyFileError, match="empty"):
        kcdc_hep.read(_write(tmp_path / "empty.txt", ""))
    with pytest.raises(EmptyFileError, match="no events"):
        kcdc_hep.read(_write(tmp_path / "header.txt", "E Ne Nmu Ze\n"), cache=False)


def test_unknown_binary_format(tmp_path: Path) -> None:
    path = tmp_path / "image.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(UnknownFormatError, match="neither ROOT, HDF5, Parquet nor zip"):
        kcdc_hep.read(path)


def test_malformed_row_names_file_and_line(tmp_path: Path) -> None:
    text = SAMPLE1 + "14.1 4.0 3.5\n"  # line 4 lacks a field
    with pytest.raises(MalformedRowError, match=r"bad\.txt:4: malformed row \(3 fields where the header has 4\)"):
        kcdc_hep.read(_write(tmp_path / "bad.txt", text), cache=False)
    text = SAMPLE2.replace("3.9,3.6", "3.9,abc")
    with pytest.raises(MalformedRowError, match=r"bad\.csv:3: .*'abc' in column 'lgNmu' is not a number"):
        kcdc_hep.read(_write(tmp_path / "bad.csv", text), cache=False)


def test_malformed_row_in_a_later_chunk(tmp_path: Path) -> None:
    rows = "".join(f"14.{i % 10} 4.5 4.0 10.0\n" for i in range(5000))
    path = _write(tmp_path / "late.txt", "E Ne Nmu Ze\n" + rows + "14.0 4.5 oops 10.0\n")
    with pytest.raises(MalformedRowError, match=r"late\.txt:5002: .*'oops'"):
        list(kcdc_hep.iterate(path, step_size=1000))


def test_missing_column_lists_closest_first(tmp_path: Path) -> None:
    path = _write(tmp_path / "s1.txt", SAMPLE1)
    with pytest.raises(MissingColumnError, match=r"field 'lgNee' is not in this file; .*closest first: lgNe"):
        kcdc_hep.read(path, columns=["lgNee"])


def test_truncated_root_file(tmp_path: Path) -> None:
    events = kcdc_hep.read(_write(tmp_path / "s2.csv", SAMPLE2))
    good = kcdc_hep.write(events, tmp_path / "good.root")
    data = good.read_bytes()
    bad = tmp_path / "truncated.root"
    bad.write_bytes(data[: len(data) // 2])
    with pytest.raises(CorruptFileError, match="truncated or corrupt"):
        kcdc_hep.read(bad)


def test_unsafe_zip_members_are_refused(tmp_path: Path) -> None:
    archive = tmp_path / "evil.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("../outside/events.csv", SAMPLE2)
    with pytest.raises(UnsafeZipError, match=r"'\.\./outside/events\.csv'"):
        kcdc_hep.read(archive)
    archive2 = tmp_path / "abs.zip"
    with zipfile.ZipFile(archive2, "w") as zf:
        zf.writestr("/etc/events.csv", SAMPLE2)
    with pytest.raises(UnsafeZipError, match="absolute"):
        kcdc_hep.read(archive2)
    with pytest.raises(UnsafeZipError):
        kcdc_hep.read(f"{archive2}:../x.csv")


def test_zip_member_is_read_in_place(tmp_path: Path) -> None:
    archive = tmp_path / "SmallDataSample.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data/sample2.csv", SAMPLE2)
        zf.writestr("data/Info.txt", "about this export\n")
    events = kcdc_hep.read(archive)
    assert ak.to_list(events.primary) == ["C", "Fe"]
    assert ak.to_list(kcdc_hep.read(f"{archive}:data/sample2.csv")) == ak.to_list(events)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["SmallDataSample.zip"]  # nothing extracted


@pytest.mark.shared_data
def test_real_kcdc_simulation_export_reads_exactly(shared_data: Path) -> None:
    path = shared_data / "kcdc_sim_sample_2940.csv"
    events = kcdc_hep.read(path, cache=False)
    assert len(events) == 2940
    assert events.fields == ["lgE", "lgNe", "lgNmu", "zenith", "azimuth", "core_x", "core_y", "core_dist", "age"]
    # exact values: compare with Python's own float parsing of every field
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    raw = np.array([[float(v) for v in line.split(",")] for line in lines[1:]])
    for source, field in [("lgE", "lgE"), ("X", "core_x"), ("Y", "core_y"), ("Ze", "zenith"), ("Age", "age")]:
        assert np.array_equal(ak.to_numpy(events[field]), raw[:, header.index(source)])
