"""The command line as a user meets it: run as a subprocess; every error one line on stderr and exit status 1."""

from __future__ import annotations

import io
import struct
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import kcdc_hep
from kcdc_hep.simulation import simulate

SAMPLE2 = (
    "Particle,lgE,X,Y,CoreDist,Ze,Az,lgNe,lgNmu\n"
    "co,14.1173,59.4186,-39.3912,71.2898,17.5974,63.7923,3.53951,3.26399\n"
    "fe,14.5,1.0,2.0,2.23607,10.0,20.0,3.9,3.6\n"
)


def kcdc(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kcdc_hep", *args], capture_output=True, text=True, cwd=cwd, timeout=300
    )


def test_info_names_format_fields_units_and_kind(tmp_path: Path) -> None:
    (tmp_path / "sim.csv").write_text(SAMPLE2)
    out = kcdc("info", "sim.csv", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "format:  text" in out.stdout and "events:  2" in out.stdout
    assert "simulation" in out.stdout
    assert "lgNe" in out.stdout and "[log10(number of electrons)]" in out.stdout
    assert "categories: C 1, Fe 1" in out.stdout or "categories: Fe 1, C 1" in out.stdout


def test_convert_then_refuse_to_overwrite(tmp_path: Path) -> None:
    (tmp_path / "sim.csv").write_text(SAMPLE2)
    first = kcdc("convert", "sim.csv", "sim.root", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    again = kcdc("convert", "sim.csv", "sim.root", cwd=tmp_path)
    assert again.returncode == 1
    assert again.stderr.strip().count("\n") == 0 and "--overwrite" in again.stderr
    assert "Traceback" not in again.stderr
    info = kcdc("info", "sim.root", cwd=tmp_path)
    assert "KCDC (TTree, 2 entries)" in info.stdout


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "no such file"),
        ("", "empty"),
        ("E Ne Nmu Ze\n14.1 4.0\n", "malformed row"),
    ],
    ids=["missing", "empty", "malformed"],
)
def test_errors_are_one_line_without_traceback(tmp_path: Path, content: str | None, message: str) -> None:
    if content is not None:
        (tmp_path / "input.txt").write_text(content)
    out = kcdc("info", "input.txt", cwd=tmp_path)
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kcdc-hep: error:") and message in lines[0]


def test_no_command_prints_help_and_one_error_line(tmp_path: Path) -> None:
    out = kcdc(cwd=tmp_path)
    assert out.returncode == 1 and "masterclass" in out.stdout
    assert out.stderr.splitlines() == ["kcdc-hep: error: no command given; choose one of those listed above"]


@pytest.mark.parametrize("args", [("--help",), ("--version",), ("compare", "--help")])
def test_help_and_version_succeed(tmp_path: Path, args: tuple[str, ...]) -> None:
    out = kcdc(*args, cwd=tmp_path)
    assert out.returncode == 0 and out.stderr == "" and out.stdout


def _zip_bytes(members: dict[str, bytes], method: int = zipfile.ZIP_STORED) -> bytearray:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=method) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return bytearray(buffer.getvalue())


def _hostile_zips(folder: Path) -> None:
    """Encrypted, bad-CRC, bomb, too many entries, unsafe member, zip in a zip, a zip without a ROOT member."""
    data = SAMPLE2.encode()
    encrypted = _zip_bytes({"sim.csv": data})
    encrypted[6] |= 1  # the encryption flag, in the local header and the central directory
    encrypted[encrypted.rfind(b"PK\x01\x02") + 8] |= 1
    (folder / "encrypted.zip").write_bytes(encrypted)
    bad_crc = _zip_bytes({"sim.csv": data})
    at = bad_crc.index(b"14.1173")
    bad_crc[at + 3] = ord("9")
    (folder / "badcrc.zip").write_bytes(bad_crc)
    (folder / "bomb.zip").write_bytes(_zip_bytes({"blank.csv": b"E Ne\n" + b"\n" * (64 << 20)}, zipfile.ZIP_DEFLATED))
    many = _zip_bytes({"sim.csv": data})
    end = many.rfind(b"PK\x05\x06")
    many[end + 8 : end + 12] = struct.pack("<HH", 0xFFFF, 0xFFFF)  # the end record claims 65535 entries
    (folder / "many.zip").write_bytes(many)
    (folder / "evil.zip").write_bytes(_zip_bytes({"../evil.csv": data}))
    (folder / "nested.zip").write_bytes(_zip_bytes({"inner.zip": bytes(_zip_bytes({"sim.csv": data}))}))
    (folder / "table.zip").write_bytes(_zip_bytes({"sim.csv": data}))


def _damaged_binaries(folder: Path) -> None:
    """A KCDC events.root and its damaged copies; damaged Parquet and HDF5; random bytes."""
    events = simulate(200, seed=3, kind="data", stations=True, calorimeter=True)
    good = kcdc_hep.write(events, folder / "events.root", step_size=50).read_bytes()
    (folder / "trunc.root").write_bytes(good[: len(good) // 2])
    (folder / "tiny.root").write_bytes(good[:16])
    block = good.index(b"ZS\x01", len(good) // 3) + 13  # inside a compressed block (after its header, the zstd magic)
    (folder / "damaged.root").write_bytes(good[:block] + b"\xff" * 64 + good[block + 64 :])
    parquet = kcdc_hep.write(events[["lgE", "lgNe"]], folder / "good.parquet").read_bytes()
    (folder / "bad.parquet").write_bytes(parquet[:-40])
    hdf5 = kcdc_hep.write(events, folder / "good.h5").read_bytes()
    (folder / "bad.h5").write_bytes(hdf5[: len(hdf5) // 2])
    (folder / "binary.bin").write_bytes(bytes(range(256)) * 8)


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder with a small simulation table, an empty file, a non-ROOT '.root' file, a histogram file, hostile
    zips and damaged ROOT, Parquet and HDF5 files."""
    import hist
    import uproot

    folder = tmp_path_factory.mktemp("cli")
    (folder / "sim.csv").write_text(SAMPLE2)
    (folder / "empty.txt").write_text("")
    (folder / "corrupt.root").write_text("not a ROOT file\n")
    (folder / "emptydir").mkdir()
    (folder / "folder.csv").mkdir()
    with uproot.recreate(folder / "h.root") as f:
        f["h"] = hist.Hist.new.Reg(3, 0, 3, name="x").Weight().fill([0.5, 1.5, 1.5])
    _hostile_zips(folder)
    _damaged_binaries(folder)
    return folder


#: (arguments, a fragment of the one error line): every sub-command, usage errors and errors of the library alike
BAD_INVOCATIONS = [
    (("bogus",), "invalid choice: 'bogus'"),
    (("--bogus",), "unrecognized arguments: --bogus"),
    (("info",), "info: the following arguments are required: file (see 'kcdc-hep info --help')"),
    (("info", "nothere.txt"), "nothere.txt: no such file"),
    (("info", "empty.txt"), "empty.txt: the file is empty"),
    (("info", "emptydir"), "emptydir: a folder"),
    (("convert", "sim.csv"), "convert: the following arguments are required: output"),
    (("convert", "sim.csv", "out.parquet", "--step-size", "0"), "--step-size: must be a positive number"),
    (("convert", "sim.csv", "out.root", "--step-size", "-5"), "not '-5'"),
    (("convert", "sim.csv", "out.root", "--step-size", "abc"), "not 'abc'"),
    (("convert", "sim.csv", "out.xyz"), "cannot tell the output format"),
    (("convert", "sim.csv", "out.csv", "--columns", "nosuchfield"), "'nosuchfield' is not in this file"),
    (("convert", "sim.csv", "/proc/kcdc/out.root"), "No such file or directory"),  # an OSError
    (("generate",), "the following arguments are required: --out"),
    (("generate", "--out", "g", "--scale", "0.1", "--events", "10"), "not allowed with argument --scale"),
    (("generate", "--out", "g", "--scale", "-1"), "--scale: must be a positive fraction"),
    (("generate", "--out", "g", "--events", "0"), "--events: must be a positive number of events"),
    (("run", "nothere.root"), "nothere.root: no such file"),
    (("run", "sim.csv"), "sim.csv: not a readable ROOT file"),
    (("run", "events.root", "--step-size", "0"), "run: argument --step-size"),
    (("run", "events.root", "--workers", "0"), "--workers: must be a positive number of worker processes"),
    (("run", "events.root", "--workers", "two"), "not 'two'"),
    (("run", "--workers", "2", "--scheduler", "tcp://localhost:1"), "not allowed with argument --workers"),
    (("compare", "h.root"), "compare: the following arguments are required: b"),
    (("compare", "nothere.root", "h.root"), "nothere.root: no such file"),
    (("compare", "h.root", "corrupt.root"), "corrupt.root: not a readable ROOT file"),
    (("compare", "h.root", "h.root", "--mode", "fuzzy"), "invalid choice: 'fuzzy'"),
    (("compare", "h.root", "h.root", "--shape", "--mode", "exact"), "not allowed with argument --shape"),
    (("compare", "h.root", "h.root", "--alpha", "2"), "alpha must be a probability between 0 and 1"),
    (("compare", "h.root", "h.root", "--tolerance", "-1"), "tolerance must be a relative tolerance >= 0"),
    (("kernels",), "kernels: the following arguments are required: action"),
    (("kernels", "remove"), "invalid choice: 'remove'"),
    (("masterclass", "--data", "nothere.csv", "--sim", "sim.csv"), "nothere.csv: no such file"),
    (("masterclass", "--workers", "0"), "--workers: must be a positive number"),
    (("lab", "--port", "http"), "--port: must be a port number"),
    # hostile and damaged inputs (issue 13)
    (("info", "encrypted.zip"), "encrypted.zip:sim.csv: the member is encrypted"),
    (("info", "badcrc.zip"), "badcrc.zip:sim.csv: the zip archive is damaged (BadZipFile: Bad CRC-32"),
    (("info", "bomb.zip"), "KCDC_HEP_MAX_COMPRESSION_RATIO"),
    (("info", "many.zip"), "65,535 entries, beyond the limit of 10,000 entries (KCDC_HEP_MAX_ZIP_ENTRIES)"),
    (("info", "evil.zip"), "refusing zip member '../evil.csv'"),
    (("info", "evil.zip:../evil.csv"), "refusing zip member '../evil.csv'"),
    (("info", "table.zip:other.csv"), "no member 'other.csv' in the archive (it holds: sim.csv)"),
    (("info", "nested.zip:inner.zip"), "a zip inside a zip"),
    (("info", "tiny.root"), "tiny.root: the ROOT file is truncated (16 bytes"),
    (("info", "trunc.root"), "trunc.root: the ROOT file is truncated"),
    (("info", "damaged.root"), "damaged.root:"),
    (("info", "--full", "damaged.root"), "damaged.root:"),
    (("info", "bad.parquet"), "bad.parquet: not a readable Parquet file"),
    (("info", "bad.h5"), "bad.h5: not a readable HDF5 file"),
    (("info", "binary.bin"), "binary content that is neither ROOT, HDF5, Parquet nor zip"),
    (("info", "x" * 300 + ".csv"), "cannot be opened (File name too long)"),
    (("convert", "encrypted.zip", "out.csv"), "the member is encrypted"),
    (("convert", "badcrc.zip", "out.csv"), "Bad CRC-32"),
    (("convert", "damaged.root", "out.csv"), "damaged.root:"),
    (("convert", "bomb.zip", "out.csv"), "KCDC_HEP_MAX_COMPRESSION_RATIO"),
    (("convert", "sim.csv", "emptydir"), "cannot tell the output format"),
    (("convert", "sim.csv", "folder.csv", "--overwrite"), "folder.csv is a folder; give the name of a file"),
    (("convert", "sim.csv", "emptydir", "--step-size", "0"), "--step-size: must be a positive number"),
    (("convert", "sim.csv", "out.csv", "--step-size", "1.5"), "not '1.5'"),
    (("convert", "sim.csv", "sim.csv"), "sim.csv exists; pass overwrite=True (command line: --overwrite)"),
    (("generate", "--out", "g", "--seed", "abc"), "argument --seed: invalid int value: 'abc'"),
    (("run", "damaged.root", "--output", "o.root"), "damaged.root:"),
    (("run", "trunc.root", "--output", "o.root"), "trunc.root: the ROOT file is truncated"),
    (("run", "tiny.root", "--output", "o.root"), "tiny.root: the ROOT file is truncated"),
    (("run", "encrypted.zip", "--output", "o.root"), "the member is encrypted"),
    (("run", "table.zip", "--output", "o.root"), "the archive's data member is 'sim.csv', not a ROOT file"),
    (("run", "events.root", "--output", "emptydir"), "emptydir is a folder; give the name of a file"),
    (("run", "events.root", "--step-size", "-5"), "not '-5'"),
    (("compare", "damaged.root", "h.root"), "damaged.root:"),
    (("compare", "h.root", "tiny.root"), "tiny.root: the ROOT file is truncated"),
    (("compare", "trunc.root", "h.root"), "trunc.root: the ROOT file is truncated"),
    (("masterclass", "--data", "damaged.root", "--sim", "sim.csv", "--out", "mc"), "damaged.root:"),
    (("masterclass", "--data", "sim.csv", "--sim", "encrypted.zip", "--out", "mc"), "the member is encrypted"),
    (("masterclass", "--data", "bomb.zip", "--sim", "sim.csv", "--out", "mc"), "KCDC_HEP_MAX_COMPRESSION_RATIO"),
    (("masterclass", "--data", "empty.txt", "--sim", "sim.csv", "--out", "mc"), "empty.txt: the file is empty"),
    (("lab", "--port", "-1"), "--port: must be a port number"),
]


def test_the_table_covers_every_command() -> None:
    commands = {args[0] for args, _ in BAD_INVOCATIONS}
    assert {"info", "convert", "generate", "run", "compare", "kernels", "masterclass", "lab"} <= commands
    assert len(BAD_INVOCATIONS) >= 55


def test_info_full_on_the_kcdc_zip_lists_every_tree_and_its_branches(workdir: Path) -> None:
    with zipfile.ZipFile(workdir / "kcdc.zip", "w") as zf:
        zf.write(workdir / "events.root", "events.root")
    out = kcdc("info", "--full", "kcdc.zip", cwd=workdir)
    assert out.returncode == 0 and out.stderr == "", out.stderr
    assert "format:  root" in out.stdout and "trees and their branches:" in out.stdout
    assert "KCDC (TTree, 200 entries): E, Ne, Nmu" in out.stdout and "Array (TTree" in out.stdout


@pytest.mark.parametrize(("args", "fragment"), BAD_INVOCATIONS, ids=[" ".join(a) for a, _ in BAD_INVOCATIONS])
def test_every_error_is_one_line_and_exit_1(workdir: Path, args: tuple[str, ...], fragment: str) -> None:
    out = kcdc(*args, cwd=workdir)
    assert out.returncode == 1, out.stdout + out.stderr
    lines = out.stderr.splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith("kcdc-hep: error: ") and fragment in lines[0]
    assert "Traceback" not in out.stderr
