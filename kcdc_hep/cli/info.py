"""What a file holds: format, trees, fields in canonical names with units, counts, ranges, missing values.

Used by ``kcdc-hep info``; works chunk by chunk, so it runs on files larger than memory.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import awkward as ak
import numpy as np

from kcdc_hep import schema
from kcdc_hep.readers import DEFAULT_STEP, format_of, iterate, open_source, resolve
from kcdc_hep.readers.sources import damaged

__all__ = ["FieldSummary", "FileSummary", "describe_file", "summarize"]


@dataclass
class FieldSummary:
    """Running statistics of one field."""

    name: str
    count: int = 0
    missing: int = 0
    lo: float = float("inf")
    hi: float = float("-inf")
    kind: str = "number"
    categories: dict[str, int] = field(default_factory=dict)

    def add(self, values: ak.Array) -> None:
        if values.layout.is_option:
            none = ak.to_numpy(ak.is_none(values))
            self.missing += int(none.sum())
            values = values[~none]
        if values.ndim > 1:  # per-station lists: statistics of all entries
            self.kind = "list"
            values = ak.flatten(values, axis=None)
        try:
            arr = ak.to_numpy(values)
        except (ValueError, TypeError):
            self.kind = "category"
            for key, n in zip(*np.unique(np.asarray(ak.to_list(values), dtype=str), return_counts=True), strict=True):
                self.categories[str(key)] = self.categories.get(str(key), 0) + int(n)
            self.count += len(values)
            return
        if arr.dtype.kind == "M":
            self.kind = "time"
            arr = arr.astype("datetime64[ns]").astype(np.int64)
        elif arr.dtype.kind not in "biuf":
            self.kind = "category"
            for key, n in zip(*np.unique(arr.astype(str), return_counts=True), strict=True):
                self.categories[str(key)] = self.categories.get(str(key), 0) + int(n)
            self.count += len(arr)
            return
        finite = arr[np.isfinite(arr)] if arr.dtype.kind == "f" else arr
        self.missing += int(len(arr) - len(finite))
        self.count += len(finite)
        if len(finite):
            self.lo = min(self.lo, float(finite.min()))
            self.hi = max(self.hi, float(finite.max()))

    def line(self) -> str:
        f = schema.FIELDS.get(self.name)
        unit = f"[{f.unit}]" if f else "[not in the schema: kept under its own name]"
        if self.kind == "category":
            cats = ", ".join(f"{k} {v}" for k, v in sorted(self.categories.items(), key=lambda kv: -kv[1]))
            rng = f"categories: {cats}"
        elif self.kind == "time":
            lo = np.datetime64(int(self.lo), "ns") if self.count else "-"
            hi = np.datetime64(int(self.hi), "ns") if self.count else "-"
            rng = f"{str(lo)[:19]} .. {str(hi)[:19]} UTC"
        elif self.count:
            rng = f"{self.lo:.6g} .. {self.hi:.6g}" + (" (all station entries)" if self.kind == "list" else "")
        else:
            rng = "no values"
        missing = f", missing {self.missing}" if self.missing else ""
        return f"  {self.name:<20} {unit:<34} {rng}{missing}"


@dataclass
class FileSummary:
    """Everything ``kcdc-hep info`` prints about a file."""

    path: str
    format: str
    n_events: int
    fields: list[FieldSummary]
    trees: list[str]

    @property
    def is_simulation(self) -> bool:
        names = {f.name for f in self.fields}
        return bool(names & {n for n, f in schema.FIELDS.items() if f.simulation_only})

    def __str__(self) -> str:
        kind = "simulation (primary / true quantities present)" if self.is_simulation else "measured data"
        lines = [
            f"file:    {self.path}",
            f"format:  {self.format}",
            f"content: {kind}",
            f"events:  {self.n_events:,}",
        ]
        if self.trees:
            lines.append("trees:   " + "; ".join(self.trees))
        lines.append("fields (canonical name, unit, range):")
        lines += [f.line() for f in self.fields]
        return "\n".join(lines)


def _trees(path: str, *, full: bool = False) -> list[str]:
    """The trees (ROOT) or tables (HDF5) of a file, one line each; ``full`` adds their branches or quantities."""
    src = resolve(path)
    fmt = format_of(path)
    if fmt not in ("root", "hdf5"):
        return []
    from kcdc_hep.readers import hdf5, root

    with open_source(src) as (fh, resolved):
        if fmt == "hdf5":  # the tables of the file: group or compound dataset, quantities, entries, role
            return hdf5.describe(resolved.path, resolved.member if resolved.kind == "zip" else None, full=full)
        target = fh if resolved.kind == "zip" else resolved.path
        with root.open_file(target, where=resolved.where) as f, damaged(resolved.where, "not a readable ROOT file"):
            out = []
            for key, cls in f.classnames(cycle=False).items():
                obj = f[key]
                n = getattr(obj, "num_entries", None)
                line = f"{key} ({cls}, {n:,} entries)" if n is not None else f"{key} ({cls})"
                if full and hasattr(obj, "keys"):
                    line += ": " + ", ".join(obj.keys())
                out.append(line)
            return out


def summarize(path: str | os.PathLike[str], *, step_size: int = DEFAULT_STEP) -> FileSummary:
    """Read ``path`` chunk by chunk and collect the summary."""
    text = os.fspath(path)
    fmt = format_of(text)
    summaries: dict[str, FieldSummary] = {}
    n = 0
    for chunk in iterate(text, step_size=step_size):
        n += len(chunk)
        for name in chunk.fields:
            summaries.setdefault(name, FieldSummary(name)).add(chunk[name])
    return FileSummary(text, fmt, n, list(summaries.values()), _trees(text))


def describe_file(path: str | os.PathLike[str], *, full: bool = False) -> str:
    """The text ``kcdc-hep info`` prints (``full``: also the branches of every tree, the quantities of every table)."""
    summary = summarize(path)
    text = str(summary)
    if full and summary.format in ("root", "hdf5"):
        title = "tables and their quantities" if summary.format == "hdf5" else "trees and their branches"
        text += f"\n{title}:\n" + "\n".join(_trees(os.fspath(path), full=True))
    return text
