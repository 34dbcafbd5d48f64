"""The GATT pane: browse, read, write and subscribe on the connected device."""

from blebench.ui.gatt.pane import DeviceShown, GattPane

__all__ = ["DeviceShown", "GattPane"]
