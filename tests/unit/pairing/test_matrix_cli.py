"""`blebench matrix` as a user runs it."""

from __future__ import annotations

import json

import pytest

from blebench.cli import main


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    assert main(["matrix", "--json", *argv]) == 0
    return json.loads(capsys.readouterr().out)


def test_no_filter_gives_1600_rows(capsys: pytest.CaptureFixture[str]) -> None:
    rows = run_json(capsys)
    assert isinstance(rows, list) and len(rows) == 1600
    first = rows[0]
    assert set(first) == {"initiator", "responder", "outcome"}
    assert {"io", "mitm", "sc", "oob"} <= set(first["initiator"])
    assert {"pairing", "method", "passkey_display", "authenticated", "security_level"} <= set(first["outcome"])
    assert all(r["outcome"]["failure"] is None for r in rows)


def test_filters_and_policies(capsys: pytest.CaptureFixture[str]) -> None:
    rows = run_json(capsys, "--initiator-io", "no-input-no-output", "--responder-io", "display-only",
                    "--responder-requires-mitm")
    assert isinstance(rows, list) and len(rows) == 64
    for r in rows:
        assert r["responder"]["requires_mitm"] is True
        # NoInputNoOutput can only do Just Works or OOB: every non-OOB row fails with 0x03.
        if r["outcome"]["method"] == "just-works":
            assert r["outcome"]["failure"]["code"] == 3
            assert r["outcome"]["failure"]["by"] == "responder"
        else:
            assert r["outcome"]["method"] == "oob" and r["outcome"]["failure"] is None


def test_sc_and_method_filters(capsys: pytest.CaptureFixture[str]) -> None:
    rows = run_json(capsys, "--sc", "--method", "numeric-comparison")
    assert isinstance(rows, list) and rows
    assert all(r["outcome"]["pairing"] == "secure-connections" for r in rows)


def test_explain_one_combination(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", "--explain", "--initiator-io", "keyboard-display", "--initiator-mitm",
                 "--responder-io", "display-only", "--responder-sc-only"]) == 0
    out = capsys.readouterr().out
    assert "passkey entry" in out and "Security level 4" in out


def test_table_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", "--initiator-io", "keyboard-only", "--responder-io", "keyboard-only",
                 "--mitm", "--sc"]) == 0
    out = capsys.readouterr().out
    assert "passkey-entry" in out and "none/both" in out


def test_bad_values_are_explained(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["matrix", "--min-key-size", "20"]) == 2
    assert "outside 7..16" in capsys.readouterr().err
