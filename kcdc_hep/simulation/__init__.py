"""Synthetic KASCADE showers with known truth, and the built-in sample files made from them.

- :mod:`kcdc_hep.simulation.showers`: the physics formulas (spectrum :class:`BrokenPowerLaw`, composition, mean
  sizes, attenuation, fluctuations, lateral densities);
- :mod:`kcdc_hep.simulation.detector`: what the detectors make of a shower (trigger, reconstruction, array
  stations, calorimeter);
- :mod:`kcdc_hep.simulation.generator`: :func:`simulate` (options, chunks and seeds, runs and times, assembly);
- :mod:`kcdc_hep.simulation.samples`: :func:`generate` writes the masterclass samples 1-3, ``events.root`` and
  ``simulation.root``; :func:`default_sample` keeps them in the user cache.
"""

from __future__ import annotations

from kcdc_hep.simulation.generator import simulate
from kcdc_hep.simulation.samples import default_sample, generate
from kcdc_hep.simulation.showers import BrokenPowerLaw

__all__ = ["BrokenPowerLaw", "default_sample", "generate", "simulate"]
