"""What `import setup_stamp` loads: the structure behind its import time.

Timing belongs to `scripts/bench-python`; these tests pin what makes the
import cheap, in fresh interpreters: only `enum` (which `SetupVerdict` needs)
and the extension are loaded, and the extension does not pull in
`libgcc_s.so.1` (its unwinder is linked in statically; see
crates/setup-stamp-py/build.rs).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

import setup_stamp


def fresh(code: str) -> dict:
    """Run `code` in a fresh interpreter of this venv; it prints one JSON value."""
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    return json.loads(out.stdout)


def test_import_loads_enum_and_the_extension_only() -> None:
    before, after = fresh(
        "import sys\n"
        "before = set(sys.modules)\n"
        "import setup_stamp\n"
        "after = set(sys.modules)\n"
        "import json\n"
        "print(json.dumps([sorted(before), sorted(after)]))"
    )
    loaded = set(after) - set(before)
    assert {"setup_stamp", "setup_stamp._native", "enum"} <= loaded
    # Needed only on some paths, imported there: the extras, pathlib (a
    # returned path), json (the bad-JSON error), and none of the reference's
    # heavy imports.
    for lazy in (
        "setup_stamp._extras",
        "pathlib",
        "json.decoder",
        "datetime",
        "importlib.metadata",
        "email",
        "re",
    ):
        assert lazy not in loaded, lazy
    allowed = {
        "setup_stamp",
        "setup_stamp._native",
        # enum and what it imports (CPython 3.11-3.14)
        "enum",
        "types",
        "operator",
        "_operator",
        "functools",
        "_functools",
        "collections",
        "_collections",
        "itertools",
        "keyword",
        "reprlib",
        "heapq",
        "_heapq",
        "collections.abc",
        "_weakrefset",
        "weakref",
        "copyreg",
    }
    assert loaded <= allowed, sorted(loaded - allowed)


def test_the_extras_load_on_first_use() -> None:
    loaded = fresh(
        "import sys, setup_stamp\n"
        "first = 'setup_stamp._extras' in sys.modules\n"
        "setup_stamp.check_report\n"
        "import json\n"
        "print(json.dumps([first, 'setup_stamp._extras' in sys.modules]))"
    )
    assert loaded == [False, True]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="ELF shared-library detail")
@pytest.mark.skipif(
    setup_stamp._native.UNWINDER != "static",
    reason="optional: built with the dynamic libgcc_s on request (SETUP_STAMP_DYNAMIC_LIBGCC)"
    if "SETUP_STAMP_DYNAMIC_LIBGCC" in os.environ
    else "libgcc_eh.a (gcc): without it the extension links the dynamic libgcc_s",
)
def test_importing_does_not_map_libgcc_s() -> None:
    mapped = fresh(
        "import json, setup_stamp\n"
        "with open('/proc/self/maps') as maps:\n"
        "    print(json.dumps(sorted({line.split()[-1] for line in maps if 'libgcc_s' in line})))"
    )
    assert mapped == []
