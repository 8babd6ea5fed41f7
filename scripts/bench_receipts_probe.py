"""The Python equivalent of `setup-stamp receipts`, for scripts/bench-receipts.

Run by the interpreter of a terok install's console scripts.  It does what the
binary does, with terok-util's own code: resolve each owner's receipt path,
read the installed versions (importlib.metadata), compute the inputs that can
be computed without terok's own packages (python_identity(), the host_tools
hash, the shield paths), take the others as recorded, and check every receipt
with terok_util.setup.SetupReceipt.  Prints the combined status.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from terok_util import host_tools_source, python_identity
from terok_util.paths import namespace_state_dir
from terok_util.setup import SetupReceipt, setup_status


def main() -> None:
    state = namespace_state_dir("")
    shield = namespace_state_dir("shield")

    def env_dir(var: str, default: Path) -> Path:
        value = os.getenv(var)
        return Path(value).expanduser() if value else default

    core = Path(os.environ["TEROK_STATE_DIR"]).expanduser().resolve() if os.getenv(
        "TEROK_STATE_DIR"
    ) else (state.resolve() / "core").resolve()
    paths = {
        "terok": core,
        "terok-executor": env_dir("TEROK_EXECUTOR_STATE_DIR", state / "executor"),
        "terok-sandbox": env_dir("TEROK_SANDBOX_STATE_DIR", state / "sandbox"),
        "terok-shield": shield,
    }
    tools = hashlib.sha256(host_tools_source().encode()).hexdigest()
    computed = {
        "terok-sandbox": {"python": python_identity(), "host_tools": tools},
        "terok-shield": {
            "python": python_identity(),
            "hooks": str(shield / "hooks"),
            "reader": str(shield / "nflog-reader.py"),
            "host_tools": tools,
        },
    }
    keys = {
        "terok": ["desktop_policy"],
        "terok-executor": ["routes_path", "routes_hash"],
        "terok-sandbox": ["python", "credentials", "host_tools"],
        "terok-shield": ["python", "hooks", "reader", "host_tools"],
    }
    checks = []
    for owner, directory in paths.items():
        try:
            installed = version(owner)
        except PackageNotFoundError:
            continue
        path = directory / "setup.json"
        try:
            recorded = json.loads(path.read_text(encoding="utf-8")).get("inputs", {})
        except (OSError, ValueError, AttributeError):
            recorded = {}
        inputs = {
            key: computed.get(owner, {}).get(key, recorded.get(key, "")) for key in keys[owner]
        }
        checks.append(SetupReceipt(path, owner, installed, inputs).check())
    print(setup_status(checks))


if __name__ == "__main__":
    sys.exit(main())
