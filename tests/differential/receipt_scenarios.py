"""Generated scenarios for the receipt differential suite
(test_receipts_differential.py): what is at the receipt path, and what the
running owner would check, write or clear.

A scenario is a dict:

* ``id`` — unique, stable for a given seed;
* ``kind`` — the group it belongs to (for summaries);
* ``state`` — what is at the receipt path before the operation: ``None``
  (nothing), ``("bytes", data)``, ``("dir",)``, ``("parent-file",)``,
  ``("symlink", target, data_or_None)``, ``("loop",)``, ``("fifo",)``,
  ``("device", "/dev/null")``;
* ``owner``, ``version``, ``inputs`` — the running side (any Python objects:
  the reference takes whatever it is given);
* ``known`` — for a deliberate difference: why (the test asserts the
  difference holds exactly).

``python receipt_scenarios.py`` prints a summary by kind.
"""

from __future__ import annotations

import json
import random
from collections import Counter

from scenarios import random_version  # the stamp suite's realistic PEP 440 generator

SEED = 20260403

OWNER = "terok-sandbox"

# ── Versions ──────────────────────────────────────────────────────────

#: Spellings whose normalized form (str(Version)) differs from the text.
NORMALIZING = [
    "1.0RC1",
    "1.0rc1",
    "v1.0",
    "V1.0",
    "1.0-1",
    "1.0_1",  # invalid
    "1.0.post1",
    "1.0-post1",
    "1.0post1",
    "1.0.rev1",
    "1.0-r1",
    "1.0.dev1",
    "1.0dev",
    "1.0-dev1",
    "1.0a1",
    "1.0alpha1",
    "1.0.alpha.1",
    "1.0b2",
    "1.0beta2",
    "1.0c1",
    "1.0pre1",
    "1.0preview1",
    "1.0-rc.1",
    "1.0.RC.1",
    "1!1.0",
    "0!1.0",
    "2!0.1",
    "1.0+Local.Ver",
    "1.0+local-ver_1",
    "1.0+ubuntu1",
    "01.002",
    "1.0.0.0.0",
    "1.00",
    "  1.0  ",
    "\t1.0\n",
    "1" + "0" * 30,
    "1." + "9" * 40,
    "1.0.post1.dev2",
    "1.0a1.post2.dev3+x.y",
    "1.0.0-ALPHA",
    "1.0-a",
    "1.0a",
    "1.0.a",
    "1.0rc",
    "1.0.post",
    "1.0-",
    "1.0+",
    "1.0++x",
    "١.٠",
    "1.0\x00",
    "1.0 beta",
    "latest",
    "",
    " ",
    "1..0",
    "0.6.0\u200b",
    "1.0\u2028",
]

INVALID_VERSIONS = ["x", "latest", "1.0_1", "", " ", "1..0", "main", "1.0+", "-1", "☃", "1.0 beta", "v", "1.0.", "1.0-1-1"]


def near(rng: random.Random, version: str) -> str:
    """A version equal to, just above or just below ``version`` (or another one)."""
    roll = rng.random()
    if roll < 0.3:
        return version
    if roll < 0.55:
        return version + rng.choice([".0", ".0.0", " ", "+local", ".post1", ".dev0", "a1", "rc1", ".1"])
    if roll < 0.85:
        return random_version(rng)
    return rng.choice(INVALID_VERSIONS)


# ── Receipts ──────────────────────────────────────────────────────────

KEYS = ["python", "host_tools", "desktop_policy", "routes", "a", "", "é", "k=v", "😀", "key with space"]
VALUES = ["", "1", "x", '["/usr/bin/python3", "3.12.1", [1, 2, 3, 4]]', "é", "😀", "a=b", "line\nbreak", "\t", "0" * 40]


def receipt_json(owner: object = OWNER, version: object = "1.0", inputs: object = None, **kw) -> bytes:
    doc = {"owner": owner, "version": version, "inputs": {} if inputs is None else inputs}
    doc.update(kw)
    return (json.dumps(doc, sort_keys=True) + "\n").encode()


def random_inputs(rng: random.Random) -> dict[str, str]:
    return {rng.choice(KEYS): rng.choice(VALUES) for _ in range(rng.choice([0, 1, 2, 3, 4]))}


def perturb_inputs(rng: random.Random, inputs: dict[str, str]) -> dict[str, str]:
    out = dict(inputs)
    roll = rng.random()
    if roll < 0.4:
        return dict(reversed(list(out.items())))  # same mapping, other order
    if roll < 0.55 and out:
        key = rng.choice(list(out))
        out[key] = out[key] + "x"
    elif roll < 0.7:
        out[rng.choice(KEYS) + "2"] = "1"
    elif roll < 0.85 and out:
        del out[rng.choice(list(out))]
    return out


def scenario(sid: str, kind: str, state, owner=OWNER, version="1.0", inputs=None, **kw) -> dict:
    return {
        "id": sid,
        "kind": kind,
        "state": state,
        "owner": owner,
        "version": version,
        "inputs": {} if inputs is None else inputs,
        **kw,
    }


def status_scenarios() -> list[dict]:
    """Every status and every diagnostic, plainly."""
    good = ("bytes", receipt_json(inputs={"a": "1", "b": "2"}))
    inputs = {"a": "1", "b": "2"}
    return [
        scenario("status-missing", "status", None, inputs=inputs),
        scenario("status-ready", "status", good, inputs=inputs),
        scenario("status-ready-reordered", "status", good, inputs={"b": "2", "a": "1"}),
        scenario("status-ready-equal-version", "status", good, version="1.0.0", inputs=inputs),
        scenario("status-stale-version", "status", good, version="1.1", inputs=inputs),
        scenario("status-stale-value", "status", good, inputs={"a": "1", "b": "3"}),
        scenario("status-stale-extra", "status", good, inputs={**inputs, "c": "3"}),
        scenario("status-stale-missing", "status", good, inputs={"a": "1"}),
        scenario("status-stale-empty", "status", good, inputs={}),
        scenario("status-downgrade", "status", good, version="0.9", inputs=inputs),
        scenario("status-invalid-unreadable", "status", ("bytes", b"{"), inputs=inputs),
        scenario("status-invalid-format", "status", ("bytes", receipt_json(owner="other")), inputs=inputs),
        scenario("status-invalid-version", "status", ("bytes", receipt_json(version="1.0_1")), inputs=inputs),
        scenario("status-invalid-running-version", "status", good, version="nope", inputs=inputs),
    ]


def malformed_scenarios() -> list[dict]:
    """Receipts that are not receipts, one trap at a time."""
    valid = receipt_json(inputs={"a": "1"})
    text = valid.decode()
    docs: list[tuple[str, bytes]] = [
        ("empty", b""),
        ("newline", b"\n"),
        ("null", b"null"),
        ("list", b"[]"),
        ("string", b'"receipt"'),
        ("number", b"1"),
        ("empty-object", b"{}"),
        ("extra-key", receipt_json(extra=1)),
        ("extra-key-null", receipt_json(extra=None)),
        ("missing-owner", b'{"version": "1.0", "inputs": {}}'),
        ("missing-version", b'{"owner": "terok-sandbox", "inputs": {}}'),
        ("missing-inputs", b'{"owner": "terok-sandbox", "version": "1.0"}'),
        ("legacy-stamp", b'{"completed_at": "x", "packages": {"terok": "1.0"}, "version": 1}'),
        ("owner-int", receipt_json(owner=1)),
        ("owner-null", receipt_json(owner=None)),
        ("owner-bool", receipt_json(owner=True)),
        ("owner-list", receipt_json(owner=[OWNER])),
        ("owner-empty", receipt_json(owner="")),
        ("owner-other", receipt_json(owner="terok")),
        ("owner-case", receipt_json(owner="Terok-Sandbox")),
        ("owner-space", receipt_json(owner=OWNER + " ")),
        ("version-int", receipt_json(version=1)),
        ("version-float", receipt_json(version=1.0)),
        ("version-bool", receipt_json(version=True)),
        ("version-false", receipt_json(version=False)),
        ("version-null", receipt_json(version=None)),
        ("version-list", receipt_json(version=["1.0"])),
        ("version-object", receipt_json(version={"v": "1.0"})),
        ("version-nan", text.replace('"version": "1.0"', '"version": NaN').encode()),
        ("version-infinity", text.replace('"version": "1.0"', '"version": -Infinity').encode()),
        ("version-huge-float", text.replace('"version": "1.0"', '"version": 1e400').encode()),
        ("version-huge-int", text.replace('"version": "1.0"', '"version": ' + "9" * 5000).encode()),
        ("version-4300-digit-int", text.replace('"version": "1.0"', '"version": ' + "9" * 4300).encode()),
        ("inputs-list", receipt_json(inputs=[["a", "1"]])),
        ("inputs-string", receipt_json(inputs="a=1")),
        ("inputs-null", receipt_json(inputs=None).replace(b'"inputs": {}', b'"inputs": null')),
        ("inputs-int-value", receipt_json(inputs={"a": 1})),
        ("inputs-null-value", receipt_json(inputs={"a": None})),
        ("inputs-bool-value", receipt_json(inputs={"a": True})),
        ("inputs-nested-value", receipt_json(inputs={"a": {"b": "c"}})),
        ("inputs-list-value", receipt_json(inputs={"a": ["1"]})),
        ("inputs-huge-number", text.replace('"a": "1"', '"a": ' + "1" * 5000).encode()),
        ("duplicate-owner-last-wins", text.replace("{", '{"owner": "other", ', 1).encode()),
        ("duplicate-owner-last-bad", text.replace("}\n", ', "owner": "other"}\n').encode()),
        ("duplicate-input-last-wins", text.replace('"a": "1"', '"a": "0", "a": "1"').encode()),
        ("duplicate-input-last-differs", text.replace('"a": "1"', '"a": "1", "a": "0"').encode()),
        ("duplicate-version", text.replace('"version": "1.0"', '"version": "9.0", "version": "1.0"').encode()),
        ("bom", b"\xef\xbb\xbf" + valid),
        ("utf16-bom", b"\xff\xfe" + valid.decode().encode("utf-16-le")),
        ("utf16", valid.decode().encode("utf-16")),
        ("invalid-utf8", valid.replace(b'"1"', b'"\xff"')),
        ("invalid-utf8-outside", valid + b"\xff"),
        ("latin1-in-string", valid.replace(b'"1"', b'"\xe9"')),
        ("overlong-utf8", valid.replace(b'"1"', b'"\xc0\xb1"')),
        ("encoded-surrogate-utf8", valid.replace(b'"1"', b'"\xed\xa0\x80"')),
        ("lone-surrogate-escape-value", text.replace('"a": "1"', '"a": "\\ud800"').encode()),
        ("lone-surrogate-escape-key", text.replace('"a": "1"', '"\\udc00": "1"').encode()),
        ("lone-surrogate-owner", text.replace(OWNER, "\\ud800").encode()),
        ("lone-surrogate-version", text.replace('"1.0"', '"\\ud800"').encode()),
        ("surrogate-pair-escape", text.replace('"a": "1"', '"a": "\\ud83d\\ude00"').encode()),
        ("escaped-owner", text.replace(OWNER, "terok\\u002dsandbox").encode()),
        ("escaped-version", text.replace('"1.0"', '"\\u0031.0"').encode()),
        ("nul-escape-value", text.replace('"a": "1"', '"a": "1\\u0000"').encode()),
        ("raw-control-in-string", text.replace('"a": "1"', '"a": "1\t"').encode()),
        ("raw-newline-in-string", text.replace('"a": "1"', '"a": "1\n"').encode()),
        ("crlf-whitespace", text.replace(", ", ",\r\n").encode()),
        ("cr-whitespace", text.replace(", ", ",\r").encode()),
        ("leading-whitespace", b" \t\n" + valid),
        ("no-trailing-newline", valid.rstrip(b"\n")),
        ("trailing-garbage", valid + b"x"),
        ("two-objects", valid + valid),
        ("trailing-comma", text.replace("}}", "},}").encode()),
        ("single-quotes", text.replace('"', "'").encode()),
        ("comment", b"// receipt\n" + valid),
        ("nul-byte", valid + b"\x00"),
        ("form-feed", b"\x0c" + valid),
        ("nbsp-whitespace", "\u00a0".encode() + valid),
        ("nested-inputs-deep-10", text.replace('"a": "1"', '"a": ' + "[" * 10 + "]" * 10).encode()),
        ("nested-root-100", b"[" * 100 + b"]" * 100),
        ("nested-root-500", b"[" * 500 + b"]" * 500),
        ("nested-object-500", b'{"a": ' * 500 + b"1" + b"}" * 500),
        ("nested-unclosed-500", b"[" * 500),
    ]
    for cut in (1, 2, 10, 20, 40, len(valid) // 2, len(valid) - 3, len(valid) - 2, len(valid) - 1):
        docs.append((f"truncated-{cut}", valid[:cut]))
    out = [scenario(f"malformed-{name}", "malformed", ("bytes", data), inputs={"a": "1"}) for name, data in docs]
    # What is at the path, rather than in the file.
    for name, state in [
        ("directory", ("dir",)),
        ("parent-is-file", ("parent-file",)),
        ("symlink-to-receipt", ("symlink", "target.json", valid)),
        ("dangling-symlink", ("symlink", "target.json", None)),
        ("symlink-loop", ("loop",)),
        ("dev-null", ("device", "/dev/null")),
    ]:
        out.append(scenario(f"path-{name}", "path", state, inputs={"a": "1"}))
    return out


def known_difference_scenarios() -> list[dict]:
    """Deliberate differences (SPEC-DIFFERENCES.md): the reference blocks,
    reads without bound or recurses past its limit; we say ``invalid`` at once."""
    big = receipt_json(inputs={"a": "1", "pad": "x" * (1 << 20)})
    return [
        scenario(
            "known-fifo",
            "known",
            ("fifo",),
            inputs={"a": "1"},
            known="a FIFO: the reference blocks in open() until a writer comes; we do not wait",
        ),
        scenario(
            "known-device-zero",
            "known",
            ("device", "/dev/zero"),
            inputs={"a": "1"},
            known="an endless device: the reference reads until memory runs out; we read no device",
        ),
        scenario(
            "known-over-1mib",
            "known",
            ("bytes", big),
            inputs={"a": "1", "pad": "x" * (1 << 20)},
            known="a receipt over 1 MiB: the reference reads it all (ready here); we refuse to read it",
            reference_says=("status", "ready", ""),
        ),
        scenario(
            "known-nested-100000",
            "known",
            ("bytes", b"[" * 100000 + b"]" * 100000),
            inputs={},
            known="JSON nested past Python's recursion limit: the reference raises RecursionError",
            reference_says=("raise", "RecursionError", None),
        ),
        scenario(
            "known-nested-in-inputs-100000",
            "known",
            ("bytes", receipt_json().replace(b'"inputs": {}', b'"inputs": ' + b"[" * 100000 + b"]" * 100000)),
            inputs={},
            known="JSON nested past Python's recursion limit: the reference raises RecursionError",
            reference_says=("raise", "RecursionError", None),
        ),
    ]


def version_scenarios() -> list[dict]:
    """Version normalization, in the downgrade diagnostic above all."""
    out = []
    lows = ["0.1", "0.9", "1.0.dev0", "0!9.0", "1.0a0"]
    for i, spelled in enumerate(NORMALIZING):
        for j, low in enumerate(lows):
            out.append(
                scenario(f"version-stored-{i}-{j}", "version", ("bytes", receipt_json(version=spelled)), version=low)
            )
        # The same version spelled differently: ready (or invalid).
        out.append(scenario(f"version-self-{i}", "version", ("bytes", receipt_json(version=spelled)), version=spelled))
        out.append(scenario(f"version-running-{i}", "version", ("bytes", receipt_json(version="0.5")), version=spelled))
        out.append(
            scenario(f"version-high-stored-{i}", "version", ("bytes", receipt_json(version="9!9")), version=spelled)
        )
    # A running version with a number Python refuses to convert.
    out.append(scenario("version-running-4301-digits", "version", ("bytes", receipt_json()), version="9" * 4301))
    out.append(scenario("version-running-4300-digits", "version", ("bytes", receipt_json()), version="9" * 4300))
    out.append(
        scenario("version-stored-4301-digits", "version", ("bytes", receipt_json(version="1." + "9" * 4301)))
    )
    out.append(
        scenario(
            "version-stored-bad-running-huge",
            "version",
            ("bytes", receipt_json(version="bad")),
            version="9" * 4301,
        )
    )
    out.append(scenario("version-missing-running-huge", "version", None, version="9" * 4301))
    return out


def running_oddities() -> list[dict]:
    """Running owners, versions and inputs of other types (binding only:
    the command line carries strings)."""
    good = ("bytes", receipt_json(inputs={"a": "1"}))
    out = []
    for name, owner, version, inputs in [
        ("owner-int", 1, "1.0", {"a": "1"}),
        ("owner-none", None, "1.0", {"a": "1"}),
        ("owner-bytes", OWNER.encode(), "1.0", {"a": "1"}),
        ("owner-empty", "", "1.0", {"a": "1"}),
        ("version-none", OWNER, None, {"a": "1"}),
        ("version-int", OWNER, 1, {"a": "1"}),
        ("version-float", OWNER, 1.0, {"a": "1"}),
        ("version-bytes", OWNER, b"1.0", {"a": "1"}),
        ("inputs-int-value", OWNER, "1.0", {"a": 1}),
        ("inputs-int-key", OWNER, "1.0", {1: "1"}),
        ("inputs-list", OWNER, "1.0", [("a", "1")]),
        ("inputs-none", OWNER, "1.0", None),
        ("surrogate-version", OWNER, "\ud800", {"a": "1"}),
        ("surrogate-input-value", OWNER, "1.0", {"a": "\ud800"}),
    ]:
        for state_name, state in [("missing", None), ("good", good), ("newer", ("bytes", receipt_json(version="9")))]:
            sc = scenario(f"odd-{name}-{state_name}", "odd", state, owner=owner, version=version, inputs=inputs)
            if name == "inputs-none":
                sc["inputs"] = None
            out.append(sc)
    return out


def random_scenarios(rng: random.Random, count: int) -> list[dict]:
    """Realistic receipts and running owners, some of them broken a little."""
    out = []
    for i in range(count):
        stored_version = random_version(rng) if rng.random() < 0.9 else rng.choice(INVALID_VERSIONS)
        inputs = random_inputs(rng)
        owner = OWNER if rng.random() < 0.9 else rng.choice(["terok", "", "x"])
        data = receipt_json(owner=owner, version=stored_version, inputs=inputs)
        roll = rng.random()
        if roll < 0.05:
            data = data[: rng.randrange(len(data))]
        elif roll < 0.08:
            data = data.replace(b'"inputs"', b'"Inputs"')
        elif roll < 0.1:
            data = b"\xef\xbb\xbf" + data
        state = ("bytes", data) if rng.random() < 0.95 else None
        running_inputs = perturb_inputs(rng, inputs) if rng.random() < 0.7 else dict(inputs)
        out.append(
            scenario(
                f"random-{i}",
                "random",
                state,
                version=near(rng, stored_version),
                inputs=running_inputs,
            )
        )
    return out


def check_scenarios(random_count: int = 800) -> list[dict]:
    rng = random.Random(SEED)
    return (
        status_scenarios()
        + malformed_scenarios()
        + known_difference_scenarios()
        + version_scenarios()
        + running_oddities()
        + random_scenarios(rng, random_count)
    )


def write_scenarios(random_count: int = 150) -> list[dict]:
    """Starting states and running owners for write() and clear()."""
    rng = random.Random(SEED + 1)
    states = [
        ("missing", None),
        ("older", ("bytes", receipt_json(version="0.9", inputs={"a": "1"}))),
        ("same", ("bytes", receipt_json(version="1.0", inputs={"a": "1"}))),
        ("same-other-inputs", ("bytes", receipt_json(version="1.0", inputs={"b": "2"}))),
        ("newer", ("bytes", receipt_json(version="1.1", inputs={"a": "1"}))),
        ("newer-normalized", ("bytes", receipt_json(version="1.0.POST1"))),
        ("newer-epoch", ("bytes", receipt_json(version="1!0.1"))),
        ("invalid-json", ("bytes", b"{")),
        ("other-owner-newer", ("bytes", receipt_json(owner="other", version="9.0"))),
        ("invalid-stored-version", ("bytes", receipt_json(version="bad"))),
        ("huge-stored-version", ("bytes", receipt_json(version="9" * 4301))),
        ("directory", ("dir",)),
        ("parent-is-file", ("parent-file",)),
        ("symlink", ("symlink", "target.json", receipt_json(version="0.9"))),
        ("symlink-newer", ("symlink", "target.json", receipt_json(version="2.0"))),
        ("dangling-symlink", ("symlink", "target.json", None)),
    ]
    runnings = [
        ("plain", OWNER, "1.0", {"a": "1"}),
        ("unicode", OWNER, "1.0", {"é": "😀", "z": "line\nbreak", "": "", "k": "a=b"}),
        ("normalizable", OWNER, "v1.0RC1", {}),
        ("invalid-version", OWNER, "1.0_1", {"a": "1"}),
        ("empty-owner", "", "1.0", {"a": "1"}),
        ("huge-version", OWNER, "9" * 4301, {}),
        ("many-inputs", OWNER, "1.0", {f"k{i:03}": str(i) for i in range(60)}),
        ("unicode-owner", "tërok-😀", "1.0", {}),
        ("long-version", OWNER, "1." + "0" * 100, {}),
    ]
    out = []
    for state_name, state in states:
        for run_name, owner, version, inputs in runnings:
            out.append(
                scenario(f"w-{state_name}-{run_name}", "write", state, owner=owner, version=version, inputs=inputs)
            )
    for name, owner, version, inputs in [
        ("owner-int", 1, "1.0", {}),
        ("version-none", OWNER, None, {}),
        ("inputs-int-value", OWNER, "1.0", {"a": 1}),
        ("inputs-pairs", OWNER, "1.0", [("a", "1")]),
    ]:
        for state_name, state in [("missing", None), ("newer", states[4][1])]:
            out.append(
                scenario(f"w-odd-{name}-{state_name}", "write-odd", state, owner=owner, version=version, inputs=inputs)
            )
    for i in range(random_count):
        stored = receipt_json(version=random_version(rng), inputs=random_inputs(rng))
        state = ("bytes", stored) if rng.random() < 0.8 else None
        out.append(
            scenario(
                f"w-random-{i}",
                "write-random",
                state,
                version=near(rng, random_version(rng)),
                inputs=random_inputs(rng),
            )
        )
    return out


if __name__ == "__main__":
    for name, scenarios in [("check", check_scenarios()), ("write/clear", write_scenarios())]:
        kinds = Counter(s["kind"] for s in scenarios)
        print(f"{name}: {len(scenarios)} scenarios: " + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))
