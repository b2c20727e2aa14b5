"""kcdc-hep lab: the workspace, and JupyterLab started in it (queried through the Jupyter REST API, then stopped)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from kcdc_hep.classroom import lab
from kcdc_hep.errors import ArgumentError, MissingFileError

MASTERCLASS = ["01_python_and_data.ipynb", "02_data_analysis.ipynb", "03_particle_mass.ipynb",
               "04_composition_and_knee.ipynb", "05_machine_learning.ipynb"]  # fmt: skip
#: Upper bound for JupyterLab to answer (it starts in 2-5 s here).
START_TIMEOUT_S = 60.0


def test_prepare_workspace_copies_notebooks_and_links_samples(tmp_path: Path) -> None:
    extra = tmp_path / "my_file.csv"
    extra.write_text("E,Ne,Nmu,Ze\n15.0,5.0,4.0,10.0\n", encoding="utf-8")
    ws = lab.prepare_workspace(tmp_path / "ws", data_files=[extra])
    names = [p.name for p in ws.notebooks]
    assert all(n in names for n in MASTERCLASS)
    assert set(ws.copied) == set(ws.notebooks)
    data = {p.name for p in ws.data}
    assert {"sample1_data.txt", "sample2_simulation.csv", "sample3_data.csv", "my_file.csv"} <= data
    assert all((ws.path / "data" / n).is_file() for n in data)  # links resolve
    assert (ws.path / "README.md").is_file()
    assert "01_python_and_data.ipynb" in str(ws)


def test_root_notebooks_only_where_the_root_kernel_is(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nobody opens a notebook on a "Select Kernel" dialog: the ROOT C++ notebook needs its kernel registered."""
    monkeypatch.setattr(lab, "kernel_available", lambda name: False)
    names = [p.name for p in lab.prepare_workspace(tmp_path / "a", samples=False).notebooks]
    assert names[:5] == MASTERCLASS and "90_optional_root_cpp.ipynb" not in names
    assert "91_optional_root_result_python.ipynb" in names  # Python: runs anywhere (the uproot fallback)
    monkeypatch.setattr(lab, "kernel_available", lambda name: name == "root")
    names = [p.name for p in lab.prepare_workspace(tmp_path / "b", samples=False).notebooks]
    assert names[-2:] == ["90_optional_root_cpp.ipynb", "91_optional_root_result_python.ipynb"]  # optional, last


def test_workspace_has_a_work_folder_and_says_the_samples_are_synthetic(tmp_path: Path) -> None:
    ws = lab.prepare_workspace(tmp_path, samples=False)
    assert (ws.path / "work").is_dir()
    assert "synthetic" in (ws.path / "README.md").read_text(encoding="utf-8")


def test_prepare_only_from_the_command_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kcdc_hep.cli import main

    monkeypatch.setattr(lab, "try_register_kernels", lambda: "kernels: (not registered in this test)")
    assert main(["lab", "--dir", str(tmp_path / "ws"), "--prepare-only"]) == 0
    assert all((tmp_path / "ws" / n).is_file() for n in MASTERCLASS)
    assert (tmp_path / "ws" / "data" / "sample1_data.txt").is_file()


def test_a_german_workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """kcdc-hep lab --lang de: the German notebooks, a German README, and JupyterLab's language set to German."""
    from kcdc_hep.cli import main

    monkeypatch.setattr(lab, "try_register_kernels", lambda: "kernels: (not registered in this test)")
    assert main(["lab", "--lang", "de", "--dir", str(tmp_path / "ws"), "--prepare-only"]) == 0
    ws = tmp_path / "ws"
    first = json.loads((ws / MASTERCLASS[0]).read_text(encoding="utf-8"))
    assert first["metadata"]["language"] == "de"
    assert any('exercises.language("de")' in "".join(c["source"]) for c in first["cells"])
    assert "synthetisch" in (ws / "README.md").read_text(encoding="utf-8")
    settings = lab.lab_settings_dir(ws) / "@jupyterlab" / "translation-extension" / "plugin.jupyterlab-settings"
    assert json.loads(settings.read_text(encoding="utf-8")) == {"locale": "de_DE"}
    assert f"--LabApp.user_settings_dir={lab.lab_settings_dir(ws).resolve()}" in lab.jupyterlab_command(ws)
    assert not any("user_settings_dir" in a for a in lab.jupyterlab_command(tmp_path))  # English: JupyterLab's own
    with pytest.raises(ArgumentError, match="lang='fr'"):
        lab.prepare_workspace(tmp_path / "fr", lang="fr")  # type: ignore[arg-type]


def test_prepare_workspace_keeps_a_students_work(tmp_path: Path) -> None:
    ws = lab.prepare_workspace(tmp_path, samples=False)
    mine = ws.path / MASTERCLASS[0]
    mine.write_text('{"edited": true}', encoding="utf-8")
    (ws.path / MASTERCLASS[1]).unlink()
    again = lab.prepare_workspace(tmp_path, samples=False)
    assert mine.read_text(encoding="utf-8") == '{"edited": true}'
    assert [p.name for p in again.copied] == [MASTERCLASS[1]]  # only the missing one came back
    lab.prepare_workspace(tmp_path, samples=False, overwrite=True)
    assert mine.read_text(encoding="utf-8") != '{"edited": true}'


def test_data_files_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text("x", encoding="utf-8")
    b.write_text("y", encoding="utf-8")
    monkeypatch.setenv(lab.DATA_FILES_ENV, f"{a}{os.pathsep}{b}")
    ws = lab.prepare_workspace(tmp_path / "ws", samples=False)
    assert [p.name for p in ws.data] == ["a.txt", "b.txt"]
    monkeypatch.setenv(lab.DATA_FILES_ENV, str(tmp_path / "missing.txt"))
    with pytest.raises(MissingFileError, match=r"missing\.txt does not exist"):
        lab.prepare_workspace(tmp_path / "ws2", samples=False)


def test_notebook_source_can_be_a_tutors_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    own = tmp_path / "own"
    own.mkdir()
    (own / "my_lesson.ipynb").write_text("{}", encoding="utf-8")
    monkeypatch.setenv(lab.NOTEBOOKS_ENV, str(own))
    assert lab.notebook_source() == own
    ws = lab.prepare_workspace(tmp_path / "ws", samples=False)
    assert [p.name for p in ws.notebooks] == ["my_lesson.ipynb"]


def test_kernels_are_registered_when_possible(monkeypatch: pytest.MonkeyPatch) -> None:
    import kcdc_hep.classroom.kernels

    calls = []

    def fake_install(**where: bool) -> list[str]:
        calls.append(where)
        if where.get("sys_prefix"):
            raise PermissionError("read-only environment")
        return ["Python kernel 'kcdc-hep' installed"]

    monkeypatch.setattr(kcdc_hep.classroom.kernels, "install_kernels", fake_install)
    assert "installed" in lab.try_register_kernels()
    assert calls == [{"sys_prefix": True}, {"user": True}]  # falls back to the user's folder


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, token: str) -> object:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


@pytest.mark.slow
def test_start_lab_serves_the_notebooks(tmp_path: Path) -> None:
    pytest.importorskip("jupyterlab")
    port, token = _free_port(), "kcdc-test-token"
    env = {
        **os.environ,
        "JUPYTER_TOKEN": token,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
    }
    code = (
        "import sys; from kcdc_hep.classroom.lab import start_lab; "
        f"sys.exit(start_lab({str(tmp_path / 'ws')!r}, port={port}, open_browser=False, register_kernels=False))"
    )
    log = (tmp_path / "lab.log").open("wb")
    proc = subprocess.Popen([sys.executable, "-c", code], env=env, stdout=log, stderr=subprocess.STDOUT,
                            start_new_session=True)  # fmt: skip
    listed: list[str] = []
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                contents = _get(f"http://127.0.0.1:{port}/api/contents", token)
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)
                continue
            listed = [item["name"] for item in contents["content"]]  # type: ignore[index]
            if all(n in listed for n in MASTERCLASS):
                break
            time.sleep(0.5)
        assert proc.poll() is None, f"JupyterLab exited: {(tmp_path / 'lab.log').read_text(errors='replace')}"
        assert all(n in listed for n in MASTERCLASS), f"listed: {listed}"
        assert "data" in listed
        notebook = _get(f"http://127.0.0.1:{port}/api/contents/{MASTERCLASS[0]}", token)
        assert notebook["type"] == "notebook"  # type: ignore[index]
        with pytest.raises(urllib.error.HTTPError):  # the token is required
            _get(f"http://127.0.0.1:{port}/api/contents", "wrong-token")
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)  # start_lab and its JupyterLab child
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        log.close()
