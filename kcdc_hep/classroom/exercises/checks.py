"""The checks: for each exercise, compute the expected answer from the showers in use and compare with the student's.

A checker takes the student's answer and the context (the showers and results given to
:func:`~kcdc_hep.classroom.exercises.use`) and returns ``(passed, message)``: praise with the number that makes the
point, or a *specific* hint for a typical mistake (the median instead of the mean, eV instead of PeV, divided the
other way round) that never gives the solution away. Every number is compared by one rule, :func:`agrees` (see the
tolerance policy in :mod:`kcdc_hep.classroom.exercises`); the messages are keys of
:mod:`~kcdc_hep.classroom.exercises.hints`, shown in the student's language. Answers are read with
:mod:`~kcdc_hep.classroom.exercises.answers`. Each checker is registered under its exercise id, with the context
entries it needs, in :data:`CHECKERS`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from kcdc_hep.classroom.exercises.answers import (
    AnswerError,
    as_histogram,
    as_number,
    as_values,
    as_word,
    describe,
)
from kcdc_hep.classroom.exercises.messages import say

__all__ = [
    "CHECKERS",
    "LG_DIGITS",
    "MIN_DIGITS",
    "CheckFunction",
    "Checker",
    "NoContextError",
    "agrees",
    "typed_half_unit",
]

#: Significant digits a typed number must have (a typed 5 counts as 5.0, a typed 0.5 as 0.50).
MIN_DIGITS = 2
#: Significant digits of a logarithmic energy lg(E/eV): all showers lie between 14 and 18, so 14 says nothing.
LG_DIGITS = 3


class NoContextError(Exception):
    """The check cannot compute the expected answer (context missing, sample too small)."""


#: A checker: ``function(answer, context) -> (passed, message)``.
CheckFunction = Callable[[Any, Mapping[str, Any]], tuple[bool, str]]


@dataclass(frozen=True)
class Checker:
    """How one exercise is checked.

    Attributes
    ----------
    needs : tuple of str
        Names of the context entries (see :func:`kcdc_hep.classroom.exercises.use`) the expected answer is computed
        from.
    function : CheckFunction
        ``function(answer, context) -> (passed, message)``; raises :class:`AnswerError` for an answer of the wrong
        kind and :class:`NoContextError` when the context cannot give the expected answer.
    """

    needs: tuple[str, ...]
    function: CheckFunction


_REGISTRY: dict[str, Checker] = {}


def _checks(exercise_id: str, *, needs: tuple[str, ...] = ()) -> Callable[[CheckFunction], CheckFunction]:
    """Register the decorated function as the checker of ``exercise_id``."""

    def register(function: CheckFunction) -> CheckFunction:
        _REGISTRY[exercise_id] = Checker(needs, function)
        return function

    return register


# ============================================================================================ the one tolerance rule
def typed_half_unit(value: float, *, digits: int = MIN_DIGITS) -> float:
    """Half a unit of the last digit of ``value`` as typed, with at least ``digits`` significant digits.

    The typed digits are those of the shortest text that gives back the same number (Python's ``repr``): 14.39 has
    two decimals, a computed ``np.mean`` has sixteen. A number with fewer than ``digits`` significant digits counts
    as if zeros followed (5 → 5.0, 0.5 → 0.50, 80 → 80).

    >>> typed_half_unit(14.39), typed_half_unit(5), typed_half_unit(0.5), typed_half_unit(80)
    (0.005, 0.05, 0.005, 0.5)
    """
    if not math.isfinite(value):
        return 0.0
    mantissa, _, exponent = repr(float(value)).partition("e")
    shift = int(exponent) if exponent else 0
    whole, _, decimals = mantissa.lstrip("-").partition(".")
    decimals = decimals.rstrip("0")
    if decimals:
        last = shift - len(decimals)
    else:  # typed as a whole number: its trailing zeros say nothing about precision
        last = shift + len(whole) - len(whole.rstrip("0")) if whole.strip("0") else shift
    if value != 0:
        last = min(last, math.floor(math.log10(abs(value))) - digits + 1)
    return 0.5 * 10.0**last


def agrees(value: float, expected: float, *, method: float = 0.0, digits: int = MIN_DIGITS) -> bool:
    """The tolerance rule of every numeric check: ``value`` is ``expected`` to the precision it was typed with.

    Passes when ``|value − expected| ≤`` half a unit of the last typed digit (at least ``digits`` significant
    digits, see :func:`typed_half_unit`) ``+ method`` (the spread of the right methods an exercise allows, e.g.
    float32 sums) plus rounding noise.

    >>> agrees(14.39, 14.3912), agrees(5, 4.7712), agrees(1.6, 1.6101), agrees(-3, -3.09)
    (True, False, True, False)
    """
    if not (math.isfinite(value) and math.isfinite(expected)):
        return False
    noise = 1e-9 * max(abs(expected), 1e-300)
    return abs(value - expected) <= typed_half_unit(value, digits=digits) + method + noise


def _imprecise(value: float, expected: float) -> bool:
    """Right to one significant digit but not to :data:`MIN_DIGITS`: the answer is only too coarse."""
    return agrees(value, expected, digits=1) and not agrees(value, expected)


def _close(a: float, b: float, tol: float) -> bool:
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= tol


def _direction(value: float, expected: float) -> str:
    return say("too_large") if value > expected else say("too_small")


def _wrong_number(value: float, expected: float, key: str, **values: Any) -> tuple[bool, str]:
    """The closing verdict of a numeric check: too coarse, or too large/small with the exercise's nudge."""
    if _imprecise(value, expected):
        return False, say("precision", digits=MIN_DIGITS)
    return False, say(key, direction=_direction(value, expected), **values)


# ============================================================================================ the context
def _events(context: Mapping[str, Any], name: str, fields: Sequence[str]) -> Any:
    import awkward as ak

    events = context[name]
    if not isinstance(events, ak.Array) or not ak.fields(events):
        raise NoContextError(say("ctx.wrong_kind", kind=describe(events), name=name))
    missing = [f for f in fields if f not in ak.fields(events)]
    if missing:
        present = ", ".join(ak.fields(events))
        raise NoContextError(say("ctx.missing_columns", missing=", ".join(missing), name=name, present=present))
    return events


def _col(events: Any, name: str) -> np.ndarray:
    import awkward as ak

    return np.asarray(ak.to_numpy(events[name]), dtype=float)


def _primary(events: Any) -> np.ndarray:
    import awkward as ak

    return np.asarray(ak.to_numpy(events["primary"])).astype(str)


#: Spread between right ways of computing a mean of float32 columns (pairwise vs plain sums).
FLOAT_METHODS = 1e-6


# ============================================================================================ 01: Python and data
HIST_01 = (30, 14.0, 18.0)


@_checks("01.count", needs=("data",))
def _check_count(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    import awkward as ak

    events = _events(ctx, "data", ())
    n = len(events)
    value = as_number(answer, what=say("what.count"))
    if value != int(value):
        return False, say("count.whole", value=f"{value:.4g}")
    if value == n:
        return True, say("count.ok", n=n)
    if value == len(ak.fields(events)):
        return False, say("count.columns")
    if value == n + 1:
        return False, say("count.header")
    return False, say("count.wrong", direction=_direction(value, n))


@_checks("01.mean_energy", needs=("data",))
def _check_mean_energy(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    import awkward as ak

    value = as_number(answer, what=say("what.mean"))
    events = _events(ctx, "data", ("lgE",))
    lgE = _col(events, "lgE")
    lgE = lgE[np.isfinite(lgE)]
    expected = float(np.mean(lgE))
    if agrees(value, expected, method=FLOAT_METHODS * abs(expected), digits=LG_DIGITS):
        return True, say("mean.ok", mean=expected, pev=10 ** (expected - 15))
    if agrees(value, float(np.median(lgE)), digits=LG_DIGITS):
        return False, say("mean.median")
    for other in ak.fields(events):
        if other == "lgE":
            continue
        try:
            col = _col(events, other)
        except (TypeError, ValueError):
            continue
        if agrees(value, float(np.nanmean(col)), method=FLOAT_METHODS * abs(value)):
            return False, say("mean.column", column=other)
    if value > 1e10:
        return False, say("mean.ev")
    if agrees(value, float(np.log10(np.mean(10.0**lgE))), digits=LG_DIGITS):
        return False, say("mean.linear")
    if agrees(value, expected, digits=1) and not agrees(value, expected, digits=LG_DIGITS):
        return False, say("precision", digits=LG_DIGITS)
    return False, say("mean.wrong", direction=_direction(value, expected))


def _bin_bounds(values: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The fewest and the most showers each bin can hold, whichever side of an edge a right method puts a shower on.

    A shower within rounding (1e-6 of a bin width) of an edge may land in either neighbouring bin: the toolkit's
    regular axis (boost-histogram) and ``np.histogram`` compute the edges differently, and numpy counts the last
    edge itself in. Every other shower has one bin only.
    """
    n, low, high = len(edges) - 1, float(edges[0]), float(edges[-1])
    position = (values - low) / ((high - low) / n)
    left, right = np.floor(position - 1e-6).astype(np.int64), np.floor(position + 1e-6).astype(np.int64)
    inside_left, inside_right = (left >= 0) & (left < n), (right >= 0) & (right < n)
    sure = (left == right) & inside_left
    lower = np.bincount(left[sure], minlength=n)[:n]
    upper = lower + np.bincount(left[~sure & inside_left], minlength=n)[:n]
    upper += np.bincount(right[~sure & inside_right], minlength=n)[:n]
    return lower.astype(float), upper.astype(float)


@_checks("01.histogram", needs=("data",))
def _check_histogram(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    import awkward as ak

    events = _events(ctx, "data", ("lgE",))
    counts, edges = as_histogram(answer)
    n_bins, low, high = HIST_01
    if len(counts) != n_bins:
        return False, say("hist.bins", n=len(counts), expected=n_bins)
    if not (_close(edges[0], low, 1e-9) and _close(edges[-1], high, 1e-9)):
        return False, say("hist.range", low=f"{edges[0]:.4g}", high=f"{edges[-1]:.4g}", elow=f"{low:g}",
                          ehigh=f"{high:g}")  # fmt: skip
    if not np.allclose(np.diff(edges), (high - low) / n_bins):
        return False, say("hist.width")
    lgE = _col(events, "lgE")
    lower, upper = _bin_bounds(lgE[np.isfinite(lgE)], edges)
    if np.all((counts >= lower) & (counts <= upper)):  # the same, up to showers that sit on a bin edge
        return True, say("hist.ok", n=int(counts.sum()), bins=n_bins)
    for other in ak.fields(events):
        if other == "lgE":
            continue
        try:
            if np.array_equal(counts, np.histogram(_col(events, other), bins=edges)[0]):
                return False, say("hist.column", column=other)
        except (TypeError, ValueError):
            continue
    if counts.sum() < lower.sum():
        return False, say("hist.fewer", n=int(counts.sum()), expected=int(lower.sum()))
    return False, say("hist.values")


# ============================================================================================ 02: data analysis
ZENITH_02 = 18.0
FALL_BINS_02 = ((15.0, 15.5), (16.0, 16.5))
SHIFT_BIN_02 = (15.0, 15.5)


def _guess_cut(largest: float) -> str:
    """The round number a student probably cut at, from the largest zenith angle kept."""
    for step in (5.0, 1.0):
        guess = math.ceil(largest / step) * step
        if guess - largest < 0.6 * step:
            return f"{guess:g}"
    return f"{largest:.1f}"


def _zenith_verdict(kept: np.ndarray, zenith: np.ndarray) -> tuple[bool, str]:
    """Judge the zenith angles of the showers a student kept against the cut zenith ≤ 18°."""
    expected = int(np.count_nonzero(zenith <= ZENITH_02))
    on_cut = int(np.count_nonzero(zenith == ZENITH_02))  # "< 18" and "<= 18" differ only by these
    right_count = expected - on_cut <= len(kept) <= expected
    if len(kept) and kept.max() <= ZENITH_02 and right_count and (len(kept) == expected or kept.max() < ZENITH_02):
        return True, say("zenith.ok", kept=len(kept), n=len(zenith), cut=f"{ZENITH_02:g}")
    if len(kept) and kept.min() >= ZENITH_02 - 1e-9:
        return False, say("zenith.inclined", cut=f"{ZENITH_02:g}")
    if len(kept) and kept.max() > ZENITH_02:
        return False, say("zenith.cut", guess=_guess_cut(float(kept.max())), cut=f"{ZENITH_02:g}")
    if len(kept) and kept.max() < ZENITH_02 - 0.5:
        return False, say("zenith.cut", guess=_guess_cut(float(kept.max())), cut=f"{ZENITH_02:g}")
    return False, say("zenith.other", kept=len(kept), expected=expected, cut=f"{ZENITH_02:g}")


@_checks("02.zenith_cut", needs=("data",))
def _check_zenith_cut(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    import awkward as ak

    from kcdc_hep.selections import Cuts

    events = _events(ctx, "data", ("zenith",))
    zenith = _col(events, "zenith")
    expected = int(np.count_nonzero(zenith <= ZENITH_02))
    if isinstance(answer, Cuts):
        if answer.zenith_max_deg is None:
            return False, say("zenith.no_cut")
        if not _close(answer.zenith_max_deg, ZENITH_02, 1e-9):
            return False, say("zenith.cut", guess=f"{answer.zenith_max_deg:g}", cut=f"{ZENITH_02:g}")
        return True, say("zenith.ok", kept=expected, n=len(zenith), cut=f"{ZENITH_02:g}")
    if isinstance(answer, tuple) and len(answer) == 2 and isinstance(answer[0], ak.Array):
        answer = answer[0]  # the (events, cutflow) pair of kcdc_hep.select
    if isinstance(answer, np.ndarray) and answer.dtype == bool:
        if answer.shape != zenith.shape:
            return False, say("zenith.mask", n=answer.size, expected=zenith.size)
        return _zenith_verdict(zenith[answer], zenith)
    if isinstance(answer, ak.Array):
        if "zenith" not in ak.fields(answer):
            return False, say("zenith.table")
        return _zenith_verdict(_col(answer, "zenith"), zenith)
    value = as_number(answer, what=say("what.selection"))
    on_cut = int(np.count_nonzero(zenith == ZENITH_02))
    if expected - on_cut <= value <= expected and value == int(value):
        return True, say("zenith.ok", kept=int(value), n=len(zenith), cut=f"{ZENITH_02:g}")
    if len(zenith) - expected <= value <= len(zenith) - expected + on_cut:
        return False, say("zenith.inclined", cut=f"{ZENITH_02:g}")
    return False, say("zenith.count", direction=_direction(value, expected))


@_checks("02.falls", needs=("data",))
def _check_falls(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    value = as_number(answer, what=say("what.factor"))
    events = _events(ctx, "data", ("lgE",))
    lgE = _col(events, "lgE")
    (a0, a1), (b0, b1) = FALL_BINS_02
    n_low = int(np.count_nonzero((lgE >= a0) & (lgE < a1)))
    n_high = int(np.count_nonzero((lgE >= b0) & (lgE < b1)))
    if n_high == 0 or n_low == 0:
        raise NoContextError(say("falls.too_few", n=n_high, low=f"{b0:g}", high=f"{b1:g}"))
    expected = n_low / n_high
    if agrees(value, expected):
        return True, say("falls.ok", n_low=n_low, n_high=n_high, factor=expected)
    if agrees(value, 1.0 / expected):
        return False, say("falls.inverse")
    if _close(value, n_low - n_high, 0.5):
        return False, say("falls.subtracted")
    if value in (n_low, n_high):
        return False, say("falls.count")
    return _wrong_number(value, expected, "falls.wrong", a0=f"{a0:g}", a1=f"{a1:g}", b0=f"{b0:g}", b1=f"{b1:g}")


def _shift(sim: Any, name: str, *, energy_cut: bool) -> float:
    primary = _primary(sim)
    values = _col(sim, name)
    sel = np.ones(len(values), dtype=bool)
    if energy_cut:
        lgE = _col(sim, "lgE")
        sel = (lgE >= SHIFT_BIN_02[0]) & (lgE < SHIFT_BIN_02[1])
    fe, p = values[sel & (primary == "Fe")], values[sel & (primary == "p")]
    if len(fe) < 5 or len(p) < 5:
        return math.nan
    return float(np.mean(fe) - np.mean(p))


@_checks("02.muon_shift", needs=("simulation",))
def _check_muon_shift(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    value = as_number(answer, what=say("what.difference"))
    sim = _events(ctx, "simulation", ("lgE", "lgNe", "lgNmu", "primary"))
    expected = _shift(sim, "lgNmu", energy_cut=True)
    if not math.isfinite(expected):
        raise NoContextError(say("shift.too_few"))
    if agrees(value, expected, method=FLOAT_METHODS):
        return True, say("shift.ok", shift=expected, factor=10**expected)
    if agrees(value, -expected, method=FLOAT_METHODS):
        return False, say("shift.sign")
    if agrees(value, _shift(sim, "lgNe", energy_cut=True), method=FLOAT_METHODS):
        return False, say("shift.electrons")
    if agrees(value, _shift(sim, "lgNmu", energy_cut=False), method=FLOAT_METHODS):
        return False, say("shift.all_energies", low=f"{SHIFT_BIN_02[0]:g}", high=f"{SHIFT_BIN_02[1]:g}")
    return _wrong_number(value, expected, "shift.wrong")


@_checks("02.heavy_side")
def _check_heavy_side(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    word = as_word(answer, choices="'above' / 'below'")
    if any(w in word for w in ("above", "over", "upper", "higher", "oberhalb", "über", "oben")):
        return True, say("side.ok")
    if any(w in word for w in ("below", "under", "lower", "beneath", "unterhalb", "unter", "unten")):
        return False, say("side.below")
    return False, say("side.word", answer=repr(answer))


# ============================================================================================ 03: particle mass
def _ratio_fit(sim: Any, primary: str) -> Any:
    from kcdc_hep import histograms
    from kcdc_hep.fits import fit_gauss

    selected = sim[_primary(sim) == primary]
    if len(selected) < 50:
        raise NoContextError(say("ratio.too_few", n=len(selected), primary=primary))
    return fit_gauss(histograms.ratio(selected))


@_checks("03.ratio", needs=("data",))
def _check_ratio(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    events = _events(ctx, "data", ("lgNe", "lgNmu"))
    ne, nmu = _col(events, "lgNe"), _col(events, "lgNmu")
    values = as_values(answer, what=say("what.ratios"))
    if len(values) != len(ne):
        return False, say("ratio.length", n=len(values), expected=len(ne))
    with np.errstate(divide="ignore", invalid="ignore"):
        if np.allclose(values, ne / nmu, equal_nan=True):
            return True, say("ratio.ok")
        if np.allclose(values, nmu / ne, equal_nan=True):
            return False, say("ratio.inverse")
    if np.allclose(values, ne - nmu, equal_nan=True):
        return False, say("ratio.subtracted")
    return False, say("ratio.wrong")


def _fit_value(answer: Any, parameter: str) -> float:
    if hasattr(answer, "parameters") and hasattr(answer, "values") and hasattr(answer, "error"):
        try:
            return float(answer[parameter])
        except KeyError:
            raise AnswerError(say("gauss.no_parameter", parameter=parameter)) from None
    return as_number(answer, what=say("what.number"))


def _check_gauss_parameter(answer: Any, ctx: Mapping[str, Any], parameter: str) -> tuple[bool, str]:
    value = _fit_value(answer, parameter)
    sim = _events(ctx, "simulation", ("lgNe", "lgNmu", "primary"))
    fit_p = _ratio_fit(sim, "p")
    expected, err = fit_p[parameter], fit_p.error(parameter)
    if agrees(value, expected):
        return True, say(f"gauss.ok.{parameter}", value=expected, error=err)
    other = "Sigma" if parameter == "Mean" else "Mean"
    if agrees(value, fit_p[other]):
        return False, say(f"gauss.other.{other}")
    if agrees(value, fit_p["Constant"]):
        return False, say("gauss.constant")
    if parameter == "Mean" and agrees(value, float(np.mean(_col(sim, "lgNe") / _col(sim, "lgNmu")))):
        return False, say("gauss.average")
    try:
        fit_fe = _ratio_fit(sim, "Fe")
    except NoContextError:
        fit_fe = None
    if fit_fe is not None and agrees(value, fit_fe[parameter]):
        return False, say("gauss.iron")
    return _wrong_number(value, expected, "gauss.wrong", parameter=parameter)


@_checks("03.mu", needs=("simulation",))
def _check_mu(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    return _check_gauss_parameter(answer, ctx, "Mean")


@_checks("03.sigma", needs=("simulation",))
def _check_sigma(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    return _check_gauss_parameter(answer, ctx, "Sigma")


@_checks("03.lighter")
def _check_lighter(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    word = as_word(answer, choices="'p' / 'Fe'")
    if word in ("p", "proton", "protons", "protonen", "h", "hydrogen", "wasserstoff", "h1"):
        return True, say("lighter.ok")
    if word in ("fe", "iron", "eisen", "fe56"):
        return False, say("lighter.iron")
    return False, say("lighter.word", answer=repr(answer))


# ============================================================================================ 04: composition, knee
MIX_04 = {"p": 0.6, "Fe": 0.4}


def _knee(ctx: Mapping[str, Any]) -> Any:
    from kcdc_hep.fits import FluxSpectrum, fit_knee

    spectrum = ctx["spectrum"]
    if not isinstance(spectrum, FluxSpectrum):
        raise NoContextError(say("ctx.spectrum"))
    return fit_knee(spectrum, model="sharp")


def _unit_hint(
    value: float, prefix: str, *, ev: tuple[float, float], gev: tuple[float, float], lg: bool = True
) -> str | None:
    """The hint ``<prefix>.ev``, ``.gev`` or ``.lg`` for an energy typed in eV, GeV or as lg(E/eV) instead of PeV."""
    if ev[0] < value < ev[1]:
        return say(f"{prefix}.ev")
    if gev[0] < value < gev[1]:
        return say(f"{prefix}.gev")
    if lg and 14.0 < value < 18.0:
        return say(f"{prefix}.lg")
    return None


@_checks("04.knee", needs=("spectrum",))
def _check_knee(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    pev = float(answer.E_knee_PeV) if hasattr(answer, "E_knee_PeV") else as_number(answer, what=say("what.pev"))
    knee = _knee(ctx)
    expected = knee.E_knee_PeV
    if agrees(pev, expected):
        return True, say("knee.ok", pev=expected)
    if (hint := _unit_hint(pev, "knee", ev=(1e13, 1e18), gev=(1e4, 1e9))) is not None:
        return False, hint
    if pev <= 0:
        return False, say("knee.negative")
    return _wrong_number(pev, expected, "knee.wrong")


@_checks("04.gamma2", needs=("spectrum",))
def _check_gamma2(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    value = float(answer.gamma2) if hasattr(answer, "gamma2") else as_number(answer, what=say("what.number"))
    knee = _knee(ctx)
    expected = knee.gamma2
    if agrees(value, expected):
        return True, say("gamma2.ok", gamma2=expected, gamma1=knee.gamma1)
    if agrees(-value, expected):
        return False, say("gamma2.sign")
    if agrees(value, knee.gamma1):
        return False, say("gamma2.gamma1")
    return _wrong_number(value, expected, "gamma2.wrong")


@_checks("04.lnA_iron")
def _check_lnA_iron(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    expected = math.log(56.0)
    value = as_number(answer, what=say("what.lnA"))
    if agrees(value, expected):
        return True, say("lnA.ok", lnA=expected)
    if agrees(value, math.log10(56.0)):
        return False, say("lnA.log10")
    if value == 56:
        return False, say("lnA.mass_number")
    if value == 26:
        return False, say("lnA.charge")
    if agrees(value, math.log(26.0)):
        return False, say("lnA.log_charge")
    return _wrong_number(value, expected, "lnA.wrong")


@_checks("04.mean_lnA")
def _check_mean_lnA(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    from kcdc_hep.schema import PRIMARIES

    expected = sum(f * PRIMARIES[p].lnA for p, f in MIX_04.items())
    mean_a = sum(f * PRIMARIES[p].mass_number for p, f in MIX_04.items())
    value = as_number(answer, what=say("what.mean_lnA"))
    if agrees(value, expected):
        return True, say("mean_lnA.ok", value=expected)
    if agrees(value, math.log(mean_a)):
        return False, say("mean_lnA.log_of_mean")
    if agrees(value, mean_a):
        return False, say("mean_lnA.mean_A")
    if agrees(value, sum(f * math.log10(PRIMARIES[p].mass_number) for p, f in MIX_04.items())):
        return False, say("mean_lnA.log10")
    if agrees(value, 0.5 * math.log(56.0)):
        return False, say("mean_lnA.half")
    return _wrong_number(value, expected, "mean_lnA.wrong")


# -------------------------------------------------------------------------------- 04: the knee of each element
#: A knee read off the figure of the element spectra passes within this many decades of the fitted knee (a factor
#: 10**0.25 ≈ 1.8 in energy: the points are 0.09 decades apart, and a bend is seen over a few of them).
READ_KNEE_LG_04 = 0.25
#: Knee energies the notebook prints with three significant digits: a ratio or a product of printed values passes
#: within this relative spread (besides the typed-precision rule).
PRINTED_KNEE_04 = 0.01
#: Charge of helium and of iron: the knee energies at the same rigidity E/Z.
Z_HE_04, Z_FE_04, A_FE_04 = 2, 26, 56
_LIGHT_GROUPS_04, _ALL_GROUPS_04 = ("H", "He"), ("H", "He", "C", "Si", "Fe")


def _element_knee(ctx: Mapping[str, Any], group: str) -> Any:
    """The sharp knee fit of one group of the element spectra in use (``exercises.use(elements=...)``)."""
    from kcdc_hep.fits import fit_knee
    from kcdc_hep.reference import ElementSpectra

    spectra = ctx["elements"]
    if not isinstance(spectra, ElementSpectra):
        raise NoContextError(say("ctx.elements"))
    return fit_knee(spectra.flux_spectrum(group), model="sharp")


def _lg_energy(answer: Any) -> tuple[float, float]:
    """The typed energy and its lg(E/eV): a value between 14 and 18 is taken as lg(E/eV), a positive one as PeV."""
    value = float(answer.E_knee_PeV) if hasattr(answer, "E_knee_PeV") else as_number(answer, what=say("what.pev"))
    if 14.0 < value < 18.0:
        return value, value
    return value, (15.0 + math.log10(value)) if value > 0 else math.nan


@_checks("04.proton_knee", needs=("elements",))
def _check_proton_knee(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    value, lg = _lg_energy(answer)
    knee = _element_knee(ctx, "H")
    expected = 15.0 + math.log10(knee.E_knee_PeV)
    if _close(lg, expected, READ_KNEE_LG_04):
        return True, say("pknee.ok", pev=knee.E_knee_PeV, err=knee.E_knee_err_PeV, lg=expected)
    if value <= 0:
        return False, say("knee.negative")
    if (hint := _unit_hint(value, "pknee", ev=(1e13, 1e19), gev=(1e4, 1e10), lg=False)) is not None:
        return False, hint
    helium = _element_knee(ctx, "He")
    if _close(lg, 15.0 + math.log10(helium.E_knee_PeV), READ_KNEE_LG_04):
        return False, say("pknee.helium")
    return False, say("pknee.wrong", direction=_direction(lg, expected))


@_checks("04.knee_ratio", needs=("elements",))
def _check_knee_ratio(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    value = as_number(answer, what=say("what.factor"))
    knee_p, knee_he = _element_knee(ctx, "H"), _element_knee(ctx, "He")
    p, he = knee_p.E_knee_PeV, knee_he.E_knee_PeV
    expected = he / p
    if agrees(value, expected, method=PRINTED_KNEE_04 * expected):
        err = expected * math.hypot(knee_p.E_knee_err_PeV / p, knee_he.E_knee_err_PeV / he)  # independent fits
        return True, say("kratio.ok", ratio=expected, err=err, p=p, he=he)
    if agrees(value, p / he, method=PRINTED_KNEE_04 * p / he):
        return False, say("kratio.inverse")
    if _close(value, he - p, PRINTED_KNEE_04 * (he - p)):
        return False, say("kratio.subtracted")
    if value == Z_HE_04:
        return False, say("kratio.charge")
    if value == 4:
        return False, say("kratio.mass")
    return _wrong_number(value, expected, "kratio.wrong")


@_checks("04.iron_knee", needs=("elements",))
def _check_iron_knee(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    value = as_number(answer, what=say("what.pev"))
    spectra = ctx["elements"]
    p = _element_knee(ctx, "H").E_knee_PeV
    expected = Z_FE_04 * p
    if agrees(value, expected, method=PRINTED_KNEE_04 * expected):
        top = 10.0 ** (float(spectra.lgE_edges[-1]) - 15.0)
        where = say("iron.ok.outside", top=top) if expected > top else say("iron.ok.inside", top=top)
        return True, say("iron.ok", p=p, fe=expected, where=where)
    if agrees(value, A_FE_04 * p, method=PRINTED_KNEE_04 * A_FE_04 * p):
        return False, say("iron.mass")
    if (hint := _unit_hint(value, "iron", ev=(1e13, 1e21), gev=(1e5, 1e12))) is not None:
        return False, hint
    if agrees(value, p, method=PRINTED_KNEE_04 * p):
        return False, say("iron.proton")
    return _wrong_number(value, expected, "iron.wrong")


def _light_fraction(ctx: Mapping[str, Any]) -> tuple[np.ndarray, np.ndarray]:
    """Bin centres [lg(E/eV)] and the fraction of light nuclei (H + He of the five groups) of the element spectra."""
    from kcdc_hep.reference import ElementSpectra

    spectra = ctx["elements"]
    if not isinstance(spectra, ElementSpectra):
        raise NoContextError(say("ctx.elements"))
    total = np.sum([spectra.flux[g] for g in _ALL_GROUPS_04], axis=0, dtype=float)
    light = np.sum([spectra.flux[g] for g in _LIGHT_GROUPS_04], axis=0, dtype=float)
    return np.asarray(spectra.lgE_centers, dtype=float), light / total


@_checks("04.light_falls", needs=("elements", "spectrum"))
def _check_light_falls(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    word = as_word(answer, choices="'rises' / 'falls'")
    lgE, light = _light_fraction(ctx)
    knee = _knee(ctx)
    above = lgE > 15.0 + math.log10(knee.E_knee_PeV)
    if np.count_nonzero(above) < 2:
        raise NoContextError(say("light.too_few", pev=knee.E_knee_PeV))
    slope = float(np.polyfit(lgE[above], light[above], 1)[0])
    falls = any(w in word for w in ("fall", "decrea", "drop", "sink", "down", "less", "lower", "smaller", "fäll",
                                    "nimmt ab", "abnimmt", "weniger", "kleiner"))  # fmt: skip
    rises = any(w in word for w in ("rise", "increa", "grow", "up", "more", "higher", "larger", "steigt", "wächst",
                                    "nimmt zu", "zunimmt", "mehr", "größer"))  # fmt: skip
    if falls == rises:  # neither, or both ("first rises, then falls")
        return False, say("light.word", answer=repr(answer))
    first, last = float(light[above][0]), float(light[above][-1])
    if falls == (slope < 0):
        return True, say("light.ok" if falls else "light.ok.rises", pev=knee.E_knee_PeV, first=first, last=last)
    return False, say("light.look", pev=knee.E_knee_PeV)


# ============================================================================================ 05: machine learning
def _fraction_hints(value: float, expected: float) -> str | None:
    """The hints every fraction shares: percent instead of a fraction."""
    if 1 < value <= 100 and agrees(value, 100 * expected):
        return say("percent")
    return None


@_checks("05.baseline", needs=("test",))
def _check_baseline(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    from kcdc_hep.ml import HEAVY, LIGHT, mass_labels

    value = as_number(answer, what=say("what.fraction"))
    test = _events(ctx, "test", ("primary",))
    classifier = ctx.get("classifier")
    light = getattr(classifier, "light", LIGHT)
    heavy = getattr(classifier, "heavy", HEAVY)
    y, _ = mass_labels(test, light=light, heavy=heavy)
    if len(y) == 0:
        raise NoContextError(say("baseline.too_few"))
    heavy_fraction = float(np.mean(y))
    expected = max(heavy_fraction, 1 - heavy_fraction)
    if agrees(value, expected):
        larger = say("baseline.heavy") if heavy_fraction > 0.5 else say("baseline.light")
        return True, say("baseline.ok", larger=larger, percent=100 * expected)
    if (hint := _fraction_hints(value, expected)) is not None:
        return False, hint
    if agrees(value, 1 - expected) and not agrees(value, expected, digits=1):
        return False, say("baseline.smaller")
    return _wrong_number(value, expected, "baseline.wrong")


def _classifier(ctx: Mapping[str, Any]) -> Any:
    from kcdc_hep.ml import LightHeavyClassifier

    classifier = ctx["classifier"]
    if not isinstance(classifier, LightHeavyClassifier):
        raise NoContextError(say("ctx.classifier"))
    return classifier


@_checks("05.accuracy", needs=("test", "classifier"))
def _check_accuracy(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    from kcdc_hep.ml import evaluate

    value = float(answer.accuracy) if hasattr(answer, "accuracy") else as_number(answer, what=say("what.fraction"))
    classifier = _classifier(ctx)
    test = _events(ctx, "test", ("primary", *classifier.features))
    result = evaluate(classifier, test)
    if agrees(value, result.accuracy):
        return True, say("accuracy.ok", percent=100 * result.accuracy, baseline=100 * result.baseline_accuracy)
    if (hint := _fraction_hints(value, result.accuracy)) is not None:
        return False, hint
    if agrees(value, classifier.train_accuracy) and not agrees(value, result.accuracy, digits=1):
        return False, say("accuracy.train")
    if agrees(value, result.baseline_accuracy):
        return False, say("accuracy.baseline")
    return _wrong_number(value, result.accuracy, "accuracy.wrong")


@_checks("05.heavy_data", needs=("data", "classifier"))
def _check_heavy_data(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    value = as_number(answer, what=say("what.fraction"))
    classifier = _classifier(ctx)
    data = _events(ctx, "data", classifier.features)
    expected = float(np.mean(classifier.is_heavy(data)))
    if agrees(value, expected):
        return True, say("heavy.ok", percent=100 * expected)
    if (hint := _fraction_hints(value, expected)) is not None:
        return False, hint
    if agrees(value, 1 - expected):
        return False, say("heavy.light")
    if value > 1 or value < 0:
        return False, say("heavy.range")
    return _wrong_number(value, expected, "heavy.wrong")


#: The checker of every exercise, by exercise id.
CHECKERS: MappingProxyType[str, Checker] = MappingProxyType(_REGISTRY)
