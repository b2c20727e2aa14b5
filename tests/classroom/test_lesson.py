"""The notebook explorers: sliders where ipywidgets is there, one drawing otherwise."""

from __future__ import annotations

from typing import Any

import matplotlib
import pytest

matplotlib.use("Agg")

from kcdc_hep.classroom import lesson


def test_explore_shows_sliders_and_draws_the_start_values(monkeypatch: pytest.MonkeyPatch) -> None:
    ipywidgets = pytest.importorskip("ipywidgets")
    shown: list[Any] = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    monkeypatch.delenv("KCDC_HEP_WIDGETS", raising=False)
    calls: list[float] = []

    def draw(cut: float = 18.0) -> None:
        calls.append(cut)

    lesson.explore(draw, cut=(2.0, 60.0, 2.0))
    assert len(shown) == 1 and isinstance(shown[0], ipywidgets.interactive)
    slider = shown[0].children[0]
    assert (slider.min, slider.max, slider.value) == (2.0, 60.0, 18.0)
    assert calls == [18.0]  # drawn once with the start value
    slider.value = 30.0
    assert calls[-1] == 30.0  # moving the slider redraws
    shown[0].close_all()  # outside a kernel: close now, not at interpreter shutdown


def test_explore_without_widgets_draws_once(monkeypatch: pytest.MonkeyPatch) -> None:
    shown: list[Any] = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    monkeypatch.setenv("KCDC_HEP_WIDGETS", "0")
    calls: list[float] = []
    lesson.explore(lambda cut=18.0: calls.append(cut), cut=(2.0, 60.0, 2.0))
    assert calls == [18.0] and shown == []
