"""Light and heavy showers: a straight line in the lgNe–lgNmu plane between them, and the heavy fraction per energy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import awkward as ak
import hist
import numpy as np

from kcdc_hep._util import readonly, to_jsonable
from kcdc_hep.errors import ArgumentError, FitError
from kcdc_hep.histograms import is_histogram, make_axis
from kcdc_hep.schema import column, lookup_primary, require

__all__ = ["HeavyFraction", "SeparationLine", "heavy_fraction", "heavy_histogram", "separation_line"]


@dataclass(frozen=True)
class SeparationLine:
    """A straight line lgNmu = slope · lgNe + intercept in the size plane; showers above it are called heavy.

    Attributes
    ----------
    slope, intercept : float
        The line (both sizes as log10 numbers).
    light, heavy : str
        Primaries it was derived from.
    accuracy : float
        Fraction of the training showers (light and heavy weighted equally) classified correctly.
    method : str
        How the line was derived (``"fisher"``).
    """

    slope: float
    intercept: float
    light: str
    heavy: str
    accuracy: float
    method: str = "fisher"

    def lgNmu_on_line(self, lgNe: np.ndarray | float) -> np.ndarray | float:
        """The muon number lgNmu of the line at the given lgNe."""
        return self.slope * np.asarray(lgNe) + self.intercept

    def is_heavy(self, events: Any) -> np.ndarray:
        """Boolean array: True where a shower lies above the line (more muons for its electrons → heavy)."""
        ne = column(events, "lgNe", where="SeparationLine.is_heavy")
        nmu = column(events, "lgNmu", where="SeparationLine.is_heavy")
        return nmu > self.slope * ne + self.intercept

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary."""
        return to_jsonable(dict(self.__dict__))

    def __str__(self) -> str:
        return (
            f"separation line lgNmu = {self.slope:.4f} * lgNe {self.intercept:+.4f} "
            f"({self.light} below, {self.heavy} above; {100 * self.accuracy:.1f}% of the simulated showers right)"
        )


def separation_line(sim: Any, *, light: str = "p", heavy: str = "Fe") -> SeparationLine:
    """Derive the straight line in the lgNe–lgNmu plane that best separates light from heavy simulated showers.

    Method: Fisher's linear discriminant. With the class means μ_L, μ_H and the pooled within-class covariance
    S_W of (lgNe, lgNmu), the direction w = S_W⁻¹ (μ_H − μ_L) maximises the separation of the projected classes
    relative to their spread; the boundary w·x = w·(μ_L + μ_H)/2 (midpoint, equal priors) is the line. Because
    both sizes grow with energy, the classes are long diagonal bands and the line runs along them, so one line
    serves all energies.

    Parameters
    ----------
    sim : awkward.Array or dict
        Simulated showers with ``lgNe``, ``lgNmu`` and ``primary``; or a dict primary → array of shape (n, 2) of
        (lgNe, lgNmu) points (e.g. collected chunk by chunk).
    light, heavy : str
        Primary symbols (or codes) of the two classes.

    Returns
    -------
    SeparationLine

    Raises
    ------
    FitError
        If a class has fewer than 3 showers, or the sizes do not separate the classes as a line lgNmu(lgNe).
    """
    where = "separation_line"
    found_l, found_h = lookup_primary(light), lookup_primary(heavy)
    sym_l = found_l.symbol if found_l is not None else light
    sym_h = found_h.symbol if found_h is not None else heavy
    points = _points(sim, where=where)
    a, b = points.get(sym_l, np.zeros((0, 2))), points.get(sym_h, np.zeros((0, 2)))
    if len(a) < 3 or len(b) < 3:
        present = sorted(p for p, v in points.items() if len(v))
        msg = (
            f"{where}: need simulated showers of both classes; found {len(a)} {sym_l!r} and {len(b)} {sym_h!r} "
            f"(primaries present: {', '.join(present) or 'none'})"
        )
        raise FitError(msg)
    mu_l, mu_h = a.mean(axis=0), b.mean(axis=0)
    s_w = np.cov(a, rowvar=False) + np.cov(b, rowvar=False)
    w = np.linalg.solve(s_w, mu_h - mu_l)
    c = float(w @ (mu_l + mu_h) / 2)
    if abs(w[1]) < 1e-12 * np.linalg.norm(w):
        msg = f"{where}: the best boundary is vertical in lgNe (muons do not separate the classes); no line lgNmu(lgNe)"
        raise FitError(msg)
    slope, intercept = float(-w[0] / w[1]), float(c / w[1])
    if w[1] < 0:  # heavy must lie above the line for is_heavy
        msg = f"{where}: the {sym_h!r} showers have fewer muons than {sym_l!r} here; swap light and heavy"
        raise FitError(msg)
    above_h = np.mean(b[:, 1] > slope * b[:, 0] + intercept)
    below_l = np.mean(a[:, 1] <= slope * a[:, 0] + intercept)
    return SeparationLine(slope, intercept, sym_l, sym_h, float(0.5 * (above_h + below_l)))


def _points(sim: Any, *, where: str) -> dict[str, np.ndarray]:
    """Finite (lgNe, lgNmu) points by primary symbol, from events or a dict of point arrays."""
    if isinstance(sim, Mapping):
        out = {}
        for code, pts in sim.items():
            found = lookup_primary(code)
            a = np.asarray(pts, dtype=float).reshape(-1, 2)
            out[found.symbol if found is not None else str(code)] = a[np.all(np.isfinite(a), axis=1)]
        return out
    require(ak.fields(sim), ["lgNe", "lgNmu", "primary"], where=where)
    primary = column(sim, "primary", where=where).astype(str)
    points = np.column_stack([column(sim, "lgNe", where=where), column(sim, "lgNmu", where=where)])
    finite = np.all(np.isfinite(points), axis=1)
    return {str(p): points[(primary == p) & finite] for p in np.unique(primary)}


@dataclass(frozen=True)
class HeavyFraction:
    """Fraction of showers above a :class:`SeparationLine` per energy bin, with binomial errors √(f(1−f)/n).

    Records of the same energy bins add (``a + b`` or :meth:`merge`): counts add, fractions and errors follow.
    """

    energy_edges: np.ndarray
    n: np.ndarray
    n_heavy: np.ndarray
    fraction: np.ndarray
    error: np.ndarray

    @classmethod
    def from_counts(
        cls,
        energy_edges: Sequence[float] | np.ndarray,
        n: Sequence[int] | np.ndarray,
        n_heavy: Sequence[int] | np.ndarray,
    ) -> HeavyFraction:
        """The heavy fraction from counts per energy bin: all showers ``n`` and those above the line ``n_heavy``.

        Empty bins give NaN.

        >>> HeavyFraction.from_counts([15.0, 15.5, 16.0], [100, 0], [25, 0]).fraction.tolist()
        [0.25, nan]
        """
        n_arr, heavy_arr = np.asarray(n, dtype=np.int64), np.asarray(n_heavy, dtype=np.int64)
        edges = np.asarray(energy_edges, dtype=float)
        if n_arr.shape != heavy_arr.shape or edges.shape != (len(n_arr) + 1,):
            msg = "HeavyFraction.from_counts: need one n and one n_heavy per energy bin (len(edges) - 1 of each)"
            raise ArgumentError(msg)
        with np.errstate(divide="ignore", invalid="ignore"):
            f = np.where(n_arr > 0, heavy_arr / n_arr, np.nan)
            err = np.where(n_arr > 0, np.sqrt(f * (1 - f) / n_arr), np.nan)
        counts = readonly(n_arr, np.int64), readonly(heavy_arr, np.int64)
        return cls(readonly(edges), *counts, readonly(f), readonly(err))

    def merge(self, other: HeavyFraction) -> HeavyFraction:
        """The heavy fraction of both samples together (the same energy bins required)."""
        if not np.array_equal(self.energy_edges, other.energy_edges):
            msg = "HeavyFraction.merge: the two records have different energy bins; merge records of equal bins"
            raise ArgumentError(msg)
        return HeavyFraction.from_counts(self.energy_edges, self.n + other.n, self.n_heavy + other.n_heavy)

    def __add__(self, other: HeavyFraction) -> HeavyFraction:
        if not isinstance(other, HeavyFraction):
            return NotImplemented
        return self.merge(other)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (NaN → None)."""
        return to_jsonable(dict(self.__dict__))

    def __str__(self) -> str:
        lines = [f"{'lg(E/eV)':>13}  {'events':>8}  {'heavy':>8}  fraction"]
        for i in range(len(self.n)):
            lines.append(
                f"{self.energy_edges[i]:6.2f}-{self.energy_edges[i + 1]:<6.2f}  {self.n[i]:>8}  {self.n_heavy[i]:>8}  "
                f"{self.fraction[i]:.3f} ± {self.error[i]:.3f}"
            )
        return "\n".join(lines)


def heavy_histogram(
    events: Any, line: SeparationLine, *, energy_bins: Sequence[float] | np.ndarray | tuple[int, float, float]
) -> hist.Hist:
    """Showers counted by lgE bin and by side of the line: axes ``lgE`` [lg(E/eV)] × ``heavy`` (False, True).

    Histograms of chunks add; :func:`heavy_fraction` turns one into the fraction.
    """
    lgE = column(events, "lgE", where="heavy_histogram")
    h = hist.Hist(
        make_axis(energy_bins, name="lgE"), hist.axis.Boolean(name="heavy", label="above the line"),
        storage=hist.storage.Int64(),
    )  # fmt: skip
    return h.fill(lgE, line.is_heavy(events))


def heavy_fraction(
    data: Any,
    line: SeparationLine | None = None,
    *,
    energy_bins: Sequence[float] | np.ndarray | tuple[int, float, float] | None = None,
) -> HeavyFraction:
    """Fraction of heavy-classified showers per lgE bin.

    Parameters
    ----------
    data : hist.Hist or awkward.Array
        A histogram lgE × ``heavy`` (:func:`heavy_histogram`, possibly summed over chunks), or events with ``lgE``
        [lg(E/eV)], ``lgNe`` and ``lgNmu``, histogrammed first.
    line : SeparationLine
        The line, for events.
    energy_bins : edges or (n, low, high)
        lg(E/eV) bins, for events.

    Returns
    -------
    HeavyFraction
        The fraction is that of showers above the line, not the iron fraction: light showers fluctuate above it and
        heavy ones below (see :attr:`SeparationLine.accuracy`). Empty bins give NaN. Events are counted as hist
        counts them: a value on the upper edge of the last bin lies outside it.
    """
    if not is_histogram(data):
        if line is None or energy_bins is None:
            msg = "heavy_fraction: for events pass the line and energy_bins= (lg(E/eV) edges or (n, low, high))"
            raise ArgumentError(msg)
        return heavy_fraction(heavy_histogram(data, line, energy_bins=energy_bins))
    if line is not None or energy_bins is not None:
        msg = "heavy_fraction: a histogram lgE × heavy already holds the classification and the bins"
        raise ArgumentError(msg)
    names = [ax.name for ax in data.axes]
    if len(names) != 2 or names[1] != "heavy":
        msg = f"heavy_fraction: needs a histogram with axes (lgE, heavy) as heavy_histogram makes, got axes {names}"
        raise ArgumentError(msg)
    counts = np.asarray(data.values(), dtype=np.int64)
    return HeavyFraction.from_counts(data.axes[0].edges, counts.sum(axis=1), counts[:, 1])
