"""A stock Bumble peripheral that drops the link at one SMP step, run as its own program.

    python tests/integration/faults/dropping_peer.py --hci tcp-client:127.0.0.1:PORT \
        --name "Drop Peer" --address C6:22:33:44:55:01 --drop-at public-key

It powers on a `bumble.device.Device` over the HCI transport given (a stock controller),
advertises connectable with its name (again after each link), and pairs with Bumble's own
SMP (Secure Connections, Just Works, bonding) until the PDU `--drop-at` names arrives
from the central: then it disconnects (Remote User Terminated Connection) instead of
answering, as a peer that dislikes the request, crashes or is switched off does.

Each event is one JSON line on stdout (flushed): `ready`, `connected`, `dropped` (with the
PDU it dropped at), `disconnected`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys
from typing import Any

from bumble import hci, smp
from bumble.core import AdvertisingData
from bumble.device import Connection, Device
from bumble.pairing import PairingConfig, PairingDelegate
from bumble.transport import Transport, open_transport

STEPS = {
    "pairing-request": smp.CommandCode.PAIRING_REQUEST,
    "public-key": smp.CommandCode.PAIRING_PUBLIC_KEY,
    "dhkey-check": smp.CommandCode.PAIRING_DHKEY_CHECK,
}


def say(event: str, **fields: Any) -> None:
    print(json.dumps({"event": event, **fields}), flush=True)


def dropping_session(step: smp.CommandCode) -> type[smp.Session]:
    class DroppingSession(smp.Session):
        """Stock SMP until the step's PDU arrives; then the link is ended, unanswered."""

        def on_smp_command(self, command: smp.SMP_Command) -> None:
            if command.code == step:
                say("dropped", at=step.name)
                self.connection.cancel_on_disconnection(
                    self.connection.disconnect(hci.HCI_REMOTE_USER_TERMINATED_CONNECTION_ERROR)
                )
                return
            super().on_smp_command(command)

    return DroppingSession


async def open_when_listening(spec: str, wait: float) -> Transport:
    """The transport once its server listens (the controller process may still start)."""
    deadline = asyncio.get_running_loop().time() + wait
    while True:
        try:
            return await open_transport(spec)
        except OSError:
            if asyncio.get_running_loop().time() >= deadline:
                raise
            await asyncio.sleep(0.05)


async def run(args: argparse.Namespace) -> None:
    transport = await open_when_listening(args.hci, 10.0)
    try:
        device = Device.with_hci(
            args.name, hci.Address(args.address), transport.source, transport.sink
        )
        device.smp_session_proxy = dropping_session(STEPS[args.drop_at])
        delegate = PairingDelegate(io_capability=PairingDelegate.IoCapability.NO_OUTPUT_NO_INPUT)
        device.pairing_config_factory = lambda _connection: PairingConfig(
            sc=True, mitm=False, bonding=True, delegate=delegate
        )

        def on_connection(connection: Connection) -> None:
            say("connected", peer=str(connection.peer_address))
            connection.on(connection.EVENT_DISCONNECTION,
                          lambda reason: say("disconnected", reason=int(reason)))

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
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--hci", required=True, help="HCI transport, e.g. tcp-client:HOST:PORT")
    parser.add_argument("--name", default="Drop Peer")
    parser.add_argument("--address", default="C6:22:33:44:55:01", help="random static")
    parser.add_argument("--drop-at", choices=sorted(STEPS), required=True)
    args = parser.parse_args()
    try:
        asyncio.run(run(args))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
