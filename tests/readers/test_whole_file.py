"""The fast path of ``read`` (a plain text file parsed whole) and the events cache: the same events or errors as
the block path that ``iterate`` uses, the fallback taken for every irregular file, and a cache that never serves a
changed file or reader."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np
import pytest

import kcdc_hep
from kcdc_hep.errors import KcdcError
from kcdc_hep.readers import _cache, text

S2_HEADER = "Particle,lgE,X,Y,CoreDist,Ze,Az,lgNe,lgNmu"
S2_ROWS = [
    "co,14.1173,59.4186,-39.3912,71.2898,17.5974,63.7923,3.53951,3.26399",
    "fe,14.5,1.0,2.0,2.23607,10.0,20.0,3.9,3.6",
    "p,15.1,-5.0,7.5,9.01388,25.0,300.0,4.8,3.9",
]
S3_HEADER = "datetime,particle_id,energy,zenith,azimuth,core_x,core_y,electron_number,muon_number"
S3_ROW = "{t},0,14.6197,17.6646,117.292,-22.4308,13.2296,4.14543,3.74844"


def _write(path: Path, text_: str) -> Path:
    path.write_text(text_)
    return path


def _both(path: Path) -> tuple[Any, Any]:
    """``read`` (fast path) and the events of ``iterate`` (block path), as lists or the error's type and text."""

    def outcome(call: Any) -> Any:
        try:
            return ak.to_list(call())
        except KcdcError as err:
            return type(err).__name__, str(err)

    whole = outcome(lambda: kcdc_hep.read(path, cache=False))
    blocks = outcome(lambda: ak.concatenate(list(kcdc_hep.iterate(path, step_size=1000))))
    return whole, blocks


def test_a_regular_file_is_parsed_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _write(tmp_path / "s2.csv", "\n".join([S2_HEADER, *S2_ROWS]) + "\n")
    expected = ak.to_list(kcdc_hep.read(path, cache=False))

    def no_blocks(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the block path was used for a regular file")

    monkeypatch.setattr(text, "read_table", no_blocks)
    assert ak.to_list(kcdc_hep.read(path, cache=False)) == expected
    assert [e["primary"] for e in expected] == ["C", "Fe", "p"]


@pytest.mark.parametrize(
    "rows",
    [
        [S2_ROWS[0] + ",", S2_ROWS[1] + ",,", S2_ROWS[2] + ","],  # polars takes empty extra fields silently
        [S2_ROWS[0], S2_ROWS[1] + ",", S2_ROWS[2]],
        [S2_ROWS[0], "", "   ", S2_ROWS[1], S2_ROWS[2]],
        [S2_ROWS[0], S2_ROWS[1].replace("14.5", "x"), S2_ROWS[2]],
        [S2_ROWS[0], S2_ROWS[1].replace("3.9", "39000"), S2_ROWS[2]],
    ],
)
def test_irregular_files_give_what_the_block_path_gives(tmp_path: Path, rows: list[str]) -> None:
    whole, blocks = _both(_write(tmp_path / "odd.csv", "\n".join([S2_HEADER, *rows]) + "\n"))
    assert whole == blocks


def test_times_with_and_without_fractions(tmp_path: Path) -> None:
    times = ["1998-05-11 07:54:03", "1998-05-11 07:54:04.25", "1998-05-11 07:54:05"]
    path = _write(tmp_path / "s3.csv", "\n".join([S3_HEADER, *(S3_ROW.format(t=t) for t in times)]) + "\n")
    got = ak.to_numpy(kcdc_hep.read(path, cache=False).time)
    assert got.tolist() == np.array(times, dtype="datetime64[ns]").tolist()
    whole, blocks = _both(path)
    assert whole == blocks


def test_cache_serves_projections_and_never_a_changed_reader(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KCDC_HEP_CACHE_DIR", str(tmp_path / "cache"))
    path = _write(tmp_path / "s2.csv", "\n".join([S2_HEADER, *S2_ROWS]) + "\n")
    cold = kcdc_hep.read(path, cache=False)
    first = kcdc_hep.read(path)  # parsed and stored
    assert len(list((tmp_path / "cache" / "parsed").glob("*.events"))) == 1
    assert ak.to_list(kcdc_hep.read(path)) == ak.to_list(first) == ak.to_list(cold)
    for columns in (["primary", "Ne"], ["core_dist"], ["lgE", "X"]):
        projected = kcdc_hep.read(path, columns=columns)
        assert projected.fields == kcdc_hep.read(path, columns=columns, cache=False).fields
        assert ak.to_list(projected) == ak.to_list(kcdc_hep.read(path, columns=columns, cache=False))
    monkeypatch.setattr(_cache, "_READER", ["another reader"])
    assert _cache.load(path) is None  # a changed reader does not find the old entry
