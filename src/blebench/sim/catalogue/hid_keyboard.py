"""HID Keyboard: a BLE keyboard over HID over GATT (HOGP), modelled on field note 003.

Services: HID (0x1812) with a Report Map holding a keyboard (Report ID 1: modifiers,
reserved, six key codes; LED output report) and a consumer control (Report ID 2: one
16-bit usage), Report characteristics with Report Reference descriptors, Boot Keyboard
Input/Output reports, HID Information, Protocol Mode and HID Control Point; Battery;
Device Information with a PnP ID (USB-IF vendor id source). Appearance 0x03C1 (keyboard).

Security as macOS/iOS expect it: reports and their CCCDs need an encrypted link (ATT
0x0F before pairing) that is also bonded (0x05 on an encrypted link that did not bond).
The Report Map and HID Information stay readable so a GATT browser can show them.
Pairing is Just Works with bonding (no display, no way to type a passkey back).

Once a bonded client subscribes to the keyboard input report it types `greeting` once per
connection, a key-down then a key-up report per character; `type_text()` types more.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from bumble import att, gatt
from bumble.device import Connection, Device
from bumble.gatt import Characteristic, Descriptor, Service

from blebench.pairing.models import IoCapability, PairingOptions
from blebench.sim.catalogue import _adv
from blebench.sim.catalogue._gatt import (
    READ,
    READ_ENC,
    READ_WRITE_ENC,
    VENDOR_SOURCE_USB_IF,
    WRITE_ENC,
    BatteryLevel,
    BatteryPowered,
    Props,
    device_information,
    dynamic,
    notify,
    secured_cccd,
    static,
)
from blebench.sim.catalogue.base import AddressKind, Control
from blebench.stack.smp_bridge import PeripheralSecurity

HID_SERVICE = 0x1812
BATTERY_SERVICE = 0x180F
APPEARANCE_KEYBOARD = 0x03C1

KEYBOARD_REPORT_ID = 1
CONSUMER_REPORT_ID = 2
REPORT_TYPE_INPUT = 1
REPORT_TYPE_OUTPUT = 2
PROTOCOL_BOOT = 0
PROTOCOL_REPORT = 1

# fmt: off
REPORT_MAP = bytes([
    0x05, 0x01,        # Usage Page (Generic Desktop)
    0x09, 0x06,        # Usage (Keyboard)
    0xA1, 0x01,        # Collection (Application)
    0x85, KEYBOARD_REPORT_ID,  # Report ID (1)
    0x05, 0x07,        #   Usage Page (Keyboard/Keypad)
    0x19, 0xE0,        #   Usage Minimum (Left Control)
    0x29, 0xE7,        #   Usage Maximum (Right GUI)
    0x15, 0x00,        #   Logical Minimum (0)
    0x25, 0x01,        #   Logical Maximum (1)
    0x75, 0x01,        #   Report Size (1)
    0x95, 0x08,        #   Report Count (8)
    0x81, 0x02,        #   Input (Data, Variable, Absolute): modifiers
    0x95, 0x01,        #   Report Count (1)
    0x75, 0x08,        #   Report Size (8)
    0x81, 0x01,        #   Input (Constant): reserved byte
    0x95, 0x05,        #   Report Count (5)
    0x75, 0x01,        #   Report Size (1)
    0x05, 0x08,        #   Usage Page (LEDs)
    0x19, 0x01,        #   Usage Minimum (Num Lock)
    0x29, 0x05,        #   Usage Maximum (Kana)
    0x91, 0x02,        #   Output (Data, Variable, Absolute): LEDs
    0x95, 0x01,        #   Report Count (1)
    0x75, 0x03,        #   Report Size (3)
    0x91, 0x01,        #   Output (Constant): padding
    0x95, 0x06,        #   Report Count (6)
    0x75, 0x08,        #   Report Size (8)
    0x15, 0x00,        #   Logical Minimum (0)
    0x25, 0x65,        #   Logical Maximum (101)
    0x05, 0x07,        #   Usage Page (Keyboard/Keypad)
    0x19, 0x00,        #   Usage Minimum (0)
    0x29, 0x65,        #   Usage Maximum (101)
    0x81, 0x00,        #   Input (Data, Array, Absolute): key codes
    0xC0,              # End Collection
    0x05, 0x0C,        # Usage Page (Consumer)
    0x09, 0x01,        # Usage (Consumer Control)
    0xA1, 0x01,        # Collection (Application)
    0x85, CONSUMER_REPORT_ID,  # Report ID (2)
    0x15, 0x00,        #   Logical Minimum (0)
    0x26, 0x3C, 0x02,  #   Logical Maximum (572)
    0x19, 0x00,        #   Usage Minimum (0)
    0x2A, 0x3C, 0x02,  #   Usage Maximum (572)
    0x75, 0x10,        #   Report Size (16)
    0x95, 0x01,        #   Report Count (1)
    0x81, 0x00,        #   Input (Data, Array, Absolute): one usage
    0xC0,              # End Collection
])
# fmt: on

# HID Information: bcdHID 1.11, country code 0, flags: normally connectable.
HID_INFORMATION = bytes([0x11, 0x01, 0x00, 0x02])

LEFT_SHIFT = 0x02
KEY_RELEASED = bytes(8)

# Consumer usages (HID Usage Tables, Consumer page 0x0C) offered as controls.
CONSUMER_USAGES = {
    "play_pause": 0x00CD,
    "volume_up": 0x00E9,
    "volume_down": 0x00EA,
    "mute": 0x00E2,
    "next_track": 0x00B5,
    "previous_track": 0x00B6,
}


def _build_keymap() -> dict[str, tuple[int, int]]:
    """US layout: character -> (modifiers, usage id) on the Keyboard/Keypad page."""
    keymap: dict[str, tuple[int, int]] = {}
    for i, letter in enumerate("abcdefghijklmnopqrstuvwxyz"):
        keymap[letter] = (0, 0x04 + i)
        keymap[letter.upper()] = (LEFT_SHIFT, 0x04 + i)
    for i, (digit, shifted) in enumerate(zip("1234567890", "!@#$%^&*()", strict=True)):
        keymap[digit] = (0, 0x1E + i)
        keymap[shifted] = (LEFT_SHIFT, 0x1E + i)
    keymap.update({"\n": (0, 0x28), "\t": (0, 0x2B), " ": (0, 0x2C)})
    for plain, shifted, usage in (
        ("-", "_", 0x2D), ("=", "+", 0x2E), ("[", "{", 0x2F), ("]", "}", 0x30),
        ("\\", "|", 0x31), (";", ":", 0x33), ("'", '"', 0x34), ("`", "~", 0x35),
        (",", "<", 0x36), (".", ">", 0x37), ("/", "?", 0x38),
    ):  # fmt: skip
        keymap[plain] = (0, usage)
        keymap[shifted] = (LEFT_SHIFT, usage)
    return keymap


KEYMAP = _build_keymap()


def key_reports(text: str) -> list[bytes]:
    """The keyboard input reports (without report id) that type `text`: down, up, ...

    Raises ValueError naming the first character a US keyboard cannot type.
    """
    reports: list[bytes] = []
    for position, char in enumerate(text):
        if char not in KEYMAP:
            raise ValueError(f"cannot type {char!r} (position {position}) on a US keyboard")
        modifiers, usage = KEYMAP[char]
        reports.append(bytes([modifiers, 0, usage, 0, 0, 0, 0, 0]))
        reports.append(KEY_RELEASED)
    return reports


MAX_TEXT = 1000  # characters one control may type: 2,000 reports, about 16 s


def _typable(text: str) -> str:
    """`text` if the keyboard can type it in one go; ValueError saying why not."""
    if len(text) > MAX_TEXT:
        raise ValueError(f"at most {MAX_TEXT} characters at a time, not {len(text)}")
    key_reports(text)
    return text


def _report_reference(report_id: int, report_type: int) -> Descriptor:
    return Descriptor(gatt.GATT_REPORT_REFERENCE_DESCRIPTOR, READ, bytes([report_id, report_type]))


class HidKeyboard(BatteryPowered):
    name = "HID Keyboard"
    address = "D4:3A:2C:18:5B:90"
    address_type: AddressKind = "random-static"
    appearance = APPEARANCE_KEYBOARD
    tx_power_dbm = 4
    distance_m = 1.2
    adv_interval_ms = 50.0

    def __init__(
        self,
        *,
        seed: int = 0,
        greeting: str = "hello blebench\n",
        key_interval_s: float = 0.008,
    ) -> None:
        super().__init__(seed=seed)
        key_reports(greeting)  # a greeting it cannot type is a programming error
        self.greeting = greeting
        self.greeting_media: str | None = None
        self.key_interval_s = key_interval_s
        self.security = PeripheralSecurity(
            PairingOptions(io=IoCapability.NO_INPUT_NO_OUTPUT, mitm=False, sc=True, bonding=True)
        )
        self.battery = BatteryLevel(self.rng.randint(40, 100))
        self.protocol_mode = PROTOCOL_REPORT
        self.suspended = False
        self.leds = 0
        self.last_input = KEY_RELEASED
        self.last_consumer = bytes(2)
        self.reports_sent = 0
        self._typing = asyncio.Lock()
        self._greeted: set[int] = set()

        self.keyboard_input = dynamic(
            gatt.GATT_REPORT_CHARACTERISTIC,
            Props.READ | Props.NOTIFY,
            READ_ENC,
            read=self._read_keyboard_input,
            descriptors=[_report_reference(KEYBOARD_REPORT_ID, REPORT_TYPE_INPUT)],
        )
        self.keyboard_output = dynamic(
            gatt.GATT_REPORT_CHARACTERISTIC,
            Props.READ | Props.WRITE | Props.WRITE_WITHOUT_RESPONSE,
            READ_WRITE_ENC,
            read=self._read_leds,
            write=self._write_leds,
            descriptors=[_report_reference(KEYBOARD_REPORT_ID, REPORT_TYPE_OUTPUT)],
        )
        self.consumer_input = dynamic(
            gatt.GATT_REPORT_CHARACTERISTIC,
            Props.READ | Props.NOTIFY,
            READ_ENC,
            read=self._read_consumer,
            descriptors=[_report_reference(CONSUMER_REPORT_ID, REPORT_TYPE_INPUT)],
        )
        self.boot_input = dynamic(
            gatt.GATT_BOOT_KEYBOARD_INPUT_REPORT_CHARACTERISTIC,
            Props.READ | Props.NOTIFY,
            READ_ENC,
            read=self._read_keyboard_input,
        )
        self.boot_output = dynamic(
            gatt.GATT_BOOT_KEYBOARD_OUTPUT_REPORT_CHARACTERISTIC,
            Props.READ | Props.WRITE | Props.WRITE_WITHOUT_RESPONSE,
            READ_WRITE_ENC,
            read=self._read_leds,
            write=self._write_leds,
        )
        self.protocol_mode_characteristic = dynamic(
            gatt.GATT_PROTOCOL_MODE_CHARACTERISTIC,
            Props.READ | Props.WRITE_WITHOUT_RESPONSE,
            READ_WRITE_ENC,
            read=lambda _c: bytes([self.protocol_mode]),
            write=self._write_protocol_mode,
        )
        self.control_point = dynamic(
            gatt.GATT_HID_CONTROL_POINT_CHARACTERISTIC,
            Props.WRITE_WITHOUT_RESPONSE,
            WRITE_ENC,
            write=self._write_control_point,
        )

    # ------------------------------------------------------------------ air

    def advertising_data(self) -> bytes:
        return _adv.payload(
            _adv.flags(),
            _adv.uuid16_list(HID_SERVICE, BATTERY_SERVICE),
            _adv.appearance(self.appearance),
            _adv.complete_name(self.name),
        )

    def scan_response_data(self) -> bytes:
        return _adv.payload(_adv.tx_power(self.tx_power_dbm))

    # ------------------------------------------------------------------ GATT

    def services(self, device: Device) -> list[Service]:
        for characteristic in (self.keyboard_input, self.consumer_input, self.boot_input):
            secured_cccd(device, characteristic, check=self._require_bond)
        self.keyboard_input.on(Characteristic.EVENT_SUBSCRIPTION, self._on_subscription)
        self.boot_input.on(Characteristic.EVENT_SUBSCRIPTION, self._on_subscription)
        hid = Service(
            gatt.GATT_HUMAN_INTERFACE_DEVICE_SERVICE,
            [
                static(gatt.GATT_HID_INFORMATION_CHARACTERISTIC, HID_INFORMATION),
                static(gatt.GATT_REPORT_MAP_CHARACTERISTIC, REPORT_MAP),
                self.keyboard_input,
                self.keyboard_output,
                self.consumer_input,
                self.boot_input,
                self.boot_output,
                self.protocol_mode_characteristic,
                self.control_point,
            ],
        )
        return [
            hid,
            self.battery.service,
            device_information(
                manufacturer="Keyforge Labs",
                model="KF-61 BLE",
                serial=f"KF61-{self.rng.randrange(16**6):06X}",
                firmware="1.3.0",
                pnp_id=(VENDOR_SOURCE_USB_IF, 0x1915, 0xEEF0, 0x0130),
            ),
        ]

    async def _require_bond(self, connection: Connection) -> None:
        assert self.security is not None
        if not await self.security.is_bonded(self.bumble, connection):
            raise att.ATT_Error(att.ErrorCode.INSUFFICIENT_AUTHENTICATION)

    async def _read_keyboard_input(self, connection: Connection) -> bytes:
        await self._require_bond(connection)
        return self.last_input

    async def _read_consumer(self, connection: Connection) -> bytes:
        await self._require_bond(connection)
        return self.last_consumer

    async def _read_leds(self, connection: Connection) -> bytes:
        await self._require_bond(connection)
        return bytes([self.leds])

    async def _write_leds(self, connection: Connection, value: bytes) -> None:
        await self._require_bond(connection)
        if len(value) != 1:
            raise att.ATT_Error(att.ErrorCode.INVALID_ATTRIBUTE_LENGTH)
        self.leds = value[0] & 0x1F

    async def _write_protocol_mode(self, connection: Connection, value: bytes) -> None:
        await self._require_bond(connection)
        if value not in (b"\x00", b"\x01"):
            raise att.ATT_Error(att.ErrorCode.VALUE_NOT_ALLOWED)
        self.protocol_mode = value[0]

    async def _write_control_point(self, connection: Connection, value: bytes) -> None:
        await self._require_bond(connection)
        if value not in (b"\x00", b"\x01"):  # 0 = Suspend, 1 = Exit Suspend
            raise att.ATT_Error(att.ErrorCode.VALUE_NOT_ALLOWED)
        self.suspended = value == b"\x00"

    def _on_subscription(self, bearer: object, notify_enabled: bool, _indicate: bool) -> None:
        connection = getattr(bearer, "connection", bearer)
        if not notify_enabled or not isinstance(connection, Connection):
            return
        if connection.handle in self._greeted:
            return
        self._greeted.add(connection.handle)
        connection.once(
            connection.EVENT_DISCONNECTION,
            lambda *_: self._greeted.discard(connection.handle),
        )
        self.spawn(self._greet())

    async def _greet(self) -> None:
        await self.type_text(self.greeting)
        if self.greeting_media is not None:
            await self.press_media(self.greeting_media)

    def set_greeting(self, text: str) -> None:
        """What it types once a bonded client subscribes (once per connection)."""
        _typable(text)
        self.greeting = text

    def set_greeting_media(self, key: str | None) -> None:
        """A media key it presses after the greeting (None: none)."""
        if key is not None and key not in CONSUMER_USAGES:
            raise ValueError(f"unknown media key {key!r}; one of {', '.join(CONSUMER_USAGES)}")
        self.greeting_media = key

    # ------------------------------------------------------------------ controls

    async def type_text(self, text: str) -> int:
        """Type `text` as key-down / key-up input reports; returns the reports sent.

        Reports go to the subscribed clients of the active protocol's input report
        (report mode: Report ID 1; boot mode: the Boot Keyboard Input Report).
        """
        reports = key_reports(_typable(text))
        device = self.bumble
        async with self._typing:
            for report in reports:
                self.last_input = report
                target = self.boot_input if self.protocol_mode == PROTOCOL_BOOT else (
                    self.keyboard_input
                )
                await notify(device, target, report)
                self.reports_sent += 1
                await asyncio.sleep(self.key_interval_s)
        return len(reports)

    async def press_media(self, key: str) -> None:
        """Press and release a consumer-control key (see CONSUMER_USAGES)."""
        if key not in CONSUMER_USAGES:
            raise ValueError(f"unknown media key {key!r}; one of {', '.join(CONSUMER_USAGES)}")
        device = self.bumble
        async with self._typing:
            for value in (CONSUMER_USAGES[key].to_bytes(2, "little"), bytes(2)):
                self.last_consumer = value
                await notify(device, self.consumer_input, value)
                await asyncio.sleep(self.key_interval_s)

    def controls(self) -> Mapping[str, Control]:
        return {
            "type_text": Control("Type text as key reports", self.type_text, "text: str"),
            "press_media": Control(
                "Press a media key", self.press_media, f"key: {' | '.join(CONSUMER_USAGES)}"
            ),
            "set_greeting": Control(
                "What it types once a bonded client subscribes", self.set_greeting, "text: str"
            ),
            "set_greeting_media": Control(
                "A media key it presses after that (None: none)",
                self.set_greeting_media,
                f"key: {' | '.join(CONSUMER_USAGES)} | None",
            ),
            **super().controls(),
        }
