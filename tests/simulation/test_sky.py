"""The element sky: fitted through the published KASCADE element spectra, knees by rigidity, sampling, re-weighting."""

from __future__ import annotations

import math

import numpy as np
import pytest

import kcdc_hep
from kcdc_hep.errors import ArgumentError
from kcdc_hep.fits import FluxSpectrum
from kcdc_hep.reference import GROUP_ELEMENTS, published_element_spectra, published_mean_lnA
from kcdc_hep.simulation.sky import (
    KASCADE_2024_SKY,
    ElementSky,
    ElementSpectrum,
    GenerationSpectrum,
    element_index,
    fit_element_sky,
)

SKY = KASCADE_2024_SKY
Z = {"p": 1, "He": 2, "C": 6, "Si": 14, "Fe": 26}


@pytest.fixture(scope="module")
def table():  # type: ignore[no-untyped-def]
    return published_element_spectra()


@pytest.fixture(scope="module")
def refit(table):  # type: ignore[no-untyped-def]
    flux = {GROUP_ELEMENTS[g]: table.flux[g] for g in GROUP_ELEMENTS}
    err = {GROUP_ELEMENTS[g]: table.total_error(g) for g in GROUP_ELEMENTS}
    return fit_element_sky(table.lgE_edges, flux, err, citation=table.citation)


def _bin_mean_flux(sky: ElementSky, edges: np.ndarray) -> np.ndarray:
    """Bin-averaged flux per element, (elements, bins), m^-2 s^-1 sr^-1 GeV^-1."""
    return sky.integrated_flux(edges) / np.diff(10.0 ** (edges - 9.0))


def test_cached_constants_are_the_fit_of_the_shipped_table(refit):  # type: ignore[no-untyped-def]
    grid = np.linspace(14.0, 18.0, 81)
    assert refit.elements == SKY.elements == ("p", "He", "C", "Si", "Fe")
    for new, kept in zip(refit.spectra, SKY.spectra, strict=True):
        assert new.knee_from == kept.knee_from
        np.testing.assert_allclose(new.flux(grid), kept.flux(grid), rtol=0.01)
    # the table fixes the proton and helium knees; C, Si, Fe take theirs by rigidity
    assert [s.knee_from for s in refit.spectra] == ["fit", "fit", "rigidity", "rigidity", "rigidity"]
    for f in refit.fits:  # stat+sys errors, partly correlated systematics: chi2/ndof below 1.5 for every element
        assert f.chi2 / f.ndof < 1.5, f


def test_each_element_follows_the_table(table):  # type: ignore[no-untyped-def]
    model = _bin_mean_flux(SKY, np.asarray(table.lgE_edges))
    for k, g in enumerate(GROUP_ELEMENTS):
        pull = (model[k] - table.flux[g]) / table.total_error(g)
        assert np.all(np.abs(pull) < 3.0), (g, pull.round(2))
        assert np.sum(pull**2) / len(pull) < 1.2, g


def test_sum_reproduces_the_all_particle_row_in_every_bin(table):  # type: ignore[no-untyped-def]
    total = _bin_mean_flux(SKY, np.asarray(table.lgE_edges)).sum(axis=0)
    pull = (total - table.flux["all"]) / table.total_error("all")
    # measured: every |pull| <= 1.02, chi2 = 5.6 for 20 bins (stat+sys; the systematics are correlated)
    assert np.all(np.abs(pull) < 1.5), pull.round(2)
    assert np.sum(pull**2) < 10.0


def test_all_particle_knee_near_4_PeV(table):  # type: ignore[no-untyped-def]
    # the bend of lg(E^2.7 J): 10^15.62 eV = 4.2 PeV
    assert 15.48 < SKY.knee_lgE() < 15.70
    # a smooth broken power law (fit_knee) through the sky's sum at the table's energies: 4.0 PeV, -2.51 / -3.04
    c = table.lgE_centers
    err = table.total_error("all")
    spec = FluxSpectrum(energy_GeV=10.0 ** (c - 9.0), flux=SKY.all_particle(c), flux_err_low=err, flux_err_high=err)
    knee = kcdc_hep.fit_knee(spec, sharpness=10.0)
    assert 3.0 < knee.E_knee_PeV < 5.0
    assert knee.gamma1 > knee.gamma2 + 0.3


def test_mean_lnA_is_light_below_8_PeV_and_heavy_at_100_PeV():
    # measured: 0.90-0.95 from 1.4 to 4.5 PeV, 1.28 at 8 PeV; 2.71 at 100 PeV (table: 0.91-1.17, 2.55)
    assert np.all(np.abs(SKY.mean_lnA(np.linspace(15.15, 15.9, 16)) - 1.0) < 0.3)
    assert abs(float(SKY.mean_lnA(17.0)) - 2.5) < 0.3
    assert np.all(np.diff(SKY.mean_lnA(np.linspace(15.7, 17.0, 27))) > 0)  # heavier and heavier above the knee
    published = published_mean_lnA()
    err = np.hypot(published.stat, published.sys)
    assert np.all(np.abs(SKY.mean_lnA(published.lgE_centers) - published.mean_lnA) < 2.0 * err)


def test_knee_energy_grows_with_the_charge(refit):  # type: ignore[no-untyped-def]
    knees = {s.element: s.lgE_knee for s in SKY.spectra}
    assert sorted(knees, key=knees.__getitem__) == ["p", "He", "C", "Si", "Fe"]
    for el in ("C", "Si", "Fe"):  # by rigidity
        assert knees[el] - knees["p"] == pytest.approx(math.log10(Z[el]), abs=1e-3)
    # the fitted helium knee is compatible with twice the proton knee (measured 2.8x, 1.2 sigma)
    err = {f.element: f.errors for f in refit.fits}
    ratio = knees["He"] - knees["p"]
    sigma = math.hypot(err["p"]["lgE_knee"], err["He"]["lgE_knee"])
    assert abs(ratio - math.log10(2)) < 2.0 * sigma
    # outside the table every element keeps falling: below as E^gamma1, above softer by its own rigidity
    for s in SKY.spectra:
        assert -2.9 < s.gamma1 < -2.2 and s.delta_gamma < -0.5


def test_sample_follows_the_sky(rng):  # type: ignore[no-untyped-def]
    edges = np.linspace(14.5, 16.5, 11)
    lgE, prim = SKY.sample(rng, 400_000, (14.5, 16.5))
    expected = SKY.integrated_flux(edges)
    expected = expected / expected.sum() * len(lgE)
    for k, el in enumerate(SKY.elements):
        counts = np.histogram(lgE[prim == el], edges)[0]
        chi2 = np.sum((counts - expected[k]) ** 2 / expected[k])
        assert chi2 < 10 + 5 * math.sqrt(20), (el, chi2)


def test_generated_library_reweights_to_the_sky(rng):  # type: ignore[no-untyped-def]
    gen = GenerationSpectrum.equal_numbers(200_000, index=-2.0, lgE_range=(14.0, 18.0))
    lgE, prim = gen.sample(rng)
    assert [int(np.sum(prim == el)) for el in gen.elements] == [200_000] * 5
    edges = np.linspace(14.0, 18.0, 9)
    np.testing.assert_allclose(gen.expected_thrown(edges).sum(axis=1), 200_000)
    exposure = 3.0e9  # m^2 s sr
    w = gen.weights_to(SKY, lgE, prim, exposure_m2_s_sr=exposure)
    expected = exposure * SKY.integrated_flux(edges)
    pulls = []
    for k, el in enumerate(gen.elements):
        sel = prim == el
        sumw = np.histogram(lgE[sel], edges, weights=w[sel])[0]
        sumw2 = np.histogram(lgE[sel], edges, weights=w[sel] ** 2)[0]
        pulls.append((sumw - expected[k]) / np.sqrt(sumw2))
    pulls_a = np.concatenate(pulls)
    assert np.all(np.abs(pulls_a) < 4.0)
    assert abs(pulls_a.mean()) < 0.6 and 0.5 < pulls_a.std() < 1.5


def test_weights_of_events_outside_the_library_are_zero():
    gen = GenerationSpectrum.equal_numbers(10, elements=("p", "Fe"))
    w = gen.weights_to(SKY, [13.0, 15.0, 15.0], ["p", "fe", "p"])
    assert w[0] == 0.0 and np.all(w[1:] > 0)
    with pytest.raises(ArgumentError, match="not one of the elements"):
        gen.weights_to(SKY, [15.0], ["He"])


def test_bad_arguments_say_what_to_do():
    with pytest.raises(ArgumentError, match="xx"):
        element_index(["p", "xx"], ("p", "Fe"), where="test")
    with pytest.raises(ArgumentError, match="high > low"):
        SKY.sample(np.random.default_rng(1), 10, (16.0, 15.0))
    with pytest.raises(ArgumentError, match="rise strictly"):
        SKY.integrated_flux([16.0, 15.0])
    with pytest.raises(ArgumentError, match="one spectrum per element"):
        ElementSky((ElementSpectrum("p", -13, -2.7, 15.6, -1, 10), ElementSpectrum("p", -13, -2.7, 15.6, -1, 10)))
    with pytest.raises(ArgumentError, match="n_thrown"):
        GenerationSpectrum(("p",), (1, 2))
