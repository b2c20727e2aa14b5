"""KCDC ROOT files read chunk by chunk: a cursor per branch, and the component trees joined through the mapping.

A KCDC file has a general tree (``KCDC``, one entry per shower), a mapping tree (``KCDCM``: for each shower the
entry of each component tree, or -1) and component trees of their own lengths (``Array`` with per-station lists,
``Calor``, ``Grande``). :class:`KcdcReader` reads the showers ``[start, stop)`` chunk by chunk and, for each
component, the component entries from the lowest to the highest one the chunk's showers point to. Every branch is
read by a :class:`BranchCursor`, which decompresses each basket once however the chunks cut the baskets, and holds
no more than about one basket.

This is the one KCDC ROOT reader: :func:`kcdc_hep.read`/:func:`kcdc_hep.iterate` (through
:mod:`kcdc_hep.readers.root`, which turns the branches into the event model) and the ``run()`` twin of the C++
macro (:mod:`kcdc_hep.analyses.example`, which fills histograms from the branches) both read through it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import awkward as ak
import numpy as np

from kcdc_hep.errors import CorruptFileError
from kcdc_hep.readers.sources import damaged

__all__ = ["BranchCursor", "Component", "ComponentRows", "KcdcChunk", "KcdcReader"]


def _checked(interpretation: Any) -> Any:
    """``interpretation``, with a check of every basket's list offsets if it reads lists (``AsJagged``).

    uproot takes a jagged basket's entry offsets as the basket says and sizes the branch's content from them before
    it copies the (clamped) slices in: one damaged offset in a 17 kB basket allocated 1.9 GB and filled the lists with
    whatever that memory held. The check runs in uproot's hook before the baskets are joined and refuses offsets that
    decrease or point past the basket's own content.
    """
    import uproot

    if type(interpretation) is not uproot.AsJagged:
        return interpretation
    return _jagged_class()(
        interpretation.content, interpretation.header_bytes, interpretation.typename, interpretation.original
    )


@functools.cache
def _jagged_class() -> type:
    """The ``AsJagged`` with checked offsets (made on first use: uproot is imported only when a ROOT file is read)."""
    import uproot

    class CheckedJagged(uproot.AsJagged):  # type: ignore[misc]
        def hook_before_final_array(self, *args: Any, basket_arrays: Mapping[int, Any], **kwargs: Any) -> None:
            for number, lists in basket_arrays.items():
                offsets = np.asarray(lists.offsets)
                if len(offsets) and (
                    offsets[0] < 0 or offsets[-1] > len(lists.content) or np.any(np.diff(offsets) < 0)
                ):
                    msg = (
                        f"basket {number} holds list offsets from {offsets[0]} to {offsets[-1]} "
                        f"for {len(lists.content)} values"
                    )
                    raise ValueError(msg)
            super().hook_before_final_array(*args, basket_arrays=basket_arrays, **kwargs)

    return CheckedJagged


class BranchCursor:
    """Reads increasing entry ranges of one branch, decompressing each basket once.

    A read extends to the end of the basket that holds the last requested entry and keeps the rest for the next
    request, so chunks that do not line up with baskets (or files written with one huge basket per branch) cost
    no second decompression. A field of an RNTuple (no baskets known) is read exactly as requested.

    Attributes
    ----------
    data : awkward.Array or None
        The entries held: ``[start, start + len(data))``.
    """

    def __init__(self, branch: Any) -> None:
        self.branch = branch
        offsets = getattr(branch, "entry_offsets", None)
        self.boundaries = None if offsets is None else np.asarray(offsets, dtype=np.int64)
        self.start = 0
        self.data: Any = None
        self._read_as = {}  # a branch of an HDF5 table read like a tree has no interpretation
        if hasattr(branch, "interpretation"):
            self._read_as = {"interpretation": _checked(branch.interpretation)}

    def _stop(self) -> int:
        return self.start + (len(self.data) if self.data is not None else 0)

    def take(self, lo: int, hi: int) -> Any:
        """Entries ``[lo, hi)`` of the branch (an awkward array)."""
        if self.data is None or not self.start <= lo <= self._stop():
            self.data, self.start = None, lo
        if self.data is None or hi > self._stop():
            read_from = self._stop()
            read_to = hi
            if self.boundaries is not None:
                k = min(int(np.searchsorted(self.boundaries, hi, side="left")), len(self.boundaries) - 1)
                read_to = max(hi, int(self.boundaries[k]))  # to the end of the basket that holds entry hi - 1
            new = self.branch.array(entry_start=read_from, entry_stop=read_to, library="ak", **self._read_as)
            if self.data is None:
                self.data = new
            else:  # keep what is still needed of the previous read (at most one basket); to_packed drops the
                # consumed part of a jagged view's content, which concatenate would otherwise carry along for ever
                self.data = ak.concatenate([ak.to_packed(self.data[lo - self.start :]), new])
                self.start = lo
        return self.data[lo - self.start : hi - self.start]


@dataclass(frozen=True)
class Component:
    """A component tree to join to the showers: the tree, the branches to read, and how to join it.

    ``mapping_branch`` names the branch of the mapping tree that holds each shower's entry of this tree (-1: none);
    ``None`` joins entry by entry, which needs a tree as long as the general one.
    """

    tree: Any
    branches: tuple[str, ...]
    mapping_branch: str | None = None


@dataclass(frozen=True)
class ComponentRows:
    """What one chunk of showers holds of one component tree.

    Attributes
    ----------
    index : numpy.ndarray
        For each shower of the chunk, its entry of the component tree, or -1 (int64).
    first : int
        The first component entry read: ``values`` hold the entries ``[first, first + len)``, from the lowest to
        the highest entry in ``index``.
    values : dict of str to awkward.Array
        Branch name to values; empty float arrays when no shower of the chunk has the component.
    """

    index: np.ndarray
    first: int
    values: Mapping[str, Any]

    @property
    def present(self) -> np.ndarray:
        """Which showers have the component (boolean mask)."""
        return self.index >= 0

    def local_index(self) -> np.ndarray:
        """For each shower, its position in ``values`` (-1: none): the index of an awkward option join."""
        return np.where(self.present, self.index - self.first, -1)

    def selected(self) -> dict[str, Any]:
        """The values of the showers that have the component, in shower order (one entry per such shower)."""
        sel = self.index[self.present]
        if len(sel) == 0 or (sel[-1] - sel[0] + 1 == len(sel) and np.all(np.diff(sel) == 1)):
            return dict(self.values)
        return {name: values[sel - self.first] for name, values in self.values.items()}


@dataclass(frozen=True)
class KcdcChunk:
    """Showers ``[start, stop)``: their general-tree branches and, per component role, their component rows."""

    start: int
    stop: int
    general: Mapping[str, Any]
    components: Mapping[str, ComponentRows]


class KcdcReader:
    """Showers of a KCDC ROOT file, with their component data, chunk by chunk.

    Parameters
    ----------
    general
        The general tree (one entry per shower).
    branches
        Its branches to read.
    where
        The file as error messages name it.
    mapping
        The mapping tree (``KCDCM``), if the file has one.
    components
        Component trees to join, by role (``"array"``, ``"calorimeter"``, ...).
    pool
        Read the branches on this executor's threads (uproot's decompression releases the GIL); default: one
        after the other in this thread.

    Raises
    ------
    CorruptFileError
        A component to join entry by entry is not as long as the general tree, or the trees' metadata cannot be read
        (a damaged file); reading a damaged branch raises it too.
    """

    def __init__(
        self,
        general: Any,
        branches: Sequence[str],
        *,
        where: str,
        mapping: Any | None = None,
        components: Mapping[str, Component] | None = None,
        pool: Executor | None = None,
    ) -> None:
        self.where = where
        with damaged(where, "the trees' branches cannot be read"):
            self._setup(general, branches, mapping, components, pool)

    def _setup(
        self,
        general: Any,
        branches: Sequence[str],
        mapping: Any | None,
        components: Mapping[str, Component] | None,
        pool: Executor | None,
    ) -> None:
        where = self.where
        self.num_entries = int(general.num_entries)
        if self.num_entries < 0:
            msg = f"{where}: the general tree claims {self.num_entries} entries; the file is damaged"
            raise CorruptFileError(msg)
        self._pool = pool
        self._general = {b: BranchCursor(general[b]) for b in branches}
        self._components = dict(components or {})
        self._maps: dict[str, BranchCursor] = {}
        self._cursors: dict[str, dict[str, BranchCursor]] = {}
        for role, comp in self._components.items():
            if comp.mapping_branch is not None and mapping is not None:
                self._maps[role] = BranchCursor(mapping[comp.mapping_branch])
            elif int(comp.tree.num_entries) != self.num_entries:
                msg = (
                    f"{where}: the {role} tree has {comp.tree.num_entries} entries and the general tree "
                    f"{self.num_entries}, and there is no mapping tree (KCDCM) to join them; add the mapping tree or "
                    "read the trees separately"
                )
                raise CorruptFileError(msg)
            self._cursors[role] = {b: BranchCursor(comp.tree[b]) for b in comp.branches}

    def chunks(self, start: int = 0, stop: int | None = None, *, step: int) -> Iterator[KcdcChunk]:
        """The showers ``[start, stop)`` (default: all) in chunks of ``step``."""
        stop = self.num_entries if stop is None else min(stop, self.num_entries)
        for a in range(start, stop, step):
            yield self.read(a, min(a + step, stop))

    def read(self, start: int, stop: int) -> KcdcChunk:
        """The showers ``[start, stop)`` with their component rows."""
        first = self._take(
            [(("general", b), c, start, stop) for b, c in self._general.items()]
            + [(("map", role), c, start, stop) for role, c in self._maps.items()]
        )
        general = {b: first[("general", b)] for b in self._general}
        index: dict[str, np.ndarray] = {}
        ranges: dict[str, tuple[int, int]] = {}
        for role, comp in self._components.items():
            if role in self._maps:
                index[role] = np.asarray(ak.to_numpy(first[("map", role)]), dtype=np.int64)
            else:
                index[role] = np.arange(start, stop, dtype=np.int64)
            sel = index[role][index[role] >= 0]
            if len(sel):
                ranges[role] = self._range(role, sel, int(comp.tree.num_entries))
        second = self._take([((role, b), c, *ranges[role]) for role in ranges for b, c in self._cursors[role].items()])
        self._check_counts(self._general, general, start)
        components = {}
        for role, comp in self._components.items():
            if role in ranges:
                values = {b: second[(role, b)] for b in comp.branches}
                self._check_counts(self._cursors[role], values, ranges[role][0])
                components[role] = ComponentRows(index[role], ranges[role][0], values)
            else:
                components[role] = ComponentRows(index[role], 0, {b: np.zeros(0) for b in comp.branches})
        return KcdcChunk(start, stop, general, components)

    def _check_counts(self, cursors: Mapping[str, BranchCursor], values: Mapping[str, Any], first: int) -> None:
        """Every list branch read with its counter (``EDeposit[ArrivalN]``) holds as many values per entry as the
        counter says: a damaged basket can hold valid-looking offsets that disagree with it."""
        for name, cursor in cursors.items():
            counter = getattr(getattr(cursor.branch, "count_branch", None), "name", None)
            if counter is None or counter not in values or values[name].ndim < 2:
                continue
            counts, lengths = np.asarray(values[counter]), np.asarray(ak.num(values[name], axis=1))
            differ = np.flatnonzero(counts != lengths)
            if len(differ):
                at = int(differ[0])
                msg = (
                    f"{self.where}: branch {name!r} holds {lengths[at]} values at entry {first + at} where its "
                    f"counter {counter!r} says {counts[at]}; the file is corrupt: get a fresh copy"
                )
                raise CorruptFileError(msg)

    def _range(self, role: str, sel: np.ndarray, n: int) -> tuple[int, int]:
        lo, hi = int(sel.min()), int(sel.max()) + 1
        if lo < 0 or hi > n:
            msg = (
                f"{self.where}: the mapping points past the end of the {role} tree ({n} entries); "
                "the file is inconsistent"
            )
            raise CorruptFileError(msg)
        return lo, hi

    def _take(self, reads: list[tuple[tuple[str, str], BranchCursor, int, int]]) -> dict[tuple[str, str], Any]:
        """``cursor.take(lo, hi)`` for every read, keyed as given (on the pool's threads, if there is a pool)."""
        if self._pool is None:
            return {key: self._read(key[1], cursor, lo, hi) for key, cursor, lo, hi in reads}
        futures = {key: self._pool.submit(self._read, key[1], cursor, lo, hi) for key, cursor, lo, hi in reads}
        return {key: future.result() for key, future in futures.items()}

    def _read(self, name: str, cursor: BranchCursor, lo: int, hi: int) -> Any:
        # uproot raises many kinds of errors on damaged data (h5py too, for HDF5 tables read like trees)
        with damaged(self.where, f"reading branch {name!r} at entries {lo}-{hi} failed"):
            values = cursor.take(lo, hi)
        if len(values) != hi - lo:  # a damaged basket can hold fewer entries than the tree says: never join those
            msg = (
                f"{self.where}: branch {name!r} holds {len(values)} entries where {hi - lo} were asked for "
                f"(entries {lo}-{hi}); the file is truncated or corrupt: get a fresh copy"
            )
            raise CorruptFileError(msg)
        return values
