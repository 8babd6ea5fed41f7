"""Helpers shared by the binding tests (a uniquely named module, so that it
cannot be confused with another suite's ``conftest`` when pytest runs several
test directories together)."""

from __future__ import annotations

import importlib.util
import os
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


class FakeSite:
    """A directory of ``*.dist-info`` entries put at the front of ``sys.path``."""

    def __init__(self, root: Path):
        self.root = root

    def _entry(self, name: str) -> Path:
        normalised = name.replace("-", "_").replace(".", "_")
        return self.root / f"{normalised}-0.dist-info"

    def install(self, name: str, version: str | None) -> None:
        """Install (or re-version) distribution *name*; ``None``: no ``Version`` header."""
        entry = self._entry(name)
        entry.mkdir(parents=True, exist_ok=True)
        lines = ["Metadata-Version: 2.1", f"Name: {name}"]
        if version is not None:
            lines.append(f"Version: {version}")
        (entry / "METADATA").write_text("\n".join(lines) + "\n", encoding="utf-8")

    def install_all(self, versions: dict[str, str | None]) -> None:
        """Install every ``{name: version}``."""
        for name, version in versions.items():
            self.install(name, version)

    def remove(self, name: str) -> None:
        """Uninstall distribution *name*."""
        entry = self._entry(name)
        for child in entry.iterdir():
            child.unlink()
        entry.rmdir()


def load_reference():
    """The pure-Python reference module, or ``None`` when it cannot be loaded.

    ``tests/differential/reference.py`` (overridable with the environment
    variable ``SETUP_STAMP_REFERENCE``) carries a copy of
    ``terok_sandbox.setup_stamp`` on the real libraries (packaging,
    platformdirs, ruamel.yaml), which must be installed.  The binding tests
    use the copy because they compare in one interpreter, and this venv
    (``.venv-ref``, terok-util 0.4.0 for the receipt suites) cannot hold the
    released terok-sandbox 0.5.0 (it requires terok-util < 0.4);
    ``tests/differential/test_reference_copy.py`` checks the copy against
    the release on the whole scenario corpus.
    """
    location = os.environ.get("SETUP_STAMP_REFERENCE") or str(
        REPO_ROOT / "tests" / "differential" / "reference.py"
    )
    if not Path(location).is_file():
        return None
    if "setup_stamp_reference" in sys.modules:
        return sys.modules["setup_stamp_reference"]
    spec = importlib.util.spec_from_file_location("setup_stamp_reference", location)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except ImportError:
        return None
    sys.modules["setup_stamp_reference"] = module
    return module
