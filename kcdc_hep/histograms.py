"""Standard KASCADE histograms, filled from events without Python loops.

Every function takes events (an awkward Array of records with canonical fields) or, for one quantity, the values
themselves, and returns a :class:`hist.Hist` with named axes whose labels carry the unit.

Storage: unweighted histograms use ``Int64`` (exact counts; their variances are the counts, as for ROOT's TH1D
without Sumw2); passing ``weight=`` switches to ``Weight`` storage (sum of weights and of squared weights, like
ROOT's Sumw2), so the errors stay right. Histograms of the same binning add with ``+``; :func:`accumulate` sums the
histograms of many chunks.

Binning arguments (``bins=``) take an int (number of bins over the default range), a tuple ``(n, low, high)`` of
regular bins, or a sequence of bin edges.

>>> import awkward as ak
>>> h = spectrum(ak.Array({"lgE": [14.05, 14.15, 14.17]}))
>>> h.axes[0].label, int(h.sum()), h.values()[:2].tolist()
('lg(E/eV)', 3, [1, 2])
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import awkward as ak
import hist
import numpy as np

from kcdc_hep.errors import ArgumentError
from kcdc_hep.schema import MASS_GROUPS, column

__all__ = [
    "BinSpec",
    "accumulate",
    "add",
    "azimuth",
    "core_map",
    "is_histogram",
    "make_axis",
    "primary_axis",
    "ratio",
    "size_map",
    "sizes",
    "spectrum",
    "zenith",
]

BinSpec = int | tuple[int, float, float] | Sequence[float] | np.ndarray | None

#: Default binning (n, low, high) and label of each quantity.
DEFAULT_BINS: dict[str, tuple[tuple[int, float, float], str]] = {
    "lgE": ((40, 14.0, 18.0), "lg(E/eV)"),
    "lgNe": ((60, 2.0, 8.0), "lg(Ne)"),
    "lgNmu": ((45, 2.0, 6.5), "lg(Nmu)"),
    "size": ((60, 2.0, 8.0), "lg(N)"),
    "zenith": ((30, 0.0, 60.0), "zenith angle [deg]"),
    "azimuth": ((36, 0.0, 360.0), "azimuth angle [deg]"),
    "core_x": ((40, -100.0, 100.0), "core x [m]"),
    "core_y": ((40, -100.0, 100.0), "core y [m]"),
    "ratio": ((50, 0.6, 1.6), "lgNe / lgNmu"),
}


def make_axis(
    bins: BinSpec, *, name: str, label: str | None = None, circular: bool = False
) -> hist.axis.Regular | hist.axis.Variable:
    """A named hist axis from a bin specification, with the default range and label of ``name`` where known.

    Parameters
    ----------
    bins : int, (n, low, high), sequence of edges, or None
        None → the default binning of ``name`` (see :data:`DEFAULT_BINS`); int → that many regular bins over the
        default range; (n, low, high) → regular bins; a sequence of increasing edges → variable bins.
    name : str
        Axis name (a canonical field name such as ``"lgE"``).
    label : str, optional
        Axis label with the unit; default from :data:`DEFAULT_BINS`, else ``name``.

    >>> make_axis(None, name="lgE").edges[[0, -1]].tolist()
    [14.0, 18.0]
    >>> make_axis((10, 0, 1), name="x").label
    'x'
    """
    default, default_label = DEFAULT_BINS.get(name, (None, name))
    label = default_label if label is None else label
    if bins is None or isinstance(bins, int | np.integer):
        if default is None:
            msg = f"histograms: no default binning for {name!r}; pass bins=(n, low, high) or a list of edges"
            raise ArgumentError(msg)
        n = default[0] if bins is None else int(bins)
        if n < 1:
            msg = f"histograms: {name} needs at least one bin, got bins={bins!r}"
            raise ArgumentError(msg)
        return hist.axis.Regular(n, default[1], default[2], name=name, label=label, circular=circular)
    if isinstance(bins, tuple) and len(bins) == 3 and isinstance(bins[0], int | np.integer):
        n_bins, low, high = bins
        n = int(n_bins)
        if n < 1 or not high > low:
            msg = f"histograms: bins={bins!r} for {name} must be (n >= 1, low, high > low)"
            raise ArgumentError(msg)
        return hist.axis.Regular(n, float(low), float(high), name=name, label=label, circular=circular)
    edges = np.asarray(bins, dtype=float)
    if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0):
        msg = f"histograms: bin edges for {name} must be at least two strictly increasing numbers, got {bins!r}"
        raise ArgumentError(msg)
    return hist.axis.Variable(edges, name=name, label=label)


def is_histogram(x: object) -> bool:
    """Whether ``x`` is a histogram (hist, boost-histogram or any object with ``axes`` and ``values()``).

    >>> is_histogram(spectrum(np.array([15.0]))), is_histogram(np.array([15.0]))
    (True, False)
    """
    return hasattr(x, "axes") and callable(getattr(x, "values", None))


def _values(events: Any, name: str, *, where: str) -> np.ndarray:
    """The ``name`` field of events, or the values themselves when a plain array is given."""
    if isinstance(events, ak.Array) and not ak.fields(events):
        return ak.to_numpy(events)
    if isinstance(events, np.ndarray | list | tuple):
        return np.asarray(events, dtype=float)
    return column(events, name, where=where)


def _weights(weight: Any, n: int, events: Any, *, where: str) -> np.ndarray | None:
    """Weights as a numpy array of length n: an array, or the name of a field of events."""
    if weight is None:
        return None
    w = column(events, weight, where=where) if isinstance(weight, str) else np.asarray(weight, dtype=float)
    if w.shape != (n,):
        msg = f"{where}: weight has shape {w.shape} but there are {n} events; pass one weight per event"
        raise ArgumentError(msg)
    return w


def _new(*axes: Any, weighted: bool) -> hist.Hist:
    return hist.Hist(*axes, storage=hist.storage.Weight() if weighted else hist.storage.Int64())


def _fill_1d(events: Any, name: str, bins: BinSpec, weight: Any, *, where: str, circular: bool = False) -> hist.Hist:
    values = _values(events, name, where=where)
    w = _weights(weight, len(values), events, where=where)
    h = _new(make_axis(bins, name=name, circular=circular), weighted=w is not None)
    return h.fill(values, weight=w) if w is not None else h.fill(values)


def spectrum(events: Any, *, bins: BinSpec = None, weight: Any = None) -> hist.Hist:
    """Energy spectrum: counts per lg(E/eV) bin (default 14–18 in steps of 0.1).

    Parameters
    ----------
    events : awkward.Array or array
        Events with ``lgE`` [lg(E/eV)], or the lgE values.
    bins : int, (n, low, high) or edges, optional
        Binning in lg(E/eV).
    weight : array or str, optional
        Per-event weights (or the name of a field holding them); switches to Weight storage.

    >>> int(spectrum(np.array([14.05, 15.5, 19.0])).sum(flow=True))
    3
    """
    return _fill_1d(events, "lgE", bins, weight, where="spectrum")


def zenith(events: Any, *, bins: BinSpec = None, weight: Any = None) -> hist.Hist:
    """Zenith-angle distribution in degrees (default 0–60° in 2° bins)."""
    return _fill_1d(events, "zenith", bins, weight, where="zenith")


def azimuth(events: Any, *, bins: BinSpec = None, weight: Any = None) -> hist.Hist:
    """Azimuth-angle distribution in degrees (default 0–360° in 10° bins; regular axes are circular)."""
    return _fill_1d(events, "azimuth", bins, weight, where="azimuth", circular=bins is None or isinstance(bins, int))


def ratio(events: Any, *, bins: BinSpec = None, weight: Any = None) -> hist.Hist:
    """Distribution of the size ratio lgNe/lgNmu (default 0.6–1.6 in steps of 0.02); heavy primaries sit lower.

    >>> import awkward as ak
    >>> h = ratio(ak.Array({"lgNe": [5.0], "lgNmu": [4.0]}))
    >>> h.axes[0].name, bool(h.axes[0].index(1.25) == h.values().argmax())
    ('ratio', True)
    """
    r = column(events, "lgNe", where="ratio") / column(events, "lgNmu", where="ratio")
    w = _weights(weight, len(r), events, where="ratio")
    h = _new(make_axis(bins, name="ratio"), weighted=w is not None)
    return h.fill(r, weight=w) if w is not None else h.fill(r)


def sizes(events: Any, *, bins: BinSpec = None, weight: Any = None) -> hist.Hist:
    """Electron and muon numbers in one histogram: a common lg(N) axis ``size`` and a category axis ``quantity``.

    ``h[:, "lgNe"]`` and ``h[:, "lgNmu"]`` are the two distributions (same binning, default 2–8 in steps of 0.1),
    so they overlay directly; ``h.stack("quantity").plot()`` draws both.

    >>> import awkward as ak
    >>> h = sizes(ak.Array({"lgNe": [5.05, 5.05], "lgNmu": [4.05, 5.05]}))
    >>> list(h.axes["quantity"]), int(h[:, "lgNe"].sum()), int(h[{"size": 5.05j, "quantity": "lgNmu"}])
    (['lgNe', 'lgNmu'], 2, 1)
    """
    ne = column(events, "lgNe", where="sizes")
    nmu = column(events, "lgNmu", where="sizes")
    w = _weights(weight, len(ne), events, where="sizes")
    h = _new(
        make_axis(bins, name="size"),
        hist.axis.StrCategory(["lgNe", "lgNmu"], name="quantity", label="quantity"),
        weighted=w is not None,
    )
    if w is None:
        h.fill(ne, "lgNe").fill(nmu, "lgNmu")
    else:
        h.fill(ne, "lgNe", weight=w).fill(nmu, "lgNmu", weight=w)
    return h


def primary_axis() -> hist.axis.StrCategory:
    """A growing category axis ``primary`` holding p, He, C, Si, Fe (light to heavy; other codes are appended).

    >>> list(primary_axis())
    ['p', 'He', 'C', 'Si', 'Fe']
    """
    return hist.axis.StrCategory(list(MASS_GROUPS), name="primary", label="primary", growth=True)


def _fill_2d(
    events: Any,
    names: tuple[str, str],
    bins: tuple[BinSpec, BinSpec],
    weight: Any,
    *,
    by_primary: bool,
    where: str,
) -> hist.Hist:
    a = column(events, names[0], where=where)
    b = column(events, names[1], where=where)
    w = _weights(weight, len(a), events, where=where)
    axes = [make_axis(bins[0], name=names[0]), make_axis(bins[1], name=names[1])]
    if not by_primary:
        h = _new(*axes, weighted=w is not None)
        return h.fill(a, b, weight=w) if w is not None else h.fill(a, b)
    primary = column(events, "primary", where=f"{where} (by_primary=True)").astype(str)
    h = _new(*axes, primary_axis(), weighted=w is not None)
    for p in np.unique(primary):  # loop over the few primaries, not over events
        sel = primary == p
        if w is None:
            h.fill(a[sel], b[sel], p)
        else:
            h.fill(a[sel], b[sel], p, weight=w[sel])
    return h


def size_map(
    events: Any,
    *,
    bins_lgNe: BinSpec = None,
    bins_lgNmu: BinSpec = None,
    weight: Any = None,
    by_primary: bool = False,
) -> hist.Hist:
    """2-D electron–muon size map: axes ``lgNe`` (default 2–8) × ``lgNmu`` (default 2–6.5), steps of 0.1.

    With ``by_primary=True`` (simulations) a third category axis ``primary`` holds one map per primary, in the order
    p, He, C, Si, Fe (others are appended): ``h[:, :, "Fe"]`` is the iron map.

    >>> import awkward as ak
    >>> ev = ak.Array({"lgNe": [5.0, 4.6], "lgNmu": [4.0, 4.2], "primary": ["p", "Fe"]})
    >>> size_map(ev).ndim, list(size_map(ev, by_primary=True).axes["primary"])
    (2, ['p', 'He', 'C', 'Si', 'Fe'])
    """
    return _fill_2d(events, ("lgNe", "lgNmu"), (bins_lgNe, bins_lgNmu), weight, by_primary=by_primary, where="size_map")


def core_map(events: Any, *, bins_x: BinSpec = None, bins_y: BinSpec = None, weight: Any = None) -> hist.Hist:
    """2-D map of the shower core positions, axes ``core_x`` × ``core_y`` in m (default ±100 m in 5 m bins)."""
    return _fill_2d(events, ("core_x", "core_y"), (bins_x, bins_y), weight, by_primary=False, where="core_map")


def add(a: Any, b: Any) -> Any:
    """``a + b``, keeping that unweighted count histograms have Poisson variances (= counts).

    boost-histogram 1.8 forgets this after ``+`` of two Int64 histograms, and a fit of the sum would then find
    no variances. Numbers and other objects are simply added.

    >>> h = spectrum(np.array([14.05, 15.0]))
    >>> add(h, h).variances() is not None
    True
    """
    out = a + b
    if getattr(a, "_variance_known", False) and getattr(b, "_variance_known", False):
        out._variance_known = True
    return out


def accumulate(histograms: Iterable[hist.Hist]) -> hist.Hist:
    """Sum histograms filled chunk by chunk (same axes required), e.g. ``accumulate(spectrum(c) for c in chunks)``.

    >>> h = accumulate(spectrum(np.array([x])) for x in (14.05, 14.05, 15.0))
    >>> int(h.sum())
    3
    """
    total: hist.Hist | None = None
    for i, h in enumerate(histograms):
        if total is None:
            total = h.copy()
            continue
        try:
            total = add(total, h)
        except (ValueError, TypeError) as err:
            msg = f"accumulate: histogram {i} has different axes or storage from the first one; fill all chunks alike"
            raise ArgumentError(msg) from err
    if total is None:
        msg = "accumulate: no histograms given; pass at least one"
        raise ArgumentError(msg)
    return total


def normalized(h: hist.Hist) -> hist.Hist:
    """The histogram as a density: each bin divided by the number of entries and by its width (area 1).

    Shapes of histograms with different numbers of entries then compare directly (measured against simulated
    showers). The errors scale alike: the variances (the counts, for unweighted histograms) are divided by the square
    of the same factor. The result has ``Weight`` storage and empty flow bins; an empty histogram stays all zeros.

    >>> import awkward as ak
    >>> showers = ak.Array({"lgNe": [5.0, 5.0, 4.0, 4.5], "lgNmu": [4.0, 4.0, 4.0, 5.0]})
    >>> h = normalized(ratio(showers, bins=(2, 0.5, 1.5)))
    >>> h.values().tolist(), h.variances().tolist()
    ([0.5, 1.5], [0.25, 0.75])
    """
    values = np.asarray(h.values(), dtype=float)
    variances = h.variances()
    variances = values if variances is None else np.asarray(variances, dtype=float)
    total = values.sum()
    if total > 0:
        widths = np.ones_like(values)
        for w in h.axes.widths:
            widths = widths * w
        scale = 1.0 / (total * widths)
        values, variances = values * scale, variances * scale**2
    out = hist.Hist(*h.axes, storage=hist.storage.Weight())
    out.view()["value"] = values
    out.view()["variance"] = variances
    return out


__all__ += ["normalized"]
