"""The tutor's view: which checks each student passed, read from the notebooks the students saved.

This is the one module of the classroom that reads files (saved ``.ipynb`` notebooks, with ``nbformat``). It also
defines the record every check leaves in a notebook — the outcome under :data:`METADATA_KEY` in the output's
metadata, and the :data:`MARKER` line in its plain text — so that writing and reading it cannot drift apart.

>>> print(MARKER.format(exercise="02.falls", outcome="passed"))
[kcdc_hep check 02.falls: passed]
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any

from kcdc_hep.classroom.exercises.catalog import ENGLISH

__all__ = ["MARKER", "METADATA_KEY", "ClassSummary", "class_summary"]

#: Key of the outcome record in the metadata of a check's output.
METADATA_KEY = "kcdc_hep_check"
#: The marker line in the plain text of a check's output (for notebooks whose metadata was lost, e.g. printed).
MARKER = "[kcdc_hep check {exercise}: {outcome}]"
_MARKER_RE = re.compile(r"\[kcdc_hep check (?P<exercise>[\w.\-]+): (?P<outcome>passed|not yet|no answer)\]")


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
        ``"passed"``, ``"not yet"`` (an answer was checked, never right) or ``""`` (not tried: no check ran, or
        only checks of the empty ``...`` placeholder).
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


# ============================================================================================ class summary
def _outcomes(notebook: Any) -> list[tuple[str, str]]:
    """(exercise, outcome) of every check output in a notebook, in cell order; outcome as in :data:`MARKER`."""
    found: list[tuple[str, str]] = []
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") != "code":
            continue
        for out in cell.get("outputs", []):
            record = (out.get("metadata") or {}).get(METADATA_KEY)
            if isinstance(record, dict) and isinstance(record.get("exercise"), str):
                passed, answered = bool(record.get("passed")), bool(record.get("answered", True))
                found.append((record["exercise"], "passed" if passed else "not yet" if answered else "no answer"))
                continue
            text = out.get("text", "")
            data = out.get("data") or {}
            text = "".join(text) if isinstance(text, list) else str(text)
            plain = data.get("text/plain", "")
            text += "".join(plain) if isinstance(plain, list) else str(plain)
            for m in _MARKER_RE.finditer(text):
                found.append((m.group("exercise"), m.group("outcome")))
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
        for ex_id, outcome in _outcomes(nb):
            if ex_id not in seen:
                seen.append(ex_id)
            if outcome == "passed":
                row[ex_id] = "passed"
            elif outcome == "not yet" and row.get(ex_id) != "passed":
                row[ex_id] = "not yet"
    order = [e for e in ENGLISH if e in seen] + [e for e in seen if e not in ENGLISH]
    frozen = MappingProxyType({s: MappingProxyType(dict(r)) for s, r in status.items()})
    return ClassSummary(tuple(status), tuple(order), frozen, tuple(problems))
