"""Field note 001 from the command line, process after process: a bond made by
`blebench pair` is used by the next command; after the virtual lock forgets it, every
command that connects says so and prints the exact re-pair command, which works."""

from __future__ import annotations

import asyncio
import json
import shlex
import subprocess
import sys

import pytest

from blebench import paths
from blebench.sim.catalogue.smart_lock import LOCK_STATE, SmartLock
from blebench.sim.world import VirtualWorld

pytestmark = pytest.mark.slow


def blebench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "blebench", *args], capture_output=True, text=True, timeout=90
    )


async def lock_forgets_every_bond() -> int:
    """A factory reset of the virtual lock, in the file its bonds live in across runs."""
    lock = SmartLock()
    world = VirtualWorld([lock], bonds=paths.sim_bonds_file())
    await world.start()
    try:
        return await lock.forget_bonds()
    finally:
        await world.stop()


def test_stale_bond_is_explained_and_the_printed_command_repairs_it() -> None:
    paired = blebench("pair", "--sim", "Smart Lock", "--io", "keyboard-display", "--mitm",
                      "--sc", "--bond", "--passkey", "123456")  # fmt: skip
    assert paired.returncode == 0, paired.stderr
    read = blebench("read", "--sim", "Smart Lock", LOCK_STATE, "--json")
    assert read.returncode == 0, read.stderr  # the next run encrypts with the bond
    assert json.loads(read.stdout)["hex"] == "01"

    assert asyncio.run(lock_forgets_every_bond()) == 1
    stale = blebench("read", "--sim", "Smart Lock", LOCK_STATE)
    assert stale.returncode == 1
    assert "Traceback" not in stale.stderr
    assert "no longer has the bond blebench kept; it forgot or reset its keys" in stale.stderr
    assert "Pin or Key Missing (HCI 0x06)" in stale.stderr
    command = ("blebench pair --sim 'Smart Lock' --repair --io keyboard-display --mitm --sc "
               "--bond")
    assert command in stale.stderr

    as_json = blebench("gatt", "--sim", "Smart Lock", "--json")
    assert as_json.returncode == 1
    error = json.loads(as_json.stdout)
    assert (error["error"], error["code"]["code"], error["repair_command"]) == (
        "stale_bond", 0x06, command,
    )  # fmt: skip
    assert error["identity_address"] == SmartLock.address

    plain_pair = blebench("pair", "--sim", "Smart Lock", "--io", "keyboard-display", "--mitm",
                          "--sc", "--bond", "--passkey", "123456")  # fmt: skip
    assert plain_pair.returncode == 1 and command in plain_pair.stderr

    repaired = blebench(*shlex.split(command)[1:], "--passkey", "123456", "--json")
    assert repaired.returncode == 0, repaired.stderr
    outcome = json.loads(repaired.stdout)
    assert outcome["repaired"] is True and outcome["outcome"]["security_level"] == 4
    again = blebench("read", "--sim", "Smart Lock", LOCK_STATE, "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["hex"] == "01"


def test_repair_needs_a_bond_and_pair_needs_io() -> None:
    no_bond = blebench("pair", "--sim", "Smart Lock", "--repair", "--passkey", "123456")
    assert no_bond.returncode == 1
    assert "no bond" in no_bond.stderr and "Traceback" not in no_bond.stderr
    no_io = blebench("pair", "--sim", "Smart Lock")
    assert no_io.returncode == 2 and "--io" in no_io.stderr


def test_scan_json_shows_the_bonded_privacy_tag_by_its_identity() -> None:
    paired = blebench("pair", "--sim", "Privacy Tag", "--io", "no-input-no-output", "--sc",
                      "--bond", "--confirm", "yes")  # fmt: skip
    assert paired.returncode == 0, paired.stderr
    scan = blebench("scan", "--sim", "--duration", "1.5", "--json")
    assert scan.returncode == 0, scan.stderr
    devices = [json.loads(line) for line in scan.stdout.splitlines()]
    tags = [d for d in devices if d["name"] == "Privacy Tag"]
    assert len(tags) == 1
    tag = tags[0]
    assert tag["address_type"] == "resolvable-private" and tag["address"] != tag["identity_address"]
    assert (tag["identity_address"], tag["bonded"], tag["bond_name"]) == (
        "DA:6F:31:A2:7C:05", True, "Privacy Tag",
    )  # fmt: skip
    others = [d for d in devices if d is not tag]
    assert others and all(not d["bonded"] and d["identity_address"] is None for d in others)
