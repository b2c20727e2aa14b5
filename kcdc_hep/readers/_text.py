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
import pyarrow.csv as pacsv

from kcdc_hep.errors import EmptyFileError, MalformedRowError
from kcdc_hep.readers._model import INDEX_NAMES

#: Bytes looked at to detect the layout.
_SNIFF_BYTES = 1 << 16
_WS_RUN = re.compile(rb"[ \t]+")
_LEADING = re.compile(rb"(?m)^ ")
_TRAILING = re.compile(rb" (?=\r?$)", re.MULTILINE)


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
    block = _WS_RUN.sub(b" ", block)
    block = _LEADING.sub(b"", block)
    return _TRAILING.sub(b"", block)


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
    data: bytes | pa.Buffer,
    layout: TextLayout,
    include: list[str] | None,
    *,
    first_line: int,
    use_threads: bool = True,
) -> pa.Table:
    """Parse one block of data rows (no header) into an arrow table of the ``include`` source columns.

    ``first_line`` is the file line number of the block's first row, for error messages.
    """
    names = _unique_names(layout.names)
    source_to_unique = dict(zip(layout.names, names, strict=True))
    include_unique = [source_to_unique[c] for c in include] if include is not None else None
    if include_unique is None:
        include_unique = [u for n, u in zip(layout.names, names, strict=True) if n.strip().lower() not in INDEX_NAMES]
    if layout.normalise:
        data = _normalise(data.to_pybytes() if isinstance(data, pa.Buffer) else data)
    try:
        table = pacsv.read_csv(
            io.BytesIO(data) if not isinstance(data, pa.Buffer) else pa.BufferReader(data),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=use_threads, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=layout.delimiter, ignore_empty_lines=True),
            convert_options=pacsv.ConvertOptions(
                include_columns=include_unique,
                column_types=_column_types(layout.names, names),
                strings_can_be_null=False,
            ),
        )
    except pa.ArrowInvalid as err:
        raise _malformed(data, layout, first_line, str(err)) from err
    except pa.ArrowException as err:  # pragma: no cover - unexpected arrow failure
        raise _malformed(data, layout, first_line, str(err)) from err
    rename = {u: n for n, u in source_to_unique.items()}
    return table.rename_columns([rename[c] for c in table.column_names])


def _column_types(source: tuple[str, ...], unique: list[str]) -> dict[str, pa.DataType]:
    """Arrow types for the columns the event model knows as numbers, so a stray word is an error, not a string."""
    from kcdc_hep import schema

    types: dict[str, pa.DataType] = {}
    for name, u in zip(source, unique, strict=True):
        canonical = schema.canonical_name(name)
        f = schema.FIELDS.get(canonical) if canonical else None
        if f is not None and f.dtype.startswith("float"):
            types[u] = pa.float64()
        elif f is not None and f.dtype.startswith("int") or name.strip().lower() in ("gt", "mt"):
            types[u] = pa.int64()
    return types


def _malformed(data: bytes | pa.Buffer, layout: TextLayout, first_line: int, reason: str) -> MalformedRowError:
    """Find the first row of ``data`` whose field count or numbers are wrong and say where it is."""
    if isinstance(data, pa.Buffer):
        data = data.to_pybytes()
    n = len(layout.names)
    for i, raw in enumerate(data.splitlines()):
        line = raw.decode("utf-8", errors="replace")
        if not line.strip():
            continue
        fields = line.split() if layout.delimiter == " " else line.split(layout.delimiter)
        problem = None
        if len(fields) != n:
            problem = f"{len(fields)} fields where the header has {n}"
        else:
            for name, value in zip(layout.names, fields, strict=True):
                if _looks_numeric_column(name) and not _is_number(value):
                    problem = f"{value!r} in column {name!r} is not a number"
                    break
        if problem is not None:
            shown = line if len(line) <= 120 else line[:117] + "..."
            msg = (
                f"{layout.where}:{first_line + i}: malformed row ({problem}): {shown!r}; "
                "fix or delete this line, or re-export the file"
            )
            return MalformedRowError(msg)
    detail = reason.splitlines()[0] if reason else "unknown parse error"
    msg = f"{layout.where}: rows from line {first_line} cannot be parsed ({detail}); check the file's format"
    return MalformedRowError(msg)


def _looks_numeric_column(name: str) -> bool:
    return name.strip().lower() not in {"particle", "datetime", "date_time", "primary", "prim", "ymd", "hms"}


_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?(nan|inf|infinity)$", re.IGNORECASE)


def _is_number(value: str) -> bool:
    return bool(_NUMBER.match(value.strip()))


def read_table(stream: IO[bytes], layout: TextLayout, include: list[str] | None) -> pa.Table:
    """Parse a whole text table from an open binary stream positioned at the start of the file."""
    name = getattr(stream, "name", None)
    data: bytes | pa.Buffer
    if isinstance(name, str) and Path(name).is_file() and not layout.normalise:
        data = pa.memory_map(name).read_buffer().slice(layout.header_bytes)  # zero-copy
        empty = data.size == 0 or (not data.to_pybytes()[:4096].strip() and data.size < 4096)
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
