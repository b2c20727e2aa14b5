"""Exercise checks: a right answer passes, a typical mistake gets its specific hint, garbage a friendly message.

Every exercise of :data:`kcdc_hep.classroom.exercises.EXERCISES` has one case below (a test fails if one is added
without a case), and every check is fed a list of garbage answers: no exception may escape to the student.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

import awkward as ak
import nbformat
import numpy as np
import pytest

from kcdc_hep import histograms
from kcdc_hep.classroom import exercises
from kcdc_hep.classroom.exercises import CheckResult, check
from kcdc_hep.errors import ExerciseError
from kcdc_hep.fits import fit_gauss, fit_knee, read_flux_table
from kcdc_hep.selections import Cuts
from kcdc_hep.simulation.generator import simulate

EQUAL = {"p": 1, "He": 1, "C": 1, "Si": 1, "Fe": 1}


@pytest.fixture(scope="module")
def showers() -> dict[str, Any]:
    """Showers and a trained classifier, as a notebook would hand them to exercises.use."""
    data = simulate(40_000, seed=7, kind="data")
    sim = simulate(30_000, seed=8, kind="simulation", composition=EQUAL)
    pytest.importorskip("sklearn")
    from kcdc_hep import ml

    train, test = ml.split(sim, seed=1)  # not balanced: 2 light to 3 heavy, so the baseline is 0.6
    return {"data": data, "simulation": sim, "test": test, "classifier": ml.train_classifier(train, max_events=5_000)}


@pytest.fixture
def context(showers: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    """The showers, and for tests marked ``shared_data`` the published KASCADE spectrum of ../shared/data."""
    ctx = dict(showers)
    if request.node.get_closest_marker("shared_data") is not None:
        folder: Path = request.getfixturevalue("shared_data")
        ctx["spectrum"] = read_flux_table(folder / "kascade_2005_qgsjet01_all_particle_flux.txt")
    return ctx


@pytest.fixture(autouse=True)
def _fresh_state(context: dict[str, Any]) -> Any:
    exercises.clear()
    exercises.use(**context)
    yield
    exercises.clear()
    exercises.solutions(False)
    exercises._solutions_override = None


def _col(events: ak.Array, name: str) -> np.ndarray:
    return ak.to_numpy(events[name])


def _shift(sim: ak.Array, name: str, *, cut: bool = True) -> float:
    lgE, primary = _col(sim, "lgE"), _col(sim, "primary").astype(str)
    sel = (lgE >= 15.0) & (lgE < 15.5) if cut else np.ones(len(lgE), bool)
    v = _col(sim, name)
    return float(v[sel & (primary == "Fe")].mean() - v[sel & (primary == "p")].mean())


def _falls(data: ak.Array, *, inverse: bool = False) -> float:
    lgE = _col(data, "lgE")
    a = np.count_nonzero((lgE >= 15.0) & (lgE < 15.5))
    b = np.count_nonzero((lgE >= 16.0) & (lgE < 16.5))
    return b / a if inverse else a / b


def _proton_fit(ctx: dict[str, Any]) -> Any:
    sim = ctx["simulation"]
    return fit_gauss(histograms.ratio(sim[sim.primary == "p"]))


def _knee(ctx: dict[str, Any]) -> Any:
    return fit_knee(ctx["spectrum"], model="sharp")


def _labels(ctx: dict[str, Any]) -> np.ndarray:
    from kcdc_hep import ml

    return ml.mass_labels(ctx["test"])[0]


def _accuracy(ctx: dict[str, Any]) -> float:
    from kcdc_hep import ml

    return ml.evaluate(ctx["classifier"], ctx["test"]).accuracy


Answer = Callable[[dict[str, Any]], Any]

#: exercise id → (right answer, typical wrong answer, words the hint for the wrong answer must contain)
CASES: dict[str, tuple[Answer, Answer, str]] = {
    "01.count": (lambda c: len(c["data"]), lambda c: len(c["data"].fields), "number of columns"),
    "01.mean_energy": (lambda c: float(np.mean(_col(c["data"], "lgE"))),
                       lambda c: float(np.mean(_col(c["data"], "lgNe"))), "average of the column 'lgNe'"),
    "02.zenith_cut": (lambda c: c["data"][c["data"].zenith <= 18], lambda c: c["data"][c["data"].zenith <= 40],
                      "You cut at zenith < 40°, the exercise asks for 18°"),
    "02.falls": (lambda c: _falls(c["data"]), lambda c: _falls(c["data"], inverse=True), "other way round"),
    "02.muon_shift": (lambda c: _shift(c["simulation"], "lgNmu"), lambda c: -_shift(c["simulation"], "lgNmu"),
                      "iron minus proton"),
    "02.heavy_side": (lambda c: "above", lambda c: "below", "more or fewer muons"),
    "03.ratio": (lambda c: c["data"].lgNe / c["data"].lgNmu, lambda c: c["data"].lgNmu / c["data"].lgNe,
                 "divided muons by electrons"),
    "03.mu": (lambda c: _proton_fit(c)["Mean"], lambda c: _proton_fit(c)["Sigma"], "That is σ"),
    "03.sigma": (lambda c: _proton_fit(c)["Sigma"], lambda c: _proton_fit(c)["Mean"], "That is μ"),
    "03.lighter": (lambda c: "p", lambda c: "Fe", "more muons"),
    "04.knee": (lambda c: _knee(c).E_knee_PeV, lambda c: _knee(c).E_knee_PeV * 1e15, "in eV"),
    "04.gamma2": (lambda c: _knee(c).gamma2, lambda c: _knee(c).gamma1, "below the knee"),
    "04.lnA_iron": (lambda c: np.log(56), lambda c: np.log10(56), "base-10 logarithm"),
    "04.mean_lnA": (lambda c: 0.6 * np.log(1) + 0.4 * np.log(56), lambda c: np.log(0.6 * 1 + 0.4 * 56),
                    "averaged A first"),
    "05.baseline": (lambda c: max(_labels(c).mean(), 1 - _labels(c).mean()),
                    lambda c: min(_labels(c).mean(), 1 - _labels(c).mean()), "smaller class"),
    "05.accuracy": (lambda c: _accuracy(c), lambda c: c["classifier"].train_accuracy, "training showers"),
    "05.heavy_data": (lambda c: float(np.mean(c["classifier"].is_heavy(c["data"]))),
                      lambda c: float(np.mean(~c["classifier"].is_heavy(c["data"]))), "fraction called light"),
    "01.histogram": (lambda c: histograms.spectrum(c["data"], bins=(30, 14, 18)),
                     lambda c: histograms.spectrum(c["data"], bins=(50, 14, 18)),
                     "Your histogram has 50 bins; the exercise asks for 30"),
}  # fmt: skip

#: the cases, those of exercises on the published spectrum marked: they need ../shared/data
CASE_IDS = [
    pytest.param(e, marks=pytest.mark.shared_data) if "spectrum" in exercises.EXERCISES[e].needs else e for e in CASES
]

GARBAGE: list[Any] = [
    None,
    ...,
    "hello",
    "",
    [],
    [1, 2, 3],
    {"answer": 1},
    object(),
    np.array([1.0, 2.0]),
    np.array([[1.0]]),
    float("nan"),
    True,
    ak.Array({"x": [1, 2]}),
    Cuts(zenith_max_deg=45),
    lambda: 1,
]


def test_every_exercise_has_a_case() -> None:
    assert set(CASES) == set(exercises.EXERCISES)
    notebooks = {e.notebook for e in exercises.EXERCISES.values()}
    assert notebooks == {"01", "02", "03", "04", "05"}
    for nb in notebooks:
        assert 2 <= sum(e.notebook == nb for e in exercises.EXERCISES.values()) <= 4


@pytest.mark.parametrize("exercise_id", CASE_IDS)
def test_right_answer_passes(exercise_id: str, context: dict[str, Any]) -> None:
    right, _, _ = CASES[exercise_id]
    result = check(exercise_id, right(context), display=False)
    assert result.passed, result.message
    assert result.exercise == exercise_id
    assert result.solution is None  # not in solutions mode


@pytest.mark.parametrize("exercise_id", CASE_IDS)
def test_typical_mistake_gets_specific_hint(exercise_id: str, context: dict[str, Any]) -> None:
    _, wrong, hint = CASES[exercise_id]
    result = check(exercise_id, wrong(context), display=False)
    assert not result.passed
    assert hint in result.message


@pytest.mark.parametrize("exercise_id", CASE_IDS)
def test_garbage_gets_friendly_message(exercise_id: str, context: dict[str, Any]) -> None:
    for garbage in GARBAGE:
        result = check(exercise_id, garbage, display=False)
        assert isinstance(result, CheckResult)
        assert not result.passed, f"{garbage!r} passed {exercise_id}"
        assert result.message and "Traceback" not in result.message
        assert len(result.message) < 400


@pytest.mark.parametrize(
    ("exercise_id", "answer", "words"),
    [
        ("01.count", "three", "Write the number itself, without quotes"),
        ("01.count", "42", "Remove the quotes"),
        ("01.count", [1, 2], "a list of 2 things"),
        ("01.count", None, "There is no answer yet"),
        ("01.count", ..., "replace the ..."),
        ("01.mean_energy", float("nan"), "not a real number"),
        ("01.histogram", np.array([1.0, 2.0]), "asks for a histogram"),
        ("02.heavy_side", 3, "answer with a word in quotes"),
        ("02.heavy_side", "sideways", "'above' or 'below'"),
        ("03.ratio", 1.2, "one ratio per shower"),
    ],
)
def test_garbage_messages_say_what_to_change(exercise_id: str, answer: Any, words: str) -> None:
    assert words in check(exercise_id, answer, display=False).message


def test_more_specific_hints(context: dict[str, Any]) -> None:
    data, sim = context["data"], context["simulation"]
    h = histograms.spectrum(data, bins=(30, 13.5, 18.5))
    assert "goes from 13.5 to 18.5" in check("01.histogram", h, display=False).message
    h = histograms.spectrum(data[data.zenith < 10], bins=(30, 14, 18))
    assert "Fill it with all the showers" in check("01.histogram", h, display=False).message
    counts, edges = np.histogram(ak.to_numpy(data.lgNe), bins=30, range=(14, 18))
    assert check("01.histogram", (counts, edges), display=False).passed is False
    counts, edges = np.histogram(ak.to_numpy(data.lgE), bins=30, range=(14, 18))
    assert check("01.histogram", (counts, edges), display=False).passed  # numpy histograms count too
    assert check("01.histogram", (counts, edges, None), display=False).passed  # plt.hist's (n, bins, patches)
    assert "header line" in check("01.count", len(data) + 1, display=False).message
    assert "median" in check("01.mean_energy", float(np.median(ak.to_numpy(data.lgE))), display=False).message
    assert "Cuts(zenith_max_deg=30)" not in check("02.zenith_cut", Cuts(zenith_max_deg=30), display=False).message
    assert "18°" in check("02.zenith_cut", Cuts(zenith_max_deg=30), display=False).message
    assert check("02.zenith_cut", Cuts(zenith_max_deg=18), display=False).passed
    assert check("02.zenith_cut", ak.to_numpy(data.zenith) <= 18, display=False).passed  # a True/False mask
    assert "inclined" in check("02.zenith_cut", data[data.zenith > 18], display=False).message
    assert "cut at zenith < 10°" in check("02.zenith_cut", data[data.zenith <= 10], display=False).message
    assert "same energy" in check("02.muon_shift", _shift(sim, "lgNmu", cut=False), display=False).message
    assert "electron numbers" in check("02.muon_shift", _shift(sim, "lgNe"), display=False).message
    assert "subtracted" in check("03.ratio", data.lgNe - data.lgNmu, display=False).message
    assert "has 10 values" in check("03.ratio", np.ones(10), display=False).message
    assert check("03.mu", _proton_fit(context), display=False).passed  # the FitResult itself is accepted
    fe = fit_gauss(histograms.ratio(sim[sim.primary == "Fe"]))
    assert "iron" in check("03.mu", fe["Mean"], display=False).message
    assert check("03.lighter", " Proton ", display=False).passed
    assert "natural logarithm" in check("04.lnA_iron", math.log10(56), display=False).message
    assert "mass number A itself" in check("04.lnA_iron", 56, display=False).message
    assert "percent" in check("05.accuracy", 100 * _accuracy(context), display=False).message


@pytest.mark.shared_data
def test_knee_hints_name_the_unit(context: dict[str, Any]) -> None:
    knee = _knee(context)
    assert "GeV" in check("04.knee", knee.E_knee_PeV * 1e6, display=False).message
    assert "lg(E/eV)" in check("04.knee", 15 + math.log10(knee.E_knee_PeV), display=False).message
    assert check("04.knee", knee, display=False).passed  # the KneeResult itself
    assert "negative" in check("04.gamma2", -knee.gamma2, display=False).message


def test_missing_context_says_what_to_run() -> None:
    exercises.clear()
    result = check("02.falls", 50.0, display=False)
    assert not result.passed and "exercises.use(data=...)" in result.message


def test_wrong_kind_of_context_is_friendly() -> None:
    exercises.use(data=[1, 2, 3])
    assert "showers read with kcdc_hep.read" in check("01.count", 3, display=False).message
    exercises.use(data=ak.Array({"lgE": [15.0, 15.1]}))  # a file without zenith
    assert "needs the column(s) zenith" in check("02.zenith_cut", 1, display=False).message


def test_unknown_exercise_suggests_the_closest() -> None:
    result = check("02.spectrun", 1, display=False)
    assert not result.passed and "'02.falls'" not in result.message
    assert "did you mean" in result.message
    with pytest.raises(ExerciseError, match="no exercise"):
        exercises.exercise("99.nothing")
    assert "did you mean" in exercises.hint("1.count", display=False)


def test_check_result_is_frozen_and_printed_outside_notebooks(capsys: pytest.CaptureFixture[str]) -> None:
    result = check("04.lnA_iron", math.log(56))
    out = capsys.readouterr().out
    assert "Well done" in out and "04.lnA_iron" in out
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.passed = False  # type: ignore[misc]
    data, metadata = result._mimebundle()
    assert metadata == {"kcdc_hep_check": {"exercise": "04.lnA_iron", "passed": True}}
    assert "[kcdc_hep check 04.lnA_iron: passed]" in data["text/plain"]


def test_solutions_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "for tutors" in exercises.solution("04.lnA_iron", display=False)
    monkeypatch.setenv("KCDC_HEP_SOLUTIONS", "1")
    assert exercises.solutions_enabled()
    result = check("04.lnA_iron", 2.0, display=False)
    assert result.solution == "answer = np.log(56)"
    assert "Solution (tutor mode)" in result.text() and "np.log(56)" in result.html()
    assert exercises.solution("04.lnA_iron", display=False) == "answer = np.log(56)"
    exercises.solutions(False)  # the function overrides the environment
    assert check("04.lnA_iron", 2.0, display=False).solution is None
    monkeypatch.delenv("KCDC_HEP_SOLUTIONS")
    exercises.solutions(True)
    assert check("04.lnA_iron", 2.0, display=False).solution is not None


def test_every_exercise_has_task_hint_and_solution() -> None:
    for ex in exercises.EXERCISES.values():
        assert ex.task and ex.hint and ex.solution and ex.title
        assert exercises.task(ex.id, display=False) == ex.task
        assert exercises.hint(ex.id, display=False) == ex.hint


# ============================================================================================ class summary
def _saved_notebook(path: Path, outcomes: list[tuple[str, bool]], *, marker_only: bool = False) -> Path:
    """A notebook as a student would save it: one check cell per outcome, outputs as check() displays them."""
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_markdown_cell("# 02 · Data analysis"))
    for ex_id, passed in outcomes:
        result = CheckResult(ex_id, passed, "message")
        data, metadata = result._mimebundle()
        cell = nbformat.v4.new_code_cell(f'answer = 1\ncheck("{ex_id}", answer)')
        if marker_only:  # as printed text (e.g. a check run outside IPython's display)
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=data["text/plain"] + "\n")]
        else:
            cell.outputs = [nbformat.v4.new_output("display_data", data=data, metadata=metadata)]
        nb.cells.append(cell)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def test_class_summary_of_two_students(tmp_path: Path) -> None:
    alice = _saved_notebook(tmp_path / "alice" / "02_data_analysis.ipynb",
                            [("02.zenith_cut", False), ("02.zenith_cut", True), ("02.falls", True)])  # fmt: skip
    alice_03 = _saved_notebook(tmp_path / "alice" / "03_particle_mass.ipynb", [("03.mu", False)])
    bob = _saved_notebook(tmp_path / "bob" / "02_data_analysis.ipynb",
                          [("02.falls", False), ("02.heavy_side", True)], marker_only=True)  # fmt: skip
    summary = exercises.class_summary([alice, alice_03, bob])
    assert summary.students == ("alice", "bob")
    assert summary.exercises == ("02.zenith_cut", "02.falls", "02.heavy_side", "03.mu")
    assert dict(summary.status["alice"]) == {"02.zenith_cut": "passed", "02.falls": "passed", "03.mu": "not yet"}
    assert dict(summary.status["bob"]) == {"02.falls": "not yet", "02.heavy_side": "passed"}
    assert summary.n_passed("alice") == 2 and summary.n_passed("bob") == 1
    text = str(summary)
    assert "alice" in text and "bob" in text and "✔" in text
    assert "<table>" in summary._repr_html_()
    rows = summary.rows()
    assert rows[1] == {"student": "bob", "02.zenith_cut": "", "02.falls": "not yet", "02.heavy_side": "passed",
                       "03.mu": "", "passed": 1}  # fmt: skip


def test_class_summary_names_and_unreadable_files(tmp_path: Path) -> None:
    a = _saved_notebook(tmp_path / "anna.ipynb", [("01.count", True)])
    b = _saved_notebook(tmp_path / "ben.ipynb", [("01.count", False)])
    broken = tmp_path / "carl.ipynb"
    broken.write_text("{ not json", encoding="utf-8")
    summary = exercises.class_summary([a, b, broken])
    assert summary.students == ("anna", "ben")  # one folder: the file names
    assert len(summary.problems) == 1 and "carl.ipynb" in summary.problems[0]
    named = exercises.class_summary([a, b], names={a: "Anna K.", b: "Ben L."})
    assert named.students == ("Anna K.", "Ben L.")
    assert "could not read" in str(summary)


def test_texts_and_checkers_pair_up_by_id() -> None:
    from kcdc_hep.classroom.exercises import catalog, checks

    assert list(catalog.ENGLISH) == list(exercises.EXERCISES)  # the catalog's order is the course order
    assert set(checks.CHECKERS) == set(catalog.ENGLISH)
    assert catalog.TEXTS["en"] is catalog.ENGLISH
    for ex_id, ex in exercises.EXERCISES.items():
        assert ex.title == catalog.ENGLISH[ex_id].title and ex.needs == checks.CHECKERS[ex_id].needs
