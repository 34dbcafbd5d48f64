"""Names for UUIDs, companies and appearance values, from bleak's and Bumble's tables."""

from __future__ import annotations

import pytest

from blebench.decode.names import (
    appearance_name,
    company_name,
    normalize_uuid,
    short_uuid,
    uuid_name,
)


@pytest.mark.parametrize(
    "form", ["2a37", "2A37", "0x2A37", 0x2A37, "00002a37", "00002A37-0000-1000-8000-00805F9B34FB"]
)
def test_uuid_name_accepts_every_form(form: str | int) -> None:
    assert uuid_name(form) == "Heart Rate Measurement"
    assert normalize_uuid(form) == "00002a37-0000-1000-8000-00805f9b34fb"
    assert short_uuid(form) == "2a37"


def test_vendor_128_bit_uuid_is_named_and_kept_whole() -> None:
    nus = "6E400001-B5A3-F393-E0A9-E50E24DCCA9E"
    assert uuid_name(nus) == "Nordic UART Service"
    assert short_uuid(nus) == nus.lower()
    assert normalize_uuid(nus.replace("-", "")) == nus.lower()


def test_32_bit_sig_uuid_short_form_has_eight_digits() -> None:
    assert short_uuid(0x12345678) == "12345678"
    assert normalize_uuid(0x12345678) == "12345678-0000-1000-8000-00805f9b34fb"


@pytest.mark.parametrize("bad", ["", "xyz", "12345", "0x", -1, 1 << 128, "1234-5678"])
def test_bad_uuid_is_refused_clearly(bad: str | int) -> None:
    assert uuid_name(bad) is None
    with pytest.raises(ValueError):
        normalize_uuid(bad)


def test_unknown_uuid_has_no_name() -> None:
    assert uuid_name("12345678-1234-5678-1234-567812345678") is None


def test_company_names_come_from_the_sig_list_and_bumble() -> None:
    assert company_name(0x004C) == "Apple, Inc."
    assert company_name(0x012D) == "Sony Corporation"
    assert company_name(0xFFFE) is None


def test_company_ids_assigned_after_bumbles_table_have_names() -> None:
    # bumble.company_ids stops at 0x0CFF; the SIG's list (bluetooth-sig) goes on.
    assert company_name(0x0D53) == "Luxottica Group S.p.A"
    assert company_name(0x10AE) == "Raycon Inc."
    # An id the SIG has withdrawn since keeps Bumble's name.
    assert company_name(0x0066) == "9Solutions Oy"


def test_decode_json_names_a_recent_company() -> None:
    import json
    import subprocess
    import sys

    out = subprocess.run(
        [sys.executable, "-m", "blebench", "decode", "--json", "05ff530d0102"],
        capture_output=True,
        text=True,
        check=True,
    )
    [structure] = json.loads(out.stdout)["adv"]["structures"]
    assert (structure["company_id"], structure["company"]) == (0x0D53, "Luxottica Group S.p.A")


def test_appearance_category_and_subcategory() -> None:
    assert appearance_name(0x03C1) == ("Human Interface Device", "Keyboard")
    assert appearance_name(0x03C2) == ("Human Interface Device", "Mouse")
    assert appearance_name(0x0340) == ("Heart Rate Sensor", "Generic Heart Rate Sensor")
    assert appearance_name(0x0000) == ("Unknown", None)


def test_unassigned_appearance_says_unknown_with_the_value() -> None:
    assert appearance_name(0xFFC0) == ("Unknown (0xffc0)", None)
    category, sub = appearance_name(0x03FF)
    assert category == "Human Interface Device"
    assert sub == "Unknown (0x3f)"


def test_the_quick_reader_of_the_sig_list_agrees_with_yaml() -> None:
    import importlib.util
    from pathlib import Path

    from blebench.decode import names

    spec = importlib.util.find_spec("bluetooth_sig")
    assert spec is not None and spec.submodule_search_locations
    text = Path(next(iter(spec.submodule_search_locations)), names._SIG_COMPANIES).read_text()
    quick = names._sig_companies()
    assert len(quick) > 4000 and quick == names._sig_companies_yaml(text)
