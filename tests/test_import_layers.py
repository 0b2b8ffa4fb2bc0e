"""Imports point one way: down the layers of the docs' "Layout", and never in a circle.

Every ``import`` and ``from ... import`` written in a module counts, including those under
``if TYPE_CHECKING:`` and inside functions: a circle that only typing or a deferred import
hides is still a circle for a reader.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

import hubplan

PACKAGE = Path(hubplan.__file__).parent

#: "Layout" in docs/development.md, top to bottom: a module may import its own layer and the layers below it.
LAYERS: list[tuple[str, ...]] = [
    ("hubplan.cli", "hubplan.commands", "hubplan.serve"),
    ("hubplan.sweep",),
    ("hubplan.api",),
    ("hubplan.outputs",),
    ("hubplan.pipeline",),
    ("hubplan.record",),
    ("hubplan.transport",),
    ("hubplan.optimise",),
    ("hubplan.alternatives",),
    ("hubplan.baseline",),
    ("hubplan.plan",),
    ("hubplan.siting", "hubplan.demand", "hubplan.metrics"),
    ("hubplan.travel",),
    ("hubplan.scenario",),
    ("hubplan.data",),
    ("hubplan.core",),
    ("hubplan.routing",),
    ("hubplan.files",),
    # the leaves; provenance.py and tables.py import nothing of hubplan,
    # and the package itself only reads its version
    ("hubplan.errors", "hubplan.points", "hubplan.versions", "hubplan.provenance", "hubplan.tables",
     "hubplan.progress"),
]
#: The package ``hubplan`` itself (``__init__``), which sits with the leaves.
ROOT = "hubplan"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, known: set[str]) -> set[str]:
    """The hubplan modules ``path`` imports, as written.

    ``from a import b`` imports the module ``a.b`` when there is one, else a name of ``a``.
    """
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in known else node.module)
    return found & known


def _graph() -> dict[str, set[str]]:
    paths = {_module_name(path): path for path in PACKAGE.rglob("*.py")}
    known = set(paths)
    return {name: _imports(path, known) - {name} for name, path in paths.items()}


def _layer(module: str) -> int | None:
    """Position of ``module``'s layer in :data:`LAYERS` (0 = top), or ``None`` for a module not listed."""
    if module == ROOT:
        return len(LAYERS) - 1
    for depth, prefixes in enumerate(LAYERS):
        if any(module == prefix or module.startswith(prefix + ".") for prefix in prefixes):
            return depth
    return None


def test_no_import_circle() -> None:
    try:
        TopologicalSorter(_graph()).prepare()
    except CycleError as err:
        pytest.fail(f"import circle: {' -> '.join(err.args[1])}")


def test_every_module_has_a_layer() -> None:
    assert [module for module in sorted(_graph()) if _layer(module) is None] == []


def test_imports_point_down_the_layers() -> None:
    upward = [
        f"{module} imports {target}, a layer above it"
        for module, targets in sorted(_graph().items())
        for target in sorted(targets)
        if (above := _layer(target)) is not None and (below := _layer(module)) is not None and above < below
    ]
    assert upward == []
