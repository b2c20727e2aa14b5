"""The event model: one table of canonical fields, their units and the names every source uses for them.

Every reader returns an :class:`awkward.Array` of records whose fields are the canonical names below, whatever the
source. A field a source lacks is absent (or, like ``core_dist``, derived exactly), never invented.

>>> FIELDS["lgNe"].unit
'log10(number of electrons)'
>>> canonical_name("ELECTRON_NUMBER")
'lgNe'
>>> PRIMARIES["fe"].mass_number
56
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import awkward as ak
import numpy as np

from kcdc_hep.errors import MissingColumnError, SchemaError, UnknownPrimaryWarning, closest_first

__all__ = [
    "COMPONENTS",
    "FIELDS",
    "GRANDE_FIELDS",
    "PRIMARIES",
    "STATION_FIELDS",
    "Field",
    "Primary",
    "canonical_name",
    "describe",
    "lookup_primary",
    "mass_number",
    "primary_from_corsika_id",
    "primary_symbols",
    "require",
]


@dataclass(frozen=True)
class Field:
    """One canonical field of the event model.

    ``aliases`` are the names the field has in the sources (KCDC quantity names, masterclass headers, ROOT
    branches); matching is case-insensitive. ``kcdc`` is the KCDC name kcdc_hep writes to ROOT and HDF5 files.
    A field of a detector ``component`` (``"grande"``) has names that are only unique inside that component (KCDC
    calls the Grande core ``Xc`` too): its aliases and KCDC name match in that component's tree, group or file
    only, and everywhere else only its canonical name does.
    """

    name: str
    unit: str
    dtype: str
    description: str
    aliases: tuple[str, ...] = ()
    kcdc: str | None = None
    jagged: bool = False
    simulation_only: bool = False
    component: str | None = None


def _f(*args: object, **kwargs: object) -> Field:
    return Field(*args, **kwargs)  # type: ignore[arg-type]


_FIELD_LIST: tuple[Field, ...] = (
    _f(
        "lgE",
        "lg(E/eV)",
        "float64",
        "reconstructed primary energy (KCDC estimator)",
        ("E", "energy", "IgE", "lgE_rec", "log_energy"),
        kcdc="E",
    ),
    _f(
        "lgNe",
        "log10(number of electrons)",
        "float64",
        "reconstructed electron shower size",
        ("Ne", "electron_number", "IgNe", "lg_ne", "size"),
        kcdc="Ne",
    ),
    _f(
        "lgNmu",
        "log10(number of muons)",
        "float64",
        "reconstructed (truncated) muon number",
        ("Nmu", "muon_number", "IgNmu", "lg_nmu", "lgNmu_tr"),
        kcdc="Nmu",
    ),
    _f("zenith", "deg", "float64", "zenith angle of the shower axis", ("Ze", "zenith_deg", "theta"), kcdc="Ze"),
    _f("azimuth", "deg", "float64", "azimuth angle of the shower axis", ("Az", "azimuth_deg", "phi"), kcdc="Az"),
    _f("core_x", "m", "float64", "shower core x in the KASCADE frame", ("Xc", "X", "core_x_m", "xcore"), kcdc="Xc"),
    _f("core_y", "m", "float64", "shower core y in the KASCADE frame", ("Yc", "Y", "core_y_m", "ycore"), kcdc="Yc"),
    _f(
        "core_dist",
        "m",
        "float64",
        "distance of the core from the array centre, sqrt(core_x^2 + core_y^2)",
        ("CoreDist", "R_core", "core_radius", "rcore"),
        kcdc="CoreDist",
    ),
    _f("age", "1", "float64", "lateral shower age (0.1-1.48)", ("Age", "shower_age"), kcdc="Age"),
    _f(
        "time",
        "UTC",
        "datetime64[ns]",
        "time of the event (from Gt + Mt, or datetime)",
        ("datetime", "date_time", "utc"),
    ),
    _f("temperature", "degC", "float64", "air temperature", ("T", "temp"), kcdc="T"),
    _f("pressure", "hPa", "float64", "air pressure", ("P", "press"), kcdc="P"),
    _f("run", "1", "int32", "run number", ("R", "run_number"), kcdc="R"),
    _f("event", "1", "int64", "event number within the run", ("Ev", "event_number", "evt"), kcdc="Ev"),
    _f(
        "primary",
        "symbol",
        "string",
        "primary particle (p, He, C, Si, Fe, gamma, ...)",
        ("Particle", "particle_id", "prim", "Primary", "primary_id"),
        kcdc="Primary",
        simulation_only=True,
    ),
    _f(
        "lnA",
        "ln(mass number)",
        "float64",
        "ln A of the primary (KCDC estimator, or true for simulations)",
        ("ln_A", "lna"),
        kcdc="lnA",
    ),
    _f(
        "lgE_true",
        "lg(E/eV)",
        "float64",
        "true primary energy of a simulated shower",
        ("E_true", "lgE_mc", "TrueE"),
        kcdc="E_true",
        simulation_only=True,
    ),
    _f(
        "zenith_true",
        "deg",
        "float64",
        "true zenith angle of a simulated shower",
        ("Ze_true",),
        kcdc="Ze_true",
        simulation_only=True,
    ),
    _f(
        "azimuth_true",
        "deg",
        "float64",
        "true azimuth angle of a simulated shower",
        ("Az_true",),
        kcdc="Az_true",
        simulation_only=True,
    ),
    _f(
        "core_x_true",
        "m",
        "float64",
        "true core x of a simulated shower",
        ("Xc_true",),
        kcdc="Xc_true",
        simulation_only=True,
    ),
    _f(
        "core_y_true",
        "m",
        "float64",
        "true core y of a simulated shower",
        ("Yc_true",),
        kcdc="Yc_true",
        simulation_only=True,
    ),
    _f(
        "lgNe_true",
        "log10(number of electrons)",
        "float64",
        "true electron number at observation level",
        ("Ne_true",),
        kcdc="Ne_true",
        simulation_only=True,
    ),
    _f(
        "lgNmu_true",
        "log10(number of muons)",
        "float64",
        "true muon number at observation level",
        ("Nmu_true",),
        kcdc="Nmu_true",
        simulation_only=True,
    ),
    _f(
        "ehad",
        "GeV",
        "float64",
        "hadronic energy sum in the central calorimeter",
        ("Ehad", "ESUMHAD", "hadronic_energy"),
        kcdc="Ehad",
    ),
    _f(
        "nhad",
        "1",
        "int32",
        "number of reconstructed hadrons in the calorimeter",
        ("Nhad", "hadron_number"),
        kcdc="Nhad",
    ),
    _f(
        "n_stations", "1", "int32", "number of array stations with a signal", ("ArrivalN", "nstations"), kcdc="ArrivalN"
    ),
    _f(
        "station",
        "1",
        "int32",
        "ids of the array stations with a signal (0-251)",
        ("ArrivalS", "station_id", "stations"),
        kcdc="ArrivalS",
        jagged=True,
    ),
    _f(
        "e_deposit",
        "MeV",
        "float32",
        "e/gamma energy deposit per station",
        ("EDeposit", "edep"),
        kcdc="EDeposit",
        jagged=True,
    ),
    _f(
        "mu_deposit",
        "MeV",
        "float32",
        "muon energy deposit per station",
        ("MDeposit", "mdep"),
        kcdc="MDeposit",
        jagged=True,
    ),
    _f(
        "arrival_time", "ns", "float32", "arrival time per station", ("Arrival", "arrival"), kcdc="Arrival", jagged=True
    ),
    _f(
        "grande_deposit",
        "MeV",
        "float32",
        "energy deposit per Grande station",
        ("GDeposit",),
        kcdc="GDeposit",
        jagged=True,
    ),
    _f(
        "grande_arrival_time",
        "ns",
        "float32",
        "arrival time per Grande station",
        ("GArrival",),
        kcdc="GArrival",
        jagged=True,
    ),
    # KASCADE-Grande's own reconstruction (700 m x 700 m array, showers above ~10^16 eV); missing where Grande did
    # not see the event. KCDC names them as KASCADE does, inside the Grande component.
    _f(
        "grande_core_x",
        "m",
        "float64",
        "shower core x reconstructed by KASCADE-Grande (KASCADE frame)",
        ("Xc", "X", "core_x", "xcore"),
        kcdc="Xc",
        component="grande",
    ),
    _f(
        "grande_core_y",
        "m",
        "float64",
        "shower core y reconstructed by KASCADE-Grande (KASCADE frame)",
        ("Yc", "Y", "core_y", "ycore"),
        kcdc="Yc",
        component="grande",
    ),
    _f(
        "grande_zenith",
        "deg",
        "float64",
        "zenith angle reconstructed by KASCADE-Grande",
        ("Ze", "zenith", "theta"),
        kcdc="Ze",
        component="grande",
    ),
    _f(
        "grande_azimuth",
        "deg",
        "float64",
        "azimuth angle reconstructed by KASCADE-Grande",
        ("Az", "azimuth", "phi"),
        kcdc="Az",
        component="grande",
    ),
    _f(
        "grande_lgNch",
        "log10(number of charged particles)",
        "float64",
        "charged-particle shower size reconstructed by KASCADE-Grande",
        ("Nch", "lgNch", "charged_number"),
        kcdc="Nch",
        component="grande",
    ),
    _f(
        "grande_lgNmu",
        "log10(number of muons)",
        "float64",
        "muon number reconstructed by KASCADE-Grande",
        ("Nmu", "lgNmu", "muon_number"),
        kcdc="Nmu",
        component="grande",
    ),
    _f(
        "grande_age",
        "1",
        "float64",
        "lateral shower age reconstructed by KASCADE-Grande",
        ("Age", "age", "shower_age"),
        kcdc="Age",
        component="grande",
    ),
)

#: Canonical fields, by name, in a fixed order.
FIELDS: MappingProxyType[str, Field] = MappingProxyType({f.name: f for f in _FIELD_LIST})

#: Per-station (jagged) fields.
STATION_FIELDS: tuple[str, ...] = tuple(f.name for f in _FIELD_LIST if f.jagged)

#: KASCADE-Grande's own reconstruction: the fields of the ``grande`` component (one value per event, missing where
#: Grande did not see the shower).
GRANDE_FIELDS: tuple[str, ...] = tuple(f.name for f in _FIELD_LIST if f.component == "grande")

# KCDC time is split in two quantities; readers combine them into ``time``.
TIME_SECONDS_ALIASES = ("gt", "unix_time", "time_s")
TIME_NANOSECONDS_ALIASES = ("mt", "time_ns_in_second")

#: Detector components whose fields have names of their own (see :attr:`Field.component`).
COMPONENTS: tuple[str, ...] = tuple(dict.fromkeys(f.component for f in _FIELD_LIST if f.component))

_ALIAS_TO_NAME: dict[str, str] = {}
_COMPONENT_ALIASES: dict[str, dict[str, str]] = {c: {} for c in COMPONENTS}
for _field in _FIELD_LIST:
    _names = (_field.name, *_field.aliases, *((_field.kcdc,) if _field.kcdc else ()))
    if _field.component is None:
        for _alias in _names:
            _ALIAS_TO_NAME.setdefault(_alias.lower(), _field.name)
    else:
        _ALIAS_TO_NAME.setdefault(_field.name.lower(), _field.name)
        for _alias in _names:
            _COMPONENT_ALIASES[_field.component].setdefault(_alias.lower(), _field.name)


def canonical_name(name: str, *, component: str | None = None) -> str | None:
    """Return the canonical field name for a source's column name, or ``None`` if the schema does not know it.

    Matching is case-insensitive and ignores surrounding whitespace. Inside a detector ``component`` (a tree,
    group or file of that component: ``"grande"``) the component's own names come first.

    >>> canonical_name("IgNmu"), canonical_name("ZE"), canonical_name("unknown_branch") is None
    ('lgNmu', 'zenith', True)
    >>> canonical_name("Xc"), canonical_name("Xc", component="grande"), canonical_name("Nch")
    ('core_x', 'grande_core_x', None)
    """
    key = name.strip().lower()
    if component is not None:
        own = _COMPONENT_ALIASES.get(component, {}).get(key)
        if own is not None:
            return own
    return _ALIAS_TO_NAME.get(key)


def describe(name: str) -> str:
    """One line describing a canonical field with its unit.

    >>> describe("zenith")
    'zenith [deg]: zenith angle of the shower axis'
    """
    f = FIELDS[name]
    return f"{f.name} [{f.unit}]: {f.description}"


def require(events_fields: list[str] | tuple[str, ...], needed: list[str] | tuple[str, ...], *, where: str) -> None:
    """Raise :class:`MissingColumnError` if a needed field is absent, listing what is there, closest first."""
    missing = [n for n in needed if n not in events_fields]
    if missing:
        first = missing[0]
        listed = ", ".join(closest_first(first, events_fields)[:12]) or "nothing"
        msg = (
            f"{where}: field {first!r} is missing ({describe(first) if first in FIELDS else 'unknown field'}); "
            f"available: {listed}"
        )
        raise MissingColumnError(msg)


# --------------------------------------------------------------------------------------------------- primaries
@dataclass(frozen=True)
class Primary:
    """A primary cosmic-ray particle: its symbol, charge Z, mass number A and the codes sources use for it."""

    symbol: str
    name: str
    charge: int
    mass_number: int
    corsika_id: int
    codes: tuple[str, ...] = field(default=())

    @property
    def lnA(self) -> float:
        """ln of the mass number."""
        return math.log(self.mass_number) if self.mass_number > 0 else 0.0


_PRIMARY_LIST: tuple[Primary, ...] = (
    Primary("gamma", "photon", 0, 0, 1, ("gamma", "gm", "g", "photon", "1")),
    Primary("p", "proton", 1, 1, 14, ("p", "pr", "h", "h1", "proton", "14")),
    Primary("He", "helium", 2, 4, 402, ("he", "he4", "helium", "alpha", "402")),
    # "co" in the masterclass simulation: carbon standing for the CNO group
    Primary("C", "carbon (CNO group)", 6, 12, 1206, ("c", "co", "cno", "c12", "carbon", "1206")),
    Primary("N", "nitrogen", 7, 14, 1407, ("n", "n14", "nitrogen", "1407")),
    Primary("O", "oxygen", 8, 16, 1608, ("o", "o16", "oxygen", "1608")),
    Primary("Si", "silicon", 14, 28, 2814, ("si", "si28", "silicon", "2814")),
    Primary("Fe", "iron", 26, 56, 5626, ("fe", "ir", "fe56", "iron", "5626")),
)

#: Primary particles by any of their codes (lower case) and by symbol.
PRIMARIES: MappingProxyType[str, Primary] = MappingProxyType(
    {code: p for p in _PRIMARY_LIST for code in (*p.codes, p.symbol, p.symbol.lower())}
)

#: The five mass groups of the masterclass, light to heavy.
MASS_GROUPS: tuple[str, ...] = ("p", "He", "C", "Si", "Fe")


def lookup_primary(code: str | int) -> Primary | None:
    """Return the :class:`Primary` for a code (``"co"``, ``"Fe"``, ``5626``...), or ``None`` if unknown.

    >>> lookup_primary("co").symbol, lookup_primary(14).symbol, lookup_primary("xx") is None
    ('C', 'p', True)
    """
    key = str(code).strip().lower()
    if key.endswith(".0"):  # ids that travelled through a float column
        key = key[:-2]
    return PRIMARIES.get(key)


def primary_symbols(codes: np.ndarray | list[object], *, where: str = "input") -> np.ndarray:
    """Map an array of primary codes (strings or CORSIKA ids) to canonical symbols, vectorised.

    Unknown codes are kept as given and trigger one :class:`UnknownPrimaryWarning` listing them.

    >>> primary_symbols(["p", "co", "fe", "p"]).tolist()
    ['p', 'C', 'Fe', 'p']
    """
    values = np.asarray(codes)
    uniques, inverse = np.unique(values, return_inverse=True)
    mapped = []
    unknown = []
    for u in uniques.tolist():
        p = lookup_primary(u)
        if p is None:
            unknown.append(str(u))
            mapped.append(str(u))
        else:
            mapped.append(p.symbol)
    if unknown:
        known = ", ".join(sorted({p.codes[0] for p in _PRIMARY_LIST}))
        warnings.warn(
            f"{where}: unknown primary code(s) {', '.join(sorted(unknown))} kept as given "
            f"(known codes: {known}; see kcdc_hep.schema.PRIMARIES)",
            UnknownPrimaryWarning,
            stacklevel=2,
        )
    return np.asarray(mapped, dtype=object)[inverse.reshape(values.shape)]


def primary_from_corsika_id(ids: np.ndarray) -> np.ndarray:
    """Map CORSIKA particle ids (14 = p, 5626 = Fe, ...) to symbols; see :func:`primary_symbols`."""
    return primary_symbols(np.asarray(ids).astype(np.int64))


def corsika_id(symbols: np.ndarray | list[str]) -> np.ndarray:
    """Map primary symbols to CORSIKA ids (``-1`` for unknown symbols), vectorised.

    >>> corsika_id(["p", "Fe"]).tolist()
    [14, 5626]
    """
    return _per_primary(symbols, "corsika_id")


def mass_number(symbols: np.ndarray | list[str]) -> np.ndarray:
    """Mass number A for each primary symbol or code (``0`` for photons, ``-1`` for unknown codes).

    >>> mass_number(["p", "He", "C", "Si", "Fe"]).tolist()
    [1, 4, 12, 28, 56]
    """
    return _per_primary(symbols, "mass_number")


def _per_primary(symbols: np.ndarray | list[str], attribute: str) -> np.ndarray:
    """An integer attribute of :class:`Primary` for each code, ``-1`` for unknown codes (one lookup per code)."""
    values = np.asarray(symbols, dtype=object)
    uniques, inverse = np.unique(values.astype(str), return_inverse=True)
    found = [lookup_primary(u) for u in uniques.tolist()]
    table = np.array([getattr(p, attribute) if p is not None else -1 for p in found], dtype=np.int32)
    return table[inverse.reshape(values.shape)]


# ---------------------------------------------------------------------------------------------- event accessors
__all__ += ["as_events", "column"]


def as_events(events: object, *, where: str) -> ak.Array:
    """``events`` as an awkward Array of records (a dict of arrays is accepted).

    Raises
    ------
    SchemaError
        If ``events`` is neither records with named fields nor a mapping of arrays.

    >>> as_events({"lgE": [15.0]}, where="doc").fields
    ['lgE']
    """
    if isinstance(events, ak.Array) and ak.fields(events):
        return events
    if isinstance(events, Mapping):
        return ak.Array(dict(events))
    msg = f"{where}: expected events (an awkward Array of records with named fields), got {type(events).__name__}"
    raise SchemaError(msg)


def column(events: object, name: str, *, where: str) -> np.ndarray:
    """The values of one field of ``events`` as a flat numpy array (``None`` becomes NaN for numbers).

    Raises :class:`~kcdc_hep.errors.MissingColumnError` (listing the available fields) if the field is absent, and
    :class:`~kcdc_hep.errors.SchemaError` for a per-station (jagged) field.

    >>> import awkward as ak
    >>> column(ak.Array({"lgE": [15.0, 16.0]}), "lgE", where="doc").tolist()
    [15.0, 16.0]
    """
    records = as_events(events, where=where)
    require(ak.fields(records), [name], where=where)
    values = records[name]
    if values.ndim != 1:
        msg = f"{where}: field {name!r} is a per-station list, not one value per event; pick a scalar field"
        raise SchemaError(msg)
    if isinstance(values.type.content, ak.types.OptionType):
        values = ak.fill_none(values, np.nan)
    return ak.to_numpy(values)
