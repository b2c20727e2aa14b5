"""The all-particle flux J(E): live time, exposure, and the flux from a histogram of event counts.

J(E) = N / (ΔE · T · A · Ω) in m⁻² s⁻¹ sr⁻¹ GeV⁻¹: N showers in an energy bin of width ΔE (GeV), seen during the
live time T (s) on the fiducial area A (m²) within the effective solid angle Ω (sr) of the zenith cut.

>>> import numpy as np
>>> t = np.array([0, 1, 2, 1000, 1001], dtype=np.int64) * 1_000_000_000
>>> live_time(t)                                   # the 998 s pause between two runs does not count
3.0
>>> round(exposure(3.0, zenith_max_deg=18.0))      # T · π (91 m)² · π sin²(18°)
23414
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import awkward as ak
import numpy as np

from kcdc_hep._util import readonly
from kcdc_hep.errors import ArgumentError
from kcdc_hep.histograms import is_histogram
from kcdc_hep.histograms import spectrum as spectrum_histogram
from kcdc_hep.readers.flux_table import FluxSpectrum, read_flux_table
from kcdc_hep.schema import as_events, require

__all__ = [
    "MAX_GAP_S",
    "FluxSpectrum",
    "LiveTime",
    "exposure",
    "flux_spectrum",
    "live_time",
    "poisson_interval",
    "read_flux_table",
]

#: Largest gap in s between consecutive events that still counts as data taking (runs are separated by longer gaps).
MAX_GAP_S = 60.0


# ================================================================================================== live time
def _sorted_ns(time_ns: np.ndarray) -> np.ndarray:
    return np.sort(np.asarray(time_ns).astype("datetime64[ns]").astype(np.int64))


def _short_gaps(t_ns: np.ndarray, max_gap_s: float) -> np.ndarray:
    """The gaps in s between consecutive times (ns) that count as data taking: 0 ≤ gap < max_gap_s."""
    gaps: np.ndarray = np.diff(t_ns) / 1e9
    return gaps[(gaps >= 0) & (gaps < max_gap_s)]


def live_time(time_ns: np.ndarray, *, max_gap_s: float = MAX_GAP_S, previous_ns: int | None = None) -> float:
    """Data-taking time in s: the sum of the gaps between consecutive events that are shorter than ``max_gap_s``.

    Runs are separated by long pauses; counting only short gaps measures the time the detector was taking data (the
    first event of a run starts the clock). With event rates of 1–4 Hz a gap of a minute never happens inside a run.

    Parameters
    ----------
    time_ns : numpy.ndarray
        Event times as integer ns (or ``datetime64``); sorted here.
    max_gap_s : float
        Longest gap in s counted as data taking.
    previous_ns : int, optional
        Time of the last event before these (when streaming chunks), so the gap across chunks counts too.

    >>> t = np.array([0, 1, 2, 1000, 1001], dtype=np.int64) * 1_000_000_000
    >>> live_time(t)
    3.0
    """
    t = _sorted_ns(time_ns)
    if previous_ns is not None and t.size:
        t = np.concatenate([[previous_ns], t])
    return float(_short_gaps(t, max_gap_s).sum())


@dataclass(frozen=True, eq=False)
class LiveTime:
    """The live time of event times streamed in chunks: made per chunk, joined in file order with ``+``.

    Each chunk keeps its first and last time and its short inner gaps; :attr:`seconds` joins the chunks in order
    and counts the gap across each border too, which gives exactly :func:`live_time` summed chunk by chunk with
    ``previous_ns`` = the last time of the chunk before. ``a + b`` means "b follows a", so the chunks of a
    :func:`kcdc_hep.engine.map_reduce` run (merged in partition order) join as in one pass over the files.

    >>> s = 1_000_000_000
    >>> both = LiveTime.of_chunk(np.array([0, 1, 2]) * s) + LiveTime.of_chunk(np.array([3, 500]) * s)
    >>> both.seconds, both.first_ns, both.last_ns
    (3.0, 0, 500000000000)
    """

    pieces: tuple[tuple[int, int, np.ndarray], ...] = ()
    max_gap_s: float = MAX_GAP_S

    @classmethod
    def of_chunk(cls, time_ns: np.ndarray, *, max_gap_s: float = MAX_GAP_S) -> LiveTime:
        """The live-time piece of one chunk of event times (ns or ``datetime64``; an empty chunk adds nothing)."""
        t = _sorted_ns(time_ns)
        if not t.size:
            return cls((), max_gap_s)
        return cls(((int(t[0]), int(t[-1]), _short_gaps(t, max_gap_s)),), max_gap_s)

    def __add__(self, other: LiveTime) -> LiveTime:
        if not isinstance(other, LiveTime):
            return NotImplemented
        if other.max_gap_s != self.max_gap_s:
            msg = f"LiveTime: cannot join pieces with max_gap_s={self.max_gap_s} and {other.max_gap_s}"
            raise ArgumentError(msg)
        return LiveTime(self.pieces + other.pieces, self.max_gap_s)

    @property
    def seconds(self) -> float:
        """Live time in s of all chunks, joined in order (0 for no events)."""
        live_s = 0.0
        last: int | None = None
        for lo, hi, inner in self.pieces:
            gaps = inner
            if last is not None:  # the gap from the previous chunk leads the array, as in live_time(previous_ns=...)
                gaps = np.concatenate([_short_gaps(np.array([last, lo], dtype=np.int64), self.max_gap_s), inner])
            live_s += float(gaps.sum())
            last = hi
        return live_s

    @property
    def first_ns(self) -> int | None:
        """Time of the earliest event in ns (None for no events)."""
        return min((lo for lo, _, _ in self.pieces), default=None)

    @property
    def last_ns(self) -> int | None:
        """Time of the latest event in ns (None for no events)."""
        return max((hi for _, hi, _ in self.pieces), default=None)


# ================================================================================================== exposure
def exposure(
    live_time_s: float, *, zenith_max_deg: float, area_m2: float | None = None, core_radius_max_m: float = 91.0
) -> float:
    """Exposure T · A · Ω in m² s sr of a flat horizontal detector.

    The detector sees the projected area A·cos θ, so the effective solid angle up to θmax is
    Ω = ∫ cos θ dΩ = π sin²θmax (0.30 sr for 18°). A is ``area_m2``, by default π·r_max² of the core cut
    ``core_radius_max_m`` (91 m → 26 016 m²); T = ``live_time_s`` in s.

    Raises
    ------
    ArgumentError
        For a zenith angle outside (0, 90] degrees or a live time that is not positive.
    """
    if not 0 < zenith_max_deg <= 90:
        msg = f"exposure: zenith_max_deg={zenith_max_deg} must be in (0, 90] degrees"
        raise ArgumentError(msg)
    if not live_time_s > 0:
        msg = f"exposure: the exposure time is {live_time_s} s; pass exposure_s= (live time in seconds)"
        raise ArgumentError(msg)
    area = math.pi * core_radius_max_m**2 if area_m2 is None else float(area_m2)
    omega = math.pi * math.sin(math.radians(zenith_max_deg)) ** 2
    return float(live_time_s) * area * omega


# ================================================================================================== flux
def flux_spectrum(
    data: Any,
    *,
    zenith_max_deg: float,
    bins: Sequence[float] | np.ndarray | tuple[int, float, float] | None = None,
    area_m2: float | None = None,
    core_radius_max_m: float = 91.0,
    exposure_s: float | None = None,
    label: str | None = None,
) -> FluxSpectrum:
    """All-particle differential flux J(E) = N / (ΔE · T · A · Ω) from the counts in lgE bins.

    Parameters
    ----------
    data : hist.Hist or awkward.Array
        A 1-D histogram of event counts in lg(E/eV) (e.g. :func:`kcdc_hep.histograms.spectrum`, or one filled
        chunk by chunk), or the selected events with ``lgE`` [lg(E/eV)] (and ``time`` unless ``exposure_s`` is
        given), which are histogrammed in ``bins`` first.
    zenith_max_deg : float
        The zenith cut applied to the events, θmax in degrees.
    bins : edges or (n, low, high)
        Energy bins in lg(E/eV), for events only (a histogram brings its own).
    area_m2 : float, optional
        Fiducial area A in m²; default π·r_max² of the core cut ``core_radius_max_m``.
    core_radius_max_m : float
        Radius of the core cut, used when ``area_m2`` is not given.
    exposure_s : float, optional
        Live time T in s (see :func:`live_time`). Needed for a histogram; for events the default is
        max(time) − min(time) (an upper bound on the live time).
    label : str, optional
        Label of the spectrum (default ``"from events"`` or ``"from counts"``).

    Returns
    -------
    FluxSpectrum
        Flux in m⁻² s⁻¹ sr⁻¹ GeV⁻¹ at the logarithmic bin centres in GeV, with asymmetric 68 % Poisson (Garwood)
        errors from :func:`hist.intervals.poisson_interval`.

    Raises
    ------
    ArgumentError
        For a bad zenith angle or exposure, ``bins`` missing for events or given with a histogram, a histogram
        that is not 1-D or holds weights.
    MissingColumnError
        If the events lack ``lgE`` (or ``time`` when needed).

    Notes
    -----
    Exposure: see :func:`exposure`. Full trigger and reconstruction efficiency is assumed: below ~1 PeV the KASCADE
    efficiency falls and the flux is underestimated. ΔE is in GeV (E = 10^(lgE − 9) GeV). Events are counted as
    hist counts them: a value on the upper edge of the last bin lies outside it.
    """
    where = "flux_spectrum"
    if is_histogram(data):
        if bins is not None:
            msg = f"{where}: bins= is for events; a histogram brings its own energy bins"
            raise ArgumentError(msg)
        if exposure_s is None:
            msg = f"{where}: a histogram holds no event times; pass exposure_s= (live time in seconds, see live_time)"
            raise ArgumentError(msg)
        t_exposure = exposure(
            exposure_s, zenith_max_deg=zenith_max_deg, area_m2=area_m2, core_radius_max_m=core_radius_max_m
        )
        return _flux(data, t_exposure, label="from counts" if label is None else label)
    if bins is None:
        msg = f"{where}: pass bins= (lg(E/eV) edges or (n, low, high)) to histogram the events"
        raise ArgumentError(msg)
    events = as_events(data, where=where)
    counts = spectrum_histogram(events, bins=bins)
    if exposure_s is None:
        require(ak.fields(events), ["time"], where=f"{where} (no exposure_s given)")
        t = ak.to_numpy(events["time"]).astype("datetime64[ns]").astype(np.int64)
        exposure_s = (t.max() - t.min()) / 1e9 if t.size else 0.0
    return flux_spectrum(
        counts,
        zenith_max_deg=zenith_max_deg,
        area_m2=area_m2,
        core_radius_max_m=core_radius_max_m,
        exposure_s=exposure_s,
        label="from events" if label is None else label,
    )


def poisson_interval(counts: np.ndarray) -> np.ndarray:
    """The 68 % Garwood interval of Poisson counts, number for number :func:`hist.intervals.poisson_interval`.

    The same two formulas (``chi2.ppf(q, df) = 2 gammaincinv(df/2, q)``) through :mod:`scipy.special`: importing
    ``hist.intervals`` imports :mod:`scipy.stats`, half a second of the masterclass job's start.
    """
    from scipy import special

    coverage = special.ndtr(1.0) - special.ndtr(-1.0)
    with np.errstate(invalid="ignore"):
        low = 2.0 * special.gammaincinv(2.0 * counts / 2, (1 - coverage) / 2) / 2.0
    low[counts == 0.0] = 0.0  # undefined (NaN) at zero counts
    high = 2.0 * special.gammaincinv(2.0 * (counts + 1.0) / 2, (1 + coverage) / 2) / 2.0
    return np.stack((low, high))


def _flux(h: Any, exposure_m2_s_sr: float, *, label: str) -> FluxSpectrum:
    """The flux of a 1-D count histogram in lg(E/eV) for the given exposure."""
    if len(h.axes) != 1:
        msg = f"flux_spectrum: needs a 1-D histogram of counts in lg(E/eV), got {len(h.axes)} axes; project it first"
        raise ArgumentError(msg)
    counts = np.asarray(h.values(), dtype=float)
    variances = h.variances()
    if variances is not None and not np.allclose(variances, counts):
        msg = "flux_spectrum: needs unweighted counts (variances = counts), got a weighted histogram"
        raise ArgumentError(msg)
    e_edges = 10.0 ** (np.asarray(h.axes[0].edges, dtype=np.float64) - 9.0)
    denom = np.diff(e_edges) * exposure_m2_s_sr
    low, high = poisson_interval(counts)
    return FluxSpectrum(
        energy_GeV=readonly(np.sqrt(e_edges[1:] * e_edges[:-1])),
        flux=readonly(counts / denom),
        flux_err_low=readonly((counts - low) / denom),
        flux_err_high=readonly((high - counts) / denom),
        energy_edges_GeV=readonly(e_edges),
        counts=readonly(counts),
        exposure_m2_s_sr=exposure_m2_s_sr,
        label=label,
    )
