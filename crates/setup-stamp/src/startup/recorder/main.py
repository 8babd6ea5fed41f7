"""The run: load the owner's check as its frontend does, call it as terok's
TUI does, and print the answer with everything observed.

Part of setup-stamp's recorder (see ``boot.py``).
"""

import json
import os
import sys

from _setup_stamp_recorder_state import (  # noqa: F401
    _Quiet,
    _fallback_files,
    _lock,
    _observations,
    _observe,
    _observe_cwd,
    _open_files,
    _real,
    _receipts,
    _refuse,
    _report_stats,
    _stat_record,
    _text,
    _uncacheable,
)
from _setup_stamp_recorder_fs import (  # noqa: F401
    _observe_listing,
)
from _setup_stamp_recorder_files import (  # noqa: F401
    _whole_file,
)
from _setup_stamp_recorder_process import (  # noqa: F401
    _install,
)


FORMAT = "setup-stamp startup observations 1"

# Each owner's check, as that owner's own frontend composes it.  terok's is
# what its TUI calls: ``setup_status(check_setup())`` from
# ``terok.lib.api.setup``.
OWNER_CHECKS = {
    "terok": ("terok.lib.api.setup", "check_setup", ()),
    "terok-executor": ("terok_executor.sandbox", "check_setup", ()),
    "terok-sandbox": ("terok_sandbox.setup", "check_setup", ()),
    "terok-shield": ("terok_shield.hooks.install", "HooksInstaller", ("check_setup",)),
}


# ── the run ──────────────────────────────────────────────────────────────


def _identity():
    """What the answer is for: the interpreter and the user."""
    with _Quiet():
        executable = sys.executable
        try:
            real = os.path.realpath(executable)
            record = _stat_record(_real["stat"](real))
        except OSError:
            real, record = executable, None
        return {
            "executable": _text(executable),
            "realpath": _text(real),
            "stat": record,
            "version": sys.version,
            "path": [_text(p) for p in sys.path],
            "prefix": _text(sys.prefix),
            "base_prefix": _text(sys.base_prefix),
            "euid": _real["geteuid"](),
        }


def _observe_search_path():
    """The installed distributions: every search-path directory's listing."""
    for entry in sys.path:
        raw = os.fsencode(entry or ".")
        if not raw.startswith(b"/"):
            _observe_cwd()
        _observe_listing(raw, with_types=True)


def _watch_receipts():
    """Which receipt each owner checked (for per-owner reports)."""
    try:
        from terok_util import setup as util_setup
    except Exception:
        return
    cls = getattr(util_setup, "SetupReceipt", None)
    check = getattr(cls, "check", None)
    if check is None:
        return

    def observed_check(self, *args, **kwargs):
        result = check(self, *args, **kwargs)
        with _lock:
            _receipts.append(
                {
                    "owner": str(getattr(self, "owner", "")),
                    "path": _text(os.fspath(getattr(self, "path", ""))),
                }
            )
        return result

    cls.check = observed_check


def _load_check(owner):
    """The owner's check, imported as its frontend imports it (a failure
    here is no answer: the frontend itself could not start)."""
    module_name, attribute, calls = OWNER_CHECKS[owner]
    module = __import__(module_name, fromlist=[attribute])
    target = getattr(module, attribute)
    from terok_util import setup_status

    _watch_receipts()
    return target, calls, setup_status


def _run_check(target, calls, setup_status):
    """``setup_status(check_setup())`` as terok's TUI calls it: an
    ``Exception`` is the answer ``invalid``; anything else that escapes
    (``SystemExit``, ``KeyboardInterrupt``) would end the TUI: no answer."""
    try:
        if calls:
            target = getattr(target(), calls[0])
        checks = tuple(target())
        status = setup_status(checks)
    except Exception as exc:
        return {"error": {"type": type(exc).__name__, "message": str(exc)}}
    except BaseException as exc:
        return {"aborted": f"{type(exc).__name__}: {exc}"}
    return {
        "status": str(status),
        "checks": [
            {
                "owner": str(c.owner),
                "component": str(c.component),
                "status": str(c.status),
                "diagnostic": str(c.diagnostic),
            }
            for c in checks
        ],
    }


def _recheck_fallback_files():
    for raw, before in list(_fallback_files.items()):
        after = _whole_file(raw)
        if after != before:
            _refuse(f"a file changed while it was read: {_text(raw)}")
        elif "special" in before:
            _refuse(f"reads a file that is not a regular file: {_text(raw)}")
        elif "errno" in before:
            _observe({"kind": "open", "path": _text(raw), "errno": before["errno"]})
        else:
            _observe({"kind": "file", "path": _text(raw), **before})


def main():
    owner = sys.argv[1]
    out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    if owner not in OWNER_CHECKS:
        print(json.dumps({"format": FORMAT, "fatal": f"unknown owner {owner!r}"}), file=out)
        return
    _install()
    try:
        loaded = _load_check(owner)
    except BaseException as exc:
        fatal = {"format": FORMAT, "fatal": f"{type(exc).__name__}: {exc}"}
        print(json.dumps(fatal, ensure_ascii=True), file=out)
        out.flush()
        return
    answer = _run_check(*loaded)
    if "aborted" in answer:
        print(json.dumps({"format": FORMAT, "aborted": answer["aborted"]}), file=out)
        out.flush()
        return
    with _Quiet():
        for handle in list(_open_files):
            handle.report()
        _report_stats()
        _observe_search_path()
        _recheck_fallback_files()
        report = {
            "format": FORMAT,
            "owner": owner,
            "identity": _identity(),
            "answer": answer,
            "receipts": _receipts,
            "uncacheable": _uncacheable,
            "observations": _observations,
        }
        print(json.dumps(report, ensure_ascii=True), file=out)
        out.flush()
