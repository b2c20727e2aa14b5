"""One command for the masterclass: a workspace with the notebooks and the class samples, and JupyterLab in it.

:func:`prepare_workspace` builds the workspace every participant and tutor gets (the same on a laptop, on a shared
machine and on the JupyterHub, where ``deploy/jupyterhub_config.py`` calls it for each student at spawn):

    <workspace>/
        01_python_and_data.ipynb … 05_machine_learning.ipynb   (copies; a student's edited copy is never replaced)
        data/                                                   (links to the built-in default samples)
        README.md                                               (what is where, in three lines)

:func:`start_lab` (``kcdc-hep lab``) prepares it, registers the Jupyter kernels and starts JupyterLab there.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from kcdc_hep import settings
from kcdc_hep._optional import import_optional
from kcdc_hep.errors import KcdcError, MissingFileError

__all__ = [
    "DATA_FILES_ENV",
    "NOTEBOOKS_ENV",
    "Workspace",
    "jupyterlab_command",
    "notebook_source",
    "prepare_workspace",
    "start_lab",
    "try_register_kernels",
]

#: Environment variable naming a folder of notebooks to use instead of the packaged ones (a tutor's own set).
NOTEBOOKS_ENV = "KCDC_HEP_NOTEBOOKS"
#: Environment variable: further files for every workspace's ``data/`` (separated by ``os.pathsep``), e.g. the
#: published KASCADE spectrum that notebook 04 compares with.
DATA_FILES_ENV = "KCDC_HEP_DATA_FILES"

_README = """# KCDC masterclass workspace

Open the notebooks in order, 01 to 05. The class samples are in `data/`; to analyse another file, change the
`DATA = ...` line near the top of a notebook to its name, e.g. `DATA = "data/my_file.csv"`.
"""


@dataclass(frozen=True)
class Workspace:
    """A prepared masterclass workspace.

    Attributes
    ----------
    path : pathlib.Path
        The workspace folder.
    notebooks : tuple of pathlib.Path
        The notebooks in it, in course order.
    copied : tuple of pathlib.Path
        Notebooks copied in this call (the others were already there and were left alone).
    data : tuple of pathlib.Path
        Files in ``data/`` (links to the default samples, and any extra files).
    """

    path: Path
    notebooks: tuple[Path, ...]
    copied: tuple[Path, ...]
    data: tuple[Path, ...]

    def __str__(self) -> str:
        lines = [f"masterclass workspace {self.path}"]
        lines += [f"  {p.name}{'  (new)' if p in self.copied else ''}" for p in self.notebooks]
        lines += [f"  data/{p.name}" for p in self.data]
        return "\n".join(lines)


def notebook_source() -> Path:
    """The folder the masterclass notebooks are copied from.

    ``$KCDC_HEP_NOTEBOOKS`` if set; else the notebooks packaged in the wheel (``kcdc_hep/_notebooks``); else the
    ``notebooks/`` folder of a source checkout (an editable install).

    Raises
    ------
    MissingFileError
        If none of these holds a notebook.
    """
    candidates: list[Path] = []
    if (folder := settings.notebooks_dir()) is not None:
        candidates.append(folder)
    with contextlib.suppress(ModuleNotFoundError, TypeError):  # zipped installs have no folder
        candidates.append(Path(str(resources.files("kcdc_hep") / "_notebooks")))
    candidates.append(Path(__file__).resolve().parents[2] / "notebooks")
    for folder in candidates:
        if folder.is_dir() and any(folder.glob("*.ipynb")):
            return folder
    msg = (
        f"no masterclass notebooks found (looked in {', '.join(str(c) for c in candidates)}); reinstall kcdc_hep "
        f"or set {NOTEBOOKS_ENV} to a folder of notebooks"
    )
    raise MissingFileError(msg)


def _link_or_copy(source: Path, target: Path) -> None:
    """Symlink ``target`` → ``source`` (copy where links are not allowed); an existing target is left alone."""
    if target.exists() or target.is_symlink():
        return
    try:
        target.symlink_to(source.resolve())
    except OSError:  # e.g. Windows without developer mode
        shutil.copy2(source, target)


def _default_samples(names: Sequence[str] | None = None) -> list[Path]:
    """The built-in default sample files (generated into the user cache on first use)."""
    from kcdc_hep.simulation import samples

    return [Path(samples.default_sample(name, progress=False)) for name in (names or samples.SAMPLE_NAMES)]


def prepare_workspace(
    directory: str | os.PathLike[str],
    *,
    samples: bool = True,
    data_files: Sequence[str | os.PathLike[str]] = (),
    overwrite: bool = False,
) -> Workspace:
    """Create (or complete) a masterclass workspace: notebooks, ``data/`` with the class samples, a README.

    Safe to call again and again (each JupyterHub spawn does): notebooks a student has already got, and perhaps
    edited, are kept unless ``overwrite`` is True; missing ones are added.

    Parameters
    ----------
    directory : path
        The workspace folder (created if needed).
    samples : bool
        Link the built-in default samples into ``data/`` (generating them on first use, a few seconds).
    data_files : sequence of path
        Further files (a tutor's own samples) to link into ``data/``, in addition to those named in
        ``$KCDC_HEP_DATA_FILES``.
    overwrite : bool
        Replace notebooks already in the workspace with fresh copies.

    Returns
    -------
    Workspace

    Raises
    ------
    MissingFileError
        If no notebooks are found (see :func:`notebook_source`) or a file of ``data_files`` does not exist.
    """
    root = Path(directory).expanduser()
    root.mkdir(parents=True, exist_ok=True)
    source = notebook_source()
    notebooks, copied = [], []
    for nb in sorted(source.glob("*.ipynb")):
        target = root / nb.name
        if overwrite or not target.exists():
            shutil.copyfile(nb, target)
            copied.append(target)
        notebooks.append(target)
    data_dir = root / "data"
    data_dir.mkdir(exist_ok=True)
    extra = [*settings.data_files(), *(Path(p).expanduser() for p in data_files)]
    for p in extra:
        if not p.is_file():
            msg = f"prepare_workspace: data file {p} does not exist; check the path"
            raise MissingFileError(msg)
    for p in (_default_samples() if samples else []) + extra:
        _link_or_copy(p, data_dir / p.name)
    readme = root / "README.md"
    if not readme.exists():
        readme.write_text(_README, encoding="utf-8")
    data = tuple(sorted(p for p in data_dir.iterdir() if not p.name.startswith(".")))
    return Workspace(root.resolve(), tuple(notebooks), tuple(copied), data)


def jupyterlab_command(
    directory: str | os.PathLike[str],
    *,
    port: int = 8888,
    open_browser: bool = True,
    ip: str = "localhost",
    token: str | None = None,
) -> list[str]:
    """The command line that starts JupyterLab in ``directory`` (with this environment's Python).

    >>> jupyterlab_command("ws", port=9999, open_browser=False)[1:3]
    ['-m', 'jupyterlab']
    """
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        f"--ServerApp.root_dir={Path(directory).resolve()}",
        f"--ServerApp.port={int(port)}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.ip={ip}",
        f"--ServerApp.open_browser={open_browser}",
    ]
    if token is not None:
        cmd.append(f"--IdentityProvider.token={token}")
    if hasattr(os, "geteuid") and os.geteuid() == 0:  # containers and class VMs often run as root
        cmd.append("--ServerApp.allow_root=True")
    return cmd


def try_register_kernels() -> str:
    """Register the Jupyter kernels in this environment, else in the user's folder; never raises.

    Returns
    -------
    str
        What was done, for the console: the kernels installed, or why none were and that the default Python kernel
        is used.
    """
    try:
        from kcdc_hep.classroom.kernels import install_kernels
    except ImportError:
        return "kernels: kcdc_hep.classroom.kernels not available, using the default Python kernel"
    places: tuple[dict[str, Any], ...] = ({"sys_prefix": True}, {"user": True})
    for where in places:
        try:
            return "\n".join(install_kernels(**where))
        except (OSError, KcdcError) as err:  # read-only environment: try the user's folder
            last = err
    return f"kernels: not registered ({last}); the default Python kernel is used"


def start_lab(
    directory: str | os.PathLike[str], *, port: int = 8888, open_browser: bool = True, register_kernels: bool = True
) -> int:
    """Prepare the workspace, register the kernels and run JupyterLab in it until it is stopped (Ctrl+C).

    Parameters
    ----------
    directory : path
        Workspace folder (see :func:`prepare_workspace`).
    port : int
        Port of the Jupyter server on localhost.
    open_browser : bool
        Open JupyterLab in the web browser.
    register_kernels : bool
        Register the kcdc-hep Python and ROOT C++ kernels (:func:`kcdc_hep.classroom.kernels.install_kernels`) first.

    Returns
    -------
    int
        JupyterLab's exit status (0 after Ctrl+C).

    Raises
    ------
    MissingDependencyError
        If JupyterLab is not installed (``pip install 'kcdc_hep[notebooks]'``).
    """
    import_optional("jupyterlab")
    ws = prepare_workspace(directory)
    print(ws, flush=True)
    if register_kernels:
        print(try_register_kernels(), flush=True)
    proc = subprocess.Popen(jupyterlab_command(ws.path, port=port, open_browser=open_browser))
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.send_signal(signal.SIGINT)  # Jupyter asks to confirm on the first SIGINT; a second one stops it
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return 0
