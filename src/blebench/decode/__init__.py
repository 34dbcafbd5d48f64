"""Pure decoders: bytes in, plain data out (no stack objects, no Textual).

Advertising: `payload.decode_payload` (AD structures in `ad` / `ad_types`, vendor formats
in `formats`), `address` (kinds, RPA resolution), `hci_event` (advertising reports), and
`names` (UUID, company and appearance names from bleak's and Bumble's tables).
GATT: `gatt_values` (values by UUID), `units` (Presentation Format, SFLOAT/FLOAT), `hid`
and `hid_usages` (Report Maps, input reports). Also `codes` and `codes_stacks` (error
numbers in words) and `text` (strings from the air as plain terminal text). Modules are
imported where used; this package imports nothing so that each stays cheap.
"""
