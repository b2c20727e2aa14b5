"""Composition: the fractions of the primaries p … Fe per energy bin from simulated templates, and ⟨ln A⟩.

The fit works on histograms (data and one template per primary, binned in lgE × the observable); events are
histogrammed first, so a job that streams its events into histograms fits exactly what it filled. Templates may be
weighted (Weight storage: a simulation library re-weighted to a sky) and may stand for groups of primaries (e.g.
light and heavy, with the ln A of each group given).

Errors: the Hessian errors of the fractions (the Hessian of the cost at the minimum without the limits: Minuit's
limit transformation would shrink every error of a bin where one yield sits at zero), and for a fraction whose
±1σ range reaches its zero limit the profile-likelihood interval (the fraction fixed, the other yields refitted;
the interval where −2 ln L rises by 1, one-sided [0, f_up] when the best value sits at 0), so a fraction at its limit
gets an upper limit, not ±0.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator, Mapping, Sequence
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

Observable = Literal["ratio", "2d", "lnA"]
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
        ``"ratio"``, ``"2d"`` or ``"lnA"`` (a histogram of the KCDC mass estimate); the Template method.
    reasons : tuple of str
        Per energy bin, why it is invalid (too few data events, a thin template, a fit that did not converge);
        empty for valid bins.
    intervals : numpy.ndarray (read-only), shape (n_bins, n_primaries, 2)
        68.3 % interval of each fraction: value ± Hessian error, or the profile-likelihood interval where that
        range reaches below zero (see :attr:`at_limit`).
    at_limit : numpy.ndarray of bool (read-only), shape (n_bins, n_primaries)
        Whether the fraction's ±1σ range reached its zero limit, so that :attr:`intervals` holds its
        profile-likelihood interval (lower end 0 when the best value is at the limit).
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
    intervals: np.ndarray | None = None
    at_limit: np.ndarray | None = None

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
                "intervals": self.intervals,
                "at_limit": self.at_limit,
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
            limits = self.at_limit[i] if self.at_limit is not None else np.zeros(len(self.primaries), dtype=bool)
            ranges = self.intervals[i] if self.intervals is not None else np.zeros((len(self.primaries), 2))
            rows = zip(self.fractions[i], self.fraction_errors[i], limits, ranges, strict=True)
            fr = "  ".join(
                f"{lo:5.3f}…{hi:5.3f}  " if limited else f"{f:5.3f}±{e:5.3f}  " for f, e, limited, (lo, hi) in rows
            )
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
    lnA: Mapping[str, float] | None = None,
) -> CompositionResult:
    """Fit the fractions of the primaries in each energy bin with simulated templates.

    In each lgE bin the data and, per primary, the simulated showers are histogrammed in the observable; the
    template fit (:class:`iminuit.cost.Template`, which accounts for the finite template statistics, also of
    weighted templates) gives the yield of each primary; yields become fractions f_i = y_i / Σy with the covariance
    propagated through the Jacobian, and ⟨ln A⟩ = Σ f_i ln A_i. A fraction whose ±1σ range reaches zero gets its
    profile-likelihood interval (:attr:`CompositionResult.intervals`).

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
    observable : {"ratio", "2d", "lnA"}, optional
        ``"ratio"`` (default for events): 1-D lgNe/lgNmu; ``"2d"``: the lgNe × lgNmu plane (more separating power,
        needs more events). For histograms it follows from their axes (``"lnA"``: lgE × an axis named ``lnA``, the
        KCDC mass estimate).
    energy_bins : sequence of float, optional
        Edges in lg(E/eV), for events only (default :data:`DEFAULT_ENERGY_BINS`).
    bins : optional
        Binning of the observable, for events only: for ``"ratio"`` a bin spec (default 50 bins 0.6–1.6); for
        ``"2d"`` a pair of bin specs (default lgNe 2–8 and lgNmu 2–6.5 in 0.1 steps). Bins empty in every template
        are dropped.
    method : {"da", "jsc", "asy"}
        Template method, set explicitly (``"asy"`` needs scipy).
    min_events : int
        Bins with fewer data events, or with a primary having fewer simulated events (effective number
        (Σw)²/Σw² for weighted templates), are marked invalid.
    lnA : mapping of str to float, optional
        ln A of templates that are not a single primary, such as ``{"light": 0.5, "heavy": 3.3}`` for templates
        of groups; such templates keep the order given, after the primaries.

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
    if observable is not None and observable not in (*_OBSERVABLES.values(), "lnA"):
        msg = f"{_WHERE}: unknown observable {observable!r}; use 'ratio' or '2d' ('lnA' for histograms)"
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
        if obs == "lnA":
            msg = f"{_WHERE}: observable 'lnA' is for histograms of the mass estimate; with events use 'ratio' or '2d'"
            raise ArgumentError(msg)
        axes = _axes(obs, DEFAULT_ENERGY_BINS if energy_bins is None else energy_bins, bins)
        events = _template_events(templates)
        _lnA(events, lnA or {})  # an unknown primary is refused before any histogramming
        sets = {p: _histogram(ev, axes, obs) for p, ev in events.items()}
        data = _histogram(data, axes, obs)
    order = [p for p in MASS_GROUPS if p in sets] + [p for p in sets if p not in MASS_GROUPS]
    ln_a = _lnA({p: sets[p] for p in order}, lnA or {})
    ordered = {p: sets[p] for p in order}
    _check_binning(data, list(ordered.values()))
    return _fit_bins(data, ordered, ln_a, observable=obs, method=method, min_events=min_events)


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


def _lnA(sets: Mapping[str, Any], given: Mapping[str, float]) -> np.ndarray:
    """ln A of each template (a primary, or a name in ``given``), in the order given; at least two, all known."""
    if len(sets) < 2:
        msg = f"{_WHERE}: templates hold {len(sets)} primary ({', '.join(sets)}); need at least two"
        raise FitError(msg)
    lnA = []
    for p in sets:
        if p in given:
            lnA.append(float(given[p]))
            continue
        prim = lookup_primary(p)
        if prim is None:
            msg = (
                f"{_WHERE}: unknown primary {p!r} in the templates; known: {', '.join(MASS_GROUPS)} (for a group "
                "of primaries, give its ln A with lnA={name: value})"
            )
            raise SchemaError(msg)
        lnA.append(prim.lnA)
    return np.array(lnA)


def _observable_of(data: Any, observable: Observable | None) -> Observable:
    if len(data.axes) == 2 and data.axes[1].name == "lnA" and observable in (None, "lnA"):
        return "lnA"  # a histogram of the KCDC mass estimate (any 1-D observable fits alike)
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
    temps = [_template_arrays(t) for t in templates.values()]
    k, nb = len(names), len(edges) - 1
    fractions, errors = np.full((nb, k), np.nan), np.full((nb, k), np.nan)
    covs = np.full((nb, k, k), np.nan)
    intervals = np.full((nb, k, 2), np.nan)
    at_limit = np.zeros((nb, k), dtype=bool)
    mean_lnA, mean_lnA_err = np.full(nb, np.nan), np.full(nb, np.nan)
    n_data = np.zeros(nb, dtype=np.int64)
    valid = np.zeros(nb, dtype=bool)
    reasons = [""] * nb
    for i in range(nb):
        n = counts[i].ravel()
        t_i = [(v[i].ravel(), None if w is None else w[i].ravel()) for v, w in temps]
        n_data[i] = int(n.sum())
        outcome = _too_few(n, t_i, names, min_events) or _fit_one_bin(n, t_i, names, method)
        if isinstance(outcome, str):
            reasons[i] = outcome
            continue
        f, cov_f, intervals[i], at_limit[i] = outcome
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
        intervals=readonly(intervals),
        at_limit=readonly(at_limit, bool),
    )


Template = tuple[np.ndarray, np.ndarray | None]  # Σw and, for weighted templates, Σw² (None: plain counts)


def _template_arrays(h: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """Σw of a template histogram, and Σw² when it is weighted (Weight storage filled with weights ≠ 1)."""
    values = np.asarray(h.values(), dtype=float)
    variances = h.variances()
    if variances is None or np.array_equal(np.asarray(variances, dtype=float), values):
        return values, None
    return values, np.asarray(variances, dtype=float)


def _effective(t: Template) -> float:
    """Effective number of simulated showers of a template, (Σw)²/Σw² (the count for plain templates)."""
    sumw, sumw2 = t
    total = float(sumw.sum())
    return total if sumw2 is None else (total**2 / float(sumw2.sum()) if sumw2.sum() > 0 else 0.0)


def _too_few(n: np.ndarray, temps: list[Template], names: list[str], min_events: int) -> str:
    """Why one energy bin cannot be fitted for lack of events ("" if it can)."""
    if n.sum() < min_events:
        return f"{int(n.sum())} data events < min_events={min_events}"
    thin = [f"{p} {_effective(t):.0f}" for p, t in zip(names, temps, strict=True) if _effective(t) < min_events]
    if thin:
        return f"too few simulated showers: {', '.join(thin)} < min_events={min_events}"
    return ""


def _fit_one_bin(
    n: np.ndarray, temps: list[Template], names: list[str], method: TemplateMethod
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | str:
    """Fractions, their covariance, their 68.3 % intervals and which reach zero, in one energy bin (or why not).

    The Template fit gives the yields y; the fractions f_i = y_i / S (S = Σy) get the covariance J C_y Jᵀ with
    J_ij = ∂f_i/∂y_j = (δ_ij S − y_i) / S². Bins empty in every template are left out.
    """
    k = len(names)
    keep = np.sum([t[0] for t in temps], axis=0) > 0
    arrays = [v[keep] if w is None else np.stack([v[keep], w[keep]], axis=-1) for v, w in temps]
    t_cost = cost.Template(n[keep], np.arange(np.count_nonzero(keep) + 1.0), arrays, name=names, method=method)
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
    cov_y = _free_covariance(t_cost, y, names, np.asarray(m.covariance))
    total = y.sum()
    jac = (np.eye(k) * total - y[:, None]) / total**2
    f, cov_f = y / total, jac @ cov_y @ jac.T
    err = np.sqrt(np.clip(np.diag(cov_f), 0.0, None))
    intervals = np.stack([f - err, f + err], axis=-1)
    at_limit = f - err <= 0.0
    with _quiet_minuit():
        for i in np.flatnonzero(at_limit):
            intervals[i] = _profile_interval(t_cost, y, int(i), float(m.fval))
    return f, cov_f, intervals, at_limit


def _free_covariance(t_cost: Any, y: np.ndarray, names: list[str], limited: np.ndarray) -> np.ndarray:
    """Covariance of the yields from the Hessian at the minimum without the limits.

    Minuit's Hessian in the internal (limit-transformed) parameters collapses the errors of every yield when one of
    them sits at its limit; the plain Hessian of the cost does not. Falls back to ``limited`` if it is not
    positive definite.
    """
    with _quiet_minuit():
        free = Minuit(t_cost, *y, name=names)
        free.hesse()
    cov = np.asarray(free.covariance) if free.covariance is not None else None
    if cov is None or not np.all(np.isfinite(cov)) or np.any(np.linalg.eigvalsh(cov) <= 0):
        return limited
    return cov


@contextlib.contextmanager
def _quiet_minuit() -> Iterator[None]:
    """Silence Minuit's C++ messages (a refit started at a limit reports a non-positive initial matrix)."""
    from iminuit._core import MnPrint

    level = MnPrint.global_level
    MnPrint.global_level = -1
    try:
        yield
    finally:
        MnPrint.global_level = level


def _profile_interval(t_cost: Any, y: np.ndarray, i: int, fmin: float) -> tuple[float, float]:
    """68.3 % profile-likelihood interval of the fraction f_i: where the refitted cost rises by 1 (errordef).

    For a fixed f_i = c the yield y_i = c/(1 − c) · Σ_{j≠i} y_j, the other yields refitted (≥ 0). The lower end is 0
    when the cost at f_i = 0 rises by less than 1 (the best value at or near the limit).
    """
    others = [j for j in range(len(y)) if j != i]
    total = max(float(y.sum()), 1.0)
    f_best = float(y[i] / y.sum())
    rest = np.maximum(y[others], 1e-3 * total)

    def rise(c: float) -> float:
        if c == f_best:
            return -1.0  # the minimum itself

        def fcn(*yo: float) -> float:
            full = np.insert(np.asarray(yo), i, c / (1.0 - c) * float(np.sum(yo)))
            return float(t_cost(*full))

        start = rest * (1.0 - c) / max(1.0 - f_best, 1e-9)  # the others' shares kept, the total kept
        m = Minuit(fcn, *start, name=[f"y{j}" for j in others])
        m.errordef = Minuit.LEAST_SQUARES
        m.limits = [(0.0, None)] * len(others)
        m.errors = np.maximum(0.05 * start, 1e-2 * total)
        m.strategy = 0
        m.migrad()
        return float(m.fval) - fmin - 1.0

    from scipy import optimize  # imported here: most fits never need the profile interval's root finding

    top = 1.0 - 1e-6
    hi = top if rise(top) < 0 else optimize.brentq(rise, f_best, top, xtol=1e-3)
    lo = 0.0 if f_best <= 0.0 or rise(0.0) <= 0 else optimize.brentq(rise, 0.0, f_best, xtol=1e-3)
    return float(lo), float(hi)
