"""A bleak backend over Bumble: `radio` (one central Device per radio, on the virtual
world or a real HCI transport), `scanner` (BaseBleakScanner) and the client.

Nothing is imported here: Bumble loads only when a radio is opened.
"""
