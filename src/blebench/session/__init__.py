"""The session layer: what the faces (the TUI, the CLI) call, and what it drives.

- `api.py`: `SessionApi`, the one Protocol a face may call (plain models in and out);
- `manager.py`: `SessionManager`, which implements it: opens the radio, scans, and builds and
  wires the parts below (the finder and the client factory live here);
- `errors.py`, `models.py`: every error (under `blebench.errors.BlebenchError`) and every
  plain model, light enough for a face to import at runtime;
- below them, one module each: the device registry, connections, GATT operations, streams
  (filters, export), the request/response console, HID, RSSI, pairing, link RSSI, capture.

Nothing below `manager.py` imports it, and nothing is imported here, so that
`import blebench.session.models` stays light.
"""
