"""Error codes in words: names from Bumble, our meanings and next steps, stack numbers."""

from __future__ import annotations

import json

import pytest
from bumble.att import ErrorCode as AttError
from bumble.hci import HCI_ErrorCode
from bumble.smp import ErrorCode as SmpError

from blebench.cli import main
from blebench.decode.codes import (
    att_error,
    explain,
    explain_all,
    explain_guess,
    hci_error,
    smp_error,
)

FALLBACK = "Rare on LE links"


def test_field_note_000_nimble_numbers() -> None:
    # secureConnection: failed rc=13; writeValue rc 271; disconnect reason 531.
    timeout = explain("nimble", 13)
    assert timeout.symbol == "BLE_HS_ETIMEOUT"
    assert "timed out" in timeout.meaning and "pairing" in timeout.meaning
    assert "IO capability" in timeout.next_step
    enc = explain("nimble", 271)
    assert "0x10F" in enc.meaning and "ATT error 0x0F Insufficient Encryption" in enc.meaning
    assert enc.next_step == att_error(0x0F).next_step
    term = explain("nimble", 531)
    assert term.meaning.startswith("531 = 0x213 = BLE_HS_ERR_HCI_BASE (0x200) + HCI error 0x13")
    assert "Remote User Terminated Connection" in term.name
    assert "peer" in term.meaning and "IO capability" in term.next_step
    assert explain("nimble", 7).symbol == "BLE_HS_ENOTCONN"


def test_nimble_security_manager_bases_say_which_side_failed() -> None:
    ours = explain("nimble", 0x403)
    theirs = explain("nimble", 0x503)
    assert "our side failed the pairing" in ours.meaning
    assert "the peer sent Pairing Failed" in theirs.meaning
    assert ours.next_step == theirs.next_step == smp_error(0x03).next_step
    assert not explain("nimble", 0x400).known  # BLE_HS_SM_US_ERR(0) is 0, never 0x400
    assert not explain("nimble", 0x7777).known


@pytest.mark.parametrize("code", [0x05, 0x06, 0x08, 0x13, 0x16, 0x3D, 0x3E])
def test_required_hci_codes_have_our_words(code: int) -> None:
    e = hci_error(code)
    assert e.known and FALLBACK not in e.next_step and len(e.meaning) > 30


@pytest.mark.parametrize("code", [0x05, 0x08, 0x0C, 0x0F, 0x01, 0x0D, 0xFD])
def test_required_att_codes_have_our_words(code: int) -> None:
    e = att_error(code)
    assert e.known and FALLBACK not in e.next_step and len(e.meaning) > 20


def test_att_and_smp_advice_matches_the_issue() -> None:
    assert "pair first" in att_error(0x05).next_step.lower()
    assert "encrypt" in att_error(0x0F).next_step.lower()
    smp3 = smp_error(0x03)
    assert "MITM" in smp3.meaning and "IO capability" in smp3.next_step
    assert "passkey" in smp_error(0x04).meaning
    assert smp_error(0x05).name == "Pairing Not Supported"
    assert "16" in smp_error(0x06).next_step


def test_names_come_from_bumble_tables() -> None:
    for member in HCI_ErrorCode:
        e = hci_error(int(member))
        assert e.known and e.symbol == f"HCI_{member.name}"
    for member in AttError:
        assert att_error(int(member)).symbol.startswith(f"ATT_{member.name}")
    for member in SmpError:
        assert smp_error(int(member)).symbol.startswith(f"SMP_{member.name}")
    assert hci_error(0x13).name == "Remote User Terminated Connection"
    assert hci_error(0x3D).name == "Connection Terminated due to MIC Failure"


def test_esp_idf_numbers() -> None:
    # esp_gatt_status_t 0x05 is the ATT code; 0x85 is Bluedroid's generic error.
    assert explain("esp", 0x05).symbol == "ESP_GATT_INSUF_AUTHENTICATION"
    assert explain("esp", 0x85).symbol == "ESP_GATT_ERROR"
    # esp_ble_auth_fail_rsn_t starts at 78 = SMP reason 1.
    auth = explain("esp", 80)
    assert (
        auth.symbol == "ESP_AUTH_SMP_PAIR_AUTH_FAIL" and auth.name == "Authentication Requirements"
    )
    assert explain("esp", 97).symbol == "ESP_AUTH_SMP_ENC_FAIL"
    # 0x08 is both a GATT status and a disconnect reason.
    both = {e.symbol for e in explain_all("esp", 0x08)}
    assert both == {"ESP_GATT_INSUF_AUTHORIZATION", "ESP_GATT_CONN_TIMEOUT"}
    assert explain("esp", 0x13).symbol == "ESP_GATT_CONN_TERMINATE_PEER_USER"


def test_explain_guess_lists_plausible_domains() -> None:
    assert [e.domain for e in explain_guess(531)] == ["nimble"]
    assert {e.domain for e in explain_guess(0x05)} == {"hci", "att", "smp", "nimble", "esp"}
    assert explain_guess(0x7777) == []


def test_unknown_codes_and_domains() -> None:
    e = hci_error(0x99)
    assert not e.known and "not a defined HCI code" in e.meaning
    assert att_error(0x85).name == "Application Error"
    assert not smp_error(-1).known
    with pytest.raises(ValueError, match="unknown domain"):
        explain("l2cap", 1)
    js = explain("smp", 3).to_json()
    assert set(js) >= {"domain", "code", "name", "meaning", "next_step"}
    assert js["hex"] == "0x03"


def test_cli_explain_nimble_531(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "nimble", "531"]) == 0
    out = capsys.readouterr().out
    assert "0x213" in out and "Remote User Terminated Connection" in out
    assert "what happened:" in out and "what to try:" in out


def test_cli_explain_smp_hex_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "smp", "0x03", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["code"] == 3 and out["domain"] == "smp"
    assert out["explanations"][0]["name"] == "Authentication Requirements"


def test_cli_explain_without_domain_and_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "0x3e"]) == 0
    out = capsys.readouterr().out
    assert "hci 62 (0x3E)" in out and "esp 62 (0x3E)" in out
    assert main(["explain", "nimble", "zz"]) == 2
    assert "not a code" in capsys.readouterr().err
    assert main(["explain", "30583"]) == 1
    assert "no domain defines" in capsys.readouterr().out


@pytest.mark.parametrize("word", ["1a", "abc", "13h", "1e3", "0x", "12.0"])
def test_cli_explain_refuses_what_is_neither_decimal_nor_0x_hex(
    word: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """The README says decimal or 0x hex: `1a` is not guessed to be 26 (or 0x1A)."""
    assert main(["explain", "nimble", word]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert f"not a code: {word!r}" in captured.err and "0x213" in captured.err


def test_cli_explain_one_exit_code_for_unknown_codes(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["explain", "nimble", "-5"]) == 1
    assert main(["explain", "nimble", "0xabc"]) == 1
    assert main(["explain", "nimble", "0x1a"]) == 0
    assert "BLE_HS_EENCRYPT_KEY_SZ" in capsys.readouterr().out


def test_cli_explain_reserved_inner_code_has_no_empty_symbol(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["explain", "nimble", "0x1e3"]) == 0
    out = capsys.readouterr().out
    assert "[BLE_HS_ERR_ATT_BASE + 0xE3]" in out and "+ ]" not in out
