"""The real terok packages' own receipts, as their setup code builds them.

Run with the interpreter terok's console scripts use (so ``python_identity()``
is the one ``terok setup`` records)::

    <venv>/bin/python3.12 terok_receipts_oracle.py check|write|clear

Prints one JSON object: owner -> {path, status, diagnostic, inputs}.  ``write``
certifies every owner first, ``clear`` removes every receipt first (as each
owner's own setup does), both through the real ``SetupReceipt``.
"""

from __future__ import annotations

import json
import sys

from terok.lib.core.setup import _receipt as terok_receipt
from terok_executor.sandbox import _receipt as executor_receipt
from terok_sandbox.config import SandboxConfig
from terok_sandbox.setup import setup_receipt
from terok_shield.hooks.install import HooksInstaller


def receipts():
    cfg = SandboxConfig()
    return {
        "terok": terok_receipt(),
        "terok-executor": executor_receipt(cfg),
        "terok-sandbox": setup_receipt(cfg),
        "terok-shield": HooksInstaller()._receipt(),
    }


def main() -> None:
    action = sys.argv[1]
    out = {}
    for owner, receipt in receipts().items():
        if action == "write":
            receipt.write()
        elif action == "clear":
            receipt.clear()
        check = receipt.check()
        out[owner] = {
            "path": str(receipt.path),
            "status": str(check.status),
            "diagnostic": check.diagnostic,
            "inputs": dict(receipt.inputs),
        }
    print(json.dumps(out))


if __name__ == "__main__":
    main()
