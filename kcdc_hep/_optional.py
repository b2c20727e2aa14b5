"""One importer for the heavy optional packages, with the install command in its error."""

from __future__ import annotations

import importlib
from types import ModuleType

from kcdc_hep.errors import MissingDependencyError

#: module name -> (extra of kcdc_hep that provides it, what it is needed for)
_EXTRAS: dict[str, tuple[str, str]] = {
    "ROOT": ("root", "the ROOT C++ cross-checks and PyROOT"),
    "metakernel": ("root", "the ROOT C++ Jupyter kernel"),
    "ipykernel": ("notebooks", "registering Jupyter kernels"),
    "jupyter_client": ("notebooks", "registering Jupyter kernels"),
    "dask": ("dask", "running on a Dask cluster"),
    "distributed": ("dask", "running on a Dask cluster"),
    "dask_awkward": ("dask", "running on a Dask cluster"),
    "dask_histogram": ("dask", "running on a Dask cluster"),
    "sklearn": ("ml", "the machine-learning lesson"),
    "ipywidgets": ("notebooks", "interactive notebook widgets"),
    "jupyterlab": ("notebooks", "kcdc-hep lab"),
    "h5py": ("hdf5", "reading and writing HDF5 files"),
}


def import_optional(name: str) -> ModuleType:
    """Import the optional module ``name`` or raise :class:`MissingDependencyError` with the install command.

    >>> import_optional("math").sqrt(4.0)
    2.0
    """
    try:
        return importlib.import_module(name)
    except ImportError as err:
        extra, purpose = _EXTRAS.get(name.split(".")[0], ("dev", "this feature"))
        msg = f"{name} is needed for {purpose} but is not installed; install it with: pip install 'kcdc_hep[{extra}]'"
        raise MissingDependencyError(msg) from err
