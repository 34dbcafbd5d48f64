"""The session facade as a face sees it: `blebench.session.api` loads no stack, every method
the Protocol promises is there on `SessionManager`, and every error a face can catch is one
`BlebenchError` with the exit code and JSON name the CLI contract says."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys

import pytest

from blebench.errors import BlebenchError, SetupError, UserInputError
from blebench.session import api, errors
from blebench.session.api import SessionApi
from blebench.session.manager import SessionManager


def _loaded_after_import(module: str) -> set[str]:
    code = f"import json, sys, {module}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return set(json.loads(out.stdout))


@pytest.mark.parametrize("module", ["blebench.session.api", "blebench.session.models"])
def test_a_face_imports_the_api_without_bleak_bumble_or_textual(module: str) -> None:
    loaded = {name.split(".")[0] for name in _loaded_after_import(module)}
    assert not {"bleak", "bumble", "textual"} & loaded


def test_the_api_loads_only_the_errors_and_models_of_the_session() -> None:
    """What a face imports at runtime (the UI contract): nothing below the facade."""
    loaded = {n for n in _loaded_after_import("blebench.session.api") if n.startswith("blebench.")}
    assert {n for n in loaded if n.startswith("blebench.session.")} == {
        "blebench.session.api", "blebench.session.errors", "blebench.session.models"
    }


def _protocol_members() -> set[str]:
    return {
        name
        for name, value in vars(SessionApi).items()
        if not name.startswith("_") and (callable(value) or isinstance(value, property))
    }


def test_the_manager_has_every_method_of_the_api_with_its_parameters() -> None:
    members = _protocol_members()
    assert {"connect", "discover", "read", "write", "subscribe", "pull_streams", "export",
            "pair", "repair", "run_lab", "bonds", "start_capture"} <= members
    for name in sorted(members):
        promised = getattr(SessionApi, name)
        if isinstance(promised, property):
            continue  # instance attributes (radio_info, bonds, streams): mypy checks those
        assert hasattr(SessionManager, name), name
        given = getattr(SessionManager, name)
        wanted = list(inspect.signature(promised).parameters)
        assert list(inspect.signature(given).parameters) == wanted, name


# -- errors: one root, the exit codes and the JSON names of the CLI contract --------------

DEVICE_ERRORS = {
    errors.DeviceNotFoundError: "device_not_found",
    errors.ConnectTimeoutError: "connect_timeout",
    errors.ConnectFailedError: "connect_failed",
    errors.ConnectionLostError: "connection_lost",
    errors.GattOperationError: "att_error",
    errors.OperationTimeoutError: "timeout",
    errors.NoBondError: "no_bond",
    errors.LinkRssiUnavailableError: "rssi_unavailable",
}


@pytest.mark.parametrize(("cls", "kind"), DEVICE_ERRORS.items())
def test_device_and_link_failures_exit_1_under_their_public_name(
    cls: type[errors.DeviceError], kind: str
) -> None:
    exc = cls("it went wrong", next_step="do this")
    assert isinstance(exc, BlebenchError)
    assert exc.exit_code == 1
    assert exc.to_json() == {
        "error": kind, "message": "it went wrong", "code": None, "next_step": "do this"
    }
    assert exc.describe() == "error: it went wrong\nnext: do this"


def test_not_connected_and_stale_bond_keep_their_names() -> None:
    assert errors.NotConnectedError("AA:BB:CC:DD:EE:FF", "a read").to_json()["error"] == (
        "not_connected"
    )
    stale = errors.StaleBondError(
        "Lock", address="AA:BB:CC:DD:EE:FF", identity_address=None, explanation=None
    )
    assert stale.exit_code == 1
    assert stale.to_json()["error"] == "stale_bond"
    assert stale.to_json()["address"] == "AA:BB:CC:DD:EE:FF"


def test_bad_input_exits_2_as_bad_input_and_stays_a_value_error() -> None:
    from blebench.session.console import MatchSpecError
    from blebench.userinput import ValueParseError

    for cls in (ValueParseError, errors.TargetError, errors.FilterError, MatchSpecError):
        exc = cls("typo")
        assert isinstance(exc, UserInputError) and isinstance(exc, ValueError), cls
        assert exc.exit_code == 2
        assert exc.to_json()["error"] == "bad_input"


def test_setup_failures_exit_2() -> None:
    from blebench.backends.base import RadioError
    from blebench.session.radios import BackendError
    from blebench.sim.userdevices import UserDevicesError

    for cls in (BackendError, RadioError, UserDevicesError, errors.SessionError):
        assert issubclass(cls, SetupError), cls
        assert cls("no radio").exit_code == 2
    assert errors.SessionError("no radio").to_json()["error"] == "radio_unavailable"
    assert errors.PairingUnavailableError("the OS pairs").exit_code == 2


def test_the_api_exports_what_a_face_catches() -> None:
    for name in ("BlebenchError", "DeviceError", "StaleBondError", "FilterError",
                 "TargetError", "CaptureError", "GattOperationError"):
        assert issubclass(getattr(api, name), BlebenchError), name
