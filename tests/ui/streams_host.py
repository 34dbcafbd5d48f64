"""A small host App for the Streams pane over a real `StreamStore` (the session's own
stream store), for tests that need no radio. End-to-end tests use `make_app`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from textual.app import App, ComposeResult

from blebench.session.streams import StreamStore
from blebench.ui.streams import StreamsPane

HRM = "00002a37-0000-1000-8000-00805f9b34fb"
UART_TX = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"


def heart_rate_fields(uuid: str, data: bytes) -> Mapping[str, Any] | None:
    """Heart Rate Measurement, 8-bit value format: enough for the pane's tests."""
    if uuid == HRM and len(data) >= 2:
        return {"heart_rate": {"value": data[1], "unit": "bpm"}}
    return None


@dataclass
class StoreSession:
    """The pane's view of a session: its stream store."""

    streams: StreamStore = field(default_factory=lambda: StreamStore(decoder=heart_rate_fields))


class StreamsHost(App[None]):
    def __init__(self, session: StoreSession) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        yield StreamsPane(self.session, refresh_hz=10.0)
