"""Property tests of the binary inputs (hypothesis): ROOT, Parquet and zip files written by kcdc_hep, then damaged.

Whatever the damage, reading raises a :class:`~kcdc_hep.errors.KcdcError` or returns events. Damage to the zip
container itself is the next step of issue 13 (after the zip handling moves to ``readers/sources.py``): that case is
expected to fail for now and is reported when it starts passing. ``tools/fuzz.py`` runs the long campaign.
"""

from __future__ import annotations

import io
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import kcdc_hep
from kcdc_hep.errors import KcdcError

SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: Without shrinking: a failure is reported as found (shrinking a damaged ROOT file costs more than the run itself).
NO_SHRINK = settings(SETTINGS, phases=[Phase.explicit, Phase.reuse, Phase.generate])
TABLE = (
    "Particle,lgE,X,Y,CoreDist,Ze,Az,lgNe,lgNmu\n"
    "co,14.1173,59.4186,-39.3912,71.2898,17.5974,63.7923,3.53951,3.26399\n"
    "fe,14.5,1.0,2.0,2.23607,10.0,20.0,3.9,3.6\n"
    "p,15.1,-5.0,7.5,9.01388,25.0,300.0,4.8,3.9\n"
)


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """Small valid files of every binary format, written by kcdc_hep itself."""
    folder = tmp_path_factory.mktemp("seeds")
    (folder / "s2.csv").write_text(TABLE)
    events = kcdc_hep.read(folder / "s2.csv", cache=False)
    out = {fmt: kcdc_hep.write(events, folder / f"s2.{fmt}").read_bytes() for fmt in ("root", "parquet")}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data/s2.csv", TABLE)
    out["zip"] = buffer.getvalue()
    return out


@st.composite
def damage(draw: st.DrawFn, size: int) -> list[tuple[str, int, bytes]]:
    """One to four edits: overwrite bytes, truncate, insert."""
    edits = []
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["overwrite", "truncate", "insert"]))
        edits.append((op, draw(st.integers(0, size - 1)), draw(st.binary(min_size=1, max_size=8))))
    return edits


def _apply(data: bytes, edits: list[tuple[str, int, bytes]]) -> bytes:
    for op, at, value in edits:
        at = min(at, len(data))
        if op == "overwrite":
            data = data[:at] + value + data[at + len(value) :]
        elif op == "truncate":
            data = data[:at]
        else:
            data = data[:at] + value + data[at:]
    return data


def _read_only_our_errors(data: bytes, suffix: str) -> None:
    """Read ``data`` as a whole and in chunks: events or a KcdcError, any other exception fails."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(data)
        for read in (lambda: kcdc_hep.read(path, cache=False), lambda: list(kcdc_hep.iterate(path, step_size=2))):
            try:
                read()
            except KcdcError:
                pass
            except Exception as err:  # the property under test
                pytest.fail(f"{type(err).__name__} escaped reading a damaged {suffix} file: {err}")


@pytest.mark.parametrize("fmt", ["root", "parquet", "zip"])
@NO_SHRINK
@given(data=st.data())
def test_damaged_binary_files_raise_only_our_errors(seeds: dict[str, bytes], fmt: str, data: st.DataObject) -> None:
    seed = seeds[fmt]
    _read_only_our_errors(_apply(seed, data.draw(damage(len(seed)))), f".{fmt}")


@SETTINGS
@given(st.binary(max_size=400), st.sampled_from(["data/s2.csv", "s2.txt", "a/b/c.csv"]))
def test_any_text_inside_a_zip_raises_only_our_errors(content: bytes, member: str) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr(member, TABLE.encode()[: len(content)] + content)
    _read_only_our_errors(buffer.getvalue(), ".zip")
