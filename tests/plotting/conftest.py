"""Fixtures of the figure tests: toy showers, and a check that a figure rendered with Agg is a real KASCADE figure."""

from __future__ import annotations

from collections.abc import Callable

import matplotlib

matplotlib.use("Agg")

import awkward as ak
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

#: wording of mplhep's LHC defaults that must never appear on a KASCADE figure
FORBIDDEN = ("LHC", "CMS", "ATLAS", "ALICE", "LHCb", "TeV", "fb$^{-1}$")


def _texts(fig: Figure) -> list[str]:
    """Every text of a figure: titles, labels, tick labels, legends, annotations."""
    FigureCanvasAgg(fig).draw()
    found = [t.get_text() for t in fig.findobj(matplotlib.text.Text)]
    return [t for t in found if t]


def _check_figure(fig: Figure) -> np.ndarray:
    """Render with Agg; the image must not be blank and no LHC wording may appear. Returns the RGBA pixels."""
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    pixels = np.asarray(canvas.buffer_rgba(), dtype=float)
    assert pixels[..., :3].std() > 10, "the figure looks blank"
    all_text = " ".join(_texts(fig))
    for word in FORBIDDEN:
        assert word not in all_text, f"{word!r} in the figure: {all_text!r}"
    assert "KASCADE" in all_text
    return pixels


@pytest.fixture
def texts() -> Callable[[Figure], list[str]]:
    """The function listing every text of a figure (after drawing it)."""
    return _texts


@pytest.fixture
def check_figure() -> Callable[[Figure], np.ndarray]:
    """The function rendering a figure and checking it is not blank, says KASCADE and never uses LHC wording."""
    return _check_figure


@pytest.fixture
def events(rng: np.random.Generator) -> ak.Array:
    """Toy showers: lgE falling like a power law, p and Fe with shifted sizes."""
    n = 20_000
    lgE = 15.0 + rng.exponential(1 / (1.7 * np.log(10)), n)
    heavy = rng.random(n) < 0.4
    ne = 4.9 + 1.2 * (lgE - 15) - 0.35 * heavy + rng.normal(0, 0.15, n)
    nmu = 4.0 + 0.92 * (lgE - 15) + 0.16 * heavy + rng.normal(0, 0.08, n)
    t0 = np.datetime64("2000-01-01T00:00:00", "ns").astype(np.int64)
    return ak.Array(
        {
            "lgE": lgE,
            "lgNe": ne,
            "lgNmu": nmu,
            "primary": np.where(heavy, "Fe", "p"),
            "time": (t0 + np.arange(n, dtype=np.int64) * 400_000_000_000).astype("datetime64[ns]"),
        }
    )
