"""The GATT pane as a new user meets it (issue 11, items 1 and 11; review defects 3.2, 3.8,
UX 4.3, 4.5, 4.11, 4.12): `w` goes into the value editor and Enter writes; an empty value
is refused; what is shown belongs to the selected characteristic of the selected device;
write-only characteristics offer no Read; out of range names the Valid Range; values show
inline in the tree; the header says the link's security; `]` switches between links."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from textual.widgets import Button, Input, Static

from blebench.session.manager import SessionManager
from blebench.sim.catalogue.pulse_hrm import PulseHrm
from blebench.sim.catalogue.thermo_probe import ThermoProbe
from blebench.ui import settings as settings_mod
from blebench.ui.app import BlebenchApp
from blebench.ui.factory import make_app
from blebench.ui.gatt.tree import GattTreeView
from tests.ui.app_harness import (
    SIZE,
    connected,
    gatt_pane,
    gatt_tree,
    opened_session,
    screen_text,
    select_characteristic,
    table_of,
    wait_until,
)

pytestmark = pytest.mark.slow

PULSE = PulseHrm.address.upper()
PROBE = ThermoProbe.address.upper()


@pytest.fixture
async def session() -> AsyncIterator[SessionManager]:
    async with opened_session((PulseHrm(), ThermoProbe())) as manager:
        manager.connections.connect_timeout = 10.0  # a loaded CI machine
        yield manager


def notes(app: BlebenchApp) -> list[str]:
    return [n.message for n in app._notifications]  # noqa: SLF001


def footer(app: BlebenchApp) -> str:
    return screen_text(app).splitlines()[-1]


def line_of(app: BlebenchApp, text: str) -> str:
    """The tree's line (the left column) that shows `text`."""
    lines = screen_text(app).splitlines()
    return next((line[:72] for line in lines if text in line[:72] and "─" in line[:8]), "")


async def choose(app: BlebenchApp, pilot: object, uuid: str) -> None:
    """Put the tree's cursor on `uuid` and wait until the pane shows it (a tree rebuilt a
    moment ago may take the move only once its lines are laid out)."""
    pane = gatt_pane(app)

    def chosen() -> bool:
        if pane.selected is not None and pane.selected.short_uuid == uuid:
            return True
        select_characteristic(gatt_tree(app), uuid)
        return False

    assert await wait_until(pilot, chosen)  # type: ignore[arg-type]


async def connect(app: BlebenchApp, pilot: object, address: str) -> GattTreeView:
    table = table_of(app)
    assert await wait_until(pilot, lambda: address in table.rows)  # type: ignore[arg-type]
    table.focus()
    table.move_cursor(row=table.get_row_index(address))
    await pilot.press("enter")  # type: ignore[attr-defined]
    return await connected(pilot, address)  # type: ignore[arg-type]


async def test_w_enters_the_editor_enter_writes_escape_leaves_and_empty_is_refused(
    session: SessionManager,
) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        tree = await connect(app, pilot, PROBE)
        select_characteristic(tree, "2a21")  # Measurement Interval: R W I, Valid Range 1-600
        tree.focus()
        await pilot.press("w")
        editor = app.screen.query_one("#editor-value", Input)
        assert await wait_until(pilot, lambda: editor.has_focus)
        # Enter on an empty value: refused in words, nothing sent.
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: any("nothing to write" in n for n in notes(app)))
        assert not any("Write failed" in n or "Wrote" in n for n in notes(app))
        # Digits typed now go into the field, not to the pane keys (1 would be Scan).
        await pilot.press("1", "e", "0", "0")  # 30 s, little-endian
        assert editor.value == "1e00"
        assert app.screen.query_one("#panes").active == "gatt"  # type: ignore[attr-defined]
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: any("Wrote 2 bytes to" in n for n in notes(app)))
        # Escape leaves the editor for the tree; what was typed stays with 2a21.
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: tree.has_focus)
        assert editor.value == "1e00"


async def test_out_of_range_names_the_valid_range(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        tree = await connect(app, pilot, PROBE)
        select_characteristic(tree, "2a21")
        app.screen.query_one("#editor-format").value = "uint"  # type: ignore[attr-defined]
        await pilot.pause()
        app.screen.query_one("#editor-width").value = 2  # type: ignore[attr-defined]
        editor = app.screen.query_one("#editor-value", Input)
        editor.value = "601"
        editor.focus()
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: any("Out of Range" in n for n in notes(app)))
        said = next(n for n in notes(app) if "Out of Range" in n)
        assert "Valid Range (0x2906): 1 to 600" in said


async def test_values_inline_security_header_and_write_only_offers_no_read(
    session: SessionManager,
) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        tree = await connect(app, pilot, PULSE)
        assert await wait_until(pilot, lambda: "not encrypted (level 1)" in screen_text(app))
        # A read value shows beside its node, not only in the value box.
        select_characteristic(tree, "2a19")
        tree.focus()
        await pilot.press("r")
        assert await wait_until(pilot, lambda: "%" in line_of(app, "Battery Level 2a19"))
        assert "  = " in line_of(app, "Battery Level 2a19")
        # Heart Rate Control Point is write-only: no Read button, no r in the footer.
        select_characteristic(tree, "2a39")
        read = app.screen.query_one("#gatt-read", Button)
        assert await wait_until(pilot, lambda: read.disabled)
        assert await wait_until(pilot, lambda: "Write-only" in screen_text(app))
        assert " r " not in f" {footer(app)} " and "Read" not in footer(app)
        # Subscribed: the footer and the button say Unsubscribe for that characteristic only.
        select_characteristic(tree, "2a37")
        await pilot.press("n")
        button = app.screen.query_one("#gatt-subscribe", Button)
        assert await wait_until(pilot, lambda: str(button.label) == "Unsubscribe")
        assert await wait_until(pilot, lambda: "Unsubscribe" in footer(app))
        assert await wait_until(pilot, lambda: "bpm" in line_of(app, "Heart Rate Measurement"))
        select_characteristic(tree, "2a38")
        assert await wait_until(pilot, lambda: str(button.label) == "Subscribe")
        assert await wait_until(pilot, lambda: "Unsubscribe" not in footer(app))


async def test_two_links_keep_apart_and_bracket_switches(session: SessionManager) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        await connect(app, pilot, PROBE)
        pane = gatt_pane(app)
        await choose(app, pilot, "2a21")
        editor = app.screen.query_one("#editor-value", Input)
        editor.value = "0a00"  # typed for the probe's interval, never sent
        await pilot.press("1")  # the Scan pane: the second device
        await connect(app, pilot, PULSE)
        assert await wait_until(pilot, lambda: "link 2 of 2: ] next" in screen_text(app))
        # Nothing of the probe lingers: no draft, no selection, no value.
        assert editor.value == ""
        assert pane.selected is None
        await choose(app, pilot, "2a39")
        editor.value = "01"
        gatt_tree(app).focus()
        await pilot.press("right_square_bracket")
        assert await wait_until(pilot, lambda: pane.connection is not None
                                and pane.connection.address == PROBE)
        assert await wait_until(pilot, lambda: "link 1 of 2" in screen_text(app))
        # The probe as it was left: its characteristic selected, its own draft.
        assert await wait_until(pilot, lambda: pane.selected is not None
                                and pane.selected.short_uuid == "2a21")
        assert editor.value == "0a00"
        # P in the Security pane pairs with the device the GATT pane switched to.
        label = app.screen.query_one("#pair-current", Static)
        assert await wait_until(pilot, lambda: "Thermo Probe" in str(label.content))
        await pilot.press("left_square_bracket")
        assert await wait_until(pilot, lambda: pane.connection is not None
                                and pane.connection.address == PULSE)
        assert await wait_until(pilot, lambda: editor.value == "01")
        assert await wait_until(pilot, lambda: "Pulse HRM" in str(label.content))
