#!/usr/bin/env python3.12
"""Generate crates/setup-stamp/tests/fixtures/pyjson_cases.txt.

Each line is one case, tab-separated, every field hex-encoded bytes:

    input    status    str    dumps_indent2_sorted    dumps_default

`status` is `ok` when Python accepts the bytes the way the setup stamp reads
them (`path.read_text(encoding="utf-8")` then `json.loads`), `err` otherwise;
then `str` holds the error, `|`-separated: `utf8|<start offset>`,
`json|<msg>|<lineno>|<colno>` or `value|<message>`, and the other fields
are `-`. `str` is `str()` of the decoded value,
`dumps_indent2_sorted` is `json.dumps(v, indent=2, sort_keys=True)`,
`dumps_default` is `json.dumps(v)`; text is encoded as UTF-8 with lone
surrogates kept (`surrogatepass`, i.e. WTF-8).

Run with the reference interpreter (CPython 3.12):

    python3.12 scripts/gen_pyjson_fixture.py
"""

import json
import math
import pathlib
import random
import struct
import sys

OUT = pathlib.Path(__file__).resolve().parent.parent / "crates/setup-stamp/tests/fixtures/pyjson_cases.txt"

rng = random.Random(20261125)


def read_text(data: bytes) -> str:
    """What Path.read_text(encoding="utf-8") returns for these bytes."""
    text = data.decode("utf-8")  # strict
    return text.replace("\r\n", "\n").replace("\r", "\n")  # universal newlines


def enc(s: str) -> str:
    return s.encode("utf-8", "surrogatepass").hex()


def case(data: bytes) -> str:
    try:
        value = json.loads(read_text(data))
    except UnicodeDecodeError as e:
        return f"{data.hex()}\terr\t{enc(f'utf8|{e.start}')}\t-\t-"
    except json.JSONDecodeError as e:
        return f"{data.hex()}\terr\t{enc(f'json|{e.msg}|{e.lineno}|{e.colno}')}\t-\t-"
    except ValueError as e:  # the integer digit limit
        return f"{data.hex()}\terr\t{enc(f'value|{e}')}\t-\t-"
    return "\t".join(
        [
            data.hex(),
            "ok",
            enc(str(value)),
            enc(json.dumps(value, indent=2, sort_keys=True)),
            enc(json.dumps(value)),
        ]
    )


def traps() -> list[bytes]:
    t = [
        b"", b" ", b"\t\n\r ", b"\x0c1", b"1\x0c", b"\xc2\xa01", b"\x001", b"1\x00",
        b"\xef\xbb\xbf{}", b"\xef\xbb\xbf", b" \xef\xbb\xbf1", b'"\xef\xbb\xbf"',
        b"\xff\xfe{\x00}\x00", b"\xfe\xff\x00{\x00}", b"{\x00}\x00",
        b'"\xed\xa0\x80"', b'"\xc0\xaf"', b'"\xe0\x80\xaf"', b'"\xf4\x90\x80\x80"', b'"\x80"', b'"\xc3"',
        b"null", b"true", b"false", b"NaN", b"Infinity", b"-Infinity", b"nan", b"inf", b"-inf",
        b"+Infinity", b"-NaN", b"Null", b"True", b"nul", b"nulll", b"[NaN, Infinity, -Infinity]",
        b"0", b"-0", b"-0.0", b"0.0", b"-", b"+1", b"01", b"-01", b"00", b"1.", b".1", b"1.e1",
        b"1e", b"1e+", b"1E-2", b"1e400", b"-1e400", b"1e-400", b"2.5e-324", b"2.4703282292062328e-324",
        b"1.0000000000000001", b"1.0000000000000002", b"100000000000000000000001e-23",
        b"10e-1", b"0.1e1", b"1e0", b"1E0", b"0e0", b"-0e0", b"0.000001", b"1e16", b"1e15",
        b"12345678901234567890123456789", b"-12345678901234567890",
        b"1" * 4300, b"1" * 4301, b"-" + b"1" * 4300, b"-" + b"1" * 4301, b"0." + b"1" * 5000,
        b"1" * 5000 + b".0", b"1" * 5000 + b"e-4990",
        b"9007199254740993", b"9007199254740993.0", b"4.9406564584124654e-324",
        b"1.7976931348623157e308", b"1.7976931348623158e308", b"1.7976931348623159e308",
        b"2.2250738585072011e-308", b"2.2250738585072012e-308",
        b'"\x7f"', b'"\x1f"', b'"\t"', b'"\n"', b'"\\/"', b'"\\b\\f\\n\\r\\t\\"\\\\"',
        b'"\\x41"', b'"\\a"', b'"\\u"', b'"\\u12"', b'"\\u12g4"', b'"\\U0041"', b'"\\u0041"',
        b'"\\uD83D\\uDE00"', b'"\\ud83d\\ude00"', b'"\\ud800"', b'"\\udfff"', b'"\\ud800\\u0041"',
        b'"\\ud800\\ud800\\udc00"', b'"\\udc00\\ud800"', b'"\\ud800\\uzzzz"', b'"\\ud800\\n"',
        b'"\\ud800\\"', b'"\\ud800\\udc00', b'"\\ud800\\udc0"', b'"\\ud800x\\udc00"',
        b'"\\u0000"', b'"\\u001f\\u007f\\u0080\\u00a0\\u00ad"', b'"\\u2028\\u2029\\u200b\\ufeff"',
        b'"\\ue000\\uffff\\ufffe"', b'"\\udbff\\udfff"', b'"unterminated', b'"', b'"\\',
        b'"it\'s"', b'"say \\"hi\\""', b'"both \' and \\""', b"'single'",
        b"[]", b"{}", b"[ ]", b"{ }", b"[1,]", b"[,1]", b"[1 2]", b"[1,,2]", b"[", b"]", b"{",
        b'{"a"}', b'{"a":}', b'{"a":1,}', b'{,"a":1}', b'{"a" 1}', b"{1:2}", b"{'a':1}", b'{"a":1 "b":2}',
        b'{"a":1,"b":2,"a":3}', b'{"a":1,"a":{"b":2},"a":[3]}', b'{"b":1,"a":2}', b'{"":0}',
        b'{"version": 1, "packages": {"terok": "0.6.0"}}',
        b'{"packages":{"a":1.5,"b":100.0,"c":1e15,"d":1e16,"e":0.0001,"f":1e-05,"g":1e-7,"h":2.5e-5,"i":-0.0,"j":1.2345678901234567,"k":NaN,"l":Infinity,"m":-Infinity}}',
        b'{"packages":{"x":[1,"a",true,null,1.0,{"k":"v"}],"y":true,"z":null,"w":false}}',
        b'[1] [2]', b"1 2", b"[] x", b"{}{}", b"1 ", b" 1", b"\n[\n1\n,\r\n2\t]\r", b"[1]\x00",
        b'["\xc3\xa9", "\xf0\x9f\x98\x80", "\xe2\x80\xa8"]', b'{"\xc3\xa9": 1, "e": 2, "\xf0\x9f\x98\x80": 3, "\xef\xbf\xbf": 4}',
        b'{"\\ud800": 1, "\\ud7ff": 2, "\\ue000": 3, "\\ud83d\\ude00": 4}',
        b'[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]', b'[' * 40 + b']' * 40, b'{"a":' * 30 + b"1" + b"}" * 30,
        b'[' * 40 + b']' * 39, b"[1, [2, [3, {\"a\": [4, {}]}]], []]",
        b"1\r", b"\r\n1\r\n", b'"a\rb"', b'"a\r\nb"',
        b"[1,\r\rx]", b"[1,\r\n\r\n x]", b"\r\n\r\n  x", b"\n\r\n\rx", b'[\r\n"\xc3\xa9\xc3\xa9\t"]',
        b'"\\u0041', b'"\\u004', b'"\\u0041"', b'"\\ud800\\udc00', b'"\\ud800\\udc00"',
        b'"\\ud800\\u0041', b'"\\n', b'"\\ud800\\ud', b'["\\u12"]',
    ]
    return t


ALPHABET = [
    b"{", b"}", b"[", b"]", b",", b":", b'"', b'"', b'"', b"\\", b"0", b"1", b"9", b"-", b"+", b".", b"e", b"E",
    b"null", b"true", b"false", b"NaN", b"Infinity", b"-Infinity", b"nul", b"a", b"u", b"\\u", b"d800",
    b"dc00", b"00e9", b" ", b"\t", b"\n", b"\r", b"\x0c", b"\x00", b"\x1f", b"\x7f", b"\xc3\xa9",
    b"\xf0\x9f\x98\x80", b"\xed\xa0\x80", b"\xff", b"\xef\xbb\xbf", b"'", b"/", b"n", b"t", b"12345",
]


def random_jsonish() -> bytes:
    return b"".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 12)))


def random_value(depth: int = 0):
    kind = rng.randint(0, 9 if depth < 4 else 6)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.randint(-(10**30), 10**30) if rng.random() < 0.3 else rng.randint(-1000, 1000)
    if kind == 3:
        return random_float()
    if kind in (4, 5, 6):
        return random_text(rng.randint(0, 8))
    if kind in (7, 8):
        return [random_value(depth + 1) for _ in range(rng.randint(0, 4))]
    return {random_text(rng.randint(0, 4)): random_value(depth + 1) for _ in range(rng.randint(0, 4))}


def random_float() -> float:
    r = rng.random()
    if r < 0.3:
        return struct.unpack("<d", struct.pack("<Q", rng.getrandbits(64)))[0]
    if r < 0.4:
        return struct.unpack("<d", struct.pack("<Q", rng.getrandbits(52)))[0]  # subnormal
    if r < 0.5:
        return rng.choice([0.0, -0.0, math.inf, -math.inf, math.nan, 5e-324, 2.2250738585072014e-308,
                           2.225073858507201e-308, 1.7976931348623157e308, 1e16, 1e15, 9999999999999998.0,
                           1e-4, 1e-5, 0.1, 0.2, 0.3, 1 / 3])
    if r < 0.75:
        return rng.uniform(-1, 1) * 10 ** rng.randint(-30, 30)
    return float(rng.randint(-(10**20), 10**20)) / 10 ** rng.randint(0, 25)


CHAR_POOLS = [
    (0x20, 0x7E), (0x00, 0x1F), (0x7F, 0xFF), (0x100, 0x2FFF), (0x2000, 0x206F), (0xD800, 0xDFFF),
    (0xE000, 0xFFFF), (0x10000, 0x10FFFF), (0x1F300, 0x1FAFF), (0xE0000, 0xE01FF),
]


def random_char() -> str:
    lo, hi = rng.choice(CHAR_POOLS)
    return chr(rng.randint(lo, hi))


def random_text(n: int) -> str:
    return "".join(random_char() for _ in range(n)) if rng.random() < 0.7 else "".join(
        rng.choice("ab'\"\\ \t\n") for _ in range(n)
    )


def random_string_literal() -> bytes:
    """A JSON string literal mixing raw characters and escapes (maybe invalid)."""
    parts = []
    for _ in range(rng.randint(0, 10)):
        r = rng.random()
        if r < 0.4:
            c = random_char()
            if 0xD800 <= ord(c) <= 0xDFFF:
                c = "\\u%04x" % ord(c)
            parts.append(c)
        elif r < 0.7:
            parts.append(("\\u%04x" if rng.random() < 0.5 else "\\u%04X") % rng.choice(
                [rng.randint(0, 0xFFFF), rng.randint(0xD800, 0xDFFF), rng.randint(0, 0x7F)]))
        elif r < 0.9:
            parts.append("\\" + rng.choice('"\\/bfnrtu0xa\''))
        else:
            parts.append(rng.choice(["'", '"', "\x7f", "\x1f", " ", "\\"]))
    return ('"' + "".join(parts) + '"').encode("utf-8")


def random_float_text() -> bytes:
    r = rng.random()
    if r < 0.4:
        x = random_float()
        return json.dumps(x).encode()
    if r < 0.7:
        # Random decimal digits, possibly many, with an exponent: tests rounding.
        digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 40)))
        digits = digits.lstrip("0") or "0"
        frac = "".join(rng.choice("0123456789") for _ in range(rng.randint(1, 30)))
        exp = rng.randint(-340, 320)
        sign = rng.choice(["", "-"])
        return f"{sign}{digits}.{frac}e{exp}".encode()
    if r < 0.85:
        # Near halfway points between doubles.
        x = struct.unpack("<d", struct.pack("<Q", rng.getrandbits(63)))[0]
        if not math.isfinite(x) or x == 0:
            return b"0.5"
        return ("%.25e" % x).encode()
    x = random_float()
    return json.dumps([x, {"k": x}]).encode()


def random_tie_float_text() -> bytes:
    """Doubles with a short exact decimal expansion, where two shortest
    candidates can be equally close (Python rounds such ties to even)."""
    x = rng.randint(2**52, 2**53) * 2.0 ** rng.randint(-12, 6) * rng.choice([1, -1])
    return repr(x).encode() if rng.random() < 0.5 else ("%.30f" % x).rstrip("0").encode()


def random_midpoint_text() -> bytes:
    """The exact decimal midpoint between two adjacent doubles (up to ~770
    digits), or a hair either side of it: the hardest inputs for correctly
    rounded parsing (an exact midpoint rounds to the even neighbour)."""
    from decimal import Decimal, getcontext

    getcontext().prec = 1200
    bits = rng.getrandbits(63)
    if rng.random() < 0.3:
        bits = rng.getrandbits(52)  # subnormal
    x = struct.unpack("<d", struct.pack("<Q", bits))[0]
    if not math.isfinite(x):
        x = 1.0
    y = math.nextafter(x, math.inf)
    if not math.isfinite(y):
        return b"1.7976931348623158e308"
    mid = (Decimal(x) + Decimal(y)) / 2
    nudge = rng.choice([0, 0, 1, -1])
    if nudge:
        mid += Decimal(nudge) * Decimal(10) ** (mid.adjusted() - 780)
    text = format(mid, "e")
    return text.encode()


def random_document() -> bytes:
    v = random_value()
    text = json.dumps(v, ensure_ascii=rng.random() < 0.5, indent=rng.choice([None, 0, 1, 2]))
    return text.encode("utf-8", "surrogatepass")


def mutated_document() -> bytes:
    """A valid document with one byte inserted, deleted or replaced."""
    data = bytearray(random_document())
    at = rng.randint(0, len(data))
    op = rng.randint(0, 2)
    byte = rng.choice(b'{}[],:"\\ \t\n\r0-.eEnutfalsNIy\x00\x7f\xc3\xff')
    if op == 0:
        data.insert(at, byte)
    elif data and at < len(data):
        if op == 1:
            del data[at]
        else:
            data[at] = byte
    return bytes(data)


def main() -> None:
    cases = traps()
    cases += [random_jsonish() for _ in range(1500)]
    cases += [random_float_text() for _ in range(1500)]
    cases += [random_tie_float_text() for _ in range(600)]
    cases += [random_midpoint_text() for _ in range(250)]
    cases += [random_string_literal() for _ in range(1000)]
    cases += [random_document() for _ in range(1000)]
    cases += [mutated_document() for _ in range(800)]
    cases += [bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 6))) for _ in range(200)]
    seen = set()
    lines = []
    for data in cases:
        if data in seen:
            continue
        seen.add(data)
        lines.append(case(data))
    OUT.write_text(
        f"# generated by scripts/gen_pyjson_fixture.py with Python {sys.version.split()[0]}\n"
        + "\n".join(lines) + "\n",
        encoding="ascii",
    )
    ok = sum(1 for l in lines if "\tok\t" in l)
    print(f"wrote {len(lines)} cases ({ok} accepted) to {OUT}")


if __name__ == "__main__":
    main()
