"""Property tests of the text reader (hypothesis): generated KCDC/masterclass tables in every shape, then mutated.

Whatever the input: only :class:`~kcdc_hep.errors.KcdcError` escapes; ``read``, the parse cache and ``iterate``
give the same events or the same error; a table that is still accepted after a mutation keeps every unchanged line's
values (nothing shifts). Runs in bounded time (``derandomize=True``: the same examples on every run, as CI needs).
"""

from __future__ import annotations

import math
import os
import tempfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

import awkward as ak
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import kcdc_hep
from kcdc_hep import schema
from kcdc_hep.errors import KcdcError

SETTINGS = settings(
    max_examples=60,
    deadline=None,  # a shared CI machine has no stable timing; the example count bounds the run
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# The tables of DESIGN §2: masterclass samples 1-3 and the legacy KCDC export (source name -> value strategy).
_FLOAT_RANGES = {
    "E": (12.5, 18.0), "lgE": (12.5, 18.0), "energy": (12.5, 18.0),
    "Ne": (1.0, 8.0), "lgNe": (1.0, 8.0), "NE": (1.0, 8.0), "electron_number": (1.0, 8.0),
    "Nmu": (1.0, 6.5), "lgNmu": (1.0, 6.5), "NMU": (1.0, 6.5), "muon_number": (1.0, 6.5),
    "Ze": (0.0, 60.0), "ZE": (0.0, 60.0), "zenith": (0.0, 60.0),
    "Az": (0.0, 360.0), "AZ": (0.0, 360.0), "azimuth": (0.0, 360.0),
    "X": (-91.0, 91.0), "Y": (-91.0, 91.0), "XC": (-91.0, 91.0), "YC": (-91.0, 91.0),
    "core_x": (-91.0, 91.0), "core_y": (-91.0, 91.0), "CoreDist": (0.0, 91.0),
    "AGE": (0.1, 1.48), "shower_age": (0.1, 1.48),
    "T": (-10.0, 30.0), "temperature": (-10.0, 30.0), "P": (980.0, 1020.0), "pressure": (980.0, 1020.0),
}  # fmt: skip
HEADERS = {
    "sample1": ("E", "Ne", "Nmu", "Ze"),
    "sample2": ("Particle", "lgE", "X", "Y", "CoreDist", "Ze", "Az", "lgNe", "lgNmu"),
    "sample3": (
        "datetime", "particle_id", "energy", "zenith", "azimuth", "core_x", "core_y", "electron_number",
        "muon_number", "shower_age", "temperature", "pressure",
    ),
    "legacy": ("E", "YC", "XC", "ZE", "AZ", "NE", "NMU", "ESUMHAD", "NHAD", "T", "P", "GT", "MT", "R", "EV", "AGE"),
}  # fmt: skip
_WHITESPACE = ("sample1", "legacy")


def _value(name: str) -> st.SearchStrategy[str]:
    if name in _FLOAT_RANGES:
        lo, hi = _FLOAT_RANGES[name]
        number = st.floats(lo, hi, allow_nan=False)
        return st.one_of(number.map(repr), number.map(lambda v: f"{v:.6g}"), st.integers(int(lo) + 1, int(hi)).map(str))
    strategies: dict[str, st.SearchStrategy[str]] = {
        "Particle": st.sampled_from(["p", "he", "co", "si", "fe"]),
        "particle_id": st.sampled_from(["0", "14", "402", "5626"]),
        "datetime": st.datetimes(min_value=datetime(1998, 1, 1), max_value=datetime(2012, 12, 31)).map(
            lambda d: d.strftime("%Y-%m-%d %H:%M:%S")
        ),
        "ESUMHAD": st.one_of(st.just("-1"), st.floats(0, 1e5, allow_nan=False).map(lambda v: f"{v:.6g}")),
        "NHAD": st.one_of(st.just("-1"), st.integers(0, 100).map(str)),
        "GT": st.integers(700_000_000, 1_300_000_000).map(str),
        "MT": st.integers(0, 999_999_999).map(str),
        "R": st.integers(0, 2**31 - 1).map(str),
        "EV": st.integers(0, 2**40).map(str),
    }
    return strategies[name]


@st.composite
def tables(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """``(shaped, plain)``: one table in a random shape, and the same values in the plainest shape."""
    kind = draw(st.sampled_from(sorted(HEADERS)))
    names = HEADERS[kind]
    n = draw(st.integers(1, 12))
    rows = [[draw(_value(name)) for name in names] for _ in range(n)]
    whitespace = kind in _WHITESPACE
    delimiter = " " if whitespace else draw(st.sampled_from([",", ";"]))
    plain = "\n".join(delimiter.join(r) for r in [list(names), *rows]) + "\n"
    if whitespace:
        gaps = [draw(st.sampled_from([" ", "  ", "\t", " \t ", "    "])) for _ in range(len(names))]
        line = lambda fields: "".join(g + f for g, f in zip(gaps, fields, strict=True))  # noqa: E731
    else:
        line = delimiter.join
    index = draw(st.booleans())
    trailing = not whitespace and draw(st.booleans())
    header = ("" if not index else " " if whitespace else delimiter) + line(names)
    if not whitespace and draw(st.booleans()):
        header = delimiter.join(f'"{x}"' for x in ([""] if index else []) + list(names))
    body = []
    for i, r in enumerate(rows):
        prefix = (f"{i}" + (" " if whitespace else delimiter)) if index else ""
        text = prefix + line(r) + (delimiter if trailing else "")
        body += [text] + [draw(st.sampled_from(["", " ", "\t", "  "])) for _ in range(draw(st.integers(0, 1)))]
    eol = draw(st.sampled_from(["\n", "\r\n"]))
    comments = draw(st.lists(st.sampled_from(["# KCDC export", "", "#"]), max_size=2))
    text = eol.join([*comments, header, *body]) + eol * draw(st.integers(0, 2))
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + text).encode(), plain.encode()


_MUTATION_BYTES = [b",", b";", b" ", b"\t", b"\n", b"\r", b"\x00", b'"', b"#", b"-", b".", b"e", b"x", b"0", b"9",
                   b"\xef\xbb\xbf", b"\xc3\xa9", b"\xff", b"1" * 400, b"nan", b"inf", b"3e9"]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> tuple[bytes, bytes]:
    """``(original, mutated)``: a generated table and the same table after one to three small edits."""
    original, _ = draw(tables())
    data = original
    for _ in range(draw(st.integers(1, 3))):
        op = draw(st.sampled_from(["insert", "delete", "replace", "dup-line", "drop-line", "truncate"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "insert":
            data = data[:at] + draw(st.sampled_from(_MUTATION_BYTES)) + data[at:]
        elif op == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 8)) :]
        elif op == "replace":
            data = data[:at] + draw(st.sampled_from(_MUTATION_BYTES)) + data[at + 1 :]
        elif op == "truncate":
            data = data[:at]
        else:
            lines = data.split(b"\n")
            k = at % len(lines)
            lines[k:k] = [lines[k]] if op == "dup-line" else []
            if op == "drop-line":
                del lines[k]
            data = b"\n".join(lines)
    return original, data


# ---------------------------------------------------------------------------------------------------- reading
def _outcome(read: Callable[[], Any]) -> Any:
    """Events as plain rows (NaN comparable), or the KcdcError's type and message; anything else fails the test."""
    try:
        events = read()
    except KcdcError as err:
        return type(err).__name__, str(err)
    except BaseException as err:  # the property under test: nothing but KcdcError escapes
        pytest.fail(f"{type(err).__name__} escaped the reader: {err}")
    return [{k: ("nan" if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()} for row in events]


def read_every_way(data: bytes, suffix: str = ".csv") -> Any:
    """Read ``data`` four ways (no cache, storing in the cache, from the cache, iterate by 3); they must agree."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / f"table{suffix}"
        path.write_bytes(data)
        old = os.environ.get("KCDC_HEP_CACHE_DIR")
        os.environ["KCDC_HEP_CACHE_DIR"] = str(Path(tmp) / "cache")
        try:
            plain = _outcome(lambda: ak.to_list(kcdc_hep.read(path, cache=False)))
            storing = _outcome(lambda: ak.to_list(kcdc_hep.read(path, cache=True)))
            cached = _outcome(lambda: ak.to_list(kcdc_hep.read(path, cache=True)))
            streamed = _outcome(lambda: [r for c in kcdc_hep.iterate(path, step_size=3) for r in ak.to_list(c)])
        finally:
            if old is None:
                os.environ.pop("KCDC_HEP_CACHE_DIR", None)
            else:
                os.environ["KCDC_HEP_CACHE_DIR"] = old
    if isinstance(plain, list):  # a chunk whose events are all measured data has no primary field: compare by value
        fields = {k for row in plain for k in row} | {k for row in streamed if isinstance(streamed, list) for k in row}
        plain, streamed = ([{k: r.get(k) for k in sorted(fields)} for r in o] for o in (plain, streamed))
        storing, cached = ([{k: r.get(k) for k in sorted(fields)} for r in o] for o in (storing, cached))
    assert storing == plain
    assert cached == plain
    assert streamed == plain
    return plain


# ---------------------------------------------------------------------------------------------------- properties
@SETTINGS
@given(tables())
def test_every_shape_of_a_valid_table_reads_as_its_plain_form(table: tuple[bytes, bytes]) -> None:
    shaped, plain = table
    expected = read_every_way(plain)
    assert isinstance(expected, list), expected
    assert read_every_way(shaped) == expected
    lines = plain.decode().splitlines()
    delimiter = "," if "," in lines[0] else ";" if ";" in lines[0] else " "
    names = lines[0].split(delimiter)
    for row, text in zip(expected, lines[1:], strict=True):  # exact values: Python's float() of every number
        for name, value in zip(names, text.split(delimiter), strict=True):
            field = schema.canonical_name(name)
            if name in _FLOAT_RANGES and field is not None and field in row:
                assert row[field] == float(value), (name, value)


@SETTINGS
@given(mutated())
def test_a_mutated_table_is_refused_or_keeps_every_unchanged_line(case: tuple[bytes, bytes]) -> None:
    original, data = case
    before = read_every_way(original)
    after = read_every_way(data)
    if not isinstance(after, list):
        return  # refused with a KcdcError: fine
    head_before, rows_before = _data_lines(original)
    head_after, rows_after = _data_lines(data)
    assert len(after) == len(rows_after)  # one event per non-blank line after the header, never more or fewer
    if head_after != head_before:
        return
    by_line = dict(zip(rows_before, before, strict=True))
    for line, event in zip(rows_after, after, strict=True):
        if line in by_line:
            same = by_line[line]
            known = [k for k in event if k in schema.FIELDS and k in same]
            assert {k: event[k] for k in known} == {k: same[k] for k in known}, line


def _data_lines(data: bytes) -> tuple[bytes, list[bytes]]:
    """The header line and the non-blank lines after it, as the reader's contract defines them."""
    lines = [ln.rstrip(b"\r") for ln in data.removeprefix(b"\xef\xbb\xbf").split(b"\n")]
    h = next((i for i, ln in enumerate(lines) if ln.strip(b" \t\r") and not ln.strip(b" \t\r").startswith(b"#")), 0)
    return lines[h], [ln for ln in lines[h + 1 :] if ln.strip(b" \t\r")]


@SETTINGS
@given(st.binary(max_size=600) | st.text(max_size=300).map(lambda t: t.encode("utf-8", "surrogatepass")))
def test_arbitrary_bytes_raise_only_our_errors(data: bytes) -> None:
    read_every_way(data, suffix=".txt")
