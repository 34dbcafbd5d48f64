"""A modal that asks for a file to write: a title, optional fields of the subclass, the
path, an error line and OK / Cancel. Shared by the btsnoop capture and the streams export.

Widget ids are `<PREFIX>-path`, `-error`, `-ok` and `-cancel`, so each dialog keeps its own.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

R = TypeVar("R")


class PathDialog(ModalScreen[R | None]):
    """Dismisses with `answer(path)` for a usable path, or None on cancel.

    Subclasses set PREFIX and OK_LABEL, and may add fields with `compose_fields`."""

    DEFAULT_CSS = """
    PathDialog { align: center middle; }
    PathDialog > Vertical {
        width: 80; height: auto; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    PathDialog Horizontal { height: auto; margin-top: 1; }
    PathDialog .path-error { color: $error; height: auto; }
    PathDialog Button { margin-right: 2; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    PREFIX: ClassVar[str]
    OK_LABEL: ClassVar[str]
    # How the error names a directory typed as the path.
    FOLDER_WORD: ClassVar[str] = "folder"

    def __init__(self, title: str, default_path: Path, answer: Callable[[Path], R]) -> None:
        super().__init__()
        self._title = title
        self._default_path = default_path
        self._answer = answer

    def compose_fields(self) -> ComposeResult:
        """Fields shown between the title and the path (none by default)."""
        yield from ()

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(self._title, classes="title")
            yield from self.compose_fields()
            yield Input(str(self._default_path), id=f"{self.PREFIX}-path", classes="path-input")
            yield Static("", id=f"{self.PREFIX}-error", classes="path-error")
            with Horizontal():
                yield Button(self.OK_LABEL, variant="primary", id=f"{self.PREFIX}-ok", classes="path-ok")
                yield Button("Cancel", id=f"{self.PREFIX}-cancel", classes="path-cancel")

    @on(Input.Submitted, ".path-input")
    @on(Button.Pressed, ".path-ok")
    def _ok(self) -> None:
        text = self.query_one(".path-input", Input).value.strip()
        error = self.query_one(".path-error", Static)
        if not text:
            error.update("Give a file name.")
            return
        path = Path(text).expanduser()
        if path.is_dir():
            error.update(f"{path} is a {self.FOLDER_WORD}: add a file name.")
            return
        self.dismiss(self._answer(path))

    @on(Button.Pressed, ".path-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
