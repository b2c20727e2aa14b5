"""Every notebook in notebooks/ runs top to bottom in its own kernel (nbclient), on a small default sample.

The notebooks run inside a workspace made by :func:`kcdc_hep.classroom.lab.prepare_workspace` (as ``kcdc-hep lab``
and the JupyterHub make it), laid out like the repository (``<tmp>/notebooks`` next to ``<tmp>/macros``) so that the
ROOT notebooks find their macro. The default sample is small (``KCDC_HEP_DEFAULT_SCALE`` = 0.002 from conftest:
~8 000 data and ~3 400 simulated showers). A notebook whose kernel is not installed (the ROOT C++ kernel ``root``) is
skipped; CI registers that kernel and turns such skips into failures.

A cell that runs longer than 120 s fails (a hang, not a slow machine: the five masterclass notebooks take about
55 s in all on two busy cores). Wall time is not asserted otherwise: it measures the machine, not the notebooks.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

from jupyter_client.kernelspec import KernelSpecManager  # noqa: E402

from kcdc_hep.classroom import exercises  # noqa: E402
from kcdc_hep.classroom.lab import prepare_workspace  # noqa: E402

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
MASTERCLASS = [p for p in NOTEBOOKS if re.match(r"0[1-5]_", p.name)]
CELL_TIMEOUT_S = 120


def _kernel(path: Path) -> str:
    return str(nbformat.read(path, as_version=4).metadata.get("kernelspec", {}).get("name", "python3"))


def _param(path: Path) -> Any:
    marks = [pytest.mark.root] if _kernel(path) == "root" else []
    return pytest.param(path, id=path.stem, marks=marks)


#: notebook 04 compares with the published KASCADE spectrum of ../shared/data: CI must run these tests
pytestmark = pytest.mark.shared_data


@pytest.fixture
def workspace(tmp_path: Path, shared_data: Path) -> Path:
    """A prepared workspace in ``<tmp>/notebooks`` with the published spectrum in ``data/``, macros beside it."""
    root = tmp_path / "class"
    published = shared_data / "kascade_2005_qgsjet01_all_particle_flux.txt"
    ws = prepare_workspace(root / "notebooks", data_files=[published])
    (root / "macros").symlink_to(REPO / "macros", target_is_directory=True)
    assert {p.name for p in ws.notebooks} == {p.name for p in NOTEBOOKS}
    return ws.path


def _execute(path: Path, cwd: Path) -> Any:
    name = _kernel(path)
    if name not in KernelSpecManager().find_kernel_specs():
        pytest.skip(f"{path.name} needs the Jupyter kernel {name!r}, which is not installed (kcdc-hep kernels)")
    nb = nbformat.read(path, as_version=4)
    env = {**os.environ, "KCDC_HEP_DEFAULT_SCALE": os.environ.get("KCDC_HEP_DEFAULT_SCALE", "0.002")}
    env["KCDC_HEP_WIDGETS"] = "0"  # nbclient can block a whole cell timeout after a widget (jupyter/nbclient#312)
    env.pop("KCDC_HEP_SOLUTIONS", None)
    client = nbclient.NotebookClient(
        nb, kernel_name=name, timeout=CELL_TIMEOUT_S, resources={"metadata": {"path": str(cwd)}}
    )
    try:
        client.execute(env=env)
    finally:
        nbformat.write(nb, path)  # the executed notebook stays in tmp for a look after a failure
    return nb


def _assert_clean(nb: Any, path: Path) -> None:
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.output_type != "error", f"{path.name}: {out.get('ename')}: {out.get('evalue')}"
            text = out.get("text", "") if out.output_type == "stream" else ""
            assert "Traceback" not in text, f"{path.name}: {text[:500]}"


@pytest.mark.parametrize("notebook", [_param(p) for p in NOTEBOOKS])
def test_notebook_runs_on_default_sample(notebook: Path, workspace: Path) -> None:
    path = workspace / notebook.name
    nb = _execute(path, workspace)
    _assert_clean(nb, path)
    if notebook in MASTERCLASS:
        # every exercise of the notebook was checked (with the placeholder answer) and left a parseable record
        number = notebook.name[:2]
        summary = exercises.class_summary([path])
        expected = [e for e in exercises.EXERCISES if e.startswith(number + ".")]
        assert list(summary.exercises) == expected
        assert set(summary.status[path.stem].values()) == {"not yet"}
        figures = sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
        assert figures >= 1, f"{notebook.name} drew no figure"


def _data_line(source: str) -> list[str]:
    return [line for line in source.splitlines() if line.startswith("DATA = ")]


@pytest.mark.parametrize("notebook", [pytest.param(p, id=p.stem) for p in MASTERCLASS])
def test_one_line_switches_to_a_tutor_file(
    notebook: Path, workspace: Path, shared_data: Path, tmp_path: Path, rng: Any
) -> None:
    """Changing the one ``DATA = ...`` line runs the notebook on another file: the real KCDC export, or a CSV."""
    nb = nbformat.read(notebook, as_version=4)
    lines = [line for cell in nb.cells if cell.cell_type == "code" for line in _data_line(cell.source)]
    assert len(lines) == 1, f"{notebook.name} must have exactly one 'DATA = ...' line, has {lines}"
    if notebook.name.startswith("04"):  # the flux needs event times: a sample-3-like CSV of the tutor's own
        from kcdc_hep import write
        from kcdc_hep.simulation.generator import simulate

        tutor_file = tmp_path / "my_showers.csv"
        write(simulate(5_000, seed=int(rng.integers(1 << 30)), kind="data"), tutor_file)
    else:  # the real KCDC simulation export (no primary column: used here as if it were measured)
        tutor_file = shared_data / "kcdc_sim_sample_2940.csv"
    for cell in nb.cells:
        if cell.cell_type == "code" and _data_line(cell.source):
            cell.source = re.sub(r"^DATA = .*$", f"DATA = {str(tutor_file)!r}", cell.source, flags=re.M)
    path = workspace / f"tutor_{notebook.name}"
    nbformat.write(nb, path)
    _assert_clean(_execute(path, workspace), path)
