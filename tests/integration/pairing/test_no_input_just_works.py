"""Just Works with this side NoInputNoOutput asks nobody (issue 10, item 3): there is no
input here to answer with, so the stack accepts without calling the delegate; with an input
(KeyboardDisplay) the question is asked, and a refusal is honoured."""

from __future__ import annotations

import pytest

from blebench.pairing.delegate import ScriptedDelegate
from blebench.pairing.models import IoCapability, PairingOptions
from blebench.sim.catalogue.hid_keyboard import HidKeyboard
from tests.integration.rig import sim_session

pytestmark = pytest.mark.slow


async def test_no_input_just_works_asks_nobody_and_bonds() -> None:
    async with sim_session(HidKeyboard()) as session:
        nobody = ScriptedDelegate(just_works=False)  # would refuse, if it were asked
        options = PairingOptions(io=IoCapability.NO_INPUT_NO_OUTPUT, sc=True, bonding=True)
        outcome = await session.pair("HID Keyboard", options, nobody)
        assert outcome.ok and outcome.method == "just-works" and outcome.bonded, outcome.failure
        assert nobody.events == []


async def test_with_an_input_just_works_is_asked_and_a_no_is_honoured() -> None:
    async with sim_session(HidKeyboard()) as session:
        person = ScriptedDelegate(just_works=False)
        options = PairingOptions(io=IoCapability.KEYBOARD_DISPLAY, sc=True, bonding=True)
        outcome = await session.pair("HID Keyboard", options, person)
        assert person.asked("confirm_just_works") == [False]
        assert outcome.failure is not None and not outcome.bonded
        assert session.bonds.get(HidKeyboard.address) is None
