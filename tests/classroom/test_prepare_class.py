"""macros/prepare_class.sh makes the folder the notebooks use: German notebooks, data/ linked to the samples of the
chosen size, and the C++ example (or its Python twin) run in work/."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "macros" / "prepare_class.sh"


@pytest.mark.slow
def test_prepare_class_makes_a_german_class_folder(tmp_path: Path) -> None:
    if shutil.which("kcdc-hep") is None:
        pytest.skip("kcdc-hep is not on PATH (pip install -e .)")
    folder = tmp_path / "class"
    env = {**os.environ, "KCDC_HEP_DEFAULT_SCALE": "0.002"}
    done = subprocess.run(["bash", str(SCRIPT), str(folder), "--lang", "de", "--no-check"], env=env,
                          capture_output=True, text=True, timeout=600)  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "prepare_class: ready" in done.stdout
    first = json.loads((folder / "01_python_and_data.ipynb").read_text(encoding="utf-8"))
    assert first["metadata"]["language"] == "de"
    sample = (folder / "data" / "sample1_data.txt").resolve()
    assert sample.parent.name.startswith("seed2940-scale0.002-")  # the size the tutor chose is what notebooks read
    assert (folder / "work" / "events.root").is_file()
    assert not list(folder.glob("*.root"))  # outputs stay in work/


def test_prepare_class_refuses_an_unknown_language(tmp_path: Path) -> None:
    done = subprocess.run(["bash", str(SCRIPT), str(tmp_path / "x"), "--lang", "fr"], capture_output=True, text=True)
    assert done.returncode == 2 and "--lang must be en or de" in done.stderr
