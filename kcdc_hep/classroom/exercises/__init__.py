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
with every check and with :func:`solution`. :func:`hint` shows a general hint for any exercise.

Language: every text and message comes in English and German; ``exercises.language("de")`` (the German notebooks
call it) switches them.

Tolerance policy (one rule for every check)
-------------------------------------------
- **Counts** (how many showers, a histogram's contents) must be exact, except for showers that sit exactly on a bin
  edge or on the cut value, which different right methods put on different sides: a histogram made with
  :mod:`kcdc_hep.histograms` (boost-histogram), ``np.histogram`` or ``plt.hist`` passes, and so do ``zenith < 18``
  and ``zenith <= 18``.
- **Numbers** pass when they are the expected value *to the precision they were typed with*: half a unit of the last
  typed digit (14.39 passes for 14.3912, 1.6 for 1.6101), with at least two significant digits (a typed 5 counts as
  5.0, so it does not pass for 4.77, and neither does −3 for −3.09: those get "not precise enough"); three for a
  mean of lg(E/eV), whose values all lie between 14 and 18. A value straight from the calculation passes within the
  rounding of the right methods (float32 sums: 1e-6 relative).
- **Hints** name a mistake only when the answer matches that mistake by the same rule; otherwise the message says
  "too large" or "too small" with the exercise's nudge, or "not precise enough" when the answer is right to one
  significant digit only.
- **Fit results and records** (a ``FitResult``, a ``KneeResult``, the classifier's evaluation) count as their value.

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
from kcdc_hep.classroom.exercises.catalog import ENGLISH, TEXTS, ExerciseText
from kcdc_hep.classroom.exercises.checks import CHECKERS, CheckFunction, NoContextError
from kcdc_hep.classroom.exercises.class_summary import MARKER, METADATA_KEY, ClassSummary, class_summary
from kcdc_hep.classroom.exercises.messages import LANGUAGES, Language, current_language, say, set_language
from kcdc_hep.errors import ExerciseError, KcdcError, closest_first

__all__ = [
    "EXERCISES",
    "LANGUAGES",
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
    "language",
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
    answered : bool
        False when there was no answer yet (the ``...`` placeholder, or None): the class summary counts that as
        "not tried".
    """

    exercise: str
    passed: bool
    message: str
    solution: str | None = None
    _execution_count: int | None = field(default=None, repr=False, compare=False)
    answered: bool = True

    @property
    def outcome(self) -> str:
        """``"passed"``, ``"not yet"`` or ``"no answer"``."""
        return "passed" if self.passed else ("not yet" if self.answered else "no answer")

    @property
    def marker(self) -> str:
        """The parseable marker line of this outcome."""
        return MARKER.format(exercise=self.exercise, outcome=self.outcome)

    def _head(self) -> str:
        return say({"passed": "head.passed", "not yet": "head.not_yet", "no answer": "head.no_answer"}[self.outcome])

    def text(self) -> str:
        """Plain-text form (what :func:`print` shows outside a notebook)."""
        out = f"{self._head()} [{self.exercise}] {self.message}"
        if self.solution:
            out += f"\n\n{say('solution.title')}:\n{self.solution}"
        return out

    def html(self) -> str:
        """HTML form for a notebook: a green, amber or grey box."""
        colour, border = {"passed": ("#e8f5e9", "#2e7d32"), "not yet": ("#fff8e1", "#ef8f00"),
                          "no answer": ("#f5f5f5", "#9e9e9e")}[self.outcome]  # fmt: skip
        head = self._head()
        body = html.escape(self.message).replace("\n", "<br>")
        sol = ""
        if self.solution:
            sol = (
                f"<details open><summary><b>{html.escape(say('solution.title'))}</b></summary>"
                f"<pre>{html.escape(self.solution)}</pre></details>"
            )
        return (
            f'<div style="background:{colour};border-left:6px solid {border};padding:8px 12px;margin:4px 0;'
            f'font-size:110%"><b>{head}</b> <span style="color:#555">[{html.escape(self.exercise)}]</span><br>'
            f"{body}{sol}</div><!-- {html.escape(self.marker)} -->"
        )

    def _mimebundle(self) -> tuple[dict[str, str], dict[str, Any]]:
        data = {"text/plain": f"{self.text()}\n{self.marker}", "text/html": self.html()}
        record = {"exercise": self.exercise, "passed": self.passed, "answered": self.answered}
        return data, {METADATA_KEY: record}

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

    def text(self, lang: str | None = None) -> ExerciseText:
        """Title, task, hint and solution in ``lang`` (default: the current language, see :func:`language`)."""
        return TEXTS[lang or current_language()][self.id]


# ============================================================================================ state
def language(lang: Language | None = None) -> str:
    """Show the exercises' texts and messages, and the figures' words, in ``lang`` (``"en"`` or ``"de"``) from now on.

    Returns the language; called without an argument, returns the current one. The German notebooks call
    ``exercises.language("de")``.

    Raises
    ------
    ArgumentError
        For a language the exercises do not come in (see :data:`LANGUAGES`).
    """
    if lang is None:
        return current_language()
    chosen = set_language(lang)
    from kcdc_hep import plotting  # the words on the figures follow (imported here: matplotlib is heavy)

    plotting.set_language(chosen)
    return chosen


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
    ``elements``
        element spectra (:func:`kcdc_hep.reference.published_element_spectra`);
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
    raise ExerciseError(say("no_exercise", id=exercise_id, close=say("or").join(repr(c) for c in close)))


def task(exercise_id: str, *, display: bool = True) -> str:
    """Show (and return) the task of an exercise."""
    try:
        ex = exercise(exercise_id)
    except ExerciseError as err:
        return _show_text("Exercise", str(err), display=display)
    text = ex.text()
    return _show_text(say("title.exercise", id=ex.id, title=text.title), text.task, display=display)


def hint(exercise_id: str, *, display: bool = True) -> str:
    """Show (and return) a general hint for an exercise."""
    try:
        ex = exercise(exercise_id)
    except ExerciseError as err:
        return _show_text("Hint", str(err), display=display)
    return _show_text(say("title.hint", id=ex.id), ex.text().hint, display=display)


def solution(exercise_id: str, *, display: bool = True) -> str:
    """Show (and return) the worked solution: in solutions mode only, otherwise a friendly refusal."""
    try:
        ex = exercise(exercise_id)
    except ExerciseError as err:
        return _show_text("Solution", str(err), display=display)
    if not solutions_enabled():
        return _show_text(say("title.solution", id=ex.id), say("solution.refused", id=ex.id), display=display)
    return _show_text(say("title.solution", id=ex.id), ex.solution, display=display)


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
        result = CheckResult(ex.id, passed, message, sol, count, answered=answer is not ... and answer is not None)
    if display:
        _show(result)
    return result


def _run(ex: Exercise, answer: Any, context: Mapping[str, Any]) -> tuple[bool, str]:
    missing = [n for n in ex.needs if n not in context]
    if answer is ... or answer is None:
        return False, say("no_answer")
    if missing:
        return False, say("no_context", call=", ".join(f"{n}=..." for n in missing))
    try:
        return ex._checker(answer, context)
    except AnswerError as err:
        return False, str(err)
    except NoContextError as err:
        return False, str(err)
    except (KcdcError, KeyError, ValueError, TypeError, IndexError, AttributeError, ArithmeticError) as err:
        return False, say("confused", error=f"{type(err).__name__}: {err}")
    except Exception as err:  # never a traceback for a student
        return False, say("broken", error=type(err).__name__)


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
