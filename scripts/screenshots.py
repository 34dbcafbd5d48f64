"""Regenerate screenshots/: one SVG and one PNG per pane, from the app factory on the
virtual world with a fixed seed, at 160x45.

    python scripts/screenshots.py [--out screenshots] [--theme blebench-dark] [--force]

A picture whose only change is live values (numbers, sparklines, the plot) is kept, so a
rerun does not churn every file; --force rewrites them all.

PNGs need cairosvg (`pip install '.[dev]'`); without it only the SVGs are written.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIZE = (160, 45)
SEED = 1

# What differs between two runs of a live world: numbers (RSSI, bpm, times, hex values),
# sparkline and plot glyphs, and the SVG's per-export class prefix.
_LIVE = [
    (re.compile(r"terminal-\d+-"), "terminal-"),
    (re.compile(r"[0-9a-f]"), "0"),
    (re.compile(r"[▁▂▃▄▅▆▇█]"), "▁"),
    (re.compile("[\u2800-\u28ff]"), "⠀"),
]


def same_picture(old: str, new: str) -> bool:
    """Whether two screenshots differ only in live values: then the old one is kept, so a
    rerun does not rewrite every picture (and its PNG) for a new RSSI reading."""
    for pattern, stand_in in _LIVE:
        old, new = pattern.sub(stand_in, old), pattern.sub(stand_in, new)
    return old == new


async def _wait(pilot: object, condition: object, steps: int = 200) -> None:
    from textual.pilot import Pilot

    assert isinstance(pilot, Pilot) and callable(condition)
    for _ in range(steps):
        if condition():
            return
        await pilot.pause(0.05)


async def shoot(out: Path, theme: str, force: bool = False) -> list[Path]:
    from blebench.session.manager import SessionManager, SessionSettings
    from blebench.ui.factory import make_app
    from blebench.ui.gatt.tree import GattTreeView
    from blebench.ui.scan.table import DeviceTable
    from blebench.ui.settings import Settings

    session = await SessionManager.open(SessionSettings(sim=True, seed=SEED, user_devices=False))
    settings = Settings()
    settings.ui.theme = theme
    settings.scan.sort = "name"  # a list that does not reorder with every RSSI reading
    app = make_app(settings, session)
    written: list[Path] = []

    def save(name: str) -> None:
        path = out / f"{name}.svg"
        svg = app.export_screenshot(title=f"blebench: {name}")
        if not force and path.exists() and path.with_suffix(".png").exists():
            if same_picture(path.read_text(encoding="utf-8"), svg):
                print(f"{name}: only live values changed; kept", file=sys.stderr)
                return
        path.write_text(svg, encoding="utf-8")
        written.append(path)

    try:
        async with app.run_test(size=SIZE) as pilot:
            table = app.screen.query_one(DeviceTable)
            await _wait(pilot, lambda: len(table.rows) >= 11)
            await pilot.pause(1.5)  # a few RSSI points for the sparklines
            pulse = next(k for k, row in table.rows_by_address.items() if row.name == "Pulse HRM")
            table.focus()
            table.move_cursor(row=table.get_row_index(pulse))
            await pilot.pause(0.3)
            save("scan")
            await pilot.press("enter")
            tree = app.screen.query_one(GattTreeView)
            await _wait(pilot, lambda: bool(tree.root.children))
            for node in tree._by_handle.values():
                if node.data is not None and node.data.short_uuid == "2a37":
                    tree.move_cursor(node)
            await pilot.press("n")
            await pilot.pause(2.5)
            save("gatt")
            await pilot.press("3")
            await pilot.pause(1.0)
            save("streams")
            await pilot.press("4")
            await pilot.pause(1.0)
            save("security")
            await _serve_and_use(app, pilot, session, out)
            save("peripheral")
    finally:
        await session.close()
    return written


PERIPHERAL_FILE = """
[[device]]
name = "Door Sensor"
address = "C4:11:22:33:44:55"
adv = "02 01 06 0c 09 44 6f 6f 72 20 53 65 6e 73 6f 72"

[[device.service]]
uuid = "180f"
[[device.service.characteristic]]
uuid = "2a19"
properties = ["read", "notify"]
value = "64"
notify_every_ms = 1000
notify_value = { kind = "ramp", min = 90, max = 100, step = 1, format = "uint8" }

[[device.service]]
uuid = "181a"
[[device.service.characteristic]]
uuid = "2a6e"
properties = ["read", "write"]
value = "2c 09"
"""


async def _serve_and_use(app: Any, pilot: Any, session: Any, out: Path) -> None:
    """The Peripheral pane serving a device file's device, which the app's own central
    connects to, reads, writes and subscribes to (so the log and the centrals show)."""
    from textual.widgets import Input

    from blebench.ui.peripheral import PeripheralPane

    folder = Path(tempfile.mkdtemp(prefix="blebench-shots-"))
    path = folder / "door-sensor.toml"
    path.write_text(PERIPHERAL_FILE, encoding="utf-8")
    await pilot.press("5")
    pane = app.screen.query_one(PeripheralPane)
    field = pane.query_one("#periph-file", Input)
    field.value = str(path)
    field.focus()
    await pilot.press("enter", "escape", "s")
    await _wait(pilot, lambda: pane.server.serving is not None)
    info = await session.connect("C4:11:22:33:44:55", timeout=5)
    await session.read(info.address, "2a19")
    await session.write(info.address, "2a6e", bytes.fromhex("f0 09"))
    await session.subscribe(info.address, "2a19")
    await pilot.pause(2.5)


PNG_FONT = "DejaVu Sans Mono"
BRAILLE_SPAN = re.compile(r"<text [^>]*>[^<]*[\u2800-\u28ff][^<]*</text>")
BRAILLE_STYLE = '<text style="font-family: DejaVu Sans" '


def to_png(svg: Path) -> Path | None:
    try:
        import cairosvg
    except ImportError:
        print("cairosvg is not installed (pip install '.[dev]'): SVG only", file=sys.stderr)
        return None
    png = svg.with_suffix(".png")
    # The SVG asks for the web font Fira Code, which cairo cannot load; its fallback is
    # proportional and breaks every border, so the PNG is drawn with a local monospace font.
    text = svg.read_text(encoding="utf-8")
    for asked in ('"Fira Code"', "Fira Code, monospace"):
        text = text.replace(asked, f'"{PNG_FONT}"')
    # That font has no braille (the plots); cairo does no fallback, so name one that has.
    text = BRAILLE_SPAN.sub(lambda m: m.group(0).replace("<text ", BRAILLE_STYLE, 1), text)
    cairosvg.svg2png(bytestring=text.encode("utf-8"), write_to=str(png), output_width=1600)
    return png


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "screenshots")
    parser.add_argument("--theme", default="blebench-dark")
    parser.add_argument("--force", action="store_true",
                        help="rewrite every picture, even one whose only change is live values "
                             "(numbers count as live: a changed device count needs --force)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    # Never the user's own settings, bonds or themes.
    os.environ["BLEBENCH_HOME"] = tempfile.mkdtemp(prefix="blebench-shots-")
    for svg in asyncio.run(shoot(args.out, args.theme, args.force)):
        png = to_png(svg)
        print(svg.relative_to(ROOT) if svg.is_relative_to(ROOT) else svg,
              "+ png" if png else "")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
