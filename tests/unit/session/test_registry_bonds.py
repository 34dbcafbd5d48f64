"""DeviceRegistry with a bond store: RPAs that resolve with a bond's IRK (kept as Bumble
keeps it, least significant byte first) are filed under the bond's identity; resolution
runs once per address, again only when the bonds change."""

from __future__ import annotations

import pytest
from bumble import hci

from blebench.pairing.bonds import BondStore
from blebench.pairing.models import Bond, BondKeys, KeyMaterial
from blebench.session.registry import DeviceRegistry
from tests.unit.session.test_registry import raw

IRK = bytes(range(1, 17))  # as SMP carries it and Bumble stores it: LSB first
IDENTITY = "DA:6F:31:A2:7C:05"
LOCAL = "F4:16:95:56:A2:07"


def rpa(irk: bytes = IRK) -> str:
    """A fresh resolvable private address, made by Bumble from an IRK in its own order."""
    return hci.Address.generate_private_address(irk).to_string(with_type_qualifier=False)


def bonded_store(local: str | None = LOCAL) -> BondStore:
    store = BondStore()
    store.put(Bond(address=IDENTITY, identity_address=IDENTITY, name="My Tag", local_address=local,
                   keys=BondKeys(irk=KeyMaterial(IRK), ltk=KeyMaterial(bytes(16)))))
    return store


def test_two_rotations_of_a_bonded_tag_are_one_bonded_device() -> None:
    registry = DeviceRegistry(bonds=bonded_store())
    first, second = rpa(), rpa()
    assert first != second
    registry.update_raw(raw(first, adv=None), now=1.0)
    registry.update_raw(raw(second, adv=None), now=2.0)
    records = list(registry)
    assert len(records) == 1
    record = records[0]
    assert (record.address, record.address_type) == (second, "resolvable-private")
    assert (record.identity_address, record.bonded, record.bond_name) == (IDENTITY, True, "My Tag")
    assert record.name == "My Tag"  # the air gave none; the bond's name stands in
    assert record.count == 2
    assert registry.get(IDENTITY) is record and registry.get(first) is record
    out = record.to_json(registry.wall_offset)
    assert (out["address"], out["identity_address"], out["bonded"], out["bond_name"]) == (
        second, IDENTITY, True, "My Tag",
    )  # fmt: skip


def test_unbonded_and_foreign_addresses_stay_apart() -> None:
    registry = DeviceRegistry(bonds=bonded_store())
    other = rpa(bytes(16 * [7]))
    registry.update_raw(raw(other), now=1.0)
    registry.update_raw(raw("C0:00:00:00:00:01"), now=1.0)
    assert {r.address for r in registry} == {other, "C0:00:00:00:00:01"}
    assert not any(r.bonded or r.identity_address for r in registry)
    assert registry.get(other) is not None


def test_a_bond_of_another_local_identity_does_not_count() -> None:
    registry = DeviceRegistry(bonds=bonded_store(local="C0:11:22:33:44:55"))
    registry.bond_identity = LOCAL
    registry.update_raw(raw(rpa()), now=1.0)
    assert not next(iter(registry)).bonded


def test_resolution_is_cached_per_address_until_the_bonds_change(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    store = bonded_store()
    calls: list[str] = []
    resolve = store.resolve

    def counting(address: str, **kwargs: object) -> Bond | None:
        calls.append(address)
        return resolve(address, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(store, "resolve", counting)
    registry = DeviceRegistry(bonds=store)
    heard = rpa()
    stranger = rpa(bytes(16 * [9]))
    for second in range(50):
        registry.update_raw(raw(heard), now=float(second))
        registry.update_raw(raw(stranger), now=float(second))
    assert sorted(calls) == sorted([heard, stranger])  # AES once per address, not per report

    # The bond goes: its records fall back to the address heard, and nothing is bonded.
    store.delete(IDENTITY)
    registry.update_raw(raw(heard), now=60.0)
    record = registry.get(heard)
    assert record is not None and not record.bonded and record.identity_address is None
    assert registry.get(IDENTITY) is None
