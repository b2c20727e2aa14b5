"""The run() twin: argument checks, and the histogram accumulators that make chunked and Dask runs exact."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from kcdc_hep.analyses.example import HISTOGRAMS, make_example_input, run
from kcdc_hep.analyses.example.root_histograms import Accumulator, HistogramSpec, RootAxis
from kcdc_hep.errors import ArgumentError


@pytest.fixture(scope="module")
def events_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_example_input(tmp_path_factory.mktemp("example") / "events.root", n_events=1_500, seed=5)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"step_size": 0}, "step_size"),
        ({"workers": 2, "scheduler": "tcp://127.0.0.1:8786"}, "not both"),
        ({"workers": 0}, "workers must be a positive number"),
        ({"workers": True}, "workers must be a positive number"),
    ],
)
def test_bad_options_are_argument_errors(events_root: Path, tmp_path: Path, options: dict, match: str) -> None:
    with pytest.raises(ArgumentError, match=match):
        run(events_root, output=tmp_path / "out.root", progress=False, **options)
    assert not (tmp_path / "out.root").exists()


def test_a_folder_is_not_an_input(tmp_path: Path) -> None:
    (tmp_path / "general.txt").write_text("E Ne Nmu Ze\n14.9 4.5 4.0 18.2\n")
    with pytest.raises(ArgumentError, match="not a folder"):
        run(tmp_path, output=tmp_path / "out.root", progress=False)


def test_run_reports_the_tree_sizes(events_root: Path, tmp_path: Path) -> None:
    result = run(events_root, output=tmp_path / "out.root", step_size=400, progress=False)
    assert result.kcdc_entries == result.kcdcm_entries == 1_500
    assert 0 < result.calor_entries < result.array_entries < 1_500
    assert result.histograms == tuple(spec.name for spec in HISTOGRAMS)
    assert [p.name for p in tmp_path.iterdir()] == ["out.root"]  # written atomically: no temporary file left


def test_chunk_states_add_up_to_the_filled_histogram(rng: np.random.Generator) -> None:
    """Filling chunk by chunk, or adding the states of chunks filled elsewhere, gives the same bits."""
    spec = HistogramSpec("h2", "t;x;y", RootAxis(20, 0.0, 2.0), RootAxis.log_bins(0, 20, 10))
    here, there = Accumulator(spec), Accumulator(spec)
    for _ in range(5):
        x = rng.normal(1.0, 0.6, 1_000).astype(np.float32)
        y = 10 ** rng.normal(1.0, 0.5, 1_000)
        ix, iy = spec.x.bin_index(x), spec.y_axis.bin_index(y)
        here.fill(x, ix, y, iy)
        fresh = Accumulator(spec)
        fresh.fill(x, ix, y, iy)
        there.add(fresh.state())
    counts_here, entries_here, sums_here = here.state()
    counts_there, entries_there, sums_there = there.state()
    assert np.array_equal(counts_here, counts_there)
    assert entries_here == entries_there == 5_000
    assert sums_here == sums_there
    assert counts_here.sum() == 5_000  # every fill lands in a bin, under- and overflow included


def test_a_1d_histogram_has_no_y_axis() -> None:
    with pytest.raises(ArgumentError, match="not a 2-D histogram"):
        _ = HistogramSpec("h", "t;x;y", RootAxis(2, 0.0, 1.0)).y_axis


@pytest.mark.parametrize("axis", sorted({s.x for s in HISTOGRAMS} | {s.y for s in HISTOGRAMS if s.y}, key=repr))
def test_float32_bins_by_table_are_the_exact_bins(axis: RootAxis, rng: np.random.Generator) -> None:
    # many float32 values go through a table over their bit patterns; float64 ones (the same numbers, converted
    # exactly) through ROOT's FindFixBin arithmetic: both must give every value the same bin
    bits = rng.integers(0, 2**32, 2_000_000, dtype=np.uint64).astype(np.uint32)
    edges = np.asarray(axis.edges if axis.edges is not None else np.linspace(axis.low, axis.high, axis.bins + 1))
    at_edges = edges.astype(np.float32)
    values = np.concatenate(
        [
            bits.view(np.float32),  # every kind of float32: NaNs, infinities, subnormals, both signs
            at_edges,
            np.nextafter(at_edges, np.float32(np.inf)),
            np.nextafter(at_edges, np.float32(-np.inf)),
            np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 1e-45, -1e-45], dtype=np.float32),
            rng.uniform(axis.low - 1.0, axis.high + 1.0, 500_000).astype(np.float32),
        ]
    )
    got = axis.bin_index(values)
    with np.errstate(invalid="ignore"):  # signalling NaNs among the bit patterns
        exact = values.astype(np.float64)
    assert np.array_equal(got, axis.bin_index(exact))
    assert got.dtype == np.intp
