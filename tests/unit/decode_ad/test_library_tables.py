"""The tables blebench keeps beside a library's own (for its public JSON words or to stay
cheap to import) agree with the library's numbers: a drift fails here."""

from __future__ import annotations

from bumble import hci
from bumble.core import AdvertisingData, LeRole, SecurityManagerOutOfBandFlag

from blebench.decode import ad_types


def test_every_decoded_ad_type_is_one_bumble_knows() -> None:
    assert set(ad_types.AD_TYPES) == {int(t) for t in AdvertisingData.Type}


def test_flag_bits_are_bumbles_plus_previously_used() -> None:
    ours = {1 << bit: name for bit, name in enumerate(ad_types.FLAG_BITS)}
    bumble = {int(f): f.name for f in AdvertisingData.Flags}
    assert set(bumble) <= set(ours)
    assert ours[int(AdvertisingData.Flags.BR_EDR_NOT_SUPPORTED)] == "BR/EDR Not Supported"
    assert set(ours) - set(bumble) == {0x10}  # "Previously Used", absent from Bumble's


def test_le_roles_and_oob_flags_match_bumbles_values() -> None:
    assert set(ad_types.LE_ROLES) == {int(r) for r in LeRole}
    fields = ad_types.AD_TYPES[0x11].decode(bytes([int(SecurityManagerOutOfBandFlag.ADDRESS_TYPE)]))
    assert fields["address_type"] == "random"
    fields = ad_types.AD_TYPES[0x11].decode(bytes([int(SecurityManagerOutOfBandFlag.LE_SUPPORTED)]))
    assert fields["le_supported_host"] is True


def test_the_phy_names_we_show_are_bumbles() -> None:
    from blebench.backends.bumble.client import _phy_name

    assert [_phy_name(int(p)) for p in hci.Phy] == list(hci.HCI_LE_PHY_NAMES.values())


def test_ah_is_bumbles_ah_in_spec_byte_order() -> None:
    import random

    from bumble import crypto

    from blebench.decode.address import ah

    rnd = random.Random(5)
    for _ in range(50):
        irk, prand = rnd.randbytes(16), rnd.randbytes(3)
        assert ah(irk, prand) == crypto.ah(irk[::-1], prand[::-1])[::-1]


def test_body_sensor_locations_match_bumbles_heart_rate_profile() -> None:
    from bumble.profiles.heart_rate_service import HeartRateService

    from blebench.decode.gatt_values import _BODY_SENSOR_LOCATIONS

    assert set(_BODY_SENSOR_LOCATIONS) == {int(m) for m in HeartRateService.BodySensorLocation}


def test_uuid_text_is_the_stdlibs_form() -> None:
    import random
    import uuid

    from blebench.decode.names import uuid_text

    rnd = random.Random(9)
    for _ in range(100):
        raw = rnd.randbytes(16)
        assert uuid_text(raw) == str(uuid.UUID(bytes=raw))
        assert uuid_text(raw, little_endian=True) == str(uuid.UUID(bytes=raw[::-1]))
