"""The command line as a user meets it: run as a subprocess, one-line errors, exit codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE2 = (
    "Particle,lgE,X,Y,CoreDist,Ze,Az,lgNe,lgNmu\n"
    "co,14.1173,59.4186,-39.3912,71.2898,17.5974,63.7923,3.53951,3.26399\n"
    "fe,14.5,1.0,2.0,2.23607,10.0,20.0,3.9,3.6\n"
)


def kcdc(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kcdc_hep", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def test_info_names_format_fields_units_and_kind(tmp_path: Path) -> None:
    (tmp_path / "sim.csv").write_text(SAMPLE2)
    out = kcdc("info", "sim.csv", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "format:  text" in out.stdout and "events:  2" in out.stdout
    assert "simulation" in out.stdout
    assert "lgNe" in out.stdout and "[log10(number of electrons)]" in out.stdout
    assert "categories: C 1, Fe 1" in out.stdout or "categories: Fe 1, C 1" in out.stdout


def test_convert_then_refuse_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "sim.csv").write_text(SAMPLE2)
    first = kcdc("convert", "sim.csv", "sim.root", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    again = kcdc("convert", "sim.csv", "sim.root", cwd=tmp_path)
    assert again.returncode == 1
    assert again.stderr.strip().count("\n") == 0 and "--overwrite" in again.stderr
    assert "Traceback" not in again.stderr
    info = kcdc("info", "sim.root", cwd=tmp_path)
    assert "KCDC (TTree, 2 entries)" in info.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("", "empty"),
        ("E Ne Nmu Ze\n14.1 4.0\n", "malformed row"),
    ],
    ids=["missing", "empty", "malformed"],
)
def test_errors_are_one_line_without_traceback(tmp_path: Path, content: str | None, message: str) -> None:
    if content is not None:
        (tmp_path / "input.txt").write_text(content)
    out = kcdc("info", "input.txt", cwd=tmp_path)
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kcdc-hep: error:") and message in lines[0]


def test_no_command_prints_help(tmp_path: Path) -> None:
    out = kcdc(cwd=tmp_path)
    assert out.returncode == 2 and "masterclass" in out.stdout
