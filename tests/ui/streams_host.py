"""A small host App for the Streams pane over a real `StreamStore` with the session's own
decoder (`blebench.session.decoding.stream_decoder`, what `SessionManager` gives its store), for
tests that need no radio: the fields the pane shows are the ones a user sees. End-to-end
tests use `make_app`."""

from __future__ import annotations

from dataclasses import dataclass, field

from textual.app import App, ComposeResult

from blebench.session.console import ConsoleChoice
from blebench.session.decoding import stream_decoder
from blebench.session.rssi import RssiHistory
from blebench.session.streams import StreamStore
from blebench.ui.streams import StreamsPane

HRM = "00002a37-0000-1000-8000-00805f9b34fb"
UART_TX = "6e400003-b5a3-f393-e0a9-e50e24dcca9e"


@dataclass
class StoreSession:
    """The pane's view of a session: its stream store, decoding as the session's does."""

    streams: StreamStore = field(default_factory=lambda: StreamStore(decoder=stream_decoder))

    def console_for(self, stream_id: int | None) -> ConsoleChoice | None:
        return None  # no connection: nothing to write to

    def sample_link_rssi(self) -> None:
        pass  # no radio: nothing to sample

    def rssi_history(self, address: str) -> RssiHistory:
        return RssiHistory()  # no radio: no RSSI


class StreamsHost(App[None]):
    def __init__(self, session: StoreSession) -> None:
        super().__init__()
        self.session = session

    def compose(self) -> ComposeResult:
        yield StreamsPane(self.session, refresh_hz=10.0)
