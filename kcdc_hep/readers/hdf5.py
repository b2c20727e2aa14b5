"""HDF5 files (with h5py): KCDC-like component groups, compound tables, pandas/PyTables tables, one flat table.

A file is found by its content (the HDF5 signature at offset 0, or at 512, 1024, 2048, ... after a user block).
Whatever the grouping, the file is seen as *tables* of per-event quantities:

- a group holding 1-D datasets, one per quantity (``/KCDC/E``, ``/KCDC/Ne``, ... as :mod:`kcdc_hep.writers.hdf5`
  writes, or the root group of a flat file);
- a compound (table) dataset, one field per quantity; a pandas/PyTables ``format="table"`` file is a compound
  dataset ``table`` in a group named by the pandas key, with the column names of its ``values_block_*`` fields
  read from its attributes (without unpickling anything); a pandas ``format="fixed"`` frame (pandas' default) gives
  its numeric columns;
- variable-length numeric datasets as per-event lists;
- per-station lists stored as in ROOT: a flat values dataset (``EDeposit``) whose length is the sum of a per-event
  count (``ArrivalN``) of the same group (named by the values' ``count`` attribute, or found by its sum).

Tables get roles by name as ROOT trees do (general ``KCDC``, mapping ``KCDCM``, components ``Array``, ``Calor``,
``Grande``; :data:`kcdc_hep.readers.root.ROLE_NAMES`), and each :class:`Table` reads like a ROOT tree, so the ROOT
reader's plan and join (:func:`kcdc_hep.readers.root.plan`, :func:`~kcdc_hep.readers.root.read_range`) make the
events: quantities by name, case-insensitively and by alias, component rows joined through the mapping, a component
an event lacks a missing value. Unknown datasets are kept under their own names; tables of no role but with one row
per event are joined row by row.

Reading is chunked: a chunk reads only its slice of each dataset (and, for per-station lists, its slice of the
values), so memory stays bounded by the chunk size. A zip member stored uncompressed is read in place; a
compressed member is first copied to a temporary file (HDF5 seeks back and forth, which a compressed stream cannot
do quickly).

>>> is_hdf5(SIGNATURE + bytes(100)), is_hdf5(bytes(512) + SIGNATURE), is_hdf5(b"E Ne Nmu Ze\\n")
(True, True, False)
"""

from __future__ import annotations

import contextlib
import io
import pickletools
import shutil
import struct
import tempfile
import zipfile
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import awkward as ak
import numpy as np

from kcdc_hep import schema
from kcdc_hep._optional import import_optional
from kcdc_hep.errors import CorruptFileError, UnknownFormatError
from kcdc_hep.readers import root as _root
from kcdc_hep.readers.sources import HDF5_SIGNATURE as SIGNATURE
from kcdc_hep.readers.sources import damaged, is_hdf5, open_member, open_zip, zip_errors

__all__ = ["SIGNATURE", "Table", "chunks", "describe", "is_hdf5", "layout", "num_entries", "open_file", "tables"]

#: The 8 bytes every HDF5 file starts with (after an optional user block of 512, 1024, 2048, ... bytes).
#: How a damaged HDF5 file is reported.
_WHAT = "not a readable HDF5 file"
_HINT = "it may be truncated or corrupt (an interrupted download or copy): fetch it again"
#: Counts summed per read when the start of a chunk's per-station values is looked for (bounds memory).
_COUNT_BLOCK = 1 << 20
#: Pickle opcodes of a plain list of strings (PyTables stores pandas' column names so); anything else is refused.
_LIST_OPS = {"PROTO", "FRAME", "MARK", "EMPTY_LIST", "LIST", "APPEND", "APPENDS", "PUT", "BINPUT", "LONG_BINPUT"}
_LIST_OPS |= {"MEMOIZE", "STOP", "UNICODE", "BINUNICODE", "SHORT_BINUNICODE", "BINUNICODE8", "STRING"}
_LIST_OPS |= {"BINSTRING", "SHORT_BINSTRING"}


# ---------------------------------------------------------------------------------------------------- columns
def _decoded(values: np.ndarray) -> np.ndarray:
    """Byte strings as text; everything else as it is."""
    if values.dtype.kind == "S":
        return np.char.decode(values, "utf-8", errors="replace")
    if values.dtype.kind == "O":
        return np.asarray([v.decode("utf-8") if isinstance(v, bytes) else str(v) for v in values], dtype=str)
    return values


class _Dataset:
    """A 1-D dataset as one quantity: entries [a, b) are read, nothing else."""

    def __init__(self, ds: Any) -> None:
        self.ds = ds

    def __len__(self) -> int:
        return int(self.ds.shape[0])

    def read(self, a: int, b: int) -> np.ndarray:
        return _decoded(self.ds[a:b])


class _VarLen(_Dataset):
    """A 1-D dataset of variable-length numeric arrays (HDF5 vlen): one list per event."""

    def read(self, a: int, b: int) -> ak.Array:  # type: ignore[override]
        rows = self.ds[a:b]
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum([len(r) for r in rows], out=offsets[1:])
        base = self.ds.dtype.metadata["vlen"]
        content = np.concatenate(list(rows)).astype(base, copy=False) if len(rows) else np.zeros(0, base)
        return ak.Array(ak.contents.ListOffsetArray(ak.index.Index64(offsets), ak.contents.NumpyArray(content)))


class _Member:
    """A field of a compound dataset (or column ``index`` of a sub-array field, as pandas stores its blocks).

    A compound dataset is stored row by row, so :meth:`Table.arrays` reads the rows of a chunk once and every
    field needed is :meth:`pick`-ed from them.
    """

    def __init__(self, ds: Any, field: str, index: int | None = None) -> None:
        self.ds, self.field, self.index = ds, field, index

    def __len__(self) -> int:
        return int(self.ds.shape[0])

    def pick(self, rows: np.ndarray) -> np.ndarray:
        values = rows[self.field]
        return _decoded(values if self.index is None else values[:, self.index])

    def read(self, a: int, b: int) -> np.ndarray:
        return self.pick(self.ds[a:b])


class _Lists:
    """Per-event lists: a flat values dataset cut by a per-event count (as ROOT's ``EDeposit[ArrivalN]``).

    The start of a chunk's values is the sum of the counts before it; it is remembered at the end of each chunk,
    so reading chunk after chunk sums nothing twice, and a jump elsewhere sums the counts in bounded blocks.
    """

    def __init__(self, values: _Dataset, counts: _Dataset | _Member, name: str) -> None:
        self.values, self.counts, self.name = values, counts, name
        self._starts: dict[int, int] = {0: 0}

    def __len__(self) -> int:
        return len(self.counts)

    def _start(self, a: int) -> int:
        known = max(k for k in self._starts if k <= a)
        start = self._starts[known]
        for lo in range(known, a, _COUNT_BLOCK):
            start += int(np.sum(self.counts.read(lo, min(lo + _COUNT_BLOCK, a)), dtype=np.int64))
        return start

    def read(self, a: int, b: int) -> ak.Array:
        counts = np.asarray(self.counts.read(a, b), dtype=np.int64)
        offsets = np.zeros(len(counts) + 1, dtype=np.int64)
        np.cumsum(counts, out=offsets[1:])
        start = self._start(a)
        content = self.values.read(start, start + int(offsets[-1]))
        if len(content) < offsets[-1] or (len(counts) and counts.min() < 0):
            msg = (
                f"the per-event lists {self.name!r} hold {len(content)} values from entry {a} where their count "
                f"says {int(offsets[-1])}"
            )
            raise ValueError(msg)
        self._starts = {0: 0, a: start, b: start + int(offsets[-1])}
        return ak.Array(ak.contents.ListOffsetArray(ak.index.Index64(offsets), ak.contents.NumpyArray(content)))


class _Branch:
    """One quantity of a :class:`Table` with the ``array(entry_start=, entry_stop=)`` of an uproot branch."""

    def __init__(self, table: Table, name: str) -> None:
        self.table, self.name = table, name

    def array(self, *, entry_start: int, entry_stop: int, library: str = "ak") -> ak.Array:
        return ak.Array(self.table.arrays([self.name], entry_start=entry_start, entry_stop=entry_stop)[self.name])


class Table:
    """One table of per-event quantities in an HDF5 file, read like a ROOT tree.

    ``num_entries``, :meth:`keys` and :meth:`arrays` are the parts of an uproot ``TTree`` that
    :mod:`kcdc_hep.readers.root` uses, so general, mapping and component tables are planned and joined exactly as
    KCDC ROOT trees are.
    """

    def __init__(self, name: str, path: str, kind: str, num_entries: int, columns: dict[str, Any]) -> None:
        self.name, self.path, self.kind = name, path, kind
        self.num_entries = num_entries
        self.columns = columns
        self._rows: tuple[tuple[int, int, int], np.ndarray] | None = None  # the last rows read of a compound dataset

    def keys(self, recursive: bool = False) -> list[str]:
        """The quantity names (datasets or fields), as the file spells them."""
        return list(self.columns)

    def __getitem__(self, name: str) -> _Branch:
        """One quantity, read like a ROOT branch (for :class:`~kcdc_hep.readers.kcdc_cursor.BranchCursor`)."""
        if name not in self.columns:
            raise KeyError(name)
        return _Branch(self, name)

    def arrays(self, branches: Sequence[str], *, entry_start: int, entry_stop: int, library: str = "ak") -> dict:
        """Entries ``[entry_start, entry_stop)`` of the named quantities (the rows of a compound dataset read once)."""
        out: dict[str, Any] = {}
        for b in branches:
            column = self.columns[b]
            if isinstance(column, _Member):  # the rows of a compound dataset are read once for all its fields
                key = (id(column.ds), entry_start, entry_stop)
                rows = self._rows  # one read of the attribute: other threads may replace it meanwhile
                if rows is None or rows[0] != key:
                    rows = (key, column.ds[entry_start:entry_stop])
                    self._rows = rows
                out[b] = column.pick(rows[1])
            else:
                out[b] = column.read(entry_start, entry_stop)
        return out

    def __repr__(self) -> str:
        return f"{self.path} ({self.kind}, {len(self.columns)} quantities, {self.num_entries:,} entries)"


def _pickled_names(raw: Any) -> list[str] | None:
    """The strings of a pickled list (PyTables' ``values_block_0_kind``), read without unpickling, else ``None``."""
    try:
        data = bytes(raw.tobytes() if isinstance(raw, np.ndarray | np.generic) else raw)
        names: list[str] = []
        for op, arg, _ in pickletools.genops(data):
            if op.name not in _LIST_OPS:
                return None
            if isinstance(arg, str | bytes) and ("STRING" in op.name or "UNICODE" in op.name):
                names.append(arg.decode() if isinstance(arg, bytes) else str(arg))
        return names
    except Exception:
        return None


def _compound_table(ds: Any) -> Table | None:
    """A compound dataset: one quantity per field (pandas blocks: one per column of the block)."""
    if ds.ndim != 1:
        return None
    columns: dict[str, Any] = {}
    for field in ds.dtype.names:
        sub = ds.dtype.fields[field][0]
        if sub.shape == ():
            columns[field] = _Member(ds, field)
        elif len(sub.shape) == 1:
            names = _pickled_names(ds.attrs.get(f"{field}_kind", b""))
            if names is None or len(names) != sub.shape[0]:
                names = [f"{field}_{j}" for j in range(sub.shape[0])]
            for j, name in enumerate(names):
                columns[name] = _Member(ds, field, j)
    path = ds.name
    parts = [p for p in path.split("/") if p]
    name = parts[-2] if parts[-1] == "table" and len(parts) > 1 else parts[-1]  # pandas: the key names the table
    return Table(name, path, "compound dataset", int(ds.shape[0]), columns) if columns else None


def _count_candidates(group_datasets: dict[str, _Dataset], n: int) -> list[str]:
    """Integer datasets of length ``n`` that may count per-event lists, likeliest first (``ArrivalN``, ``*N``)."""
    ints = [k for k, d in group_datasets.items() if len(d) == n and d.ds.dtype.kind in "iu"]

    def rank(name: str) -> tuple[int, str]:
        low = name.lower()
        if schema.canonical_name(name) == "n_stations":
            return 0, name
        if name.endswith("N") or low.endswith(("_n", "count", "counts")) or low.startswith(("n_", "num")):
            return 1, name
        return 2, name

    return sorted(ints, key=rank)


def _sum(column: _Dataset) -> int:
    total = 0
    for lo in range(0, len(column), _COUNT_BLOCK):
        total += int(np.sum(column.read(lo, lo + _COUNT_BLOCK), dtype=np.int64))
    return total


def _column(ds: Any) -> _Dataset | None:
    """A 1-D dataset as a quantity: numbers, text, or variable-length numbers (``None`` for anything else)."""
    dtype = ds.dtype
    if dtype.names is not None:
        return None
    if dtype.kind == "O":
        base = (dtype.metadata or {}).get("vlen")
        if base is str or base is bytes:
            return _Dataset(ds)
        return _VarLen(ds) if base is not None and np.dtype(base).kind in "biuf" else None
    return _Dataset(ds) if dtype.kind in "biufS" else None


class _Block:
    """Column ``index`` of a 2-D dataset of rows (a block of a pandas ``format="fixed"`` frame)."""

    def __init__(self, ds: Any, index: int) -> None:
        self.ds, self.index = ds, index

    def __len__(self) -> int:
        return int(self.ds.shape[0])

    def read(self, a: int, b: int) -> np.ndarray:
        return _decoded(self.ds[a:b, self.index])


def _pandas_fixed_table(group: Any) -> Table:
    """A pandas ``format="fixed"`` frame: numeric blocks ``blockK_values`` (rows × columns) named by
    ``blockK_items``; text blocks are pickled Python objects, which are not read."""
    columns: dict[str, Any] = {}
    n = int(group["axis1"].shape[0]) if "axis1" in group else 0
    for k in range(int(group.attrs.get("nblocks", 0))):
        values, items = group.get(f"block{k}_values"), group.get(f"block{k}_items")
        if values is None or items is None or values.ndim != 2 or values.dtype.kind not in "biuf":
            continue
        for j, name in enumerate(_decoded(items[:])):
            columns[str(name)] = _Block(values, j)
    name = group.name.rsplit("/", 1)[-1]
    return Table(name, group.name, "pandas frame", n, columns)


def _group_table(group: Any) -> Table | None:
    """A group of 1-D datasets: the per-event ones, and per-event lists as values + count."""
    found = {k: _column(d) for k, d in group.items() if hasattr(d, "dtype") and d.ndim == 1}
    datasets = {k: d for k, d in found.items() if d is not None}
    if not datasets:
        return None
    counted = {k: str(d.ds.attrs["count"]) for k, d in datasets.items() if "count" in d.ds.attrs}
    counted = {k: c for k, c in counted.items() if c in datasets and c not in counted}
    plain = {k: d for k, d in datasets.items() if k not in counted}
    if not plain:
        return None
    lengths = Counter(len(d) for d in plain.values())
    sums: dict[str, int] = {}
    best: tuple[int, int, int, dict[str, str]] | None = None
    for n, freq in sorted(lengths.items(), key=lambda kv: (-kv[1], kv[0])):
        cands = _count_candidates(plain, n) if len(lengths) > 1 else []
        lists: dict[str, str] = {}
        for k, d in plain.items():
            if len(d) == n:
                continue
            for c in cands:
                if c not in sums:
                    sums[c] = _sum(plain[c])
                if sums[c] == len(d):
                    lists[k] = c
                    break
        score = (freq + len(lists), freq, -n, lists)
        if best is None or score[:3] > best[:3]:
            best = score
    assert best is not None
    n = -best[2]
    lists = {**best[3], **counted}
    columns: dict[str, Any] = {}
    for k, d in datasets.items():
        if k in lists:
            columns[k] = _Lists(d, datasets[lists[k]], k)
        elif len(d) == n:
            columns[k] = d
    name = group.name.rsplit("/", 1)[-1]
    return Table(name, group.name, "group", n, columns)


def _internal(path: str) -> bool:
    """PyTables' index groups (``_i_table``) hold no events."""
    return any(part.startswith("_i_") for part in path.split("/"))


def tables(file: Any, *, where: str) -> list[Table]:
    """Every table of per-event quantities in an open HDF5 file, in the file's (name) order."""
    h5py = import_optional("h5py")
    found: list[Table] = []

    def visit(path: str, obj: Any) -> None:
        if _internal(path):
            return
        if isinstance(obj, h5py.Group):
            table = _pandas_fixed_table(obj) if obj.attrs.get("pandas_type") == b"frame" else _group_table(obj)
        elif isinstance(obj, h5py.Dataset) and obj.dtype.names is not None:
            table = _compound_table(obj)
        else:
            return
        if table is not None:
            found.append(table)

    with damaged(where, "cannot list the HDF5 file's contents", hint="it may be truncated or corrupt"):
        visit("/", file)
        file.visititems(visit)
    return found


# ---------------------------------------------------------------------------------------------------- layout
def layout(file: Any, *, where: str) -> _root.RootLayout:
    """Find the tables of an HDF5 file and give them roles by name (as :func:`kcdc_hep.readers.root.layout`)."""
    return _layout(tables(file, where=where), where)


def _layout(found: list[Table], where: str) -> _root.RootLayout:
    if not found:
        msg = (
            f"{where}: the HDF5 file holds no table of events (no group of 1-D datasets, no compound dataset); "
            "kcdc_hep reads one dataset per quantity, or a table (compound) dataset"
        )
        raise UnknownFormatError(msg)
    roles: dict[str, Table] = {}
    for table in found:
        for role, names in _root.ROLE_NAMES.items():
            if table.name.lower() in names and role not in roles:
                roles[role] = table
                break
    if "general" not in roles:
        unassigned = [t for t in found if t not in roles.values()] or found
        roles["general"] = max(unassigned, key=lambda t: t.num_entries)
    general = roles.pop("general")
    mapping = roles.pop("mapping", None)
    components: dict[str, Any] = dict(roles)
    assigned = {id(t) for t in (general, mapping, *roles.values())}
    for table in found:  # tables of no role but one row per event: joined row by row
        joinable = table.num_entries == general.num_entries and table.name.lower() not in components
        if id(table) not in assigned and joinable:
            components[table.name.lower()] = table
    kinds = {t.path: t.kind for t in found}
    return _root.RootLayout(where, general, general.path, mapping, components, kinds)


# ---------------------------------------------------------------------------------------------------- opening
class _StoredMember(io.RawIOBase):
    """A read-only file of ``length`` bytes at ``offset`` of ``path``: an uncompressed zip member, in place."""

    def __init__(self, path: Path, offset: int, length: int) -> None:
        self._fh = open(path, "rb")  # noqa: SIM115 - closed with this object
        self._offset, self._length, self._pos = offset, length, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, pos: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self._length}[whence]
        self._pos = max(0, base + pos)
        return self._pos

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        n = max(0, min(len(view), self._length - self._pos))
        self._fh.seek(self._offset + self._pos)
        got = self._fh.readinto(view[:n])
        self._pos += got
        return got

    def close(self) -> None:
        self._fh.close()
        super().close()


def _member_offset(archive: Path, info: zipfile.ZipInfo) -> int:
    """Where the data of a zip member start: after its local header (30 bytes, its name and extra field)."""
    with open(archive, "rb") as fh:
        fh.seek(info.header_offset)
        header = fh.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        msg = f"{archive}: the local header of {info.filename!r} is damaged; download or copy the archive again"
        raise CorruptFileError(msg)
    name_len, extra_len = struct.unpack("<HH", header[26:30])
    return info.header_offset + 30 + name_len + extra_len


@contextlib.contextmanager
def _member(archive: Path, member: str) -> Iterator[IO[bytes]]:
    """A zip member as a seekable binary file: in place when stored, else a temporary copy.

    The member is checked first (:func:`kcdc_hep.readers.sources.open_member`: safe path, not encrypted, within the
    size and compression-ratio limits), so a copy never grows beyond ``KCDC_HEP_MAX_UNCOMPRESSED_BYTES``.
    """
    where = f"{archive}:{member}"
    with open_zip(archive) as zf, open_member(zf, member, archive) as src:
        info = zf.getinfo(member)
        if info.compress_type == zipfile.ZIP_STORED:
            fh: IO[bytes] = _StoredMember(archive, _member_offset(archive, info), info.file_size)  # type: ignore[assignment]
            with fh:
                yield fh
            return
        with tempfile.TemporaryFile(prefix="kcdc_hep-", suffix=".h5") as tmp:
            with zip_errors(where):
                shutil.copyfileobj(src, tmp, 1 << 24)
            tmp.seek(0)
            yield tmp


def open_file(target: str | Path | IO[bytes], *, where: str) -> Any:
    """``h5py.File(target, "r")`` with damaged-file errors turned into :class:`CorruptFileError`."""
    h5py = import_optional("h5py")
    with damaged(where, _WHAT, hint=_HINT):
        return h5py.File(target, "r")


@contextlib.contextmanager
def _opened(path: Path, member: str | None, where: str) -> Iterator[Any]:
    with contextlib.ExitStack() as stack:
        target: Any = stack.enter_context(_member(path, member)) if member is not None else path
        file = open_file(target, where=where)
        stack.callback(file.close)
        yield file


# ---------------------------------------------------------------------------------------------------- reading
def chunks(
    path: str | Path,
    member: str | None = None,
    *,
    where: str,
    columns: Sequence[str] | None,
    start: int | None,
    stop: int | None,
    step: int | None,
) -> Iterator[ak.Array]:
    """Events ``[start, stop)`` of an HDF5 file (or zip ``member``), in chunks of ``step`` (``None``: one chunk)."""
    with _opened(Path(path), member, where) as file, damaged(where, _WHAT, hint=_HINT):
        lay = layout(file, where=where)
        yield from _root.layout_chunks(lay, where=where, columns=columns, start=start, stop=stop, step=step)


def num_entries(path: str | Path, member: str | None = None, *, where: str) -> int:
    """The number of events of an HDF5 file (entries of its general table), without reading them."""
    with _opened(Path(path), member, where) as file, damaged(where, _WHAT, hint=_HINT):
        return layout(file, where=where).num_entries


def describe(path: str | Path, member: str | None = None, *, full: bool = False) -> list[str]:
    """One line per table (for ``kcdc-hep info``): path, kind, quantities, entries, role; ``full`` lists names."""
    where = f"{path}:{member}" if member else str(path)
    with _opened(Path(path), member, where) as file, damaged(where, _WHAT, hint=_HINT):
        found = tables(file, where=where)
        lay = _layout(found, where)
        roles = {t.path: role for role, t in lay.components.items()}
        roles[lay.general.path] = "general"
        if lay.mapping is not None:
            roles[lay.mapping.path] = "mapping"
        lines = []
        for table in found:
            role = roles.get(table.path, "not read")
            line = f"{table!r} [{role}]"
            if full:
                line += ": " + ", ".join(table.keys())
            lines.append(line)
        return lines
