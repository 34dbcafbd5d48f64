"""The radios blebench runs on, behind one seam (`base.py`: `Radio`, `Capabilities`,
`ClientExtras`): the OS stack through bleak (`os_stack.py`) and Bumble over any HCI
transport (`bumble/`: the radio, bleak's scanner and client backends, capture).

Which kinds exist and which one the options pick is the session's registry
(`blebench.session.radios`). Nothing is imported here: `blebench --help` stays fast.
"""
