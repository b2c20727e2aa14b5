"""Element spectra by unfolding: closure on a toy detector with known truth, and the result's contract."""

from __future__ import annotations

import json
import math

import hist
import numpy as np
import pytest
from scipy import special

from kcdc_hep.errors import ArgumentError, FitError
from kcdc_hep.simulation.sky import KASCADE_2024_SKY, GenerationSpectrum
from kcdc_hep.unfolding import LIGHT_HEAVY, UnfoldingResult, build_response, response_from_histogram, unfold

SKY = KASCADE_2024_SKY
LN_A = {"p": 0.0, "He": math.log(4), "C": math.log(12), "Si": math.log(28), "Fe": math.log(56)}
TRUE_EDGES = np.round(np.arange(14.6, 18.0001, 0.2), 6)  # the data below are thrown from 10^14.6 eV
EFFECT_EDGES = {"lgNe": np.arange(3.5, 8.5001, 0.1), "lgNmu": np.arange(3.0, 7.0001, 0.1)}
ANALYSIS = (TRUE_EDGES[:-1] >= 15.0 - 1e-9) & (TRUE_EDGES[1:] <= 17.0 + 1e-9)  # 10 bins, 10^15 to 10^17 eV
EXPOSURE = 5e10  # m^2 s sr: ~220 000 triggered showers above 10^14.6 eV


def toy_detector(rng: np.random.Generator, lgE: np.ndarray, primary: np.ndarray):  # type: ignore[no-untyped-def]
    """Vertical showers: mean sizes of DESIGN 2.4 (lines through 10^15 and 10^16 eV, linear in ln A), correlated
    shower fluctuations falling with A, 5 % / 6 % (in lg) reconstruction, a trigger in lgNe at 4.0 (width 0.3)."""
    w = np.vectorize(LN_A.get, otypes=[float])(primary) / math.log(56)
    d = lgE - 15.0
    ne = (1 - w) * (4.91 + 1.21 * d) + w * (4.56 + 1.28 * d)
    nmu = (1 - w) * (4.01 + 0.92 * d) + w * (4.17 + 0.91 * d)
    s_e, s_mu, rho = 0.18 - 0.11 * w, 0.09 - 0.045 * w, 0.5 - 0.2 * w
    z1, z2 = rng.standard_normal((2, len(lgE)))
    ne = ne + s_e * z1 + 0.05 * rng.standard_normal(len(lgE))
    nmu = nmu + s_mu * (rho * z1 + np.sqrt(1 - rho**2) * z2) + 0.06 * rng.standard_normal(len(lgE))
    triggered = rng.random(len(lgE)) < special.ndtr((ne - 4.0) / 0.3)
    return triggered, ne, nmu


def library(rng: np.random.Generator, n_per_element: int):  # type: ignore[no-untyped-def]
    """A KCDC-like library (equal numbers of p ... Fe on E^-2, 10^14-10^18 eV) and its response."""
    gen = GenerationSpectrum.equal_numbers(n_per_element, index=-2.0, lgE_range=(14.0, 18.0))
    lgE, prim = gen.sample(rng)
    trig, ne, nmu = toy_detector(rng, lgE, prim)
    effects = {"lgNe": ne[trig], "lgNmu": nmu[trig]}
    return build_response(
        lgE[trig], prim[trig], effects, effect_edges=EFFECT_EDGES, true_edges=TRUE_EDGES, generation=gen
    )


def pseudo_data(rng: np.random.Generator, exposure: float) -> dict[str, np.ndarray]:
    """Showers of the KASCADE 2024 sky seen with ``exposure`` (Poisson number), through the same toy detector."""
    n = rng.poisson(exposure * SKY.integrated_flux([TRUE_EDGES[0], TRUE_EDGES[-1]]).sum())
    lgE, prim = SKY.sample(rng, n, (TRUE_EDGES[0], TRUE_EDGES[-1]))
    trig, ne, nmu = toy_detector(rng, lgE, prim)
    return {"lgNe": ne[trig], "lgNmu": nmu[trig]}


TRUTH = EXPOSURE * SKY.integrated_flux(TRUE_EDGES)  # showers per element and true bin


@pytest.fixture(scope="module")
def closure():  # type: ignore[no-untyped-def]
    """Five seeds, each with its own library and pseudo-data: element, light/heavy unfoldings."""
    runs = []
    for seed in range(5):
        rng = np.random.default_rng(1000 + seed)
        response = library(rng, 100_000)
        data = pseudo_data(rng, EXPOSURE)
        five = unfold(data, response, exposure_m2_s_sr=EXPOSURE, response_toys=10, seed=seed)
        two = unfold(data, response.merged(LIGHT_HEAVY), exposure_m2_s_sr=EXPOSURE, response_toys=10, seed=seed)
        runs.append((five, two))
    return runs


def test_element_pulls_are_honest(closure):  # type: ignore[no-untyped-def]
    pulls, resolved = [], []
    for five, _ in closure:
        assert five.valid and five.n_outside < 1e-3 * five.n_data
        pulls.append(((five.counts - TRUTH) / five.total_err)[:, ANALYSIS])
        resolved.append((five.total_err / TRUTH)[:, ANALYSIS] < 1.0)
    p, r = np.array(pulls), np.array(resolved)
    # where an element is measured (error < 100 %), the errors are right: measured mean -0.02, width 0.99 (144)
    assert r.sum() > 100
    assert abs(p[r].mean()) < 0.25 and 0.75 < p[r].std() < 1.25
    # elsewhere (five groups not told apart, above ~10^16.4 eV) the errors are large, never too small (all: 0.83)
    assert np.all(np.abs(p) < 4.0) and p.std() < 1.2


def test_each_element_spectrum_agrees_with_the_injected_one(closure):  # type: ignore[no-untyped-def]
    for five, _ in closure:
        n = len(TRUE_EDGES) - 1
        for k, el in enumerate(five.groups):
            idx = k * n + np.flatnonzero(ANALYSIS)
            diff = (five.counts[k] - TRUTH[k])[ANALYSIS]
            chi2 = diff @ np.linalg.solve(five.covariance[np.ix_(idx, idx)], diff)
            assert chi2 < 35.0, (el, chi2)  # 10 bins; measured 2.7-23.7 (the toy covariance is noisy)
        # the flux is the counts over exposure and bin width, in the published unit
        width = np.diff(10.0 ** (TRUE_EDGES - 9.0))
        np.testing.assert_allclose(five.flux, five.counts / (EXPOSURE * width))


def test_light_heavy_and_mean_lnA_close(closure):  # type: ignore[no-untyped-def]
    light_truth = TRUTH[:2].sum(axis=0) / TRUTH.sum(axis=0)
    lnA_truth = SKY.lnA @ TRUTH / TRUTH.sum(axis=0)
    from_15_2 = ANALYSIS & (TRUE_EDGES[:-1] >= 15.2 - 1e-9)
    two_pulls, light_pulls, lnA_pulls = [], [], []
    for five, two in closure:
        assert two.groups == ("light", "heavy") and two.members == (("p", "He"), ("C", "Si", "Fe"))
        truth2 = np.array([TRUTH[:2].sum(axis=0), TRUTH[2:].sum(axis=0)])
        two_pulls.append(((two.counts - truth2) / two.total_err)[:, ANALYSIS])
        f, f_err = two.fractions()
        light_pulls.append(((f[0] - light_truth) / f_err[0])[ANALYSIS])
        lnA, lnA_err = five.mean_lnA()
        lnA_pulls.append(((lnA - lnA_truth) / lnA_err)[from_15_2])
        assert np.all(lnA_err[from_15_2][:5] < 0.35)  # 10^15.2-10^16.2 eV: measured 0.09-0.22
    for pulls in (np.array(two_pulls), np.array(light_pulls), np.array(lnA_pulls)):
        # measured mean / width: light/heavy 0.04 / 1.13, light fraction 0.05 / 1.04, <ln A> 0.15 / 0.90
        assert abs(pulls.mean()) < 0.3 and 0.6 < pulls.std() < 1.3
        assert np.all(np.abs(pulls) < 4.0)


def test_summing_groups_keeps_the_anticorrelations(closure):  # type: ignore[no-untyped-def]
    five, _ = closure[0]
    both = five.combined(LIGHT_HEAVY)
    np.testing.assert_allclose(both.counts, [five.counts[:2].sum(axis=0), five.counts[2:].sum(axis=0)])
    naive = np.sqrt((five.total_err[:2] ** 2).sum(axis=0))
    assert np.all(both.total_err[0][ANALYSIS] < naive[ANALYSIS])  # p and He are anti-correlated
    with pytest.raises(ArgumentError, match="one element per group"):
        both.mean_lnA()


def test_json_contract(closure):  # type: ignore[no-untyped-def]
    five, _ = closure[0]
    d = five.to_dict()
    assert d["unit"] == "m^-2 s^-1 sr^-1 GeV^-1" and d["lgE_edges"] == pytest.approx(TRUE_EDGES.tolist())
    assert list(d["groups"]) == ["p", "He", "C", "Si", "Fe"]
    assert set(d["groups"]["Fe"]) == {"flux", "flux_err"} and len(d["groups"]["p"]["flux"]) == len(TRUE_EDGES) - 1
    json.dumps(d, allow_nan=False)


def test_histogram_inputs_and_three_axes(rng):  # type: ignore[no-untyped-def]
    gen = GenerationSpectrum.equal_numbers(20_000, elements=("p", "Fe"))
    lgE, prim = gen.sample(rng)
    trig, ne, nmu = toy_detector(rng, lgE, prim)
    edges = {"lgE": np.arange(14.0, 18.01, 0.25), **EFFECT_EDGES}
    lgE_rec = 0.5 * (ne - 4.9) + 0.5 * (nmu - 4.0) + 15.0 + 0.05 * rng.standard_normal(len(ne))
    effects = {"lgE": lgE_rec[trig], "lgNe": ne[trig], "lgNmu": nmu[trig]}
    sky_edges = np.arange(15.0, 17.01, 0.5)
    response = build_response(lgE[trig], prim[trig], effects, effect_edges=edges, true_edges=sky_edges, generation=gen)
    assert response.effect_shape == (16, 50, 40) and response.groups == ("p", "Fe")
    assert np.all(response.efficiency > 0.9)  # far above the trigger threshold
    inside = (lgE[trig] >= 15.0) & (lgE[trig] < 17.0)  # the library's showers of the four true bins as data
    data = {k: v[inside] for k, v in effects.items()}
    counts = response.histogram(data)
    h = hist.Hist(*(hist.axis.Variable(e, name=n) for n, e in edges.items()))
    h.fill(*data.values())
    np.testing.assert_array_equal(h.values(), counts)
    from_array = unfold(counts, response, response_toys=0)
    from_hist = unfold(h, response, response_toys=0)
    np.testing.assert_allclose(from_array.counts, from_hist.counts)
    assert np.all(from_array.sys_err == 0)
    # the library itself, unfolded with its own response: its thrown numbers come back within the errors
    thrown = gen.expected_thrown(sky_edges)
    assert np.all(np.abs(from_array.counts - thrown) < 4 * from_array.total_err)
    assert from_array.to_dict()["unit"] == "showers"
    with pytest.raises(ArgumentError, match="exposure"):
        _ = from_array.flux


def test_response_from_a_histogram_filled_in_chunks(rng):  # type: ignore[no-untyped-def]
    gen = GenerationSpectrum.equal_numbers(30_000)
    lgE, prim = gen.sample(rng)
    trig, ne, nmu = toy_detector(rng, lgE, prim)
    lgE, prim, ne, nmu = lgE[trig], prim[trig], ne[trig], nmu[trig]
    from_events = build_response(
        lgE, prim, {"lgNe": ne, "lgNmu": nmu}, effect_edges=EFFECT_EDGES, true_edges=TRUE_EDGES, generation=gen
    )
    h = hist.Hist(
        hist.axis.Variable(EFFECT_EDGES["lgNe"], name="lgNe"),
        hist.axis.StrCategory(["fe", "p", "he", "co", "si"], name="primary"),  # any order, any code
        hist.axis.Variable(TRUE_EDGES, name="lgE_true"),
        hist.axis.Variable(EFFECT_EDGES["lgNmu"], name="lgNmu"),
        storage=hist.storage.Weight(),
    )
    codes = np.vectorize({"p": "p", "He": "he", "C": "co", "Si": "si", "Fe": "fe"}.get)(prim)  # as in sample 2
    w = gen.weights_to(SKY, lgE, codes)
    for chunk in np.array_split(np.arange(len(lgE)), 3):
        h.fill(lgNe=ne[chunk], primary=codes[chunk], lgE_true=lgE[chunk], lgNmu=nmu[chunk], weight=w[chunk])
    from_hist = response_from_histogram(h)
    assert from_hist.groups == ("Fe", "p", "He", "C", "Si") and from_hist.effect_names == ("lgNe", "lgNmu")
    order = [from_events.groups.index(g) for g in from_hist.groups]
    n = from_events.n_true
    columns = np.concatenate([np.arange(k * n, (k + 1) * n) for k in order])
    np.testing.assert_array_equal(from_hist.cells, from_events.cells)
    np.testing.assert_allclose(from_hist.matrix, from_events.matrix[:, columns], rtol=1e-12, atol=0)
    np.testing.assert_allclose(from_hist.matrix_var, from_events.matrix_var[:, columns], rtol=1e-12, atol=0)
    with pytest.raises(ArgumentError, match="Weight storage"):
        response_from_histogram(hist.Hist(*h.axes))
    with pytest.raises(ArgumentError, match="no axis 'lgE_true'"):
        response_from_histogram(hist.Hist(*h.axes[:2], h.axes[3], storage=hist.storage.Weight()))


def test_bad_inputs_say_what_to_do(rng):  # type: ignore[no-untyped-def]
    gen = GenerationSpectrum.equal_numbers(2_000)
    lgE, prim = gen.sample(rng)
    _, ne, nmu = toy_detector(rng, lgE, prim)
    effects = {"lgNe": ne, "lgNmu": nmu}
    with pytest.raises(ArgumentError, match="inside the library's range"):
        build_response(lgE, prim, effects, effect_edges=EFFECT_EDGES, true_edges=[13.0, 15.0], generation=gen)
    with pytest.raises(ArgumentError, match="lack"):
        build_response(lgE, prim, {"lgNe": ne}, effect_edges=EFFECT_EDGES, true_edges=[15.0, 16.0], generation=gen)
    response = build_response(lgE, prim, effects, effect_edges=EFFECT_EDGES, true_edges=[15.0, 16.0], generation=gen)
    with pytest.raises(ArgumentError, match="shape"):
        unfold(np.ones((3, 3)), response)
    with pytest.raises(FitError, match="no data event"):
        unfold(np.zeros(response.effect_shape), response)
    with pytest.raises(ArgumentError, match="no group 'N'"):
        response.merged({"light": ("p", "N")})
    with pytest.raises(ArgumentError, match="two groups"):
        response.merged({"a": ("p", "He"), "b": ("He", "Fe")})
    assert isinstance(unfold(response.histogram(effects), response, response_toys=2), UnfoldingResult)
