"""Where the events are: files, folders of KCDC component files, zip archives (and their members), glob patterns.

:func:`resolve` says what a path names, :func:`open_source` opens it as a seekable binary stream (a zip member
included), :func:`detect` names the format from the first bytes. Nothing here parses events.
"""

from __future__ import annotations

import contextlib
import glob
import os
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Literal

from kcdc_hep.errors import (
    CorruptFileError,
    EmptyFileError,
    KcdcError,
    MissingFileError,
    UnknownFormatError,
    UnsafeZipError,
)

__all__ = [
    "COMPONENT_FILES",
    "DEFAULT_STEP",
    "Source",
    "Sources",
    "check_member",
    "detect",
    "entry_range",
    "expand",
    "open_source",
    "resolve",
]

#: Default number of events per chunk (:func:`kcdc_hep.iterate`) and per partition (:func:`kcdc_hep.engine.map_reduce`).
DEFAULT_STEP = 500_000
#: One or several inputs: a path, a glob pattern, or a list of them.
Sources = str | os.PathLike[str] | Sequence[str | os.PathLike[str]]
#: Per-component KCDC ASCII files, by role.
COMPONENT_FILES = {
    "general": "general.txt",
    "array": "array.txt",
    "grande": "grande.txt",
    "calorimeter": "calorimeter.txt",
}
_DATA_SUFFIXES = (".root", ".parquet", ".txt", ".csv", ".dat", ".tsv", ".h5", ".hdf5", ".hdf")

Format = Literal["root", "hdf5", "parquet", "zip", "text"]

#: The HDF5 format signature (at offset 0, or after a user block of 512, 1024, 2048 ... bytes)
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


@dataclass(frozen=True)
class Source:
    """A resolved input: a file on disk, a folder of KCDC component files, or a member of a zip archive.

    ``kind`` is ``"file"``, ``"folder"``, ``"zip"`` (a zip archive or one of its members) or ``"zipfolder"``
    (the ``general.txt`` of KCDC component files inside a zip, as :func:`open_source` reports it).
    """

    path: Path
    member: str | None = None  # zip member
    kind: Literal["file", "folder", "zip", "zipfolder"] = "file"

    @property
    def where(self) -> str:
        """The source as error messages name it (``path`` or ``path:member``)."""
        return f"{self.path}:{self.member}" if self.member else str(self.path)


# ---------------------------------------------------------------------------------------------------- resolving
def check_member(name: str, archive: Path) -> None:
    """Refuse a zip member name that could point outside the archive (absolute, ``..``, a drive letter).

    Raises
    ------
    UnsafeZipError
        If the name is not a plain relative path.
    """
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
            check_member(member, Path(head))
            return Source(Path(head), member=member, kind="zip")
    msg = f"{text}: no such file or folder; check the path (the working directory is {Path.cwd()})"
    raise MissingFileError(msg)


def expand(source: Sources) -> list[str]:
    """Expand a path, a glob pattern or a list of them into a list of paths (sorted within each glob)."""
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


def entry_range(n: int, start: int | None, stop: int | None) -> tuple[int, int]:
    """Events ``[start, stop)`` of ``n`` as a non-negative range (Python slice rules, negative counts from the end).

    >>> entry_range(10, -3, None)
    (7, 10)
    """
    a, b, _ = slice(start, stop).indices(n)
    return a, max(a, b)


def _is_zip(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(4) == b"PK\x03\x04"


def _zip_members(zf: zipfile.ZipFile) -> list[str]:
    return [i.filename for i in zf.infolist() if not i.is_dir()]


def _pick_member(zf: zipfile.ZipFile, archive: Path) -> str:
    names = _zip_members(zf)
    candidates = [n for n in names if n.lower().endswith(_DATA_SUFFIXES) and "__macosx" not in n.lower()]
    for n in candidates:
        check_member(n, archive)
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


# ---------------------------------------------------------------------------------------------------- opening
@contextlib.contextmanager
def open_source(src: Source) -> Iterator[tuple[IO[bytes], Source]]:
    """Open a file or zip member as a binary stream; yields ``(stream, resolved source)``.

    For a zip without a member name the data member is picked (``events.root`` first, then other ROOT files,
    ``general.txt`` of a component export, or the only data file); the resolved source names it. A component
    export's ``general.txt`` comes back with ``kind="zipfolder"``.

    Raises
    ------
    CorruptFileError
        A damaged zip archive.
    MissingFileError
        The file cannot be opened, or the archive has no such member.
    UnknownFormatError
        The archive holds several data files and no member was named.
    """
    if src.kind == "zip":
        try:
            zf = zipfile.ZipFile(src.path)
        except zipfile.BadZipFile as err:
            msg = f"{src.path}: damaged zip archive ({err}); download or copy it again"
            raise CorruptFileError(msg) from err
        with zf:
            member = src.member if src.member is not None else _pick_member(zf, src.path)
            check_member(member, src.path)
            try:
                info = zf.getinfo(member)
            except KeyError as err:
                listed = ", ".join(_zip_members(zf)[:20])
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
def is_hdf5(head: bytes) -> bool:
    """Whether ``head`` (the first bytes of a file) holds the HDF5 signature at 0 or at a user-block offset.

    >>> is_hdf5(HDF5_SIGNATURE + bytes(100)), is_hdf5(bytes(512) + HDF5_SIGNATURE), is_hdf5(b"E Ne Nmu Ze\\n")
    (True, True, False)
    """
    offset = 0
    while offset + len(HDF5_SIGNATURE) <= len(head):
        if head[offset : offset + len(HDF5_SIGNATURE)] == HDF5_SIGNATURE:
            return True
        offset = 512 if offset == 0 else 2 * offset
    return False


def detect(head: bytes, *, where: str) -> Format:
    """Name the format of a file from its first bytes: ``"root"``, ``"hdf5"``, ``"parquet"``, ``"zip"``, ``"text"``."""
    if head[:4] == b"root":
        return "root"
    if head[:4] == b"PAR1":
        return "parquet"
    if head[:4] == b"PK\x03\x04":
        return "zip"
    if is_hdf5(head):
        return "hdf5"
    if not head.strip():
        msg = f"{where}: the file is empty; a KCDC or masterclass table starts with a header line of column names"
        raise EmptyFileError(msg)
    sample = head[:4096]
    if b"\x00" in sample:
        msg = (
            f"{where}: binary content that is neither ROOT, HDF5, Parquet nor zip; kcdc_hep reads ROOT, HDF5, Parquet, "
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
