"""A parse cache for text tables: the parsed columns of an unchanged file, as a memory-mapped Arrow IPC file.

Keyed by the file's resolved path, size and modification time (and the cache format version), kept in the user's
cache directory (``KCDC_HEP_CACHE_DIR`` overrides it). A changed file gets a new key; stale entries are pruned.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa

from kcdc_hep import settings
from kcdc_hep._util import atomic_write

_VERSION = "1"


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
    st = real.stat()
    stem = hashlib.sha256(str(real).encode()).hexdigest()[:16]
    return cache_dir() / "parsed", f"{stem}-{st.st_size}-{st.st_mtime_ns}-v{_VERSION}.arrow"


def load(path: Path, where: str) -> pa.Table | None:
    """The cached parse of ``path``, or ``None`` (memory-mapped, so loading costs almost nothing)."""
    folder, name = _key(path)
    target = folder / name
    if not target.is_file():
        return None
    try:
        with pa.memory_map(str(target)) as source:
            return pa.ipc.open_file(source).read_all()
    except (OSError, pa.ArrowInvalid):
        target.unlink(missing_ok=True)  # a damaged cache entry is simply re-made
        return None


def store(path: Path, table: pa.Table) -> None:
    """Cache the parse of ``path`` (atomically; stale entries of the same file are removed)."""
    folder, name = _key(path)
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
