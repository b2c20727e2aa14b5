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


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the parse cache and the default sample of the test run out of the user's cache directory."""
    import os

    os.environ.setdefault("KCDC_HEP_CACHE_DIR", str(tmp_path_factory.mktemp("kcdc_cache")))
    os.environ.setdefault("KCDC_HEP_DEFAULT_SCALE", "0.002")


@pytest.fixture(scope="session")
def root_exe() -> str:
    """Path of the ``root`` executable; skips (CI turns the skip into a failure) when ROOT is not installed."""
    import shutil

    exe = shutil.which("root")
    if exe is None:
        pytest.skip("ROOT not installed (pip install 'kcdc_hep[root]')")
    return exe


@pytest.fixture(scope="session")
def pyroot():  # type: ignore[no-untyped-def]
    """The PyROOT module in batch mode; skips (CI turns the skip into a failure) when ROOT is not installed."""
    try:
        import ROOT
    except ImportError:
        pytest.skip("ROOT not installed (pip install 'kcdc_hep[root]')")
    ROOT.gROOT.SetBatch(True)
    return ROOT


@pytest.fixture(scope="session")
def chromium() -> str:
    """The headless browser; skips with the reason when it is not installed (CI installs Debian's chromium)."""
    import shutil

    for name in ("chromium", "chromium-browser", "google-chrome"):
        exe = shutil.which(name)
        if exe:
            return exe
    pytest.skip("chromium not installed (apt-get install chromium); needed to open report.html in a real browser")


#: CI installs every optional piece (ROOT, dask, Jupyter, chromium, the hub proxy) and has ../shared/data: with
#: KCDC_HEP_STRICT_SKIPS=1 (set by .ci/run) a skipped test means something is missing, so it fails. Doctests whose
#: examples are all marked +SKIP are the only exception.
_MUST_RUN_REASON = "skipped a test CI must run"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    outcome = yield
    report = outcome.get_result()
    import os

    if not report.skipped or os.environ.get("KCDC_HEP_STRICT_SKIPS") != "1":
        return
    if type(item).__name__ == "DoctestItem" or hasattr(report, "wasxfail"):
        return
    reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
    report.outcome = "failed"
    report.longrepr = f"{_MUST_RUN_REASON}: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector: pytest.Collector):  # type: ignore[no-untyped-def]
    """A whole module skipped at import (``pytest.importorskip`` at module level) also fails in CI."""
    outcome = yield
    report = outcome.get_result()
    import os

    if report.skipped and os.environ.get("KCDC_HEP_STRICT_SKIPS") == "1":
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = f"{_MUST_RUN_REASON} (the whole module): {reason}"


@pytest.fixture(autouse=True)
def _uproot_class_registry():  # type: ignore[no-untyped-def]
    """Keep uproot's global class registry as it was: a damaged file (fuzz tests) can register broken models of
    TAttFill & co. from its mutated streamers (new versions inside the known classes too), which later reads and
    writes of good files in the same process would then use."""
    import uproot

    classes, unknown = dict(uproot.classes), dict(uproot.unknown_classes)
    versions = {name: dict(c.known_versions) for name, c in classes.items() if hasattr(c, "known_versions")}
    yield
    uproot.classes.clear()
    uproot.classes.update(classes)
    uproot.unknown_classes.clear()
    uproot.unknown_classes.update(unknown)
    for name, known in versions.items():
        classes[name].known_versions.clear()
        classes[name].known_versions.update(known)
