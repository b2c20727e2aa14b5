"""Compare the histograms of two ROOT files: bin for bin, or, for samples of different size, by shape.

:func:`compare_files` pairs the objects of two files by name (``kcdc-hep compare A B``). For each pair of
histograms (TH1 or TH2 of any storage) it checks the binning (edges), then

- **exact mode** (the two files were filled from the same events, e.g. the C++ macro and its Python twin):
  contents, errors (sum of squared weights), under/overflow bins, entries and the statistics behind ROOT's
  ``GetMean``/``GetRMS`` must agree within ``tolerance`` (relative);
- **shape mode** (different statistics): a χ² test like ``TH1::Chi2Test`` (``"UU"`` for unweighted
  histograms, ``"WW"`` otherwise) and a Kolmogorov–Smirnov test like ``TH1::KolmogorovTest`` on the binned
  distributions. ``alpha`` (default 0.01) is the false-alarm probability of the *whole* comparison: with m
  histogram pairs and two tests each, a pair fails when a p-value is below ``alpha / (2 m)`` (Bonferroni).
  Without that correction, 16 histograms tested at 0.01 would flag about one in four comparisons of identical
  distributions.

``mode="auto"`` chooses exact mode when every histogram pair has the same number of entries and shape mode
otherwise. Both tests assume independent entries: for histograms with several entries per shower (per-station
deposits) the p-values come out too small, so prefer exact mode for those or judge them with care.

>>> report = compare_files("cpp.root", "python.root")  # doctest: +SKIP
>>> print(report.table())  # doctest: +SKIP
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kcdc_hep.errors import MissingFileError, SchemaError

__all__ = ["ComparisonReport", "ComparisonRow", "HistogramData", "chi2_test", "compare_files", "ks_test"]

_MODES = ("auto", "exact", "shape")


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
class ComparisonRow:
    """The verdict on one object name: ``status`` is a short word, ``detail`` says what differs."""

    name: str
    status: str  # "identical", "compatible", "different", "incompatible", "binning", "missing in A", ...
    ok: bool
    detail: str = ""
    chi2_p: float | None = None
    ks_p: float | None = None


@dataclass(frozen=True)
class ComparisonReport:
    """Result of :func:`compare_files`: one row per object name; ``ok`` when every row agrees."""

    a: str
    b: str
    mode: str  # "exact", or "shape (...)" with the p-value threshold
    rows: tuple[ComparisonRow, ...]

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.rows)

    def table(self) -> str:
        """A printable table of the rows, with a summary line."""
        head = ("object", "status", "chi2 p", "KS p", "detail")
        lines = [
            (
                r.name,
                r.status,
                "" if r.chi2_p is None else f"{r.chi2_p:.3g}",
                "" if r.ks_p is None else f"{r.ks_p:.3g}",
                r.detail,
            )
            for r in self.rows
        ]
        widths = [max(len(h), *(len(row[i]) for row in lines)) if lines else len(h) for i, h in enumerate(head)]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths[:-1]) + "  {}"
        out = [f"A: {self.a}", f"B: {self.b}", f"mode: {self.mode}", fmt.format(*head)]
        out.append(fmt.format(*("-" * w for w in widths[:-1]), "-" * max(len(head[-1]), 6)))
        out += [fmt.format(*row).rstrip() for row in lines]
        n_bad = sum(not r.ok for r in self.rows)
        verdict = "all agree" if self.ok else f"{n_bad} of {len(self.rows)} differ"
        out.append(f"{len(self.rows)} objects compared: {verdict}")
        return "\n".join(out)


# --------------------------------------------------------------------------------------------- reading
def _read(path: str | os.PathLike[str]) -> tuple[dict[str, HistogramData], dict[str, str]]:
    """Histograms of a ROOT file by name, and the class of every other object."""
    from kcdc_hep.readers.root import open_file

    p = Path(path)
    if not p.is_file():
        msg = f"{p}: no such file; check the path (the working directory is {Path.cwd()})"
        raise MissingFileError(msg)
    hists: dict[str, HistogramData] = {}
    others: dict[str, str] = {}
    with open_file(p, where=str(p)) as f:
        for key, cls in f.classnames(cycle=False).items():
            if cls.startswith(("TH1", "TH2")) and not cls.startswith("TH1K"):
                hists[key] = _histogram(key, cls, f[key])
            else:  # trees, TH3, profiles, ...: reported, not compared
                others[key] = cls
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
    return HistogramData(
        name, cls, str(h.member("fTitle")), titles, edges, values, variances, float(h.member("fEntries")), stats
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


def _exact(a: HistogramData, b: HistogramData, tol: float) -> str:
    """What differs between two histograms filled from the same events ('' if nothing)."""
    problems = []
    for what, x, y in (("contents", a.values, b.values), ("errors", a.variances, b.variances)):
        bad = ~_close(x, y, tol)
        if bad.any():
            idx = np.argwhere(bad)[0]
            first = ",".join(str(int(i)) for i in idx)
            problems.append(f"{what} differ in {int(bad.sum())} bins (first: bin {first}: {x[tuple(idx)]:.10g} vs "
                            f"{y[tuple(idx)]:.10g})")  # fmt: skip
    if not _close(np.array([a.entries]), np.array([b.entries]), tol)[0]:
        problems.append(f"entries {a.entries:.10g} vs {b.entries:.10g}")
    for ax, (ma, ra), (mb, rb) in zip("xy", a.mean_rms(), b.mean_rms(), strict=False):
        scale = max(abs(ma), abs(mb), ra, rb, 1e-300)
        if abs(ma - mb) > tol * scale or abs(ra - rb) > tol * scale:
            problems.append(f"{ax} mean/RMS {ma:.10g}/{ra:.10g} vs {mb:.10g}/{rb:.10g}")
    if (a.title, a.axis_titles) != (b.title, b.axis_titles):
        problems.append(f"titles {a.title!r} {a.axis_titles} vs {b.title!r} {b.axis_titles}")
    return "; ".join(problems)


def compare_files(
    a: str | os.PathLike[str],
    b: str | os.PathLike[str],
    *,
    tolerance: float = 1e-9,
    alpha: float = 0.01,
    mode: str = "auto",
    plot_dir: str | os.PathLike[str] | None = None,
) -> ComparisonReport:
    """Compare the histograms of two ROOT files by name.

    Parameters
    ----------
    a, b
        ROOT files (e.g. the outputs of ``KCDC_analyze_example.C`` and of :func:`kcdc_hep.analyses.example.run`).
    tolerance
        Relative tolerance for bin edges, contents, errors, entries and mean/RMS (exact mode).
    alpha
        Shape mode: the false-alarm probability of the whole comparison; a histogram pair fails when its χ² or
        Kolmogorov–Smirnov p-value is below ``alpha / (2 * number of histogram pairs)``.
    mode
        ``"exact"`` (bin for bin), ``"shape"`` (statistical tests) or ``"auto"``: exact when all histogram
        pairs have equal entries, shape otherwise.
    plot_dir
        Folder for overlay plots (one PNG per histogram pair); None for no plots.

    Returns
    -------
    ComparisonReport
        One row per object name (missing objects and different binning are failures); ``report.ok``.
    """
    if mode not in _MODES:
        msg = f"mode must be one of {', '.join(_MODES)}, not {mode!r}"
        raise SchemaError(msg)
    if not 0 < alpha < 1:
        msg = f"alpha must be a probability between 0 and 1, not {alpha}"
        raise SchemaError(msg)
    ha, oa = _read(a)
    hb, ob = _read(b)
    common = [n for n in ha if n in hb]
    if mode == "auto":
        same = all(ha[n].entries == hb[n].entries for n in common)
        mode = "exact" if same else "shape"
    threshold = alpha / (2 * max(len(common), 1))
    rows: list[ComparisonRow] = []
    for name in sorted(set(ha) | set(hb) | set(oa) | set(ob), key=_order(ha, hb, oa, ob)):
        in_a, in_b = name in ha or name in oa, name in hb or name in ob
        if not in_b:
            cls = ha[name].classname if name in ha else oa[name]
            rows.append(ComparisonRow(name, "missing in B", False, f"only in A ({cls})"))
            continue
        if not in_a:
            cls = hb[name].classname if name in hb else ob[name]
            rows.append(ComparisonRow(name, "missing in A", False, f"only in B ({cls})"))
            continue
        if name not in ha or name not in hb:
            ca = ha[name].classname if name in ha else oa[name]
            cb = hb[name].classname if name in hb else ob[name]
            same = ca == cb and name not in ha and name not in hb
            rows.append(ComparisonRow(name, "not compared" if same else "different type", same, f"{ca} vs {cb}"))
            continue
        rows.append(_compare_pair(ha[name], hb[name], tolerance=tolerance, threshold=threshold, mode=mode))
    if plot_dir is not None:
        _plot(ha, hb, common, Path(plot_dir), os.fspath(a), os.fspath(b))
    if mode == "shape":
        mode = f"shape (p-value threshold {threshold:.3g} = {alpha:g} / {2 * len(common)})"
    return ComparisonReport(os.fspath(a), os.fspath(b), mode, tuple(rows))


def _order(*maps: dict[str, Any]) -> Any:
    first: dict[str, int] = {}
    for m in maps:
        for k in m:
            first.setdefault(k, len(first))
    return lambda name: first[name]


def _compare_pair(
    x: HistogramData, y: HistogramData, *, tolerance: float, threshold: float, mode: str
) -> ComparisonRow:
    binning = _binning(x, y, tolerance)
    if binning:
        return ComparisonRow(x.name, "binning", False, f"different binning: {binning}")
    if mode == "exact":
        problem = _exact(x, y, tolerance)
        return ComparisonRow(x.name, "different" if problem else "identical", not problem, problem)
    if not _exact(x, y, tolerance):
        return ComparisonRow(x.name, "identical", True, "")
    chi2, ndf, p_chi2 = chi2_test(x, y)
    p_ks = ks_test(x, y)
    if math.isnan(p_chi2) or math.isnan(p_ks):
        empty = "A" if x.values[x.inner].sum() <= 0 else "B"
        return ComparisonRow(x.name, "incompatible", False, f"histogram in {empty} is empty", None, None)
    ok = p_chi2 >= threshold and p_ks >= threshold
    detail = f"chi2/ndf = {chi2:.1f}/{ndf}; entries {x.entries:.0f} vs {y.entries:.0f}"
    if not ok:
        detail += f"; p < {threshold:.3g}"
    return ComparisonRow(x.name, "compatible" if ok else "incompatible", ok, detail, p_chi2, p_ks)


# --------------------------------------------------------------------------------------------- plots
def _plot(ha: dict[str, HistogramData], hb: dict[str, HistogramData], names: list[str], folder: Path, a: str,
          b: str) -> None:  # fmt: skip
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    import mplhep

    folder.mkdir(parents=True, exist_ok=True)
    label_a, label_b = f"A: {Path(a).name}", f"B: {Path(b).name}"
    for name in names:
        x, y = ha[name], hb[name]
        if _binning(x, y, 1e-9):
            continue
        if x.ndim == 1:
            fig, ax = plt.subplots(figsize=(7, 5))
            mplhep.histplot(x.values[1:-1], x.edges[0], yerr=np.sqrt(x.variances[1:-1]), ax=ax, label=label_a)
            mplhep.histplot(y.values[1:-1], y.edges[0], yerr=np.sqrt(y.variances[1:-1]), ax=ax, label=label_b,
                            histtype="errorbar", color="black")  # fmt: skip
            ax.set_xlabel(_latex(x.axis_titles[0]))
            ax.set_ylabel(_latex(x.axis_titles[1]) if len(x.axis_titles) > 1 else "entries")
            if x.edges[0][0] > 0 and x.edges[0][-1] / x.edges[0][0] > 100:
                ax.set_xscale("log")
            ax.legend()
        else:
            fig, axes = plt.subplots(1, 2, figsize=(12, 5))
            for ax, h, lab in ((axes[0], x, label_a), (axes[1], y, label_b)):
                mplhep.hist2dplot(h.values[1:-1, 1:-1], h.edges[0], h.edges[1], ax=ax)
                ax.set_xlabel(_latex(h.axis_titles[0]))
                ax.set_ylabel(_latex(h.axis_titles[1]))
                ax.set_title(lab, fontsize=10)
                if h.edges[1][0] > 0 and h.edges[1][-1] / h.edges[1][0] > 100:
                    ax.set_yscale("log")
        fig.suptitle(f"KASCADE (KCDC masterclass) · {(x.title or name).replace('#', '')}", fontsize=11)
        fig.tight_layout()
        fig.savefig(folder / f"{name}.png", dpi=80)
        plt.close(fig)


def _latex(root_title: str) -> str:
    """A ROOT axis title (``lg(N_{#mu})``) as matplotlib mathtext."""
    if "#" not in root_title and "_{" not in root_title and "^{" not in root_title:
        return root_title
    text = root_title.replace("#", "\\")
    return f"${text}$".replace(" ", "\\ ")
