"""The tutor's kit, generated from the exercise registry: solutions with the typical mistakes, and a worksheet per
notebook, in English and German.

Nothing here is written by hand twice: the tasks, hints and worked solutions come from
:mod:`~kcdc_hep.classroom.exercises.catalog`, the typical mistakes are the messages the checks give for them
(:mod:`~kcdc_hep.classroom.exercises.hints`), and a worksheet's closing questions are the notebook's own "What did
you find?" cell. ``python -m kcdc_hep.classroom.kit`` writes the pages into ``docs/tutor/`` (``--check`` fails when
they are out of date; the tests run it)::

    docs/tutor/solutions.md, solutions.de.md          every exercise: task, worked solution, hint, typical mistakes
    docs/tutor/worksheets/01.md … 05.md, 01.de.md …   a printable sheet per notebook
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from kcdc_hep.classroom.exercises import EXERCISES
from kcdc_hep.classroom.exercises.catalog import TEXTS
from kcdc_hep.classroom.exercises.hints import CHECK_MESSAGES

__all__ = ["MISTAKES", "NOTEBOOKS", "main", "solutions_page", "worksheet_page", "write_kit"]

#: The masterclass notebooks: file, and title in each language.
NOTEBOOKS: dict[str, dict[str, str]] = {
    "01": {"file": "01_python_and_data.ipynb", "en": "Python and data", "de": "Python und Daten"},
    "02": {"file": "02_data_analysis.ipynb", "en": "Data analysis", "de": "Datenanalyse"},
    "03": {"file": "03_particle_mass.ipynb", "en": "The mass of the particles", "de": "Die Masse der Teilchen"},
    "04": {"file": "04_composition_and_knee.ipynb", "en": "Composition and the knee",
           "de": "Zusammensetzung und das Knie"},
    "05": {"file": "05_machine_learning.ipynb", "en": "Machine learning", "de": "Maschinelles Lernen"},
}  # fmt: skip

#: Exercise id → the prefix of its check's messages in :data:`~kcdc_hep.classroom.exercises.hints.CHECK_MESSAGES`.
MISTAKES: dict[str, str] = {
    "01.count": "count", "01.mean_energy": "mean", "01.histogram": "hist", "02.zenith_cut": "zenith",
    "02.falls": "falls", "02.muon_shift": "shift", "02.heavy_side": "side", "03.ratio": "ratio",
    "03.mu": "gauss", "03.sigma": "gauss", "03.lighter": "lighter", "04.knee": "knee", "04.gamma2": "gamma2",
    "04.lnA_iron": "lnA", "04.mean_lnA": "mean_lnA", "04.proton_knee": "pknee", "04.knee_ratio": "kratio",
    "04.iron_knee": "iron", "04.light_falls": "light", "05.baseline": "baseline", "05.accuracy": "accuracy",
    "05.heavy_data": "heavy",
}  # fmt: skip
#: Messages that are not a mistake: praise, the general "too large/small" nudge, a sample too small to check.
_NOT_MISTAKES = re.compile(r"\.(ok|ok\.\w+|wrong|too_few|heavy|light|word|no_parameter)$")

_WORDS = {
    "en": {"solutions": "Solutions", "task": "Task", "solution": "Worked solution", "hint": "Hint",
           "mistakes": "Typical mistakes and what the check says", "answer": "Answer", "notebook": "Notebook",
           "name": "Name", "intro": "Generated from the exercise registry by `python -m kcdc_hep.classroom.kit`; "
           "do not edit by hand. A student sees the same texts in the notebooks; the check accepts every right "
           "method and a value typed at the precision the notebook prints (see the tolerance policy in "
           "`kcdc_hep.classroom.exercises`).", "findings": "What did you find?",
           "sheet": "Worksheet", "sheet_intro": "Write your answers here while you work through the notebook."},
    "de": {"solutions": "Lösungen", "task": "Aufgabe", "solution": "Ausgearbeitete Lösung", "hint": "Tipp",
           "mistakes": "Typische Fehler und was die Prüfung dazu sagt", "answer": "Antwort", "notebook": "Notebook",
           "name": "Name", "intro": "Aus dem Aufgaben-Verzeichnis erzeugt mit `python -m kcdc_hep.classroom.kit`; "
           "nicht von Hand ändern. Die Schülerinnen und Schüler sehen dieselben Texte in den Notebooks; die Prüfung "
           "akzeptiert jeden richtigen Weg und einen Wert mit der Genauigkeit, die das Notebook ausgibt (siehe die "
           "Toleranz-Regel in `kcdc_hep.classroom.exercises`).", "findings": "Was hast du herausgefunden?",
           "sheet": "Arbeitsblatt", "sheet_intro": "Schreib deine Antworten hier auf, während du das Notebook "
           "bearbeitest."},
}  # fmt: skip


def _mistakes(ex_id: str, lang: str) -> list[str]:
    prefix = MISTAKES[ex_id] + "."
    keys = [k for k in CHECK_MESSAGES if k.startswith(prefix) and not _NOT_MISTAKES.search(k)]
    texts = [CHECK_MESSAGES[k][lang] for k in keys]
    return [re.sub(r"\{(\w+)(![rs])?(:[^}]*)?\}", r"…", t) for t in texts]  # placeholders: what the data give


def solutions_page(lang: str = "en") -> str:
    """The solutions of every exercise, notebook by notebook, with the typical mistakes (Markdown)."""
    w = _WORDS[lang]
    lines = [f"# {w['solutions']}", "", w["intro"], ""]
    for number, nb in NOTEBOOKS.items():
        lines += [f"## {w['notebook']} {number} · {nb[lang]}", ""]
        for ex_id, ex in EXERCISES.items():
            if ex.notebook != number:
                continue
            text = TEXTS[lang][ex_id]
            lines += [f"### {ex_id} · {text.title}", "", f"**{w['task']}:** {text.task}", "",
                      f"**{w['solution']}:**", "", "```python", text.solution, "```", "",
                      f"**{w['hint']}:** {text.hint}", ""]  # fmt: skip
            mistakes = _mistakes(ex_id, lang)
            if mistakes:
                lines += [f"**{w['mistakes']}:**", "", *(f"- {m}" for m in mistakes), ""]
    return "\n".join(lines).rstrip() + "\n"


def _findings(notebook: str, lang: str) -> str:
    """The notebook's own "What did you find?" cell (the sentences with blanks), as Markdown."""
    import nbformat

    from kcdc_hep.classroom.lab import notebook_source

    nb = nbformat.read(notebook_source(lang) / NOTEBOOKS[notebook]["file"], as_version=4)  # type: ignore[arg-type]
    cell = next(c for c in reversed(nb.cells) if c.cell_type == "markdown" and c.source.startswith("## "))
    lines = cell.source.splitlines()
    first = next(i for i, line in enumerate(lines) if line.startswith("* "))  # the sentences with blanks
    return "\n".join(line for line in lines[first:] if line.strip() and not line.startswith(("Next", "Als Nächst")))


def worksheet_page(notebook: str, lang: str = "en") -> str:
    """A printable worksheet of one notebook: every exercise's task with room for the answer, and the findings."""
    w = _WORDS[lang]
    nb = NOTEBOOKS[notebook]
    lines = [f"# {w['sheet']} {notebook} · {nb[lang]}", "", f"{w['name']}: ______________________________", "",
             w["sheet_intro"], ""]  # fmt: skip
    for ex_id, ex in EXERCISES.items():
        if ex.notebook == notebook:
            text = TEXTS[lang][ex_id]
            lines += [f"## {ex_id} · {text.title}", "", text.task, "", f"{w['answer']}: ______________________________",
                      ""]  # fmt: skip
    lines += [f"## {w['findings']}", "", _findings(notebook, lang), ""]
    return "\n".join(lines).rstrip() + "\n"


def _pages() -> dict[str, str]:
    pages = {}
    for lang in ("en", "de"):
        suffix = "" if lang == "en" else f".{lang}"
        pages[f"solutions{suffix}.md"] = solutions_page(lang)
        for number in NOTEBOOKS:
            pages[f"worksheets/{number}{suffix}.md"] = worksheet_page(number, lang)
    return pages


def write_kit(out: str | os.PathLike[str], *, check: bool = False) -> list[Path]:
    """Write (or, with ``check``, compare) the generated pages of the tutor's kit in ``out``.

    Raises
    ------
    RuntimeError
        With ``check``, when a page is missing or out of date (the message names it).
    """
    root = Path(out)
    written = []
    for name, text in _pages().items():
        path = root / name
        if check:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                msg = f"{path} is out of date; run python -m kcdc_hep.classroom.kit --out {root}"
                raise RuntimeError(msg)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kcdc_hep.classroom.kit [--out docs/tutor] [--check]``."""
    parser = argparse.ArgumentParser(prog="python -m kcdc_hep.classroom.kit", description="write the tutor's kit")
    parser.add_argument("--out", type=Path, default=Path("docs/tutor"))
    parser.add_argument("--check", action="store_true", help="fail if a page is out of date")
    args = parser.parse_args(argv)
    try:
        paths = write_kit(args.out, check=args.check)
    except RuntimeError as err:
        print(f"kit: {err}", file=sys.stderr)
        return 1
    print(f"{'checked' if args.check else 'written'}: {len(paths)} pages in {args.out}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
