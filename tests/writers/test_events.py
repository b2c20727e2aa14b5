"""Writing events: round trips, atomic outputs that never overwrite silently, and ROOT C++ interoperability."""

from __future__ import annotations

import subprocess
import textwrap
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

import kcdc_hep
from kcdc_hep.errors import CorruptFileError, OutputExistsError, UnsupportedFieldError


@pytest.fixture
def events(rng: np.random.Generator) -> ak.Array:
    """A small KCDC-like event sample with per-station lists, calorimeter values and missing components."""
    n = 500
    counts = rng.integers(0, 25, n)
    has_array = rng.random(n) < 0.9
    has_calor = rng.random(n) < 0.25
    total = int(counts.sum())

    def lists(values: np.ndarray) -> ak.Array:
        return ak.mask(ak.unflatten(values, counts), has_array)

    return ak.zip(
        {
            "lgE": rng.normal(15.0, 0.4, n),
            "lgNe": rng.normal(5.0, 0.5, n),
            "lgNmu": rng.normal(4.2, 0.4, n),
            "zenith": rng.uniform(0, 30, n),
            "azimuth": rng.uniform(0, 360, n),
            "core_x": rng.uniform(-91, 91, n),
            "core_y": rng.uniform(-91, 91, n),
            "time": (np.datetime64("2001-03-04T05:06:07", "ns") + np.sort(rng.integers(0, 10**15, n))),
            "run": np.full(n, 4711, np.int32),
            "event": np.arange(n, dtype=np.int64),
            "n_stations": ak.mask(ak.Array(counts.astype(np.int32)), has_array),
            "station": lists(rng.integers(0, 252, total).astype(np.int32)),
            "e_deposit": lists(rng.exponential(5.0, total).astype(np.float32)),
            "mu_deposit": lists(rng.exponential(1.0, total).astype(np.float32)),
            "arrival_time": lists(rng.normal(0, 20, total).astype(np.float32)),
            "ehad": ak.mask(ak.Array(rng.exponential(500.0, n)), has_calor),
            "nhad": ak.mask(ak.Array(rng.integers(0, 30, n).astype(np.int32)), has_calor),
        },
        depth_limit=1,
    )


def _same(a: ak.Array, b: ak.Array) -> None:
    # reading derives core_dist exactly from core_x, core_y; nothing else may appear or vanish
    assert set(b.fields) - set(a.fields) <= {"core_dist"} and set(a.fields) <= set(b.fields)
    if "core_dist" in b.fields and "core_dist" not in a.fields:
        assert np.array_equal(ak.to_numpy(b.core_dist), np.hypot(ak.to_numpy(a.core_x), ak.to_numpy(a.core_y)))
    for name in a.fields:
        assert ak.to_list(a[name]) == ak.to_list(b[name]), name


@pytest.mark.parametrize("suffix", [".root", ".parquet"])
def test_round_trip_is_exact(tmp_path: Path, events: ak.Array, suffix: str) -> None:
    path = kcdc_hep.write(events, tmp_path / f"events{suffix}")
    _same(events, kcdc_hep.read(path))
    _same(events, ak.concatenate(list(kcdc_hep.iterate(path, step_size=77))))


def test_csv_round_trip_of_scalar_fields(tmp_path: Path, events: ak.Array) -> None:
    scalar = events[["lgE", "lgNe", "zenith", "time", "run", "event", "ehad", "nhad"]]
    path = kcdc_hep.write(scalar, tmp_path / "events.csv")
    _same(scalar, kcdc_hep.read(path, cache=False))


def test_root_layout_is_kcdc_like(tmp_path: Path, events: ak.Array) -> None:
    import uproot

    path = kcdc_hep.write(events, tmp_path / "events.root", step_size=123)
    with uproot.open(path) as f:
        classes = f.classnames(cycle=False)
        assert classes == {"KCDC": "TTree", "KCDCM": "TTree", "Array": "TTree", "Calor": "TTree"}
        n_array = int(ak.sum(~ak.is_none(events.station)))
        n_calor = int(ak.sum(~ak.is_none(events.ehad)))
        assert f["Array"].num_entries == n_array and f["Calor"].num_entries == n_calor
        assert {"ArrivalN", "ArrivalS", "EDeposit", "MDeposit", "Arrival"} <= set(f["Array"].keys())
        assert {"E", "Ne", "Nmu", "Ze", "Az", "Xc", "Yc", "Gt", "Mt", "R", "Ev"} <= set(f["KCDC"].keys())
    # written in chunks of 123: the mapping still points at the right component entries
    _same(events, kcdc_hep.read(path))


def test_never_overwrites_silently_and_is_atomic(tmp_path: Path, events: ak.Array) -> None:
    path = tmp_path / "events.parquet"
    kcdc_hep.write(events, path)
    before = path.read_bytes()
    with pytest.raises(OutputExistsError, match="overwrite=True"):
        kcdc_hep.write(events[:10], path)
    assert path.read_bytes() == before
    with pytest.raises(UnsupportedFieldError, match="per-station lists"):
        kcdc_hep.write(events, tmp_path / "events.csv")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events.parquet"]  # no partial file left behind
    kcdc_hep.write(events[:10], path, overwrite=True)
    assert len(kcdc_hep.read(path)) == 10


def test_corrupt_root_content(tmp_path: Path, events: ak.Array) -> None:
    path = kcdc_hep.write(events, tmp_path / "events.root")
    data = bytearray(path.read_bytes())
    data[200:-200] = bytes(len(data) - 400)  # same length, content destroyed
    bad = tmp_path / "corrupt.root"
    bad.write_bytes(bytes(data))
    with pytest.raises(CorruptFileError):
        kcdc_hep.read(bad)


# ---------------------------------------------------------------------------------------- ROOT C++
@pytest.mark.root
def test_root_cpp_reads_our_ttrees(tmp_path: Path, events: ak.Array, root_exe: str) -> None:
    path = kcdc_hep.write(events, tmp_path / "events.root")
    macro = tmp_path / "dump.C"
    macro.write_text(
        textwrap.dedent(
            f"""
            void dump() {{
              TFile f("{path}");
              auto* k = (TTree*)f.Get("KCDC"); auto* m = (TTree*)f.Get("KCDCM"); auto* a = (TTree*)f.Get("Array");
              Double_t E; Long64_t Gt; Int_t Mt, idx, n; Float_t edep[300];
              k->SetBranchAddress("E", &E); k->SetBranchAddress("Gt", &Gt); k->SetBranchAddress("Mt", &Mt);
              m->SetBranchAddress("ArrayIdx", &idx);
              a->SetBranchAddress("ArrivalN", &n); a->SetBranchAddress("EDeposit", edep);
              for (Long64_t i = 0; i < k->GetEntries(); ++i) {{
                k->GetEntry(i); m->GetEntry(i);
                double sum = 0; int nst = -1;
                if (idx >= 0) {{ a->GetEntry(idx); nst = n; for (int j = 0; j < n; ++j) sum += edep[j]; }}
                printf("%.17g %lld %d %d %.9g\\n", E, Gt, Mt, nst, sum);
              }}
            }}
            """
        )
    )
    out = subprocess.run([root_exe, "-b", "-q", "-l", str(macro)], capture_output=True, text=True, check=True)
    rows = [line.split() for line in out.stdout.splitlines() if line and line[0].isdigit()]
    assert len(rows) == len(events)
    assert [float(r[0]) for r in rows] == ak.to_list(events.lgE)
    ns = ak.to_numpy(events.time).astype(np.int64)
    assert [int(r[1]) * 10**9 + int(r[2]) for r in rows] == ns.tolist()
    n_st = ak.to_list(ak.fill_none(events.n_stations, -1))
    assert [int(r[3]) for r in rows] == n_st
    sums = ak.to_numpy(ak.fill_none(ak.sum(ak.values_astype(events.e_deposit, np.float64), axis=1), 0.0))
    np.testing.assert_allclose([float(r[4]) for r in rows], sums, rtol=1e-6)


@pytest.mark.root
def test_we_read_a_file_written_by_root_cpp(tmp_path: Path, root_exe: str) -> None:
    path = tmp_path / "cpp.root"
    macro = tmp_path / "make.C"
    macro.write_text(
        textwrap.dedent(
            f"""
            void make() {{
              TFile f("{path}", "RECREATE");
              TTree t("KCDC", "written by ROOT C++");
              Float_t E, Ne, Nmu; Double_t Ze; Int_t R, ArrivalN; Float_t EDeposit[300];
              std::vector<float> MDeposit;
              t.Branch("E", &E, "E/F"); t.Branch("NE", &Ne, "NE/F"); t.Branch("nmu", &Nmu, "nmu/F");
              t.Branch("Ze", &Ze, "Ze/D"); t.Branch("R", &R, "R/I"); t.Branch("ArrivalN", &ArrivalN, "ArrivalN/I");
              t.Branch("EDeposit", EDeposit, "EDeposit[ArrivalN]/F"); t.Branch("MDeposit", &MDeposit);
              Int_t Extra; t.Branch("MyOwnBranch", &Extra, "MyOwnBranch/I");
              for (int i = 0; i < 6; ++i) {{
                E = 14.5f + 0.25f * i; Ne = 4.0f + i; Nmu = 3.5f + 0.5f * i; Ze = 1.5 * i; R = 9; Extra = 100 + i;
                ArrivalN = i; MDeposit.clear();
                for (int j = 0; j < i; ++j) {{ EDeposit[j] = 0.5f * j + i; MDeposit.push_back(2.0f * j); }}
                t.Fill();
              }}
              t.Write();
            }}
            """
        )
    )
    subprocess.run([root_exe, "-b", "-q", "-l", str(macro)], capture_output=True, text=True, check=True)
    events = kcdc_hep.read(path)
    assert events.fields == ["lgE", "lgNe", "lgNmu", "zenith", "run", "n_stations", "e_deposit", "mu_deposit",
                             "MyOwnBranch"]  # fmt: skip
    assert ak.to_list(events.lgE) == [14.5, 14.75, 15.0, 15.25, 15.5, 15.75]
    assert ak.to_list(events.lgNe) == [4.0, 5.0, 6.0, 7.0, 8.0, 9.0]
    assert ak.to_list(events.zenith) == [0.0, 1.5, 3.0, 4.5, 6.0, 7.5]
    assert ak.to_list(events.e_deposit[3]) == [3.0, 3.5, 4.0]
    assert ak.to_list(events.mu_deposit[3]) == [0.0, 2.0, 4.0]
    assert ak.to_list(events.MyOwnBranch) == [100, 101, 102, 103, 104, 105]


def test_rntuple_reads_like_a_ttree(tmp_path: Path, rng: np.random.Generator) -> None:
    import uproot

    data = {"E": rng.normal(15, 0.3, 50), "Ne": rng.normal(5, 0.3, 50), "Ze": rng.uniform(0, 18, 50)}
    path = tmp_path / "rntuple.root"
    with uproot.recreate(path) as f:
        f["events"] = data  # uproot >= 5.7 writes an RNTuple on plain assignment
    with uproot.open(path) as f:
        assert f.classnames(cycle=False)["events"] == "ROOT::RNTuple"
    events = kcdc_hep.read(path)
    assert events.fields == ["lgE", "lgNe", "zenith"]
    assert ak.to_list(events.lgE) == data["E"].tolist()
