"""`blebench bonds` as a user runs it."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from blebench import paths
from blebench.cli import main
from blebench.pairing.bonds import BondStore
from blebench.pairing.models import Bond, BondKeys, KeyMaterial

LTK = bytes(range(16, 32))


def seed() -> None:
    BondStore().put(Bond(address="C0:11:22:33:44:55", name="Smart\x1b[31mLock", sc=True,
                         authenticated=True, keys=BondKeys(ltk=KeyMaterial(LTK, True))))


def test_list_never_shows_keys(capsys: pytest.CaptureFixture[str]) -> None:
    seed()
    assert main(["bonds", "--json"]) == 0
    out = capsys.readouterr().out
    assert json.loads(out)[0]["address"] == "C0:11:22:33:44:55" and LTK.hex() not in out
    assert main(["bonds"]) == 0
    text = capsys.readouterr().out
    assert "C0:11:22:33:44:55" in text and "\x1b" not in text and LTK.hex() not in text


def test_delete(capsys: pytest.CaptureFixture[str]) -> None:
    seed()
    assert main(["bonds", "delete", "c0:11:22:33:44:55", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {"address": "C0:11:22:33:44:55", "deleted": True}
    assert main(["bonds", "delete", "C0:11:22:33:44:55"]) == 1
    assert main(["bonds", "delete", "nonsense"]) == 2
    assert "not a Bluetooth address" in capsys.readouterr().err


def test_export_is_private_and_never_overwrites(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed()
    target = tmp_path / "bonds-export.json"
    assert main(["bonds", "export", str(target)]) == 0
    assert stat.S_IMODE(os.stat(target).st_mode) == 0o600
    assert LTK.hex() in target.read_text()
    assert main(["bonds", "export", str(target)]) == 2
    assert "exists" in capsys.readouterr().err


def test_corrupt_file_reported_and_app_goes_on(capsys: pytest.CaptureFixture[str]) -> None:
    paths.bonds_file().parent.mkdir(parents=True)
    paths.bonds_file().write_text("[broken")
    assert main(["bonds", "--json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out) == []
    assert "kept as" in captured.err and "corrupt-" in captured.err
