"""Turn a source's raw columns into the event model (canonical names, units, dtypes).

This is the one place where source names become canonical ones; every reader ends here. It also holds what a value
of each field may physically be (:data:`RANGES`), so that a column in the wrong unit (a linear ``Ne`` where lg Ne
belongs, a pressure in Pa) is refused with the field and its unit named, never read as a wrong number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import awkward as ak
import numpy as np

from kcdc_hep import schema
from kcdc_hep.errors import CorruptFileError, MissingColumnError, SchemaError, closest_first

__all__ = [
    "INDEX_NAMES",
    "RANGES",
    "TIME_RANGE",
    "ColumnPlan",
    "ValueRange",
    "first_out_of_range",
    "name_clashes",
    "plan_columns",
    "range_problem",
    "row_index",
    "to_events",
    "value_problem",
]

#: Source columns that are consumed to build ``time`` (KCDC: Gt = Unix seconds, Mt = ns within the second).
_GT = set(schema.TIME_SECONDS_ALIASES)
_MT = set(schema.TIME_NANOSECONDS_ALIASES)
#: Legacy KCDC date/time text columns, redundant with Gt (and less precise); consumed, not kept.
_REDUNDANT = {"ymd", "hms"}
#: Columns that are a pandas index written along with the data.
INDEX_NAMES = {"", "unnamed: 0", "index", "__index_level_0__"}
#: Fields for which the legacy KCDC text layout writes -1 when the calorimeter has no value.
_MINUS_ONE_MISSING = {"ehad", "nhad"}


@dataclass(frozen=True)
class ValueRange:
    """The values a field can physically take, in the unit of :data:`kcdc_hep.schema.FIELDS`.

    A value outside (``low`` .. ``high``, both included) means the column holds another quantity or another unit;
    ``hint`` says what the value should be. Missing values (NaN) are not checked.
    """

    low: float
    high: float
    hint: str


_LG_E = ValueRange(10.0, 22.0, "give lg(E/eV) (KASCADE: 14 to 18); a linear energy is far above, lg(E/GeV) below")
_LG_NE = ValueRange(-2.0, 12.0, "give log10 of the electron number (KASCADE: 2 to 8); a linear number is far above")
_LG_NMU = ValueRange(-2.0, 10.0, "give log10 of the muon number (KASCADE: 2 to 6); a linear number is far above")
_ZENITH = ValueRange(0.0, 90.0, "give the zenith angle in degrees (0 to 90)")
_AZIMUTH = ValueRange(-360.0, 360.0, "give the azimuth angle in degrees")
_CORE = ValueRange(-1000.0, 1000.0, "give the core position in m (the array spans about 200 m, Grande 700 m)")

#: Physical range of each canonical field that has one (lg sizes, angles, core position, weather, counters).
#: Readers of text tables refuse a value outside it, naming the field, the line and the unit it should be in.
RANGES: MappingProxyType[str, ValueRange] = MappingProxyType(
    {
        "lgE": _LG_E,
        "lgE_true": _LG_E,
        "lgNe": _LG_NE,
        "lgNe_true": _LG_NE,
        "lgNmu": _LG_NMU,
        "lgNmu_true": _LG_NMU,
        "zenith": _ZENITH,
        "zenith_true": _ZENITH,
        "azimuth": _AZIMUTH,
        "azimuth_true": _AZIMUTH,
        "core_x": _CORE,
        "core_y": _CORE,
        "core_x_true": _CORE,
        "core_y_true": _CORE,
        "core_dist": ValueRange(0.0, 1500.0, "give the distance of the core from the array centre in m"),
        "age": ValueRange(0.0, 3.0, "give the lateral shower age (KASCADE: 0.1 to 1.48)"),
        "temperature": ValueRange(-60.0, 60.0, "give the air temperature in degrees Celsius (not K or F)"),
        "pressure": ValueRange(800.0, 1100.0, "give the air pressure in hPa (not Pa or kPa)"),
        "run": ValueRange(0.0, 2**31 - 1, "run numbers are whole numbers from 0"),
        "event": ValueRange(0.0, 2**63 - 1, "event numbers are whole numbers from 0"),
        "ehad": ValueRange(0.0, 1e8, "give the hadronic energy sum in GeV (-1 marks a missing value in KCDC text)"),
        "nhad": ValueRange(0.0, 1e6, "give the number of hadrons (-1 marks a missing value in KCDC text)"),
        "n_stations": ValueRange(0.0, 1000.0, "give the number of stations with a signal"),
    }
)

#: Event times kcdc_hep accepts (KASCADE took data 1996-2013): a time outside is a unit or format mistake
#: (seconds read as nanoseconds, a wrapped integer).
TIME_RANGE: tuple[np.datetime64, np.datetime64] = (np.datetime64("1990-01-01", "ns"), np.datetime64("2030-01-01", "ns"))


@dataclass(frozen=True)
class ColumnPlan:
    """Which source columns to read and how each becomes a canonical field.

    ``rename`` maps source name -> output field name (canonical, or the source's own for unknown columns).
    """

    rename: dict[str, str]
    gt: str | None = None
    mt: str | None = None
    derive_core_dist: bool = False
    available: tuple[str, ...] = field(default=())
    #: fields read only to derive another one (dropped from the result)
    helpers: tuple[str, ...] = field(default=())

    @property
    def fields(self) -> list[str]:
        """The fields :func:`to_events` makes (``primary`` is left out when every event is measured data)."""
        out = [dst for dst in self.rename.values() if dst not in self.helpers]
        out += ["time"] if self.gt is not None else []
        out += ["core_dist"] if self.derive_core_dist else []
        return out

    @property
    def source_columns(self) -> list[str]:
        cols = list(self.rename)
        cols += [c for c in (self.gt, self.mt) if c is not None]
        return cols


def plan_columns(
    source_names: Sequence[str], requested: Sequence[str] | None, *, where: str, component: str | None = None
) -> ColumnPlan:
    """Map a source's column names onto the event model and select the requested fields.

    Parameters
    ----------
    source_names
        Column (or branch) names as the source spells them.
    requested
        Canonical field names (or any alias) to read; ``None`` reads everything.
    where
        File (and tree) for error messages.
    component
        The detector component the columns belong to (``"grande"``): its own names come first.
    """
    rename: dict[str, str] = {}
    taken: set[str] = set()
    gt = mt = None
    for name in source_names:
        low = name.strip().lower()
        if low in INDEX_NAMES or low in _REDUNDANT:
            continue
        if low in _GT and gt is None:
            gt = name
            continue
        if low in _MT and mt is None:
            mt = name
            continue
        canonical = schema.canonical_name(name, component=component)
        target = canonical if canonical is not None and canonical not in taken else name
        taken.add(target)
        rename[name] = target
    fields_available = list(rename.values())
    if gt is not None and "time" not in taken:
        fields_available.append("time")
    derive = "core_dist" not in taken and {"core_x", "core_y"} <= taken
    if derive:
        fields_available.append("core_dist")
    if requested is None:
        return ColumnPlan(rename, gt, mt if gt else None, derive, tuple(fields_available))

    wanted: list[str] = []
    for r in requested:
        canonical = schema.canonical_name(r)
        target = canonical if canonical in fields_available else r
        if target not in fields_available:
            listed = ", ".join(closest_first(r, fields_available)[:12])
            msg = f"{where}: field {r!r} is not in this file; available fields, closest first: {listed}"
            raise MissingColumnError(msg)
        wanted.append(target)
    keep = {src: dst for src, dst in rename.items() if dst in wanted}
    need_time = "time" in wanted and gt is not None
    need_dist = "core_dist" in wanted and derive
    helpers: list[str] = []
    if need_dist:
        for src, dst in rename.items():
            if dst in ("core_x", "core_y") and src not in keep:
                keep[src] = dst
                helpers.append(dst)
    return ColumnPlan(
        keep,
        gt if need_time else None,
        mt if need_time else None,
        need_dist,
        tuple(fields_available),
        tuple(helpers),
    )


def name_clashes(names: Sequence[str]) -> list[tuple[str, list[str]]]:
    """Groups of source names that would fill the same field: ``[(meaning, [name, name, ...]), ...]``.

    Names clash when they are equal ignoring case, or are aliases of one canonical field (``E`` and ``lgE``).

    >>> name_clashes(["lgE", "X", "x", "energy"])
    [('lgE', ['lgE', 'energy']), ('core_x', ['X', 'x'])]
    """
    groups: dict[str, list[str]] = {}
    for name in names:
        low = name.strip().lower()
        if low in INDEX_NAMES:
            key = "the row index"
        elif low in _GT:
            key = "Gt (Unix seconds)"
        elif low in _MT:
            key = "Mt (nanoseconds)"
        else:
            key = schema.canonical_name(name) or low
        groups.setdefault(key, []).append(name)
    return [(key, group) for key, group in groups.items() if len(group) > 1]


def first_out_of_range(name: str, values: np.ndarray, *, minus_one_missing: bool = False) -> int | None:
    """Index of the first value of canonical field ``name`` outside its physical range, or ``None``.

    ``values`` is a flat numpy array (NaN and NaT count as missing and pass). With ``minus_one_missing``, ``-1`` in
    ``ehad``/``nhad`` passes too (the legacy KCDC text marker of a missing calorimeter value). One pass over the
    data when everything is in range.

    >>> first_out_of_range("lgNe", np.array([4.5, np.nan, 35000.0]))
    2
    """
    a = np.asarray(values)
    if a.size == 0:
        return None
    if a.dtype.kind == "M":
        if name != "time":
            return None
        ns = a.astype("datetime64[ns]").astype(np.int64)
        lo, hi = (t.astype(np.int64) for t in TIME_RANGE)
        bad = ((ns < lo) | (ns >= hi)) & ~np.isnat(a)
        hits = np.flatnonzero(bad)
        return int(hits[0]) if hits.size else None
    r = RANGES.get(name)
    if r is None or a.dtype.kind not in "iuf":
        return None
    if a.dtype.kind == "f":
        if np.fmin.reduce(a) >= r.low and np.fmax.reduce(a) <= r.high:  # fmin/fmax skip NaN
            return None
        bad = ~((a >= r.low) & (a <= r.high)) & ~np.isnan(a)
    else:
        if a.min() >= r.low and a.max() <= r.high:
            return None
        bad = (a < r.low) | (a > r.high)
    if minus_one_missing and name in _MINUS_ONE_MISSING:
        bad &= a != -1
    hits = np.flatnonzero(bad)
    return int(hits[0]) if hits.size else None


def value_problem(name: str, values: np.ndarray, *, minus_one_missing: bool = False) -> tuple[int, str] | None:
    """The first value of source column ``name`` that its field cannot hold, and why; ``None`` if all can.

    Knows the KCDC time parts (``Gt`` Unix seconds within :data:`TIME_RANGE`, ``Mt`` nanoseconds 0 to 999999999),
    the integer type of each field (``run`` is int32: 3e9 would wrap) and the physical ranges of :data:`RANGES`.
    Missing values (NaN, NaT) pass.

    >>> value_problem("R", np.array([877, 3_000_000_000]))
    (1, "3000000000 in column 'R' does not fit run (int32: -2147483648 to 2147483647)")
    """
    a = np.asarray(values)
    low = name.strip().lower()
    if low in _GT or low in _MT:
        if low in _GT:
            lo, hi = (int(t.astype("datetime64[s]").astype(np.int64)) for t in TIME_RANGE)
            what = f"Unix seconds of KASCADE data ({lo} to {hi - 1}, 1990 to 2029)"
        else:
            lo, hi, what = 0, 1_000_000_000, "nanoseconds within the second (0 to 999999999)"
        with np.errstate(invalid="ignore"):
            hits = np.flatnonzero((a < lo) | (a >= hi))
        return (int(hits[0]), f"column {name!r} = {a[int(hits[0])]} is not {what}") if hits.size else None
    canonical = schema.canonical_name(name)
    f = schema.FIELDS.get(canonical) if canonical else None
    if f is None or canonical is None or a.dtype.kind not in "iufM":
        return None
    found = []
    if f.dtype.startswith("int") and a.dtype.kind in "iuf":
        info = np.iinfo(np.dtype(f.dtype))
        with np.errstate(invalid="ignore"):
            hits = np.flatnonzero((a < info.min) | (a > info.max))
        if hits.size:
            row = int(hits[0])
            found.append(
                (row, f"{a[row]} in column {name!r} does not fit {canonical} ({f.dtype}: {info.min} to {info.max})")
            )
    row_out = first_out_of_range(canonical, a, minus_one_missing=minus_one_missing)
    if row_out is not None:
        found.append((row_out, f"column {name!r}: {range_problem(canonical, a[row_out])}"))
    return min(found, key=lambda p: p[0]) if found else None


def range_problem(name: str, value: object) -> str:
    """Say why ``value`` cannot be field ``name`` and what it should be (for :class:`SchemaError` messages).

    >>> range_problem("lgNe", 35000.0)  # doctest: +ELLIPSIS
    'lgNe = 35000 is outside -2 to 12 [log10(number of electrons)]: give log10 of the electron number ...'
    """
    if name == "time":
        lo, hi = (str(t.astype("datetime64[D]")) for t in TIME_RANGE)
        return f"time = {value} is outside {lo} to {hi}: give UTC date-times (KASCADE took data 1996 to 2013)"
    r = RANGES[name]
    unit = schema.FIELDS[name].unit
    shown = f"{value:.6g}" if isinstance(value, float | np.floating) else str(value)
    return f"{name} = {shown} is outside {r.low:g} to {r.high:g} [{unit}]: {r.hint}"


def row_index(values: Any, n_rows: int, *, where: str, column: str) -> np.ndarray:
    """Validate a ``row_mapping.txt`` column: whole numbers, ``-1`` (no row) or rows ``0 .. n_rows-1``, increasing.

    Returns the column as int64. A bad mapping would join one event's values to another event, so anything else
    raises :class:`CorruptFileError` naming the mapping row and value.
    """
    import pyarrow as pa

    if isinstance(values, pa.ChunkedArray | pa.Array):
        if values.null_count:
            row = int(np.flatnonzero(np.asarray(values.is_null()))[0])
            msg = f"{where}: row_mapping.txt column {column!r} is empty in row {row + 1}; the export is damaged"
            raise CorruptFileError(msg)
        if not (pa.types.is_integer(values.type) or pa.types.is_floating(values.type)):
            msg = f"{where}: row_mapping.txt column {column!r} holds text, not row numbers; the export is damaged"
            raise CorruptFileError(msg)
        values = values if isinstance(values, pa.Array) else values.combine_chunks()
        values = (
            _chunk_numpy(values) if pa.types.is_integer(values.type) or pa.types.is_floating(values.type) else values
        )
    a = np.asarray(values)
    if a.dtype.kind == "f":
        whole = np.isfinite(a) & (a == np.round(a))
        if not whole.all():
            row = int(np.flatnonzero(~whole)[0])
            msg = f"{where}: row_mapping.txt column {column!r} holds {a[row]:g} in row {row + 1}, not a row number"
            raise CorruptFileError(msg)
    elif a.dtype.kind not in "iu":
        msg = f"{where}: row_mapping.txt column {column!r} holds {a.dtype} values, not row numbers"
        raise CorruptFileError(msg)
    bad = np.flatnonzero((a < -1) | (a >= n_rows))
    if bad.size:
        row = int(bad[0])
        msg = (
            f"{where}: row_mapping.txt column {column!r} points to row {a[row]} in row {row + 1}, but the component "
            f"has {n_rows} rows (-1 = none); the export is incomplete or damaged"
        )
        raise CorruptFileError(msg)
    index = a.astype(np.int64)
    present = index[index >= 0]
    if present.size > 1 and not (np.diff(present) > 0).all():
        row = int(np.flatnonzero(index >= 0)[int(np.flatnonzero(np.diff(present) <= 0)[0]) + 1])
        msg = (
            f"{where}: row_mapping.txt column {column!r} is not increasing in row {row + 1} ({index[row]}); "
            "KCDC writes the component rows in event order, so the mapping is damaged"
        )
        raise CorruptFileError(msg)
    return index


def _as_numpy(values: Any) -> Any:
    """Arrow/awkward/numpy column -> numpy when it is flat and has no missing values, else awkward."""
    try:
        import pyarrow as pa

        if isinstance(values, pa.ChunkedArray | pa.Array):
            plain = pa.types.is_integer(values.type) or pa.types.is_floating(values.type)
            if values.null_count == 0 and (plain or pa.types.is_timestamp(values.type)):
                # per chunk: ChunkedArray.to_numpy would import pandas (0.3 s)
                chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
                parts = [_chunk_numpy(c) for c in chunks]
                if not parts:
                    return np.zeros(0, dtype=_numpy_dtype(values.type))
                return parts[0] if len(parts) == 1 else np.concatenate(parts)
            return ak.from_arrow(values, generate_bitmasks=False)
    except ImportError:  # pragma: no cover - pyarrow is a dependency
        pass
    if isinstance(values, ak.Array):
        if values.ndim == 1 and not _is_option(values) and values.layout.is_numpy:
            return ak.to_numpy(values)
        return values
    return np.asarray(values)


def _is_arrow_text(values: Any) -> bool:
    """An arrow array of strings (checked without importing pyarrow when it is not loaded)."""
    import sys

    pa = sys.modules.get("pyarrow")
    return (
        pa is not None
        and isinstance(values, pa.Array | pa.ChunkedArray)
        and (pa.types.is_string(values.type) or pa.types.is_large_string(values.type))
    )


def _numpy_dtype(arrow_type: Any) -> np.dtype[Any]:
    import pyarrow as pa

    if pa.types.is_timestamp(arrow_type):
        return np.dtype(f"datetime64[{arrow_type.unit}]")
    return np.dtype(arrow_type.to_pandas_dtype())


def _chunk_numpy(chunk: Any) -> np.ndarray:
    """A null-free numeric arrow chunk as a numpy view of its buffer (pyarrow's to_numpy imports pandas: 0.3 s)."""
    dtype = _numpy_dtype(chunk.type)
    data = chunk.buffers()[1]
    if data is None or len(chunk) == 0:
        return np.zeros(0, dtype=dtype)
    return np.frombuffer(data, dtype=dtype, count=len(chunk), offset=chunk.offset * dtype.itemsize)


def _is_option(values: ak.Array) -> bool:
    return bool(values.layout.is_option)


def _cast(values: Any, dtype: str, *, name: str, where: str) -> Any:
    if dtype in ("string", "datetime64[ns]"):
        return values
    if isinstance(values, np.ndarray) and values.dtype != dtype:
        _check_fits(values, np.dtype(dtype), name=name, where=where)
    try:
        if isinstance(values, np.ndarray):
            return values if values.dtype == dtype else values.astype(dtype)
        return ak.values_astype(values, dtype)
    except (ValueError, TypeError) as err:
        msg = f"{where}: column {name!r} cannot be read as {dtype} numbers; check that it holds numbers"
        raise SchemaError(msg) from err


def _check_fits(values: np.ndarray, dtype: np.dtype[Any], *, name: str, where: str) -> None:
    """Refuse an integer cast that would wrap (a run number 3e9 into int32) or drop a fraction (run 877.5)."""
    if dtype.kind not in "iu" or values.dtype.kind not in "iuf" or values.size == 0:
        return
    info = np.iinfo(dtype)
    if values.dtype.kind == "f":
        finite = values[np.isfinite(values)]
        if finite.size != values.size or not (finite == np.round(finite)).all():
            bad = values[~(np.isfinite(values) & (values == np.round(values)))][0]
            msg = f"{where}: column {name!r} holds {bad:g}, not a whole number; it must hold whole numbers ({dtype})"
            raise SchemaError(msg)
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (0.0, 0.0)
    else:
        lo, hi = int(values.min()), int(values.max())
    if lo < info.min or hi > info.max:
        bad = lo if lo < info.min else hi
        msg = (
            f"{where}: column {name!r} holds {bad}, which does not fit the field's {dtype} numbers "
            f"({info.min} to {info.max}); check the column (a wrapped or misplaced value?)"
        )
        raise SchemaError(msg)


def _primary(values: Any, *, where: str) -> Any:
    """Primary codes (strings or CORSIKA ids; 0 = measured data) -> canonical symbols (None for data)."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
        if values.dtype.kind == "f":
            whole = np.isfinite(values) & (values == np.round(values)) & (np.abs(values) < 2**31)
            if not whole.all():
                bad = values[~whole][0]
                msg = (
                    f"{where}: primary id {bad:g} is not a whole number; particle ids are CORSIKA codes "
                    "(14 = p, 402 = He, 5626 = Fe, 0 = measured data)"
                )
                raise SchemaError(msg)
        ids = values.astype(np.int64)
        measured = ids == 0
        if measured.all():
            return None
        codes, inverse = np.unique(np.where(measured, 14, ids), return_inverse=True)  # a handful of distinct ids
        result = ak.Array(schema.primary_symbols(codes, where=where).tolist())[inverse]  # ak.Array(list): ~10 s/1.7 M
        return ak.mask(result, ~measured) if measured.any() else result
    # strings: look up each distinct code once (a sample has a handful of codes and millions of rows)
    import pyarrow as pa
    import pyarrow.compute as pc

    if isinstance(values, pa.Array | pa.ChunkedArray) and values.null_count == 0:  # a text table's column
        strings = values  # (not fill_null: pyarrow scalars import pandas, 0.3 s)
    else:
        arr = ak.Array(values) if not isinstance(values, ak.Array) else values
        strings = ak.to_arrow(ak.fill_none(arr, ""), extensionarray=False)
    encoded = pc.dictionary_encode(strings)
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    codes = encoded.dictionary.to_pylist()
    measured = [_no_primary(c) for c in codes]
    used = [i for i in pc.unique(encoded.indices).to_pylist() if i is not None]
    if all(measured[i] for i in used):
        return None  # every event is measured data (or has no code): the field is absent
    known = [c for c, m in zip(codes, measured, strict=True) if not m]
    by_code = dict(zip(known, schema.primary_symbols(np.asarray(known, dtype=object), where=where), strict=True))
    symbols = [None if m else by_code[c] for c, m in zip(codes, measured, strict=True)]
    if encoded.indices.null_count == 0 and all(symbols[i] is not None for i in used):
        return _strings(symbols, encoded.indices)  # every event has a symbol: no option type
    table = pa.array(symbols, type=pa.string())
    mapped = ak.from_arrow(pc.take(table, encoded.indices), generate_bitmasks=False)
    layout = mapped.layout
    if layout.is_option and not ak.any(ak.is_none(mapped)):  # arrow marks it nullable; no code is missing
        return ak.Array(layout.content)
    return mapped


def _strings(symbols: list[Any], index: Any) -> ak.Array:
    """``symbols[index]`` as an awkward array of strings (int32 offsets, as from arrow); ``index`` an arrow array.

    Arrow's ``take`` copies the bytes; its buffers become the awkward array without another copy (``pa.array`` of
    Python strings is avoided: it imports pandas).
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = [(x or "").encode() for x in symbols]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    np.cumsum([len(b) for b in encoded], out=offsets[1:])
    table = pa.StringArray.from_buffers(len(encoded), pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded)))
    taken = pc.take(table, index)
    if isinstance(taken, pa.ChunkedArray):
        taken = taken.combine_chunks()
    _, offset_buffer, data_buffer = taken.buffers()
    starts = np.frombuffer(offset_buffer, dtype=np.int32, count=len(taken) + 1, offset=4 * taken.offset)
    chars = np.frombuffer(data_buffer, dtype=np.uint8) if data_buffer is not None else np.zeros(0, np.uint8)
    content = ak.contents.NumpyArray(chars, parameters={"__array__": "char"})
    return ak.Array(ak.contents.ListOffsetArray(ak.index.Index32(starts), content, parameters={"__array__": "string"}))


def _no_primary(code: str) -> bool:
    """An empty code, or the id 0 (measured data) written as text."""
    text = code.strip()
    return text == "" or (len(text) < 32 and text.lstrip("+-").replace(".", "", 1).strip("0") == "")


def _time(gt: Any, mt: Any | None, *, where: str) -> np.ndarray:
    """KCDC Gt (Unix seconds) + Mt (ns within the second) -> datetime64[ns], refusing values that would wrap."""
    parts = {"Gt": gt, "Mt": mt} if mt is not None else {"Gt": gt}
    for name, values in parts.items():
        if not isinstance(values, np.ndarray) or values.dtype.kind not in "iuf":
            msg = f"{where}: {name} (the event time) has empty or non-number values; every event needs its time"
            raise SchemaError(msg)
        _check_fits(values, np.dtype(np.int64), name=name, where=where)
        problem = value_problem(name, values)
        if problem is not None:
            raise SchemaError(f"{where}: {problem[1]}")
    ns = gt.astype(np.int64) * 1_000_000_000
    if mt is not None:
        ns = ns + mt.astype(np.int64)
    return ns.astype("datetime64[ns]")


def to_events(columns: Mapping[str, Any], plan: ColumnPlan, *, where: str, minus_one_missing: bool = False) -> ak.Array:
    """Build the event-model array from raw source columns, following ``plan``.

    ``columns`` maps source names to arrays (numpy, awkward or arrow). Unknown columns keep their own names.
    With ``minus_one_missing`` (legacy KCDC text), ``-1`` in ehad/nhad becomes a missing value.
    """
    out: dict[str, Any] = {}
    for src, dst in plan.rename.items():
        raw = columns[src]
        values = raw if dst == "primary" and _is_arrow_text(raw) else _as_numpy(raw)
        f = schema.FIELDS.get(dst)
        if dst == "primary":
            values = _primary(values, where=where)
            if values is None:  # every event is measured data: the field is absent, not invented
                continue
        elif f is not None and dst == "time" and isinstance(values, np.ndarray):
            values = values.astype("datetime64[ns]")
        elif f is not None:
            if minus_one_missing and dst in _MINUS_ONE_MISSING and isinstance(values, np.ndarray):
                missing = values == -1
                values = _cast(values, f.dtype, name=src, where=where)
                if missing.any():
                    values = ak.mask(ak.Array(values), ~missing)
            else:
                values = _cast(values, f.dtype, name=src, where=where)
        out[dst] = values
    if plan.gt is not None:
        mt = _as_numpy(columns[plan.mt]) if plan.mt else None
        out["time"] = _time(_as_numpy(columns[plan.gt]), mt, where=where)
    if plan.derive_core_dist:
        x, y = out["core_x"], out["core_y"]
        if isinstance(x, np.ndarray) and isinstance(y, np.ndarray):
            out["core_dist"] = np.hypot(x, y)
        else:  # an event without the array component has no core: no distance either
            out["core_dist"] = np.hypot(ak.Array(x), ak.Array(y))
    for name in plan.helpers:
        out.pop(name, None)
    order = {name: i for i, name in enumerate(schema.FIELDS)}
    ordered = dict(sorted(out.items(), key=lambda kv: order.get(kv[0], len(order))))
    if not ordered:
        msg = f"{where}: no columns to read (the file has none the event model or the request could use)"
        raise SchemaError(msg)
    return ak.zip(ordered, depth_limit=1)
