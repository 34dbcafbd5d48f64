"""`QuietHost`: Bumble's `Host` without the cost of its debug lines when nobody reads them.

Bumble (0.0.236) formats every HCI packet into a `logger.debug(f"...{packet}")` even with
debug logging off: about a quarter of the central's CPU per advertising report on a busy
air, and half a virtual device's power-on. These two methods do what the stock ones do and
format only when debug logging is on or a snooper (a btsnoop capture) is attached. The
central (backends/bumble/radio.py) and every virtual device's host (sim/world.py) use it.
"""

from __future__ import annotations

import logging

from bumble import hci
from bumble.host import Host

__all__ = ["QuietHost"]

_BUMBLE_HOST_LOG = logging.getLogger(Host.__module__)


class QuietHost(Host):
    def send_hci_packet(self, packet: hci.HCI_Packet) -> None:
        if _BUMBLE_HOST_LOG.isEnabledFor(logging.DEBUG) or self.snooper:
            super().send_hci_packet(packet)
        elif self.hci_sink:
            self.hci_sink.on_packet(bytes(packet))

    def on_hci_packet(self, packet: hci.HCI_Packet) -> None:
        if _BUMBLE_HOST_LOG.isEnabledFor(logging.DEBUG) or self.snooper:
            super().on_hci_packet(packet)
        elif isinstance(packet, hci.HCI_Event):
            self.on_hci_event_packet(packet)
        elif isinstance(packet, hci.HCI_AclDataPacket):
            self.on_hci_acl_data_packet(packet)
        else:
            super().on_hci_packet(packet)
