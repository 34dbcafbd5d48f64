"""Our additions to Bumble, used by the session's central and the virtual peripherals alike.

The floor between the pure pairing models (`blebench.pairing`) and the radios
(`blebench.backends`, `blebench.sim`):

- `keystore`: Bumble's `KeyStore` over blebench's `BondStore` (one private file);
- `smp_policy`: the one SMP session (`PolicySession`): our options and policies, the
  quirks of picky devices (`Quirks`, such as ignoring Secure Connections requests), a
  record of every PDU, and a fresh session for every new pairing on a link;
- `smp_bridge`: pairing an open connection (`pair_connection`, the one way into SMP for
  every face), outcomes and failures in words, a virtual peripheral's security
  (`PeripheralSecurity`);
- `lab`: two in-process Bumble devices paired with chosen options (the lab ladder).
"""
