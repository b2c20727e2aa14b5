"""kcdc_hep: the open analysis toolkit for the KASCADE Cosmic Ray Data Centre (KCDC) masterclass.

Read any KCDC or masterclass file into one event model, histogram, fit and draw it:

>>> import kcdc_hep
>>> events = kcdc_hep.read("sample1_data.txt")          # doctest: +SKIP
>>> kcdc_hep.estimate_energy(4.55575, 4.02881, 18.2060)  # doctest: +ELLIPSIS
14.93...

Entry points are imported lazily, so ``import kcdc_hep`` stays light (no uproot, hist or matplotlib until used).
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

#: public name -> module that defines it
_EXPORTS: dict[str, str] = {
    # event model and I/O
    "FIELDS": "kcdc_hep.schema",
    "PRIMARIES": "kcdc_hep.schema",
    "read": "kcdc_hep.readers",
    "iterate": "kcdc_hep.readers",
    "write": "kcdc_hep.writers",
    # physics
    "estimate_energy": "kcdc_hep.estimators",
    "estimate_lnA": "kcdc_hep.estimators",
    "Cuts": "kcdc_hep.selections",
    "Cutflow": "kcdc_hep.selections",
    "select": "kcdc_hep.selections",
    # histograms (hist, named axes with units)
    "histograms": "kcdc_hep",
    # fits (iminuit; frozen result records)
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
    # synthetic samples with known truth
    "simulate": "kcdc_hep.simulation",
    "generate": "kcdc_hep.simulation",
    "default_sample": "kcdc_hep.simulation",
    "KASCADE_2024_SKY": "kcdc_hep.simulation.sky",
    "ElementSky": "kcdc_hep.simulation.sky",
    "GenerationSpectrum": "kcdc_hep.simulation.sky",
    # element spectra by unfolding, and the published KASCADE results beside them
    "unfold": "kcdc_hep.unfolding",
    "published_element_spectra": "kcdc_hep.reference",
    "published_mean_lnA": "kcdc_hep.reference",
    # figures (matplotlib/mplhep imported on first use)
    "plotting": "kcdc_hep",
    # the analyses
    "run": "kcdc_hep.analyses.example",
    "compare_files": "kcdc_hep.analyses.compare",
    "run_masterclass": "kcdc_hep.analyses.masterclass",
    "MasterclassResult": "kcdc_hep.analyses.masterclass",
}

__all__ = ["__version__", *sorted(_EXPORTS)]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        msg = f"module 'kcdc_hep' has no attribute {name!r}"
        raise AttributeError(msg)
    value = (
        importlib.import_module(f"kcdc_hep.{name}")
        if module == "kcdc_hep"
        else getattr(importlib.import_module(module), name)
    )
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
