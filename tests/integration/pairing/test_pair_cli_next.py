"""`blebench pair` as a script runs it: Just Works with no input asks nobody, a peer that
goes quiet is said not to answer, and the `Next:` command keeps every option of the attempt
and works when run (issue 10, item 3; first-hour review, defects 5 and 13)."""

from __future__ import annotations

import io
import json
import shlex

import pytest

from blebench.cli import main

pytestmark = pytest.mark.slow


def suggested(next_step: str) -> list[str]:
    """The command line of a `Next:` suggestion, as argv for `main` (no `blebench`)."""
    command = next_step[next_step.index("blebench pair"):].split(" (", 1)[0]
    words = shlex.split(command)
    assert words[:2] == ["blebench", "pair"]
    return words[1:]


def test_just_works_with_no_input_asks_nobody_with_stdin_closed(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(""))  # closed: any prompt would read EOF
    assert main(["pair", "--sim", "HID Keyboard", "--io", "no-input-no-output", "--sc",
                 "--bond"]) == 0
    captured = capsys.readouterr()
    assert "Just Works accepted (no MITM protection)" in captured.err
    assert "stdin is closed" not in captured.err and "[y/n]" not in captured.err
    assert "Paired with HID Keyboard" in captured.out and "bonded" in captured.out


def test_a_peer_that_stops_answering_is_not_said_to_refuse(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["pair", "--sim", "ZV Camera", "--io", "no-input-no-output", "--sc", "--bond",
                 "--pair-timeout", "0.5"]) == 1
    err = capsys.readouterr().err
    assert "the device did not answer (Timeout)" in err
    assert "refused by" not in err and "sent by" not in err
    step = err.split("Next: ", 1)[1].strip()
    argv = suggested(step)
    assert "--sc" not in argv
    assert argv[argv.index("--io") + 1] == "no-input-no-output" and "--bond" in argv
    assert argv[argv.index("--pair-timeout") + 1] == "0.5"

    assert main([*argv, "--json"]) == 0
    outcome = json.loads(capsys.readouterr().out)["outcome"]
    assert (outcome["pairing"], outcome["bonded"]) == ("legacy", True)


def test_the_next_command_after_a_key_size_refusal_keeps_mitm_sc_and_the_passkey(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["pair", "--sim", "Smart Lock", "--io", "keyboard-display", "--mitm", "--sc",
                 "--bond", "--max-key-size", "12", "--passkey", "123456", "--json"]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["outcome"]["failure"]["code"] == 0x06
    argv = suggested(document["next_step"])
    for flag in ("--mitm", "--sc", "--bond"):
        assert flag in argv, (flag, argv)
    assert argv[argv.index("--passkey") + 1] == "123456"
    assert "--max-key-size" not in argv  # 16, the default: what the lock wants

    assert main([*argv, "--json"]) == 0
    outcome = json.loads(capsys.readouterr().out)["outcome"]
    assert (outcome["security_level"], outcome["bonded"]) == (4, True)


def test_a_prompt_left_unanswered_names_the_answer_and_the_next_command_pairs(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A keyboard with no output gives Just Works, which blebench asks about when this side
    # could have done better; a script's closed stdin says no.
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["pair", "--sim", "HID Keyboard", "--io", "keyboard-display", "--mitm",
                 "--sc", "--bond"]) == 1
    err = capsys.readouterr().err
    assert "stdin is closed" in err and "(sent by us)" in err
    argv = suggested(err.split("Next: ", 1)[1].strip())
    assert argv[-2:] == ["--confirm", "yes"] and "--bond" in argv

    assert main([*argv, "--json"]) == 0
    outcome = json.loads(capsys.readouterr().out)["outcome"]
    assert (outcome["method"], outcome["bonded"]) == ("just-works", True)
