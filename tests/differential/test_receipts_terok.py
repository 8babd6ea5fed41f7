"""End to end: ``setup-stamp receipts`` against a real terok release.

``.venv-terok`` (scripts/setup-venv) holds terok 0.9.1 with terok-executor
0.5.0, terok-sandbox 0.6.0, terok-shield 0.9.0 and terok-util 0.4.0, installed
as users get them, console scripts included.  Each scenario prepares a state
tree, then asks the real packages (``terok_receipts_oracle.py``, run by the
interpreter of the venv's console scripts, as ``terok setup`` is) and the
binary (``receipts --json``, the environment found from ``PATH`` or given
with ``--python``) for every owner's receipt path, status and diagnostic; they
must agree.  As root, both sides run in a user namespace (``unshare -U -r``),
where uid 0 is not real root, so that no scenario resolves to (or writes)
the real ``/var/lib/terok``.  Inputs the binary does not recompute (``desktop_policy``,
``routes_*``, ``credentials``) are never changed by a scenario: that is the
documented condition under which its answer is the real one.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV = ROOT / ".venv-terok"
ORACLE = Path(__file__).resolve().parent / "terok_receipts_oracle.py"
BINARY = os.environ.get("SETUP_STAMP_BIN", str(ROOT / "target" / "debug" / "setup-stamp"))
OWNERS = ["terok", "terok-executor", "terok-sandbox", "terok-shield"]


def unprivileged(command: list[str]) -> list[str]:
    """As root, run `command` where uid 0 is not real root (terok's rule:
    uid 0 in the initial user namespace), so the platform default is the
    XDG one and never /var/lib/terok."""
    if os.geteuid() != 0:
        return command
    return ["unshare", "--user", "--map-root-user", *command]

pytestmark = pytest.mark.skipif(
    not (VENV / "bin" / "terok").exists(), reason=".venv-terok missing: run scripts/setup-venv"
)


def console_python() -> str:
    """The interpreter named by the venv's `terok` console script."""
    first = (VENV / "bin" / "terok").read_text().splitlines()[0]
    assert first.startswith("#!"), first
    return first[2:].strip()


class Lab:
    def __init__(self, tmp: Path, **extra: str):
        self.tmp = tmp
        (tmp / "home").mkdir()
        self.env = {
            "PATH": f"{VENV / 'bin'}:/usr/bin:/bin",
            "HOME": str(tmp / "home"),
            "XDG_CACHE_HOME": str(tmp / "cache"),
            "TEROK_ROOT": str(tmp / "root"),
            "LANG": "C.UTF-8",
        }
        self.env.update(extra)
        for key in [k for k, v in self.env.items() if v is None]:
            del self.env[key]

    def oracle(self, action: str = "check") -> dict:
        run = subprocess.run(
            unprivileged([console_python(), str(ORACLE), action]),
            env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=120,
        )
        assert run.returncode == 0, run.stderr
        return json.loads(run.stdout)

    def ours(self, *global_args: str) -> tuple[int, dict]:
        run = subprocess.run(
            unprivileged([BINARY, *global_args, "receipts", "--json"]),
            env=self.env, cwd=self.tmp, capture_output=True, text=True, timeout=60,
        )
        assert run.returncode in (0, 3, 4), run.stderr
        return run.returncode, json.loads(run.stdout)

    def receipt(self, owner: str) -> Path:
        return Path(self.oracle()[owner]["path"])

    def agree(self, *global_args: str) -> dict:
        """Both sides' path, status and diagnostic for every owner; returns Python's."""
        expected = self.oracle()
        code, report = self.ours(*global_args)
        got = {o["owner"]: o for o in report["owners"]}
        assert sorted(got) == sorted(OWNERS), report
        disagreements = []
        for owner in OWNERS:
            want, have = expected[owner], got[owner]
            for key in ("path", "status", "diagnostic"):
                if want[key] != have[key]:
                    disagreements.append((owner, key, want[key], have[key]))
        assert disagreements == [], json.dumps(report, indent=1)
        statuses = {o: expected[o]["status"] for o in OWNERS}
        worst = next(
            (s for s in ("downgrade", "invalid", "missing", "stale") if s in statuses.values()),
            "ready",
        )
        assert report["status"] == worst
        assert code == {"ready": 0, "downgrade": 4}.get(worst, 3)
        return expected


def edit(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, sort_keys=True) + "\n")


@pytest.fixture
def lab(tmp_path):
    return Lab(tmp_path)


def test_nothing_set_up_is_missing_everywhere(lab):
    expected = lab.agree()
    assert {v["status"] for v in expected.values()} == {"missing"}


@pytest.mark.parametrize("how", ["console script on PATH", "--python venv", "--python interpreter"])
def test_a_real_setup_is_ready(lab, how):
    lab.oracle("write")
    args = {
        "console script on PATH": (),
        "--python venv": ("--python", str(VENV)),
        "--python interpreter": ("--python", console_python()),
    }[how]
    expected = lab.agree(*args)
    assert {v["status"] for v in expected.values()} == {"ready"}
    _, report = lab.ours(*args)
    by_owner = {o["owner"]: o for o in report["owners"]}
    # What is recomputed here matched what terok recorded.
    assert by_owner["terok-shield"]["complete"] is True
    assert by_owner["terok-sandbox"]["not_verified"] == ["credentials"]
    python = next(i for i in by_owner["terok-sandbox"]["inputs"] if i["key"] == "python")
    assert python["verified"] and python["matches"], python


@pytest.mark.parametrize(
    "owner,change,status",
    [
        ("terok-sandbox", lambda d: d.update(version="99.0"), "downgrade"),
        ("terok-shield", lambda d: d.update(version="0.9.0.post1"), "downgrade"),
        ("terok", lambda d: d.update(version="0.1"), "stale"),
        ("terok-executor", lambda d: d.update(version="v0.5"), "ready"),
        ("terok-sandbox", lambda d: d["inputs"].update(host_tools="0" * 64), "stale"),
        ("terok-shield", lambda d: d["inputs"].update(python="[]"), "stale"),
        ("terok-shield", lambda d: d["inputs"].update(hooks="/elsewhere"), "stale"),
        ("terok-sandbox", lambda d: d["inputs"].pop("python"), "stale"),
        ("terok-sandbox", lambda d: d["inputs"].update(extra="x"), "stale"),
        ("terok", lambda d: d.update(owner="terok-sandbox"), "invalid"),
        ("terok-executor", lambda d: d.update(version="not a version"), "invalid"),
        ("terok-shield", lambda d: d.update(version=1), "invalid"),
        ("terok-sandbox", lambda d: d.update(extra=1), "invalid"),
    ],
)
def test_a_changed_receipt(lab, owner, change, status):
    lab.oracle("write")
    edit(lab.receipt(owner), change)
    expected = lab.agree()
    assert expected[owner]["status"] == status


@pytest.mark.parametrize("content", [b"", b"{", b"\xff\xfe", b'"x"', b"[]"])
def test_an_unreadable_receipt(lab, content):
    lab.oracle("write")
    lab.receipt("terok-executor").write_bytes(content)
    assert lab.agree()["terok-executor"]["status"] == "invalid"


def test_a_directory_and_a_removed_receipt(lab):
    lab.oracle("write")
    shield = lab.receipt("terok-shield")
    shield.unlink()
    shield.mkdir()
    lab.receipt("terok").unlink()
    expected = lab.agree()
    assert expected["terok-shield"]["status"] == "invalid"
    assert expected["terok"]["status"] == "missing"


def test_a_cleared_setup(lab):
    lab.oracle("write")
    lab.oracle("clear")
    assert {v["status"] for v in lab.agree().values()} == {"missing"}


@pytest.mark.parametrize(
    "variables",
    [
        {"TEROK_SANDBOX_STATE_DIR": "{tmp}/sandbox-state/"},
        {"TEROK_EXECUTOR_STATE_DIR": "~/executor"},
        {"TEROK_STATE_DIR": "{tmp}/core/../core2"},
        {"TEROK_ROOT": "{tmp}/a//b/./c"},
        {"TEROK_ROOT": None, "XDG_DATA_HOME": "{tmp}/xdg"},
        {"TEROK_ROOT": None, "TEROK_CONFIG_FILE": "{tmp}/config.yml"},
    ],
)
def test_where_each_owner_keeps_its_receipt(tmp_path, variables):
    resolved = {k: (v.replace("{tmp}", str(tmp_path)) if v else None) for k, v in variables.items()}
    (tmp_path / "config.yml").write_text(f"paths:\n  root: {tmp_path}/configured/../from-config\n")
    lab = Lab(tmp_path, **resolved)
    for key, value in resolved.items():
        if value is None:
            lab.env.pop(key, None)
    expected = lab.agree()
    for owner in OWNERS:
        assert expected[owner]["path"].startswith(str(tmp_path)), expected[owner]["path"]
    assert {v["status"] for v in expected.values()} == {"missing"}
    lab.oracle("write")
    assert {v["status"] for v in lab.agree().values()} == {"ready"}


def test_a_replaced_interpreter_makes_the_python_input_stale(tmp_path):
    """A copy of the venv whose interpreter file changes after setup."""
    venv = tmp_path / "venv"
    shutil.copytree(VENV, venv, symlinks=True)
    # The copy's scripts still name the original interpreter: point them here.
    for script in (venv / "bin").iterdir():
        if script.is_file() and not script.is_symlink():
            data = script.read_bytes()
            if data.startswith(b"#!" + str(VENV).encode()):
                script.write_bytes(data.replace(str(VENV).encode(), str(venv).encode(), 1))
    lab = Lab(tmp_path)
    lab.env["PATH"] = f"{venv / 'bin'}:/usr/bin:/bin"
    interpreter = (venv / "bin" / "terok").read_text().splitlines()[0][2:].strip()
    run = subprocess.run(
        unprivileged([interpreter, str(ORACLE), "write"]), env=lab.env, cwd=tmp_path,
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    # Replace the interpreter symlink by a copy of its target: a new inode.
    target = Path(interpreter).resolve()
    Path(interpreter).unlink()
    shutil.copy2(target, interpreter)
    code, report = lab.ours()
    by_owner = {o["owner"]: o for o in report["owners"]}
    run = subprocess.run(
        unprivileged([interpreter, str(ORACLE), "check"]), env=lab.env, cwd=tmp_path,
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stderr
    expected = json.loads(run.stdout)
    for owner in OWNERS:
        assert by_owner[owner]["status"] == expected[owner]["status"], (owner, report)
    assert expected["terok-sandbox"]["status"] == "stale"
    assert expected["terok"]["status"] == "ready"
    assert code == 3
