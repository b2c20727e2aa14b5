"""Exercise checks accept every right answer and give each typical mistake its own hint, in English and German.

For EVERY exercise of :data:`kcdc_hep.classroom.exercises.EXERCISES` (a test fails if one is added without its
cases) the tests run:

- the official solution, executed from the catalog's solution text in one namespace, in course order, as the
  notebooks define it (``events``, ``vertical``, ``sim``, ``sim_vertical``, ``published``, ``spectra``, ``knees``,
  ``test``, ``classifier``);
- the answer typed at the precision the notebook prints (and one digit less, where that still has two significant
  digits);
- each alternative method a notebook or hint suggests (numpy/plt histograms, ``< 18`` and ``<= 18``, result records);
- a table of typical wrong answers, each with the words of the hint it must get;
- a list of garbage answers: no exception may escape to the student.
"""

from __future__ import annotations

import dataclasses
import math
import re
import string
from collections.abc import Callable
from pathlib import Path
from typing import Any

import awkward as ak
import matplotlib
import nbformat
import numpy as np
import pytest

import kcdc_hep
from kcdc_hep import histograms
from kcdc_hep.classroom import exercises
from kcdc_hep.classroom.exercises import CheckResult, check
from kcdc_hep.classroom.exercises.checks import agrees
from kcdc_hep.errors import ExerciseError
from kcdc_hep.fits import fit_gauss, fit_knee
from kcdc_hep.selections import Cuts
from kcdc_hep.simulation.generator import simulate

matplotlib.use("Agg")
EQUAL = {"p": 1, "He": 1, "C": 1, "Si": 1, "Fe": 1}


@pytest.fixture(scope="module")
def showers() -> dict[str, Any]:
    """Showers, the published spectrum and a trained classifier, as a notebook would hand them to exercises.use."""
    from kcdc_hep.reference import published_all_particle, published_element_spectra

    data = simulate(40_000, seed=7, kind="data")
    sim = simulate(30_000, seed=8, kind="simulation", composition=EQUAL)
    pytest.importorskip("sklearn")
    from kcdc_hep import ml

    train, test = ml.split(sim, seed=1)  # not balanced: 2 light to 3 heavy, so the baseline is 0.6
    return {"data": data, "simulation": sim, "test": test, "classifier": ml.train_classifier(train, max_events=5_000),
            "spectrum": published_all_particle(), "elements": published_element_spectra()}  # fmt: skip


@pytest.fixture
def context(showers: dict[str, Any]) -> dict[str, Any]:
    return dict(showers)


@pytest.fixture(autouse=True)
def _fresh_state(context: dict[str, Any]) -> Any:
    exercises.clear()
    exercises.use(**context)
    exercises.language("en")
    yield
    exercises.clear()
    exercises.language("en")  # also sets the figures back to English
    exercises.solutions(False)
    exercises._solutions_override = None


@pytest.fixture(scope="module")
def solved(showers: dict[str, Any]) -> dict[str, Any]:
    """The answer of every official solution: each catalog solution executed in one notebook-like namespace."""
    from kcdc_hep import ml

    ns: dict[str, Any] = {"np": np, "kcdc_hep": kcdc_hep, "histograms": histograms, "ml": ml,
                          "events": showers["data"], "vertical": showers["data"], "sim": showers["simulation"],
                          "sim_vertical": showers["simulation"], "published": showers["spectrum"],
                          "test": showers["test"], "classifier": showers["classifier"],
                          "spectra": showers["elements"], "knees": {"p": _element_knee(showers, "H"),
                                                                    "He": _element_knee(showers, "He")}}  # fmt: skip
    answers = {}
    for ex_id, ex in exercises.EXERCISES.items():
        exec(ex.solution, ns)  # the solution text exactly as the catalog (and the tutor's kit) shows it
        answers[ex_id] = ns.pop("answer")
    return answers


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


def _element_knee(ctx: dict[str, Any], group: str) -> Any:
    """The sharp knee fit of one group of the published element spectra, as notebook 04 makes it."""
    return fit_knee(ctx["elements"].flux_spectrum(group), model="sharp")


def _pev(ctx: dict[str, Any], group: str, *, printed: bool = False) -> float:
    """The knee energy of a group in PeV, exact or as notebook 04 prints it (three significant digits)."""
    value = _element_knee(ctx, group).E_knee_PeV
    return float(f"{value:.3g}") if printed else value


def _labels(ctx: dict[str, Any]) -> np.ndarray:
    from kcdc_hep import ml

    return ml.mass_labels(ctx["test"])[0]


def _evaluation(ctx: dict[str, Any]) -> Any:
    from kcdc_hep import ml

    return ml.evaluate(ctx["classifier"], ctx["test"])


def _heavy(ctx: dict[str, Any]) -> float:
    return float(np.mean(ctx["classifier"].is_heavy(ctx["data"])))


Answer = Callable[[dict[str, Any]], Any]


def _plt_hist(values: np.ndarray) -> Any:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    out = ax.hist(values, bins=30, range=(14, 18))
    plt.close(fig)
    return out


def _hist_by_hand(values: np.ndarray) -> Any:
    import hist

    return hist.Hist.new.Reg(30, 14, 18).Double().fill(values)


#: exercise id → the value the notebook prints, as a student would type it (each must pass)
PRINTED: dict[str, list[Answer]] = {
    "01.count": [lambda c: len(c["data"])],
    "01.mean_energy": [lambda c: round(float(np.mean(_col(c["data"], "lgE"))), 2),
                       lambda c: round(float(np.mean(_col(c["data"], "lgE"))), 3)],
    "01.histogram": [],
    "02.zenith_cut": [lambda c: int(np.count_nonzero(_col(c["data"], "zenith") <= 18))],
    "02.falls": [lambda c: round(_falls(c["data"]), 1), lambda c: float(f"{_falls(c['data']):.2g}")],
    "02.muon_shift": [lambda c: round(_shift(c["simulation"], "lgNmu"), 2)],
    "02.heavy_side": [],
    "03.ratio": [],
    "03.mu": [lambda c: float(f"{_proton_fit(c)['Mean']:.6g}"), lambda c: round(_proton_fit(c)["Mean"], 3)],
    "03.sigma": [lambda c: float(f"{_proton_fit(c)['Sigma']:.6g}"), lambda c: round(_proton_fit(c)["Sigma"], 3)],
    "03.lighter": [],
    "04.knee": [lambda c: float(f"{_knee(c).E_knee_PeV:.3g}"), lambda c: round(_knee(c).E_knee_PeV, 1)],
    "04.gamma2": [lambda c: round(_knee(c).gamma2, 3), lambda c: round(_knee(c).gamma2, 2)],
    "04.lnA_iron": [lambda c: 4.03, lambda c: 4.0254],
    "04.mean_lnA": [lambda c: 1.61, lambda c: 1.6],
    "04.proton_knee": [lambda c: round(_pev(c, "H"), 1), lambda c: round(15 + math.log10(_pev(c, "H")), 2),
                       lambda c: 5, lambda c: 15.7, lambda c: 4, lambda c: 6.5],  # readings off the figure
    "04.knee_ratio": [lambda c: _pev(c, "He", printed=True) / _pev(c, "H", printed=True),
                      lambda c: round(_pev(c, "He") / _pev(c, "H"), 2),
                      lambda c: round(_pev(c, "He") / _pev(c, "H"), 1)],
    "04.iron_knee": [lambda c: 26 * _pev(c, "H", printed=True), lambda c: round(26 * _pev(c, "H"))],
    "04.light_falls": [],
    "05.baseline": [lambda c: round(max(_labels(c).mean(), 1 - _labels(c).mean()), 2)],
    "05.accuracy": [lambda c: round(_evaluation(c).accuracy, 3), lambda c: round(_evaluation(c).accuracy, 2)],
    "05.heavy_data": [lambda c: round(_heavy(c), 3), lambda c: round(_heavy(c), 2)],
}  # fmt: skip

#: exercise id → the other right methods a notebook or a hint suggests (each must pass)
ALTERNATIVES: dict[str, list[Answer]] = {
    "01.count": [lambda c: len(c["data"]["lgE"]), lambda c: int(ak.num(c["data"], axis=0))],
    "01.mean_energy": [lambda c: ak.mean(c["data"]["lgE"]), lambda c: c["data"]["lgE"].to_numpy().mean(),
                       lambda c: np.mean(c["data"]["lgE"].to_numpy().astype(np.float32))],
    "01.histogram": [lambda c: np.histogram(_col(c["data"], "lgE"), bins=30, range=(14, 18)),
                     lambda c: np.histogram(_col(c["data"], "lgE"), bins=np.linspace(14, 18, 31)),
                     lambda c: _plt_hist(_col(c["data"], "lgE")), lambda c: _hist_by_hand(_col(c["data"], "lgE"))],
    "02.zenith_cut": [lambda c: c["data"][c["data"].zenith < 18], lambda c: _col(c["data"], "zenith") <= 18,
                      lambda c: Cuts(zenith_max_deg=18), lambda c: c["data"][c["data"]["zenith"] <= 18.0]],
    "02.falls": [lambda c: np.count_nonzero((c["data"].lgE >= 15) & (c["data"].lgE < 15.5))
                 / np.count_nonzero((c["data"].lgE >= 16) & (c["data"].lgE < 16.5))],
    "02.muon_shift": [lambda c: _shift(c["simulation"], "lgNmu")],
    "02.heavy_side": [lambda c: "Above", lambda c: "above the line"],
    "03.ratio": [lambda c: np.asarray(c["data"].lgNe / c["data"].lgNmu),
                 lambda c: list(c["data"].lgNe / c["data"].lgNmu)],
    "03.mu": [lambda c: _proton_fit(c)], "03.sigma": [lambda c: _proton_fit(c)],
    "03.lighter": [lambda c: " Proton ", lambda c: "P"],
    "04.knee": [lambda c: _knee(c)], "04.gamma2": [lambda c: _knee(c)],
    "04.lnA_iron": [lambda c: math.log(56)], "04.mean_lnA": [lambda c: 0.4 * math.log(56)],
    "04.proton_knee": [lambda c: _element_knee(c, "H"), lambda c: np.float64(_pev(c, "H"))],
    "04.knee_ratio": [lambda c: np.float64(_pev(c, "He")) / _pev(c, "H")],
    "04.iron_knee": [lambda c: 26 * _pev(c, "H"), lambda c: np.array([26 * _pev(c, "H")])],
    "04.light_falls": [lambda c: "falls", lambda c: " Falls ", lambda c: "it decreases", lambda c: "fällt",
                       lambda c: "sinkt"],
    "05.baseline": [lambda c: np.bincount(_labels(c)).max() / len(_labels(c))],
    "05.accuracy": [lambda c: _evaluation(c)],
    "05.heavy_data": [lambda c: np.count_nonzero(c["classifier"].is_heavy(c["data"])) / len(c["data"])],
}  # fmt: skip

#: exercise id → typical wrong answers, each with words the hint for it must contain
WRONG: dict[str, list[tuple[Answer, str]]] = {
    "01.count": [(lambda c: len(c["data"].fields), "number of columns"), (lambda c: len(c["data"]) + 1, "header"),
                 (lambda c: len(c["data"]) - 10, "too small")],
    "01.mean_energy": [(lambda c: float(np.mean(_col(c["data"], "lgNe"))), "average of the column 'lgNe'"),
                       (lambda c: float(np.median(_col(c["data"], "lgE"))), "median"),
                       (lambda c: float(np.mean(10 ** _col(c["data"], "lgE"))), "in eV"),
                       (lambda c: round(float(np.mean(_col(c["data"], "lgE"))), 0), "not precise enough")],
    "01.histogram": [(lambda c: histograms.spectrum(c["data"], bins=(50, 14, 18)), "has 50 bins"),
                     (lambda c: histograms.spectrum(c["data"], bins=(30, 13.5, 18.5)), "goes from 13.5 to 18.5"),
                     (lambda c: histograms.spectrum(c["data"][c["data"].zenith < 10], bins=(30, 14, 18)),
                      "Fill it with all the showers"),
                     (lambda c: np.histogram(_col(c["data"], "lgNe"), bins=30, range=(14, 18)), "column 'lgNe'"),
                     (lambda c: np.histogram(1.01 * _col(c["data"], "lgE"), bins=30, range=(14, 18)), "Which values")],
    "02.zenith_cut": [(lambda c: c["data"][c["data"].zenith <= 40], "You cut at zenith ≤ 40°"),
                      (lambda c: c["data"][c["data"].zenith >= 18], "inclined"),
                      (lambda c: c["data"][c["data"].zenith > 18], "inclined"),
                      (lambda c: c["data"][c["data"].zenith <= 10], "You cut at zenith ≤ 10°"),
                      (lambda c: Cuts(zenith_max_deg=30), "30°")],
    "02.falls": [(lambda c: _falls(c["data"], inverse=True), "other way round"),
                 (lambda c: round(_falls(c["data"]), -1) + 30, "too large")],
    "02.muon_shift": [(lambda c: -_shift(c["simulation"], "lgNmu"), "iron minus proton"),
                      (lambda c: _shift(c["simulation"], "lgNmu", cut=False), "same energy"),
                      (lambda c: _shift(c["simulation"], "lgNe"), "electron numbers")],
    "02.heavy_side": [(lambda c: "below", "more or fewer muons"), (lambda c: "left", "'above' or 'below'")],
    "03.ratio": [(lambda c: c["data"].lgNmu / c["data"].lgNe, "divided muons by electrons"),
                 (lambda c: c["data"].lgNe - c["data"].lgNmu, "subtracted"), (lambda c: np.ones(10), "has 10 values")],
    "03.mu": [(lambda c: _proton_fit(c)["Sigma"], "That is σ"),
              (lambda c: fit_gauss(histograms.ratio(c["simulation"][c["simulation"].primary == "Fe"]))["Mean"],
               "iron")],
    "03.sigma": [(lambda c: _proton_fit(c)["Mean"], "That is μ"), (lambda c: _proton_fit(c)["Constant"], "height")],
    "03.lighter": [(lambda c: "Fe", "more muons"), (lambda c: "He", "'p' or 'Fe'")],
    "04.knee": [(lambda c: _knee(c).E_knee_PeV * 1e15, "in eV"), (lambda c: _knee(c).E_knee_PeV * 1e6, "GeV"),
                (lambda c: 15 + math.log10(_knee(c).E_knee_PeV), "lg(E/eV)"),
                (lambda c: float(round(_knee(c).E_knee_PeV)), "not precise enough")],
    "04.gamma2": [(lambda c: _knee(c).gamma1, "below the knee"), (lambda c: -_knee(c).gamma2, "negative"),
                  (lambda c: float(round(_knee(c).gamma2)), "not precise enough")],
    "04.lnA_iron": [(lambda c: np.log10(56), "base-10 logarithm"), (lambda c: 56, "mass number A itself"),
                    (lambda c: 26, "charge of iron"), (lambda c: np.log(26), "charge of iron")],
    "04.mean_lnA": [(lambda c: np.log(0.6 * 1 + 0.4 * 56), "averaged A first"),
                    (lambda c: 0.6 * 1 + 0.4 * 56, "average mass number"),
                    (lambda c: 0.4 * np.log10(56), "log10"), (lambda c: 0.5 * np.log(56), "50% iron")],
    "04.proton_knee": [(lambda c: _pev(c, "He"), "helium"), (lambda c: _pev(c, "H") * 1e15, "in eV"),
                       (lambda c: _pev(c, "H") * 1e6, "GeV"), (lambda c: 2.0, "too small"),
                       (lambda c: 15.3, "too small"), (lambda c: 30, "too large"), (lambda c: -5, "positive")],
    "04.knee_ratio": [(lambda c: _pev(c, "H") / _pev(c, "He"), "other way round"),
                      (lambda c: _pev(c, "He") - _pev(c, "H"), "subtracted"), (lambda c: 2, "charges predict"),
                      (lambda c: 4, "ratio of the masses"), (lambda c: 3.5, "too large")],
    "04.iron_knee": [(lambda c: 56 * _pev(c, "H"), "mass number"), (lambda c: _pev(c, "H"), "proton knee itself"),
                     (lambda c: 15 + math.log10(26 * _pev(c, "H")), "lg(E/eV)"),
                     (lambda c: 26e15 * _pev(c, "H"), "in eV"), (lambda c: 26e6 * _pev(c, "H"), "GeV"),
                     (lambda c: 100.0, "not precise enough"), (lambda c: 60.0, "too small")],
    "04.light_falls": [(lambda c: "rises", "go up or down"), (lambda c: "steigt", "go up or down"),
                       (lambda c: "stays the same", "'rises' or 'falls'")],
    "05.baseline": [(lambda c: min(_labels(c).mean(), 1 - _labels(c).mean()), "smaller class"),
                    (lambda c: 100 * max(_labels(c).mean(), 1 - _labels(c).mean()), "percent")],
    "05.accuracy": [(lambda c: c["classifier"].train_accuracy, "training showers"),
                    (lambda c: 100 * _evaluation(c).accuracy, "percent"),
                    (lambda c: _evaluation(c).baseline_accuracy, "baseline")],
    "05.heavy_data": [(lambda c: 1 - _heavy(c), "fraction called light"), (lambda c: 100 * _heavy(c), "percent"),
                      (lambda c: 1.5, "between 0 and 1")],
}  # fmt: skip


def test_every_exercise_has_all_its_cases() -> None:
    for table in (PRINTED, ALTERNATIVES, WRONG):
        assert set(table) == set(exercises.EXERCISES)
    notebooks = {e.notebook for e in exercises.EXERCISES.values()}
    assert notebooks == {"01", "02", "03", "04", "05"}


@pytest.mark.parametrize("exercise_id", list(exercises.EXERCISES))
def test_the_official_solution_passes(exercise_id: str, solved: dict[str, Any]) -> None:
    result = check(exercise_id, solved[exercise_id], display=False)
    assert result.passed, result.message
    assert result.exercise == exercise_id
    assert result.solution is None  # not in solutions mode


@pytest.mark.parametrize("exercise_id", list(exercises.EXERCISES))
def test_the_printed_value_and_every_suggested_method_pass(exercise_id: str, context: dict[str, Any]) -> None:
    for answer in [*PRINTED[exercise_id], *ALTERNATIVES[exercise_id]]:
        value = answer(context)
        result = check(exercise_id, value, display=False)
        assert result.passed, f"{value!r}: {result.message}"


@pytest.mark.parametrize("exercise_id", list(exercises.EXERCISES))
def test_each_typical_mistake_gets_its_own_hint(exercise_id: str, context: dict[str, Any]) -> None:
    for answer, words in WRONG[exercise_id]:
        value = answer(context)
        result = check(exercise_id, value, display=False)
        assert not result.passed, f"{value!r} passed"
        assert words in result.message, f"{value!r}: {result.message}"


def test_histogram_on_bin_edges_counts_either_way() -> None:
    """Showers exactly on a bin edge (14.4 = 14 + 3·4/30) fall on either side: both binnings pass."""
    edges = np.linspace(14, 18, 31)
    lgE = np.r_[np.repeat(edges[1:-1], 5), np.linspace(14.01, 17.99, 500), 18.0]
    exercises.use(data=ak.Array({"lgE": lgE}))
    assert check("01.histogram", histograms.spectrum(ak.Array({"lgE": lgE}), bins=(30, 14, 18)), display=False).passed
    assert check("01.histogram", np.histogram(lgE, bins=30, range=(14, 18)), display=False).passed
    shifted = np.histogram(lgE + 0.05, bins=30, range=(14, 18))
    assert not check("01.histogram", shifted, display=False).passed


def test_tolerance_rule() -> None:
    assert agrees(14.39, 14.3912) and agrees(0.77, 0.7734) and agrees(1.6, 1.6101) and agrees(80, 79.6)
    assert not agrees(5, 4.7712) and not agrees(-3, -3.09) and not agrees(14.4, 14.3912 + 0.06)
    assert agrees(0.5, 0.5012)  # 0.5 may be 0.50 as typed
    assert "not precise enough" in check("04.knee", 5, display=False).message  # the knee is at 4.77 PeV
    assert check("04.lnA_iron", 4, display=False).passed  # ln 56 = 4.03 is 4.0 to two significant digits


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


@pytest.mark.parametrize("exercise_id", list(exercises.EXERCISES))
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
        ("01.histogram", "hello", "asks for a histogram"),
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


def test_missing_context_says_what_to_run() -> None:
    exercises.clear()
    result = check("02.falls", 50.0, display=False)
    assert not result.passed and "exercises.use(data=...)" in result.message
    assert "exercises.use(elements=...)" in check("04.proton_knee", 5, display=False).message


def test_proton_knee_accepts_a_reading_off_the_figure(context: dict[str, Any]) -> None:
    """A reading within a factor 10**0.25 of the fitted knee passes, in PeV or as lg(E/eV); farther ones do not."""
    lg = 15 + math.log10(_pev(context, "H"))
    for offset in (-0.24, 0.0, 0.24):
        assert check("04.proton_knee", round(lg + offset, 3), display=False).passed
        assert check("04.proton_knee", 10 ** (lg + offset - 15), display=False).passed
    for offset in (-0.3, 0.3):
        assert not check("04.proton_knee", round(lg + offset, 3), display=False).passed
        assert not check("04.proton_knee", 10 ** (lg + offset - 15), display=False).passed


def test_iron_knee_says_whether_it_lies_inside_the_spectra(context: dict[str, Any]) -> None:
    """The praise computes where 26 × the proton knee lies: above the table's 100 PeV, or inside a longer table."""
    message = check("04.iron_knee", 26 * _pev(context, "H"), display=False).message
    assert "above the highest energy of the KASCADE table (100 PeV)" in message
    spectra = context["elements"]
    longer = dataclasses.replace(spectra, lgE_edges=np.r_[spectra.lgE_edges[:-1], 17.3])  # last bin to 200 PeV
    exercises.use(elements=longer)
    fe = 26 * fit_knee(longer.flux_spectrum("H"), model="sharp").E_knee_PeV
    assert "inside the KASCADE table" in check("04.iron_knee", fe, display=False).message


def test_light_falls_is_read_from_the_spectra_in_use(context: dict[str, Any]) -> None:
    """The expected word comes from the data: with a proton flux that grows with energy, 'rises' is right."""
    spectra = context["elements"]
    growing = {**spectra.flux, "H": 20 * np.asarray(spectra.flux["Fe"])}  # Fe rises in E^2.7: p + He now gain
    exercises.use(elements=dataclasses.replace(spectra, flux=growing))
    assert check("04.light_falls", "rises", display=False).passed
    result = check("04.light_falls", "falls", display=False)
    assert not result.passed and "go up or down" in result.message
    exercises.use(elements="not spectra")
    assert "published_element_spectra()" in check("04.light_falls", "falls", display=False).message


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
    assert metadata == {"kcdc_hep_check": {"exercise": "04.lnA_iron", "passed": True, "answered": True}}
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


def test_running_an_unanswered_cell_is_not_trying(tmp_path: Path) -> None:
    """A student who only ran the cells with the ``...`` placeholder has not tried: "·", not "✘"."""
    untouched = check("01.count", ..., display=False)
    assert not untouched.answered and untouched.outcome == "no answer"
    assert "[kcdc_hep check 01.count: no answer]" in untouched._mimebundle()[0]["text/plain"]
    nb = nbformat.v4.new_notebook()
    for result in (untouched, check("01.mean_energy", ..., display=False), check("01.mean_energy", 3.0, display=False)):
        data, metadata = result._mimebundle()
        cell = nbformat.v4.new_code_cell("check(...)")
        cell.outputs = [nbformat.v4.new_output("display_data", data=data, metadata=metadata)]
        nb.cells.append(cell)
    path = tmp_path / "dora.ipynb"
    nbformat.write(nb, path)
    summary = exercises.class_summary([path])
    assert summary.exercises == ("01.count", "01.mean_energy")
    assert dict(summary.status["dora"]) == {"01.mean_energy": "not yet"}  # 01.count: not tried
    assert "· not tried" in str(summary)


# ============================================================================================ languages
def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_message_in_every_language_with_the_same_placeholders() -> None:
    from kcdc_hep.classroom.exercises.messages import LANGUAGES, MESSAGES

    assert LANGUAGES == ("en", "de")
    for key, texts in MESSAGES.items():
        assert set(texts) == set(LANGUAGES), f"{key}: languages {sorted(texts)}"
        assert all(t.strip() for t in texts.values()), key
        assert _fields(texts["de"]) == _fields(texts["en"]), f"{key}: placeholders differ"


def test_every_message_a_check_uses_exists() -> None:
    from kcdc_hep.classroom.exercises import answers, checks
    from kcdc_hep.classroom.exercises.messages import MESSAGES

    used: set[str] = set()
    for module in (checks, answers, exercises):
        source = Path(module.__file__).read_text(encoding="utf-8")
        used |= set(re.findall(r'say\(\s*f?"([\w.]+)"', source))
    used |= {f"gauss.ok.{p}" for p in ("Mean", "Sigma")} | {f"gauss.other.{p}" for p in ("Mean", "Sigma")}
    used |= {"head.passed", "head.not_yet", "head.no_answer"}
    used |= {f"{p}.{u}" for p in ("knee", "iron") for u in ("ev", "gev", "lg")} | {"pknee.ev", "pknee.gev"}
    assert used - set(MESSAGES) == set()


def test_every_exercise_text_in_german() -> None:
    from kcdc_hep.classroom.exercises import catalog

    assert list(catalog.GERMAN) == list(catalog.ENGLISH)
    for ex_id, de in catalog.GERMAN.items():
        en = catalog.ENGLISH[ex_id]
        assert de.title and de.task and de.hint and de.title != en.title and de.task != en.task
        assert de.solution == en.solution  # the worked solution is code: one copy


def test_german_checks_speak_german(context: dict[str, Any]) -> None:
    exercises.language("de")
    result = check("01.count", len(context["data"].fields), display=False)
    assert "Zahl der Spalten" in result.message and "Noch nicht" in result.text()
    assert "Noch keine Antwort" in check("01.count", ..., display=False).message
    assert "Zeile" in exercises.hint("01.count", display=False)
    assert "Gut gemacht" in check("04.lnA_iron", math.log(56), display=False).text()
    assert "Text" in check("01.count", "drei", display=False).message
    from kcdc_hep import plotting

    assert plotting.language.current_language() == "de"  # the figures follow the exercises' language
    with pytest.raises(kcdc_hep.errors.ArgumentError, match="come in en, de"):
        exercises.language("fr")
