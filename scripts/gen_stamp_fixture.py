#!/usr/bin/env python3
"""Generates tests/fixtures/stamp_format_cases.txt and stamp_render_cases.txt.

Run with the reference interpreter (CPython 3.12):
    python3.12 scripts/gen_stamp_fixture.py crates/setup-stamp/tests/fixtures

The parse cases run the reference's ``read_stamp`` body (terok_sandbox
setup_stamp, copied below) on raw bytes. Version-sensitive: ``repr`` of
non-printable characters inside containers follows Python 3.12's Unicode
tables.

stamp_format_cases.txt, one case per line, tab-separated, all hex-encoded:
    input  ok     packages   (key:value pairs joined by ',', each hex)
    input  json   -          (UnicodeDecodeError / JSONDecodeError / ValueError
                              raised by json.loads itself)
    input  value  message    (the ValueError read_stamp raises)

stamp_render_cases.txt:
    completed_at  packages (name:version pairs joined by ',', version '-' for None)  output
"""
import json
import sys
from pathlib import Path


def read_stamp_bytes(data: bytes) -> dict:
    # Path.read_text(encoding="utf-8") then the reference's read_stamp body.
    text = data.decode("utf-8")
    text = text.replace("\r\n", "\n").replace("\r", "\n")  # universal newlines
    raw = json.loads(text)
    if not isinstance(raw, dict):
        raise ValueError(f"stamp root is not an object: {type(raw).__name__}")
    if raw.get("version") != 1:
        raise ValueError(f"unsupported stamp schema version: {raw.get('version')!r}")
    pkgs = raw.get("packages")
    if not isinstance(pkgs, dict):
        raise ValueError(f"stamp packages is not an object: {type(pkgs).__name__}")
    return {str(k): str(v) for k, v in pkgs.items()}


def h(s) -> str:
    if isinstance(s, str):
        s = s.encode("utf-8", "surrogatepass")
    return s.hex()


VERSIONS = [
    "1", "1.0", "true", "1e0", "10e-1", "0.1e1", "1.0000000000000001",
    "100000000000000000000001e-23", "1E0", "1.00", "0.99999999999999999",
    '"1"', "2", "0", "false", "null", "[1]", "{}", "NaN", "-1", "1e400",
    "1.0000000000000002", "-Infinity", "Infinity", "-0", "0.0", "-1.0", "1e-400",
    '"one"', '"it\'s"', '"\\ud800"', '"\\u00e9\\u0085\\u00a0"', "[1, \"a\", null]",
    '{"k": [true, 1.5]}', "10", "11", "100e-2",
]

PACKAGE_VALUES = [
    '"0.6.0"', "1", "-0", "123456789012345678901234567890", "true", "false",
    "null", "1.5", "100.0", "1e15", "1e16", "0.0001", "1e-05", "1e-7", "2.5e-05",
    "-0.0", "1.2345678901234567", "NaN", "Infinity", "-Infinity", "1e400",
    '[1, "a", true, null, 1.0, {"k": "v"}]', "[]", "{}", '"it\'s"', '"say \\"hi\\""',
    '["it\'s", "a\\"b", "\'\\""]', '"\\ud800"', '["\\ud800", "\\u0000\\u007f\\u0085"]',
    '"\\u00e9\\ud83d\\ude00"', '["\\u00e9\\ud83d\\ude00\\u2028"]', '" 1.0 "', '""',
    '{"a": {"b": [{}]}}', "1E+2", "0.1",
]


def parse_cases():
    docs = []
    for v in VERSIONS:
        docs.append('{"version": %s, "packages": {"terok": "0.6.0"}}' % v)
    docs.append('{"packages": {}}')
    for v in PACKAGE_VALUES:
        docs.append('{"version": 1, "packages": {"terok": %s}}' % v)
    docs += [
        "[]", '"x"', "1", "1.5", "true", "null", "{}",
        '{"version": 1}', '{"version": 1, "packages": null}',
        '{"version": 1, "packages": []}', '{"version": 1, "packages": "x"}',
        '{"version": 1, "packages": 1}', '{"version": 1, "packages": 1.0}',
        '{"version": 1, "packages": true}',
        '{"version": 2, "version": 1, "packages": {}}',
        '{"version": 1, "version": 2, "packages": {}}',
        '{"version": 1, "packages": {"a": "1", "b": "2", "a": "3"}}',
        '{"version": 1, "packages": {"terok": "0.6", "terok-sandbox": "1.0"}, '
        '"completed_at": "2026-11-25T16:47:05+00:00"}',
        '{"version": 1, "packages": {"\\ud800": "x", "\\u00e9": "y"}}',
        '{"version": 1, "packages": {}, "completed_at": 5, "extra": [1, 2]}',
        '{"packages": {"z": "1", "a": "2"}, "version": 1.0}',
        '\r\n{"version":\t1,\r"packages":{}}\n',
    ]
    out = [d.encode("utf-8") for d in docs]
    out += [
        b"", b"   ", b"\xef\xbb\xbf{}", b"\xff", b'{"version": 1, "packages": {"a": "\xc3"}}',
        b'{"version": 1, "packages": {"a": "\xed\xa0\x80"}}', b"{\x0c}", b"{\x00}",
        b'{"version": 1, "packages": {"a": "b\x01"}}', b'{"version": 1, "packages": {"a": "b\x7f"}}',
        b'{"version": 1, "packages": {"a": "\r"}}', b"nan", b"[1,]", b'{"a" 1}',
        "{\u00a0}".encode(), b"\xfe\xff\x00{", b"1" * 4301, b'{"version": ' + b"1" * 4300 + b"}",
    ]
    return out


def render_cases():
    cases = [
        ("2026-11-25T16:47:05+00:00", []),
        ("2026-11-25T16:47:05+00:00", [("terok", "0.6.0")]),
        ("2026-11-25T16:47:05+00:00", [("terok-shield", "1.0"), ("terok", None), ("terok-executor", "2.0rc1")]),
        ("x", [("b", "\u00e9\U0001f600\u007f\u2028\t\n\x01/\\\""), ("a", "")]),
        ("", [("terok", "1"), ("Terok", "2"), ("terok_sandbox", "3")]),
    ]
    return cases


def main(outdir: str) -> None:
    d = Path(outdir)
    lines = ["# generated by scripts/gen_stamp_fixture.py with Python %s" % sys.version.split()[0]]
    for data in parse_cases():
        try:
            pkgs = read_stamp_bytes(data)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            lines.append(f"{data.hex()}\tjson\t-")
            continue
        except ValueError as e:
            msg = str(e)
            if msg.startswith(("stamp root", "unsupported stamp", "stamp packages")):
                lines.append(f"{data.hex()}\tvalue\t{h(msg)}")
            else:  # int-string limit raised inside json.loads
                lines.append(f"{data.hex()}\tjson\t-")
            continue
        pairs = ",".join(f"{h(k)}:{h(v)}" for k, v in pkgs.items())
        lines.append(f"{data.hex()}\tok\t{pairs or '-'}")
    (d / "stamp_format_cases.txt").write_text("\n".join(lines) + "\n")

    lines = ["# generated by scripts/gen_stamp_fixture.py with Python %s" % sys.version.split()[0]]
    for completed_at, pkgs in render_cases():
        payload = {"version": 1, "completed_at": completed_at, "packages": dict(pkgs)}
        text = json.dumps(payload, indent=2, sort_keys=True)
        pairs = ",".join(f"{h(k)}:{'-' if v is None else h(v)}" for k, v in pkgs)
        lines.append(f"{h(completed_at)}\t{pairs or '-'}\t{h(text)}")
    (d / "stamp_render_cases.txt").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main(sys.argv[1])
