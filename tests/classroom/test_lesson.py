"""The notebook explorers: sliders where ipywidgets is there, one drawing otherwise; and what each one draws."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib
import pytest

matplotlib.use("Agg")

import awkward as ak
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import StepPatch

from kcdc_hep.classroom import lesson
from kcdc_hep.fits import read_flux_table
from kcdc_hep.simulation import simulate


def test_explore_shows_sliders_and_draws_the_start_values(monkeypatch: pytest.MonkeyPatch) -> None:
    ipywidgets = pytest.importorskip("ipywidgets")
    shown: list[Any] = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    monkeypatch.delenv("KCDC_HEP_WIDGETS", raising=False)
    monkeypatch.setenv("JPY_SESSION_NAME", "01_python_and_data.ipynb")  # a kernel JupyterLab started
    calls: list[float] = []

    def draw(zenith_max_deg: float = 18.0) -> None:
        calls.append(zenith_max_deg)

    lesson.explore(draw, zenith_max_deg=(2.0, 60.0, 2.0))
    assert len(shown) == 1 and isinstance(shown[0], ipywidgets.interactive)
    slider = shown[0].children[0]
    assert (slider.min, slider.max, slider.value) == (2.0, 60.0, 18.0)
    assert slider.style.description_width == "initial"  # the whole name, never "zenith_m…"
    assert calls == [18.0]  # drawn once with the start value
    slider.value = 30.0
    assert calls[-1] == 30.0  # moving the slider redraws
    shown[0].close_all()  # outside a kernel: close now, not at interpreter shutdown


@pytest.mark.parametrize("frontend", [False, True])
def test_explore_headless_draws_once_without_widgets(monkeypatch: pytest.MonkeyPatch, frontend: bool) -> None:
    """nbclient, nbconvert, prepare_class.sh: no front end, so plain figures (without KCDC_HEP_WIDGETS=0)."""
    shown: list[Any] = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    monkeypatch.delenv("KCDC_HEP_WIDGETS", raising=False)
    for name in ("JPY_SESSION_NAME", "VSCODE_PID", "COLAB_RELEASE_TAG"):
        monkeypatch.delenv(name, raising=False)
    if frontend:
        monkeypatch.setenv("JPY_SESSION_NAME", "x.ipynb")
    assert lesson.widgets_wanted() is frontend
    if not frontend:
        calls: list[float] = []
        lesson.explore(lambda cut=18.0: calls.append(cut), cut=(2.0, 60.0, 2.0))
        assert calls == [18.0] and shown == []


def test_explore_without_widgets_draws_once(monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[Any] = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    monkeypatch.setenv("KCDC_HEP_WIDGETS", "0")
    monkeypatch.setenv("JPY_SESSION_NAME", "x.ipynb")  # off wins over a front end
    calls: list[float] = []
    lesson.explore(lambda cut=18.0: calls.append(cut), cut=(2.0, 60.0, 2.0))
    assert calls == [18.0] and shown == []


# ============================================================================================ the ready-made explorers
EQUAL = {"p": 1, "He": 1, "C": 1, "Si": 1, "Fe": 1}


@pytest.fixture
def shown(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[Figure]]:
    """The figures the explorers show, each drawn once with its start values (no widgets, as in a headless run)."""
    monkeypatch.setenv("KCDC_HEP_WIDGETS", "0")
    figures: list[Figure] = []
    monkeypatch.setattr(plt, "show", lambda: figures.append(plt.gcf()))
    yield figures
    plt.close("all")


@pytest.fixture(scope="module")
def data() -> ak.Array:
    return simulate(20_000, seed=11, kind="data")


@pytest.fixture(scope="module")
def simulation() -> ak.Array:
    return simulate(20_000, seed=12, kind="simulation", composition=EQUAL)


def _one_figure(shown: list[Figure]) -> Any:
    """The single figure shown, rendered with Agg: not blank; its axes."""
    assert len(shown) == 1
    canvas = FigureCanvasAgg(shown[0])
    canvas.draw()
    assert np.asarray(canvas.buffer_rgba(), dtype=float)[..., :3].std() > 10, "the figure looks blank"
    return shown[0].axes


def _legend_texts(ax: Any) -> list[str]:
    return [t.get_text() for t in ax.get_legend().get_texts()]


def test_explore_spectrum_draws_the_start_binning(shown: list[Figure], data: ak.Array) -> None:
    lesson.explore_spectrum(data)
    ax, *_ = _one_figure(shown)
    assert ax.get_xlabel() == "energy lg(E/eV)" and ax.get_yscale() == "log"
    assert ax.get_ylabel() == "events / 0.1"  # 40 bins from 14 to 18
    stairs = [p for p in ax.patches if isinstance(p, StepPatch)]
    assert len(stairs) == 1 and len(stairs[0].get_data().values) == 40
    assert "KASCADE" in " ".join(t.get_text() for t in shown[0].findobj(matplotlib.text.Text))


def test_explore_zenith_cut_says_how_many_are_kept(shown: list[Figure], data: ak.Array) -> None:
    lesson.explore_zenith_cut(data)
    (ax, *_) = _one_figure(shown)
    kept = int(np.count_nonzero(ak.to_numpy(data.zenith) <= 18.0))
    assert ax.get_title() == f"kept {kept} of {len(data)} showers ({100 * kept / len(data):.0f}%)"
    assert _legend_texts(ax) == ["all showers", "zenith ≤ 18°"]


def test_explore_sizes_by_primary_draws_one_shape_per_primary(shown: list[Figure], simulation: ak.Array) -> None:
    lesson.explore_sizes_by_primary(simulation)
    (ax,) = _one_figure(shown)
    assert ax.get_xlabel() == "muons lg(N)" and ax.get_ylabel() == "fraction of showers per 0.1"
    assert ax.get_title() == "simulated showers with 15 ≤ lg(E/eV) < 15.5"
    assert [t.split()[0] for t in _legend_texts(ax)] == ["p", "He", "C", "Si", "Fe"]
    for step in ax.patches:  # each a shape: the fractions add up to 1
        assert np.sum(step.get_data().values) == pytest.approx(1.0)


def test_explore_ratio_fit_shows_the_proton_fit(shown: list[Figure], simulation: ak.Array) -> None:
    lesson.explore_ratio_fit(simulation)
    (ax,) = _one_figure(shown)
    assert ax.get_xlabel() == "lg(Ne) / lg(Nμ)"
    legend = " ".join(_legend_texts(ax))
    assert "simulated p, all energies" in legend and "μ =" in legend and "σ =" in legend


@pytest.mark.shared_data
def test_explore_knee_fits_the_published_spectrum(shown: list[Figure], shared_data: Path) -> None:
    spectrum = read_flux_table(shared_data / "kascade_2005_qgsjet01_all_particle_flux.txt")
    lesson.explore_knee(spectrum)
    (ax,) = _one_figure(shown)
    assert ax.get_xscale() == ax.get_yscale() == "log" and ax.get_xlabel() == "energy E [PeV]"
    assert any(t.startswith("knee fit: E$_{knee}$") for t in _legend_texts(ax))
    assert len(ax.lines) >= 2  # the fitted curve and the knee marker


def test_explore_threshold_shows_confusion_and_roc(shown: list[Figure], simulation: ak.Array) -> None:
    pytest.importorskip("sklearn")
    from kcdc_hep import ml

    train, test = ml.split(simulation, seed=1)
    classifier = ml.train_classifier(train, max_events=3_000)
    lesson.explore_threshold(classifier, test)
    left, right = _one_figure(shown)
    accuracy = ml.evaluate(classifier, test).accuracy
    assert left.get_title() == f"test showers: {100 * accuracy:.1f}% right"
    assert len(left.images) == 1 and left.get_xlabel() == "classifier says"
    assert _legend_texts(right)[-1] == "threshold 0.5"


def test_class_sample_prefers_the_workspace_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from kcdc_hep.provenance import provenance_of
    from kcdc_hep.simulation import samples

    monkeypatch.chdir(tmp_path)
    builtin = lesson.class_sample("sample1")
    assert builtin == samples.default_sample("sample1") and provenance_of(builtin).synthetic
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "sample1_data.txt").symlink_to(builtin)
    assert lesson.class_sample("sample1") == Path("data") / "sample1_data.txt"
    assert provenance_of(lesson.class_sample("sample1")).seed == 2940  # a link to a built-in sample stays synthetic


def test_work_folder_is_next_to_the_notebook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    assert lesson.work_folder() == Path("work") and (tmp_path / "work").is_dir()
    assert lesson.work_folder() == Path("work")  # again: no error
