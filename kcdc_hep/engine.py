"""Run one analysis over many events: split the inputs, map a function over the pieces, merge the results.

>>> import kcdc_hep.engine as engine
>>> from kcdc_hep import histograms
>>> h = engine.map_reduce(histograms.spectrum, "data/*.csv")                 # doctest: +SKIP
>>> h = engine.map_reduce(histograms.spectrum, "data/*.csv", workers=8)      # doctest: +SKIP
>>> h = engine.map_reduce(histograms.spectrum, files, scheduler="tcp://10.0.0.1:8786")  # doctest: +SKIP

``func(events) -> result`` is called on chunks of at most ``step_size`` events; results (hist histograms, numbers,
numpy arrays, and dicts, tuples or lists of those) are merged with ``+``, recursively. The merge always runs in
the order of the partitions (files in the given order, events in file order), wherever the pieces were computed,
so a Dask run gives the same numbers as the local run: bin for bin for counts and unit weights, and even for
floating-point weights.

Locally (no ``scheduler``, no ``workers``) the chunks come from :func:`kcdc_hep.iterate` in this process and Dask
is not imported. ``workers=N`` starts a local Dask cluster of N processes (one thread each); ``scheduler=`` uses
an existing cluster (``"tcp://host:8786"`` or a :class:`distributed.Client`), e.g. one started by dask-jobqueue on
a batch system (``docs/scaling.md``). Process-based clusters re-import the calling script in every worker: keep
the code of a script under ``if __name__ == "__main__":``.

Partitions are found without reading the events: ROOT entry counts (uproot ``num_entries``), Parquet metadata,
and for text tables one scan for line ends, which gives the byte range of every block of ``step_size`` rows so
that each worker parses only its own rows.
"""

from __future__ import annotations

import contextlib
import functools
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kcdc_hep.errors import EmptyFileError

__all__ = ["DEFAULT_STEP", "Partition", "map_reduce", "merge", "partitions"]

#: Default number of events per partition (and per chunk handed to ``func``).
DEFAULT_STEP = 500_000
#: Bytes scanned at a time when counting the rows of a text table.
_SCAN_BYTES = 1 << 26

Sources = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]


@dataclass(frozen=True)
class Partition:
    """Events ``[entry_start, entry_stop)`` of one input: the unit of work of :func:`map_reduce`.

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
    format: str
    byte_start: int | None = None
    byte_stop: int | None = None

    @property
    def num_entries(self) -> int | None:
        """Number of events in the partition (``None`` when not known before reading)."""
        return None if self.entry_stop is None else self.entry_stop - self.entry_start


# ---------------------------------------------------------------------------------------------------- merging
def merge(a: Any, b: Any) -> Any:
    """Merge two results: ``+`` for histograms, numbers and arrays; recursively for dicts, tuples and lists.

    ``None`` is the neutral element. Dicts are merged key by key (a key present in one only is kept); sets are
    joined (``|``).

    >>> merge({"n": 2, "sums": (1.5, 3)}, {"n": 3, "sums": (0.5, 1)})
    {'n': 5, 'sums': (2.0, 4)}
    """
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        out = dict(a)
        for key, value in b.items():
            out[key] = merge(out[key], value) if key in out else value
        return out
    if isinstance(a, set | frozenset) and isinstance(b, set | frozenset):
        return a | b
    if isinstance(a, tuple | list) and isinstance(b, tuple | list):
        if len(a) != len(b) or type(a) is not type(b):
            msg = (
                f"map_reduce: cannot merge a {type(a).__name__} of {len(a)} results with a {type(b).__name__} of "
                f"{len(b)}; func must return the same structure for every chunk"
            )
            raise TypeError(msg)
        items = [merge(x, y) for x, y in zip(a, b, strict=True)]
        if isinstance(a, list):
            return items
        return type(a)(*items) if hasattr(a, "_fields") else tuple(items)
    from kcdc_hep.histograms import add

    try:
        return add(a, b)  # keeps the Poisson variances of count histograms
    except TypeError as err:
        msg = (
            f"map_reduce: cannot merge results of type {type(a).__name__} and {type(b).__name__} with '+'; "
            "return histograms, numbers, numpy arrays, or dicts/tuples/lists of those"
        )
        raise TypeError(msg) from err


# ---------------------------------------------------------------------------------------------------- partitions
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
    """
    from kcdc_hep.readers import expand

    _check_step(step_size)
    out: list[Partition] = []
    for path in expand(sources):
        out += _file_partitions(path, step_size)
    return out


def _check_step(step_size: int) -> None:
    if not isinstance(step_size, int | np.integer) or step_size < 1:
        msg = f"step_size must be a positive number of events, not {step_size!r}"
        raise ValueError(msg)


def _file_partitions(path: str, step: int) -> list[Partition]:
    from kcdc_hep.readers import _open_source, _text, detect, resolve

    src = resolve(path)
    if src.kind == "folder":
        return [Partition(path, 0, None, "other")]
    with _open_source(src) as (fh, resolved):
        if resolved.kind == "zipfolder":
            return [Partition(path, 0, None, "other")]
        head = _text.read_head(fh)
        kind = detect(head, where=resolved.where)
        if kind == "root":
            n = _root_entries(fh if resolved.kind == "zip" else resolved.path, resolved.where)
            fmt = "root" if resolved.kind == "file" else "other"
            return [Partition(path, a, min(a + step, n), fmt) for a in range(0, n, step)]
        if kind == "parquet" and resolved.kind == "file":
            import pyarrow.parquet as pq

            n = pq.ParquetFile(resolved.path).metadata.num_rows
            return [Partition(path, a, min(a + step, n), "parquet") for a in range(0, n, step)]
        if kind == "text" and resolved.kind == "file":
            lay = _text.sniff(head, where=resolved.where)
            return [
                Partition(path, a, b, "text", lo, hi)
                for a, b, lo, hi in _text_ranges(resolved.path, lay.header_bytes, step)
            ]
    return [Partition(path, 0, None, "other")]


def _root_entries(target: Any, where: str) -> int:
    from kcdc_hep.readers import _root

    with _root.open_file(target, where=where) as file:
        return _root.layout(file, where=where).num_entries


def _text_ranges(path: Path, data_start: int, step: int) -> list[tuple[int, int, int, int]]:
    """``(entry_start, entry_stop, byte_start, byte_stop)`` of blocks of ``step`` rows (one scan for line ends).

    A row is a line; the last one may lack its line end. Every byte of the data lies in exactly one range.
    """
    size = path.stat().st_size
    bounds = [data_start]  # byte offsets where rows 0, step, 2*step, ... start
    rows = 0  # line ends seen so far
    last_end = data_start - 1  # offset of the last line end seen
    with open(path, "rb") as fh:
        fh.seek(data_start)
        offset = data_start
        while block := fh.read(_SCAN_BYTES):
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
def _read_partition(part: Partition, columns: Sequence[str] | None, step: int) -> Iterator[Any]:
    """The events of one partition, in chunks of at most ``step`` events."""
    import kcdc_hep

    if part.format == "text":
        yield _read_text_range(part, columns)
    elif part.format == "parquet":
        yield _read_parquet_range(part, columns)
    elif part.entry_stop is not None:
        yield kcdc_hep.read(part.source, columns=columns, entry_start=part.entry_start, entry_stop=part.entry_stop)
    else:
        yield from kcdc_hep.iterate(part.source, step_size=step, columns=columns)


def _read_text_range(part: Partition, columns: Sequence[str] | None) -> Any:
    from kcdc_hep.readers import _text
    from kcdc_hep.readers.columns import plan_columns, to_events

    assert part.byte_start is not None and part.byte_stop is not None  # internal invariant: set by partitions()
    with open(part.source, "rb") as fh:
        head = _text.read_head(fh)
        lay = _text.sniff(head, where=part.source)
        plan = plan_columns(lay.data_names, columns, where=part.source)
        fh.seek(part.byte_start)
        block = fh.read(part.byte_stop - part.byte_start)
    table = _text.parse_block(block, lay, plan.source_columns, first_line=lay.header_lines + 1 + part.entry_start)
    return to_events(_text.table_columns(table), plan, where=part.source, minus_one_missing=True)


def _read_parquet_range(part: Partition, columns: Sequence[str] | None) -> Any:
    import pyarrow.parquet as pq

    from kcdc_hep.readers.columns import plan_columns, to_events

    assert part.entry_stop is not None  # internal invariant: set by partitions()
    pf = pq.ParquetFile(part.source)
    plan = plan_columns(pf.schema_arrow.names, columns, where=part.source)
    groups, first, lo = [], None, 0
    for g in range(pf.metadata.num_row_groups):
        hi = lo + pf.metadata.row_group(g).num_rows
        if hi > part.entry_start and lo < part.entry_stop:
            groups.append(g)
            first = lo if first is None else first
        lo = hi
    table = pf.read_row_groups(groups, columns=plan.source_columns)
    table = table.slice(part.entry_start - (first or 0), part.entry_stop - part.entry_start)
    cols = {name: table.column(name) for name in table.column_names}
    return to_events(cols, plan, where=part.source)


_NOTHING = object()


def _run_partition(part: Partition, *, job: Callable[[Any], Any], columns: Sequence[str] | None, step: int) -> Any:
    """Apply ``job`` to the chunks of one partition and merge them (runs on a worker)."""
    result: Any = _NOTHING
    for chunk in _read_partition(part, columns, step):
        value = job(chunk)
        result = value if result is _NOTHING else merge(result, value)
    return result


# ---------------------------------------------------------------------------------------------------- map_reduce
def map_reduce(
    func: Callable[[Any], Any],
    sources: Sources,
    *,
    step_size: int = DEFAULT_STEP,
    columns: Sequence[str] | None = None,
    scheduler: str | Any | None = None,
    workers: int | None = None,
    progress: bool = False,
) -> Any:
    """Apply ``func`` to every chunk of events in ``sources`` and merge the results.

    Parameters
    ----------
    func : callable
        ``func(events) -> result`` for an awkward Array of at most ``step_size`` events. Results must merge with
        ``+`` (hist histograms, numbers, numpy arrays) or be dicts, tuples or lists of such (see :func:`merge`).
        For Dask it must be picklable (a module-level function, or one defined in a ``__main__`` script).
    sources : path, glob pattern, or list of them
        Text, ROOT, Parquet files, ``.zip`` archives, KCDC component folders (as :func:`kcdc_hep.iterate`).
    step_size : int
        Events per chunk (and per Dask task); bounds the memory of each worker.
    columns : list of str, optional
        Fields to read (canonical names or aliases); ``None`` reads all. Reading fewer is faster.
    scheduler : str or distributed.Client, optional
        Address of a running Dask scheduler (``"tcp://host:8786"``) or a connected client.
    workers : int, optional
        Start a local Dask cluster with this many worker processes (one thread each) for the run.
    progress : bool
        Show a progress bar (tqdm).

    Returns
    -------
    object
        The merged result, the same for every way of running it.

    Raises
    ------
    EmptyFileError
        The sources hold no events.
    MissingDependencyError
        ``scheduler`` or ``workers`` was given and Dask (``distributed``) is not installed.
    """
    _check_step(step_size)
    if scheduler is not None and workers is not None:
        msg = "map_reduce: pass either scheduler= (an existing cluster) or workers= (a local cluster), not both"
        raise ValueError(msg)
    if workers is not None and (not isinstance(workers, int | np.integer) or workers < 1):
        msg = f"map_reduce: workers must be a positive number of processes, not {workers!r}"
        raise ValueError(msg)
    if scheduler is None and workers is None:
        result = _local(func, sources, step_size=step_size, columns=columns, progress=progress)
    else:
        result = _distributed(
            func, sources, step_size=step_size, columns=columns, scheduler=scheduler, workers=workers, progress=progress
        )
    if result is _NOTHING:
        msg = f"map_reduce: {sources!r} holds no events; check the paths and that the files are not empty"
        raise EmptyFileError(msg)
    return result


def _local(func: Callable[[Any], Any], sources: Sources, *, step_size: int, columns: Any, progress: bool) -> Any:
    import kcdc_hep

    chunks = kcdc_hep.iterate(sources, step_size=step_size, columns=columns)
    if progress:
        from tqdm.auto import tqdm

        chunks = tqdm(chunks, desc="chunks", unit="chunk")
    result: Any = _NOTHING
    for chunk in chunks:
        value = func(chunk)
        result = value if result is _NOTHING else merge(result, value)
    return result


def _distributed(
    func: Callable[[Any], Any],
    sources: Sources,
    *,
    step_size: int,
    columns: Any,
    scheduler: str | Any | None,
    workers: int | None,
    progress: bool,
) -> Any:
    from kcdc_hep._optional import import_optional

    distributed = import_optional("distributed")
    parts = partitions(sources, step_size=step_size)
    if not parts:
        return _NOTHING
    with dask_client(workers=workers if scheduler is None else None, scheduler=scheduler) as client:
        job = functools.partial(_run_partition, job=func, columns=columns, step=step_size)
        futures = client.map(job, parts, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        done: dict[int, Any] = {}
        result: Any = _NOTHING
        next_i = 0
        finished = distributed.as_completed(futures)
        bar = None
        if progress:
            from tqdm.auto import tqdm

            bar = tqdm(total=len(futures), desc="partitions", unit="part")
        for future in finished:
            done[index[future.key]] = future.result()
            future.release()
            if bar is not None:
                bar.update(1)
            while next_i in done:  # merge in partition order: the same numbers however the tasks were scheduled
                value = done.pop(next_i)
                if value is not _NOTHING:
                    result = value if result is _NOTHING else merge(result, value)
                next_i += 1
        if bar is not None:
            bar.close()
        return result


@contextlib.contextmanager
def dask_client(*, workers: int | None = None, scheduler: str | Any | None = None) -> Iterator[Any]:
    """A Dask ``distributed.Client`` for a run, closed afterwards if this function made it.

    ``workers=N`` starts a ``LocalCluster`` of N single-threaded processes (closed at the end); ``scheduler`` is an
    address (``"tcp://host:8786"``, a client is connected and closed at the end) or a ``Client`` (used as it is
    and left open). With neither, one local worker process is started.
    """
    from kcdc_hep._optional import import_optional

    distributed = import_optional("distributed")
    if scheduler is not None and not isinstance(scheduler, str):
        yield scheduler
        return
    if scheduler is not None:
        with distributed.Client(scheduler) as client:
            yield client
        return
    with (
        distributed.LocalCluster(
            n_workers=int(workers or 1),
            processes=True,
            threads_per_worker=1,
            dashboard_address=None,
            env=_worker_env(),
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def _worker_env() -> dict[str, str]:
    """One thread per worker process for the parsers (polars, Arrow) too, so N workers use N cores."""
    return {"POLARS_MAX_THREADS": "1", "OMP_NUM_THREADS": "1"}
