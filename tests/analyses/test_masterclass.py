"""The main job: run_masterclass on small generated samples writes every output, and the outputs hold up.

Closure: the measured sample is simulated with a known composition (half protons, half iron) and the all-particle
spectrum of the KASCADE 2024 sky (knee at 4.2 PeV); the job must find them again, with the simulation library
(equal numbers of p ... Fe on E^-2, written with its generation record) as the simulation.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import kcdc_hep
from kcdc_hep.analyses.masterclass import FIGURES, MasterclassResult, run_masterclass
from kcdc_hep.analyses.masterclass.physics import ElementSpectra
from kcdc_hep.analyses.masterclass.summary import Failure
from kcdc_hep.errors import ArgumentError, MissingColumnError, MissingFileError, OutputExistsError, SchemaError
from kcdc_hep.fits import CompositionResult, FitResult, HeavyFraction, KneeResult, SeparationLine
from kcdc_hep.simulation.generator import BrokenPowerLaw, simulate, simulate_library
from kcdc_hep.simulation.samples import write_library
from kcdc_hep.simulation.sky import KASCADE_2024_SKY
from kcdc_hep.spectrum import FluxSpectrum

N_DATA = 200_000
N_SIM = 150_000
INJECTED = {"p": 0.5, "Fe": 0.5}
INJECTED_LNA = 0.5 * math.log(56)
ENERGY_BINS = (15.0, 15.3, 15.6, 16.0, 16.5)


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Small samples as files: data (sample-3-like, with times; 50 % p + 50 % Fe, knee 4 PeV) and simulation."""
    folder = tmp_path_factory.mktemp("masterclass_inputs")
    data = simulate(N_DATA, seed=11, kind="data", composition=INJECTED, lgE_range=(14.5, 18.0))
    # the simulation: a library thrown on E^-2 from 10^14.6 eV (the job re-weights it), with its generation record
    sim, generation = simulate_library(N_SIM, seed=12, lgE_range=(14.6, 18.0))
    paths: dict[str, Any] = {"data": folder / "data.csv", "sim": folder / "sim.root", "sim_small": folder / "small.csv"}
    kcdc_hep.write(data, paths["data"])
    write_library(sim, generation, paths["sim"])
    # for the tests of the plumbing, where physics does not matter: a plain simulation without generation record
    small = simulate(20_000, seed=13, kind="simulation", lgE_range=(14.8, 17.5),
                     spectrum=BrokenPowerLaw(knee_PeV=4.0, gamma1=-2.0, gamma2=-2.0))  # fmt: skip
    kcdc_hep.write(small, paths["sim_small"])
    # masterclass sample 1 shape: only E Ne Nmu Ze, whitespace separated, no times, no core, no age
    sample1 = folder / "sample1.txt"
    first = data[:30_000]
    rows = np.column_stack([np.asarray(first[f]) for f in ("lgE", "lgNe", "lgNmu", "zenith")])
    np.savetxt(sample1, rows, fmt="%.5f", header="E Ne Nmu Ze", comments="")
    paths["sample1"] = sample1
    paths["n_data_selected"] = kcdc_hep.select(data, kcdc_hep.Cuts())[1].n_selected
    return paths


@pytest.fixture(scope="module")
def result(samples: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> MasterclassResult:
    return run_masterclass(
        data=samples["data"],
        sim=samples["sim"],
        out=tmp_path_factory.mktemp("masterclass_out"),
        progress=False,
        energy_bins=ENERGY_BINS,
        step_size=60_000,  # several chunks per input: exercises the streaming
    )


# ------------------------------------------------------------------------------------------------ outputs
def test_every_output_is_written(result: MasterclassResult) -> None:
    assert set(result.figures) == set(FIGURES)
    for path in (*result.figures.values(), result.masterclass_root, result.summary_json, result.report):
        assert path.is_file() and path.stat().st_size > 1000, path
        assert path.parent == result.out
    from PIL import Image

    for name, path in result.figures.items():
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        with Image.open(path) as im:
            pixels = np.asarray(im.convert("L"), dtype=float)
            assert im.width >= 1000, f"{name}: {im.width} px is too small for a projector"
        assert pixels.std() > 10, f"{name} looks blank"
    assert not list(result.out.glob("*.part")) and not list(result.out.glob(".*"))


def test_every_analysis_is_a_typed_record(result: MasterclassResult) -> None:
    assert isinstance(result.gauss, FitResult) and isinstance(result.composition, CompositionResult)
    assert isinstance(result.separation_line, SeparationLine) and isinstance(result.heavy_fraction, HeavyFraction)
    assert isinstance(result.flux, FluxSpectrum) and isinstance(result.knee, KneeResult)
    assert isinstance(result.light_heavy, CompositionResult) and isinstance(result.element_spectra, ElementSpectra)
    assert result.failures == {}
    assert result.flux.label == "this analysis"
    assert result.exposure.live_time_s is not None and result.exposure.live_time_s > 0
    assert result.flux.exposure_m2_s_sr == pytest.approx(
        result.exposure.live_time_s * math.pi * 91.0**2 * math.pi * math.sin(math.radians(18.0)) ** 2
    )


def test_cutflows_and_gauss(result: MasterclassResult, samples: dict[str, Any]) -> None:
    assert result.cutflow.n_total == N_DATA
    assert result.cutflow.n_selected == samples["n_data_selected"]
    assert [st.name for st in result.cutflow.steps] == ["zenith", "core", "age"]
    assert result.cutflow_simulation.n_total == N_SIM
    assert result.cuts_switched_off == ()
    g = result.gauss
    assert isinstance(g, FitResult) and g.valid
    assert 0.9 < g["Mean"] < 1.5 and 0.01 < g["Sigma"] < 0.3
    assert 0 < g.error("Mean") < 0.01


def test_summary_json_is_the_result_as_a_dict(result: MasterclassResult) -> None:
    s = json.loads(result.summary_json.read_text())
    now = result.to_dict()
    assert {k: v for k, v in s.items() if k != "platform"} == {k: v for k, v in now.items() if k != "platform"}
    assert list(s) == [
        "kcdc_hep_version", "inputs", "cuts", "cuts_switched_off", "cutflow", "cutflow_simulation", "energy_bins_lgE",
        "gauss_ratio", "composition", "element_spectra", "separation_line", "heavy_fraction", "exposure", "flux",
        "knee", "fit_errors", "timings_s", "platform",
    ]  # fmt: skip
    # the JSON carries the numbers of the records
    assert s["inputs"]["n_data_events"] == result.cutflow.n_total == N_DATA
    assert s["cutflow"] == result.cutflow.to_dict()
    assert isinstance(result.gauss, FitResult) and isinstance(result.knee, KneeResult)
    assert s["gauss_ratio"]["mu"] == result.gauss["Mean"] and s["gauss_ratio"]["mu_err"] == result.gauss.error("Mean")
    assert s["gauss_ratio"]["fit"] == result.gauss.to_dict()
    assert s["knee"]["E_knee_err_PeV"] == result.knee.E_knee_err_PeV
    assert s["knee"]["energy_range_GeV"] == [1e6, 3e8]
    assert s["exposure"]["live_time_s"] == result.exposure.live_time_s
    assert s["fit_errors"] == {} and s["timings_s"]["total"] > 0
    assert {"composition", "unfolding"} <= set(s["timings_s"])


def test_summary_contract_of_composition_and_element_spectra(result: MasterclassResult) -> None:
    """The keys other tools read: composition.bins and element_spectra (lg(E/eV), m^-2 s^-1 sr^-1 GeV^-1)."""
    s = json.loads(result.summary_json.read_text())
    groups = ["p", "He", "C", "Si", "Fe"]
    bins = s["composition"]["bins"]
    assert [(b["lgE_low"], b["lgE_high"]) for b in bins] == list(itertools.pairwise(ENERGY_BINS))
    for b in bins:
        keys = {"lgE_low", "lgE_high", "valid", "reason", "fractions", "errors", "mean_lnA", "mean_lnA_err"}
        assert keys <= set(b)
        assert list(b["fractions"]) == groups and list(b["errors"]) == groups
        if b["valid"]:
            assert all(e > 0 for e in b["errors"].values()), b  # a fraction at zero gets an interval, not ±0
            for p, (lo, hi) in b["intervals"].items():
                assert lo <= b["fractions"][p] <= hi
    light_heavy = s["composition"]["light_heavy"]
    assert light_heavy["groups"] == {"light": ["p", "He"], "heavy": ["C", "Si", "Fe"]}
    assert [list(b["fractions"]) for b in light_heavy["bins"]] == [["light", "heavy"]] * len(bins)
    spectra = s["element_spectra"]
    assert spectra["unit"] == "m^-2 s^-1 sr^-1 GeV^-1"
    assert spectra["lgE_edges"] == pytest.approx(list(ENERGY_BINS))
    assert list(spectra["groups"]) == groups
    for g in groups:
        assert len(spectra["groups"][g]["flux"]) == len(spectra["groups"][g]["flux_err"]) == len(ENERGY_BINS) - 1
    assert set(spectra["knees"]) == set(groups)


def test_composition_closure(result: MasterclassResult) -> None:
    """The data are 50 % protons and 50 % iron: the fit finds ⟨ln A⟩ = 2.01 and mostly p and Fe."""
    comp = result.composition
    assert isinstance(comp, CompositionResult)
    assert comp.primaries == ("p", "He", "C", "Si", "Fe") and comp.observable == "lnA"
    assert len(comp.n_data) == len(ENERGY_BINS) - 1
    np.testing.assert_array_equal(comp.energy_edges, ENERGY_BINS)
    assert comp.valid.sum() >= 3
    for i in np.flatnonzero(comp.valid):
        assert comp.fractions[i].sum() == pytest.approx(1.0)
        assert comp.fraction("p")[i] + comp.fraction("He")[i] > 0.3
        assert comp.fraction("Fe")[i] + comp.fraction("Si")[i] > 0.3
        pull = (comp.mean_lnA[i] - INJECTED_LNA) / math.hypot(comp.mean_lnA_err[i], 0.1)
        assert abs(pull) < 4, str(comp)
    light = result.light_heavy
    assert isinstance(light, CompositionResult) and light.primaries == ("light", "heavy")
    # half light, half heavy; method bias: the light and heavy templates mix their elements as the published
    # spectra do (He in light, C and Si in heavy), so pure protons and iron come out 0.06-0.08 too heavy here
    for i in np.flatnonzero(light.valid):
        assert -0.12 < light.fraction("light")[i] - 0.5 < 4 * light.fraction_error("light")[i], str(light)


def test_element_spectra_closure(result: MasterclassResult) -> None:
    """Unfolded light (p + He) and heavy (C + Si + Fe) fluxes: each half of the sky's all-particle flux."""
    spectra = result.element_spectra
    assert isinstance(spectra, ElementSpectra) and spectra.result.valid
    both = spectra.light_heavy
    edges = np.asarray(both.lgE_edges)
    half = 0.5 * KASCADE_2024_SKY.integrated_flux(edges).sum(axis=0) / np.diff(10.0 ** (edges - 9.0))
    pulls = (both.flux - half) / both.flux_err
    assert np.all(np.abs(pulls) < 4), pulls.round(2)
    mean, err = spectra.result.mean_lnA()
    assert np.all(np.abs(mean - INJECTED_LNA) < 4 * err + 0.2), (mean.round(2), err.round(2))


def test_knee_closure(result: MasterclassResult) -> None:
    """The data were simulated with a knee at 4 PeV, indices −2.7 and −3.1."""
    knee = result.knee
    assert isinstance(knee, KneeResult) and knee.valid
    assert 2.0 < knee.E_knee_PeV < 8.0
    assert abs(knee.E_knee_PeV - 4.0) < 4 * knee.E_knee_err_PeV + 0.5
    assert -3.0 < knee.gamma1 < -2.3 and -3.8 < knee.gamma2 < -2.8
    assert knee.gamma2 < knee.gamma1


def test_heavy_fraction_and_line(result: MasterclassResult) -> None:
    line, hf = result.separation_line, result.heavy_fraction
    assert isinstance(line, SeparationLine) and isinstance(hf, HeavyFraction)
    assert line.light == "p" and line.heavy == "Fe" and line.accuracy > 0.8
    f = hf.fraction[np.isfinite(hf.fraction)]
    assert len(f) >= 3 and np.all((f > 0.3) & (f < 0.7))  # half iron, minus and plus misclassified showers
    np.testing.assert_array_equal(hf.energy_edges, ENERGY_BINS)


# ------------------------------------------------------------------------------------------------ ROOT
@pytest.mark.root
def test_root_file_opens_in_root(result: MasterclassResult, pyroot) -> None:  # type: ignore[no-untyped-def]
    ROOT = pyroot
    f = ROOT.TFile.Open(str(result.masterclass_root))
    assert f and not f.IsZombie()
    names = {k.GetName(): k.GetClassName() for k in f.GetListOfKeys()}
    for name in ("data_spectrum", "data_lgNe", "data_lgNmu", "data_ratio", "data_zenith", "data_azimuth"):
        assert names[name] == "TH1D", name
    for name in ("data_size_map", "data_core_map", "sim_p_size_map", "sim_Fe_size_map"):
        assert names[name] == "TH2D", name
    assert {f"sim_{p}_spectrum" for p in ("p", "He", "C", "Si", "Fe")} <= set(names)
    for name in ("data_lnA_ebin0", "sim_Fe_lnA_ebin0", "unfolded_p_flux", "unfolded_light_flux", "unfolded_mean_lnA",
                 "composition_Fe_fraction", "composition_light_fraction"):  # fmt: skip
        assert names[name] == "TH1D", name
    spectra = result.element_spectra
    assert isinstance(spectra, ElementSpectra)
    unfolded = f.Get("unfolded_Fe_flux")
    assert unfolded.GetBinContent(1) == pytest.approx(spectra.result.flux[4, 0], rel=1e-6)
    assert unfolded.GetBinError(1) == pytest.approx(spectra.result.flux_err[4, 0], rel=1e-6)
    n_selected = result.cutflow.n_selected
    h = f.Get("data_spectrum")
    assert h.GetEntries() == pytest.approx(n_selected)
    assert h.GetXaxis().GetTitle() == "lg(E/eV)"
    assert f.Get("data_lgNmu").Integral(0, h.GetNbinsX() + 1) == pytest.approx(n_selected)
    sim_total = sum(f.Get(f"sim_{p}_size_map").GetEntries() for p in ("p", "He", "C", "Si", "Fe"))
    assert sim_total == pytest.approx(result.cutflow_simulation.n_selected)
    # the ROOT C++ side: the interpreter opens the file and fits the ratio as the masterclass macro would
    ROOT.gInterpreter.Declare(
        """
        double kcdc_masterclass_mean(const char* path) {
            TFile f(path);
            auto h = f.Get<TH1D>("data_ratio");
            auto r = h->Fit("gaus", "QS0");
            return r->Parameter(1);
        }
        """
    )
    mean = ROOT.kcdc_masterclass_mean(str(result.masterclass_root))
    assert isinstance(result.gauss, FitResult)
    assert mean == pytest.approx(result.gauss["Mean"], abs=1e-4)
    f.Close()


# ------------------------------------------------------------------------------------------------ browser
def _browser(exe: str, url: str, profile: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    cmd = [
        exe,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        "--virtual-time-budget=10000",
        *extra,
        url,
    ]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


def test_report_opens_in_a_real_browser(result: MasterclassResult, chromium: str, tmp_path: Path) -> None:
    url = result.report.resolve().as_uri()
    run = _browser(chromium, url, tmp_path / "profile", "--dump-dom")
    assert run.returncode == 0, run.stderr[-2000:]
    dom = run.stdout
    body = re.search(r"<body[^>]*>", dom)
    assert body is not None
    assert 'data-report-status="ok"' in body.group(0), body.group(0)
    n = len(FIGURES)
    assert f'data-images-loaded="{n}/{n}"' in body.group(0)
    assert len(re.findall(r'<img [^>]*src="data:image/png;base64,', dom)) == n
    for name in FIGURES:
        assert f'data-figure="{name}"' in dom
    assert "Uncaught" not in run.stderr and "SyntaxError" not in run.stderr
    shot = tmp_path / "report.png"
    run = _browser(chromium, url, tmp_path / "profile2", f"--screenshot={shot}", "--window-size=1200,2000")
    assert run.returncode == 0 and shot.stat().st_size > 10_000


def test_report_is_self_contained_and_plain(result: MasterclassResult) -> None:
    text = result.report.read_text(encoding="utf-8")
    assert not re.search(r"""(src|href)=["'](?!data:|#)""", text), "the report must not load anything from outside"
    for phrase in ("falls very steeply", "more muons", "knee", "heavy", "electrons"):
        assert phrase in text
    words = re.sub(r"data:image/png;base64,[A-Za-z0-9+/=]+", "", text)
    for word in ("LHC", "CMS", "ATLAS"):
        assert word not in words


# ------------------------------------------------------------------------------------------------ errors, overwrite
def test_existing_outputs_are_refused_before_any_work(samples: dict[str, Any], tmp_path: Path) -> None:
    (tmp_path / "summary.json").write_text("{}")
    with pytest.raises(OutputExistsError, match="overwrite"):
        run_masterclass(data=samples["data"], sim=Path("does-not-exist.csv"), out=tmp_path, progress=False)
    assert (tmp_path / "summary.json").read_text() == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["summary.json"]


def test_measured_data_as_simulation_is_a_plain_error(samples: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(MissingColumnError, match=r"which particle started each shower.*--sim"):
        run_masterclass(data=samples["data"], sim=samples["data"], out=tmp_path / "o", progress=False)
    assert not (tmp_path / "o").exists()


def test_missing_file_is_a_plain_error(samples: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(MissingFileError, match="no such file"):
        run_masterclass(data=tmp_path / "nope.csv", sim=samples["sim"], out=tmp_path / "o", progress=False)


def test_sample1_without_times_core_or_age(samples: dict[str, Any], tmp_path: Path) -> None:
    """Masterclass sample 1 (E Ne Nmu Ze) works: the cuts it cannot apply are switched off, no flux, no knee."""
    r = run_masterclass(
        data=samples["sample1"], sim=samples["sim_small"], out=tmp_path, progress=False, energy_bins=(15.0, 15.5, 16.0)
    )
    assert [n.split()[0] for n in r.cuts_switched_off] == ["core_radius_max_m", "age_min", "age_max"]
    assert r.cuts.core_radius_max_m is None and r.cuts.zenith_max_deg == 18.0
    assert [st.name for st in r.cutflow.steps] == ["zenith"]
    assert isinstance(r.flux, Failure) and isinstance(r.knee, Failure)
    assert "no event times" in r.knee.reason
    assert set(r.failures) == {"flux", "knee", "element_spectra"} and r.exposure.live_time_s is None
    assert "generation record" in r.failures["element_spectra"]
    assert isinstance(r.gauss, FitResult)
    s = json.loads(r.summary_json.read_text())
    assert s["knee"] == {"error": r.knee.reason} and s["exposure"]["live_time_s"] is None
    assert set(r.figures) == set(FIGURES)
    assert "What could not be done" in r.report.read_text(encoding="utf-8")


def test_bad_options_are_argument_errors(samples: dict[str, Any], tmp_path: Path) -> None:
    def run(**kwargs: Any) -> MasterclassResult:
        return run_masterclass(
            data=samples["sample1"], sim=samples["sim_small"], out=tmp_path, progress=False, **kwargs
        )

    with pytest.raises(ArgumentError, match="energy_bins"):
        run(energy_bins=(16.0, 15.0))
    with pytest.raises(ArgumentError, match="step_size"):
        run(step_size=0)
    with pytest.raises(ArgumentError, match="either workers"):
        run(workers=2, scheduler="tcp://x:1")
    with pytest.raises(ArgumentError, match="positive number"):
        run(workers=0)
    assert not list(tmp_path.iterdir())  # refused before any work


def test_no_shower_passing_the_cuts_is_not_a_schema_error(samples: dict[str, Any], tmp_path: Path) -> None:
    with pytest.raises(ArgumentError, match="no simulated shower passes the cuts") as caught:
        run_masterclass(
            data=samples["sample1"],
            sim=samples["sim_small"],
            out=tmp_path,
            progress=False,
            cuts=kcdc_hep.Cuts(lgE_min=25.0),
        )
    assert not isinstance(caught.value, SchemaError)
    assert "loosen the cuts" in str(caught.value)


# ------------------------------------------------------------------------------------------------ CLI
def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MPLBACKEND": "Agg"}
    return subprocess.run(
        [sys.executable, "-m", "kcdc_hep", "masterclass", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_cli_runs_the_main_job(samples: dict[str, Any], tmp_path: Path) -> None:
    out = tmp_path / "cli_out"
    out.mkdir()
    (out / "report.html").write_text("old")
    refused = _cli("--data", str(samples["sample1"]), "--sim", str(samples["sim_small"]), "--out", str(out))
    assert refused.returncode != 0 and "overwrite" in refused.stderr
    run = _cli("--data", str(samples["sample1"]), "--sim", str(samples["sim_small"]), "--out", str(out), "--overwrite")
    assert run.returncode == 0, run.stderr[-3000:]
    assert run.stdout.strip() == f"report: {out / 'report.html'}"
    assert (out / "report.html").read_text() != "old"
    assert {p.name for p in out.iterdir()} >= {
        "masterclass.root",
        "summary.json",
        "report.html",
        *(f"{k}.png" for k in FIGURES),
    }


def test_cli_bad_data_is_one_line(samples: dict[str, Any], tmp_path: Path) -> None:
    run = _cli(
        "--data", str(tmp_path / "missing.csv"), "--sim", str(samples["sim_small"]), "--out", str(tmp_path / "o")
    )
    assert run.returncode != 0
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kcdc-hep: error:") and "missing.csv" in lines[0]
    assert "Traceback" not in run.stderr


def test_default_sample_is_used_without_inputs(tmp_path: Path) -> None:
    """No --data/--sim: the built-in sample 3 (data) and simulation.root (the library of sample 2 with its truth);
    small in tests (conftest scale)."""
    r = run_masterclass(out=tmp_path, progress=False)
    assert [Path(p).name for p in r.inputs.data] == ["sample3_data.csv"]
    assert [Path(p).name for p in r.inputs.simulation] == ["simulation.root"]
    assert r.inputs.builtin and r.inputs.has_truth
    assert r.cuts_switched_off == ()  # simulation.root has the shower age (sample 2 has not)
    assert [st.name for st in r.cutflow.steps] == ["zenith", "core", "age"]
    assert r.cutflow.n_selected > 0
    assert r.report.is_file() and set(r.figures) == set(FIGURES)
    assert "SYNTHETIC" in r.report.read_text(encoding="utf-8")
