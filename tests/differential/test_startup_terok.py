"""Differential: ``setup-stamp check`` against terok 0.9.1's own start-up
verdict, in every state of a real install.

``.venv-terok`` (scripts/setup-venv) holds terok 0.9.1 as users get it
(terok-executor 0.5.0, terok-sandbox 0.6.0, terok-shield 0.9.0, terok-util
0.4.0, console scripts included).  Once per run the install is made ready
by terok's own setup functions (``terok_startup_oracle.py ready``: shield
and supervisor hooks, a credentials database, the vault routes, every
receipt), with fake ``podman``, ``nft``, ``nsenter`` and ``git`` first on
``PATH``; that state, with setup-stamp's kept answer, is the template every
scenario starts from (restored in place, so that every absolute path terok
recorded still holds).

Each scenario then changes the install the way a user's machine changes —
one change or several — and asks terok (``verdict``: ``setup_status(
check_setup())`` in a fresh interpreter, an exception shown as ``invalid``,
as the TUI does) and the binary (``check --json``, twice).  They must agree
on the status and on every check's owner, component, status and
diagnostic; the second call must answer from the kept answer without
running terok's code; and the exit code must follow the status.  The
template itself must be ready, and each scenario asserts the status it is
about, so that a scenario cannot silently test nothing.

As root, every process runs in a user namespace (``unshare --user
--map-root-user``) where uid 0 is not real root: nothing reaches
``/var/lib/terok``, ``/etc/terok`` or root's home (``HOME`` is the lab's).
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
ORACLE = Path(__file__).resolve().parent / "terok_startup_oracle.py"
BINARY = os.environ.get("SETUP_STAMP_BIN", str(ROOT / "target" / "debug" / "setup-stamp"))
EXIT = {"ready": 0, "missing": 3, "stale": 3, "invalid": 3, "downgrade": 4}

pytestmark = pytest.mark.skipif(
    not (VENV / "bin" / "terok").exists(), reason=".venv-terok missing: run scripts/setup-venv"
)


def unprivileged(command: list[str]) -> list[str]:
    if os.geteuid() != 0:
        return command
    return ["unshare", "--user", "--map-root-user", *command]


def console_python() -> str:
    first = (VENV / "bin" / "terok").read_text().splitlines()[0]
    assert first.startswith("#!"), first
    return first[2:].strip()


class Lab:
    """An install's state tree (a home directory) and the environment terok
    and the binary run in."""

    def __init__(self, root: Path):
        self.root = root
        self.home = root / "home"
        self.tools = root / "tools"
        self.env = {
            "PATH": f"{self.tools}:{VENV / 'bin'}:/usr/bin:/bin",
            "HOME": str(self.home),
            "XDG_CACHE_HOME": str(root / "cache"),
            "LANG": "C.UTF-8",
        }

    @property
    def data(self) -> Path:
        return self.home / ".local/share/terok"

    @property
    def config(self) -> Path:
        return self.home / ".config/terok"

    def build(self) -> None:
        self.home.mkdir(parents=True)
        self.tools.mkdir()
        for tool in ("podman", "nft", "nsenter", "git"):
            path = self.tools / tool
            path.write_text("#!/bin/sh\nexit 0\n")
            path.chmod(0o755)

    def run(self, command: list[str], **extra: str | None) -> subprocess.CompletedProcess:
        env = dict(self.env)
        for key, value in extra.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = value
        return subprocess.run(
            unprivileged(command), env=env, cwd=self.root, capture_output=True, text=True,
            timeout=180,
        )

    def oracle(self, action: str = "verdict", **extra: str | None) -> dict:
        run = self.run([console_python(), str(ORACLE), action], **extra)
        assert run.returncode == 0, run.stderr
        return json.loads(run.stdout)

    def ours(self, *args: str, **extra: str | None) -> tuple[int, dict]:
        run = self.run([BINARY, *args, "check", "--json"], **extra)
        assert run.returncode in (0, 3, 4), (run.returncode, run.stdout, run.stderr)
        assert run.stderr == "", run.stderr
        return run.returncode, json.loads(run.stdout)

    def agree(self, *args: str, **extra: str | None) -> dict:
        """terok's verdict, after asserting that both our calls give it."""
        want = self.oracle(**extra)
        for call in ("first", "second"):
            code, got = self.ours(*args, **extra)
            assert got["protocol"] == "receipts", got
            mine = {
                "status": got["status"],
                "checks": [[c["owner"], c["component"], c["status"], c["diagnostic"]] for c in got["checks"]],
                "error": [got["error"]["type"], got["error"]["message"]] if got["error"] else None,
            }
            assert mine == want, f"{call} call disagrees:\n terok: {want}\n ours:  {mine}\n {got['cache']}"
            assert code == EXIT[want["status"]], (code, want["status"])
            if call == "second":
                assert got["cache"]["answer"] == "kept", got["cache"]
        return want


def not_ready(verdict: dict) -> dict[str, str]:
    return {f"{c[0]}/{c[1]}": c[2] for c in verdict["checks"] if c[2] != "ready"}


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("startup")
    lab = Lab(base / "lab")
    lab.build()
    made = lab.oracle("ready")
    assert made["status"] == "ready", made
    code, report = lab.ours()
    assert (code, report["status"], report["cache"]["kept"]) == (0, "ready", True), report
    shutil.copytree(lab.root, base / "template", symlinks=True)
    return base


@pytest.fixture
def lab(template) -> Lab:
    """The ready install, restored in place (the same absolute paths)."""
    root = template / "lab"
    shutil.rmtree(root)
    shutil.copytree(template / "template", root, symlinks=True)
    return Lab(root)


def edit_keeping_size_and_mtime(path: Path) -> None:
    st = path.stat()
    data = bytearray(path.read_bytes())
    i = data.index(b'"') + 1
    data[i] = ord("X") if data[i] != ord("X") else ord("Y")
    path.write_bytes(bytes(data))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns


def edit_receipt(path: Path, change) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data, indent=2, sort_keys=True))


def test_the_ready_install_is_ready_and_kept(lab):
    verdict = lab.agree()
    assert verdict["status"] == "ready"
    assert len(verdict["checks"]) == 8
    # Restoring the tree gave every file a new identity: the content was
    # compared, found the same, and the kept answer stayed in use.
    code, report = lab.ours()
    assert report["cache"]["answer"] == "kept"


def test_touched_but_unchanged_files_keep_the_answer(lab):
    for path in [*lab.data.rglob("*"), lab.home / ".config/containers/containers.conf"]:
        if path.is_file():
            os.utime(path)
    code, report = lab.ours()
    assert (code, report["cache"]["answer"]) == (0, "kept"), report["cache"]
    assert lab.agree()["status"] == "ready"


# ── artifacts ────────────────────────────────────────────────────────────


def credentials(lab: Lab) -> Path:
    return lab.data / "vault/credentials.db"


def routes(lab: Lab) -> Path:
    return lab.data / "vault/routes.json"


ARTIFACT_CHANGES = {
    "credentials removed": (lambda lab: credentials(lab).unlink(), {"terok-sandbox/credentials": "missing"}),
    "credentials plaintext": (
        lambda lab: credentials(lab).write_bytes(b"SQLite format 3\x00" + b"\0" * 84),
        {"terok-sandbox/credentials": "missing"},
    ),
    "credentials short": (lambda lab: credentials(lab).write_bytes(b"short"), {"terok-sandbox/credentials": "missing"}),
    "credentials a directory": (
        lambda lab: (credentials(lab).unlink(), credentials(lab).mkdir()),
        {"terok-sandbox/credentials": "missing"},
    ),
    "routes edited": (
        lambda lab: routes(lab).write_text(routes(lab).read_text().replace("{", '{"x": 1, ', 1)),
        {"terok-executor/routes": "stale"},
    ),
    "routes edited, same size and mtime": (
        lambda lab: edit_keeping_size_and_mtime(routes(lab)),
        {"terok-executor/routes": "stale"},
    ),
    "routes removed": (lambda lab: routes(lab).unlink(), {"terok-executor/routes": "missing"}),
    "routes a directory": (
        lambda lab: (routes(lab).unlink(), routes(lab).mkdir()),
        {"terok-executor/routes": "invalid"},
    ),
    "routes not UTF-8": (lambda lab: routes(lab).write_bytes(b"\xff\xfe"), {"terok-executor/routes": "invalid"}),
    "routes with extra trailing newlines": (
        lambda lab: routes(lab).write_text(routes(lab).read_text() + "\n\n\n"),
        {},
    ),
    "a shield hook script removed": (
        lambda lab: next((lab.data / "shield/hooks").glob("*.py")).unlink(),
        {"terok-shield/hooks": "stale"},
    ),
    "a shield hook descriptor edited": (
        lambda lab: edit_keeping_size_and_mtime(next((lab.data / "shield/hooks").glob("*.json"))),
        {"terok-shield/hooks": "stale"},
    ),
    "a supervisor hook descriptor removed": (
        lambda lab: next((lab.data / "sandbox/hooks").glob("*.json")).unlink(),
        {"terok-sandbox/supervisor": "stale"},
    ),
    "the supervisor wrapper edited": (
        lambda lab: (lab.data / "sandbox/supervisor_wrapper.py").write_text("# edited\n"),
        {"terok-sandbox/supervisor": "stale"},
    ),
    "containers.conf removed": (
        lambda lab: (lab.home / ".config/containers/containers.conf").unlink(),
        {"terok-shield/hooks": "stale", "terok-sandbox/supervisor": "stale"},
    ),
    "containers.conf without hooks_dir": (
        lambda lab: (lab.home / ".config/containers/containers.conf").write_text("[engine]\n"),
        {"terok-shield/hooks": "stale", "terok-sandbox/supervisor": "stale"},
    ),
}


@pytest.mark.parametrize("change", sorted(ARTIFACT_CHANGES))
def test_an_artifact_changes(lab, change):
    mutate, expected = ARTIFACT_CHANGES[change]
    mutate(lab)
    assert not_ready(lab.agree()) == expected


def test_several_changes_at_once_and_back(lab):
    saved_routes = routes(lab).read_bytes()
    credentials(lab).unlink()
    routes(lab).write_text("{}")
    (lab.home / ".config/containers/containers.conf").write_text("")
    assert not_ready(lab.agree()) == {
        "terok-sandbox/credentials": "missing",
        "terok-executor/routes": "stale",
        "terok-shield/hooks": "stale",
        "terok-sandbox/supervisor": "stale",
    }
    credentials(lab).write_bytes(b"encrypted again, 16 bytes or more")
    routes(lab).write_bytes(saved_routes)
    assert not_ready(lab.agree()) == {"terok-shield/hooks": "stale", "terok-sandbox/supervisor": "stale"}


# ── configuration and user files ─────────────────────────────────────────

CONFIG_CHANGES = {
    "desktop_entry skip": ("tui:\n  desktop_entry: skip\n", {"terok/receipt": "stale"}),
    "desktop_entry auto (the default, written out)": ("tui:\n  desktop_entry: auto\n", {}),
    "an unrelated value": ("tui:\n  theme: textual-dark\n", {}),
    "comments only": ("# nothing here\n", {}),
    "not YAML": ("tui: [unclosed\n", None),
    "an invalid value": ("tui:\n  desktop_entry: sometimes\n", None),
    "an unknown section": ("no_such_section:\n  x: 1\n", None),
}


@pytest.mark.parametrize("change", sorted(CONFIG_CHANGES))
def test_config_yml_changes(lab, change):
    text, expected = CONFIG_CHANGES[change]
    lab.config.mkdir(parents=True, exist_ok=True)
    (lab.config / "config.yml").write_text(text)
    verdict = lab.agree()
    if expected is not None:
        assert not_ready(verdict) == expected, verdict
    else:
        # terok decides (invalid or otherwise); both sides agreed on it.
        assert verdict["status"] != "ready" or verdict["error"] is None, verdict


def test_a_user_provider_and_an_agent_override(lab):
    bundled = VENV / "lib/python3.12/site-packages/terok_executor/resources"
    providers = lab.config / "providers"
    providers.mkdir(parents=True)
    text = (bundled / "providers/mistral.yaml").read_text()
    (providers / "mistral.yaml").write_text(text.replace("https://api.mistral.ai", "https://mistral.example"))
    first = lab.agree()
    assert "terok-executor/routes" in not_ready(first), first
    shutil.rmtree(providers)
    assert lab.agree()["status"] == "ready"
    # A new provider file nobody uses, then an agent override.
    providers.mkdir()
    (providers / "unused.yaml").write_text(text)
    lab.agree()
    agents = lab.config / "agent/agents"
    agents.mkdir(parents=True)
    (agents / "vibe.yaml").write_text("provider: unused\n")
    lab.agree()
    (agents / "vibe.yaml").write_text("::: not yaml\n")
    lab.agree()


# ── receipts ─────────────────────────────────────────────────────────────

RECEIPTS = {
    "terok": "core/setup.json",
    "terok-executor": "executor/setup.json",
    "terok-sandbox": "sandbox/setup.json",
    "terok-shield": "shield/setup.json",
}

RECEIPT_CHANGES = {
    "older": (lambda d: d.update(version="0.0.1"), "stale"),
    "newer": (lambda d: d.update(version="99.0"), "downgrade"),
    "an input edited": (lambda d: d["inputs"].update({next(iter(d["inputs"])): "edited"}), "stale"),
    "an input added": (lambda d: d["inputs"].update(extra="x"), "stale"),
    "another owner": (lambda d: d.update(owner="someone-else"), "invalid"),
}


@pytest.mark.parametrize("owner", sorted(RECEIPTS))
@pytest.mark.parametrize("change", sorted(RECEIPT_CHANGES))
def test_a_receipt_changes(lab, owner, change):
    mutate, status = RECEIPT_CHANGES[change]
    edit_receipt(lab.data / RECEIPTS[owner], mutate)
    verdict = lab.agree()
    assert not_ready(verdict).get(f"{owner}/receipt") == status, verdict


@pytest.mark.parametrize("owner", sorted(RECEIPTS))
@pytest.mark.parametrize("damage", ["removed", "corrupt", "empty", "a directory"])
def test_a_receipt_is_damaged(lab, owner, damage):
    path = lab.data / RECEIPTS[owner]
    if damage == "removed":
        path.unlink()
    elif damage == "corrupt":
        path.write_text('{"owner": ')
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        path.unlink()
        path.mkdir()
    verdict = lab.agree()
    expected = "missing" if damage == "removed" else "invalid"
    assert not_ready(verdict).get(f"{owner}/receipt") == expected, verdict


def test_receipts_by_owner_match_terok(lab):
    edit_receipt(lab.data / RECEIPTS["terok-shield"], lambda d: d.update(version="99.0"))
    verdict = lab.oracle()
    paths = lab.oracle("receipts")
    run = lab.run([BINARY, "receipts", "--json"])
    assert run.returncode == 4, run.stderr
    report = json.loads(run.stdout)
    assert report["status"] == verdict["status"] == "downgrade"
    by_owner = {o["owner"]: o for o in report["owners"]}
    assert sorted(by_owner) == sorted(RECEIPTS)
    for owner in RECEIPTS:
        mine = by_owner[owner]
        assert mine["path"] == paths[owner]["path"], (owner, mine["path"])
        terok = [c for c in verdict["checks"] if c[0] == owner]
        assert [[owner, c["component"], c["status"], c["diagnostic"]] for c in mine["checks"]] == terok
        receipt = next(c for c in terok if c[1] == "receipt")
        assert (mine["status"], mine["diagnostic"]) == (receipt[2], receipt[3])
        assert mine["stored"]["owner"] == owner


# ── where the state lives ────────────────────────────────────────────────


@pytest.mark.parametrize(
    "variables",
    [
        {"TEROK_ROOT": "{root}/elsewhere"},
        {"TEROK_ROOT": "{root}/a//b/./c/"},
        {"TEROK_STATE_DIR": "{root}/core-elsewhere"},
        {"TEROK_STATE_DIR": "{root}/core/../core2"},
        {"TEROK_EXECUTOR_STATE_DIR": "~/executor"},
        {"TEROK_SANDBOX_STATE_DIR": "{root}/sandbox-elsewhere"},
        {"TEROK_EXECUTOR_STATE_DIR": "{root}/executor-elsewhere"},
        {"TEROK_VAULT_DIR": "{root}/vault-elsewhere"},
        {"XDG_DATA_HOME": "{root}/xdg-data"},
        {"XDG_CONFIG_HOME": "{root}/xdg-config"},
        {"XDG_STATE_HOME": "{root}/xdg-state"},
        {"TEROK_CONFIG_FILE": "{root}/no-such-config.yml"},
    ],
    ids=lambda v: ",".join(v),
)
def test_state_and_config_variables(lab, variables):
    extra = {k: v.replace("{root}", str(lab.root)) for k, v in variables.items()}
    verdict = lab.agree(**extra)
    # Each owner's receipt is where terok's own code puts it.
    paths = lab.oracle("receipts", **extra)
    run = lab.run([BINARY, "receipts", "--json"], **extra)
    owners = {o["owner"]: o["path"] for o in json.loads(run.stdout)["owners"]}
    assert owners == {owner: p["path"] for owner, p in paths.items()}
    for path in owners.values():
        assert path.startswith(str(lab.root)), path
    # Back to the environment of the template: terok's answer again, and a
    # refresh (the variable is part of the key).
    code, report = lab.ours()
    assert report["cache"]["answer"] == "computed"
    assert lab.agree()["status"] == "ready"
    assert verdict["status"] in EXIT


def test_paths_root_in_config_yml(lab):
    lab.config.mkdir(parents=True, exist_ok=True)
    (lab.config / "config.yml").write_text(f"paths:\n  root: {lab.root}/configured\n")
    verdict = lab.agree()
    assert verdict["status"] == "missing", verdict
    (lab.config / "config.yml").write_text(f"paths:\n  root: {lab.data}\n")
    lab.agree()


def test_shield_disabled_drops_its_checks(lab):
    lab.config.mkdir(parents=True, exist_ok=True)
    (lab.config / "config.yml").write_text("shield:\n  disable_firewall_no_protection: true\n")
    verdict = lab.agree()
    assert not any(c[0] == "terok-shield" for c in verdict["checks"]) or verdict["error"], verdict


def test_a_replaced_interpreter_is_seen(lab, tmp_path):
    """A copy of the venv whose interpreter file is replaced after setup."""
    venv = lab.root / "venv"
    shutil.copytree(VENV, venv, symlinks=True)
    for script in (venv / "bin").iterdir():
        if script.is_file() and not script.is_symlink():
            data = script.read_bytes()
            if data.startswith(b"#!" + str(VENV).encode()):
                script.write_bytes(data.replace(str(VENV).encode(), str(venv).encode(), 1))
    lab.env["PATH"] = f"{lab.tools}:{venv / 'bin'}:/usr/bin:/bin"
    interpreter = (venv / "bin" / "terok").read_text().splitlines()[0][2:].strip()
    made = lab.run([interpreter, str(ORACLE), "ready"])
    assert made.returncode == 0, made.stderr
    code, report = lab.ours()
    assert code == 0, report
    target = Path(interpreter).resolve()
    Path(interpreter).unlink()
    shutil.copy2(target, interpreter)
    run = lab.run([interpreter, str(ORACLE), "verdict"])
    want = json.loads(run.stdout)
    code, report = lab.ours()
    assert report["cache"]["answer"] == "computed"
    assert report["status"] == want["status"] == "stale", (report, want)
    assert [[c["owner"], c["component"], c["status"], c["diagnostic"]] for c in report["checks"]] == want["checks"]


def test_a_check_that_raises_is_invalid_with_terok_s_exception(lab):
    """``paths.root`` at a symbolic link loop: resolving it raises inside
    terok's check_setup(), which the TUI shows as ``invalid``."""
    loop = lab.root / "loop"
    loop.symlink_to(loop)
    lab.config.mkdir(parents=True, exist_ok=True)
    (lab.config / "config.yml").write_text(f"paths:\n  root: {loop}/state\n")
    verdict = lab.agree()
    assert verdict["status"] == "invalid" and verdict["error"] is not None, verdict
    run = lab.run([BINARY, "check"])
    assert run.returncode == 3
    assert f"terok's setup check raised {verdict['error'][0]}: {verdict['error'][1]}" in run.stdout
    assert run.stdout.endswith("Fix: terok setup\n"), run.stdout
