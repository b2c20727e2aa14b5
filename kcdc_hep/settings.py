"""Every ``KCDC_HEP_*`` environment variable kcdc_hep reads, in one table, each read by one function here.

===================================  ===================  ==========================================================
variable                             default              effect
===================================  ===================  ==========================================================
``KCDC_HEP_CACHE_DIR``               the user cache       where the parse cache and the built-in samples live
                                     folder
``KCDC_HEP_CACHE``                   ``1`` (on)           ``0`` switches the parse cache of text files off
``KCDC_HEP_DEFAULT_SCALE``           ``1.0`` (full size)  size of the built-in samples (and of ``make_example_input``)
                                                          as a fraction of the full size; ``0.01`` for quick tests
``KCDC_HEP_ML_THREADS``              ``1``                threads of the classifier's fit (one per student on a hub)
``KCDC_HEP_SOLUTIONS``               off                  ``1`` shows the exercises' worked solutions (tutors)
``KCDC_HEP_WIDGETS``                 ``1`` (on)           ``0`` draws the notebook explorers once, without widgets;
                                                          on, they use widgets only where a front end draws them
``KCDC_HEP_NOTEBOOKS``               the packaged         the folder :func:`kcdc_hep.classroom.lab.prepare_workspace`
                                     notebooks            copies notebooks from
``KCDC_HEP_DATA_FILES``              none                 extra files (``os.pathsep``-separated) copied into a
                                                          workspace's ``data/``
``KCDC_HEP_MAX_UNCOMPRESSED_BYTES``  ``4GiB``             largest zip member kcdc_hep unpacks (bytes, or with a unit:
                                                          ``512MiB``, ``8GB``); ``0`` lifts the limit
``KCDC_HEP_MAX_COMPRESSION_RATIO``   ``100``              largest compression ratio of a zip member over 16 MiB, and
                                                          largest ROOT object over 64 MiB as a multiple of the file
                                                          size (zip and ROOT bombs); ``0`` lifts the limit
``KCDC_HEP_MAX_ZIP_ENTRIES``         ``10000``            most entries a zip archive may list; ``0`` lifts the limit
``KCDC_HEP_STRICT_SKIPS``            off                  (tests only) ``1`` turns every skipped test into a failure
===================================  ===================  ==========================================================

A bad value raises :class:`~kcdc_hep.errors.ArgumentError` naming the variable and what it should be.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from kcdc_hep.errors import ArgumentError

__all__ = [
    "VARIABLES",
    "cache_dir",
    "cache_enabled",
    "data_files",
    "default_scale",
    "max_compression_ratio",
    "max_uncompressed_bytes",
    "max_zip_entries",
    "ml_threads",
    "notebooks_dir",
    "solutions_enabled",
    "widgets_enabled",
]

#: every variable kcdc_hep reads
VARIABLES = (
    "KCDC_HEP_CACHE_DIR",
    "KCDC_HEP_CACHE",
    "KCDC_HEP_DEFAULT_SCALE",
    "KCDC_HEP_ML_THREADS",
    "KCDC_HEP_SOLUTIONS",
    "KCDC_HEP_WIDGETS",
    "KCDC_HEP_NOTEBOOKS",
    "KCDC_HEP_DATA_FILES",
    "KCDC_HEP_MAX_UNCOMPRESSED_BYTES",
    "KCDC_HEP_MAX_COMPRESSION_RATIO",
    "KCDC_HEP_MAX_ZIP_ENTRIES",
    "KCDC_HEP_STRICT_SKIPS",
)

_OFF = ("0", "false", "no", "off")
_ON = ("1", "true", "yes", "on")


def _flag(name: str, default: bool) -> bool:
    raw = os.environ.get(name, "").strip().lower()
    if not raw:
        return default
    if raw in _ON:
        return True
    if raw in _OFF:
        return False
    msg = f"{name}={raw!r} is neither on nor off; set it to 1 or 0"
    raise ArgumentError(msg)


def cache_dir() -> Path:
    """The folder kcdc_hep keeps parsed tables and the built-in samples in (``KCDC_HEP_CACHE_DIR``)."""
    env = os.environ.get("KCDC_HEP_CACHE_DIR")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_cache_dir("kcdc_hep"))


def cache_enabled() -> bool:
    """Whether text files are kept parsed in the cache (``KCDC_HEP_CACHE``, default on)."""
    return _flag("KCDC_HEP_CACHE", True)


def default_scale() -> float:
    """Size of the built-in samples as a fraction of the full size (``KCDC_HEP_DEFAULT_SCALE``, default 1.0)."""
    raw = os.environ.get("KCDC_HEP_DEFAULT_SCALE", "1.0")
    try:
        value = float(raw)
    except ValueError as err:
        msg = f"KCDC_HEP_DEFAULT_SCALE={raw!r} is not a number; set it to a fraction such as 0.01 (1.0 = full size)"
        raise ArgumentError(msg) from err
    if not 0 < value <= 100:
        msg = f"KCDC_HEP_DEFAULT_SCALE={raw!r} must be above 0 and at most 100 (1.0 = full size)"
        raise ArgumentError(msg)
    return value


def ml_threads() -> int:
    """Threads for the classifier's fit (``KCDC_HEP_ML_THREADS``, default 1)."""
    raw = os.environ.get("KCDC_HEP_ML_THREADS", "1")
    try:
        value = int(raw)
    except ValueError as err:
        msg = f"KCDC_HEP_ML_THREADS={raw!r} is not a whole number; set it to 1 or more"
        raise ArgumentError(msg) from err
    return max(1, value)


def solutions_enabled() -> bool:
    """Whether the exercises show worked solutions (``KCDC_HEP_SOLUTIONS``, default off)."""
    return _flag("KCDC_HEP_SOLUTIONS", False)


def widgets_enabled() -> bool:
    """Whether the notebook explorers use ipywidgets (``KCDC_HEP_WIDGETS``, default on)."""
    return _flag("KCDC_HEP_WIDGETS", True)


def notebooks_dir() -> Path | None:
    """The folder to copy notebooks from (``KCDC_HEP_NOTEBOOKS``), or ``None`` for the packaged ones."""
    env = os.environ.get("KCDC_HEP_NOTEBOOKS", "").strip()
    return Path(env).expanduser() if env else None


def data_files() -> list[Path]:
    """Extra data files for a workspace (``KCDC_HEP_DATA_FILES``, separated by ``os.pathsep``)."""
    raw = os.environ.get("KCDC_HEP_DATA_FILES", "")
    return [Path(p).expanduser() for p in raw.split(os.pathsep) if p.strip()]


# ---------------------------------------------------------------------------------------------------- input limits
#: Defaults of the input limits (see the table above): generous for real KCDC files (the full-size samples are
#: 100-400 MB, their compression ratios below 10), tight enough that a zip or ROOT bomb is refused before it is read.
DEFAULT_MAX_UNCOMPRESSED_BYTES = 4 << 30
DEFAULT_MAX_COMPRESSION_RATIO = 100.0
DEFAULT_MAX_ZIP_ENTRIES = 10_000
_UNITS = {"": 1, "b": 1, "k": 10**3, "kb": 10**3, "m": 10**6, "mb": 10**6, "g": 10**9, "gb": 10**9, "t": 10**12}
_UNITS |= {"tb": 10**12, "kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40}


def _limit(name: str, default: float, what: str, *, sizes: bool = False) -> float | None:
    """A positive limit from ``name`` (``0``, ``off`` or ``none``: no limit, ``None``), else ``default``."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if raw.lower() in ("0", "off", "none", "no"):
        return None
    match = re.fullmatch(r"([0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)?)\s*([a-zA-Z]*)", raw)
    unit = match.group(2).lower() if match else ""
    if match is None or unit not in _UNITS or (unit and not sizes) or float(match.group(1)) <= 0:
        example = "4GiB, 512MB or 1000000" if sizes else "100"
        msg = f"{name}={raw!r} is not {what}; set it to a positive number such as {example} (0 lifts the limit)"
        raise ArgumentError(msg)
    return float(match.group(1)) * _UNITS[unit]


def max_uncompressed_bytes() -> int | None:
    """The largest zip member (uncompressed bytes) kcdc_hep unpacks (``KCDC_HEP_MAX_UNCOMPRESSED_BYTES``, default
    4 GiB); ``None``: no limit."""
    value = _limit("KCDC_HEP_MAX_UNCOMPRESSED_BYTES", DEFAULT_MAX_UNCOMPRESSED_BYTES, "a size in bytes", sizes=True)
    return None if value is None else int(value)


def max_compression_ratio() -> float | None:
    """The largest compression ratio of a big zip member or ROOT object (``KCDC_HEP_MAX_COMPRESSION_RATIO``, default
    100); ``None``: no limit."""
    return _limit("KCDC_HEP_MAX_COMPRESSION_RATIO", DEFAULT_MAX_COMPRESSION_RATIO, "a compression ratio")


def max_zip_entries() -> int | None:
    """The most entries a zip archive may list (``KCDC_HEP_MAX_ZIP_ENTRIES``, default 10 000); ``None``: no limit."""
    value = _limit("KCDC_HEP_MAX_ZIP_ENTRIES", DEFAULT_MAX_ZIP_ENTRIES, "a number of entries")
    return None if value is None else int(value)
