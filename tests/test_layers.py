"""The package keeps its layers: a lower layer never imports a higher one, and no module reaches into the private
names of another subpackage.

Every module of ``kcdc_hep`` is parsed with :mod:`ast` (nothing is imported), so imports inside functions and under
``if TYPE_CHECKING:`` count as well. The layer of a module is the layer of its first name below ``kcdc_hep``
(``kcdc_hep.readers.text`` -> ``readers``). A new top-level module or subpackage must be given a layer in
:data:`LAYERS` before this test passes: that is a deliberate decision, not an accident.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "kcdc_hep"

#: Lowest first; several names on one level may import each other.
LEVELS: tuple[tuple[str, ...], ...] = (
    ("errors", "_optional", "settings", "_util"),
    ("schema", "geometry", "provenance"),
    ("readers", "writers"),
    ("estimators",),
    ("simulation",),
    ("selections",),
    ("histograms",),
    ("spectrum",),
    ("fits", "unfolding", "reference"),
    ("engine",),
    ("ml",),
    ("plotting",),
    ("analyses",),
    ("classroom",),
    ("cli", "__main__"),
)
#: top-level name below kcdc_hep -> level (0 = lowest)
LAYERS: dict[str, int] = {name: level for level, names in enumerate(LEVELS) for name in names}


@dataclass(frozen=True)
class Import:
    """One import of a kcdc_hep module (or of a name from it) by a module of the package."""

    importer: str  # dotted module name, e.g. "kcdc_hep.readers.text"
    line: int
    target: str  # dotted module imported from, e.g. "kcdc_hep.schema"
    names: tuple[str, ...]  # names taken from it ("" for a plain `import target`)


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def is_package(name: str) -> bool:
    return (PACKAGE.parent / name.replace(".", "/") / "__init__.py").is_file()


def is_module(name: str) -> bool:
    return is_package(name) or (PACKAGE.parent / f"{name.replace('.', '/')}.py").is_file()


def imports_of(name: str, path: Path) -> Iterator[Import]:
    """Every import of kcdc_hep by one module, at any depth, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = name if is_package(name) else name.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "kcdc_hep" or alias.name.startswith("kcdc_hep."):
                    yield Import(name, node.lineno, alias.name, ("",))
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join([*base, *([node.module] if node.module else [])])
            else:
                source = node.module or ""
            if source != "kcdc_hep" and not source.startswith("kcdc_hep."):
                continue
            plain = tuple(a.name for a in node.names if not is_module(f"{source}.{a.name}"))
            if plain:
                yield Import(name, node.lineno, source, plain)
            for alias in node.names:  # `from kcdc_hep import readers` imports the module kcdc_hep.readers
                if is_module(f"{source}.{alias.name}"):
                    yield Import(name, node.lineno, f"{source}.{alias.name}", ("",))


def private_attributes(name: str, path: Path) -> Iterator[Import]:
    """``readers._open_source(...)`` after ``from kcdc_hep import readers``: a private name used through a module."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    bound: dict[str, str] = {}
    for imp in imports_of(name, path):
        if imp.names == ("",):
            bound[imp.target.rpartition(".")[2]] = imp.target
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            for alias in node.names:
                if alias.asname:
                    full = alias.name if isinstance(node, ast.Import) else f"{node.module}.{alias.name}"
                    if full in bound.values() or is_module(full):
                        bound[alias.asname] = full
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in bound
            and is_private(node.attr)
        ):
            yield Import(name, node.lineno, bound[node.value.id], (node.attr,))


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def unit(module: str) -> str:
    """The top-level name below kcdc_hep: the subpackage (or module) a module belongs to."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def lazy_api_uses(name: str, path: Path) -> Iterator[Import]:
    """``import kcdc_hep`` then ``kcdc_hep.read(...)``: the lazy top-level API used inside the package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id == "kcdc_hep"
            and not is_module(f"kcdc_hep.{node.attr}")
            and not node.attr.startswith("__")
        ):
            yield Import(name, node.lineno, "kcdc_hep", (node.attr,))


def layer_problems(uses: list[Import]) -> dict[tuple[str, str, str], str]:
    """Upward imports and uses of the lazy API inside the package: key -> message with the line."""
    found: dict[tuple[str, str, str], str] = {}
    for imp in uses:
        if imp.importer == "kcdc_hep":  # the lazy public API sits above everything
            continue
        here, there = unit(imp.importer), unit(imp.target)
        if there == "":  # `from kcdc_hep import X` (X no module) or `kcdc_hep.X`: a name of the lazy API
            for n in imp.names:
                if n and not (n.startswith("__") and n.endswith("__")):
                    found[(imp.importer, imp.target, n)] = (
                        f"{imp.importer}:{imp.line} uses {n} of the lazy kcdc_hep API; import it from its module"
                    )
        elif here in LAYERS and there in LAYERS and LAYERS[there] > LAYERS[here]:
            found[(imp.importer, imp.target, "")] = (
                f"{imp.importer}:{imp.line} ({here}, level {LAYERS[here]}) imports {imp.target} "
                f"({there}, level {LAYERS[there]})"
            )
    return found


def private_problems(uses: list[Import]) -> dict[tuple[str, str, str], str]:
    """Private modules or names of another subpackage: key -> message with the line."""
    found: dict[tuple[str, str, str], str] = {}
    for imp in uses:
        if unit(imp.importer) == unit(imp.target) or imp.importer == "kcdc_hep":
            continue
        if any(is_private(p) for p in imp.target.split(".")[2:]):
            found[(imp.importer, imp.target, "")] = f"{imp.importer}:{imp.line} imports private module {imp.target}"
        for n in imp.names:
            if is_private(n):
                found[(imp.importer, imp.target, n)] = f"{imp.importer}:{imp.line} uses private {n} of {imp.target}"
    return found


ALL = modules()
ALL_IMPORTS = [imp for name, path in ALL.items() for imp in imports_of(name, path)]
LAYER_USES = ALL_IMPORTS + [imp for name, path in ALL.items() for imp in lazy_api_uses(name, path)]
PRIVATE_USES = ALL_IMPORTS + [imp for name, path in ALL.items() for imp in private_attributes(name, path)]


def test_every_module_has_a_layer() -> None:
    missing = sorted({unit(m) for m in ALL if m != "kcdc_hep" and unit(m) not in LAYERS})
    assert not missing, f"give these a layer in LEVELS of {Path(__file__).name}: {', '.join(missing)}"


def test_the_test_sees_function_level_imports() -> None:
    """Guard for the test itself: the CLI imports its commands lazily, inside functions."""
    found = {imp.target for imp in ALL_IMPORTS if imp.importer == "kcdc_hep.cli"}
    assert "kcdc_hep.analyses.compare" in found and "kcdc_hep.readers" in found


def test_lower_layers_never_import_higher_ones() -> None:
    found = layer_problems(LAYER_USES)
    assert not found, "lower layers import higher ones:\n" + "\n".join(msg for _, msg in sorted(found.items()))


def test_no_private_names_across_subpackages() -> None:
    found = private_problems(PRIVATE_USES)
    assert not found, "private names used across subpackages:\n" + "\n".join(msg for _, msg in sorted(found.items()))


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from kcdc_hep.analyses.compare import compare_files\n", ("kcdc_hep.analyses.compare", ("compare_files",))),
        ("def f():\n    from ..readers import root\n", ("kcdc_hep.readers.root", ("",))),
        ("from . import _util\n", ("kcdc_hep._util", ("",))),
        ("import kcdc_hep.plotting as p\n", ("kcdc_hep.plotting", ("",))),
    ],
)
def test_imports_are_resolved(tmp_path: Path, source: str, expected: tuple[str, tuple[str, ...]]) -> None:
    """The parser of this test resolves absolute, relative and function-level imports."""
    name = "kcdc_hep.cli.info" if "..readers" in source else "kcdc_hep.errors"
    path = tmp_path / "mod.py"
    path.write_text(source)
    found = [(imp.target, imp.names) for imp in imports_of(name, path)]
    assert found == [expected]


@pytest.mark.parametrize(
    ("imp", "message"),
    [
        (Import("kcdc_hep.schema", 7, "kcdc_hep.plotting", ("",)), "kcdc_hep.schema:7 (schema, level 1) imports"),
        (Import("kcdc_hep.fits.gauss", 3, "kcdc_hep.analyses.compare", ("chi2_test",)), "imports kcdc_hep.analyses"),
        (Import("kcdc_hep.engine", 9, "kcdc_hep", ("read",)), "kcdc_hep.engine:9 uses read of the lazy kcdc_hep API"),
    ],
)
def test_an_upward_import_is_named_with_its_line(imp: Import, message: str) -> None:
    assert message in " ".join(layer_problems([imp]).values())


def test_same_or_lower_layers_and_own_private_names_pass() -> None:
    fine = [
        Import("kcdc_hep.plotting.comparison", 1, "kcdc_hep.plotting", ("Drawn",)),
        Import("kcdc_hep.analyses.compare", 2, "kcdc_hep.readers.root", ("open_file",)),
        Import("kcdc_hep.readers", 3, "kcdc_hep.readers._cache", ("",)),
        Import("kcdc_hep.writers", 4, "kcdc_hep._util", ("atomic_write",)),
    ]
    assert layer_problems(fine) == {} and private_problems(fine) == {}


def test_a_private_name_of_another_subpackage_is_named() -> None:
    imp = Import("kcdc_hep.cli.info", 118, "kcdc_hep.readers", ("_open_source", "detect"))
    assert list(private_problems([imp]).values()) == [
        "kcdc_hep.cli.info:118 uses private _open_source of kcdc_hep.readers"
    ]
    imp = Import("kcdc_hep.simulation.samples", 5, "kcdc_hep.readers._cache", ("",))
    assert "imports private module kcdc_hep.readers._cache" in private_problems([imp])[(imp.importer, imp.target, "")]
