"""Parquet files: events of a row range, read from only the row groups that hold them, whole or in chunks."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import awkward as ak

from kcdc_hep.errors import CorruptFileError, EmptyFileError
from kcdc_hep.readers.columns import plan_columns, to_events
from kcdc_hep.readers.sources import damaged, entry_range

__all__ = ["chunks", "num_rows"]


#: How a Parquet failure starts its message.
_WHAT = "not a readable Parquet file"


def _open(target: Any, where: str) -> Any:
    import pyarrow.parquet as pq

    with damaged(where, _WHAT):
        return pq.ParquetFile(target, pre_buffer=False)  # pre-buffered column chunks would stay in memory


def num_rows(target: Any, *, where: str) -> int:
    """The number of events (rows) of a Parquet file, from its metadata."""
    pf = _open(target, where)
    with damaged(where, _WHAT):
        return int(pf.metadata.num_rows)


def chunks(
    target: Any,
    *,
    where: str,
    columns: Sequence[str] | None,
    start: int | None = None,
    stop: int | None = None,
    step: int | None = None,
) -> Iterator[ak.Array]:
    """Events ``[start, stop)`` of a Parquet file (a path or a binary stream): one array, or chunks of ``step``.

    Only the row groups that overlap the range are read. Chunks are cut every ``step`` rows from the first row of
    the first row group read (from the first row of the file when the whole file is read).

    Raises
    ------
    CorruptFileError
        The file is not Parquet, or reading it failed (truncated, damaged).
    EmptyFileError
        The file holds no rows.
    """
    pf = _open(target, where)
    with damaged(where, _WHAT):
        yield from _chunks(pf, where, columns, start, stop, step)


def _chunks(
    pf: Any, where: str, columns: Sequence[str] | None, start: int | None, stop: int | None, step: int | None
) -> Iterator[ak.Array]:
    meta = pf.metadata
    plan = plan_columns(pf.schema_arrow.names, columns, where=where)
    n = meta.num_rows
    sizes = [meta.row_group(g).num_rows for g in range(meta.num_row_groups)]
    if sum(sizes) != n or min(sizes, default=0) < 0:
        msg = f"{where}: {_WHAT}: its row groups hold {sum(sizes):,} rows but its footer says {n:,}; it is damaged"
        raise CorruptFileError(msg)
    if n == 0:
        msg = f"{where}: the Parquet file holds no events"
        raise EmptyFileError(msg)
    a, b = entry_range(n, start, stop)
    groups: list[int] = []
    first = lo = 0
    for g, size in enumerate(sizes):
        hi = lo + size
        if hi > a and lo < b:
            first = lo if not groups else first
            groups.append(g)
        lo = hi
    if step is None:
        table = pf.read_row_groups(groups, columns=plan.source_columns).slice(a - first, b - a)
        yield to_events({name: table.column(name) for name in table.column_names}, plan, where=where)
        return
    seen = first
    for rb in pf.iter_batches(batch_size=step, row_groups=groups, columns=plan.source_columns):
        lo, hi = seen, seen + rb.num_rows
        seen = hi
        if hi <= a or lo >= b:
            continue
        rb = rb.slice(max(a - lo, 0), min(b, hi) - max(a, lo))
        yield to_events({name: rb.column(name) for name in rb.schema.names}, plan, where=where)
