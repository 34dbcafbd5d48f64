"""Snapshot of the Security pane: options, the matrix with the current combination, the
explanation (all deterministic: no session, no clock)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult

from blebench.pairing.bonds import BondStore
from blebench.ui.security import SecurityPane
from blebench.ui.settings import Settings
from tests.ui.app_harness import NoPairing


class SecuritySnapshot(App[None]):
    def __init__(self, bonds: Path) -> None:
        super().__init__()
        self.bonds = bonds

    def compose(self) -> ComposeResult:
        yield SecurityPane(NoPairing(), settings=Settings(), bond_store=BondStore(self.bonds))


def test_security_pane_snapshot(snap_compare: Any, tmp_path: Path) -> None:
    async def settle(pilot: Any) -> None:
        await pilot.pause()

    assert snap_compare(SecuritySnapshot(tmp_path / "bonds.json"), terminal_size=(160, 45),
                        run_before=settle)
