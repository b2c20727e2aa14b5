"""The public names of kcdc_hep are pinned, so that changing them is a deliberate act."""

from __future__ import annotations

import subprocess
import sys

import pytest

import kcdc_hep
from kcdc_hep import _optional
from kcdc_hep.errors import MissingDependencyError

PUBLIC = {
    "__version__",
    "FIELDS",
    "PRIMARIES",
    "read",
    "iterate",
    "write",
    "estimate_energy",
    "estimate_lnA",
    "Cuts",
    "Cutflow",
    "select",
    "histograms",
    "fit_gauss",
    "fit_composition",
    "flux_spectrum",
    "read_flux_table",
    "fit_knee",
    "separation_line",
    "heavy_fraction",
    "FitResult",
    "CompositionResult",
    "FluxSpectrum",
    "KneeResult",
    "SeparationLine",
    "HeavyFraction",
    "simulate",
    "generate",
    "default_sample",
    "plotting",
    "run",
    "compare_files",
    "run_masterclass",
    "MasterclassResult",
}


def test_public_names_are_pinned() -> None:
    assert set(kcdc_hep.__all__) == PUBLIC


def test_every_public_name_resolves() -> None:
    for name in kcdc_hep.__all__:
        assert getattr(kcdc_hep, name) is not None


def test_import_is_light() -> None:
    heavy = "('uproot', 'hist', 'matplotlib', 'mplhep', 'iminuit')"
    code = f"import sys, kcdc_hep; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_missing_optional_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dask", None)  # hide it, installed or not
    with pytest.raises(MissingDependencyError, match=r"pip install 'kcdc_hep\[dask\]'"):
        _optional.import_optional("dask")
