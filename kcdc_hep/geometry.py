"""The KASCADE detector layout: 252 array stations and the central hadron calorimeter.

The KASCADE array is a square grid of 16 × 16 positions, 13 m apart and centred on the array centre (0, 0): the
coordinates are ±6.5, ±19.5, …, ±97.5 m. The four central positions are taken by the central detector, which leaves
252 stations in 16 clusters of 4 × 4 positions (the four inner clusters have 15 stations each).

Station ids 0–251 run row by row from south to north (increasing y) and, within a row, from west to east
(increasing x), skipping the four central positions. Each station holds e/γ scintillators (1.6 m² in the 12 outer
clusters, 3.2 m² in the 4 inner ones) and, in the outer clusters only, a shielded muon counter of 3.24 m².

The central detector (hadron calorimeter, 16 m × 20 m) sits in the middle of the array.

>>> len(STATION_X), float(STATION_X[0]), float(STATION_Y[0]), float(STATION_X[-1])
(252, -97.5, -97.5, 97.5)
>>> int(STATION_CLUSTER[0]), int(STATION_CLUSTER[-1])
(0, 15)
>>> station_distance(0.0, 0.0, [0]).round(2).tolist()
[137.89]
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = [
    "CALORIMETER_HALF_X_M",
    "CALORIMETER_HALF_Y_M",
    "GRID_SPACING_M",
    "N_STATIONS",
    "STATION_CLUSTER",
    "STATION_EG_AREA_M2",
    "STATION_MU_AREA_M2",
    "STATION_X",
    "STATION_Y",
    "calorimeter_distance",
    "in_calorimeter",
    "station_distance",
]

#: Distance between neighbouring stations, m.
GRID_SPACING_M = 13.0
#: Number of array stations.
N_STATIONS = 252
#: Half-sizes of the central hadron calorimeter (16 m in x, 20 m in y), m.
CALORIMETER_HALF_X_M = 8.0
CALORIMETER_HALF_Y_M = 10.0


def _layout() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    axis = (np.arange(16) - 7.5) * GRID_SPACING_M  # -97.5 ... 97.5
    yy, xx = np.meshgrid(axis, axis, indexing="ij")  # row (y) major, x within a row
    x, y = xx.ravel(), yy.ravel()
    central = (np.abs(x) < GRID_SPACING_M) & (np.abs(y) < GRID_SPACING_M)
    col, row = np.meshgrid(np.arange(16), np.arange(16), indexing="xy")
    cluster = (row // 4) * 4 + col // 4
    keep = ~central
    return x[keep].copy(), y[keep].copy(), cluster.ravel()[keep].astype(np.int32)


_X, _Y, _CLUSTER = _layout()
for _a in (_X, _Y, _CLUSTER):
    _a.flags.writeable = False

#: x of each station (id 0–251), m, KASCADE frame.
STATION_X: np.ndarray = _X
#: y of each station (id 0–251), m, KASCADE frame.
STATION_Y: np.ndarray = _Y
#: Cluster (0–15, row by row from the south-west corner) of each station.
STATION_CLUSTER: np.ndarray = _CLUSTER

_INNER = np.isin(_CLUSTER, (5, 6, 9, 10))
#: e/γ scintillator area of each station, m² (3.2 in the inner clusters, 1.6 in the outer ones).
STATION_EG_AREA_M2: np.ndarray = np.where(_INNER, 3.2, 1.6)
#: Muon counter area of each station, m² (0 in the inner clusters, which have none).
STATION_MU_AREA_M2: np.ndarray = np.where(_INNER, 0.0, 3.24)
STATION_EG_AREA_M2.flags.writeable = False
STATION_MU_AREA_M2.flags.writeable = False


def station_distance(core_x: Any, core_y: Any, station_ids: Any) -> np.ndarray:
    """Horizontal distance between shower cores and stations, m (vectorised, numpy broadcasting).

    Parameters
    ----------
    core_x, core_y : float or array
        Core position in m.
    station_ids : int or array of int
        Station ids 0–251; broadcast against the core arrays (use ``ids[None, :]`` and ``x[:, None]`` for an
        events × stations table).

    Returns
    -------
    numpy.ndarray
        Distance in the ground plane, m.

    Examples
    --------
    >>> station_distance(np.array([0.0, 10.0])[:, None], 0.0, np.array([0, 251])[None, :]).round(1).tolist()
    [[137.9, 137.9], [145.1, 131.0]]
    """
    ids = np.asarray(station_ids, dtype=np.intp)
    return np.hypot(STATION_X[ids] - np.asarray(core_x, dtype=float), STATION_Y[ids] - np.asarray(core_y, dtype=float))


def in_calorimeter(core_x: Any, core_y: Any) -> np.ndarray:
    """Whether a core lies on the central calorimeter (16 m × 20 m around the array centre).

    >>> in_calorimeter(np.array([0.0, 7.9, 8.1]), np.array([0.0, 9.0, 0.0])).tolist()
    [True, True, False]
    """
    return (np.abs(np.asarray(core_x, dtype=float)) <= CALORIMETER_HALF_X_M) & (
        np.abs(np.asarray(core_y, dtype=float)) <= CALORIMETER_HALF_Y_M
    )


def calorimeter_distance(core_x: Any, core_y: Any) -> np.ndarray:
    """Distance of a core from the edge of the calorimeter area, m (0 on the calorimeter).

    >>> calorimeter_distance(np.array([0.0, 11.0, 11.0]), np.array([0.0, 0.0, 14.0])).tolist()
    [0.0, 3.0, 5.0]
    """
    dx = np.maximum(np.abs(np.asarray(core_x, dtype=float)) - CALORIMETER_HALF_X_M, 0.0)
    dy = np.maximum(np.abs(np.asarray(core_y, dtype=float)) - CALORIMETER_HALF_Y_M, 0.0)
    return np.hypot(dx, dy)
