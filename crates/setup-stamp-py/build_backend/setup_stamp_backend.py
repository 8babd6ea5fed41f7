"""PEP 517 build backend: maturin's, plus the ``setup-stamp`` command.

maturin builds the extension (``setup_stamp._native``) but cannot put a Rust
executable of another crate into the same wheel.  This backend delegates
everything to maturin and, for a wheel, also builds the workspace's
``setup-stamp-cli`` with ``maturin build --bindings bin`` (same Cargo
profile, target, zig linker and platform policy as the extension) and adds
the executable as ``<name>-<version>.data/scripts/setup-stamp``, with its
line in ``RECORD`` (``command_wheel.py``).  Installers put it in the
environment's ``bin`` directory: ``pip install ./crates/setup-stamp-py`` (or
``pipx install``) gives ``import setup_stamp`` *and* the real binary on
``PATH``, with no Python start-up on the command's path.

The options follow maturin's PEP 517 arguments (``MATURIN_PEP517_ARGS`` or
the ``maturin.build-args`` config setting): ``--profile NAME`` (else
``release``), ``--target``, ``--zig``, ``--compatibility`` (else ``off``,
maturin's PEP 517 default: a ``linux`` tag for this machine),
``--auditwheel``, ``--locked``, ``--frozen`` and ``--offline`` apply to the
command too.  So ``MATURIN_PEP517_ARGS="--zig --compatibility manylinux2014"``
builds a wheel for PyPI, extension and command alike.

A source distribution carries what the command needs: maturin's sdist holds
the extension's crates and ``Cargo.lock``; ``build_sdist`` adds the
``setup-stamp-cli`` crate and makes it a member of the sdist's workspace.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
from pathlib import Path

import maturin
from maturin import (  # noqa: F401 — re-exported hooks
    get_requires_for_build_editable,
    get_requires_for_build_sdist,
    get_requires_for_build_wheel,
    prepare_metadata_for_build_editable,
    prepare_metadata_for_build_wheel,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))
import command_wheel  # noqa: E402 — beside this file

#: The crate and executable shipped in the wheel's scripts.
CLI_PACKAGE = "setup-stamp-cli"
COMMAND = command_wheel.COMMAND
#: Where the crate lives, relative to the workspace root (checkout and sdist).
CLI_DIRECTORY = "crates/setup-stamp-cli"

HERE = Path(__file__).resolve().parent.parent

#: maturin build options that apply to the command as to the extension:
#: option -> how many values it takes (None: zero or more).
FORWARDED = {
    "--target": 1,
    "--zig": 0,
    "--compatibility": None,
    "--manylinux": None,
    "--auditwheel": 1,
    "--locked": 0,
    "--frozen": 0,
    "--offline": 0,
}


def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):
    """maturin's wheel, with the command added."""
    command = build_command(config_settings)
    name = maturin.build_wheel(wheel_directory, config_settings, metadata_directory)
    command_wheel.add_command(Path(wheel_directory) / name, command)
    return name


def build_editable(wheel_directory, config_settings=None, metadata_directory=None):
    """maturin's editable wheel, with the command added."""
    command = build_command(config_settings)
    name = maturin.build_editable(wheel_directory, config_settings, metadata_directory)
    command_wheel.add_command(Path(wheel_directory) / name, command)
    return name


def build_sdist(sdist_directory, config_settings=None):
    """maturin's sdist, with the command's crate added to its workspace."""
    name = maturin.build_sdist(sdist_directory, config_settings)
    add_cli_crate(Path(sdist_directory) / name, workspace()["workspace_root"])
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


def command_build_args(args: list[str]) -> list[str]:
    """The ``maturin build`` options for the command, from the extension's PEP 517 arguments."""
    profile = cargo_profile(args)
    out = ["--release"] if profile == "release" else ["--profile", profile]
    compatibility = False
    index = 0
    while index < len(args):
        arg = args[index]
        option, joined, value = arg.partition("=")
        index += 1
        if option not in FORWARDED:
            continue
        compatibility |= option in ("--compatibility", "--manylinux")
        if joined:
            out.append(arg)
            continue
        out.append(option)
        count = FORWARDED[option]
        while index < len(args) and (count is None or count > 0) and not args[index].startswith("-"):
            out.append(args[index])
            index += 1
            if count is not None:
                count -= 1
    if not compatibility:
        # maturin's PEP 517 default for the extension (a wheel for this machine).
        out += ["--compatibility", "off"]
    return out


def workspace() -> dict:
    """``cargo metadata`` of the workspace this backend's project belongs to."""
    cargo = os.environ.get("CARGO") or shutil.which("cargo") or "cargo"
    return json.loads(
        subprocess.run(
            [cargo, "metadata", "--format-version", "1", "--no-deps"],
            cwd=HERE,
            check=True,
            stdout=subprocess.PIPE,
        ).stdout
    )


def maturin_command() -> list[str]:
    """How to run maturin: the executable beside this interpreter, else on PATH."""
    beside = Path(sys.executable).parent / "maturin"
    if beside.is_file():
        return [str(beside)]
    found = shutil.which("maturin")
    return [found] if found else [sys.executable, "-m", "maturin"]


def build_command(config_settings=None) -> bytes:
    """Builds ``setup-stamp-cli`` with maturin's ``bin`` bindings; the executable's bytes."""
    args = command_build_args(maturin.get_maturin_pep517_args(config_settings))
    metadata = workspace()
    packages = [package for package in metadata["packages"] if package["name"] == CLI_PACKAGE]
    if not packages:
        raise RuntimeError(
            f"the {COMMAND} command is built from the crate {CLI_PACKAGE}, which is not in this "
            f"source tree ({metadata['workspace_root']}); build the wheel from a checkout of the "
            "whole repository or from the project's sdist"
        )
    with tempfile.TemporaryDirectory(prefix="setup-stamp-command-") as out:
        command = [
            *maturin_command(),
            "build",
            "--bindings",
            "bin",
            "--manifest-path",
            packages[0]["manifest_path"],
            "--strip",
            "--out",
            out,
            *args,
        ]
        print(f"Building the {COMMAND} command: {' '.join(command)}", file=sys.stderr)
        subprocess.run(command, cwd=metadata["workspace_root"], check=True, stdout=sys.stderr)
        wheels = list(Path(out).glob("*.whl"))
        if len(wheels) != 1:
            raise RuntimeError(f"maturin built {wheels} for the {COMMAND} command, expected one wheel")
        return command_wheel.read_command(wheels[0])


def cli_crate_files(workspace_root: str) -> dict[str, bytes]:
    """The command's crate as ``cargo package`` takes it (its ``include`` list), and its
    ``pyproject.toml``.

    Paths relative to the workspace root, contents with symbolic links
    (the licence texts) resolved.
    """
    crate = Path(workspace_root) / CLI_DIRECTORY
    with open(crate / "Cargo.toml", "rb") as manifest:
        patterns = tomllib.load(manifest)["package"]["include"]
    files: dict[str, bytes] = {}
    # maturin's settings for the command's wheel (not part of the crate).
    patterns = [*patterns, "/pyproject.toml"]
    for pattern in patterns:
        pattern = pattern.lstrip("/")
        matches = [path for path in crate.glob(pattern + "/*" if pattern.endswith("**") else pattern) if path.is_file()]
        if not matches:
            raise RuntimeError(f"{crate}: the include pattern {pattern!r} matches no file")
        for path in matches:
            files[f"{CLI_DIRECTORY}/{path.relative_to(crate).as_posix()}"] = path.read_bytes()
    return dict(sorted(files.items()))


def with_member(manifest: str, member: str) -> str:
    """The workspace manifest ``manifest`` with ``member`` in ``workspace.members``."""
    if member in tomllib.loads(manifest)["workspace"]["members"]:
        return manifest
    pattern = re.compile(r"^(members\s*=\s*\[)", re.MULTILINE)
    patched, count = pattern.subn(lambda match: f'{match.group(1)}"{member}", ', manifest, count=1)
    if count != 1 or member not in tomllib.loads(patched)["workspace"]["members"]:
        raise RuntimeError(f"cannot add {member} to the sdist's workspace members")
    return patched


def add_cli_crate(sdist: Path, workspace_root: str) -> None:
    """Adds the command's crate to ``sdist`` and to its workspace's members."""
    with tarfile.open(sdist, "r:gz") as source:
        members = [(info, source.extractfile(info).read() if info.isfile() else None) for info in source.getmembers()]
    root = members[0][0].name.split("/", 1)[0]
    manifest_name = f"{root}/Cargo.toml"
    added = {f"{root}/{name}": data for name, data in cli_crate_files(workspace_root).items()}
    template = next(info for info, _ in members if info.name == manifest_name)
    buffer = io.BytesIO()
    # A fixed gzip header time keeps the archive a function of its content.
    with gzip.GzipFile(fileobj=buffer, mode="wb", mtime=template.mtime) as compressed:
        with tarfile.open(fileobj=compressed, mode="w", format=tarfile.PAX_FORMAT) as target:
            for info, data in members:
                if info.name in added:
                    continue
                if info.name == manifest_name:
                    data = with_member(data.decode("utf-8"), CLI_DIRECTORY).encode("utf-8")
                    info.size = len(data)
                target.addfile(info, io.BytesIO(data) if data is not None else None)
            for name, data in added.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                info.mtime = template.mtime
                info.mode = 0o644
                target.addfile(info, io.BytesIO(data))
    partial = sdist.with_name(sdist.name + ".partial")
    partial.write_bytes(buffer.getvalue())
    os.replace(partial, sdist)
    print(f"Added {len(added)} files of {CLI_PACKAGE} to {sdist.name}", file=sys.stderr)
