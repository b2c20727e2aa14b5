"""The event-model table and the primary codes."""

from __future__ import annotations

import numpy as np
import pytest

from kcdc_hep import schema
from kcdc_hep.errors import MissingColumnError, UnknownPrimaryWarning


@pytest.mark.parametrize(
    ("codes", "symbol", "mass"),
    [
        (["p", "pr", "h", "P", "14"], "p", 1),
        (["he", "He", "402"], "He", 4),
        (["co", "c", "cno", "CNO", "1206"], "C", 12),
        (["si", "2814"], "Si", 28),
        (["fe", "ir", "FE", "5626", 5626], "Fe", 56),
        (["gamma", "gm", "1"], "gamma", 0),
    ],
)
def test_primary_codes_map_to_element_and_mass(codes: list[object], symbol: str, mass: int) -> None:
    for code in codes:
        p = schema.lookup_primary(code)  # type: ignore[arg-type]
        assert p is not None and p.symbol == symbol and p.mass_number == mass, code
    assert schema.primary_symbols(np.asarray(codes, dtype=object).astype(str)).tolist() == [symbol] * len(codes)


def test_unknown_primary_code_warns_once_and_is_kept() -> None:
    with pytest.warns(UnknownPrimaryWarning, match="unknown primary code.*xx"):
        out = schema.primary_symbols(["p", "xx", "xx", "fe"])
    assert out.tolist() == ["p", "xx", "xx", "Fe"]
    assert schema.mass_number(out).tolist() == [1, -1, -1, 56]


def test_every_field_has_unit_dtype_description_and_unique_aliases() -> None:
    seen: dict[str | None, dict[str, str]] = {}  # per scope: everywhere (None) or inside one component
    for f in schema.FIELDS.values():
        assert f.unit and f.dtype and f.description
        scope = seen.setdefault(f.component, {})
        for alias in (f.name, *f.aliases):
            assert scope.setdefault(alias.lower(), f.name) == f.name, f"alias {alias} used twice"
        assert seen[None].setdefault(f.name.lower(), f.name) == f.name, f"name {f.name} used twice"
    # the names of every source format resolve
    for name in "E Ne Nmu Ze Az Xc Yc Age T P R Ev Ehad Nhad ArrivalN EDeposit MDeposit Arrival".split():
        assert schema.canonical_name(name) is not None, name
    for name in "Particle lgE X Y CoreDist lgNe lgNmu IgE IgNe IgNmu".split():
        assert schema.canonical_name(name) is not None, name
    sample3 = "datetime particle_id energy zenith azimuth core_x core_y electron_number muon_number shower_age"
    for name in (sample3 + " temperature pressure").split():
        assert schema.canonical_name(name) is not None, name
    for name in "E YC XC ZE AZ NE NMU ESUMHAD NHAD T P R EV AGE".split():
        assert schema.canonical_name(name) is not None, name


def test_require_lists_available_fields_closest_first() -> None:
    with pytest.raises(MissingColumnError, match=r"field 'lgNmu' is missing .*available: lgNe, lgE"):
        schema.require(["lgE", "lgNe", "zenith"], ["lgNmu"], where="test")


@pytest.mark.parametrize(
    ("name", "field"),
    [
        ("Xc", "grande_core_x"),
        ("YC", "grande_core_y"),
        ("Ze", "grande_zenith"),
        ("az", "grande_azimuth"),
        ("Nch", "grande_lgNch"),
        ("Nmu", "grande_lgNmu"),
        ("Age", "grande_age"),
    ],
)
def test_grande_names_are_its_own_only_inside_the_grande_component(name: str, field: str) -> None:
    assert schema.canonical_name(name, component="grande") == field
    assert schema.canonical_name(name) != field  # KASCADE's Xc, Ze, Nmu ... stay KASCADE's
    assert schema.canonical_name(field) == field  # the canonical name is understood everywhere
    assert schema.FIELDS[field].component == "grande"


def test_names_unknown_to_a_component_fall_back_to_the_general_table() -> None:
    assert schema.canonical_name("EDeposit", component="grande") == "e_deposit"
    assert schema.canonical_name("Ne", component="array") == "lgNe"
    assert schema.COMPONENTS == ("grande",)
