"""Exercises with automatic checks for the masterclass notebooks.

Each notebook has a few exercises in which a student writes a line or two and asks for a check::

    from kcdc_hep.classroom import exercises
    exercises.use(data=events, simulation=sim)     # once per notebook: the showers the answers are computed from
    my_histogram = ...                             # the student's line
    exercises.check("01.histogram", my_histogram)

:func:`check` computes the expected answer from the same showers, compares, and answers in plain words: "well
done", or a *specific* hint ("your histogram has 50 bins; the exercise asks for 30") that never gives the solution
away. Whatever the student passes — nothing yet (``...``), text, a list, a number of the wrong kind — gets a friendly
message, never a traceback. In a notebook the message is displayed (HTML) with a machine-readable record of the
outcome in the output's metadata and a marker line in its plain text, so that :func:`class_summary` can read saved
notebooks and tell a tutor who passed which check.

Tutors: ``KCDC_HEP_SOLUTIONS=1`` in the environment, or :func:`solutions` ``(True)``, shows the worked solution
with every check and with :func:`solution`.

>>> import awkward as ak
>>> use(data=ak.Array({"lgE": [15.0, 15.2, 15.4]}))
>>> check("01.count", 3, display=False).passed
True
>>> print(check("01.count", "three", display=False).message)
You wrote text ('three'). Write the number itself, without quotes.
>>> clear()
"""

from __future__ import annotations

import html
import json
import math
import os
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np

from kcdc_hep import settings
from kcdc_hep.errors import ExerciseError, KcdcError, closest_first

__all__ = [
    "EXERCISES",
    "MARKER",
    "SOLUTIONS_ENV",
    "CheckResult",
    "ClassSummary",
    "Exercise",
    "check",
    "class_summary",
    "clear",
    "exercise",
    "hint",
    "solution",
    "solutions",
    "solutions_enabled",
    "task",
    "use",
]

#: Environment variable switching the tutors' solutions mode on (``1``, ``true``, ``yes``).
SOLUTIONS_ENV = "KCDC_HEP_SOLUTIONS"
#: Key of the outcome record in the metadata of a check's output, and the marker line in its plain text.
METADATA_KEY = "kcdc_hep_check"
MARKER = "[kcdc_hep check {exercise}: {outcome}]"
_MARKER_RE = re.compile(r"\[kcdc_hep check (?P<exercise>[\w.\-]+): (?P<outcome>passed|not yet)\]")

_solutions_override: bool | None = None
_context: dict[str, Any] = {}


# ============================================================================================ records
@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check.

    Attributes
    ----------
    exercise : str
        Exercise id, e.g. ``"02.spectrum"``.
    passed : bool
        True when the answer is right.
    message : str
        What the student reads: praise, or a specific hint.
    solution : str or None
        The worked solution (only in solutions mode).
    """

    exercise: str
    passed: bool
    message: str
    solution: str | None = None
    _execution_count: int | None = field(default=None, repr=False, compare=False)

    @property
    def marker(self) -> str:
        """The parseable marker line of this outcome."""
        return MARKER.format(exercise=self.exercise, outcome="passed" if self.passed else "not yet")

    def text(self) -> str:
        """Plain-text form (what :func:`print` shows outside a notebook)."""
        head = "✔ Well done!" if self.passed else "✘ Not yet."
        out = f"{head} [{self.exercise}] {self.message}"
        if self.solution:
            out += f"\n\nSolution (tutor mode):\n{self.solution}"
        return out

    def html(self) -> str:
        """HTML form for a notebook: a green or amber box."""
        colour, border, head = (
            ("#e8f5e9", "#2e7d32", "✔ Well done!") if self.passed else ("#fff8e1", "#ef8f00", "✘ Not yet.")
        )
        body = html.escape(self.message).replace("\n", "<br>")
        sol = ""
        if self.solution:
            sol = (
                "<details open><summary><b>Solution (tutor mode)</b></summary>"
                f"<pre>{html.escape(self.solution)}</pre></details>"
            )
        return (
            f'<div style="background:{colour};border-left:6px solid {border};padding:8px 12px;margin:4px 0;'
            f'font-size:110%"><b>{head}</b> <span style="color:#555">[{html.escape(self.exercise)}]</span><br>'
            f"{body}{sol}</div><!-- {html.escape(self.marker)} -->"
        )

    def _mimebundle(self) -> tuple[dict[str, str], dict[str, Any]]:
        data = {"text/plain": f"{self.text()}\n{self.marker}", "text/html": self.html()}
        return data, {METADATA_KEY: {"exercise": self.exercise, "passed": self.passed}}

    def _ipython_display_(self) -> None:
        """Show the result, unless :func:`check` already showed it in the same cell (no double output)."""
        shell = _ipython()
        if shell is not None and self._execution_count is not None and shell.execution_count == self._execution_count:
            return
        _show(self)

    def __str__(self) -> str:
        return self.text()


@dataclass(frozen=True)
class Exercise:
    """One exercise: where it is, what it asks, how it is checked.

    Attributes
    ----------
    id : str
        ``"<notebook number>.<name>"``, e.g. ``"03.mu"``.
    title : str
        Short title.
    task : str
        The task in plain words (as in the notebook).
    needs : tuple of str
        Names of the context entries (see :func:`use`) the expected answer is computed from.
    hint : str
        A general nudge, shown by :func:`hint`.
    solution : str
        Worked solution, shown in solutions mode only.
    """

    id: str
    title: str
    task: str
    needs: tuple[str, ...]
    hint: str
    solution: str
    _checker: Callable[[Any, Mapping[str, Any]], tuple[bool, str]] = field(repr=False, compare=False)

    @property
    def notebook(self) -> str:
        """The notebook number, e.g. ``"02"``."""
        return self.id.split(".", 1)[0]


@dataclass(frozen=True)
class ClassSummary:
    """Which checks each student passed, read from saved notebooks.

    Attributes
    ----------
    students : tuple of str
        One row per student, in the order first seen.
    exercises : tuple of str
        Exercise ids seen in the notebooks (known ones in course order, then others).
    status : mapping student → mapping exercise → str
        ``"passed"``, ``"not yet"`` (checked but never right) or ``""`` (not tried).
    problems : tuple of str
        Files that could not be read, with the reason.
    """

    students: tuple[str, ...]
    exercises: tuple[str, ...]
    status: Mapping[str, Mapping[str, str]]
    problems: tuple[str, ...] = ()

    def n_passed(self, student: str) -> int:
        """Number of checks a student passed."""
        return sum(v == "passed" for v in self.status[student].values())

    def rows(self) -> list[dict[str, Any]]:
        """One dictionary per student: ``student``, each exercise's status, and ``passed`` (count)."""
        return [
            {"student": s, **{e: self.status[s].get(e, "") for e in self.exercises}, "passed": self.n_passed(s)}
            for s in self.students
        ]

    def to_pandas(self) -> Any:
        """The table as a pandas DataFrame (one row per student); needs pandas."""
        import pandas as pd

        return pd.DataFrame(self.rows()).set_index("student")

    def __str__(self) -> str:
        symbol = {"passed": "✔", "not yet": "✘", "": "·"}
        header = ["student", *self.exercises, "passed"]
        table = [[s, *(symbol[self.status[s].get(e, "")] for e in self.exercises), str(self.n_passed(s))]
                 for s in self.students]  # fmt: skip
        widths = [max(len(str(r[i])) for r in [header, *table]) for i in range(len(header))]
        lines = ["  ".join(f"{c:<{w}}" for c, w in zip(r, widths, strict=True)).rstrip() for r in [header, *table]]
        lines.insert(1, "  ".join("-" * w for w in widths))
        lines.append("✔ passed   ✘ tried, not yet right   · not tried")
        lines += [f"could not read: {p}" for p in self.problems]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        colour = {"passed": "#c8e6c9", "not yet": "#ffe0b2", "": "#ffffff"}
        symbol = {"passed": "✔", "not yet": "✘", "": ""}
        head = "".join(f"<th>{html.escape(e)}</th>" for e in self.exercises)
        body = ""
        for s in self.students:
            cells = "".join(
                f'<td style="background:{colour[self.status[s].get(e, "")]};text-align:center">'
                f"{symbol[self.status[s].get(e, '')]}</td>"
                for e in self.exercises
            )
            body += f"<tr><td>{html.escape(s)}</td>{cells}<td>{self.n_passed(s)}</td></tr>"
        problems = "".join(f"<p>could not read: {html.escape(p)}</p>" for p in self.problems)
        return f"<table><tr><th>student</th>{head}<th>passed</th></tr>{body}</table>{problems}"


# ============================================================================================ state
def solutions(on: bool = True) -> bool:
    """Switch the tutors' solutions mode on or off for this session (overrides ``KCDC_HEP_SOLUTIONS``).

    Returns the new state.
    """
    global _solutions_override
    _solutions_override = bool(on)
    return _solutions_override


def solutions_enabled() -> bool:
    """Whether worked solutions are shown: :func:`solutions` if called, else the ``KCDC_HEP_SOLUTIONS`` variable."""
    if _solutions_override is not None:
        return _solutions_override
    return settings.solutions_enabled()


def use(**context: Any) -> None:
    """Tell the checks which showers (and results) the expected answers are computed from.

    Call it once per notebook, after reading the files, with any of:

    ``data``
        measured showers (awkward Array);
    ``simulation``
        simulated showers with ``primary``;
    ``spectrum``
        the published all-particle spectrum (:class:`~kcdc_hep.fits.FluxSpectrum`);
    ``test``, ``classifier``
        the test showers and the trained classifier of the machine-learning notebook.

    Entries given again replace the old ones; ``None`` removes one.
    """
    for key, value in context.items():
        if value is None:
            _context.pop(key, None)
        else:
            _context[key] = value


def clear() -> None:
    """Forget everything given to :func:`use`."""
    _context.clear()


# ============================================================================================ display
def _ipython() -> Any:
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipykernel
        return None
    return get_ipython()


def _show(result: CheckResult) -> None:
    shell = _ipython()
    if shell is None:
        print(result.text())
        return
    from IPython.display import display

    data, metadata = result._mimebundle()
    display(data, raw=True, metadata=metadata)


def _show_text(title: str, text: str, *, display: bool) -> str:
    if display:
        shell = _ipython()
        if shell is None:
            print(f"{title}\n{text}")
        else:
            from IPython.display import display as ipy_display

            ipy_display(
                {
                    "text/plain": f"{title}\n{text}",
                    "text/html": f"<b>{html.escape(title)}</b><pre>{html.escape(text)}</pre>",
                },
                raw=True,
            )
    return text


# ============================================================================================ public API
def exercise(exercise_id: str) -> Exercise:
    """The exercise with this id.

    Raises
    ------
    ExerciseError
        If there is no such exercise (the message lists the closest ids).
    """
    if isinstance(exercise_id, str) and exercise_id in EXERCISES:
        return EXERCISES[exercise_id]
    close = closest_first(str(exercise_id), EXERCISES)[:3]
    msg = f"there is no exercise {exercise_id!r}; did you mean {' or '.join(repr(c) for c in close)}?"
    raise ExerciseError(msg)


def task(exercise_id: str, *, display: bool = True) -> str:
    """Show (and return) the task of an exercise."""
    try:
        ex = exercise(exercise_id)
    except ExerciseError as err:
        return _show_text("Exercise", str(err), display=display)
    return _show_text(f"Exercise {ex.id}: {ex.title}", ex.task, display=display)


def hint(exercise_id: str, *, display: bool = True) -> str:
    """Show (and return) a general hint for an exercise."""
    try:
        ex = exercise(exercise_id)
    except ExerciseError as err:
        return _show_text("Hint", str(err), display=display)
    return _show_text(f"Hint for {ex.id}", ex.hint, display=display)


def solution(exercise_id: str, *, display: bool = True) -> str:
    """Show (and return) the worked solution: in solutions mode only, otherwise a friendly refusal."""
    try:
        ex = exercise(exercise_id)
    except ExerciseError as err:
        return _show_text("Solution", str(err), display=display)
    if not solutions_enabled():
        text = "Solutions are for tutors. Try a hint first: exercises.hint(" + repr(ex.id) + ")"
        return _show_text(f"Solution for {ex.id}", text, display=display)
    return _show_text(f"Solution for {ex.id}", ex.solution, display=display)


def check(exercise_id: str, answer: Any = ..., *, display: bool = True, **context: Any) -> CheckResult:
    """Check a student's answer.

    Parameters
    ----------
    exercise_id : str
        Which exercise, e.g. ``"02.spectrum"`` (see :data:`EXERCISES`).
    answer : object
        The student's answer (a number, a histogram, selected showers, a fit result, ... as the exercise asks).
    display : bool
        Show the message (HTML in a notebook, printed otherwise). The result is returned either way.
    **context
        Showers or results to compute the expected answer from, overriding those given to :func:`use`.

    Returns
    -------
    CheckResult
        Never raises: a bad answer, a missing context or an unknown exercise give a message.
    """
    shell = _ipython()
    count = getattr(shell, "execution_count", None) if shell is not None else None
    try:
        ex = exercise(exercise_id)
    except ExerciseError as err:
        result = CheckResult(str(exercise_id), False, str(err), None, count)
    else:
        passed, message = _run(ex, answer, {**_context, **context})
        sol = ex.solution if solutions_enabled() else None
        result = CheckResult(ex.id, passed, message, sol, count)
    if display:
        _show(result)
    return result


class _GarbageError(Exception):
    """An answer of the wrong kind; the message says what to change."""


class _NoContextError(Exception):
    """The check cannot compute the expected answer (context missing, sample too small)."""


def _run(ex: Exercise, answer: Any, context: Mapping[str, Any]) -> tuple[bool, str]:
    missing = [n for n in ex.needs if n not in context]
    if missing:
        call = ", ".join(f"{n}=..." for n in missing)
        return False, (
            f"The checker does not know which showers you are working with. Run the cell with "
            f"exercises.use({call}) near the top of the notebook first, then check again."
        )
    if answer is ... or answer is None:
        return False, "There is no answer yet: replace the ... with your line of code, run the cell, then check."
    try:
        return ex._checker(answer, context)
    except _GarbageError as err:
        return False, str(err)
    except _NoContextError as err:
        return False, str(err)
    except (KcdcError, KeyError, ValueError, TypeError, IndexError, AttributeError, ArithmeticError) as err:
        return False, (
            f"The checker could not make sense of your answer ({type(err).__name__}: {err}). Check that it is "
            "the kind of thing the exercise asks for, then try again."
        )
    except Exception as err:  # never a traceback for a student
        return False, f"Something went wrong while checking ({type(err).__name__}). Ask your tutor to have a look."


# ============================================================================================ answer coercion
def _describe(answer: Any) -> str:
    if isinstance(answer, str):
        return f"text ({answer!r})" if len(answer) < 40 else "text"
    if isinstance(answer, bool):
        return f"True/False ({answer})"
    if isinstance(answer, list | tuple):
        return f"a list of {len(answer)} things"
    if isinstance(answer, np.ndarray):
        return f"an array of {answer.size} numbers" if answer.ndim else "a number"
    return f"a {type(answer).__name__}"


def _number(answer: Any, *, what: str = "one number") -> float:
    """A single finite number from a Python/numpy scalar or a 1-element array; _GarbageError otherwise."""
    if isinstance(answer, str):
        try:
            float(answer)
        except ValueError:
            raise _GarbageError(f"You wrote text ({answer!r}). Write the number itself, without quotes.") from None
        raise _GarbageError(f"You wrote the number as text ({answer!r}). Remove the quotes around it.")
    if isinstance(answer, bool | np.bool_):
        raise _GarbageError(f"You gave True/False; the exercise asks for {what}.")
    if hasattr(answer, "to_numpy") and not isinstance(answer, np.ndarray):  # awkward / pandas scalars and arrays
        try:
            answer = answer.to_numpy()
        except Exception:
            raise _GarbageError(f"You gave {_describe(answer)}; the exercise asks for {what}.") from None
    if isinstance(answer, np.ndarray | list | tuple):
        arr = np.asarray(answer, dtype=object).ravel() if not isinstance(answer, np.ndarray) else answer.ravel()
        if arr.size != 1:
            raise _GarbageError(f"You gave {_describe(answer)}; the exercise asks for {what}.")
        answer = arr[0]
    try:
        value = float(answer)
    except (TypeError, ValueError):
        raise _GarbageError(f"You gave {_describe(answer)}; the exercise asks for {what}.") from None
    if not math.isfinite(value):
        raise _GarbageError(f"Your answer is {value} (not a real number). Something went wrong in your calculation.")
    return value


def _word(answer: Any, *, choices: str) -> str:
    if not isinstance(answer, str):
        raise _GarbageError(f"You gave {_describe(answer)}; answer with a word in quotes: {choices}.")
    return answer.strip().lower()


def _values(answer: Any, *, what: str) -> np.ndarray:
    """A 1-D float array from numpy/awkward/pandas/list answers; _GarbageError otherwise."""
    if isinstance(answer, str | bool) or np.isscalar(answer):
        raise _GarbageError(f"You gave {_describe(answer)}; the exercise asks for {what}.")
    try:
        import awkward as ak

        if isinstance(answer, ak.Array):
            if ak.fields(answer):
                raise _GarbageError(
                    f"You gave a table of showers with the columns {', '.join(ak.fields(answer))}; the exercise "
                    f"asks for {what}."
                )
            answer = ak.to_numpy(answer)
        arr = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        raise _GarbageError(f"You gave {_describe(answer)}; the exercise asks for {what}.") from None
    if arr.ndim != 1:
        raise _GarbageError(
            f"Your answer has the shape {arr.shape}; the exercise asks for {what} (one list of numbers)."
        )
    return arr


def _histogram(answer: Any) -> tuple[np.ndarray, np.ndarray]:
    """(counts, edges) of a 1-D histogram given as hist.Hist, (counts, edges) or matplotlib's (n, bins, patches)."""
    if hasattr(answer, "axes") and hasattr(answer, "values") and callable(answer.values):
        if len(answer.axes) != 1:
            raise _GarbageError(f"Your histogram has {len(answer.axes)} axes; the exercise asks for a 1-D histogram.")
        return np.asarray(answer.values(), dtype=float), np.asarray(answer.axes[0].edges, dtype=float)
    if hasattr(answer, "ax") and hasattr(answer, "artists"):  # a plotting.Drawn
        raise _GarbageError("You gave the drawing of the histogram; give the histogram itself (before plotting it).")
    if isinstance(answer, tuple | list) and len(answer) in (2, 3):
        try:
            counts = np.asarray(answer[0], dtype=float)
            edges = np.asarray(answer[1], dtype=float)
        except (TypeError, ValueError):
            counts = edges = np.zeros(0)
        if counts.ndim == 1 and edges.ndim == 1 and len(edges) == len(counts) + 1 and len(counts) > 0:
            return counts, edges
    raise _GarbageError(
        f"You gave {_describe(answer)}; the exercise asks for a histogram (made with kcdc_hep.histograms, "
        "np.histogram or plt.hist)."
    )


def _events(context: Mapping[str, Any], name: str, fields: Sequence[str]) -> Any:
    import awkward as ak

    events = context[name]
    if not isinstance(events, ak.Array) or not ak.fields(events):
        raise _NoContextError(f"The checker was given {_describe(events)} as {name!r}; exercises.use({name}=...) needs "
                         "showers read with kcdc_hep.read.")  # fmt: skip
    missing = [f for f in fields if f not in ak.fields(events)]
    if missing:
        raise _NoContextError(
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


def _check_count(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    import awkward as ak

    events = _events(ctx, "data", ())
    n = len(events)
    value = _number(answer, what="one whole number (how many showers)")
    if value != int(value):
        return False, f"You gave {_fmt(value)}, but a number of showers is a whole number."
    if value == n:
        return True, f"Yes: the table holds {n} showers, one per row."
    if value == len(ak.fields(events)):
        return False, "That is the number of columns (the quantities measured per shower). Count the rows."
    if value == n + 1:
        return False, "One too many: the header line with the column names is not a shower."
    return False, f"Your number is {_direction(value, n)}. Tip: len(...) counts the rows of a table."


def _check_mean_energy(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    import awkward as ak

    value = _number(answer, what="one number (the mean of lgE)")
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


def _check_histogram(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    import awkward as ak

    events = _events(ctx, "data", ("lgE",))
    counts, edges = _histogram(answer)
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
        value = _number(answer, what="the selected showers (or how many there are)")
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


def _check_falls(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    value = _number(answer, what="one number (how many times more)")
    events = _events(ctx, "data", ("lgE",))
    lgE = _col(events, "lgE")
    (a0, a1), (b0, b1) = FALL_BINS_02
    n_low = int(np.count_nonzero((lgE >= a0) & (lgE < a1)))
    n_high = int(np.count_nonzero((lgE >= b0) & (lgE < b1)))
    if n_high == 0 or n_low == 0:
        raise _NoContextError(
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


def _check_muon_shift(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    value = _number(answer, what="one number (a difference of lgNmu)")
    sim = _events(ctx, "simulation", ("lgE", "lgNe", "lgNmu", "primary"))
    expected = _shift(sim, "lgNmu", energy_cut=True)
    if not math.isfinite(expected):
        raise _NoContextError("The simulated sample has too few proton or iron showers in this energy range to check.")
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


def _check_heavy_side(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    word = _word(answer, choices="'above' or 'below'")
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
        raise _NoContextError(
            f"The simulated sample has only {len(selected)} {primary} showers: too few for this check."
        )
    return fit_gauss(histograms.ratio(selected))


def _check_ratio(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    events = _events(ctx, "data", ("lgNe", "lgNmu"))
    ne, nmu = _col(events, "lgNe"), _col(events, "lgNmu")
    values = _values(answer, what="one ratio per shower")
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
            raise _GarbageError(f"Your fit result has no parameter {parameter!r}; fit a Gaussian.") from None
    return _number(answer, what="one number")


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
    except _NoContextError:
        fit_fe = None
    if fit_fe is not None and _close(value, fit_fe[parameter], max(3 * fit_fe.error(parameter), 1e-3)):
        return False, "That is the value for iron showers; the exercise asks for protons (p)."
    return False, f"Your {parameter} is {_direction(value, expected)}. Did you fit the ratio of the proton showers?"


def _check_mu(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    return _check_gauss_parameter(answer, ctx, "Mean")


def _check_sigma(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    return _check_gauss_parameter(answer, ctx, "Sigma")


def _check_lighter(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    word = _word(answer, choices="'p' or 'Fe'")
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
        raise _NoContextError("exercises.use(spectrum=...) needs the spectrum read with kcdc_hep.read_flux_table.")
    return fit_knee(spectrum, model="sharp")


def _check_knee(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    value = float(answer.E_knee_PeV) if hasattr(answer, "E_knee_PeV") else _number(answer, what="one number in PeV")
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


def _check_gamma2(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    value = float(answer.gamma2) if hasattr(answer, "gamma2") else _number(answer, what="one number")
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


def _check_lnA_iron(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    expected = math.log(56.0)
    value = _number(answer, what="one number (ln A of iron)")
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


def _check_mean_lnA(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    from kcdc_hep.schema import PRIMARIES

    expected = sum(f * PRIMARIES[p].lnA for p, f in MIX_04.items())
    mean_a = sum(f * PRIMARIES[p].mass_number for p, f in MIX_04.items())
    value = _number(answer, what="one number (⟨ln A⟩)")
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
def _check_baseline(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    from kcdc_hep.ml import HEAVY, LIGHT, mass_labels

    value = _number(answer, what="one number between 0 and 1")
    test = _events(ctx, "test", ("primary",))
    classifier = ctx.get("classifier")
    light = getattr(classifier, "light", LIGHT)
    heavy = getattr(classifier, "heavy", HEAVY)
    y, _ = mass_labels(test, light=light, heavy=heavy)
    if len(y) == 0:
        raise _NoContextError("The test showers have no light or heavy primaries: too few to check.")
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


def _check_accuracy(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    from kcdc_hep.ml import LightHeavyClassifier, evaluate

    value = float(answer.accuracy) if hasattr(answer, "accuracy") else _number(answer, what="one number")
    classifier = ctx["classifier"]
    if not isinstance(classifier, LightHeavyClassifier):
        raise _NoContextError("exercises.use(classifier=...) needs the classifier from kcdc_hep.ml.train_classifier.")
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


def _check_heavy_data(answer: Any, ctx: Mapping[str, Any]) -> tuple[bool, str]:
    from kcdc_hep.ml import LightHeavyClassifier

    value = _number(answer, what="one number between 0 and 1")
    classifier = ctx["classifier"]
    if not isinstance(classifier, LightHeavyClassifier):
        raise _NoContextError("exercises.use(classifier=...) needs the classifier from kcdc_hep.ml.train_classifier.")
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


# ============================================================================================ registry
def _ex(
    id: str,
    title: str,
    task: str,
    needs: tuple[str, ...],
    hint: str,
    solution: str,
    checker: Callable[[Any, Mapping[str, Any]], tuple[bool, str]],
) -> Exercise:
    return Exercise(id, title, task, needs, hint, solution, checker)


_EXERCISE_LIST: tuple[Exercise, ...] = (
    _ex(
        "01.count",
        "How many showers?",
        "How many air showers are in the table `events`?",
        ("data",),
        "Every row of the table is one shower. Python's len(...) counts rows.",
        "answer = len(events)",
        _check_count,
    ),
    _ex(
        "01.mean_energy",
        "The average energy",
        "What is the average (mean) of the energy column lgE, in lg(E/eV)?",
        ("data",),
        "numpy has a function for the average of many numbers; pick the lgE column first: events['lgE'].",
        "answer = np.mean(events['lgE'])",
        _check_mean_energy,
    ),
    _ex(
        "01.histogram",
        "Your first histogram",
        "Make a histogram of the energy lgE with 30 bins from 14 to 18.",
        ("data",),
        "kcdc_hep.histograms.spectrum(events, bins=(number of bins, low, high)) makes the energy histogram.",
        "answer = kcdc_hep.histograms.spectrum(events, bins=(30, 14, 18))",
        _check_histogram,
    ),
    _ex(
        "02.zenith_cut",
        "Nearly vertical showers",
        "Keep only the showers with a zenith angle of at most 18°.",
        ("data",),
        "events[events['zenith'] <= angle] keeps the rows where the condition is True.",
        "answer = events[events['zenith'] <= 18]",
        _check_zenith_cut,
    ),
    _ex(
        "02.falls",
        "Events fall with energy",
        "How many times more showers have 15.0 ≤ lgE < 15.5 than 16.0 ≤ lgE < 16.5?",
        ("data",),
        "Count the showers in each energy range (np.count_nonzero of a condition), then divide.",
        "lgE = events['lgE']\n"
        "n_low = np.count_nonzero((lgE >= 15.0) & (lgE < 15.5))\n"
        "n_high = np.count_nonzero((lgE >= 16.0) & (lgE < 16.5))\n"
        "answer = n_low / n_high",
        _check_falls,
    ),
    _ex(
        "02.muon_shift",
        "Iron makes more muons",
        "In the simulation, take the showers with 15.0 ≤ lgE < 15.5. How much larger is the mean lgNmu of iron "
        "(Fe) than that of protons (p)?",
        ("simulation",),
        "Select by energy and by primary (sim['primary'] == 'Fe'), average lgNmu for each, subtract.",
        "bin = (sim['lgE'] >= 15.0) & (sim['lgE'] < 15.5)\n"
        "fe = sim[bin & (sim['primary'] == 'Fe')]\n"
        "p = sim[bin & (sim['primary'] == 'p')]\n"
        "answer = np.mean(fe['lgNmu']) - np.mean(p['lgNmu'])",
        _check_muon_shift,
    ),
    _ex(
        "02.heavy_side",
        "Which side of the line?",
        "Do iron showers lie 'above' or 'below' the light/heavy line in the electron–muon map?",
        (),
        "The vertical axis shows the muons. Which primary makes more muons?",
        "answer = 'above'",
        _check_heavy_side,
    ),
    _ex(
        "03.ratio",
        "The ratio for every shower",
        "Compute lgNe / lgNmu for every measured (vertical) shower.",
        ("data",),
        "Columns can be divided element by element: vertical['lgNe'] / ...",
        "answer = vertical['lgNe'] / vertical['lgNmu']",
        _check_ratio,
    ),
    _ex(
        "03.mu",
        "The peak of the protons",
        "Fit a Gaussian to the ratio histogram of the simulated proton showers. What is μ?",
        ("simulation",),
        "Select the protons, make kcdc_hep.histograms.ratio(...), fit it with kcdc_hep.fit_gauss(...). "
        "μ is called 'Mean' in the fit result.",
        "protons = sim_vertical[sim_vertical['primary'] == 'p']\n"
        "fit_p = kcdc_hep.fit_gauss(kcdc_hep.histograms.ratio(protons))\n"
        "answer = fit_p['Mean']",
        _check_mu,
    ),
    _ex(
        "03.sigma",
        "The width of the protons",
        "From the same fit, what is σ?",
        ("simulation",),
        "σ is called 'Sigma' in the fit result.",
        "answer = fit_p['Sigma']",
        _check_sigma,
    ),
    _ex(
        "03.lighter",
        "Larger ratio",
        "Which primary gives the larger ratio lgNe/lgNmu: 'p' or 'Fe'?",
        (),
        "Compare the μ of the proton and of the iron fit.",
        "answer = 'p'",
        _check_lighter,
    ),
    _ex(
        "04.knee",
        "Where is the knee?",
        "Fit the published KASCADE spectrum. At what energy, in PeV, is the knee?",
        ("spectrum",),
        "kcdc_hep.fit_knee(published, model='sharp') fits a bent straight line; E_knee_PeV is the energy.",
        "knee = kcdc_hep.fit_knee(published, model='sharp')\nanswer = knee.E_knee_PeV",
        _check_knee,
    ),
    _ex(
        "04.gamma2",
        "Steeper above the knee",
        "From the same fit: what is the spectral index above the knee?",
        ("spectrum",),
        "The fit result has gamma1 (below the knee) and gamma2 (above).",
        "answer = knee.gamma2",
        _check_gamma2,
    ),
    _ex(
        "04.lnA_iron",
        "ln A of iron",
        "Iron has the mass number A = 56. What is ln A?",
        (),
        "ln is the natural logarithm: np.log.",
        "answer = np.log(56)",
        _check_lnA_iron,
    ),
    _ex(
        "04.mean_lnA",
        "A mixture",
        "A sample has 60% protons (A = 1) and 40% iron (A = 56). What is its mean logarithmic mass ⟨ln A⟩?",
        (),
        "Average ln A, weighting each primary with its fraction: 0.6 · ln 1 + ...",
        "answer = 0.6 * np.log(1) + 0.4 * np.log(56)",
        _check_mean_lnA,
    ),
    _ex(
        "05.baseline",
        "The number to beat",
        "What fraction of the test showers would you get right by always guessing the larger class?",
        ("test",),
        "Count light and heavy test showers (kcdc_hep.ml.mass_labels gives 0 for light and 1 for heavy).",
        "labels, used = kcdc_hep.ml.mass_labels(test)\nanswer = max(np.mean(labels), 1 - np.mean(labels))",
        _check_baseline,
    ),
    _ex(
        "05.accuracy",
        "How good is the machine?",
        "What fraction of the test showers does the classifier get right?",
        ("test", "classifier"),
        "kcdc_hep.ml.evaluate(classifier, test) measures it on the test showers.",
        "answer = kcdc_hep.ml.evaluate(classifier, test).accuracy",
        _check_accuracy,
    ),
    _ex(
        "05.heavy_data",
        "Heavy showers in the data",
        "What fraction of the measured showers does the classifier call heavy?",
        ("data", "classifier"),
        "classifier.is_heavy(vertical) gives True/False per shower; the mean of True/False is the fraction of True.",
        "answer = np.mean(classifier.is_heavy(vertical))",
        _check_heavy_data,
    ),
)


#: All exercises by id, in course order.
EXERCISES: MappingProxyType[str, Exercise] = MappingProxyType({e.id: e for e in _EXERCISE_LIST})


# ============================================================================================ class summary
def _outcomes(notebook: Any) -> list[tuple[str, bool]]:
    """(exercise, passed) of every check output in a notebook, in cell order."""
    found: list[tuple[str, bool]] = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        for out in cell.get("outputs", []):
            record = (out.get("metadata") or {}).get(METADATA_KEY)
            if isinstance(record, dict) and isinstance(record.get("exercise"), str):
                found.append((record["exercise"], bool(record.get("passed"))))
                continue
            text = out.get("text", "")
            data = out.get("data") or {}
            text = "".join(text) if isinstance(text, list) else str(text)
            plain = data.get("text/plain", "")
            text += "".join(plain) if isinstance(plain, list) else str(plain)
            for m in _MARKER_RE.finditer(text):
                found.append((m.group("exercise"), m.group("outcome") == "passed"))
    return found


def _student_names(paths: list[Path]) -> list[str]:
    """Student of each notebook: the first folder below the common folder, or the file name if all share one."""
    parents = [p.resolve().parent for p in paths]
    if len(set(parents)) <= 1:
        return [p.stem for p in paths]
    common = Path(os.path.commonpath([str(p) for p in parents]))
    return [p.resolve().relative_to(common).parts[0] for p in paths]


def class_summary(
    paths: Iterable[str | PathLike[str]], *, names: Mapping[str | PathLike[str], str] | None = None
) -> ClassSummary:
    """Read saved notebooks and report which checks each student passed.

    Parameters
    ----------
    paths : iterable of path
        Saved notebooks (``.ipynb``). Several notebooks of one student are merged.
    names : mapping path → student name, optional
        Who wrote which notebook. Default: when the notebooks lie in different folders (one per student, as on the
        JupyterHub: ``/home/alice/kcdc-masterclass/02_data_analysis.ipynb``), the first folder that differs
        (``alice``); when they all lie in one folder, the file name without ``.ipynb``.

    Returns
    -------
    ClassSummary
        A check counts as passed if any of its outputs in the student's notebooks says so.
    """
    import nbformat

    files = [Path(p) for p in paths]
    given = {Path(k).resolve(): v for k, v in (names or {}).items()}
    auto = _student_names(files) if files else []
    status: dict[str, dict[str, str]] = {}
    problems: list[str] = []
    seen: list[str] = []
    for path, default in zip(files, auto, strict=True):
        student = given.get(path.resolve(), default)
        try:
            nb = nbformat.read(path, as_version=4)
        except (OSError, ValueError, json.JSONDecodeError, nbformat.reader.NotJSONError) as err:
            problems.append(f"{path}: {type(err).__name__}: {err}")
            continue
        row = status.setdefault(student, {})
        for ex_id, passed in _outcomes(nb):
            if ex_id not in seen:
                seen.append(ex_id)
            if passed:
                row[ex_id] = "passed"
            elif row.get(ex_id) != "passed":
                row[ex_id] = "not yet"
    order = [e for e in EXERCISES if e in seen] + [e for e in seen if e not in EXERCISES]
    frozen = MappingProxyType({s: MappingProxyType(dict(r)) for s, r in status.items()})
    return ClassSummary(tuple(status), tuple(order), frozen, tuple(problems))
