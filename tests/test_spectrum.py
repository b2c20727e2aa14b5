"""The flux: live time counts only data taking, the exposure is T·A·Ω, histograms and events give one spectrum."""

from __future__ import annotations

import json
import math
from typing import Any

import awkward as ak
import numpy as np
import pytest

from kcdc_hep import histograms
from kcdc_hep.errors import ArgumentError, MissingColumnError
from kcdc_hep.spectrum import MAX_GAP_S, LiveTime, exposure, flux_spectrum, live_time, poisson_interval


# ------------------------------------------------------------------------------------------------ live time
def test_live_time_counts_only_short_gaps() -> None:
    s = 1_000_000_000
    t = np.array([0, 1, 3, 500, 501, 502], dtype=np.int64) * s
    assert live_time(t) == 5.0
    assert live_time(t[::-1]) == 5.0  # order does not matter
    assert live_time(t[3:], previous_ns=int(t[2])) == 2.0  # gap of 497 s between chunks is a pause
    assert live_time(t[1:], previous_ns=0) == 5.0
    assert live_time(t.astype("datetime64[ns]")) == 5.0


@pytest.mark.parametrize("sizes", [(5, 300, 1, 2000), (1000,), (0, 7, 129, 4000, 8200)])
def test_joined_live_time_equals_sequential(sizes: tuple[int, ...]) -> None:
    """Chunks joined with + give exactly the number of live_time(previous_ns=...) summed in order."""
    rng = np.random.default_rng(sum(sizes))
    steps = rng.exponential(0.4e9, sum(sizes)).astype(np.int64)
    steps[rng.integers(0, len(steps), 5)] += 10**12  # pauses between runs
    t = np.cumsum(steps)
    rng.shuffle(t[: len(t) // 3])  # not sorted inside the first chunks
    chunks = np.split(t, np.cumsum(sizes)[:-1])
    expected, last = 0.0, None
    for c in chunks:
        if len(c):
            expected += live_time(c, previous_ns=last)
            last = int(c.max())
    joined = LiveTime()
    for c in chunks:
        joined = joined + LiveTime.of_chunk(c)
    assert joined.seconds == expected
    assert (joined.first_ns, joined.last_ns) == (int(t.min()), int(t.max()))
    assert joined.max_gap_s == MAX_GAP_S


def test_live_time_of_nothing_and_of_mixed_gaps() -> None:
    assert LiveTime().seconds == 0.0 and LiveTime().first_ns is None
    assert LiveTime.of_chunk(np.zeros(0, dtype=np.int64)).pieces == ()
    with pytest.raises(ArgumentError, match="max_gap_s"):
        LiveTime.of_chunk(np.arange(3), max_gap_s=10.0) + LiveTime.of_chunk(np.arange(3))


# ------------------------------------------------------------------------------------------------ exposure
def test_exposure_is_time_area_solid_angle() -> None:
    omega = math.pi * math.sin(math.radians(18.0)) ** 2
    assert exposure(100.0, zenith_max_deg=18.0) == pytest.approx(100.0 * math.pi * 91.0**2 * omega)
    assert exposure(100.0, zenith_max_deg=90.0, area_m2=2.0) == pytest.approx(200.0 * math.pi)
    with pytest.raises(ArgumentError, match=r"\(0, 90\]"):
        exposure(1.0, zenith_max_deg=0.0)
    with pytest.raises(ArgumentError, match="exposure_s"):
        exposure(0.0, zenith_max_deg=18.0)


# ------------------------------------------------------------------------------------------------ flux
def test_flux_normalisation_and_poisson_errors() -> None:
    t0 = np.datetime64("2000-01-01T00:00:00", "ns")
    events = ak.Array(
        {"lgE": np.array([15.05, 15.05, 15.15]), "time": np.array([t0, t0 + np.timedelta64(10, "s"), t0])}
    )
    s = flux_spectrum(events, bins=[15.0, 15.1, 15.2, 15.3], zenith_max_deg=18.0)
    exposure = 10.0 * math.pi * 91.0**2 * math.pi * math.sin(math.radians(18.0)) ** 2
    assert s.exposure_m2_s_sr == pytest.approx(exposure)
    de = 10.0 ** np.array([6.1, 6.2, 6.3]) - 10.0 ** np.array([6.0, 6.1, 6.2])
    np.testing.assert_allclose(s.flux, np.array([2, 1, 0]) / (de * exposure))
    np.testing.assert_allclose(s.energy_GeV[0], 10**6.05)
    # Garwood 68 % interval: n=0 → (0, 1.841), n=1 → (0.827, 2.299)
    np.testing.assert_allclose(s.flux_err_high[2] * de[2] * exposure, 1.8410, atol=1e-3)
    np.testing.assert_allclose(s.flux_err_low[1] * de[1] * exposure, 0.8274, atol=1e-3)
    assert json.loads(json.dumps(s.to_dict()))["counts"] == [2.0, 1.0, 0.0]
    with pytest.raises(MissingColumnError, match="time"):
        flux_spectrum(events[["lgE"]], bins=(3, 15.0, 15.3), zenith_max_deg=18.0)


def test_flux_of_a_histogram_equals_flux_of_the_events(rng: np.random.Generator) -> None:
    events = ak.Array({"lgE": rng.uniform(15.0, 17.0, 5000)})
    kwargs: dict[str, Any] = {"zenith_max_deg": 18.0, "exposure_s": 1e7}
    from_events = flux_spectrum(events, bins=(20, 15.0, 17.0), **kwargs)
    counts = histograms.spectrum(events, bins=(20, 15.0, 17.0))
    chunked = histograms.accumulate(histograms.spectrum(events[i : i + 1000], bins=(20, 15.0, 17.0))
                                    for i in range(0, 5000, 1000))  # fmt: skip
    for h in (counts, chunked):
        from_counts = flux_spectrum(h, label="from events", **kwargs)
        for field in ("energy_GeV", "flux", "flux_err_low", "flux_err_high", "counts", "energy_edges_GeV"):
            np.testing.assert_array_equal(getattr(from_counts, field), getattr(from_events, field), err_msg=field)
        assert from_counts.exposure_m2_s_sr == from_events.exposure_m2_s_sr and from_counts.label == "from events"
    assert flux_spectrum(counts, **kwargs).label == "from counts"
    assert flux_spectrum(counts, label="mine", **kwargs).label == "mine"


def test_flux_refuses_what_it_cannot_use(rng: np.random.Generator) -> None:
    counts = histograms.spectrum(rng.uniform(15.0, 17.0, 100))
    with pytest.raises(ArgumentError, match="exposure_s"):
        flux_spectrum(counts, zenith_max_deg=18.0)
    with pytest.raises(ArgumentError, match="bins= is for events"):
        flux_spectrum(counts, zenith_max_deg=18.0, exposure_s=1.0, bins=(3, 15.0, 16.0))
    with pytest.raises(ArgumentError, match="pass bins="):
        flux_spectrum(ak.Array({"lgE": [15.0]}), zenith_max_deg=18.0, exposure_s=1.0)
    weighted = histograms.spectrum(np.array([15.5, 15.6]), weight=np.array([2.0, 2.0]))
    with pytest.raises(ArgumentError, match="unweighted"):
        flux_spectrum(weighted, zenith_max_deg=18.0, exposure_s=1.0)
    with pytest.raises(ArgumentError, match="1-D"):
        flux_spectrum(histograms.size_map(ak.Array({"lgNe": [5.0], "lgNmu": [4.0]})), zenith_max_deg=18.0,
                      exposure_s=1.0)  # fmt: skip


def test_poisson_interval_is_hists_number_for_number() -> None:
    from hist.intervals import poisson_interval as hist_poisson_interval

    counts = np.concatenate([np.arange(0.0, 3000.0), np.random.default_rng(5).poisson(40.0, 2000), [1e6, 3.7e7]])
    with np.errstate(invalid="ignore"):
        expected = hist_poisson_interval(counts.astype(float))
    got = poisson_interval(counts.astype(float))
    assert got.shape == (2, counts.size)
    assert np.array_equal(got, expected)  # bit for bit: the same scipy.special calls
    assert got[0, 0] == 0.0
    assert got[1, 0] > 1.0
