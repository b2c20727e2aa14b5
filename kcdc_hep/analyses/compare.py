"""Compare the histograms of two ROOT files: bin for bin by default, by shape when asked.

:func:`compare_files` pairs the objects of two files by name (``kcdc-hep compare A B``). For each pair of
histograms (TH1 or TH2 of any storage) it checks the binning (edges), then

- **exact mode** (the default; the two files were filled from the same events, e.g. the C++ macro and its Python
  twin): contents, errors (sum of squared weights, and whether Sumw2 is stored), under/overflow bins, entries and
  the statistics behind ROOT's ``GetMean``/``GetRMS`` must agree within ``tolerance`` (relative). A pair that
  differs is reported with the bins that differ (ROOT bin numbers, 0 = underflow), their values in A and B, and,
  as information only, what a statistical test would say: one shower more is a difference, never "agree";
- **shape mode** (different samples of one distribution): a χ² test like ``TH1::Chi2Test`` (``"UU"`` for
  unweighted histograms, ``"WW"`` otherwise) and a Kolmogorov–Smirnov test like ``TH1::KolmogorovTest`` on the
  binned distributions. ``alpha`` (default 0.01) is the false-alarm probability of the *whole* comparison: with m
  histogram pairs and two tests each, a pair fails when a p-value is below ``alpha / (2 m)`` (Bonferroni).
  Without that correction, 16 histograms tested at 0.01 would flag about one in four comparisons of identical
  distributions.

``mode="auto"`` chooses exact mode when every histogram pair has the same number of entries and shape mode
otherwise, and says which pairs made it switch (:attr:`ComparisonReport.note`). Both tests assume independent
entries: for histograms with several entries per shower (per-station deposits) the p-values come out too small,
so prefer exact mode for those or judge them with care.

This module computes; it draws nothing itself. The overlays of ``plot_dir=`` come from
:mod:`kcdc_hep.plotting.comparison`, drawn on figures that need no matplotlib backend.

>>> report = compare_files("cpp.root", "python.root")  # doctest: +SKIP
>>> print(report.table())  # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np

from kcdc_hep.errors import ArgumentError, CorruptFileError, KcdcError, MissingFileError, UnknownFormatError

__all__ = [
    "MODES",
    "BinDifference",
    "ComparisonReport",
    "ComparisonRow",
    "HistogramData",
    "Mode",
    "bin_differences",
    "chi2_test",
    "compare_files",
    "ks_test",
]

Mode = Literal["exact", "shape", "auto"]
#: The comparison modes, default first.
MODES: tuple[str, ...] = get_args(Mode)
#: Differing bins listed per histogram in a report (all of them are in :attr:`ComparisonRow.differences`).
SHOWN = 5


@dataclass(frozen=True)
class HistogramData:
    """The numbers of one ROOT histogram, with under/overflow bins (numpy order: axis 0 = x)."""

    name: str
    classname: str
    title: str
    axis_titles: tuple[str, ...]
    edges: tuple[np.ndarray, ...]
    values: np.ndarray
    variances: np.ndarray
    entries: float
    stats: dict[str, float]
    sumw2: bool = True  # whether the file stores the sums of squared weights (TH1::Sumw2)

    @property
    def ndim(self) -> int:
        return len(self.edges)

    @property
    def inner(self) -> tuple[slice, ...]:
        """Index of the bins without under/overflow."""
        return tuple(slice(1, -1) for _ in self.edges)

    def mean_rms(self) -> list[tuple[float, float]]:
        """(mean, RMS) per axis from the statistics, as ``TH1::GetMean`` / ``GetRMS``."""
        out = []
        sw = self.stats.get("fTsumw", 0.0)
        for ax in ("x", "y")[: self.ndim]:
            if sw == 0:
                out.append((0.0, 0.0))
                continue
            mean = self.stats.get(f"fTsumw{ax}", 0.0) / sw
            var = self.stats.get(f"fTsumw{ax}2", 0.0) / sw - mean * mean
            out.append((mean, math.sqrt(max(var, 0.0))))
        return out


@dataclass(frozen=True)
class BinDifference:
    """One bin whose content (or squared error) differs between A and B.

    ``bin`` is ROOT's bin number per axis (0 = underflow, n + 1 = overflow); ``where`` says the same in words.
    """

    quantity: Literal["content", "error²"]
    bin: tuple[int, ...]
    where: str
    a: float
    b: float

    def __str__(self) -> str:
        index = ",".join(str(i) for i in self.bin)
        values = f"{self.a:.10g} vs {self.b:.10g} (B - A = {self.b - self.a:+.6g})"
        return f"{self.quantity} of bin {index} ({self.where}): {values}"


@dataclass(frozen=True)
class ComparisonRow:
    """The verdict on one object name: ``status`` is a short word, ``detail`` says what differs.

    ``differences`` lists every differing bin of a histogram pair that exact mode found different (empty otherwise).
    """

    name: str
    status: str  # "identical", "compatible", "different", "incompatible", "binning", "missing in A", ...
    ok: bool
    detail: str = ""
    chi2_p: float | None = None
    ks_p: float | None = None
    differences: tuple[BinDifference, ...] = field(default=())


@dataclass(frozen=True)
class ComparisonReport:
    """Result of :func:`compare_files`: one row per object name; ``ok`` when every row agrees.

    ``mode`` is ``"exact"`` or ``"shape (p-value threshold ...)"``; ``note`` says why ``mode="auto"`` chose it.
    """

    a: str
    b: str
    mode: str
    rows: tuple[ComparisonRow, ...]
    note: str = ""

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    def verdict(self) -> str:
        """One line: how many objects were compared and whether they agree, in the words of the mode."""
        n, bad = len(self.rows), sum(not r.ok for r in self.rows)
        skipped = sum(r.status == "not compared" for r in self.rows)
        tail = f" ({skipped} not compared: not histograms)" if skipped else ""
        if bad:
            return f"{n} objects compared: {bad} of {n} differ{tail}"
        if self.mode == "exact":
            return f"{n} objects compared: all identical{tail}"
        shape_only = sum(r.status == "compatible" for r in self.rows)
        return (
            f"{n} objects compared: all statistically compatible ({shape_only} of them not identical bin for bin){tail}"
        )

    def table(self) -> str:
        """A printable table of the rows, the differing bins of each differing histogram, and the verdict."""
        head = ("object", "status", "chi2 p", "KS p", "detail")
        lines = [(r.name, r.status, _p(r.chi2_p), _p(r.ks_p), r.detail) for r in self.rows]
        widths = [max(len(h), *(len(row[i]) for row in lines)) if lines else len(h) for i, h in enumerate(head)]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths[:-1]) + "  {}"
        out = [f"A: {self.a}", f"B: {self.b}", f"mode: {self.mode}"] + ([f"note: {self.note}"] if self.note else [])
        out += [fmt.format(*head), fmt.format(*("-" * w for w in widths[:-1]), "-" * max(len(head[-1]), 6))]
        out += [fmt.format(*row).rstrip() for row in lines]
        for r in self.rows:
            if r.differences and not r.ok:
                out.append(
                    f"{r.name}: {len(r.differences)} differing bin"
                    + ("s" if len(r.differences) > 1 else "")
                    + (", the first:" if len(r.differences) > SHOWN else ":")
                )
                out += [f"    {d}" for d in r.differences[:SHOWN]]
        out.append(self.verdict())
        return "\n".join(out)


def _p(p: float | None) -> str:
    return "" if p is None else f"{p:.3g}"


# --------------------------------------------------------------------------------------------- reading
def _open_root(path: Path) -> Any:
    """The one use of the readers: an uproot file, damaged files as :class:`CorruptFileError`."""
    from kcdc_hep.readers.root import open_file

    return open_file(path, where=str(path))


def _read(path: str | os.PathLike[str]) -> tuple[dict[str, HistogramData], dict[str, str]]:
    """Histograms of a ROOT file by name, and the class of every other object."""
    p = Path(path)
    if p.is_dir():
        msg = f"{p}: is a folder; give a ROOT file with histograms"
        raise MissingFileError(msg)
    if not p.is_file():
        msg = f"{p}: no such file; check the path (the working directory is {Path.cwd()})"
        raise MissingFileError(msg)
    hists: dict[str, HistogramData] = {}
    others: dict[str, str] = {}
    with _open_root(p) as f:
        try:
            for key, cls in f.classnames(cycle=False).items():
                if cls.startswith(("TH1", "TH2")) and not cls.startswith("TH1K"):
                    hists[key] = _histogram(key, cls, f[key])
                else:  # trees, TH3, profiles, ...: reported, not compared
                    others[key] = cls
        except KcdcError:
            raise
        except Exception as err:  # uproot raises its own deserialisation errors
            msg = f"{p}: cannot read the histograms ({type(err).__name__}: {err}); the file may be truncated or corrupt"
            raise CorruptFileError(" ".join(msg.split())) from err
    if not hists:
        held = ", ".join(f"{k} ({c})" for k, c in others.items()) or "nothing"
        msg = f"{p}: holds no TH1/TH2 histogram to compare (it holds: {held}); give the output of run() or the macro"
        raise UnknownFormatError(msg)
    return hists, others


def _histogram(name: str, cls: str, h: Any) -> HistogramData:
    axes = [h.member("fXaxis")] + ([h.member("fYaxis")] if cls.startswith("TH2") else [])
    edges = tuple(np.asarray(ax.edges(flow=False), dtype=np.float64) for ax in axes)
    values = np.asarray(h.values(flow=True), dtype=np.float64)
    variances = np.asarray(h.variances(flow=True), dtype=np.float64)
    stat_names = ["fTsumw", "fTsumw2", "fTsumwx", "fTsumwx2"]
    if cls.startswith("TH2"):
        stat_names += ["fTsumwy", "fTsumwy2", "fTsumwxy"]
    stats = {s: float(h.member(s)) for s in stat_names}
    titles = tuple(str(ax.member("fTitle")) for ax in axes)
    sumw2 = len(h.member("fSumw2")) > 0
    return HistogramData(
        name, cls, str(h.member("fTitle")), titles, edges, values, variances, float(h.member("fEntries")), stats, sumw2
    )


# --------------------------------------------------------------------------------------------- tests
def chi2_test(a: HistogramData, b: HistogramData) -> tuple[float, int, float]:
    """χ² homogeneity test of two histograms as ``TH1::Chi2Test``: (χ², ndf, p-value).

    ``"UU"`` (both unweighted: variances equal contents) uses Gagunashvili's statistic for two Poisson samples;
    otherwise ``"WW"`` (weighted). Under/overflow bins are left out, as ROOT does by default; bins empty in both
    histograms do not count.
    """
    from scipy import stats

    va, vb = a.values[a.inner].ravel(), b.values[b.inner].ravel()
    ea, eb = a.variances[a.inner].ravel(), b.variances[b.inner].ravel()
    sa, sb = va.sum(), vb.sum()
    if sa <= 0 or sb <= 0:
        return math.nan, 0, math.nan
    unweighted = np.allclose(ea, va) and np.allclose(eb, vb)
    if unweighted:
        use = (va + vb) > 0
        d = sb * va[use] - sa * vb[use]
        chi2 = float(np.sum(d * d / (va[use] + vb[use])) / (sa * sb))
    else:
        use = (ea + eb) > 0
        d = sa * vb[use] - sb * va[use]
        chi2 = float(np.sum(d * d / (sa * sa * eb[use] + sb * sb * ea[use])))
    ndf = int(use.sum()) - 1
    if ndf <= 0:
        return chi2, ndf, 1.0
    return chi2, ndf, float(stats.chi2.sf(chi2, ndf))


def ks_test(a: HistogramData, b: HistogramData) -> float:
    """Kolmogorov–Smirnov p-value of two binned distributions, as ``TH1::KolmogorovTest`` (no options).

    The largest distance between the normalised cumulative sums of the in-range bins; 2-D histograms use the
    mean of the distances of the x-major and y-major orderings, as ``TH2::KolmogorovTest``. Entries count with
    their effective number (sum of weights squared over sum of squared weights).
    """
    from scipy import special

    va, vb = a.values[a.inner], b.values[b.inner]
    sa, sb = va.sum(), vb.sum()
    if sa <= 0 or sb <= 0:
        return math.nan
    orders = [va.ravel(order="C"), vb.ravel(order="C")], [va.ravel(order="F"), vb.ravel(order="F")]
    dists = [float(np.max(np.abs(np.cumsum(x) / sa - np.cumsum(y) / sb))) for x, y in orders]
    dmax = sum(dists) / len(dists) if a.ndim == 2 else dists[0]
    wa, wb = a.variances[a.inner].sum(), b.variances[b.inner].sum()
    na = sa * sa / wa if wa > 0 else sa
    nb = sb * sb / wb if wb > 0 else sb
    z = dmax * math.sqrt(na * nb / (na + nb))
    return float(special.kolmogorov(z))


# --------------------------------------------------------------------------------------------- comparing
def _close(x: np.ndarray, y: np.ndarray, tol: float) -> np.ndarray:
    scale = np.maximum(np.abs(x), np.abs(y))
    return np.abs(x - y) <= tol * np.maximum(scale, 1.0)


def _binning(a: HistogramData, b: HistogramData, tol: float) -> str:
    if a.ndim != b.ndim:
        return f"{a.ndim}-D vs {b.ndim}-D"
    for ax, (ea, eb) in zip("xy", zip(a.edges, b.edges, strict=True), strict=False):
        if len(ea) != len(eb):
            return f"{ax}: {len(ea) - 1} vs {len(eb) - 1} bins"
        if not _close(ea, eb, tol).all():
            i = int(np.argmax(~_close(ea, eb, tol)))
            return f"{ax}: edge {i} is {ea[i]:.10g} vs {eb[i]:.10g}"
    return ""


def _where(h: HistogramData, index: tuple[int, ...]) -> str:
    """A bin in words: ``x in [18, 19)``, ``x underflow``, per axis (axis titles where the histogram has them)."""
    parts = []
    for axis, (i, edges) in enumerate(zip(index, h.edges, strict=True)):
        title = h.axis_titles[axis] if axis < len(h.axis_titles) and h.axis_titles[axis] else "xy"[axis]
        if i == 0:
            parts.append(f"{title} underflow")
        elif i == len(edges):
            parts.append(f"{title} overflow")
        else:
            parts.append(f"{title} in [{edges[i - 1]:.6g}, {edges[i]:.6g})")
    return ", ".join(parts)


def bin_differences(a: HistogramData, b: HistogramData, *, tolerance: float = 1e-9) -> tuple[BinDifference, ...]:
    """Every bin (under/overflow included) whose content or squared error differs beyond ``tolerance`` (relative).

    The two histograms must have the same binning. Contents come first, then errors, each in ROOT's bin order.
    """
    out: list[BinDifference] = []
    quantities: tuple[tuple[Literal["content", "error²"], np.ndarray, np.ndarray], ...] = (
        ("content", a.values, b.values),
        ("error²", a.variances, b.variances),
    )
    for quantity, x, y in quantities:
        for idx in np.argwhere(~_close(x, y, tolerance)):
            index = tuple(int(i) for i in idx)
            out.append(BinDifference(quantity, index, _where(a, index), float(x[index]), float(y[index])))
    return tuple(out)


def _exact(a: HistogramData, b: HistogramData, tol: float) -> tuple[list[str], tuple[BinDifference, ...]]:
    """What differs between two histograms filled from the same events (nothing: an empty list)."""
    problems = []
    diffs = bin_differences(a, b, tolerance=tol)
    for quantity, word in (("content", "contents"), ("error²", "errors")):
        these = [d for d in diffs if d.quantity == quantity]
        if these:
            first = these[0]
            bins = f"{len(these)} bin" + ("s" if len(these) > 1 else "")
            index = ",".join(map(str, first.bin))
            problems.append(f"{word} differ in {bins} (first: bin {index}: {first.a:.10g} vs {first.b:.10g})")
    if a.sumw2 != b.sumw2:
        problems.append(f"Sumw2 stored in {'A' if a.sumw2 else 'B'} only")
    if not _close(np.array([a.entries]), np.array([b.entries]), tol)[0]:
        problems.append(f"entries {a.entries:.10g} vs {b.entries:.10g}")
    for ax, (ma, ra), (mb, rb) in zip("xy", a.mean_rms(), b.mean_rms(), strict=False):
        scale = max(abs(ma), abs(mb), ra, rb, 1e-300)
        if abs(ma - mb) > tol * scale or abs(ra - rb) > tol * scale:
            problems.append(f"{ax} mean/RMS {ma:.10g}/{ra:.10g} vs {mb:.10g}/{rb:.10g}")
    if (a.title, a.axis_titles) != (b.title, b.axis_titles):
        problems.append(f"titles {a.title!r} {a.axis_titles} vs {b.title!r} {b.axis_titles}")
    return problems, diffs


def _check_options(mode: str, tolerance: float, alpha: float) -> None:
    if mode not in MODES:
        msg = f"mode must be one of {', '.join(MODES)}, not {mode!r}"
        raise ArgumentError(msg)
    if not (isinstance(alpha, int | float) and 0 < alpha < 1):
        msg = f"alpha must be a probability between 0 and 1 (exclusive), not {alpha!r}"
        raise ArgumentError(msg)
    if not (isinstance(tolerance, int | float) and 0 <= tolerance < math.inf):
        msg = f"tolerance must be a relative tolerance >= 0 (e.g. 1e-9), not {tolerance!r}"
        raise ArgumentError(msg)


def compare_files(
    a: str | os.PathLike[str],
    b: str | os.PathLike[str],
    *,
    mode: Mode = "exact",
    tolerance: float = 1e-9,
    alpha: float = 0.01,
    plot_dir: str | os.PathLike[str] | None = None,
) -> ComparisonReport:
    """Compare the histograms of two ROOT files by name.

    Parameters
    ----------
    a, b
        ROOT files (e.g. the outputs of ``KCDC_analyze_example.C`` and of :func:`kcdc_hep.analyses.example.run`).
    mode
        ``"exact"`` (default: bin for bin, for files filled from the same events), ``"shape"`` (statistical tests,
        for different samples) or ``"auto"``: exact when all histogram pairs have equal entries, shape otherwise.
    tolerance
        Relative tolerance for bin edges, contents, errors, entries and mean/RMS (exact mode).
    alpha
        Shape mode: the false-alarm probability of the whole comparison; a histogram pair fails when its χ² or
        Kolmogorov–Smirnov p-value is below ``alpha / (2 * number of histogram pairs)``.
    plot_dir
        Folder for overlay plots (one PNG per histogram pair, drawn by :mod:`kcdc_hep.plotting.comparison`);
        None for no plots.

    Returns
    -------
    ComparisonReport
        One row per object name (missing objects and different binning are failures); ``report.ok``.

    Raises
    ------
    ArgumentError
        For an unknown ``mode``, an ``alpha`` outside (0, 1) or a negative ``tolerance``.
    MissingFileError, CorruptFileError, UnknownFormatError
        When a file is absent, cannot be read, or holds no histogram: never a comparison that "agrees".
    """
    _check_options(mode, tolerance, alpha)
    ha, oa = _read(a)
    hb, ob = _read(b)
    common = [n for n in ha if n in hb]
    note = ""
    if mode == "auto":
        unequal = [n for n in common if ha[n].entries != hb[n].entries]
        mode = "shape" if unequal else "exact"
        if unequal:
            shown = ", ".join(f"{n} ({ha[n].entries:.10g} vs {hb[n].entries:.10g})" for n in unequal[:3])
            more = f" and {len(unequal) - 3} more" if len(unequal) > 3 else ""
            note = f"auto chose the shape tests because the entries differ: {shown}{more}"
        else:
            note = "auto chose exact: every histogram pair has the same entries"
    threshold = alpha / (2 * max(len(common), 1))
    rows = [
        _compare_object(name, ha, hb, oa, ob, tolerance=tolerance, threshold=threshold, mode=mode)
        for name in sorted(set(ha) | set(hb) | set(oa) | set(ob), key=_order(ha, hb, oa, ob))
    ]
    if plot_dir is not None:
        _save_plots(ha, hb, common, Path(plot_dir), os.fspath(a), os.fspath(b))
    label = "exact" if mode == "exact" else f"shape (p-value threshold {threshold:.3g} = {alpha:g} / {2 * len(common)})"
    return ComparisonReport(os.fspath(a), os.fspath(b), label, tuple(rows), note)


def _order(*maps: dict[str, Any]) -> Any:
    first: dict[str, int] = {}
    for m in maps:
        for k in m:
            first.setdefault(k, len(first))
    return lambda name: first[name]


def _compare_object(
    name: str,
    ha: dict[str, HistogramData],
    hb: dict[str, HistogramData],
    oa: dict[str, str],
    ob: dict[str, str],
    **options: Any,
) -> ComparisonRow:
    """The row of one object name: missing on a side, of different types, not a histogram, or a histogram pair."""
    in_a, in_b = name in ha or name in oa, name in hb or name in ob
    ca = ha[name].classname if name in ha else oa.get(name, "")
    cb = hb[name].classname if name in hb else ob.get(name, "")
    if not in_b:
        return ComparisonRow(name, "missing in B", False, f"only in A ({ca})")
    if not in_a:
        return ComparisonRow(name, "missing in A", False, f"only in B ({cb})")
    if name not in ha or name not in hb:
        same = ca == cb and name not in ha and name not in hb
        return ComparisonRow(name, "not compared" if same else "different type", same, f"{ca} vs {cb}")
    return _compare_pair(ha[name], hb[name], **options)


def _compare_pair(
    x: HistogramData, y: HistogramData, *, tolerance: float, threshold: float, mode: str
) -> ComparisonRow:
    binning = _binning(x, y, tolerance)
    if binning:
        return ComparisonRow(x.name, "binning", False, f"different binning: {binning}")
    problems, diffs = _exact(x, y, tolerance)
    if not problems:
        return ComparisonRow(x.name, "identical", True, "")
    chi2, ndf, p_chi2 = chi2_test(x, y)
    p_ks = ks_test(x, y)
    tested = not (math.isnan(p_chi2) or math.isnan(p_ks))
    if mode == "exact":
        detail = "; ".join(problems)
        if tested:
            word = "compatible" if p_chi2 >= threshold and p_ks >= threshold else "incompatible"
            detail += f"; for information only, the shape tests call them {word} (chi2/ndf = {chi2:.1f}/{ndf})"
        return ComparisonRow(
            x.name, "different", False, detail, p_chi2 if tested else None, p_ks if tested else None, diffs
        )
    if not tested:
        empty = "A" if x.values[x.inner].sum() <= 0 else "B"
        return ComparisonRow(x.name, "incompatible", False, f"histogram in {empty} is empty")
    ok = p_chi2 >= threshold and p_ks >= threshold
    detail = f"chi2/ndf = {chi2:.1f}/{ndf}; entries {x.entries:.10g} vs {y.entries:.10g}"
    if not ok:
        detail += f"; p < {threshold:.3g}"
    return ComparisonRow(x.name, "compatible" if ok else "incompatible", ok, detail, p_chi2, p_ks)


# --------------------------------------------------------------------------------------------- plots
def _save_plots(
    ha: dict[str, HistogramData], hb: dict[str, HistogramData], names: list[str], folder: Path, a: str, b: str
) -> None:
    """One PNG per histogram pair of equal binning (A over B), saved for ``compare_files(plot_dir=...)``."""
    from kcdc_hep.plotting.comparison import comparison_figure, mathtext

    folder.mkdir(parents=True, exist_ok=True)
    labels = (f"A: {Path(a).name}", f"B: {Path(b).name}")
    for name in names:
        x, y = ha[name], hb[name]
        if _binning(x, y, 1e-9):
            continue
        fig = comparison_figure(
            x.values[x.inner],
            y.values[y.inner],
            edges=x.edges,
            variances=(x.variances[x.inner], y.variances[y.inner]),
            labels=labels,
            axis_labels=tuple(mathtext(t) for t in x.axis_titles),
            title=x.title or name,
        )
        fig.savefig(folder / f"{name.replace('/', '__')}.png", dpi=80)
