"""Read every KCDC and masterclass input into the event model.

>>> import kcdc_hep
>>> events = kcdc_hep.read("sample2_simulation.csv")            # doctest: +SKIP
>>> for chunk in kcdc_hep.iterate("events.root", step_size=100_000):  # doctest: +SKIP
...     ...

Formats are detected from the content (magic bytes, header line), not the suffix: masterclass samples 1-3
(TXT/CSV, with or without a pandas index column), KCDC ASCII exports (single table, legacy layout, or per-component
files in a folder), ROOT (KCDC multi-tree files, flat TTrees, RNTuples), Parquet, and a ``.zip`` holding any of
these (``"archive.zip"`` or ``"archive.zip:member/path"``).

This module dispatches by format; the file knowledge sits in its modules: :mod:`~kcdc_hep.readers.sources` (paths,
folders, zip archives, format detection), :mod:`~kcdc_hep.readers.text`, :mod:`~kcdc_hep.readers.components` (KCDC
per-component ASCII exports), :mod:`~kcdc_hep.readers.root` with :mod:`~kcdc_hep.readers.kcdc_cursor` (the KCDC
ROOT reader), :mod:`~kcdc_hep.readers.parquet`, :mod:`~kcdc_hep.readers.columns` (source columns to the event
model) and :mod:`~kcdc_hep.readers.partitions` (splitting inputs for :func:`kcdc_hep.engine.map_reduce`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import IO, TYPE_CHECKING, Literal

from kcdc_hep._util import check_step
from kcdc_hep.errors import EmptyFileError, KcdcError, SchemaError, UnknownFormatError
from kcdc_hep.readers import _cache
from kcdc_hep.readers import text as _text
from kcdc_hep.readers.columns import ColumnPlan, plan_columns, to_events
from kcdc_hep.readers.partitions import Partition, partitions, read_partition
from kcdc_hep.readers.sources import (
    COMPONENT_FILES,
    DEFAULT_STEP,
    Source,
    Sources,
    detect,
    entry_range,
    expand,
    open_source,
    resolve,
)

if TYPE_CHECKING:
    import awkward as ak

__all__ = [
    "COMPONENT_FILES",
    "DEFAULT_STEP",
    "Partition",
    "Source",
    "Sources",
    "detect",
    "expand",
    "format_of",
    "iterate",
    "open_source",
    "partitions",
    "read",
    "read_partition",
    "resolve",
]


def format_of(source: str | os.PathLike[str]) -> Literal["root", "hdf5", "parquet", "zip", "text", "kcdc-ascii"]:
    """The detected format of ``source`` (``"root"``, ``"parquet"``, ``"text"``, ``"kcdc-ascii"``)."""
    src = resolve(source)
    if src.kind == "folder":
        return "kcdc-ascii"
    with open_source(src) as (fh, resolved):
        if resolved.kind == "zipfolder":
            return "kcdc-ascii"
        return detect(_text.read_head(fh), where=resolved.where)


# ---------------------------------------------------------------------------------------------------- read
def read(
    source: str | os.PathLike[str],
    *,
    columns: Sequence[str] | None = None,
    entry_start: int | None = None,
    entry_stop: int | None = None,
    cache: bool | None = None,
) -> ak.Array:
    """Read a KCDC or masterclass file into the event model.

    Parameters
    ----------
    source
        Path of a ROOT, Parquet, CSV/TXT file, a folder of KCDC component files, a ``.zip`` (``"a.zip:member"``).
    columns
        Canonical field names (or any alias: ``"Ne"``, ``"electron_number"``) to read; ``None`` reads all.
    entry_start, entry_stop
        Read events ``[entry_start, entry_stop)`` only (Python slice semantics, negative counts from the end).
    cache
        Text files are parsed once and kept in the user cache (``KCDC_HEP_CACHE_DIR``); ``False`` skips it.
        Default: on, unless the environment sets ``KCDC_HEP_CACHE=0``.

    Returns
    -------
    awkward.Array
        One record per event with canonical fields (see :data:`kcdc_hep.schema.FIELDS`).
    """
    chunks = list(_chunks(source, columns=columns, start=entry_start, stop=entry_stop, step=None, cache=cache))
    if len(chunks) == 1:
        return chunks[0]
    import awkward as ak

    return ak.concatenate(chunks)


def iterate(
    source: Sources,
    *,
    step_size: int = DEFAULT_STEP,
    columns: Sequence[str] | None = None,
) -> Iterator[ak.Array]:
    """Yield the events of one or several files in chunks of at most ``step_size`` events.

    Memory stays bounded by the chunk size, so files larger than memory can be processed. ``source`` may be a
    path, a glob pattern (``"data/*.csv"``) or a list of paths.
    """
    check_step(step_size)
    for path in expand(source):
        yield from _chunks(path, columns=columns, start=None, stop=None, step=step_size, cache=False)


def _chunks(
    source: str | os.PathLike[str],
    *,
    columns: Sequence[str] | None,
    start: int | None,
    stop: int | None,
    step: int | None,
    cache: bool | None,
) -> Iterator[ak.Array]:
    """The events of one source, by format: whole (``step=None``) or in chunks of ``step``."""
    src = resolve(source)
    if src.kind == "folder":
        from kcdc_hep.readers import components as _components

        yield _slice_events(_components.read_folder(src.path, columns, where=src.where), start, stop)
        return
    with open_source(src) as (fh, resolved):
        if resolved.kind == "zipfolder":
            from kcdc_hep.readers import components as _components

            events = _components.read_zip_folder(src.path, resolved.member or "", columns, where=resolved.where)
            yield from _split(_slice_events(events, start, stop), step)
            return
        head = _text.read_head(fh)
        kind = detect(head, where=resolved.where)
        if kind == "zip":
            msg = f"{resolved.where}: a zip inside a zip; unpack the outer archive first"
            raise UnknownFormatError(msg)
        target = fh if resolved.kind == "zip" else resolved.path
        if kind == "root":
            from kcdc_hep.readers import root as _root

            yield from _root.chunks(target, where=resolved.where, columns=columns, start=start, stop=stop, step=step)
        elif kind == "hdf5":
            from kcdc_hep.readers import hdf5 as _hdf5

            member = resolved.member if resolved.kind == "zip" else None
            yield from _hdf5.chunks(
                resolved.path, member, where=resolved.where, columns=columns, start=start, stop=stop, step=step
            )
        elif kind == "parquet":
            from kcdc_hep.readers import parquet as _parquet

            yield from _parquet.chunks(target, where=resolved.where, columns=columns, start=start, stop=stop, step=step)
        else:
            yield from _text_chunks(fh, head, resolved, columns, start, stop, step, cache)


def _project(events: ak.Array, plan: ColumnPlan, *, where: str) -> ak.Array:
    """The fields of ``plan`` from all the events of a file (what :func:`to_events` gives for ``plan``)."""
    wanted = set(plan.fields)
    fields = [f for f in events.fields if f in wanted]
    if fields == events.fields:
        return events
    if not fields:
        msg = f"{where}: no columns to read (the file has none the event model or the request could use)"
        raise SchemaError(msg)
    return events[fields]


def _slice_events(events: ak.Array, start: int | None, stop: int | None) -> ak.Array:
    a, b = entry_range(len(events), start, stop)
    return events[a:b] if (a, b) != (0, len(events)) else events


def _split(events: ak.Array, step: int | None) -> Iterator[ak.Array]:
    if step is None or len(events) <= step:
        yield events
        return
    for a in range(0, len(events), step):
        yield events[a : a + step]


# ---------------------------------------------------------------------------------------------------- text
def _text_chunks(
    fh: IO[bytes],
    head: bytes,
    src: Source,
    columns: Sequence[str] | None,
    start: int | None,
    stop: int | None,
    step: int | None,
    cache: bool | None,
) -> Iterator[ak.Array]:
    where = src.where
    use_cache = step is None and _cache.enabled(cache) and src.kind == "file"
    hit = _cache.load(src.path) if use_cache else None
    if hit is not None:  # the file is unchanged since it was parsed: its events, memory-mapped
        names, everything = hit
        yield _slice_events(_project(everything, plan_columns(names, columns, where=where), where=where), start, stop)
        return
    lay = _text.sniff(head, where=where)
    plan = plan_columns(lay.data_names, columns, where=where)
    include = plan.source_columns
    if step is None:
        parsed = _text._whole_file(src.path, lay, None if use_cache else include) if src.kind == "file" else None
        if parsed is None:  # a zip member, or a file that needs the careful block path
            parsed = _text.table_columns(_text.read_table(fh, lay, None if use_cache else include))
        if use_cache:
            full = plan_columns(lay.data_names, None, where=where)
            try:
                everything = to_events(parsed, full, where=where, minus_one_missing=True)
            except KcdcError:  # a field not asked for cannot be made: nothing cached, the request decides
                everything = None
            if everything is not None:
                _cache.store(src.path, lay.data_names, everything)
                yield _slice_events(_project(everything, plan, where=where), start, stop)
                return
        events = to_events(parsed, plan, where=where, minus_one_missing=True)
        yield _slice_events(events, start, stop)
        return
    # streamed: blocks of whole rows, re-cut into chunks of exactly `step` events
    total_seen = 0
    a_req = start or 0
    b_req = stop
    pending: list[ak.Array] = []
    pending_n = 0
    import awkward as ak

    for table in _text.iter_tables(fh, lay, include, rows_per_block=step):
        chunk = to_events(_text.table_columns(table), plan, where=where, minus_one_missing=True)
        lo, hi = total_seen, total_seen + len(chunk)
        total_seen = hi
        a = max(a_req - lo, 0)
        b = len(chunk) if b_req is None else min(b_req - lo, len(chunk))
        if b <= a:
            continue
        pending.append(chunk[a:b])
        pending_n += b - a
        while pending_n >= step:
            joined = ak.concatenate(pending) if len(pending) > 1 else pending[0]
            yield joined[:step]
            rest = joined[step:]
            pending, pending_n = ([rest], len(rest)) if len(rest) else ([], 0)
    if pending_n:
        yield ak.concatenate(pending) if len(pending) > 1 else pending[0]
    elif total_seen == 0:
        msg = f"{where}: the file has a header but no events; export the data again or pick another file"
        raise EmptyFileError(msg)
