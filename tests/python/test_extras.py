"""Beyond the reference: the per-package report and configurable ecosystems."""

from __future__ import annotations

import json
import pathlib

import pytest

import setup_stamp
from setup_stamp import Ecosystem, PackageChange, PackageStatus, Report, SetupStamp, SetupVerdict


def test_check_report_without_a_stamp(site) -> None:
    site.install("terok", "1.0")
    report = setup_stamp.check_report()
    assert isinstance(report, Report)
    assert report.verdict is SetupVerdict.FIRST_RUN


def test_check_report_lists_every_package(site) -> None:
    site.install_all({"terok": "1.0", "terok-sandbox": "0.6.0", "terok-shield": "0.9.0"})
    path = setup_stamp.stamp_path()
    path.parent.mkdir(parents=True)
    path.write_text(
        json.dumps(
            {
                "version": 1,
                "packages": {"terok-shield": "0.9.0", "terok": "0.9", "terok-executor": "0.5.0"},
            }
        ),
        encoding="utf-8",
    )
    report = setup_stamp.check_report()
    assert report.verdict is setup_stamp.needs_setup() is SetupVerdict.STALE_AFTER_DOWNGRADE
    by_name = {line.package: line for line in report.packages}
    # Stamped packages in file order, then installed-but-unstamped ones.
    assert [line.package for line in report.packages] == [
        "terok-shield",
        "terok",
        "terok-executor",
        "terok-sandbox",
    ]
    assert by_name["terok-shield"] == PackageStatus("terok-shield", "0.9.0", True, "0.9.0", PackageChange.SAME)
    assert by_name["terok"].change is PackageChange.UPGRADED
    assert by_name["terok-executor"].change is PackageChange.NOT_INSTALLED
    assert by_name["terok-executor"].is_installed is False
    assert by_name["terok-sandbox"].change is PackageChange.NOT_STAMPED
    assert by_name["terok-sandbox"].stamped is None
    assert "PackageStatus(" in repr(by_name["terok"])


def test_check_report_honours_patched_installed_versions(monkeypatch) -> None:
    monkeypatch.setattr(setup_stamp, "installed_versions", lambda: {"terok": "2.0"})
    setup_stamp.write_stamp()
    monkeypatch.setattr(setup_stamp, "installed_versions", lambda: {"terok": "1.0"})
    report = setup_stamp.check_report()
    assert report.verdict is SetupVerdict.STALE_AFTER_DOWNGRADE
    assert [(p.package, p.change) for p in report.packages] == [("terok", PackageChange.DOWNGRADED)]


def test_ecosystem_defaults_are_the_reference() -> None:
    eco = Ecosystem()
    assert eco == Ecosystem.terok()
    assert eco.namespace == "terok"
    assert eco.tracked_packages == setup_stamp._TRACKED_PACKAGES
    assert eco.file_name == "setup.stamp"
    assert hash(eco) == hash(Ecosystem.terok())
    assert "Ecosystem(namespace='terok'" in repr(eco)
    with pytest.raises(AttributeError):
        eco.namespace = "x"


def test_ecosystem_rejects_a_string_of_packages() -> None:
    with pytest.raises(TypeError):
        Ecosystem(tracked_packages="terok")


def test_setup_stamp_defaults_match_module_functions(site) -> None:
    site.install("terok-sandbox", "0.6.0")
    stamp = SetupStamp()
    assert stamp.stamp_path() == setup_stamp.stamp_path()
    assert stamp.installed_versions() == setup_stamp.installed_versions() == {"terok-sandbox": "0.6.0"}
    assert stamp.needs_setup() is SetupVerdict.FIRST_RUN
    assert stamp.write_stamp() == setup_stamp.stamp_path()
    assert setup_stamp.needs_setup() is SetupVerdict.OK
    assert stamp.check_report().verdict is SetupVerdict.OK
    assert stamp.clear_stamp() is True
    assert stamp.clear_stamp() is False


def test_custom_ecosystem(monkeypatch, tmp_path) -> None:
    site = tmp_path / "venv-site"
    site.mkdir()
    for name, version in (("acme-core", "2.1"), ("acme-ui", "0.3")):
        entry = site / f"{name.replace('-', '_')}-0.dist-info"
        entry.mkdir()
        (entry / "METADATA").write_text(f"Name: {name}\nVersion: {version}\n", encoding="utf-8")
    monkeypatch.setenv("ACME_ROOT", str(tmp_path / "acme-state"))
    eco = Ecosystem("acme", ["acme-core", "acme-ui", "acme-cli"], "acme.stamp")
    stamp = SetupStamp(eco, search_path=[site])
    assert stamp.stamp_path() == tmp_path / "acme-state" / "acme.stamp"
    assert stamp.installed_versions() == {"acme-core": "2.1", "acme-ui": "0.3"}
    assert stamp.needs_setup() is SetupVerdict.FIRST_RUN
    path = stamp.write_stamp()
    assert isinstance(path, pathlib.Path)
    assert json.loads(path.read_text(encoding="utf-8"))["packages"] == {"acme-core": "2.1", "acme-ui": "0.3"}
    assert stamp.needs_setup() is SetupVerdict.OK
    # The reference ecosystem's stamp is elsewhere and untouched.
    assert setup_stamp.needs_setup() is SetupVerdict.FIRST_RUN
    (site / "acme_ui-0.dist-info" / "METADATA").write_text("Name: acme-ui\nVersion: 0.2\n", encoding="utf-8")
    assert stamp.needs_setup() is SetupVerdict.STALE_AFTER_DOWNGRADE
    assert stamp.clear_stamp() is True


def test_fixed_search_path_ignores_sys_path(site, tmp_path) -> None:
    site.install("terok", "1.0")
    empty = tmp_path / "empty"
    empty.mkdir()
    assert SetupStamp(search_path=[str(empty)]).installed_versions() == {}
    assert SetupStamp().installed_versions() == {"terok": "1.0"}
