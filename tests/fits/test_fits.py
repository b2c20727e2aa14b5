"""Fits: Gaussians agree with real ROOT, template fits close, the knee is where KASCADE found it."""

from __future__ import annotations

import json
import math
import warnings
from pathlib import Path
from types import ModuleType
from typing import Any

import awkward as ak
import hist
import numpy as np
import pytest

from kcdc_hep.errors import (
    ArgumentError,
    EmptyFileError,
    FitError,
    MalformedRowError,
    MissingColumnError,
    SchemaError,
    UnknownFormatError,
)
from kcdc_hep.fits import (
    FitResult,
    HeavyFraction,
    broken_power_law,
    fit_composition,
    fit_gauss,
    fit_knee,
    flux_spectrum,
    heavy_fraction,
    heavy_histogram,
    read_flux_table,
    separation_line,
)

FLUX_TABLE = "kascade_2005_qgsjet01_all_particle_flux.txt"
SYMBOLS = np.array(["p", "He", "C", "Si", "Fe"])
LN_A = np.log([1.0, 4.0, 12.0, 28.0, 56.0])


# ----------------------------------------------------------------------------------------------- toy showers
def toy_showers(rng: np.random.Generator, n: int, fractions: np.ndarray, lgE_range=(15.0, 16.5)) -> ak.Array:
    """Showers with the mean sizes of DESIGN §2.4 (p … Fe, interpolated in ln A) and Gaussian fluctuations."""
    prim = rng.choice(5, size=n, p=fractions)
    lgE = rng.uniform(*lgE_range, n)
    t = LN_A[prim] / LN_A[-1]  # 0 for p, 1 for Fe
    d = lgE - 15.0
    ne = (4.91 + 1.21 * d) * (1 - t) + (4.56 + 1.28 * d) * t
    nmu = (4.01 + 0.92 * d) * (1 - t) + (4.17 + 0.91 * d) * t
    return ak.Array(
        {
            "lgE": lgE,
            "lgNe": rng.normal(ne, 0.18 * (1 - t) + 0.07 * t),
            "lgNmu": rng.normal(nmu, 0.09 * (1 - t) + 0.045 * t),
            "primary": SYMBOLS[prim],
        }
    )


# ------------------------------------------------------------------------------------------------ fit_gauss
@pytest.fixture(scope="module")
def ROOT() -> ModuleType:
    # ROOT's pip wheel warns "\nThis distribution of ROOT is in alpha stage..." on import; the message starts with a
    # newline, which the pyproject filter "ignore:.*alpha.*" does not match (``.`` stops at newlines), so silence it.
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"\s*This distribution of ROOT is in alpha stage", category=UserWarning
        )
        try:
            import ROOT as root  # noqa: N811
        except ImportError:
            pytest.skip("ROOT not installed")
    root.gROOT.SetBatch(True)
    return root


@pytest.fixture
def peak(rng: np.random.Generator) -> hist.Hist:
    h = hist.Hist(hist.axis.Regular(80, 4.0, 6.0, name="lgNe"))
    return h.fill(rng.normal(4.9, 0.18, 5000))


def _th1d(ROOT: ModuleType, h: hist.Hist, name: str) -> object:
    edges = h.axes[0].edges
    th = ROOT.TH1D(name, "", len(edges) - 1, edges[0], edges[-1])
    th.SetDirectory(0)
    for i, (v, var) in enumerate(zip(h.values(), h.variances(), strict=True), start=1):
        th.SetBinContent(i, float(v))
        th.SetBinError(i, math.sqrt(var))
    return th


@pytest.mark.root
@pytest.mark.parametrize(("option", "method"), [("S Q N", "chi2"), ("L S Q N", "likelihood")])
@pytest.mark.parametrize("fit_range", [None, (4.5, 5.3)])
def test_fit_gauss_agrees_with_root(
    ROOT: ModuleType, peak: hist.Hist, option: str, method: str, fit_range: tuple[float, float] | None
) -> None:
    # ROOT's own defaults (Minuit2, tolerance 0.01, strategy 1) are used on both sides: fit_gauss copies them.
    th = _th1d(ROOT, peak, f"h_{method}_{fit_range is None}")
    r = th.Fit("gaus", option) if fit_range is None else th.Fit("gaus", option, "", *fit_range)
    assert int(r) == 0 and r.IsValid()
    ours = fit_gauss(peak, method=method, range=fit_range)
    assert ours.parameters == ("Constant", "Mean", "Sigma")
    assert ours.valid
    np.testing.assert_allclose(ours.values, [r.Parameter(i) for i in range(3)], rtol=1e-5)
    np.testing.assert_allclose(ours.errors, [r.ParError(i) for i in range(3)], rtol=1e-5)
    assert ours.ndof == r.Ndf()
    if method == "chi2":
        assert ours.chi2 == pytest.approx(r.Chi2(), rel=1e-5)


@pytest.mark.root
def test_fit_gauss_weighted_histogram_agrees_with_root(ROOT: ModuleType, rng: np.random.Generator) -> None:
    x = rng.normal(4.9, 0.18, 3000)
    h = hist.Hist(hist.axis.Regular(60, 4.0, 6.0), storage=hist.storage.Weight()).fill(
        x, weight=rng.uniform(0.5, 2, 3000)
    )
    th = _th1d(ROOT, h, "h_weighted")
    r = th.Fit("gaus", "S Q N")
    ours = fit_gauss(h, method="chi2")
    np.testing.assert_allclose(ours.values, [r.Parameter(i) for i in range(3)], rtol=1e-5)
    np.testing.assert_allclose(ours.errors, [r.ParError(i) for i in range(3)], rtol=1e-5)


def test_fit_gauss_recovers_a_known_peak(rng: np.random.Generator) -> None:
    x = rng.normal(5.0, 0.2, 20_000)
    for method in ("chi2", "likelihood"):
        r = fit_gauss(x, method=method, bins=(60, 4.0, 6.0))
        assert abs(r["Mean"] - 5.0) < 4 * r.error("Mean")
        assert abs(r["Sigma"] - 0.2) < 4 * r.error("Sigma")
    u = fit_gauss(x, method="unbinned")
    assert u.parameters == ("Mean", "Sigma")
    assert abs(u["Mean"] - 5.0) < 4 * u.error("Mean") and abs(u["Sigma"] - 0.2) < 4 * u.error("Sigma")
    assert u.error("Mean") == pytest.approx(0.2 / math.sqrt(len(x)), rel=0.02)
    truncated = fit_gauss(x, method="unbinned", range=(4.8, 5.4))  # the pdf is renormalised to the range
    assert abs(truncated["Sigma"] - 0.2) < 4 * truncated.error("Sigma")


def test_fit_result_is_immutable_printable_and_json_ready(peak: hist.Hist) -> None:
    r = fit_gauss(peak)
    assert isinstance(r, FitResult)
    with pytest.raises(AttributeError):
        r.valid = False  # type: ignore[misc]
    assert "Mean" in str(r) and "chi2/ndof" in str(r)
    d = json.loads(json.dumps(r.to_dict()))
    assert d["parameters"] == ["Constant", "Mean", "Sigma"] and len(d["covariance"]) == 3
    cov = np.array(r.covariance)
    np.testing.assert_allclose(np.sqrt(np.diag(cov)), r.errors, rtol=1e-4)  # Sigma is bounded, as in ROOT
    with pytest.raises(KeyError, match="no parameter"):
        r["mu"]


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"method": "LI"}, ArgumentError, "unknown method"),
        ({"method": "unbinned"}, ArgumentError, "needs the raw values"),
        ({"range": (5.0, 4.0)}, ArgumentError, "high > low"),
        ({"range": (7.0, 8.0)}, FitError, "only 0"),
    ],
)
def test_fit_gauss_refuses_impossible_requests(
    peak: hist.Hist, kwargs: dict[str, object], error: type, message: str
) -> None:
    with pytest.raises(error, match=message):
        fit_gauss(peak, **kwargs)  # type: ignore[arg-type]


def test_likelihood_refuses_weighted_histograms(rng: np.random.Generator) -> None:
    h = hist.Hist(hist.axis.Regular(20, -3, 3), storage=hist.storage.Weight()).fill(rng.normal(size=100), weight=0.5)
    with pytest.raises(FitError, match="unweighted"):
        fit_gauss(h, method="likelihood")


# ------------------------------------------------------------------------------------------- fit_composition
@pytest.mark.parametrize("observable", ["ratio", "2d"])
def test_composition_closure_pulls(observable: str) -> None:
    """Templates and pseudo-data drawn independently; 40 repetitions; pulls of fractions and <lnA> are N(0, 1)."""
    true = np.array([0.5, 0.0, 0.3, 0.0, 0.2])  # p, C, Fe: well-separated groups away from the physical bounds
    flat = np.array([1 / 3, 0.0, 1 / 3, 0.0, 1 / 3])
    pulls = []
    inside_2sigma = []
    for seed in range(40):
        templates = toy_showers(np.random.default_rng(seed), 60_000, flat)
        data = toy_showers(np.random.default_rng(10_000 + seed), 20_000, true)
        r = fit_composition(data, templates, observable=observable, energy_bins=[15.0, 15.5, 16.0, 16.5], method="da")
        assert r.primaries == ("p", "C", "Fe")
        assert np.all(r.valid)
        np.testing.assert_allclose(r.fractions.sum(axis=1), 1.0)
        p = np.column_stack(
            [(r.fractions - true[[0, 2, 4]]) / r.fraction_errors, (r.mean_lnA - true @ LN_A) / r.mean_lnA_err]
        )
        pulls.append(p)
        inside_2sigma.append(np.abs(p) < 2)
    pulls_arr = np.concatenate(pulls)
    assert np.all(np.abs(pulls_arr.mean(axis=0)) < 0.35), pulls_arr.mean(axis=0)
    assert np.all((pulls_arr.std(axis=0) > 0.7) & (pulls_arr.std(axis=0) < 1.3)), pulls_arr.std(axis=0)
    assert np.mean(inside_2sigma) > 0.9


def test_composition_accepts_a_dict_of_templates_and_marks_thin_bins_invalid(rng: np.random.Generator) -> None:
    templates = toy_showers(rng, 30_000, np.array([0.5, 0, 0, 0, 0.5]))
    by_primary = {"p": templates[templates.primary == "p"], "fe": templates[templates.primary == "Fe"]}
    data = toy_showers(rng, 5_000, np.array([0.7, 0, 0, 0, 0.3]))
    r = fit_composition(data, by_primary, energy_bins=[15.0, 16.5, 17.5])
    assert r.primaries == ("p", "Fe")
    assert r.valid.tolist() == [True, False]  # nothing above 16.5
    assert r.n_data.tolist() == [5000, 0]
    assert r.fraction("Fe")[0] == pytest.approx(0.3, abs=4 * r.fraction_error("Fe")[0])
    assert np.isnan(r.mean_lnA[1])
    d = json.loads(json.dumps(r.to_dict()))
    assert d["mean_lnA"][1] is None and d["fractions"][0]["p"] > 0.5
    assert r.reasons == ("", "0 data events < min_events=100")
    assert d["reasons"][1] == "0 data events < min_events=100"
    assert "(0 data events < min_events=100)" in str(r)
    # a thin template is named with its count
    thin = fit_composition(data, {"p": by_primary["p"], "Fe": by_primary["fe"][:50]}, energy_bins=[15.0, 16.5])
    assert not thin.valid[0] and thin.reasons[0].startswith("too few simulated showers: Fe ")
    with pytest.raises(ValueError, match="read-only"):
        r.fractions[0, 0] = 1.0


def test_composition_needs_the_primary_field_and_a_known_method(rng: np.random.Generator) -> None:
    data = toy_showers(rng, 1000, np.full(5, 0.2))
    with pytest.raises(MissingColumnError, match="primary"):
        fit_composition(data, data[["lgE", "lgNe", "lgNmu"]])
    with pytest.raises(ArgumentError, match="Template method"):
        fit_composition(data, data, method="xx")  # type: ignore[arg-type]
    with pytest.raises(ArgumentError, match="observable"):
        fit_composition(data, data, observable="3d")  # type: ignore[arg-type]


def _composition_histogram(events: ak.Array, observable: str, edges: list[float], *more_axes: Any) -> hist.Hist:
    """Events in lgE × the observable, on the default binning of fit_composition (and extra category axes)."""
    energy = hist.axis.Variable(edges, name="lgE")
    if observable == "ratio":
        h = hist.Hist(energy, hist.axis.Regular(50, 0.6, 1.6, name="ratio"), *more_axes)
        values = [events.lgE, events.lgNe / events.lgNmu]
    else:
        sizes = hist.axis.Regular(60, 2.0, 8.0, name="lgNe"), hist.axis.Regular(45, 2.0, 6.5, name="lgNmu")
        h = hist.Hist(energy, *sizes, *more_axes)
        values = [events.lgE, events.lgNe, events.lgNmu]
    if more_axes:
        values.append(events.primary)
    return h.fill(*(np.asarray(v) for v in values))


@pytest.mark.parametrize("observable", ["ratio", "2d"])
def test_composition_of_histograms_equals_composition_of_events(observable: str) -> None:
    """The event form histograms first: fitting the histograms themselves gives the very same numbers."""
    templates = toy_showers(np.random.default_rng(5), 40_000, np.array([0.4, 0.0, 0.3, 0.0, 0.3]))
    data = toy_showers(np.random.default_rng(6), 8_000, np.array([0.6, 0.0, 0.2, 0.0, 0.2]))
    edges = [15.0, 15.5, 16.0, 16.5]
    from_events = fit_composition(data, templates, observable=observable, energy_bins=edges)  # type: ignore[arg-type]
    data_h = _composition_histogram(data, observable, edges)
    primary = hist.axis.StrCategory(["p", "He", "C", "Si", "Fe"], name="primary")
    by_primary = _composition_histogram(templates, observable, edges, primary)
    from_histograms = fit_composition(data_h, by_primary)  # He and Si have no showers: left out
    assert from_histograms.observable == observable and from_histograms.primaries == ("p", "C", "Fe")
    np.testing.assert_array_equal(from_histograms.fractions, from_events.fractions)
    np.testing.assert_array_equal(from_histograms.mean_lnA_err, from_events.mean_lnA_err)
    as_dict = {p: by_primary[..., p] for p in ("p", "C", "Fe")}
    np.testing.assert_array_equal(fit_composition(data_h, as_dict).covariance, from_events.covariance)
    with pytest.raises(ArgumentError, match="histograms bring their own binning"):
        fit_composition(data_h, as_dict, energy_bins=edges)
    coarse = {**as_dict, "p": as_dict["p"][:, :: hist.rebin(2), ...]}
    with pytest.raises(ArgumentError, match="binned exactly like"):
        fit_composition(data_h, coarse)
    with pytest.raises(ArgumentError, match="2d"):
        fit_composition(data_h, as_dict, observable="2d" if observable == "ratio" else "ratio")  # type: ignore[arg-type]


def _lnA_histograms(
    rng: np.random.Generator, n_data: int, data_fractions: np.ndarray, weights: bool
) -> tuple[hist.Hist, dict[str, hist.Hist]]:
    """Data and per-primary templates of a 1-D observable named lnA (a Gaussian per primary at its ln A, width 0.8),
    in one energy bin; the templates are weighted (Weight storage, weights 0.5-1.5) when asked."""
    axes = (hist.axis.Variable([15.0, 16.0], name="lgE"), hist.axis.Regular(60, -3.0, 7.0, name="lnA"))
    prim = rng.choice(5, size=n_data, p=data_fractions)
    data = hist.Hist(*axes).fill(np.full(n_data, 15.5), rng.normal(LN_A[prim], 0.8))
    templates = {}
    for k, symbol in enumerate(SYMBOLS):
        x = rng.normal(LN_A[k], 0.8, 40_000)
        h = hist.Hist(*axes, storage=hist.storage.Weight())
        w = rng.uniform(0.5, 1.5, len(x)) if weights else np.ones(len(x))
        templates[str(symbol)] = h.fill(np.full(len(x), 15.5), x, weight=w)
    return data, templates


def test_a_fraction_at_its_zero_limit_gets_an_interval_not_plus_minus_zero(rng: np.random.Generator) -> None:
    """No iron in the data: its fraction sits at (or near) 0 and gets the profile-likelihood interval [lo, f_up]."""
    truth = np.array([0.5, 0.2, 0.15, 0.15, 0.0])
    data, templates = _lnA_histograms(rng, 20_000, truth, weights=True)
    r = fit_composition(data, templates)
    assert r.observable == "lnA" and r.valid[0]
    assert r.intervals is not None and r.at_limit is not None
    fe = r.primaries.index("Fe")
    assert r.at_limit[0, fe]
    lo, hi = r.intervals[0, fe]
    assert 0.0 <= lo <= r.fraction("Fe")[0] < hi < 0.1
    assert hi - r.fraction("Fe")[0] > 1e-3  # a real upper limit, not a ±0.000
    if r.fraction("Fe")[0] < 1e-3:
        assert lo == 0.0
    for k in np.flatnonzero(~r.at_limit[0]):  # the others: value ± Hessian error
        np.testing.assert_allclose(r.intervals[0, k], r.fractions[0, k] + np.array([-1, 1]) * r.fraction_errors[0, k])
    assert "…" in str(r)
    d = json.loads(json.dumps(r.to_dict(), allow_nan=False))
    assert d["at_limit"][0][fe] is True and len(d["intervals"][0]) == 5


def test_profile_intervals_cover(rng: np.random.Generator) -> None:
    """Over 30 pseudo-experiments the 68 % intervals of a small fraction (3 %, often at its limit) hold the truth
    about 68 % of the time, like the Hessian errors of the large fractions (measured: 0.60-0.73)."""
    truth = np.array([0.6, 0.2, 0.1, 0.08, 0.02])
    covered, at_limit = [], 0
    for _ in range(30):
        data, templates = _lnA_histograms(rng, 1_500, truth, weights=False)
        r = fit_composition(data, templates, min_events=50)
        assert r.intervals is not None and r.at_limit is not None
        covered.append((r.intervals[0, :, 0] <= truth) & (truth <= r.intervals[0, :, 1]))
        at_limit += int(r.at_limit[0, -1])
    coverage = np.mean(covered, axis=0)
    assert at_limit >= 5  # iron is often within one error of zero here
    assert np.all((coverage > 0.45) & (coverage < 0.95)), coverage


def test_weighted_templates_and_groups_with_their_lnA(rng: np.random.Generator) -> None:
    """Weighted (Weight storage) templates keep their sum-of-weights-squared; templates of groups need their ln A."""
    truth = np.array([0.4, 0.2, 0.1, 0.1, 0.2])
    data, templates = _lnA_histograms(rng, 30_000, truth, weights=True)
    light = templates["p"] + templates["He"]
    heavy = templates["C"] + templates["Si"] + templates["Fe"]
    with pytest.raises(SchemaError, match="lnA="):
        fit_composition(data, {"light": light, "heavy": heavy})
    group_lnA = {"light": float(np.mean(LN_A[:2])), "heavy": float(np.mean(LN_A[2:]))}
    r = fit_composition(data, {"light": light, "heavy": heavy}, lnA=group_lnA)
    assert r.primaries == ("light", "heavy") and r.lnA == (group_lnA["light"], group_lnA["heavy"])
    # the group templates mix their members equally, the data do not: the light fraction is near 0.6, not exact
    assert abs(r.fraction("light")[0] - 0.6) < 0.05
    # a weighted template with few effective showers is refused for min_events like a thin one
    thin = {**templates, "Fe": templates["Fe"] * 1e-3}
    assert fit_composition(data, thin).valid[0]  # a scale alone does not change the effective number
    few = hist.Hist(*templates["Fe"].axes, storage=hist.storage.Weight())
    few.fill(np.full(30, 15.5), rng.normal(LN_A[-1], 0.8, 30), weight=np.full(30, 100.0))
    r_few = fit_composition(data, {**templates, "Fe": few})
    assert not r_few.valid[0] and "Fe 30" in r_few.reasons[0]
    with pytest.raises(ArgumentError, match="'lnA' is for histograms"):
        fit_composition(toy_showers(rng, 500, truth), toy_showers(rng, 500, truth), observable="lnA")


# ------------------------------------------------------------------------------------------------- flux & knee
@pytest.mark.shared_data
def test_published_spectrum_has_the_knee_at_3_to_5_PeV(shared_data: Path) -> None:
    spectrum = read_flux_table(shared_data / FLUX_TABLE)
    assert len(spectrum.energy_GeV) == 18 and spectrum.label == "KAS_QGSjet01_all"
    for kwargs in ({"model": "sharp"}, {"model": "smooth", "sharpness": 5.0}, {"model": "smooth", "sharpness": 10.0}):
        knee = fit_knee(spectrum, **kwargs)  # type: ignore[arg-type]
        assert knee.valid, kwargs
        assert 3.0 < knee.E_knee_PeV < 5.0, knee
        assert abs(knee.gamma1 + 2.7) < max(2 * knee.gamma1_err, 0.15), knee
        assert abs(knee.gamma2 + 3.1) < max(2 * knee.gamma2_err, 0.15), knee
        assert knee.chi2_ndof < 1.5
    free = fit_knee(spectrum)  # free sharpness: weakly constrained, but the fit works and fits no worse
    assert free.valid and free.chi2 <= fit_knee(spectrum, sharpness=5.0).chi2 + 1e-6
    assert 3.0 < free.E_knee_PeV < 5.0, free
    assert json.loads(json.dumps(free.to_dict()))["model"] == "smooth"
    assert "E_knee" in str(free)


def _sample_broken_power_law(rng: np.random.Generator, n: int, e_min: float, e_max: float) -> np.ndarray:
    """lg(E/eV) of n energies from a sharp broken power law (knee 4 PeV, -2.7/-3.1) by inverse-CDF sampling."""
    ek, g1, g2 = 4e6, -2.7, -3.1  # GeV

    def integral(a: float, b: float, g: float) -> float:  # ∫ (E/ek)^g dE
        return ek / (g + 1) * ((b / ek) ** (g + 1) - (a / ek) ** (g + 1))

    w1, w2 = integral(e_min, ek, g1), integral(ek, e_max, g2)
    u = rng.uniform(size=n)
    below = u < w1 / (w1 + w2)
    v = rng.uniform(size=n)
    e = np.where(
        below,
        ek * ((e_min / ek) ** (g1 + 1) + v * (1 - (e_min / ek) ** (g1 + 1))) ** (1 / (g1 + 1)),
        ek * (1 + v * ((e_max / ek) ** (g2 + 1) - 1)) ** (1 / (g2 + 1)),
    )
    return np.log10(e) + 9.0


@pytest.mark.parametrize("method", ["poisson", "chi2"])
def test_knee_closure_on_a_simulated_spectrum(rng: np.random.Generator, method: str) -> None:
    lgE = _sample_broken_power_law(rng, 1_000_000, 1e6, 1e8)
    events = ak.Array({"lgE": lgE})
    spectrum = flux_spectrum(events, bins=(20, 15.0, 17.0), zenith_max_deg=18.0, exposure_s=3.0e8)
    assert spectrum.counts.sum() == len(lgE)
    knee = fit_knee(spectrum, model="sharp", method=method)
    assert knee.valid
    assert abs(knee.E_knee_PeV - 4.0) < 3 * knee.E_knee_err_PeV, knee
    assert abs(knee.gamma1 + 2.7) < 3 * knee.gamma1_err, knee
    assert abs(knee.gamma2 + 3.1) < 3 * knee.gamma2_err, knee


def test_knee_fit_at_a_parameter_limit_is_not_valid(rng: np.random.Generator) -> None:
    # no shower above 4 PeV: the slope above the "knee" runs into its limit, which is no measurement
    lgE = _sample_broken_power_law(rng, 200_000, 1e6, 4e6)
    spectrum = flux_spectrum(ak.Array({"lgE": lgE}), bins=(20, 15.0, 17.0), zenith_max_deg=18.0, exposure_s=3.0e8)
    knee = fit_knee(spectrum, model="sharp", method="poisson")
    assert knee.gamma2 == pytest.approx(-6.0, abs=0.01)
    assert not knee.valid


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("#Columns: E, Flux\n1e6;1e-13;1e-14\n", MalformedRowError, r"flux\.txt:2: cannot read '1e6;1e-13;1e-14'"),
        ("1e6;abc;1;1\n", MalformedRowError, r"flux\.txt:1"),
        ("# only a comment\n\n", EmptyFileError, "no data rows"),
        ("#InLog10: 1\n6;1e-13;1e-14;1e-14\n", UnknownFormatError, "not supported"),
    ],
)
def test_flux_table_errors_name_file_and_line(tmp_path: Path, text: str, error: type, message: str) -> None:
    path = tmp_path / "flux.txt"
    path.write_text(text)
    with pytest.raises(error, match=message):
        read_flux_table(path)


def test_broken_power_law_is_continuous_and_smooth_tends_to_sharp() -> None:
    e = np.array([3.99e6, 4.01e6, 1e5, 1e8])
    sharp = broken_power_law(e, -14.0, math.log10(4e6), -2.7, -3.1)
    assert sharp[0] == pytest.approx(sharp[1], rel=0.01)
    smooth = broken_power_law(e[2:], -14.0, math.log10(4e6), -2.7, -3.1, 200.0)
    np.testing.assert_allclose(smooth, sharp[2:], rtol=1e-6)


# ------------------------------------------------------------------------------------ light/heavy separation
def test_separation_line_classifies_p_and_fe(rng: np.random.Generator) -> None:
    train = toy_showers(rng, 40_000, np.array([0.5, 0, 0, 0, 0.5]))
    line = separation_line(train)
    assert (line.light, line.heavy) == ("p", "Fe")
    assert 0.5 < line.slope < 1.0  # along the diagonal bands
    test = toy_showers(np.random.default_rng(99), 40_000, np.array([0.5, 0, 0, 0, 0.5]))
    truth_heavy = ak.to_numpy(test.primary) == "Fe"
    assert np.mean(line.is_heavy(test) == truth_heavy) > 0.8
    assert line.accuracy > 0.8
    assert "above" in str(line) and json.loads(json.dumps(line.to_dict()))["heavy"] == "Fe"

    fractions = heavy_fraction(test, line, energy_bins=[15.0, 15.5, 16.0, 16.5, 17.0])
    assert fractions.n.tolist()[-1] == 0 and np.isnan(fractions.fraction[-1])
    np.testing.assert_allclose(fractions.fraction[:3], 0.5, atol=0.1)
    expected_err = np.sqrt(fractions.fraction[:3] * (1 - fractions.fraction[:3]) / fractions.n[:3])
    np.testing.assert_allclose(fractions.error[:3], expected_err)
    assert "fraction" in str(fractions)


def test_separation_line_from_points_equals_line_from_events(rng: np.random.Generator) -> None:
    train = toy_showers(rng, 20_000, np.array([0.5, 0, 0, 0, 0.5]))
    points = {
        p: np.column_stack([train[train.primary == p].lgNe, train[train.primary == p].lgNmu]) for p in ("p", "Fe")
    }
    assert separation_line({"p": points["p"], "fe": points["Fe"]}) == separation_line(train)


def test_heavy_fraction_of_a_histogram_and_of_merged_counts(rng: np.random.Generator) -> None:
    events = toy_showers(rng, 20_000, np.array([0.5, 0, 0, 0, 0.5]))
    line = separation_line(events)
    bins = [15.0, 15.5, 16.0, 16.5]
    whole = heavy_fraction(events, line, energy_bins=bins)
    h = heavy_histogram(events[:7000], line, energy_bins=bins) + heavy_histogram(events[7000:], line, energy_bins=bins)
    from_hist = heavy_fraction(h)
    merged = heavy_fraction(events[:7000], line, energy_bins=bins) + heavy_fraction(
        events[7000:], line, energy_bins=bins
    )
    for other in (from_hist, merged):
        np.testing.assert_array_equal(other.n, whole.n)
        np.testing.assert_array_equal(other.fraction, whole.fraction)
        np.testing.assert_array_equal(other.error, whole.error)
    counts = HeavyFraction.from_counts(bins, whole.n, whole.n_heavy)
    np.testing.assert_array_equal(counts.error, np.sqrt(whole.fraction * (1 - whole.fraction) / whole.n))
    with pytest.raises(ArgumentError, match="different energy bins"):
        whole.merge(HeavyFraction.from_counts([15.0, 16.0], [1], [0]))
    with pytest.raises(ArgumentError, match="pass the line"):
        heavy_fraction(events)
    with pytest.raises(ArgumentError, match="already holds"):
        heavy_fraction(h, line)


def test_separation_line_needs_both_classes(rng: np.random.Generator) -> None:
    only_p = toy_showers(rng, 1000, np.array([1.0, 0, 0, 0, 0]))
    with pytest.raises(FitError, match="found 1000 'p' and 0 'Fe'"):
        separation_line(only_p)
