"""The lab: real SMP between two Bumble devices agrees with the matrix (each method, legacy and SC)."""

from __future__ import annotations

import pytest

from blebench.stack.lab import parse_side, run_lab

CASES = [
    # (initiator, responder, pairing, method)
    ("io=no-input-no-output,no-sc", "io=display-only", "legacy", "just-works"),
    ("io=no-input-no-output", "io=display-yes-no,mitm", "secure-connections", "just-works"),
    ("io=keyboard-display,mitm,no-sc", "io=keyboard-display,mitm", "legacy", "passkey-entry"),
    ("io=keyboard-only,mitm", "io=display-only", "secure-connections", "passkey-entry"),
    ("io=keyboard-only,mitm,no-sc", "io=keyboard-only", "legacy", "passkey-entry"),
    ("io=display-yes-no,mitm", "io=keyboard-display,mitm", "secure-connections", "numeric-comparison"),
    ("io=no-input-no-output,oob,no-sc", "io=no-input-no-output,oob", "legacy", "oob"),
    ("io=no-input-no-output", "io=no-input-no-output,oob", "secure-connections", "oob"),
]


@pytest.mark.parametrize(("initiator", "responder", "pairing", "method"), CASES)
async def test_observed_equals_predicted(initiator: str, responder: str, pairing: str, method: str) -> None:
    result = await run_lab(parse_side(initiator), parse_side(responder))
    assert result.differences == []
    assert (result.observed.pairing, result.observed.method) == (pairing, method)
    assert result.observed.ok
    names = [step.pdu for step in result.ladder]
    assert names[:2] == ["Pairing Request", "Pairing Response"]
    assert "Encryption started" in names
    assert ("Pairing Public Key" in names) == (pairing == "secure-connections")
    assert ("Pairing DHKey Check" in names) == (pairing == "secure-connections")
    if pairing == "legacy":
        assert "Encryption Information" in names and "Central Identification" in names


async def test_passkey_is_shown_by_one_side_and_typed_by_the_other() -> None:
    result = await run_lab(parse_side("io=keyboard-only,mitm"), parse_side("io=display-only,mitm"),
                           passkey=654321)
    assert (result.observed.passkey_display, result.observed.passkey_input) == ("responder", "initiator")
    assert ("display_passkey", 654321) in result.prompts["responder"]
    assert ("request_passkey", 654321) in result.prompts["initiator"]
    assert result.observed.security_level == 4


async def test_policy_refusals_agree() -> None:
    refused = await run_lab(parse_side("io=no-input-no-output"),
                            parse_side("io=display-only,mitm,requires-mitm"))
    assert refused.agree
    assert refused.observed.failure is not None and refused.observed.failure.code == 0x03
    assert [s.pdu for s in refused.ladder] == ["Pairing Request", "Pairing Failed"]

    small = await run_lab(parse_side("io=keyboard-display,mitm,max-key=10"),
                          parse_side("io=display-only,min-key=12"))
    assert small.agree and small.observed.failure is not None
    assert (small.observed.failure.code, small.observed.failure.by) == (0x06, "responder")

    sc_only = await run_lab(parse_side("io=keyboard-display,mitm,sc-only"),
                            parse_side("io=display-only,no-sc"))
    assert sc_only.agree and sc_only.observed.failure is not None
    assert (sc_only.observed.failure.code, sc_only.observed.failure.by) == (0x03, "initiator")


async def test_a_rejected_comparison_is_a_disagreement_made_visible() -> None:
    result = await run_lab(parse_side("io=display-yes-no,mitm"), parse_side("io=display-yes-no"),
                           confirm=False)
    assert not result.agree  # the matrix predicts success for people who say yes
    assert result.observed.failure is not None
    assert any(d.startswith("result:") for d in result.differences)


def test_side_syntax() -> None:
    side = parse_side("io=keyboard-display,mitm,no-bond,max-key=12,requires-mitm")
    assert (side.mitm, side.bonding, side.sc, side.max_key_size, side.requires_mitm) == (
        True, False, True, 12, True)
    with pytest.raises(ValueError, match="unknown lab option"):
        parse_side("io=keyboard-display,telepathy")
    with pytest.raises(ValueError, match="unknown IO capability"):
        parse_side("io=screen")
