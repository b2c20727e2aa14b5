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
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import asdict, dataclass, fields, replace
from types import MappingProxyType
from typing import Any, NamedTuple

import awkward as ak
import numpy as np

from kcdc_hep._util import to_jsonable
from kcdc_hep.errors import ArgumentError
from kcdc_hep.schema import as_events, column, require

__all__ = ["CUT_FIELDS", "ActiveCut", "CutStep", "Cutflow", "Cuts", "column", "core_distance", "select"]

#: The fields each option of :class:`Cuts` needs, as alternatives of which one must be present in full
#: (the core cut takes ``core_dist`` or else computes it from ``core_x`` and ``core_y``).
CUT_FIELDS: Mapping[str, tuple[tuple[str, ...], ...]] = MappingProxyType(
    {
        "zenith_max_deg": (("zenith",),),
        "core_radius_max_m": (("core_dist",), ("core_x", "core_y")),
        "age_min": (("age",),),
        "age_max": (("age",),),
        "lgNe_min": (("lgNe",),),
        "lgNmu_min": (("lgNmu",),),
        "lgE_min": (("lgE",),),
        "lgE_max": (("lgE",),),
    }
)


def core_distance(events: Any, *, where: str = "core_distance") -> np.ndarray:
    """Distance of the shower core from the array centre in m: ``core_dist`` if present, else √(core_x² + core_y²).

    >>> core_distance(ak.Array({"core_x": [3.0], "core_y": [4.0]})).tolist()
    [5.0]
    """
    events = as_events(events, where=where)
    if "core_dist" in ak.fields(events):
        return column(events, "core_dist", where=where)
    require(ak.fields(events), ["core_x", "core_y"], where=f"{where} (core_dist absent, computing it)")
    return np.hypot(column(events, "core_x", where=where), column(events, "core_y", where=where))


class ActiveCut(NamedTuple):
    """One switched-on cut of :class:`Cuts`, as :meth:`Cuts.steps` lists them in order.

    Attributes
    ----------
    name : str
        Short name (``"zenith"``, ``"core"``, ``"age"``, ``"lgNe"``, ``"lgNmu"``, ``"lgE"``).
    description : str
        The requirement in words (``"zenith <= 18 deg"``).
    needs : tuple of tuple of str
        Alternative sets of fields, one of which the events must have (see :data:`CUT_FIELDS`).
    mask : callable
        ``mask(events) -> numpy.ndarray`` of bool, True for the events that pass.
    """

    name: str
    description: str
    needs: tuple[tuple[str, ...], ...]
    mask: Callable[[ak.Array], np.ndarray]


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
                raise ArgumentError(msg)
        if self.zenith_max_deg is not None and not 0 < self.zenith_max_deg <= 90:
            msg = f"Cuts: zenith_max_deg={self.zenith_max_deg} is not an angle in (0, 90] degrees"
            raise ArgumentError(msg)
        if self.core_radius_max_m is not None and self.core_radius_max_m <= 0:
            msg = f"Cuts: core_radius_max_m={self.core_radius_max_m} must be positive (metres)"
            raise ArgumentError(msg)
        for low, high in (("age_min", "age_max"), ("lgE_min", "lgE_max")):
            lo, hi = getattr(self, low), getattr(self, high)
            if lo is not None and hi is not None and lo > hi:
                msg = f"Cuts: {low}={lo} is larger than {high}={hi}; swap them"
                raise ArgumentError(msg)

    def steps(self) -> tuple[ActiveCut, ...]:
        """The switched-on cuts in the order :func:`select` applies them.

        >>> [cut.name for cut in Cuts(age_min=None, age_max=None).steps()]
        ['zenith', 'core']
        """
        where = "select"
        out: list[ActiveCut] = []
        if self.zenith_max_deg is not None:
            zmax = self.zenith_max_deg
            out.append(ActiveCut("zenith", f"zenith <= {zmax:g} deg", CUT_FIELDS["zenith_max_deg"],
                                 lambda ev: column(ev, "zenith", where=where) <= zmax))  # fmt: skip
        if self.core_radius_max_m is not None:
            rmax = self.core_radius_max_m
            out.append(ActiveCut("core", f"core distance <= {rmax:g} m", CUT_FIELDS["core_radius_max_m"],
                                 lambda ev: core_distance(ev, where=where) <= rmax))  # fmt: skip
        if self.age_min is not None or self.age_max is not None:
            out.append(ActiveCut("age", _range_text("age", self.age_min, self.age_max), CUT_FIELDS["age_min"],
                                 _range_mask("age", self.age_min, self.age_max)))  # fmt: skip
        if self.lgNe_min is not None:
            out.append(ActiveCut("lgNe", f"lgNe >= {self.lgNe_min:g}", CUT_FIELDS["lgNe_min"],
                                 _range_mask("lgNe", self.lgNe_min, None)))  # fmt: skip
        if self.lgNmu_min is not None:
            out.append(ActiveCut("lgNmu", f"lgNmu >= {self.lgNmu_min:g}", CUT_FIELDS["lgNmu_min"],
                                 _range_mask("lgNmu", self.lgNmu_min, None)))  # fmt: skip
        if self.lgE_min is not None or self.lgE_max is not None:
            out.append(ActiveCut("lgE", _range_text("lg(E/eV)", self.lgE_min, self.lgE_max), CUT_FIELDS["lgE_min"],
                                 _range_mask("lgE", self.lgE_min, self.lgE_max)))  # fmt: skip
        return tuple(out)

    def missing_fields(self, available: Collection[str]) -> dict[str, str]:
        """The switched-on options whose fields are not in ``available``, each with the fields it would need.

        >>> Cuts().missing_fields({"zenith", "core_x", "core_y"})
        {'age_min': 'age', 'age_max': 'age'}
        """
        have = set(available)
        out: dict[str, str] = {}
        for option in fields(self):
            needs = CUT_FIELDS.get(option.name, ())
            if getattr(self, option.name) is not None and not any(set(alt) <= have for alt in needs):
                out[option.name] = " or ".join("+".join(alt) for alt in needs)
        return out

    def applicable_to(self, available: Collection[str]) -> Cuts:
        """These cuts with every cut switched off (``None``) whose fields are not in ``available``.

        Apply the result to data and simulation alike, so that both are cut the same way.

        >>> Cuts().applicable_to({"zenith", "core_dist"}).age_min is None
        True
        """
        return replace(self, **dict.fromkeys(self.missing_fields(available)))


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

    @classmethod
    def from_counts(cls, n_total: int, passed: Iterable[tuple[str, str, int]]) -> Cutflow:
        """The cut flow of ``n_total`` events from ``(name, description, events passing)`` per cut, in order.

        The efficiency of each step is its count over the one before (NaN after zero events).

        >>> Cutflow.from_counts(10, [("zenith", "zenith <= 18 deg", 4)]).steps[0].efficiency
        0.4
        """
        steps = []
        previous = n_total
        for name, description, n_pass in passed:
            steps.append(
                CutStep(
                    name=name,
                    description=description,
                    n_pass=int(n_pass),
                    efficiency=n_pass / previous if previous else math.nan,
                    cumulative_efficiency=n_pass / n_total if n_total else math.nan,
                )
            )
            previous = n_pass
        return cls(n_total=int(n_total), steps=tuple(steps))

    def merge(self, other: Cutflow) -> Cutflow:
        """The cut flow of two samples cut alike (e.g. two chunks of a file): counts add, efficiencies from the sums.

        Raises
        ------
        ArgumentError
            If the two flows have different cuts.

        >>> a = Cutflow.from_counts(10, [("zenith", "zenith <= 18 deg", 4)])
        >>> (a + a).n_selected, (a + a).steps[0].efficiency
        (8, 0.4)
        """
        mine = [(s.name, s.description) for s in self.steps]
        theirs = [(s.name, s.description) for s in other.steps]
        if mine != theirs:
            msg = f"Cutflow.merge: the cut flows have different cuts ({mine} and {theirs}); merge flows of equal cuts"
            raise ArgumentError(msg)
        counts = [s.n_pass + t.n_pass for s, t in zip(self.steps, other.steps, strict=True)]
        return Cutflow.from_counts(
            self.n_total + other.n_total, [(*key, n) for key, n in zip(mine, counts, strict=True)]
        )

    def __add__(self, other: Cutflow) -> Cutflow:
        """``a + b`` is :meth:`merge` (so :func:`kcdc_hep.engine.map_reduce` merges the flows of chunks)."""
        if not isinstance(other, Cutflow):
            return NotImplemented
        return self.merge(other)

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
        return to_jsonable(
            {"n_total": self.n_total, "n_selected": self.n_selected, "steps": [asdict(s) for s in self.steps]}
        )

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
    events = as_events(events, where="select")
    steps = cuts.steps()
    available = ak.fields(events)
    for cut in steps:  # fail before doing any work
        _require_one_of(available, cut, where="select")
    n_total = len(events)
    keep = np.ones(n_total, dtype=bool)
    passed = []
    for cut in steps:
        keep &= cut.mask(events)
        passed.append((cut.name, cut.description, int(np.count_nonzero(keep))))
    return events[keep], Cutflow.from_counts(n_total, passed)


def _require_one_of(available: list[str], cut: ActiveCut, *, where: str) -> None:
    """Raise MissingColumnError (naming the last alternative) unless one of the cut's field sets is available."""
    if any(set(alt) <= set(available) for alt in cut.needs):
        return
    if len(cut.needs) > 1:
        absent = " and ".join("+".join(alt) for alt in cut.needs[:-1])
        where = f"{where} ({cut.name} cut; {absent} absent)"
    require(available, list(cut.needs[-1]), where=where)
