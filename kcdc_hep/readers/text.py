"""Text tables: the masterclass CSV/TXT samples and KCDC ASCII exports.

Parsing is done by polars' multithreaded CSV reader, block by block; :func:`read_table` (``read``) and
:func:`iter_tables` (``iterate``) share every step, so they accept the same files and give the same events or the
same error. Whitespace-separated files whose fields are separated by runs of blanks or tabs are first squeezed to
single spaces (polars would silently misread them otherwise: DESIGN §5).

What a text table must be; anything else is refused with file, line and what to do, never read as other numbers:

- one header line of names (after blank and ``#`` lines; a UTF-8 byte-order mark is fine) separated by ``,``,
  ``;`` or blanks; a name repeated (ignoring case), two aliases of one field (``E`` and ``lgE``), an empty or
  invisible name are refused;
- every row has exactly the header's fields. A delimiter at the end of every row is an empty last field and is
  dropped; a leading column without a name (a pandas index) must count the rows ``0, 1, 2, ...``;
- blank lines are skipped (everywhere, the same way); an empty field is a missing value;
- numbers where the event model has numbers; whole numbers that fit the field's type (``run`` is int32); particle
  ids that are whole numbers; date-times in one ISO layout; values within each field's physical range
  (:data:`kcdc_hep.readers.columns.RANGES`: a linear ``Ne`` or a pressure in Pa is refused, naming the unit).

Limits (module constants; assign another value to change them): :data:`MAX_LINE_BYTES` per line,
:data:`MAX_COLUMNS` per header, :data:`MAX_READ_STREAM_BYTES` for ``read`` of a text stream that is not a plain
file (a zip member). Memory stays bounded: the file is parsed in blocks of at
most :data:`BLOCK_BYTES`, and ``iterate`` holds one block and one chunk of events at a time.
"""

from __future__ import annotations

import mmap
import os
import re
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from kcdc_hep import schema
from kcdc_hep.errors import EmptyFileError, KcdcError, MalformedRowError, SchemaError, UnsafeZipError
from kcdc_hep.readers import columns as _columns
from kcdc_hep.readers.columns import INDEX_NAMES

if TYPE_CHECKING:
    import pyarrow as pa

__all__ = [
    "BLOCK_BYTES",
    "MAX_COLUMNS",
    "MAX_LINE_BYTES",
    "MAX_READ_STREAM_BYTES",
    "SNIFF_BYTES",
    "TextLayout",
    "iter_blocks",
    "iter_tables",
    "parse_block",
    "read_head",
    "read_table",
    "sniff",
    "table_columns",
]

#: Bytes looked at to detect the layout; the header line must end within them.
SNIFF_BYTES = 1 << 16
#: Longest line accepted (a row of a KCDC table is a few hundred bytes); bounds ``iterate`` on files without line ends.
MAX_LINE_BYTES = 1 << 20
#: Most columns accepted in a header (KCDC exports have a few dozen quantities).
MAX_COLUMNS = 1000
#: Largest text stream (a zip member) that ``read`` loads; ``iterate`` has no such limit.
MAX_READ_STREAM_BYTES = 512 << 20
#: Largest block of rows parsed at once.
BLOCK_BYTES = 32 << 20

_BOM = b"\xef\xbb\xbf"
_BLANKS = b" \t\r"
#: Date-time layouts of a ``datetime`` column; the first that fits the first value is used for the whole file.
_TIME_FORMATS = ("%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d")
#: The same layouts without fractional seconds: polars parses a fixed-width layout several times faster, and a value
#: it parses means the same under the layout with ``%.f`` (whose fraction is optional); the rest are parsed with that.
_WHOLE_SECONDS = {"%Y-%m-%d %H:%M:%S%.f": "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S%.f": "%Y-%m-%dT%H:%M:%S"}
_SAMPLE_ROWS = 200
_SHOWN = 120


@dataclass(frozen=True)
class TextLayout:
    """How a text table is laid out (found by :func:`sniff` from the first bytes, then fixed for the whole file)."""

    where: str
    names: tuple[str, ...]  # every column in the data rows, index column included (named "")
    delimiter: str  # "," ";" or " " (whitespace)
    normalise: bool  # whitespace runs / tabs / leading blanks present: squeeze to single spaces first
    header_lines: int  # lines before the first data row (comments + header)
    header_bytes: int  # bytes before the first data row
    bytes_per_row: float
    #: per column: "index", "float", "int", "str", "time", "primary" (codes) or "primary_id" (CORSIKA ids)
    kinds: tuple[str, ...] = ()
    #: every row ends with the delimiter: one more, empty, field that is dropped
    trailing: bool = False
    time_format: str = _TIME_FORMATS[0]

    @property
    def data_names(self) -> list[str]:
        """Column names without a pandas index column."""
        if self.kinds:
            return [n for n, k in zip(self.names, self.kinds, strict=True) if k != "index"]
        return [n for n in self.names if n.strip().lower() not in INDEX_NAMES]

    @property
    def n_fields(self) -> int:
        """Fields in every row."""
        return len(self.names) + self.trailing


# ---------------------------------------------------------------------------------------------------- layout
def sniff(head: bytes, *, where: str) -> TextLayout:
    """Detect delimiter, header, index column, trailing delimiter and column kinds from the first bytes."""
    start = len(_BOM) if head.startswith(_BOM) else 0
    whole = len(head) < SNIFF_BYTES  # the head is the whole file
    pieces = head[start:].split(b"\n")
    offset, k = start, 0
    while True:
        content = pieces[k].strip(_BLANKS)
        last = k == len(pieces) - 1
        if content and not content.startswith(b"#"):
            if last and not whole:
                msg = (
                    f"{where}:{k + 1}: the header line is longer than {SNIFF_BYTES} bytes or has no line end; "
                    "a table starts with one line of column names"
                )
                raise MalformedRowError(msg)
            break
        if last:
            msg = (
                f"{where}: the file is empty (no header line); a KCDC or masterclass table starts with column names"
                if whole
                else f"{where}: the first {SNIFF_BYTES} bytes hold no header line, only blank or # lines; a table "
                "starts with one line of column names"
            )
            raise EmptyFileError(msg)
        offset += len(pieces[k]) + 1
        k += 1
    header_line = k + 1
    header_bytes = offset + len(pieces[k]) + (0 if k == len(pieces) - 1 else 1)
    names, delimiter = _header_names(pieces[k].rstrip(b"\r"), where=f"{where}:{header_line}")
    sample = [ln for ln in pieces[k + 1 : len(pieces) if whole else -1] if ln.strip(_BLANKS)][:_SAMPLE_ROWS]
    rows = [_split(ln, delimiter) for ln in sample]
    trailing = False
    if rows and len(rows[0]) == len(names) + 1:
        if delimiter != " " and rows[0][-1].strip(_BLANKS) == b"":
            trailing = True  # "a,b,c," rows: a delimiter at the end of every row
        elif rows[0][0].strip(_BLANKS) == b"0" and delimiter == " " and pieces[k][:1] in (b" ", b"\t"):
            names = ["", *names]  # pandas' index: no name, so the header is indented (checked to count 0, 1, 2, ...)
    n = len(names)
    values = [[_text(r[i]) for r in rows if len(r) == n + trailing] for i in range(n)]
    kinds = tuple(_kind(name, column) for name, column in zip(names, values, strict=True))
    time_values = [v for name, column in zip(names, values, strict=True) for v in column if _is_time(name) and v]
    normalise = delimiter == " " and any(b"\t" in ln or b"  " in ln or ln[:1] == b" " for ln in [pieces[k], *sample])
    per_row = (sum(len(ln) + 1 for ln in sample) / len(sample)) if sample else 64.0
    return TextLayout(
        where,
        tuple(names),
        delimiter,
        normalise,
        header_line,
        header_bytes,
        per_row,
        kinds,
        trailing,
        _time_format(time_values[:1]),
    )


def _header_names(raw: bytes, *, where: str) -> tuple[list[str], str]:
    """The column names of a header line and its delimiter; refuses names that cannot be told apart."""
    try:
        header = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        msg = f"{where}: the header line is not UTF-8 text; save the table as UTF-8 (Excel: 'CSV UTF-8')"
        raise MalformedRowError(msg) from err
    delimiter = "," if "," in header else ";" if ";" in header else " "
    if delimiter == " ":
        names = [n.decode("utf-8") for n in _normalise(raw).strip(b" ").split(b" ")]
    else:
        names = [n.strip(" \t").strip('"').strip(" \t") for n in header.split(delimiter)]
        if len(names) > 1 and names[-1] == "":
            names.pop()  # a delimiter at the end of the header line
    if len(names) > MAX_COLUMNS:
        msg = (
            f"{where}: the header has {len(names)} columns, more than the {MAX_COLUMNS} kcdc_hep reads; is this "
            "a table of events? (kcdc_hep.readers.text.MAX_COLUMNS sets the limit)"
        )
        raise MalformedRowError(msg)
    for i, name in enumerate(names):
        if not name and i > 0:
            msg = f"{where}: column {i + 1} of the header has no name; name it or delete the column"
            raise MalformedRowError(msg)
        if not name.isprintable():
            msg = f"{where}: the header name {name!r} holds an invisible or control character; retype the header"
            raise MalformedRowError(msg)
    clashes = _columns.name_clashes(names)
    if clashes:
        meaning, group = clashes[0]
        if len({g.strip().lower() for g in group}) == 1:
            msg = f"{where}: the header repeats the name {group[0]!r}; every column needs a name of its own"
        else:
            msg = f"{where}: the header names {', '.join(map(repr, group))} all mean {meaning}; keep only one"
        raise MalformedRowError(msg)
    return names, delimiter


def _split(line: bytes, delimiter: str) -> list[bytes]:
    if delimiter == " ":
        return _normalise(line.rstrip(b"\r")).strip(b" ").split(b" ")
    return line.rstrip(b"\r").split(delimiter.encode())


def _text(field: bytes) -> str:
    return field.strip(_BLANKS).decode("utf-8", errors="replace").strip('"')


def _is_time(name: str) -> bool:
    return schema.canonical_name(name) == "time"


def _kind(name: str, values: list[str]) -> str:
    """How a column is parsed: known fields by the schema, unknown ones by their first values."""
    low = name.strip().lower()
    if low in INDEX_NAMES:
        return "index"
    if low in schema.TIME_SECONDS_ALIASES or low in schema.TIME_NANOSECONDS_ALIASES:
        return "int"
    canonical = schema.canonical_name(name)
    if canonical == "primary":  # CORSIKA ids as numbers (faster; 1.5 is then refused), codes (p, fe) as text
        return "primary_id" if values and all(v.lstrip("+-").isdigit() for v in values if v) else "primary"
    if canonical == "time":
        return canonical
    f = schema.FIELDS.get(canonical) if canonical else None
    if f is not None:
        return "float" if f.dtype.startswith("float") else "int" if f.dtype.startswith("int") else "str"
    import polars as pl

    present = pl.Series([v for v in values if v], dtype=pl.String)
    if len(present) == 0:
        return "str"
    ints = present.cast(pl.Int64, strict=False)
    if ints.null_count() == 0:
        return "int"
    digits = [v.lstrip("+-") for v in present]
    if any(i is None and d.isascii() and d.isdigit() for d, i in zip(digits, ints, strict=True)):
        return "str"  # whole numbers beyond 64 bits: keep them exact, as text
    return "float" if present.cast(pl.Float64, strict=False).null_count() == 0 else "str"


def _time_format(values: list[str]) -> str:
    import polars as pl

    for value in values:
        for fmt in _TIME_FORMATS:
            parsed = pl.Series([value]).str.to_datetime(fmt, time_unit="ns", strict=False)
            if parsed.null_count() == 0:
                return fmt
    return _TIME_FORMATS[0]


def _normalise(block: bytes) -> bytes:
    """Squeeze tabs and runs of blanks to single spaces and strip blanks at line ends (C-speed passes)."""
    block = block.replace(b"\t", b" ")
    while b"  " in block:
        block = block.replace(b"    ", b" ").replace(b"  ", b" ")
    block = block.replace(b"\n ", b"\n").replace(b" \n", b"\n").replace(b" \r\n", b"\r\n")
    return block[1:] if block.startswith(b" ") else block


# ---------------------------------------------------------------------------------------------------- parsing
_KIND_TYPES = {"float": "Float64", "int": "Int64", "index": "Int64", "primary_id": "Int64"}


def _polars_schema(layout: TextLayout, *, typed: bool = True) -> dict[str, Any]:
    import polars as pl

    out = {
        f"c{i}": getattr(pl, _KIND_TYPES.get(kind, "String")) if typed else pl.String
        for i, kind in enumerate(layout.kinds)
    }
    if layout.trailing:
        out[f"c{len(layout.kinds)}"] = pl.String
    return out


def _polars_failures() -> tuple[type[BaseException], ...]:
    import polars as pl

    # polars' Rust panics are BaseExceptions; ValueError/OverflowError come from its Python layer
    return (pl.exceptions.PolarsError, pl.exceptions.PanicException, ValueError, OverflowError)


def _read_csv(raw: bytes, layout: TextLayout, *, typed: bool = True) -> tuple[Any, BaseException | None]:
    """Parse rows with polars; ``(frame, None)`` or ``(None, error)``. Quotes are not special: a row is a line."""
    import polars as pl

    try:
        df = pl.read_csv(
            raw,
            has_header=False,
            schema=_polars_schema(layout, typed=typed),
            separator=layout.delimiter,
            quote_char=None,
            try_parse_dates=False,
            raise_if_empty=False,
        )
    except _polars_failures() as err:
        return None, err
    return df, None


def parse_block(
    data: bytes | pa.Buffer,
    layout: TextLayout,
    include: list[str] | None,
    *,
    first_line: int,
    first_row: int | None = None,
) -> pa.Table:
    """Parse data rows (no header) into an arrow table of the ``include`` source columns, checking every row.

    ``first_line`` is the file line number of the first row and ``first_row`` its row number (blank lines not
    counted), for error messages and the index-column check (``None``: the index must count up from its first
    value). Raises :class:`MalformedRowError` or :class:`SchemaError` naming the first bad line of the block.
    """
    raw = bytes(data) if isinstance(data, bytes | bytearray | memoryview) else data.to_pybytes()
    return _to_arrow(_parse_frame(raw, layout, include, first_line=first_line, first_row=first_row))


def _to_arrow(df: Any) -> pa.Table:
    import polars as pl

    return df.rechunk().to_arrow(compat_level=pl.CompatLevel.oldest())  # contiguous: zero-copy from here on


def _parse_frame(
    raw: bytes, layout: TextLayout, include: list[str] | None, *, first_line: int, first_row: int | None
) -> Any:
    """:func:`parse_block` as a polars frame with the source column names."""
    import polars as pl

    long_at = _first_long_line(raw)
    if long_at is not None:
        if _has_rows(raw[:long_at]):  # the rows before it may hold an earlier problem
            _parse_frame(raw[:long_at], layout, include, first_line=first_line, first_row=first_row)
        raise _too_long(layout, first_line + raw.count(b"\n", 0, long_at))
    df = _parse(raw, layout, first_line=first_line, first_row=first_row)
    keep = [(f"c{i}", n) for i, (n, k) in enumerate(zip(layout.names, layout.kinds, strict=True)) if k != "index"]
    df = df.select([pl.col(c).alias(n) for c, n in keep])
    return df.select(layout.data_names if include is None else include)


def _parse(raw: bytes, layout: TextLayout, *, first_line: int, first_row: int | None) -> Any:
    import polars as pl

    if layout.delimiter == " " and layout.normalise:
        raw = _normalise(raw)
    if not _has_rows(raw):
        return pl.DataFrame(schema=_polars_schema(layout))
    df, _ = _read_csv(raw, layout)
    if df is not None and _complete(df, layout):
        return _finish(df, layout, raw, None, first_line=first_line, first_row=first_row)
    return _parse_rows(raw, layout, first_line=first_line, first_row=first_row)


def _complete(df: Any, layout: TextLayout) -> bool:
    """No missing value anywhere (so every line was a full row) and an empty trailing column."""
    n = len(layout.kinds)
    if any(df[f"c{i}"].null_count() for i in range(n)):
        return False
    return not layout.trailing or df[f"c{n}"].null_count() == df.height


def _parse_rows(raw: bytes, layout: TextLayout, *, first_line: int, first_row: int | None) -> Any:
    """The careful path, line by line: skip blank lines, check the field count, find the first bad value."""
    if layout.delimiter == " ":
        raw = _normalise(raw)
    lines = raw.split(b"\n")
    if lines and not lines[-1]:
        lines.pop()
    delimiter = layout.delimiter.encode()
    kept: list[bytes] = []
    at: list[int] = []
    bad_count = None
    for i, line in enumerate(lines):
        if not line.strip(_BLANKS):
            continue
        fields = line.count(delimiter) + 1
        if fields != layout.n_fields and not (layout.trailing and fields == len(layout.names)):
            bad_count = i  # (with a trailing delimiter, a row without it is fine: nothing can shift)
            break
        kept.append(line)
        at.append(i)
    rows = b"\n".join(kept)
    line_at = np.asarray(at, dtype=np.int64)
    df = _parse_kept(rows, layout, line_at, raw, first_line=first_line, first_row=first_row)
    if bad_count is not None:
        fields = lines[bad_count].count(delimiter) + 1
        problem = _count_problem(fields, layout)
        raise _row_error(MalformedRowError, layout, first_line + bad_count, problem, raw, bad_count)
    return df


def _parse_kept(
    rows: bytes, layout: TextLayout, line_at: np.ndarray, raw: bytes, *, first_line: int, first_row: int | None
) -> Any:
    import polars as pl

    if not rows:
        return pl.DataFrame(schema=_polars_schema(layout))
    df, err = _read_csv(rows, layout)
    if df is not None:
        return _finish(df, layout, raw, line_at, first_line=first_line, first_row=first_row)
    bad = _first_bad_value(rows, layout)
    if bad is None:
        detail = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        msg = f"{layout.where}: rows from line {first_line + int(line_at[0])} cannot be parsed ({detail[:200]})"
        raise MalformedRowError(msg) from err
    row, problem = bad
    if row:  # the rows before it may hold an earlier problem of another kind
        prefix = b"\n".join(rows.split(b"\n", row)[:row])
        _parse_kept(prefix, layout, line_at[:row], raw, first_line=first_line, first_row=first_row)
    index = int(line_at[row])
    raise _row_error(MalformedRowError, layout, first_line + index, problem, raw, index) from err


def _first_bad_value(rows: bytes, layout: TextLayout) -> tuple[int, str] | None:
    """The first row (and why) whose text polars cannot read as the column's kind."""
    import polars as pl

    df, _ = _read_csv(rows, layout, typed=False)
    if df is None:
        for r, line in enumerate(rows.split(b"\n")):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError:
                return r, "the line is not UTF-8 text"
        return None
    found: list[tuple[int, str]] = []
    for i, (name, kind) in enumerate(zip(layout.names, layout.kinds, strict=True)):
        if kind not in _KIND_TYPES:
            continue
        text = df[f"c{i}"]
        target = pl.Float64 if kind == "float" else pl.Int64
        hits = np.flatnonzero((text.is_not_null() & text.cast(target, strict=False).is_null()).to_numpy())
        if hits.size:
            found.append((int(hits[0]), _value_problem(text[int(hits[0])], name, kind)))
    return min(found, key=lambda f: f[0]) if found else None


def _value_problem(value: str, name: str, kind: str) -> str:
    shown = value if len(value) <= 40 else value[:37] + "..."
    label = "the row index" if kind == "index" else f"column {name!r}"
    if kind == "float":
        return f"{shown!r} in {label} is not a number"
    digits = value.strip().lstrip("+-")
    if digits.isascii() and digits.isdigit():
        return f"{shown!r} in {label} is too large a whole number (more than 64 bits)"
    return f"{shown!r} in {label} is not a whole number (write integers without a decimal point or exponent)"


def _count_problem(fields: int, layout: TextLayout) -> str:
    names = len(layout.data_names)
    if layout.trailing:
        return f"{fields} fields where the header has {names} and the rows end with a delimiter ({names + 1} fields)"
    if len(layout.names) > names:
        return f"{fields} fields where the header has {names} plus the row-index column"
    hint = ""
    if fields == names + 1:
        hint = "; a delimiter at the end, or a pandas index (write the file with index=False)?"
    return f"{fields} fields where the header has {names}{hint}"


# ---------------------------------------------------------------------------------------------------- row checks
def _finish(
    df: Any, layout: TextLayout, raw: bytes, line_at: np.ndarray | None, *, first_line: int, first_row: int | None
) -> Any:
    """Convert date-times and strings, then check every value; raise on the first bad row of the block."""
    import polars as pl

    problems: list[tuple[int, type[KcdcError], str]] = []
    columns = {}
    for i, (name, kind) in enumerate(zip(layout.names, layout.kinds, strict=True)):
        s = df[f"c{i}"]
        if kind in ("str", "primary", "time"):
            s = s.str.strip_chars(' \t\r"')  # blanks and quotes around a text value are not part of it
        if kind == "time":
            s = _check_time(s, name, layout, problems)
        elif kind == "primary":
            _check_primary(s, name, problems)
        elif kind == "index":
            _check_index(s, first_row, problems)
        elif kind in ("float", "int"):
            _check_numbers(s, name, problems)
        columns[f"c{i}"] = s
    if layout.trailing:
        extra = df[f"c{len(layout.kinds)}"]
        hits = np.flatnonzero(extra.is_not_null().to_numpy())
        if hits.size:
            problem = f"a value {extra[int(hits[0])]!r} after the last column (the other rows end with the delimiter)"
            problems.append((int(hits[0]), MalformedRowError, problem))
    if problems:
        row, cls, problem = min(problems, key=lambda p: p[0])
        index = int(line_at[row]) if line_at is not None else row
        raise _row_error(cls, layout, first_line + index, problem, raw, index)
    return pl.DataFrame(columns)


def _check_time(s: Any, name: str, layout: TextLayout, problems: list[Any]) -> Any:
    import polars as pl

    try:
        parsed = _to_datetime(s, layout.time_format)
    except _polars_failures():
        parsed = pl.Series(s.name, [None] * len(s), dtype=pl.Datetime("ns"))
    hits = np.flatnonzero((s.is_not_null() & parsed.is_null()).to_numpy())
    if hits.size:
        value = s[int(hits[0])]
        shown = value if len(value) <= 40 else value[:37] + "..."
        problem = f"{shown!r} in column {name!r} is not a date-time like 1998-05-11 07:54:03 (UTC)"
        problems.append((int(hits[0]), MalformedRowError, problem))
    _check_numbers(parsed, name, problems)
    return parsed


def _to_datetime(s: Any, fmt: str) -> Any:
    """``s.str.to_datetime(fmt)`` (ns, ``None`` where a value does not fit), the whole-second layout first."""
    whole = _WHOLE_SECONDS.get(fmt)
    if whole is None:
        return s.str.to_datetime(fmt, time_unit="ns", strict=False)
    parsed = s.str.to_datetime(whole, time_unit="ns", strict=False)
    rest = (parsed.is_null() & s.is_not_null()).arg_true()
    if len(rest):  # fractional seconds (or no date-time at all): the full layout decides
        parsed = parsed.scatter(rest, s.gather(rest).str.to_datetime(fmt, time_unit="ns", strict=False))
    return parsed


def _check_primary(s: Any, name: str, problems: list[Any]) -> None:
    distinct = s.unique()
    if 8 * len(distinct) < len(s) and not _primary_hits(distinct).size:
        return  # a handful of codes in millions of rows: each checked once, and none is bad
    hits = _primary_hits(s)
    if hits.size:
        problem = (
            f"particle id {s[int(hits[0])][:40]!r} in column {name!r} is not a whole number; ids are CORSIKA codes "
            "(14 = p, 402 = He, 5626 = Fe, 0 = measured data) or symbols (p, He, C, Si, Fe)"
        )
        problems.append((int(hits[0]), SchemaError, problem))


def _primary_hits(s: Any) -> np.ndarray:
    """Rows of a text column of particle codes that hold a number that is not a whole particle id."""
    import polars as pl

    number = s.cast(pl.Float64, strict=False)
    values = number.to_numpy()
    numeric = number.is_not_null().to_numpy()
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(values) & (values == np.round(values)) & (np.abs(values) < 2**31)
    return np.flatnonzero(numeric & ~whole)


def _check_index(s: Any, first_row: int | None, problems: list[Any]) -> None:
    if len(s) == 0:
        return
    if s.null_count():
        problems.append((int(np.flatnonzero(s.is_null().to_numpy())[0]), MalformedRowError, "the row index is empty"))
        return
    values = s.to_numpy()
    start = int(values[0]) if first_row is None and values[0] >= 0 else (first_row or 0)
    hits = np.flatnonzero(values != start + np.arange(len(values)))
    if hits.size:
        r = int(hits[0])
        problem = (
            f"the row index is {values[r]} where {start + r} belongs: a first column without a name must count the "
            "rows 0, 1, 2, ... (write the file with index=False, or give the column a name)"
        )
        problems.append((r, MalformedRowError, problem))


def _check_numbers(s: Any, name: str, problems: list[Any]) -> None:
    problem = _columns.value_problem(name, s.to_numpy(), minus_one_missing=True)
    if problem is not None:
        problems.append((problem[0], SchemaError, problem[1]))


def _row_error(cls: type[KcdcError], layout: TextLayout, line: int, problem: str, raw: bytes, index: int) -> KcdcError:
    """``file:line: malformed row (problem): 'the line'; what to do`` (``index``: the line's index in ``raw``)."""
    parts = raw.split(b"\n", index + 1)
    text = parts[index].rstrip(b"\r").decode("utf-8", errors="replace") if index < len(parts) else ""
    shown = text if len(text) <= _SHOWN else text[: _SHOWN - 3] + "..."
    if cls is MalformedRowError:
        msg = f"{layout.where}:{line}: malformed row ({problem}): {shown!r}; fix or delete this line, or re-export"
        return MalformedRowError(msg)
    return cls(f"{layout.where}:{line}: {problem}; the line is {shown!r}")


def _first_long_line(raw: bytes) -> int | None:
    """Offset of the first line longer than :data:`MAX_LINE_BYTES` (a few ``rfind`` calls per MiB)."""
    p = 0
    while len(raw) - p > MAX_LINE_BYTES:
        q = raw.rfind(b"\n", p, p + MAX_LINE_BYTES + 1)
        if q < 0:
            return p
        p = q + 1
    return None


def _too_long(layout: TextLayout, line: int) -> MalformedRowError:
    msg = (
        f"{layout.where}:{line}: a line longer than {MAX_LINE_BYTES} bytes (or no line ends at all); a table row "
        "is a few hundred bytes: is this the right file? (kcdc_hep.readers.text.MAX_LINE_BYTES sets the limit)"
    )
    return MalformedRowError(msg)


# ---------------------------------------------------------------------------------------------------- whole file
def _whole_file(path: Path, layout: TextLayout, include: list[str] | None) -> dict[str, Any] | None:
    """``read``'s fast path: a plain file parsed by polars in one go (memory-mapped, on every core), every row
    checked as in :func:`parse_block`, as source columns (numpy arrays; arrow arrays for text).

    ``None`` when the file needs the block path, which then gives the events or the precise error: blanks to
    squeeze, a line that is too long, a row that is incomplete or does not parse, a value that fails a check, or no
    rows at all. Only ``include`` columns are converted (all are checked).
    """
    import polars as pl

    if layout.normalise:
        return None
    failures: tuple[type[BaseException], ...] = (OSError, *_polars_failures())
    try:
        with open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            if _first_long_line(mapped) is not None:  # type: ignore[arg-type]  # mmap has len and rfind
                return None
            delimiters = _count_byte(mapped, layout.header_bytes, ord(layout.delimiter))
        df = pl.read_csv(
            path,
            has_header=False,
            skip_lines=layout.header_lines,
            schema=_polars_schema(layout),
            separator=layout.delimiter,
            quote_char=None,
            try_parse_dates=False,
            raise_if_empty=False,
        )
    except failures:
        return None
    if df.height == 0 or not _complete(df, layout):
        return None
    if delimiters != df.height * (layout.n_fields - 1):  # polars takes empty fields beyond the last one silently
        return None
    df = df.rechunk()  # one contiguous buffer per column (in parallel): every to_numpy below is a view
    try:
        df = _finish(df, layout, b"", None, first_line=layout.header_lines + 1, first_row=0)
    except KcdcError:
        return None
    wanted = set(layout.data_names if include is None else include)
    out: dict[str, Any] = {}
    for i, (name, kind) in enumerate(zip(layout.names, layout.kinds, strict=True)):
        if kind != "index" and name in wanted:
            s = df[f"c{i}"]
            out[name] = s.to_arrow(compat_level=pl.CompatLevel.oldest()) if kind in ("str", "primary") else s.to_numpy()
    return out


def _count_byte(mapped: mmap.mmap, start: int, byte: int) -> int:
    """How often ``byte`` occurs in ``mapped[start:]`` (numpy, 16 MiB at a time: no copy of the file)."""
    data = np.frombuffer(mapped, dtype=np.uint8)[start:]
    step = 1 << 24
    try:
        return sum(int(np.count_nonzero(data[i : i + step] == byte)) for i in range(0, len(data), step))
    finally:
        del data  # the mapping closes only when no array uses it


# ---------------------------------------------------------------------------------------------------- streams
def read_table(stream: IO[bytes], layout: TextLayout, include: list[str] | None) -> pa.Table:
    """Parse a whole text table from an open binary stream (positioned anywhere; the header is skipped)."""
    import polars as pl

    limit = None if _is_plain_file(stream) else MAX_READ_STREAM_BYTES
    frames = list(_iter_frames(stream, layout, include, block_bytes=BLOCK_BYTES, max_bytes=limit))
    if sum(df.height for df in frames) == 0:
        msg = f"{layout.where}: the file has a header but no events; export the data again or pick another file"
        raise EmptyFileError(msg)
    return _to_arrow(frames[0] if len(frames) == 1 else pl.concat(frames, rechunk=True))


def iter_tables(
    stream: IO[bytes],
    layout: TextLayout,
    include: list[str] | None,
    *,
    rows_per_block: int | None = None,
    block_bytes: int | None = None,
) -> Iterator[pa.Table]:
    """Yield arrow tables of about ``rows_per_block`` rows each (every row checked), with bounded memory."""
    for df in _iter_frames(stream, layout, include, rows_per_block=rows_per_block, block_bytes=block_bytes):
        yield _to_arrow(df)


def _iter_frames(
    stream: IO[bytes],
    layout: TextLayout,
    include: list[str] | None,
    *,
    rows_per_block: int | None = None,
    block_bytes: int | None = None,
    max_bytes: int | None = None,
) -> Iterator[Any]:
    row = 0
    for first_line, block in iter_blocks(stream, layout, rows_per_block, block_bytes=block_bytes, max_bytes=max_bytes):
        df = _parse_frame(block, layout, include, first_line=first_line, first_row=row)
        row += df.height
        yield df


def iter_blocks(
    stream: IO[bytes],
    layout: TextLayout,
    rows_per_block: int | None = None,
    *,
    block_bytes: int | None = None,
    max_bytes: int | None = None,
) -> Iterator[tuple[int, bytes]]:
    """Yield ``(first_line, bytes)`` blocks of whole lines (at most :data:`BLOCK_BYTES`), skipping blank blocks.

    Memory stays bounded whatever the line structure: a line longer than :data:`MAX_LINE_BYTES` raises
    :class:`MalformedRowError`, more than ``max_bytes`` in all raises :class:`UnsafeZipError`.
    """
    if stream.seekable():
        stream.seek(layout.header_bytes)
    else:
        stream.read(layout.header_bytes)
    if block_bytes is None:
        block_bytes = max(1 << 16, int((rows_per_block or 0) * layout.bytes_per_row))
    block_bytes = min(block_bytes, BLOCK_BYTES)
    plain = _is_plain_file(stream)  # a file can step back to the line start: no copy of the block to carry over
    carry = b""
    line = layout.header_lines + 1
    total = 0
    while chunk := stream.read(block_bytes):
        total += len(chunk)
        if max_bytes is not None and total > max_bytes:
            msg = (
                f"{layout.where}: more than {max_bytes >> 20} MiB of text in a stream (a zip member); read() holds it "
                "all in memory: use kcdc_hep.iterate(), unpack it, or raise "
                "kcdc_hep.readers.text.MAX_READ_STREAM_BYTES"
            )
            raise UnsafeZipError(msg)
        chunk = carry + chunk if carry else chunk
        cut = chunk.rfind(b"\n")
        if cut < 0:
            carry = chunk
        else:
            block, carry = chunk[: cut + 1], chunk[cut + 1 :]
            if plain and carry:
                stream.seek(-len(carry), os.SEEK_CUR)
                carry = b""
            if _has_rows(block):  # blocks of blank lines hold no rows: skipped at C speed
                yield line, block
            line += block.count(b"\n")
        if len(carry) > MAX_LINE_BYTES:
            raise _too_long(layout, line)
    if _has_rows(carry):
        yield line, carry


_CONTENT = re.compile(rb"[^ \t\r\n]")  # one character class: linear, no backtracking


def _has_rows(block: bytes) -> bool:
    """Whether ``block`` holds anything but blank lines (without copying it, unlike ``strip``)."""
    return _CONTENT.search(block) is not None


def _is_plain_file(stream: IO[bytes]) -> bool:
    try:
        return stat.S_ISREG(os.fstat(stream.fileno()).st_mode)
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError and a ValueError
        return False


def read_head(stream: IO[bytes]) -> bytes:
    """The first bytes of a stream, rewinding where possible."""
    head = stream.read(SNIFF_BYTES)
    if stream.seekable():
        stream.seek(0)
    return head


def table_columns(table: pa.Table) -> dict[str, Any]:
    """An arrow table as a dict of its columns."""
    return {name: table.column(name) for name in table.column_names}
