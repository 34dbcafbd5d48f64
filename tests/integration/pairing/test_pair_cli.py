"""`blebench pair` against the virtual world, as issue 6 states it."""

from __future__ import annotations

import json
import os
import stat

import pytest

from blebench import paths
from blebench.cli import main

LOCK = ["pair", "--sim", "Smart Lock", "--json"]


def outcome_of(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    document = json.loads(capsys.readouterr().out)
    assert isinstance(document, dict)
    return document


@pytest.mark.slow
def test_smart_lock_passkey_entry_bonds(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*LOCK, "--io", "keyboard-display", "--mitm", "--sc", "--bond",
                 "--passkey", "123456"]) == 0
    outcome = outcome_of(capsys)["outcome"]
    assert isinstance(outcome, dict)
    assert (outcome["method"], outcome["security_level"], outcome["authenticated"],
            outcome["bonded"]) == ("passkey-entry", 4, True, True)
    assert stat.S_IMODE(os.stat(paths.bonds_file()).st_mode) == 0o600
    assert main(["bonds", "--json"]) == 0
    bonds = json.loads(capsys.readouterr().out)
    assert [b["name"] for b in bonds] == ["Smart Lock"] and bonds[0]["ltk"] is True


@pytest.mark.slow
def test_smart_lock_refuses_just_works_and_a_wrong_passkey(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*LOCK, "--io", "no-input-no-output"]) == 1
    refused = outcome_of(capsys)
    assert refused["outcome"]["failure"]["code"] == 0x03  # type: ignore[index]
    assert "--mitm" in str(refused["next_step"])

    assert main([*LOCK, "--io", "keyboard-display", "--mitm", "--sc", "--passkey", "111111"]) == 1
    wrong = outcome_of(capsys)
    assert wrong["outcome"]["failure"]["code"] == 0x04  # type: ignore[index]
    assert main(["bonds", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == []


@pytest.mark.slow
def test_zv_camera_sc_times_out_and_says_what_works(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pair", "--sim", "ZV Camera", "--io", "no-input-no-output", "--sc", "--bond",
                 "--pair-timeout", "1.5"]) == 1
    err = capsys.readouterr().err
    assert "Timeout" in err and "without --sc" in err
    assert main(["pair", "--sim", "ZV Camera", "--io", "no-input-no-output", "--bond",
                 "--json"]) == 0
    outcome = outcome_of(capsys)["outcome"]
    assert (outcome["pairing"], outcome["method"], outcome["bonded"]) == (  # type: ignore[index]
        "legacy", "just-works", True)


def test_bad_passkey_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["pair", "--sim", "Smart Lock", "--io", "keyboard-only", "--passkey", "12x"]) == 2
    assert "passkey" in capsys.readouterr().err
