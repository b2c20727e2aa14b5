"""The data-taking of the synthetic measured samples: runs spread over 1998-2013, event times, weather.

:func:`run_table` lays out runs of :data:`RUN_EVENTS` events over the data-taking period with event rates that vary
with the weather and add up to the live time in which the sky sends the events through the detector;
:func:`data_time` gives each event its time, temperature, pressure, run and event number.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from kcdc_hep.errors import ArgumentError

__all__ = ["DATA_END", "DATA_START", "RUN_EVENTS", "Runs", "data_time", "run_table", "seasonal_temperature"]

#: First and last day of KASCADE data in the masterclass samples (UTC).
DATA_START = np.datetime64("1998-05-08T00:00:00", "ns")
DATA_END = np.datetime64("2013-01-15T00:00:00", "ns")
#: Events per data run (a chunk of the generator holds whole runs).
RUN_EVENTS = 1 << 13


@dataclass(frozen=True)
class Runs:
    """The runs of a data set: start [UTC ns], mean event rate [Hz], pressure [hPa], temperature offset [°C], number."""

    start_ns: np.ndarray  # int64, UTC ns
    rate_hz: np.ndarray
    pressure: np.ndarray
    temperature_anomaly: np.ndarray
    number: np.ndarray


def run_table(n_events: int, ss: np.random.SeedSequence, live_time_s: float) -> Runs:
    """Data runs of ``RUN_EVENTS`` events spread over the data-taking period, in time order.

    The event rate of a run varies with the weather (a factor 1.2–3.8, lower at high pressure); all rates are scaled
    so that the runs add up to ``live_time_s``, the time in which the sky sends the events through the detector.
    """
    rng = np.random.default_rng(ss)
    n_runs = max(1, -(-n_events // RUN_EVENTS))
    events = np.full(n_runs, RUN_EVENTS, dtype=float)
    events[-1] = n_events - RUN_EVENTS * (n_runs - 1)
    pressure = 1003.0 + 8.0 * rng.standard_normal(n_runs)
    relative = np.clip(rng.uniform(1.2, 3.8, n_runs) * np.exp(-(pressure - 1003.0) / 100.0), 1.0, 4.0)
    scale = float(np.sum(events / relative)) / live_time_s if live_time_s > 0 else 1.0
    rate = relative * scale
    anomaly = 3.0 * rng.standard_normal(n_runs)
    period = (DATA_END - DATA_START).astype(np.int64)
    spacing = period // n_runs
    longest = int(np.max(RUN_EVENTS / rate) * 1.2e9)  # ns, with margin
    if spacing < 2 * longest:
        msg = (
            f"simulate: {n_events} data events do not fit into the data-taking period at {rate.mean():.2g} Hz (the "
            "rate of the sky's showers in the detector); simulate fewer events or kind='simulation'"
        )
        raise ArgumentError(msg)
    start = DATA_START.astype(np.int64) + np.arange(n_runs) * spacing + (rng.random(n_runs) * (spacing - longest))
    start = start.astype(np.int64)
    number = 880 + (start - DATA_START.astype(np.int64)) // (8 * 3600 * 1_000_000_000)
    return Runs(start, rate, pressure, anomaly, number.astype(np.int32))


def seasonal_temperature(t_ns: np.ndarray) -> np.ndarray:
    """Mean air temperature at Karlsruhe, °C: 10 ± 10 over the year (coldest mid-January), ±3 over the day."""
    days = t_ns / 86_400e9
    doy = days % 365.2425
    hour = (days % 1.0) * 24.0
    return 10.0 - 10.0 * np.cos(2 * math.pi * (doy - 15.0) / 365.2425) - 3.0 * np.cos(2 * math.pi * (hour - 3.0) / 24)


def data_time(rng: np.random.Generator, first: int, m: int, runs: Runs) -> dict[str, np.ndarray]:
    """Time, weather, run and event numbers of events ``first ... first + m`` (whole runs)."""
    run_idx = (first + np.arange(m)) // RUN_EVENTS
    gaps = rng.exponential(1.0, m) / runs.rate_hz[run_idx] * 1e9  # ns
    cum = np.cumsum(gaps)
    run_first = np.r_[True, run_idx[1:] != run_idx[:-1]]
    starts = np.flatnonzero(run_first)
    offset = np.repeat(cum[starts] - gaps[starts], np.diff(np.r_[starts, m]))
    t = runs.start_ns[run_idx] + (cum - offset).astype(np.int64)
    ev_gaps = 1 + rng.geometric(0.35, m)
    ev_cum = np.cumsum(ev_gaps)
    event = ev_cum - np.repeat(ev_cum[starts] - ev_gaps[starts], np.diff(np.r_[starts, m]))
    temperature = seasonal_temperature(t.astype(float)) + runs.temperature_anomaly[run_idx]
    temperature = temperature + 0.3 * rng.standard_normal(m)
    pressure = runs.pressure[run_idx] + 0.3 * rng.standard_normal(m)
    return {
        "time": t.astype("datetime64[ns]"),
        "temperature": temperature,
        "pressure": pressure,
        "run": runs.number[run_idx],
        "event": event.astype(np.int64),
    }
