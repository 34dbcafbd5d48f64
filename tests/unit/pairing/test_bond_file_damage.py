"""The bond store under damage and beside other processes (issue 17, item 2).

What a user would notice: a damaged or misplaced bond file never blocks blebench (it is
kept aside, the reason said once, in words), no bond another process wrote is lost, secrets
never stay open to others, and no temp file a killed writer left lingers.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
import warnings
from pathlib import Path

import pytest

from blebench import paths
from blebench.pairing import bondfile
from blebench.pairing.bonds import BondFileProblem, BondStore
from blebench.pairing.models import Bond, BondKeys, KeyMaterial

LTK = bytes(range(16))
GOOD = "C0:11:22:33:44:55"
OTHER = "C0:11:22:33:44:66"


def make_bond(address: str = GOOD, **kw: object) -> Bond:
    return Bond(address=address, name="Smart Lock", keys=BondKeys(ltk=KeyMaterial(LTK, True)),
                **kw)  # type: ignore[arg-type]


def seeded_document() -> dict[str, object]:
    """A bond file of two good bonds, as blebench writes it."""
    store = BondStore()
    store.put(make_bond())
    store.put(make_bond(OTHER))
    document = json.loads(paths.bonds_file().read_text())
    assert isinstance(document, dict)
    return document


def open_store() -> tuple[BondStore, list[BondFileProblem]]:
    store = BondStore()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        store.bonds()
    # The folder's mode (0755 as a test makes it) is said apart; these tests look at damage.
    problems = [w.message for w in caught if isinstance(w.message, BondFileProblem)
                and not w.message.message.startswith("the folder")]
    return store, problems


def asides() -> list[Path]:
    return sorted(paths.bonds_file().parent.glob("bonds.json.corrupt-*"))


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


# -- one bad record among good ones: the good ones stay, the bad one is named --------------

@pytest.mark.parametrize(("field", "raw", "said"), [
    ("key_size", "1e999", "key_size is 1e999"),
    ("key_size", "-1e999", "key_size is -1e999"),
    ("key_size", "NaN", "key_size is NaN"),
    ("key_size", '"16"', "key_size is '16'"),
    ("key_size", "99", "key_size is 99"),
    ("authenticated", '"yes"', "authenticated is 'yes'"),
    ("name", "[1, 2]", "name is [1, 2]"),
    ("keys", '"secret"', "keys is 'secret'"),
    ("ediv", "1e999", "keys.ltk.ediv is 1e999, not an EDIV"),
    ("ltk_value", '"00"', "keys.ltk.value is '00'"),
])
def test_a_bad_field_keeps_the_other_bonds(field: str, raw: str, said: str) -> None:
    document = seeded_document()
    record = document["bonds"][1]  # type: ignore[index]
    if field == "ediv":
        record["keys"]["ltk"]["ediv"] = "__BAD__"
    elif field == "ltk_value":
        record["keys"]["ltk"]["value"] = "__BAD__"
    else:
        record[field] = "__BAD__"
    damaged = json.dumps(document, indent=2).replace('"__BAD__"', raw)  # as an editor leaves it
    paths.bonds_file().write_text(damaged)

    store, problems = open_store()

    assert [b.address for b in store.bonds()] == [GOOD]  # the readable bond is used
    assert len(problems) == 1 and said in problems[0].message
    assert f"bond 2 ({OTHER})" in problems[0].message
    assert [p.read_text() for p in asides()] == [damaged]  # kept as it was, never lost
    store.put(make_bond("C0:11:22:33:44:77"))  # and blebench goes on writing
    assert {b.address for b in BondStore().bonds()} == {GOOD, "C0:11:22:33:44:77"}
    assert open_store()[1] == []  # said once


# -- a whole file that cannot be read --------------------------------------------------------

def test_absurd_nesting_is_kept_aside() -> None:
    paths.bonds_file().parent.mkdir(parents=True)
    paths.bonds_file().write_text("[" * 100_000)
    store, problems = open_store()
    assert store.bonds() == []
    assert len(problems) == 1 and "nested deeper" in problems[0].message
    assert problems[0].aside is not None and problems[0].aside.read_text() == "[" * 100_000
    store.put(make_bond())
    assert BondStore().get(GOOD) is not None


@pytest.mark.parametrize(("content", "said"), [
    ('{"format": "blebench-bonds", "bonds": {"a": 1}}', "has no list of bonds"),
    ("[1, 2, 3]", "has no list of bonds"),
    ('{"bonds": [' + "9" * 5000 + "]}", "not valid JSON"),
    (b"\xff\xfe{}", "not UTF-8"),
])
def test_wrong_shapes_are_kept_aside(content: str | bytes, said: str) -> None:
    paths.bonds_file().parent.mkdir(parents=True)
    data = content if isinstance(content, bytes) else content.encode()
    paths.bonds_file().write_bytes(data)
    store, problems = open_store()
    assert store.bonds() == [] and len(problems) == 1 and said in problems[0].message
    assert [p.read_bytes() for p in asides()] == [data]


def _fifo(path: Path) -> str:
    os.mkfifo(path)
    return "a FIFO"


def _symlink(path: Path) -> str:
    target = path.with_name("elsewhere.json")
    target.write_text('{"bonds": []}')
    path.symlink_to(target)
    return "a symbolic link to"


def _socket(path: Path) -> str:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(path))
    server.close()
    return "a socket"


def _device(path: Path) -> str:
    try:
        os.mknod(path, stat.S_IFCHR | 0o600, os.makedev(1, 3))  # a /dev/null
    except PermissionError:
        pytest.skip("making a device node needs root")
    return "a character device"


def _directory(path: Path) -> str:
    path.mkdir()
    (path / "inside.txt").write_text("kept")
    return "a directory"


@pytest.mark.parametrize("make", [_fifo, _symlink, _socket, _device, _directory])
def test_not_a_regular_file_is_kept_aside_and_blebench_goes_on(make: object) -> None:
    path = paths.bonds_file()
    path.parent.mkdir(parents=True)
    said = make(path)  # type: ignore[operator]

    store, problems = open_store()  # a FIFO is never opened: nothing blocks

    assert store.bonds() == []
    assert len(problems) == 1 and said in problems[0].message and "kept as" in problems[0].message
    aside = problems[0].aside
    assert aside is not None and os.path.lexists(aside) and not os.path.lexists(path)
    store.put(make_bond())  # the next pairing's bond has a regular file again
    assert stat.S_ISREG(os.lstat(path).st_mode) and BondStore().get(GOOD) is not None
    if said == "a directory":
        assert (aside / "inside.txt").read_text() == "kept"
    if said.startswith("a symbolic link"):
        assert path.with_name("elsewhere.json").read_text() == '{"bonds": []}'  # untouched


def test_virtual_devices_store_is_kept_aside_too() -> None:
    """sim-bonds.json goes through the same store: a directory there blocks nothing."""
    path = paths.sim_bonds_file()
    path.mkdir(parents=True)
    store = BondStore(path)
    with pytest.warns(BondFileProblem, match="is a directory"):
        assert store.bonds() == []
    store.put(make_bond(local_address="F4:16:95:56:A2:07"))
    assert BondStore(path).get(GOOD, local_address="F4:16:95:56:A2:07") is not None


# -- modes and temp files ------------------------------------------------------------------

def test_modes_wider_than_private_are_narrowed_with_a_warning() -> None:
    BondStore().put(make_bond())
    path = paths.bonds_file()
    os.chmod(path, 0o644)
    os.chmod(path.parent, 0o755)
    store = BondStore()
    with pytest.warns(BondFileProblem) as caught:
        assert store.get(GOOD) is not None
    messages = " | ".join(str(w.message) for w in caught)
    assert "mode 0644" in messages and "made it 0600" in messages
    assert "mode 0755" in messages and "made it 0700" in messages
    assert mode(path) == 0o600 and mode(path.parent) == 0o700
    assert open_store()[1] == []  # said once: the next open finds nothing to say


def test_temp_files_of_a_killed_writer_are_removed() -> None:
    BondStore().put(make_bond())
    path = paths.bonds_file()
    # What kill -9 between "temp written" and "renamed" leaves: a synced temp, no rename.
    leftovers = [bondfile.write_temp(path, b'{"half": ') for _ in range(3)]
    assert all(os.path.exists(t) for t in leftovers)
    store, problems = open_store()
    assert store.get(GOOD) is not None and problems == []
    assert not any(os.path.exists(t) for t in leftovers)
    assert sorted(p.name for p in path.parent.iterdir()) == ["bonds.json", "bonds.json.lock"]


def test_a_kill_9_mid_write_loses_nothing_and_leaves_no_temp(tmp_path: Path) -> None:
    """A real writer killed while it writes bonds as fast as it can."""
    script = tmp_path / "writer.py"
    script.write_text(
        "import sys\n"
        "from blebench.pairing.bonds import BondStore\n"
        "from blebench.pairing.models import Bond\n"
        "store = BondStore()\n"
        "store.put(Bond(address='C0:11:22:33:44:55'))\n"
        "print('ready', flush=True)\n"
        "i = 0\n"
        "while True:\n"
        "    i += 1\n"
        "    store.put(Bond(address='D0:00:00:00:%02X:%02X' % (i // 256 % 256, i % 256)))\n"
    )
    writer = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert writer.stdout is not None and writer.stdout.readline() == "ready\n"
    path = paths.bonds_file()
    deadline = time.monotonic() + 30
    while len(json.loads(path.read_text())["bonds"]) <= 20:  # a few writes in, mid-stream
        assert time.monotonic() < deadline, "the writer wrote nothing"
    writer.kill()
    writer.wait()
    store, problems = open_store()
    assert problems == [] and store.get(GOOD) is not None  # the file is whole
    assert not list(path.parent.glob(".bonds.json.*.tmp"))


# -- two writers -------------------------------------------------------------------------

def test_two_stores_loaded_before_either_wrote_keep_both_bonds() -> None:
    """The lost update of issue 17: each loaded the file, then each wrote its own bond."""
    first, second = BondStore(), BondStore()
    assert first.bonds() == [] and second.bonds() == []
    first.put(make_bond())
    second.put(make_bond(OTHER))
    assert {b.address for b in BondStore().bonds()} == {GOOD, OTHER}
    assert {b.address for b in first.bonds()} == {GOOD, OTHER}  # it sees the other's write


def test_many_processes_writing_at_once_keep_every_bond(tmp_path: Path) -> None:
    script = tmp_path / "put.py"
    script.write_text(
        "import sys\n"
        "from blebench.pairing.bonds import BondStore\n"
        "from blebench.pairing.models import Bond\n"
        "n = int(sys.argv[1])\n"
        "store = BondStore()\n"
        "store.bonds()\n"
        "for i in range(25):\n"
        "    store.put(Bond(address='D0:00:00:00:%02X:%02X' % (n, i)))\n"
    )
    writers = [subprocess.Popen([sys.executable, str(script), str(n)]) for n in range(4)]
    assert [w.wait(timeout=60) for w in writers] == [0, 0, 0, 0]
    assert len(BondStore().bonds()) == 100


def test_a_lock_held_too_long_is_said_in_words(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    BondStore().put(make_bond())
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, sys, time\n"
         f"f = open({str(bondfile.lock_path(paths.bonds_file()))!r}, 'w')\n"
         "fcntl.flock(f, fcntl.LOCK_EX)\n"
         "print('held', flush=True)\n"
         "time.sleep(30)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        monkeypatch.setattr(bondfile, "LOCK_TIMEOUT_S", 0.3)
        with pytest.raises(bondfile.BondFileBusy, match="another process has held the lock"):
            BondStore().put(make_bond(OTHER))
    finally:
        holder.kill()
        holder.wait()
    BondStore().put(make_bond(OTHER))  # once it is gone, writes go on
    assert {b.address for b in BondStore().bonds()} == {GOOD, OTHER}


def test_what_a_damaged_file_holds_is_said_literally() -> None:
    """An address (or a link target) in a damaged file is shown escaped, never obeyed."""
    document = seeded_document()
    document["bonds"][1]["address"] = "\x1b[2J\u202eC0:11"  # type: ignore[index]
    paths.bonds_file().write_text(json.dumps(document))
    _, problems = open_store()
    assert len(problems) == 1
    message = problems[0].message
    assert "\x1b" not in message and "\u202e" not in message
    assert "bond 2 (\\x1b[2J\\u202eC0:11)" in message
