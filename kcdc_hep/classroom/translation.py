"""The notebooks in other languages: one translation table per notebook, the translated notebooks generated from it.

The English notebooks in ``notebooks/`` are the source of the structure and the code. Each has a table
``notebooks/<lang>/<notebook stem>.json`` with, for **every** cell (by its cell id), the English text it translates
and the translation side by side::

    {"notebook": "01_python_and_data.ipynb", "language": "de",
     "cells": [{"id": "c00", "en": "# 01 · Python and data ...", "de": "# 01 · Python und Daten ..."}, ...]}

:func:`translate` builds ``notebooks/<lang>/<notebook>.ipynb`` from the English notebook and its table; it refuses
when a cell has no translation or when the English text changed since it was translated (the table's ``en`` is then
stale), naming the cells. ``python -m kcdc_hep.classroom.translation`` rebuilds every translated notebook (``--check``
only reports, for CI; ``--sync`` adds the cells a table lacks with an empty translation and refreshes nothing else).
The tests check that the committed notebooks are exactly what the tables give.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kcdc_hep.errors import ArgumentError, MissingFileError

__all__ = [
    "TRANSLATED",
    "TranslationError",
    "build",
    "main",
    "table_path",
    "translate",
]

#: The languages the notebooks are translated into (English is the source).
TRANSLATED: tuple[str, ...] = ("de",)


class TranslationError(ArgumentError):
    """A translation table does not fit its notebook (cells missing, or translated from an older English text)."""


@dataclass(frozen=True)
class _Entry:
    id: str
    en: str
    translated: str


def _check_lang(lang: str) -> None:
    if lang not in TRANSLATED:
        msg = f"language {lang!r}: the notebooks are translated into {', '.join(TRANSLATED)}"
        raise ArgumentError(msg)


def table_path(notebook: str | os.PathLike[str], lang: str) -> Path:
    """The translation table of an English notebook: ``<folder>/<lang>/<stem>.json``."""
    _check_lang(lang)
    path = Path(notebook)
    return path.parent / lang / f"{path.stem}.json"


def _read_table(path: Path, lang: str) -> dict[str, _Entry]:
    if not path.is_file():
        msg = f"no translation table {path}; run python -m kcdc_hep.classroom.translation --sync to start one"
        raise MissingFileError(msg)
    record = json.loads(path.read_text(encoding="utf-8"))
    return {c["id"]: _Entry(c["id"], c["en"], c.get(lang) or "") for c in record["cells"]}


def _problems(notebook: Any, table: dict[str, _Entry]) -> list[str]:
    problems = []
    for cell in notebook.cells:
        entry = table.get(cell.id)
        if entry is None or not entry.translated.strip():
            problems.append(f"cell {cell.id}: not translated")
        elif entry.en != cell.source:
            problems.append(f"cell {cell.id}: the English text changed since it was translated")
    return problems


def translate(notebook: str | os.PathLike[str], lang: str = "de") -> Any:
    """The notebook in ``lang``: the English notebook with every cell's text taken from its translation table.

    Parameters
    ----------
    notebook : path
        An English notebook of ``notebooks/``.
    lang : str
        One of :data:`TRANSLATED`.

    Returns
    -------
    nbformat.NotebookNode
        The translated notebook, outputs cleared, ``metadata.language`` set.

    Raises
    ------
    TranslationError
        If a cell has no translation, or its English text changed since it was translated (each such cell named).
    """
    import nbformat

    path = Path(notebook)
    table = _read_table(table_path(path, lang), lang)
    nb = nbformat.read(path, as_version=4)
    problems = _problems(nb, table)
    if problems:
        msg = f"{path.name} ({lang}): " + "; ".join(problems) + f" — update {table_path(path, lang)}"
        raise TranslationError(msg)
    for cell in nb.cells:
        cell.source = table[cell.id].translated
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
    nb.metadata["language"] = lang
    return nb


def _sync(path: Path, lang: str) -> bool:
    """Add the cells a table lacks (empty translation); returns whether the table changed."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    target = table_path(path, lang)
    old = _read_table(target, lang) if target.is_file() else {}
    cells = []
    for cell in nb.cells:
        entry = old.get(cell.id)
        if entry is None:
            cells.append({"id": cell.id, "en": cell.source, lang: ""})
        else:
            cells.append({"id": cell.id, "en": entry.en, lang: entry.translated})
    record = {"notebook": path.name, "language": lang, "cells": cells}
    text = json.dumps(record, ensure_ascii=False, indent=1) + "\n"
    if target.is_file() and target.read_text(encoding="utf-8") == text:
        return False
    target.parent.mkdir(exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return True


def build(folder: str | os.PathLike[str], lang: str = "de", *, check: bool = False) -> list[Path]:
    """Write ``<folder>/<lang>/<notebook>.ipynb`` for every English notebook of ``folder`` that has a table.

    Parameters
    ----------
    folder : path
        The English notebooks (``notebooks/``).
    lang : str
        One of :data:`TRANSLATED`.
    check : bool
        Write nothing; raise if a translated notebook is missing or differs from what its table gives.

    Returns
    -------
    list of pathlib.Path
        The translated notebooks (written, or checked).

    Raises
    ------
    TranslationError
        A table does not fit its notebook, or (``check``) a committed notebook is out of date.
    """
    import nbformat

    root = Path(folder)
    out = []
    for path in sorted(root.glob("*.ipynb")):
        nb = translate(path, lang)
        target = root / lang / path.name
        text = nbformat.writes(nb) + "\n"
        if check:
            if not target.is_file() or target.read_text(encoding="utf-8") != text:
                msg = f"{target} is not what its table gives; run python -m kcdc_hep.classroom.translation"
                raise TranslationError(msg)
        else:
            target.parent.mkdir(exist_ok=True)
            target.write_text(text, encoding="utf-8")
        out.append(target)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m kcdc_hep.classroom.translation [--check | --sync] [--lang de] [FOLDER]``."""
    summary = (__doc__ or "").split("\n")[0]
    parser = argparse.ArgumentParser(prog="python -m kcdc_hep.classroom.translation", description=summary)
    parser.add_argument("folder", nargs="?", default="notebooks", type=Path)
    parser.add_argument("--lang", default="de", choices=TRANSLATED)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--check", action="store_true", help="check that the translated notebooks are up to date")
    group.add_argument("--sync", action="store_true", help="add missing cells to the tables (empty translations)")
    args = parser.parse_args(argv)
    if args.sync:
        changed = [p.name for p in sorted(args.folder.glob("*.ipynb")) if _sync(p, args.lang)]
        print(f"tables updated: {', '.join(changed) or 'none'}")
        return 0
    try:
        written = build(args.folder, args.lang, check=args.check)
    except (TranslationError, MissingFileError) as err:
        print(f"translation: {err}", file=sys.stderr)
        return 1
    print(f"{'checked' if args.check else 'written'}: {', '.join(str(p) for p in written)}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
