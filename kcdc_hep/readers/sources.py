"""Where the events are: files, folders of KCDC component files, zip archives (and their members), glob patterns.

:func:`resolve` says what a path names, :func:`open_source` opens it as a seekable binary stream (a zip member
included), :func:`detect` names the format from the first bytes. Nothing here parses events.

Zip archives are read only for what they hold, within limits (:mod:`kcdc_hep.settings`): :func:`open_zip` refuses
an archive that lists more than ``KCDC_HEP_MAX_ZIP_ENTRIES`` entries (counted from its end record, before anything
is listed), :func:`open_member` a member whose path could leave the archive, an encrypted member, or one larger
than ``KCDC_HEP_MAX_UNCOMPRESSED_BYTES`` or compressed more than ``KCDC_HEP_MAX_COMPRESSION_RATIO`` times (a zip
bomb). A damaged archive or member (bad CRC, truncated data) is a :class:`~kcdc_hep.errors.CorruptFileError`.
"""

from __future__ import annotations

import contextlib
import glob
import lzma
import os
import struct
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO, Literal

from kcdc_hep import settings
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
    "check_zip_member",
    "damaged",
    "detect",
    "entry_range",
    "expand",
    "is_hdf5",
    "open_member",
    "open_source",
    "open_zip",
    "resolve",
    "zip_errors",
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
#: Zip members smaller than this may have any compression ratio (a bomb needs size to hurt).
RATIO_FREE_BYTES = 16 << 20
#: Central-directory bytes allowed per permitted entry (46 bytes of header, the name, extra fields).
_DIRECTORY_BYTES_PER_ENTRY = 1024
#: Compression methods Python's zipfile unpacks.
_METHODS = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
#: What zipfile and its decompressors raise on damaged data (bz2 raises a plain OSError).
_ZIP_DAMAGE = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, EOFError, OSError, struct.error)


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
    """Find what ``source`` names: file, folder of KCDC component files, or zip (member).

    Raises
    ------
    MissingFileError
        Nothing of that name, or a path the system refuses (too long, a loop of links, no permission).
    UnknownFormatError
        A folder without KCDC component files.
    UnsafeZipError
        An ``"archive.zip:member"`` whose member path could leave the archive.
    """
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
    # "archive.zip:member" (the member may hold a colon too; the archive is the shortest head that is a zip file)
    for at in [i for i, ch in enumerate(text) if ch == ":"]:
        head, member = Path(text[:at]), text[at + 1 :]
        if head.is_file() and _is_zip(head):
            check_member(member, head)
            return Source(head, member=member, kind="zip")
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


# ---------------------------------------------------------------------------------------------------- zip limits
def _limit_hint(variable: str) -> str:
    return (
        f"if the archive is trusted, raise the limit with the environment variable {variable} "
        "(0 lifts it; see kcdc_hep.settings)"
    )


def _declared_entries(archive: Path) -> tuple[int, int] | None:
    """``(entries, central-directory bytes)`` from the archive's end record (zip64 too), or ``None`` if not found.

    Reads at most the last 64 KiB (and the zip64 record): the count is known before any entry is listed.
    """
    with open(archive, "rb") as fh:
        size = fh.seek(0, os.SEEK_END)
        tail_start = max(0, size - (1 << 16) - 22)
        fh.seek(tail_start)
        tail = fh.read()
        at = tail.rfind(b"PK\x05\x06")
        if at < 0 or len(tail) - at < 22:
            return None
        entries, directory = struct.unpack("<HI", tail[at + 10 : at + 16])
        if entries != 0xFFFF and directory != 0xFFFFFFFF:
            return entries, directory
        locator = tail[at - 20 : at] if at >= 20 else b""
        if len(locator) < 20 or locator[:4] != b"PK\x06\x07":
            return entries, directory
        (offset,) = struct.unpack("<Q", locator[8:16])
        if offset >= size:
            return entries, directory
        fh.seek(offset)
        record = fh.read(56)
    if len(record) < 56 or record[:4] != b"PK\x06\x06":
        return entries, directory
    entries64, directory64 = struct.unpack("<QQ", record[32:48])
    return entries64, directory64


def open_zip(archive: Path) -> zipfile.ZipFile:
    """Open a zip archive for reading, refusing one with more entries than ``KCDC_HEP_MAX_ZIP_ENTRIES``.

    The entry count is read from the archive's end record first, so an archive listing a million entries is refused
    at once, without listing them into memory.

    Raises
    ------
    UnsafeZipError
        Too many entries (the message names the limit and how to raise it).
    CorruptFileError
        A damaged archive.
    """
    limit = settings.max_zip_entries()
    try:
        declared = _declared_entries(archive) if limit is not None else None
    except OSError as err:
        msg = f"{archive}: cannot be read ({err.strerror or err}); check the path and permissions"
        raise MissingFileError(msg) from err
    if limit is not None and declared is not None:
        entries, directory = declared
        if entries > limit or directory > max(limit, 1) * _DIRECTORY_BYTES_PER_ENTRY:
            shown = f"{entries:,} entries" if entries > limit else f"an index of {directory:,} bytes"
            msg = (
                f"{archive}: the zip archive lists {shown}, beyond the limit of {limit:,} entries "
                "(KCDC_HEP_MAX_ZIP_ENTRIES); a KCDC archive holds a few files; "
                + _limit_hint("KCDC_HEP_MAX_ZIP_ENTRIES")
            )
            raise UnsafeZipError(msg)
    try:
        zf = zipfile.ZipFile(archive)
    except (*_ZIP_DAMAGE, ValueError, NotImplementedError, RuntimeError, UnicodeDecodeError) as err:
        if isinstance(err, KcdcError):
            raise
        msg = f"{archive}: damaged zip archive ({type(err).__name__}: {err}); download or copy it again"
        raise CorruptFileError(msg) from err
    if limit is not None and len(zf.filelist) > limit:
        zf.close()
        msg = (
            f"{archive}: the zip archive lists {len(zf.filelist):,} entries, beyond the limit of {limit:,} entries "
            f"(KCDC_HEP_MAX_ZIP_ENTRIES); {_limit_hint('KCDC_HEP_MAX_ZIP_ENTRIES')}"
        )
        raise UnsafeZipError(msg)
    return zf


def check_zip_member(info: zipfile.ZipInfo, archive: Path) -> None:
    """Refuse a member kcdc_hep must not unpack: unsafe path, encrypted, unknown compression, beyond the limits.

    Raises
    ------
    UnsafeZipError
        An absolute or ``..`` path, or a member larger than ``KCDC_HEP_MAX_UNCOMPRESSED_BYTES`` or compressed more
        than ``KCDC_HEP_MAX_COMPRESSION_RATIO`` times (the message names the limit and how to raise it).
    CorruptFileError
        An encrypted member, or a compression method Python cannot unpack.
    """
    name = info.filename
    check_member(name, archive)
    where = f"{archive}:{name}"
    if info.flag_bits & 0x1:
        msg = (
            f"{where}: the member is encrypted (password-protected); kcdc_hep reads unencrypted archives: unpack it "
            "with its password and pack it again without one"
        )
        raise CorruptFileError(msg)
    if info.compress_type not in _METHODS:
        msg = (
            f"{where}: compression method {info.compress_type} cannot be unpacked here (stored, deflate, bzip2 and "
            "lzma can); unpack the archive with another tool, or pack it again with deflate"
        )
        raise CorruptFileError(msg)
    size_limit = settings.max_uncompressed_bytes()
    if size_limit is not None and info.file_size > size_limit:
        msg = (
            f"{where}: the member unpacks to {info.file_size:,} bytes, beyond the limit of {size_limit:,} bytes "
            f"(KCDC_HEP_MAX_UNCOMPRESSED_BYTES); {_limit_hint('KCDC_HEP_MAX_UNCOMPRESSED_BYTES')}"
        )
        raise UnsafeZipError(msg)
    ratio_limit = settings.max_compression_ratio()
    ratio = info.file_size / max(info.compress_size, 1)
    if ratio_limit is not None and info.file_size > RATIO_FREE_BYTES and ratio > ratio_limit:
        msg = (
            f"{where}: the member unpacks to {info.file_size:,} bytes from {info.compress_size:,} (compressed "
            f"{ratio:,.0f} times), beyond the limit of {ratio_limit:g} (KCDC_HEP_MAX_COMPRESSION_RATIO): a zip bomb "
            f"or unusual data; {_limit_hint('KCDC_HEP_MAX_COMPRESSION_RATIO')}"
        )
        raise UnsafeZipError(msg)


def open_member(zf: zipfile.ZipFile, member: str | zipfile.ZipInfo, archive: Path) -> IO[bytes]:
    """A member of an open archive as a binary stream, after :func:`check_zip_member`.

    The stream's ``name`` is ``"archive:member"``, never the bare member name, so nothing can mistake a file of the
    working directory that has the member's name for the member.

    Raises
    ------
    MissingFileError
        The archive has no such member.
    UnsafeZipError, CorruptFileError
        As :func:`check_zip_member`; a member that cannot be opened.
    """
    try:
        info = member if isinstance(member, zipfile.ZipInfo) else zf.getinfo(member)
    except KeyError as err:
        listed = ", ".join(_zip_members(zf)[:20]) or "nothing"
        msg = f"{archive}: no member {member!r} in the archive (it holds: {listed})"
        raise MissingFileError(msg) from err
    check_zip_member(info, archive)
    try:
        fh = zf.open(info)
    except (*_ZIP_DAMAGE, NotImplementedError, RuntimeError) as err:
        msg = f"{archive}:{info.filename}: the member cannot be unpacked ({type(err).__name__}: {err}); damaged archive"
        raise CorruptFileError(msg) from err
    fh.name = f"{archive}:{info.filename}"  # type: ignore[misc]  # zipfile names it by the bare member name
    return fh


def zip_errors(where: str) -> contextlib.AbstractContextManager[None]:
    """Turn what zipfile and its decompressors raise on damaged data (bad CRC, truncated member, broken stream) into
    :class:`~kcdc_hep.errors.CorruptFileError` naming ``where``."""
    return damaged(where, "the zip archive is damaged", errors=_ZIP_DAMAGE, hint="download or copy it again")


@contextlib.contextmanager
def damaged(
    where: str,
    what: str,
    *,
    errors: tuple[type[BaseException], ...] = (Exception,),
    hint: str = "it may be truncated or corrupt (an interrupted download or copy): fetch it again",
) -> Iterator[None]:
    """Turn a failure of a third-party reader (zipfile, uproot, pyarrow, h5py) in the block into one of ours.

    Any of ``errors`` (default: every ``Exception``, a ``MemoryError`` included) raised in the ``with`` block
    comes out as a :class:`~kcdc_hep.errors.CorruptFileError`: ``"{where}: {what} ({the original}); {hint}"``, the
    original's type and message on one line, raised ``from`` it; a :class:`~kcdc_hep.errors.KcdcError` passes.

    >>> try:
    ...     with damaged("x.root", "not a readable ROOT file", hint="fetch it again"):
    ...         raise AssertionError("num_bytes=-1")
    ... except CorruptFileError as err:
    ...     print(err)
    x.root: not a readable ROOT file (AssertionError: num_bytes=-1); fetch it again
    """
    try:
        yield
    except KcdcError:
        raise
    except errors as err:
        reason = " ".join(str(err).split())
        reason = reason if len(reason) <= 240 else reason[:237] + "..."
        detail = f"{type(err).__name__}: {reason}" if reason else type(err).__name__
        msg = f"{where}: {what} ({detail}); {hint}"
        raise CorruptFileError(msg) from err


# ---------------------------------------------------------------------------------------------------- opening
@contextlib.contextmanager
def open_source(src: Source) -> Iterator[tuple[IO[bytes], Source]]:
    """Open a file or zip member as a binary stream; yields ``(stream, resolved source)``.

    For a zip without a member name the data member is picked (``events.root`` first, then other ROOT files,
    ``general.txt`` of a component export, or the only data file); the resolved source names it. A component
    export's ``general.txt`` comes back with ``kind="zipfolder"``. Errors of a damaged member while the stream is
    read in the ``with`` block come out as :class:`~kcdc_hep.errors.CorruptFileError`.

    Raises
    ------
    CorruptFileError
        A damaged or encrypted zip archive.
    UnsafeZipError
        A member path that could leave the archive, or an archive beyond the limits of :func:`open_zip` and
        :func:`check_zip_member`.
    MissingFileError
        The file cannot be opened, or the archive has no such member.
    UnknownFormatError
        The archive holds several data files and no member was named.
    """
    if src.kind == "zip":
        with open_zip(src.path) as zf:
            member = src.member if src.member is not None else _pick_member(zf, src.path)
            check_member(member, src.path)
            kind: Literal["zip", "zipfolder"] = "zip"
            if PurePosixPath(member).name.lower() == "general.txt":
                kind = "zipfolder"
            resolved = Source(src.path, member, kind)
            with open_member(zf, member, src.path) as fh, zip_errors(resolved.where):
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
