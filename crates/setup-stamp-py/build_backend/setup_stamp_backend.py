"""PEP 517 build backend: maturin's, plus the ``setup-stamp`` command.

maturin builds the extension (``setup_stamp._native``) but cannot put a Rust
executable of another crate into the same wheel.  This backend delegates
everything to maturin and, for a wheel, also builds the workspace's
``setup-stamp-cli`` with cargo (same Cargo profile as the extension) and adds
the executable as ``<name>-<version>.data/scripts/setup-stamp``, with its
line in ``RECORD``.  Installers put it in the environment's ``bin``
directory: ``pip install ./crates/setup-stamp-py`` (or ``pipx install``)
gives ``import setup_stamp`` *and* the real binary on ``PATH``, with no
Python start-up on the command's path.

The profile follows maturin's PEP 517 arguments (``MATURIN_PEP517_ARGS`` or
the ``maturin.build-args`` config setting): ``--profile NAME``, else
``release``.  The command is built from the source tree this file lives in;
building from a source distribution (which holds the extension's crates
only) stops with an error that says so.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import maturin
from maturin import (  # noqa: F401 — re-exported hooks
    build_sdist,
    get_requires_for_build_editable,
    get_requires_for_build_sdist,
    get_requires_for_build_wheel,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)

#: The crate and executable shipped in the wheel's scripts.
CLI_PACKAGE = "setup-stamp-cli"
COMMAND = "setup-stamp"

HERE = Path(__file__).resolve().parent.parent


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    """maturin's wheel, with the command added."""
    command = build_command(config_settings)
    name = maturin.build_wheel(wheel_directory, config_settings, metadata_directory)
    add_script(Path(wheel_directory) / name, command)
    return name


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """maturin's editable wheel, with the command added."""
    command = build_command(config_settings)
    name = maturin.build_editable(wheel_directory, config_settings, metadata_directory)
    add_script(Path(wheel_directory) / name, command)
    return name


def cargo_profile(args: list[str]) -> str:
    """The Cargo profile maturin builds with for these PEP 517 arguments."""
    profile = "release"
    for index, arg in enumerate(args):
        if arg == "--profile" and index + 1 < len(args):
            profile = args[index + 1]
        elif arg.startswith("--profile="):
            profile = arg.split("=", 1)[1]
    return profile


def build_command(config_settings=None) -> Path:
    """Builds ``setup-stamp-cli`` and returns the executable's path."""
    profile = cargo_profile(maturin.get_maturin_pep517_args(config_settings))
    cargo = os.environ.get("CARGO") or shutil.which("cargo") or "cargo"
    metadata = json.loads(
        subprocess.run(
            [cargo, "metadata", "--format-version", "1", "--no-deps"],
            cwd=HERE,
            check=True,
            stdout=subprocess.PIPE,
        ).stdout
    )
    if not any(package["name"] == CLI_PACKAGE for package in metadata["packages"]):
        raise RuntimeError(
            f"the {COMMAND} command is built from the crate {CLI_PACKAGE}, which is not in this "
            f"source tree ({metadata['workspace_root']}); build the wheel from a checkout of the "
            "whole repository (pip install ./crates/setup-stamp-py)"
        )
    print(f"Building the {COMMAND} command (cargo profile {profile})", file=sys.stderr)
    subprocess.run(
        [cargo, "build", "--package", CLI_PACKAGE, "--bin", COMMAND, "--profile", profile],
        cwd=metadata["workspace_root"],
        check=True,
    )
    directory = "debug" if profile in ("dev", "test") else profile
    return Path(metadata["target_directory"]) / directory / COMMAND


def _record_hash(data: bytes) -> str:
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def _stripped(executable: Path) -> bytes:
    """The executable's bytes, without symbols when ``strip`` is available."""
    strip = shutil.which("strip")
    if strip is None:
        return executable.read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / COMMAND
        shutil.copyfile(executable, copy)
        if subprocess.run([strip, str(copy)], check=False).returncode != 0:
            return executable.read_bytes()
        return copy.read_bytes()


def add_script(wheel: Path, executable: Path) -> None:
    """Adds ``executable`` to ``wheel`` as the script ``setup-stamp`` (mode 0755)."""
    data = _stripped(executable)
    with zipfile.ZipFile(wheel) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    record_name = next(info.filename for info, _ in entries if info.filename.endswith(".dist-info/RECORD"))
    data_dir = record_name.split("/", 1)[0][: -len(".dist-info")] + ".data"
    script_name = f"{data_dir}/scripts/{COMMAND}"
    script = zipfile.ZipInfo(script_name, date_time=(1980, 1, 1, 0, 0, 0))
    script.external_attr = 0o100755 << 16
    script.compress_type = zipfile.ZIP_DEFLATED
    partial = wheel.with_name(wheel.name + ".partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as target:
        for info, content in entries:
            if info.filename == script_name:
                continue
            if info.filename == record_name:
                target.writestr(script, data)
                lines = [
                    line
                    for line in content.decode("utf-8").splitlines()
                    if line and not line.startswith(script_name + ",")
                ]
                lines.insert(len(lines) - 1 if lines and lines[-1].startswith(record_name) else len(lines),
                             f"{script_name},{_record_hash(data)},{len(data)}")
                content = ("\n".join(lines) + "\n").encode("utf-8")
            target.writestr(info, content)
    os.replace(partial, wheel)
