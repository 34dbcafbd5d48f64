"""A demanding user against the virtual world: reads of what cannot be read, devices that
refuse, typos in the device, Ctrl-C, a closed stdin, output into `head`. Each ends in one
clear line and a non-zero exit (never `unexpected error`, never a traceback, never a
hang). In process through `blebench.cli.main` where it can be; subprocesses for signals
and stdin."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from blebench.cli import main
from blebench.session import gatt
from blebench.session.errors import GattOperationError
from blebench.session.manager import SessionManager, SessionSettings
from blebench.sim.catalogue.pulse_hrm import PulseHrm

pytestmark = pytest.mark.slow

BLEBENCH = [sys.executable, "-m", "blebench"]


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    assert "unexpected error" not in err
    assert "Traceback" not in err
    return code, out, err


def test_read_of_a_notify_only_characteristic(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["read", "--sim", "Pulse HRM", "2a37"], capsys)
    assert code == 1
    assert "Heart Rate Measurement (0x0010) cannot be read (its properties: notify)" in err
    assert "blebench notify" in err
    assert "did not answer" not in err  # refused at once, not after a timeout


async def test_the_virtual_device_answers_read_not_permitted() -> None:
    """Asked anyway (by a tool that does not check properties), the virtual device says
    ATT 0x02 Read Not Permitted as a real one does, instead of never answering."""
    session = await SessionManager.open(
        SessionSettings(sim=True, peripherals=(PulseHrm(),), user_devices=False)
    )
    try:
        conn = await session.connections.connect("Pulse HRM", timeout=10)
        node = gatt.resolve(conn, "2a37")
        with pytest.raises(GattOperationError) as caught:
            await gatt.read_raw(conn, node)
        assert caught.value.code == 0x02
        assert conn.is_connected  # and the link is fine
    finally:
        await session.close()


def test_hid_keyboard_reports_refused_before_pairing(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["read", "--sim", "HID Keyboard", "0x0014", "--json"], capsys)
    assert code == 1
    assert "Insufficient Encryption (ATT 0x0F)" in err
    assert "pair" in err.lower()
    error = json.loads(out)
    assert (error["code"]["domain"], error["code"]["code"]) == ("att", 0x0F)
    assert error["next_step"]


def test_a_device_that_is_not_there(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["gatt", "--sim", "No Such Thing", "--timeout", "2"], capsys)
    assert code == 1
    assert "no device named 'No Such Thing'" in err
    assert err.count("blebench:") == 1


def test_a_broadcaster_refuses_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["gatt", "--sim", "BTHome Sensor", "--timeout", "30"], capsys)
    assert code == 1
    assert "advertises as non-connectable" in err and "blebench scan" in err
    assert "within 30 s" not in err  # said at once, not after the timeout


def test_an_address_with_the_wrong_format(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["read", "--sim", "A0:9E:1A:5C:31", "2a38"], capsys)
    assert code == 1
    assert "'A0:9E:1A:5C:31' is not a Bluetooth address (six bytes" in err


def test_notify_into_a_missing_folder_costs_no_connection(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(
        ["notify", "--sim", "Pulse HRM", "2a37", "--count", "1", "--out", str(tmp_path / "x" / "y")],
        capsys,
    )
    assert code == 2
    assert "cannot write: No such file or directory" in err


# -- subprocesses: signals and stdin --------------------------------------------------------


def _env() -> dict[str, str]:
    return {**os.environ, "PYTHONUNBUFFERED": "1"}


def _interrupt_after(
    proc: subprocess.Popen[str], marker: str, *, on_stdout: bool = False
) -> tuple[str, str]:
    """SIGINT once `marker` shows on stderr (or stdout): the command is under way."""
    stream = proc.stdout if on_stdout else proc.stderr
    assert stream is not None
    seen = ""
    deadline = time.monotonic() + 30
    while marker not in seen and time.monotonic() < deadline:
        line = stream.readline()
        if not line:
            break
        seen += line
    assert marker in seen, seen
    time.sleep(0.5)
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=15)
    return (seen + out, err) if on_stdout else (out, seen + err)


def test_ctrl_c_mid_scan_lists_what_was_heard() -> None:
    proc = subprocess.Popen(
        [*BLEBENCH, "scan", "--sim", "--duration", "60", "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=_env(),
    )  # fmt: skip
    out, err = _interrupt_after(proc, "scanning")
    assert proc.returncode == 130
    assert "interrupted" in err and "Traceback" not in err
    assert [json.loads(line)["address"] for line in out.splitlines()]  # what was heard


def test_ctrl_c_mid_notify() -> None:
    proc = subprocess.Popen(
        [*BLEBENCH, "notify", "--sim", "Pulse HRM", "2a37"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=_env(),
    )  # fmt: skip
    out, err = _interrupt_after(proc, "bpm", on_stdout=True)
    assert proc.returncode == 130
    assert "blebench: interrupted" in err and "Traceback" not in err


def test_pair_with_stdin_closed_says_what_to_give() -> None:
    out = subprocess.run(
        [*BLEBENCH, "pair", "--sim", "Smart Lock", "--io", "keyboard-display", "--mitm", "--sc"],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=90, env=_env(),
    )  # fmt: skip
    assert out.returncode == 1
    assert "stdin is closed; give it with --passkey N" in out.stderr
    assert "sent by us" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize(
    ("argv", "status"),
    [
        (["decode"], 2),  # nothing to decode: said, exit 2 (issue 11)
        (["console", "--sim", "UART Bridge", "--write", "6e400002-b5a3-f393-e0a9-e50e24dcca9e",
          "--notify", "6e400003-b5a3-f393-e0a9-e50e24dcca9e"], 0),
    ],
)  # fmt: skip
def test_stdin_closed_is_read_as_empty(argv: list[str], status: int) -> None:
    # close_fds + stdin=None with fd 0 closed in the child: the shell's `<&-`.
    out = subprocess.run(
        [*BLEBENCH, *argv], stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=90, env=_env(), preexec_fn=lambda: os.close(0),
    )  # fmt: skip
    assert out.returncode == status, out.stderr
    assert "unexpected error" not in out.stderr and "Traceback" not in out.stderr


def test_the_tui_without_a_terminal_says_so() -> None:
    out = subprocess.run(
        [*BLEBENCH, "--sim"], stdin=subprocess.DEVNULL, capture_output=True, text=True,
        timeout=30, env=_env(),
    )  # fmt: skip
    assert out.returncode == 2
    assert "the TUI reads keys from a terminal, and stdin is not one" in out.stderr


def test_output_piped_into_head() -> None:
    shell = f"{' '.join(BLEBENCH)} notify --sim 'Pulse HRM' 2a37 | head -1"
    out = subprocess.run(
        ["bash", "-o", "pipefail", "-c", shell], capture_output=True, text=True, timeout=60,
        env=_env(),
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    assert "bpm" in out.stdout
    assert "Traceback" not in out.stderr and "unexpected error" not in out.stderr
