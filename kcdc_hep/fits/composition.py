"""Composition: the fractions of the primaries p … Fe per energy bin from simulated templates, and ⟨ln A⟩.

The fit works on histograms (data and one template per primary, binned in lgE × the observable); events are
histogrammed first, so a job that streams its events into histograms fits exactly what it filled.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import awkward as ak
import hist
import numpy as np
from iminuit import Minuit, cost

from kcdc_hep._util import readonly, to_jsonable
from kcdc_hep.errors import ArgumentError, FitError, SchemaError
from kcdc_hep.histograms import is_histogram, make_axis
from kcdc_hep.schema import MASS_GROUPS, column, lookup_primary, require

__all__ = ["DEFAULT_ENERGY_BINS", "CompositionResult", "fit_composition"]

Observable = Literal["ratio", "2d"]
TemplateMethod = Literal["da", "jsc", "asy"]

#: Energy bins (lg(E/eV) edges) of :func:`fit_composition` for events when none are given.
DEFAULT_ENERGY_BINS: tuple[float, ...] = (15.0, 15.5, 16.0, 16.5, 17.0)
_OBSERVABLES: dict[int, Observable] = {2: "ratio", 3: "2d"}  # histogram dimensions (lgE + observable axes)
_METHODS = ("da", "jsc", "asy")
_WHERE = "fit_composition"


@dataclass(frozen=True)
class CompositionResult:
    """Fractions of the primaries per energy bin from a template fit, and the mean logarithmic mass.

    Per-bin sequences have one entry per energy bin; invalid bins (too few events, failed fit) hold NaN.

    Attributes
    ----------
    primaries : tuple of str
        Primary symbols, light to heavy.
    lnA : tuple of float
        ln A of each primary.
    energy_edges : numpy.ndarray (read-only)
        Bin edges in lg(E/eV).
    fractions, fraction_errors : numpy.ndarray (read-only), shape (n_bins, n_primaries)
        Fitted fractions (summing to 1) and their errors.
    covariance : numpy.ndarray (read-only), shape (n_bins, n_primaries, n_primaries)
        Covariance of the fractions.
    mean_lnA, mean_lnA_err : numpy.ndarray (read-only)
        ⟨ln A⟩ = Σ f_i ln A_i and its error.
    n_data : numpy.ndarray of int (read-only)
        Data events per energy bin.
    valid : numpy.ndarray of bool (read-only)
        Whether the bin was fitted and the fit converged.
    observable, method : str
        ``"ratio"`` or ``"2d"``; the Template method.
    reasons : tuple of str
        Per energy bin, why it is invalid (too few data events, a thin template, a fit that did not converge);
        empty for valid bins.
    """

    primaries: tuple[str, ...]
    lnA: tuple[float, ...]
    energy_edges: np.ndarray
    fractions: np.ndarray
    fraction_errors: np.ndarray
    covariance: np.ndarray
    mean_lnA: np.ndarray
    mean_lnA_err: np.ndarray
    n_data: np.ndarray
    valid: np.ndarray
    observable: Observable
    method: TemplateMethod
    reasons: tuple[str, ...] = ()

    def fraction(self, primary: str) -> np.ndarray:
        """Fraction of one primary in each energy bin."""
        return self.fractions[:, self.primaries.index(primary)]

    def fraction_error(self, primary: str) -> np.ndarray:
        """Error of the fraction of one primary in each energy bin."""
        return self.fraction_errors[:, self.primaries.index(primary)]

    def reason(self, i: int) -> str:
        """Why energy bin ``i`` is invalid (empty for a valid bin)."""
        return self.reasons[i] if i < len(self.reasons) else ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (NaN → None)."""
        return to_jsonable(
            {
                "primaries": list(self.primaries),
                "lnA": list(self.lnA),
                "energy_edges": self.energy_edges,
                "fractions": [dict(zip(self.primaries, row, strict=True)) for row in self.fractions.tolist()],
                "fraction_errors": [
                    dict(zip(self.primaries, row, strict=True)) for row in self.fraction_errors.tolist()
                ],
                "covariance": self.covariance,
                "mean_lnA": self.mean_lnA,
                "mean_lnA_err": self.mean_lnA_err,
                "n_data": self.n_data,
                "valid": self.valid,
                "reasons": list(self.reasons),
                "observable": self.observable,
                "method": self.method,
            }
        )

    def __str__(self) -> str:
        head = f"{'lg(E/eV)':>13}  {'events':>7}  " + "  ".join(f"{p:>13}" for p in self.primaries) + "        <lnA>"
        lines = [f"composition fit ({self.observable}, Template method {self.method!r})", head]
        for i in range(len(self.n_data)):
            lo, hi = self.energy_edges[i], self.energy_edges[i + 1]
            if not self.valid[i]:
                lines.append(f"{lo:6.2f}-{hi:<6.2f}  {self.n_data[i]:>7}  ({self.reason(i) or 'not fitted / invalid'})")
                continue
            pairs = zip(self.fractions[i], self.fraction_errors[i], strict=True)
            fr = "  ".join(f"{f:5.3f}±{e:5.3f}  " for f, e in pairs)
            lnA = f"{self.mean_lnA[i]:5.2f}±{self.mean_lnA_err[i]:4.2f}"
            lines.append(f"{lo:6.2f}-{hi:<6.2f}  {self.n_data[i]:>7}  {fr} {lnA}")
        return "\n".join(lines)


def fit_composition(
    data: Any,
    templates: Any,
    *,
    observable: Observable | None = None,
    energy_bins: Sequence[float] | np.ndarray | None = None,
    bins: Any = None,
    method: TemplateMethod = "da",
    min_events: int = 100,
) -> CompositionResult:
    """Fit the fractions of the primaries in each energy bin with simulated templates.

    In each lgE bin the data and, per primary, the simulated showers are histogrammed in the observable; the
    template fit (:class:`iminuit.cost.Template`, which accounts for the finite template statistics) gives the yield
    of each primary; yields become fractions f_i = y_i / Σy with the covariance propagated through the Jacobian,
    and ⟨ln A⟩ = Σ f_i ln A_i.

    Parameters
    ----------
    data : hist.Hist or awkward.Array
        A histogram of the data in lgE [lg(E/eV)] × the observable (axes lgE, ratio for ``"ratio"``; lgE, lgNe,
        lgNmu for ``"2d"``), or events with ``lgE``, ``lgNe``, ``lgNmu`` (histogrammed first).
    templates : hist.Hist, dict or awkward.Array
        For a data histogram: a dict primary → histogram binned like the data, or one histogram with a last
        category axis ``primary`` (categories without entries are left out). For events: simulated events with a
        ``primary`` field, or a dict primary → simulated events. Their reconstructed ``lgE`` selects the energy
        bin, as for the data.
    observable : {"ratio", "2d"}, optional
        ``"ratio"`` (default for events): 1-D lgNe/lgNmu; ``"2d"``: the lgNe × lgNmu plane (more separating power,
        needs more events). For histograms it follows from their axes.
    energy_bins : sequence of float, optional
        Edges in lg(E/eV), for events only (default :data:`DEFAULT_ENERGY_BINS`).
    bins : optional
        Binning of the observable, for events only: for ``"ratio"`` a bin spec (default 50 bins 0.6–1.6); for
        ``"2d"`` a pair of bin specs (default lgNe 2–8 and lgNmu 2–6.5 in 0.1 steps). Bins empty in every template
        are dropped.
    method : {"da", "jsc", "asy"}
        Template method, set explicitly (``"asy"`` needs scipy).
    min_events : int
        Bins with fewer data events, or with a primary having fewer simulated events, are marked invalid.

    Returns
    -------
    CompositionResult

    Raises
    ------
    MissingColumnError
        If a needed field is absent.
    ArgumentError
        For an unknown observable or method, bad energy bins, binning options given with histograms, or
        histograms binned unlike each other.
    FitError
        If the templates hold fewer than two primaries.

    Notes
    -----
    Events are counted as hist counts them: a value on the upper edge of the last bin lies outside it.
    """
    if observable is not None and observable not in _OBSERVABLES.values():
        msg = f"{_WHERE}: unknown observable {observable!r}; use 'ratio' or '2d'"
        raise ArgumentError(msg)
    if method not in _METHODS:
        msg = f"{_WHERE}: unknown Template method {method!r}; use 'da', 'jsc' or 'asy'"
        raise ArgumentError(msg)
    if is_histogram(data):
        if energy_bins is not None or bins is not None:
            msg = f"{_WHERE}: energy_bins= and bins= are for events; histograms bring their own binning"
            raise ArgumentError(msg)
        obs = _observable_of(data, observable)
        sets = _template_histograms(templates)
    else:
        obs = "ratio" if observable is None else observable
        axes = _axes(obs, DEFAULT_ENERGY_BINS if energy_bins is None else energy_bins, bins)
        events = _template_events(templates)
        _lnA(events)  # an unknown primary is refused before any histogramming
        sets = {p: _histogram(ev, axes, obs) for p, ev in events.items()}
        data = _histogram(data, axes, obs)
    order = [p for p in MASS_GROUPS if p in sets] + sorted(p for p in sets if p not in MASS_GROUPS)
    lnA = _lnA({p: sets[p] for p in order})
    ordered = {p: sets[p] for p in order}
    _check_binning(data, list(ordered.values()))
    return _fit_bins(data, ordered, lnA, observable=obs, method=method, min_events=min_events)


# ----------------------------------------------------------------------------------------------- preparation
def _axes(observable: Observable, energy_bins: Sequence[float] | np.ndarray, bins: Any) -> list[Any]:
    """The axes lgE × observable of the histograms made from events."""
    edges = np.asarray(energy_bins, dtype=float)
    if edges.ndim != 1 or len(edges) < 2 or np.any(np.diff(edges) <= 0):
        msg = f"{_WHERE}: energy_bins must be at least two increasing lg(E/eV) edges, got {energy_bins!r}"
        raise ArgumentError(msg)
    energy = hist.axis.Variable(edges, name="lgE", label="lg(E/eV)")
    if observable == "ratio":
        return [energy, make_axis(bins, name="ratio")]
    b = bins if bins is not None else (None, None)
    return [energy, make_axis(b[0], name="lgNe"), make_axis(b[1], name="lgNmu")]


def _histogram(events: Any, axes: list[Any], observable: Observable) -> hist.Hist:
    """Events histogrammed in lgE × the observable."""
    lgE = column(events, "lgE", where=_WHERE)
    ne = column(events, "lgNe", where=_WHERE)
    nmu = column(events, "lgNmu", where=_WHERE)
    h = hist.Hist(*axes, storage=hist.storage.Int64())
    return h.fill(lgE, ne / nmu) if observable == "ratio" else h.fill(lgE, ne, nmu)


def _template_events(templates: Any) -> dict[str, Any]:
    """Simulated events by primary symbol, from events with a ``primary`` field or a dict code → events."""
    if isinstance(templates, Mapping):
        return {_symbol(code): ev for code, ev in templates.items()}
    if not isinstance(templates, ak.Array):
        msg = f"{_WHERE}: templates must be simulated events with a 'primary' field, or a dict primary → events"
        raise SchemaError(msg)
    require(ak.fields(templates), ["primary"], where=f"{_WHERE} (templates)")
    primary = column(templates, "primary", where=_WHERE).astype(str)
    return {str(p): templates[primary == p] for p in np.unique(primary)}


def _template_histograms(templates: Any) -> dict[str, Any]:
    """Template histograms by primary symbol, from a dict code → histogram or one histogram with a primary axis."""
    if isinstance(templates, Mapping):
        return {_symbol(code): h for code, h in templates.items()}
    if not is_histogram(templates) or templates.axes[-1].name != "primary":
        msg = f"{_WHERE}: with a data histogram, templates must be a dict primary → histogram or a histogram "
        msg += "whose last axis is the category axis 'primary'"
        raise ArgumentError(msg)
    inner = (slice(None),) * (len(templates.axes) - 1)
    per_primary = {str(p): templates[(*inner, p)] for p in templates.axes[-1]}
    return {_symbol(p): h for p, h in per_primary.items() if np.sum(h.values()) > 0}


def _symbol(code: Any) -> str:
    found = lookup_primary(code)
    return found.symbol if found is not None else str(code)


def _lnA(sets: Mapping[str, Any]) -> np.ndarray:
    """ln A of each primary, in the order given; at least two primaries, all known."""
    if len(sets) < 2:
        msg = f"{_WHERE}: templates hold {len(sets)} primary ({', '.join(sets)}); need at least two"
        raise FitError(msg)
    lnA = []
    for p in sets:
        prim = lookup_primary(p)
        if prim is None:
            msg = f"{_WHERE}: unknown primary {p!r} in the templates; known: {', '.join(MASS_GROUPS)}"
            raise SchemaError(msg)
        lnA.append(prim.lnA)
    return np.array(lnA)


def _observable_of(data: Any, observable: Observable | None) -> Observable:
    found = _OBSERVABLES.get(len(data.axes))
    if found is None or (observable is not None and observable != found):
        msg = (
            f"{_WHERE}: the data histogram has {len(data.axes)} axes; observable 'ratio' needs 2 (lgE, ratio) and "
            f"'2d' needs 3 (lgE, lgNe, lgNmu)"
        )
        raise ArgumentError(msg)
    return found


def _check_binning(data: Any, templates: Sequence[Any]) -> None:
    want = [np.asarray(ax.edges) for ax in data.axes]
    for t in templates:
        if len(t.axes) != len(want) or not all(np.array_equal(e, ax.edges) for e, ax in zip(want, t.axes, strict=True)):
            msg = f"{_WHERE}: the template histograms must be binned exactly like the data histogram"
            raise ArgumentError(msg)


# ----------------------------------------------------------------------------------------------- the fits
def _fit_bins(
    data: Any,
    templates: Mapping[str, Any],
    lnA: np.ndarray,
    *,
    observable: Observable,
    method: TemplateMethod,
    min_events: int,
) -> CompositionResult:
    """One template fit per energy bin (the first axis of the histograms), in the order of ``templates``."""
    names = list(templates)
    edges = np.asarray(data.axes[0].edges, dtype=float)
    counts = np.asarray(data.values(), dtype=float)
    temps = [np.asarray(t.values(), dtype=float) for t in templates.values()]
    k, nb = len(names), len(edges) - 1
    fractions, errors = np.full((nb, k), np.nan), np.full((nb, k), np.nan)
    covs = np.full((nb, k, k), np.nan)
    mean_lnA, mean_lnA_err = np.full(nb, np.nan), np.full(nb, np.nan)
    n_data = np.zeros(nb, dtype=np.int64)
    valid = np.zeros(nb, dtype=bool)
    reasons = [""] * nb
    for i in range(nb):
        n = counts[i].ravel()
        t_i = [t[i].ravel() for t in temps]
        n_data[i] = int(n.sum())
        outcome = _too_few(n, t_i, names, min_events) or _fit_one_bin(n, t_i, names, method)
        if isinstance(outcome, str):
            reasons[i] = outcome
            continue
        f, cov_f = outcome
        fractions[i], covs[i] = f, cov_f
        errors[i] = np.sqrt(np.clip(np.diag(cov_f), 0, None))
        mean_lnA[i] = float(f @ lnA)
        mean_lnA_err[i] = math.sqrt(max(float(lnA @ cov_f @ lnA), 0.0))
        valid[i] = True
    return CompositionResult(
        primaries=tuple(names),
        lnA=tuple(float(v) for v in lnA),
        energy_edges=readonly(edges),
        fractions=readonly(fractions),
        fraction_errors=readonly(errors),
        covariance=readonly(covs),
        mean_lnA=readonly(mean_lnA),
        mean_lnA_err=readonly(mean_lnA_err),
        n_data=readonly(n_data, np.int64),
        valid=readonly(valid, bool),
        observable=observable,
        method=method,
        reasons=tuple(reasons),
    )


def _too_few(n: np.ndarray, temps: list[np.ndarray], names: list[str], min_events: int) -> str:
    """Why one energy bin cannot be fitted for lack of events ("" if it can)."""
    if n.sum() < min_events:
        return f"{int(n.sum())} data events < min_events={min_events}"
    thin = [f"{p} {int(t.sum())}" for p, t in zip(names, temps, strict=True) if t.sum() < min_events]
    if thin:
        return f"too few simulated showers: {', '.join(thin)} < min_events={min_events}"
    return ""


def _fit_one_bin(
    n: np.ndarray, temps: list[np.ndarray], names: list[str], method: TemplateMethod
) -> tuple[np.ndarray, np.ndarray] | str:
    """Fractions and their covariance in one energy bin, or why the fit failed.

    The Template fit gives the yields y; the fractions f_i = y_i / S (S = Σy) get the covariance J C_y Jᵀ with
    J_ij = ∂f_i/∂y_j = (δ_ij S − y_i) / S². Bins empty in every template are left out.
    """
    k = len(names)
    keep = np.sum(temps, axis=0) > 0
    t_cost = cost.Template(
        n[keep], np.arange(np.count_nonzero(keep) + 1.0), [t[keep] for t in temps], name=names, method=method
    )
    m = Minuit(t_cost, *(np.full(k, n[keep].sum() / k)))
    for p in names:
        m.limits[p] = (0.0, None)
    m.migrad()
    if not m.valid:
        m.migrad()
    m.hesse()
    if not (m.valid and m.accurate):
        return "the template fit did not converge to an accurate minimum"
    y = np.asarray(m.values)
    cov_y = np.asarray(m.covariance)
    total = y.sum()
    jac = (np.eye(k) * total - y[:, None]) / total**2
    return y / total, jac @ cov_y @ jac.T
