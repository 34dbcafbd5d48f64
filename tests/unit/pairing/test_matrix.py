"""The matrix against the Core spec, with Bumble's own method selection as the independent check."""

from __future__ import annotations

from types import SimpleNamespace
from typing import cast

import pytest
from bumble.core import PhysicalTransport
from bumble.smp import AuthReq, ErrorCode, PairingMethod, Session

from blebench.pairing.matrix import (
    AUTHENTICATION_REQUIREMENTS,
    ENCRYPTION_KEY_SIZE,
    PAIRING_NOT_SUPPORTED,
    _failure,
    all_combinations,
    explain_steps,
    predict,
    row,
)
from blebench.pairing.models import IoCapability, PairingOptions

BUMBLE_METHOD = {
    PairingMethod.JUST_WORKS: "just-works",
    PairingMethod.NUMERIC_COMPARISON: "numeric-comparison",
    PairingMethod.PASSKEY: "passkey-entry",
    PairingMethod.OOB: "oob",
}


def bumble_selection(i: PairingOptions, r: PairingOptions) -> tuple[str, str, bool, bool]:
    """(pairing, method, initiator displays, responder displays) as Bumble's SMP decides them."""
    sc = i.sc and r.sc
    # The OOB rule of bumble.smp.Session.on_smp_pairing_request_command_async.
    if (sc and (i.oob or r.oob)) or (not sc and i.oob and r.oob):
        return ("secure-connections" if sc else "legacy", "oob", False, False)
    displays = []
    for is_initiator in (True, False):
        own, peer = (i, r) if is_initiator else (r, i)
        probe = SimpleNamespace(
            connection=SimpleNamespace(transport=PhysicalTransport.LE),
            mitm=own.mitm, sc=sc, is_initiator=is_initiator,
            PAIRING_METHODS=Session.PAIRING_METHODS, passkey_display=False,
        )
        # The probe carries only the attributes decide_pairing_method reads.
        Session.decide_pairing_method(
            cast(Session, probe), int(AuthReq.from_booleans(mitm=peer.mitm)), i.io.code, r.io.code
        )
        displays.append(probe.passkey_display)
    return ("secure-connections" if sc else "legacy", BUMBLE_METHOD[probe.pairing_method],
            displays[0], displays[1])


def test_every_combination_matches_bumble() -> None:
    combos = list(all_combinations())
    assert len(combos) == 1600
    assert len({(a, b) for a, b in combos}) == 1600
    seen_methods = set()
    for i, r in combos:
        outcome = predict(i, r)
        pairing, method, i_shows, r_shows = bumble_selection(i, r)
        assert (outcome.pairing, outcome.method) == (pairing, method), (i, r)
        seen_methods.add((pairing, method))
        if method == "passkey-entry":
            expected_display = "initiator" if i_shows else "responder" if r_shows else "none"
            expected_input = {"initiator": "responder", "responder": "initiator", "none": "both"}
            assert outcome.passkey_display == expected_display, (i, r)
            assert outcome.passkey_input == expected_input[expected_display]
        elif method == "numeric-comparison":
            assert (outcome.passkey_display, outcome.passkey_input) == ("both", "none")
        else:
            assert (outcome.passkey_display, outcome.passkey_input) == ("none", "none")
        assert outcome.authenticated == (method != "just-works")
        assert outcome.failure is None
    assert len(seen_methods) == 7  # legacy has no numeric comparison


@pytest.mark.parametrize(
    ("i_io", "r_io", "sc", "method", "display"),
    [
        # Spot checks read off the spec's table 2.8 by hand.
        ("keyboard-only", "display-only", False, "passkey-entry", "responder"),
        ("display-only", "keyboard-only", True, "passkey-entry", "initiator"),
        ("keyboard-only", "keyboard-only", True, "passkey-entry", "none"),
        ("display-yes-no", "display-yes-no", False, "just-works", "none"),
        ("display-yes-no", "display-yes-no", True, "numeric-comparison", "both"),
        ("keyboard-display", "keyboard-display", False, "passkey-entry", "initiator"),
        ("keyboard-display", "display-yes-no", False, "passkey-entry", "responder"),
        ("keyboard-display", "no-input-no-output", True, "just-works", "none"),
    ],
)
def test_table_2_8_spot_checks(i_io: str, r_io: str, sc: bool, method: str, display: str) -> None:
    i = PairingOptions(io=IoCapability.from_name(i_io), mitm=True, sc=sc)
    r = PairingOptions(io=IoCapability.from_name(r_io), mitm=False, sc=sc)
    outcome = predict(i, r)
    assert (outcome.method, outcome.passkey_display) == (method, display)


def test_levels() -> None:
    kd = PairingOptions(io=IoCapability.KEYBOARD_DISPLAY, mitm=True, sc=True)
    do = PairingOptions(io=IoCapability.DISPLAY_ONLY, mitm=True, sc=True)
    assert predict(kd, do).security_level == 4
    assert predict(kd.with_(sc=False), do).security_level == 3
    assert predict(kd, do.with_(max_key_size=12)).security_level == 3  # level 4 needs 128 bits
    assert predict(kd.with_(mitm=False), do.with_(mitm=False)).security_level == 2
    assert predict(kd, do.with_(bonding=False)).bonded is False


def test_oob_rules() -> None:
    base = PairingOptions(io=IoCapability.NO_INPUT_NO_OUTPUT)
    assert predict(base.with_(oob=True), base).method == "oob"  # SC: one side is enough
    assert predict(base.with_(oob=True, sc=False), base.with_(sc=False)).method == "just-works"
    legacy_both = predict(base.with_(oob=True, sc=False), base.with_(oob=True))
    assert (legacy_both.pairing, legacy_both.method, legacy_both.authenticated) == ("legacy", "oob", True)


def test_policies_fail_beside_the_method() -> None:
    jw = PairingOptions(io=IoCapability.NO_INPUT_NO_OUTPUT, sc=True)
    lock = PairingOptions(io=IoCapability.DISPLAY_ONLY, mitm=True, sc=True, requires_mitm=True)
    outcome = predict(jw, lock)
    assert outcome.method == "just-works"
    assert outcome.failure is not None
    assert (outcome.failure.code, outcome.failure.by) == (0x03, "responder")
    assert outcome.security_level == 1 and not outcome.bonded

    kd = PairingOptions(io=IoCapability.KEYBOARD_DISPLAY, mitm=True, sc=True)
    assert predict(kd, lock).failure is None

    legacy = kd.with_(sc=False)
    sc_only = predict(legacy, lock.with_(sc_only=True))
    assert sc_only.failure is not None and sc_only.failure.code == 0x03
    assert sc_only.method == "passkey-entry" and sc_only.pairing == "legacy"

    small = predict(kd.with_(max_key_size=10), lock.with_(min_key_size=12))
    assert small.failure is not None and small.failure.code == 0x06 and small.key_size == 10
    by_initiator = predict(kd.with_(min_key_size=16), lock.with_(max_key_size=15)).failure
    assert by_initiator is not None and by_initiator.by == "initiator"

    refused = predict(kd, lock.with_(pairable=False))
    assert refused.failure is not None and refused.failure.code == 0x05


def test_reason_names_are_bumbles() -> None:
    for code in (AUTHENTICATION_REQUIREMENTS, PAIRING_NOT_SUPPORTED, ENCRYPTION_KEY_SIZE):
        name = _failure(code, "responder", "").name
        assert ErrorCode(code).name.replace("_", " ").title() == name


def test_explain_says_why() -> None:
    steps = explain_steps(
        PairingOptions(io=IoCapability.NO_INPUT_NO_OUTPUT, sc=True),
        PairingOptions(io=IoCapability.DISPLAY_ONLY, mitm=True, requires_mitm=True),
    )
    text = "\n".join(steps)
    assert "table 2.8" in text and "NoInputNoOutput" in text
    assert "0x03 Authentication Requirements" in steps[-1]


def test_row_shape() -> None:
    r = row(PairingOptions(), PairingOptions())
    assert set(r) == {"initiator", "responder", "outcome"}
    assert {"io", "mitm", "sc", "oob"} <= set(r["initiator"])
    assert {"pairing", "method", "passkey_display", "authenticated", "security_level"} <= set(r["outcome"])


def test_bad_key_sizes_are_refused() -> None:
    with pytest.raises(ValueError, match="outside 7..16"):
        PairingOptions(max_key_size=17)
    with pytest.raises(ValueError, match="above max"):
        PairingOptions(min_key_size=12, max_key_size=10)
    with pytest.raises(ValueError, match="unknown IO capability"):
        IoCapability.from_name("telepathy")
