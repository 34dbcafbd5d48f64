"""Command palette entries for every action.

Each pane's key bindings become palette commands automatically ("Scan: Toggle active /
passive"), so a new binding is in the palette the moment it exists; panes may add
palette-only commands with a `palette_commands()` method. Themes get one entry each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from functools import partial
from typing import Any, Protocol, runtime_checkable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.dom import DOMNode


@runtime_checkable
class HasPaletteCommands(Protocol):
    def palette_commands(self) -> Iterable[SystemCommand]: ...


def _bindings_of(node: DOMNode) -> Iterator[Binding]:
    for bindings in node._bindings.key_to_bindings.values():
        yield from bindings


def _own_actions(node: DOMNode) -> set[str]:
    """The actions bound by `node`'s own classes below Textual's: the Screen's inherited
    tab / shift+tab / ctrl+c are not blebench actions."""
    actions: set[str] = set()
    for cls in type(node).__mro__:
        if cls.__module__.startswith("textual."):
            break
        for binding in cls.__dict__.get("BINDINGS", []):
            if isinstance(binding, Binding):
                actions.add(binding.action)
    return actions


async def _run(
    app: App[Any], action: str, node: DOMNode, show: Callable[[DOMNode], None] | None
) -> None:
    if show is not None:
        show(node)  # a pane's action runs where the user then sees what it did
    await app.run_action(action, node)


def binding_commands(
    app: App[Any], node: DOMNode, group: str, show: Callable[[DOMNode], None] | None = None
) -> Iterator[SystemCommand]:
    """One command per described binding of `node`, run in `node`'s namespace. System
    bindings (keys that only make sense where they are pressed) stay out."""
    seen: set[str] = set()
    own = _own_actions(node)
    for binding in _bindings_of(node):
        if not binding.description or binding.action in seen or binding.system:
            continue
        if binding.action not in own:
            continue
        seen.add(binding.action)
        keys = app.get_key_display(binding)
        run: Callable[[], Any] = partial(_run, app, binding.action, node, show)
        yield SystemCommand(
            f"{group}: {binding.description}",
            binding.tooltip or f"key: {keys}",
            run,
        )


def theme_commands(app: App[Any]) -> Iterator[SystemCommand]:
    for name in sorted(app.available_themes):
        if name == "textual-ansi":
            continue  # needs the terminal's own palette; not one of ours
        current = " (current)" if name == app.theme else ""

        def switch(theme: str = name) -> None:
            app.theme = theme

        yield SystemCommand(f"Theme: {name}{current}", "switch the colour theme", switch)


def pane_commands(
    app: App[Any],
    panes: Iterable[tuple[str, DOMNode]],
    show: Callable[[DOMNode], None] | None = None,
) -> Iterator[SystemCommand]:
    for group, node in panes:
        yield from binding_commands(app, node, group, show)
        if isinstance(node, HasPaletteCommands):
            yield from node.palette_commands()
