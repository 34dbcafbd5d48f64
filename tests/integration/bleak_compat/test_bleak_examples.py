"""bleak's examples (hbldh/bleak `examples/`), run unchanged on the virtual world: each
`BleakScanner(...)` / `BleakClient(...)` in them gets BumbleScanner / BumbleClient on
`open_radio("sim")` (plugin/run_bleak_example.py).

Not run: disconnect_callback.py (waits for the user to switch the device off),
mtu_size.py (a placeholder UUID to be edited), sensortag.py and philips_hue.py (devices
the world does not have), kivy/ (an Android app).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.bleak_compat.source import bleak_source

RUNNER = Path(__file__).parent / "plugin" / "run_bleak_example.py"
HRM = "00002a37-0000-1000-8000-00805f9b34fb"  # Pulse HRM: Heart Rate Measurement
PROBE = "00002a1c-0000-1000-8000-00805f9b34fb"  # Thermo Probe: Temperature Measurement

# example, its arguments, what it must print, stdin
EXAMPLES: list[tuple[str, list[str], str, str | None]] = [
    ("discover.py", [], "Pulse HRM", None),
    ("scan_iterator.py", [], "Found it", None),
    ("service_explorer.py", ["--name", "Pulse HRM"], "(Handle: 38): Software Revision", None),
    ("enable_notifications.py", ["--name", "Pulse HRM", HRM], "Heart Rate Measurement: bytearray", None),
    ("async_callback_with_queue.py", ["--name", "Pulse HRM", HRM], "Main method done.", None),
    ("two_devices.py", ["Pulse HRM", HRM, "Thermo Probe", PROBE], "Thermo Probe received", None),
    ("uart_service.py", [], "sent: b'hello\\n'", "hello\n"),
]


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    source, where = bleak_source(tmp_path_factory.mktemp("bleak"))
    if source is None or not (source / "examples").is_dir():
        pytest.skip(where if source is None else f"{where} has no examples/")
    return source / "examples"


@pytest.mark.slow
@pytest.mark.timeout(120)
@pytest.mark.parametrize(("example", "args", "printed", "stdin"), EXAMPLES, ids=[e[0] for e in EXAMPLES])
def test_bleaks_example_runs_on_the_virtual_world(
    examples: Path, tmp_path: Path, example: str, args: list[str], printed: str, stdin: str | None
) -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(RUNNER.parent), env.get("PYTHONPATH")) if p)
    run = subprocess.run(
        [sys.executable, str(RUNNER), str(examples / example), *args],
        cwd=tmp_path,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=100,
    )
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-3000:]
    assert printed in output, output[-3000:]


@pytest.mark.slow
@pytest.mark.timeout(90)
def test_bleaks_detection_callback_example_scans_again_and_again(
    examples: Path, tmp_path: Path
) -> None:
    """detection_callback.py scans until stopped, restarting the scanner every 5 s: the
    keyboard is heard again after the second start (read as it comes, not after a fixed
    time: a loaded machine starts the world later)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(RUNNER.parent), env.get("PYTHONPATH")) if p)
    process = subprocess.Popen(
        [sys.executable, str(RUNNER), str(examples / "detection_callback.py")],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []

    def heard_after_restart() -> bool:
        text = "".join(lines)
        parts = text.split("(re)starting scanner")
        return len(parts) >= 3 and "name: HID Keyboard" in parts[2]

    deadline = time.monotonic() + 60.0
    assert process.stdout is not None
    try:
        while time.monotonic() < deadline and not heard_after_restart():
            line = process.stdout.readline()
            if not line:
                break  # it ended on its own
            lines.append(line)
    finally:
        process.terminate()
        rest, _ = process.communicate(timeout=10)
        lines.append(rest)
    output = "".join(lines)
    assert output.count("(re)starting scanner") >= 2, output[-3000:]
    after_restart = output.split("(re)starting scanner")[2]
    assert "name: HID Keyboard" in after_restart, output[-3000:]  # heard on the second scan too
    assert "Traceback" not in output, output[-3000:]
