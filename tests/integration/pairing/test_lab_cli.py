"""`blebench lab` as a user runs it: exit status says whether observation matched prediction."""

from __future__ import annotations

import json

import pytest

from blebench.cli import main


def test_lab_json_agrees(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "--initiator", "io=keyboard-display,mitm,sc,bond",
                 "--responder", "io=display-only,mitm,requires-mitm", "--passkey", "246810",
                 "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["agree"] is True and result["observed"]["security_level"] == 4
    assert result["ladder"][0]["pdu"] == "Pairing Request"
    assert {"prompt": "display_passkey", "value": 246810} in result["prompts"]["responder"]


def test_lab_text_and_disagreement_exit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "--initiator", "io=display-yes-no,mitm", "--responder",
                 "io=display-yes-no", "--reject-numeric"]) == 1
    out = capsys.readouterr().out
    assert "DISAGREE" in out and "Pairing Request" in out


def test_lab_bad_options(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["lab", "--initiator", "io=sofa"]) == 2
    assert "unknown IO capability" in capsys.readouterr().err
    assert main(["lab", "--passkey", "000000"]) == 2
