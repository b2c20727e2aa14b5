"""Register the Jupyter kernels of the masterclass: this environment's Python, and ROOT C++ when ROOT is installed.

The ROOT C++ kernel ships with ``pip install ROOT`` (``site-packages/ROOT/etc/notebook/kernels/root``) but is not
registered; it runs ``python -m ROOT._jupyroot.kernel.rootkernel`` and needs ``metakernel``. Here it is copied into
a kernelspec folder with ``argv[0]`` pointing at this environment's Python, so it starts the ROOT of this
environment whatever ``python3`` is on the PATH (``kcdc-hep kernels install``).

>>> install_kernels(prefix="/tmp/kcdc-kernels")  # doctest: +SKIP
["Python kernel 'kcdc-hep' (Python 3 (kcdc_hep)) installed in /tmp/kcdc-kernels/share/jupyter/kernels/kcdc-hep", ...]
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path

from kcdc_hep._optional import import_optional
from kcdc_hep.errors import KcdcError

__all__ = ["PYTHON_KERNEL", "ROOT_KERNEL", "install_kernels", "root_kernel_source"]

#: (kernel name, display name) of this environment's Python kernel.
PYTHON_KERNEL = ("kcdc-hep", "Python 3 (kcdc_hep)")
#: (kernel name, display name) of the ROOT C++ kernel; "root" is the name ROOT's own documentation uses.
ROOT_KERNEL = ("root", "ROOT C++")


def root_kernel_source() -> Path | None:
    """The kernelspec folder shipped with the installed ROOT, or None when ROOT is not installed.

    Found without importing ROOT (which takes a second or two).
    """
    spec = importlib.util.find_spec("ROOT")
    if spec is None or spec.origin is None:
        return None
    folder = Path(spec.origin).parent / "etc" / "notebook" / "kernels" / "root"
    return folder if (folder / "kernel.json").is_file() else None


def install_kernels(
    *, user: bool = False, sys_prefix: bool = False, prefix: str | os.PathLike[str] | None = None
) -> list[str]:
    """Register the Python kernel and, when ROOT is installed, the ROOT C++ kernel.

    Parameters
    ----------
    user
        Install into the user's Jupyter folder (``~/.local/share/jupyter``).
    sys_prefix
        Install into this environment (``sys.prefix``); the default when neither ``user`` nor ``prefix`` is given.
    prefix
        Install under ``prefix/share/jupyter/kernels`` (for tests or a shared JupyterHub folder); Jupyter finds
        them when ``prefix/share/jupyter`` is on ``JUPYTER_PATH``.

    Returns
    -------
    list of str
        One line per kernel: what was installed where, or why the ROOT kernel was skipped.

    Raises
    ------
    MissingDependencyError
        ipykernel is missing, or ROOT is installed without metakernel (which its kernel needs).
    """
    if sum((user, sys_prefix, prefix is not None)) > 1:
        msg = "choose one place for the kernels: user=True, sys_prefix=True or prefix=..."
        raise KcdcError(msg)
    import_optional("ipykernel")
    kernelspec = import_optional("ipykernel.kernelspec")
    manager = import_optional("jupyter_client.kernelspec").KernelSpecManager()
    where = None if user else os.fspath(prefix) if prefix is not None else sys.prefix

    name, display = PYTHON_KERNEL
    path = kernelspec.install(
        kernel_spec_manager=manager, user=user, kernel_name=name, display_name=display, prefix=where
    )
    lines = [f"Python kernel {name!r} ({display}) installed in {path}"]

    source = root_kernel_source()
    if source is None:
        lines.append("ROOT is not installed: no ROOT C++ kernel (pip install 'kcdc_hep[root]' adds it)")
        return lines
    import_optional("metakernel")  # the ROOT kernel is a metakernel
    name, display = ROOT_KERNEL
    with tempfile.TemporaryDirectory(prefix="kcdc_root_kernel_") as tmp:
        folder = Path(tmp) / name
        shutil.copytree(source, folder)
        spec_file = folder / "kernel.json"
        spec = json.loads(spec_file.read_text(encoding="utf-8"))
        spec["argv"][0] = sys.executable  # this environment's Python, which imports this environment's ROOT
        spec["display_name"] = display
        spec_file.write_text(json.dumps(spec, indent=1), encoding="utf-8")
        path = manager.install_kernel_spec(str(folder), kernel_name=name, user=user, prefix=where)
    lines.append(f"ROOT C++ kernel {name!r} ({display}) installed in {path}")
    return lines
