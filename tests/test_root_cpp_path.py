"""The ROOT C++ path: KCDC_analyze_example.C (interpreted, ACLiC, ROOT C++ kernel) and its Python twin agree bin for
bin; the shape tests of compare_files accept independent samples of the twin's output and flag shifted ones."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import awkward as ak
import numpy as np
import pytest
import uproot

import kcdc_hep
from kcdc_hep.analyses.compare import compare_files
from kcdc_hep.analyses.example import DEFAULT_OUTPUT, HISTOGRAMS, run
from kcdc_hep.errors import OutputExistsError

REPO = Path(__file__).resolve().parents[1]
MACRO = REPO / "macros" / "KCDC_analyze_example.C"
NOTEBOOKS = REPO / "notebooks"
PRINTED = ("Input file:", "KCDC-Entries read from files:", "KCDCM-Entries:", "Array Entries:", "Calor Entries:")


def synthetic_events(n: int, seed: int, *, shift: float = 0.0) -> ak.Array:
    """KCDC-like showers with array and calorimeter data, some values exactly on bin edges (float32 and double)."""
    rng = np.random.default_rng(seed)
    has_array = rng.random(n) < 0.9
    has_calor = rng.random(n) < 0.3
    counts = np.where(has_array, np.minimum(rng.poisson(15, n), 252), 0)
    total = int(counts.sum())
    first = np.repeat(rng.integers(0, 252, n), counts)
    local = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    stations = ((first + local) % 252).astype(np.int32)
    edges = np.array([10 ** (k / 10) for k in range(-12, 52)])
    e_dep = 10 ** rng.normal(1.0, 0.8, total)
    e_dep[: total // 20] = rng.choice(edges, total // 20)  # exactly on (float32-rounded) log edges
    mu_dep = np.where(rng.random(total) < 0.4, 0.0, 10 ** rng.normal(0.8, 0.4, total))
    arrival = rng.normal(0, 150, total)
    arrival[: total // 20] = rng.integers(-60, 61, total // 20) * 10.0  # bin edges of hArrival
    lg_e = rng.normal(14.4 + shift, 0.5, n)
    lg_e[: n // 20] = np.round(lg_e[: n // 20], 1)  # on hE's edges 13.1, 13.2, ... (not exact in binary)
    ne = rng.normal(3.7 + shift, 0.7, n)
    ne[: n // 20] = np.round(ne[: n // 20], 1)

    def lists(values: np.ndarray, dtype: type) -> ak.Array:
        return ak.mask(ak.unflatten(values.astype(dtype), counts), has_array)

    return ak.zip(
        {
            "lgE": lg_e,
            "lgNe": ne,
            "lgNmu": rng.normal(3.4, 0.5, n),
            "zenith": np.degrees(np.arccos(rng.uniform(0.5, 1.0, n))),
            "azimuth": rng.uniform(0, 360, n),
            "core_x": rng.uniform(-91, 91, n),
            "core_y": np.round(rng.uniform(-91, 91, n), 0),  # integers: edges of hCore
            "age": rng.normal(1.05, 0.25, n),
            "run": np.full(n, 4711, np.int32),
            "event": np.arange(n, dtype=np.int64),
            "n_stations": ak.mask(ak.Array(counts.astype(np.int32)), has_array),
            "station": lists(stations, np.int32),
            "e_deposit": lists(e_dep, np.float32),
            "mu_deposit": lists(mu_dep, np.float32),
            "arrival_time": lists(arrival, np.float32),
            "ehad": ak.mask(ak.Array(10 ** rng.normal(2.0, 0.8, n)), has_calor),
            "nhad": ak.mask(ak.Array(rng.poisson(10, n).astype(np.int32)), has_calor),
        },
        depth_limit=1,
    )


@pytest.fixture(scope="module")
def events_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A 4000-shower events.root in the KCDC layout, written in several baskets (step 1500)."""
    path = tmp_path_factory.mktemp("data") / "events.root"
    return kcdc_hep.write(synthetic_events(4000, 1), path, step_size=1500)


@pytest.fixture(scope="module")
def python_output(events_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("py") / DEFAULT_OUTPUT
    run(events_root, output=out, step_size=700, progress=False)  # chunks cut across baskets
    return out


def _root(root_exe: str, call: str, cwd: Path) -> list[str]:
    done = subprocess.run([root_exe, "-b", "-q", "-l", call], cwd=cwd, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def _printed(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith(PRINTED)]


def _assert_identical(a: Path, b: Path) -> None:
    report = compare_files(a, b)
    assert report.mode == "exact", report.table()
    assert report.ok, report.table()
    assert [r.name for r in report.rows] == [s.name for s in HISTOGRAMS]
    assert {r.status for r in report.rows} == {"identical"}


# ------------------------------------------------------------------------------------------ C++ vs Python
@pytest.mark.root
def test_macro_and_python_twin_print_the_same_and_agree_bin_for_bin(
    events_root: Path, python_output: Path, tmp_path: Path, root_exe: str, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = _root(root_exe, f'{MACRO}("{events_root}", "cpp.root")', tmp_path)
    run(events_root, output=tmp_path / "again.root", progress=False)
    assert _printed(capsys.readouterr().out.splitlines()) == _printed(lines)
    assert _printed(lines) == [
        f"Input file:{events_root}",
        "KCDC-Entries read from files: 4000",
        "KCDCM-Entries: 4000",
        f"Array Entries: {uproot.open(events_root)['Array'].num_entries}",
        f"Calor Entries: {uproot.open(events_root)['Calor'].num_entries}",
    ]
    _assert_identical(tmp_path / "cpp.root", python_output)
    _assert_identical(tmp_path / "again.root", python_output)  # the chunking does not matter


@pytest.mark.root
def test_root_reads_the_python_histograms_with_the_same_statistics(
    events_root: Path, python_output: Path, tmp_path: Path, root_exe: str, pyroot: object
) -> None:
    _root(root_exe, f'{MACRO}("{events_root}", "cpp.root")', tmp_path)
    ROOT = pyroot
    cpp, py = ROOT.TFile.Open(str(tmp_path / "cpp.root")), ROOT.TFile.Open(str(python_output))  # type: ignore[attr-defined]
    for spec in HISTOGRAMS:
        a, b = cpp.Get(spec.name), py.Get(spec.name)
        assert b.ClassName() == a.ClassName() == ("TH2D" if spec.y else "TH1D")
        assert b.GetSumw2N() == a.GetSumw2N() > 0
        assert b.GetEntries() == a.GetEntries()
        for axis in (1, 2) if spec.y else (1,):
            assert b.GetMean(axis) == pytest.approx(a.GetMean(axis), rel=1e-10, abs=1e-12)
            assert b.GetRMS(axis) == pytest.approx(a.GetRMS(axis), rel=1e-9)  # sums in another order
        assert (b.GetTitle(), b.GetXaxis().GetTitle()) == (a.GetTitle(), a.GetXaxis().GetTitle())


@pytest.mark.root
@pytest.mark.slow
def test_compiled_macro_agrees_bin_for_bin(
    events_root: Path, python_output: Path, tmp_path: Path, root_exe: str
) -> None:
    macro = shutil.copy(MACRO, tmp_path)  # ACLiC builds its library next to the macro: keep it out of the repo
    lines = _root(root_exe, f'{macro}+("{events_root}", "compiled.root")', tmp_path)
    assert "KCDC-Entries read from files: 4000" in lines
    _assert_identical(tmp_path / "compiled.root", python_output)


def _jupyter_env(tmp_path: Path) -> dict[str, str]:
    from kcdc_hep.classroom.kernels import install_kernels

    lines = install_kernels(prefix=tmp_path / "jupyter")
    assert any("ROOT C++ kernel 'root'" in line for line in lines), lines
    return {"JUPYTER_PATH": str(tmp_path / "jupyter" / "share" / "jupyter")}


@pytest.mark.root
@pytest.mark.slow
def test_notebooks_run_in_the_root_cpp_kernel_and_agree_with_python(
    tmp_path: Path, root_exe: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    nbclient = pytest.importorskip("nbclient")
    nbformat = pytest.importorskip("nbformat")
    for key, value in _jupyter_env(tmp_path).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("KCDC_HEP_DEFAULT_SCALE", "0.002")  # ~2000 showers
    work = tmp_path / "class"
    shutil.copytree(NOTEBOOKS, work / "notebooks", ignore=shutil.ignore_patterns("*.root", ".ipynb_checkpoints"))
    (work / "macros").mkdir()
    shutil.copy(MACRO, work / "macros")
    folder = work / "notebooks"
    for name in ("90_optional_root_cpp.ipynb", "91_optional_root_result_python.ipynb"):
        nb = nbformat.read(folder / name, as_version=4)
        nbclient.NotebookClient(nb, timeout=240, resources={"metadata": {"path": str(folder)}}).execute()
        errors = [o for c in nb.cells for o in c.get("outputs", []) if o.get("output_type") == "error"]
        assert not errors, errors
        texts = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
        if name.startswith("90_"):
            assert "KCDC-Entries read from files:" in texts and "Histograms written to:" in texts
        images = [o for c in nb.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})]
        assert images, f"{name} draws the histograms as a picture (offline: no JSROOT from the web)"
    run(folder / "work" / "events.root", output=tmp_path / "twin.root", progress=False)
    _assert_identical(folder / "work" / DEFAULT_OUTPUT, tmp_path / "twin.root")


# ------------------------------------------------------------------------------------------ Python details
def test_zip_input_and_refusing_to_overwrite(events_root: Path, python_output: Path, tmp_path: Path) -> None:
    archive = tmp_path / "SmallDataSample_withDataArrays_ROOT.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.write(events_root, "SmallDataSample/events.root")
        zf.writestr("SmallDataSample/Info.txt", "KCDC export")
    out = tmp_path / "from_zip.root"
    result = run(archive, output=out, progress=False)
    assert result.kcdc_entries == 4000 and result.histograms == tuple(s.name for s in HISTOGRAMS)
    _assert_identical(out, python_output)
    before = out.read_bytes()
    with pytest.raises(OutputExistsError, match="overwrite=True"):
        run(archive, output=out, progress=False)
    assert out.read_bytes() == before


def test_default_output_is_in_the_working_directory(
    events_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run(events_root, progress=False).output == Path("KCDC_analyze_example_output.root")
    assert (tmp_path / "KCDC_analyze_example_output.root").is_file()


# ------------------------------------------------------------------------------------------ shape mode on run()
# (compare_files itself is tested in tests/analyses/test_compare.py; these compare outputs of the twin for
# independent samples of the synthetic KCDC events above, per-station histograms included)
@pytest.fixture(scope="module")
def sample_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Python outputs of two independent samples of one distribution and of a shifted distribution."""
    folder = tmp_path_factory.mktemp("samples")
    out = {}
    for label, seed, shift in (("a", 11, 0.0), ("b", 12, 0.0), ("shifted", 13, 0.15)):
        path = kcdc_hep.write(synthetic_events(3000, seed, shift=shift), folder / f"{label}.root")
        out[label] = run(path, output=folder / f"{label}_hists.root", progress=False).output
    return out


def test_compare_passes_independent_samples_of_one_distribution(sample_outputs: dict[str, Path]) -> None:
    report = compare_files(sample_outputs["a"], sample_outputs["b"], mode="shape")
    assert report.mode.startswith("shape (p-value threshold 0.000313 = 0.01 / 32)")
    assert report.ok, report.table()
    assert all(r.chi2_p is not None and r.ks_p is not None for r in report.rows)


def test_compare_flags_statistically_different_samples(sample_outputs: dict[str, Path], tmp_path: Path) -> None:
    report = compare_files(sample_outputs["a"], sample_outputs["shifted"], mode="shape", plot_dir=tmp_path / "plots")
    flagged = {r.name for r in report.rows if r.status == "incompatible"}
    assert {"hE", "hNe", "hNeNmu", "hRatio"} <= flagged
    assert not report.ok
    assert (tmp_path / "plots" / "hE.png").stat().st_size > 5000
    assert (tmp_path / "plots" / "hNeNmu.png").is_file()
    # a looser threshold cannot rescue a shifted energy spectrum
    strict = compare_files(sample_outputs["a"], sample_outputs["shifted"], mode="shape", alpha=1e-6)
    assert "hE" in {r.name for r in strict.rows if not r.ok}


# ------------------------------------------------------------------------------------------ command line
def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kcdc_hep", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONWARNINGS": "ignore"})  # fmt: skip


def test_cli_run_and_compare(events_root: Path, python_output: Path, tmp_path: Path) -> None:
    done = _cli("run", str(events_root), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert _printed(done.stdout.splitlines())[1] == "KCDC-Entries read from files: 4000"
    assert (tmp_path / DEFAULT_OUTPUT).is_file()

    again = _cli("run", str(events_root), cwd=tmp_path)
    assert again.returncode == 1
    assert again.stderr.strip().count("\n") == 0 and "exists" in again.stderr and "--overwrite" in again.stderr

    assert _cli("run", str(events_root), "--overwrite", cwd=tmp_path).returncode == 0
    same = _cli("compare", DEFAULT_OUTPUT, str(python_output), cwd=tmp_path)
    assert same.returncode == 0, same.stdout
    assert "16 objects compared: all identical" in same.stdout

    with uproot.open(python_output) as fin, uproot.recreate(tmp_path / "b.root") as fout:
        for name in fin.keys(cycle=False):
            if name != "hE":
                fout[name] = fin[name]
    differ = _cli("compare", DEFAULT_OUTPUT, str(tmp_path / "b.root"), cwd=tmp_path)
    assert differ.returncode == 1 and "missing in B" in differ.stdout

    missing = _cli("run", "no_such_events.root", cwd=tmp_path)
    assert missing.returncode == 1
    assert missing.stderr.startswith("kcdc-hep: error: no_such_events.root: no such file")
    assert missing.stderr.strip().count("\n") == 0
    nofile = _cli("compare", "nothere.root", DEFAULT_OUTPUT, cwd=tmp_path)
    assert nofile.returncode == 1 and nofile.stderr.strip().count("\n") == 0
