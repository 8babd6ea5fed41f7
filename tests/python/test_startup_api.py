"""``setup_stamp.startup``: terok's own start-up verdict, in process.

The binding is driven in a separate interpreter (the reference venv's, with
the extension built in) inside the same kind of lab as the differential
suite: a real terok 0.9.1 install (``.venv-terok``) made ready by terok's
own setup functions, a private ``HOME``, and, as root, a user namespace so
that nothing reaches real state.  The binding computes terok's answer in
terok's interpreter (``executable=``, ``search_path=`` of that venv, as a
TUI running there would pass implicitly), and must give exactly terok's
checks, kept and proved current on the next call.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv-terok"
ORACLE = ROOT / "tests" / "differential" / "terok_startup_oracle.py"

pytestmark = pytest.mark.skipif(
    not (VENV / "bin" / "terok").exists(), reason=".venv-terok missing: run scripts/setup-venv"
)

# Runs in the lab: the binding's answers for the calls named in argv.
DRIVER = r"""
import json, sys
from setup_stamp import startup
from setup_stamp.setup import SetupCheck, SetupStatus, setup_status

executable, search_path = sys.argv[1], json.loads(sys.argv[2])
out = []
for call in sys.argv[3:]:
    try:
        if call == "owner":
            out.append(startup.receipt_owner(search_path))
            continue
        if call == "no-owner":
            out.append(startup.receipt_owner([]))
            continue
        refresh = "never" if call == "never" else "when_changed"
        v = startup.verdict(refresh=refresh, executable=executable, search_path=search_path)
        assert all(isinstance(c, SetupCheck) and isinstance(c.status, SetupStatus) for c in v.checks)
        assert setup_status(v.checks) is v.status or v.error is not None
        try:
            checks = startup.check_setup(executable=executable, search_path=search_path)
            raised = None
        except startup.TerokCheckRaised as exc:
            checks, raised = (), [exc.type_name, exc.message]
        assert [tuple(vars(c).values()) for c in checks] == [tuple(vars(c).values()) for c in v.checks]
        out.append({
            "status": str(v.status),
            "checks": [[c.owner, c.component, str(c.status), c.diagnostic] for c in v.checks],
            "error": list(v.error) if v.error else None,
            "raised": raised,
            "kept": v.kept,
            "not_kept": v.not_kept,
            "owner": v.owner,
        })
    except startup.StartupUnavailable as exc:
        out.append({"unavailable": str(exc)})
print(json.dumps(out))
"""


def console_python() -> str:
    return (VENV / "bin" / "terok").read_text().splitlines()[0][2:].strip()


class Lab:
    def __init__(self, root: Path):
        self.root = root
        self.home = root / "home"
        tools = root / "tools"
        self.home.mkdir(parents=True)
        tools.mkdir()
        for tool in ("podman", "nft", "nsenter", "git"):
            (tools / tool).write_text("#!/bin/sh\nexit 0\n")
            (tools / tool).chmod(0o755)
        self.env = {
            "PATH": f"{tools}:{VENV / 'bin'}:/usr/bin:/bin",
            "HOME": str(self.home),
            "XDG_CACHE_HOME": str(root / "cache"),
            "LANG": "C.UTF-8",
        }

    def run(self, command: list[str]) -> subprocess.CompletedProcess:
        if os.geteuid() == 0:
            command = ["unshare", "--user", "--map-root-user", *command]
        return subprocess.run(command, env=self.env, cwd=self.root, capture_output=True, text=True, timeout=180)

    def oracle(self, action: str = "verdict") -> dict:
        run = self.run([console_python(), str(ORACLE), action])
        assert run.returncode == 0, run.stderr
        return json.loads(run.stdout)

    def terok_sys_path(self) -> list[str]:
        # What terok's console script sees: its directory first, then the rest.
        run = self.run([console_python(), "-c", "import json, sys; print(json.dumps(sys.path[1:]))"])
        return [str(VENV / "bin"), *json.loads(run.stdout)]

    def binding(self, *calls: str) -> list:
        run = self.run([sys.executable, "-c", DRIVER, console_python(), json.dumps(self.terok_sys_path()), *calls])
        assert run.returncode == 0, run.stderr
        return json.loads(run.stdout)


@pytest.fixture
def lab(tmp_path) -> Lab:
    lab = Lab(tmp_path)
    assert lab.oracle("ready")["status"] == "ready"
    return lab


def terok_view(answer: dict) -> dict:
    return {k: answer[k] for k in ("status", "checks", "error")}


def test_the_verdict_is_terok_s_and_is_kept(lab):
    never, first, second = lab.binding("never", "verdict", "verdict")
    assert "refreshing it was not allowed" in never["unavailable"]
    want = lab.oracle()
    assert terok_view(first) == want == terok_view(second)
    assert first["owner"] == "terok"
    assert (first["kept"], first["not_kept"]) == (False, None)
    assert second["kept"] is True
    assert len(want["checks"]) == 8


def test_a_change_is_seen_in_process(lab):
    lab.binding("verdict")
    (lab.home / ".local/share/terok/vault/credentials.db").unlink()
    got = lab.binding("verdict", "verdict")
    want = lab.oracle()
    assert want["status"] == "missing"
    assert [terok_view(g) for g in got] == [want, want]
    assert [g["kept"] for g in got] == [False, True]


def test_what_terok_raises_is_raised_as_an_exception(lab):
    loop = lab.root / "loop"
    loop.symlink_to(loop)
    config = lab.home / ".config/terok"
    config.mkdir(parents=True)
    (config / "config.yml").write_text(f"paths:\n  root: {loop}/state\n")
    (got,) = lab.binding("verdict")
    want = lab.oracle()
    assert want["status"] == "invalid" and want["error"]
    assert terok_view(got) == want
    assert got["raised"] == want["error"]


def test_the_owner_is_found_on_the_search_path(lab):
    assert lab.binding("owner", "no-owner") == ["terok", None]
