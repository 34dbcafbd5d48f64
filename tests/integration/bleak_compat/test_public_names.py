"""`blebench.bleak_backend` is a public contract: these names never go or change meaning."""

from __future__ import annotations

import inspect

from bleak.backends.client import BaseBleakClient
from bleak.backends.scanner import BaseBleakScanner
from bleak.exc import BleakError

import blebench.bleak_backend as public

CONTRACT = {
    "open_radio", "BumbleScanner", "BumbleClient", "BumblePairingError", "BumbleConnectError",
    "BumbleDisconnectedError", "BumbleStaleBondError", "PairingOptions", "IoCapability",
    "PairingDelegate", "ScriptedDelegate", "RadioError", "radio_spec", "BumbleRadio",
}


def test_the_public_names_are_there_and_are_what_they_say() -> None:
    assert CONTRACT <= set(public.__all__)
    assert issubclass(public.BumbleScanner, BaseBleakScanner)
    assert issubclass(public.BumbleClient, BaseBleakClient)
    for error in ("BumblePairingError", "BumbleConnectError", "BumbleDisconnectedError",
                  "BumbleStaleBondError"):
        assert issubclass(getattr(public, error), BleakError), error
    keywords = inspect.signature(public.open_radio).parameters
    assert {"spec", "sim_devices", "pairing", "pairing_delegate", "bonds"} <= set(keywords)
