"""Small helpers every layer shares, one copy each: atomic writing, JSON conversion, read-only arrays, progress.

Nothing here knows physics or file formats; it sits just above :mod:`kcdc_hep.errors` and :mod:`kcdc_hep.settings`.
"""

from __future__ import annotations

import contextlib
import math
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np

from kcdc_hep.errors import OutputExistsError

__all__ = ["atomic_write", "check_output", "progress_bar", "readonly", "to_jsonable"]


def check_output(path: str | os.PathLike[str], *, overwrite: bool) -> Path:
    """``path`` as a :class:`~pathlib.Path`, refusing an existing file unless ``overwrite``.

    Raises
    ------
    OutputExistsError
        If the file exists and ``overwrite`` is false (nothing is ever silently overwritten).
    """
    out = Path(path)
    if out.exists() and not overwrite:
        msg = f"{out} exists; pass overwrite=True (command line: --overwrite) to replace it"
        raise OutputExistsError(msg)
    return out


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary file beside ``path`` that replaces it only if the ``with`` block succeeded.

    A crash or an exception leaves ``path`` as it was (absent or the old file); the temporary file is removed. The new
    file gets the permissions a plainly created file would get (``0o666`` less the umask).

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> with atomic_write(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        umask = os.umask(0)
        os.umask(umask)
        tmp.chmod(0o666 & ~umask)  # mkstemp makes 0600; a normal new file respects the umask
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def to_jsonable(x: Any) -> Any:
    """``x`` with numpy scalars/arrays as Python numbers/lists, paths as strings and NaN/inf as ``None``.

    >>> to_jsonable({"a": np.float64("nan"), "b": np.arange(2), "c": (1.5, Path("x"))})
    {'a': None, 'b': [0, 1], 'c': [1.5, 'x']}
    """
    if isinstance(x, Mapping):
        return {str(k): to_jsonable(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [to_jsonable(v) for v in x]
    if isinstance(x, np.ndarray):
        return to_jsonable(x.tolist())
    if isinstance(x, np.generic):
        x = x.item()
    if isinstance(x, float) and not math.isfinite(x):
        return None
    if isinstance(x, os.PathLike):
        return os.fspath(x)
    return x


def readonly(a: Any, dtype: Any = float) -> np.ndarray:
    """A new array of ``a`` (as ``dtype``) that cannot be written to: the arrays of frozen result records.

    >>> readonly([1, 2]).flags.writeable
    False
    """
    out = np.array(a, dtype=dtype)
    out.setflags(write=False)
    return out


def progress_bar(
    iterable: Iterable[Any] | None = None,
    *,
    enabled: bool | None = True,
    desc: str,
    total: int | None = None,
    unit: str = "it",
    unit_scale: bool = False,
    leave: bool = False,
) -> Any:
    """The one progress bar of kcdc_hep (tqdm on standard error).

    ``enabled=True`` shows it on a terminal only (``disable=None``), so logs and one-line CLI errors stay clean;
    ``False`` hides it. Returns the tqdm object (iterate over it, or call ``update``/``close``).
    """
    from tqdm.auto import tqdm

    return tqdm(
        iterable,
        total=total,
        desc=desc,
        unit=unit,
        unit_scale=unit_scale,
        leave=leave,
        file=sys.stderr,
        disable=None if enabled else True,
    )
