"""Shared fixtures for the `setup_stamp` extension's test suite.

Every test runs with ``TEROK_ROOT`` pointing at its own temporary directory,
so a real stamp on the machine can never influence (or be touched by) a test.
"""

from __future__ import annotations

import pytest

from binding_support import FakeSite, load_reference


@pytest.fixture(autouse=True)
def isolated_root(tmp_path, monkeypatch):
    """Re-route the stamp to a per-test directory via ``TEROK_ROOT``."""
    root = tmp_path / "state"
    monkeypatch.setenv("TEROK_ROOT", str(root))
    # Never let a config file or the user's data directory come into play.
    monkeypatch.setenv("TEROK_CONFIG_FILE", str(tmp_path / "no-config.yml"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    return root


@pytest.fixture
def site(tmp_path, monkeypatch) -> FakeSite:
    """An empty fake ``site-packages`` at the front of ``sys.path``."""
    root = tmp_path / "site-packages"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    return FakeSite(root)


@pytest.fixture
def reference():
    """The reference module; the test is skipped (with the reason) when absent."""
    module = load_reference()
    if module is None:
        pytest.skip(
            "reference harness unavailable: needs tests/differential/reference.py "
            "and packaging/platformdirs/ruamel.yaml (tests/differential/requirements.txt)"
        )
    return module
