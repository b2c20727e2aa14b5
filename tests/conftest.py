"""Shared pytest fixtures of the kcdc_hep test suite."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

#: The real reference files (``../shared/data`` relative to the project root), see its README.
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture
def shared_data() -> Path:
    """Folder of the real reference data; skips (CI turns the skip into a failure) when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"shared reference data not found at {SHARED_DATA} (expected ../shared/data next to the repo)")
    return SHARED_DATA


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded random generator, so that every test run sees the same numbers."""
    return np.random.default_rng(20240611)
