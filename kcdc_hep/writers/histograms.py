"""Histograms to a ROOT file: TH1D/TH2D/TH3D with Sumw2, written atomically, never silently overwriting.

>>> import hist
>>> h = hist.Hist(hist.axis.Regular(10, 14.0, 18.0, name="lgE", label="lg(E/eV)"), name="energy spectrum")
>>> write_histograms({"spectrum": h.fill([15.1, 15.2])}, "out.root")   # doctest: +SKIP
PosixPath('out.root')
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from kcdc_hep._util import atomic_write, check_output
from kcdc_hep.errors import ArgumentError

__all__ = ["write_histograms"]


def write_histograms(histograms: Mapping[str, Any], path: str | os.PathLike[str], *, overwrite: bool = False) -> Path:
    """Write hist histograms to a ROOT file, one TH1D/TH2D/TH3D per key, with Sumw2.

    Parameters
    ----------
    histograms : mapping of str → hist.Hist (or a ROOT histogram object)
        Key in the file → histogram with 1–3 numeric axes. An object that is not a ``hist.Hist`` (a TH1D/TH2D
        already made for uproot, as the ``run()`` twin makes them with ROOT's exact statistics) is written as it
        is. Count storages (Int64, Double) are written with
        Sumw2 = the counts (Poisson errors, as ROOT's ``TH1::Sumw2()`` after unweighted fills); Weight storage
        keeps its sum of squared weights. The title is the histogram's ``name`` (``hist.Hist(..., name=...)``),
        the axis titles are the axis labels; under- and overflow bins are written as they are.
    path : path
        The ROOT file (written to a temporary file beside it, then renamed: a crash leaves no half file).
    overwrite : bool
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        The file written.

    Raises
    ------
    OutputExistsError
        If the file exists and ``overwrite`` is false.
    ArgumentError
        For a histogram ROOT cannot hold as a TH1D/TH2D/TH3D (category axes, more than 3 axes, a mean storage).
    """
    import uproot

    out = check_output(path, overwrite=overwrite)
    converted = {name: _with_sumw2(name, h) for name, h in histograms.items()}
    with atomic_write(out) as tmp, uproot.recreate(tmp) as f:
        for name, h in converted.items():
            f[name] = h
    return out


def _with_sumw2(name: str, h: Any) -> Any:
    """A Weight-storage copy of a count histogram (variances = counts), or the histogram itself if weighted."""
    import hist

    if not isinstance(h, hist.Hist):
        return h  # already a ROOT object (e.g. uproot.writing.identify.to_TH1x): written as it is
    if not 1 <= len(h.axes) <= 3 or any(
        isinstance(ax, hist.axis.StrCategory | hist.axis.IntCategory | hist.axis.Boolean) for ax in h.axes
    ):
        msg = (
            f"write_histograms: {name!r} has axes {[type(ax).__name__ for ax in h.axes]}; ROOT histograms need 1-3 "
            "numeric axes: split category axes into one histogram each"
        )
        raise ArgumentError(msg)
    storage = h.storage_type
    if storage is hist.storage.Weight:
        return h
    if storage not in (hist.storage.Int64, hist.storage.Double):
        msg = f"write_histograms: {name!r} has {storage.__name__} storage; use Int64, Double or Weight"
        raise ArgumentError(msg)
    out = hist.Hist(*h.axes, storage=hist.storage.Weight(), name=h.name)
    values = np.asarray(h.view(flow=True), dtype=float)
    view = out.view(flow=True)
    view.value = values
    view.variance = values
    return out
