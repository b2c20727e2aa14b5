#!/usr/bin/env python
"""Seeded mutation fuzzer of kcdc_hep's readers: every input format, mutated, read in worker processes.

    python tools/fuzz.py --n 100000 --seed 7            # the long campaign (2 workers, ~10 s and 2 GB per input)
    python tools/fuzz.py --n 2000 --seed 7 --formats text zip
    python tools/fuzz.py --seed 7 --reproduce 4711 --out bad.bin   # write input 4711 of that campaign to a file

Seed files of every format are written once by kcdc_hep itself (masterclass samples 1-3, a KCDC legacy table, a
KCDC component export zipped, our own CSV, KCDC ROOT with data arrays, flat ROOT, an RNTuple, Parquet, zips of
text and ROOT) plus hostile archives (zip bombs of blank lines and of rows, 200,000 entries, ``..`` and absolute
member names, a member shadowed by a local file, bad CRC, encrypted flag, a zip in a zip). Input ``i`` of a campaign
is a deterministic function of ``--seed`` and ``i``: one to three byte-, line-, field- or member-level mutations.

Each input is read with ``kcdc_hep.read`` and ``kcdc_hep.iterate`` in a worker process that is killed after
``--timeout`` seconds (a hang) or when its resident memory passes ``--max-mem-mb`` (over memory); a worker that dies
otherwise is a crash. Text inputs are also checked for silently wrong reads: under an unchanged header, every
unchanged line must give the same values as in the seed file. The summary line is

    N inputs, K non-KcdcError failures, H hangs, C crashes

followed by the peak memory (``resource.getrusage`` of the workers), read/iterate disagreements, wrong reads, the
outcome per format, and the top exception types with one reproducible example each.
"""

from __future__ import annotations

import argparse
import collections
import io
import multiprocessing as mp
import os
import random
import resource
import sys
import tempfile
import threading
import time
import traceback
import zipfile
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from pathlib import Path
from typing import Any

#: Outcomes shown with up to ten examples each (they are rare and each one matters).
_RARE = ("hang", "crash", "memory", "wrong", "disagree")
#: Exit code of a worker that stopped itself because its memory passed the limit.
_OVER_MEMORY = 86
_SEEDS_VERSION = "2"


@dataclass(frozen=True)
class Seed:
    """A valid (or deliberately hostile) input file and how to mutate it."""

    name: str
    kind: str  # "text", "binary", "zip", "hostile"
    data: bytes
    suffix: str
    member: str | None = None  # for zips: the data member a mutation rewrites


# ---------------------------------------------------------------------------------------------------- seeds
def build_seeds(folder: Path) -> list[Seed]:
    """Write (once) and load the seed files of every format into ``folder``."""
    marker = folder / f"seeds-v{_SEEDS_VERSION}.done"
    if not marker.exists():
        folder.mkdir(parents=True, exist_ok=True)
        _write_seed_files(folder)
        marker.write_text("ok\n")
    seeds = []
    for path in sorted(folder.iterdir()):
        if path.name.endswith(".done") or not path.is_file():
            continue
        name, _, suffix = path.name.partition(".")
        kind, _, label = name.partition("__")
        member = None
        if kind in ("zip", "hostile") and suffix == "zip" and label:
            with zipfile.ZipFile(path) as zf:
                names = [n for n in zf.namelist() if not n.endswith("/")]
            member = names[0] if names and kind == "zip" else None
        seeds.append(Seed(label or name, kind, path.read_bytes(), "." + suffix, member))
    return seeds


def _write_seed_files(folder: Path) -> None:
    import kcdc_hep
    from kcdc_hep.simulation.samples import generate

    work = folder / "generated"
    files = generate(work, events=120, seed=2940, progress=False, overwrite=True)
    for name in ("sample1", "sample2", "sample3"):
        (folder / f"text__{name}.{files[name].suffix[1:]}").write_bytes(files[name].read_bytes())
    with zipfile.ZipFile(files["events"]) as zf:
        events_root = zf.read(zf.namelist()[0])
    (folder / "binary__kcdc_events.root").write_bytes(events_root)
    (folder / "binary__simulation.root").write_bytes(files["simulation"].read_bytes())
    (folder / "zip__events_root.zip").write_bytes(files["events"].read_bytes())
    sim = kcdc_hep.read(files["sample2"], cache=False)
    kcdc_hep.write(sim, folder / "binary__flat.root", overwrite=True)
    kcdc_hep.write(sim, folder / "binary__parquet.parquet", overwrite=True)
    kcdc_hep.write(sim, folder / "text__ours.csv", overwrite=True)
    _write_rntuple(folder / "binary__rntuple.root", sim)
    legacy = kcdc_hep.read(files["events"])
    (folder / "text__legacy.txt").write_text(_legacy_table(legacy))
    (folder / "text__row_mapping.txt").write_text(_row_mapping(len(legacy)))
    components = _components(legacy)
    with zipfile.ZipFile(folder / "zip__kcdc_ascii.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for name, content in components.items():
            zf.writestr(f"export/{name}", content)
    with zipfile.ZipFile(folder / "zip__text.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("data/sample2_simulation.csv", files["sample2"].read_bytes())
    _write_hostile(folder, files["sample2"].read_bytes())
    import shutil

    shutil.rmtree(work)


def _legacy_table(events: Any) -> str:
    import awkward as ak
    import numpy as np

    ns = ak.to_numpy(events.time).astype("datetime64[ns]").astype(np.int64)
    cols = {
        "E": events.lgE, "YC": events.core_y, "XC": events.core_x, "ZE": events.zenith, "AZ": events.azimuth,
        "NE": events.lgNe, "NMU": events.lgNmu, "ESUMHAD": ak.fill_none(events.ehad, -1),
        "NHAD": ak.fill_none(events.nhad, -1), "T": events.temperature, "P": events.pressure,
        "GT": ns // 1_000_000_000, "MT": ns % 1_000_000_000, "R": events.run, "EV": events.event, "AGE": events.age,
    }  # fmt: skip
    arrays = {k: np.asarray(ak.to_numpy(v)) for k, v in cols.items()}
    lines = [" ".join(arrays)]
    for i in range(len(events)):
        lines.append(
            " ".join(f"{arrays[k][i]:.6g}" if arrays[k].dtype.kind == "f" else str(arrays[k][i]) for k in arrays)
        )
    return "\n".join(lines) + "\n"


def _row_mapping(n: int) -> str:
    rows = ["general array calorimeter"]
    array = calor = 0
    for i in range(n):
        a = array if i % 7 else -1
        c = calor if i % 3 == 0 else -1
        array += a >= 0
        calor += c >= 0
        rows.append(f"{i} {a} {c}")
    return "\n".join(rows) + "\n"


def _components(events: Any) -> dict[str, str]:
    import awkward as ak
    import numpy as np

    n = len(events)
    ns = ak.to_numpy(events.time).astype("datetime64[ns]").astype(np.int64)
    general = ["E Ze Az Gt Mt R Ev"] + [
        f"{events.lgE[i]:.6g} {events.zenith[i]:.6g} {events.azimuth[i]:.6g} {ns[i] // 10**9} {ns[i] % 10**9} "
        f"{events.run[i]} {events.event[i]}"
        for i in range(n)
    ]
    has_array = [i % 7 != 0 for i in range(n)]
    array = ["Ne Nmu Age Xc Yc"] + [
        f"{events.lgNe[i]:.6g} {events.lgNmu[i]:.6g} {events.age[i]:.6g} {events.core_x[i]:.6g} {events.core_y[i]:.6g}"
        for i in range(n)
        if has_array[i]
    ]
    mapping = ["general array"]
    k = 0
    for i in range(n):
        mapping.append(f"{i} {k if has_array[i] else -1}")
        k += has_array[i]
    return {
        "general.txt": "\n".join(general) + "\n",
        "array.txt": "\n".join(array) + "\n",
        "row_mapping.txt": "\n".join(mapping) + "\n",
        "Info.txt": "KCDC export (fuzz seed)\n",
    }


def _write_rntuple(path: Path, events: Any) -> None:
    import awkward as ak
    import uproot

    with uproot.recreate(path) as f:
        f["events"] = {name: ak.to_numpy(events[name]) for name in ("lgE", "lgNe", "lgNmu", "zenith")}


def _deflated(member: str, head: bytes, body: bytes, total: int) -> bytes:
    """A zip holding ``head`` then ``total`` bytes of ``body`` repeated, compressed as written (a zip bomb)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf, zf.open(member, "w") as fh:
        fh.write(head)
        block = body * max(1, (1 << 22) // len(body))
        written = 0
        while written < total:
            fh.write(block)
            written += len(block)
    return buffer.getvalue()


def _write_hostile(folder: Path, table: bytes) -> None:
    header, _, rows = table.partition(b"\n")
    hostile: dict[str, bytes] = {
        "bomb_blank": _deflated("blank.csv", header + b"\n", b"\n" * 4096, 1 << 30),
        "bomb_rows": _deflated("rows.csv", header + b"\n", rows[: rows.rfind(b"\n") + 1], 1 << 30),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for i in range(200_000):
            zf.writestr(f"e/{i}.txt", b"")
    hostile["many_entries"] = buffer.getvalue()
    for name, member in [("traversal", "../../outside.csv"), ("absolute", "/etc/outside.csv"), ("drive", "C:x.csv")]:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zf:
            zf.writestr(member, table)
        hostile[name] = buffer.getvalue()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("shadow.csv", table)  # the worker puts a different shadow.csv in its working directory
    hostile["shadowed_member"] = buffer.getvalue()
    raw = bytearray(hostile["shadowed_member"])
    at = raw.find(b"\n", raw.find(b"Particle")) + 5
    raw[at] ^= 0x01  # member data changed, CRC not
    hostile["bad_crc"] = bytes(raw)
    raw = bytearray(hostile["shadowed_member"])
    raw[6] |= 0x01  # "encrypted" flag in the local header
    raw[raw.find(b"PK\x01\x02") + 8] |= 0x01  # and in the central directory
    hostile["encrypted_flag"] = bytes(raw)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("inner.zip", hostile["traversal"])
    hostile["nested"] = buffer.getvalue()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("only/dirs/", b"")
    hostile["no_members"] = buffer.getvalue()
    for name, data in hostile.items():
        (folder / f"hostile__{name}.zip").write_bytes(data)
    (folder / "hostile__16_bytes.root").write_bytes(b"root\x00\x00\xf4\x2a\x00\x00\x00\x64\x00\x00\x00\x00")
    (folder / "hostile__wide.csv").write_bytes(
        b",".join(b"c%d" % i for i in range(6250)) + b"\n" + b",".join([b"1"] * 6250) + b"\n"
    )
    (folder / "hostile__digits.csv").write_bytes(header + b"\n" + b"1" * 40_000 + b"x\n")
    (folder / "hostile__no_line_ends.txt").write_bytes(b"E Ne Nmu Ze\n" + b"14.1 " * 2_000_000)


# ---------------------------------------------------------------------------------------------------- mutations
_INTERESTING = [b"\x00", b"\xff", b"\x7f\xff\xff\xff", b"\x80\x00\x00\x00", b"\xff" * 8, b"\x00" * 8, b"\x01",
                b"\xfe\xff\xff\xff", b"\x00\x00\x00\x10"]  # fmt: skip
_TEXT_BITS = [b",", b";", b" ", b"\t", b"\n", b"\r\n", b"\x00", b'"', b"#", b"-", b".", b"e", b"x", b"nan", b"inf",
              b"\xef\xbb\xbf", b"\xff\xfe", b"3e9", b"1" * 64, b"-1", b"0", b"9" * 25]  # fmt: skip


def mutate(seed: Seed, rng: random.Random, seeds: list[Seed]) -> tuple[str, bytes]:
    """One to three mutations of ``seed``: ``(description, bytes)``."""
    if seed.kind == "text":
        ops = [rng.choice([*_TEXT_OPS, "bytes"]) for _ in range(rng.choice((1, 1, 2, 3)))]
    else:
        ops = [
            "member" if seed.kind == "zip" and rng.random() < 0.6 else "bytes" for _ in range(rng.choice((1, 1, 2, 3)))
        ]
    ops.sort(key=lambda op: _LAST.index(op) if op in _LAST else -1)  # line edits first: they find the header on line 1
    data = seed.data
    done = []
    for op in ops:
        if op == "bytes":
            op, data = _mutate_bytes(data, rng, seeds)
        elif op == "member":
            op, data = _mutate_member(seed, data, rng, seeds)
        else:
            data = _TEXT_MUTATORS[op](data, rng)
        done.append(op)
    return "+".join(done), data


def _pos(data: bytes, rng: random.Random) -> int:
    if len(data) > 512 and rng.random() < 0.4:  # headers and trailers matter most in binary formats
        return rng.choice([rng.randrange(min(256, len(data))), len(data) - 1 - rng.randrange(min(1024, len(data)))])
    return rng.randrange(len(data) + 1)


def _mutate_bytes(data: bytes, rng: random.Random, seeds: list[Seed]) -> tuple[str, bytes]:
    op = rng.choice(["flip", "overwrite", "insert", "delete", "truncate", "duplicate", "splice", "tiny"])
    at = _pos(data, rng)
    if op == "flip" and data:
        out = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            i = _pos(data, rng) % len(data)
            out[i] ^= 1 << rng.randrange(8)
        return op, bytes(out)
    if op == "overwrite":
        value = rng.choice(_INTERESTING) if rng.random() < 0.6 else rng.randbytes(rng.randint(1, 8))
        return op, data[:at] + value + data[at + len(value) :]
    if op == "insert":
        return op, data[:at] + (
            rng.choice(_TEXT_BITS) if rng.random() < 0.5 else rng.randbytes(rng.randint(1, 16))
        ) + data[at:]
    if op == "delete":
        return op, data[:at] + data[at + rng.randint(1, 64) :]
    if op == "truncate":
        return op, data[:at]
    if op == "duplicate":
        span = data[at : at + rng.randint(1, 256)]
        return op, data[:at] + span + data[at:]
    if op == "splice":
        other = rng.choice(seeds).data
        cut = rng.randrange(len(other) + 1)
        return op, data[:at] + other[cut : cut + rng.randint(1, 4096)]
    return op, data[: rng.choice([4, 8, 16, 32, 64])]


def _mutate_member(seed: Seed, data: bytes, rng: random.Random, seeds: list[Seed]) -> tuple[str, bytes]:
    """Rewrite one member of a zip with mutated content (the container stays valid)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            members = {i.filename: zf.read(i) for i in zf.infolist()}
    except Exception:  # the container was damaged by an earlier mutation
        return _mutate_bytes(data, rng, seeds)
    files = [n for n in members if not n.endswith("/")]
    if not files:
        return _mutate_bytes(data, rng, seeds)
    name = rng.choice(files)
    content = members[name]
    if name.endswith((".txt", ".csv")):
        op = rng.choice(_TEXT_OPS)
        content = _TEXT_MUTATORS[op](content, rng)
    else:
        op, content = _mutate_bytes(content, rng, seeds)
    members[name] = content
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, c in members.items():
            zf.writestr(n, c)
    return f"member[{name.rsplit('/', 1)[-1]}]:{op}", buffer.getvalue()


#: Mutations that keep every value: a table still accepted after them must read exactly as its seed.
_KEEPS_VALUES = {"trailing-delimiter", "blank-lines", "bom", "crlf", "comment-lines", "quote-fields", "index-field",
                 "extra-field"}  # fmt: skip
#: Mutations that only drop, repeat or reorder whole rows: every event read must be one of the seed's events.
_KEEPS_ROWS = {"dup-lines", "swap-lines", "delete-lines"}


def expectation(seed: Seed, op: str) -> str:
    """What a text input mutated by ``op`` must read as if accepted: "exact", "rows" or "lines" (unchanged lines)."""
    ops = set(op.split("+"))
    whitespace = _delimiter(seed.data) == b" "
    keeps = _KEEPS_VALUES | ({"tabs"} if whitespace else set())
    if ops <= keeps:
        return "exact"
    if ops <= keeps | _KEEPS_ROWS:
        return "rows"
    return "lines"


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def _delimiter(data: bytes) -> bytes:
    head = data.split(b"\n", 1)[0]
    return b"," if b"," in head else b";" if b";" in head else b" "


def _on_rows(data: bytes, rng: random.Random, edit: Any, share: float = 0.3) -> bytes:
    lines = _lines(data)
    for i in range(1, len(lines)):
        if lines[i] and rng.random() < share:
            lines[i] = edit(lines[i])
    return b"\n".join(lines)


def _field_edit(data: bytes, rng: random.Random, value: Any) -> bytes:
    d = _delimiter(data)
    names = [n for n in data.split(b"\n", 1)[0].split(d) if n]
    col = rng.randrange(max(len(names), 1))

    def edit(line: bytes) -> bytes:
        fields = line.split(d)
        if col < len(fields):
            fields[col] = value(fields[col])
        return d.join(fields)

    return _on_rows(data, rng, edit)


def _linear(field: bytes) -> bytes:
    try:
        return b"%.6g" % (10 ** float(field))
    except (ValueError, OverflowError):
        return field


_TEXT_MUTATORS: dict[str, Any] = {
    "trailing-delimiter": lambda d, r: _on_rows(d, r, lambda ln: ln + _delimiter(d), share=r.choice([0.3, 1.0])),
    "extra-field": lambda d, r: _on_rows(d, r, lambda ln: ln + _delimiter(d) + b"7", share=r.choice([0.3, 1.0])),
    "index-field": lambda d, r: b"\n".join(
        [ln if i == 0 else b"%d" % (i - 1 + r.choice([0, 0, 1])) + _delimiter(d) + ln for i, ln in enumerate(_lines(d))]
    ),
    "drop-field": lambda d, r: _on_rows(d, r, lambda ln: ln.rsplit(_delimiter(d), 1)[0]),
    "blank-lines": lambda d, r: _on_rows(d, r, lambda ln: r.choice([b"\n", b"  \n", b"\r\n", b"\t\n"]) + ln, 0.2),
    "dup-name": lambda d, r: _header_edit(d, r, "dup"),
    "alias-name": lambda d, r: _header_edit(d, r, "alias"),
    "case-name": lambda d, r: _header_edit(d, r, "case"),
    "linear": lambda d, r: _field_edit(d, r, _linear),
    "big-int": lambda d, r: _field_edit(d, r, lambda f: r.choice([b"3000000000", b"1" + b"0" * 20, b"9" * 40, b"-5"])),
    "non-integer": lambda d, r: _field_edit(d, r, lambda f: r.choice([b"1.5", b"3e9", b"0.5", b"nan", b"inf"])),
    "word": lambda d, r: _field_edit(d, r, lambda f: r.choice([b"abc", b"", b"NA", b"--", b'"1"', b"1,5"])),
    "long-number": lambda d, r: _field_edit(d, r, lambda f: b"1" * r.choice([400, 40_000]) + r.choice([b"", b"x"])),
    "bom": lambda d, r: b"\xef\xbb\xbf" + d,
    "crlf": lambda d, r: d.replace(b"\n", b"\r\n"),
    "tabs": lambda d, r: d.replace(b" ", r.choice([b"\t", b"  ", b" \t "])),
    "nul": lambda d, r: _insert(d, r, b"\x00"),
    "invalid-utf8": lambda d, r: _insert(d, r, r.choice([b"\xff", b"\xc3", b"\xed\xa0\x80"])),
    "utf16": lambda d, r: d.decode("utf-8", "replace").encode("utf-16"),
    "no-line-ends": lambda d, r: d.split(b"\n", 1)[0] + b"\n" + d.split(b"\n", 1)[-1].replace(b"\n", b" "),
    "comment-lines": lambda d, r: r.choice([b"# KCDC export\n", b"#\n\n"]) * r.randint(1, 3) + d,
    "swap-lines": lambda d, r: _shuffle(d, r),
    "dup-lines": lambda d, r: _on_rows(d, r, lambda ln: ln + b"\n" + ln, 0.1),
    "delete-lines": lambda d, r: b"\n".join(ln for i, ln in enumerate(_lines(d)) if i == 0 or r.random() > 0.1),
    "quote-fields": lambda d, r: _on_rows(d, r, lambda ln: b",".join(b'"' + f + b'"' for f in ln.split(b","))),
    "many-columns": lambda d, r: b",".join(b"c%d" % i for i in range(r.choice([1001, 6250]))) + b"\n" + d,
}
_TEXT_OPS = sorted(_TEXT_MUTATORS)
#: Whole-file edits, applied after the line edits (in this order).
_LAST = ["bytes", "tabs", "crlf", "utf16", "comment-lines", "bom"]


def _insert(data: bytes, rng: random.Random, value: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + value + data[at:]


def _shuffle(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    rows = lines[1:]
    rng.shuffle(rows)
    return b"\n".join([lines[0], *rows])


def _header_edit(data: bytes, rng: random.Random, how: str) -> bytes:
    from kcdc_hep import schema

    d = _delimiter(data)
    head, sep, rest = data.partition(b"\n")
    names = head.split(d)
    if len(names) < 2:
        return data
    i, j = rng.sample(range(len(names)), 2)
    if how == "dup":
        names[j] = names[i]
    elif how == "case":
        names[j] = names[i].swapcase()
    else:
        field = schema.canonical_name(names[i].decode("utf-8", "replace").strip('" \ufeff'))
        aliases = schema.FIELDS[field].aliases if field is not None and field in schema.FIELDS else ()
        names[j] = rng.choice(aliases).encode() if aliases else names[i]
    return d.join(names) + sep + rest


# ---------------------------------------------------------------------------------------------------- the worker
def _worker(conn: Connection, max_mem_mb: int, cwd: str) -> None:
    """Read inputs sent by the parent; answer ``(outcome, detail, seconds, peak_mb)`` for each."""
    import warnings

    warnings.simplefilter("ignore")
    os.chdir(cwd)
    Path(cwd, "shadow.csv").write_text("lgE,X\n15.5,1\n")  # a local file named like a zip member
    os.environ["KCDC_HEP_CACHE_DIR"] = str(Path(cwd) / "cache")
    peak = [0.0]
    page = os.sysconf("SC_PAGE_SIZE")

    def watch() -> None:
        while True:
            with open("/proc/self/statm") as fh:
                rss = int(fh.read().split()[1]) * page / 2**20
            peak[0] = max(peak[0], rss)
            if rss > max_mem_mb:
                os._exit(_OVER_MEMORY)
            time.sleep(0.02)

    threading.Thread(target=watch, daemon=True).start()
    import kcdc_hep

    originals: dict[str, Any] = {}
    while True:
        try:
            job = conn.recv()
        except EOFError:
            return
        index, suffix, data, seed_name, check = job
        peak[0] = 0.0
        start = time.perf_counter()
        outcome, detail = _read_one(kcdc_hep, Path(cwd), index, suffix, data, seed_name, check, originals)
        conn.send((outcome, detail, time.perf_counter() - start, peak[0]))


def _read_one(
    kcdc_hep: Any, cwd: Path, index: int, suffix: str, data: bytes, seed_name: str,
    check: tuple[bytes, str] | None, originals: dict[str, Any],
) -> tuple[str, str]:  # fmt: skip
    from kcdc_hep.errors import KcdcError

    path = cwd / f"input{suffix}"
    path.write_bytes(data)
    try:
        whole = kcdc_hep.read(path, cache=False)
        chunks = list(kcdc_hep.iterate(path, step_size=37))
    except KcdcError as err:
        return "kcdc", f"{type(err).__name__}: {str(err)[:160]}"
    except BaseException as err:  # what this tool is for: anything but a KcdcError
        where = traceback.extract_tb(err.__traceback__)[-1]
        return (
            "foreign",
            f"{type(err).__module__}.{type(err).__name__}: {str(err)[:160]} [{where.filename}:{where.lineno}]",
        )
    import awkward as ak

    rows = ak.to_list(whole)
    streamed = [r for c in chunks for r in ak.to_list(c)]
    if _plain(rows) != _plain(streamed):
        return "disagree", f"read {len(rows)} events, iterate {len(streamed)} (or other values)"
    if check is not None:
        wrong = _wrong_read(kcdc_hep, cwd, rows, data, seed_name, check, suffix, originals)
        if wrong:
            return "wrong", wrong
    return "ok", f"{len(rows)} events"


def _plain(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows with the same fields (absent = None) and NaN comparable, also inside per-station lists."""
    names = sorted({k for r in rows for k in r})
    return [{k: _comparable(r.get(k)) for k in names} for r in rows]


def _comparable(value: Any) -> Any:
    if isinstance(value, float) and value != value:
        return "nan"
    if isinstance(value, list):
        return [_comparable(v) for v in value]
    return value


def _wrong_read(
    kcdc_hep: Any, cwd: Path, rows: list[dict[str, Any]], data: bytes, seed_name: str, check: tuple[bytes, str],
    suffix: str, originals: dict[str, Any],
) -> str | None:  # fmt: skip
    """Compare an accepted text input with its seed: all values, the rows, or each unchanged line (nothing shifted)."""
    from kcdc_hep import schema

    seed_data, expect = check
    if seed_name not in originals:
        original = cwd / f"seed{suffix}"
        original.write_bytes(seed_data)
        originals[seed_name] = _plain(kcdc_hep.read(original, cache=False).to_list())
    seed_rows = originals[seed_name]
    got = _plain(rows)
    if expect == "exact":
        return None if got == seed_rows else f"a value-keeping mutation changed the events ({len(got)} events)"
    if expect == "rows":
        known = {repr(r) for r in seed_rows}
        extra = [r for r in got if repr(r) not in known]
        return f"an event that is in no row of the seed: {extra[0]}" if extra else None
    head_before, before = _data_lines(seed_data)
    head_after, after = _data_lines(data)
    if head_after != head_before:
        return None
    if len(after) != len(rows):
        return f"{len(rows)} events from {len(after)} non-blank lines"
    by_line = dict(zip(before, seed_rows, strict=False))
    for line, event in zip(after, got, strict=True):
        same = by_line.get(line)
        if same is None:
            continue
        for k, v in event.items():
            if k in schema.FIELDS and k in same and v != same[k]:
                return f"line {line[:60]!r}: {k} = {v!r}, in the seed {same[k]!r}"
    return None


def _data_lines(data: bytes) -> tuple[bytes, list[bytes]]:
    lines = [ln.rstrip(b"\r") for ln in data.removeprefix(b"\xef\xbb\xbf").split(b"\n")]
    h = next((i for i, ln in enumerate(lines) if ln.strip(b" \t\r") and not ln.strip(b" \t\r").startswith(b"#")), 0)
    return lines[h], [ln for ln in lines[h + 1 :] if ln.strip(b" \t\r")]


# ---------------------------------------------------------------------------------------------------- the runner
class _Worker:
    def __init__(self, ctx: Any, max_mem_mb: int) -> None:
        self.cwd = tempfile.mkdtemp(prefix="kcdc-fuzz-")
        self.conn, child = ctx.Pipe()
        self.process = ctx.Process(target=_worker, args=(child, max_mem_mb, self.cwd), daemon=True)
        self.process.start()
        child.close()
        self.job: tuple[int, float] | None = None  # (input index, deadline)
        self.done = 0

    def stop(self) -> None:
        if self.process.is_alive():
            self.process.kill()
        self.process.join()
        self.conn.close()
        import shutil

        shutil.rmtree(self.cwd, ignore_errors=True)


def campaign_input(i: int, seed: int, seeds: list[Seed]) -> tuple[Seed, str, bytes]:
    """Input ``i`` of the campaign ``seed``: the hostile files first (as they are), then mutations."""
    hostile = [s for s in seeds if s.kind == "hostile"]
    if i < len(hostile):
        return hostile[i], "as-is", hostile[i].data
    rng = random.Random(f"{seed}:{i}")
    pool = [s for s in seeds if s.kind != "hostile"]
    chosen = rng.choice(pool)
    op, data = mutate(chosen, rng, pool)
    return chosen, op, data


def run(args: argparse.Namespace, seeds: list[Seed]) -> dict[str, Any]:
    ctx = mp.get_context("spawn")
    workers = [_Worker(ctx, args.max_mem_mb) for _ in range(args.jobs)]
    stats: dict[str, Any] = {
        "counts": collections.Counter(), "by_format": collections.defaultdict(collections.Counter),
        "examples": {}, "types": collections.Counter(), "slowest": (0.0, -1, ""), "peak_input": (0.0, -1, ""),
    }  # fmt: skip
    todo = iter(range(args.n))
    pending: dict[int, tuple[Seed, str]] = {}
    started = time.perf_counter()
    exhausted = False
    while True:
        for w in workers:
            if w.job is None and not exhausted:
                i = next(todo, None)
                if i is None:
                    exhausted = True
                    break
                seed, op, data = campaign_input(i, args.seed, seeds)
                check = (seed.data, expectation(seed, op)) if seed.kind == "text" else None
                w.conn.send((i, seed.suffix, data, seed.name, check))
                w.job = (i, time.perf_counter() + args.timeout)
                pending[i] = (seed, op)
        busy = [w for w in workers if w.job is not None]
        if not busy:
            break
        timeout = max(0.0, min(w.job[1] for w in busy if w.job) - time.perf_counter())
        ready = wait([w.conn for w in busy] + [w.process.sentinel for w in busy], timeout=timeout)
        for k, w in enumerate(workers):
            if w.job is None:
                continue
            i, deadline = w.job
            result = None
            if w.conn in ready:
                try:
                    result = w.conn.recv()
                except (EOFError, OSError):
                    result = None
            if result is None and w.process.sentinel not in ready and time.perf_counter() < deadline:
                continue
            seed, op = pending.pop(i)
            if result is not None:
                outcome, detail, seconds, peak = result
                w.done += 1
            else:
                w.process.join(timeout=1)
                code = w.process.exitcode
                if code is None:  # still running past its deadline
                    outcome, detail, seconds, peak = "hang", f"over {args.timeout:g} s", args.timeout, 0.0
                elif code == _OVER_MEMORY:
                    outcome, detail, seconds, peak = "memory", f"over {args.max_mem_mb} MB", 0.0, args.max_mem_mb
                else:
                    outcome, detail, seconds, peak = "crash", f"worker exit code {code}", 0.0, 0.0
            _record(stats, i, seed, op, outcome, detail, seconds, peak)
            w.job = None
            if result is None or w.done >= args.recycle:
                w.stop()
                workers[k] = _Worker(ctx, args.max_mem_mb)
        done = sum(stats["counts"].values())
        if args.progress and done and done % args.progress == 0:
            rate = done / (time.perf_counter() - started)
            print(f"  {done} inputs ({rate:.0f}/s): {dict(stats['counts'])}", file=sys.stderr, flush=True)
    for w in workers:
        w.stop()
    stats["seconds"] = time.perf_counter() - started
    stats["peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return stats


def _record(
    stats: dict[str, Any], i: int, seed: Seed, op: str, outcome: str, detail: str, secs: float, peak: float
) -> None:
    stats["counts"][outcome] += 1
    stats["by_format"][f"{seed.kind}:{seed.name}"][outcome] += 1
    if secs > stats["slowest"][0]:
        stats["slowest"] = (secs, i, f"{seed.name} {op}")
    if peak > stats["peak_input"][0]:
        stats["peak_input"] = (peak, i, f"{seed.name} {op}")
    if outcome not in ("ok", "kcdc"):
        detail = " | ".join(detail.split("\n"))
        key = outcome if outcome != "foreign" else detail.split(":", 1)[0]
        stats["types"][key] += 1
        stats["examples"].setdefault(key, []).append((i, f"{seed.kind}:{seed.name}", op, detail))


def report(stats: dict[str, Any], args: argparse.Namespace) -> str:
    c = stats["counts"]
    n = sum(c.values())
    lines = [
        f"{n} inputs, {c['foreign'] + c['memory']} non-KcdcError failures, {c['hang']} hangs, {c['crash']} crashes",
        f"peak memory {stats['peak_mb']:.0f} MB (largest worker, getrusage); per input at most "
        f"{stats['peak_input'][0]:.0f} MB (#{stats['peak_input'][1]} {stats['peak_input'][2]}); "
        f"{c['memory']} over {args.max_mem_mb} MB",
        f"slowest input {stats['slowest'][0]:.2f} s (#{stats['slowest'][1]} {stats['slowest'][2]}); "
        f"{c['disagree']} read/iterate disagreements, {c['wrong']} silently wrong reads; "
        f"{c['ok']} read, {c['kcdc']} refused with a KcdcError; {stats['seconds']:.0f} s with {args.jobs} workers",
        "by seed (ok / KcdcError / other):",
    ]
    for name, counts in sorted(stats["by_format"].items()):
        other = {k: v for k, v in counts.items() if k not in ("ok", "kcdc")}
        lines.append(f"  {name:28s} {counts['ok']:6d} / {counts['kcdc']:6d} / {other or 0}")
    if stats["types"]:
        lines.append("failures by type (examples; reproduce one with --reproduce I --out FILE):")
        for key, count in stats["types"].most_common():
            shown = args.examples if key not in _RARE else max(args.examples, 10)
            for k, (i, fmt, op, detail) in enumerate(stats["examples"][key][:shown]):
                lines.append(f"  {count if k == 0 else '':>6}  {key}  e.g. #{i} {fmt} {op}: {detail}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--n", type=int, default=20_000, help="inputs to try (default 20000)")
    parser.add_argument("--seed", type=int, default=1, help="campaign seed: the same seed tries the same inputs")
    parser.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per input before it is a hang")
    parser.add_argument("--max-mem-mb", type=int, default=2048, help="resident memory per worker (default 2048)")
    parser.add_argument("--recycle", type=int, default=2000, help="restart a worker after this many inputs")
    parser.add_argument("--formats", nargs="*", help="seed kinds or names to use (text, binary, zip, hostile, ...)")
    parser.add_argument("--seeds", type=Path, default=Path(tempfile.gettempdir()) / "kcdc_hep-fuzz-seeds")
    parser.add_argument("--progress", type=int, default=1000, help="print progress every N inputs (0: never)")
    parser.add_argument("--examples", type=int, default=1, help="examples shown per failure type (default 1)")
    parser.add_argument("--reproduce", type=int, help="write input I of the campaign to --out and stop")
    parser.add_argument("--out", type=Path, help="file for --reproduce")
    args = parser.parse_args(argv)
    seeds = build_seeds(args.seeds)
    if args.formats:
        seeds = [s for s in seeds if s.kind in args.formats or s.name in args.formats]
    if args.reproduce is not None:
        seed, op, data = campaign_input(args.reproduce, args.seed, seeds)
        out = args.out or Path(f"fuzz-{args.seed}-{args.reproduce}{seed.suffix}")
        out.write_bytes(data)
        print(f"{out}: input #{args.reproduce} = {seed.kind}:{seed.name} {op} ({len(data)} bytes)")
        return 0
    stats = run(args, seeds)
    print(report(stats, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
