from __future__ import annotations

import socket
from pathlib import Path

import pytest

MALFORMED_TOML = """
[[device]]
name = "Broken Gadget"
address = "C4:11:22:33:44:55"
connectable = false
# Flags, a good name, then a manufacturer structure whose length runs past the end.
adv = "020106 07 09 476164676574 09ff4c00"
"""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def malformed_devices(tmp_path: Path) -> Path:
    path = tmp_path / "devices.toml"
    path.write_text(MALFORMED_TOML)
    return path
