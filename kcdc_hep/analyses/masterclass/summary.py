"""The results of the masterclass job as typed records: each analysis holds its result, or why it could not be done.

:func:`analyse` fits the merged histograms of :mod:`~kcdc_hep.analyses.masterclass.stream`;
:class:`MasterclassResult` carries everything the job found and wrote, and ``summary.json`` is its
:meth:`MasterclassResult.to_dict`. The composition and the element spectra are in :mod:`.physics`.
"""

from __future__ import annotations

import platform
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kcdc_hep import fits
from kcdc_hep._util import to_jsonable
from kcdc_hep.analyses.masterclass.inputs import Inputs
from kcdc_hep.analyses.masterclass.physics import (
    MIN_EVENTS,
    Composition,
    ElementSpectra,
    Failure,
    composition_fits,
    element_spectra,
)
from kcdc_hep.analyses.masterclass.stream import LINE_PRIMARIES, CompositionBinning, DataHistograms, SimHistograms
from kcdc_hep.errors import FitError
from kcdc_hep.selections import Cutflow, Cuts
from kcdc_hep.simulation.sky import GenerationSpectrum
from kcdc_hep.spectrum import MAX_GAP_S, FluxSpectrum, LiveTime, flux_spectrum

__all__ = [
    "KNEE_RANGE_GEV",
    "KNEE_SHARPNESS",
    "MIN_EVENTS",
    "Analyses",
    "Exposure",
    "Failure",
    "MasterclassResult",
    "analyse",
    "fit_line",
]

#: Energy range of the knee fit in GeV (1 PeV – 300 PeV).
KNEE_RANGE_GEV: tuple[float, float] = (1e6, 3e8)
#: Sharpness ε of the smooth knee (fixed: the data constrain it weakly, see :func:`kcdc_hep.fits.fit_knee`).
KNEE_SHARPNESS = 10.0


@dataclass(frozen=True)
class Exposure:
    """The measuring time of the data: live time (s; None without event times), first and last event (ns)."""

    live_time_s: float | None
    first_ns: int | None
    last_ns: int | None
    max_gap_s: float = MAX_GAP_S

    @classmethod
    def of(cls, live: LiveTime | None) -> Exposure:
        """The exposure record of the joined live-time pieces of the data (None: the data have no event times)."""
        if live is None:
            return cls(None, None, None)
        return cls(live.seconds, live.first_ns, live.last_ns, live.max_gap_s)

    def to_dict(self, exposure_m2_s_sr: float | None = None) -> dict[str, Any]:
        """JSON-ready dictionary, with the exposure of the flux measured with it."""
        return {
            "live_time_s": self.live_time_s,
            "first_event": str(np.datetime64(self.first_ns, "ns")) if self.first_ns is not None else None,
            "last_event": str(np.datetime64(self.last_ns, "ns")) if self.last_ns is not None else None,
            "max_gap_s": self.max_gap_s,
            "exposure_m2_s_sr": exposure_m2_s_sr,
        }


@dataclass(frozen=True)
class Analyses:
    """The analyses of the job, each its result record or the :class:`Failure` saying why it could not be done.

    ``composition`` is the five-group fit of :attr:`composition_fits` (p, He, C, Si, Fe per reconstructed-energy
    bin), which also holds the light/heavy fit and where five groups are told apart; ``element_spectra`` the
    unfolded spectra of the elements (true energy).
    """

    gauss: fits.FitResult | Failure
    composition: fits.CompositionResult | Failure
    separation_line: fits.SeparationLine | Failure
    heavy_fraction: fits.HeavyFraction | Failure
    flux: FluxSpectrum | Failure
    knee: fits.KneeResult | Failure
    composition_fits: Composition
    element_spectra: ElementSpectra | Failure


def fit_line(sim: SimHistograms) -> fits.SeparationLine | Failure:
    """The light/heavy line from the simulated p and Fe showers in the energy range of the analysis."""
    light, heavy = LINE_PRIMARIES
    try:
        return fits.separation_line(sim.line_sample(), light=light, heavy=heavy)
    except FitError as err:
        return Failure(str(err))


def analyse(
    sim: SimHistograms,
    data: DataHistograms,
    *,
    cuts: Cuts,
    line: fits.SeparationLine | Failure,
    binning: CompositionBinning,
    generation: GenerationSpectrum | None,
    timings: dict[str, float] | None = None,
) -> Analyses:
    """Every fit of the job on the merged histograms; a fit that cannot be done becomes a :class:`Failure`.

    ``timings`` (if given) receives the seconds of the stages ``composition`` and ``unfolding``.
    """
    try:
        gauss: fits.FitResult | Failure = fits.fit_gauss(data.ratio, method="chi2")
    except FitError as err:
        gauss = Failure(str(err))
    if isinstance(line, Failure) or data.heavy is None:
        heavy: fits.HeavyFraction | Failure = line if isinstance(line, Failure) else Failure("no light/heavy line")
    else:
        heavy = fits.heavy_fraction(data.heavy)
    flux = _flux(data, cuts)
    if isinstance(flux, Failure):
        knee: fits.KneeResult | Failure = flux
    else:
        try:
            knee = fits.fit_knee(
                flux, model="smooth", sharpness=KNEE_SHARPNESS, method="poisson", energy_range_GeV=KNEE_RANGE_GEV
            )
        except FitError as err:
            knee = Failure(str(err))
    t0 = time.perf_counter()
    comp = composition_fits(sim, data, binning, knee)
    t1 = time.perf_counter()
    spectra = element_spectra(sim, data, binning, generation, knee_sharpness=KNEE_SHARPNESS)
    if timings is not None:
        timings["composition"], timings["unfolding"] = t1 - t0, time.perf_counter() - t1
    return Analyses(gauss, comp.elements, line, heavy, flux, knee, comp, spectra)


def _flux(data: DataHistograms, cuts: Cuts) -> FluxSpectrum | Failure:
    """The flux of the data: live time from the event times, area and solid angle from the core and zenith cuts."""
    live_s = data.live.seconds if data.live is not None else None
    if live_s is None:
        why = "the data have no event times, so the measuring time is unknown"
    elif live_s <= 0:
        why = "the live time is zero (all events at the same time?)"
    elif cuts.zenith_max_deg is None or cuts.core_radius_max_m is None:
        why = "the zenith and core cuts are needed for the solid angle and the area"
    else:
        return flux_spectrum(
            data.flux_counts,
            zenith_max_deg=cuts.zenith_max_deg,
            core_radius_max_m=cuts.core_radius_max_m,
            exposure_s=live_s,
            label="this analysis",
        )
    return Failure(f"flux not measured: {why}")


@dataclass(frozen=True)
class MasterclassResult:
    """What :func:`~kcdc_hep.analyses.masterclass.run_masterclass` found and wrote.

    Attributes
    ----------
    out : pathlib.Path
        The output folder.
    figures : mapping of str → pathlib.Path
        PNG file of each figure, by name (see :data:`~kcdc_hep.analyses.masterclass.figures.FIGURES`).
    masterclass_root, summary_json, report : pathlib.Path
        ROOT file with every histogram (TH1D/TH2D), the summary (:meth:`to_dict`) as JSON, the HTML report.
    inputs : Inputs
        The input files.
    cuts : Cuts
        The cuts applied to data and simulation alike (those whose fields an input lacks switched off).
    cuts_switched_off : tuple of str
        Why each switched-off cut is off.
    cutflow, cutflow_simulation : Cutflow
        The cut flows of the data and of the simulation.
    energy_bins : tuple of float
        lg(E/eV) edges of the composition and heavy-fraction bins.
    analyses : Analyses
        Each analysis: its result record or the :class:`Failure` with the reason.
    exposure : Exposure
        Live time and first/last event of the data.
    timings : mapping of str → float
        Seconds per stage of the job.
    """

    out: Path
    figures: Mapping[str, Path]
    masterclass_root: Path
    summary_json: Path
    report: Path
    inputs: Inputs
    cuts: Cuts
    cuts_switched_off: tuple[str, ...]
    cutflow: Cutflow
    cutflow_simulation: Cutflow
    energy_bins: tuple[float, ...]
    analyses: Analyses
    exposure: Exposure
    timings: Mapping[str, float]

    @property
    def gauss(self) -> fits.FitResult | Failure:
        """The Gaussian fitted to the ratio lgNe/lgNmu of the data (parameters Constant, Mean, Sigma)."""
        return self.analyses.gauss

    @property
    def composition(self) -> fits.CompositionResult | Failure:
        """The composition per energy bin."""
        return self.analyses.composition

    @property
    def separation_line(self) -> fits.SeparationLine | Failure:
        """The light/heavy line from the simulated p and Fe showers."""
        return self.analyses.separation_line

    @property
    def heavy_fraction(self) -> fits.HeavyFraction | Failure:
        """The fraction of measured showers above the line, per energy bin."""
        return self.analyses.heavy_fraction

    @property
    def flux(self) -> FluxSpectrum | Failure:
        """The all-particle flux of the data."""
        return self.analyses.flux

    @property
    def knee(self) -> fits.KneeResult | Failure:
        """The knee fitted to the flux."""
        return self.analyses.knee

    @property
    def light_heavy(self) -> fits.CompositionResult | Failure:
        """The light/heavy composition per energy bin (templates p + He and C + Si + Fe)."""
        return self.analyses.composition_fits.light_heavy

    @property
    def element_spectra(self) -> ElementSpectra | Failure:
        """The unfolded energy spectra of p, He, C, Si, Fe and their knees."""
        return self.analyses.element_spectra

    @property
    def failures(self) -> dict[str, str]:
        """The analyses that could not be done, by their key in ``summary.json``, with the reasons."""
        a = self.analyses
        outcomes = {"gauss_ratio": a.gauss, "composition": a.composition, "light_heavy": self.light_heavy,
                    "element_spectra": a.element_spectra, "separation_line": a.separation_line,
                    "heavy_fraction": a.heavy_fraction, "flux": a.flux, "knee": a.knee}  # fmt: skip
        return {key: outcome.reason for key, outcome in outcomes.items() if isinstance(outcome, Failure)}

    def to_dict(self) -> dict[str, Any]:
        """The summary: JSON-ready numbers of everything the job found (``summary.json``)."""
        from kcdc_hep import __version__

        a = self.analyses
        flux = a.flux if isinstance(a.flux, FluxSpectrum) else None
        shown = self.inputs.absolute()
        s: dict[str, Any] = {
            "kcdc_hep_version": __version__,
            "inputs": {
                "data": list(shown.data),
                "simulation": list(shown.simulation),
                "flux_table": self.inputs.flux_table,
                "provenance": [
                    {"path": path, "synthetic": p.synthetic, "seed": p.seed, "source": p.source, "label": p.label}
                    for path, p in zip((*shown.data, *shown.simulation), self.inputs.provenances(), strict=True)
                ],
                "n_data_events": self.cutflow.n_total,
                "n_simulated_events": self.cutflow_simulation.n_total,
            },
            "cuts": asdict(self.cuts),
            "cuts_switched_off": list(self.cuts_switched_off),
            "cutflow": self.cutflow.to_dict(),
            "cutflow_simulation": self.cutflow_simulation.to_dict(),
            "energy_bins_lgE": list(self.energy_bins),
            "gauss_ratio": _gauss_dict(a.gauss),
            "composition": a.composition_fits.to_dict(),
            "element_spectra": a.element_spectra.to_dict(),
            "separation_line": a.separation_line.to_dict(),
            "heavy_fraction": a.heavy_fraction.to_dict(),
            "exposure": self.exposure.to_dict(flux.exposure_m2_s_sr if flux is not None else None),
            "flux": a.flux.to_dict(),
            "knee": _knee_dict(a.knee),
            "fit_errors": self.failures,
            "timings_s": {k: round(v, 3) for k, v in self.timings.items()},
            "platform": {"python": platform.python_version(), "machine": platform.machine()},
        }
        return to_jsonable(s)  # type: ignore[no-any-return]


def _gauss_dict(g: fits.FitResult | Failure) -> dict[str, Any]:
    if isinstance(g, Failure):
        return g.to_dict()
    return {
        "mu": g["Mean"],
        "sigma": g["Sigma"],
        "mu_err": g.error("Mean"),
        "sigma_err": g.error("Sigma"),
        "constant": g["Constant"],
        "chi2": g.chi2,
        "ndof": g.ndof,
        "valid": g.valid,
        "fit": g.to_dict(),
    }


def _knee_dict(knee: fits.KneeResult | Failure) -> dict[str, Any]:
    if isinstance(knee, Failure):
        return knee.to_dict()
    return {**knee.to_dict(), "energy_range_GeV": list(KNEE_RANGE_GEV)}
