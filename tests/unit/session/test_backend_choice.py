"""Which radio the options pick."""

from __future__ import annotations

from pathlib import Path

import pytest

from blebench.backends.os_stack import os_adapter
from blebench.session.radios import BackendError
from blebench.session.radios import choose_radio as choose_backend


def test_explicit_choices() -> None:
    assert choose_backend(sim=True).kind == "bumble-sim"
    assert choose_backend(sim=True).reason is None
    choice = choose_backend(transport="usb:0")
    assert (choice.kind, choice.transport) == ("bumble-hci", "usb:0")
    assert choose_backend(backend="bumble", transport="tcp-client:h:1").kind == "bumble-hci"
    assert choose_backend(backend="bleak").kind == "bleak"


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"sim": True, "transport": "usb:0"}, "not both"),
        ({"backend": "bleak", "transport": "usb:0"}, "needs the Bumble backend"),
        ({"backend": "bleak", "sim": True}, "Bumble backend"),
        ({"backend": "bumble"}, "--transport"),
    ],
)
def test_contradictions_are_one_line_errors(kwargs: dict[str, object], words: str) -> None:
    with pytest.raises(BackendError) as caught:
        choose_backend(**kwargs)  # type: ignore[arg-type]
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_adapter_detection_reads_sysfs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.platform", "linux")
    assert os_adapter(tmp_path / "missing") == (None, "no adapter found")
    (tmp_path / "hci0").mkdir()
    bus = tmp_path / "bus"
    monkeypatch.setenv("DBUS_SYSTEM_BUS_ADDRESS", f"unix:path={bus}")
    adapter, why = os_adapter(tmp_path)
    assert adapter is None and "D-Bus" in why
    bus.touch()
    assert os_adapter(tmp_path) == ("hci0", "")


def test_auto_without_adapter_is_the_virtual_world_and_says_so(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("blebench.backends.os_stack.os_adapter", lambda: (None, "no adapter found"))
    choice = choose_backend()
    assert choice.kind == "bumble-sim" and choice.reason == "virtual world: no adapter found"
