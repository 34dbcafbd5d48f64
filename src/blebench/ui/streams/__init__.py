"""The Streams pane: live notification streams, log, plot, export and request console."""

from blebench.ui.streams.pane import StreamsPane

__all__ = ["StreamsPane"]
