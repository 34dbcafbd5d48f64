"""The radio options shared by the TUI and every subcommand that touches a radio."""

from __future__ import annotations

import argparse


def add_radio_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("radio")
    group.add_argument(
        "--sim",
        action="store_true",
        help="use the virtual world (real Bumble stacks on an in-process link)",
    )
    group.add_argument(
        "--sim-devices",
        metavar="FILE",
        help="TOML file of user-defined virtual devices (also read from the data dir)",
    )
    group.add_argument(
        "--transport",
        metavar="SPEC",
        help="a Bumble HCI transport: usb:0, serial:/dev/ttyACM0,1000000, hci-socket:0, "
        "tcp-client:HOST:PORT (implies --backend bumble)",
    )
    group.add_argument(
        "--backend",
        choices=("auto", "bleak", "bumble"),
        default="auto",
        help="auto: the OS adapter through bleak when there is one, else the virtual world",
    )
    group.add_argument(
        "--btsnoop",
        metavar="FILE",
        help="write a btsnoop capture of the HCI traffic (Bumble backend and virtual world)",
    )
