"""The Peripheral pane (key 5) over the virtual world: serve a device file's device, a
central (the session) connects, reads and writes it; the pane's log says so in words; a
value sent from the pane reaches the central's subscription; Stop takes the device off
the air."""

from __future__ import annotations

import socket
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from textual.widgets import Input, Log, Select

from blebench import paths
from blebench.pairing.delegate import ScriptedDelegate
from blebench.pairing.models import IoCapability, PairingOptions
from blebench.session.manager import SessionManager, SessionSettings
from blebench.session.peripheral import EventBatch
from blebench.sim.catalogue.ibeacon import IBeacon
from blebench.sim.peripheral_events import PeripheralEvent
from blebench.ui import settings as settings_mod
from blebench.ui.factory import make_app
from blebench.ui.peripheral import PeripheralPane
from blebench.ui.peripheral.chars_table import CharacteristicsTable
from blebench.ui.peripheral.event_lines import LOG_LINES, event_lines
from tests.integration.foreign.test_foreign_peer import run_controllers
from tests.ui.app_harness import SIZE, opened_session, screen_text, table_of, wait_until

ADDRESS = "C4:11:22:33:44:55"
IBEACON = IBeacon.address.upper()
DEVICE_FILE = """
[[device]]
name = "Bench [b]Sensor[/b]"
address = "C4:11:22:33:44:55"
address_type = "random-static"
adv = "02 01 06 0d 09 42 65 6e 63 68 20 53 65 6e 73 6f 72"

[device.pairing]
io = "display-only"
mitm = true
passkey = 123456

[[device.service]]
uuid = "180f"
[[device.service.characteristic]]
uuid = "2a19"
properties = ["read", "write", "notify"]
value = "64"

[[device.service]]
uuid = "12345678-1234-5678-1234-56789abcdef0"
[[device.service.characteristic]]
uuid = "12345678-1234-5678-1234-56789abcdef1"
properties = ["read", "write"]
text = "hello"
"""
NAME = "Bench [b]Sensor[/b]"
PASSKEY_ENTRY = PairingOptions(io=IoCapability.KEYBOARD_ONLY, mitm=True, sc=True, bonding=False)


@pytest.fixture
def device_file(tmp_path: Path) -> Path:
    path = tmp_path / "bench.toml"
    path.write_text(DEVICE_FILE, encoding="utf-8")
    return path


@pytest.fixture
async def session() -> AsyncIterator[SessionManager]:
    async with opened_session((IBeacon(),)) as manager:
        manager.connections.connect_timeout = 3.0
        yield manager


def log_text(pane: PeripheralPane) -> str:
    return "\n".join(pane.query_one(Log).lines)


@pytest.mark.slow
async def test_serve_connect_read_write_notify_stop(
    session: SessionManager, device_file: Path
) -> None:
    app = make_app(settings_mod.Settings(), session, scan_on_start=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        pane = app.screen.query_one(PeripheralPane)
        assert await wait_until(pilot, lambda: pane.query_one(CharacteristicsTable).has_focus)
        field = pane.query_one("#periph-file", Input)
        field.value = str(device_file)
        field.focus()
        await pilot.press("enter")
        device: Select[str] = pane.query_one("#periph-device", Select)
        assert await wait_until(pilot, lambda: device.value == NAME)
        await pilot.press("escape", "s")  # out of the field, then Start
        assert await wait_until(pilot, lambda: "● serving Bench [b]Sensor[/b] in the virtual "
                                "world" in screen_text(app)), screen_text(app)
        table = pane.query_one(CharacteristicsTable)
        assert await wait_until(pilot, lambda: table.row_count == 2)
        # Our own session, as a central, hears the device and uses it.
        await session.start_scan()
        scan_rows = table_of(app)
        assert await wait_until(pilot, lambda: ADDRESS in scan_rows.rows)  # the Scan pane's list
        info = await session.connect(ADDRESS)
        read = await session.read(info.address, "2a19")
        assert read.data == b"\x64"
        await session.write(info.address, "2a19", b"\x2a")
        assert await wait_until(pilot, lambda: "Battery Level) <- 2a  42 %" in log_text(pane)), (
            log_text(pane))
        text = log_text(pane)
        assert "connected" in text and "interval 15 ms" in text and "MTU" in text
        assert "2a19 (Battery Level) -> 64" in text
        central = session.radio_info.identity
        assert await wait_until(pilot, lambda: f"1 central linked ({central})" in screen_text(app)), (
            central, screen_text(app))
        # The table follows the written value.
        assert await wait_until(pilot, lambda: "2a  42 %" in screen_text(app))
        # A notification sent from the pane reaches the central's stream.
        stream = await session.subscribe(info.address, "2a19")
        assert await wait_until(pilot, lambda: "Battery Level): notifications" in log_text(pane))
        table.focus()
        table.move_cursor(row=table.get_row_index(str(read.handle)))
        pane.query_one("#periph-value", Input).value = "07"
        await pilot.press("n")

        def notified() -> bool:
            batch = session.pull_streams(stream_ids=[stream.stream_id])
            return any(sample.data == b"\x07" for sample in batch.samples)

        assert await wait_until(pilot, notified)
        assert "to 1 subscriber" in log_text(pane)
        # Pairing, as the central sees it and as the pane's log shows it: the PDU ladder.
        outcome = await session.pair(ADDRESS, PASSKEY_ENTRY, ScriptedDelegate(passkey=123456),
                                     timeout=15)
        assert outcome.failure is None, outcome
        assert await wait_until(pilot, lambda: "paired: authenticated (MITM)" in log_text(pane))
        ladder = log_text(pane)
        assert "<- Pairing Request" in ladder and "-> Pairing Response" in ladder, ladder
        # Stop: the central's link ends (the reason in words) and the device is off the air.
        await pilot.press("s")
        assert await wait_until(pilot, lambda: "○ not serving" in screen_text(app))
        assert "Remote User Terminated Connection (0x13)" in log_text(pane)
        await session.stop_scan()
        heard = session.device(ADDRESS)
        witness = session.device(IBEACON)
        assert heard is not None and witness is not None
        before, witness_before = heard.count, witness.count
        await session.start_scan()
        # The next scan hears the iBeacon (100 ms) again and again, the stopped device never.
        def count(address: str) -> int:
            record = session.device(address)
            return record.count if record is not None else 0

        assert await wait_until(pilot, lambda: count(IBEACON) >= witness_before + 5)
        assert count(ADDRESS) == before


def test_a_flood_is_cut_to_the_log_and_said() -> None:
    """More events in one refresh than the log holds: only the newest are formatted, the
    first line says how many were skipped, and a hostile value stays escaped text."""
    events = [PeripheralEvent("write", f"peer 2a19 <- {i:04x}") for i in range(5_000)]
    events.append(PeripheralEvent("write", "peer name <- \x1b]0;pwned\x07 [b]x[/b]"))
    lines = event_lines(EventBatch(cursor=5_101, events=events, missed=100), lambda _at: "T")
    assert len(lines) == LOG_LINES
    assert lines[0].startswith(f"… {100 + len(events) - (LOG_LINES - 1)} events not shown")
    assert lines[-1].endswith("<- \\x1b]0;pwned\\x07 [b]x[/b]")


@pytest.fixture
def stock_controllers() -> Iterator[tuple[str, str]]:
    """Two stock Bumble controllers on one link (the foreign-peer tests' process): the
    app's radio and the one the pane serves on, once the second one listens."""
    for stock in run_controllers():
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", stock.theirs), timeout=0.5):
                    break
            except OSError:
                time.sleep(0.1)
        yield stock.transport, f"tcp-client:127.0.0.1:{stock.theirs}"


@pytest.mark.slow
async def test_on_a_bumble_radio_it_serves_on_a_second_one(
    stock_controllers: tuple[str, str], device_file: Path
) -> None:
    """Off the virtual world the pane asks for a second Bumble radio (the app's is its
    central), serves there, and the app's own scan hears the device."""
    ours, theirs = stock_controllers
    session = await SessionManager.open(SessionSettings(transport=ours, user_devices=False))
    try:
        app = make_app(settings_mod.Settings(), session, scan_on_start=False)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("5")
            pane = app.screen.query_one(PeripheralPane)
            assert await wait_until(pilot, lambda: "needs a second Bumble radio" in screen_text(app))
            pane.query_one("#periph-file", Input).value = str(device_file)
            pane.load_devices()
            await pilot.press("s")  # no transport typed yet: said, nothing served
            assert await wait_until(pilot, lambda: "Type its transport" in screen_text(app))
            assert session.peripheral.serving is None
            pane.query_one("#periph-transport", Input).value = theirs
            await pilot.press("s")
            assert await wait_until(
                pilot, lambda: f"on {theirs}: 0 centrals linked" in screen_text(app), steps=400
            ), screen_text(app)
            assert "advertising" in log_text(pane)
            await session.start_scan()
            assert await wait_until(pilot, lambda: ADDRESS in table_of(app).rows, steps=400)
            await pilot.press("s")
            assert await wait_until(pilot, lambda: "○ not serving" in screen_text(app))
    finally:
        await session.close()


async def test_the_data_dirs_device_file_is_the_default() -> None:
    """Without --sim-devices the pane starts from the data dir's sim-devices.toml."""
    path = paths.user_sim_devices_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(DEVICE_FILE, encoding="utf-8")
    session = await SessionManager.open(SessionSettings(sim=True, peripherals=()))
    try:
        assert session.peripheral.default_file == path
        assert session.peripheral.device_names(path) == [NAME]
    finally:
        await session.close()


async def test_a_device_of_the_same_name_steps_aside_and_comes_back(device_file: Path) -> None:
    """Serving the --sim-devices file's own device: the world holds one device of that name
    meanwhile (the Virtual world screen keys its rows by name), the original after Stop."""
    async with opened_session((), sim_devices=device_file) as session:
        world = session.world
        assert world is not None
        original = world.member(NAME).peripheral
        said = await session.peripheral.start(device_file, NAME)
        assert said == f"serving {NAME} in the virtual world"
        names = [d.name for d in session.world_devices()]
        assert names.count(NAME) == 1
        assert world.member(NAME).peripheral is not original
        await session.peripheral.stop()
        assert [d.name for d in session.world_devices()].count(NAME) == 1
        assert world.member(NAME).peripheral is original  # on again


PROMPTED_FILE = """
[[device]]
name = "Keypad Lock"
address = "C4:11:22:33:44:66"
address_type = "random-static"
adv = "02 01 06 0c 09 4b 65 79 70 61 64 20 4c 6f 63 6b"

[device.pairing]
io = "keyboard-display"
mitm = true
sc = true
bonding = false

[[device.service]]
uuid = "180f"
[[device.service.characteristic]]
uuid = "2a19"
properties = ["read"]
value = "64"
"""
KEYPAD = "C4:11:22:33:44:66"


@pytest.mark.slow
async def test_the_served_devices_pairing_questions_come_to_the_pane(
    session: SessionManager, tmp_path: Path
) -> None:
    """The person at the served device is the user at the pane: a central that displays a
    passkey gets it typed in the Security pane's passkey dialog; a numeric comparison comes
    up as its dialog, and Different refuses the pairing. The linked centrals are listed."""
    import asyncio

    from textual.widgets import Button

    from blebench.ui.security.prompts import NumericComparisonPrompt, PasskeyEntryPrompt

    path = tmp_path / "keypad.toml"
    path.write_text(PROMPTED_FILE, encoding="utf-8")
    app = make_app(settings_mod.Settings(), session, scan_on_start=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        pane = app.screen.query_one(PeripheralPane)
        field = pane.query_one("#periph-file", Input)
        field.value = str(path)
        field.focus()
        await pilot.press("enter", "escape", "s")
        assert await wait_until(pilot, lambda: "● serving Keypad Lock" in screen_text(app))
        await session.start_scan()
        assert await wait_until(pilot, lambda: session.device(KEYPAD) is not None)
        info = await session.connect(KEYPAD)
        central = session.radio_info.identity
        assert await wait_until(
            pilot, lambda: f"◆ {central} (random): interval 15 ms" in screen_text(app)
        ), screen_text(app)
        assert "not encrypted" in screen_text(app)

        # Passkey entry: the central shows a number, the user types it at the pane.
        shown: asyncio.Queue[int] = asyncio.Queue()
        display_only = PairingOptions(io=IoCapability.DISPLAY_ONLY, mitm=True, sc=True,
                                      bonding=False)
        pairing = asyncio.ensure_future(session.pair(
            info.address, display_only, ScriptedDelegate(displayed=shown), timeout=20))
        assert await wait_until(pilot, lambda: isinstance(app.screen, PasskeyEntryPrompt),
                                steps=300)
        passkey = await asyncio.wait_for(shown.get(), 5)
        await pilot.press(*f"{passkey:06d}", "enter")
        outcome = await asyncio.wait_for(pairing, 20)
        assert outcome.failure is None, outcome
        assert await wait_until(pilot, lambda: "paired: authenticated (MITM)" in log_text(pane))
        assert await wait_until(pilot, lambda: "MTU 247, encrypted, authenticated"
                                in screen_text(app)), screen_text(app)
        assert pane.query_one(CharacteristicsTable).row_count == 1, screen_text(app)
        assert f"typed {passkey:06d}" in log_text(pane)

        # Numeric comparison: the pane shows the number; Different refuses.
        await session.disconnect(info.address)
        assert await wait_until(pilot, lambda: f"◆ {central}" not in screen_text(app))
        info = await session.connect(KEYPAD)
        yes_no = PairingOptions(io=IoCapability.DISPLAY_YES_NO, mitm=True, sc=True,
                                bonding=False)
        pairing = asyncio.ensure_future(session.pair(
            info.address, yes_no, ScriptedDelegate(confirm=True), timeout=20))
        assert await wait_until(pilot, lambda: isinstance(app.screen, NumericComparisonPrompt),
                                steps=300)
        app.screen.query_one("#prompt-no", Button).press()
        outcome = await asyncio.wait_for(pairing, 20)
        assert outcome.failure is not None
        assert await wait_until(pilot, lambda: "refused" in log_text(pane) and
                                "Numeric Comparison Failed" in log_text(pane)), log_text(pane)


async def test_the_data_dirs_device_files_are_offered(session: SessionManager) -> None:
    """Files kept in the data dir's devices/ folder are named when the field is empty and
    complete as the user types their path (→ accepts)."""
    folder = paths.data_dir() / "devices"
    folder.mkdir(parents=True, exist_ok=True)
    kept = folder / "keypad.toml"
    kept.write_text(PROMPTED_FILE, encoding="utf-8")
    app = make_app(settings_mod.Settings(), session, scan_on_start=False)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("5")
        pane = app.screen.query_one(PeripheralPane)
        field = pane.query_one("#periph-file", Input)
        field.value = ""
        field.focus()
        await pilot.press("enter")
        assert await wait_until(pilot, lambda: f"device files here: {kept}" in screen_text(app))
        await pilot.press(*str(kept)[:-6])  # all but "a.toml"
        await pilot.press("right", "enter")
        device: Select[str] = pane.query_one("#periph-device", Select)
        assert await wait_until(pilot, lambda: device.value == "Keypad Lock")
        assert field.value == str(kept)
