"""compare_files and ``kcdc-hep compare``: bin for bin by default, so that one shower more is never "agree";
the shape tests only when asked, for different samples; an unreadable file is an error, never a verdict."""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path

import hist
import numpy as np
import pytest
import uproot
from uproot.writing.identify import to_TH1x

from kcdc_hep.analyses.compare import MODES, compare_files
from kcdc_hep.analyses.example import HISTOGRAMS, make_example_input, run
from kcdc_hep.errors import ArgumentError, CorruptFileError, KcdcError, MissingFileError, UnknownFormatError


def kcdc(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "kcdc_hep", *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120
    )


@pytest.fixture(scope="module")
def twin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Python twin's output (16 histograms) for 3000 synthetic showers."""
    folder = tmp_path_factory.mktemp("twin")
    events = make_example_input(folder / "events.root", n_events=3000, seed=5)
    return run(events, output=folder / "python.root", progress=False).output


def rewrite(src: Path, dst: Path, *, drop: tuple[str, ...] = (), replace: dict[str, object] | None = None) -> Path:
    """Copy the histograms of ``src`` to ``dst``, leaving out ``drop`` and replacing some."""
    replace = replace or {}
    with uproot.open(src) as fin, uproot.recreate(dst) as fout:
        for name in fin.keys(cycle=False):
            if name not in drop:
                fout[name] = replace.get(name, fin[name])
    return dst


def changed_th1(h: object, *, bin: int, x: float | None = None, sumw2: bool = True) -> object:
    """A copy of a TH1 with one more entry in ``bin`` (statistics too when the value ``x`` is given)."""
    values = np.array(h.values(flow=True), dtype=np.float64)  # type: ignore[attr-defined]
    variances = np.array(h.variances(flow=True), dtype=np.float64)  # type: ignore[attr-defined]
    members = {k: h.member(k) for k in ("fEntries", "fTsumw", "fTsumw2", "fTsumwx", "fTsumwx2")}  # type: ignore[attr-defined]
    values[bin] += 1
    variances[bin] += 1
    if x is not None:  # one shower more: entries and the sums behind GetMean/GetRMS as TH1::Fill does
        for key, add in (("fEntries", 1), ("fTsumw", 1), ("fTsumw2", 1), ("fTsumwx", x), ("fTsumwx2", x * x)):
            members[key] += add
    axes = {"fXaxis": h.member("fXaxis"), "fYaxis": h.member("fYaxis")}  # type: ignore[attr-defined]
    name, title = h.member("fName"), h.member("fTitle")  # type: ignore[attr-defined]
    return to_TH1x(name, title, values, fSumw2=variances if sumw2 else np.array([]), **axes, **members)


@pytest.fixture(scope="module")
def one_more_shower(twin: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, int, float]:
    """The twin's output with one shower more in one bin of hE: (file, ROOT bin number, entries of A)."""
    h = uproot.open(twin)["hE"]
    counts = h.values(flow=True)
    k = int(np.argmax(counts))  # the fullest bin, so that a statistical test would see nothing
    edges = h.axis().edges(flow=False)
    x = float(edges[k - 1] + edges[k]) / 2
    out = rewrite(twin, tmp_path_factory.mktemp("b") / "b.root", replace={"hE": changed_th1(h, bin=k, x=x)})
    return out, k, float(h.member("fEntries"))


# ------------------------------------------------------------------------------------------ exact (default)
def test_identical_files_agree(twin: Path, tmp_path: Path) -> None:
    copy = shutil.copy(twin, tmp_path / "copy.root")
    report = compare_files(twin, copy)
    assert report.ok and report.mode == "exact" and report.note == ""
    assert [r.name for r in report.rows] == [s.name for s in HISTOGRAMS]
    assert {r.status for r in report.rows} == {"identical"}
    assert report.table().endswith("16 objects compared: all identical")

    done = kcdc("compare", twin, copy, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.rstrip().endswith("16 objects compared: all identical") and done.stderr == ""


def test_one_more_shower_in_one_bin_is_a_difference(one_more_shower: tuple[Path, int, float], twin: Path) -> None:
    b, k, entries = one_more_shower
    report = compare_files(twin, b)
    assert not report.ok and report.mode == "exact"
    bad = [r for r in report.rows if not r.ok]
    assert [(r.name, r.status) for r in bad] == [("hE", "different")]
    row = bad[0]
    content = [d for d in row.differences if d.quantity == "content"]
    assert [(d.bin, d.b - d.a) for d in content] == [((k,), 1.0)]
    assert f"entries {entries:.10g} vs {entries + 1:.10g}" in row.detail
    assert f"contents differ in 1 bin (first: bin {k}:" in row.detail
    # the statistical verdict is there, as information, and it does not make the row agree
    assert row.chi2_p is not None and row.chi2_p > 0.5 and row.ks_p is not None
    assert "for information only, the shape tests call them compatible" in row.detail
    assert report.verdict() == "16 objects compared: 1 of 16 differ"


def test_command_line_names_the_histogram_and_the_bin(one_more_shower: tuple[Path, int, float], twin: Path) -> None:
    b, k, entries = one_more_shower
    done = kcdc("compare", twin, b, cwd=b.parent)
    assert done.returncode == 1, done.stdout
    out = done.stdout
    assert "agree" not in out and "all identical" not in out
    assert "hE: 2 differing bins:" in out  # its content and its squared error
    content = [line for line in out.splitlines() if line.strip().startswith(f"content of bin {k} ")]
    assert len(content) == 1 and "lg(E/eV) in [" in content[0] and "(B - A = +1)" in content[0], out
    assert f"entries {entries:.10g} vs {entries + 1:.10g}" in out
    assert out.rstrip().endswith("16 objects compared: 1 of 16 differ")
    assert done.stderr == ""


def test_a_changed_bin_with_unchanged_entries(twin: Path, tmp_path: Path) -> None:
    h = uproot.open(twin)["hZe"]
    b = rewrite(twin, tmp_path / "b.root", replace={"hZe": changed_th1(h, bin=10)})
    report = compare_files(twin, b)
    bad = [r for r in report.rows if not r.ok]
    assert [(r.name, r.status) for r in bad] == [("hZe", "different")]
    assert "contents differ in 1 bin (first: bin 10" in bad[0].detail
    assert "entries" not in bad[0].detail


def test_underflow_overflow_and_2d_bins_are_named(twin: Path, tmp_path: Path) -> None:
    h1 = uproot.open(twin)["hZe"]
    n = len(h1.values())
    b = rewrite(twin, tmp_path / "b.root", replace={"hZe": changed_th1(h1, bin=n + 1)})
    (row,) = [r for r in compare_files(twin, b).rows if not r.ok]
    assert row.differences[0].bin == (n + 1,) and "overflow" in row.differences[0].where

    h2 = uproot.open(twin)["hNeNmu"].to_hist()
    h2.view(flow=True)[3, 7] = (h2.view(flow=True)[3, 7]["value"] + 2, h2.view(flow=True)[3, 7]["variance"] + 2)
    b = rewrite(twin, tmp_path / "b2.root", replace={"hNeNmu": h2})
    (row,) = [r for r in compare_files(twin, b).rows if not r.ok]
    (diff,) = [d for d in row.differences if d.quantity == "content"]
    assert diff.bin == (3, 7) and diff.b - diff.a == 2
    assert diff.where.count(" in [") == 2  # x and y ranges


def test_sumw2_stored_on_one_side_only_is_a_difference(twin: Path, tmp_path: Path) -> None:
    h = uproot.open(twin)["hNsta"]
    plain = to_TH1x(
        h.member("fName"),
        h.member("fTitle"),
        np.array(h.values(flow=True), dtype=np.float64),
        fSumw2=np.array([]),
        fXaxis=h.member("fXaxis"),
        fYaxis=h.member("fYaxis"),
        **{k: h.member(k) for k in ("fEntries", "fTsumw", "fTsumw2", "fTsumwx", "fTsumwx2")},
    )
    b = rewrite(twin, tmp_path / "b.root", replace={"hNsta": plain})
    (row,) = [r for r in compare_files(twin, b).rows if not r.ok]
    assert row.name == "hNsta" and "Sumw2 stored in A only" in row.detail


def test_missing_histograms_on_either_side(twin: Path, tmp_path: Path) -> None:
    b = rewrite(twin, tmp_path / "b.root", drop=("hNsta",))
    rows = {r.name: r for r in compare_files(twin, b).rows}
    assert rows["hNsta"].status == "missing in B" and not rows["hNsta"].ok
    rows = {r.name: r for r in compare_files(b, twin).rows}
    assert rows["hNsta"].status == "missing in A"
    assert "hNsta" in compare_files(b, twin).table()


def test_a_different_binning(twin: Path, tmp_path: Path) -> None:
    rebinned = hist.Hist.new.Reg(30, 13.0, 19.0, name="x").Weight()
    b = rewrite(twin, tmp_path / "b.root", replace={"hE": rebinned})
    rows = {r.name: r for r in compare_files(twin, b).rows}
    assert rows["hE"].status == "binning" and "60 vs 30 bins" in rows["hE"].detail


def test_auto_mode_says_why_it_chose_the_shape_tests(one_more_shower: tuple[Path, int, float], twin: Path) -> None:
    b, _, entries = one_more_shower
    report = compare_files(twin, b, mode="auto")
    assert report.mode.startswith("shape (p-value threshold")
    assert f"entries differ: hE ({entries:.10g} vs {entries + 1:.10g})" in report.note
    assert report.ok  # asked for: a statistical verdict, and it says so
    assert {r.name: r.status for r in report.rows}["hE"] == "compatible"
    assert "(1 of them not identical bin for bin)" in report.verdict()
    assert report.note in report.table()
    assert compare_files(twin, twin, mode="auto").mode == "exact"


# ------------------------------------------------------------------------------------------ shape mode
def _write_sample(path: Path, seed: int, *, shift: float = 0.0, n: int = 3000) -> Path:
    rng = np.random.default_rng(seed)
    x, y = rng.normal(shift, 1.0, n), rng.exponential(1.0 + shift, n)
    hx = hist.Hist.new.Reg(40, -4, 4, name="x", label="x").Weight().fill(x)
    hy = hist.Hist.new.Reg(30, 0, 6, name="y", label="y").Weight().fill(y)
    hxy = hist.Hist.new.Reg(12, -3, 3, name="x").Reg(12, 0, 6, name="y").Weight().fill(x, y)
    with uproot.recreate(path) as f:
        f["hx"], f["hy"], f["hxy"] = hx, hy, hxy
    return path


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("samples")
    return {
        "a": _write_sample(folder / "a.root", 11),
        "b": _write_sample(folder / "b.root", 12),
        "shifted": _write_sample(folder / "shifted.root", 13, shift=0.25),
    }


def test_shape_mode_passes_independent_samples(samples: dict[str, Path]) -> None:
    report = compare_files(samples["a"], samples["b"], mode="shape")
    assert report.mode == "shape (p-value threshold 0.00167 = 0.01 / 6)"
    assert report.ok, report.table()
    assert {r.status for r in report.rows} == {"compatible"}
    assert all(r.chi2_p is not None and r.ks_p is not None for r in report.rows)
    # the same two files bin for bin: different, of course
    assert not compare_files(samples["a"], samples["b"]).ok


def test_shape_mode_flags_a_shifted_distribution(samples: dict[str, Path], tmp_path: Path) -> None:
    report = compare_files(samples["a"], samples["shifted"], mode="shape")
    assert {r.name for r in report.rows if r.status == "incompatible"} >= {"hx", "hxy"}
    assert not report.ok
    strict = compare_files(samples["a"], samples["shifted"], mode="shape", alpha=1e-6)
    assert "hx" in {r.name for r in strict.rows if not r.ok}  # a looser threshold cannot rescue a shift

    done = kcdc("compare", "--shape", samples["a"], samples["shifted"], cwd=tmp_path)
    assert done.returncode == 1 and "incompatible" in done.stdout
    done = kcdc("compare", "--mode", "shape", samples["a"], samples["b"], cwd=tmp_path)
    assert done.returncode == 0 and "all statistically compatible" in done.stdout


def test_plots_are_saved_without_touching_pyplot(samples: dict[str, Path], tmp_path: Path) -> None:
    import matplotlib
    import matplotlib.pyplot as plt

    backend, figures = matplotlib.get_backend(), plt.get_fignums()
    compare_files(samples["a"], samples["shifted"], mode="shape", plot_dir=tmp_path / "plots")
    assert (tmp_path / "plots" / "hx.png").stat().st_size > 5000
    assert (tmp_path / "plots" / "hxy.png").is_file()
    assert matplotlib.get_backend() == backend and plt.get_fignums() == figures


def test_comparing_imports_no_plotting(samples: dict[str, Path]) -> None:
    code = (
        "import sys; from kcdc_hep.analyses.compare import compare_files; "
        f"compare_files({str(samples['a'])!r}, {str(samples['b'])!r}, mode='shape'); "
        "print(sorted(m for m in ('matplotlib', 'mplhep') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------------------------------------------------ errors
@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"mode": "fuzzy"}, "mode must be one of exact, shape, auto"),
        ({"alpha": 0.0}, "alpha must be a probability"),
        ({"alpha": 1.5}, "alpha must be a probability"),
        ({"tolerance": -1e-9}, "tolerance must be a relative tolerance >= 0"),
        ({"tolerance": math.nan}, "tolerance must be"),
    ],
)
def test_bad_options_raise_argument_error(twin: Path, options: dict[str, object], match: str) -> None:
    with pytest.raises(ArgumentError, match=match):
        compare_files(twin, twin, **options)  # type: ignore[arg-type]


def test_modes_are_the_literal() -> None:
    assert MODES == ("exact", "shape", "auto")


def _truncated(twin: Path, tmp_path: Path) -> Path:
    data = twin.read_bytes()
    (tmp_path / "truncated.root").write_bytes(data[: len(data) // 2])
    return tmp_path / "truncated.root"


def _overwritten(twin: Path, tmp_path: Path) -> Path:
    key = uproot.open(twin).key("hNeNmu")
    start = key.fSeekKey + key.fKeylen + 40  # inside the compressed histogram
    data = bytearray(twin.read_bytes())
    data[start : start + 200] = bytes(200)  # the length is right, the content is not
    (tmp_path / "overwritten.root").write_bytes(bytes(data))
    return tmp_path / "overwritten.root"


def _text(twin: Path, tmp_path: Path) -> Path:
    (tmp_path / "notes.root").write_text("not a ROOT file\n")
    return tmp_path / "notes.root"


def _events(twin: Path, tmp_path: Path) -> Path:
    return twin.parent / "events.root"  # a ROOT file without a single histogram


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (_truncated, CorruptFileError),
        (_overwritten, CorruptFileError),
        (_text, CorruptFileError),
        (_events, UnknownFormatError),
        (lambda twin, tmp_path: tmp_path / "absent.root", MissingFileError),
        (lambda twin, tmp_path: tmp_path, MissingFileError),
    ],
    ids=["truncated", "overwritten", "text", "no-histograms", "absent", "folder"],
)
def test_an_unreadable_file_is_an_error_never_a_verdict(
    twin: Path, tmp_path: Path, make: object, error: type[KcdcError]
) -> None:
    bad = make(twin, tmp_path)  # type: ignore[operator]
    for a, b in ((bad, twin), (twin, bad)):
        with pytest.raises(error):
            compare_files(a, b)
        done = kcdc("compare", a, b, "--shape", cwd=tmp_path)
        assert done.returncode == 1 and done.stdout == ""
        lines = done.stderr.splitlines()
        assert len(lines) == 1 and lines[0].startswith("kcdc-hep: error: ") and str(bad.name) in lines[0]
