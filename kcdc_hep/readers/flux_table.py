"""Published all-particle flux tables (the KCDC spectra portal), read into the flux record :class:`FluxSpectrum`.

The record is defined here, beside its only reader, so that the readers need nothing from the layers above them;
:mod:`kcdc_hep.spectrum` is its home in the API: it measures the same record from event counts
(:func:`kcdc_hep.spectrum.flux_spectrum`), and :func:`kcdc_hep.fits.fit_knee` fits either kind.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kcdc_hep._util import readonly, to_jsonable
from kcdc_hep.errors import EmptyFileError, MalformedRowError, MissingFileError, UnknownFormatError

__all__ = ["FluxSpectrum", "read_flux_table"]


@dataclass(frozen=True)
class FluxSpectrum:
    """All-particle differential flux J(E) in m⁻² s⁻¹ sr⁻¹ GeV⁻¹ versus E in GeV.

    Arrays are read-only. ``energy_edges_GeV``, ``counts`` and ``exposure_m2_s_sr`` are None for a published table
    (:func:`read_flux_table`). ``energy_GeV`` is the logarithmic bin centre √(E_low·E_high) for spectra made from
    counts (:func:`kcdc_hep.spectrum.flux_spectrum`).
    """

    energy_GeV: np.ndarray
    flux: np.ndarray
    flux_err_low: np.ndarray
    flux_err_high: np.ndarray
    energy_edges_GeV: np.ndarray | None = None
    counts: np.ndarray | None = None
    exposure_m2_s_sr: float | None = None
    label: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (units: GeV and m⁻² s⁻¹ sr⁻¹ GeV⁻¹)."""
        return to_jsonable(
            {
                "label": self.label,
                "energy_GeV": self.energy_GeV,
                "energy_edges_GeV": self.energy_edges_GeV,
                "flux": self.flux,
                "flux_err_low": self.flux_err_low,
                "flux_err_high": self.flux_err_high,
                "counts": self.counts,
                "exposure_m2_s_sr": self.exposure_m2_s_sr,
            }
        )

    def __str__(self) -> str:
        lines = [f"flux spectrum {self.label}".rstrip(), f"{'E [GeV]':>12}  {'J [m^-2 s^-1 sr^-1 GeV^-1]':>26}"]
        for e, j, lo, hi in zip(self.energy_GeV, self.flux, self.flux_err_low, self.flux_err_high, strict=True):
            lines.append(f"{e:12.4e}  {j:12.4e} -{lo:.2e} +{hi:.2e}")
        return "\n".join(lines)


def read_flux_table(path: str | os.PathLike[str]) -> FluxSpectrum:
    """Read a flux table of the KCDC spectra portal: ``#`` header lines, then ``E;Flux;UncertLow;UncertHigh``.

    E in GeV, flux and its uncertainties in m⁻² s⁻¹ sr⁻¹ GeV⁻¹. Headers ``#InGeV: 1``, ``#InLog10: 0``,
    ``#Scaling: 0.0`` (the only variant supported) and ``#Label:`` are read; ``#Separator:`` may change the ``;``.

    Raises
    ------
    MissingFileError, EmptyFileError, MalformedRowError, UnknownFormatError
    """
    p = Path(path)
    if not p.is_file():
        msg = f"read_flux_table: {p} does not exist; check the path (the KCDC table is a .txt file)"
        raise MissingFileError(msg)
    sep, label = ";", ""
    rows: list[tuple[float, ...]] = []
    for lineno, raw in enumerate(p.read_text(encoding="utf-8", errors="replace").splitlines(), start=1):
        text = raw.strip()
        if not text:
            continue
        if text.startswith("#"):
            key, _, value = text[1:].partition(":")
            key, value = key.strip().lower(), value.strip()
            if key == "separator":
                sep = value.strip("\"'") or ";"
            elif key == "label":
                label = value
            elif (key, value) in {("ingev", "0"), ("inlog10", "1")} or (key == "scaling" and float(value) != 0):
                msg = f"read_flux_table: {p}:{lineno}: header {text!r} is not supported; export E in GeV, linear"
                raise UnknownFormatError(msg)
            continue
        rows.append(_row(raw, text.split(sep), sep, where=f"{p}:{lineno}"))
    if not rows:
        msg = f"read_flux_table: {p} holds no data rows (only comments or nothing)"
        raise EmptyFileError(msg)
    a = np.array(rows)
    return FluxSpectrum(
        energy_GeV=readonly(a[:, 0]),
        flux=readonly(a[:, 1]),
        flux_err_low=readonly(a[:, 2]),
        flux_err_high=readonly(a[:, 3]),
        label=label,
    )


def _row(raw: str, parts: list[str], sep: str, *, where: str) -> tuple[float, ...]:
    """The four numbers of one data row, or a MalformedRowError naming file and line."""
    try:
        values = tuple(float(v) for v in parts)
    except ValueError:
        values = ()
    if len(values) != 4 or not all(math.isfinite(v) for v in values) or values[0] <= 0:
        msg = (
            f"{where}: cannot read {raw!r}: expected 4 numbers E;Flux;UncertLow;UncertHigh separated by "
            f"{sep!r} with E > 0 in GeV"
        )
        raise MalformedRowError(msg)
    return values
