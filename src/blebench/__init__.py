"""blebench: a terminal workbench for Bluetooth Low Energy."""

__version__ = "0.1.0"
