"""Property-based fuzzing: any bytes give a result, never an exception, for every decoder.

The seed (tests/fuzzing.py) is in the header and in a failure report; FUZZ_SEED=N replays a run.
"""

from __future__ import annotations

import json
import random

from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from blebench.commands.decode import decode_line, render_text
from blebench.decode.ad import split_structures
from blebench.decode.ad_types import AD_TYPES
from blebench.decode.formats import decode_manufacturer, decode_service_data16
from blebench.decode.formats.altbeacon import decode_altbeacon
from blebench.decode.formats.apple import decode_apple_continuity
from blebench.decode.formats.bthome import decode_bthome
from blebench.decode.formats.eddystone import decode_eddystone
from blebench.decode.formats.fast_pair import decode_fast_pair
from blebench.decode.formats.ibeacon import decode_ibeacon
from blebench.decode.formats.microsoft_cdp import decode_microsoft_cdp
from blebench.decode.hci_event import NotAnAdvertisingReport, parse_advertising_event
from blebench.decode.names import normalize_uuid
from blebench.decode.payload import (
    DecodedPayload,
    decode_payload,
    decode_payload_uncached,
    vendors_json,
)
from tests.fuzzing import FUZZ_SEED
from tests.unit.decode_ad.payloads import random_payload

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
payloads = st.one_of(
    st.binary(max_size=300),
    st.randoms(use_true_random=False).map(random_payload),
)


def _check(decoded: object) -> None:
    assert decoded is not None
    # Every result must serialise: it is what --json prints.
    json.dumps(decoded)


@seed(FUZZ_SEED)
@FUZZ
@given(payloads)
def test_decode_payload_is_total(data: bytes) -> None:
    d = decode_payload_uncached(data)
    _check({"adv": d.to_json(), "vendors": vendors_json(d, d)})
    assert decode_payload(data).to_json() == d.to_json()
    # Structures cover the payload in order; errors are counted.
    offsets = [s.offset for s in d.structures]
    assert offsets == sorted(offsets)
    assert d.errors == sum(s.error is not None for s in d.structures)


@seed(FUZZ_SEED)
@FUZZ
@given(st.sampled_from(sorted(AD_TYPES)), st.binary(max_size=40))
def test_every_ad_type_decoder_is_total(ad_type: int, body: bytes) -> None:
    (s,) = split_structures(bytes([len(body) + 1, ad_type]) + body)
    _check(s.to_json())


@seed(FUZZ_SEED)
@FUZZ
@given(st.integers(0, 0xFFFF), st.binary(max_size=40))
def test_vendor_dispatch_is_total(key: int, body: bytes) -> None:
    for v in (decode_manufacturer(key, body), decode_service_data16(key, body)):
        if v is not None:
            _check(v.to_json())


@seed(FUZZ_SEED)
@FUZZ
@given(
    st.binary(max_size=40), st.binary(min_size=6, max_size=6), st.binary(min_size=16, max_size=16)
)
def test_each_vendor_decoder_is_total(body: bytes, mac: bytes, key: bytes) -> None:
    results = [
        decode_ibeacon(body),
        decode_altbeacon(0x0118, b"\xbe\xac" + body),
        decode_apple_continuity(body),
        decode_microsoft_cdp(body),
        decode_fast_pair(body),
        decode_eddystone(body),
        decode_bthome(body),
        decode_bthome(bytes([0x41]) + body, mac=mac, bind_key=key),
        decode_bthome(bytes([0x40]) + body),
    ]
    for frame in (0x00, 0x10, 0x20, 0x30):
        results.append(decode_eddystone(bytes([frame]) + body))
    for v in results:
        if v is not None:
            _check(v.to_json())


@seed(FUZZ_SEED)
@FUZZ
@given(st.binary(max_size=80))
def test_hci_event_parser_raises_only_its_own_error(tail: bytes) -> None:
    for head in (b"\x04\x3e", b"\x3e"):
        for sub in (b"\x02", b"\x0d"):
            params = sub + tail
            raw = head + bytes([len(params) & 0xFF]) + params
            try:
                reports = parse_advertising_event(raw)
            except NotAnAdvertisingReport:
                continue
            for r in reports:
                _check(r.event)


@seed(FUZZ_SEED)
@FUZZ
@given(st.text(max_size=120))
def test_cli_line_decoder_is_total(line: str) -> None:
    result = decode_line(line, 1, None, None)
    _check(result)
    assert "\n" not in render_text(result)


def test_structure_shaped_payloads_with_a_seeded_generator() -> None:
    rnd = random.Random(FUZZ_SEED)
    for _ in range(3000):
        data = random_payload(rnd)
        d = decode_payload_uncached(data)
        _check(d.to_json())
        assert d.raw == data
        _assert_list_values_agree(d)


# The list values and the error count come from a framing pass over the bytes, the
# structures and vendor formats from a second, lazy walk: the two must agree everywhere.
def _assert_list_values_agree(d: DecodedPayload) -> None:
    name: str | None = None
    complete = False
    uuids: list[str] = []
    company_ids: list[int] = []
    tx_power = appearance = flags = None
    vendors = []
    for s in d.structures:
        if s.error is not None:
            continue
        f = s.fields
        if 0x02 <= s.type <= 0x07:
            uuids += [normalize_uuid(u["uuid"]) for u in f["uuids"]]
        elif s.type == 0x09 or (s.type == 0x08 and not complete):
            name, complete = f["name"], s.type == 0x09
        elif s.type == 0x01:
            flags = f["flags"]
        elif s.type == 0x0A:
            tx_power = f["tx_power_dbm"]
        elif s.type == 0x19:
            appearance = f["appearance"]
        elif s.type == 0xFF:
            company_ids.append(f["company_id"])
            vendors.append(decode_manufacturer(f["company_id"], s.data[2:]))
        elif s.type == 0x16:
            vendors.append(decode_service_data16(s.data[0] | s.data[1] << 8, s.data[2:]))
    assert (d.local_name, d.name_complete) == (name, complete)
    assert d.service_uuids == tuple(uuids)
    assert d.company_ids == tuple(company_ids)
    assert (d.tx_power, d.appearance, d.flags) == (tx_power, appearance, flags)
    assert d.errors == sum(s.error is not None for s in d.structures)
    assert [v.to_json() for v in d.vendors] == [v.to_json() for v in vendors if v is not None]


@seed(FUZZ_SEED)
@FUZZ
@given(payloads)
def test_list_values_agree_with_the_structures(data: bytes) -> None:
    _assert_list_values_agree(decode_payload_uncached(data))


@seed(FUZZ_SEED)
@FUZZ
@given(payloads)
def test_bleak_dicts_agree_with_the_structures(data: bytes) -> None:
    """manufacturer_data / service_data (read by the Bumble scanner from the framing pass
    alone) are what the fully decoded structures say."""
    d = decode_payload_uncached(data)
    manufacturer: dict[int, bytes] = {}
    service_data: dict[str, bytes] = {}
    for s in d.structures:
        if s.error is not None:
            continue
        if s.type == 0xFF:
            manufacturer[s.fields["company_id"]] = s.data[2:]
        elif s.type in (0x16, 0x20, 0x21):
            width = {0x16: 2, 0x20: 4, 0x21: 16}[s.type]
            service_data[normalize_uuid(s.fields["uuid"])] = s.data[width:]
    assert decode_payload_uncached(data).manufacturer_data == manufacturer  # before structures
    assert d.manufacturer_data == manufacturer
    assert d.service_data == service_data
