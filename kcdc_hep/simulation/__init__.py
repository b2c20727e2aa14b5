"""Synthetic KASCADE showers with known truth, and the built-in sample files made from them.

- :mod:`kcdc_hep.simulation.generator`: :func:`simulate` (showers, detector response, stations, calorimeter, times)
  and the spectrum model :class:`BrokenPowerLaw`;
- :mod:`kcdc_hep.simulation.samples`: :func:`generate` writes the masterclass samples 1-3, ``events.root`` and
  ``simulation.root``; :func:`default_sample` keeps them in the user cache.
"""

from __future__ import annotations

from kcdc_hep.simulation.generator import BrokenPowerLaw, simulate
from kcdc_hep.simulation.samples import default_sample, generate

__all__ = ["BrokenPowerLaw", "default_sample", "generate", "simulate"]
