"""deploy/jupyterhub_config.py: a hub on localhost spawns a student's server with the masterclass workspace.

The hub runs with the configuration a tutor uses, switched by environment variables to the test authenticator
(``KCDC_HUB_AUTH=dummy``), free localhost ports and a temporary state folder. Through the REST API with an admin
token the test creates a student, starts the student's server, checks that the server's own contents API lists the
notebooks of the workspace the pre-spawn hook prepared, and stops everything (bounded: hub start 60 s, spawn 120 s;
about 15 s in all here). Needs jupyterhub, jupyterhub-idle-culler and configurable-http-proxy
(``npm install -g configurable-http-proxy``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "deploy" / "jupyterhub_config.py"
MASTERCLASS = ["01_python_and_data.ipynb", "02_data_analysis.ipynb", "03_particle_mass.ipynb",
               "04_composition_and_knee.ipynb", "05_machine_learning.ipynb"]  # fmt: skip
HUB_START_S, SPAWN_S = 60.0, 120.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _api(
    method: str, url: str, token: str, body: dict[str, Any] | None = None, *, timeout: float = 10.0
) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={"Authorization": f"token {token}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read()
            return response.status, json.loads(text) if text else None
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(errors="replace")


def _wait(what: str, timeout: float, probe: Any, hub: subprocess.Popen[bytes], log: Path) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if hub.poll() is not None:
            pytest.fail(f"the hub exited while waiting for {what}:\n{log.read_text(errors='replace')[-4000:]}")
        try:
            result = probe()
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            result = None
        if result:
            return result
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}:\n{log.read_text(errors='replace')[-4000:]}")


def _config(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, **env: str) -> Any:
    """The hub's configuration as JupyterHub loads it, under the given environment variables."""
    from traitlets.config import Config

    monkeypatch.setenv("KCDC_HUB_ROOT", str(tmp_path / "hub"))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    c = Config()
    exec(compile(CONFIG.read_text(encoding="utf-8"), str(CONFIG), "exec"), {"get_config": lambda: c})
    return c


def test_students_land_in_jupyterlab(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No "Start My Server" page: after login the hub starts the student's server by itself and opens /lab."""
    c = _config(monkeypatch, tmp_path, KCDC_HUB_PASSWORD="class-password")
    assert "default_url" not in c.JupyterHub  # JupyterHub's default: the user's own server
    assert 0 < c.JupyterHub.implicit_spawn_seconds <= 1
    assert c.Spawner.default_url == "/lab"


def test_admin_password_must_have_32_characters(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="needs 32 or more"):
        _config(monkeypatch, tmp_path, KCDC_HUB_ADMIN_PASSWORD="a-tutor-secret")
    c = _config(monkeypatch, tmp_path, KCDC_HUB_ADMIN_PASSWORD="x" * 32)
    assert c.SharedPasswordAuthenticator.admin_password == "x" * 32


def test_a_german_hub(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    c = _config(monkeypatch, tmp_path, KCDC_HUB_LANG="de")
    settings = c.Spawner.environment["JUPYTERLAB_SETTINGS_DIR"]
    assert callable(settings)  # per student: the workspace's own JupyterLab settings (locale de_DE)
    with pytest.raises(ValueError, match="KCDC_HUB_LANG"):
        _config(monkeypatch, tmp_path, KCDC_HUB_LANG="fr")


def test_only_spawners_that_work_without_more_setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="'simple' or 'systemd'"):
        _config(monkeypatch, tmp_path, KCDC_HUB_SPAWNER="docker")
    script = REPO / "deploy" / "create_students.sh"
    done = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr  # the user-creation script of the systemd spawner parses


@pytest.mark.slow
def test_hub_spawns_a_student_with_the_workspace(tmp_path: Path) -> None:
    pytest.importorskip("jupyterhub")
    pytest.importorskip("jupyterhub_idle_culler")
    pytest.importorskip("jupyterlab")
    if shutil.which("configurable-http-proxy") is None:
        pytest.skip("configurable-http-proxy not installed (npm install -g configurable-http-proxy)")
    port, token, root = _free_port(), "kcdc-hub-test-token-0123456789", tmp_path / "hub"
    env = {
        **os.environ,
        "KCDC_HUB_ROOT": str(root),
        "KCDC_HUB_IP": "127.0.0.1",
        "KCDC_HUB_PORT": str(port),
        "KCDC_HUB_API_PORT": str(_free_port()),
        "KCDC_HUB_PROXY_API_PORT": str(_free_port()),
        "KCDC_HUB_AUTH": "dummy",
        "KCDC_HUB_ADMIN_TOKEN": token,
        "KCDC_HUB_IDLE_TIMEOUT": "600",
        "KCDC_HUB_LANG": "de",
        "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
    }
    log_path = tmp_path / "hub.log"
    log = log_path.open("wb")
    hub = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)], cwd=tmp_path, env=env,
                           stdout=log, stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        _wait("the hub API", HUB_START_S, lambda: _api("GET", f"{base}/hub/api/", token)[0] == 200, hub, log_path)
        status, _ = _api("POST", f"{base}/hub/api/users/alice", token)
        assert status == 201, status
        # the hub answers after its slow_spawn_timeout (10 s) at the latest: wait a little longer than that
        status, body = _api("POST", f"{base}/hub/api/users/alice/server", token, timeout=30.0)
        assert status in (201, 202), body

        def ready() -> bool:
            status, user = _api("GET", f"{base}/hub/api/users/alice", token)
            return status == 200 and bool(user["servers"].get("", {}).get("ready"))

        _wait("alice's server", SPAWN_S, ready, hub, log_path)
        workspace = root / "homes" / "alice" / "kcdc-masterclass"
        assert all((workspace / n).is_file() for n in MASTERCLASS)
        assert (workspace / "data" / "sample1_data.txt").is_file() and (workspace / "work").is_dir()
        assert '"language": "de"' in (workspace / MASTERCLASS[0]).read_text(encoding="utf-8")
        # the student's JupyterLab, through the proxy, serves the workspace
        status, contents = _api("GET", f"{base}/user/alice/api/contents", token)
        assert status == 200, contents
        listed = {item["name"] for item in contents["content"]}
        assert set(MASTERCLASS) <= listed and "data" in listed
        # the idle culler runs as a hub service
        status, services = _api("GET", f"{base}/hub/api/services", token)
        assert status == 200 and "idle-culler" in services
        status, _ = _api("DELETE", f"{base}/hub/api/users/alice/server", token)
        assert status in (202, 204)
    finally:
        if hub.poll() is None:
            os.killpg(hub.pid, signal.SIGTERM)  # the hub stops the proxy, the services and alice's server
            try:
                hub.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(hub.pid, signal.SIGKILL)
                hub.wait(timeout=5)
        log.close()
        _kill_leftovers(root)


def _kill_leftovers(root: Path) -> None:
    """Stop a proxy the hub may have left (its pid file) so nothing outlives the test."""
    pid_file = root / "jupyterhub-proxy.pid"
    if pid_file.is_file():
        with contextlib.suppress(ValueError, ProcessLookupError, PermissionError):
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)
