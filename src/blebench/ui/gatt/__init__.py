"""The GATT pane: browse, read, write and subscribe on the connected device."""

from blebench.ui.gatt.pane import GattPane

__all__ = ["GattPane"]
