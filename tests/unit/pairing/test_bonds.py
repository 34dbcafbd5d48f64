"""The bond store: private, atomic, corruption kept aside, keys never shown."""

from __future__ import annotations

import json
import os
import secrets
import stat
from pathlib import Path

import pytest
from bumble.hci import Address

from blebench import paths
from blebench.pairing.bonds import BondFileProblem, BondStore, normalise_address
from blebench.pairing.models import Bond, BondKeys, KeyMaterial

LTK = bytes(range(16))
IRK = secrets.token_bytes(16)


def make_bond(address: str = "C0:11:22:33:44:55", **kw: object) -> Bond:
    return Bond(address=address, name="Smart Lock",
                keys=BondKeys(ltk=KeyMaterial(LTK, authenticated=True), irk=KeyMaterial(IRK)),
                **kw)  # type: ignore[arg-type]


def mode(path: Path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_round_trip_private_and_atomic(blebench_home: Path) -> None:
    store = BondStore()
    store.put(make_bond(authenticated=True, sc=True))
    assert store.path == paths.bonds_file()
    assert mode(store.path) == 0o600 and mode(store.path.parent) == 0o700
    # No temp file left; the lock beside the file is private too.
    assert sorted(p.name for p in store.path.parent.iterdir()) == ["bonds.json", "bonds.json.lock"]
    assert mode(store.path.with_name("bonds.json.lock")) == 0o600
    again = BondStore().get("c0-11-22-33-44-55")
    assert again is not None and again.authenticated and again.sc and again.name == "Smart Lock"
    assert again.keys.ltk is not None and bytes(again.keys.ltk.value) == LTK


def test_keys_never_in_repr_or_public_json() -> None:
    bond = make_bond()
    for text in (repr(bond), repr(bond.keys), str(bond.keys.ltk), json.dumps(bond.to_json()),
                 f"{bond.keys.ltk.value!s}"):  # type: ignore[union-attr]
        assert LTK.hex() not in text and IRK.hex() not in text
    assert bond.to_json()["ltk"] is True and bond.to_json()["irk"] is True


def test_corrupt_file_is_kept_aside_and_reported(blebench_home: Path) -> None:
    path = paths.bonds_file()
    path.parent.mkdir(parents=True)
    path.write_text("{ this is not json")
    store = BondStore()
    with pytest.warns(BondFileProblem) as caught:
        assert store.bonds() == []
    problem = caught[0].message
    assert isinstance(problem, BondFileProblem) and problem.aside is not None
    assert problem.aside.read_text() == "{ this is not json"  # never lost
    assert "kept as" in str(problem) and store.problems
    store.put(make_bond())  # and the app goes on
    assert BondStore().get("C0:11:22:33:44:55") is not None


def test_one_bad_record_keeps_the_good_ones(blebench_home: Path) -> None:
    BondStore().put(make_bond())
    document = json.loads(paths.bonds_file().read_text())
    document["bonds"].append({"address": "not an address"})
    paths.bonds_file().write_text(json.dumps(document))
    with pytest.warns(BondFileProblem, match="1 unreadable bond"):
        bonds = BondStore().bonds()
    assert [b.address for b in bonds] == ["C0:11:22:33:44:55"]
    assert len(list(paths.bonds_file().parent.glob("bonds.json.corrupt-*"))) == 1


def test_delete_and_export(blebench_home: Path, tmp_path: Path) -> None:
    store = BondStore()
    store.put(make_bond())
    store.put(make_bond("C0:11:22:33:44:66"))
    assert store.delete("C0:11:22:33:44:66") is True
    assert store.delete("C0:11:22:33:44:66") is False
    target = tmp_path / "export.json"
    assert store.export(target) == 1
    assert mode(target) == 0o600
    exported = json.loads(target.read_text())
    assert exported["bonds"][0]["keys"]["ltk"]["value"] == LTK.hex()  # export is on purpose


def test_resolvable_address_resolves_to_its_bond() -> None:
    store = BondStore()
    store.put(make_bond())
    rpa = Address.generate_private_address(IRK).to_string(with_type_qualifier=False)
    bond = store.resolve(rpa)
    assert bond is not None and bond.address == "C0:11:22:33:44:55"
    other = Address.generate_private_address(secrets.token_bytes(16)).to_string(False)
    assert store.resolve(other) is None


def test_addresses_are_checked() -> None:
    assert normalise_address("c011223344aa") == "C0:11:22:33:44:AA"
    with pytest.raises(ValueError, match="not a Bluetooth address"):
        normalise_address("C0:11:22")
