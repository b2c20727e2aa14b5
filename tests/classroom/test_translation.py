"""The German notebooks: every English cell has its German counterpart, up to date, and the committed notebooks are
exactly what the translation tables give."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest

from kcdc_hep.classroom import translation

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
ENGLISH = sorted(NOTEBOOKS.glob("*.ipynb"))


@pytest.mark.parametrize("notebook", ENGLISH, ids=[p.stem for p in ENGLISH])
def test_every_english_cell_has_an_up_to_date_german_counterpart(notebook: Path) -> None:
    english = nbformat.read(notebook, as_version=4)
    german = translation.translate(notebook, "de")  # raises on a missing or stale translation
    assert [c.id for c in german.cells] == [c.id for c in english.cells]
    assert [c.cell_type for c in german.cells] == [c.cell_type for c in english.cells]
    for en, de in zip(english.cells, german.cells, strict=True):
        if en.cell_type == "markdown":
            assert de.source != en.source, f"{notebook.name} cell {en.id} is not translated"
    if notebook.name[:2] in ("01", "02", "03", "04", "05"):  # the masterclass: checks and hints in German
        first_code = next(c for c in german.cells if c.cell_type == "code")
        assert 'exercises.language("de")' in first_code.source


def test_committed_german_notebooks_are_what_the_tables_give() -> None:
    written = translation.build(NOTEBOOKS, "de", check=True)
    assert [p.name for p in written] == [p.name for p in ENGLISH]


def test_a_changed_english_cell_makes_its_translation_stale(tmp_path: Path) -> None:
    source = ENGLISH[0]
    nb = nbformat.read(source, as_version=4)
    nb.cells[0].source += "\nOne more sentence."
    (tmp_path / "de").mkdir()
    nbformat.write(nb, tmp_path / source.name)
    table = translation.table_path(source, "de")
    (tmp_path / "de" / table.name).write_text(table.read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(translation.TranslationError, match=f"cell {nb.cells[0].id}: the English text changed"):
        translation.translate(tmp_path / source.name, "de")
    record = json.loads((tmp_path / "de" / table.name).read_text(encoding="utf-8"))
    record["cells"] = record["cells"][1:]
    (tmp_path / "de" / table.name).write_text(json.dumps(record), encoding="utf-8")
    with pytest.raises(translation.TranslationError, match="not translated"):
        translation.translate(tmp_path / source.name, "de")


def test_unknown_language_is_refused() -> None:
    with pytest.raises(translation.ArgumentError, match="translated into de"):
        translation.table_path(ENGLISH[0], "fr")
