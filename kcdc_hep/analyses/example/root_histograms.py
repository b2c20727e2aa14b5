"""ROOT histograms filled exactly as ``TH1::Fill`` does: ROOT's bin numbers, entries and statistics sums.

- Bin numbers are ROOT's: ``TAxis::FindFixBin`` of ROOT 6.40 (``1 + int(n*(x-low)/(high-low))``, corrected so that
  ``GetBinLowEdge(bin) <= x < GetBinUpEdge(bin)``) for regular axes, the binary search over the edges for variable
  ones; NaN goes to the overflow bin. Regular axes of boost-histogram or numpy round differently at bin edges,
  which matters for values stored as float32. Counting is ``numpy.bincount`` on those bin numbers.
- Statistics as ``TH1::Fill``: every fill counts in ``fEntries``; only fills inside the axis ranges enter
  ``fTsumw``, ``fTsumwx``, ... (ROOT's default, ``TH1::StatOverflows(false)``).
- An :class:`Accumulator` sums over chunks; the :meth:`Accumulator.state` of chunks filled elsewhere (Dask tasks)
  added in chunk order gives the same floating-point sums as filling them here, bit for bit.

>>> acc = Accumulator(HistogramSpec("h", "title;x;entries", RootAxis(4, 0.0, 4.0)))
>>> x = np.array([0.5, 3.5, 9.0])
>>> acc.fill(x, acc.spec.x.bin_index(x))
>>> acc.counts.tolist(), acc.entries, acc.sumwx
([0, 1, 0, 0, 1, 1], 3, 4.0)
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from kcdc_hep.errors import ArgumentError

__all__ = ["Accumulator", "HistogramSpec", "RootAxis"]


@dataclass(frozen=True)
class RootAxis:
    """One axis of a ROOT histogram: ``bins`` regular bins on [low, high), or variable bins with ``edges``.

    ``log = (k_low, k_high, per_decade)`` marks variable bins with edges ``10**(k / per_decade)`` (only used to
    find bin numbers faster).
    """

    bins: int
    low: float
    high: float
    edges: tuple[float, ...] | None = None
    log: tuple[int, int, int] | None = None

    @classmethod
    def log_bins(cls, k_low: int, k_high: int, per_decade: int) -> RootAxis:
        """Variable bins with edges ``10**(k / per_decade)``, k = k_low ... k_high (as ``LogEdges`` in the macro).

        >>> RootAxis.log_bins(0, 20, 10).edges[10]
        10.0
        """
        edges = tuple(math.pow(10.0, k / per_decade) for k in range(k_low, k_high + 1))
        return cls(len(edges) - 1, edges[0], edges[-1], edges, (k_low, k_high, per_decade))

    def bin_index(self, values: np.ndarray) -> np.ndarray:
        """ROOT's bin number of each value: 0 underflow, 1 ... bins, bins + 1 overflow (and NaN).

        Exactly ``TAxis::FindFixBin`` of ROOT 6.40 (see the module docstring).

        >>> RootAxis(7, 0.1, 0.8).bin_index(np.array([0.05, 0.1, 0.7, 0.8, np.nan])).tolist()
        [0, 1, 6, 8, 8]
        """
        x = np.asarray(values)
        if x.dtype == np.float32 and x.size >= _TABLE_MIN_VALUES:
            return self._bin_index_float32(x)
        return self._bin_index(x)

    def _bin_index_float32(self, x: np.ndarray) -> np.ndarray:
        """:meth:`bin_index` of many float32 values by a table over their bit patterns (2x faster, same numbers).

        The table holds the bin of each cell of 2**12 consecutive float32 bit patterns, found by
        :meth:`_bin_index` at the cell's two ends: within a cell the values lie between its ends (the sign is the
        same), and the bin number only grows with the value, so a cell whose ends share a bin is all in that bin
        (NaN, which goes to the overflow bin, only shares cells with +inf, which goes there too). The values of the
        other cells (those with a bin edge, -1 in the table) are binned exactly one by one.
        """
        b = _float32_table(self)[np.ascontiguousarray(x).view(np.uint32) >> _TABLE_SHIFT]
        split = np.flatnonzero(b < 0)
        if len(split):
            b[split] = self._bin_index(x[split])
        return b

    def _bin_index(self, x: np.ndarray) -> np.ndarray:
        if x.dtype.kind != "f":
            x = x.astype(np.float64)
        n = self.bins
        low_edge, up_edge = _edge_tables(self)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            # a first guess t (bin number + fraction), right to within one bin ...
            if self.log is not None:
                k_low, _, per_decade = self.log
                t = np.log10(x)
                t *= per_decade
                t += 1 - k_low
            elif self.edges is None:
                t = x - self.low
                t *= n / (self.high - self.low)
                t += 1
            else:
                return np.searchsorted(np.asarray(self.edges), x, side="right").astype(np.intp)
            whole = np.floor(t)
            # ... then exact comparisons with ROOT's edges for the values near a bin edge (not for -inf, NaN)
            eps = 1e-3 if x.dtype.itemsize < 8 else 1e-7
            t -= whole
            near = np.flatnonzero((t < eps) | (t > 1 - eps))
            np.fmax(whole, 0, out=whole)  # fmax/fmin also map NaN to 0 (x < 0 on a log axis); NaN x is set below
            np.fmin(whole, n + 1, out=whole)
            b = whole.astype(np.intp)
            if len(near):
                xn, bn = x[near], b[near]
                bn += up_edge[bn] <= xn
                np.minimum(bn, n + 1, out=bn)  # +inf
                bn -= low_edge[bn] > xn
                b[near] = bn
            nan = np.isnan(x)
            if nan.any():
                b[nan] = n + 1
        return b


#: float32 bit patterns are binned by a table of their top 32 - _TABLE_SHIFT bits (2**20 cells, 8 MB of bin numbers).
_TABLE_SHIFT = 12
#: Fewer float32 values than this are binned directly (building a table takes ~50 ms, once per axis).
_TABLE_MIN_VALUES = 1 << 16


@functools.cache
def _float32_table(axis: RootAxis) -> np.ndarray:
    """Bin number of every cell of 2**_TABLE_SHIFT consecutive float32 bit patterns; -1 where a bin edge splits it."""
    cells = np.arange(1 << (32 - _TABLE_SHIFT), dtype=np.uint32) << np.uint32(_TABLE_SHIFT)
    first = axis._bin_index(cells.view(np.float32))
    last = axis._bin_index((cells | np.uint32((1 << _TABLE_SHIFT) - 1)).view(np.float32))
    table = np.where(first == last, first, -1)
    table.flags.writeable = False
    return table


@functools.cache
def _edge_tables(axis: RootAxis) -> tuple[np.ndarray, np.ndarray]:
    """(low edge, up edge) of bins 0 ... n + 1 as ROOT decides them: bin b holds low_edge[b] <= x < up_edge[b].

    Regular axes: ``GetBinLowEdge(b) = low + (b - 1) * width`` and ROOT 6.40 moves a value to the neighbour bin
    when rounding put it outside [GetBinLowEdge(b), GetBinUpEdge(b)); values at or above ``high`` overflow.
    Variable axes: the binary search over the edges.
    """
    n = axis.bins
    if axis.edges is not None:
        edges = np.asarray(axis.edges, dtype=np.float64)
    else:
        width = (axis.high - axis.low) / n
        edges = np.arange(n + 1, dtype=np.float64) * width + axis.low
        edges[n] = min(axis.high, edges[n])
    low_edge = np.concatenate([[-np.inf], edges])
    up_edge = np.concatenate([edges, [np.inf]])
    return low_edge, up_edge


@dataclass(frozen=True)
class HistogramSpec:
    """A histogram of the example: ROOT name, ROOT title (``"title;x title;y title"``), x and (for TH2D) y axis."""

    name: str
    title: str
    x: RootAxis
    y: RootAxis | None = None

    @property
    def titles(self) -> tuple[str, str, str]:
        """(histogram title, x-axis title, y-axis title), split at ``;`` as ``TH1::SetTitle`` does."""
        parts = [*self.title.split(";"), "", ""]
        return parts[0], parts[1], parts[2]

    @property
    def y_axis(self) -> RootAxis:
        """The y axis of a TH2D.

        Raises
        ------
        ArgumentError
            If the histogram is 1-D.
        """
        if self.y is None:
            msg = f"{self.name} is not a 2-D histogram"
            raise ArgumentError(msg)
        return self.y


# --------------------------------------------------------------------------------------------- accumulators
def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """``sum(a * b)`` independent of the number of threads (numpy's own loop, not BLAS).

    ``np.dot`` goes to a multithreaded BLAS whose sum depends on the thread count (OpenBLAS splits vectors of more
    than 10,000 values among its threads): the statistics would then differ in the last bits between machines, and
    between the local run and Dask workers (which run BLAS on one thread). As fast here as ``np.dot``.
    """
    return float(np.einsum("i,i", a, b))


class Accumulator:
    """Bin contents and ``TH1::Fill`` statistics of one histogram, summed over chunks."""

    def __init__(self, spec: HistogramSpec) -> None:
        self.spec = spec
        nx = spec.x.bins + 2
        ny = spec.y.bins + 2 if spec.y is not None else 1
        self.counts = np.zeros(nx * ny, dtype=np.int64)  # ROOT order: bin = biny * (nx + 2) + binx
        # which bins count in the statistics (not under/overflow on any axis)
        inside_x = np.zeros(nx, dtype=bool)
        inside_x[1:-1] = True
        inside_y = np.ones(1, dtype=bool)
        if spec.y is not None:
            inside_y = np.zeros(ny, dtype=bool)
            inside_y[1:-1] = True
        self._inside = np.outer(inside_y, inside_x).ravel()
        self.entries = 0
        self.sumw = 0.0
        self.sumwx = 0.0
        self.sumwx2 = 0.0
        self.sumwy = 0.0
        self.sumwy2 = 0.0
        self.sumwxy = 0.0

    def fill(self, x: np.ndarray, ix: np.ndarray, y: np.ndarray | None = None, iy: np.ndarray | None = None) -> None:
        """Add values ``x`` (and ``y``) whose bin numbers are ``ix`` (and ``iy``), as ``TH1::Fill`` would."""
        nx = self.spec.x.bins
        self.entries += len(ix)
        if y is None or iy is None or self.spec.y is None:
            self.counts += np.bincount(ix, minlength=nx + 2)
            inside = self._inside[ix]
            xin = x[inside].astype(np.float64, copy=False)
        else:
            flat = iy * (nx + 2)
            flat += ix
            self.counts += np.bincount(flat, minlength=len(self.counts))
            inside = self._inside[flat]
            xin = x[inside].astype(np.float64, copy=False)
            yin = y[inside].astype(np.float64, copy=False)
            self.sumwy += float(yin.sum())
            self.sumwy2 += _dot(yin, yin)
            self.sumwxy += _dot(xin, yin)
        self.sumw += float(len(xin))
        self.sumwx += float(xin.sum())
        self.sumwx2 += _dot(xin, xin)

    _SUMS = ("sumw", "sumwx", "sumwx2", "sumwy", "sumwy2", "sumwxy")

    def state(self) -> tuple[np.ndarray, int, tuple[float, ...]]:
        """(bin counts, entries, statistics sums): what a Dask task sends back."""
        return self.counts, self.entries, tuple(getattr(self, k) for k in self._SUMS)

    def add(self, state: tuple[np.ndarray, int, tuple[float, ...]]) -> None:
        """Add the :meth:`state` of one chunk: the same additions as filling that chunk here (same floats)."""
        counts, entries, sums = state
        self.counts += counts
        self.entries += entries
        for key, value in zip(self._SUMS, sums, strict=True):
            setattr(self, key, getattr(self, key) + value)

    def to_root(self) -> Any:
        """The histogram as an uproot-writable TH1D or TH2D."""
        from uproot.writing.identify import to_TAxis, to_TH1x, to_TH2x

        title, xtitle, ytitle = self.spec.titles

        def axis(name: str, spec: RootAxis, axis_title: str) -> Any:
            edges = np.asarray(spec.edges if spec.edges is not None else [], dtype=np.float64)
            return to_TAxis(name, axis_title, spec.bins, spec.low, spec.high, fXbins=edges)

        data = self.counts.astype(np.float64)
        common = {"fEntries": float(self.entries), "fTsumw": self.sumw, "fTsumw2": self.sumw}
        if self.spec.y is None:
            return to_TH1x(
                self.spec.name,
                title,
                data,
                fTsumwx=self.sumwx,
                fTsumwx2=self.sumwx2,
                fSumw2=data.copy(),  # unit weights: sum of squared weights = contents
                fXaxis=axis("xaxis", self.spec.x, xtitle),
                fYaxis=to_TAxis("yaxis", ytitle, 1, 0.0, 1.0),
                **common,
            )
        return to_TH2x(
            self.spec.name,
            title,
            data,
            fTsumwx=self.sumwx,
            fTsumwx2=self.sumwx2,
            fTsumwy=self.sumwy,
            fTsumwy2=self.sumwy2,
            fTsumwxy=self.sumwxy,
            fSumw2=data.copy(),
            fXaxis=axis("xaxis", self.spec.x, xtitle),
            fYaxis=axis("yaxis", self.spec.y, ytitle),
            **common,
        )
