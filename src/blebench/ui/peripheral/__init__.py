"""The Peripheral pane (key 5): serve a device of a device file, watch what centrals do."""

from blebench.ui.peripheral.pane import PeripheralPane

__all__ = ["PeripheralPane"]
