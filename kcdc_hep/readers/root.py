"""ROOT files: KCDC-like files with several trees joined per event, a single flat TTree, or an RNTuple.

A KCDC file has a general tree (one entry per event), a mapping tree (one entry per event, the entry of each
component tree or -1) and component trees of their own lengths (array with per-station lists, calorimeter,
Grande). Trees and branches are found by name, case-insensitively and by alias. A component an event lacks is a
missing value (awkward option type), never a zero.
"""

from __future__ import annotations

import contextlib
import os
import struct
import threading
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import awkward as ak

from kcdc_hep import settings
from kcdc_hep.errors import CorruptFileError, EmptyFileError, MissingColumnError, UnknownFormatError, closest_first
from kcdc_hep.readers.columns import ColumnPlan, plan_columns, to_events
from kcdc_hep.readers.kcdc_cursor import Component, KcdcChunk, KcdcReader
from kcdc_hep.readers.sources import damaged, entry_range

__all__ = [
    "RATIO_FREE_BYTES",
    "ROLE_NAMES",
    "RootLayout",
    "RootPlan",
    "chunks",
    "find_mapping_branches",
    "layout",
    "layout_chunks",
    "num_entries",
    "open_file",
    "plan",
]

#: Tree roles and the names (lower case) a tree of that role may have.
ROLE_NAMES: dict[str, tuple[str, ...]] = {
    "general": ("kcdc", "general", "events", "event", "kascade", "t", "tree", "data"),
    "mapping": ("kcdcm", "mapping", "row_mapping", "map", "kcdc_mapping"),
    "array": ("array", "arraydata", "data_arrays", "stations"),
    "calorimeter": ("calor", "calorimeter", "calo", "hadron"),
    "grande": ("grande", "grandedata", "grande_data", "kascade_grande"),
}
#: Branch-name fragments (lower case) by which a mapping-tree branch points at a component.
_MAP_KEYS: dict[str, tuple[str, ...]] = {
    "array": ("array",),
    "calorimeter": ("calor", "calo"),
    "grande": ("grande",),
}
#: ROOT objects (a basket, a tree's metadata) up to this size may unpack from any file; beyond it, an object larger
#: than the file size times ``KCDC_HEP_MAX_COMPRESSION_RATIO`` is refused before uproot allocates it.
RATIO_FREE_BYTES = 64 << 20
#: What the open files measure (uproot does not know the size of a stream such as a zip member).
_SIZES: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()
_HOOK_LOCK = threading.Lock()
#: What the size check raises inside uproot (turned into CorruptFileError by :func:`kcdc_hep.readers.sources.damaged`)
_WHAT = "not a readable ROOT file"


class RootSizeError(ValueError):
    """A compressed ROOT object declares an unpacked size it cannot have (raised inside uproot, then converted)."""


@dataclass
class RootLayout:
    """The trees of a ROOT file and their roles."""

    where: str
    general: Any
    general_name: str
    mapping: Any | None = None
    components: dict[str, Any] = field(default_factory=dict)
    trees: dict[str, str] = field(default_factory=dict)  # name -> class, for `info`

    @property
    def num_entries(self) -> int:
        return int(self.general.num_entries)


def _check_length(source: Any, where: str) -> int:
    """Compare the file size with the end the ROOT header records (fEND): a shorter file was cut off.

    Returns the size of the file in bytes.
    """
    if hasattr(source, "read") and hasattr(source, "seek"):
        pos = source.tell()
        head = source.read(20)
        size = source.seek(0, os.SEEK_END)
        source.seek(pos)
    else:
        with open(source, "rb") as fh:
            head = fh.read(20)
            size = fh.seek(0, os.SEEK_END)
    if head[:4] != b"root":
        return int(size)
    if len(head) < 16:
        msg = f"{where}: the ROOT file is truncated ({size:,} bytes, not even a whole file header); fetch it again"
        raise CorruptFileError(msg)
    version = struct.unpack(">i", head[4:8])[0]
    big = version >= 1000000
    if big and len(head) < 20:
        msg = f"{where}: the ROOT file is truncated ({size:,} bytes, not even a whole file header); fetch it again"
        raise CorruptFileError(msg)
    end = struct.unpack(">q", head[12:20])[0] if big else struct.unpack(">i", head[12:16])[0]
    if size < end:
        msg = (
            f"{where}: the ROOT file is truncated ({size:,} bytes of {end:,}); it may be truncated or corrupt "
            "(an interrupted download or copy): fetch it again"
        )
        raise CorruptFileError(msg)
    return int(size)


def _check_object(*, chunk: Any, cursor: Any, compressed_bytes: int, uncompressed_bytes: int, **_: Any) -> None:
    """Before uproot unpacks a compressed ROOT object: its declared size must fit the file and its blocks.

    ROOT compresses an object in blocks, each with a 9-byte header giving its compressed and unpacked sizes. The
    object's declared unpacked size (the key's ``fObjlen``, which uproot allocates at once) must be the sum of its
    blocks', and at most the file size times ``KCDC_HEP_MAX_COMPRESSION_RATIO`` (objects over
    :data:`RATIO_FREE_BYTES`): a damaged or hostile field would otherwise cost gigabytes before any error.
    """
    source = chunk.source
    size = getattr(source, "num_bytes", None) or _SIZES.get(source)
    if size is not None and compressed_bytes > size:
        msg = f"a compressed object declares {compressed_bytes:,} bytes, more than the whole file ({size:,})"
        raise RootSizeError(msg)
    ratio = settings.max_compression_ratio()
    if ratio is not None and size is not None and uncompressed_bytes > max(RATIO_FREE_BYTES, ratio * size):
        msg = (
            f"an object declares {uncompressed_bytes:,} unpacked bytes, more than {ratio:g} times the file size "
            f"({size:,} bytes; KCDC_HEP_MAX_COMPRESSION_RATIO, 0 lifts the limit)"
        )
        raise RootSizeError(msg)
    pos, end, total = cursor.index, cursor.index + compressed_bytes, 0
    while pos < end and total <= uncompressed_bytes:
        header = chunk.get(pos, pos + 9, cursor, {})
        total += int(header[6]) | int(header[7]) << 8 | int(header[8]) << 16
        pos += 9 + (int(header[3]) | int(header[4]) << 8 | int(header[5]) << 16)
    if total != uncompressed_bytes:
        msg = f"an object declares {uncompressed_bytes:,} unpacked bytes but its compressed blocks hold {total:,}"
        raise RootSizeError(msg)


def _install_object_check() -> None:
    """Make uproot call :func:`_check_object` before it unpacks a compressed object (once; other hooks kept)."""
    import uproot.compression

    decompress = uproot.compression.decompress
    with _HOOK_LOCK:
        previous = decompress.hook_before_block
        if getattr(previous, "kcdc_hep", False):
            return

        def hook(**kwargs: Any) -> None:
            if kwargs.get("filled", 0) == 0 and kwargs.get("num_blocks", 0) == 0:
                _check_object(**kwargs)
            previous(**kwargs)

        hook.kcdc_hep = True  # type: ignore[attr-defined]
        decompress.hook_before_block = hook


@contextlib.contextmanager
def open_file(source: Any, *, where: str) -> Iterator[Any]:
    """uproot.open with damaged-file errors turned into :class:`CorruptFileError` (a context manager).

    ``source`` is a path or a seekable binary stream. uproot's array cache is off: the readers hold what they
    read themselves (:class:`~kcdc_hep.readers.kcdc_cursor.BranchCursor`). Every compressed object read from the
    file is checked before uproot unpacks it (:func:`_check_object`): a damaged size field is an error, not a
    gigabyte allocation. uproot's process-wide class registry is restored when the file closes: see
    :func:`_registry_kept`.
    """
    import uproot

    size = _check_length(source, where)
    _install_object_check()
    with _registry_kept():
        with damaged(where, _WHAT):
            file = uproot.open(source, array_cache=None)
            with contextlib.suppress(TypeError):  # a source that cannot be weak-referenced is not measured
                _SIZES[file.file.source] = size
        with file:
            yield file


_REGISTRY_LOCK = threading.Lock()
_registry_users = 0
_registry_saved: tuple[dict[str, Any], dict[str, Any], dict[str, dict[Any, Any]]] | None = None


@contextlib.contextmanager
def _registry_kept() -> Iterator[None]:
    """uproot's class registry as it was before, once the last file opened through :func:`open_file` closes.

    uproot builds a model from a file's own streamers for every class version it does not know and registers it
    process-wide (``uproot.classes``, ``known_versions``): a damaged or hostile file would leave models of class
    versions that do not exist (a ``TH1D`` version 99), which every later file, read or write in the process, would
    then be served. Files open at the same time (threads) share one snapshot; the last to close restores it.
    """
    import uproot

    global _registry_users, _registry_saved
    with _REGISTRY_LOCK:
        if _registry_users == 0:
            classes = dict(uproot.classes)
            versions = {n: dict(c.known_versions) for n, c in classes.items() if hasattr(c, "known_versions")}
            _registry_saved = (classes, dict(uproot.unknown_classes), versions)
        _registry_users += 1
    try:
        yield
    finally:
        with _REGISTRY_LOCK:
            _registry_users -= 1
            if _registry_users == 0 and _registry_saved is not None:
                classes, unknown, versions = _registry_saved
                uproot.classes.clear()
                uproot.classes.update(classes)
                uproot.unknown_classes.clear()
                uproot.unknown_classes.update(unknown)
                for name, known in versions.items():
                    if classes[name].known_versions != known:
                        classes[name].known_versions.clear()
                        classes[name].known_versions.update(known)
                _registry_saved = None


def layout(file: Any, *, where: str) -> RootLayout:
    """Find the trees of a ROOT file and assign roles by name.

    Raises
    ------
    CorruptFileError
        The file's directory or a tree cannot be read.
    UnknownFormatError
        The file holds no TTree or RNTuple.
    """
    with damaged(where, _WHAT):
        return _layout(file, where)


def _layout(file: Any, where: str) -> RootLayout:
    classes = file.classnames(cycle=False)
    if not classes:
        msg = f"{where}: the ROOT file lists no objects at all; it is empty, truncated or corrupt"
        raise CorruptFileError(msg)
    trees = {k: c for k, c in classes.items() if c in ("TTree", "ROOT::RNTuple", "ROOT::Experimental::RNTuple")}
    top = {k: c for k, c in trees.items() if "/" not in k} or trees
    if not top:
        listed = ", ".join(f"{k} ({c})" for k, c in classes.items()) or "nothing"
        msg = f"{where}: the ROOT file holds no TTree or RNTuple (it holds: {listed}); it is not an event file"
        raise UnknownFormatError(msg)
    roles: dict[str, str] = {}
    for name in top:
        low = name.rsplit("/", 1)[-1].lower()
        for role, names in ROLE_NAMES.items():
            if low in names and role not in roles:
                roles[role] = name
                break
    if "general" not in roles:
        unassigned = [n for n in top if n not in roles.values()]
        if len(top) == 1:
            roles = {"general": next(iter(top))}
        elif unassigned:
            # the longest unassigned tree is the general one
            roles["general"] = max(unassigned, key=lambda n: _entries(file, n, where))
        else:
            roles["general"] = max(top, key=lambda n: _entries(file, n, where))
    general = _get(file, roles["general"], where)
    mapping = _get(file, roles["mapping"], where) if "mapping" in roles else None
    components = {r: _get(file, n, where) for r, n in roles.items() if r in _MAP_KEYS}
    return RootLayout(where, general, roles["general"], mapping, components, dict(top))


def _get(file: Any, name: str, where: str) -> Any:
    with damaged(where, f"tree {name!r} cannot be read"):
        return file[name]


def _entries(file: Any, name: str, where: str) -> int:
    return int(_get(file, name, where).num_entries)


def _branch_names(tree: Any) -> list[str]:
    if hasattr(tree, "keys") and type(tree).__name__ != "Model_ROOT_3a3a_RNTuple":
        try:
            return [k for k in tree.keys(recursive=False)]
        except TypeError:
            return list(tree.keys())
    return list(tree.keys())


def find_mapping_branches(lay: RootLayout) -> dict[str, str]:
    """The branch of the mapping tree that points at each component tree, by role (``{"array": "ArrayIdx"}``)."""
    found: dict[str, str] = {}
    if lay.mapping is not None:
        for b in _branch_names(lay.mapping):
            for role, keys in _MAP_KEYS.items():
                if role in lay.components and any(k in b.lower() for k in keys):
                    found.setdefault(role, b)
    return found


@dataclass(frozen=True)
class RootPlan:
    general: ColumnPlan
    components: dict[str, ColumnPlan]
    mapping_branches: dict[str, str]  # role -> mapping branch
    available: tuple[str, ...]


def plan(lay: RootLayout, requested: Sequence[str] | None) -> RootPlan:
    """Decide which branches of which tree give each requested field."""
    where = lay.where
    gen_names = _branch_names(lay.general)
    gen_plan = plan_columns(gen_names, None, where=f"{where}:{lay.general_name}")
    comp_plans = {}
    for role, tree in lay.components.items():
        names = [n for n in _branch_names(tree) if n.lower() not in ("r", "ev", "run", "event")]
        comp_plans[role] = plan_columns(names, None, where=f"{where}:{role}", component=role)
    available = list(gen_plan.available)
    for cp in comp_plans.values():
        available += [f for f in cp.available if f not in available]
    mapping_branches = find_mapping_branches(lay)
    if requested is not None:
        wanted = []
        from kcdc_hep.schema import canonical_name

        for r in requested:
            c = canonical_name(r)
            target = c if c in available else r
            if target not in available:
                listed = ", ".join(closest_first(r, available)[:12])
                msg = f"{where}: field {r!r} is not in this file; available fields, closest first: {listed}"
                raise MissingColumnError(msg)
            wanted.append(target)
        gen_plan = plan_columns(gen_names, [w for w in wanted if w in gen_plan.available], where=where)
        comp_plans = {
            role: plan_columns(
                [n for n in _branch_names(lay.components[role]) if n.lower() not in ("r", "ev", "run", "event")],
                [w for w in wanted if w in cp.available and w not in gen_plan.available],
                where=where,
                component=role,
            )
            for role, cp in comp_plans.items()
        }
        comp_plans = {r: p for r, p in comp_plans.items() if p.rename}
    else:
        # a field two trees share (say R, Ev) is taken from the general tree
        comp_plans = {
            role: plan_columns(
                [n for n in _branch_names(lay.components[role]) if n.lower() not in ("r", "ev", "run", "event")],
                [f for f in cp.available if f not in gen_plan.available],
                where=where,
                component=role,
            )
            for role, cp in comp_plans.items()
            if [f for f in cp.available if f not in gen_plan.available]
        }
    return RootPlan(gen_plan, comp_plans, mapping_branches, tuple(available))


def num_entries(source: Any, *, where: str) -> int:
    """The number of events of a ROOT file (entries of its general tree), without reading them."""
    with open_file(source, where=where) as file, damaged(where, _WHAT):
        return layout(file, where=where).num_entries


def chunks(
    source: Any,
    *,
    where: str,
    columns: Sequence[str] | None,
    start: int | None = None,
    stop: int | None = None,
    step: int | None = None,
) -> Iterator[ak.Array]:
    """Events ``[start, stop)`` of a ROOT file (a path or a seekable binary stream): one array, or chunks of ``step``.

    The general tree's entries are joined with their component trees (through the mapping tree, or entry by entry)
    by :class:`~kcdc_hep.readers.kcdc_cursor.KcdcReader`.
    """
    with open_file(source, where=where) as file, damaged(where, _WHAT):
        yield from layout_chunks(
            layout(file, where=where), where=where, columns=columns, start=start, stop=stop, step=step
        )


def layout_chunks(
    lay: RootLayout,
    *,
    where: str,
    columns: Sequence[str] | None,
    start: int | None = None,
    stop: int | None = None,
    step: int | None = None,
) -> Iterator[ak.Array]:
    """As :func:`chunks`, for the trees of a layout already found (also tables of other formats that read like
    trees: ``num_entries``, ``keys()`` and ``tree[name].array(entry_start=, entry_stop=)``, e.g. HDF5 tables)."""
    with damaged(where, _WHAT):
        rp = plan(lay, columns)
        a, b = entry_range(lay.num_entries, start, stop)
    reader = KcdcReader(
        lay.general,
        rp.general.source_columns,
        where=where,
        mapping=lay.mapping,
        components={
            role: Component(lay.components[role], tuple(cp.source_columns), rp.mapping_branches.get(role))
            for role, cp in rp.components.items()
        },
    )
    if step is None:
        yield _events(reader.read(a, b), rp, where)
    else:
        for chunk in reader.chunks(a, b, step=step):
            yield _events(chunk, rp, where)


def _events(chunk: KcdcChunk, rp: RootPlan, where: str) -> ak.Array:
    """The event records of a chunk: general fields, and each component's fields as options (None: lacking it)."""
    events_fields: dict[str, Any] = {}
    if rp.general.rename or rp.general.gt:
        general = to_events(dict(chunk.general), rp.general, where=where)
        events_fields.update({f: general[f] for f in general.fields})
    for role, cp in rp.components.items():
        rows = chunk.components[role]
        comp = to_events(dict(rows.values), cp, where=where)
        index = ak.index.Index64(rows.local_index())
        for f in comp.fields:
            content = ak.to_layout(comp[f])
            events_fields[f] = ak.Array(ak.contents.IndexedOptionArray.simplified(index, content))
    if not events_fields:
        msg = f"{where}: nothing to read"
        raise EmptyFileError(msg)
    return ak.zip(events_fields, depth_limit=1)
