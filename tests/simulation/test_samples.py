"""The synthetic sample files: exact headers, byte-identical for a seed, and read back into the same events."""

from __future__ import annotations

import json
import os
import time
import zipfile
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

import kcdc_hep
from kcdc_hep import schema
from kcdc_hep.errors import ArgumentError, MissingDependencyError, OutputExistsError
from kcdc_hep.estimators import estimate_energy
from kcdc_hep.provenance import provenance_of
from kcdc_hep.readers import format_of
from kcdc_hep.simulation import samples
from kcdc_hep.simulation.generator import simulate, simulate_library

N = 1500
SEED = 77


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return samples.generate(tmp_path_factory.mktemp("gen") / "a", events=N, seed=SEED, progress=False)


@pytest.fixture(scope="module")
def expected() -> dict[str, ak.Array]:
    """The events behind the files, simulated again from the same seeds."""
    return {
        "data": simulate(N, seed=samples._seed_of(SEED, "data"), kind="data"),
        "simulation": simulate_library(N, seed=samples._seed_of(SEED, "simulation"))[0],
        "events": simulate(
            N, seed=samples._seed_of(SEED, "events"), kind="data", stations=True, calorimeter=True, grande=True
        ),
    }


def _column(events: ak.Array, name: str) -> np.ndarray:
    return ak.to_numpy(events[name])


# ------------------------------------------------------------------------------------------------ files
def test_all_files_are_written_with_the_exact_headers(generated: dict[str, Path]) -> None:
    assert sorted(generated) == sorted(samples.FILES)
    for name in ("sample1", "sample2", "sample3"):
        with open(generated[name]) as fh:
            lines = fh.read().splitlines()
        sep = " " if name == "sample1" else ","
        assert lines[0] == sep.join(samples.HEADERS[name])
        assert len(lines) == N + 1
        assert all(len(line.split(sep)) == len(samples.HEADERS[name]) for line in lines[1:50])
    for name, member in (("events", "events.root"), ("events_hdf5", "events.h5")):
        with zipfile.ZipFile(generated[name]) as zf:
            (info,) = zf.infolist()
            assert info.filename == member and info.compress_type == zipfile.ZIP_STORED


def test_simulation_root_records_how_the_library_was_thrown(generated: dict[str, Path], tmp_path: Path) -> None:
    """Sample 2 and simulation.root are one library: equal numbers of p ... Fe on E^-2 from 10^14 to 10^18 eV; the
    ROOT file says so (and how many were thrown), the CSV keeps its exact header and has no record."""
    _, thrown = simulate_library(N, seed=samples._seed_of(SEED, "simulation"))
    record = samples.read_generation(generated["simulation"])
    assert record == thrown
    assert record.index == samples.LIBRARY_INDEX and record.lgE_range == samples.LIBRARY_LGE_RANGE
    assert record.zenith_max_deg == samples.LIBRARY_ZENITH_MAX_DEG and record.elements == schema.MASS_GROUPS
    assert samples.read_generation(generated["sample2"]) is None
    assert generated["sample2"].read_text().splitlines()[0] == "Particle,lgE,X,Y,CoreDist,Ze,Az,lgNe,lgNmu"
    sim = kcdc_hep.read(generated["simulation"])
    assert set(sim.primary.to_list()) == set(schema.MASS_GROUPS)
    # a library written by write_library reads back the same way
    path = samples.write_library(sim, record, tmp_path / "library.root")
    assert samples.read_generation(path) == record
    with pytest.raises(OutputExistsError):
        samples.write_library(sim, record, path)
    with pytest.raises(ArgumentError, match=r"\.root"):
        samples.write_library(sim, record, tmp_path / "library.csv")


@pytest.mark.root
def test_root_cxx_reads_the_generation_record(generated: dict[str, Path]) -> None:
    root = pytest.importorskip("ROOT")
    f = root.TFile.Open(str(generated["simulation"]))
    try:
        text = str(f.Get(samples.GENERATION_KEY).GetString())
    finally:
        f.Close()
    assert json.loads(text)["n_thrown"] == list(samples.read_generation(generated["simulation"]).n_thrown)


def test_text_values_look_like_the_slides(generated: dict[str, Path]) -> None:
    row = generated["sample3"].read_text().splitlines()[1].split(",")
    assert len(row[0]) == 19 and row[0][10] == " " and row[0][:2] in ("19", "20")  # YYYY-MM-DD HH:MM:SS
    assert row[1] == "0"
    for value in row[2:]:
        digits = value.lstrip("-").replace(".", "").lstrip("0")
        assert len(digits) <= samples.DIGITS
    codes = {line.split(",")[0] for line in generated["sample2"].read_text().splitlines()[1:]}
    assert codes <= {"p", "he", "co", "si", "fe"} and len(codes) >= 3


def test_same_seed_gives_byte_identical_files_and_another_seed_other_files(
    generated: dict[str, Path], tmp_path: Path
) -> None:
    again = samples.generate(tmp_path / "b", events=N, seed=SEED, progress=False)
    other = samples.generate(tmp_path / "c", events=N, seed=SEED + 1, progress=False)
    for name, path in generated.items():
        assert path.read_bytes() == again[name].read_bytes(), name  # ROOT too: fixed TDatime, UUID and name
        assert path.read_bytes() != other[name].read_bytes(), name


def test_every_generated_file_says_it_is_synthetic_wherever_it_is_written(
    generated: dict[str, Path], tmp_path: Path
) -> None:
    """``kcdc-hep generate --out`` writes outside the built-in folder: a sidecar beside each file says what it is."""
    for name, path in generated.items():
        prov = provenance_of(path)
        kind = "simulation" if name in ("sample2", "simulation") else "data"
        assert prov.synthetic and prov.seed == SEED and prov.label == f"synthetic {kind}, seed {SEED}", name
        assert f"{path.name} (generated: seed {SEED}" in prov.source
    copy = tmp_path / "copy.csv"  # a copy without its sidecar claims nothing
    copy.write_bytes(generated["sample2"].read_bytes())
    assert not provenance_of(copy).synthetic and provenance_of(copy).label == "data"


def test_existing_files_are_never_overwritten_silently(generated: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "d"
    samples.generate(out, events=50, progress=False)
    before = (out / samples.FILES["sample1"]).read_bytes()
    with pytest.raises(OutputExistsError, match="overwrite"):
        samples.generate(out, events=60, progress=False)
    assert (out / samples.FILES["sample1"]).read_bytes() == before
    samples.generate(out, events=60, progress=False, overwrite=True)
    assert len((out / samples.FILES["sample1"]).read_text().splitlines()) == 61
    assert not [p for p in out.iterdir() if p.name.startswith(".")]  # no temporary leftovers
    for p in out.iterdir():  # a sidecar left alone is not overwritten either
        if p.name != "sample1_data.txt.provenance.json":
            p.unlink()
    with pytest.raises(OutputExistsError, match=r"sample1_data\.txt\.provenance\.json exists"):
        samples.generate(out, events=60, progress=False)
    assert not (out / samples.FILES["sample1"]).exists()


def test_bad_sizes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ArgumentError, match="scale"):
        samples.generate(tmp_path, scale=0.0, progress=False)
    with pytest.raises(ArgumentError, match="not both"):
        samples.generate(tmp_path, scale=0.1, events=10, progress=False)


def test_scale_multiplies_every_full_size() -> None:
    sizes = samples._sizes(0.001, None)
    assert sizes == {k: round(v * 0.001) for k, v in samples.FULL_SIZES.items()}
    assert samples._sizes(None, None) == samples.FULL_SIZES


# ------------------------------------------------------------------------------------------------ read back
def test_sample1_reads_back_to_the_events_at_text_precision(
    generated: dict[str, Path], expected: dict[str, ak.Array]
) -> None:
    got = kcdc_hep.read(generated["sample1"])
    data = expected["data"]
    assert got.fields == ["lgE", "lgNe", "lgNmu", "zenith"]
    cols = samples.sample1_columns(data)
    for field, col in (("lgE", "E"), ("lgNe", "Ne"), ("lgNmu", "Nmu"), ("zenith", "Ze")):
        np.testing.assert_array_equal(_column(got, field), cols[col])  # the written decimals, exactly
        np.testing.assert_allclose(_column(got, field), _column(data, field), rtol=6e-6)
    assert np.max(np.abs(_column(got, "lgE") - _column(data, "lgE"))) < 2e-4


def test_sample2_reads_back_with_primaries(generated: dict[str, Path], expected: dict[str, ak.Array]) -> None:
    got = kcdc_hep.read(generated["sample2"])
    truth = expected["simulation"]
    assert got.primary.to_list() == truth.primary.to_list()
    for field in ("lgNe", "lgNmu", "zenith", "azimuth", "core_x", "core_y"):
        np.testing.assert_allclose(_column(got, field), _column(truth, field), rtol=6e-6, atol=1e-9)
    # CoreDist is computed from the rounded X and Y (each off by up to 5e-5 m), then rounded itself
    np.testing.assert_allclose(_column(got, "core_dist"), _column(truth, "core_dist"), rtol=6e-6, atol=1.2e-4)


def test_sample3_reads_back_with_time_and_weather(generated: dict[str, Path], expected: dict[str, ak.Array]) -> None:
    got = kcdc_hep.read(generated["sample3"])
    data = expected["data"]  # with events=N, sample 3 holds every event of the data set
    assert "primary" not in got.fields  # particle_id 0: measured data
    t = _column(data, "time").astype("datetime64[s]").astype("datetime64[ns]")
    np.testing.assert_array_equal(_column(got, "time"), t)
    assert np.all(np.diff(_column(got, "time").astype(np.int64)) >= 0)
    for field in ("lgNe", "lgNmu", "zenith", "azimuth", "core_x", "core_y", "age", "temperature", "pressure"):
        np.testing.assert_allclose(_column(got, field), _column(data, field), rtol=6e-6, atol=1e-9)


def test_sample3_is_a_run_subset_of_sample1(tmp_path: Path) -> None:
    files = samples.generate(tmp_path, scale=0.004, seed=SEED, progress=False)
    s1, s3 = kcdc_hep.read(files["sample1"]), kcdc_hep.read(files["sample3"])
    assert len(s1) == round(samples.FULL_SIZES["sample1"] * 0.004) and len(s3) == round(
        samples.FULL_SIZES["sample3"] * 0.004
    )
    assert np.isin(_column(s3, "lgNe"), _column(s1, "lgNe")).all()
    span = _column(s3, "time").max() - _column(s3, "time").min()
    assert span > np.timedelta64(5 * 365, "D")


def test_root_files_read_back_exactly(generated: dict[str, Path], expected: dict[str, ak.Array]) -> None:
    sim_root = kcdc_hep.read(generated["simulation"])
    truth = expected["simulation"]
    assert set(sim_root.fields) == set(truth.fields)
    for field in truth.fields:
        assert ak.to_list(sim_root[field]) == ak.to_list(truth[field]), field
    events = kcdc_hep.read(generated["events"])
    ev = expected["events"]
    assert set(events.fields) == set(ev.fields)
    for field in ev.fields:
        assert ak.to_list(events[field]) == ak.to_list(ev[field]), field


@pytest.mark.parametrize("name", ["sample1", "sample2", "sample3", "simulation", "events"])
def test_the_kcdc_estimator_recomputes_every_energy_column(generated: dict[str, Path], name: str) -> None:
    ev = kcdc_hep.read(generated[name])
    lgE = estimate_energy(_column(ev, "lgNe"), _column(ev, "lgNmu"), _column(ev, "zenith"))
    assert np.max(np.abs(lgE - _column(ev, "lgE"))) < 1e-4


def test_the_hdf5_zip_holds_the_events_of_the_root_zip_field_for_field(generated: dict[str, Path]) -> None:
    from_root = kcdc_hep.read(generated["events"])
    from_hdf5 = kcdc_hep.read(generated["events_hdf5"])
    assert format_of(generated["events_hdf5"]) == "hdf5"
    assert from_hdf5.fields == from_root.fields
    assert str(from_hdf5.type) == str(from_root.type)  # the same dtypes and missing values
    for field in from_root.fields:
        assert ak.to_list(from_hdf5[field]) == ak.to_list(from_root[field]), field
    assert {"station", "e_deposit", "grande_core_x", "ehad"} <= set(from_hdf5.fields)
    chunks = list(kcdc_hep.iterate(generated["events_hdf5"], step_size=400))
    assert [len(c) for c in chunks] == [400, 400, 400, 300]
    assert ak.to_list(ak.concatenate(chunks).e_deposit) == ak.to_list(from_root.e_deposit)


def test_events_have_a_grande_component_and_the_text_samples_do_not(generated: dict[str, Path]) -> None:
    events = kcdc_hep.read(generated["events"])
    assert set(schema.GRANDE_FIELDS) <= set(events.fields)
    for name in ("sample1", "sample2", "sample3", "simulation"):
        assert not set(schema.GRANDE_FIELDS) & set(kcdc_hep.read(generated[name]).fields), name


def test_without_h5py_the_hdf5_twin_is_left_out_or_asked_for(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "h5py", None)  # as if h5py were not installed
    monkeypatch.setattr(samples.importlib.util, "find_spec", lambda name, *a: None if name == "h5py" else object())
    files = samples.generate(tmp_path / "a", events=50, progress=False)
    assert sorted(files) == sorted(samples.SAMPLE_NAMES)
    with pytest.raises(MissingDependencyError, match=r"kcdc_hep\[hdf5\]"):
        samples.generate(tmp_path / "b", events=50, progress=False, hdf5=True)
    assert not (tmp_path / "b").exists() or not list((tmp_path / "b").iterdir())


def test_events_root_has_the_kcdc_trees(generated: dict[str, Path], tmp_path: Path) -> None:
    import uproot

    with zipfile.ZipFile(generated["events"]) as zf:
        zf.extract("events.root", tmp_path)
    with uproot.open(tmp_path / "events.root") as f:
        trees = {k.split(";")[0]: f[k].num_entries for k in f.keys(cycle=True) if f[k].classname == "TTree"}
        assert trees["KCDC"] == trees["KCDCM"] == N
        assert 0.85 * N < trees["Array"] < 0.97 * N and 0.15 * N < trees["Calor"] < 0.32 * N
        assert trees.get("Grande", 0) < 0.02 * N  # Grande sees only the few showers above ~10^16 eV
        assert type(f.file.compression).__name__ == "LZ4"


@pytest.mark.root
def test_root_cxx_reads_the_events_file(generated: dict[str, Path], tmp_path: Path) -> None:
    root = pytest.importorskip("ROOT")
    with zipfile.ZipFile(generated["events"]) as zf:
        zf.extract("events.root", tmp_path)
    f = root.TFile.Open(str(tmp_path / "events.root"))
    try:
        array = f.Get("Array")
        assert f.Get("KCDC").GetEntries() == N
        total = 0
        for _ in array:
            total += array.ArrivalN
        assert total > 10 * array.GetEntries()
    finally:
        f.Close()


# ------------------------------------------------------------------------------------------------ default sample
def test_default_sample_is_generated_once_and_reused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KCDC_HEP_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("KCDC_HEP_DEFAULT_SCALE", "0.0003")
    path = samples.default_sample("sample2", progress=False)
    assert path.name == "sample2_simulation.csv" and path.parent == samples.sample_folder(seed=2940, scale=0.0003)
    assert path.parent.name == f"seed2940-scale0.0003-{samples.generator_fingerprint()}"
    stamp = path.stat().st_mtime_ns
    assert samples.default_sample("sample2_simulation.csv", progress=False) == path
    assert path.stat().st_mtime_ns == stamp
    assert samples.default_sample("events", progress=False).is_file()
    assert samples.default_sample("events_hdf5", progress=False).name == "SmallDataSample_withDataArrays_HDF5.zip"
    assert [p.name for p in (tmp_path / "samples").iterdir()] == [path.parent.name]
    with pytest.raises(ArgumentError, match="unknown sample"):
        samples.default_sample("sample9")
    monkeypatch.setenv("KCDC_HEP_DEFAULT_SCALE", "tiny")
    with pytest.raises(ArgumentError, match="KCDC_HEP_DEFAULT_SCALE"):
        samples.default_sample("sample1")


def test_half_written_cache_is_replaced(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KCDC_HEP_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("KCDC_HEP_DEFAULT_SCALE", "0.0002")
    broken = samples.sample_folder(seed=2940, scale=0.0002)
    broken.mkdir(parents=True)
    (broken / samples.FILES["sample1"]).write_text("E Ne\n")  # an interrupted earlier run
    path = samples.default_sample("sample1", progress=False)
    assert len(path.read_text().splitlines()) == round(samples.FULL_SIZES["sample1"] * 0.0002) + 1


def test_a_changed_generator_gets_a_new_folder_and_the_old_one_goes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KCDC_HEP_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("KCDC_HEP_DEFAULT_SCALE", "0.0002")
    stale = tmp_path / "samples" / "seed2940-scale0.0002-000000000000"  # written by an older generator
    stale.mkdir(parents=True)
    (stale / samples.FILES["sample1"]).write_text("E Ne Nmu Ze\n14 4 3 10\n")
    legacy = tmp_path / "samples" / "seed2940-scale0.0002"  # the key before fingerprints
    legacy.mkdir()
    other_scale = tmp_path / "samples" / "seed2940-scale0.0003-000000000000"
    other_scale.mkdir()
    in_use = tmp_path / "samples" / "seed2940-scale0.0002-111111111111"  # another installation's, used an hour ago
    in_use.mkdir()
    (in_use / ".last_used").touch()
    week = time.time() - samples.STALE_AFTER_S - 60
    for folder in (stale, legacy, in_use):
        os.utime(folder, (week, week))
    hour = time.time() - 3600
    os.utime(in_use / ".last_used", (hour, hour))
    path = samples.default_sample("sample1", progress=False)
    assert path.parent.name.endswith(samples.generator_fingerprint()) and path.parent != stale
    assert not stale.exists() and not legacy.exists() and other_scale.exists()
    assert in_use.exists()  # two versions sharing a cache do not delete each other's samples (even mid-generation)
    assert time.time() - (path.parent / ".last_used").stat().st_mtime < 60
    assert len(path.read_text().splitlines()) == round(samples.FULL_SIZES["sample1"] * 0.0002) + 1
    monkeypatch.setattr(samples, "_GENERATOR_SOURCES", ("simulation",))  # as if the generator's code changed
    assert samples.generator_fingerprint() != path.parent.name.rsplit("-", 1)[1]


def test_round_significant_keeps_six_digits() -> None:
    x = np.array([14.933549, 4.5557549, 1003.60049, 0.100000001, -22.430849, 359.99996])
    assert samples.round_significant(x).tolist() == [14.9335, 4.55575, 1003.6, 0.1, -22.4308, 360.0]
