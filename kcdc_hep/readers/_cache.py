"""A parse cache for text tables: the parsed columns of an unchanged file, as a memory-mapped Arrow IPC file.

Keyed by the file's content identity: resolved path, device and inode, size, modification and change times (ns),
and a SHA-256 of its first and last 64 kB (and the cache format version), kept in the user's cache directory
(``KCDC_HEP_CACHE_DIR`` overrides it). A file rewritten with the same size and modification time still gets a new
key (its change time and, almost always, its sampled bytes differ); stale entries are pruned. A parse is stored
only if the file's identity did not change while it was parsed.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path

import pyarrow as pa

from kcdc_hep import settings
from kcdc_hep._util import atomic_write

_VERSION = "2"  # 2: every row checked (field counts, blank lines, ranges); keyed by content identity
#: Bytes hashed at each end of the file for its identity.
_SAMPLE_BYTES = 1 << 16
#: Keys computed by :func:`load`, so that :func:`store` can tell whether the file changed during the parse.
_LOADED: dict[Path, str] = {}
_LOCK = threading.Lock()


def cache_dir() -> Path:
    """The folder kcdc_hep keeps parsed tables and the default sample in."""
    return settings.cache_dir()


def enabled(cache: bool | None) -> bool:
    """Whether to use the parse cache: an explicit argument wins, else ``KCDC_HEP_CACHE`` (default on)."""
    if cache is not None:
        return cache
    return settings.cache_enabled()


def _key(path: Path) -> tuple[Path, str]:
    real = path.resolve()
    stem = hashlib.sha256(str(real).encode()).hexdigest()[:16]
    return cache_dir() / "parsed", f"{stem}-{_identity(real)}-v{_VERSION}.arrow"


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


def load(path: Path, where: str) -> pa.Table | None:
    """The cached parse of ``path``, or ``None`` (memory-mapped, so loading costs almost nothing)."""
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
        with pa.memory_map(str(target)) as source:
            return pa.ipc.open_file(source).read_all()
    except (OSError, pa.ArrowException):
        target.unlink(missing_ok=True)  # a damaged cache entry is simply re-made
        return None


def store(path: Path, table: pa.Table) -> None:
    """Cache the parse of ``path`` (atomically; stale entries of the same file are removed).

    Nothing is stored when the file changed since :func:`load` looked it up (the parse may mix old and new content).
    """
    try:
        folder, name = _key(path)
    except OSError:
        return
    with _LOCK:
        before = _LOADED.pop(path, name)
    if before != name:
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        stem = name.split("-", 1)[0]
        for old in folder.glob(f"{stem}-*.arrow"):
            if old.name != name:
                old.unlink(missing_ok=True)
        with (
            atomic_write(folder / name) as tmp,
            pa.OSFile(str(tmp), "wb") as sink,
            pa.ipc.new_file(sink, table.schema) as writer,
        ):
            writer.write_table(table.combine_chunks())  # one batch: memory-mapped columns need no copy
    except OSError:
        return  # a read-only or full cache never stops a read
