"""A pytest plugin that makes blebench's Bumble backend bleak's default backend.

Loaded into a run of bleak's own test suite (`-p blebench_bleak_plugin`, this folder on
PYTHONPATH), it leaves bleak's tests untouched: `BleakScanner(...)` and `BleakClient(...)`
without `backend=` get `BumbleScanner` / `BumbleClient` on a radio opened like
`blebench.bleak_backend.open_radio(--blebench-radio)` (a stock Bumble controller over
TCP in our CI): see blebench_default_backend.

`--blebench-controllers=PORT,PORT` makes this plugin run the stock controllers itself
(`python -m bumble.apps.controllers`, one LocalLink, TCP servers on those ports: bleak's
peripheral on the first, our central on the second). The stock controller ignores LE
Create Connection Cancel: after a connection attempt that timed out (bleak's
`test_connect_timeout`) it refuses every later one with 0x0C Command Disallowed, reset or
not. A real controller does not; so after such an attempt the controllers are restarted
before the next test that holds no transport (BUMBLE-NOTES.md, "Found while building").
"""

from __future__ import annotations

import subprocess
import sys
import time
from typing import Any

import pytest
from blebench_default_backend import ON_CONNECT_TIMEOUT, install


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--blebench-radio",
        action="store",
        default=None,
        help="blebench.bleak_backend.open_radio spec of the central bleak drives",
    )
    parser.addoption(
        "--blebench-bonds", action="store", default=None, help="the central's bond file"
    )
    parser.addoption(
        "--blebench-controllers",
        action="store",
        default=None,
        help="PERIPHERAL_PORT,CENTRAL_PORT: run stock Bumble controllers there",
    )


class _Controllers:
    """The stock Bumble controllers, one process, restarted when a test poisoned them."""

    def __init__(self, ports: list[int]) -> None:
        self.ports = ports
        self.process: subprocess.Popen[bytes] | None = None
        self.poisoned = False
        self.restarts = 0

    def start(self) -> None:
        args = [f"tcp-server:127.0.0.1:{port}" for port in self.ports]
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bumble.apps.controllers", *args],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while not all(_listening(port) for port in self.ports):
            if self.process.poll() is not None:
                raise RuntimeError("python -m bumble.apps.controllers exited")
            if time.monotonic() > deadline:
                raise RuntimeError(f"the stock controllers do not listen on {self.ports}")
            time.sleep(0.05)
        self.poisoned = False

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def poison(self) -> None:
        self.poisoned = True

    def restart(self) -> None:
        self.stop()
        self.start()
        self.restarts += 1


def _listening(port: int) -> bool:
    """Is a TCP server listening on `port`? Read from /proc, not by connecting: the stock
    server has one sink, and a probe's late disconnection would detach the real client."""
    wanted = f":{port:04X}"
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(table) as handle:
                for line in handle.readlines()[1:]:
                    fields = line.split()
                    if fields[1].endswith(wanted) and fields[3] == "0A":  # LISTEN
                        return True
        except OSError:
            continue
    return False


_CONTROLLERS: list[_Controllers] = []
_LAST_MODULE: list[object] = []


def _holds_module_transport(item: pytest.Item) -> bool:
    defs = getattr(item, "_fixtureinfo", None)
    chain: Any = defs.name2fixturedefs.get("hci_transport") if defs is not None else None
    return bool(chain) and chain[-1].scope != "function"


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    if not _CONTROLLERS or not _CONTROLLERS[0].poisoned:
        _LAST_MODULE[:] = [item.module if isinstance(item, pytest.Function) else None]
        return
    module = item.module if isinstance(item, pytest.Function) else None
    same_module_transport = bool(_LAST_MODULE) and _LAST_MODULE[0] is module and (
        _holds_module_transport(item)
    )
    if not same_module_transport:
        _CONTROLLERS[0].restart()
    _LAST_MODULE[:] = [module]


def pytest_unconfigure(config: pytest.Config) -> None:
    for controllers in _CONTROLLERS:
        controllers.stop()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for controllers in _CONTROLLERS:
        terminalreporter.write_line(
            f"blebench: stock controllers restarted {controllers.restarts} time(s) after a "
            "timed-out connection attempt (LE Create Connection Cancel is ignored by them)"
        )


def pytest_configure(config: pytest.Config) -> None:
    spec = config.getoption("--blebench-radio")
    if not spec:
        return
    ports = config.getoption("--blebench-controllers")
    if ports:
        controllers = _Controllers([int(port) for port in ports.split(",")])
        controllers.start()
        _CONTROLLERS.append(controllers)
        ON_CONNECT_TIMEOUT.append(controllers.poison)
    install(spec, bonds=config.getoption("--blebench-bonds") or "")


