"""The record every parametric fit returns, and the one place a Minuit minimum becomes that record."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from iminuit import Minuit

from kcdc_hep._util import to_jsonable

__all__ = ["FitResult", "fit_result"]


@dataclass(frozen=True)
class FitResult:
    """Result of a parametric fit.

    Attributes
    ----------
    method : str
        ``"chi2"``, ``"likelihood"`` or ``"unbinned"`` (``"poisson"`` for a knee fit).
    parameters : tuple of str
        Parameter names (``Constant``, ``Mean``, ``Sigma`` for a binned Gaussian, as in ROOT).
    values, errors : tuple of float
        Best-fit values and their parabolic (Migrad) errors.
    covariance : tuple of tuple of float
        Covariance matrix of the parameters.
    chi2 : float or None
        χ² of a χ² fit, the Baker–Cousins likelihood-ratio χ² of a binned likelihood fit, None for unbinned fits.
    ndof : int
        Number of fitted bins (or events) minus number of parameters.
    minus_two_lnL : float or None
        −2 ln L of likelihood fits (full Poisson likelihood for binned fits), None for χ² fits.
    valid : bool
        Migrad converged to a valid minimum.
    n_data : int
        Bins (binned fits) or values (unbinned) used.
    """

    method: str
    parameters: tuple[str, ...]
    values: tuple[float, ...]
    errors: tuple[float, ...]
    covariance: tuple[tuple[float, ...], ...]
    chi2: float | None
    ndof: int
    minus_two_lnL: float | None
    valid: bool
    n_data: int

    def __getitem__(self, name: str) -> float:
        """Best-fit value of a parameter by name."""
        return self.values[self._index(name)]

    def error(self, name: str) -> float:
        """Error of a parameter by name."""
        return self.errors[self._index(name)]

    def _index(self, name: str) -> int:
        try:
            return self.parameters.index(name)
        except ValueError:
            msg = f"fit result has no parameter {name!r}; parameters: {', '.join(self.parameters)}"
            raise KeyError(msg) from None

    @property
    def chi2_ndof(self) -> float:
        """χ²/ndof (NaN when undefined)."""
        return self.chi2 / self.ndof if self.chi2 is not None and self.ndof > 0 else math.nan

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return to_jsonable(
            {
                "method": self.method,
                "parameters": list(self.parameters),
                "values": list(self.values),
                "errors": list(self.errors),
                "covariance": [list(r) for r in self.covariance],
                "chi2": self.chi2,
                "ndof": self.ndof,
                "minus_two_lnL": self.minus_two_lnL,
                "valid": self.valid,
                "n_data": self.n_data,
            }
        )

    def __str__(self) -> str:
        lines = [f"{self.method} fit ({'valid' if self.valid else 'INVALID'}), {self.n_data} data points"]
        width = max(len(p) for p in self.parameters)
        rows = zip(self.parameters, self.values, self.errors, strict=True)
        lines += [f"  {p:<{width}} = {v:.6g} ± {e:.3g}" for p, v, e in rows]
        if self.chi2 is not None:
            lines.append(f"  chi2/ndof = {self.chi2:.4g}/{self.ndof}")
        if self.minus_two_lnL is not None:
            lines.append(f"  -2lnL = {self.minus_two_lnL:.6g}")
        return "\n".join(lines)


def fit_result(
    m: Minuit,
    *,
    method: str,
    chi2: float | None,
    minus_two_lnL: float | None,
    n_data: int,
    parameters: Sequence[str] | None = None,
) -> FitResult:
    """The :class:`FitResult` of a minimised :class:`iminuit.Minuit` (NaN covariance if Minuit has none).

    ``parameters`` renames the parameters (default: Minuit's names); ``ndof`` is ``n_data`` minus the free ones.
    """
    cov = np.asarray(m.covariance) if m.covariance is not None else np.full((m.npar, m.npar), np.nan)
    return FitResult(
        method=method,
        parameters=tuple(m.parameters if parameters is None else parameters),
        values=tuple(float(v) for v in m.values),
        errors=tuple(float(e) for e in m.errors),
        covariance=tuple(tuple(float(c) for c in row) for row in cov),
        chi2=chi2,
        ndof=n_data - m.nfit,
        minus_two_lnL=minus_two_lnL,
        valid=bool(m.valid),
        n_data=n_data,
    )
