"""The tutor's kit: solutions and worksheets generated from the exercise registry, up to date in docs/tutor; the
class summary on the command line."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from kcdc_hep.classroom import exercises, kit
from kcdc_hep.classroom.exercises import CheckResult

REPO = Path(__file__).resolve().parents[2]


def test_generated_pages_in_the_repository_are_up_to_date() -> None:
    pages = kit.write_kit(REPO / "docs" / "tutor", check=True)
    assert {p.name for p in pages} >= {"solutions.md", "solutions.de.md", "01.md", "05.de.md"}


@pytest.mark.parametrize("lang", ["en", "de"])
def test_solutions_hold_every_exercise_with_its_solution_and_mistakes(lang: str) -> None:
    page = kit.solutions_page(lang)
    for ex_id, ex in exercises.EXERCISES.items():
        assert f"### {ex_id} · {ex.text(lang).title}" in page
        assert ex.solution in page
    assert ("Typical mistakes" if lang == "en" else "Typische Fehler") in page
    assert "divided the other way round" in page or "andersherum geteilt" in page
    assert "{" not in page.replace("```", "")  # every placeholder of a hint is replaced


def test_worksheet_has_every_task_and_the_findings() -> None:
    sheet = kit.worksheet_page("02", "de")
    for ex_id in ("02.zenith_cut", "02.falls", "02.muon_shift", "02.heavy_side"):
        assert exercises.EXERCISES[ex_id].text("de").task in sheet
    assert "Was hast du herausgefunden?" in sheet and "____" in sheet
    assert "Doppelklick" not in sheet  # a sheet is on paper


def test_kit_check_fails_on_a_stale_page(tmp_path: Path) -> None:
    kit.write_kit(tmp_path)
    (tmp_path / "solutions.md").write_text("old", encoding="utf-8")
    assert kit.main(["--out", str(tmp_path), "--check"]) == 1
    assert kit.main(["--out", str(tmp_path)]) == 0 and kit.main(["--out", str(tmp_path), "--check"]) == 0


def test_class_summary_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kcdc_hep.cli import main

    paths = []
    for student, passed in (("alice", True), ("bob", False)):
        nb = nbformat.v4.new_notebook()
        data, metadata = CheckResult("01.count", passed, "message")._mimebundle()
        cell = nbformat.v4.new_code_cell("check(...)")
        cell.outputs = [nbformat.v4.new_output("display_data", data=data, metadata=metadata)]
        nb.cells.append(cell)
        (tmp_path / student).mkdir()
        paths.append(tmp_path / student / "01_python_and_data.ipynb")
        nbformat.write(nb, paths[-1])
    assert main(["class-summary", *map(str, paths)]) == 0
    out = capsys.readouterr().out
    assert "alice" in out and "bob" in out and "✔" in out and "✘" in out
