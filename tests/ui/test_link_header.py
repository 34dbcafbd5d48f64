"""The GATT pane's header fitted to its width (ui/gatt/link_header.py): every value in
words at 160 columns, abbreviated and fitting at 80, the least needed dropped first."""

from __future__ import annotations

from typing import Any

from rich.cells import cell_len
from rich.text import Text

from blebench.session.models import ConnectionInfo
from blebench.ui.gatt.link_header import LinkValues, header_text

# What the header gets of the terminal: the pane's left column (45% of 160, 40% of 80
# under 110 columns) less its padding.
HEADER_AT_160 = 70
HEADER_AT_80 = 30

FAST = {"interval_ms": 7.5, "latency": 0, "supervision_timeout_ms": 720.0, "tx_phy": "2m",
        "rx_phy": "2m", "tx_octets": 251, "rx_octets": 251, "mtu": 247}
MIXED = {"interval_ms": 50.0, "latency": 4, "supervision_timeout_ms": 4000.0, "tx_phy": "1m",
         "rx_phy": "coded-s8", "tx_octets": 27, "rx_octets": 251, "mtu": 23}


def _connection(encrypted: bool) -> ConnectionInfo:
    return ConnectionInfo("A0:9E:1A:5C:31:07", "Pulse HRM", "connected", "sim", 247, None,
                          encrypted=encrypted, authenticated=encrypted,
                          secure_connections=encrypted, encryption_key_size=16 if encrypted else None)


def _header(link: dict[str, Any] | None, width: int, *, encrypted: bool = False,
            position: tuple[int, int] | None = None) -> list[str]:
    connection = _connection(encrypted)
    device = Text("Pulse HRM", style="bold") + Text("  A0:9E:1A:5C:31:07")
    text = header_text(device, connection, LinkValues.of(link, connection), width,
                       position=position)
    return text.plain.splitlines()


def test_at_160_columns_every_value_is_in_words() -> None:
    for width in (HEADER_AT_160, 160):
        lines = _header(MIXED, width, position=(1, 2))
        shown = "\n".join(lines)
        assert all(cell_len(line) <= width for line in lines), lines
        assert len(lines) <= 4
        for words in ("link 1 of 2: ] next, [ previous", "not encrypted (level 1)",
                      "interval 50 ms", "latency 4", "timeout 4000 ms", "PHY tx 1M / rx Coded S8",
                      "data length 27 out / 251 in", "MTU 23"):
            assert words in shown, shown
    lines = _header(FAST, HEADER_AT_160, encrypted=True)
    assert "🔒 encrypted, level 4 (SC, authenticated), key 16 bytes" in lines
    assert "PHY tx 2M / rx 2M" in "\n".join(lines)


def test_at_80_columns_it_fits_abbreviated_keeping_the_values_that_matter() -> None:
    for link in (FAST, MIXED):
        for encrypted in (False, True):
            for position in (None, (2, 3)):
                lines = _header(link, HEADER_AT_80, encrypted=encrypted, position=position)
                assert len(lines) <= 4, lines
                assert all(cell_len(line) <= HEADER_AT_80 for line in lines), lines
                shown = "\n".join(lines)
                # The device line, the security and the link's main values stay.
                assert lines[0] == "⇄ Pulse HRM  A0:9E:1A:5C:31:07"
                assert ("🔒" in shown) == encrypted and ("not encrypted" in shown) != encrypted
                assert f"{link['interval_ms']:g} ms" in shown and f"MTU {link['mtu']}" in shown
                assert f"DL {link['tx_octets']}" in shown
    mixed = "\n".join(_header(MIXED, HEADER_AT_80))
    assert "1M/Coded S8" in mixed and "DL 27/251" in mixed and "lat 4" in mixed
    # Less room: latency and timeout go before a PHY or the MTU does.
    narrow = "\n".join(_header(MIXED, 24))
    assert "lat 4" not in narrow and "MTU 23" in narrow and "1M/Coded S8" in narrow


def test_a_long_name_is_cut_not_wrapped_and_the_os_stack_says_what_it_hides() -> None:
    connection = _connection(False)
    device = Text("N" * 40, style="bold") + Text("  A0:9E:1A:5C:31:07")
    lines = header_text(device, connection, LinkValues.of(FAST, connection), HEADER_AT_80).plain
    assert all(cell_len(line) <= HEADER_AT_80 for line in lines.splitlines())
    assert lines.splitlines()[0].endswith("…")
    os_stack = "\n".join(_header(None, HEADER_AT_160))
    assert "MTU 247 · the OS stack says no more of the link" in os_stack
    assert "interval" not in os_stack
