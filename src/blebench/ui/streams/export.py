"""Export the streams to CSV or JSON Lines: a small dialog, then the session's exporter.

The files are the session's formats (blebench.session.export's `export_csv` / `export_jsonl`, the same
as `blebench notify --csv/--json`), with millisecond timestamps. The log's current
filter applies, so what is exported is what the user is looking at.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Select

from blebench.session import export
from blebench.session.filters import SampleFilter
from blebench.ui.path_dialog import PathDialog

if TYPE_CHECKING:
    from blebench.session.streams import StreamStore

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
            count = export.export_csv(
                store, out, stream_ids=stream_ids, sample_filter=sample_filter
            )
        else:
            count = export.export_jsonl(
                store, out, stream_ids=stream_ids, sample_filter=sample_filter
            )
    partial.replace(path)
    return count


class ExportScreen(PathDialog[ExportRequest]):
    """Ask where and in which format; dismisses with an `ExportRequest` or None."""

    PREFIX = "export"
    OK_LABEL = "Export"
    FOLDER_WORD = "directory"
    # The path first: Enter exports at once (on the format list it opened the list).
    AUTO_FOCUS = "#export-path"

    def __init__(self, scope: str) -> None:
        super().__init__(f"Export {scope}", default_export_path("csv"), self._request)
        self.scope = scope

    def compose_fields(self) -> ComposeResult:
        yield Select([("CSV", "csv"), ("JSON Lines", "jsonl")], value="csv",
                     allow_blank=False, id="export-format")

    @on(Select.Changed, "#export-format")
    def _format_changed(self, event: Select.Changed) -> None:
        field = self.query_one("#export-path", Input)
        fmt = str(event.value)
        path = Path(field.value)
        if path.suffix in (".csv", ".jsonl"):
            field.value = str(path.with_suffix("." + fmt))

    def _request(self, path: Path) -> ExportRequest:
        fmt: ExportFormat = "jsonl" if self.query_one("#export-format", Select).value == "jsonl" else "csv"
        return ExportRequest(path, fmt)
