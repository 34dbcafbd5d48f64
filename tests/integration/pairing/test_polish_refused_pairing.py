"""A pairing the peer refuses at our Pairing Request is described as what was attempted:
our Secure Connections request stays "secure-connections" in `blebench pair --json` (it
was reported as legacy pairing), and without SC it is legacy."""

from __future__ import annotations

import json

import pytest

from blebench.cli import main

LOCK = ["pair", "--sim", "Smart Lock", "--json", "--io", "no-input-no-output", "--bond"]


@pytest.mark.slow
@pytest.mark.parametrize(("flags", "pairing"), [(["--sc"], "secure-connections"), ([], "legacy")])
def test_a_refusal_at_the_request_reports_the_pairing_we_asked_for(
    capsys: pytest.CaptureFixture[str], flags: list[str], pairing: str
) -> None:
    assert main([*LOCK, *flags]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["options"]["sc"] is bool(flags)
    outcome = document["outcome"]
    assert outcome["pairing"] == pairing
    assert (outcome["ok"], outcome["security_level"], outcome["bonded"]) == (False, 1, False)
    failure = outcome["failure"]
    assert (failure["code"], failure["name"], failure["by"]) == (
        0x03, "Authentication Requirements", "responder")
    # The documented fields, no more and no fewer.
    assert set(document) == {"device", "options", "outcome", "next_step"}
    assert set(outcome) == {"pairing", "method", "passkey_display", "passkey_input",
                            "authenticated", "security_level", "key_size", "bonded",
                            "keypress", "ok", "failure"}
