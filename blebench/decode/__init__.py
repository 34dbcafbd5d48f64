"""Pure decoders: bytes in, plain data out (no stack objects, no Textual).

Advertising: `payload.decode_payload` (AD structures in `ad` / `ad_types`, vendor formats
in `vendor`), `address` (kinds, RPA resolution), `hci_event` (advertising reports), and
`names` (UUID, company and appearance names from bleak's and Bumble's tables). Modules
are imported where used; this package imports nothing so that each stays cheap.
"""
