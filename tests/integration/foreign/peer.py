"""A Bumble peripheral that is not blebench's: stock Bumble only, run as its own program.

    python tests/integration/foreign/peer.py --hci tcp-client:127.0.0.1:PORT \
        --name "Foreign Lock" --address C6:11:22:33:44:55 --keys DIR/keys.json \
        --io display-only --sc --mitm --bond --passkey 654321

It powers on a `bumble.device.Device` over the HCI transport given (a stock controller),
advertises connectable with its name, serves one service whose characteristic can only be
read on an encrypted and authenticated link, and pairs with Bumble's own SMP and
`PairingDelegate`, answering as the options say: `--passkey N` is what it displays,
`--type N` what it types when the peer displays, `--confirm yes|no` its answer to a
numeric comparison or a Just Works confirmation. Its keys live in its own JSON key store
(`--keys`), so it keeps a bond across reconnections and runs, as a device keeps it in flash.

Each event is one JSON line on stdout (flushed), for a test to read:
`ready`, `connected`, `method` (the pairing method its SMP selected), `display`,
`typed`, `compared`, `paired` (with the LTK's authenticated flag), `pairing-failed`,
`encrypted` (with `pairing_on_this_link`: false when the link was encrypted with a bond
from an earlier connection), `read` (the protected value was served), `disconnected`.
Bumble's own log goes to stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
import sys
from typing import Any

from bumble import hci, smp
from bumble.core import AdvertisingData
from bumble.device import Connection, Device
from bumble.gatt import Characteristic, CharacteristicValue, Service
from bumble.keys import JsonKeyStore, PairingKeys
from bumble.pairing import PairingConfig, PairingDelegate
from bumble.transport import Transport, open_transport

SERVICE_UUID = "6e40a000-5c1d-4b0e-9f4a-3f0c8d2b7e11"
SECRET_UUID = "6e40a001-5c1d-4b0e-9f4a-3f0c8d2b7e11"
SECRET_VALUE = b"foreign secret"

IO_CAPABILITIES = {
    "display-only": PairingDelegate.IoCapability.DISPLAY_OUTPUT_ONLY,
    "display-yes-no": PairingDelegate.IoCapability.DISPLAY_OUTPUT_AND_YES_NO_INPUT,
    "keyboard-only": PairingDelegate.IoCapability.KEYBOARD_INPUT_ONLY,
    "no-input-no-output": PairingDelegate.IoCapability.NO_OUTPUT_NO_INPUT,
    "keyboard-display": PairingDelegate.IoCapability.DISPLAY_OUTPUT_AND_KEYBOARD_INPUT,
}
METHOD_NAMES = {
    smp.PairingMethod.JUST_WORKS: "just-works",
    smp.PairingMethod.NUMERIC_COMPARISON: "numeric-comparison",
    smp.PairingMethod.PASSKEY: "passkey-entry",
    smp.PairingMethod.OOB: "oob",
}


def say(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


class AnsweringDelegate(PairingDelegate):
    """Bumble's delegate, answering from the command line instead of a person."""

    def __init__(self, args: argparse.Namespace) -> None:
        super().__init__(io_capability=IO_CAPABILITIES[args.io])
        self.shown = args.passkey
        self.typed = args.type
        self.answer = args.confirm == "yes"

    async def confirm(self, auto: bool = False) -> bool:
        say("confirm", auto=auto, answer=self.answer)
        return self.answer

    async def compare_numbers(self, number: int, digits: int) -> bool:
        say("compared", number=number, answer=self.answer)
        return self.answer

    async def get_number(self) -> int | None:
        say("typed", passkey=self.typed)
        return self.typed

    async def generate_passkey(self) -> int:
        if self.shown is None:
            return await super().generate_passkey()
        return int(self.shown)

    async def display_number(self, number: int, digits: int) -> None:
        say("display", passkey=number)


# The connection number of each live link, by HCI handle (the `link` of every event).
LINKS: dict[int, int] = {}
# The links on which SMP selected a pairing method (pairing ran there).
PAIRING_LINKS: set[int] = set()


class ReportingSession(smp.Session):
    """Stock SMP, plus one line saying which method it selected."""

    def decide_pairing_method(
        self, auth_req: int, initiator_io_capability: int, responder_io_capability: int
    ) -> None:
        super().decide_pairing_method(auth_req, initiator_io_capability, responder_io_capability)
        link = LINKS.get(self.connection.handle, 0)
        PAIRING_LINKS.add(link)
        say("method", link=link, sc=bool(self.sc),
            method=METHOD_NAMES.get(self.pairing_method, str(self.pairing_method)))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hci", required=True, help="HCI transport, e.g. tcp-client:HOST:PORT")
    parser.add_argument("--name", default="Foreign Peer")
    parser.add_argument("--address", default="C6:11:22:33:44:55", help="random static")
    parser.add_argument("--keys", required=True, help="the JSON key store file")
    parser.add_argument("--io", choices=sorted(IO_CAPABILITIES), default="no-input-no-output")
    parser.add_argument("--sc", action="store_true")
    parser.add_argument("--mitm", action="store_true")
    parser.add_argument("--bond", action="store_true")
    parser.add_argument("--passkey", type=int, help="the passkey it displays")
    parser.add_argument("--type", type=int, help="the passkey it types when asked")
    parser.add_argument("--confirm", choices=("yes", "no"), default="yes")
    parser.add_argument("--wait", type=float, default=10.0,
                        help="seconds to wait for the transport to accept a connection")
    return parser.parse_args(argv)


async def open_when_listening(spec: str, wait: float) -> Transport:
    """The transport once its server listens (a controller process may still be starting).
    Only refused connections are retried: a stock TCP server serves one client at a time."""
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        try:
            return await open_transport(spec)
        except OSError:
            if asyncio.get_running_loop().time() >= deadline:
                raise
            await asyncio.sleep(0.05)


async def run(args: argparse.Namespace) -> None:
    transport = await open_when_listening(args.hci, args.wait)
    try:
        device = Device.with_hci(
            args.name, hci.Address(args.address), transport.source, transport.sink
        )
        device.keystore = JsonKeyStore(namespace=args.address, filename=args.keys)
        device.smp_session_proxy = ReportingSession
        delegate = AnsweringDelegate(args)
        device.pairing_config_factory = lambda _connection: PairingConfig(
            sc=args.sc, mitm=args.mitm, bonding=args.bond, delegate=delegate,
            identity_address_type=PairingConfig.AddressType.RANDOM,
        )

        def read_secret(connection: Connection) -> bytes:
            say("read", uuid=SECRET_UUID)
            return SECRET_VALUE

        device.add_service(
            Service(
                SERVICE_UUID,
                [
                    Characteristic(
                        SECRET_UUID,
                        Characteristic.Properties.READ,
                        Characteristic.READ_REQUIRES_ENCRYPTION
                        | Characteristic.READ_REQUIRES_AUTHENTICATION,
                        CharacteristicValue(read=read_secret),
                    )
                ],
            )
        )
        connections = 0

        def on_connection(connection: Connection) -> None:
            nonlocal connections
            connections += 1
            number = connections
            LINKS[connection.handle] = number
            say("connected", link=number, peer=str(connection.peer_address))

            def on_pairing(keys: PairingKeys) -> None:
                ltk = keys.ltk or keys.ltk_peripheral or keys.ltk_central
                say("paired", link=number, sc=bool(connection.sc),
                    authenticated=bool(ltk and ltk.authenticated),
                    peer=str(connection.peer_address))

            def on_encryption() -> None:
                say("encrypted", link=number, encryption=int(connection.encryption),
                    pairing_on_this_link=number in PAIRING_LINKS)

            connection.on(connection.EVENT_PAIRING, on_pairing)
            connection.on(connection.EVENT_PAIRING_FAILURE,
                          lambda reason: say("pairing-failed", link=number, reason=int(reason)))
            connection.on(connection.EVENT_CONNECTION_ENCRYPTION_CHANGE, on_encryption)
            connection.on(connection.EVENT_DISCONNECTION,
                          lambda reason: say("disconnected", link=number, reason=int(reason)))

        device.on(device.EVENT_CONNECTION, on_connection)
        await device.power_on()
        data = bytes(AdvertisingData([
            (AdvertisingData.FLAGS, bytes([0x06])),
            (AdvertisingData.COMPLETE_LOCAL_NAME, args.name.encode("utf-8")),
        ]))
        await device.start_advertising(
            advertising_data=data, auto_restart=True, advertising_interval_min=20,
            advertising_interval_max=20,
        )
        say("ready", name=args.name, address=args.address)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        await transport.close()


def main() -> None:
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    asyncio.run(run(parse_args()))


if __name__ == "__main__":
    main()
