"""Export the streams to CSV or JSON Lines: a small dialog, then the session's exporter.

The files are the session's formats (`StreamStore.export_csv` / `export_jsonl`, the same
as `blebench notify --csv/--json`), with millisecond timestamps. The log's current
filter applies, so what is exported is what the user is looking at.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Select, Static

from blebench.session.streams import SampleFilter, StreamStore

ExportFormat = Literal["csv", "jsonl"]


@dataclass(frozen=True, slots=True)
class ExportRequest:
    path: Path
    fmt: ExportFormat


def default_export_path(fmt: ExportFormat, now: float | None = None) -> Path:
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    return Path.cwd() / f"blebench-streams-{stamp}.{fmt}"


def export_streams(
    store: StreamStore,
    request: ExportRequest,
    *,
    stream_ids: list[int] | None = None,
    sample_filter: SampleFilter | None = None,
) -> int:
    """Write the file (parents made, atomically replaced); returns the sample count.

    Raises OSError with the path in the message when it cannot be written."""
    path = request.path.expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    with partial.open("w", encoding="utf-8", newline="") as out:
        if request.fmt == "csv":
            count = store.export_csv(out, stream_ids=stream_ids, sample_filter=sample_filter)
        else:
            count = store.export_jsonl(out, stream_ids=stream_ids, sample_filter=sample_filter)
    partial.replace(path)
    return count


class ExportScreen(ModalScreen[ExportRequest | None]):
    """Ask where and in which format; dismisses with an `ExportRequest` or None."""

    DEFAULT_CSS = """
    ExportScreen { align: center middle; }
    ExportScreen > Vertical {
        width: 80; height: auto; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    ExportScreen Horizontal { height: auto; margin-top: 1; }
    ExportScreen #export-error { color: $error; height: auto; }
    ExportScreen Button { margin-right: 2; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, scope: str) -> None:
        super().__init__()
        self.scope = scope

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Label(f"Export {self.scope}", classes="title")
            yield Select([("CSV", "csv"), ("JSON Lines", "jsonl")], value="csv",
                         allow_blank=False, id="export-format")
            yield Input(str(default_export_path("csv")), id="export-path")
            yield Static("", id="export-error")
            with Horizontal():
                yield Button("Export", variant="primary", id="export-ok")
                yield Button("Cancel", id="export-cancel")

    @on(Select.Changed, "#export-format")
    def _format_changed(self, event: Select.Changed) -> None:
        field = self.query_one("#export-path", Input)
        fmt = str(event.value)
        path = Path(field.value)
        if path.suffix in (".csv", ".jsonl"):
            field.value = str(path.with_suffix("." + fmt))

    @on(Input.Submitted, "#export-path")
    @on(Button.Pressed, "#export-ok")
    def _ok(self) -> None:
        text = self.query_one("#export-path", Input).value.strip()
        if not text:
            self.query_one("#export-error", Static).update("Give a file name.")
            return
        fmt: ExportFormat = "jsonl" if self.query_one("#export-format", Select).value == "jsonl" else "csv"
        path = Path(text).expanduser()
        if path.is_dir():
            self.query_one("#export-error", Static).update(f"{path} is a directory: add a file name.")
            return
        self.dismiss(ExportRequest(path, fmt))

    @on(Button.Pressed, "#export-cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)
