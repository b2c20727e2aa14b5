"""Provenance: the built-in samples are recognised as synthetic (with their seed), other files claim nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kcdc_hep.errors import CorruptFileError
from kcdc_hep.provenance import OPEN_DATA, Provenance, joint_label, provenance_of, sidecar_path
from kcdc_hep.simulation import samples


def test_builtin_sample_is_synthetic_with_its_seed() -> None:
    for name, kind in (("sample1", "data"), ("sample2", "simulation")):
        prov = provenance_of(samples.default_sample(name, progress=False))
        assert prov.synthetic and prov.seed == 2940
        assert prov.label == f"synthetic {kind}, seed 2940"
        assert "generated" in prov.source and "Open Data" not in prov.title


def test_a_link_to_a_builtin_sample_is_still_synthetic(tmp_path: Path) -> None:
    link = tmp_path / "data" / "sample1_data.txt"
    link.parent.mkdir()
    link.symlink_to(samples.default_sample("sample1", progress=False))
    assert provenance_of(link).synthetic


def test_a_file_elsewhere_claims_nothing(tmp_path: Path) -> None:
    fake = tmp_path / "samples" / "seed1-scale1" / "sample1_data.txt"  # the folder name alone is not enough
    fake.parent.mkdir(parents=True)
    fake.write_text("E Ne Nmu Ze\n", encoding="utf-8")
    prov = provenance_of(fake)
    assert not prov.synthetic and prov.seed is None
    assert prov.label == "data" and "Open Data" not in prov.title


def test_a_sidecar_states_the_provenance(tmp_path: Path) -> None:
    f = tmp_path / "kcdc_export.txt"
    f.write_text("E Ne Nmu Ze\n", encoding="utf-8")
    record = {"synthetic": False, "seed": None, "source": "KCDC export 2024-05-01", "label": "Open Data"}
    sidecar_path(f).write_text(json.dumps(record), encoding="utf-8")
    assert provenance_of(f) == Provenance(False, None, "KCDC export 2024-05-01", "Open Data")
    sidecar_path(f).write_text("{}", encoding="utf-8")
    with pytest.raises(CorruptFileError, match="provenance record"):
        provenance_of(f)


def test_joint_label() -> None:
    d = Provenance(True, 7, "gen", "synthetic data, seed 7")
    s = Provenance(True, 7, "gen", "synthetic simulation, seed 7")
    assert joint_label([d, s]) == "synthetic data + simulation, seed 7"
    assert joint_label([d, d]) == "synthetic data, seed 7"
    assert joint_label([OPEN_DATA, s]) == "Open Data + synthetic simulation, seed 7"
