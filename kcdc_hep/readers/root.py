"""ROOT files: KCDC-like files with several trees joined per event, a single flat TTree, or an RNTuple.

A KCDC file has a general tree (one entry per event), a mapping tree (one entry per event, the entry of each
component tree or -1) and component trees of their own lengths (array with per-station lists, calorimeter,
Grande). Trees and branches are found by name, case-insensitively and by alias. A component an event lacks is a
missing value (awkward option type), never a zero.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import awkward as ak
import numpy as np

from kcdc_hep.errors import CorruptFileError, EmptyFileError, MissingColumnError, UnknownFormatError, closest_first
from kcdc_hep.readers.columns import ColumnPlan, plan_columns, to_events

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
#: uproot reading errors that mean a damaged file.
_CORRUPT = (OSError, ValueError, KeyError, IndexError, EOFError, AssertionError, TypeError)


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


def _check_length(source: Any, where: str) -> None:
    """Compare the file size with the end the ROOT header records (fEND): a shorter file was cut off."""
    import struct

    if hasattr(source, "read") and hasattr(source, "seek"):
        pos = source.tell()
        head = source.read(20)
        size = source.seek(0, 2)
        source.seek(pos)
    else:
        with open(source, "rb") as fh:
            head = fh.read(20)
            size = fh.seek(0, 2)
    if len(head) < 16 or head[:4] != b"root":
        return
    version = struct.unpack(">i", head[4:8])[0]
    end = struct.unpack(">q", head[12:20])[0] if version >= 1000000 else struct.unpack(">i", head[12:16])[0]
    if size < end:
        msg = (
            f"{where}: the ROOT file is truncated ({size:,} bytes of {end:,}); it may be truncated or corrupt "
            "(an interrupted download or copy): fetch it again"
        )
        raise CorruptFileError(msg)


def open_file(source: Any, *, where: str) -> Any:
    """uproot.open with damaged-file errors turned into :class:`CorruptFileError`."""
    import uproot

    _check_length(source, where)
    try:
        return uproot.open(source)
    except _CORRUPT as err:
        msg = f"{where}: not a readable ROOT file ({type(err).__name__}: {err}); it may be truncated or corrupt"
        raise CorruptFileError(msg) from err
    except Exception as err:  # uproot raises its own deserialisation errors
        msg = f"{where}: not a readable ROOT file ({type(err).__name__}: {err}); it may be truncated or corrupt"
        raise CorruptFileError(msg) from err


def layout(file: Any, *, where: str) -> RootLayout:
    """Find the trees of a ROOT file and assign roles by name."""
    try:
        classes = file.classnames(cycle=False)
    except Exception as err:
        msg = f"{where}: cannot list the ROOT file's contents ({err}); it may be truncated or corrupt"
        raise CorruptFileError(msg) from err
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
    try:
        return file[name]
    except Exception as err:
        msg = f"{where}: tree {name!r} cannot be read ({err}); the file may be truncated or corrupt"
        raise CorruptFileError(msg) from err


def _entries(file: Any, name: str, where: str) -> int:
    return int(_get(file, name, where).num_entries)


def _branch_names(tree: Any) -> list[str]:
    if hasattr(tree, "keys") and type(tree).__name__ != "Model_ROOT_3a3a_RNTuple":
        try:
            return [k for k in tree.keys(recursive=False)]
        except TypeError:
            return list(tree.keys())
    return list(tree.keys())


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
    mapping_branches: dict[str, str] = {}
    if lay.mapping is not None:
        for b in _branch_names(lay.mapping):
            for role, keys in _MAP_KEYS.items():
                if role in lay.components and any(k in b.lower() for k in keys):
                    mapping_branches.setdefault(role, b)
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


def _arrays(tree: Any, branches: list[str], start: int, stop: int, where: str) -> dict[str, Any]:
    if not branches:
        return {}
    try:
        arr = tree.arrays(branches, entry_start=start, entry_stop=stop, library="ak")
    except Exception as err:
        msg = f"{where}: reading branches {branches} failed ({type(err).__name__}: {err}); the file may be truncated"
        raise CorruptFileError(msg) from err
    return {b: arr[b] for b in branches}


def _component_index(lay: RootLayout, rp: RootPlan, role: str, start: int, stop: int) -> np.ndarray:
    """Entry of the component tree for each general entry in [start, stop), -1 where the event lacks it."""
    comp = lay.components[role]
    if role in rp.mapping_branches:
        raw = _arrays(lay.mapping, [rp.mapping_branches[role]], start, stop, lay.where)
        return np.asarray(ak.to_numpy(raw[rp.mapping_branches[role]]), dtype=np.int64)
    if int(comp.num_entries) == lay.num_entries:
        return np.arange(start, stop, dtype=np.int64)
    msg = (
        f"{lay.where}: the {role} tree has {comp.num_entries} entries and the general tree {lay.num_entries}, "
        "and there is no mapping tree (KCDCM) to join them; add the mapping tree or read the trees separately"
    )
    raise CorruptFileError(msg)


def read_range(lay: RootLayout, rp: RootPlan, start: int, stop: int) -> ak.Array:
    """Events [start, stop) of the general tree, joined with their components."""
    where = lay.where
    cols = _arrays(lay.general, rp.general.source_columns, start, stop, where)
    events_fields: dict[str, Any] = {}
    if rp.general.rename or rp.general.gt:
        general = to_events(cols, rp.general, where=where)
        events_fields.update({f: general[f] for f in general.fields})
    for role, cp in rp.components.items():
        idx = _component_index(lay, rp, role, start, stop)
        present = idx >= 0
        if present.any():
            lo, hi = int(idx[present].min()), int(idx[present].max()) + 1
            if hi > int(lay.components[role].num_entries):
                msg = f"{where}: the mapping points past the end of the {role} tree; the file is inconsistent"
                raise CorruptFileError(msg)
            comp = to_events(_arrays(lay.components[role], cp.source_columns, lo, hi, where), cp, where=where)
            local = np.where(present, idx - lo, -1)
        else:
            comp = to_events({s: np.zeros(0) for s in cp.source_columns}, cp, where=where)
            local = np.full(len(idx), -1, dtype=np.int64)
        index = ak.index.Index64(local)
        for f in comp.fields:
            content = ak.to_layout(comp[f])
            events_fields[f] = ak.Array(ak.contents.IndexedOptionArray.simplified(index, content))
    if not events_fields:
        msg = f"{where}: nothing to read"
        raise EmptyFileError(msg)
    return ak.zip(events_fields, depth_limit=1)


def iterate(lay: RootLayout, rp: RootPlan, start: int, stop: int, step: int) -> Iterator[ak.Array]:
    """Chunks of ``step`` events."""
    for a in range(start, stop, step):
        yield read_range(lay, rp, a, min(a + step, stop))
