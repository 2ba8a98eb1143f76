"""The package's layers: imports flow one way (adapters -> analyses -> readers and model -> infrastructure).

Every ``import`` in ``bibkit/`` counts, also those inside functions and under ``TYPE_CHECKING``: a lazy
import is still a dependency. The one exception is ``from bibkit import __version__``: the package
root holds the version and the lazy public API, and any module may read the version.
"""

from __future__ import annotations

import ast
import shutil
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "bibkit"

#: Bottom to top. A module may import its own unit and any unit of a lower layer; units that share a
#: layer are independent of each other. The README's "How the code is laid out" says the same.
LAYERS: list[tuple[str, ...]] = [
    ("bibkit.infra",),
    ("bibkit.model",),
    ("bibkit.bib",),
    ("bibkit.claims",),
    ("bibkit.config",),
    ("bibkit.project",),
    ("bibkit.evidence",),
    ("bibkit.formatting",),
    ("bibkit.interchange",),
    ("bibkit.manuscripts",),
    ("bibkit.review",),
    ("bibkit.checks",),
    ("bibkit.reports",),
    ("bibkit.filters", "bibkit.lsp", "bibkit.schema"),
    ("bibkit.cli",),
    ("bibkit.__main__",),
]
MAX_TOP_LEVEL_MODULES = 12
MAX_LINES = 700


def module_name(path: Path, root: Path) -> str:
    """``bibkit.bib.names`` for ``bibkit/bib/names.py``; a package is its ``__init__``."""
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, name: str, modules: set[str]) -> set[str]:
    """The bibkit modules one module imports (resolved to the longest existing module name)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module == "bibkit" and all(a.name == "__version__" for a in node.names):
                continue
            targets = [f"{module}.{a.name}" if f"{module}.{a.name}" in modules else module for a in node.names]
        for target in targets:
            while target not in modules and "." in target:
                target = target.rpartition(".")[0]
            if target in modules and target != name and target.startswith("bibkit"):
                found.add(target)
    return found


def import_graph(root: Path) -> dict[str, set[str]]:
    """Every bibkit module and the bibkit modules it imports."""
    paths = {module_name(p, root): p for p in root.rglob("*.py")}
    return {name: imports_of(path, name, set(paths)) for name, path in paths.items()}


def unit_of(module: str) -> tuple[int, str] | None:
    """(layer index, unit) of a module; None for the package root."""
    for i, units in enumerate(LAYERS):
        for unit in units:
            if module == unit or module.startswith(unit + "."):
                return i, unit
    return None


def layer_violations(graph: dict[str, set[str]]) -> list[str]:
    """Imports that go up a layer or sideways to another unit of the same layer; modules in no layer."""
    problems = []
    for module, targets in sorted(graph.items()):
        if module == "bibkit":
            continue  # the root: version and lazy public API, above everything
        here = unit_of(module)
        if here is None:
            problems.append(f"{module} belongs to no layer")
            continue
        for target in sorted(targets):
            there = unit_of(target)
            if there is None:
                problems.append(f"{module} imports the package root {target}")
            elif there[0] > here[0] or (there[0] == here[0] and there[1] != here[1]):
                problems.append(f"{module} imports {target} ({there[1]} is not below {here[1]})")
    return problems


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The import circles between modules: strongly connected components of more than one module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_imports_flow_down_the_layers() -> None:
    assert layer_violations(import_graph(PACKAGE)) == []


def test_no_import_circles() -> None:
    graph = import_graph(PACKAGE)
    graph.pop("bibkit", None)  # the root's lazy public API reaches everything and nothing imports it
    assert cycles(graph) == []


@pytest.mark.parametrize("planted, expected", [
    ("from bibkit.cli import main\n", "bibkit.bib.names imports bibkit.cli (bibkit.cli is not below bibkit.bib)"),
    ("def late():\n    from bibkit.checks import run_checks\n",
     "bibkit.bib.names imports bibkit.checks (bibkit.checks is not below bibkit.bib)"),
])
def test_a_planted_upward_import_is_found(tmp_path: Path, planted: str, expected: str) -> None:
    copy = tmp_path / "bibkit"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.json", "*.lua", "_extensions"))
    names = copy / "bib" / "names.py"
    names.write_text(names.read_text(encoding="utf-8") + "\n" + planted, encoding="utf-8")
    assert expected in layer_violations(import_graph(copy))


def test_a_planted_circle_is_found(tmp_path: Path) -> None:
    copy = tmp_path / "bibkit"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "*.json", "*.lua", "_extensions"))
    latex = copy / "bib" / "latex.py"
    latex.write_text(latex.read_text(encoding="utf-8") + "\nfrom bibkit.bib import names\n", encoding="utf-8")
    assert ["bibkit.bib.latex", "bibkit.bib.names"] in cycles(import_graph(copy))


def test_at_most_twelve_modules_sit_in_the_package_root() -> None:
    top = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top


def test_every_manuscript_format_has_its_own_module() -> None:
    for name in ("markdown", "latex", "docx", "html"):
        assert (PACKAGE / "manuscripts" / f"{name}.py").is_file(), name


def test_no_module_is_too_long_to_hold_in_ones_head() -> None:
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def test_every_package_says_what_it_holds_and_what_it_may_import() -> None:
    for init in PACKAGE.rglob("__init__.py"):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc, f"{init} has no docstring"
        if init.parent.parent == PACKAGE and init.parent.name != "filters":
            assert "import" in doc, f"{init}'s docstring does not say what it may import"
