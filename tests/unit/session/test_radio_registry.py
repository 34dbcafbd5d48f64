"""The radio seam's registry and accessors, without a radio: every kind is registered once,
a registered kind claims its own transport scheme, the private bleak attribute is where
the one accessor reads it, and the OS stack says in words what it cannot do."""

from __future__ import annotations

import dataclasses
from typing import get_args

import pytest
from bleak import BleakClient

from blebench.backends.base import BLEAK_BACKEND_ATTRIBUTE, Capabilities, client_extras
from blebench.backends.os_stack import OsStackRadio
from blebench.session import radios
from blebench.session.radios import (
    RADIOS,
    RadioChoice,
    RadioKind,
    RadioType,
    choose_radio,
    parse_spec,
    radio_info,
    sim_central_identity,
)


def test_every_kind_is_registered_once_under_its_own_name() -> None:
    assert set(get_args(RadioKind)) == set(RADIOS)
    for kind, radio_type in RADIOS.items():
        assert radio_type.kind == kind
    assert [k for k, t in RADIOS.items() if t.virtual] == ["bumble-sim"]


def test_a_registered_kind_is_picked_by_its_transport_scheme(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Today every transport is Bumble's ...
    assert choose_radio(transport="esphome:10.0.0.5").kind == "bumble-hci"
    # ... and a radio registered with a scheme takes its specs (the one registration).
    proxy = RadioType("bleak", RADIOS["bleak"].open, schemes=("esphome",))
    monkeypatch.setitem(RADIOS, "bleak", proxy)
    assert choose_radio(transport="esphome:10.0.0.5") == RadioChoice(
        "bleak", transport="esphome:10.0.0.5"
    )
    assert parse_spec("ESPHOME:10.0.0.5").kind == "bleak"
    assert choose_radio(transport="usb:0").kind == "bumble-hci"


def test_one_string_names_a_radio() -> None:
    assert parse_spec("sim") == radios.RadioRequest(kind="bumble-sim", seed=0)
    assert parse_spec(" sim:42 ").seed == 42
    request = parse_spec("tcp-client:127.0.0.1:6402")
    assert (request.kind, request.transport) == ("bumble-hci", "tcp-client:127.0.0.1:6402")
    for bad, words in (
        ("sim:x", "the seed of sim:SEED is an integer"),
        ("usb", "is not a radio"),
    ):
        with pytest.raises(ValueError, match=words):
            parse_spec(bad)
    with pytest.raises(ValueError, match="sim_devices= is for the virtual world"):
        parse_spec("usb:0", sim_devices="devices.toml")


def test_the_virtual_worlds_central_keeps_its_address() -> None:
    # The world's devices filed their bonds with us under this address in earlier runs
    # (when the Bumble backend derived it itself): it must never change for a seed.
    assert sim_central_identity(0) == "F4:16:95:56:A2:07"
    assert sim_central_identity(1) != sim_central_identity(0)
    assert int(sim_central_identity(7).split(":")[0], 16) >> 6 == 0b11  # random static


def test_bleaks_private_backend_attribute_is_still_there() -> None:
    """Fails the day bleak renames `BleakClient._backend`: client_extras would then find
    no extras on any client, and every Bumble feature of a connection would go quiet."""
    client = BleakClient("AA:BB:CC:DD:EE:FF")  # bleak's own OS backend; nothing connects
    assert BLEAK_BACKEND_ATTRIBUTE in vars(client)
    assert client_extras(client) is None  # bleak's OS backend offers no extras


def test_the_os_stack_radio_has_no_capability_and_says_why() -> None:
    radio = OsStackRadio()
    assert radio.capabilities == Capabilities()
    assert radio.capabilities.names() == frozenset()
    assert (radio.identity, radio.bond_store, radio.scanner_kwargs()) == (None, None, {})
    assert "btmon" in radio.why_not("hci_capture")
    assert "the OS Bluetooth stack decides how to pair" in radio.why_not("smp")
    info = radio_info(radio, RadioChoice("bleak"))
    assert (info.backend, info.is_virtual, info.capabilities) == ("bleak", False, frozenset())
    assert not info.can("hci_capture")


def test_capability_names_are_the_fields() -> None:
    every = Capabilities(**{f.name: True for f in dataclasses.fields(Capabilities)})
    assert every.names() == {
        "raw_advertising", "smp", "hci_capture", "link_rssi", "connects_by_record"
    }  # fmt: skip
