"""The public names of kcdc_hep are pinned, so that changing them is a deliberate act."""

from __future__ import annotations

import importlib
import subprocess
import sys
import types

import pytest

import kcdc_hep
from kcdc_hep import _optional
from kcdc_hep.errors import MissingDependencyError

#: public name -> the module that documents (defines or re-exports) it; "kcdc_hep" for the subpackages themselves
PUBLIC: dict[str, str] = {
    "FIELDS": "kcdc_hep.schema",
    "PRIMARIES": "kcdc_hep.schema",
    "read": "kcdc_hep.readers",
    "iterate": "kcdc_hep.readers",
    "write": "kcdc_hep.writers",
    "estimate_energy": "kcdc_hep.estimators",
    "estimate_lnA": "kcdc_hep.estimators",
    "Cuts": "kcdc_hep.selections",
    "Cutflow": "kcdc_hep.selections",
    "select": "kcdc_hep.selections",
    "histograms": "kcdc_hep",
    "fit_gauss": "kcdc_hep.fits",
    "fit_composition": "kcdc_hep.fits",
    "flux_spectrum": "kcdc_hep.spectrum",
    "read_flux_table": "kcdc_hep.readers.flux_table",
    "fit_knee": "kcdc_hep.fits",
    "separation_line": "kcdc_hep.fits",
    "heavy_fraction": "kcdc_hep.fits",
    "FitResult": "kcdc_hep.fits",
    "CompositionResult": "kcdc_hep.fits",
    "FluxSpectrum": "kcdc_hep.readers.flux_table",
    "KneeResult": "kcdc_hep.fits",
    "SeparationLine": "kcdc_hep.fits",
    "HeavyFraction": "kcdc_hep.fits",
    "simulate": "kcdc_hep.simulation",
    "generate": "kcdc_hep.simulation",
    "default_sample": "kcdc_hep.simulation",
    "KASCADE_2024_SKY": "kcdc_hep.simulation.sky",
    "ElementSky": "kcdc_hep.simulation.sky",
    "GenerationSpectrum": "kcdc_hep.simulation.sky",
    "unfold": "kcdc_hep.unfolding",
    "published_element_spectra": "kcdc_hep.reference",
    "published_mean_lnA": "kcdc_hep.reference",
    "plotting": "kcdc_hep",
    "run": "kcdc_hep.analyses.example",
    "compare_files": "kcdc_hep.analyses.compare",
    "run_masterclass": "kcdc_hep.analyses.masterclass",
    "MasterclassResult": "kcdc_hep.analyses.masterclass",
}


def test_public_names_are_pinned() -> None:
    assert set(kcdc_hep.__all__) == {"__version__", *PUBLIC}


@pytest.mark.parametrize("name", sorted(PUBLIC))
def test_every_public_name_resolves_to_its_documented_module(name: str) -> None:
    value = getattr(kcdc_hep, name)
    home = PUBLIC[name]
    if home == "kcdc_hep":  # a subpackage: the lazy attribute is that very module
        assert isinstance(value, types.ModuleType) and value is importlib.import_module(f"kcdc_hep.{name}")
        return
    assert getattr(importlib.import_module(home), name) is value, f"kcdc_hep.{name} is not {home}.{name}"
    if callable(value):  # functions and classes: defined inside the package, under the documented module, documented
        assert value.__module__ == home or value.__module__.startswith(f"{home}."), value.__module__
        assert (value.__doc__ or "").strip(), f"{home}.{name} has no docstring"


def test_lazy_api_loads_only_what_is_asked_for() -> None:
    code = (
        "import sys, kcdc_hep; kcdc_hep.estimate_energy; "
        "print(sorted(m for m in ('kcdc_hep.estimators', 'kcdc_hep.fits', 'kcdc_hep.plotting') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['kcdc_hep.estimators']"


def test_unknown_names_raise_attribute_error() -> None:
    with pytest.raises(AttributeError, match="has no attribute 'fit_everything'"):
        kcdc_hep.fit_everything  # noqa: B018


def test_import_is_light() -> None:
    heavy = "('uproot', 'hist', 'matplotlib', 'mplhep', 'iminuit')"
    code = f"import sys, kcdc_hep; print(sorted(m for m in {heavy} if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_missing_optional_package_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "dask", None)  # hide it, installed or not
    with pytest.raises(MissingDependencyError, match=r"pip install 'kcdc_hep\[dask\]'"):
        _optional.import_optional("dask")
