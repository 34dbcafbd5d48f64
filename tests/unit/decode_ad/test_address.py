"""Address kinds and RPA resolution."""

from __future__ import annotations

import pytest

from blebench.decode.address import ah, classify_address, resolve_rpa

# Core spec Vol 3 Part H, Appendix D (sample data for ah): IRK ec0234a3..., prand 708194,
# ah = 0dfbaa.
IRK = bytes.fromhex("ec0234a357c8ad05341010a60a397d9b")


def test_ah_core_spec_sample() -> None:
    assert ah(IRK, bytes.fromhex("708194")) == bytes.fromhex("0dfbaa")


@pytest.mark.parametrize(
    "address",
    # Bluetooth-Devices/bluetooth-data-tools tests/test_privacy.py VALID_RPAS for this IRK.
    [
        "40:01:02:b2:12:da",
        "55:aa:33:1d:27:08",
        "7f:ff:fe:7e:0e:08",
        "40:00:00:45:0c:63",
        "40:01:02:B2:12:DA",
    ],
)
def test_rpa_resolves_to_its_irk(address: str) -> None:
    other = b"\x11" * 16
    assert resolve_rpa(address, [other, IRK]) == IRK
    assert resolve_rpa(address, [other]) is None


def test_zero_irk_vectors_and_non_rpas() -> None:
    # bluetooth-data-tools test_resolve_private_address (all-zero IRK).
    zero = bytes(16)
    assert resolve_rpa("40:01:02:0a:c4:a6", [zero]) == zero
    assert resolve_rpa("40:02:03:d2:74:ce", [zero]) == zero
    assert resolve_rpa("40:00:00:d2:74:ce", [zero]) is None
    # Top bits not 01: not an RPA, never resolved (test_resolve_rejects_non_rpa_address_types).
    for address in ("00:01:02:b2:12:da", "80:01:02:b2:12:da", "c0:01:02:b2:12:da"):
        assert resolve_rpa(address, [IRK]) is None


@pytest.mark.parametrize(
    ("address", "is_random", "kind"),
    [
        ("C0:11:22:33:44:55", False, "public"),
        ("C0:11:22:33:44:55", True, "random-static"),
        ("40:11:22:33:44:55", True, "resolvable-private"),
        ("3F:11:22:33:44:55", True, "non-resolvable-private"),
        ("80:11:22:33:44:55", True, "non-resolvable-private"),
    ],
)
def test_classify(address: str, is_random: bool, kind: str) -> None:
    assert classify_address(address, is_random) == kind


@pytest.mark.parametrize("bad", ["", "40:01:02", "zz:01:02:b2:12:da", "40:01:02:b2:12:da:ff"])
def test_malformed_address_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        classify_address(bad, True)
    with pytest.raises(ValueError):
        resolve_rpa(bad, [IRK])
