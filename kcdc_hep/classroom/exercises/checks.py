"""The checks: for each exercise, compute the expected answer from the showers in use and compare with the student's.

A checker takes the student's answer and the context (the showers and results given to
:func:`~kcdc_hep.classroom.exercises.use`) and returns ``(passed, message)``: praise with the number that makes the
point, or a *specific* hint for a typical mistake (the median instead of the mean, eV instead of PeV, divided the
other way round) that never gives the solution away. Answers are read with
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

__all__ = ["CHECKERS", "CheckFunction", "Checker", "NoContextError"]


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


# ============================================================================================ the context
def _events(context: Mapping[str, Any], name: str, fields: Sequence[str]) -> Any:
    import awkward as ak

    events = context[name]
    if not isinstance(events, ak.Array) or not ak.fields(events):
        raise NoContextError(f"The checker was given {describe(events)} as {name!r}; exercises.use({name}=...) needs "
                         "showers read with kcdc_hep.read.")  # fmt: skip
    missing = [f for f in fields if f not in ak.fields(events)]
    if missing:
        raise NoContextError(
            f"This check needs the column(s) {', '.join(missing)}, which the {name!r} showers do not have (they "
            f"have {', '.join(ak.fields(events))}). Ask your tutor which file to use."
        )
    return events


def _col(events: Any, name: str) -> np.ndarray:
    import awkward as ak

    return np.asarray(ak.to_numpy(events[name]), dtype=float)


def _primary(events: Any) -> np.ndarray:
    import awkward as ak

    return np.asarray(ak.to_numpy(events["primary"])).astype(str)


def _close(a: float, b: float, tol: float) -> bool:
    return math.isfinite(a) and math.isfinite(b) and abs(a - b) <= tol


def _fmt(x: float) -> str:
    return f"{x:.4g}"


def _direction(value: float, expected: float) -> str:
    return "too large" if value > expected else "too small"


# ============================================================================================ 01: Python and data
HIST_01 = (30, 14.0, 18.0)


@_checks("01.count", needs=("data",))
def _check_count(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    import awkward as ak

    events = _events(ctx, "data", ())
    n = len(events)
    value = as_number(answer, what="one whole number (how many showers)")
    if value != int(value):
        return False, f"You gave {_fmt(value)}, but a number of showers is a whole number."
    if value == n:
        return True, f"Yes: the table holds {n} showers, one per row."
    if value == len(ak.fields(events)):
        return False, "That is the number of columns (the quantities measured per shower). Count the rows."
    if value == n + 1:
        return False, "One too many: the header line with the column names is not a shower."
    return False, f"Your number is {_direction(value, n)}. Tip: len(...) counts the rows of a table."


@_checks("01.mean_energy", needs=("data",))
def _check_mean_energy(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    import awkward as ak

    value = as_number(answer, what="one number (the mean of lgE)")
    events = _events(ctx, "data", ("lgE",))
    lgE = _col(events, "lgE")
    lgE = lgE[np.isfinite(lgE)]
    expected = float(np.mean(lgE))
    if _close(value, expected, 1e-3):
        return True, f"Yes: the average shower has lg(E/eV) = {expected:.3f}, about {10 ** (expected - 15):.2g} PeV."
    if _close(value, float(np.median(lgE)), 1e-4):
        return False, "That is the median (the middle value). The exercise asks for the mean (the average)."
    for other in ak.fields(events):
        if other == "lgE":
            continue
        try:
            col = _col(events, other)
        except (TypeError, ValueError):
            continue
        if _close(value, float(np.nanmean(col)), 1e-6 * max(1.0, abs(value))):
            return False, f"That is the average of the column {other!r}. The exercise asks for the energy, lgE."
    if value > 1e10:
        return False, (
            "That number is huge: you averaged the energies in eV. The exercise asks for the average of the "
            "lgE column itself, the logarithm lg(E/eV)."
        )
    if _close(value, float(np.log10(np.mean(10.0**lgE))), 1e-3):
        return False, "You turned the logarithms into energies before averaging. Average the lgE values directly."
    return False, f"Your value is {_direction(value, expected)}. Did you average the lgE of all showers?"


@_checks("01.histogram", needs=("data",))
def _check_histogram(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    import awkward as ak

    events = _events(ctx, "data", ("lgE",))
    counts, edges = as_histogram(answer)
    n_bins, low, high = HIST_01
    if len(counts) != n_bins:
        return False, f"Your histogram has {len(counts)} bins; the exercise asks for {n_bins}."
    if not (_close(edges[0], low, 1e-9) and _close(edges[-1], high, 1e-9)):
        return False, (
            f"Your histogram goes from {_fmt(edges[0])} to {_fmt(edges[-1])}; the exercise asks for lg(E/eV) "
            f"from {low:g} to {high:g}."
        )
    if not np.allclose(np.diff(edges), (high - low) / n_bins):
        return False, "Your bins do not all have the same width; the exercise asks for equal bins."
    expected = np.histogram(_col(events, "lgE"), bins=edges)[0]
    if np.array_equal(counts, expected):
        return True, (
            f"Yes: {int(expected.sum())} showers in {n_bins} bins. Look how fast the numbers fall towards high "
            "energies!"
        )
    for other in ak.fields(events):
        if other == "lgE":
            continue
        try:
            if np.array_equal(counts, np.histogram(_col(events, other), bins=edges)[0]):
                return False, f"These counts come from the column {other!r}; the exercise asks for the energy lgE."
        except (TypeError, ValueError):
            continue
    if counts.sum() < expected.sum():
        return False, (
            f"Your histogram holds {int(counts.sum())} showers, but {int(expected.sum())} showers of the table "
            "fall in this range. Fill it with all the showers."
        )
    return False, "The bins are right, but the counts differ from those of the lgE column. Which values did you fill?"


# ============================================================================================ 02: data analysis
ZENITH_02 = 18.0
FALL_BINS_02 = ((15.0, 15.5), (16.0, 16.5))
SHIFT_BIN_02 = (15.0, 15.5)


@_checks("02.zenith_cut", needs=("data",))
def _check_zenith_cut(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    import awkward as ak

    from kcdc_hep.selections import Cuts

    events = _events(ctx, "data", ("zenith",))
    zenith = _col(events, "zenith")
    expected = int(np.count_nonzero(zenith <= ZENITH_02))
    if isinstance(answer, Cuts):
        if answer.zenith_max_deg is None:
            return False, "Your cuts do not cut on the zenith angle at all (zenith_max_deg=None)."
        if not _close(answer.zenith_max_deg, ZENITH_02, 1e-9):
            return False, f"You cut at zenith ≤ {answer.zenith_max_deg:g}°; the exercise asks for {ZENITH_02:g}°."
        return True, f"Yes: zenith ≤ {ZENITH_02:g}°, the nearly vertical showers."
    if isinstance(answer, tuple) and len(answer) == 2 and isinstance(answer[0], ak.Array):
        answer = answer[0]  # the (events, cutflow) pair of kcdc_hep.select
    if isinstance(answer, np.ndarray) and answer.dtype == bool:
        if answer.shape != zenith.shape:
            return False, f"Your True/False list has {answer.size} entries; there are {zenith.size} showers."
        kept = zenith[answer]
    elif isinstance(answer, ak.Array):
        if "zenith" not in ak.fields(answer):
            return False, "Give the selected showers (a table with a zenith column), or the number of them."
        kept = _col(answer, "zenith")
    else:
        value = as_number(answer, what="the selected showers (or how many there are)")
        if value == expected:
            return True, f"Yes: {expected} of {len(zenith)} showers come from within {ZENITH_02:g}° of the zenith."
        if value == len(zenith) - expected:
            return False, f"That is the number of inclined showers (zenith above {ZENITH_02:g}°). Keep the others."
        return False, f"Your number of showers is {_direction(value, expected)}. Check the angle of your cut."
    if len(kept) == expected and (len(kept) == 0 or kept.max() <= ZENITH_02):
        return True, f"Yes: {expected} of {len(zenith)} showers come from within {ZENITH_02:g}° of the zenith."
    if len(kept) and kept.min() > ZENITH_02 - 1e-9 and len(kept) == len(zenith) - expected:
        return False, f"You kept the inclined showers (zenith above {ZENITH_02:g}°). Keep the nearly vertical ones."
    if len(kept) and kept.max() > ZENITH_02:
        guess = _guess_cut(kept.max())
        return False, f"You cut at zenith < {guess}°, the exercise asks for {ZENITH_02:g}°."
    if len(kept) and kept.max() < ZENITH_02 - 0.5:
        return False, f"You cut at zenith < {_guess_cut(kept.max())}°, the exercise asks for {ZENITH_02:g}°."
    if len(kept) < expected:
        return False, (
            f"You kept {len(kept)} showers, but {expected} have zenith ≤ {ZENITH_02:g}°. You removed more than the "
            "zenith cut does: cut on the zenith angle only."
        )
    return False, f"You kept {len(kept)} showers; {expected} have zenith ≤ {ZENITH_02:g}°."


def _guess_cut(largest: float) -> str:
    """The round number a student probably cut at, from the largest zenith angle kept."""
    for step in (5.0, 1.0):
        guess = math.ceil(largest / step) * step
        if guess - largest < 0.6 * step:
            return f"{guess:g}"
    return f"{largest:.1f}"


@_checks("02.falls", needs=("data",))
def _check_falls(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    value = as_number(answer, what="one number (how many times more)")
    events = _events(ctx, "data", ("lgE",))
    lgE = _col(events, "lgE")
    (a0, a1), (b0, b1) = FALL_BINS_02
    n_low = int(np.count_nonzero((lgE >= a0) & (lgE < a1)))
    n_high = int(np.count_nonzero((lgE >= b0) & (lgE < b1)))
    if n_high == 0 or n_low == 0:
        raise NoContextError(
            f"This sample has {n_high} showers with {b0:g} ≤ lgE < {b1:g}: too few to check this exercise. "
            "Ask your tutor for the bigger class sample."
        )
    expected = n_low / n_high
    if _close(value, expected, 0.02 * expected):
        return True, (
            f"Yes: {n_low} showers against {n_high}, about {expected:.0f} times more. Ten times the energy, "
            f"about {expected:.0f} times fewer showers: the events fall steeply with energy."
        )
    if _close(value, 1.0 / expected, 0.02 / expected):
        return False, "You divided the other way round: the answer should be bigger than 1 (more low-energy showers)."
    if _close(value, n_low - n_high, 0.5):
        return False, "You subtracted the two numbers. The exercise asks how many TIMES more: divide them."
    if value in (n_low, n_high):
        return False, "That is the number of showers in one of the two ranges. Divide the two numbers."
    return (
        False,
        f"Your factor is {_direction(value, expected)}. Check the two energy ranges: {a0:g}-{a1:g} and {b0:g}-{b1:g}.",
    )


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
    value = as_number(answer, what="one number (a difference of lgNmu)")
    sim = _events(ctx, "simulation", ("lgE", "lgNe", "lgNmu", "primary"))
    expected = _shift(sim, "lgNmu", energy_cut=True)
    if not math.isfinite(expected):
        raise NoContextError("The simulated sample has too few proton or iron showers in this energy range to check.")
    if _close(value, expected, 0.01):
        return True, (
            f"Yes: iron showers have {expected:.2f} more in lg(Nμ), that is {10**expected:.1f} times more muons "
            "than proton showers of the same energy."
        )
    if _close(value, -expected, 0.01):
        return False, "You subtracted the other way round: iron minus proton, please."
    if _close(value, _shift(sim, "lgNe", energy_cut=True), 0.01):
        return False, "That is the difference of the electron numbers lgNe; the exercise asks for the muons, lgNmu."
    if _close(value, _shift(sim, "lgNmu", energy_cut=False), 0.01):
        return False, (
            f"You used showers of all energies. Keep only those with {SHIFT_BIN_02[0]:g} ≤ lgE < "
            f"{SHIFT_BIN_02[1]:g}, so that you compare showers of the same energy."
        )
    return False, f"Your difference is {_direction(value, expected)}. Compare the mean lgNmu of Fe and of p."


@_checks("02.heavy_side")
def _check_heavy_side(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    word = as_word(answer, choices="'above' or 'below'")
    if any(w in word for w in ("above", "over", "upper", "higher")):
        return True, "Yes: iron showers have more muons for the same number of electrons, so they lie above the line."
    if any(w in word for w in ("below", "under", "lower", "beneath")):
        return False, (
            "Look again at the iron map: the vertical axis is the number of muons. Do iron showers have more or "
            "fewer muons than proton showers with the same number of electrons?"
        )
    return False, f"Answer with the word 'above' or 'below' (you wrote {answer!r})."


# ============================================================================================ 03: particle mass
def _ratio_fit(sim: Any, primary: str) -> Any:
    from kcdc_hep import histograms
    from kcdc_hep.fits import fit_gauss

    selected = sim[_primary(sim) == primary]
    if len(selected) < 50:
        raise NoContextError(
            f"The simulated sample has only {len(selected)} {primary} showers: too few for this check."
        )
    return fit_gauss(histograms.ratio(selected))


@_checks("03.ratio", needs=("data",))
def _check_ratio(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    events = _events(ctx, "data", ("lgNe", "lgNmu"))
    ne, nmu = _col(events, "lgNe"), _col(events, "lgNmu")
    values = as_values(answer, what="one ratio per shower")
    if len(values) != len(ne):
        return False, f"Your answer has {len(values)} values, but there are {len(ne)} showers: one ratio per shower."
    with np.errstate(divide="ignore", invalid="ignore"):
        if np.allclose(values, ne / nmu, equal_nan=True):
            return True, "Yes: one number per shower, lg(Ne)/lg(Nμ). Around 1.1 to 1.3 for most showers."
        if np.allclose(values, nmu / ne, equal_nan=True):
            return False, "You divided muons by electrons. The exercise asks for electrons divided by muons."
    if np.allclose(values, ne - nmu, equal_nan=True):
        return False, "You subtracted. The exercise asks for the ratio: divide lgNe by lgNmu."
    return False, "Your numbers are not lgNe / lgNmu of the showers. Which columns did you use?"


def _fit_value(answer: Any, parameter: str) -> float:
    if hasattr(answer, "parameters") and hasattr(answer, "values") and hasattr(answer, "error"):
        try:
            return float(answer[parameter])
        except KeyError:
            raise AnswerError(f"Your fit result has no parameter {parameter!r}; fit a Gaussian.") from None
    return as_number(answer, what="one number")


def _check_gauss_parameter(answer: Any, ctx: Mapping[str, Any], parameter: str) -> tuple[bool, str]:
    value = _fit_value(answer, parameter)
    sim = _events(ctx, "simulation", ("lgNe", "lgNmu", "primary"))
    fit_p = _ratio_fit(sim, "p")
    expected, err = fit_p[parameter], fit_p.error(parameter)
    tol = max(3 * err, 0.01 if parameter == "Mean" else 0.006)
    if _close(value, expected, tol):
        if parameter == "Mean":
            return True, f"Yes: μ = {expected:.3f} ± {err:.3f} is where the proton showers' ratio peaks."
        return True, f"Yes: σ = {expected:.3f} ± {err:.3f}, the spread of the proton showers around μ."
    other = "Sigma" if parameter == "Mean" else "Mean"
    name = {"Mean": "μ (the position of the peak)", "Sigma": "σ (the width of the peak)"}
    if _close(value, fit_p[other], 1e-3):
        return False, f"That is {name[other]}; the exercise asks for {name[parameter]}."
    if _close(value, fit_p["Constant"], 1e-3 * max(1.0, abs(value))):
        return False, "That is the height of the peak (Constant, in showers per bin)."
    if parameter == "Mean" and _close(value, float(np.mean(_col(sim, "lgNe") / _col(sim, "lgNmu"))), 1e-3):
        return False, "That is the average ratio of all simulated showers. Fit only the proton showers."
    try:
        fit_fe = _ratio_fit(sim, "Fe")
    except NoContextError:
        fit_fe = None
    if fit_fe is not None and _close(value, fit_fe[parameter], max(3 * fit_fe.error(parameter), 1e-3)):
        return False, "That is the value for iron showers; the exercise asks for protons (p)."
    return False, f"Your {parameter} is {_direction(value, expected)}. Did you fit the ratio of the proton showers?"


@_checks("03.mu", needs=("simulation",))
def _check_mu(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    return _check_gauss_parameter(answer, ctx, "Mean")


@_checks("03.sigma", needs=("simulation",))
def _check_sigma(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    return _check_gauss_parameter(answer, ctx, "Sigma")


@_checks("03.lighter")
def _check_lighter(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    word = as_word(answer, choices="'p' or 'Fe'")
    if word in ("p", "proton", "protons", "h", "hydrogen", "h1"):
        return True, (
            "Yes: proton showers have more electrons and fewer muons, so their ratio lgNe/lgNmu is larger. Iron "
            "showers sit at smaller ratios."
        )
    if word in ("fe", "iron", "fe56"):
        return False, (
            "Compare your two values of μ again. Heavy nuclei make showers with more muons: what does that do to "
            "electrons divided by muons?"
        )
    return False, f"Answer 'p' or 'Fe' (you wrote {answer!r})."


# ============================================================================================ 04: composition, knee
MIX_04 = {"p": 0.6, "Fe": 0.4}


def _knee(ctx: Mapping[str, Any]) -> Any:
    from kcdc_hep.fits import FluxSpectrum, fit_knee

    spectrum = ctx["spectrum"]
    if not isinstance(spectrum, FluxSpectrum):
        raise NoContextError("exercises.use(spectrum=...) needs the spectrum read with kcdc_hep.read_flux_table.")
    return fit_knee(spectrum, model="sharp")


@_checks("04.knee", needs=("spectrum",))
def _check_knee(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    value = float(answer.E_knee_PeV) if hasattr(answer, "E_knee_PeV") else as_number(answer, what="one number in PeV")
    knee = _knee(ctx)
    expected, err = knee.E_knee_PeV, knee.E_knee_err_PeV
    if _close(value, expected, max(err, 0.1 * expected)):
        return True, f"Yes: the knee is at about {expected:.1f} PeV = {expected:.1f}·10¹⁵ eV."
    if 1e13 < value < 1e18:
        return False, "That looks like an energy in eV. Give it in PeV (1 PeV = 10¹⁵ eV)."
    if 1e4 < value < 1e9:
        return False, "That looks like an energy in GeV (the unit of the table). Give it in PeV (1 PeV = 10⁶ GeV)."
    if 14.0 < value < 18.0:
        return False, "That looks like lg(E/eV), a logarithm. Give the energy itself in PeV."
    if value <= 0:
        return False, "An energy is positive."
    return False, f"Your knee energy is {_direction(value, expected)}. Look where the spectrum bends."


@_checks("04.gamma2", needs=("spectrum",))
def _check_gamma2(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    value = float(answer.gamma2) if hasattr(answer, "gamma2") else as_number(answer, what="one number")
    knee = _knee(ctx)
    expected = knee.gamma2
    tol = max(2 * knee.gamma2_err, 0.05)
    if _close(value, expected, tol):
        return True, (
            f"Yes: above the knee the flux falls like E^({expected:.2f}), steeper than below (E^({knee.gamma1:.2f}))."
        )
    if _close(-value, expected, tol):
        return False, "Check the sign: the flux falls with energy, so the spectral index is negative."
    if _close(value, knee.gamma1, max(2 * knee.gamma1_err, 0.05)):
        return False, "That is the index below the knee (gamma1). The exercise asks for the one above (gamma2)."
    return False, f"Your index is {_direction(value, expected)}. Take it from the fit of the spectrum."


@_checks("04.lnA_iron")
def _check_lnA_iron(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    expected = math.log(56.0)
    value = as_number(answer, what="one number (ln A of iron)")
    if _close(value, expected, 0.01):
        return True, f"Yes: ln 56 = {expected:.3f}. Protons have ln 1 = 0: ln A runs from 0 to about 4."
    if _close(value, math.log10(56.0), 0.01):
        return False, "That is the base-10 logarithm (log10). ln is the natural logarithm, np.log."
    if value == 56:
        return False, "56 is the mass number A itself. The exercise asks for its natural logarithm ln A."
    if value == 26:
        return False, "26 is the charge of iron (its number of protons). The mass number A counts neutrons too."
    if _close(value, math.log(26.0), 0.01):
        return False, "You used 26, the charge of iron. Use the mass number A = 56."
    return False, f"Your value is {_direction(value, expected)}. What is the mass number A of iron?"


@_checks("04.mean_lnA")
def _check_mean_lnA(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    from kcdc_hep.schema import PRIMARIES

    expected = sum(f * PRIMARIES[p].lnA for p, f in MIX_04.items())
    mean_a = sum(f * PRIMARIES[p].mass_number for p, f in MIX_04.items())
    value = as_number(answer, what="one number (⟨ln A⟩)")
    if _close(value, expected, 0.01):
        return True, f"Yes: ⟨ln A⟩ = 0.6·0 + 0.4·ln 56 = {expected:.2f}."
    if _close(value, math.log(mean_a), 0.01):
        return False, "You averaged A first and took ln of the average. Take ln A of each, then average."
    if _close(value, mean_a, 0.05):
        return False, "That is the average mass number ⟨A⟩. The exercise asks for the average of ln A."
    if _close(value, sum(f * math.log10(PRIMARIES[p].mass_number) for p, f in MIX_04.items()), 0.01):
        return False, "You used log10. ln A is the natural logarithm (np.log)."
    if _close(value, 0.5 * math.log(56.0), 0.01):
        return False, "That would be 50% iron. The mixture has 60% protons and 40% iron."
    return False, f"Your ⟨ln A⟩ is {_direction(value, expected)}. Weigh each ln A with its fraction."


# ============================================================================================ 05: machine learning
@_checks("05.baseline", needs=("test",))
def _check_baseline(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    from kcdc_hep.ml import HEAVY, LIGHT, mass_labels

    value = as_number(answer, what="one number between 0 and 1")
    test = _events(ctx, "test", ("primary",))
    classifier = ctx.get("classifier")
    light = getattr(classifier, "light", LIGHT)
    heavy = getattr(classifier, "heavy", HEAVY)
    y, _ = mass_labels(test, light=light, heavy=heavy)
    if len(y) == 0:
        raise NoContextError("The test showers have no light or heavy primaries: too few to check.")
    heavy_fraction = float(np.mean(y))
    expected = max(heavy_fraction, 1 - heavy_fraction)
    if _close(value, expected, 0.002):
        return True, (
            f"Yes: always answering '{'heavy' if heavy_fraction > 0.5 else 'light'}' would be right for "
            f"{100 * expected:.1f}% of the test showers. A classifier has to beat that."
        )
    if _close(value, 100 * expected, 0.2):
        return False, "That is in percent. Give a fraction between 0 and 1."
    if _close(value, 1 - expected, 0.002):
        return False, "That is the smaller class. Always guessing the larger class is right more often."
    if _close(value, 0.5, 1e-9):
        return False, "Light and heavy showers are not equally frequent among the test showers. Count them."
    return False, f"Your baseline is {_direction(value, expected)}. Count light and heavy test showers."


@_checks("05.accuracy", needs=("test", "classifier"))
def _check_accuracy(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    from kcdc_hep.ml import LightHeavyClassifier, evaluate

    value = float(answer.accuracy) if hasattr(answer, "accuracy") else as_number(answer, what="one number")
    classifier = ctx["classifier"]
    if not isinstance(classifier, LightHeavyClassifier):
        raise NoContextError("exercises.use(classifier=...) needs the classifier from kcdc_hep.ml.train_classifier.")
    test = _events(ctx, "test", ("primary", *classifier.features))
    result = evaluate(classifier, test)
    if _close(value, result.accuracy, 0.002):
        return True, (
            f"Yes: {100 * result.accuracy:.1f}% of the test showers are classified right, against "
            f"{100 * result.baseline_accuracy:.1f}% for always guessing the larger class."
        )
    if _close(value, 100 * result.accuracy, 0.2):
        return False, "That is in percent. Give a fraction between 0 and 1."
    if _close(value, classifier.train_accuracy, 0.002):
        return False, (
            "That is the accuracy on the training showers, which the classifier has already seen. Measure it on "
            "the test showers."
        )
    if _close(value, result.baseline_accuracy, 0.002):
        return False, "That is the baseline (always guessing the larger class). Measure the classifier itself."
    return False, f"Your accuracy is {_direction(value, result.accuracy)}. Use the test showers and threshold 0.5."


@_checks("05.heavy_data", needs=("data", "classifier"))
def _check_heavy_data(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    from kcdc_hep.ml import LightHeavyClassifier

    value = as_number(answer, what="one number between 0 and 1")
    classifier = ctx["classifier"]
    if not isinstance(classifier, LightHeavyClassifier):
        raise NoContextError("exercises.use(classifier=...) needs the classifier from kcdc_hep.ml.train_classifier.")
    data = _events(ctx, "data", classifier.features)
    expected = float(np.mean(classifier.is_heavy(data)))
    if _close(value, expected, 0.002):
        return True, f"Yes: the classifier calls {100 * expected:.1f}% of the measured showers heavy."
    if _close(value, 100 * expected, 0.2):
        return False, "That is in percent. Give a fraction between 0 and 1."
    if _close(value, 1 - expected, 0.002):
        return False, "That is the fraction called light. The exercise asks for heavy."
    if value > 1 or value < 0:
        return False, "A fraction lies between 0 and 1. Divide the number of heavy showers by all showers."
    return False, f"Your fraction is {_direction(value, expected)}. Use all measured showers and threshold 0.5."


#: The checker of every exercise, by exercise id.
CHECKERS: MappingProxyType[str, Checker] = MappingProxyType(_REGISTRY)
