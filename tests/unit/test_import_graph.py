"""blebench's import graph, every import counted: no module imports itself in a circle, and no
folder imports a folder above it.

import-linter checks the layer contracts on what Python runs at import time; this test reads
the source instead, so imports inside functions and under `TYPE_CHECKING` count too (hidden
back-edges were how `session/` was one six-module knot).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import blebench

ROOT = Path(blebench.__file__).resolve().parent

# Bottom to top; a folder may import those before it, never after (siblings on one floor
# don't import each other). `errors` (the one error root) is below everything, so every floor
# raises under it; `paths`, `log` and `userinput` are leaves any floor may use.
FLOORS: list[set[str]] = [
    {"errors"},
    {"paths", "log", "userinput", "decode"},
    {"pairing"},
    {"stack"},
    {"sim", "backends"},
    {"session"},
    {"bleak_backend"},
    {"ui"},
    {"commands"},
    {"cli"},
    {"__main__"},
]


def module_names() -> dict[str, Path]:
    names: dict[str, Path] = {}
    for path in ROOT.rglob("*.py"):
        parts = list(path.relative_to(ROOT.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def imports_of(name: str, path: Path, known: dict[str, Path]) -> Iterator[str]:
    is_package = path.name == "__init__.py"
    package = name if is_package else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                yield sub if sub in known else target


def graph() -> dict[str, set[str]]:
    known = module_names()
    edges: dict[str, set[str]] = {name: set() for name in known}
    for name, path in known.items():
        for target in imports_of(name, path, known):
            # Longest known prefix: `blebench.decode.names.company_name` is decode.names.
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name and target.startswith("blebench"):
                edges[name].add(target)
    return edges


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in edges.get(v, ()):
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

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return found


def without_packages(edges: dict[str, set[str]]) -> dict[str, set[str]]:
    """A package's `__init__` that re-exports its children is not a circle of its own: the
    edges from `__init__` down to its own submodules are dropped."""
    return {
        name: {t for t in targets if not t.startswith(name + ".")}
        for name, targets in edges.items()
    }


def floor_of(module: str) -> int | None:
    parts = module.split(".")
    if len(parts) < 2:
        return None
    for number, folders in enumerate(FLOORS):
        if parts[1] in folders:
            return number
    return None


def test_no_module_imports_itself_in_a_circle() -> None:
    found = cycles(without_packages(graph()))
    assert found == [], "import circles (every import counted):\n" + "\n".join(
        " <-> ".join(c) for c in found
    )


def test_every_folder_has_a_floor() -> None:
    folders = {m.split(".")[1] for m in module_names() if "." in m}
    unplaced = sorted(f for f in folders if floor_of(f"blebench.{f}") is None)
    assert unplaced == [], f"folders with no floor in FLOORS: {unplaced}"


def test_nothing_imports_upwards_or_sideways() -> None:
    wrong = []
    for name, targets in graph().items():
        here = floor_of(name)
        for target in targets:
            there = floor_of(target)
            if here is None or there is None or name.split(".")[1] == target.split(".")[1]:
                continue
            if there >= here:
                wrong.append(f"{name} -> {target}")
    assert wrong == [], "imports that run up or sideways:\n" + "\n".join(sorted(wrong))


def test_the_checker_sees_a_hidden_circle(tmp_path: Path) -> None:
    """The checker itself can fail: a back-edge inside a function is a circle."""
    edges = {"a": {"b"}, "b": {"a"}, "c": set()}
    assert cycles(edges) == [["a", "b"]]
    source = tmp_path / "m.py"
    source.write_text("def f():\n    from blebench.session import gatt\n", encoding="utf-8")
    known = {"blebench.x.m": source, "blebench.session.gatt": source}
    assert list(imports_of("blebench.x.m", source, known)) == ["blebench.session.gatt"]
