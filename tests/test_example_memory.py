"""The run() twin reads branches basket by basket and holds no more than about one basket per branch."""

from __future__ import annotations

from pathlib import Path

import awkward as ak
import numpy as np
import uproot

import kcdc_hep
from kcdc_hep.analyses import example


def test_branch_cursor_memory_stays_bounded(tmp_path: Path, rng: np.random.Generator) -> None:
    n = 20_000
    counts = rng.integers(20, 40, n)
    events = ak.zip(
        {
            "lgE": rng.normal(15, 0.3, n),
            "station": ak.unflatten(rng.integers(0, 252, counts.sum()).astype(np.int32), counts),
            "e_deposit": ak.unflatten(rng.exponential(5, counts.sum()).astype(np.float32), counts),
        },
        depth_limit=1,
    )
    path = kcdc_hep.write(events, tmp_path / "events.root", step_size=1000)  # baskets of 1000 showers
    with uproot.open(path) as f:
        cursor = example._BranchCursor(f["Array"]["EDeposit"])
        held = []
        for lo in range(0, n, 700):  # chunks that do not line up with the baskets
            part = cursor.take(lo, min(lo + 700, n))
            assert ak.to_list(part[:2]) == ak.to_list(events.e_deposit[lo : lo + 2])
            held.append(ak.Array(cursor.data).nbytes)
    basket_bytes = 1000 * 40 * 4 + 1001 * 8
    assert max(held) < 4 * basket_bytes  # not growing with the number of chunks read
