"""Published KASCADE spectra shipped with the package: the truth of the synthetic sky and the points beside results.

- :func:`published_element_spectra`: the energy spectra of five mass groups (H, He, C, Si, Fe) and of all particles,
  1.4–100 PeV (Kuznetsov et al. 2024, arXiv:2312.08279, Tables 2–3);
- :func:`published_all_particle`: the KASCADE all-particle spectrum, QGSJet-01 unfolding (Antoni et al.,
  Astropart. Phys. 24 (2005) 1), as a :class:`~kcdc_hep.fits.FluxSpectrum`;
- :func:`published_mean_lnA`: ⟨ln A⟩ per energy bin computed from the element table.

Energies are lg(E/eV) (the table's lg(E/GeV) edges + 9); fluxes dN/dE in m⁻² s⁻¹ sr⁻¹ GeV⁻¹. The files live in
``kcdc_hep/data`` (see its README for the full citations). Layer: this module reads package data and builds a
``FluxSpectrum``, so it sits beside the fits; the simulation layer does not import it (the sky keeps its fitted
constants in :mod:`kcdc_hep.simulation.sky`).

>>> spectra = published_element_spectra()
>>> spectra.groups, len(spectra.lgE_edges)
(('H', 'He', 'C', 'Si', 'Fe', 'all'), 21)
>>> round(float(published_mean_lnA().mean_lnA[-1]), 2)
2.55
"""

from __future__ import annotations

import csv
import functools
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from kcdc_hep._util import readonly, to_jsonable
from kcdc_hep.errors import ArgumentError, CorruptFileError

if TYPE_CHECKING:
    from kcdc_hep.fits import FluxSpectrum

__all__ = [
    "ALL_PARTICLE_CITATION",
    "ELEMENT_SPECTRA_CITATION",
    "GROUP_ELEMENTS",
    "KCDC_CITATION",
    "ElementSpectra",
    "MeanLnA",
    "data_path",
    "published_all_particle",
    "published_element_spectra",
    "published_mean_lnA",
]

ELEMENT_SPECTRA_CITATION = (
    "Kuznetsov et al. (2024), Energy spectra of elemental groups of cosmic rays with the KASCADE experiment data "
    "and machine learning, arXiv:2312.08279, Tables 2-3 (via KCDC)"
)
ALL_PARTICLE_CITATION = (
    "T. Antoni et al. (KASCADE Collaboration), Astropart. Phys. 24 (2005) 1, all-particle spectrum (QGSJet-01 "
    "unfolding), KCDC spectra portal"
)
KCDC_CITATION = "A. Haungs et al., Eur. Phys. J. C 78 (2018) 741 (KCDC)"

#: Mass group of the element table → the element symbol of :data:`kcdc_hep.schema.MASS_GROUPS` standing for it.
GROUP_ELEMENTS: Mapping[str, str] = MappingProxyType({"H": "p", "He": "He", "C": "C", "Si": "Si", "Fe": "Fe"})
_MASS_NUMBER = {"H": 1, "He": 4, "C": 12, "Si": 28, "Fe": 56}
_ELEMENT_FILE = "kascade_2024_element_spectra.csv"
_ALL_PARTICLE_FILE = "kascade_2005_qgsjet01_all_particle_flux.txt"
_UNIT = "m^-2 s^-1 sr^-1 GeV^-1"


def data_path(name: str) -> Path:
    """Path of a data file shipped in ``kcdc_hep/data`` (``name`` such as ``"kascade_2024_element_spectra.csv"``).

    Raises
    ------
    ArgumentError
        If no such file is shipped (the message lists the files that are).
    """
    folder = resources.files("kcdc_hep") / "data"
    path = Path(str(folder / name))
    if not path.is_file():
        shipped = sorted(p.name for p in Path(str(folder)).iterdir() if p.name != "README.md")
        msg = f"data_path: kcdc_hep/data has no file {name!r}; shipped: {', '.join(shipped)}"
        raise ArgumentError(msg)
    return path


@dataclass(frozen=True)
class ElementSpectra:
    """Published flux of each mass group in common energy bins (arrays read-only).

    Attributes
    ----------
    groups : tuple of str
        ``("H", "He", "C", "Si", "Fe", "all")``.
    lgE_edges : numpy.ndarray
        Bin edges, lg(E/eV).
    flux, stat, sys : mapping of group to numpy.ndarray
        dN/dE and its absolute statistical and systematic uncertainties, m⁻² s⁻¹ sr⁻¹ GeV⁻¹.
    citation : str
        Where the numbers come from.
    """

    groups: tuple[str, ...]
    lgE_edges: np.ndarray
    flux: Mapping[str, np.ndarray]
    stat: Mapping[str, np.ndarray]
    sys: Mapping[str, np.ndarray]
    citation: str = ELEMENT_SPECTRA_CITATION
    unit: str = _UNIT

    @property
    def lgE_centers(self) -> np.ndarray:
        """Bin centres, lg(E/eV)."""
        return 0.5 * (self.lgE_edges[1:] + self.lgE_edges[:-1])

    def total_error(self, group: str) -> np.ndarray:
        """Statistical and systematic uncertainty added in quadrature, m⁻² s⁻¹ sr⁻¹ GeV⁻¹."""
        self._check(group)
        return np.hypot(self.stat[group], self.sys[group])

    def flux_spectrum(self, group: str) -> FluxSpectrum:
        """One group's spectrum as a :class:`~kcdc_hep.fits.FluxSpectrum` (e.g. for :func:`kcdc_hep.fits.fit_knee`).

        Energies are the logarithmic bin centres √(E_low·E_high) in GeV; the errors are the total ones
        (:meth:`total_error`).

        >>> published_element_spectra().flux_spectrum("H").label
        'KASCADE 2024 H'
        """
        from kcdc_hep.readers.flux_table import FluxSpectrum

        err = self.total_error(group)
        edges = 10.0 ** (self.lgE_edges - 9.0)
        return FluxSpectrum(
            energy_GeV=readonly(np.sqrt(edges[1:] * edges[:-1])),
            flux=self.flux[group],
            flux_err_low=readonly(err),
            flux_err_high=readonly(err),
            energy_edges_GeV=readonly(edges),
            label=f"KASCADE 2024 {group}",
        )

    def _check(self, group: str) -> None:
        if group not in self.groups:
            msg = f"ElementSpectra: no group {group!r}; the table has {', '.join(self.groups)}"
            raise ArgumentError(msg)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready ``{lgE_edges, unit, citation, groups: {H: {flux, stat, sys}, ...}}``."""
        groups = {g: {"flux": self.flux[g], "stat": self.stat[g], "sys": self.sys[g]} for g in self.groups}
        return to_jsonable(
            {"lgE_edges": self.lgE_edges, "unit": self.unit, "citation": self.citation, "groups": groups}
        )


@dataclass(frozen=True)
class MeanLnA:
    """⟨ln A⟩ per energy bin with its statistical and systematic uncertainty (arrays read-only).

    ``stat`` and ``sys`` propagate the groups' uncertainties as if independent between groups (the paper gives no
    covariance), so they are indicative.
    """

    lgE_edges: np.ndarray
    mean_lnA: np.ndarray
    stat: np.ndarray
    sys: np.ndarray
    citation: str = ELEMENT_SPECTRA_CITATION

    @property
    def lgE_centers(self) -> np.ndarray:
        """Bin centres, lg(E/eV)."""
        return 0.5 * (self.lgE_edges[1:] + self.lgE_edges[:-1])


@functools.cache
def published_element_spectra() -> ElementSpectra:
    """The KASCADE spectra of H, He, C, Si, Fe and all particles, 1.4–100 PeV (20 bins, shipped table).

    Returns
    -------
    ElementSpectra

    Examples
    --------
    >>> s = published_element_spectra()
    >>> round(float(s.lgE_edges[0]), 2), f"{s.flux['H'][0]:.3e}"
    (15.15, '3.105e-13')
    """
    path = data_path(_ELEMENT_FILE)
    rows: dict[str, list[tuple[float, float, float, float, float]]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        lines = (line for line in f if line.strip() and not line.startswith("#"))
        for lineno, row in enumerate(csv.DictReader(lines), start=2):
            try:
                values = tuple(float(row[k]) for k in ("lg_e_min_gev", "lg_e_max_gev", "flux", "stat", "sys"))
            except (KeyError, TypeError, ValueError) as err:
                msg = f"{path}: data row {lineno} {row!r} cannot be read; reinstall kcdc_hep (the file is damaged)"
                raise CorruptFileError(msg) from err
            rows.setdefault(row["group"], []).append(values)  # type: ignore[arg-type]
    groups = tuple(rows)
    tables = {g: np.array(v) for g, v in rows.items()}
    first = tables[groups[0]]
    edges = np.r_[first[:, 0], first[-1, 1]] + 9.0
    for g, t in tables.items():
        if not (np.allclose(t[:, 0] + 9.0, edges[:-1]) and np.allclose(t[:, 1] + 9.0, edges[1:])):
            msg = f"{path}: group {g!r} has other energy bins than {groups[0]!r}; reinstall kcdc_hep"
            raise CorruptFileError(msg)
    return ElementSpectra(
        groups=groups,
        lgE_edges=readonly(edges),
        flux=MappingProxyType({g: readonly(t[:, 2]) for g, t in tables.items()}),
        stat=MappingProxyType({g: readonly(t[:, 3]) for g, t in tables.items()}),
        sys=MappingProxyType({g: readonly(t[:, 4]) for g, t in tables.items()}),
    )


@functools.cache
def published_all_particle() -> FluxSpectrum:
    """The KASCADE all-particle spectrum (QGSJet-01, 1.8–89 PeV, 18 points) as a ``FluxSpectrum``.

    Examples
    --------
    >>> spec = published_all_particle()
    >>> len(spec.energy_GeV), spec.label
    (18, 'KAS_QGSjet01_all')
    """
    from kcdc_hep.readers.flux_table import read_flux_table

    return read_flux_table(data_path(_ALL_PARTICLE_FILE))


@functools.cache
def published_mean_lnA() -> MeanLnA:
    """⟨ln A⟩ = Σ f_i ln A_i (A = 1, 4, 12, 28, 56) per bin of the published element table.

    Examples
    --------
    >>> m = published_mean_lnA()
    >>> [round(float(x), 2) for x in m.mean_lnA[[0, 9, 19]]]
    [1.11, 1.3, 2.55]
    """
    s = published_element_spectra()
    names = list(_MASS_NUMBER)
    flux = np.array([s.flux[g] for g in names])
    lnA = np.array([math.log(_MASS_NUMBER[g]) for g in names])[:, None]
    total = flux.sum(axis=0)
    mean = (flux * lnA).sum(axis=0) / total
    grad = (lnA - mean) / total  # ∂⟨ln A⟩/∂J_i
    stat = np.sqrt((grad**2 * np.array([s.stat[g] for g in names]) ** 2).sum(axis=0))
    sys = np.sqrt((grad**2 * np.array([s.sys[g] for g in names]) ** 2).sum(axis=0))
    return MeanLnA(lgE_edges=s.lgE_edges, mean_lnA=readonly(mean), stat=readonly(stat), sys=readonly(sys))
