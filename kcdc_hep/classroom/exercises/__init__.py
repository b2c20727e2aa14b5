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

The package in four modules: :mod:`~kcdc_hep.classroom.exercises.catalog` (the texts, keyed by exercise id),
:mod:`~kcdc_hep.classroom.exercises.checks` (one checker per exercise), :mod:`~kcdc_hep.classroom.exercises.answers`
(reading what a student typed) and :mod:`~kcdc_hep.classroom.exercises.class_summary` (the tutor's table, read
from saved notebooks). This module joins them into :data:`EXERCISES` and holds what a notebook calls.

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
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from kcdc_hep import settings
from kcdc_hep.classroom.exercises.answers import AnswerError
from kcdc_hep.classroom.exercises.catalog import ENGLISH
from kcdc_hep.classroom.exercises.checks import CHECKERS, CheckFunction, NoContextError
from kcdc_hep.classroom.exercises.class_summary import MARKER, METADATA_KEY, ClassSummary, class_summary
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
    _checker: CheckFunction = field(repr=False, compare=False)

    @property
    def notebook(self) -> str:
        """The notebook number, e.g. ``"02"``."""
        return self.id.split(".", 1)[0]


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
    except AnswerError as err:
        return False, str(err)
    except NoContextError as err:
        return False, str(err)
    except (KcdcError, KeyError, ValueError, TypeError, IndexError, AttributeError, ArithmeticError) as err:
        return False, (
            f"The checker could not make sense of your answer ({type(err).__name__}: {err}). Check that it is "
            "the kind of thing the exercise asks for, then try again."
        )
    except Exception as err:  # never a traceback for a student
        return False, f"Something went wrong while checking ({type(err).__name__}). Ask your tutor to have a look."


# ============================================================================================ registry
def _exercises() -> MappingProxyType[str, Exercise]:
    """Each text of the catalog joined with its checker, in course order."""
    unpaired = set(ENGLISH) ^ set(CHECKERS)
    if unpaired:  # pragma: no cover - a programming error, caught by the tests
        msg = f"exercises without both a text and a checker: {sorted(unpaired)}"
        raise RuntimeError(msg)
    joined = {}
    for ex_id, text in ENGLISH.items():
        checker = CHECKERS[ex_id]
        joined[ex_id] = Exercise(
            ex_id, text.title, text.task, checker.needs, text.hint, text.solution, checker.function
        )
    return MappingProxyType(joined)


#: All exercises by id, in course order.
EXERCISES: MappingProxyType[str, Exercise] = _exercises()
