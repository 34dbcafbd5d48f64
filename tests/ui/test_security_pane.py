"""The Security pane: persisted options, the matrix, the lab ladder and the bond manager."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.text import Text
from textual.app import App
from textual.widgets import Checkbox, DataTable, Select, Static

from blebench.pairing.bonds import BondStore
from blebench.pairing.models import Bond, BondKeys, KeyMaterial
from blebench.ui import settings as settings_module
from blebench.ui.security import SecurityPane
from blebench.ui.security.bonds import BondManager
from blebench.ui.security.ladder import LadderView
from blebench.ui.security.matrix_view import MatrixView
from tests.ui.app_harness import SIZE, NoPairing, SecurityHost


def cell(app: App[None], row: int, column: int) -> str:
    table: DataTable[Text] = app.query_one(MatrixView).query_one(DataTable)
    return str(table.get_cell_at((row, column)))


async def test_the_current_combination_is_highlighted_and_explained(tmp_path: Path) -> None:
    app = SecurityHost(NoPairing(), settings_module.Settings(), BondStore(tmp_path / "bonds.json"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # Ours: KeyboardDisplay + MITM + SC (defaults); peer: DisplayOnly + MITM + SC.
        assert cell(app, 4, 1) == "▶ Passkey L4"
        explain = str(app.query_one("#matrix-explain", Static).render())
        assert "KeyboardDisplay × DisplayOnly" in explain and "current combination" in explain
        assert "passkey entry" in explain


async def test_a_failing_combination_says_why(tmp_path: Path) -> None:
    app = SecurityHost(NoPairing(), settings_module.Settings(), BondStore(tmp_path / "bonds.json"))
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(SecurityPane)
        pane.query_one("#our-io", Select).value = "no-input-no-output"
        pane.query_one("#peer-requires-mitm", Checkbox).value = True
        await pilot.pause()
        assert cell(app, 3, 1) == "▶ ✗0x03 JW"
        explain = str(app.query_one("#matrix-explain", Static).render())
        assert "Fails by the responder: 0x03 Authentication Requirements" in explain


async def test_our_options_are_saved_in_the_settings_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    app = SecurityHost(NoPairing(), settings_module.Settings(path=config), BondStore(tmp_path / "bonds.json"))
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(SecurityPane)
        pane.query_one("#our-mitm", Checkbox).value = False
        pane.query_one("#our-io", Select).value = "display-yes-no"
        pane.query_one("#our-max-key", Select).value = 10
        await pilot.pause()
    saved = settings_module.load(config).pairing
    assert (saved.io, saved.mitm, saved.max_key_size) == ("display-yes-no", False, 10)
    # And a new pane starts from them.
    app = SecurityHost(NoPairing(), settings_module.load(config), BondStore(tmp_path / "bonds.json"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.query_one("#our-io", Select).value == "display-yes-no"
        assert app.query_one("#our-mitm", Checkbox).value is False


def _bond(address: str, name: str) -> Bond:
    return Bond(address=address, name=name, authenticated=True, sc=True,
                created="2025-01-01T00:00:00Z",
                keys=BondKeys(ltk=KeyMaterial(bytes(range(16)), authenticated=True)))


async def test_bonds_are_listed_deleted_and_exported(tmp_path: Path) -> None:
    store = BondStore(tmp_path / "bonds.json")
    store.put(_bond("C0:11:22:33:44:55", "Smart Lock"))
    store.put(_bond("C0:11:22:33:44:66", "[red]x[/]\x1b[2J"))
    app = SecurityHost(NoPairing(), settings_module.Settings(), store)
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(SecurityPane)
        pane.query_one("#security-tabs").active = "tab-bonds"
        await pilot.pause()
        table: DataTable[Text] = app.query_one(BondManager).query_one(DataTable)
        names = sorted(str(table.get_row_at(i)[2]) for i in range(table.row_count))
        assert names == ["Smart Lock", "[red]x[/]\\x1b[2J"]
        # No key value ever reaches the screen.
        assert all(bytes(range(16)).hex() not in str(table.get_row_at(i)) for i in range(2))
        table.move_cursor(row=0)
        first = str(table.get_row_at(0)[0])
        await pilot.click("#bonds-delete")
        await pilot.pause()
        await pilot.click("#confirm-yes")
        await pilot.pause()
        assert table.row_count == 1
        kept = ({"C0:11:22:33:44:55", "C0:11:22:33:44:66"} - {first}).pop()
        # The delete reached the file: the other bond, and only it, is left there.
        assert [b.address for b in BondStore(tmp_path / "bonds.json").bonds()] == [kept]
        assert str(table.get_row_at(0)[0]) == kept
        target = tmp_path / "export.json"
        await pilot.click("#bonds-export")
        await pilot.pause()
        app.screen.query_one("#bond-export-path").value = str(target)
        await pilot.click("#bond-export-ok")
        await pilot.pause()
    assert (target.stat().st_mode & 0o777) == 0o600
    # The export holds the kept bond with its keys, readable as a bond store.
    exported = BondStore(target).bonds()
    assert [b.address for b in exported] == [kept]
    ltk = exported[0].keys.ltk
    assert ltk is not None and bytes(ltk.value) == bytes(range(16))


@pytest.mark.slow
async def test_the_lab_ladder_shows_real_smp_pdus(tmp_path: Path) -> None:
    app = SecurityHost(NoPairing(), settings_module.Settings(), BondStore(tmp_path / "bonds.json"))
    async with app.run_test(size=SIZE) as pilot:
        pane = app.query_one(SecurityPane)
        pane.query_one("#security-tabs").active = "tab-lab"
        await pilot.pause()
        await pilot.click("#lab-run")
        await app.workers.wait_for_complete()
        await pilot.pause()
        ladder = app.query_one(LadderView)
        assert ladder.result is not None
        pdus = [step.pdu for step in ladder.result.ladder]
        assert pdus[:2] == ["Pairing Request", "Pairing Response"]
        assert "Pairing Public Key" in pdus
        table: DataTable[Text] = ladder.query_one(DataTable)
        assert table.row_count == len(pdus)
        assert "observed == predicted" in str(app.query_one("#lab-compare", Static).render())
