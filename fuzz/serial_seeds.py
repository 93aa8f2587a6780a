#!/usr/bin/env python3
"""Writes the seed corpus of the serial fuzz target (corpus/serial/).

serial_fuzz.cpp reads its input through libFuzzer's FuzzedDataProvider:
numbers from the end of the input, strings from the front (a string ends at
a backslash followed by another byte; a literal backslash is doubled). This
script encodes readable cases in that layout."""
import os
import sys

PATTERNS = 5  # kPatterns in serial_fuzz.cpp; index PATTERNS = pattern from the input


def fdp_string(s: bytes) -> bytes:
    return s.replace(b"\\", b"\\\\") + b"\\\n"


def seed(nmea: bool, max_line: int, pattern, chunks):
    front, back = b"", []  # back: bytes in the order they are consumed
    back.append(1 if nmea else 0)
    v = max_line - 16
    back += [(v >> 8) & 0xFF, v & 0xFF]  # consumed high byte first
    if isinstance(pattern, int):
        back.append(pattern)
    else:
        back.append(PATTERNS)
        front += fdp_string(pattern)
    for i, chunk in enumerate(chunks):
        back.append(0 if i == 2 else 1)  # a reset before the third chunk
        front += fdp_string(chunk)
    return front + bytes(reversed(back))


def nmea(payload: bytes) -> bytes:
    x = 0
    for c in payload:
        x ^= c
    return b"$" + payload + b"*%02X" % x


CASES = {
    "nmea-smoke": seed(True, 256, 0, [nmea(b"SMK,1,35") + b"\r\n" + nmea(b"SMK,0,4")[:6],
                                      nmea(b"SMK,0,4")[6:] + b"\r\n", b"$SMK,1,2*00\r\n"]),
    "line-temp-co": seed(False, 64, 1, [b"ID=a T=-3.5  CO=12\r", b"\nT=21.5 CO=7(x)\n",
                                        b"T=1 CO=x\n\x01\xff noise\n"]),
    "line-groups": seed(False, 32, 2, [b"(42)(abc\n(7)(", b"z\n", b"A" * 40 + b"\n(1)(b\n"]),
    "line-kv": seed(False, 128, 3, [b"T=21.5,H=40\n", b"T=-1e3,H=99.5,extra\n", b"T=nan,H=1\n"]),
    "line-raw": seed(False, 4096, 4, [b"12.5\n", b"x" * 300 + b"\n", b"\t7\r\n"]),
    "own-pattern": seed(False, 80, b"L=(?<level>[0-9]+)(?:;Q=(?<q>[0-9]))?",
                        [b"L=120;Q=1\n", b"L=7\n", b"L=\n"]),
}

if __name__ == "__main__":
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "corpus", "serial")
    os.makedirs(out, exist_ok=True)
    for name, data in CASES.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print(f"{len(CASES)} seeds in {out}", file=sys.stderr)
