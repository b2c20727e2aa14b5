"""Text tables: the masterclass CSV/TXT samples and KCDC ASCII exports.

Parsing is done by pyarrow's multithreaded CSV reader. Whitespace-separated files whose fields are separated by
exactly one space are parsed directly; files with runs of spaces, tabs or leading blanks are first normalised to
single spaces (pyarrow, like polars, would silently misread them otherwise: DESIGN §5).
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import pyarrow as pa

from kcdc_hep.errors import EmptyFileError, MalformedRowError
from kcdc_hep.readers.columns import INDEX_NAMES

#: Bytes looked at to detect the layout.
_SNIFF_BYTES = 1 << 16


@dataclass(frozen=True)
class TextLayout:
    """How a text table is laid out."""

    where: str
    names: tuple[str, ...]  # every column in the data rows, index column included (named "")
    delimiter: str  # "," ";" or " " (whitespace)
    normalise: bool  # whitespace runs / tabs / leading blanks present: squeeze to single spaces first
    header_lines: int  # lines before the first data row (comments + header)
    header_bytes: int  # bytes before the first data row
    bytes_per_row: float

    @property
    def data_names(self) -> list[str]:
        """Column names without a pandas index column."""
        return [n for n in self.names if n.strip().lower() not in INDEX_NAMES]


def sniff(head: bytes, *, where: str) -> TextLayout:
    """Detect delimiter, header, index column and whitespace shape from the first bytes of a table."""
    text = head.decode("utf-8", errors="replace")
    lines = text.splitlines(keepends=True)
    n_comment = 0
    offset = 0
    for line in lines:
        if line.strip() == "" or line.lstrip().startswith("#"):
            n_comment += 1
            offset += len(line.encode("utf-8", errors="replace"))
            continue
        break
    if n_comment >= len(lines):
        msg = f"{where}: the file is empty (no header line); a KCDC or masterclass table starts with column names"
        raise EmptyFileError(msg)
    header = lines[n_comment]
    data_lines = [ln for ln in lines[n_comment + 1 : -1] if ln.strip()]  # last may be cut by the sniff window
    if not data_lines and len(lines) > n_comment + 1 and lines[-1].strip():
        data_lines = [lines[-1]]
    if "," in header:
        delimiter = ","
    elif ";" in header:
        delimiter = ";"
    else:
        delimiter = " "
    if delimiter == " ":
        raw_names = header.split()
        sample = "".join([header, *data_lines[:200]])
        normalise = ("\t" in sample) or ("  " in sample) or any(ln[:1] in " \t" for ln in [header, *data_lines])
        n_fields = len(data_lines[0].split()) if data_lines else len(raw_names)
    else:
        raw_names = [n.strip().strip('"') for n in header.rstrip("\r\n").split(delimiter)]
        normalise = False
        n_fields = len(data_lines[0].rstrip("\r\n").split(delimiter)) if data_lines else len(raw_names)
    names = list(raw_names)
    if n_fields == len(names) + 1:  # pandas index written without a header name
        names.insert(0, "")
    header_bytes = offset + len(header.encode("utf-8", errors="replace"))
    per_row = (sum(len(ln) for ln in data_lines) / len(data_lines)) if data_lines else 64.0
    return TextLayout(where, tuple(names), delimiter, normalise, n_comment + 1, header_bytes, per_row)


def _normalise(block: bytes) -> bytes:
    """Squeeze tabs and runs of blanks to single spaces and strip blanks at line ends (C-speed passes)."""
    block = block.replace(b"\t", b" ")
    while b"  " in block:
        block = block.replace(b"    ", b" ").replace(b"  ", b" ")
    block = block.replace(b"\n ", b"\n").replace(b" \n", b"\n").replace(b" \r\n", b"\r\n")
    return block[1:] if block.startswith(b" ") else block


def _unique_names(names: tuple[str, ...]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for i, n in enumerate(names):
        key = n if n else f"__index_{i}"
        if key in seen:
            seen[key] += 1
            key = f"{key}.{seen[key]}"
        else:
            seen[key] = 0
        out.append(key)
    return out


def parse_block(
    data: bytes | pa.Buffer | Path,
    layout: TextLayout,
    include: list[str] | None,
    *,
    first_line: int,
) -> pa.Table:
    """Parse data rows (no header) into an arrow table of the ``include`` source columns.

    ``data`` is a block of rows, or the path of a clean file (one header line, single-character delimiter) which
    is then parsed directly. ``first_line`` is the file line number of the first row, for error messages.
    """
    import polars as pl

    names = _unique_names(layout.names)
    source_to_unique = dict(zip(layout.names, names, strict=True))
    if include is None:
        include = layout.data_names
    wanted = [source_to_unique[c] for c in include]
    types = {u: t for u, t in _column_types(layout.names, names).items() if u in wanted}
    if isinstance(data, Path):
        source: Any = data
    else:
        raw = data.to_pybytes() if isinstance(data, pa.Buffer) else data
        if layout.normalise:
            raw = _normalise(raw)
        source = io.BytesIO(layout.delimiter.join(names).encode() + b"\n" + raw)
    try:
        df = pl.read_csv(
            source,
            separator=layout.delimiter,
            columns=wanted,
            schema_overrides=types,
            try_parse_dates=False,
        )
        df = _parse_times(df, layout, source_to_unique)
    except (pl.exceptions.PolarsError, ValueError) as err:
        bad = _malformed(data, layout, first_line)
        if bad is not None:
            raise bad from err
        msg = f"{layout.where}: rows from line {first_line} cannot be parsed ({str(err).splitlines()[0]})"
        raise MalformedRowError(msg) from err
    if any(df[c].null_count() for c in df.columns if c in types):
        bad = _malformed(data, layout, first_line)  # a short row shows up as missing values
        if bad is not None:
            raise bad
    table = df.rechunk().to_arrow(compat_level=pl.CompatLevel.oldest())  # contiguous: zero-copy from here on
    rename = {u: n for n, u in source_to_unique.items()}
    return table.rename_columns([rename[c] for c in table.column_names])


def _parse_times(df: Any, layout: TextLayout, source_to_unique: dict[str, str]) -> Any:
    """Date-time text columns (sample 3's ``datetime``) -> UTC datetime[ns]."""
    import polars as pl

    from kcdc_hep import schema

    for name, u in source_to_unique.items():
        if u in df.columns and schema.canonical_name(name) == "time" and df[u].dtype == pl.String:
            df = df.with_columns(pl.col(u).str.to_datetime(time_unit="ns", strict=True))
    return df


def _column_types(source: tuple[str, ...], unique: list[str]) -> dict[str, Any]:
    """Polars types for the columns the event model knows as numbers, so a stray word is an error, not a string."""
    import polars as pl

    from kcdc_hep import schema

    types: dict[str, Any] = {}
    for name, u in zip(source, unique, strict=True):
        canonical = schema.canonical_name(name)
        f = schema.FIELDS.get(canonical) if canonical else None
        if f is not None and f.dtype.startswith("float"):
            types[u] = pl.Float64
        elif (f is not None and f.dtype.startswith("int")) or name.strip().lower() in ("gt", "mt"):
            types[u] = pl.Int64
    return types


def _malformed(data: bytes | pa.Buffer | Path, layout: TextLayout, first_line: int) -> MalformedRowError | None:
    """Find the first row whose field count or numbers are wrong and say where it is (``None`` if all are fine)."""
    if isinstance(data, Path):
        raw = data.read_bytes()[layout.header_bytes :]
    else:
        raw = data.to_pybytes() if isinstance(data, pa.Buffer) else data
    n = len(layout.names)
    for i, line_bytes in enumerate(raw.splitlines()):
        line = line_bytes.decode("utf-8", errors="replace")
        if not line.strip():
            continue
        fields = line.split() if layout.delimiter == " " else line.split(layout.delimiter)
        problem = None
        if len(fields) != n:
            problem = f"{len(fields)} fields where the header has {n}"
        else:
            for name, value in zip(layout.names, fields, strict=True):
                if _looks_numeric_column(name) and value.strip() and not _is_number(value):
                    problem = f"{value!r} in column {name!r} is not a number"
                    break
        if problem is not None:
            shown = line if len(line) <= 120 else line[:117] + "..."
            msg = (
                f"{layout.where}:{first_line + i}: malformed row ({problem}): {shown!r}; "
                "fix or delete this line, or re-export the file"
            )
            return MalformedRowError(msg)
    return None


def _looks_numeric_column(name: str) -> bool:
    from kcdc_hep import schema

    canonical = schema.canonical_name(name)
    f = schema.FIELDS.get(canonical) if canonical else None
    return (f is not None and f.dtype.startswith(("float", "int"))) or name.strip().lower() in ("gt", "mt")


_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(nan|inf|infinity)$", re.IGNORECASE)


def _is_number(value: str) -> bool:
    return bool(_NUMBER.match(value.strip()))


def read_table(stream: IO[bytes], layout: TextLayout, include: list[str] | None) -> pa.Table:
    """Parse a whole text table from an open binary stream."""
    name = getattr(stream, "name", None)
    clean = layout.header_lines == 1 and not layout.normalise and "" not in layout.names
    clean = clean and len(set(layout.names)) == len(layout.names)
    data: bytes | Path
    if isinstance(name, str) and Path(name).is_file() and clean:
        data = Path(name)
        size = data.stat().st_size - layout.header_bytes
        empty = size <= 0 or (size < 4096 and not data.read_bytes()[layout.header_bytes :].strip())
    else:
        stream.seek(layout.header_bytes) if stream.seekable() else stream.read(layout.header_bytes)
        data = stream.read()
        empty = not data.strip()
    if empty:
        msg = f"{layout.where}: the file has a header but no events; export the data again or pick another file"
        raise EmptyFileError(msg)
    return parse_block(data, layout, include, first_line=layout.header_lines + 1)


def iter_blocks(stream: IO[bytes], layout: TextLayout, rows_per_block: int) -> Iterator[tuple[int, bytes]]:
    """Yield ``(first_line, bytes)`` blocks of about ``rows_per_block`` whole rows, keeping memory bounded."""
    stream.seek(layout.header_bytes) if stream.seekable() else stream.read(layout.header_bytes)
    block_bytes = max(1 << 16, int(rows_per_block * layout.bytes_per_row))
    carry = b""
    line = layout.header_lines + 1
    while True:
        chunk = stream.read(block_bytes)
        if not chunk:
            break
        chunk = carry + chunk
        cut = chunk.rfind(b"\n")
        if cut < 0:
            carry = chunk
            continue
        block, carry = chunk[: cut + 1], chunk[cut + 1 :]
        yield line, block
        line += block.count(b"\n")
    if carry.strip():
        yield line, carry


def open_path(path: Path) -> IO[bytes]:
    """Open a file for binary reading (buffered)."""
    return open(path, "rb")


def read_head(stream: IO[bytes]) -> bytes:
    """The first bytes of a stream, rewinding where possible."""
    head = stream.read(_SNIFF_BYTES)
    if stream.seekable():
        stream.seek(0)
    return head


def table_columns(table: pa.Table) -> dict[str, Any]:
    """An arrow table as a dict of its columns."""
    return {name: table.column(name) for name in table.column_names}
