"""Synthetic KASCADE showers with known truth, and the built-in sample files made from them.

- :mod:`kcdc_hep.simulation.showers`: the physics formulas (spectrum :class:`BrokenPowerLaw`, composition, mean
  sizes, attenuation, fluctuations, lateral densities);
- :mod:`kcdc_hep.simulation.detector`: what the detectors make of a shower (trigger, reconstruction, array
  stations, calorimeter);
- :mod:`kcdc_hep.simulation.sky`: the sky of element spectra (:data:`KASCADE_2024_SKY`) and the generation spectrum
  of simulation libraries (:class:`GenerationSpectrum`);
- :mod:`kcdc_hep.simulation.generator`: :func:`simulate` (options, chunks and seeds, runs and times, assembly) and
  :func:`simulate_library` (libraries thrown like KCDC's);
- :mod:`kcdc_hep.simulation.samples`: :func:`generate` writes the masterclass samples 1-3, ``events.root`` and
  ``simulation.root``; :func:`default_sample` keeps them in the user cache.
"""

from __future__ import annotations

from kcdc_hep.simulation.generator import simulate, simulate_library
from kcdc_hep.simulation.samples import default_sample, generate
from kcdc_hep.simulation.showers import BrokenPowerLaw
from kcdc_hep.simulation.sky import KASCADE_2024_SKY, ElementSky, GenerationSpectrum

__all__ = [
    "KASCADE_2024_SKY",
    "BrokenPowerLaw",
    "ElementSky",
    "GenerationSpectrum",
    "default_sample",
    "generate",
    "simulate",
    "simulate_library",
]
