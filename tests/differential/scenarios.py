"""Seeded, deterministic scenario generator for the differential tests.

A scenario is a plain dict describing one directory tree plus how to run both
implementations on it:

``id``
    Unique test id.
``kind``
    Category; ``EXPECTED_DIFFERENCES`` in ``test_differential.py`` is keyed by
    it.
``files``
    Entries built under the scenario root, in order: ``{"type": "file" | "dir"
    | "symlink" | "fifo" | "socket" | "zip", "path": rel, ...}`` with ``data``
    (bytes), ``target`` (symlinks; may contain ``{root}``), ``members``
    (zip: list of ``(name, bytes)``) and ``mode``.
``env``
    Overrides of the controlled base environment (``{root}`` is replaced by
    the scenario root; ``None`` unsets a variable).
``search_path``
    The ``--sys-path`` list (``{root}`` replaced; ``""`` is the current
    directory; relative entries are relative to ``cwd``).
``cwd``
    Working directory, relative to the root.
``user``
    ``None`` (real root), ``"userns"`` (uid 0 in a new user namespace: not
    real root) or ``(uid, gid)`` for an unprivileged run.
``ops``
    Subset of ``path``, ``check``, ``versions``, ``write``, ``clear``.

Run ``python scenarios.py`` for a summary by kind.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter

SEED = 20261125

#: Unprivileged users: one with a passwd entry, one without.
USER_WITH_PASSWD = (1000, 1000)
USER_WITHOUT_PASSWD = (4242, 4242)

TRACKED = ("terok", "terok-executor", "terok-sandbox", "terok-shield", "terok-clearance")

STD_INSTALLED = {
    "terok": "0.6.0",
    "terok-executor": "1.2.3",
    "terok-sandbox": "0.6.0",
    "terok-shield": "2.0.0a1",
}

DEFAULT_OPS = ("path", "check", "versions")
WRITE_OPS = ("path", "check", "versions", "write")

# ── building blocks ──────────────────────────────────────────────────


def file(path: str, data: bytes | str, mode: int | None = None) -> dict:
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogatepass")
    return {"type": "file", "path": path, "data": data, "mode": mode}


def directory(path: str, mode: int | None = None) -> dict:
    return {"type": "dir", "path": path, "mode": mode}


def symlink(path: str, target: str) -> dict:
    return {"type": "symlink", "path": path, "target": target}


def fifo(path: str) -> dict:
    return {"type": "fifo", "path": path}


def socket_file(path: str) -> dict:
    return {"type": "socket", "path": path}


def zip_file(path: str, members: list[tuple[str, bytes | str]]) -> dict:
    return {
        "type": "zip",
        "path": path,
        "members": [(n, d.encode() if isinstance(d, str) else d) for n, d in members],
    }


def metadata(version: str | None, name: str = "x") -> str:
    text = f"Metadata-Version: 2.1\nName: {name}\n"
    if version is not None:
        text += f"Version: {version}\n"
    return text + "Summary: test distribution\n\nLong description.\n"


def dist_info(site: str, name: str, version: str | None, dirname: str | None = None) -> list[dict]:
    """A ``<name>-<version>.dist-info`` directory with METADATA."""
    safe = re.sub(r"[^A-Za-z0-9.+!]", "_", version or "")[:40] or "0"
    dirname = dirname or f"{name.replace('-', '_')}-{safe}.dist-info"
    return [file(f"{site}/{dirname}/METADATA", metadata(version, name))]


def installed_layout(versions: dict[str, str | None], site: str = "site") -> list[dict]:
    files: list[dict] = [directory(site)]
    for name, ver in versions.items():
        files += dist_info(site, name, ver)
    return files


def stamp_bytes(packages: object, version: object = 1, **extra: object) -> bytes:
    payload = {"completed_at": "2026-01-01T00:00:00+00:00", "packages": packages, "version": version}
    payload.update(extra)
    return json.dumps(payload, indent=2, sort_keys=True).encode()


def raw_stamp(packages_json: str, version_json: str = "1") -> bytes:
    text = '{"completed_at": "2026-01-01T00:00:00+00:00", "packages": %s, "version": %s}'
    return (text % (packages_json, version_json)).encode("utf-8", "surrogatepass")


def stamp_file(data: bytes, path: str = "state/setup.stamp") -> dict:
    return file(path, data)


def scenario(sid: str, kind: str, files: list[dict], **kw: object) -> dict:
    return {
        "id": sid,
        "kind": kind,
        "files": files,
        "env": kw.get("env", {}),
        "search_path": kw.get("search_path", ["{root}/site"]),
        "cwd": kw.get("cwd", "cwd"),
        "user": kw.get("user"),
        "ops": tuple(kw.get("ops", DEFAULT_OPS)),
        "note": kw.get("note", ""),
        "expect_rust": kw.get("expect_rust"),
        # The reference's verdict where a listed difference says it gives one.
        "expect_python": kw.get("expect_python"),
        "python": kw.get("python"),
        "umask": kw.get("umask"),
    }


# ── stamps: hand-picked traps (SPEC.md sections 2–3) ─────────────────

VALID = raw_stamp('{"terok": "0.6.0", "terok-sandbox": "0.6.0"}')

GRAMMAR_TRAPS: list[tuple[str, bytes]] = [
    ("empty", b""),
    ("whitespace-only", b" \t\r\n "),
    ("surrounding-json-whitespace", b" \t\r\n" + VALID + b"\n\r\t "),
    ("form-feed", b"\x0c" + VALID),
    ("nbsp", b"\xc2\xa0" + VALID),
    ("nul-after", VALID + b"\x00"),
    ("vertical-tab", VALID + b"\x0b"),
    ("bom", b"\xef\xbb\xbf" + VALID),
    ("trailing-garbage", VALID + b" x"),
    ("two-objects", VALID + VALID),
    ("trailing-comma-packages", raw_stamp('{"terok": "0.6.0",}')),
    ("trailing-comma-root", VALID[:-1] + b",}"),
    ("single-quotes", raw_stamp("{'terok': '0.6.0'}")),
    ("line-comment", b"// c\n" + VALID),
    ("block-comment", raw_stamp('{/* c */ "terok": "0.6.0"}')),
    ("leading-zero", raw_stamp('{"terok": 01}')),
    ("bare-fraction", raw_stamp('{"terok": .5}')),
    ("dot-no-digits", raw_stamp('{"terok": 1.}')),
    ("plus-sign", raw_stamp('{"terok": +1}')),
    ("hex", raw_stamp('{"terok": 0x10}')),
    ("exp-no-digits", raw_stamp('{"terok": 1e}')),
    ("nan-value", raw_stamp('{"terok": NaN}')),
    ("infinity-value", raw_stamp('{"terok": Infinity}')),
    ("neg-infinity-value", raw_stamp('{"terok": -Infinity}')),
    ("lowercase-nan", raw_stamp('{"terok": nan}')),
    ("lowercase-true", raw_stamp('{"terok": True}')),
    ("nan-version", raw_stamp('{"terok": "0.6.0"}', "NaN")),
    ("infinity-version", raw_stamp('{"terok": "0.6.0"}', "Infinity")),
    ("1e400-value", raw_stamp('{"terok": 1e400}')),
    ("minus-1e400-value", raw_stamp('{"terok": -1e400}')),
    ("minus-zero-int", raw_stamp('{"terok": -0}')),
    ("big-int", raw_stamp('{"terok": 123456789012345678901234567890}')),
    ("int-4300-digits", raw_stamp('{"terok": %s}' % ("9" * 4300))),
    ("int-4301-digits", raw_stamp('{"terok": %s}' % ("9" * 4301))),
    ("int-4301-digits-ignored-key", raw_stamp('{"terok": "0.6.0"}')[:-1] + b', "x": ' + b"1" * 4301 + b"}"),
    ("float-many-digits", raw_stamp('{"terok": %s}' % ("1" * 400 + ".5"))),
    ("raw-tab-in-string", raw_stamp('{"terok": "0.6\t.0"}')),
    ("raw-newline-in-string", raw_stamp('{"terok": "0.6\n.0"}')),
    ("raw-ctrl-01-in-string", raw_stamp('{"terok": "0.6\x01.0"}')),
    ("raw-ctrl-1f-in-key", raw_stamp('{"ter\x1fok": "0.6.0"}')),
    ("raw-del-in-string", raw_stamp('{"terok": "0.6.0\x7f"}')),
    ("raw-c1-in-string", raw_stamp('{"terok": "0.6.0\x85"}')),
    ("lone-surrogate-escape-value", raw_stamp('{"terok": "\\ud800"}')),
    ("lone-low-surrogate-escape-value", raw_stamp('{"terok": "0.6.0\\udc00"}')),
    ("lone-surrogate-escape-key", raw_stamp('{"\\ud800": "0.6.0"}')),
    ("surrogate-pair-escape", raw_stamp('{"terok": "\\ud83d\\ude00"}')),
    ("reversed-surrogate-pair", raw_stamp('{"terok": "\\ude00\\ud83d"}')),
    ("escaped-slash", raw_stamp('{"terok": "0.6.0\\/x"}')),
    ("escaped-unicode-key", raw_stamp('{"\\u0074erok": "0.6.0"}')),
    ("escaped-uppercase-hex", raw_stamp('{"terok": "\\u00C9"}')),
    ("invalid-escape-x", raw_stamp('{"terok": "\\x41"}')),
    ("invalid-escape-U", raw_stamp('{"terok": "\\U00e9"}')),
    ("short-unicode-escape", raw_stamp('{"terok": "\\u00e"}')),
    ("escape-all-simple", raw_stamp('{"terok": "\\"\\\\\\b\\f\\n\\r\\t"}')),
    ("unterminated-string", b'{"version": 1, "packages": {"terok": "0.6.0}}'),
    ("unterminated-object", b'{"version": 1, "packages": {"terok": "0.6.0"}'),
    ("key-not-string", b'{"version": 1, "packages": {terok: "0.6.0"}}'),
    ("missing-colon", b'{"version" 1, "packages": {}}'),
    ("empty-key", raw_stamp('{"": "0.6.0"}')),
    ("crlf-everywhere", VALID.replace(b" ", b"\r\n")),
    ("cr-only-newlines", b"{\r\"version\": 1,\r\"packages\": {\"terok\": \"0.6.0\"}\r}"),
    ("dup-package-last-wins", raw_stamp('{"terok": "9.9", "terok-sandbox": "0.6.0", "terok": "0.6.0"}')),
    ("dup-package-downgrade-last", raw_stamp('{"terok": "0.6.0", "terok": "9.9"}')),
    ("dup-version-1-then-2", b'{"version": 1, "packages": {}, "version": 2}'),
    ("dup-version-2-then-1", b'{"version": 2, "packages": {"terok": "0.6.0"}, "version": 1}'),
    ("dup-packages-last-wins", b'{"version": 1, "packages": {"terok": "9"}, "packages": {"terok": "0.6.0"}}'),
    ("dup-packages-last-not-object", b'{"version": 1, "packages": {}, "packages": []}'),
    ("non-ascii-raw-key", raw_stamp('{"terök": "0.6.0"}')),
    ("non-ascii-raw-value", raw_stamp('{"terok": "0.6.0é"}')),
    ("astral-raw-value", raw_stamp('{"terok": "😀"}')),
    ("u2028-raw-value", raw_stamp('{"terok": "0.6.0\u2028"}')),
    ("completed-at-any-type", b'{"version": 1, "packages": {"terok": "0.6.0"}, "completed_at": [1, {"x": null}]}'),
    ("no-completed-at", b'{"version": 1, "packages": {"terok": "0.6.0"}}'),
    ("deep-ignored-key-100", b'{"version": 1, "packages": {"terok": "0.6.0"}, "x": ' + b"[" * 100 + b"]" * 100 + b"}"),
    ("long-string-value", raw_stamp('{"terok": "%s"}' % ("0.6." + "0" * 100000))),
]

INVALID_UTF8: list[tuple[str, bytes]] = [
    ("latin1-byte", raw_stamp('{"terok": "0.6.0X"}').replace(b"X", b"\xe9")),
    ("overlong-slash", raw_stamp('{"terok": "0.6.0X"}').replace(b"X", b"\xc0\xaf")),
    ("overlong-nul", raw_stamp('{"terok": "0.6.0X"}').replace(b"X", b"\xc0\x80")),
    ("encoded-surrogate", raw_stamp('{"terok": "0.6.0X"}').replace(b"X", b"\xed\xa0\x80")),
    ("encoded-surrogate-pair", raw_stamp('{"terok": "0.6.0X"}').replace(b"X", b"\xed\xa0\xbd\xed\xb8\x80")),
    ("above-10ffff", raw_stamp('{"terok": "0.6.0X"}').replace(b"X", b"\xf4\x90\x80\x80")),
    ("truncated-sequence", raw_stamp('{"terok": "0.6.0X"}').replace(b"X", b"\xe2\x82")),
    ("truncated-at-eof", VALID + b"\xe2\x82"),
    ("lone-continuation", raw_stamp('{"terok": "0.6.0X"}').replace(b"X", b"\x80")),
    ("ff-byte", raw_stamp('{"terok": "0.6.0X"}').replace(b"X", b"\xff")),
    ("utf16-le-bom", b"\xff\xfe" + VALID.decode().encode("utf-16-le")),
    ("utf16-be-bom", b"\xfe\xff" + VALID.decode().encode("utf-16-be")),
    ("utf16-le-no-bom", VALID.decode().encode("utf-16-le")),
    ("utf32-le", VALID.decode().encode("utf-32")),
    ("invalid-in-ignored-key", VALID[:-1] + b', "x": "\xff"}'),
]

VERSION_FIELD: list[tuple[str, str]] = [
    ("int-1", "1"), ("float-1.0", "1.0"), ("true", "true"), ("1e0", "1e0"), ("10e-1", "10e-1"),
    ("0.1e1", "0.1e1"), ("1.0000000000000001", "1.0000000000000001"),
    ("tiny-exp", "100000000000000000000001e-23"), ("string-1", '"1"'), ("int-2", "2"), ("int-0", "0"),
    ("false", "false"), ("null", "null"), ("list-1", "[1]"), ("object", "{}"), ("nan", "NaN"),
    ("minus-1", "-1"), ("1e400", "1e400"), ("1.0000000000000002", "1.0000000000000002"),
    ("minus-zero", "-0"), ("minus-zero-float", "-0.0"), ("1E0-upper", "1E0"), ("1e+0", "1e+0"),
    ("0.99999999999999999", "0.99999999999999999"), ("big-1", "1" + "0" * 30 + "e-30"),
]

PACKAGES_FIELD: list[tuple[str, str]] = [
    ("null", "null"), ("list", '["terok"]'), ("string", '"terok"'), ("int", "1"), ("true", "true"),
    ("empty-object", "{}"), ("list-of-pairs", '[["terok", "0.6.0"]]'),
]

ROOT_SHAPES: list[tuple[str, bytes]] = [
    ("array", b"[]"), ("string", b'"x"'), ("int", b"1"), ("null", b"null"), ("true", b"true"),
    ("array-of-stamp", b"[" + VALID + b"]"), ("missing-version", b'{"packages": {"terok": "0.6.0"}}'),
    ("missing-packages", b'{"version": 1}'), ("empty-object", b"{}"),
]

#: Values for ``"terok": <value>`` exercising Python ``str()`` coercion.
VALUE_COERCIONS: list[tuple[str, str]] = [
    ("int", "0"), ("int-6", "6"), ("float-1.5", "1.5"), ("float-100.0", "100.0"), ("1e15", "1e15"),
    ("1e16", "1e16"), ("0.0001", "0.0001"), ("1e-05", "0.00001"), ("1e-07", "1e-7"),
    ("2.5e-05", "2.5e-5"), ("minus-zero-float", "-0.0"), ("17-digits", "1.2345678901234567"),
    ("18-digits", "1.23456789012345678"), ("0.1", "0.1"), ("third", "0.3333333333333333"),
    ("1e22", "1e22"), ("1e21", "1e21"), ("big-float", "123456789012345678901234567890.0"),
    ("denormal", "5e-324"), ("max-float", "1.7976931348623157e308"), ("1.0e-4", "1.0e-4"),
    ("9999999999999999.0", "9999999999999999.0"), ("0.6", "0.6"), ("6.0", "6.0"),
    ("true", "true"), ("false", "false"), ("null", "null"), ("empty-list", "[]"), ("empty-obj", "{}"),
    ("mixed-list", '[1, "a", true, null, 1.0, {"k": "v"}]'), ("nested", '{"a": [{}, [[]]]}'),
    ("str-apostrophe", '["it\'s"]'), ("str-dquote", '["say \\"hi\\""]'),
    ("str-both-quotes", '["both \' and \\""]'), ("str-backslash", '["back\\\\slash"]'),
    ("str-controls", '["\\n\\t\\r\\u0001\\u001f"]'), ("str-latin1", '["\\u00e9"]'),
    ("str-del", '["\\u007f"]'), ("str-u2028", '["\\u2028"]'), ("str-astral", '["\\ud83d\\ude00"]'),
    ("str-lone-surrogate", '["\\ud800"]'), ("str-c1-0085", '["\\u0085"]'), ("str-nbsp", '["\\u00a0"]'),
    ("str-soft-hyphen", '["\\u00ad"]'), ("str-zwsp", '["\\u200b"]'), ("str-bom", '["\\ufeff"]'),
    ("str-private-use", '["\\ue000"]'), ("str-unassigned", '["\\u0378"]'), ("str-cjk", '["\\u4e2d"]'),
    ("str-combining", '["\\u0301"]'), ("str-astral-nonprint", '["\\udb40\\udc01"]'),
    ("dict-key-quotes", '{"it\'s": "a\\"b"}'), ("float-in-list", "[1e16, 1e-5, -0.0, 1e400]"),
    ("nan-in-list", "[NaN, Infinity, -Infinity]"), ("int-in-dict", '{"a": 12345678901234567890}'),
    ("deep-list-50", "[" * 50 + "]" * 50),
    ("1e-400", "1e-400"), ("minus-1e-400", "-1e-400"), ("1E+2", "1E+2"), ("0e0", "0e0"), ("minus-0e0", "-0e0"),
    ("5e-324-half", "2e-324"), ("2-pow-53-plus-1", "9007199254740993.0"), ("nested-dup-keys", '{"a": 1, "b": 2, "a": 3}'),
    ("list-of-dup-dicts", '[{"k": 1, "k": {"x": 1, "x": null}}]'), ("empty-string-in-list", '[""]'),
    ("float-key-like", '{"1.0": 1.0}'), ("int-minus-zero-in-list", "[-0, -0.0, 0.0]"),
]

#: (stamped, installed) version strings — SPEC.md section 3.
VERSION_TRAPS: list[str] = [
    "0.6.0", "0.6", "0.6.0.0", "v0.6.0", "V0.6.0", "0.6.0RC1", "0.6.0rc1", "0.6.0c1", "0.6.0preview1",
    "0.6.0alpha1", "0.6.0a", "0.6.0-1", "0.6.0rev1", "0.6.0r1", "0.6.0.post", "0.6.0dev", "1!0.1",
    "0!0.6.0", "00.06.00", "0.6.0_1", "0.6.0+", "1!", "-0.6.0", "0..6", ".6", "", " ", "True", "None",
    "1e+16", "nan", "0.6.0+abc", "0.6.0+ABC", "0.6.0+1", "0.6.0+abc.1", "0.6.0.dev0", "0.6.0a1",
    "0.6.0.post1", "0.6.0-post1", "0.6.0_post1", "0.6.0.RC.1", "0.6.0-rc-1", "0.6.0.a.1", "0.6.1",
    "0.5.9", "0.10.0", "0.6.0 ", " 0.6.0", "\t0.6.0\n", "\u00a00.6.0", "0.6.0\u2003", "\u001c0.6.0",
    "\u00850.6.0", "0.6.0\u2028", "\u200b0.6.0", "\ufeff0.6.0", "\u30000.6.0", "0.6.0\x0b\x0c",
    "1.99999999999999999999", "1.99999999999999999998", "18446744073709551616.0",
    "0.6.0.post18446744073709551617", "x", "X", "latest", "0.6.0-", "0.6.0.", "0.6.0-dev",
    "0.6.0.dev-1", "0.6.0a-1", "0.6.0pre1", "0.6.0-a1", "0.6.0_a1", "0.6.0.alpha.1", "0.6.0+abc..x",
    "0.6.0+_x", "0.6.0+x_y-z.w", "0.6.0+" + "a" * 300, "0.6.0.post0.dev0", "0.6.0rc1.post1.dev1",
    "٠.٦.٠", "０.６.０", "0.6.0\x00",
]

INSTALLED_TRAPS: list[str] = [
    "0.6.0", "1.99999999999999999998", "0.6.0+abc", "1!0.0", "latest", "0.6.0  ", "", "0.6.0rc1",
]

HUGE_NUMERIC = "1." + "9" * 4301


def stamp_traps(rng: random.Random) -> list[dict]:
    out: list[dict] = []
    std = installed_layout(STD_INSTALLED)
    for name, data in GRAMMAR_TRAPS:
        out.append(scenario(f"stamp-grammar-{name}", "stamp_trap", std + [stamp_file(data)]))
    for name, data in INVALID_UTF8:
        out.append(scenario(f"stamp-utf8-{name}", "stamp_trap", std + [stamp_file(data)]))
    for name, text in VERSION_FIELD:
        data = raw_stamp('{"terok": "0.6.0"}', text)
        out.append(scenario(f"stamp-version-{name}", "stamp_trap", std + [stamp_file(data)]))
    for name, text in PACKAGES_FIELD:
        data = ('{"version": 1, "packages": %s}' % text).encode()
        out.append(scenario(f"stamp-packages-{name}", "stamp_trap", std + [stamp_file(data)]))
    for name, data in ROOT_SHAPES:
        out.append(scenario(f"stamp-root-{name}", "stamp_trap", std + [stamp_file(data)]))
    for name, text in VALUE_COERCIONS:
        data = raw_stamp('{"terok": %s}' % text)
        out.append(scenario(f"stamp-coerce-{name}", "stamp_trap", std + [stamp_file(data)]))
    # Names: exact, case-sensitive match against the tracked names.
    for name in ("Terok", "terok_sandbox", "terok.sandbox", "terok-sandbox ", " terok", "TEROK-SANDBOX",
                 "terok-clearance", "other", "terok-shield"):
        data = stamp_bytes({name: "0.6.0"})
        out.append(scenario(f"stamp-name-{name.strip() or 'blank'}-{len(name)}", "stamp_trap", std + [stamp_file(data)]))
    out.append(scenario("stamp-empty-packages-nothing-installed", "stamp_trap",
                        [directory("site"), stamp_file(stamp_bytes({}))]))
    out.append(scenario("stamp-packages-nothing-installed", "stamp_trap",
                        [directory("site"), stamp_file(stamp_bytes({"terok": "0.6.0"}))]))
    # Installed version None (no Version header): reached or not.
    none_layout = installed_layout({"terok": "0.6.0", "terok-shield": None, "terok-sandbox": "0.6.0"})
    for name, pkgs in [
        ("reached-first", '{"terok-shield": "1.0", "terok": "9.9"}'),
        ("downgrade-first", '{"terok": "9.9", "terok-shield": "1.0"}'),
        ("missing-first", '{"terok-clearance": "1.0", "terok-shield": "1.0"}'),
        ("update-then-none", '{"terok": "0.5", "terok-shield": "1.0"}'),
        ("dup-keeps-first-position", '{"terok-shield": "1", "terok": "9.9", "terok-shield": "2"}'),
        ("dup-none-moves-nothing", '{"terok": "9.9", "terok-shield": "1", "terok": "0.6.0"}'),
        ("stamped-None-string", '{"terok-shield": "None"}'),
        ("not-stamped", '{"terok": "0.6.0"}'),
        ("empty", "{}"),
    ]:
        out.append(scenario(f"stamp-none-version-{name}", "stamp_trap", none_layout + [stamp_file(raw_stamp(pkgs))]))
    # Huge numeric runs: ValueError escapes packaging → Python raises.
    for name, stamped, installed in [
        ("stamped", HUGE_NUMERIC, "0.6.0"),
        ("installed", "0.6.0", HUGE_NUMERIC),
        ("4300-digits", "1." + "9" * 4300, "0.6.0"),
        ("huge-epoch", "9" * 4301 + "!1.0", "0.6.0"),
        ("huge-post", "1.0.post" + "9" * 4301, "0.6.0"),
        ("huge-local", "1.0+" + "9" * 4301, "1.0"),
        ("huge-after-downgrade", "0.6.0", "0.6.0"),
    ]:
        pkgs = {"terok": stamped}
        if name == "huge-after-downgrade":
            pkgs = {"terok-sandbox": "9.9", "terok": HUGE_NUMERIC}
        layout = installed_layout({"terok": installed, "terok-sandbox": "0.6.0"})
        out.append(scenario(f"stamp-huge-numeric-{name}", "stamp_trap", layout + [stamp_file(stamp_bytes(pkgs))]))
    # Version comparison matrix.
    for i, stamped in enumerate(VERSION_TRAPS):
        picks = ["0.6.0"] + rng.sample(INSTALLED_TRAPS[1:], 2)
        for installed in picks:
            layout = installed_layout({"terok": installed, "terok-sandbox": "0.6.0"})
            data = stamp_bytes({"terok": stamped})
            sid = f"stamp-cmp-{i:02d}-vs-{INSTALLED_TRAPS.index(installed)}"
            out.append(scenario(sid, "version_compare", layout + [stamp_file(data)],
                                note=f"stamped {stamped!r} vs installed {installed!r}"))
    return out


# ── stamps: random realistic combinations ────────────────────────────


def random_version(rng: random.Random) -> str:
    parts = [str(rng.choice([0, 0, 1, 2, 3, 10, 99, rng.randrange(1000)])) for _ in range(rng.choice([1, 2, 3, 3, 4]))]
    text = ".".join(parts)
    if rng.random() < 0.1:
        text = f"{rng.choice([1, 2, 10])}!" + text
    if rng.random() < 0.25:
        text += rng.choice(["a", "b", "rc", "alpha", "beta", "c", "pre", "preview", ".a", "-rc", "_b"]) + str(rng.randrange(5))
    if rng.random() < 0.2:
        text += rng.choice([".post", "-post", "post", ".rev", "-"]) + str(rng.randrange(5))
    if rng.random() < 0.2:
        text += rng.choice([".dev", "dev", "-dev", "_dev"]) + str(rng.randrange(5))
    if rng.random() < 0.15:
        text += "+" + rng.choice(["abc", "ubuntu1", "1.2", "g1234abc", "local.7", "ABC"])
    if rng.random() < 0.05:
        text = rng.choice(["v", "V", " ", "\t"]) + text
    if rng.random() < 0.05:
        text = text.upper()
    return text


INVALID_STRINGS = ["x", "latest", "1.0_1", "", " ", "1..0", "main", "1.0+", "-1", "☃", "1.0 beta", "0.6.0\u200b"]


def perturb(rng: random.Random, installed: str | None) -> object:
    base = installed if installed is not None else "1.0"
    roll = rng.random()
    if roll < 0.3:
        return base
    if roll < 0.4:
        return base + rng.choice([".0", ".0.0", " ", "+local", ".post1", ".dev0", "a1", "rc1"])
    if roll < 0.65:
        return random_version(rng)
    if roll < 0.75:
        return rng.choice(INVALID_STRINGS)
    if roll < 0.85:
        return rng.choice([0, 1, 6, 10**20, 1.5, 0.6, 1e16, -0.0, True, False, None])
    if roll < 0.9:
        return rng.choice([[], {}, ["0.6.0"], {"v": base}])
    return "1!" + base if rng.random() < 0.5 else base.replace(".", "..", 1)


def random_stamps(rng: random.Random, count: int) -> list[dict]:
    out = []
    for i in range(count):
        installed: dict[str, str | None] = {}
        for name in TRACKED:
            r = rng.random()
            if r < 0.7:
                installed[name] = random_version(rng)
            elif r < 0.75:
                installed[name] = rng.choice(INVALID_STRINGS[:6])
            elif r < 0.77:
                installed[name] = None
        stamped: dict[str, object] = {}
        names = list(TRACKED)
        rng.shuffle(names)
        for name in names:
            if name in installed and rng.random() < 0.85:
                stamped[name] = perturb(rng, installed[name])
            elif rng.random() < 0.1:
                stamped[name] = random_version(rng)
        if rng.random() < 0.1:
            stamped[rng.choice(["Terok", "terok_sandbox", "other-pkg"])] = random_version(rng)
        version: object = 1 if rng.random() < 0.9 else rng.choice([1.0, True, 2, "1", 0, None])
        payload = {"version": version, "completed_at": "2026-01-01T00:00:00+00:00", "packages": stamped}
        keys = list(payload)
        rng.shuffle(keys)
        payload = {k: payload[k] for k in keys}
        style = rng.random()
        if style < 0.5:
            text = json.dumps(payload, indent=2, sort_keys=rng.random() < 0.5)
        elif style < 0.8:
            text = json.dumps(payload, separators=(",", ":"), ensure_ascii=False)
        else:
            text = json.dumps(payload, indent="\t", ensure_ascii=rng.random() < 0.5) + "\n"
        layout = installed_layout(installed)
        ops = WRITE_OPS if i % 5 == 0 else DEFAULT_OPS
        out.append(scenario(f"stamp-random-{i:03d}", "stamp_random",
                            layout + [stamp_file(text.encode("utf-8", "surrogatepass"))], ops=ops))
    return out


# ── deep nesting and large stamps (intentional differences) ──────────

#: Python 3.12's json scanner raises RecursionError a little below 1,500
#: levels (the C recursion limit); depths up to 1,400 are safe to compare.
#: Version-sensitive: other Python versions have other limits.
SAFE_DEPTHS = (10, 100, 500, 1000, 1200, 1400)
#: Our parser accepts 10,000 levels in all, counting the stamp object that
#: holds the nested value under an unchecked key: 9,999 is the deepest value
#: we read, 10,000 the shallowest we refuse.
DEEP_DEPTHS = (1600, 2000, 5000, 9999)
BEYOND_OURS = (10000, 10001, 200000)


def nested(depth: int, shape: str) -> bytes:
    if shape == "array":
        return b"[" * depth + b"]" * depth
    if shape == "object":
        return b'{"a":' * depth + b"1" + b"}" * depth
    half = depth // 2
    return b'{"a":[' * half + b"1" + b"]}" * half


def deep_nesting() -> list[dict]:
    out = []
    std = installed_layout(STD_INSTALLED)
    for shape in ("array", "object", "mixed"):
        for depth in SAFE_DEPTHS + DEEP_DEPTHS + BEYOND_OURS:
            deep = depth > 1400
            kind = "deep_nesting_beyond_python" if deep else "deep_nesting"
            if depth in BEYOND_OURS:
                kind = "deep_nesting_beyond_ours"
            data = b'{"version": 1, "packages": {"terok": "0.6.0"}, "x": ' + nested(depth, shape) + b"}"
            out.append(scenario(f"stamp-deep-{shape}-{depth}", kind, std + [stamp_file(data)],
                                ops=("check",), expect_rust="ok" if kind == "deep_nesting_beyond_python" else "stamp_corrupt"))
    # Deep value inside packages: Python raises while parsing, before str().
    data = raw_stamp('{"terok": %s}' % nested(300, "array").decode())
    out.append(scenario("stamp-deep-value-300", "deep_nesting", std + [stamp_file(data)], ops=("check",)))
    return out


MIB = 1 << 20


def large_stamps() -> list[dict]:
    std = installed_layout(STD_INSTALLED)
    out = []
    valid = stamp_bytes({"terok": "0.6.0"})
    for name, size, kind in [
        ("exactly-1mib", MIB, "large_stamp_within"),
        ("1mib-minus-1", MIB - 1, "large_stamp_within"),
        ("1mib-plus-1", MIB + 1, "large_stamp"),
        ("3mib", 3 * MIB, "large_stamp"),
    ]:
        data = valid + b" " * (size - len(valid))
        out.append(scenario(f"stamp-large-{name}", kind, std + [stamp_file(data)], ops=("check",),
                            expect_rust="stamp_corrupt" if kind == "large_stamp" else None,
                            expect_python="ok" if kind == "large_stamp" else None))
    data = raw_stamp('{"terok": "0.6.0", "terok-sandbox": "%s"}' % ("0.6.0+" + "a" * (2 * MIB)))
    out.append(scenario("stamp-large-long-local-version", "large_stamp", std + [stamp_file(data)], ops=("check",),
                        expect_rust="stamp_corrupt", expect_python="stale_after_downgrade"))
    data = b"x" * (2 * MIB)
    out.append(scenario("stamp-large-garbage", "large_stamp_both_corrupt", std + [stamp_file(data)], ops=("check",)))
    return out


# ── distribution layouts (SPEC.md section 5) ─────────────────────────


def layouts(rng: random.Random) -> list[dict]:
    out: list[dict] = []
    stamp = stamp_file(stamp_bytes({"terok": "0.6.0"}))

    def add(name: str, files: list[dict], search: list[str] | None = None, **kw: object) -> None:
        kw.setdefault("ops", WRITE_OPS)
        out.append(scenario(f"layout-{name}", kw.pop("kind", "layout"), files + [stamp],
                            search_path=search or ["{root}/site"], **kw))

    add("std", installed_layout(STD_INSTALLED))
    add("all-five", installed_layout({n: f"{i}.0" for i, n in enumerate(TRACKED)}))
    add("nothing", [directory("site")])
    add("first-dir-wins", installed_layout({"terok": "1.0"}, "a") + installed_layout({"terok": "2.0"}, "b"),
        ["{root}/a", "{root}/b"])
    add("first-dir-wins-reversed", installed_layout({"terok": "1.0"}, "a") + installed_layout({"terok": "2.0"}, "b"),
        ["{root}/b", "{root}/a"])
    add("split-across-dirs", installed_layout({"terok": "1.0"}, "a") + installed_layout({"terok-shield": "2.0"}, "b"),
        ["{root}/a", "{root}/missing", "{root}/b"])
    add("missing-entries", installed_layout({"terok": "1.0"}), ["{root}/nope", "{root}/site", "/nonexistent-dir"])
    add("plain-file-entry", installed_layout({"terok": "1.0"}) + [file("plain", "x")], ["{root}/plain", "{root}/site"])
    add("empty-string-entry-cwd", installed_layout({"terok": "3.0"}, "cwd"), ["", "{root}/site"])
    add("relative-entry", installed_layout({"terok": "3.0"}, "site"), ["../site"])
    add("dot-entry", installed_layout({"terok": "3.0"}, "cwd"), ["."])
    add("duplicate-entry", installed_layout({"terok": "3.0"}), ["{root}/site", "{root}/site"])
    add("symlinked-dir-entry", installed_layout({"terok": "3.0"}) + [symlink("link", "{root}/site")], ["{root}/link"])
    add("dist-info-file-not-dir", [directory("site"), file("site/terok-1.0.dist-info", metadata("1.0"))])
    add("egg-info-dir-pkg-info", [file("site/terok.egg-info/PKG-INFO", metadata("1.5"))])
    add("egg-info-file", [file("site/terok-1.6-py3.12.egg-info", metadata("1.6"))])
    add("egg-info-dir-metadata-and-pkg-info",
        [file("site/terok.egg-info/PKG-INFO", metadata("1.5")), file("site/terok.egg-info/METADATA", metadata("1.7"))])
    add("metadata-empty-falls-back", [file("site/terok-1.0.dist-info/METADATA", ""),
                                       file("site/terok-1.0.dist-info/PKG-INFO", metadata("1.8"))])
    add("metadata-dir-falls-back", [directory("site/terok-1.0.dist-info/METADATA"),
                                     file("site/terok-1.0.dist-info/PKG-INFO", metadata("1.9"))])
    add("metadata-empty-no-fallback", [file("site/terok-1.0.dist-info/METADATA", "")])
    add("no-metadata-at-all", [directory("site/terok-1.0.dist-info")])
    add("metadata-whitespace-only", [file("site/terok-1.0.dist-info/METADATA", " \n")])
    add("dir-version-ignored", [file("site/terok-9.9.dist-info/METADATA", metadata("2.0"))])
    add("trap-sandbox-filed-under-terok", [file("site/terok-sandbox-1.4.dist-info/METADATA", metadata("1.4", "terok-sandbox"))])
    add("trap-sandbox-underscore", [file("site/terok_sandbox-1.4.dist-info/METADATA", metadata("1.4"))])
    add("trap-no-version-in-name", [file("site/terok-executor.dist-info/METADATA", metadata("5.0"))])
    add("name-uppercase", [file("site/TEROK_SANDBOX-1.0.DIST-INFO/METADATA", metadata("1.1"))])
    add("name-dots", [file("site/terok.sandbox-1.0.dist-info/METADATA", metadata("1.2"))])
    add("name-runs", [file("site/terok__.-sandbox-1.0.dist-info/METADATA", metadata("1.3"))])
    add("name-runs-2", [file("site/terok_._shield-1.0.dist-info/METADATA", metadata("1.3"))])
    add("name-mixed-case", [file("site/Terok_Clearance-1.0.dist-info/METADATA", metadata("1.4"))])
    add("name-kelvin-sign", [file("site/tero\u212a-1.0.dist-info/METADATA", metadata("1.5"))])
    add("name-kelvin-sign-egg-info", [file("site/tero\u212a_shield.egg-info/PKG-INFO", metadata("1.6"))])
    add("name-kelvin-sign-egg", [file("site/tero\u212a-1.0.egg/EGG-INFO/PKG-INFO", metadata("1.7"))],
        ["{root}/site/tero\u212a-1.0.egg"])
    add("name-dotless-i-upper", [file("site/TEROK_SANDBOX-1.0.D\u0130ST-INFO/METADATA", metadata("1.8"))])
    add("name-header-ignored", [file("site/other-1.0.dist-info/METADATA", metadata("1.0", "terok"))])
    add("suffix-case", [file("site/terok-1.0.Dist-Info/METADATA", metadata("1.0")),
                        file("site/terok_shield-1.0.EGG-INFO/PKG-INFO", metadata("2.0"))])
    add("not-info-suffix", [file("site/terok-1.0.dist-inf/METADATA", metadata("1.0")),
                            file("site/terok-1.0.info/METADATA", metadata("1.0")),
                            file("site/terok.dist-info.bak/METADATA", metadata("1.0"))])
    add("many-candidates-readdir-order",
        [file(f"site/{n}/METADATA", metadata(v)) for n, v in
         [("terok-1.0.dist-info", "1.0"), ("terok-2.0.dist-info", "2.0"), ("Terok.egg-info", "3.0"),
          ("terok-0.1.dist-info", "0.1"), ("TEROK-4.dist-info", "4.0"), ("terok.dist-info", "5.0")]])
    add("egg-info-and-dist-info", [file("site/terok.egg-info/PKG-INFO", metadata("1.0")),
                                   file("site/terok-2.0.dist-info/METADATA", metadata("2.0"))])
    # METADATA header variants.
    headers = {
        "lowercase-name": "Metadata-Version: 2.1\nName: terok\nversion: 1.1\n",
        "uppercase-name": "VERSION: 1.2\n",
        "no-space": "Version:2.2\n",
        "extra-spaces": "Version:    2.3   \n",
        "tab-value": "Version:\t2.4\n",
        "crlf": "Metadata-Version: 2.1\r\nName: terok\r\nVersion: 2.5\r\n\r\nbody\r\n",
        "cr-only": "Metadata-Version: 2.1\rVersion: 2.55\r",
        "duplicate": "Version: 2.6\nVersion: 2.7\n",
        "from-line": "From nobody Mon Jan  1 00:00:00 2026\nVersion: 2.8\n",
        "from-line-no-space": "From:x\nVersion: 2.85\n",
        "empty-value": "Version:\n",
        "empty-value-space": "Version: \n",
        "blank-line-first": "\nVersion: 2.9\n",
        "after-blank-line": "Name: terok\n\nVersion: 3.0\n",
        "garbage-line": "Name: terok\ngarbage\nVersion: 3.1\n",
        "space-before-colon": "Name: terok\nVersion : 3.2\n",
        "continuation": "Version: 3.3\n .1\n",
        "continuation-tab": "Version: 3.4\n\t.1\nName: x\n",
        "leading-continuation": " x\nVersion: 3.5\n",
        "no-version": "Metadata-Version: 2.1\nName: terok\n",
        "no-trailing-newline": "Version: 3.6",
        "invalid-version-value": "Version: not a version\n",
        "unicode-value": "Version: 3.7é\n",
        "nbsp-value": "Version:\u00a03.8\n",
        "body-has-version": "Name: terok\n\nVersion: 3.9\n",
        "header-with-colon-in-value": "Version: 4.0:1\n",
        "x-header-before": "X-Thing: a: b\nVersion: 4.1\n",
        "only-version": "Version: 4.2\n",
        "long-value": "Version: 4.3" + "0" * 5000 + "\n",
        "null-byte": "Version: 4.4\x00\n",
        "form-feed-line": "\x0c\nVersion: 4.5\n",
        "header-name-with-space": "Meta data: x\nVersion: 4.6\n",
        "dash-line": "-\nVersion: 4.7\n",
        "colon-first": ":x\nVersion: 4.8\n",
        "unix-from-only": "From \nVersion: 4.9\n",
        "from-not-first": "Name: x\nFrom nobody\nVersion: 5.0\n",
        "two-from-lines": "From a\nFrom b\nVersion: 5.1\n",
        "whitespace-only-line": "Name: x\n \nVersion: 5.2\n",
        "tab-only-line": "Name: x\n\t\nVersion: 5.3\n",
        "crlf-blank-line": "Name: x\r\n\r\nVersion: 5.4\r\n",
        "cr-in-value": "Version: 5.5\rX\n",
        "continuation-then-dup": "Version: 5.6\n  more\nVersion: 5.7\n",
        "continuation-empty-value": "Version:\n 5.8\n",
        "non-ascii-header-name": "Vérsion: 1\nVersion: 5.9\n",
        "header-name-only-colon": "Version:: 6.0\n",
        "dash-in-name": "Version-X: 1\nVersion: 6.1\n",
        "trailing-tab": "Version: 6.2\t\n",
        "trailing-crlf-space": "Version: 6.3 \r\n",
        "version-in-continuation": "X: a\n Version: 6.4\n",
        "leading-space-line-first": " Version: 6.5\n",
        "ff-in-value": "Version: 6.6\x0c\n",
        "vt-line": "\x0b\nVersion: 6.7\n",
        "u2028-line-sep": "Name: x\u2028Version: 6.8\n",
        "nel-line-sep": "Name: x\x85Version: 6.9\n",
        "many-headers": "".join(f"X-H{i}: {i}\n" for i in range(300)) + "Version: 7.0\n",
        "huge-header-value": "Description: " + "x" * 100000 + "\nVersion: 7.1\n",
        "version-only-spaces": "Version:    \n",
        "equals-sign": "Version= 7.2\nVersion: 7.3\n",
    }
    for name, text in headers.items():
        add(f"metadata-{name}", [file("site/terok-1.0.dist-info/METADATA", text)])
    add("metadata-invalid-utf8", [file("site/terok-1.0.dist-info/METADATA", b"Version: 1.0\xff\n")])
    add("metadata-invalid-utf8-untracked", installed_layout({"terok": "1.0"}) +
        [file("site/other-1.0.dist-info/METADATA", b"Version: 1.0\xff\n")])
    add("metadata-bom", [file("site/terok-1.0.dist-info/METADATA", b"\xef\xbb\xbfVersion: 5.0\n")])
    add("metadata-latin1-shadowed", [file("site/terok-1.0.dist-info/METADATA", metadata("5.1")),
                                     file("site/terok-1.0.dist-info/PKG-INFO", b"Version: \xff\n")])
    # The verdict decides whether installed versions are read at all.
    bad = [file("site/terok-1.0.dist-info/METADATA", b"Version: 1.0\xff\n")]
    for name, data in (("first-run", None), ("corrupt", b"{"), ("empty-packages", stamp_bytes({})),
                       ("wrong-schema", stamp_bytes({"terok": "1"}, version=2))):
        files = bad + ([stamp_file(data, "state/setup.stamp")] if data is not None else [])
        out.append(scenario(f"layout-unreadable-metadata-verdict-{name}", "layout", files, ops=("check",)))
    add("metadata-symlink-loop", [directory("site/terok-1.0.dist-info"),
                                  symlink("site/terok-1.0.dist-info/METADATA", "METADATA"),
                                  file("site/terok-1.0.dist-info/PKG-INFO", metadata("2.0"))])
    add("metadata-dangling-symlink", [directory("site/terok-1.0.dist-info"),
                                      symlink("site/terok-1.0.dist-info/METADATA", "nowhere"),
                                      file("site/terok-1.0.dist-info/PKG-INFO", metadata("2.1"))])
    add("metadata-symlink-to-dir", [directory("site/terok-1.0.dist-info/d"),
                                    symlink("site/terok-1.0.dist-info/METADATA", "d"),
                                    file("site/terok-1.0.dist-info/PKG-INFO", metadata("2.2"))])
    add("metadata-symlink-to-dev-null", [directory("site/terok-1.0.dist-info"),
                                         symlink("site/terok-1.0.dist-info/METADATA", "/dev/null"),
                                         file("site/terok-1.0.dist-info/PKG-INFO", metadata("2.3"))])
    add("dist-info-symlink-to-dir", [file("real/METADATA", metadata("2.4")), directory("site"),
                                     symlink("site/terok-1.0.dist-info", "{root}/real")])
    add("dist-info-dangling-symlink", [directory("site"), symlink("site/terok-1.0.dist-info", "{root}/nowhere")]
        + installed_layout({"terok": "2.5"}, "site2"), ["{root}/site", "{root}/site2"])
    add("search-entry-name-too-long", installed_layout({"terok": "2.6"}), ["{root}/" + "n" * 300, "{root}/site"])
    add("search-entry-through-file", installed_layout({"terok": "2.7"}) + [file("f", "x")], ["{root}/f/sub", "{root}/site"])
    add("search-entry-symlink-loop", installed_layout({"terok": "2.8"}) + [symlink("loop", "loop")], ["{root}/loop", "{root}/site"])
    add("search-entry-trailing-slash", installed_layout({"terok": "2.9"}), ["{root}/site/"])
    add("search-entry-dotdot", installed_layout({"terok": "3.0"}) + [directory("other")], ["{root}/other/../site"])
    add("empty-zip", [zip_file("e.zip", [])] + installed_layout({"terok": "3.1"}), ["{root}/e.zip", "{root}/site"])
    # Zip files and eggs.
    add("zip-dist-info", [zip_file("site.zip", [("terok-6.0.dist-info/METADATA", metadata("6.0"))])], ["{root}/site.zip"])
    add("zip-then-dir", [zip_file("site.zip", [("terok-6.0.dist-info/METADATA", metadata("6.0"))])] +
        installed_layout({"terok": "7.0", "terok-shield": "1.0"}), ["{root}/site.zip", "{root}/site"])
    add("zip-egg-info-file", [zip_file("site.zip", [("terok-6.1-py3.12.egg-info", metadata("6.1"))])], ["{root}/site.zip"])
    add("zip-dir-entries", [zip_file("site.zip", [("terok-6.2.dist-info/", b""), ("terok-6.2.dist-info/METADATA", metadata("6.2"))])],
        ["{root}/site.zip"])
    add("zip-pkg-info", [zip_file("site.zip", [("terok_shield.egg-info/PKG-INFO", metadata("6.3"))])], ["{root}/site.zip"])
    add("zip-not-a-zip", [file("site.zip", "not a zip")] + installed_layout({"terok": "1.0"}), ["{root}/site.zip", "{root}/site"])
    add("egg-dir", [file("site/terok_shield-1.0-py3.12.egg/EGG-INFO/PKG-INFO", metadata("8.0"))],
        ["{root}/site/terok_shield-1.0-py3.12.egg"])
    add("egg-dir-lowercase-egg-info", [file("site/terok-1.0.egg/egg-info/PKG-INFO", metadata("8.1"))],
        ["{root}/site/terok-1.0.egg"])
    add("egg-dir-not-on-path", [file("site/terok-1.0.egg/EGG-INFO/PKG-INFO", metadata("8.2"))])
    add("egg-zip", [zip_file("terok-1.0-py3.12.egg", [("EGG-INFO/PKG-INFO", metadata("8.3"))])],
        ["{root}/terok-1.0-py3.12.egg"])
    add("egg-dir-dashed-name", [file("site/terok-shield-1.0.egg/EGG-INFO/PKG-INFO", metadata("8.4"))],
        ["{root}/site/terok-shield-1.0.egg"])
    add("egg-dir-and-dist-info", [file("site/terok-1.0.egg/EGG-INFO/PKG-INFO", metadata("8.5")),
                                  file("site/terok-1.0.egg/terok-9.0.dist-info/METADATA", metadata("9.0"))],
        ["{root}/site/terok-1.0.egg"])
    # Random realistic layouts over several directories.
    for i in range(12):
        dirs = [f"d{j}" for j in range(rng.randint(1, 3))]
        files: list[dict] = [directory(d) for d in dirs]
        for name in TRACKED:
            for d in dirs:
                if rng.random() < 0.4:
                    style = rng.choice(["dist", "egg-dir", "egg-file"])
                    ver = random_version(rng)
                    norm = rng.choice([name, name.replace("-", "_"), name.upper().replace("-", "_")])
                    if style == "dist":
                        files.append(file(f"{d}/{norm}-{ver.strip()}.dist-info/METADATA", metadata(ver)))
                    elif style == "egg-dir":
                        files.append(file(f"{d}/{norm}.egg-info/PKG-INFO", metadata(ver)))
                    else:
                        files.append(file(f"{d}/{norm}-{ver.strip()}.egg-info", metadata(ver)))
        search = ["{root}/" + d for d in dirs]
        rng.shuffle(search)
        add(f"random-{i:02d}", files, search)
    return out


# ── stat cases (SPEC.md section 1) ───────────────────────────────────


def stat_cases() -> list[dict]:
    out = []
    std = installed_layout(STD_INSTALLED)
    valid = stamp_bytes({"terok": "0.6.0"})
    cases: list[tuple[str, list[dict], dict]] = [
        ("missing", [directory("state")], {}),
        ("missing-parent", [], {}),
        ("directory", [directory("state/setup.stamp")], {}),
        ("fifo", [directory("state"), fifo("state/setup.stamp")], {}),
        ("socket", [directory("state"), socket_file("state/setup.stamp")], {}),
        ("dangling-symlink", [directory("state"), symlink("state/setup.stamp", "{root}/nowhere")], {}),
        ("symlink-loop", [directory("state"), symlink("state/setup.stamp", "setup.stamp")], {}),
        ("symlink-loop-pair", [directory("state"), symlink("state/setup.stamp", "b"), symlink("state/b", "setup.stamp")], {}),
        ("symlink-to-dev-null", [directory("state"), symlink("state/setup.stamp", "/dev/null")], {}),
        ("symlink-to-valid", [file("elsewhere/real", valid), directory("state"), symlink("state/setup.stamp", "{root}/elsewhere/real")], {}),
        ("symlink-to-dir", [directory("state/d"), symlink("state/setup.stamp", "d")], {}),
        ("parent-is-file", [file("state", "x")], {}),
        ("parent-is-symlink-to-file", [file("afile", "x"), symlink("state", "afile")], {}),
        ("parent-is-dangling-symlink", [symlink("state", "{root}/nowhere")], {}),
        ("name-too-long", [], {"TEROK_ROOT": "{root}/" + "n" * 300}),
        ("path-too-long", [], {"TEROK_ROOT": "{root}/" + "/".join(["p" * 200] * 25)}),
        ("stamp-mode-000", [directory("state"), dict(file("state/setup.stamp", valid), mode=0)], {}),
        ("parent-mode-000", [dict(directory("state"), mode=0), ], {}),
        ("parent-mode-000-with-stamp", [directory("state"), stamp_file(valid), {"type": "chmod", "path": "state", "mode": 0}], {}),
        ("parent-mode-111", [directory("state"), stamp_file(valid), {"type": "chmod", "path": "state", "mode": 0o111}], {}),
        ("parent-mode-555", [directory("state"), stamp_file(valid), {"type": "chmod", "path": "state", "mode": 0o555}], {}),
        ("valid", [stamp_file(valid)], {}),
        ("stale-tmp-file-present", [stamp_file(valid), file("state/setup.stamp.tmp", "junk")], {}),
    ]
    for user_name, user in (("root", None), ("uid1000", USER_WITH_PASSWD)):
        for name, files, env in cases:
            ops = ("path", "check", "versions", "write", "clear")
            out.append(scenario(f"stat-{user_name}-{name}", "stat", std + files, env=env, user=user, ops=ops))
    return out


# ── config files (SPEC.md section 4) ─────────────────────────────────

CONFIG_VALUES: list[tuple[str, str]] = [
    ("absolute", "paths:\n  root: {root}/custom\n"),
    ("absolute-trailing-slash", "paths:\n  root: {root}/custom/\n"),
    ("relative", "paths:\n  root: rel/dir\n"),
    ("relative-dotdot", "paths:\n  root: ../up\n"),
    ("tilde", "paths:\n  root: ~/tilde\n"),
    ("tilde-alone", "paths:\n  root: '~'\n"),
    ("tilde-unknown-user", "paths:\n  root: ~nosuchuser-xyz/x\n"),
    ("symlink-then-dotdot", "paths:\n  root: {root}/links/to-deep/../sib\n"),
    ("missing-tail", "paths:\n  root: {root}/links/to-deep/missing/more\n"),
    ("symlink-loop", "paths:\n  root: {root}/links/loop/x\n"),
    ("symlink-loop-last", "paths:\n  root: {root}/links/loop\n"),
    ("dot-components", "paths:\n  root: {root}/./a/./b/.\n"),
    ("double-slash", "paths:\n  root: /{root}//a\n"),
    ("int", "paths:\n  root: 123\n"),
    ("float", "paths:\n  root: 1.5\n"),
    ("float-exp", "paths:\n  root: 1e3\n"),
    ("hex", "paths:\n  root: 0x10\n"),
    ("octal", "paths:\n  root: 0o10\n"),
    ("leading-zero", "paths:\n  root: 010\n"),
    ("inf", "paths:\n  root: .inf\n"),
    ("nan", "paths:\n  root: .nan\n"),
    ("true", "paths:\n  root: true\n"),
    ("false", "paths:\n  root: false\n"),
    ("yes", "paths:\n  root: yes\n"),
    ("timestamp", "paths:\n  root: 2024-01-01T10:00:00Z\n"),
    ("date", "paths:\n  root: 2024-01-01\n"),
    ("quoted-spaces", "paths:\n  root: '  spaced  '\n"),
    ("plain-spaces", "paths:\n  root:    plain spaced   \n"),
    ("null", "paths:\n  root: null\n"),
    ("tilde-null", "paths:\n  root: ~\n"),
    ("empty-value", "paths:\n  root:\n"),
    ("empty-string", "paths:\n  root: ''\n"),
    ("inherit-string", "paths:\n  root: _inherit\n"),
    ("inherit-true-section", "paths:\n  _inherit: true\n  root: {root}/inh\n"),
    ("list-value", "paths:\n  root: [a, b]\n"),
    ("list-with-inherit", "paths:\n  root: [_inherit, a]\n"),
    ("dict-value", "paths:\n  root: {a: 1}\n"),
    ("block-literal", "paths:\n  root: |\n    {root}/block\n"),
    ("block-folded-strip", "paths:\n  root: >-\n    {root}/folded\n"),
    ("anchor-alias", "base: &b {root}/anchored\npaths:\n  root: *b\n"),
    ("merge-key", "defaults: &d\n  root: {root}/merged\npaths:\n  <<: *d\n"),
    ("str-tag", "paths:\n  root: !!str 123\n"),
    ("python-tag", "paths:\n  root: !!python/object:os.system x\n"),
    ("unknown-tag", "paths:\n  root: !foo x\n"),
    ("binary", "paths:\n  root: !!binary aGVsbG8=\n"),
    ("paths-null", "paths:\n"),
    ("paths-inherit", "paths: _inherit\n"),
    ("paths-list", "paths: [a]\n"),
    ("paths-string", "paths: /x\n"),
    ("other-section-only", "other:\n  root: /x\n"),
    ("empty-file", ""),
    ("comment-only", "# nothing\n"),
    ("whitespace-only", "  \n\n"),
    ("explicit-doc", "---\npaths:\n  root: {root}/doc\n...\n"),
    ("two-docs", "paths:\n  root: {root}/a\n---\npaths:\n  root: {root}/b\n"),
    ("top-level-list", "- a\n- b\n"),
    ("top-level-scalar", "just text\n"),
    ("bad-yaml", "paths: [\n"),
    ("tab-indent", "paths:\n\troot: {root}/tab\n"),
    ("duplicate-keys", "paths:\n  root: {root}/a\n  root: {root}/b\n"),
    ("duplicate-sections", "paths:\n  root: {root}/a\npaths:\n  root: {root}/b\n"),
    ("crlf", "paths:\r\n  root: {root}/crlf\r\n"),
    ("bom", "\ufeffpaths:\n  root: {root}/bom\n"),
    ("yaml11-directive", "%YAML 1.1\n---\npaths:\n  root: yes\n"),
    ("non-string-key", "paths:\n  1: x\n  root: {root}/nsk\n"),
    ("flow-mapping", "{paths: {root: '{root}/flow'}}\n"),
    ("json-style", '{"paths": {"root": "{root}/json"}}\n'),
    ("unicode-path", "paths:\n  root: {root}/ünï\n"),
    ("escape-in-double-quotes", 'paths:\n  root: "{root}/a\\tb"\n'),
    ("trailing-spaces-quoted", 'paths:\n  root: "{root}/t  "\n'),
    ("root-with-other-keys", "paths:\n  state: /x\n  root: {root}/wok\n  other: [1, 2]\n"),
    ("port-registry-only", "paths:\n  port_registry_dir: /x\n"),
    # Scalar resolution corner cases (YAML 1.2 core schema as ruamel implements it).
    ("int-underscore", "paths:\n  root: 1_000\n"), ("binary-int", "paths:\n  root: 0b101\n"),
    ("plus-int", "paths:\n  root: +1\n"), ("minus-zero", "paths:\n  root: -0\n"),
    ("float-plus-exp", "paths:\n  root: 1.0e+3\n"), ("float-leading-dot", "paths:\n  root: .5\n"),
    ("float-trailing-dot", "paths:\n  root: 1.\n"), ("sexagesimal", "paths:\n  root: 12:30:00\n"),
    ("timestamp-spaced", "paths:\n  root: 2001-12-14 21:59:43.10 -5\n"),
    ("timestamp-fraction", "paths:\n  root: 2001-12-14t21:59:43.123456789Z\n"),
    ("timestamp-offset", "paths:\n  root: 2001-12-14T21:59:43+05:30\n"),
    ("octal-0o17", "paths:\n  root: 0o17\n"), ("hex-upper", "paths:\n  root: 0XFF\n"),
    ("hex-underscore", "paths:\n  root: 0x_1\n"), ("int-tag-string", "paths:\n  root: !!int \"10\"\n"),
    ("float-tag-int", "paths:\n  root: !!float 1\n"), ("null-tag-empty", "paths:\n  root: !!null ''\n"),
    ("bool-tag-yes", "paths:\n  root: !!bool yes\n"), ("upper-true", "paths:\n  root: TRUE\n"),
    ("mixed-true", "paths:\n  root: True\n"), ("upper-null", "paths:\n  root: NULL\n"),
    ("tilde-quoted", "paths:\n  root: '~'\n"), ("neg-inf", "paths:\n  root: -.INF\n"),
    ("nan-upper", "paths:\n  root: .NaN\n"), ("big-int", "paths:\n  root: 123456789012345678901234567890\n"),
    ("big-float", "paths:\n  root: 1e400\n"), ("float-many-digits", "paths:\n  root: 0.1000000000000000055511151231257827\n"),
    ("float-1e16", "paths:\n  root: 1e16\n"), ("float-1e-5", "paths:\n  root: 0.00001\n"),
    # One element: a set's printed order follows str hashing (SPEC-DIFFERENCES.md row 10).
    ("set-tag", "paths:\n  root: !!set {a}\n"), ("omap-tag", "paths:\n  root: !!omap [a: 1]\n"),
    ("list-of-mixed", "paths:\n  root: [1, 1.5, true, null, 'q', {k: v}]\n"),
    ("dict-nested", "paths:\n  root: {a: {b: [1, 2]}, c: 'x y'}\n"),
    ("multiline-plain", "paths:\n  root: @ROOT@/multi\n    line\n"),
    ("single-quote-escape", "paths:\n  root: '@ROOT@/it''s'\n"),
    ("double-quote-unicode", 'paths:\n  root: "@ROOT@/\\u00e9\\x41"\n'),
    ("comment-after", "paths:\n  root: @ROOT@/c # comment\n"),
    ("hash-no-space", "paths:\n  root: @ROOT@/c#nocomment\n"),
    ("key-quoted", "paths:\n  'root': @ROOT@/kq\n"),
    ("complex-key", "paths:\n  ? root\n  : @ROOT@/ck\n"),
    ("anchor-on-section", "x: &p\n  root: @ROOT@/ap\npaths: *p\n"),
    ("merge-override", "d: &d {root: @ROOT@/m1}\npaths:\n  <<: *d\n  root: @ROOT@/m2\n"),
    ("document-end-only", "paths:\n  root: @ROOT@/de\n...\n"),
    ("directive-yaml12", "%YAML 1.2\n---\npaths:\n  root: @ROOT@/y12\n"),
    ("unknown-directive", "%FOO bar\n---\npaths:\n  root: @ROOT@/ud\n"),
    ("nul-char", "paths:\n  root: @ROOT@/a\x00b\n"),
    ("c1-control", "paths:\n  root: @ROOT@/a\x85b\n"),
    ("nbsp-in-value", "paths:\n  root: @ROOT@/a\u00a0\n"),
    ("deep-flow", "paths:\n  root: " + "[" * 200 + "]" * 200 + "\n"),
    # Unicode line breaks: ruamel folds NEL, LS and PS like newlines.
    ("nel-single-quoted", "paths:\n  root: '@ROOT@/a\x85b'\n"),
    ("nel-double-quoted", 'paths:\n  root: "@ROOT@/a\x85b"\n'),
    ("ls-plain", "paths:\n  root: @ROOT@/a\u2028b\n"),
    ("ps-plain", "paths:\n  root: @ROOT@/a\u2029b\n"),
    ("ls-double-quoted", 'paths:\n  root: "@ROOT@/a\u2028b"\n'),
    ("nel-trailing", "paths:\n  root: @ROOT@/a\x85\n"),
    ("nel-as-line-break", "paths:\x85  root: @ROOT@/nel\n"),
    ("cr-only-breaks", "paths:\r  root: @ROOT@/cr\r"),
    ("raw-cr-double-quoted", 'paths:\n  root: "@ROOT@/a\rb"\n'),
    ("raw-crlf-blank-double-quoted", 'paths:\n  root: "@ROOT@/a\r\n\r\n  b"\n'),
    ("raw-cr-single-quoted", "paths:\n  root: '@ROOT@/a\rb'\n"),
]


def config_cases() -> list[dict]:
    out = []
    std = installed_layout(STD_INSTALLED)
    links = [directory("links/deep/sub"), symlink("links/to-deep", "{root}/links/deep/sub"),
             symlink("links/loop", "{root}/links/loop2"), symlink("links/loop2", "{root}/links/loop")]
    for name, text in CONFIG_VALUES:
        cfg = file("cfg/config.yml", text.replace("{root}", "@ROOT@"))
        env = {"TEROK_ROOT": None, "TEROK_CONFIG_FILE": "{root}/cfg/config.yml"}
        out.append(scenario(f"config-file-{name}", "config", std + links + [cfg], env=env, user="userns",
                            ops=("path", "check", "write")))
    # The user layer (TEROK_CONFIG_FILE unset): the system layer
    # /etc/terok/config.yml must not exist on the test machine.
    for name, text in CONFIG_VALUES[:12] + [c for c in CONFIG_VALUES if c[0] in ("bad-yaml", "null", "two-docs", "inherit-string")]:
        cfg = file("xdg-config/terok/config.yml", text.replace("{root}", "@ROOT@"))
        env = {"TEROK_ROOT": None, "TEROK_CONFIG_FILE": None}
        out.append(scenario(f"config-user-{name}", "config", std + links + [cfg], env=env, user="userns",
                            ops=("path", "check", "write")))
    env = {"TEROK_ROOT": None, "TEROK_CONFIG_FILE": "{root}/cfg/config.yml"}
    absolute = "paths:\n  root: @ROOT@/custom\n"
    special: list[tuple[str, list[dict], dict, object]] = [
        ("config-missing", [], env, "userns"),
        ("config-env-tilde-alone", [], {"TEROK_ROOT": None, "TEROK_CONFIG_FILE": "~"}, "userns"),
        ("config-env-home-is-tilde", [file("home/c.yml", absolute)],
         {"TEROK_ROOT": None, "TEROK_CONFIG_FILE": "~/c.yml", "HOME": "~"}, "userns"),
        ("config-root-tilde-home-is-tilde", [file("cfg/config.yml", "paths:\n  root: ~/x\n")], {**env, "HOME": "~"}, "userns"),
        ("config-root-tilde-home-unset", [file("cfg/config.yml", "paths:\n  root: ~/x\n")], {**env, "HOME": None}, "userns"),
        ("config-root-tilde-home-empty", [file("cfg/config.yml", "paths:\n  root: ~/x\n")], {**env, "HOME": ""}, "userns"),
        ("config-root-tilde-home-relative", [file("cfg/config.yml", "paths:\n  root: ~/x\n")], {**env, "HOME": "rel"}, "userns"),
        ("config-is-directory", [directory("cfg/config.yml")], env, "userns"),
        ("config-invalid-utf8", [file("cfg/config.yml", b"paths:\n  root: /x\xff\n")], env, "userns"),
        ("config-relative-env", [file("cwd/rel.yml", absolute)], {"TEROK_ROOT": None, "TEROK_CONFIG_FILE": "rel.yml"}, "userns"),
        ("config-tilde-env", [file("home/c.yml", absolute)], {"TEROK_ROOT": None, "TEROK_CONFIG_FILE": "~/c.yml"}, "userns"),
        ("config-empty-env-uses-layers", [file("xdg-config/terok/config.yml", absolute)],
         {"TEROK_ROOT": None, "TEROK_CONFIG_FILE": ""}, "userns"),
        ("config-terok-root-wins", [file("cfg/config.yml", absolute)],
         {"TEROK_ROOT": "{root}/env-root", "TEROK_CONFIG_FILE": "{root}/cfg/config.yml"}, "userns"),
        ("config-symlink-to-file", [file("real.yml", absolute), symlink("cfg/config.yml", "{root}/real.yml")], env, "userns"),
        ("config-dangling-symlink", [directory("cfg"), symlink("cfg/config.yml", "{root}/nope.yml")], env, "userns"),
        ("config-fifo", [directory("cfg"), fifo("cfg/config.yml")], env, "userns"),
        # Real root: the user layer is never read; the default is /var/lib/terok (path only).
        ("root-ignores-user-layer", [file("xdg-config/terok/config.yml", absolute)],
         {"TEROK_ROOT": None, "TEROK_CONFIG_FILE": None}, None),
        ("root-override-file", [file("cfg/config.yml", absolute)], env, None),
        ("root-broken-override", [file("cfg/config.yml", "paths: [\n")], env, None),
        # Unprivileged: unreadable file, unreadable directory.
        ("user-unreadable-file", [dict(file("cfg/config.yml", absolute), mode=0)], env, USER_WITH_PASSWD),
        ("user-eacces-dir", [file("cfg/config.yml", absolute), {"type": "chmod", "path": "cfg", "mode": 0}], env, USER_WITH_PASSWD),
        ("user-readable", [file("cfg/config.yml", absolute)], env, USER_WITH_PASSWD),
        ("user-layer-as-uid1000", [file("xdg-config/terok/config.yml", absolute)],
         {"TEROK_ROOT": None, "TEROK_CONFIG_FILE": None}, USER_WITH_PASSWD),
        ("user-layer-broken-as-uid1000", [file("xdg-config/terok/config.yml", "paths: [\n")],
         {"TEROK_ROOT": None, "TEROK_CONFIG_FILE": None}, USER_WITH_PASSWD),
        ("user-layer-eacces-as-uid1000", [file("xdg-config/terok/config.yml", absolute), {"type": "chmod", "path": "xdg-config/terok", "mode": 0}],
         {"TEROK_ROOT": None, "TEROK_CONFIG_FILE": None}, USER_WITH_PASSWD),
        ("no-passwd-tilde-config", [file("home/c.yml", absolute)],
         {"TEROK_ROOT": None, "TEROK_CONFIG_FILE": "~/c.yml", "HOME": None}, USER_WITHOUT_PASSWD),
        ("no-passwd-user-layer-home-set", [file("xdg-config/terok/config.yml", absolute)],
         {"TEROK_ROOT": None, "TEROK_CONFIG_FILE": None, "XDG_CONFIG_HOME": None}, USER_WITHOUT_PASSWD),
        ("no-passwd-user-layer-no-home", [file("xdg-config/terok/config.yml", absolute)],
         {"TEROK_ROOT": None, "TEROK_CONFIG_FILE": None, "XDG_CONFIG_HOME": None, "HOME": None}, USER_WITHOUT_PASSWD),
        ("no-passwd-broken-home-but-xdg", [file("xdg-config/terok/config.yml", absolute)],
         {"TEROK_ROOT": None, "TEROK_CONFIG_FILE": None, "HOME": None}, USER_WITHOUT_PASSWD),
    ]
    for name, files, env_, user in special:
        out.append(scenario(f"config-{name}", "config", std + links + files, env=env_, user=user,
                            ops=("path", "check", "write")))
    return out


# ── environment variables (SPEC.md section 4) ────────────────────────


def env_cases() -> list[dict]:
    out = []
    std = installed_layout(STD_INSTALLED)
    roots = [
        ("tilde", "~", {}), ("tilde-slash-x", "~/x", {}), ("tilde-double-slash", "~//x", {}),
        ("tilde-home-empty", "~", {"HOME": ""}), ("tilde-home-relative", "~/x", {"HOME": "relhome"}),
        ("tilde-home-trailing-slashes", "~", {"HOME": "{root}/home//"}), ("tilde-home-unset", "~", {"HOME": None}),
        ("tilde-root-user", "~root/x", {}), ("tilde-unknown-user", "~nosuchuser-xyz", {}),
        ("tilde-cloudsdk", "~cloudsdk", {}), ("tilde-in-middle", "{root}/a~b/~", {}),
        ("tilde-home-slash", "~", {"HOME": "/"}), ("tilde-home-double-slash", "~", {"HOME": "//"}),
        ("dot", ".", {}), ("dot-slash", "./", {}), ("dot-dot", "..", {}), ("relative", "rel/x", {}),
        ("double-slash-leading", "/{root}/x", {}), ("triple-slash-leading", "//{root}/x", {}),
        ("double-slash-middle", "{root}//x", {}), ("dotdot-kept", "{root}/a/../b", {}),
        ("relative-dotdot", "a/../b", {}), ("dot-components", "{root}/./x/./y/.", {}),
        ("trailing-slash", "{root}/x/", {}), ("trailing-slashes", "{root}/x///", {}),
        ("space", " ", {}), ("trailing-space", "{root}/x ", {}), ("leading-space", " {root}/x", {}),
        ("unicode", "{root}/ünï", {}), ("newline", "{root}/a\nb", {}), ("colon", "{root}/a:b", {}),
        ("symlinked-not-resolved", "{root}/link/../x", {}),
        ("tilde-home-is-tilde", "~", {"HOME": "~"}), ("tilde-home-is-tilde-x", "~/x", {"HOME": "~/h"}),
        ("tilde-home-is-tilde-user", "~", {"HOME": "~root"}), ("tilde-nobody", "~nobody/x", {}),
        ("tilde-home-space", "~", {"HOME": " "}), ("tilde-home-dot", "~/x", {"HOME": "."}),
        ("tilde-user-trailing-slash", "~root/", {}), ("tilde-user-empty-rest", "~root//x", {}),
    ]
    links = [directory("deep/sub"), symlink("link", "{root}/deep/sub")]
    for name, value, extra in roots:
        env = {"TEROK_ROOT": value, **extra}
        out.append(scenario(f"env-terok-root-{name}", "env", std + links + [directory("home")], env=env,
                            ops=("path", "check", "write")))
    # platformdirs: not real root (uid 0 in a user namespace, and uid 1000).
    xdg_values = [
        ("unset", None), ("empty", ""), ("space", " "), ("relative", "rel"), ("leading-space", " {root}/d"),
        ("trailing-space", "{root}/d "), ("messy", "{root}/d//x/./y/../"), ("double-slash", "/{root}/d"),
        ("trailing-slash", "{root}/d/"), ("tilde", "~/d"), ("dot", "."),
    ]
    home_values = [
        ("unset", None), ("empty", ""), ("relative", "relhome"), ("trailing-slash", "{root}/h/"),
        ("double-slash", "/{root}/h"), ("leading-space", " {root}/h"), ("slash", "/"),
    ]
    for user_name, user in (("userns", "userns"), ("uid1000", USER_WITH_PASSWD), ("nopasswd", USER_WITHOUT_PASSWD)):
        for xname, xval in xdg_values:
            env = {"TEROK_ROOT": None, "TEROK_CONFIG_FILE": "{root}/no-config.yml", "XDG_DATA_HOME": xval}
            out.append(scenario(f"env-{user_name}-xdg-data-{xname}", "env", std + [directory("h")], env=env,
                                user=user, ops=("path", "check", "write")))
        for hname, hval in home_values:
            env = {"TEROK_ROOT": None, "TEROK_CONFIG_FILE": "{root}/no-config.yml", "XDG_DATA_HOME": None, "HOME": hval}
            out.append(scenario(f"env-{user_name}-home-{hname}", "env", std + [directory("h")], env=env,
                                user=user, ops=("path", "check", "write")))
    # The umask decides the stamp's and the new directories' modes.
    for umask in (0o077, 0o000, 0o027):
        out.append(scenario(f"env-umask-{umask:03o}", "env", std, env={"TEROK_ROOT": "{root}/new/a/b"},
                            ops=("path", "check", "write"), umask=umask))
    # Paths that are not UTF-8 (bytes in the environment).
    for name, value in (("latin1", b"@ROOT@/caf\xe9"), ("lone-continuation", b"@ROOT@/x\x80y"), ("utf8", "@ROOT@/café".encode())):
        out.append(scenario(f"env-terok-root-bytes-{name}", "env", std, env={"TEROK_ROOT": value},
                            ops=("check", "write")))
    # XDG_CONFIG_HOME variants for the user layer.
    for xname, xval in xdg_values:
        env = {"TEROK_ROOT": None, "TEROK_CONFIG_FILE": None, "XDG_CONFIG_HOME": xval}
        cfg = [file("xdg-config/terok/config.yml", "paths:\n  root: @ROOT@/from-xdg\n"),
               file("home/.config/terok/config.yml", "paths:\n  root: @ROOT@/from-home\n"),
               file("d/terok/config.yml", "paths:\n  root: @ROOT@/from-d\n")]
        out.append(scenario(f"env-userns-xdg-config-{xname}", "env", std + cfg, env=env, user="userns",
                            ops=("path", "check", "write")))
    return out


# ── privilege ────────────────────────────────────────────────────────


def privilege_cases(rng: random.Random) -> list[dict]:
    out = []
    std = installed_layout(STD_INSTALLED)
    valid = stamp_bytes({"terok": "0.6.0", "terok-sandbox": "0.6.0"})
    users = (("root", None), ("userns", "userns"), ("uid1000", USER_WITH_PASSWD), ("nopasswd", USER_WITHOUT_PASSWD))
    cases: list[tuple[str, list[dict], dict, list[str] | None]] = [
        ("valid", [stamp_file(valid)], {}, None),
        ("default-location", [], {"TEROK_ROOT": None, "TEROK_CONFIG_FILE": "{root}/no-config.yml"}, None),
        ("unlistable-site", std + [stamp_file(valid), {"type": "chmod", "path": "site", "mode": 0}], {}, ["{root}/site"]),
        ("unreadable-metadata", [dict(file("site/terok-1.0.dist-info/METADATA", metadata("1.0")), mode=0),
                                 file("site/terok-1.0.dist-info/PKG-INFO", metadata("2.0")), stamp_file(valid)], {}, None),
        ("unreadable-egg-info-file", [dict(file("site/terok.egg-info", metadata("1.0")), mode=0),
                                      file("site2/terok-3.0.dist-info/METADATA", metadata("3.0")), stamp_file(valid)], {},
         ["{root}/site", "{root}/site2"]),
        ("unreadable-dist-info-dir", [dict(directory("site/terok-1.0.dist-info"), mode=0),
                                      file("site/terok-1.0.dist-info/METADATA", metadata("1.0")), stamp_file(valid)], {}, None),
        ("unreadable-zip", [{"type": "zip", "path": "s.zip", "members": [("terok-1.0.dist-info/METADATA", metadata("1.0").encode())], "mode": 0},
                            stamp_file(valid)], {}, ["{root}/s.zip"]),
        ("read-only-state-dir", std + [stamp_file(valid), {"type": "chmod", "path": "state", "mode": 0o555}], {}, None),
        ("state-dir-owned-by-other", std + [stamp_file(valid), {"type": "chown", "path": "state", "uid": 4243}], {}, None),
        ("stamp-group-readable-only", std + [dict(stamp_file(valid), mode=0o040)], {}, None),
        ("home-unset-terok-root-set", std + [stamp_file(valid)], {"HOME": None}, None),
        ("home-unset-tilde-root", std, {"HOME": None, "TEROK_ROOT": "~/x"}, None),
        ("home-unset-platform-default", std, {"HOME": None, "TEROK_ROOT": None, "XDG_DATA_HOME": None,
                                              "TEROK_CONFIG_FILE": "{root}/no-config.yml"}, None),
        ("home-relative-platform-default", std, {"HOME": "rel", "TEROK_ROOT": None, "XDG_DATA_HOME": None,
                                                 "TEROK_CONFIG_FILE": "{root}/no-config.yml"}, None),
        ("xdg-set-home-unset", std, {"HOME": None, "TEROK_ROOT": None, "TEROK_CONFIG_FILE": "{root}/no-config.yml"}, None),
    ]
    for user_name, user in users:
        for name, files, env, search in cases:
            files = files if any(f.get("path", "").startswith("site") for f in files) else std + files
            out.append(scenario(f"priv-{user_name}-{name}", "privilege", files, env=env, user=user,
                                search_path=search or ["{root}/site"], ops=("path", "check", "versions", "write")))
    return out


def random_version_pairs(rng: random.Random, count: int) -> list[dict]:
    """One stamped/installed pair per scenario, dense in local/pre/post/dev interplay."""
    def near(base: str) -> str:
        text = base
        for _ in range(rng.randint(0, 3)):
            text += rng.choice([".0", ".1", "a1", "b2", "rc0", ".post1", ".post0", ".dev0", ".dev1", "post2", "-1",
                                "+1", "+01", "+a", "+A.1", "+1.a", "+a.1", "+abc.007", "+0", ".0a1", "c1", "pre1"])
        if rng.random() < 0.15:
            text = rng.choice(["0!", "1!", "01!", "2!"]) + text
        if rng.random() < 0.1:
            text = rng.choice(["v", " ", "\t", "V"]) + text
        return text
    out = []
    for i in range(count):
        base = rng.choice(["1", "1.0", "1.0.0", "0.9", "2", "10.1", "1.01", "1.00"])
        stamped, installed = near(base), near(base)
        layout = installed_layout({"terok": installed})
        out.append(scenario(f"stamp-random-pair-{i:03d}", "version_compare",
                            layout + [stamp_file(stamp_bytes({"terok": stamped}))], ops=("check",),
                            note=f"stamped {stamped!r} vs installed {installed!r}"))
    return out


# ── random fuzz: str() coercion, METADATA headers, YAML scalars ──────


def random_text(rng: random.Random, n: int) -> str:
    """Code points from every plane, non-printables and quotes included."""
    pools = [
        lambda: chr(rng.randrange(0x20, 0x7F)),
        lambda: rng.choice("'\"\\\n\r\t\x00\x07\x1b\x7f"),
        lambda: chr(rng.randrange(0x80, 0x800)),
        lambda: chr(rng.randrange(0x800, 0xD800)),
        lambda: chr(rng.randrange(0xE000, 0x10000)),
        lambda: chr(rng.randrange(0x10000, 0x110000)),
        lambda: chr(rng.randrange(0xD800, 0xE000)),
        lambda: rng.choice("\u00a0\u00ad\u034f\u061c\u115f\u1680\u180e\u200b\u200e\u2028\u2029\u202f\u2060\u2066\u3000\ufeff\ufff9\U000e0001\U000e0100\U0001f600\U0001fbf0\U00031350\U000323af\U0002ebf0"),
    ]
    return "".join(rng.choice(pools)() for _ in range(n))


def random_float_text(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.3:
        import struct

        value = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))[0]
        if value != value or value in (float("inf"), float("-inf")):
            return "1e999"
        return repr(value)
    if roll < 0.6:
        mant = str(rng.randrange(1, 10 ** rng.randint(1, 20)))
        point = rng.randint(0, len(mant))
        return f"{'-' if rng.random() < 0.3 else ''}{mant[:point] or '0'}.{mant[point:] or '0'}e{rng.randint(-330, 310)}"
    if roll < 0.8:
        return repr(rng.choice([10.0 ** rng.randint(-20, 25), 2.0 ** rng.randint(-1074, 1023), rng.random() * 10 ** rng.randint(-8, 20)]))
    digits = "".join(rng.choice("0123456789") for _ in range(rng.randint(17, 40)))
    return f"0.{digits}" if rng.random() < 0.5 else f"{digits}.5e-{rng.randint(0, 40)}"


def random_json_value(rng: random.Random, depth: int = 0) -> str:
    roll = rng.random()
    if depth > 2 or roll < 0.35:
        return random_float_text(rng)
    if roll < 0.5:
        return str(rng.randrange(-10**30, 10**30))
    if roll < 0.6:
        return rng.choice(["true", "false", "null", "NaN", "Infinity", "-Infinity", "-0", "-0.0"])
    if roll < 0.8:
        items = [json.dumps(random_text(rng, rng.randint(0, 8))) for _ in range(rng.randint(1, 4))]
        items += [random_json_value(rng, depth + 1) for _ in range(rng.randint(0, 2))]
        rng.shuffle(items)
        return "[" + ", ".join(items) + "]"
    pairs = [f"{json.dumps(random_text(rng, rng.randint(0, 5)))}: {random_json_value(rng, depth + 1)}" for _ in range(rng.randint(1, 3))]
    return "{" + ", ".join(pairs) + "}"


def random_coercions(rng: random.Random, count: int) -> list[dict]:
    """Random values in every tracked slot; ``stamped`` shows each one's str()."""
    out = []
    std = installed_layout({n: "0.0" for n in TRACKED})
    for i in range(count):
        # The first slot holds an exact match so the verdict is reached and
        # the whole mapping is reported.
        pkgs = ['"terok": "0.0"'] + [f"{json.dumps(n)}: {random_json_value(rng)}" for n in TRACKED[1:]]
        data = raw_stamp("{" + ", ".join(pkgs) + "}")
        out.append(scenario(f"stamp-coerce-random-{i:03d}", "stamp_random", std + [stamp_file(data)], ops=("check",)))
    return out


def random_metadata(rng: random.Random, count: int) -> list[dict]:
    fragments = [
        "Version: {v}", "version:{v}", "VERSION:\t{v}", "Version:  {v}  ", "Version:", "Version : {v}", "X-A: b",
        "Name: terok", "From x", "From:x", " continued", "\tcontinued", "", " ", "garbage", "Version:{v}:{v}",
        "Metadata-Version: 2.1", "Summary: a: b", "Description: |", ":", "Versions: {v}", "X-Version: {v}",
    ]
    newlines = ["\n", "\r\n", "\r"]
    out = []
    for i in range(count):
        nl = rng.choice(newlines) if rng.random() < 0.8 else None
        lines = [rng.choice(fragments).replace("{v}", random_version(rng)) for _ in range(rng.randint(1, 8))]
        text = "".join(line + (nl or rng.choice(newlines)) for line in lines)
        if rng.random() < 0.2:
            text = text.rstrip("\r\n")
        files = [file("site/terok-1.0.dist-info/METADATA", text)]
        if rng.random() < 0.3:
            files.append(file("site/terok-1.0.dist-info/PKG-INFO", "Version: 9.9\n"))
        out.append(scenario(f"layout-random-metadata-{i:03d}", "layout", files + [stamp_file(stamp_bytes({"terok": "1.0"}))],
                            ops=("check", "versions")))
    return out


def random_yaml_scalars(rng: random.Random, count: int) -> list[dict]:
    """``paths.root: <token>``: the YAML 1.2 resolver and str() of the result."""
    atoms = ["0", "1", "9", "12", "007", ".", "-", "+", "_", "e", "E", "x", "X", "o", "b", "a", "f", ":", "T", "Z",
             "t", " ", "inf", "nan", "Inf", "true", "null", "yes", "~", "2024-01-02", "10:20:30", ".5", "e+3", "0x", "0o"]
    out = []
    for i in range(count):
        token = "".join(rng.choice(atoms) for _ in range(rng.randint(1, 5))).strip() or "0"
        if token.startswith(("-", "?", ":")) and len(token) > 1 and token[1] == " ":
            token = "q" + token
        quote = rng.random()
        value = token if quote < 0.8 else (f"'{token}'" if quote < 0.9 else json.dumps(token))
        cfg = file("cfg/config.yml", f"paths:\n  root: {value}\n")
        env = {"TEROK_ROOT": None, "TEROK_CONFIG_FILE": "{root}/cfg/config.yml"}
        out.append(scenario(f"config-random-scalar-{i:03d}", "config", [directory("site"), cfg], env=env,
                            user="userns", ops=("path",), note=f"root: {value}"))
    return out


# ── --python: the search path of a virtual environment ───────────────

PROBE = "import json, sys\nprint(json.dumps(sys.path))\n"


def python_env_cases() -> list[dict]:
    """``--python VENV`` against the reference run with the console-script ``sys.path``.

    The reference side asks the venv's interpreter for ``sys.path`` as a
    console script in ``venv/bin`` sees it (``probe`` there) and uses exactly
    that list.  Root only: the base interpreter lives under /root.
    """
    out = []
    venv = [{"type": "venv", "path": "venv"}, file("venv/bin/probe", PROBE)]
    sp = "venv/lib/python3.12/site-packages"
    std = [f for f in installed_layout(STD_INSTALLED, sp) if f["type"] != "dir"]
    cases: list[tuple[str, list[dict], dict, str]] = [
        ("venv-dir", std, {}, "{root}/venv"),
        ("venv-interpreter", std, {}, "{root}/venv/bin/python"),
        ("venv-python3-symlink", std, {}, "{root}/venv/bin/python3"),
        ("pth-adds-dir", std + installed_layout({"terok": "9.0", "terok-clearance": "3.0"}, "extra")
         + [file(f"{sp}/extra.pth", "@ROOT@/extra\n")], {}, "{root}/venv"),
        ("pth-odd-lines", std + installed_layout({"terok-clearance": "3.1"}, "venv/rel")
         + [file(f"{sp}/a.pth", "# comment\n\n../../../rel\n  \nimport os\n@ROOT@/nonexistent\n../../../rel\n")],
         {}, "{root}/venv"),
        ("pth-order", std + installed_layout({"terok-clearance": "1.0"}, "e1") + installed_layout({"terok-clearance": "2.0"}, "e2")
         + [file(f"{sp}/b.pth", "@ROOT@/e2\n"), file(f"{sp}/a.pth", "@ROOT@/e1\n")], {}, "{root}/venv"),
        ("pythonpath", std + installed_layout({"terok": "5.0"}, "pp"), {"PYTHONPATH": "{root}/pp"}, "{root}/venv"),
        ("pythonpath-several", std + installed_layout({"terok": "5.0"}, "pp") + installed_layout({"terok-clearance": "6.0"}, "pq"),
         {"PYTHONPATH": "{root}/pq:{root}/missing::{root}/pp"}, "{root}/venv"),
        ("dist-in-bin", std + [file("venv/bin/terok-0.1.dist-info/METADATA", metadata("0.1"))], {}, "{root}/venv"),
        ("empty-venv", [], {}, "{root}/venv"),
    ]
    for name, files, env, python in cases:
        out.append(scenario(f"python-{name}", "python_env", venv + files, env=env, search_path=[],
                            ops=("check", "versions"), python=python))
    return out


# ── all together ─────────────────────────────────────────────────────


def generate(seed: int = SEED) -> list[dict]:
    """Every scenario, in a stable order; ids are unique."""
    rng = random.Random(seed)
    out = (
        stamp_traps(rng)
        + random_stamps(rng, 260)
        + deep_nesting()
        + large_stamps()
        + layouts(rng)
        + stat_cases()
        + config_cases()
        + env_cases()
        + privilege_cases(rng)
        + python_env_cases()
        + random_version_pairs(rng, 200)
        + random_coercions(rng, 80)
        + random_metadata(rng, 60)
        + random_yaml_scalars(rng, 100)
    )
    seen: set[str] = set()
    for sc in out:
        if sc["id"] in seen:
            raise ValueError(f"duplicate scenario id {sc['id']}")
        seen.add(sc["id"])
    return out


if __name__ == "__main__":
    scenarios = generate()
    for kind, n in sorted(Counter(s["kind"] for s in scenarios).items()):
        print(f"{kind:32} {n}")
    print(f"{'total':32} {len(scenarios)}")
