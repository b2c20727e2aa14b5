"""Small helpers every layer shares, one copy each: atomic writing, JSON conversion, read-only arrays, progress.

Nothing here knows physics or file formats; it sits just above :mod:`kcdc_hep.errors` and :mod:`kcdc_hep.settings`.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import signal
import stat
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np

from kcdc_hep.errors import ArgumentError, OutputExistsError

__all__ = ["atomic_write", "check_output", "check_step", "progress_bar", "readonly", "to_jsonable"]

#: When this process started (close enough: when kcdc_hep was first imported); older unnamed temporary files are stale.
_STARTED = time.time()
#: Signals after which a write in progress removes its temporary file before the process ends.
_CLEANUP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))
_ACTIVE: set[Path] = set()  # temporary files being written
_PREVIOUS: dict[int, Any] = {}  # signal -> the handler in place before the first write began
_LOCK = threading.RLock()


def check_step(step_size: int, *, what: str = "events") -> None:
    """Refuse a ``step_size`` that is not a positive whole number (of events, unless ``what`` says otherwise).

    >>> check_step(0)
    Traceback (most recent call last):
    ...
    kcdc_hep.errors.ArgumentError: step_size must be a positive number of events, not 0

    Raises
    ------
    ArgumentError
        If it is not.
    """
    if isinstance(step_size, bool) or not isinstance(step_size, int | np.integer) or step_size < 1:
        msg = f"step_size must be a positive number of {what}, not {step_size!r}"
        raise ArgumentError(msg)


def check_output(path: str | os.PathLike[str], *, overwrite: bool) -> Path:
    """``path`` as a :class:`~pathlib.Path`, refusing an existing file unless ``overwrite``, and always a folder.

    Raises
    ------
    OutputExistsError
        If the file exists and ``overwrite`` is false (nothing is ever silently overwritten), or ``path`` is a
        folder.
    """
    out = Path(path)
    _refuse_folder(out)
    if out.exists() and not overwrite:
        msg = f"{out} exists; pass overwrite=True (command line: --overwrite) to replace it"
        raise OutputExistsError(msg)
    return out


def _refuse_folder(out: Path) -> None:
    if out.is_dir():
        msg = f"{out} is a folder; give the name of a file to write (for example {out / ('output' + out.suffix)})"
        raise OutputExistsError(msg)


@contextlib.contextmanager
def atomic_write(path: str | os.PathLike[str]) -> Iterator[Path]:
    """A temporary file beside ``path`` that replaces it only if the ``with`` block succeeded.

    A crash or an exception leaves ``path`` as it was (absent or the old file) and removes the temporary file
    ``.NAME.PID.XXXXXXXX.part``; so do SIGTERM and SIGHUP while the block runs (in the main thread, the handler
    removes the file, puts the previous handler back and lets the signal take its course). A temporary file a killed
    writer left behind (SIGKILL, power cut) is removed at the next write to the same target: its writer's process
    is gone, or, for an older name without the process id, it is older than this process. A new file gets the
    permissions a plainly created file would get (``0o666`` less the umask); a replaced file keeps its own (a
    private ``0600`` file stays private).

    Raises
    ------
    OutputExistsError
        ``path`` is a folder.

    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> with atomic_write(target) as tmp:
    ...     _ = tmp.write_text("done")
    >>> target.read_text()
    'done'
    """
    target = Path(path)
    _refuse_folder(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_parts(target)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.{os.getpid()}.", suffix=".part")
    os.close(fd)
    tmp = Path(name)
    _track(tmp)
    try:
        yield tmp
        _refuse_folder(target)  # a folder made meanwhile would swallow the file
        try:
            mode = stat.S_IMODE(target.stat().st_mode)
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask  # mkstemp makes 0600; a normal new file respects the umask
        tmp.chmod(mode)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
        _untrack(tmp)


def _remove_stale_parts(target: Path) -> list[Path]:
    """Remove the temporary files (``.NAME.*.part``) that killed writers of ``target`` left; returns them.

    A file named with a process id is stale when that process is gone; an older file without one when it was last
    written before this process started. Files of live writers (this process included) are kept.
    """
    removed = []
    pattern = re.compile(rf"\.{re.escape(target.name)}\.(?:(\d+)\.)?[a-z0-9_]{{8}}\.part")
    with contextlib.suppress(OSError):
        for candidate in target.parent.glob(f".{_glob_escape(target.name)}.*.part"):
            match = pattern.fullmatch(candidate.name)
            if match is None or candidate in _ACTIVE:
                continue
            with contextlib.suppress(OSError):
                if match.group(1) is not None:
                    stale = _dead(int(match.group(1)))
                else:
                    stale = candidate.stat().st_mtime < _STARTED
                if stale:
                    candidate.unlink()
                    removed.append(candidate)
    return removed


def _glob_escape(text: str) -> str:
    """``text`` with the glob wildcards ``*?[`` escaped (a file name used in a pattern).

    >>> _glob_escape("run[1]*.root")
    'run[[]1][*].root'
    """
    return re.sub(r"([*?[])", r"[\1]", text)


def _dead(pid: int) -> bool:
    """Whether no process ``pid`` runs here (``False`` when that cannot be told: not POSIX, not a process id)."""
    if os.name != "posix" or pid == os.getpid() or not 0 < pid <= 1 << 22:
        return False
    try:
        os.kill(pid, 0)  # signal 0: only asks whether the process exists
    except ProcessLookupError:
        return True
    except OSError:  # PermissionError: another user's process
        return False
    return False


def _track(tmp: Path) -> None:
    """Register a temporary file for removal on SIGTERM/SIGHUP (the handlers come with the first one)."""
    with _LOCK:
        _ACTIVE.add(tmp)
        if _PREVIOUS or threading.current_thread() is not threading.main_thread():
            return
        for signum in _CLEANUP_SIGNALS:
            with contextlib.suppress(ValueError, OSError):
                previous = signal.getsignal(signum)
                if previous is not signal.SIG_IGN:
                    signal.signal(signum, _on_signal)
                    _PREVIOUS[signum] = previous


def _untrack(tmp: Path) -> None:
    """Forget a temporary file; after the last one the previous signal handlers are back."""
    with _LOCK:
        _ACTIVE.discard(tmp)
        if not _ACTIVE:
            _restore_handlers()


def _restore_handlers() -> None:
    if threading.current_thread() is not threading.main_thread():
        return
    for signum, previous in list(_PREVIOUS.items()):
        with contextlib.suppress(ValueError, OSError, TypeError):
            if signal.getsignal(signum) is _on_signal:
                signal.signal(signum, previous if previous is not None else signal.SIG_DFL)
        _PREVIOUS.pop(signum, None)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    """Remove the temporary files being written, put the previous handler back, and let the signal act."""
    for tmp in list(_ACTIVE):
        with contextlib.suppress(OSError):
            tmp.unlink()
    previous = _PREVIOUS.get(signum, signal.SIG_DFL)
    _restore_handlers()
    if callable(previous):
        previous(signum, frame)
    elif previous is not signal.SIG_IGN:
        signal.raise_signal(signum)  # the default action: the process ends as if no handler had been there


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
