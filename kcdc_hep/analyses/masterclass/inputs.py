"""What the masterclass job checks before it reads a single chunk: options, outputs, input files and their fields."""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from kcdc_hep.errors import ArgumentError, MissingColumnError, OutputExistsError, closest_first
from kcdc_hep.provenance import Provenance, joint_label, provenance_of
from kcdc_hep.readers import expand, iterate
from kcdc_hep.schema import describe
from kcdc_hep.selections import Cuts
from kcdc_hep.simulation.sky import GenerationSpectrum

__all__ = [
    "DATA_FIELDS",
    "OPTIONAL_FIELDS",
    "SIM_FIELDS",
    "TRUTH_FIELDS",
    "Inputs",
    "applicable_cuts",
    "check_energy_bins",
    "check_outputs",
    "check_run_options",
    "default_inputs",
    "resolve_inputs",
]

#: Fields the measured data and the simulation must have.
DATA_FIELDS = ("lgE", "lgNe", "lgNmu")
SIM_FIELDS = ("lgE", "lgNe", "lgNmu", "primary")
#: Fields read when present: the cuts' fields, the direction and core maps, and the event times (data only).
OPTIONAL_FIELDS = ("zenith", "azimuth", "core_x", "core_y", "core_dist", "age", "time")
#: Simulated truth read when present: the true energy (for the element spectra and re-weighted templates).
TRUTH_FIELDS = ("lgE_true",)

Paths = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]


@dataclass(frozen=True)
class Inputs:
    """The input files of a run and the fields all files of each input have (``flux_table``: a published flux).

    ``generation`` is how the simulation library was thrown (the sum over its files), when every simulation file
    carries a generation record (``simulation.root``); None otherwise. ``builtin``: an input is a built-in
    (synthetic) sample.
    """

    data: tuple[str, ...]
    simulation: tuple[str, ...]
    data_fields: tuple[str, ...]
    sim_fields: tuple[str, ...]
    flux_table: str | None = None
    generation: GenerationSpectrum | None = None
    builtin: bool = False

    @property
    def has_truth(self) -> bool:
        """Whether the simulation has true energies and a generation record (what the element spectra need)."""
        return self.generation is not None and "lgE_true" in self.sim_fields

    def provenances(self, which: str = "both") -> list[Provenance]:
        """Where the events of the data, the simulation or both came from (synthetic sample or KASCADE data)."""
        paths = {"data": self.data, "simulation": self.simulation, "both": (*self.data, *self.simulation)}[which]
        return [provenance_of(p) for p in paths]

    def label(self, which: str = "both") -> str:
        """The figure label of the data, the simulation or both: never "Open Data" for a generated sample."""
        provs = self.provenances(which)
        return joint_label(provs) if provs else ""

    def absolute(self) -> Inputs:
        """The same inputs with absolute paths (as the summary and the report show them)."""
        return replace(
            self,
            data=tuple(os.path.abspath(p) for p in self.data),
            simulation=tuple(os.path.abspath(p) for p in self.simulation),
        )

    def data_columns(self) -> list[str]:
        """Fields to read from the data: the needed ones and the optional ones present."""
        return [f for f in (*DATA_FIELDS, *OPTIONAL_FIELDS) if f in self.data_fields]

    def sim_columns(self) -> list[str]:
        """Fields to read from the simulation (no event times: simulations have none; the true energy if there)."""
        return [f for f in (*SIM_FIELDS, *OPTIONAL_FIELDS[:-1], *TRUTH_FIELDS) if f in self.sim_fields]


def check_energy_bins(energy_bins: Sequence[float]) -> tuple[float, ...]:
    """The lg(E/eV) edges as floats; at least two, strictly increasing (else ArgumentError)."""
    edges = tuple(float(e) for e in energy_bins)
    if len(edges) < 2 or any(b <= a for a, b in itertools.pairwise(edges)):
        msg = f"run_masterclass: energy_bins must be at least two increasing lg(E/eV) edges, got {energy_bins!r}"
        raise ArgumentError(msg)
    return edges


def check_run_options(*, workers: int | None, scheduler: Any, step_size: int) -> None:
    """Refuse a bad ``workers=``, both ``workers=`` and ``scheduler=``, or a bad ``step_size=`` (ArgumentError)."""
    if workers is not None and scheduler is not None:
        msg = "run_masterclass: pass either workers= (a local Dask cluster) or scheduler= (an existing one), not both"
        raise ArgumentError(msg)
    if workers is not None and (not isinstance(workers, int | np.integer) or isinstance(workers, bool) or workers < 1):
        msg = f"run_masterclass: workers must be a positive number of processes, not {workers!r}"
        raise ArgumentError(msg)
    if not isinstance(step_size, int | np.integer) or isinstance(step_size, bool) or step_size < 1:
        msg = f"run_masterclass: step_size must be a positive number of events per chunk, not {step_size!r}"
        raise ArgumentError(msg)


def check_outputs(out: Path, names: Sequence[str], *, overwrite: bool) -> dict[str, Path]:
    """The output paths ``out/name``; refuses a folder holding any of them unless ``overwrite`` (before any work)."""
    if out.exists() and not out.is_dir():
        msg = f"{out}: exists and is not a folder; choose another --out"
        raise OutputExistsError(msg)
    targets = {name: out / name for name in names}
    existing = [p for p in targets.values() if p.exists()]
    if existing and not overwrite:
        listed = ", ".join(p.name for p in existing[:5]) + (" ..." if len(existing) > 5 else "")
        msg = f"{out}: holds results of an earlier run ({listed}); pass overwrite=True (--overwrite) or another --out"
        raise OutputExistsError(msg)
    return targets


def default_inputs(*, progress: bool) -> tuple[list[str], list[str]]:
    """The built-in default sample: data = sample 3, sim = simulation.root (generated into the user cache on first use).

    Sample 3 is the measured data set with every column: event times (for the flux and the knee), core position and
    shower age (for all the quality cuts). Sample 1 holds the same showers (and more) with only E, Ne, Nmu, Ze, so
    it would add no independent events and cannot be cut alike. ``simulation.root`` is the simulation library of
    sample 2 (the same showers) with the true energies and the record of how it was thrown, which the element
    spectra and the re-weighted templates need (sample 2 has the primaries but no truth).
    """
    from kcdc_hep.simulation.samples import default_sample

    data = default_sample("sample3", progress=progress)
    sim = default_sample("simulation", progress=progress)
    return [os.fspath(data)], [os.fspath(sim)]


def resolve_inputs(
    data: Paths | None, sim: Paths | None, *, flux_table: str | os.PathLike[str] | None, progress: bool
) -> Inputs:
    """The files of each input (the default sample where none is given), checked for the fields the job needs."""
    if data is None or sim is None:
        default_data, default_sim = default_inputs(progress=progress)
    data_paths = expand(data) if data is not None else default_data
    sim_paths = expand(sim) if sim is not None else default_sim
    return Inputs(
        data=tuple(data_paths),
        simulation=tuple(sim_paths),
        data_fields=tuple(_check_fields(data_paths, DATA_FIELDS, role="measured data")),
        sim_fields=tuple(_check_fields(sim_paths, SIM_FIELDS, role="simulation")),
        flux_table=os.fspath(flux_table) if flux_table is not None else None,
        generation=_generation(sim_paths),
        builtin=data is None or sim is None,
    )


def _generation(paths: Sequence[str]) -> GenerationSpectrum | None:
    """The generation of the simulation library: the records of all its files added (None if one has none)."""
    from kcdc_hep.simulation.samples import read_generation

    records = [read_generation(p) for p in paths]
    if not records or any(r is None for r in records):
        return None
    total = records[0]
    for r in records[1:]:
        total = total + r  # type: ignore[operator]
    return total


def applicable_cuts(cuts: Cuts, inputs: Inputs) -> tuple[Cuts, tuple[str, ...]]:
    """The cuts both inputs allow (data and templates must be cut alike), and a note per cut switched off."""
    lacking: dict[str, list[str]] = {}
    needs: dict[str, str] = {}
    for role, have in (("data", inputs.data_fields), ("simulation", inputs.sim_fields)):
        for option, need in cuts.missing_fields(have).items():
            lacking.setdefault(option, []).append(role)
            needs[option] = need
    notes = []
    for option in (f.name for f in fields(cuts) if f.name in lacking):
        roles = lacking[option]
        verb = "has" if len(roles) == 1 else "have"
        notes.append(f"{option} switched off: the {' and the '.join(roles)} {verb} no {needs[option]}")
    return cuts.applicable_to(inputs.data_fields).applicable_to(inputs.sim_fields), tuple(notes)


def _peek_fields(path: str) -> list[str]:
    """Field names of a file from its first few events (cheap: one small chunk is parsed, then the file is closed)."""
    for first in iterate(path, step_size=1000):
        return list(ak.fields(first))
    return []


def _check_fields(paths: list[str], needed: Sequence[str], *, role: str) -> list[str]:
    """Fields common to all files of one input; raise a plain-words error if a needed one is absent."""
    common: list[str] | None = None
    for path in paths:
        names = _peek_fields(path)
        for name in needed:
            if name in names:
                continue
            listed = ", ".join(closest_first(name, names)[:12]) or "nothing"
            if name == "primary":
                msg = (
                    f"{path}: the simulation must say which particle started each shower (a 'Particle' or "
                    f"'primary' column), but this file has none (it has: {listed}). Did you give measured data as "
                    "--sim? Use the simulation file (sample 2) for --sim and the measured data for --data."
                )
            else:
                msg = (
                    f"{path}: the {role} need the field {name!r} ({describe(name)}), but this file has: {listed}. "
                    "Is it a KASCADE/KCDC events file? The masterclass samples 1-3 and KCDC exports work."
                )
            raise MissingColumnError(msg)
        common = names if common is None else [n for n in common if n in names]
    return common or []
