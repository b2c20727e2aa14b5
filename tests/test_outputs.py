"""Outputs that clean up: no temporary file survives a SIGTERM or a killed writer, modes are kept, folders refused.

Every file kcdc_hep writes goes through :func:`kcdc_hep._util.atomic_write` (a hidden ``.NAME.PID.XXXXXXXX.part``
beside the target, renamed when complete). The killed writers here are real processes.
"""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import awkward as ak
import hist
import pytest

import kcdc_hep
from kcdc_hep.engine import map_reduce
from kcdc_hep.errors import ArgumentError, OutputExistsError
from kcdc_hep.readers import partitions, read_partition
from kcdc_hep.writers import write, write_chunks, write_histograms

posix_only = pytest.mark.skipif(os.name != "posix", reason="signals and file modes of POSIX systems")

EVENTS = ak.Array({"lgE": [15.0, 15.5, 16.0], "lgNe": [4.1, 4.6, 5.2], "zenith": [10.0, 20.0, 30.0]})

#: A child that writes chunks slowly, says when it has begun, and is killed meanwhile.
SLOW_WRITER = """
import sys, time
import awkward as ak
from kcdc_hep.writers import write_chunks

def chunks():
    for i in range(1000):
        if i == 1:
            print("writing", flush=True)
        time.sleep(0.05)
        yield ak.Array({{"lgE": [15.0 + i / 1000] * 100, "zenith": [10.0] * 100}})

{setup}
write_chunks(chunks(), sys.argv[1], overwrite=True)
"""


def _parts(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".part"))


def _start_writer(target: Path, setup: str = "") -> subprocess.Popen[str]:
    code = SLOW_WRITER.format(setup=textwrap.dedent(setup))
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(target)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert child.stdout is not None
    assert child.stdout.readline().strip() == "writing", child.stderr.read() if child.stderr else ""
    deadline = time.monotonic() + 10
    while not _parts(target.parent) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert _parts(target.parent), "the writer made no temporary file"
    return child


@posix_only
@pytest.mark.parametrize("suffix", [".csv", ".root", ".parquet"])
def test_sigterm_during_a_write_leaves_no_temporary_file_and_the_old_output(tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"out{suffix}"
    old = write(EVENTS, target).read_bytes()
    child = _start_writer(target)
    assert _parts(tmp_path)[0].startswith(f".out{suffix}.{child.pid}.")  # the writer's process id in the name
    child.send_signal(signal.SIGTERM)
    child.communicate(timeout=30)
    assert child.returncode == -signal.SIGTERM  # the signal still ends the process as it would have
    assert _parts(tmp_path) == []
    assert target.read_bytes() == old


@posix_only
def test_sigterm_calls_the_handler_that_was_there_before(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    setup = """
    import signal
    def handler(signum, frame):
        print("handled", flush=True)
        sys.exit(3)
    signal.signal(signal.SIGTERM, handler)
    """
    child = _start_writer(target, setup)
    child.send_signal(signal.SIGTERM)
    out, _ = child.communicate(timeout=30)
    assert child.returncode == 3 and "handled" in out
    assert _parts(tmp_path) == [] and not target.exists()


def test_handlers_are_restored_after_a_write(tmp_path: Path) -> None:
    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, getattr(signal, "SIGHUP", signal.SIGTERM))}
    write(EVENTS, tmp_path / "a.csv")
    with pytest.raises(ArgumentError):
        write_chunks([EVENTS, "not events"], tmp_path / "b.csv")  # type: ignore[list-item]
    assert {s: signal.getsignal(s) for s in before} == before
    assert _parts(tmp_path) == [] and not (tmp_path / "b.csv").exists()


@posix_only
def test_a_killed_writers_temporary_file_is_removed_at_the_next_write(tmp_path: Path) -> None:
    target = tmp_path / "out.parquet"
    child = _start_writer(target)
    child.kill()  # SIGKILL: nothing can clean up
    child.communicate(timeout=30)
    left = _parts(tmp_path)
    assert len(left) == 1 and f".{child.pid}." in left[0]
    write(EVENTS, target, overwrite=True)
    assert _parts(tmp_path) == []
    assert kcdc_hep.read(target)["lgE"].to_list() == [15.0, 15.5, 16.0]


@posix_only
def test_only_stale_temporary_files_are_removed(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(gone.stdout)
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        files = {
            "dead": tmp_path / f".out.csv.{dead}.abcd1234.part",
            "live": tmp_path / f".out.csv.{live.pid}.abcd1234.part",
            "old-unnamed": tmp_path / ".out.csv.k2j4h5g6.part",
            "new-unnamed": tmp_path / ".out.csv.q9w8e7r6.part",
            "other target": tmp_path / f".out.csv.bak.{dead}.abcd1234.part",
            "not ours": tmp_path / ".out.csv.notes.part",
        }
        for path in files.values():
            path.write_text("partial")
        an_hour_ago = time.time() - 3600
        os.utime(files["old-unnamed"], (an_hour_ago, an_hour_ago))
        write(EVENTS, tmp_path / "out.csv")
        left = {name for name, path in files.items() if path.exists()}
        assert left == {"live", "new-unnamed", "other target", "not ours"}
    finally:
        live.kill()
        live.wait()


# ---------------------------------------------------------------------------------------------------- modes
@posix_only
@pytest.mark.parametrize("mode", [0o600, 0o640, 0o604])
def test_overwriting_a_file_keeps_its_mode(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "private.root"
    write(EVENTS, target)
    target.chmod(mode)
    write(EVENTS, target, overwrite=True)
    assert stat.S_IMODE(target.stat().st_mode) == mode
    h = hist.Hist.new.Reg(3, 0, 3, name="x").Double().fill([0.5, 1.5])
    write_histograms({"h": h}, target, overwrite=True)
    assert stat.S_IMODE(target.stat().st_mode) == mode


@posix_only
def test_a_new_file_gets_the_mode_of_a_plainly_created_file(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        out = write(EVENTS, tmp_path / "new.csv")
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o640


# ---------------------------------------------------------------------------------------------------- folders
@pytest.mark.parametrize("overwrite", [False, True])
def test_writing_to_a_folder_is_an_output_exists_error(tmp_path: Path, overwrite: bool) -> None:
    folder = tmp_path / "events.root"
    folder.mkdir()
    h = hist.Hist.new.Reg(3, 0, 3, name="x").Double()
    calls = [
        lambda: write(EVENTS, folder, overwrite=overwrite),
        lambda: write_chunks([EVENTS], folder, overwrite=overwrite),
        lambda: write_histograms({"h": h}, folder, overwrite=overwrite),
    ]
    for call in calls:
        with pytest.raises(OutputExistsError, match=r"events\.root is a folder; give the name of a file"):
            call()
    assert folder.is_dir() and list(folder.iterdir()) == [] and _parts(tmp_path) == []


# ---------------------------------------------------------------------------------------------------- step sizes
@pytest.mark.parametrize("step", [0, -5, 2.5, True, "10"])
def test_a_bad_step_size_is_an_argument_error_everywhere(tmp_path: Path, step: object) -> None:
    source = write(EVENTS, tmp_path / "in.parquet")
    calls = [
        lambda: write(EVENTS, tmp_path / "out.csv", step_size=step),  # type: ignore[arg-type]
        lambda: next(kcdc_hep.iterate(source, step_size=step)),  # type: ignore[arg-type]
        lambda: partitions(source, step_size=step),  # type: ignore[arg-type]
        lambda: next(read_partition(partitions(source)[0], step_size=step)),  # type: ignore[arg-type]
        lambda: map_reduce(len, source, step_size=step),  # type: ignore[arg-type]
    ]
    for call in calls:
        with pytest.raises(ArgumentError, match=f"step_size must be a positive number of events, not {step!r}"):
            call()
    assert not (tmp_path / "out.csv").exists()
