#!/usr/bin/env python3
"""Run one scenario by id in both implementations and print the raw results.

    .venv-ref/bin/python tests/differential/run_one.py [--copy] SCENARIO_ID ["check --json" "path" ...]

Builds the scenario under /tmp/setup-stamp-one/s (kept for inspection) and runs
each command in the reference (the released module in ``.venv-stamp``; with
``--copy``, reference.py's copy in this interpreter) and in
``$SETUP_STAMP_BIN`` (default target/debug/setup-stamp), printing
``(exit code, stdout[, stderr])``.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import reference  # noqa: E402
import test_differential as T  # noqa: E402


def main(argv: list[str]) -> int:
    copy = argv[:1] == ["--copy"]
    argv = argv[1:] if copy else argv
    if not argv:
        print(__doc__)
        return 2
    matches = [s for s in T.SCENARIOS if s["id"] == argv[0]]
    if not matches:
        print(f"no scenario {argv[0]!r}", file=sys.stderr)
        return 2
    sc = matches[0]
    top = Path("/tmp/setup-stamp-one")
    T.remove_tree(top)
    top.mkdir()
    top.chmod(0o755)
    root = top / "s"
    T.build(sc, root)
    server = reference.Server(sys.executable, "copy") if copy else reference.Server(str(T.STAMP_PYTHON), "released")
    binary = Path(os.environ.get("SETUP_STAMP_BIN", T.BINARY)).resolve()
    run = T.Runner(sc, root, binary, server)
    print(f"scenario {sc['id']} ({sc['kind']}) {sc['note']}\nroot {root}")
    for command in argv[1:] or ["path", "check --json"]:
        args = command.split()
        print(f"$ {command}")
        print("  python", run.python(*args))
        print("  rust  ", run.rust(*args))
    server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
