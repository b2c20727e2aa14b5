"""Write events to HDF5 in the KCDC layout: a group per ROOT tree, a 1-D dataset per quantity.

=========  ==========================================================================================
group      datasets (KCDC names; one entry per event of the group)
=========  ==========================================================================================
``KCDC``   general quantities: ``E``, ``Ne``, ``Nmu``, ``Ze``, ``Az``, ``Xc``, ``Yc``, ``Age``, ``Gt``,
           ``Mt``, ``T``, ``P``, ``R``, ``Ev``, ``lnA``, ... (every event)
``KCDCM``  mapping: ``ArrayIdx``, ``CalorIdx``, ``GrandeIdx`` = entry of the component group, -1 if none
``Array``  ``ArrivalN`` (stations with a signal) and the flat per-station values ``ArrivalS``,
           ``EDeposit``, ``MDeposit``, ``Arrival`` (``sum(ArrivalN)`` entries, attribute ``count``)
``Calor``  ``Ehad``, ``Nhad``
``Grande`` ``Xc``, ``Yc``, ``Ze``, ``Az``, ``Nch``, ``Nmu``, ``Age``
=========  ==========================================================================================

Each dataset carries the attributes ``field`` (canonical name) and ``unit``. Datasets are chunked (64 Ki entries)
and compressed with gzip level 1 after the shuffle filter, with a Fletcher-32 checksum: gzip (deflate) is built into
every HDF5 library, so h5py, PyTables/pandas, ROOT, MATLAB, Julia and the HDF5 tools read the files without
plugins (LZF is an h5py-only filter); level 1 with shuffle was as small as level 4 and the fastest gzip to write
here; the checksum turns a damaged chunk into an error instead of wrong numbers. The same events give
byte-identical files (no time stamps are stored).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import awkward as ak
import numpy as np

from kcdc_hep import schema
from kcdc_hep._optional import import_optional
from kcdc_hep.writers.events import _branch_name, _check_events, _numpy, split_kcdc, station_lists

__all__ = ["CHUNK_ENTRIES", "COMPRESSION", "write_hdf5"]

#: Entries per HDF5 chunk: 512 KiB of float64, within h5py's 1 MiB chunk cache per dataset.
CHUNK_ENTRIES = 1 << 16
#: Filters of every dataset (see the module docstring for the choice).
COMPRESSION: dict[str, Any] = {"compression": "gzip", "compression_opts": 1, "shuffle": True, "fletcher32": True}
#: Fields whose KCDC datasets hold a unit other than the canonical field's (time is split into Gt and Mt).
_UNITS: dict[str, tuple[str | None, str | None]] = {
    "Gt": ("time", "s since 1970-01-01 UTC"),
    "Mt": ("time", "ns within the second"),
    "Primary": ("primary", "CORSIKA id"),
}


def write_hdf5(chunks: Iterable[ak.Array], tmp: Path, *, where: str) -> None:
    """Write a stream of event chunks to the HDF5 file ``tmp`` (the caller renames it when complete)."""
    h5py = import_optional("h5py")
    offsets: dict[str, int] = {}
    with h5py.File(tmp, "w", track_order=False) as f:
        f.attrs["creator"] = "kcdc_hep"
        f.attrs["layout"] = "KCDC: groups KCDC (general), KCDCM (mapping), Array, Calor, Grande (components)"
        for events in chunks:
            _check_events(events)
            general, mapping, components = split_kcdc(events, offsets, where=where)
            _append(f, "KCDC", general)
            if mapping:
                _append(f, "KCDCM", mapping)
            for group, data in components.items():
                if group == "Array" and any(k in schema.STATION_FIELDS for k in data):
                    _append_lists(f, data)
                else:
                    _append(f, group, {_branch_name(k): _numpy(v) for k, v in data.items()})


def _dataset(group: Any, name: str, dtype: Any) -> Any:
    """The resizable dataset ``name`` of ``group``, created on first use with its attributes."""
    if name in group:
        return group[name]
    ds = group.create_dataset(name, shape=(0,), maxshape=(None,), dtype=dtype, chunks=(CHUNK_ENTRIES,), **COMPRESSION)
    canonical = schema.canonical_name(name, component=group.name.strip("/").lower())
    known = schema.FIELDS.get(canonical) if canonical is not None else None
    field, unit = _UNITS.get(name, (canonical, known.unit if known is not None else None))
    if field is not None:
        ds.attrs["field"] = field
    if unit is not None:
        ds.attrs["unit"] = unit
    return ds


def _extend(ds: Any, values: np.ndarray) -> None:
    n = ds.shape[0]
    ds.resize((n + len(values),))
    ds[n:] = values


def _append(f: Any, group_name: str, columns: dict[str, np.ndarray]) -> None:
    group = f.require_group(group_name)
    for name, values in columns.items():
        _extend(_dataset(group, name, values.dtype), values)


def _append_lists(f: Any, data: dict[str, ak.Array]) -> None:
    """Array data: the count ``ArrivalN`` per event and the flat per-station values, each naming its count."""
    counts, jagged = station_lists(data)
    group = f.require_group("Array")
    _extend(_dataset(group, "ArrivalN", np.int32), counts)
    for field, values in jagged.items():
        flat = _numpy(ak.flatten(values, axis=1))
        ds = _dataset(group, _branch_name(field), flat.dtype)
        ds.attrs["count"] = "ArrivalN"
        _extend(ds, flat)
    for field, values in data.items():  # scalars of the array component other than the count
        if field not in jagged and field != "n_stations":
            _extend(_dataset(group, _branch_name(field), _numpy(values).dtype), _numpy(values))
