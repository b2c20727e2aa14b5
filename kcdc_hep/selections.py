"""Standard KASCADE quality cuts as pure functions on events, with a cut-flow record.

>>> import awkward as ak
>>> events = ak.Array({"zenith": [5.0, 30.0, 10.0], "core_x": [10.0, 0.0, 95.0], "core_y": [0.0, 0.0, 0.0],
...                    "age": [1.0, 1.0, 1.0]})
>>> selected, flow = select(events, Cuts())
>>> len(selected), flow.n_selected
(1, 1)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

import awkward as ak
import numpy as np

from kcdc_hep.errors import SchemaError
from kcdc_hep.schema import require

__all__ = ["CutStep", "Cutflow", "Cuts", "column", "core_distance", "select"]


def _as_events(events: Any, *, where: str) -> ak.Array:
    """Return ``events`` as an awkward Array of records (dicts of arrays are accepted)."""
    if isinstance(events, ak.Array) and ak.fields(events):
        return events
    if isinstance(events, Mapping):
        return ak.Array(dict(events))
    msg = f"{where}: expected events (an awkward Array of records with named fields), got {type(events).__name__}"
    raise SchemaError(msg)


def column(events: Any, name: str, *, where: str) -> np.ndarray:
    """The values of one field of ``events`` as a flat numpy array (``None`` becomes NaN for numbers).

    Raises :class:`~kcdc_hep.errors.MissingColumnError` (listing the available fields) if the field is absent.

    >>> column(ak.Array({"lgE": [15.0, 16.0]}), "lgE", where="doc").tolist()
    [15.0, 16.0]
    """
    events = _as_events(events, where=where)
    require(ak.fields(events), [name], where=where)
    values = events[name]
    if values.ndim != 1:
        msg = f"{where}: field {name!r} is a per-station list, not one value per event; pick a scalar field"
        raise SchemaError(msg)
    if isinstance(values.type.content, ak.types.OptionType):
        values = ak.fill_none(values, np.nan)
    return ak.to_numpy(values)


def core_distance(events: Any, *, where: str = "core_distance") -> np.ndarray:
    """Distance of the shower core from the array centre in m: ``core_dist`` if present, else √(core_x² + core_y²).

    >>> core_distance(ak.Array({"core_x": [3.0], "core_y": [4.0]})).tolist()
    [5.0]
    """
    events = _as_events(events, where=where)
    if "core_dist" in ak.fields(events):
        return column(events, "core_dist", where=where)
    require(ak.fields(events), ["core_x", "core_y"], where=f"{where} (core_dist absent, computing it)")
    return np.hypot(column(events, "core_x", where=where), column(events, "core_y", where=where))


@dataclass(frozen=True)
class Cuts:
    """The KASCADE quality cuts; any bound set to ``None`` is switched off.

    Defaults are those of the masterclass: nearly vertical showers (zenith ≤ 18°, the 0–18° band the KCDC energy
    estimator is normalised to), core within 91 m of the array centre, shower age 0.1–1.48. All bounds are
    inclusive; an event with a NaN value fails every cut on that value.

    Attributes
    ----------
    zenith_max_deg : float or None
        Largest zenith angle in degrees (KASCADE data reach 60°).
    core_radius_max_m : float or None
        Largest core distance from the array centre in m.
    age_min, age_max : float or None
        Range of the lateral shower age.
    lgNe_min, lgNmu_min : float or None
        Smallest log10 electron / muon numbers (e.g. to stay above the reconstruction threshold).
    lgE_min, lgE_max : float or None
        Energy range in lg(E/eV).
    """

    zenith_max_deg: float | None = 18.0
    core_radius_max_m: float | None = 91.0
    age_min: float | None = 0.1
    age_max: float | None = 1.48
    lgNe_min: float | None = None
    lgNmu_min: float | None = None
    lgE_min: float | None = None
    lgE_max: float | None = None

    def __post_init__(self) -> None:
        for name, value in asdict(self).items():
            if value is not None and (not isinstance(value, numbers.Real) or math.isnan(value)):
                msg = f"Cuts: {name} must be a number or None (to switch the cut off), got {value!r}"
                raise SchemaError(msg)
        if self.zenith_max_deg is not None and not 0 < self.zenith_max_deg <= 90:
            msg = f"Cuts: zenith_max_deg={self.zenith_max_deg} is not an angle in (0, 90] degrees"
            raise SchemaError(msg)
        if self.core_radius_max_m is not None and self.core_radius_max_m <= 0:
            msg = f"Cuts: core_radius_max_m={self.core_radius_max_m} must be positive (metres)"
            raise SchemaError(msg)
        for low, high in (("age_min", "age_max"), ("lgE_min", "lgE_max")):
            lo, hi = getattr(self, low), getattr(self, high)
            if lo is not None and hi is not None and lo > hi:
                msg = f"Cuts: {low}={lo} is larger than {high}={hi}; swap them"
                raise SchemaError(msg)

    def _steps(self) -> tuple[tuple[str, str, tuple[str, ...], Callable[[ak.Array], np.ndarray]], ...]:
        """The active cuts in order: (name, description, fields needed, function events → boolean mask)."""
        where = "select"
        out: list[tuple[str, str, tuple[str, ...], Callable[[ak.Array], np.ndarray]]] = []
        if self.zenith_max_deg is not None:
            zmax = self.zenith_max_deg
            out.append(("zenith", f"zenith <= {zmax:g} deg", ("zenith",),
                        lambda ev: column(ev, "zenith", where=where) <= zmax))  # fmt: skip
        if self.core_radius_max_m is not None:
            rmax = self.core_radius_max_m
            out.append(("core", f"core distance <= {rmax:g} m", (),
                        lambda ev: core_distance(ev, where=where) <= rmax))  # fmt: skip
        if self.age_min is not None or self.age_max is not None:
            out.append(("age", _range_text("age", self.age_min, self.age_max), ("age",),
                        _range_mask("age", self.age_min, self.age_max)))  # fmt: skip
        if self.lgNe_min is not None:
            out.append(("lgNe", f"lgNe >= {self.lgNe_min:g}", ("lgNe",), _range_mask("lgNe", self.lgNe_min, None)))
        if self.lgNmu_min is not None:
            out.append(("lgNmu", f"lgNmu >= {self.lgNmu_min:g}", ("lgNmu",),
                        _range_mask("lgNmu", self.lgNmu_min, None)))  # fmt: skip
        if self.lgE_min is not None or self.lgE_max is not None:
            out.append(("lgE", _range_text("lg(E/eV)", self.lgE_min, self.lgE_max), ("lgE",),
                        _range_mask("lgE", self.lgE_min, self.lgE_max)))  # fmt: skip
        return tuple(out)


def _range_text(label: str, low: float | None, high: float | None) -> str:
    if low is not None and high is not None:
        return f"{low:g} <= {label} <= {high:g}"
    return f"{label} >= {low:g}" if low is not None else f"{label} <= {high:g}"


def _range_mask(name: str, low: float | None, high: float | None) -> Callable[[ak.Array], np.ndarray]:
    def mask(events: ak.Array) -> np.ndarray:
        values = column(events, name, where="select")
        keep = np.ones(len(values), dtype=bool)
        if low is not None:
            keep &= values >= low
        if high is not None:
            keep &= values <= high
        return keep

    return mask


@dataclass(frozen=True)
class CutStep:
    """One line of a cut flow: events left after this cut and the fraction kept of those before it."""

    name: str
    description: str
    n_pass: int
    efficiency: float
    cumulative_efficiency: float


@dataclass(frozen=True)
class Cutflow:
    """The record of a selection: the number of events before the cuts and one :class:`CutStep` per cut, in order."""

    n_total: int
    steps: tuple[CutStep, ...]

    @property
    def n_selected(self) -> int:
        """Events passing every cut."""
        return self.steps[-1].n_pass if self.steps else self.n_total

    @property
    def efficiency(self) -> float:
        """Fraction of all events passing every cut (NaN for no events)."""
        return self.n_selected / self.n_total if self.n_total else math.nan

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dictionary (NaN efficiencies of empty inputs become ``None``)."""

        def clean(x: float) -> float | None:
            return None if math.isnan(x) else x

        return {
            "n_total": self.n_total,
            "n_selected": self.n_selected,
            "steps": [
                {
                    **asdict(s),
                    "efficiency": clean(s.efficiency),
                    "cumulative_efficiency": clean(s.cumulative_efficiency),
                }
                for s in self.steps
            ],
        }

    def __str__(self) -> str:
        rows = [("all events", "", f"{self.n_total:d}", "", "")]
        for s in self.steps:
            rows.append(
                (
                    s.name,
                    s.description,
                    f"{s.n_pass:d}",
                    f"{100 * s.efficiency:.1f}%",
                    f"{100 * s.cumulative_efficiency:.1f}%",
                )
            )
        header = ("cut", "requirement", "events", "of previous", "of all")
        widths = [max(len(r[i]) for r in (header, *rows)) for i in range(5)]

        def line(cells: tuple[str, ...]) -> str:
            pairs = enumerate(zip(cells, widths, strict=True))
            return "  ".join(f"{c:<{w}}" if i < 2 else f"{c:>{w}}" for i, (c, w) in pairs)

        lines = [line(r) for r in (header, *rows)]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(line.rstrip() for line in lines)


def select(events: Any, cuts: Cuts | None = None) -> tuple[ak.Array, Cutflow]:
    """Apply ``cuts`` (default :class:`Cuts`) in order and return the selected events and the :class:`Cutflow`.

    Parameters
    ----------
    events : awkward.Array
        Events with the canonical fields the active cuts need (``zenith`` [deg], ``core_dist`` or
        ``core_x``/``core_y`` [m], ``age``, ``lgNe``, ``lgNmu``, ``lgE`` [lg(E/eV)]).
    cuts : Cuts, optional
        The cuts; fields of switched-off cuts are not needed.

    Returns
    -------
    (awkward.Array, Cutflow)
        The events passing every cut, and the cut flow.

    Raises
    ------
    MissingColumnError
        If a field needed by an active cut is absent; the message lists the available fields.

    Examples
    --------
    >>> events = ak.Array({"zenith": [5.0, 30.0], "core_dist": [10.0, 10.0], "age": [1.0, 1.0]})
    >>> print(select(events, Cuts(zenith_max_deg=20))[1])
    cut         requirement            events  of previous  of all
    ----------  ---------------------  ------  -----------  ------
    all events                              2
    zenith      zenith <= 20 deg            1        50.0%   50.0%
    core        core distance <= 91 m       1       100.0%   50.0%
    age         0.1 <= age <= 1.48          1       100.0%   50.0%
    """
    cuts = Cuts() if cuts is None else cuts
    events = _as_events(events, where="select")
    steps = cuts._steps()
    fields = ak.fields(events)
    for _, _, needed, _ in steps:  # fail before doing any work
        require(fields, needed, where="select")
    if cuts.core_radius_max_m is not None and "core_dist" not in fields:
        require(fields, ["core_x", "core_y"], where="select (core cut; core_dist absent)")
    n_total = len(events)
    keep = np.ones(n_total, dtype=bool)
    records = []
    previous = n_total
    for name, description, _, mask in steps:
        keep &= mask(events)
        n_pass = int(np.count_nonzero(keep))
        records.append(
            CutStep(
                name=name,
                description=description,
                n_pass=n_pass,
                efficiency=n_pass / previous if previous else math.nan,
                cumulative_efficiency=n_pass / n_total if n_total else math.nan,
            )
        )
        previous = n_pass
    return events[keep], Cutflow(n_total=n_total, steps=tuple(records))
