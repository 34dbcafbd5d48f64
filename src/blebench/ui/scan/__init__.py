"""The Scan pane: the live device list, filters, sort and the advertising detail."""

from blebench.ui.scan.pane import ConnectRequested, ScanPane

__all__ = ["ConnectRequested", "ScanPane"]
