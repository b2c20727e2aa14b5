"""KCDC ASCII exports of one file per detector component (``general.txt``, ``array.txt``, ...), joined per event.

The files sit in a folder or in a folder of a zip archive. Rows are joined through ``row_mapping.txt`` (a column per
component holding the component's row, -1 when the event lacks it) when present, else by row when the files are
equally long.
"""

from __future__ import annotations

import contextlib
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import IO, Any, Protocol

import awkward as ak
import numpy as np

from kcdc_hep import schema
from kcdc_hep.errors import CorruptFileError, UnknownFormatError
from kcdc_hep.readers import text as _text
from kcdc_hep.readers.columns import plan_columns, row_index, to_events
from kcdc_hep.readers.sources import COMPONENT_FILES, open_member, open_zip, zip_errors

__all__ = ["read_folder", "read_zip_folder"]


class _Files(Protocol):
    def names(self) -> list[str]: ...

    def open(self, name: str) -> contextlib.AbstractContextManager[tuple[IO[bytes], str]]: ...


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
        """The member (checked: safe path, within the limits) as a stream read only from the archive."""
        member = f"{self.folder}/{name}" if self.folder else name
        where = f"{self.archive}:{member}"
        with open_member(self.zf, member, self.archive) as fh, zip_errors(where):
            yield fh, where


def read_folder(folder: Path, columns: Sequence[str] | None, *, where: str) -> ak.Array:
    """The events of the component files in ``folder``."""
    return _read_components(_FolderFiles(folder), columns, where)


def read_zip_folder(archive: Path, member: str, columns: Sequence[str] | None, *, where: str) -> ak.Array:
    """The events of the component files beside ``member`` (their ``general.txt``) in the zip ``archive``."""
    with open_zip(archive) as zf:
        return _read_components(_ZipFiles(zf, str(PurePosixPath(member).parent), archive), columns, where)


class _Table:
    """The columns of one component file (numpy arrays, arrow arrays for text) and its number of rows."""

    def __init__(self, columns: dict[str, Any], num_rows: int) -> None:
        self.columns, self.num_rows = columns, num_rows

    @property
    def column_names(self) -> list[str]:
        return list(self.columns)

    def column(self, name: str) -> Any:
        return self.columns[name]


def _read_component_table(files: _Files, name: str) -> tuple[_Table, str]:
    with files.open(name) as (fh, where):
        head = _text.read_head(fh)
        lay = _text.sniff(head, where=where)
        path = getattr(files, "folder", None)
        parsed = _text._whole_file(path / name, lay, None) if isinstance(path, Path) else None
        if parsed:  # a plain file read whole; else the block path (a zip member, an irregular file)
            return _Table(parsed, len(next(iter(parsed.values())))), where
        table = _text.read_table(fh, lay, lay.data_names)
        return _Table(_text.table_columns(table), table.num_rows), where


def _read_components(files: _Files, columns: Sequence[str] | None, where: str) -> ak.Array:
    """Join KCDC per-component ASCII files (general.txt, array.txt, ...) into events."""
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
            own = schema.canonical_name(c, component=role)  # Grande's own Xc, Ze, Nmu ... by canonical name
            key = own if own is not None and schema.FIELDS[own].component == role else c
            if key.lower() in {x.lower() for x in names} or key.lower() in ("r", "ev"):
                continue
            columns_raw[key] = table.column(c)
            options[key] = index
            names.append(key)
    plan = plan_columns(names, columns, where=where)
    cols: dict[str, Any] = {}
    for c in plan.source_columns:
        if c in options:
            raw = columns_raw[c]
            values = ak.Array(raw) if isinstance(raw, np.ndarray) else ak.from_arrow(raw, generate_bitmasks=False)
            if values.layout.is_option:
                values = ak.fill_none(values, np.nan)
            index = ak.index.Index64(options[c])
            cols[c] = ak.Array(ak.contents.IndexedOptionArray.simplified(index, ak.to_layout(values)))
        else:
            cols[c] = columns_raw[c]
    return to_events(cols, plan, where=gwhere, minus_one_missing=True)
