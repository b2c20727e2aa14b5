"""Write events to ROOT, Parquet or CSV: atomically (temporary file + rename), never silently overwriting.

ROOT files are TTrees that ROOT C++ reads (written with ``uproot.mktree``, never the RNTuple that plain assignment
makes). Branches carry KCDC names (``E``, ``Ne``, ``Nmu``, ``Ze``, ...). Events with per-station lists or
calorimeter values are written in the KCDC layout: general tree ``KCDC``, mapping tree ``KCDCM`` (entry of each
component tree, or -1) and component trees ``Array`` and ``Calor`` holding only the events that have them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import awkward as ak
import numpy as np

from kcdc_hep import schema
from kcdc_hep._util import atomic_write, check_output
from kcdc_hep.errors import ArgumentError, SchemaError, UnsupportedFieldError

__all__ = ["ARRAY_FIELDS", "CALOR_FIELDS", "DEFAULT_ROOT_COMPRESSION", "write", "write_chunks"]

Format = Literal["root", "parquet", "csv"]

_FORMATS: dict[str, Format] = {".root": "root", ".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}
#: Component trees of the KCDC layout and the fields each holds.
ARRAY_FIELDS = ("n_stations", *schema.STATION_FIELDS)
CALOR_FIELDS = ("ehad", "nhad")
#: Compression of ROOT output: ZSTD(5) is as small as ZLIB and 5x faster to write (DESIGN §5); ROOT reads it.
DEFAULT_ROOT_COMPRESSION = ("ZSTD", 5)


def write(
    events: ak.Array,
    destination: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    format: Format | None = None,
    compression: tuple[str, int] | None = DEFAULT_ROOT_COMPRESSION,
    step_size: int = 100_000,
) -> Path:
    """Write events to ``destination`` (format from ``format`` or the suffix: .root, .parquet, .csv).

    Parameters
    ----------
    events
        Event-model records (as returned by :func:`kcdc_hep.read`).
    destination
        Output path. An existing file is kept unless ``overwrite=True``.
    overwrite
        Replace an existing file.
    format
        ``"root"``, ``"parquet"`` or ``"csv"``; default from the suffix.
    compression
        ROOT compression as ``(algorithm, level)``, e.g. ``("ZLIB", 1)``, ``("LZ4", 1)``; ``None`` for none.
    step_size
        Events per write batch: one ROOT basket per branch (and one Parquet row group) holds this many events.
        100 000 keeps baskets near 1 MB for scalars, so readers decompress in small, parallel pieces.

    Returns
    -------
    pathlib.Path
        The written file.
    """
    _check_events(events)
    chunks = (events[a : a + step_size] for a in range(0, max(len(events), 1), step_size))
    return write_chunks(chunks, destination, overwrite=overwrite, format=format, compression=compression)


def write_chunks(
    chunks: Iterable[ak.Array],
    destination: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    format: Format | None = None,
    compression: tuple[str, int] | None = DEFAULT_ROOT_COMPRESSION,
) -> Path:
    """Write a stream of event chunks (e.g. from :func:`kcdc_hep.iterate`) to one file, holding one chunk at a time.

    Same options as :func:`write`; every chunk must have the same fields.
    """
    path = Path(destination)
    fmt = format or _FORMATS.get(path.suffix.lower())
    if fmt not in ("root", "parquet", "csv"):
        msg = f"{path}: cannot tell the output format from the suffix {path.suffix!r}; use .root, .parquet or .csv"
        raise ArgumentError(msg)
    check_output(path, overwrite=overwrite)
    with atomic_write(path) as tmp:
        if fmt == "root":
            _write_root(chunks, tmp, compression=compression)
        elif fmt == "parquet":
            _write_parquet(chunks, tmp)
        else:
            _write_csv(chunks, tmp, where=str(path))
    return path


def _check_events(events: object) -> None:
    if not isinstance(events, ak.Array) or not events.fields:
        msg = "write() needs an awkward Array of event records (as returned by kcdc_hep.read)"
        raise ArgumentError(msg)


# ------------------------------------------------------------------------------------------------------- ROOT
def _branch_name(field: str) -> str:
    f = schema.FIELDS.get(field)
    return f.kcdc if f is not None and f.kcdc else field


def _is_option(values: ak.Array) -> bool:
    return bool(values.layout.is_option)


def _numpy(values: ak.Array, dtype: Any | None = None) -> np.ndarray:
    arr = ak.to_numpy(values)
    return arr.astype(dtype) if dtype is not None and arr.dtype != dtype else arr


def _general_columns(events: ak.Array, *, where: str) -> dict[str, np.ndarray]:
    out: dict[str, np.ndarray] = {}
    for name in events.fields:
        if name in ARRAY_FIELDS or name in CALOR_FIELDS:
            continue
        values = events[name]
        if name == "time":
            ns = _numpy(values).astype("datetime64[ns]").astype(np.int64)
            out["Gt"] = ns // 1_000_000_000
            out["Mt"] = (ns % 1_000_000_000).astype(np.int32)
            continue
        if name == "primary":
            out["Primary"] = _corsika_ids(values)
            continue
        if values.ndim != 1 or _is_option(values):
            msg = f"{where}: field {name!r} is a list or has missing values and cannot be a flat ROOT branch"
            raise UnsupportedFieldError(msg)
        arr = _numpy(values)
        if arr.dtype.kind not in "biuf":
            msg = f"{where}: field {name!r} holds {arr.dtype} values, which a ROOT branch cannot store"
            raise UnsupportedFieldError(msg)
        out[_branch_name(name)] = arr
    return out


def _corsika_ids(values: ak.Array) -> np.ndarray:
    """Primary symbols -> CORSIKA ids (-1 unknown or missing), one lookup per distinct symbol."""
    import pyarrow as pa
    import pyarrow.compute as pc

    filled = ak.fill_none(values, "") if _is_option(values) else values
    encoded = pc.dictionary_encode(ak.to_arrow(filled, extensionarray=False))
    if isinstance(encoded, pa.ChunkedArray):
        encoded = encoded.combine_chunks()
    table = schema.corsika_id(np.asarray(encoded.dictionary.to_pylist(), dtype=object))
    return table[encoded.indices.to_numpy(zero_copy_only=False)] if len(table) else np.zeros(0, np.int32)


def _component(events: ak.Array, fields: tuple[str, ...]) -> tuple[np.ndarray, dict[str, Any]] | None:
    present_fields = [f for f in fields if f in events.fields]
    if not present_fields:
        return None
    first = events[present_fields[0]]
    has = ~ak.to_numpy(ak.is_none(first)) if _is_option(first) else np.ones(len(events), dtype=bool)
    index = np.where(has, np.cumsum(has) - 1, -1).astype(np.int32)
    sub = events[has]
    data: dict[str, Any] = {}
    for f in present_fields:
        values = sub[f]
        if _is_option(values):
            values = ak.drop_none(values, axis=0)
        data[f] = values
    return index, data


def _write_root(chunks: Iterable[ak.Array], tmp: Path, *, compression: tuple[str, int] | None) -> None:
    import uproot

    comp = None
    if compression is not None:
        algo, level = compression
        comp = getattr(uproot, algo.upper())(level)
    where = str(tmp)
    trees: dict[str, Any] = {}
    offsets = {"ArrayIdx": 0, "CalorIdx": 0}
    with uproot.recreate(tmp, compression=comp) as f:
        for events in chunks:
            _check_events(events)
            general = _general_columns(events, where=where)
            array = _component(events, ARRAY_FIELDS)
            calor = _component(events, CALOR_FIELDS)
            _extend(f, trees, "KCDC", "KCDC general event data (kcdc_hep)", general)
            if array is None and calor is None:
                continue
            mapping: dict[str, np.ndarray] = {}
            for key, comp_data in (("ArrayIdx", array), ("CalorIdx", calor)):
                if comp_data is not None:
                    index = comp_data[0]
                    mapping[key] = np.where(index >= 0, index + offsets[key], -1).astype(np.int32)
                    offsets[key] += int((index >= 0).sum())
            _extend(f, trees, "KCDCM", "KCDC mapping: entry in each component tree, -1 if none", mapping)
            if array is not None:
                _extend_array_tree(f, trees, array[1])
            if calor is not None:
                cols = {_branch_name(k): _numpy(v) for k, v in calor[1].items()}
                _extend(f, trees, "Calor", "KCDC calorimeter data", cols)


def _extend(f: Any, trees: dict[str, Any], name: str, title: str, columns: dict[str, np.ndarray]) -> None:
    if name not in trees:
        trees[name] = f.mktree(name, {k: v.dtype for k, v in columns.items()}, title=title)
    if columns and len(next(iter(columns.values()))):
        trees[name].extend(columns)


def _extend_array_tree(f: Any, trees: dict[str, Any], data: dict[str, ak.Array]) -> None:
    """Per-station lists as ``Float_t EDeposit[ArrivalN]`` arrays sharing the counter ``ArrivalN``."""
    jagged = {k: v for k, v in data.items() if k in schema.STATION_FIELDS}
    if not jagged:
        _extend(f, trees, "Array", "KCDC array data", {_branch_name(k): _numpy(v) for k, v in data.items()})
        return
    counts = ak.to_numpy(ak.num(next(iter(jagged.values())), axis=1)).astype(np.int32)
    for k, v in jagged.items():
        if not np.array_equal(ak.to_numpy(ak.num(v, axis=1)), counts):
            msg = f"per-station field {k!r} has list lengths that differ from the other station fields"
            raise SchemaError(msg)
    if "n_stations" in data and not np.array_equal(_numpy(data["n_stations"]), counts):
        msg = "n_stations differs from the length of the per-station lists"
        raise SchemaError(msg)
    records = ak.zip({_branch_name(k): v for k, v in jagged.items()})
    if "Array" not in trees:
        trees["Array"] = f.mktree(
            "Array",
            {"Station": records.type.content},
            counter_name=lambda _: "ArrivalN",
            field_name=lambda _, leaf: leaf,
            title="KCDC array data (per-station lists)",
        )
    if len(records):
        trees["Array"].extend({"Station": records})


def _write_parquet(chunks: Iterable[ak.Array], tmp: Path) -> None:
    import pyarrow.parquet as pq

    writer = None
    try:
        for events in chunks:
            _check_events(events)
            table = ak.to_arrow_table(events, extensionarray=False)
            if writer is None:
                writer = pq.ParquetWriter(tmp, table.schema, compression="zstd")
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


# ------------------------------------------------------------------------------------------------------- CSV
def _write_csv(chunks: Iterable[ak.Array], tmp: Path, *, where: str) -> None:
    import pyarrow.csv as pacsv

    writer = None
    try:
        for events in chunks:
            _check_events(events)
            lists = [f for f in events.fields if events[f].ndim > 1]
            if lists:
                msg = (
                    f"{where}: CSV cannot hold the per-station lists {', '.join(lists)}; write ROOT or Parquet "
                    "instead, or select scalar fields (CLI: --columns)"
                )
                raise UnsupportedFieldError(msg)
            table = ak.to_arrow_table(events, extensionarray=False)
            if writer is None:
                writer = pacsv.CSVWriter(str(tmp), table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
