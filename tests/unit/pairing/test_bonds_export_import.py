"""`blebench bonds export / import / list` as a user runs them (issue 17 item 3, issue 11 item 11).

Keys go only to a regular file the user meant; what `export` wrote, `import` reads back; a
damaged file is refused whole, in words.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import threading
from pathlib import Path

import pytest

from blebench import paths
from blebench.cli import main
from blebench.pairing.bonds import BondStore
from blebench.pairing.models import Bond, BondKeys, KeyMaterial

LTK = bytes(range(16, 32))
IRK = bytes(range(32, 48))
LOCK = "C0:11:22:33:44:55"
CAMERA = "9C:50:D1:4B:2E:11"


def seed() -> None:
    store = BondStore()
    store.put(Bond(address=LOCK, name="Smart Lock", sc=True, authenticated=True,
                   local_address="D0:00:00:00:00:01",
                   keys=BondKeys(ltk=KeyMaterial(LTK, True), irk=KeyMaterial(IRK))))
    store.put(Bond(address=CAMERA, name="ZV Camera", address_type="public",
                   keys=BondKeys(ltk=KeyMaterial(LTK[::-1], False, ediv=0x1234, rand=bytes(8)))))


def records() -> list[dict[str, object]]:
    return sorted((b.to_record() for b in BondStore().bonds()), key=lambda r: str(r["address"]))


def leftovers(folder: Path) -> list[str]:
    return [p.name for p in folder.iterdir() if p.name.endswith(".tmp")]


# -- export: only to regular files -------------------------------------------------------

def test_export_says_where_the_keys_went(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    seed()
    monkeypatch.chdir(tmp_path)
    assert main(["bonds", "export", "keys.json"]) == 0
    out = capsys.readouterr().out
    assert f"Wrote 2 bond(s) with their keys to {tmp_path / 'keys.json'}" in out
    assert stat.S_IMODE(os.stat(tmp_path / "keys.json").st_mode) == 0o600
    assert main(["bonds", "export", "keys.json", "--json"]) == 2  # exists, no --force
    assert "exists" in capsys.readouterr().err
    (tmp_path / "keys.json").write_text("old")
    os.chmod(tmp_path / "keys.json", 0o644)
    assert main(["bonds", "export", "keys.json", "--force", "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said == {"file": "keys.json", "path": str(tmp_path / "keys.json"), "bonds": 2}
    assert LTK.hex() in (tmp_path / "keys.json").read_text()
    assert stat.S_IMODE(os.stat(tmp_path / "keys.json").st_mode) == 0o600  # a new file
    assert leftovers(tmp_path) == []


def test_export_to_a_fifo_is_refused_even_with_force(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    seed()
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    got: list[bytes] = []
    # A reader waits on the FIFO, as in the review: it must get nothing, and the FIFO stays.
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    assert main(["bonds", "export", str(fifo), "--force"]) == 2
    err = capsys.readouterr().err
    assert f"{fifo} is a FIFO (named pipe)" in err and "no keys written" in err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    with open(fifo, "wb"):
        pass  # let the reader go: it read an empty pipe, no keys
    reader.join(5)
    assert got == [b""]
    assert leftovers(tmp_path) == [] and LTK.hex() not in "".join(
        p.read_text() for p in tmp_path.iterdir() if p.is_file())


def test_export_to_a_symlink_is_refused_even_with_force(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]) -> None:
    seed()
    target = tmp_path / "notes.txt"
    target.write_text("my notes")
    link = tmp_path / "keys.json"
    link.symlink_to(target)
    assert main(["bonds", "export", str(link), "--force"]) == 2
    err = capsys.readouterr().err
    assert "is a symbolic link" in err and "no keys written" in err
    assert link.is_symlink() and target.read_text() == "my notes"
    dangling = tmp_path / "dangling.json"
    dangling.symlink_to(tmp_path / "nowhere")
    assert main(["bonds", "export", str(dangling), "--force"]) == 2
    assert not (tmp_path / "nowhere").exists() and leftovers(tmp_path) == []


def test_export_to_a_device_or_socket_or_folder_is_refused(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    seed()
    sock = tmp_path / "sock"
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(sock))
    server.close()
    assert main(["bonds", "export", str(sock), "--force"]) == 2
    assert "is a socket" in capsys.readouterr().err
    assert main(["bonds", "export", str(tmp_path), "--force"]) == 2
    assert "is a folder: give a file name" in capsys.readouterr().err
    assert main(["bonds", "export", str(tmp_path / "no-such-folder" / "k.json")]) == 2
    assert "is not a folder here" in capsys.readouterr().err
    device = tmp_path / "null"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        return  # making a device node needs root; the review's /dev/full case did
    assert main(["bonds", "export", str(device), "--force", "--json"]) == 2
    captured = capsys.readouterr()
    assert json.loads(captured.out)["error"] == "keys_refused"
    assert "is a character device" in captured.err
    assert stat.S_ISCHR(os.lstat(device).st_mode) and leftovers(tmp_path) == []


# -- import: what export wrote -----------------------------------------------------------

def test_import_round_trips_export(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed()
    before = records()
    export = tmp_path / "keys.json"
    assert main(["bonds", "export", str(export)]) == 0
    paths.bonds_file().unlink()
    capsys.readouterr()
    assert main(["bonds", "--json"]) == 0 and json.loads(capsys.readouterr().out) == []

    assert main(["bonds", "import", str(export)]) == 0
    out = capsys.readouterr().out
    assert f"Added      {CAMERA} (ZV Camera)" in out
    assert f"Added      {LOCK} (Smart Lock), for our identity D0:00:00:00:00:01" in out
    assert "2 added, 0 replaced, 0 unchanged, of 2 bond(s); 2 bond(s) now in" in out
    assert records() == before  # keys, EDIV, Rand, identities: all back

    assert main(["bonds", "import", str(export), "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert said["added"] == [] and said["replaced"] == [] and len(said["unchanged"]) == 2

    store = BondStore()
    store.delete(CAMERA)
    store.annotate(LOCK, name="Front Door")
    store.put(Bond(address="C0:11:22:33:44:77", name="Other"))
    assert main(["bonds", "import", str(export), "--json"]) == 0
    said = json.loads(capsys.readouterr().out)
    assert (said["added"], said["replaced"], said["bonds"]) == ([CAMERA], [LOCK], 3)
    assert BondStore().get("C0:11:22:33:44:77") is not None  # the others are kept
    lock = BondStore().get(LOCK)
    assert lock is not None and lock.name == "Smart Lock"


@pytest.mark.parametrize(("edit", "said"), [
    (lambda t: t.replace('"key_size": 16', '"key_size": 1e999', 1), "key_size is 1e999"),
    (lambda t: t.replace('"ediv": 4660', '"ediv": 1e999', 1), "EDIV"),
    (lambda t: "[" * 100_000, "nested deeper"),
    (lambda t: t[: len(t) // 2], "not valid JSON"),
    (lambda t: '{"bonds": []}', "not a blebench bond export"),
    (lambda t: t.replace('"version": 1', '"version": 7'), "version 7"),
])
def test_a_damaged_export_is_refused_whole(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                           edit: object, said: str) -> None:
    seed()
    export = tmp_path / "keys.json"
    assert main(["bonds", "export", str(export)]) == 0
    text = export.read_text()
    damaged = edit(text)  # type: ignore[operator]
    assert damaged != text
    export.write_text(damaged)
    paths.bonds_file().unlink()
    capsys.readouterr()
    assert main(["bonds", "import", str(export)]) == 2
    err = capsys.readouterr().err
    assert said in err and "nothing imported" in err and "Traceback" not in err
    assert BondStore().bonds() == []  # not even the readable one
    assert main(["bonds", "import", str(export), "--json"]) == 2
    assert json.loads(capsys.readouterr().out)["error"] == "keys_refused"


def test_import_of_what_is_not_a_file_is_refused(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert main(["bonds", "import", str(fifo)]) == 2  # never opened: nothing blocks
    assert "is a FIFO" in capsys.readouterr().err
    assert main(["bonds", "import", str(tmp_path / "missing.json")]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert main(["bonds", "import", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err


# -- list --------------------------------------------------------------------------------

def test_list_is_bonds_and_its_table_aligns(capsys: pytest.CaptureFixture[str]) -> None:
    seed()
    BondStore().put(Bond(address="C0:11:22:33:44:88", name="名前\x1b[2Jwide", key_size=7))
    assert main(["bonds"]) == 0
    plain = capsys.readouterr().out
    assert main(["bonds", "list"]) == 0
    assert capsys.readouterr().out == plain
    assert main(["bonds", "list", "--json"]) == 0
    assert [b["address"] for b in json.loads(capsys.readouterr().out)] == [LOCK, CAMERA,
                                                                          "C0:11:22:33:44:88"]
    from rich.cells import cell_len

    header, *rows = plain.splitlines()[:4]
    assert "legacy, unauthenticated, 128-bit" in plain and "legacy, unauthenticated, 56-bit" in plain
    assert "\x1b" not in plain and "\\x1b[2J" in plain  # a name from the air, shown literally

    def starts(line: str) -> list[int]:
        """The terminal cell where each column of `line` starts (columns: 2+ spaces apart)."""
        cells, at, previous = [], 0, " "
        for index, char in enumerate(line):
            if char != " " and previous == " " and (index < 2 or line[index - 2] == " "):
                cells.append(cell_len(line[:index]))
            previous = char
            at = index
        assert at
        return cells

    expected = starts(header)
    assert len(expected) == 6
    for row in rows:  # the long security value and the wide name push nothing out of line
        assert starts(row) == expected, row
