"""`blebench explain [DOMAIN] CODE ...`: error numbers in words, with what to try next."""

from __future__ import annotations

import argparse
import json
import sys
import textwrap

from blebench.decode.codes import DOMAINS, Explanation, code_hex, explain_all, explain_guess

_EPILOG = """\
domains:
  hci     HCI status and disconnect reasons (Core Vol 1 Part F)
  att     ATT / GATT error responses
  smp     SMP Pairing Failed reasons
  nimble  NimBLE host rc/status/reason values (0x100 + ATT, 0x200 + HCI, 0x400/0x500 + SMP, ...)
  esp     ESP-IDF Bluedroid: esp_gatt_status_t, esp_ble_auth_fail_rsn_t, esp_gatt_conn_reason_t

examples:
  blebench explain nimble 531     # 0x213 = HCI 0x13 Remote User Terminated Connection
  blebench explain smp 0x03
  blebench explain 0x3e           # every domain that defines it
"""


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    radio_parent: argparse.ArgumentParser,
) -> None:
    # No radio needed: radio_parent is deliberately not used.
    parser = subparsers.add_parser(
        "explain",
        help="error codes in words (HCI, ATT, SMP, NimBLE, ESP-IDF) and what to try",
        description="Explain Bluetooth error numbers: what happened and what to try. "
        "Without a domain, every domain that defines the number is listed.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "words",
        nargs="+",
        metavar="[DOMAIN] CODE",
        help=f"optional domain ({'|'.join(DOMAINS)}) then one or more codes, decimal or 0x hex "
        "(exit 1 when a code is unknown, 2 when a word is not a code)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per code")
    parser.set_defaults(func=run)


def parse_code(text: str) -> int:
    """Decimal (531, -5), or hex with its 0x prefix (0x213), as the README says; anything
    else (`1a`, `13h`, `1e3`) is refused with a ValueError in words rather than guessed."""
    t = text.strip().lower().replace("_", "")
    digits = t[1:] if t.startswith("-") else t
    try:
        if digits.startswith("0x") and len(digits) > 2:
            return int(t, 16)
        if digits.isdigit() and digits.isascii():
            return int(t, 10)
    except ValueError:
        pass
    hint = ""
    if digits and all(c in "0123456789abcdefh" for c in digits):
        bare = digits.removesuffix("h")
        hint = f"; for hex write 0x{bare}" if bare else ""
    raise ValueError(
        f"not a code: {text!r}: write it in decimal (531) or in hex with 0x (0x213){hint}"
    )


def _is_code(text: str) -> bool:
    try:
        parse_code(text)
    except ValueError:
        return False
    return True


def run(args: argparse.Namespace) -> int:
    words: list[str] = list(args.words)
    domain: str | None = None
    if words and words[0].lower() in DOMAINS:
        domain = words.pop(0).lower()
    if not words:
        print("blebench explain: give a CODE after the domain", file=sys.stderr)
        return 2
    if domain is None and len(words) > 1 and not _is_code(words[0]):
        # `explain gap 3`: a typo in the domain, not a code to explain.
        print(
            f"blebench explain: unknown domain {words[0]!r}: use one of {', '.join(DOMAINS)}, "
            "or give codes only",
            file=sys.stderr,
        )
        return 2
    status = 0
    for word in words:
        try:
            code = parse_code(word)
        except ValueError as exc:
            print(f"blebench explain: {exc}", file=sys.stderr)
            status = 2
            continue
        found = explain_all(domain, code) if domain else explain_guess(code)
        if args.json:
            print(
                json.dumps(
                    {"code": code, "domain": domain, "explanations": [e.to_json() for e in found]}
                ),
                flush=True,
            )
        else:
            print(_text(code, domain, found), flush=True)
        if not any(e.known for e in found):
            status = max(status, 1)
    return status


def _text(code: int, domain: str | None, found: list[Explanation]) -> str:
    if not found:
        return f"{code} ({code_hex(code)}): no domain defines this number (tried {', '.join(DOMAINS)})."
    blocks = []
    for e in found:
        head = f"{e.domain} {e.code} ({code_hex(e.code)}): {e.name}"
        if e.symbol and e.symbol != e.name:
            head += f"  [{e.symbol}]"
        blocks.append(
            "\n".join(
                [
                    head,
                    _wrap("what happened: ", e.meaning),
                    _wrap("what to try:   ", e.next_step),
                ]
            )
        )
    return "\n\n".join(blocks)


def _wrap(label: str, text: str) -> str:
    return textwrap.fill(
        text, width=96, initial_indent="  " + label, subsequent_indent=" " * (2 + len(label))
    )
