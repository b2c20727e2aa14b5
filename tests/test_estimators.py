"""The KCDC estimators reproduce the energy column of real KCDC files."""

from __future__ import annotations

import csv
from pathlib import Path

import awkward as ak
import numpy as np
import pytest

from kcdc_hep.errors import SchemaError
from kcdc_hep.estimators import attenuation_corrected_sizes, estimate_energy, estimate_lnA, excess_depth


def _read_sim_sample(folder: Path) -> dict[str, np.ndarray]:
    with (folder / "kcdc_sim_sample_2940.csv").open(newline="") as f:
        reader = csv.reader(f)
        header = next(reader)
        rows = np.array([[float(v) for v in row] for row in reader])
    return {name: rows[:, i] for i, name in enumerate(header)}


@pytest.mark.shared_data
def test_energy_reproduces_kcdc_simulation_export(shared_data: Path) -> None:
    table = _read_sim_sample(shared_data)
    assert len(table["lgE"]) == 2940
    lgE = estimate_energy(table["lgNe"], table["lgNmu"], table["Ze"])
    assert np.max(np.abs(lgE - table["lgE"])) < 5e-4


@pytest.mark.parametrize(
    ("lgNe", "lgNmu", "zenith", "lgE"),
    [
        (4.55575, 4.02881, 18.2060, 14.9335),  # sample 1 (KASCADE data, shortened)
        (3.53951, 3.26399, 17.5974, 14.1173),  # sample 2 (simulation, "co")
        (4.14543, 3.74844, 17.6646, 14.6197),  # sample 3 (KASCADE data)
    ],
)
def test_energy_reproduces_masterclass_slide_rows(lgNe: float, lgNmu: float, zenith: float, lgE: float) -> None:
    assert estimate_energy(lgNe, lgNmu, zenith) == pytest.approx(lgE, abs=1e-4)


def test_numpy_and_awkward_give_the_same_numbers(rng: np.random.Generator) -> None:
    lgNe = rng.uniform(3, 7, 100)
    lgNmu = rng.uniform(3, 6, 100)
    zenith = rng.uniform(0, 60, 100)
    expected = estimate_energy(lgNe, lgNmu, zenith)
    got = estimate_energy(ak.Array(lgNe), ak.Array(lgNmu), ak.Array(zenith))
    assert isinstance(got, ak.Array)
    np.testing.assert_allclose(ak.to_numpy(got), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(
        ak.to_numpy(estimate_lnA(ak.Array(lgNe), ak.Array(lgNmu), ak.Array(zenith))),
        estimate_lnA(lgNe, lgNmu, zenith),
        atol=1e-12,
    )


def test_correction_vanishes_at_mean_depth_of_the_sample() -> None:
    zenith = np.degrees(np.arccos(1 / 1.025))
    assert excess_depth(zenith) == pytest.approx(0.0, abs=1e-9)
    x, y = attenuation_corrected_sizes(5.0, 4.0, zenith)
    assert (x, y) == pytest.approx((5.0, 4.0))


def test_energy_rises_with_both_sizes() -> None:
    assert estimate_energy(5.1, 4.5, 10.0) > estimate_energy(5.0, 4.5, 10.0)
    assert estimate_energy(5.0, 4.6, 10.0) > estimate_energy(5.0, 4.5, 10.0)


def test_more_muons_for_the_same_electrons_means_heavier() -> None:
    assert estimate_lnA(5.0, 4.4, 10.0) > estimate_lnA(5.0, 4.2, 10.0)


@pytest.mark.parametrize("zenith", [-1.0, 90.0, 120.0, np.array([10.0, 95.0]), ak.Array([5.0, -3.0])])
def test_zenith_outside_0_90_degrees_is_refused(zenith: object) -> None:
    with pytest.raises(SchemaError, match="outside 0-90 deg"):
        estimate_energy(5.0, 4.0, zenith)


def test_nan_zenith_passes_through_as_nan() -> None:
    assert np.isnan(estimate_energy(5.0, 4.0, np.nan))
