"""The virtual world: Bumble devices on a modelled radio (`radio.py`), assembled by
`world.VirtualWorld`, with a catalogue of peripherals and user-defined ones from TOML.

Nothing is imported here, so `import blebench.sim` stays cheap.
"""
