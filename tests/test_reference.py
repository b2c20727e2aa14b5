"""The published KASCADE spectra shipped as package data."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

import kcdc_hep
from kcdc_hep import reference
from kcdc_hep.errors import ArgumentError


def test_element_table_has_five_groups_and_their_sum():
    s = reference.published_element_spectra()
    assert s.groups == ("H", "He", "C", "Si", "Fe", "all")
    np.testing.assert_allclose(s.lgE_edges[[0, -1]], [15.15, 17.0])
    assert len(s.lgE_edges) == 21 and np.all(np.diff(s.lgE_edges) > 0)
    total = sum(s.flux[g] for g in ("H", "He", "C", "Si", "Fe"))
    np.testing.assert_allclose(total, s.flux["all"], rtol=0.01)
    assert np.all(s.stat["all"] < s.sys["all"])
    np.testing.assert_allclose(s.total_error("H"), np.hypot(s.stat["H"], s.sys["H"]))
    assert "2312.08279" in s.citation and s.unit == "m^-2 s^-1 sr^-1 GeV^-1"
    assert not s.flux["H"].flags.writeable
    with pytest.raises(ArgumentError, match="no group 'p'"):
        s.total_error("p")
    d = s.to_dict()
    json.dumps(d)
    assert d["groups"]["Fe"]["flux"][0] == pytest.approx(2.711e-14)


def test_a_group_as_flux_spectrum_for_the_knee_fit():
    s = reference.published_element_spectra()
    proton = s.flux_spectrum("H")
    np.testing.assert_allclose(np.log10(proton.energy_GeV) + 9, s.lgE_centers)
    np.testing.assert_array_equal(proton.flux, s.flux["H"])
    np.testing.assert_allclose(proton.flux_err_low, s.total_error("H"))
    np.testing.assert_allclose(np.log10(proton.energy_edges_GeV) + 9, s.lgE_edges)
    assert proton.label == "KASCADE 2024 H" and not proton.flux_err_high.flags.writeable
    knee = kcdc_hep.fit_knee(proton, model="sharp")
    assert knee.valid and 3 < knee.E_knee_PeV < 7 and knee.gamma2 < knee.gamma1  # the proton knee at about 5 PeV
    with pytest.raises(ArgumentError, match="no group 'p'"):
        s.flux_spectrum("p")


def test_mean_lnA_from_the_table():
    m = reference.published_mean_lnA()
    light = m.mean_lnA[m.lgE_centers < 15.9]
    assert np.all(np.abs(light - 1.0) < 0.2)  # about 1 from 1.4 to 8 PeV
    assert m.mean_lnA[-1] == pytest.approx(2.55, abs=0.01)  # about 2.5 at 100 PeV
    s = reference.published_element_spectra()
    A = {"H": 1, "He": 4, "C": 12, "Si": 28, "Fe": 56}
    by_hand = sum(s.flux[g][5] * math.log(a) for g, a in A.items()) / sum(s.flux[g][5] for g in A)
    assert m.mean_lnA[5] == pytest.approx(by_hand)
    assert np.all((m.stat > 0) & (m.sys > m.stat))


def test_all_particle_2005_is_the_knee_spectrum():
    spec = reference.published_all_particle()
    assert len(spec.energy_GeV) == 18 and spec.label == "KAS_QGSjet01_all"
    knee = kcdc_hep.fit_knee(spec, sharpness=10.0)
    assert 3.0 < knee.E_knee_PeV < 5.0
    assert knee.gamma1 == pytest.approx(-2.7, abs=0.1) and knee.gamma2 == pytest.approx(-3.1, abs=0.1)


def test_citations_and_missing_file():
    assert "Astropart. Phys. 24 (2005) 1" in reference.ALL_PARTICLE_CITATION
    assert "741" in reference.KCDC_CITATION
    assert reference.GROUP_ELEMENTS["H"] == "p"
    with pytest.raises(ArgumentError, match=r"kascade_2024_element_spectra\.csv"):
        reference.data_path("nothing.csv")


@pytest.mark.shared_data
def test_packaged_tables_are_the_shared_reference_files(shared_data):  # type: ignore[no-untyped-def]
    for name in ("kascade_2024_element_spectra.csv", "kascade_2005_qgsjet01_all_particle_flux.txt"):
        assert reference.data_path(name).read_bytes() == (shared_data / name).read_bytes()
