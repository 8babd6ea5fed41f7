"""terok's own start-up verdict, in process, without starting Python when
nothing changed.

terok 0.9's TUI decides at start with ``setup_status(check_setup())``
(``terok.lib.api.setup``): the setup receipts plus artifact checks and
inputs only terok's code can compute.  :func:`check_setup` here gives the
same checks: terok's code computes them once (in this interpreter's
executable, in a child process), and the answer is kept with everything that
computation read; later calls prove it current natively (no process is
started) and run terok's code again only when something it read changed::

    from setup_stamp.setup import SetupStatus, setup_status
    from setup_stamp.startup import check_setup

    try:
        verdict = setup_status(check_setup())
    except Exception:
        verdict = SetupStatus.INVALID        # as terok's TUI does

When terok's own check raised, :func:`check_setup` raises
:class:`TerokCheckRaised` (an ``Exception``, so the TUI's ``except
Exception`` turns it into ``INVALID``, as it would terok's); its
``type_name`` and ``message`` are terok's.  When there is no answer at all
(terok's check cannot be loaded, did not finish in time, or stopped the
interpreter), :class:`StartupUnavailable` is raised.

The key of a kept answer, and when it is computed again:
``docs/startup-verdict.md``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from . import _native
from .setup import SetupCheck, SetupStatus

__all__ = [
    "StartupUnavailable",
    "StartupVerdict",
    "TerokCheckRaised",
    "check_setup",
    "receipt_owner",
    "verdict",
]


class StartupUnavailable(RuntimeError):
    """No verdict: terok's check could not be run to an answer."""


class TerokCheckRaised(Exception):
    """terok's ``check_setup()`` raised: its TUI shows ``invalid``."""

    def __init__(self, type_name: str, message: str):
        super().__init__(f"{type_name}: {message}")
        self.type_name = type_name
        self.message = message


@dataclass(frozen=True)
class StartupVerdict:
    """terok's answer and where it came from."""

    owner: str
    """The owner whose ``check_setup()`` it is (``terok``, …)."""
    status: SetupStatus
    """``setup_status(checks)``, or ``INVALID`` when terok's check raised."""
    checks: tuple[SetupCheck, ...]
    """terok's checks, in terok's order (empty when it raised)."""
    error: tuple[str, str] | None
    """``(type name, message)`` of what terok's check raised, if it did."""
    kept: bool
    """Whether the answer came from the kept one (no process was started)."""
    why: str | None
    """Why terok's code was run, when it was."""
    not_kept: str | None
    """Why a computed answer could not be kept, if it could not."""


def _search_path() -> list[str]:
    return [entry for entry in sys.path if isinstance(entry, str)]


def receipt_owner(search_path: list[str] | None = None) -> str | None:
    """The top-most terok receipt owner installed (``terok``, else
    ``terok-executor``, ``terok-sandbox``, ``terok-shield``) on
    ``search_path`` (default ``sys.path``), or ``None`` when the install uses
    the setup stamp or has no owner."""
    return _native.receipt_owner(_search_path() if search_path is None else search_path)


def verdict(
    owner: str | None = None,
    *,
    refresh: str = "when_changed",
    timeout: float | None = None,
    executable: str | None = None,
    search_path: list[str] | None = None,
) -> StartupVerdict:
    """terok's verdict for ``owner`` (default: :func:`receipt_owner`) as
    this interpreter (``sys.executable``, ``sys.path``) would compute it.

    ``refresh`` is ``"when_changed"`` (the default), ``"always"`` or
    ``"never"`` (a kept answer that is not current raises
    :class:`StartupUnavailable`); ``timeout`` bounds terok's code, in
    seconds (default 60).
    """
    path = _search_path() if search_path is None else list(search_path)
    if owner is None:
        owner = receipt_owner(path)
        if owner is None:
            raise StartupUnavailable(
                "no terok package with a setup receipt is installed on sys.path"
            )
    interpreter = executable or sys.executable
    if not interpreter:
        raise StartupUnavailable("sys.executable is empty: there is no interpreter to run terok's check in")
    try:
        owner, status, checks, error, source = _native.terok_verdict(
            owner, interpreter, path, refresh, timeout
        )
    except RuntimeError as exc:
        raise StartupUnavailable(str(exc)) from None
    kind, why, _file, kept, not_kept = source
    return StartupVerdict(
        owner=owner,
        status=SetupStatus(status),
        checks=tuple(SetupCheck(o, c, SetupStatus(s), d) for o, c, s, d in checks),
        error=error,
        kept=kind == "kept",
        why=why,
        not_kept=None if kept else not_kept,
    )


def check_setup(owner: str | None = None, **options) -> tuple[SetupCheck, ...]:
    """terok's ``check_setup()`` (of ``owner``, default the top-most
    installed one): its checks, or :class:`TerokCheckRaised` when it raised.
    ``options`` as for :func:`verdict`."""
    result = verdict(owner, **options)
    if result.error is not None:
        raise TerokCheckRaised(*result.error)
    return result.checks
