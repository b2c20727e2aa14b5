"""The whole masterclass analysis in one call: figures, ``masterclass.root``, ``summary.json`` and ``report.html``.

>>> from kcdc_hep.analyses.masterclass import run_masterclass
>>> result = run_masterclass(out="masterclass_output")        # doctest: +SKIP
>>> result.knee.E_knee_PeV, result.report                       # doctest: +SKIP
(4.39..., PosixPath('masterclass_output/report.html'))

Command line: ``kcdc-hep masterclass [--data FILE] [--sim FILE] [--out DIR] [--overwrite] [--workers N | --scheduler
ADDRESS]``.

The job streams the measured data and the simulation chunk by chunk (:func:`kcdc_hep.engine.map_reduce`), so memory
stays bounded whatever the file size; it applies the quality cuts (:class:`kcdc_hep.Cuts`, with a cut flow), fills
every histogram per chunk, merges the chunks in file order, and then fits the histograms. Locally (the default) the
chunks are read in this process and Dask is not imported; ``workers=N`` (``--workers N``) runs the chunks on a local
Dask cluster of N processes and ``scheduler=`` (``--scheduler tcp://host:8786``) on an existing one, with the same
outputs number for number:

1. the ratio lgNe/lgNmu of the data with a Gaussian (:func:`kcdc_hep.fits.fit_gauss`, as ROOT's ``Fit("gaus")``);
2. the light/heavy separation line from the simulated p and Fe showers (:func:`kcdc_hep.fits.separation_line`)
   and the heavy fraction of the data per energy bin;
3. the all-particle flux (:func:`kcdc_hep.spectrum.flux_spectrum`, exposure = live time × area × solid angle) and
   the knee (:func:`kcdc_hep.fits.fit_knee`), when the data carry event times;
4. the composition across the knee, 10^15–10^17 eV, with the showers up to 42° (the simulation library's range):
   per energy bin the fractions of p, He, C, Si, Fe and of light and heavy from template fits of the electron–muon
   map, the templates re-weighted to the measured spectrum, ⟨ln A⟩, and where five groups cannot be told apart
   (:mod:`~.physics`);
5. the energy spectra of the elements by unfolding (:func:`kcdc_hep.unfolding.unfold`) and the knee of each element
   where the data fix it, when the simulation is a library with true energies (``simulation.root``, the default).

Locally a text input of up to 256 MiB comes through the parse cache (:func:`kcdc_hep.engine.local_chunks`: a repeated
run parses nothing), and on Linux the figures are drawn in two forked processes while the job fits
(:func:`kcdc_hep.engine.forked`); the outputs are the same either way.

A fit that cannot be done (too few events, no event times) is recorded with the reason (a
:class:`~kcdc_hep.analyses.masterclass.summary.Failure` in the result, an ``error`` in the summary), and the rest of
the job goes on. The stages live in the modules of this package: :mod:`~.inputs` (checks), :mod:`~.stream` (chunks
→ histograms), :mod:`~.summary` (fits → typed records), :mod:`~.physics` (composition, element spectra),
:mod:`~.figures` and :mod:`~.report`.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Sequence
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from kcdc_hep import engine
from kcdc_hep._util import atomic_write, progress_bar
from kcdc_hep.analyses.masterclass import inputs as checks
from kcdc_hep.analyses.masterclass.figures import (
    FIGURES,
    RESULT_FIGURES,
    draw_histogram_figures,
    draw_result_figures,
    import_plotting,
)
from kcdc_hep.analyses.masterclass.physics import physics_histograms
from kcdc_hep.analyses.masterclass.report import render_report
from kcdc_hep.analyses.masterclass.stream import (
    COMPOSITION_ZENITH_MAX_DEG,
    composition_binning,
    root_histograms,
    stream_data,
    stream_simulation,
)
from kcdc_hep.analyses.masterclass.summary import Exposure, Failure, MasterclassResult, analyse, fit_line
from kcdc_hep.errors import ArgumentError
from kcdc_hep.selections import Cutflow, Cuts
from kcdc_hep.spectrum import MAX_GAP_S, read_flux_table
from kcdc_hep.writers.histograms import write_histograms

__all__ = ["DEFAULT_ENERGY_BINS", "FIGURES", "STEP_SIZE", "MasterclassResult", "run_masterclass"]

#: Energy bins (lg(E/eV) edges) of the composition, heavy-fraction and element-spectrum analyses: from full trigger
#: efficiency (1 PeV) across the knee to 100 PeV, wider above 10^16.2 eV where the showers get few (the built-in
#: data have about 150 showers up to 42° between 10^16.5 and 10^17 eV).
DEFAULT_ENERGY_BINS: tuple[float, ...] = (15.0, 15.2, 15.4, 15.6, 15.8, 16.0, 16.2, 16.5, 17.0)
#: Events per chunk (``step_size=``).
STEP_SIZE = 500_000
_ROOT_FILE, _SUMMARY, _REPORT = "masterclass.root", "summary.json", "report.html"
_DEFAULT_CUTS = Cuts()


def run_masterclass(
    *,
    data: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    sim: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
    out: str | os.PathLike[str] = "masterclass_output",
    overwrite: bool = False,
    cuts: Cuts = _DEFAULT_CUTS,
    progress: bool = True,
    energy_bins: Sequence[float] = DEFAULT_ENERGY_BINS,
    flux_table: str | os.PathLike[str] | None = None,
    workers: int | None = None,
    scheduler: str | Any | None = None,
    step_size: int = STEP_SIZE,
    composition_zenith_max_deg: float | None = COMPOSITION_ZENITH_MAX_DEG,
) -> MasterclassResult:
    """Run the whole masterclass analysis and write figures, ``masterclass.root``, ``summary.json``, ``report.html``.

    Parameters
    ----------
    data : path, glob or list of paths, optional
        Measured showers with ``lgE``, ``lgNe``, ``lgNmu`` (any format :func:`kcdc_hep.read` reads); with event
        times (``time``: sample 3, KCDC exports) the flux and the knee are measured too. Default: the built-in
        sample-3-like data of :func:`kcdc_hep.simulation.samples.default_sample`.
    sim : path, glob or list of paths, optional
        Simulated showers with the ``primary`` (sample 2, KCDC simulation exports). Default: the built-in
        ``simulation.root`` (the library of sample 2 with its true energies and generation record, which the
        element spectra and the re-weighted templates need).
    out : path
        Output folder (created if needed; existing output files are refused unless ``overwrite``).
    overwrite : bool
        Replace existing output files.
    cuts : Cuts
        Quality cuts for data and simulation alike; a cut whose field the inputs lack is switched off (noted in
        :attr:`MasterclassResult.cuts_switched_off`).
    progress : bool
        Progress bars on stderr.
    energy_bins : sequence of float
        lg(E/eV) edges of the composition, heavy-fraction and element-spectrum bins.
    flux_table : path, optional
        A published flux table (:func:`kcdc_hep.spectrum.read_flux_table`) drawn with the measured flux.
    workers : int, optional
        Run the chunks on a local Dask cluster of this many worker processes (started for the run).
    scheduler : str or distributed.Client, optional
        Run the chunks on an existing Dask cluster (``"tcp://host:8786"`` or a connected client). Without
        ``workers`` and ``scheduler`` everything runs in this process and Dask is not imported; every way gives the
        same outputs number for number.
    step_size : int
        Events per chunk (and per Dask task): bounds the memory of each worker.
    composition_zenith_max_deg : float, optional
        Zenith cut of the showers of the composition and the element spectra (at most the library's thrown range,
        42° for the built-in one); None: the zenith cut of ``cuts``.

    Returns
    -------
    MasterclassResult
        The cut flows, every analysis as its result record or the reason it could not be done, and the paths
        written; ``summary.json`` holds :meth:`MasterclassResult.to_dict`.

    Raises
    ------
    ArgumentError
        For bad options (energy bins, workers/scheduler, step size), or if no shower passes the cuts.
    OutputExistsError
        If an output file exists and ``overwrite`` is False (nothing is computed or written then).
    MissingDependencyError
        ``workers`` or ``scheduler`` was given and Dask (``distributed``) is not installed.
    MissingFileError, UnknownFormatError, MissingColumnError
        For a wrong input file, with plain words on what to change.
    """
    timings: dict[str, float] = {}
    t_start = time.perf_counter()
    edges = checks.check_energy_bins(energy_bins)
    out_dir = Path(out)
    targets = checks.check_outputs(
        out_dir, [*(f"{k}.png" for k in FIGURES), _ROOT_FILE, _SUMMARY, _REPORT], overwrite=overwrite
    )
    checks.check_run_options(workers=workers, scheduler=scheduler, step_size=step_size)
    stages = progress_bar(enabled=progress, desc="masterclass", total=6, unit="stage")
    following = iter(("simulation", "data", "fits", "figures", "writing"))
    with contextlib.ExitStack() as dask, stages:

        def stage(name: str, t0: float) -> float:
            """Note the time of the stage that just ended; returns the start of the next one."""
            timings[name] = time.perf_counter() - t0
            stages.update()
            stages.set_description(f"masterclass: {next(following, 'done')}")
            return time.perf_counter()

        stages.set_description("masterclass: checking inputs")
        found = checks.resolve_inputs(data, sim, flux_table=flux_table, progress=progress)
        used_cuts, cut_notes = checks.applicable_cuts(cuts, found)
        client = None
        if workers is not None or scheduler is not None:
            client = dask.enter_context(engine.dask_client(workers=workers, scheduler=scheduler))
        else:
            engine.keep_freed_memory()  # the chunks' large temporaries reuse memory instead of page-faulting
        generation = found.generation if found.has_truth else None
        corrected = "zenith" in found.data_fields and "zenith" in found.sim_fields
        binning, comp_cuts = composition_binning(
            edges, cuts=used_cuts, generation=generation, corrected=corrected,
            zenith_max_deg=composition_zenith_max_deg,
        )  # fmt: skip
        common: dict[str, Any] = {
            "cuts": used_cuts, "composition_cuts": comp_cuts, "binning": binning, "progress": progress,
            "scheduler": client, "step_size": step_size,
        }  # fmt: skip
        t0 = stage("inputs", t_start)
        sim_h = stream_simulation(found.simulation, found.sim_columns(), generation=generation, **common)
        _require_showers(sim_h.flow, "simulated")
        line = fit_line(sim_h)
        t0 = stage("simulation", t0)
        data_h = stream_data(
            found.data,
            found.data_columns(),
            line=None if isinstance(line, Failure) else line,
            available=frozenset(found.data_fields),
            max_gap_s=MAX_GAP_S,
            **common,
        )
        _require_showers(data_h.flow, "measured")
        t0 = stage("data", t0)
        labels = {which: found.label(which) for which in ("data", "simulation", "both")}
        t_import = time.perf_counter()
        import_plotting()  # once, before the forks: the child processes inherit it
        t_import = time.perf_counter() - t_import  # counted with the figures, not the fits
        # the figures of the histograms are drawn in a child process (the other core) while this one fits
        line_or_none = None if isinstance(line, Failure) else line
        early = dask.enter_context(
            engine.forked(lambda: draw_histogram_figures(sim_h, data_h, line_or_none, labels=labels))
        )
        fit_timings: dict[str, float] = {}
        analyses = analyse(
            sim_h, data_h, cuts=used_cuts, line=line, binning=binning, generation=generation, timings=fit_timings
        )
        reference = read_flux_table(flux_table) if flux_table is not None else None
        t0 = stage("fits", t0)
        timings["fits"] -= t_import
        timings.update(fit_timings)
        # the figures of the results: half in another child, half here
        there, here = RESULT_FIGURES[::2], RESULT_FIGURES[1::2]
        other = dask.enter_context(
            engine.forked(lambda: draw_result_figures(data_h, analyses, reference, labels=labels, names=there))
        )
        drawn = draw_result_figures(data_h, analyses, reference, labels=labels, names=here)
        drawn |= other() | early()
        pngs = {name: drawn[name] for name in FIGURES}
        t0 = stage("figures", t0)
        timings["figures"] += t_import
        for name, png in pngs.items():
            with atomic_write(targets[f"{name}.png"]) as tmp:
                tmp.write_bytes(png)
        heavy = None if isinstance(analyses.heavy_fraction, Failure) else analyses.heavy_fraction
        histograms = {
            **root_histograms(sim_h, data_h, heavy, binning),
            **physics_histograms(analyses.composition_fits, analyses.element_spectra, binning),
        }
        write_histograms(histograms, targets[_ROOT_FILE], overwrite=True)
        stage("write", t0)
        timings["total"] = time.perf_counter() - t_start
        result = MasterclassResult(
            out=out_dir,
            figures=MappingProxyType({name: targets[f"{name}.png"] for name in pngs}),
            masterclass_root=targets[_ROOT_FILE],
            summary_json=targets[_SUMMARY],
            report=targets[_REPORT],
            inputs=found,
            cuts=used_cuts,
            cuts_switched_off=cut_notes,
            cutflow=data_h.flow,
            cutflow_simulation=sim_h.flow,
            energy_bins=edges,
            analyses=analyses,
            exposure=Exposure.of(data_h.live),
            timings=MappingProxyType(timings),
        )
        with atomic_write(result.summary_json) as tmp:
            tmp.write_text(json.dumps(result.to_dict(), indent=2, allow_nan=False) + "\n")
        with atomic_write(result.report) as tmp:
            tmp.write_text(render_report(result, pngs), encoding="utf-8")
        stages.update()
    return result


def _require_showers(flow: Cutflow, kind: Literal["simulated", "measured"]) -> None:
    """Refuse to go on when no shower passes the cuts (nothing to histogram or fit)."""
    if flow.n_selected == 0:
        msg = (
            f"no {kind} shower passes the cuts ({flow.n_total} read):\n{flow}\n"
            "check the file or loosen the cuts (cuts=Cuts(...))"
        )
        raise ArgumentError(msg)
