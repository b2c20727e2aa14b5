"""The map-reduce engine: local = streamed = one-shot = partition by partition = Dask, bin for bin."""

from __future__ import annotations

import os
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import kcdc_hep
from kcdc_hep import engine, histograms, readers
from kcdc_hep.errors import ArgumentError, EmptyFileError, MissingDependencyError

# ------------------------------------------------------------------------------------------------ jobs (picklable)


def job(events: Any) -> dict[str, Any]:
    """A small analysis: counts, sums, a 1-D and a 2-D histogram, and a float-weighted histogram."""
    return {
        "n": len(events),
        "spectrum": histograms.spectrum(events),
        "size_map": histograms.size_map(events),
        "weighted": histograms.spectrum(events, weight=np.asarray(events["lgNe"])),
        "sum_lgE": float(np.sum(np.asarray(events["lgE"]))),
    }


def assert_same(a: dict[str, Any], b: dict[str, Any], *, same_chunks: bool = True) -> None:
    """Identical results: same counts and same bin contents to the last bit.

    Float-weighted sums are bit-identical only when the chunks are the same (the summation order is then the same);
    otherwise they agree to rounding.
    """
    assert a["n"] == b["n"]
    for key in ("spectrum", "size_map"):
        assert a[key] == b[key], key  # hist equality: same axes, storage and every bin (flow included)
        assert np.array_equal(a[key].view(flow=True), b[key].view(flow=True))
    wa, wb = a["weighted"].view(flow=True), b["weighted"].view(flow=True)
    if same_chunks:
        assert a["weighted"] == b["weighted"]
        assert a["sum_lgE"] == b["sum_lgE"]
    else:
        np.testing.assert_allclose(wa["value"], wb["value"], rtol=1e-12)
        np.testing.assert_allclose(wa["variance"], wb["variance"], rtol=1e-12)
        assert a["sum_lgE"] == pytest.approx(b["sum_lgE"], rel=1e-12)


# ------------------------------------------------------------------------------------------------ fixtures


def _write_sample1(path: Path, rng: np.random.Generator, n: int) -> Path:
    lgE = rng.normal(14.6, 0.4, n)
    lgNe = rng.normal(4.5, 0.6, n)
    lgNmu = rng.normal(3.9, 0.4, n)
    ze = rng.uniform(0.0, 40.0, n)
    rows = [f"{a:.4f} {b:.5f} {c:.5f} {d:.4f}" for a, b, c, d in zip(lgE, lgNe, lgNmu, ze, strict=True)]
    path.write_text("E Ne Nmu Ze\n" + "\n".join(rows) + "\n")
    return path


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Several inputs of every kind: two text tables, a ROOT file, a Parquet file, a zip of the ROOT file."""
    rng = np.random.default_rng(7)
    d = tmp_path_factory.mktemp("engine")
    out = {
        "txt1": _write_sample1(d / "sample1_a.txt", rng, 23_456),
        "txt2": _write_sample1(d / "sample1_b.txt", rng, 9_999),
    }
    events = kcdc_hep.read(out["txt1"], cache=False)
    out["root"] = kcdc_hep.write(events[:15_000], d / "flat.root")
    out["parquet"] = kcdc_hep.write(events[5_000:], d / "flat.parquet")
    with zipfile.ZipFile(d / "kcdc.zip", "w") as zf:
        zf.write(out["root"], "events.root")
    out["zip"] = d / "kcdc.zip"
    return out


@pytest.fixture(scope="module")
def dask_installed() -> Any:
    """The ``distributed`` module; skips with "dask not installed" (CI installs the dask extra and fails on it)."""
    try:
        import distributed
    except ImportError:
        pytest.skip("dask not installed (pip install 'kcdc_hep[dask]')")
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # workers cannot import the test module by name
    return distributed


@pytest.fixture(scope="module")
def dask_scheduler(dask_installed: Any) -> Iterator[str]:
    """Address of a 2-worker local Dask cluster (processes), shared by the tests of this module."""
    with dask_installed.LocalCluster(
        n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def _all(files: dict[str, Path]) -> list[str]:
    return [str(files[k]) for k in ("txt1", "root", "txt2", "parquet", "zip")]


# ------------------------------------------------------------------------------------------------ local runs


def test_streaming_equals_one_shot(files: dict[str, Path]) -> None:
    one_shot = job(kcdc_hep.read(files["txt1"], cache=False))
    streamed = engine.map_reduce(job, files["txt1"], step_size=1_234)
    assert_same(streamed, one_shot, same_chunks=False)


def test_partitions_read_in_process_equal_local_run(files: dict[str, Path]) -> None:
    """What a worker does (byte ranges, row groups, entry ranges), done here, gives the local result exactly."""
    sources = _all(files)
    local = engine.map_reduce(job, sources, step_size=4_000)
    result = None
    for part in readers.partitions(sources, step_size=4_000):
        for chunk in readers.read_partition(part, step_size=4_000):
            result = engine.merge(result, job(chunk))
    assert result is not None
    assert_same(result, local)  # same chunks, same order: the same floating-point sums


def test_columns_are_passed_to_the_reader(files: dict[str, Path]) -> None:
    fields = engine.map_reduce(lambda ev: {tuple(ev.fields)}, files["txt1"], columns=["Ne"], step_size=10_000)
    assert fields == {("lgNe",)}


def test_local_run_imports_no_dask(files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("dask", "distributed", "dask_awkward", "dask_histogram"):
        monkeypatch.setitem(sys.modules, name, None)  # importing it now raises ImportError
    assert engine.map_reduce(len, files["txt2"], step_size=3_000) == 9_999


def test_missing_dask_is_a_clear_error(files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(MissingDependencyError, match=r"pip install 'kcdc_hep\[dask\]'"):
        engine.map_reduce(len, files["txt2"], workers=2)


def test_bad_arguments(files: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(ArgumentError, match="step_size"):
        engine.map_reduce(len, files["txt2"], step_size=0)
    with pytest.raises(ArgumentError, match="not both"):
        engine.map_reduce(len, files["txt2"], workers=2, scheduler="tcp://127.0.0.1:8786")
    for bad in (0, True, 1.5):
        with pytest.raises(ArgumentError, match="workers"):
            engine.map_reduce(len, files["txt2"], workers=bad)  # type: ignore[arg-type]
    empty = tmp_path / "empty.txt"
    empty.write_text("E Ne Nmu Ze\n")
    with pytest.raises(EmptyFileError, match="no events"):
        engine.map_reduce(len, empty)


def test_merge_rules() -> None:
    assert engine.merge(None, 3) == 3
    assert engine.merge([1, (2, 3)], [1, (2, 3)]) == [2, (4, 6)]
    assert engine.merge({"a": 1}, {"b": 2}) == {"a": 1, "b": 2}
    with pytest.raises(TypeError, match="same structure"):
        engine.merge((1, 2), (1, 2, 3))
    with pytest.raises(TypeError, match="cannot merge"):
        engine.merge(object(), object())


def test_ordered_pieces_concatenate_in_partition_order(files: dict[str, Path]) -> None:
    """A job's ``Ordered`` pieces come back in the order of the chunks, ready to be joined."""
    assert engine.merge(engine.Ordered([1]), engine.Ordered([2, 3])) == [1, 2, 3]
    assert isinstance(engine.merge(None, engine.Ordered([1])), engine.Ordered)

    def first_lgE(events: Any) -> dict[str, Any]:
        return {"n": len(events), "first": engine.Ordered([float(events["lgE"][0])])}

    result = engine.map_reduce(first_lgE, files["txt1"], step_size=5_000)
    whole = np.asarray(kcdc_hep.read(files["txt1"], cache=False)["lgE"])
    assert result["n"] == 23_456
    assert result["first"] == whole[::5_000].tolist()


def test_merged_count_histograms_keep_their_variances(rng: np.random.Generator) -> None:
    """boost-histogram forgets Poisson variances after ``+=``; merged counts must still be fittable."""
    h = histograms.spectrum(rng.normal(14.6, 0.3, 5_000))
    total = engine.merge(h, h)
    np.testing.assert_array_equal(total.variances(), 2 * h.values())
    assert kcdc_hep.fit_gauss(total).valid


# ------------------------------------------------------------------------------------------------ Dask


def test_two_local_workers_equal_local_run(files: dict[str, Path], dask_installed: Any) -> None:
    sources = _all(files)
    local = engine.map_reduce(job, sources, step_size=4_000)
    on_dask = engine.map_reduce(job, sources, step_size=4_000, workers=2)
    assert_same(on_dask, local)  # same chunks, same order: the same floating-point sums
    fit_local = kcdc_hep.fit_gauss(local["spectrum"], range=(14.0, 15.2))
    fit_dask = kcdc_hep.fit_gauss(on_dask["spectrum"], range=(14.0, 15.2))
    assert fit_dask.values == fit_local.values
    assert fit_dask.errors == fit_local.errors


def test_existing_scheduler_by_address(files: dict[str, Path], dask_scheduler: str) -> None:
    sources = _all(files)
    local = engine.map_reduce(job, sources, step_size=2_500, columns=["lgE", "lgNe", "lgNmu"])
    remote = engine.map_reduce(
        job, sources, step_size=2_500, columns=["lgE", "lgNe", "lgNmu"], scheduler=dask_scheduler
    )
    assert_same(remote, local)  # same chunks, same order: the same floating-point sums


def test_existing_client_is_left_open(files: dict[str, Path], dask_installed: Any, dask_scheduler: str) -> None:
    with dask_installed.Client(dask_scheduler) as client:
        assert engine.map_reduce(len, files["txt2"], step_size=2_000, scheduler=client) == 9_999
        assert client.status == "running"


def test_forked_returns_the_childs_result_computed_on_inherited_memory() -> None:
    big = np.arange(1_000_000, dtype=np.int64)  # not pickled on the way in: the child inherits it
    with engine.forked(lambda: (int(big.sum()), os.getpid())) as result:
        total, pid = result()
    assert total == int(big.sum())
    if sys.platform == "linux":
        assert pid != os.getpid()


def test_forked_raises_the_childs_exception() -> None:
    def fail() -> None:
        raise ArgumentError("bad option in the child")

    with pytest.raises(ArgumentError, match="bad option in the child"), engine.forked(fail) as result:
        result()


def test_forked_child_not_asked_is_stopped() -> None:
    import time

    t0 = time.perf_counter()
    with engine.forked(lambda: time.sleep(60)):
        pass
    assert time.perf_counter() - t0 < 30  # leaving the block stopped the child instead of waiting for it


def test_local_chunks_are_the_chunks_of_iterate(files: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    import awkward as ak

    monkeypatch.setenv("KCDC_HEP_CACHE", "1")
    sources = _all(files)
    columns = ["lgE", "lgNe", "lgNmu"]
    for _ in range(2):  # the first run parses and caches the text files, the second reads the cache
        got = list(engine.local_chunks(sources, step_size=2_500, columns=columns))
        expected = list(kcdc_hep.iterate(sources, step_size=2_500, columns=columns))
        assert [len(c) for c in got] == [len(c) for c in expected]
        for a, b in zip(got, expected, strict=True):
            assert ak.fields(a) == ak.fields(b)
            assert str(a.type) == str(b.type)
            for field in ak.fields(a):
                assert np.array_equal(ak.to_numpy(a[field]), ak.to_numpy(b[field]))


def test_keep_freed_memory_changes_no_result() -> None:
    before = np.sort(np.random.default_rng(1).normal(size=3_000_000))
    applied = engine.keep_freed_memory()
    assert applied == (sys.platform == "linux") or not applied  # glibc only; elsewhere a no-op
    assert engine.keep_freed_memory() == applied  # idempotent
    after = np.sort(np.random.default_rng(1).normal(size=3_000_000))
    assert np.array_equal(before, after)
