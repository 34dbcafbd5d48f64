"""Widgets that skip the work a frame does not need: the keys' latency under a flood.

Under 5,000 notifications/s and 2,000 advertisements/s (benchmarks/bench_tui_flood.py) the
largest single cost of a key was a layout of the whole screen, asked for by widgets whose
size had not changed: `Static.update` lays the screen out again by default, and Textual's
Footer rebuilds its dozen key widgets at every focus change and every `refresh_bindings()`
(the GATT pane calls it at each cursor move). A layout takes 30-250 ms at 160x45 on a
loaded 2-core machine, and a key waits behind it.

`SteadyStatic` repaints only when its text changed, and lays out only when its shape (the
cell width of each line) changed while its size follows its content. `SteadyFooter`
recomposes only when the keys, labels or states it shows changed.
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text
from textual.visual import VisualType
from textual.widgets import Footer, Static

Shape = tuple[int, ...]


def _shape(content: VisualType, markup: bool) -> Shape | None:
    """The cell width of each line of a text, or None for content that is not text."""
    if isinstance(content, Text):
        plain = content.plain
    elif isinstance(content, str):
        plain = Text.from_markup(content).plain if markup else content
    else:
        return None
    return tuple(cell_len(line) for line in plain.split("\n"))


class SteadyStatic(Static):
    """A Static whose `update` does nothing for the same text and lays out only for a new
    shape: a status line rewritten a few times a second costs a repaint, not a layout."""

    def __init__(self, content: VisualType = "", **kwargs: object) -> None:
        super().__init__(content, **kwargs)  # type: ignore[arg-type]
        self._shown: VisualType = content
        self._shown_shape = _shape(content, self._render_markup)

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        previous = self._shown
        if type(previous) is type(content) and previous == content:
            return
        shape = _shape(content, self._render_markup)
        if layout:
            layout = self._needs_layout(shape)
        self._shown = content
        self._shown_shape = shape
        super().update(content, layout=layout)

    def _needs_layout(self, shape: Shape | None) -> bool:
        if shape is None or self._shown_shape is None:
            return True
        styles = self.styles
        width_follows = styles.width is not None and styles.width.is_auto
        height_follows = styles.height is None or styles.height.is_auto
        if not (width_follows or height_follows):
            return False  # its size is set by the stylesheet, whatever it shows
        if shape != self._shown_shape:
            return True
        # Same line widths in a height that follows the content: the same wrapping, unless
        # a line is wider than the widget (then words may wrap elsewhere).
        return height_follows and max(shape, default=0) > self.content_region.width


class SteadyFooter(Footer):
    """Textual's Footer, recomposed only when what it shows changed."""

    def __init__(self) -> None:
        super().__init__()
        self._shown_keys: tuple[object, ...] | None = None

    def _what_it_shows(self) -> tuple[object, ...]:
        """Everything `Footer.compose` reads."""
        app = self.app
        rows: list[object] = [self._bindings_ready, self.compact, self.show_command_palette,
                              self.combine_groups, app.ENABLE_COMMAND_PALETTE]
        if not self._bindings_ready:
            return tuple(rows)
        palette = app.COMMAND_PALETTE_BINDING
        for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items():
            if binding.show or key == palette:
                group = binding.group
                rows.append((key, binding.key, app.get_key_display(binding), binding.description,
                             binding.action, binding.show, enabled, tooltip, binding.tooltip,
                             None if group is None else (group.description, group.compact)))
        return tuple(rows)

    async def recompose(self) -> None:
        if not self.is_attached:
            return
        if getattr(self.screen, "handing_over", None) is not None:
            # Between two panes (the focus let go of, not given yet): the keys of neither;
            # the main screen refreshes the bindings once the new pane has the focus.
            return
        shown = self._what_it_shows()
        if shown == self._shown_keys:
            return
        self._shown_keys = shown
        await super().recompose()
