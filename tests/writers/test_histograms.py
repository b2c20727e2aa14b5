"""write_histograms: hist histograms become ROOT TH1D/TH2D with Sumw2, atomically and never over an existing file."""

from __future__ import annotations

from pathlib import Path

import hist
import numpy as np
import pytest

from kcdc_hep.errors import ArgumentError, OutputExistsError
from kcdc_hep.writers import write_histograms


@pytest.fixture
def histograms(rng: np.random.Generator) -> dict[str, hist.Hist]:
    energy = hist.axis.Regular(20, 14.0, 18.0, name="lgE", label="lg(E/eV)")
    counts = hist.Hist(energy, name="data: energy spectrum").fill(rng.normal(15.0, 1.0, 1000))  # some overflow
    sizes = hist.Hist(
        hist.axis.Regular(10, 2.0, 8.0, label="lg(Ne)"), hist.axis.Variable([2.0, 3.0, 5.0, 6.5], label="lg(Nmu)"),
        storage=hist.storage.Double(),
    ).fill(rng.uniform(2, 8, 500), rng.uniform(2, 6.5, 500))  # fmt: skip
    weighted = hist.Hist(energy, storage=hist.storage.Weight()).fill(rng.uniform(14, 18, 100), weight=0.5)
    return {"spectrum": counts, "sizes": sizes, "weighted": weighted}


def test_histograms_round_trip_with_sumw2(histograms: dict[str, hist.Hist], tmp_path: Path) -> None:
    import uproot

    path = write_histograms(histograms, tmp_path / "h.root")
    assert path == tmp_path / "h.root" and sorted(p.name for p in tmp_path.iterdir()) == ["h.root"]
    with uproot.open(path) as f:
        assert {k: f[k].classname for k in f.keys(cycle=False)} == {
            "spectrum": "TH1D",
            "sizes": "TH2D",
            "weighted": "TH1D",
        }
        spectrum = f["spectrum"]
        want = histograms["spectrum"].values(flow=True)
        np.testing.assert_array_equal(spectrum.values(flow=True), want)
        np.testing.assert_array_equal(spectrum.variances(flow=True), want)  # Poisson: Sumw2 = counts
        assert want[0] + want[-1] > 0  # under- and overflow are kept
        assert spectrum.title == "data: energy spectrum"
        assert spectrum.axis().member("fTitle") == "lg(E/eV)"
        assert spectrum.member("fEntries") == 1000
        np.testing.assert_array_equal(f["sizes"].axes[1].edges(), [2.0, 3.0, 5.0, 6.5])
        np.testing.assert_array_equal(f["sizes"].values(), histograms["sizes"].values())
        np.testing.assert_allclose(f["weighted"].variances(flow=True), histograms["weighted"].variances(flow=True))


def test_existing_file_is_kept_unless_overwrite(histograms: dict[str, hist.Hist], tmp_path: Path) -> None:
    path = tmp_path / "h.root"
    path.write_text("old")
    with pytest.raises(OutputExistsError, match="overwrite"):
        write_histograms(histograms, path)
    assert path.read_text() == "old"
    write_histograms(histograms, path, overwrite=True)
    assert path.read_bytes()[:4] == b"root"


def test_histograms_root_cannot_hold_are_refused(tmp_path: Path) -> None:
    by_primary = hist.Hist(hist.axis.Regular(3, 0, 1), hist.axis.StrCategory(["p", "Fe"], name="primary"))
    with pytest.raises(ArgumentError, match="split category axes"):
        write_histograms({"maps": by_primary}, tmp_path / "h.root")
    mean = hist.Hist(hist.axis.Regular(3, 0, 1), storage=hist.storage.Mean())
    with pytest.raises(ArgumentError, match="Mean storage"):
        write_histograms({"profile": mean}, tmp_path / "h.root")
    assert not list(tmp_path.iterdir())  # nothing written, not even a temporary file
