"""blebench's Bumble backend as bleak's default backend, in this process.

`install(spec, bonds=...)` makes `BleakScanner(...)` and `BleakClient(...)` without
`backend=` use BumbleScanner / BumbleClient on a radio opened like
`blebench.bleak_backend.open_radio(spec)`: bleak's own tests (blebench_bleak_plugin) and
bleak's examples (run_bleak_example) run that way, unchanged. A radio lives on one event
loop, so each loop gets its own, opened on first use and closed when the loop shuts down
(an async generator the loop finalises).
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import AsyncIterator, Callable
from typing import Any

import bleak

from blebench.bleak_backend import BumbleClient, BumbleRadio, BumbleScanner, radio_spec
from blebench.session.radios import open_request

_SPEC: dict[str, str] = {}
_RADIOS: weakref.WeakKeyDictionary[
    asyncio.AbstractEventLoop, tuple[BumbleRadio, AsyncIterator[BumbleRadio]]
] = weakref.WeakKeyDictionary()
_OPENING: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
    weakref.WeakKeyDictionary()
)
# Told when a connection attempt timed out (the stock controller is then stuck).
ON_CONNECT_TIMEOUT: list[Callable[[], None]] = []


def install(spec: str, *, bonds: str = "") -> None:
    _SPEC["spec"] = spec
    _SPEC["bonds"] = bonds
    # BleakScanner() and BleakClient() without backend= ask these (bleak/__init__.py).
    setattr(bleak, "get_platform_scanner_backend_type", lambda: (DefaultScanner, "BumbleScanner"))  # noqa: B010
    setattr(bleak, "get_platform_client_backend_type", lambda: (DefaultClient, "BumbleClient"))  # noqa: B010


async def _held(spec: str, bonds: str) -> AsyncIterator[BumbleRadio]:
    # What bleak_backend.open_radio does, without its own async generator: the loop
    # finalises every generator at once, and an inner one would be closed under us.
    opened = await open_request(radio_spec(spec, bonds=bonds or None))
    assert isinstance(opened.radio, BumbleRadio)
    try:
        yield opened.radio
    finally:
        await opened.close()


async def radio_of_this_loop() -> BumbleRadio:
    loop = asyncio.get_running_loop()
    lock = _OPENING.setdefault(loop, asyncio.Lock())
    async with lock:
        held = _RADIOS.get(loop)
        if held is None:
            generator = _held(_SPEC["spec"], _SPEC["bonds"])
            radio = await generator.__anext__()
            held = _RADIOS[loop] = (radio, generator)  # the generator must stay referenced
        return held[0]


class _NotYet:
    """The radio before the first `start()` / `connect()` opened it on its loop."""

    @property
    def device(self) -> Any:
        raise RuntimeError("the radio opens on the first start() or connect()")


class DefaultScanner(BumbleScanner):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, radio=_NotYet(), **kwargs)

    async def start(self) -> None:
        self.radio = await radio_of_this_loop()
        await super().start()


class DefaultClient(BumbleClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, device=_NotYet(), **kwargs)

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        radio = await radio_of_this_loop()
        self._radio = radio
        self._device = radio.device
        try:
            await super().connect(pair, **kwargs)
        except TimeoutError:
            for hook in ON_CONNECT_TIMEOUT:
                hook()
            raise
