"""Split inputs into partitions of events without reading the events, and read one partition (on a Dask worker).

Partitions are found from what the files say about themselves: ROOT entry counts (uproot ``num_entries``), HDF5
dataset lengths, Parquet metadata, and for text tables one scan for line ends, which gives the byte range of every
block of ``step_size`` rows so that each worker parses only its own rows. :func:`kcdc_hep.engine.map_reduce` maps a
job over them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import awkward as ak
import numpy as np

from kcdc_hep._util import check_step
from kcdc_hep.errors import ArgumentError
from kcdc_hep.readers import text as _text
from kcdc_hep.readers.columns import plan_columns, to_events
from kcdc_hep.readers.sources import DEFAULT_STEP, Sources, detect, expand, open_source, resolve

__all__ = ["SCAN_BYTES", "Partition", "check_step", "partitions", "read_partition", "text_ranges"]

#: Bytes scanned at a time when counting the rows of a text table.
SCAN_BYTES = 1 << 26


@dataclass(frozen=True)
class Partition:
    """Events ``[entry_start, entry_stop)`` of one input: the unit of work of :func:`kcdc_hep.engine.map_reduce`.

    Attributes
    ----------
    source : str
        Path of the file (or ``"archive.zip:member"``, or a folder of KCDC component files).
    entry_start, entry_stop : int, int or None
        Event range; ``entry_stop=None`` means "to the end" (zip text members and component folders, whose rows
        cannot be counted without decompressing or joining them; such a partition is processed in chunks).
    format : str
        ``"text"``, ``"root"``, ``"parquet"`` or ``"other"`` (read through :func:`kcdc_hep.read`/``iterate``).
    byte_start, byte_stop : int or None
        For text files: the byte range holding exactly these rows.
    """

    source: str
    entry_start: int
    entry_stop: int | None
    format: Literal["text", "root", "parquet", "other"]
    byte_start: int | None = None
    byte_stop: int | None = None

    @property
    def num_entries(self) -> int | None:
        """Number of events in the partition (``None`` when not known before reading)."""
        return None if self.entry_stop is None else self.entry_stop - self.entry_start


def partitions(sources: Sources, *, step_size: int = DEFAULT_STEP) -> list[Partition]:
    """Split inputs into partitions of at most ``step_size`` events, without reading the events.

    Parameters
    ----------
    sources : path, glob pattern, or list of them
        Files as :func:`kcdc_hep.iterate` accepts them (text, ROOT, Parquet, ``.zip``, component folders).
    step_size : int
        Events per partition. Boundaries fall at multiples of ``step_size`` from the start of each file, exactly
        where :func:`kcdc_hep.iterate` cuts its chunks.

    Returns
    -------
    list of Partition
        In file order, then event order.

    Raises
    ------
    ArgumentError
        ``step_size`` is not a positive number.
    """
    check_step(step_size)
    out: list[Partition] = []
    for path in expand(sources):
        out += _file_partitions(path, step_size)
    return out


def _file_partitions(path: str, step: int) -> list[Partition]:
    src = resolve(path)
    if src.kind == "folder":
        return [Partition(path, 0, None, "other")]
    with open_source(src) as (fh, resolved):
        if resolved.kind == "zipfolder":
            return [Partition(path, 0, None, "other")]
        head = _text.read_head(fh)
        kind = detect(head, where=resolved.where)
        if kind == "root":
            from kcdc_hep.readers import root as _root  # the binary formats' readers are imported on use

            n = _root.num_entries(fh if resolved.kind == "zip" else resolved.path, where=resolved.where)
            fmt: Literal["root", "other"] = "root" if resolved.kind == "file" else "other"
            return [Partition(path, a, min(a + step, n), fmt) for a in range(0, n, step)]
        if kind == "hdf5":  # read by entry range through kcdc_hep.read (chunked dataset reads)
            from kcdc_hep.readers import hdf5 as _hdf5

            n = _hdf5.num_entries(resolved.path, resolved.member, where=resolved.where)
            return [Partition(path, a, min(a + step, n), "other") for a in range(0, n, step)]
        if kind == "parquet" and resolved.kind == "file":
            from kcdc_hep.readers import parquet as _parquet

            n = _parquet.num_rows(resolved.path, where=resolved.where)
            return [Partition(path, a, min(a + step, n), "parquet") for a in range(0, n, step)]
        if kind == "text" and resolved.kind == "file":
            lay = _text.sniff(head, where=resolved.where)
            return [
                Partition(path, a, b, "text", lo, hi)
                for a, b, lo, hi in text_ranges(resolved.path, lay.header_bytes, step)
            ]
    return [Partition(path, 0, None, "other")]


def text_ranges(path: Path, data_start: int, step: int) -> list[tuple[int, int, int, int]]:
    """``(entry_start, entry_stop, byte_start, byte_stop)`` of blocks of ``step`` rows (one scan for line ends).

    ``data_start`` is the byte offset of the first row (after the header). A row is a line; the last one may lack
    its line end. Every byte of the data lies in exactly one range.
    """
    size = path.stat().st_size
    bounds = [data_start]  # byte offsets where rows 0, step, 2*step, ... start
    rows = 0  # line ends seen so far
    last_end = data_start - 1  # offset of the last line end seen
    with open(path, "rb") as fh:
        fh.seek(data_start)
        offset = data_start
        while block := fh.read(SCAN_BYTES):
            n = block.count(b"\n")
            if n:
                last_end = offset + block.rfind(b"\n")
                wanted = np.arange(len(bounds) * step, rows + n + 1, step)  # line-end counts that close a range
                if len(wanted):
                    ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
                    bounds += (offset + ends[wanted - rows - 1] + 1).tolist()
            rows += n
            offset += len(block)
        fh.seek(last_end + 1)
        total = rows + (1 if fh.read().strip() else 0)  # a last row without its line end
    bounds = [b for b in bounds if b < size] or [data_start]
    out = []
    for i, lo in enumerate(bounds):
        a = i * step
        if a >= total:
            break
        hi = bounds[i + 1] if i + 1 < len(bounds) else size
        out.append((a, min(a + step, total), lo, hi))
    return out


# ---------------------------------------------------------------------------------------------------- reading
def read_partition(
    part: Partition, *, columns: Sequence[str] | None = None, step_size: int = DEFAULT_STEP
) -> Iterator[ak.Array]:
    """The events of one partition: one array, or (for a partition of unknown length) chunks of ``step_size``.

    The events are those :func:`kcdc_hep.iterate` yields for the same range, in the same chunks.
    """
    from kcdc_hep.readers import iterate, read  # the dispatch, which imports this module

    check_step(step_size)
    if part.format == "text":
        yield _read_text_range(part, columns)
    elif part.format == "parquet":
        from kcdc_hep.readers import parquet as _parquet

        yield from _parquet.chunks(
            part.source, where=part.source, columns=columns, start=part.entry_start, stop=part.entry_stop
        )
    elif part.entry_stop is not None:
        yield read(part.source, columns=columns, entry_start=part.entry_start, entry_stop=part.entry_stop)
    else:
        yield from iterate(part.source, step_size=step_size, columns=columns)


def _read_text_range(part: Partition, columns: Sequence[str] | None) -> ak.Array:
    if part.byte_start is None or part.byte_stop is None:
        msg = f"{part.source}: a text partition needs its byte range; make partitions with partitions()"
        raise ArgumentError(msg)
    with open(part.source, "rb") as fh:
        head = _text.read_head(fh)
        lay = _text.sniff(head, where=part.source)
        plan = plan_columns(lay.data_names, columns, where=part.source)
        fh.seek(part.byte_start)
        block = fh.read(part.byte_stop - part.byte_start)
    table = _text.parse_block(block, lay, plan.source_columns, first_line=lay.header_lines + 1 + part.entry_start)
    return to_events(_text.table_columns(table), plan, where=part.source, minus_one_missing=True)
