"""terok's own start-up verdict and setup, from the released packages.

Run with the interpreter terok's console scripts use (as ``terok`` itself
runs)::

    <venv>/bin/python terok_startup_oracle.py verdict|ready|receipts

``verdict``: what terok's TUI acts on, ``setup_status(check_setup())`` from
``terok.lib.api.setup``, with any ``Exception`` shown as ``invalid``
(terok/tui/app.py) — printed as ``{"status", "checks": [[owner, component,
status, diagnostic], ...], "error": [type, message] | null}``.

``ready``: makes the install ready with terok's own setup functions, under
``terok_util.setup_lock()`` (shield hooks, supervisor hooks, a credentials
database that is not a plaintext SQLite file, the vault routes, then every
receipt), with the fake host tools the caller put first on ``PATH``.

``receipts``: each owner's receipt as its own setup code builds it:
``{owner: {"path", "status", "diagnostic"}}``.
"""

from __future__ import annotations

import json
import sys


def verdict() -> dict:
    from terok.lib.api.setup import check_setup, setup_status

    try:
        checks = check_setup()
        status = setup_status(checks)
    except Exception as exc:  # as the TUI: any exception is INVALID
        return {"status": "invalid", "checks": [], "error": [type(exc).__name__, str(exc)]}
    return {
        "status": str(status),
        "checks": [[c.owner, c.component, str(c.status), c.diagnostic] for c in checks],
        "error": None,
    }


def ready() -> dict:
    from terok_util import setup_lock

    from terok.lib.core import setup as terok_setup
    from terok.lib.core.config import make_sandbox_config
    from terok_executor import sandbox as executor_setup
    from terok_executor.roster import AgentRoster
    from terok_sandbox import setup as sandbox_setup
    from terok_sandbox.integrations.shield import ShieldHooks
    from terok_sandbox.supervisor.install import install_supervisor_hooks

    with setup_lock():
        ShieldHooks.install()
        install_supervisor_hooks()
        cfg = make_sandbox_config()
        cfg.db_path.parent.mkdir(parents=True, exist_ok=True)
        cfg.db_path.write_bytes(b"encrypted credentials, not a plaintext header")
        AgentRoster.load().ensure_vault_routes(cfg=cfg)
        sandbox_setup.setup_receipt(cfg).write()
        executor_setup._receipt(cfg).write()
        terok_setup._receipt().write()
    return verdict()


def receipts() -> dict:
    from terok.lib.core.config import make_sandbox_config
    from terok.lib.core.setup import _receipt as terok_receipt
    from terok_executor.sandbox import _receipt as executor_receipt
    from terok_sandbox.setup import setup_receipt
    from terok_shield.hooks.install import HooksInstaller

    cfg = make_sandbox_config()
    out = {}
    for owner, receipt in (
        ("terok", terok_receipt()),
        ("terok-executor", executor_receipt(cfg, "")),
        ("terok-sandbox", setup_receipt(cfg)),
        ("terok-shield", HooksInstaller()._receipt()),
    ):
        out[owner] = {"path": str(receipt.path)}
    return out


if __name__ == "__main__":
    print(json.dumps({"verdict": verdict, "ready": ready, "receipts": receipts}[sys.argv[1]]()))
