#!/usr/bin/env python3
"""Checks the release artifacts that scripts/dist built (run by it).

usage: dist_check.py DIST_DIR

DIST_DIR holds the wheels (manylinux, and musllinux when the musl target
was built), the sdist and the `.crate` files. Each check prints `ok: ...`
or `FAIL: ...`; the last line is `dist: N passed, N failed`, and the exit
status is 1 when anything failed.

- PyPI's own checks: `twine check --strict` of every wheel and the sdist.
- The manylinux wheel: its file name's platform tag is manylinux_2_17
  (manylinux2014); `auditwheel show` (which reads every ELF file in the
  wheel, the command in `.data/scripts` included) finds the wheel
  consistent with exactly that tag; and, as a control, the same check on
  a copy carrying a program linked against this machine's glibc must
  answer a newer tag; neither the extension nor the command needs
  libgcc_s.so.1 (the static unwinder of setup-stamp-build, or zig's).
- The musllinux wheel: the extension needs nothing but musl's libc, the
  command is a static executable, and it runs (`auditwheel` itself only
  judges musl wheels on a musl host: see scripts/dist).
- Every wheel: the licence texts in `.dist-info/licenses`, the metadata
  (name, version, licence expression, the README as description), a
  `RECORD` that matches every file, the command as an executable ELF file.
- Installs: the manylinux wheel into a fresh venv of each CPython found
  (3.12, and 3.11, the oldest the abi3 wheel claims): the installed
  command is the wheel's binary, prints its version, answers first_run
  (exit 3) then ok after `write`, and agrees with `import setup_stamp`.
- The sdist stands alone: copied alone into an empty directory, built into
  a wheel by pip (build dependencies from PyPI, a fresh Cargo target
  directory, `--locked`), installed, and checked as above. It carries
  the licence texts, the four crates, `Cargo.lock` and the workspace's
  release profile.
- The crates: each `.crate` carries the licence texts and its README; the
  manifests have the metadata crates.io shows and no placeholder URL; the
  command depends on the library by this version.
- CHANGELOG.md starts with an Unreleased section, and a tagged release
  has its own section.
- The release workflow builds the wheels for x86_64 and aarch64, glibc and
  musl, the sdist and the crates, checks them, publishes only on a tag and
  after the checks, and every `run` block passes shellcheck.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tomllib
import zipfile
from email.parser import Parser
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COMMAND = "setup-stamp"
LICENCES = ("LICENSE-MIT", "LICENSE-APACHE")
LICENSE_EXPRESSION = "MIT OR Apache-2.0"
CRATES = ("setup-stamp", "setup-stamp-build", "setup-stamp-cli")

passed = 0
failed = 0


def check(description):
    """Runs the decorated function now as one check; AssertionError (or any error) fails it."""

    def run(function):
        global passed, failed
        try:
            detail = function()
        except Exception as error:  # noqa: BLE001 — every failure is reported, none stops the rest
            failed += 1
            text = f"{type(error).__name__}: {error}" if not isinstance(error, AssertionError) else str(error)
            print(f"FAIL: {description}: {text}", flush=True)
        else:
            passed += 1
            print(f"ok: {description}" + (f" ({detail})" if detail else ""), flush=True)
        return function

    return run


def workspace_version() -> str:
    with open(REPO / "Cargo.toml", "rb") as manifest:
        return tomllib.load(manifest)["workspace"]["package"]["version"]


VERSION = workspace_version()


def run(*command, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("stdout", subprocess.PIPE)
    kwargs.setdefault("stderr", subprocess.STDOUT)
    kwargs.setdefault("text", True)
    return subprocess.run([str(part) for part in command], check=False, **kwargs)


def tool(name: str) -> str:
    """A tool of the venv running this script (.venv-dist)."""
    return str(Path(sys.executable).parent / name)


def record_hash(data: bytes) -> str:
    return "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).decode().rstrip("=")


def platform_tags(wheel: Path) -> list[str]:
    # name-version-python-abi-platform.whl; the platform part may hold several tags.
    return wheel.name[: -len(".whl")].split("-")[4].split(".")


def auditwheel_tag(wheel: Path, *extra: str) -> str:
    result = run(tool("auditwheel"), "show", *extra, wheel)
    assert result.returncode == 0, f"auditwheel show exited {result.returncode}: {result.stdout[-2000:]}"
    found = re.search(r'consistent\s+with\s+the\s+following\s+platform\s+tag:\s+"([^"]+)"', result.stdout)
    assert found, f"no platform tag in auditwheel's answer: {result.stdout[-2000:]}"
    return found.group(1)


def add_to_wheel(wheel: Path, name: str, data: bytes, mode: int = 0o755) -> None:
    """Adds ``name`` to a copy of a wheel, with its RECORD line (for the control)."""
    sys.path.insert(0, str(REPO / "crates/setup-stamp-py/build_backend"))
    import command_wheel

    with zipfile.ZipFile(wheel) as source:
        entries = [(info, source.read(info)) for info in source.infolist()]
    record = next(info.filename for info, _ in entries if info.filename.endswith(".dist-info/RECORD"))
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as target:
        for info, content in entries:
            if info.filename == record:
                added = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                added.external_attr = (0o100000 | mode) << 16
                target.writestr(added, data)
                content += f"{name},{command_wheel.record_hash(data)},{len(data)}\n".encode()
            target.writestr(info, content)


def elf_dynamic(data: bytes):
    """(interpreter, needed sonames, versioned symbol requirements) of an ELF image."""
    from elftools.elf.elffile import ELFFile
    from elftools.elf.gnuversions import GNUVerNeedSection

    elf = ELFFile(io.BytesIO(data))
    interpreter = None
    for segment in elf.iter_segments():
        if segment["p_type"] == "PT_INTERP":
            interpreter = segment.get_interp_name()
    needed = []
    dynamic = elf.get_section_by_name(".dynamic")
    if dynamic is not None:
        needed = [tag.needed for tag in dynamic.iter_tags() if tag.entry.d_tag == "DT_NEEDED"]
    versions = set()
    for section in elf.iter_sections():
        if isinstance(section, GNUVerNeedSection):
            for _, auxiliaries in section.iter_versions():
                versions.update(aux.name for aux in auxiliaries)
    return interpreter, needed, versions


def wheel_files(wheel: Path) -> dict[str, tuple[zipfile.ZipInfo, bytes]]:
    with zipfile.ZipFile(wheel) as archive:
        return {info.filename: (info, archive.read(info)) for info in archive.infolist()}


def check_wheel_contents(wheel: Path) -> bytes:
    """The common checks of one wheel; the command's bytes."""
    files = wheel_files(wheel)
    dist_info = f"setup_stamp-{VERSION}.dist-info"
    script = f"setup_stamp-{VERSION}.data/scripts/{COMMAND}"
    kind = wheel.name.split("-")[4].split("_")[0]

    @check(f"{kind} wheel: licence texts in .dist-info/licenses")
    def _():
        for name in LICENCES:
            entry = files.get(f"{dist_info}/licenses/{name}")
            assert entry, f"no {dist_info}/licenses/{name}"
            assert entry[1] == (REPO / name).read_bytes(), f"{name} differs from the repository's"

    @check(f"{kind} wheel: metadata (name, version, licence expression, README)")
    def _():
        metadata = Parser().parsestr(files[f"{dist_info}/METADATA"][1].decode("utf-8"))
        assert metadata["Name"] == "setup-stamp", metadata["Name"]
        assert metadata["Version"] == VERSION, metadata["Version"]
        assert metadata["License-Expression"] == LICENSE_EXPRESSION, metadata["License-Expression"]
        assert sorted(metadata.get_all("License-File")) == sorted(LICENCES), metadata.get_all("License-File")
        assert metadata["Requires-Python"] == ">=3.11", metadata["Requires-Python"]
        assert "example.invalid" not in str(metadata), "a placeholder URL in the metadata"
        readme = (REPO / "crates/setup-stamp-py/README.md").read_text()
        assert metadata.get_payload().strip() == readme.strip(), "the description is not the package README"
        return metadata["Metadata-Version"]

    @check(f"{kind} wheel: RECORD lists every file with its hash and size")
    def _():
        record_name = f"{dist_info}/RECORD"
        rows = list(csv.reader(io.StringIO(files[record_name][1].decode("utf-8"))))
        listed = {row[0]: row for row in rows}
        assert set(listed) == set(files), f"RECORD and the wheel differ: {set(listed) ^ set(files)}"
        for name, (_, data) in files.items():
            if name == record_name:
                continue
            _, digest, size = listed[name]
            assert digest == record_hash(data) and int(size) == len(data), f"{name}: RECORD says {digest} {size}"
        return f"{len(files)} files"

    @check(f"{kind} wheel: the command is an executable ELF file in .data/scripts")
    def _():
        assert script in files, f"no {script}"
        info, data = files[script]
        assert data[:4] == b"\x7fELF", "not an ELF file"
        assert (info.external_attr >> 16) & 0o777 == 0o755, oct(info.external_attr >> 16)
        natives = [name for name in files if name.startswith("setup_stamp/_native") and name.endswith(".so")]
        assert natives == ["setup_stamp/_native.abi3.so"], natives
        assert platform_tags(wheel) and wheel.name.split("-")[2:4] == ["cp311", "abi3"], wheel.name

    return files[script][1] if script in files else b""


def check_manylinux(wheel: Path) -> None:
    check_wheel_contents(wheel)

    @check("manylinux wheel: the file name's platform tags are manylinux2014 / manylinux_2_17 only")
    def _():
        tags = platform_tags(wheel)
        assert all(re.fullmatch(r"manylinux(2014|_2_17)_x86_64", tag) for tag in tags), tags
        assert "manylinux_2_17_x86_64" in tags, tags
        return ".".join(tags)

    @check("manylinux wheel: auditwheel show finds it consistent with manylinux_2_17_x86_64")
    def _():
        tag = auditwheel_tag(wheel)
        assert tag == "manylinux_2_17_x86_64", tag
        return tag

    @check("manylinux wheel: neither the extension nor the command loads libgcc_s.so.1 (a static unwinder)")
    def _():
        files = wheel_files(wheel)
        for name in ("setup_stamp/_native.abi3.so", f"setup_stamp-{VERSION}.data/scripts/{COMMAND}"):
            _, needed, _ = elf_dynamic(files[name][1])
            assert "libgcc_s.so.1" not in needed, f"{name} needs {needed}"
            assert set(needed) <= {"libc.so.6", "libpthread.so.0", "libdl.so.2", "ld-linux-x86-64.so.2"}, needed

    @check("control: auditwheel show rejects the wheel once it carries a program built against this glibc")
    def _():
        with tempfile.TemporaryDirectory() as scratch:
            program = Path(scratch) / "threads"
            source = "#include <pthread.h>\nstatic void *f(void *a) { return a; }\n"
            source += "int main(void) { pthread_t t; pthread_create(&t, 0, f, 0); return pthread_join(t, 0); }\n"
            compiled = run("cc", "-x", "c", "-", "-o", program, "-pthread", input=source)
            assert compiled.returncode == 0, compiled.stdout
            _, _, versions = elf_dynamic(program.read_bytes())
            copy = Path(scratch) / wheel.name
            shutil.copyfile(wheel, copy)
            add_to_wheel(copy, f"setup_stamp-{VERSION}.data/scripts/threads", program.read_bytes())
            tag = auditwheel_tag(copy)
            assert tag != "manylinux_2_17_x86_64", f"auditwheel still says {tag}"
            newest = max(versions, key=lambda v: [int(p) for p in v.split("_")[1].split(".")] if v.startswith("GLIBC_") else [0])
            return f"{tag}; the program needs {newest}"


def check_musllinux(wheel: Path) -> None:
    command = check_wheel_contents(wheel)
    files = wheel_files(wheel)

    @check("musllinux wheel: the file name's platform tag is musllinux_1_2_x86_64")
    def _():
        assert platform_tags(wheel) == ["musllinux_1_2_x86_64"], platform_tags(wheel)

    @check("musllinux wheel: the extension needs only musl's libc, with no versioned symbols")
    def _():
        _, needed, versions = elf_dynamic(files["setup_stamp/_native.abi3.so"][1])
        assert needed and all(re.fullmatch(r"libc\.(so|musl-x86_64\.so\.1)", name) for name in needed), needed
        assert not versions, versions
        return ", ".join(needed)

    @check("musllinux wheel: the command is a static executable and runs here")
    def _():
        interpreter, needed, _ = elf_dynamic(command)
        assert interpreter is None and not needed, (interpreter, needed)
        with tempfile.TemporaryDirectory() as scratch:
            path = Path(scratch) / COMMAND
            path.write_bytes(command)
            path.chmod(0o755)
            check_command(path, Path(scratch))


def check_command(binary: Path, scratch: Path) -> None:
    """--version, then first_run (exit 3), write, ok (exit 0) in a fresh state directory."""
    state, site = scratch / "state", scratch / "site"
    (site / "terok-1.2.dist-info").mkdir(parents=True, exist_ok=True)
    (site / "terok-1.2.dist-info/METADATA").write_text("Metadata-Version: 2.1\nName: terok\nVersion: 1.2\n")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(scratch), "TEROK_ROOT": str(state)}
    result = run(binary, "--version", env=env)
    assert result.returncode == 0 and result.stdout.strip() == f"{COMMAND} {VERSION}", result.stdout
    result = run(binary, "--sys-path", site, "check", env=env)
    assert result.returncode == 3 and "verdict: first_run" in result.stdout, (result.returncode, result.stdout)
    result = run(binary, "--sys-path", site, "write", env=env)
    assert result.returncode == 0 and (state / "setup.stamp").is_file(), result.stdout
    result = run(binary, "--sys-path", site, "check", env=env)
    assert result.returncode == 0 and result.stdout.startswith("verdict: ok"), (result.returncode, result.stdout)


def check_install(wheel: Path, python: str, origin: str) -> None:
    """Installs ``wheel`` into a fresh venv of ``python``; the command and the module."""
    version = run(python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])").stdout.strip()

    @check(f"{origin}: installed with CPython {version}: the command and import setup_stamp")
    def _():
        with tempfile.TemporaryDirectory(prefix="setup-stamp-dist-") as scratch_name:
            scratch = Path(scratch_name)
            venv = scratch / "venv"
            created = run(python, "-m", "venv", venv)
            assert created.returncode == 0, created.stdout
            installed = run(venv / "bin/python", "-m", "pip", "install", "--quiet", "--no-index", wheel)
            assert installed.returncode == 0, installed.stdout
            binary = venv / "bin" / COMMAND
            script = wheel_files(wheel)[f"setup_stamp-{VERSION}.data/scripts/{COMMAND}"][1]
            assert binary.read_bytes() == script, "the installed command is not the wheel's binary"
            check_command(binary, scratch)
            env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(scratch), "TEROK_ROOT": str(scratch / "module")}
            module = run(
                venv / "bin/python",
                "-c",
                "import setup_stamp; print(setup_stamp.needs_setup().value, setup_stamp.stamp_path())",
                env=env,
            )
            assert module.returncode == 0, module.stdout
            command = run(binary, "check", "--json", env=env)
            import json

            answer = json.loads(command.stdout)
            verdict, path = module.stdout.split()
            assert command.returncode == 3 and answer["verdict"] == verdict == "first_run", (command.stdout, module.stdout)
            assert answer["stamp_path"] == path == str(scratch / "module/setup.stamp"), (answer, path)


def check_sdist(sdist: Path, pythons: list[str]) -> None:
    with tarfile.open(sdist) as archive:
        names = {member.name: member for member in archive.getmembers()}
        root = f"setup_stamp-{VERSION}"

        def read(name: str) -> bytes:
            return archive.extractfile(names[f"{root}/{name}"]).read()

        @check("sdist: licence texts at its root and in each crate")
        def _():
            for directory in ["", *(f"crates/{crate}/" for crate in (*CRATES, "setup-stamp-py"))]:
                for licence in LICENCES:
                    assert read(directory + licence) == (REPO / licence).read_bytes(), directory + licence

        @check("sdist: the four crates, Cargo.lock, the build backend, PKG-INFO")
        def _():
            for name in [
                "PKG-INFO",
                "pyproject.toml",
                "Cargo.lock",
                "build_backend/setup_stamp_backend.py",
                "build_backend/command_wheel.py",
                "crates/setup-stamp/src/lib.rs",
                "crates/setup-stamp-build/src/lib.rs",
                "crates/setup-stamp-cli/src/main.rs",
                "crates/setup-stamp-cli/build.rs",
                "crates/setup-stamp-cli/pyproject.toml",
                "crates/setup-stamp-py/src/lib.rs",
                "python/setup_stamp/__init__.py",
            ]:
                assert f"{root}/{name}" in names, f"no {name}"
            assert read("Cargo.lock") == (REPO / "Cargo.lock").read_bytes(), "Cargo.lock differs from the checkout's"
            metadata = Parser().parsestr(read("PKG-INFO").decode("utf-8"))
            assert metadata["Version"] == VERSION and metadata["License-Expression"] == LICENSE_EXPRESSION, (
                metadata["Version"],
                metadata["License-Expression"],
            )
            return f"{len(names)} files"

        @check("sdist: its workspace has the four crates (and the tests' support crate) and the checkout's release profile")
        def _():
            manifest = tomllib.loads(read("Cargo.toml").decode("utf-8"))
            with open(REPO / "Cargo.toml", "rb") as original:
                checkout = tomllib.load(original)
            members = set(manifest["workspace"]["members"])
            # setup-stamp-test-support is a dev-dependency of two crates:
            # cargo resolves it from the manifest even when no test is built.
            expected = {f"crates/{crate}" for crate in (*CRATES, "setup-stamp-py", "setup-stamp-test-support")}
            assert members == expected, members
            assert manifest["profile"] == checkout["profile"], manifest.get("profile")
            assert manifest["workspace"]["dependencies"] == checkout["workspace"]["dependencies"]

    profile = os.environ.get("SETUP_STAMP_DIST_SDIST_PROFILE", "dev")
    with tempfile.TemporaryDirectory(prefix="setup-stamp-sdist-") as scratch_name:
        scratch = Path(scratch_name)
        built: list[Path] = []

        @check(f"sdist stands alone: pip builds a wheel from it in an empty directory (cargo profile {profile})")
        def _():
            shutil.copyfile(sdist, scratch / sdist.name)
            venv = scratch / "build-venv"
            assert run(pythons[0], "-m", "venv", venv).returncode == 0
            env = {key: value for key, value in os.environ.items() if not key.startswith(("CARGO_TARGET_DIR", "MATURIN", "VIRTUAL_ENV"))}
            env["MATURIN_PEP517_ARGS"] = f"--profile {profile} --locked"
            result = run(
                venv / "bin/python",
                "-m",
                "pip",
                "wheel",
                "--no-deps",
                "--no-cache-dir",
                "--disable-pip-version-check",
                "-w",
                scratch / "wheels",
                sdist.name,
                cwd=scratch,
                env=env,
            )
            assert result.returncode == 0, result.stdout[-4000:]
            built.extend((scratch / "wheels").glob("*.whl"))
            assert len(built) == 1, built
            return built[0].name

        if built:
            check_wheel_contents(built[0])
            check_install(built[0], pythons[0], "the wheel built from the sdist")


def check_crates(dist: Path) -> None:
    for crate in CRATES:
        path = dist / f"{crate}-{VERSION}.crate"

        @check(f"crate {crate}: licence texts, README and crates.io metadata")
        def _(crate=crate, path=path):
            with tarfile.open(path) as archive:
                root = f"{crate}-{VERSION}"
                names = set(archive.getnames())
                for name in (*LICENCES, "README.md", "Cargo.toml"):
                    assert f"{root}/{name}" in names, f"no {name} in {path.name}"
                for licence in LICENCES:
                    assert archive.extractfile(f"{root}/{licence}").read() == (REPO / licence).read_bytes(), licence
                text = archive.extractfile(f"{root}/Cargo.toml").read().decode("utf-8")
            manifest = tomllib.loads(text)
            package = manifest["package"]
            assert "example.invalid" not in text, "a placeholder URL"
            assert package["license"] == LICENSE_EXPRESSION and package["readme"] == "README.md", package
            assert package["description"] and package["keywords"] and package["categories"], package
            if crate == "setup-stamp-cli":
                assert manifest["dependencies"]["setup-stamp"]["version"] == VERSION, manifest["dependencies"]
                assert manifest["build-dependencies"]["setup-stamp-build"]["version"] == VERSION
                assert [target["name"] for target in manifest["bin"]] == [COMMAND], manifest["bin"]
            else:
                assert package["documentation"] == f"https://docs.rs/{crate}", package.get("documentation")
            return f"{len(names)} files"


def check_changelog() -> None:
    @check("CHANGELOG.md: Keep a Changelog headings, Unreleased on top")
    def _():
        text = (REPO / "CHANGELOG.md").read_text()
        headings = re.findall(r"^## \[([^\]]+)\]", text, re.MULTILINE)
        assert headings and headings[0] == "Unreleased", headings
        tag = run("git", "-C", REPO, "describe", "--tags", "--exact-match", "HEAD").stdout.strip()
        if tag.startswith("v"):
            assert tag == f"v{VERSION}", f"tag {tag} is not v{VERSION}"
            assert VERSION in headings, f"no section for {VERSION}"
        for heading in headings[1:]:
            assert re.search(rf"^## \[{re.escape(heading)}\] - \d{{4}}-\d\d-\d\d$", text, re.MULTILINE), heading
        return ", ".join(headings)


def check_workflow() -> None:
    """The release workflow builds, checks and publishes what the README promises."""
    from ruamel.yaml import YAML

    workflow = YAML(typ="safe").load((REPO / ".github/workflows/release.yml").read_text())
    jobs = workflow["jobs"]

    @check("release workflow: wheels for x86_64 and aarch64, manylinux2014 and musllinux_1_2; sdist; crates")
    def _():
        platforms = {(entry["target"], str(entry["manylinux"])) for entry in jobs["wheels"]["strategy"]["matrix"]["platform"]}
        want = {
            (f"{arch}-unknown-linux-{libc}", policy)
            for arch in ("x86_64", "aarch64")
            for libc, policy in (("gnu", "2014"), ("musl", "musllinux_1_2"))
        }
        assert platforms == want, platforms
        steps = jobs["wheels"]["steps"]
        builds = [step for step in steps if str(step.get("uses", "")).startswith("PyO3/maturin-action@")]
        assert len(builds) == 2 and "crates/setup-stamp-cli/Cargo.toml" in builds[1]["with"]["args"], builds
        assert any("command_wheel.py" in step.get("run", "") for step in steps), "the command is not joined in"
        assert "build --sdist" in str(jobs["sdist"]["steps"]), "no sdist"
        assert "cargo publish --dry-run" in str(jobs["crates"]["steps"]), "no crate packaging"
        assert "scripts/dist_check.py" in str(jobs["check"]["steps"]), "the artifacts are not checked"

    @check("release workflow: publishing only on a tag, after the checks; every need names a job")
    def _():
        for name, job in jobs.items():
            needs = job.get("needs", [])
            for need in [needs] if isinstance(needs, str) else needs:
                assert need in jobs, f"{name} needs {need}, which is no job"
        for name in ("publish-pypi", "publish-crates", "github-release"):
            assert jobs[name]["if"] == "startsWith(github.ref, 'refs/tags/')", (name, jobs[name].get("if"))
        for name in ("publish-pypi", "publish-crates"):
            assert {"check", "check-musllinux"} <= set(jobs[name]["needs"]), (name, jobs[name]["needs"])
        assert jobs["publish-pypi"]["permissions"] == {"id-token": "write"}, jobs["publish-pypi"]["permissions"]
        assert workflow["permissions"] == {"contents": "read"}, workflow["permissions"]

    shellcheck = shutil.which("shellcheck")

    @check("release workflow: shellcheck of every run block" + ("" if shellcheck else ": shellcheck not installed"))
    def _():
        assert shellcheck, "apt-get install shellcheck"
        count = 0
        with tempfile.TemporaryDirectory() as scratch:
            for name, job in jobs.items():
                for index, step in enumerate(job.get("steps", [])):
                    if "run" not in step:
                        continue
                    # An expression becomes a plain word, as the runner substitutes it.
                    body = re.sub(r"\$\{\{.*?\}\}", "expression", step["run"])
                    script = Path(scratch) / f"{name}-{index}.sh"
                    script.write_text("#!/usr/bin/env bash\nset -eo pipefail\n" + body)
                    result = run(shellcheck, "--shell=bash", script)
                    assert result.returncode == 0, result.stdout
                    count += 1
        return f"{count} blocks"


def pythons() -> list[str]:
    """CPython 3.12 (this script's base) and, when present, 3.11."""
    found = [os.path.realpath(getattr(sys, "_base_executable", sys.executable))]
    for name in ("python3.11",):
        candidate = shutil.which(name)
        roots = sorted(Path(os.path.expanduser("~/.pyenv/versions")).glob("3.11*/bin/python3.11"))
        for path in [candidate, *map(str, roots)]:
            if path and run(path, "-c", "import sys; assert sys.version_info[:2] == (3, 11)").returncode == 0:
                found.append(path)
                break
    return found


def main(argv: list[str]) -> int:
    dist = Path(argv[1]).resolve()
    interpreters = pythons()
    wheels = sorted(dist.glob("*.whl"))
    manylinux = [wheel for wheel in wheels if "manylinux" in wheel.name]
    musllinux = [wheel for wheel in wheels if "musllinux" in wheel.name]
    sdists = sorted(dist.glob("*.tar.gz"))

    @check("artifacts: one manylinux wheel, one sdist and the crates")
    def _():
        assert len(manylinux) == 1 and len(sdists) == 1, (wheels, sdists)
        assert len(wheels) == len(manylinux) + len(musllinux) and len(musllinux) <= 1, wheels
        for crate in CRATES:
            assert (dist / f"{crate}-{VERSION}.crate").is_file(), f"no {crate}-{VERSION}.crate"

    @check("twine check --strict: every wheel and the sdist")
    def _():
        result = run(tool("twine"), "check", "--strict", *wheels, *sdists)
        assert result.returncode == 0, result.stdout
        return f"{len(wheels) + len(sdists)} files"

    if manylinux:
        check_manylinux(manylinux[0])
        for python in interpreters:
            check_install(manylinux[0], python, "manylinux wheel")
    if musllinux:
        check_musllinux(musllinux[0])
    if sdists:
        check_sdist(sdists[0], interpreters)
    check_crates(dist)
    check_changelog()
    check_workflow()
    print(f"dist: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
