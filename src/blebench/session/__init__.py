"""The session layer: `SessionManager` (manager.py) and what it drives: the device
registry and its models, connections, GATT operations, notification streams, the
request/response console, pairing, link RSSI and btsnoop capture, one module each.

Nothing is imported here so that `import blebench.session.models` stays light.
"""
