"""A bleak backend over Bumble: `radio` (one central Device per radio, on the virtual
world or a real HCI transport), `scanner` (BaseBleakScanner), `client`
(BaseBleakClient), `pairing` (our options and prompts bridged to Bumble's SMP) and
`capture` (btsnoop while it runs).

Nothing is imported here: Bumble loads only when a radio is opened.
"""
