"""Turn a source's raw columns into the event model (canonical names, units, dtypes).

This is the one place where source names become canonical ones; every reader ends here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import awkward as ak
import numpy as np

from kcdc_hep import schema
from kcdc_hep.errors import MissingColumnError, SchemaError, closest_first

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
    try:
        if isinstance(values, np.ndarray):
            return values if values.dtype == dtype else values.astype(dtype)
        return ak.values_astype(values, dtype)
    except (ValueError, TypeError) as err:
        msg = f"{where}: column {name!r} cannot be read as {dtype} numbers; check that it holds numbers"
        raise SchemaError(msg) from err


def _primary(values: Any, *, where: str) -> Any:
    """Primary codes (strings or CORSIKA ids; 0 = measured data) -> canonical symbols (None for data)."""
    if isinstance(values, np.ndarray) and values.dtype.kind in "iuf":
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

    arr = ak.Array(values) if not isinstance(values, ak.Array) else values
    encoded = pc.dictionary_encode(ak.to_arrow(ak.fill_none(arr, ""), extensionarray=False))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    symbols = schema.primary_symbols(np.asarray(encoded.dictionary.to_pylist(), dtype=object), where=where)
    table = pa.array(symbols.tolist(), type=pa.string())
    mapped = ak.from_arrow(pc.take(table, encoded.indices), generate_bitmasks=False)
    layout = mapped.layout
    if layout.is_option and not ak.any(ak.is_none(mapped)):  # arrow marks it nullable; no code is missing
        return ak.Array(layout.content)
    return mapped


def _time(gt: Any, mt: Any | None) -> np.ndarray:
    seconds = np.asarray(gt).astype(np.int64)
    ns = seconds * 1_000_000_000
    if mt is not None:
        ns = ns + np.asarray(mt).astype(np.int64)
    return ns.astype("datetime64[ns]")


def to_events(columns: Mapping[str, Any], plan: ColumnPlan, *, where: str, minus_one_missing: bool = False) -> ak.Array:
    """Build the event-model array from raw source columns, following ``plan``.

    ``columns`` maps source names to arrays (numpy, awkward or arrow). Unknown columns keep their own names.
    With ``minus_one_missing`` (legacy KCDC text), ``-1`` in ehad/nhad becomes a missing value.
    """
    out: dict[str, Any] = {}
    for src, dst in plan.rename.items():
        values = _as_numpy(columns[src])
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
        out["time"] = _time(_as_numpy(columns[plan.gt]), _as_numpy(columns[plan.mt]) if plan.mt else None)
    if plan.derive_core_dist:
        out["core_dist"] = np.hypot(np.asarray(out["core_x"]), np.asarray(out["core_y"]))
    for name in plan.helpers:
        out.pop(name, None)
    order = {name: i for i, name in enumerate(schema.FIELDS)}
    ordered = dict(sorted(out.items(), key=lambda kv: order.get(kv[0], len(order))))
    if not ordered:
        msg = f"{where}: no columns to read (the file has none the event model or the request could use)"
        raise SchemaError(msg)
    return ak.zip(ordered, depth_limit=1)
