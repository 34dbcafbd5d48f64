"""A "no" at this side's own prompt is said to be ours, with a next step that pairs, not
"type the passkey exactly" (Bumble sends 0x04 Confirm Value Failed for a refused
confirmation, which on its own reads as a wrong passkey)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.slow


def blebench(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "blebench", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=90,
    )


def test_just_works_declined_at_the_prompt_is_ours_and_the_next_step_pairs() -> None:
    args = ("pair", "--sim", "Pulse HRM", "--io", "display-yes-no", "--sc", "--mitm")
    declined = blebench(*args, stdin="n\n")
    assert declined.returncode == 1, declined.stderr
    assert "A0:9E:1A:5C:31:07/P" not in declined.stdout + declined.stderr  # Bumble's qualifier
    assert "This side declined the Just Works pairing" in declined.stderr
    assert "type the passkey" not in declined.stderr
    assert "accept it: blebench pair --sim 'Pulse HRM' --io display-yes-no --mitm --sc" in (
        declined.stderr
    )

    refused = blebench(*args, "--confirm", "no", "--json")
    report = json.loads(refused.stdout)
    assert report["outcome"]["failure"]["by"] == "initiator"
    assert "--confirm no" not in report["next_step"]

    accepted = blebench(*args, stdin="y\n")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "just works" in accepted.stdout
