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

Locally (no ``scheduler``, no ``workers``) the chunks come from :func:`local_chunks` (the chunks of
:func:`kcdc_hep.iterate`, small text files through the parse cache) in this process and Dask is not imported.
``workers=N`` starts a local Dask cluster of N processes (one thread each); ``scheduler=`` uses an existing cluster
(``"tcp://host:8786"`` or a :class:`distributed.Client`), e.g. one started by dask-jobqueue on a batch system
(``docs/scaling.md``). Process-based clusters re-import the calling script in every worker: keep the code of a
script under ``if __name__ == "__main__":``.

The partitions come from :func:`kcdc_hep.readers.partitions` (the readers know the file formats; the engine knows
none). A job that must keep pieces in partition order (say, the event times of each chunk) returns them in an
:class:`Ordered` list, which merges by concatenation.
"""

from __future__ import annotations

import contextlib
import functools
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from kcdc_hep import settings
from kcdc_hep._util import progress_bar
from kcdc_hep.errors import ArgumentError, EmptyFileError, KcdcError
from kcdc_hep.readers import (
    DEFAULT_STEP,
    Partition,
    Sources,
    expand,
    format_of,
    iterate,
    partitions,
    read,
    read_partition,
    resolve,
)
from kcdc_hep.readers.partitions import check_step

__all__ = [
    "WHOLE_TEXT_MAX_BYTES",
    "Ordered",
    "check_cluster",
    "dask_client",
    "forked",
    "keep_freed_memory",
    "local_chunks",
    "map_ordered",
    "map_reduce",
    "merge",
]


class Ordered(list[Any]):
    """Pieces of a result that must stay in partition order: :func:`merge` concatenates two ``Ordered`` lists.

    A job returns ``Ordered([piece])`` for its chunk; the merged result holds the pieces of every chunk in the
    order of the partitions (files in the given order, events in file order), wherever they were computed.

    >>> merge(Ordered(["a"]), Ordered(["b"]))
    ['a', 'b']
    """


# ---------------------------------------------------------------------------------------------------- merging
def merge(a: Any, b: Any) -> Any:
    """Merge two results: ``+`` for histograms, numbers and arrays; recursively for dicts, tuples and lists.

    ``None`` is the neutral element. Dicts are merged key by key (a key present in one only is kept, in insertion
    order: dicts of unique keys concatenate); sets are joined (``|``); :class:`Ordered` lists are concatenated.

    >>> merge({"n": 2, "sums": (1.5, 3)}, {"n": 3, "sums": (0.5, 1)})
    {'n': 5, 'sums': (2.0, 4)}
    """
    if a is None:
        return b
    if b is None:
        return a
    if isinstance(a, Ordered) and isinstance(b, Ordered):
        return Ordered([*a, *b])
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


# ---------------------------------------------------------------------------------------------------- map_reduce
_NOTHING = object()


def _run_partition(part: Partition, *, job: Callable[[Any], Any], columns: Sequence[str] | None, step: int) -> Any:
    """Apply ``job`` to the chunks of one partition and merge them (runs on a worker)."""
    result: Any = _NOTHING
    for chunk in read_partition(part, columns=columns, step_size=step):
        value = job(chunk)
        result = value if result is _NOTHING else merge(result, value)
    return result


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
        Show a progress bar (on a terminal).

    Returns
    -------
    object
        The merged result, the same for every way of running it.

    Raises
    ------
    ArgumentError
        ``step_size`` or ``workers`` is not a positive number, or both ``workers`` and ``scheduler`` were given.
    EmptyFileError
        The sources hold no events.
    MissingDependencyError
        ``scheduler`` or ``workers`` was given and Dask (``distributed``) is not installed.
    """
    check_step(step_size)
    check_cluster(workers=workers, scheduler=scheduler, caller="map_reduce")
    if scheduler is None and workers is None:
        result = _local(func, sources, step_size=step_size, columns=columns, progress=progress)
    else:
        job = functools.partial(_run_partition, job=func, columns=columns, step=step_size)
        parts = partitions(sources, step_size=step_size)
        result = _NOTHING
        for value in map_ordered(
            job, parts, workers=workers, scheduler=scheduler, progress=progress, desc="partitions", unit="part"
        ):
            if value is not _NOTHING:  # merge in partition order: the same numbers however the tasks were scheduled
                result = value if result is _NOTHING else merge(result, value)
    if result is _NOTHING:
        msg = f"map_reduce: {sources!r} holds no events; check the paths and that the files are not empty"
        raise EmptyFileError(msg)
    return result


#: Text files up to this size are read whole through the parse cache (:func:`kcdc_hep.read`) and then cut into chunks:
#: a repeated run on the same file parses nothing (a memory-mapped Arrow file), the first run parses it once.
WHOLE_TEXT_MAX_BYTES = 1 << 28


def local_chunks(sources: Sources, *, step_size: int, columns: Sequence[str] | None = None) -> Iterator[Any]:
    """The chunks of ``sources`` for a run in this process: the chunks of :func:`kcdc_hep.iterate`, the same events.

    A text file of at most :data:`WHOLE_TEXT_MAX_BYTES` is read whole through the parse cache (when it is on,
    ``KCDC_HEP_CACHE``) and cut into the same chunks of ``step_size`` events; every other input is streamed.
    """
    check_step(step_size)
    use_cache = settings.cache_enabled()
    for path in expand(sources):
        if use_cache and _small_text_file(path):
            events = read(path, columns=columns)
            for start in range(0, len(events), step_size):
                yield events[start : start + step_size]
        else:
            yield from iterate(path, step_size=step_size, columns=columns)


def _small_text_file(path: str) -> bool:
    """A plain text file (no zip member, no folder) of at most :data:`WHOLE_TEXT_MAX_BYTES`."""
    try:
        src = resolve(path)
        return src.kind == "file" and src.path.stat().st_size <= WHOLE_TEXT_MAX_BYTES and format_of(path) == "text"
    except (OSError, KcdcError):
        return False  # the streaming reader says what is wrong with it


def _local(func: Callable[[Any], Any], sources: Sources, *, step_size: int, columns: Any, progress: bool) -> Any:
    chunks = progress_bar(
        local_chunks(sources, step_size=step_size, columns=columns), enabled=progress, desc="chunks", unit="chunk"
    )
    result: Any = _NOTHING
    for chunk in chunks:
        value = func(chunk)
        result = value if result is _NOTHING else merge(result, value)
    return result


# ---------------------------------------------------------------------------------------------------- Dask
def check_cluster(*, workers: int | None, scheduler: str | Any | None, caller: str) -> None:
    """Refuse ``workers`` together with ``scheduler``, and a ``workers`` that is not a positive whole number.

    ``caller`` names the function in the message (``"map_reduce"``, ``"run"``, ...).

    Raises
    ------
    ArgumentError
        On either.
    """
    if workers is not None and scheduler is not None:
        msg = f"{caller}: pass either workers= (a local Dask cluster) or scheduler= (an existing one), not both"
        raise ArgumentError(msg)
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int | np.integer) or workers < 1):
        msg = f"{caller}: workers must be a positive number of processes, not {workers!r}"
        raise ArgumentError(msg)


def map_ordered(
    func: Callable[[Any], Any],
    items: Sequence[Any],
    *,
    workers: int | None = None,
    scheduler: str | Any | None = None,
    progress: bool = False,
    desc: str = "tasks",
    unit: str = "task",
) -> Iterator[Any]:
    """``func(item)`` for every item, computed on a Dask cluster (one task each), yielded in the order of ``items``.

    Each result is yielded as soon as it and all results before it are done, and its task is released then, so
    at most the results that finished out of order wait in memory. ``workers``/``scheduler`` (and the errors)
    as in :func:`dask_client`; ``func`` must be picklable.
    """
    from kcdc_hep._optional import import_optional

    distributed = import_optional("distributed")
    if not items:
        return
    with dask_client(workers=workers, scheduler=scheduler) as client:
        futures = client.map(func, items, pure=False)
        index = {f.key: i for i, f in enumerate(futures)}
        done: dict[int, Any] = {}
        next_i = 0
        bar = progress_bar(enabled=progress, desc=desc, total=len(futures), unit=unit)
        try:
            for future in distributed.as_completed(futures):
                done[index[future.key]] = future.result()
                future.release()
                bar.update(1)
                while next_i in done:
                    yield done.pop(next_i)
                    next_i += 1
        finally:
            bar.close()


@contextlib.contextmanager
def dask_client(*, workers: int | None = None, scheduler: str | Any | None = None) -> Iterator[Any]:
    """A Dask ``distributed.Client`` for a run, closed afterwards if this function made it.

    ``workers=N`` starts a ``LocalCluster`` of N single-threaded processes (closed at the end); ``scheduler`` is an
    address (``"tcp://host:8786"``, a client is connected and closed at the end) or a ``Client`` (used as it is
    and left open). With neither, one local worker process is started.

    Raises
    ------
    ArgumentError
        ``workers`` together with ``scheduler``, or ``workers`` not a positive number.
    MissingDependencyError
        Dask (``distributed``) is not installed.
    """
    from kcdc_hep._optional import import_optional

    check_cluster(workers=workers, scheduler=scheduler, caller="dask_client")
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


# ---------------------------------------------------------------------------------------------------- forked
@contextlib.contextmanager
def forked(func: Callable[[], Any]) -> Iterator[Callable[[], Any]]:
    """Run ``func()`` in a forked child process while this one goes on; yields a function that waits for its result.

    The child inherits this process's memory (nothing is pickled on the way in; the result is pickled on the way
    out), so it suits work on large in-memory objects that only needs other cores, like drawing figures while the
    parent fits. An exception in the child is raised again by the waiting function. Where ``fork`` is not
    available (Windows, macOS) or the child cannot be started, ``func`` runs in this process when the result is
    asked for. A child whose result was never asked for is stopped when the block ends.

    >>> with forked(lambda: 6 * 7) as result:
    ...     result()
    42
    """
    import multiprocessing

    if sys.platform != "linux" or "fork" not in multiprocessing.get_all_start_methods():
        yield func
        return
    ctx = multiprocessing.get_context("fork")
    receive, send = ctx.Pipe(duplex=False)

    def child() -> None:
        receive.close()
        try:
            outcome: tuple[bool, Any] = (True, func())
        except BaseException as err:  # handed to the parent, which raises it
            outcome = (False, err)
        try:
            send.send(outcome)
        except Exception as err:  # an unpicklable result or exception
            send.send((False, RuntimeError(f"forked: the child's result cannot be sent back: {err!r}")))
        send.close()

    process = ctx.Process(target=child, daemon=True)
    try:
        process.start()
    except (OSError, AssertionError):  # no memory or process slot, or a daemon process (no children): do it here
        receive.close()
        send.close()
        yield func
        return
    send.close()
    collected = False

    def result() -> Any:
        nonlocal collected
        try:
            ok, value = receive.recv()
        except EOFError:
            process.join()
            msg = f"forked: the child process ended without a result (exit code {process.exitcode})"
            raise RuntimeError(msg) from None
        finally:
            collected = True
            receive.close()
        process.join()
        if not ok:
            raise value
        return value

    try:
        yield result
    finally:
        if not collected:
            receive.close()
            process.terminate()
            process.join()


# ---------------------------------------------------------------------------------------------------- memory
#: glibc ``mallopt`` parameters (malloc.h) and the values :func:`keep_freed_memory` sets.
_M_TRIM_THRESHOLD, _M_TOP_PAD, _M_MMAP_THRESHOLD = -1, -2, -3
_KEEP_BYTES = {_M_MMAP_THRESHOLD: 256 << 20, _M_TRIM_THRESHOLD: 512 << 20, _M_TOP_PAD: 64 << 20}
_kept = False


def keep_freed_memory() -> bool:
    """Let this process reuse freed memory for its next large arrays instead of returning it to the system.

    A chunked job makes the same large temporaries (tens of MB) for every chunk. By default glibc's ``malloc`` maps
    each one afresh from the kernel and returns it when freed, so every chunk pays for page faults (a third of the
    example's CPU time went to the kernel). After this call, arrays up to 256 MiB come from the heap, and up to
    512 MiB of freed heap stay with the process for reuse. The setting holds for the rest of the process (glibc
    has no way to undo it); it changes no result. Only on Linux with glibc; returns whether it was applied.
    """
    global _kept
    if _kept:
        return True
    if sys.platform != "linux":
        return False
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library this process runs on
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    _kept = all(mallopt(param, value) == 1 for param, value in _KEEP_BYTES.items())
    return _kept
