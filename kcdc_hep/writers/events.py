"""Write events to ROOT, HDF5, Parquet or CSV: atomically (temporary file + rename), never silently overwriting.

ROOT files are TTrees that ROOT C++ reads (written with ``uproot.mktree``, never the RNTuple that plain assignment
makes). Branches carry KCDC names (``E``, ``Ne``, ``Nmu``, ``Ze``, ...). Events with per-station lists,
calorimeter or Grande values are written in the KCDC layout: general tree ``KCDC``, mapping tree ``KCDCM`` (entry
of each component tree, or -1) and component trees ``Array``, ``Calor`` and ``Grande`` holding only the events that
have them. HDF5 files (:mod:`kcdc_hep.writers.hdf5`) have the same layout, with a group per tree.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

import awkward as ak
import numpy as np

from kcdc_hep import schema
from kcdc_hep._util import atomic_write, check_output, check_step
from kcdc_hep.errors import ArgumentError, SchemaError, UnsupportedFieldError

__all__ = [
    "ARRAY_FIELDS",
    "CALOR_FIELDS",
    "COMPONENT_TREES",
    "DEFAULT_ROOT_COMPRESSION",
    "GRANDE_FIELDS",
    "split_kcdc",
    "station_lists",
    "write",
    "write_chunks",
]

Format = Literal["root", "hdf5", "parquet", "csv"]

_FORMATS: dict[str, Format] = {".root": "root", ".parquet": "parquet", ".pq": "parquet", ".csv": "csv"}
_FORMATS |= {".h5": "hdf5", ".hdf5": "hdf5", ".hdf": "hdf5"}
#: Component trees of the KCDC layout and the fields each holds.
ARRAY_FIELDS = ("n_stations", *schema.STATION_FIELDS)
CALOR_FIELDS = ("ehad", "nhad")
GRANDE_FIELDS = schema.GRANDE_FIELDS
#: Component trees of the KCDC layout: tree name, its mapping branch in ``KCDCM``, the fields it holds, its title.
COMPONENT_TREES = (
    ("Array", "ArrayIdx", ARRAY_FIELDS, "KCDC array data (per-station lists)"),
    ("Calor", "CalorIdx", CALOR_FIELDS, "KCDC calorimeter data"),
    ("Grande", "GrandeIdx", GRANDE_FIELDS, "KCDC KASCADE-Grande data"),
)
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
    """Write events to ``destination`` (format from ``format`` or the suffix: .root, .h5, .parquet, .csv).

    Parameters
    ----------
    events
        Event-model records (as returned by :func:`kcdc_hep.read`).
    destination
        Output path. An existing file is kept unless ``overwrite=True``.
    overwrite
        Replace an existing file.
    format
        ``"root"``, ``"hdf5"``, ``"parquet"`` or ``"csv"``; default from the suffix (``.h5``/``.hdf5`` for HDF5).
    compression
        ROOT compression as ``(algorithm, level)``, e.g. ``("ZLIB", 1)``, ``("LZ4", 1)``; ``None`` for none.
        HDF5 files are always gzip-compressed (see :mod:`kcdc_hep.writers.hdf5`).
    step_size
        Events per write batch: one ROOT basket per branch (and one Parquet row group) holds this many events.
        100 000 keeps baskets near 1 MB for scalars, so readers decompress in small, parallel pieces.

    Returns
    -------
    pathlib.Path
        The written file.

    Raises
    ------
    ArgumentError
        No event records, a bad ``step_size``, or an output suffix of no known format.
    OutputExistsError
        ``destination`` exists and ``overwrite`` is false, or it is a folder.
    UnsupportedFieldError
        A field the format cannot hold (per-station lists in CSV, text in a ROOT branch).
    """
    _check_events(events)
    check_step(step_size)
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
    if fmt not in ("root", "hdf5", "parquet", "csv"):
        msg = f"{path}: cannot tell the output format from the suffix {path.suffix!r}; use .root, .h5, .parquet or .csv"
        raise ArgumentError(msg)
    check_output(path, overwrite=overwrite)
    with atomic_write(path) as tmp:
        if fmt == "root":
            _write_root(chunks, tmp, compression=compression)
        elif fmt == "hdf5":
            from kcdc_hep.writers.hdf5 import write_hdf5

            write_hdf5(chunks, tmp, where=str(path))
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
        if name in ARRAY_FIELDS or name in CALOR_FIELDS or name in GRANDE_FIELDS:
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


def split_kcdc(
    events: ak.Array, offsets: dict[str, int], *, where: str
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, dict[str, ak.Array]]]:
    """One chunk of events in the KCDC layout: general columns, mapping columns and the component trees' fields.

    ``offsets`` holds, per mapping branch, the component entries written before this chunk (updated here).
    Components no event of the chunk has are left out; the mapping is empty when there are none.
    """
    general = _general_columns(events, where=where)
    mapping: dict[str, np.ndarray] = {}
    components: dict[str, dict[str, ak.Array]] = {}
    for tree, key, fields, _ in COMPONENT_TREES:
        comp = _component(events, fields)
        if comp is None:
            continue
        index, data = comp
        mapping[key] = np.where(index >= 0, index + offsets.get(key, 0), -1).astype(np.int32)
        offsets[key] = offsets.get(key, 0) + int((index >= 0).sum())
        components[tree] = data
    return general, mapping, components


def _write_root(chunks: Iterable[ak.Array], tmp: Path, *, compression: tuple[str, int] | None) -> None:
    import uproot

    comp = None
    if compression is not None:
        algo, level = compression
        comp = getattr(uproot, algo.upper())(level)
    where = str(tmp)
    trees: dict[str, Any] = {}
    offsets: dict[str, int] = {}
    titles = {tree: title for tree, _, _, title in COMPONENT_TREES}
    with uproot.recreate(tmp, compression=comp) as f:
        for events in chunks:
            _check_events(events)
            general, mapping, components = split_kcdc(events, offsets, where=where)
            _extend(f, trees, "KCDC", "KCDC general event data (kcdc_hep)", general)
            if not components:
                continue
            _extend(f, trees, "KCDCM", "KCDC mapping: entry in each component tree, -1 if none", mapping)
            for tree, data in components.items():
                if tree == "Array":
                    _extend_array_tree(f, trees, data)
                else:
                    _extend(f, trees, tree, titles[tree], {_branch_name(k): _numpy(v) for k, v in data.items()})


def _extend(f: Any, trees: dict[str, Any], name: str, title: str, columns: dict[str, np.ndarray]) -> None:
    if name not in trees:
        trees[name] = f.mktree(name, {k: v.dtype for k, v in columns.items()}, title=title)
    if columns and len(next(iter(columns.values()))):
        trees[name].extend(columns)


def station_lists(data: dict[str, ak.Array]) -> tuple[np.ndarray, dict[str, ak.Array]]:
    """The per-station fields of array data and their common list lengths (checked against ``n_stations``)."""
    jagged = {k: v for k, v in data.items() if k in schema.STATION_FIELDS}
    counts = ak.to_numpy(ak.num(next(iter(jagged.values())), axis=1)).astype(np.int32)
    for k, v in jagged.items():
        if not np.array_equal(ak.to_numpy(ak.num(v, axis=1)), counts):
            msg = f"per-station field {k!r} has list lengths that differ from the other station fields"
            raise SchemaError(msg)
    if "n_stations" in data and not np.array_equal(_numpy(data["n_stations"]), counts):
        msg = "n_stations differs from the length of the per-station lists"
        raise SchemaError(msg)
    return counts, jagged


def _extend_array_tree(f: Any, trees: dict[str, Any], data: dict[str, ak.Array]) -> None:
    """Per-station lists as ``Float_t EDeposit[ArrivalN]`` arrays sharing the counter ``ArrivalN``."""
    if not any(k in schema.STATION_FIELDS for k in data):
        _extend(f, trees, "Array", "KCDC array data", {_branch_name(k): _numpy(v) for k, v in data.items()})
        return
    _, jagged = station_lists(data)
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
