"""Bumble's `KeyStore` interface over blebench's `BondStore` (one private file, atomic).

Used by every Bumble device blebench runs: the session's central on any radio (so keys
outlive the process, field note 001) and the virtual world's peripherals (their own
"flash", a separate file, so a virtual lock remembers us across runs as a real one does).

`local_address` names whose keys these are (our identity on a radio, or a virtual
peripheral's identity), so several identities can share one file. Bonds written before
identities were recorded (`local_address` None) are visible to every identity.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bumble.hci import Address
from bumble.keys import KeyStore, PairingKeys

from blebench.pairing.bonds import BondStore
from blebench.pairing.models import AddressType, Bond, BondKeys


def keys_to_bumble(keys: BondKeys) -> PairingKeys:
    return PairingKeys.from_dict(keys.to_record())


def keys_from_bumble(keys: PairingKeys) -> BondKeys:
    return BondKeys.from_record(keys.to_dict())


def _split_name(name: str) -> tuple[str, AddressType]:
    """Bumble's key-store names: `AA:BB:..` (random) or `AA:BB:../P` (public)."""
    address = Address(name)
    kind: AddressType = (
        "public"
        if address.address_type in (Address.PUBLIC_DEVICE_ADDRESS, Address.PUBLIC_IDENTITY_ADDRESS)
        else "random"
    )
    return address.to_string(with_type_qualifier=False), kind


class BondKeyStore(KeyStore):
    """Bumble's key store interface over a BondStore, for one local identity."""

    def __init__(self, store: BondStore, local_address: str | None = None) -> None:
        self.store = store
        self.local_address = local_address

    def _name(self, bond: Bond) -> str:
        return bond.address + ("/P" if bond.address_type == "public" else "")

    def _mine(self, bond: Bond) -> bool:
        return bond.local_address in (None, self.local_address)

    async def update(self, name: str, keys: PairingKeys) -> None:
        address, kind = _split_name(name)
        bond_keys = keys_from_bumble(keys)
        local = self.local_address

        def edit(bonds: list[Bond]) -> tuple[None, bool]:
            # On the file as it is now, under its lock: another process's bonds stay.
            now = datetime.now(UTC).isoformat(timespec="seconds")
            existing = next((b for b in bonds if b.local_address in (None, local)
                             and address in (b.address, b.identity_address)), None)
            if existing is not None:
                # Keep what we knew, take the new keys (Bumble sends only what changed on re-pair).
                merged = existing.keys.to_record()
                merged.update(bond_keys.to_record())
                existing.keys = BondKeys.from_record(merged)
                existing.last_used = now
                return None, True
            bonds.append(Bond(address=address, address_type=kind, identity_address=address,
                              created=now, last_used=now, local_address=local, keys=bond_keys))
            return None, True

        self.store.change(edit)

    async def get(self, name: str) -> PairingKeys | None:
        address, _ = _split_name(name)
        bond = self.store.get(address, local_address=self.local_address)
        return keys_to_bumble(bond.keys) if bond is not None else None

    async def delete(self, name: str) -> None:
        address, _ = _split_name(name)
        self.store.delete(address, local_address=self.local_address)

    async def delete_all(self) -> None:
        """Every bond of this identity, in one write (Bumble's default deletes one by one)."""
        def edit(bonds: list[Bond]) -> tuple[None, bool]:
            kept = [b for b in bonds if not self._mine(b)]
            changed = len(kept) != len(bonds)
            bonds[:] = kept
            return None, changed

        self.store.change(edit)

    async def get_all(self) -> list[tuple[str, PairingKeys]]:
        return [(self._name(b), keys_to_bumble(b.keys)) for b in self.store.bonds() if self._mine(b)]
