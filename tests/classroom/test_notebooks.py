"""Every notebook runs top to bottom in its own kernel (nbclient), on a small default sample, wherever a class has it.

- The English notebooks run in the repository's ``notebooks/`` folder itself, as a developer opens them, and must
  leave no file behind there (what they write goes to ``work/``, which ``.gitignore`` covers).
- The same notebooks run in a workspace made by :func:`kcdc_hep.classroom.lab.prepare_workspace` (as ``kcdc-hep lab``
  and the JupyterHub make it), with the tutor's ``DATA = ...`` line changed to another file.

No widget switch is set: a headless run must turn the explorers' widgets off by itself (nbclient can otherwise
stall a whole cell timeout after a widget, jupyter/nbclient#312). The default sample is small
(``KCDC_HEP_DEFAULT_SCALE`` = 0.002 from conftest). A notebook whose kernel is not installed (the ROOT C++ kernel
``root``) is skipped; CI registers that kernel and turns such skips into failures. A cell that runs longer than
120 s fails (a hang, not a slow machine). Wall time is not asserted otherwise.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
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
GERMAN = sorted((REPO / "notebooks" / "de").glob("*.ipynb"))
#: files a notebook may leave in the repository: none (git status is compared before and after)
GIT = shutil.which("git")
CELL_TIMEOUT_S = 120


def _kernel(path: Path) -> str:
    return str(nbformat.read(path, as_version=4).metadata.get("kernelspec", {}).get("name", "python3"))


def _param(path: Path) -> Any:
    marks = [pytest.mark.root] if _kernel(path) == "root" else []
    return pytest.param(path, id=path.stem, marks=marks)


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A prepared workspace in ``<tmp>/notebooks`` with macros beside it, as ``kcdc-hep lab`` makes it."""
    root = tmp_path / "class"
    ws = prepare_workspace(root / "notebooks")
    (root / "macros").symlink_to(REPO / "macros", target_is_directory=True)
    assert {p.name for p in ws.notebooks} <= {p.name for p in NOTEBOOKS}
    assert {p.name for p in MASTERCLASS} <= {p.name for p in ws.notebooks}
    return ws.path


def _execute(path: Path, cwd: Path, *, save_to: Path | None = None) -> Any:
    name = _kernel(path)
    if name not in KernelSpecManager().find_kernel_specs():
        pytest.skip(f"{path.name} needs the Jupyter kernel {name!r}, which is not installed (kcdc-hep kernels)")
    nb = nbformat.read(path, as_version=4)
    env = {**os.environ, "KCDC_HEP_DEFAULT_SCALE": os.environ.get("KCDC_HEP_DEFAULT_SCALE", "0.002")}
    for variable in ("KCDC_HEP_WIDGETS", "KCDC_HEP_SOLUTIONS", "JPY_SESSION_NAME", "VSCODE_PID"):
        env.pop(variable, None)  # headless: the explorers must switch their widgets off by themselves
    client = nbclient.NotebookClient(
        nb, kernel_name=name, timeout=CELL_TIMEOUT_S, resources={"metadata": {"path": str(cwd)}}
    )
    try:
        client.execute(env=env)
    finally:
        nbformat.write(nb, save_to or path)  # the executed notebook stays for a look after a failure
    return nb


def _git_status() -> set[str]:
    """The files of the repository that git does not know and does not ignore (what a notebook could leave)."""
    if GIT is None or not (REPO / ".git").exists():
        return set()
    cmd = [GIT, "-C", str(REPO), "status", "--porcelain", "--untracked-files=all", "--", "."]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    return {line[3:] for line in out.splitlines() if line.startswith("??")}


def _assert_clean(nb: Any, path: Path) -> None:
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            assert out.output_type != "error", f"{path.name}: {out.get('ename')}: {out.get('evalue')}"
            text = out.get("text", "") if out.output_type == "stream" else ""
            assert "Traceback" not in text, f"{path.name}: {text[:500]}"


def _assert_masterclass_outputs(notebook: Path, nb: Any, path: Path) -> None:
    """Every exercise of the notebook was checked (with the placeholder answer) and left a parseable record."""
    number = notebook.name[:2]
    summary = exercises.class_summary([path])
    expected = [e for e in exercises.EXERCISES if e.startswith(number + ".")]
    assert list(summary.exercises) == expected
    assert dict(summary.status[path.stem]) == {}  # only placeholders ran: nothing tried
    figures = sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))
    assert figures >= 1, f"{notebook.name} drew no figure"
    text = " ".join(str(o.get("text", "")) for c in nb.cells for o in c.get("outputs", []))
    assert "findfont" not in text, f"{notebook.name}: a font warning"
    widgets = [o for c in nb.cells for o in c.get("outputs", []) if "application/vnd.jupyter.widget-view+json" in
               o.get("data", {})]  # fmt: skip
    assert not widgets, f"{notebook.name}: a headless run showed widgets"


@pytest.mark.parametrize("notebook", [_param(p) for p in NOTEBOOKS])
def test_notebook_runs_in_the_repository_and_leaves_no_file(notebook: Path, tmp_path: Path) -> None:
    before = _git_status()
    saved = tmp_path / notebook.name
    nb = _execute(notebook, notebook.parent, save_to=saved)
    _assert_clean(nb, notebook)
    assert _git_status() - before == set(), f"{notebook.name} left files in the repository"
    if notebook in MASTERCLASS:
        _assert_masterclass_outputs(notebook, nb, saved)


@pytest.fixture(scope="module")
def german_workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh German workspace, as ``kcdc-hep lab --lang de --prepare-only`` makes it."""
    return prepare_workspace(tmp_path_factory.mktemp("de") / "kcdc-masterclass", lang="de").path


@pytest.mark.parametrize("notebook", [_param(p) for p in GERMAN])
def test_german_notebook_runs_in_a_german_workspace(notebook: Path, german_workspace: Path) -> None:
    path = german_workspace / notebook.name
    if not path.exists():  # a ROOT notebook where the ROOT kernel is not registered
        pytest.skip(f"{notebook.name} is only copied where its kernel is registered")
    nb = _execute(path, german_workspace)
    _assert_clean(nb, path)
    if re.match(r"0[1-5]_", notebook.name):
        _assert_masterclass_outputs(notebook, nb, path)
        shown = " ".join(str(o.get("data", {}).get("text/plain", "")) for c in nb.cells for o in c.get("outputs", []))
        assert "Noch keine Antwort" in shown and "No answer yet" not in shown  # the checks speak German


def _data_line(source: str) -> list[str]:
    return [line for line in source.splitlines() if line.startswith("DATA = ")]


@pytest.mark.shared_data
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
