"""run_masterclass on Dask (2 local worker processes) gives the outputs of the local run, number for number.

The local run happens in a subprocess that also checks that Dask was never imported; the Dask run splits every input
file into several partitions, so the merging, the cut flows, the separation-line points and the live time (joined
across partitions) are all exercised.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import kcdc_hep
from kcdc_hep.analyses.masterclass import MasterclassResult, run_masterclass
from kcdc_hep.errors import ArgumentError
from kcdc_hep.simulation.generator import BrokenPowerLaw, simulate

STEP = 12_000  # events per partition: 3 partitions per data file, 2 per simulation file
ENERGY_BINS = (15.0, 15.3, 15.6, 16.0, 16.5)


@pytest.fixture(scope="module")
def dask_installed() -> Any:
    """The ``distributed`` module; skips with "dask not installed" (CI installs the dask extra and fails on it)."""
    try:
        import distributed
    except ImportError:
        pytest.skip("dask not installed (pip install 'kcdc_hep[dask]')")
    return distributed


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Two data files (CSV, Parquet; with event times) and two simulation files (ROOT, CSV)."""
    folder = tmp_path_factory.mktemp("dask_inputs")
    data = simulate(60_000, seed=21, kind="data", composition={"p": 0.5, "Fe": 0.5}, lgE_range=(14.5, 18.0))
    sim = simulate(
        40_000,
        seed=22,
        kind="simulation",
        lgE_range=(14.8, 17.5),
        spectrum=BrokenPowerLaw(knee_PeV=4.0, gamma1=-2.0, gamma2=-2.0),
    )
    paths = {
        "data": [folder / "data_1.csv", folder / "data_2.parquet"],
        "sim": [folder / "sim_1.root", folder / "sim_2.csv"],
    }
    kcdc_hep.write(data[:30_000], paths["data"][0])
    kcdc_hep.write(data[30_000:], paths["data"][1])
    kcdc_hep.write(sim[:20_000], paths["sim"][0])
    kcdc_hep.write(sim[20_000:], paths["sim"][1])
    return {k: [os.fspath(p) for p in v] for k, v in paths.items()}


_LOCAL_RUN = """
import json, sys
from kcdc_hep.analyses.masterclass import run_masterclass
run_masterclass(data={data!r}, sim={sim!r}, out={out!r}, progress=False, energy_bins={bins!r}, step_size={step})
dask = sorted(m for m in sys.modules if m.split(".")[0] in ("dask", "distributed"))
print(json.dumps(dask))
"""


@pytest.fixture(scope="module")
def local(inputs: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """The local run, in a fresh interpreter: its output folder and the Dask modules it imported."""
    out = tmp_path_factory.mktemp("local_out")
    code = _LOCAL_RUN.format(step=STEP, data=inputs["data"], sim=inputs["sim"], out=os.fspath(out), bins=ENERGY_BINS)
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    return out, json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def on_dask(inputs: dict[str, Any], dask_installed: Any, tmp_path_factory: pytest.TempPathFactory) -> MasterclassResult:
    out = tmp_path_factory.mktemp("dask_out")
    return run_masterclass(
        data=inputs["data"],
        sim=inputs["sim"],
        out=out,
        progress=False,
        energy_bins=ENERGY_BINS,
        workers=2,
        step_size=STEP,
    )


def _numbers(summary: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in summary.items() if k not in ("timings_s", "platform")}


def test_local_run_imports_no_dask(local: tuple[Path, list[str]]) -> None:
    assert local[1] == []


def test_dask_summary_equals_local(local: tuple[Path, list[str]], on_dask: MasterclassResult) -> None:
    here = json.loads((local[0] / "summary.json").read_text())
    there = json.loads(on_dask.summary_json.read_text())
    assert _numbers(there) == _numbers(here)  # every number to the last bit: cut flows, fits, live time, knee
    # the parts that must be there for the comparison to mean something
    assert here["cutflow"]["n_total"] == 60_000
    assert here["cutflow_simulation"]["n_total"] == 40_000
    assert "mu" in here["gauss_ratio"]
    assert any(b["valid"] for b in here["composition"]["bins"])
    assert "E_knee_PeV" in here["knee"]
    assert here["exposure"]["live_time_s"] > 0
    assert "slope" in here["separation_line"]


def test_dask_histograms_equal_local(local: tuple[Path, list[str]], on_dask: MasterclassResult) -> None:
    import uproot

    with uproot.open(local[0] / "masterclass.root") as a, uproot.open(on_dask.masterclass_root) as b:
        names = sorted(a.keys(cycle=False))
        assert names == sorted(b.keys(cycle=False))
        assert len(names) > 20
        for name in names:
            ha, hb = a[name], b[name]
            assert np.array_equal(ha.values(flow=True), hb.values(flow=True)), name
            assert np.array_equal(ha.variances(flow=True), hb.variances(flow=True)), name
            assert ha.member("fEntries") == hb.member("fEntries"), name
            for k in range(len(ha.axes)):
                assert np.array_equal(ha.axes[k].edges(), hb.axes[k].edges()), name


def test_cli_workers(inputs: dict[str, Any], dask_installed: Any, tmp_path: Path) -> None:
    data_glob = os.path.join(os.path.dirname(inputs["data"][0]), "data_*")
    out = tmp_path / "cli"
    more = ["--out", os.fspath(out), "--workers", "2"]
    proc = subprocess.run(
        [sys.executable, "-m", "kcdc_hep", "masterclass", "--data", data_glob, "--sim", inputs["sim"][0], *more],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["cutflow"]["n_total"] == 60_000
    assert summary["cutflow_simulation"]["n_total"] == 20_000


def test_cli_workers_and_scheduler_exclude_each_other(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "kcdc_hep", "masterclass", "--workers", "2", "--scheduler", "tcp://x:1"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1  # a usage error is one line and exit 1, as every other error
    assert "not allowed with" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1


def test_workers_and_scheduler_refused(tmp_path: Path) -> None:
    with pytest.raises(ArgumentError, match="either workers"):
        run_masterclass(out=tmp_path, workers=2, scheduler="tcp://x:1", progress=False)
    with pytest.raises(ArgumentError, match="positive number"):
        run_masterclass(out=tmp_path, workers=0, progress=False)


# ------------------------------------------------------------------------------------------------ kcdc-hep run
_STATS = ("fEntries", "fTsumw", "fTsumw2", "fTsumwx", "fTsumwx2", "fTsumwy", "fTsumwy2", "fTsumwxy")


@pytest.fixture(scope="module")
def events_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from kcdc_hep.analyses.example import make_example_input

    return make_example_input(tmp_path_factory.mktemp("example") / "events.root", n_events=9_000, seed=7)


def test_example_on_dask_equals_local(events_root: Path, dask_installed: Any, tmp_path: Path) -> None:
    """``run(workers=2)`` writes the local histograms bit for bit: contents, entries and every statistics sum."""
    import uproot

    from kcdc_hep.analyses.example import HISTOGRAMS, run

    here = run(events_root, output=tmp_path / "local.root", step_size=2_000, progress=False)
    there = run(events_root, output=tmp_path / "dask.root", step_size=2_000, progress=False, workers=2)
    assert there == replace_output(here, there.output)
    with uproot.open(here.output) as a, uproot.open(there.output) as b:
        for spec in HISTOGRAMS:
            ha, hb = a[spec.name], b[spec.name]
            assert np.array_equal(ha.values(flow=True), hb.values(flow=True)), spec.name
            assert np.array_equal(ha.variances(flow=True), hb.variances(flow=True)), spec.name
            for member in _STATS:
                if member in ha.all_members:
                    assert ha.member(member) == hb.member(member), (spec.name, member)
            assert ha.member("fEntries") > 0, spec.name


def replace_output(result: Any, output: Path) -> Any:
    import dataclasses

    return dataclasses.replace(result, output=output)


def test_cli_run_workers(events_root: Path, dask_installed: Any, tmp_path: Path) -> None:
    out = tmp_path / "cli.root"
    more = ["--step-size", "3000", "--workers", "2"]
    proc = subprocess.run(
        [sys.executable, "-m", "kcdc_hep", "run", os.fspath(events_root), "--output", os.fspath(out), *more],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    assert "KCDC-Entries read from files: 9000" in proc.stdout
    from kcdc_hep.analyses.compare import compare_files

    local = tmp_path / "local.root"
    from kcdc_hep.analyses.example import run

    run(events_root, output=local, step_size=3_000, progress=False)
    assert compare_files(local, out, mode="exact", tolerance=0.0).ok


def test_example_local_run_imports_no_dask(events_root: Path, tmp_path: Path) -> None:
    code = (
        "import sys; from kcdc_hep.analyses.example import run; "
        f"run({os.fspath(events_root)!r}, output={os.fspath(tmp_path / 'x.root')!r}, progress=False); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().splitlines()[-1] == "[]"
