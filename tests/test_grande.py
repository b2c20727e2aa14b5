"""KASCADE-Grande: its own fields from ROOT, HDF5 and KCDC ASCII, missing where Grande did not see the shower."""

from __future__ import annotations

from pathlib import Path

import awkward as ak
import numpy as np
import pytest

import kcdc_hep
from kcdc_hep import schema
from kcdc_hep.simulation import detector, simulate

#: KCDC's names in the Grande component and the fields they are.
KCDC_NAMES = {
    "Xc": "grande_core_x",
    "Yc": "grande_core_y",
    "Ze": "grande_zenith",
    "Az": "grande_azimuth",
    "Nch": "grande_lgNch",
    "Nmu": "grande_lgNmu",
    "Age": "grande_age",
}
#: Which events Grande saw (rows 1, 3 and 4 of 6), and its values for them.
SEEN = np.array([False, True, False, True, True, False])
#: (physical values: the readers check each quantity against its range)
GRANDE = {
    "Xc": np.array([-250.0, 10.5, 310.0]),
    "Yc": np.array([-420.0, 0.25, 120.0]),
    "Ze": np.array([12.0, 24.5, 33.0]),
    "Az": np.array([45.0, 180.5, 300.0]),
    "Nch": np.array([6.25, 6.75, 7.5]),
    "Nmu": np.array([5.25, 5.75, 6.5]),
    "Age": np.array([0.75, 1.0, 1.25]),
}
GENERAL = {"E": np.linspace(14, 16, 6), "Xc": np.full(6, -5.0), "Ze": np.full(6, 11.0), "Nmu": np.full(6, 3.5)}


def _grande_index() -> np.ndarray:
    return np.where(SEEN, np.cumsum(SEEN) - 1, -1).astype(np.int32)


def _check(events: ak.Array) -> None:
    """KASCADE's Xc, Ze, Nmu stay KASCADE's; Grande's are its own, missing (not zero) where it saw nothing."""
    np.testing.assert_array_equal(ak.to_numpy(events.core_x), GENERAL["Xc"])
    np.testing.assert_array_equal(ak.to_numpy(events.zenith), GENERAL["Ze"])
    np.testing.assert_array_equal(ak.to_numpy(events.lgNmu), GENERAL["Nmu"])
    for name, field in KCDC_NAMES.items():
        values = events[field]
        assert values.layout.is_option, field
        assert ak.to_numpy(ak.is_none(values)).tolist() == (~SEEN).tolist(), field
        assert ak.to_list(values[SEEN]) == GRANDE[name].tolist(), field


def test_from_root(tmp_path: Path) -> None:
    import uproot

    path = tmp_path / "events.root"
    with uproot.recreate(path) as f:
        f.mktree("KCDC", {k: v.dtype for k, v in GENERAL.items()}).extend(GENERAL)
        f.mktree("KCDCM", {"GrandeIdx": np.int32}).extend({"GrandeIdx": _grande_index()})
        f.mktree("Grande", {k: v.dtype for k, v in GRANDE.items()}).extend(GRANDE)
    _check(kcdc_hep.read(path))


def test_from_hdf5(tmp_path: Path) -> None:
    h5py = pytest.importorskip("h5py")
    path = tmp_path / "events.h5"
    with h5py.File(path, "w") as f:
        for name, values in GENERAL.items():
            f[f"KCDC/{name}"] = values
        f["KCDCM/GrandeIdx"] = _grande_index()
        for name, values in GRANDE.items():
            f[f"grande/{name.lower()}"] = values  # names are found case-insensitively
    _check(kcdc_hep.read(path))


def test_from_kcdc_ascii(tmp_path: Path) -> None:
    def table(name: str, columns: dict[str, np.ndarray]) -> None:
        rows = [" ".join(columns)] + [
            " ".join(f"{v[i]:g}" for v in columns.values()) for i in range(len(next(iter(columns.values()))))
        ]
        (tmp_path / name).write_text("\n".join(rows) + "\n")

    table("general.txt", GENERAL)
    table("grande.txt", GRANDE)
    table("row_mapping.txt", {"Array": np.full(6, -1), "Grande": _grande_index()})
    _check(kcdc_hep.read(tmp_path))


def test_written_and_read_back_in_every_kcdc_format(tmp_path: Path) -> None:
    pytest.importorskip("h5py")
    events = simulate(400, seed=3, kind="data", grande=True, lgE_range=(15.6, 17.0))
    for name in ("events.root", "events.h5", "events.parquet"):
        back = kcdc_hep.read(kcdc_hep.write(events, tmp_path / name))
        for field in schema.GRANDE_FIELDS:
            assert ak.to_list(back[field]) == ak.to_list(events[field]), (name, field)


# ------------------------------------------------------------------------------------------------ the model
@pytest.fixture(scope="module")
def showers() -> ak.Array:
    return simulate(20_000, seed=8, kind="simulation", grande=True, lgE_range=(15.4, 17.0))


def test_grande_sees_the_showers_above_ten_to_the_sixteen(showers: ak.Array) -> None:
    seen = ~ak.to_numpy(ak.is_none(showers.grande_core_x))
    lgE = ak.to_numpy(showers.lgE_true)
    for lo in (15.6, 15.9, 16.1, 16.4):
        sel = (lgE >= lo) & (lgE < lo + 0.1)
        expected = float(np.mean(detector.grande_efficiency(lgE[sel])))
        error = np.sqrt(expected * (1 - expected) / sel.sum()) + 1e-3
        assert seen[sel].mean() == pytest.approx(expected, abs=4 * error), lo
    assert seen[lgE < 15.5].mean() < 0.01 and seen[lgE > 16.6].mean() > 0.99
    for field in schema.GRANDE_FIELDS:  # all or nothing: Grande saw the event or it did not
        assert (ak.to_numpy(ak.is_none(showers[field])) == ~seen).all()


def _values(values: ak.Array) -> np.ndarray:
    return np.asarray(ak.to_numpy(ak.drop_none(values)))


def test_grande_has_its_own_reconstruction(showers: ak.Array) -> None:
    g = showers[~ak.is_none(showers.grande_core_x)]  # every Grande field is there (of option type)
    dx = _values(g.grande_core_x) - _values(g.core_x_true)
    assert np.std(dx) == pytest.approx(detector.GRANDE_CORE_SIGMA_M, rel=0.1)
    assert not np.array_equal(_values(g.grande_core_x), _values(g.core_x))  # not KASCADE's values
    lg_nch = np.log10(10 ** _values(g.lgNe_true) + 10 ** _values(g.lgNmu_true))
    assert np.std(_values(g.grande_lgNch) - lg_nch) == pytest.approx(detector.GRANDE_LGNCH_SIGMA, rel=0.1)
    assert np.std(_values(g.grande_lgNmu) - _values(g.lgNmu_true)) == pytest.approx(
        detector.GRANDE_LGNMU_SIGMA, rel=0.1
    )
    age = _values(g.grande_age)
    assert age.min() >= 0.1 and age.max() <= 1.48
    assert np.median(np.abs(_values(g.grande_zenith) - _values(g.zenith_true))) < 1.0


def test_grande_leaves_the_other_fields_as_they_were() -> None:
    plain = simulate(3000, seed=4, kind="data", stations=True)
    with_grande = simulate(3000, seed=4, kind="data", stations=True, grande=True)
    assert [f for f in with_grande.fields if f not in plain.fields] == list(schema.GRANDE_FIELDS)
    for field in plain.fields:
        assert ak.to_list(plain[field]) == ak.to_list(with_grande[field]), field
