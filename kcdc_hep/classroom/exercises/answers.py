"""Reading what a student typed: one number, one word, a list of numbers, or a histogram.

A student's answer can be anything: the right kind of thing, text where a number belongs, a whole table, the
drawing instead of the histogram. Each function here turns an answer into the kind the exercise asks for or raises
:class:`AnswerError` whose message says in plain words what to change; :func:`~kcdc_hep.classroom.exercises.check`
shows that message instead of a traceback.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from kcdc_hep.classroom.exercises.messages import say

__all__ = ["AnswerError", "as_histogram", "as_number", "as_values", "as_word", "describe"]


class AnswerError(Exception):
    """An answer of the wrong kind; the message says what to change."""


def describe(answer: Any) -> str:
    """What an answer is, in a student's words (in the current language).

    >>> describe("three"), describe([1, 2]), describe(True)
    ("text ('three')", 'a list of 2 things', 'True/False (True)')
    """
    if isinstance(answer, str):
        return say("kind.text", text=repr(answer)) if len(answer) < 40 else say("kind.long_text")
    if isinstance(answer, bool):
        return say("kind.bool", value=answer)
    if isinstance(answer, list | tuple):
        return say("kind.list", n=len(answer))
    if isinstance(answer, np.ndarray):
        return say("kind.array", n=answer.size) if answer.ndim else say("kind.number")
    return say("kind.other", name=type(answer).__name__)


def as_number(answer: Any, *, what: str | None = None) -> float:
    """A single finite number from a Python/numpy scalar or a 1-element array; AnswerError otherwise."""
    what = what or say("what.number")
    if isinstance(answer, str):
        try:
            float(answer)
        except ValueError:
            raise AnswerError(say("answer.text", answer=repr(answer))) from None
        raise AnswerError(say("answer.quotes", answer=repr(answer)))
    if isinstance(answer, bool | np.bool_):
        raise AnswerError(say("answer.bool", what=what))
    if hasattr(answer, "to_numpy") and not isinstance(answer, np.ndarray):  # awkward / pandas scalars and arrays
        try:
            answer = answer.to_numpy()
        except Exception:
            raise AnswerError(say("answer.kind", kind=describe(answer), what=what)) from None
    if isinstance(answer, np.ndarray | list | tuple):
        arr = np.asarray(answer, dtype=object).ravel() if not isinstance(answer, np.ndarray) else answer.ravel()
        if arr.size != 1:
            raise AnswerError(say("answer.kind", kind=describe(answer), what=what))
        answer = arr[0]
    try:
        value = float(answer)
    except (TypeError, ValueError):
        raise AnswerError(say("answer.kind", kind=describe(answer), what=what)) from None
    if not math.isfinite(value):
        raise AnswerError(say("answer.not_finite", value=value))
    return value


def as_word(answer: Any, *, choices: str) -> str:
    """A one-word answer, stripped and in lower case; ``choices`` names the words the exercise expects.

    >>> as_word(" Above ", choices="'above' or 'below'")
    'above'
    """
    if not isinstance(answer, str):
        raise AnswerError(say("answer.word", kind=describe(answer), choices=choices))
    return answer.strip().lower()


def as_values(answer: Any, *, what: str) -> np.ndarray:
    """A 1-D float array from numpy/awkward/pandas/list answers; AnswerError otherwise."""
    if isinstance(answer, str | bool) or np.isscalar(answer):
        raise AnswerError(say("answer.kind", kind=describe(answer), what=what))
    try:
        import awkward as ak

        if isinstance(answer, ak.Array):
            if ak.fields(answer):
                raise AnswerError(say("answer.table", columns=", ".join(ak.fields(answer)), what=what))
            answer = ak.to_numpy(answer)
        arr = np.asarray(answer, dtype=float)
    except (TypeError, ValueError):
        raise AnswerError(say("answer.kind", kind=describe(answer), what=what)) from None
    if arr.ndim != 1:
        raise AnswerError(say("answer.shape", shape=arr.shape, what=what))
    return arr


def as_histogram(answer: Any) -> tuple[np.ndarray, np.ndarray]:
    """(counts, edges) of a 1-D histogram given as hist.Hist, (counts, edges) or matplotlib's (n, bins, patches)."""
    if hasattr(answer, "axes") and hasattr(answer, "values") and callable(answer.values):
        if len(answer.axes) != 1:
            raise AnswerError(say("answer.hist_axes", n=len(answer.axes)))
        return np.asarray(answer.values(), dtype=float), np.asarray(answer.axes[0].edges, dtype=float)
    if hasattr(answer, "ax") and hasattr(answer, "artists"):  # a plotting.Drawn
        raise AnswerError(say("answer.drawing"))
    if isinstance(answer, tuple | list) and len(answer) in (2, 3):
        try:
            counts = np.asarray(answer[0], dtype=float)
            edges = np.asarray(answer[1], dtype=float)
        except (TypeError, ValueError):
            counts = edges = np.zeros(0)
        if counts.ndim == 1 and edges.ndim == 1 and len(edges) == len(counts) + 1 and len(counts) > 0:
            return counts, edges
    raise AnswerError(say("answer.not_hist", kind=describe(answer)))
