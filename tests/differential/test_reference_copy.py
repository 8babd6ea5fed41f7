"""The copy of the stamp reference against the release, on the whole corpus.

``reference.py`` carries a copy of ``terok_sandbox.setup_stamp`` (``--oracle
copy``) for the one place the released module cannot be driven: the Python
binding tests (``tests/python``) compare the extension with the reference in
one interpreter, ``.venv-ref``, whose terok-util 0.4.0 (for the receipt
suites) excludes terok-sandbox 0.5.0 (it requires terok-util < 0.4).

This suite ties that copy to the release: every scenario of ``scenarios.py``
(the stamp differential's corpus) is built afresh for each side, and the
copy (in this interpreter's venv, ``.venv-ref``) and the released module
(terok-sandbox 0.5.0 in ``.venv-stamp``) must print the same bytes with the
same exit code for ``path``, ``check --json`` and ``versions --json``, and
leave the same stamp (``completed_at`` masked), mode, owner and directory
listing after ``write`` and ``clear`` — including their error types and
messages where Python raises.  Scenarios run with the same users, user
namespaces, umasks and search paths as in ``test_differential.py``.

Run::

    scripts/setup-venv
    .venv-ref/bin/python -m pytest tests/differential/test_reference_copy.py -q
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import reference  # noqa: E402
import test_differential as T  # noqa: E402

#: One test per scenario kind: together they cover the whole corpus.
KINDS = sorted({sc["kind"] for sc in T.SCENARIOS})


@pytest.fixture(scope="module")
def oracles():
    """A released server and a copy server, and a world-readable scratch directory."""
    if os.geteuid() != 0:
        pytest.skip("the corpus changes users and enters user namespaces: needs root")
    released = T.released_server()
    copy = reference.Server(sys.executable, "copy")
    top = Path(tempfile.mkdtemp(prefix="ssr-"))
    top.chmod(0o755)
    try:
        yield {"released": released, "copy": copy, "top": top}
    finally:
        released.close()
        copy.close()
        T.remove_tree(top)


def _state(path: Path) -> dict | None:
    if not os.path.lexists(path):
        return None
    state = T.stamp_state(path)
    if state["bytes"] is not None:
        state["bytes"] = T.mask(state["bytes"])
    return state


def compare(sc: dict, root: Path, oracles: dict) -> list[tuple]:
    """Every disagreement between the two oracles on one scenario."""
    bad: list[tuple] = []
    runs = {}
    for name in ("released", "copy"):
        T.build(sc, root)
        run = T.Runner(sc, root, None, oracles[name])
        runs[name] = run
        answers = {"path": run.python("path")}
        code, out = answers["path"]
        stamp = out.decode("utf-8", "surrogateescape")[:-1] if code == 0 else None
        real = stamp and os.path.realpath(T.absolute(stamp, run.cwd))
        if not real or not real.startswith((str(T.REAL_STATE), "/etc/terok")):
            answers["check"] = run.python("check", "--json")
        answers["versions"] = run.python("versions", "--json")
        writable = stamp is not None and T.inside(stamp, root, run.cwd)
        for op in ("write", "clear"):
            if op in sc["ops"] and writable:
                T.build(sc, root)
                result = run.python(op)
                answers[op] = (result, _state(Path(T.absolute(stamp, run.cwd))))
        runs[name] = answers
    released, copy = runs["released"], runs["copy"]
    for op in sorted(set(released) | set(copy)):
        if released.get(op) != copy.get(op):
            bad.append((sc["id"], op, released.get(op), copy.get(op)))
    return bad


@pytest.mark.parametrize("kind", KINDS)
def test_copy_agrees_with_the_release(kind: str, oracles: dict) -> None:
    scenarios = [sc for sc in T.SCENARIOS if sc["kind"] == kind]
    assert scenarios
    bad: list[tuple] = []
    for index, sc in enumerate(scenarios):
        root = oracles["top"] / f"{kind}-{index}"
        try:
            bad.extend(compare(sc, root, oracles))
        finally:
            T.remove_tree(root)
    shown = "\n".join(repr(b)[:800] for b in bad[:10])
    assert not bad, f"{len(bad)} disagreements between the copy and the release in {kind}:\n{shown}"


def test_the_two_oracles_are_what_they_say(oracles: dict) -> None:
    env = {"PATH": "/usr/bin:/bin"}
    released = reference.json.loads(oracles["released"].run(["info"], env, "/")[1])
    copy = reference.json.loads(oracles["copy"].run(["info"], env, "/")[1])
    assert {k: released.get(k) for k in T.RELEASED} == T.RELEASED, released
    assert copy["oracle"] == "copy" and copy["module"] == str(HERE / "reference.py"), copy
    for lib in ("python", "packaging", "platformdirs", "ruamel.yaml"):
        assert released[lib] == copy[lib], (lib, released[lib], copy[lib])
