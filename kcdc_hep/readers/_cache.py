"""A parse cache for text tables: the events of an unchanged file, as memory-mapped buffers.

An entry holds the events of the whole file (every field, as :func:`kcdc_hep.readers.columns.to_events` made them)
as awkward buffers after a small JSON header (the array's form and length, the file's column names): loading maps
the file and builds the array on the mapped memory, without parsing, copying, or importing the parser.

Keyed by the file's content identity: resolved path, device and inode, size, modification and change times (ns),
and a SHA-256 of its first and last 64 kB; and by the reader's identity: the cache format version, the source of
the modules that make the events (text, columns, schema, this one) and the installed polars and awkward. Entries
live in the user's cache directory (``KCDC_HEP_CACHE_DIR`` overrides it). A file rewritten with the same size and
modification time still gets a new key (its change time and, almost always, its sampled bytes differ); a changed
reader never finds an old entry; stale entries are pruned. A parse is stored only if the file's identity did not
change while it was parsed.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import mmap
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from kcdc_hep import settings
from kcdc_hep._util import atomic_write

if TYPE_CHECKING:
    import awkward as ak

_VERSION = "3"  # 3: events as awkward buffers (was: the parsed arrow table), keyed by the reader's source too
_MAGIC = b"KCDCHEP-EVENTS-3\n"
_ALIGN = 64
#: Bytes hashed at each end of the file for its identity.
_SAMPLE_BYTES = 1 << 16
#: Keys computed by :func:`load`, so that :func:`store` can tell whether the file changed during the parse.
_LOADED: dict[Path, str] = {}
_LOCK = threading.Lock()
_READER: list[str] = []  # the reader's identity, computed once per process
#: Modules whose code decides what the events of a text file are.
_READER_MODULES = ("kcdc_hep.readers.text", "kcdc_hep.readers.columns", "kcdc_hep.schema", "kcdc_hep.readers._cache")
#: Installed packages whose behaviour does: their files' size and modification time stand for their version.
_READER_PACKAGES = ("polars", "awkward")


def cache_dir() -> Path:
    """The folder kcdc_hep keeps parsed tables and the default sample in."""
    return settings.cache_dir()


def enabled(cache: bool | None) -> bool:
    """Whether to use the parse cache: an explicit argument wins, else ``KCDC_HEP_CACHE`` (default on)."""
    if cache is not None:
        return cache
    return settings.cache_enabled()


def _reader_identity() -> str:
    """A digest of the reader: the source of the modules that make the events, and the installed parser/awkward."""
    if not _READER:
        digest = hashlib.sha256(_VERSION.encode())
        for name in _READER_MODULES:
            spec = importlib.util.find_spec(name)
            if spec is not None and spec.origin is not None:
                digest.update(Path(spec.origin).read_bytes())
        for name in _READER_PACKAGES:
            spec = importlib.util.find_spec(name)
            if spec is not None and spec.origin is not None:
                folder = Path(spec.origin).parent
                for path in sorted(folder.glob("*")):  # the package's top level: __init__, the compiled library
                    if path.is_file():
                        st = path.stat()
                        digest.update(f"{name}:{path.name}:{st.st_size}:{st.st_mtime_ns}".encode())
        _READER.append(digest.hexdigest()[:16])
    return _READER[0]


def _key(path: Path) -> tuple[Path, str]:
    real = path.resolve()
    stem = hashlib.sha256(str(real).encode()).hexdigest()[:16]
    return cache_dir() / "parsed", f"{stem}-{_identity(real)}-{_reader_identity()}-v{_VERSION}.events"


def _identity(real: Path) -> str:
    """A digest of what makes this file this content: inode, size, times and its first and last 64 kB."""
    with open(real, "rb") as fh:
        st = os.fstat(fh.fileno())
        digest = hashlib.sha256(f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}".encode())
        digest.update(fh.read(_SAMPLE_BYTES))
        if st.st_size > _SAMPLE_BYTES:
            fh.seek(max(_SAMPLE_BYTES, st.st_size - _SAMPLE_BYTES))
            digest.update(fh.read(_SAMPLE_BYTES))
    return digest.hexdigest()[:32]


def load(path: Path) -> tuple[list[str], ak.Array] | None:
    """The cached ``(column names, events)`` of ``path``, or ``None`` (memory-mapped: loading costs almost nothing)."""
    try:
        folder, name = _key(path)
    except OSError:
        return None  # unreadable: the read itself will say why
    with _LOCK:
        _LOADED[path] = name
    target = folder / name
    if not target.is_file():
        return None
    try:
        return _map(target)
    except (OSError, ValueError, KeyError, TypeError):
        target.unlink(missing_ok=True)  # a damaged cache entry is simply re-made
        return None


def _map(target: Path) -> tuple[list[str], ak.Array]:
    import awkward as ak

    with open(target, "rb") as fh:
        mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)  # stays mapped while the arrays use it
    if mapped[: len(_MAGIC)] != _MAGIC:
        msg = "not a kcdc_hep events cache entry"
        raise ValueError(msg)
    size = int.from_bytes(mapped[len(_MAGIC) : len(_MAGIC) + 8], "little")
    start = len(_MAGIC) + 8
    header = json.loads(bytes(mapped[start : start + size]))
    buffers = {
        key: np.frombuffer(mapped, dtype=np.uint8, count=n, offset=offset)
        for key, (offset, n) in header["buffers"].items()
    }
    events = ak.from_buffers(header["form"], header["length"], buffers, highlevel=True)
    return list(header["names"]), events


def store(path: Path, names: list[str], events: ak.Array) -> None:
    """Cache the events of ``path`` (atomically; stale entries of the same file are removed).

    Nothing is stored when the file changed since :func:`load` looked it up (the parse may mix old and new content).
    """
    import awkward as ak

    try:
        folder, name = _key(path)
    except OSError:
        return
    with _LOCK:
        before = _LOADED.pop(path, name)
    if before != name:
        return
    form, length, container = ak.to_buffers(events)
    layout: dict[str, tuple[int, int]] = {}
    offset = 0
    for key, buffer in container.items():
        n = np.asarray(buffer).nbytes
        layout[key] = (offset, n)
        offset += -(-n // _ALIGN) * _ALIGN
    header = {"form": form.to_dict(), "length": length, "names": list(names), "buffers": {}}
    text = json.dumps(header).encode()
    # buffer offsets count from the (aligned) end of the header, which depends on their own digits: fix them last
    base = -(-(len(_MAGIC) + 8 + len(text) + 64 * len(layout) + 64) // _ALIGN) * _ALIGN
    header["buffers"] = {key: (base + off, n) for key, (off, n) in layout.items()}
    text = json.dumps(header).encode()
    if len(_MAGIC) + 8 + len(text) > base:  # pragma: no cover - the margin above is far larger than the digits
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stem = name.split("-", 1)[0]
        for old in folder.glob(f"{stem}-*"):
            if old.name != name:
                old.unlink(missing_ok=True)
        with atomic_write(folder / name) as tmp, open(tmp, "wb") as out:
            out.write(_MAGIC + len(text).to_bytes(8, "little") + text)
            for key, buffer in container.items():
                out.seek(header["buffers"][key][0])
                out.write(np.ascontiguousarray(buffer).view(np.uint8).data)
            out.truncate(base + offset)
    except OSError:
        return  # a read-only or full cache never stops a read
