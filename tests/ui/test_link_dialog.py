"""The GATT pane's Link dialog (L) over the virtual world: a 7.5 ms / 2M / 251 link asked
for and settled, shown in the header; a value out of the spec's range refused in words
beside its field with the dialog left open; Escape leaves the link as it was; the header
follows a change made elsewhere. On the OS stack (which does not run here) each control
says why it is not available."""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
from rich.cells import cell_len
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from blebench.session.link import LinkReport, change_link, check_request
from blebench.session.link_request import LinkRequest
from blebench.session.manager import SessionManager
from blebench.session.models import ConnectionInfo
from blebench.sim.catalogue.pulse_hrm import PulseHrm
from blebench.ui import settings as settings_mod
from blebench.ui.app import BlebenchApp
from blebench.ui.factory import make_app
from blebench.ui.gatt.link_dialog import LinkDialog
from tests.ui.app_harness import (
    SIZE,
    connected,
    gatt_pane,
    opened_session,
    screen_text,
    table_of,
    wait_until,
)

pytestmark = pytest.mark.slow

PULSE = PulseHrm.address.upper()


@pytest.fixture
async def session() -> AsyncIterator[SessionManager]:
    async with opened_session((PulseHrm(),)) as manager:
        manager.connections.connect_timeout = 2.0
        yield manager


async def _connect(pilot: Pilot[Any], app: BlebenchApp) -> None:
    table = table_of(app)
    assert await wait_until(pilot, lambda: PULSE in table.rows)
    table.focus()
    table.move_cursor(row=table.get_row_index(PULSE))
    await pilot.press("enter")
    await connected(pilot, PULSE)
    pane = gatt_pane(app)
    header = pane.query_one("#gatt-device", Static)

    def fitted() -> bool:
        width = header.content_region.width
        lines = _header(app).splitlines()
        return width > 0 and "interval" in lines[1] and all(cell_len(line) <= width for line in lines)

    assert await wait_until(pilot, fitted), _header(app)  # the link, fitted to the header
    pane.focus_tree()


def _header(app: BlebenchApp) -> str:
    return str(gatt_pane(app).query_one("#gatt-device", Static).content)


async def _open_dialog(pilot: Pilot[Any], app: BlebenchApp) -> LinkDialog:
    await pilot.press("L")
    assert await wait_until(pilot, lambda: isinstance(app.screen, LinkDialog))
    dialog = app.screen
    assert isinstance(dialog, LinkDialog)
    return dialog


async def _type(pilot: Pilot[Any], dialog: LinkDialog, field: str, text: str) -> None:
    """Click into the field and type, as a user does."""
    await pilot.click(f"#link-{field}")
    field_input = dialog.query_one(f"#link-{field}", Input)
    assert await wait_until(pilot, lambda: field_input.has_focus)
    await pilot.press(*text)


def _error(dialog: LinkDialog, field: str) -> str:
    return str(dialog.query_one(f"#link-{field}-error", Static).content)


async def test_a_fast_link_is_asked_for_and_the_header_shows_what_settled(
    session: SessionManager,
) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        await _connect(pilot, app)
        before = session.link_state(PULSE)
        assert before is not None and before["interval_ms"] != 7.5 and before["tx_phy"] == "1m"
        assert f"interval {before['interval_ms']:g} ms" in _header(app)
        dialog = await _open_dialog(pilot, app)
        assert "L Link" in screen_text(app) or "Link" in screen_text(app)
        await _type(pilot, dialog, "interval-min", "7.5")
        await _type(pilot, dialog, "data-length", "251")
        dialog.query_one("#link-phy-tx", Select).value = "2m"  # as picked from its list
        await _type(pilot, dialog, "mtu", "")  # the cursor in a field: Enter applies
        await pilot.press("enter")
        result = dialog.query_one("#link-result", Static)
        assert await wait_until(pilot, lambda: "settled:" in str(result.content), steps=300), (
            str(result.content)
        )
        said = str(result.content)
        # One line per change, as `blebench link` prints them.
        assert "connection parameters: ok" in said
        assert "phy: ok" in said
        assert "data length: ok" in said
        now = session.link_state(PULSE)
        assert now is not None
        assert now["interval_ms"] == 7.5 and now["tx_phy"] == "2m" and now["tx_octets"] == 251
        assert isinstance(app.screen, LinkDialog)  # open for another try
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: not isinstance(app.screen, LinkDialog))
        header = _header(app)
        assert "interval 7.5 ms" in header
        assert "PHY tx 2M / rx 2M" in header
        assert f"data length 251 out / {now['rx_octets']} in" in header
        assert "MTU" in header


async def test_a_bad_value_is_refused_beside_its_field_and_escape_changes_nothing(
    session: SessionManager,
) -> None:
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        await _connect(pilot, app)
        before = session.link_state(PULSE)
        header = _header(app)
        dialog = await _open_dialog(pilot, app)
        await _type(pilot, dialog, "interval-min", "3")
        await _type(pilot, dialog, "latency", "x")
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: "out of the spec's range" in _error(dialog, "interval-min"))
        assert "7.5-4000 ms" in _error(dialog, "interval-min")
        assert "not a whole number: 'x'" in _error(dialog, "latency")
        assert "Not sent" in str(dialog.query_one("#link-result", Static).content)
        assert app.screen is dialog  # still open, nothing sent
        assert session.link_state(PULSE) == before
        # A timeout the interval does not allow: refused against the live link's values.
        dialog.query_one("#link-interval-min", Input).value = "50"
        dialog.query_one("#link-latency", Input).value = "4"
        await _type(pilot, dialog, "timeout", "400")
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: "must be larger than" in _error(dialog, "timeout"))
        assert _error(dialog, "interval-min") == "" and _error(dialog, "latency") == ""
        assert session.link_state(PULSE) == before
        # Escape: the dialog goes, the link and the header are as they were.
        dialog.query_one("#link-timeout", Input).value = "6000"
        await pilot.press("escape")
        assert await wait_until(pilot, lambda: not isinstance(app.screen, LinkDialog))
        assert session.link_state(PULSE) == before
        assert _header(app) == header


async def test_the_header_follows_a_change_made_outside_the_dialog(session: SessionManager) -> None:
    """Another face of the session (a script, the CLI's code path) changes the link: the
    header says the new values at its next read of the link (2 Hz), with no key pressed."""
    app = make_app(settings_mod.load(), session)
    async with app.run_test(size=SIZE) as pilot:
        await _connect(pilot, app)
        assert "interval 30 ms" not in _header(app)
        report = await session.change_link(PULSE, LinkRequest(interval_min_ms=30.0, latency=2))
        assert report.ok, [step.words for step in report.steps]
        assert await wait_until(pilot, lambda: "interval 30 ms · latency 2" in _header(app)), (
            _header(app)
        )


class OsStackLink:
    """The link calls of a session on bleak's OS backends, which do not run here: no link
    state, no MTU preference, and session/link.py's own `change_link` and `check_request`
    on a connection whose client offers no link control (what SessionManager runs there)."""

    def __init__(self) -> None:
        self.conn = SimpleNamespace(address="AA:BB:CC:DD:EE:FF", client=object(), mtu=517)

    def link_state(self, address: str) -> dict[str, Any] | None:
        return None

    def connection(self, address: str) -> ConnectionInfo:
        return ConnectionInfo(address, "Watch", "connected", "bluez", 517, None)

    def prefer_mtu(self, mtu: int | None) -> bool:
        return False

    def check_link_request(self, request: LinkRequest, address: str | None = None) -> LinkRequest:
        return check_request(request, None)

    async def change_link(self, address: str, request: LinkRequest) -> LinkReport:
        return await change_link(self.conn, request)  # type: ignore[arg-type]


class DialogHost(App[None]):
    def __init__(self, session: Any) -> None:
        super().__init__()
        self.session = session

    def on_mount(self) -> None:
        self.push_screen(LinkDialog(self.session, "AA:BB:CC:DD:EE:FF", "Watch"))


async def test_on_the_os_stack_each_control_says_why_it_is_not_available() -> None:
    app = DialogHost(OsStackLink())
    async with app.run_test(size=(100, 40)) as pilot:
        assert await wait_until(pilot, lambda: isinstance(app.screen, LinkDialog))
        dialog = app.screen
        assert isinstance(dialog, LinkDialog)
        note = str(dialog.query_one("#link-note", Static).content)
        assert "This radio gives no link control (the OS stack)" in note
        await _type(pilot, dialog, "interval-min", "15")
        await _type(pilot, dialog, "data-length", "251")
        await _type(pilot, dialog, "mtu", "247")
        await pilot.press("enter")
        result = dialog.query_one("#link-result", Static)
        assert await wait_until(pilot, lambda: "now: MTU 517" in str(result.content))
        said = str(result.content)
        assert "connection parameters: not available: bleak has no call for LE Connection Update" in said
        assert "data length: not available: bleak has no call for LE Set Data Length" in said
        assert "mtu: not available: the OS stack exchanges its own ATT MTU at connect (this link: 517)" in said
