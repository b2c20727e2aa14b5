"""Read every KCDC and masterclass input into the event model.

>>> import kcdc_hep
>>> events = kcdc_hep.read("sample2_simulation.csv")            # doctest: +SKIP
>>> for chunk in kcdc_hep.iterate("events.root", step_size=100_000):  # doctest: +SKIP
...     ...

Formats are detected from the content (magic bytes, header line), not the suffix: masterclass samples 1-3
(TXT/CSV, with or without a pandas index column), KCDC ASCII exports (single table, legacy layout, or per-component
files in a folder), ROOT (KCDC multi-tree files, flat TTrees, RNTuples), Parquet, and a ``.zip`` holding any of
these (``"archive.zip"`` or ``"archive.zip:member/path"``).
"""

from __future__ import annotations

import contextlib
import os
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Any

import awkward as ak
import numpy as np

from kcdc_hep.errors import (
    CorruptFileError,
    EmptyFileError,
    KcdcError,
    MissingFileError,
    UnknownFormatError,
    UnsafeZipError,
)
from kcdc_hep.readers import _cache
from kcdc_hep.readers import root as _root
from kcdc_hep.readers import text as _text
from kcdc_hep.readers.columns import plan_columns, row_index, to_events

__all__ = ["Source", "detect", "iterate", "read"]

#: Default number of events per chunk for :func:`iterate`.
DEFAULT_STEP = 500_000
#: Per-component KCDC ASCII files, by role.
COMPONENT_FILES = {
    "general": "general.txt",
    "array": "array.txt",
    "grande": "grande.txt",
    "calorimeter": "calorimeter.txt",
}
_DATA_SUFFIXES = (".root", ".parquet", ".txt", ".csv", ".dat", ".tsv")


@dataclass(frozen=True)
class Source:
    """A resolved input: a file on disk, a folder of KCDC component files, or a member of a zip archive."""

    path: Path
    member: str | None = None  # zip member
    kind: str = "file"  # "file", "folder", "zip"

    @property
    def where(self) -> str:
        return f"{self.path}:{self.member}" if self.member else str(self.path)


# ---------------------------------------------------------------------------------------------------- sources
def _check_member(name: str, archive: Path) -> None:
    p = PurePosixPath(name.replace("\\", "/"))
    if p.is_absolute() or ".." in p.parts or (len(name) > 1 and name[1] == ":"):
        msg = (
            f"{archive}: refusing zip member {name!r}: absolute or '..' member paths could point outside the "
            "archive; re-pack the archive with relative paths"
        )
        raise UnsafeZipError(msg)


def resolve(source: str | os.PathLike[str]) -> Source:
    """Find what ``source`` names: file, folder of KCDC component files, or zip (member)."""
    try:
        return _resolve(os.fspath(source))
    except KcdcError:
        raise
    except OSError as err:  # a name too long, a loop of links, no permission
        text = os.fspath(source)
        shown = text if len(text) <= 120 else text[:117] + "..."
        msg = f"{shown}: cannot be opened ({err.strerror or err}); check the path and its permissions"
        raise MissingFileError(msg) from err


def _resolve(text: str) -> Source:
    path = Path(text)
    if path.is_dir():
        if not any((path / f).is_file() for f in COMPONENT_FILES.values()):
            msg = f"{path}: a folder, but it holds no KCDC component files ({', '.join(COMPONENT_FILES.values())})"
            raise UnknownFormatError(msg)
        return Source(path, kind="folder")
    if path.is_file():
        return Source(path, kind="zip" if _is_zip(path) else "file")
    # "archive.zip:member"
    if ":" in text:
        head, member = text.rsplit(":", 1)
        if Path(head).is_file() and _is_zip(Path(head)):
            _check_member(member, Path(head))
            return Source(Path(head), member=member, kind="zip")
    msg = f"{text}: no such file or folder; check the path (the working directory is {Path.cwd()})"
    raise MissingFileError(msg)


def _is_zip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) == b"PK\x03\x04"


def _zip_members(zf: zipfile.ZipFile, archive: Path) -> list[str]:
    names = [i.filename for i in zf.infolist() if not i.is_dir()]
    return names


def _pick_member(zf: zipfile.ZipFile, archive: Path) -> str:
    names = _zip_members(zf, archive)
    candidates = [n for n in names if n.lower().endswith(_DATA_SUFFIXES) and "__macosx" not in n.lower()]
    for n in candidates:
        _check_member(n, archive)
    roots = [n for n in candidates if n.lower().endswith(".root")]
    if len(roots) >= 1:
        return sorted(roots, key=lambda n: (PurePosixPath(n).name.lower() != "events.root", n))[0]
    general = [n for n in candidates if PurePosixPath(n).name.lower() == "general.txt"]
    if general:
        return general[0]
    data = [n for n in candidates if PurePosixPath(n).name.lower() not in ("info.txt", "row_mapping.txt", "readme.txt")]
    if len(data) == 1:
        return data[0]
    listed = ", ".join(names[:20]) or "nothing"
    msg = f"{archive}: cannot tell which member to read (it holds: {listed}); name it as '{archive}:MEMBER'"
    raise UnknownFormatError(msg)


@contextlib.contextmanager
def _open_source(src: Source) -> Iterator[tuple[IO[bytes], Source]]:
    """Open a file or zip member as a seekable binary stream."""
    if src.kind == "zip":
        try:
            zf = zipfile.ZipFile(src.path)
        except zipfile.BadZipFile as err:
            msg = f"{src.path}: damaged zip archive ({err}); download or copy it again"
            raise CorruptFileError(msg) from err
        with zf:
            member = src.member if src.member is not None else _pick_member(zf, src.path)
            _check_member(member, src.path)
            try:
                info = zf.getinfo(member)
            except KeyError as err:
                listed = ", ".join(_zip_members(zf, src.path)[:20])
                msg = f"{src.path}: no member {member!r} in the archive (it holds: {listed})"
                raise MissingFileError(msg) from err
            resolved = Source(src.path, member, "zip")
            if PurePosixPath(member).name.lower() == "general.txt":
                yield zf.open(info), Source(src.path, member, "zipfolder")
                return
            with zf.open(info) as fh:
                yield fh, resolved
        return
    try:
        fh = open(src.path, "rb")  # noqa: SIM115
    except OSError as err:
        msg = f"{src.path}: cannot be opened ({err.strerror}); check permissions"
        raise MissingFileError(msg) from err
    with fh:
        yield fh, src


# ---------------------------------------------------------------------------------------------------- detection
def detect(head: bytes, *, where: str) -> str:
    """Name the format of a file from its first bytes: ``"root"``, ``"parquet"``, ``"zip"`` or ``"text"``."""
    if head[:4] == b"root":
        return "root"
    if head[:4] == b"PAR1":
        return "parquet"
    if head[:4] == b"PK\x03\x04":
        return "zip"
    if not head.strip():
        msg = f"{where}: the file is empty; a KCDC or masterclass table starts with a header line of column names"
        raise EmptyFileError(msg)
    sample = head[:4096]
    if b"\x00" in sample:
        msg = (
            f"{where}: binary content that is neither ROOT, Parquet nor zip; kcdc_hep reads ROOT, Parquet, "
            "zip and CSV/TXT tables"
        )
        raise UnknownFormatError(msg)
    try:
        sample.decode("utf-8")
    except UnicodeDecodeError:
        try:
            sample[:-4].decode("utf-8")
        except UnicodeDecodeError as err:
            msg = f"{where}: not a text table (not UTF-8); kcdc_hep reads ROOT, Parquet, zip and CSV/TXT tables"
            raise UnknownFormatError(msg) from err
    return "text"


def format_of(source: str | os.PathLike[str]) -> str:
    """The detected format of ``source`` (``"root"``, ``"parquet"``, ``"text"``, ``"kcdc-ascii"``)."""
    src = resolve(source)
    if src.kind == "folder":
        return "kcdc-ascii"
    with _open_source(src) as (fh, resolved):
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
    return ak.concatenate(chunks)


def iterate(
    source: str | os.PathLike[str] | Sequence[str | os.PathLike[str]],
    *,
    step_size: int = DEFAULT_STEP,
    columns: Sequence[str] | None = None,
) -> Iterator[ak.Array]:
    """Yield the events of one or several files in chunks of at most ``step_size`` events.

    Memory stays bounded by the chunk size, so files larger than memory can be processed. ``source`` may be a
    path, a glob pattern (``"data/*.csv"``) or a list of paths.
    """
    if step_size < 1:
        msg = f"step_size must be a positive number of events, not {step_size}"
        raise ValueError(msg)
    for path in expand(source):
        yield from _chunks(path, columns=columns, start=None, stop=None, step=step_size, cache=False)


def expand(source: str | os.PathLike[str] | Sequence[str | os.PathLike[str]]) -> list[str]:
    """Expand a path, a glob pattern or a list of them into a list of paths (sorted within each glob)."""
    import glob

    items = [source] if isinstance(source, str | os.PathLike) else list(source)
    out: list[str] = []
    for item in items:
        text = os.fspath(item)
        if any(ch in text for ch in "*?[") and not Path(text).exists():
            matches = sorted(glob.glob(text))
            if not matches:
                msg = f"{text}: the pattern matches no file"
                raise MissingFileError(msg)
            out += matches
        else:
            out.append(text)
    return out


def _slice(n: int, start: int | None, stop: int | None) -> tuple[int, int]:
    a, b, _ = slice(start, stop).indices(n)
    return a, max(a, b)


def _chunks(
    source: str | os.PathLike[str],
    *,
    columns: Sequence[str] | None,
    start: int | None,
    stop: int | None,
    step: int | None,
    cache: bool | None,
) -> Iterator[ak.Array]:
    src = resolve(source)
    if src.kind == "folder":
        yield _slice_events(_read_components(_FolderFiles(src.path), columns, src.where), start, stop, step)
        return
    with _open_source(src) as (fh, resolved):
        if resolved.kind == "zipfolder":
            with zipfile.ZipFile(src.path) as zf:
                folder = str(PurePosixPath(resolved.member or "").parent)
                events = _read_components(_ZipFiles(zf, folder, src.path), columns, resolved.where)
            yield from _split(_slice_events(events, start, stop, None), step)
            return
        head = _text.read_head(fh)
        kind = detect(head, where=resolved.where)
        if kind == "zip":
            msg = f"{resolved.where}: a zip inside a zip; unpack the outer archive first"
            raise UnknownFormatError(msg)
        if kind == "root":
            yield from _root_chunks(
                fh if resolved.kind == "zip" else resolved.path, resolved, columns, start, stop, step
            )
        elif kind == "parquet":
            yield from _parquet_chunks(
                fh if resolved.kind == "zip" else resolved.path, resolved, columns, start, stop, step
            )
        else:
            yield from _text_chunks(fh, head, resolved, columns, start, stop, step, cache)


def _slice_events(events: ak.Array, start: int | None, stop: int | None, step: int | None) -> ak.Array:
    a, b = _slice(len(events), start, stop)
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
    lay = _text.sniff(head, where=where)
    plan = plan_columns(lay.data_names, columns, where=where)
    include = plan.source_columns
    if step is None:
        use_cache = _cache.enabled(cache) and src.kind == "file"
        table = _cache.load(src.path, where) if use_cache else None
        if table is None:
            table = _text.read_table(fh, lay, None if use_cache else include)
            if use_cache:
                _cache.store(src.path, table)
        events = to_events(_text.table_columns(table), plan, where=where, minus_one_missing=True)
        yield _slice_events(events, start, stop, None)
        return
    # streamed: blocks of whole rows, re-cut into chunks of exactly `step` events
    total_seen = 0
    a_req = start or 0
    b_req = stop
    pending: list[ak.Array] = []
    pending_n = 0
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


# ---------------------------------------------------------------------------------------------------- ROOT
def _root_chunks(
    target: Any,
    src: Source,
    columns: Sequence[str] | None,
    start: int | None,
    stop: int | None,
    step: int | None,
) -> Iterator[ak.Array]:
    with _root.open_file(target, where=src.where) as file:
        lay = _root.layout(file, where=src.where)
        rp = _root.plan(lay, columns)
        a, b = _slice(lay.num_entries, start, stop)
        if step is None:
            yield _root.read_range(lay, rp, a, b)
        else:
            yield from _root.iterate(lay, rp, a, b, step)


# ---------------------------------------------------------------------------------------------------- Parquet
def _parquet_chunks(
    target: Any,
    src: Source,
    columns: Sequence[str] | None,
    start: int | None,
    stop: int | None,
    step: int | None,
) -> Iterator[ak.Array]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(target, pre_buffer=False)  # pre-buffered column chunks would stay in memory
    except Exception as err:
        msg = f"{src.where}: not a readable Parquet file ({err}); it may be truncated or corrupt"
        raise CorruptFileError(msg) from err
    names = pf.schema_arrow.names
    plan = plan_columns(names, columns, where=src.where)
    n = pf.metadata.num_rows
    a, b = _slice(n, start, stop)
    seen = 0
    batch = step or max(n, 1)
    try:
        for rb in pf.iter_batches(batch_size=batch, columns=plan.source_columns):
            lo, hi = seen, seen + rb.num_rows
            seen = hi
            if hi <= a or lo >= b:
                continue
            rb = rb.slice(max(a - lo, 0), min(b, hi) - max(a, lo))
            cols = {name: rb.column(name) for name in rb.schema.names}
            yield to_events(cols, plan, where=src.where)
    except KcdcError:
        raise
    except Exception as err:
        msg = f"{src.where}: reading the Parquet file failed ({err}); it may be truncated or corrupt"
        raise CorruptFileError(msg) from err
    if n == 0:
        msg = f"{src.where}: the Parquet file holds no events"
        raise EmptyFileError(msg)


# ---------------------------------------------------------------------------------------------------- KCDC ASCII
class _FolderFiles:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def names(self) -> list[str]:
        return [p.name for p in self.folder.iterdir() if p.is_file()]

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[tuple[IO[bytes], str]]:
        with open(self.folder / name, "rb") as fh:
            yield fh, str(self.folder / name)


class _ZipFiles:
    def __init__(self, zf: zipfile.ZipFile, folder: str, archive: Path) -> None:
        self.zf, self.folder, self.archive = zf, "" if folder == "." else folder, archive

    def names(self) -> list[str]:
        prefix = f"{self.folder}/" if self.folder else ""
        return [n[len(prefix) :] for n in self.zf.namelist() if n.startswith(prefix) and "/" not in n[len(prefix) :]]

    @contextlib.contextmanager
    def open(self, name: str) -> Iterator[tuple[IO[bytes], str]]:
        member = f"{self.folder}/{name}" if self.folder else name
        _check_member(member, self.archive)
        with self.zf.open(member) as fh:
            yield fh, f"{self.archive}:{member}"


def _read_component_table(files: Any, name: str) -> tuple[Any, str]:
    with files.open(name) as (fh, where):
        head = _text.read_head(fh)
        lay = _text.sniff(head, where=where)
        return _text.read_table(fh, lay, lay.data_names), where


def _read_components(files: Any, columns: Sequence[str] | None, where: str) -> ak.Array:
    """Join KCDC per-component ASCII files (general.txt, array.txt, ...) into events.

    Rows are joined through ``row_mapping.txt`` (a column per component holding the component's row, -1 when the
    event lacks it) when present, else by row when the files are equally long.
    """
    present = {n.lower(): n for n in files.names()}
    if "general.txt" not in present:
        msg = f"{where}: KCDC component export without general.txt; it is the file every event has"
        raise UnknownFormatError(msg)
    general, gwhere = _read_component_table(files, present["general.txt"])
    n = general.num_rows
    mapping = None
    if "row_mapping.txt" in present:
        mapping, _ = _read_component_table(files, present["row_mapping.txt"])
        if mapping.num_rows != n:
            msg = f"{where}: row_mapping.txt has {mapping.num_rows} rows but general.txt {n}; the export is incomplete"
            raise CorruptFileError(msg)
    columns_raw: dict[str, Any] = {c: general.column(c) for c in general.column_names}
    names = list(general.column_names)
    options: dict[str, np.ndarray] = {}
    for role, fname in COMPONENT_FILES.items():
        if role == "general" or fname not in present:
            continue
        table, cwhere = _read_component_table(files, present[fname])
        if mapping is not None:
            keys = [c for c in mapping.column_names if role[:5] in c.lower()]
            if not keys:
                msg = f"{where}: row_mapping.txt has no column for {fname} (columns: {', '.join(mapping.column_names)})"
                raise CorruptFileError(msg)
            index = row_index(mapping.column(keys[0]), table.num_rows, where=where, column=keys[0])
        elif table.num_rows == n:
            index = np.arange(n, dtype=np.int64)
        else:
            msg = (
                f"{cwhere}: {table.num_rows} rows but general.txt has {n}, and there is no row_mapping.txt to join "
                "them; add row_mapping.txt from the export"
            )
            raise CorruptFileError(msg)
        for c in table.column_names:
            if c.lower() in {x.lower() for x in names} or c.lower() in ("r", "ev"):
                continue
            columns_raw[c] = table.column(c)
            options[c] = index
            names.append(c)
    plan = plan_columns(names, columns, where=where)
    needed = plan.source_columns
    cols: dict[str, Any] = {}
    for c in needed:
        if c in options:
            idx = options[c]
            values = ak.from_arrow(columns_raw[c], generate_bitmasks=False)
            if values.layout.is_option:
                values = ak.fill_none(values, np.nan)
            cols[c] = ak.Array(ak.contents.IndexedOptionArray.simplified(ak.index.Index64(idx), ak.to_layout(values)))
        else:
            cols[c] = columns_raw[c]
    return to_events(cols, plan, where=gwhere, minus_one_missing=True)
