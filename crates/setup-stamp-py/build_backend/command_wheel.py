"""Put the ``setup-stamp`` executable into the extension's wheel.

maturin builds the extension (``setup_stamp._native``) into one wheel and,
with ``--bindings bin``, the ``setup-stamp-cli`` crate's executable into
another (``setup_stamp_cli-<version>.data/scripts/setup-stamp``), each
checked against the same platform policy (``--compatibility``).  This
module moves the executable from the second wheel into the first as
``setup_stamp-<version>.data/scripts/setup-stamp`` (mode 0755) with its
``RECORD`` line, so that installers put the real binary in the
environment's ``bin`` directory.

The build backend (``setup_stamp_backend``) calls it for every wheel it
builds; a release job that builds both wheels with maturin directly runs
it as a command::

    python build_backend/command_wheel.py EXTENSION_WHEEL COMMAND_WHEEL

It needs nothing but the standard library.
"""

from __future__ import annotations

import base64
import hashlib
import os
import sys
import zipfile
from pathlib import Path

#: The executable shipped in the wheel's scripts.
COMMAND = "setup-stamp"


def read_command(command_wheel: Path) -> bytes:
    """The bytes of ``*.data/scripts/setup-stamp`` in maturin's ``bin`` wheel."""
    with zipfile.ZipFile(command_wheel) as wheel:
        names = [
            name
            for name in wheel.namelist()
            if name.endswith(f".data/scripts/{COMMAND}") and name.count("/") == 2
        ]
        if len(names) != 1:
            raise RuntimeError(f"{command_wheel}: expected one .data/scripts/{COMMAND}, found {names}")
        return wheel.read(names[0])


def record_hash(data: bytes) -> str:
    """A ``RECORD`` hash field: ``sha256=`` and the unpadded urlsafe base64 digest."""
    digest = hashlib.sha256(data).digest()
    return "sha256=" + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")


def add_command(wheel: Path, data: bytes) -> str:
    """Adds ``data`` to ``wheel`` as the script ``setup-stamp``; its name in the wheel.

    An existing entry of that name (and its ``RECORD`` line) is replaced;
    every other entry is copied unchanged, in order.
    """
    with zipfile.ZipFile(wheel) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    records = [info.filename for info, _ in entries if info.filename.endswith(".dist-info/RECORD")]
    if len(records) != 1 or records[0].count("/") != 1:
        raise RuntimeError(f"{wheel}: expected one top-level .dist-info/RECORD, found {records}")
    record_name = records[0]
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
                at = len(lines) - 1 if lines and lines[-1].startswith(record_name + ",") else len(lines)
                lines.insert(at, f"{script_name},{record_hash(data)},{len(data)}")
                content = ("\n".join(lines) + "\n").encode("utf-8")
            target.writestr(info, content)
    os.replace(partial, wheel)
    return script_name


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(f"usage: {Path(argv[0]).name} EXTENSION_WHEEL COMMAND_WHEEL", file=sys.stderr)
        return 2
    wheel, command_wheel = Path(argv[1]), Path(argv[2])
    name = add_command(wheel, read_command(command_wheel))
    print(f"{wheel}: added {name} from {command_wheel.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
