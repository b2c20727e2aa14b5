"""Fits for the masterclass: Gaussian peaks (mirroring ROOT), composition from templates, the knee, light/heavy.

Every fit returns a frozen record (values, errors, covariance, goodness of fit, validity) with a readable
``__str__`` and a JSON-ready ``to_dict()``; nothing is printed and no file is opened. The fits take histograms
(the forms taking events histogram them first), so a job that streams its events into histograms fits exactly
what it filled.

* :mod:`~kcdc_hep.fits.gauss` — :func:`fit_gauss`, a Gaussian fitted to a histogram exactly as ROOT's
  ``TH1::Fit("gaus")`` does (χ² or Poisson likelihood, same start values, limits, tolerance and minimiser), or
  unbinned to raw values.
* :mod:`~kcdc_hep.fits.composition` — :func:`fit_composition`, the fractions of the primaries p … Fe per energy bin
  from simulated templates (:class:`iminuit.cost.Template`) and the mean logarithmic mass ⟨ln A⟩.
* :mod:`~kcdc_hep.fits.knee` — :func:`fit_knee`, the knee of an all-particle flux (measured with
  :func:`kcdc_hep.spectrum.flux_spectrum` or read with :func:`kcdc_hep.readers.flux_table.read_flux_table`; both
  re-exported here).
* :mod:`~kcdc_hep.fits.separation` — :func:`separation_line`, a straight line in the lgNe–lgNmu plane telling
  light from heavy showers, and :func:`heavy_fraction` per energy bin.
* :mod:`~kcdc_hep.fits.results` — :class:`FitResult`, the record of every parametric fit.
"""

from __future__ import annotations

from kcdc_hep.fits.composition import CompositionResult, fit_composition
from kcdc_hep.fits.gauss import fit_gauss
from kcdc_hep.fits.knee import KneeResult, broken_power_law, fit_knee
from kcdc_hep.fits.results import FitResult
from kcdc_hep.fits.separation import HeavyFraction, SeparationLine, heavy_fraction, heavy_histogram, separation_line
from kcdc_hep.spectrum import FluxSpectrum, flux_spectrum, read_flux_table

__all__ = [
    "CompositionResult",
    "FitResult",
    "FluxSpectrum",
    "HeavyFraction",
    "KneeResult",
    "SeparationLine",
    "broken_power_law",
    "fit_composition",
    "fit_gauss",
    "fit_knee",
    "flux_spectrum",
    "heavy_fraction",
    "heavy_histogram",
    "read_flux_table",
    "separation_line",
]
