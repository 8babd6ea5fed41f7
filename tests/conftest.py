"""No skip in the pytest suites (``tests/differential``, ``tests/python``) goes unnoticed.

A skip's reason says what is missing.  Every precondition of these suites is
one the test command provides (``scripts/setup-venv`` makes the venvs,
``scripts/test`` builds the binary and the extension, ``.ci/run`` runs as
root), so under ``CI=true`` a skip is turned into a **failure**, unless its
reason starts with ``optional:`` (a configuration the run chose, e.g. the
dynamic libgcc on request).  Strict and expected failures (xfail) are not
skips and are left alone.

Every skip that remains is appended to ``$SETUP_STAMP_SKIP_LOG`` (one line,
``test<TAB>kind<TAB>reason``; ``scripts/test`` counts them with the Rust
tests' in its closing "N checks skipped" line), and pytest's own short
summary lists them with their reasons (``-rs``, set in ``pytest.ini``).
"""

from __future__ import annotations

import os

import pytest

OPTIONAL = "optional:"


def _under_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("true", "1")


def _reason(report) -> str:
    longrepr = report.longrepr
    text = str(longrepr[2]) if isinstance(longrepr, tuple) and len(longrepr) == 3 else str(longrepr)
    return text.removeprefix("Skipped: ")


def _record(test: str, kind: str, reason: str) -> None:
    log = os.environ.get("SETUP_STAMP_SKIP_LOG")
    if not log:
        return
    line = "\t".join(part.replace("\t", " ").replace("\n", " ") for part in (test, kind, reason))
    with open(log, "a", encoding="utf-8") as fh:
        fh.write(line + "\n")


def _police(report) -> None:
    if not report.skipped or hasattr(report, "wasxfail"):
        return
    reason = _reason(report)
    optional = reason.startswith(OPTIONAL)
    if _under_ci() and not optional:
        report.outcome = "failed"
        report.longrepr = f"required precondition missing under CI=true: {reason} (see .ci/run)"
        return
    _record(f"pytest::{report.nodeid}", "optional" if optional else "required", reason)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _police(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _police(outcome.get_result())
