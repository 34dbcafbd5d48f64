"""The status line's radio part, from the session's plain RadioInfo: the kind and the
description on a dongle or the OS stack, the reason when the virtual world stands in."""

from __future__ import annotations

from blebench.session.models import RadioInfo
from blebench.ui.status import StatusInfo, radio_text


def test_a_dongle_shows_its_kind_and_description() -> None:
    dongle = RadioInfo(
        backend="bumble-hci",
        description="usb:0 — Intel, Bluetooth 5.2 rev 1, address 00:11:22:33:44:55",
        is_virtual=False,
        capabilities=frozenset({"smp", "hci_capture"}),
    )
    info = StatusInfo(radio=dongle)
    assert not info.virtual
    assert radio_text(info).plain.startswith("bumble-hci · usb:0 — Intel")


def test_the_virtual_world_says_why_it_stands_in() -> None:
    world = RadioInfo("bumble-sim", "virtual world (14 devices)", is_virtual=True)
    assert radio_text(StatusInfo(radio=world)).plain == "virtual world (14 devices)"
    standing_in = RadioInfo(
        "bumble-sim", "virtual world (14 devices)", True, reason="virtual world: no adapter found"
    )
    info = StatusInfo(radio=standing_in)
    assert info.virtual and radio_text(info).plain == "virtual world: no adapter found"


def test_the_os_stack_is_named() -> None:
    os_stack = RadioInfo("bleak", "OS Bluetooth stack (bleak)", is_virtual=False)
    assert radio_text(StatusInfo(radio=os_stack)).plain == "bleak · OS Bluetooth stack (bleak)"
    assert radio_text(StatusInfo()).plain == "radio"  # before the session is read
