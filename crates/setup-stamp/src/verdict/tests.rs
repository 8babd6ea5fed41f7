//! Rules of SPEC sections 0 and 3, and the Python-generated verdict fixture.

use super::*;

fn inst(name: &str, version: Option<&str>) -> InstalledPackage {
    InstalledPackage {
        name: name.to_owned(),
        version: version.map(str::to_owned),
    }
}

fn stamp(pairs: &[(&str, &str)]) -> Vec<(PyString, PyString)> {
    pairs
        .iter()
        .map(|&(k, v)| (PyString::from(k), PyString::from(v)))
        .collect()
}

fn verdict(stamped: &[(&str, &str)], installed: &[InstalledPackage]) -> SetupVerdict {
    compare(&stamp(stamped), installed)
        .expect("a verdict")
        .verdict
}

fn changes(report: &Report) -> Vec<(String, PackageChange)> {
    report
        .packages
        .iter()
        .map(|p| (p.package.to_string_lossy(), p.change))
        .collect()
}

#[test]
fn verdict_strings_round_trip() {
    let names = [
        "ok",
        "first_run",
        "stale_after_update",
        "stale_after_downgrade",
        "stamp_corrupt",
    ];
    for (v, name) in SetupVerdict::ALL.iter().zip(names) {
        assert_eq!(v.as_str(), name);
        assert_eq!(v.to_string(), name);
        assert_eq!(name.parse::<SetupVerdict>(), Ok(*v));
        let json = serde_json::to_string(v).unwrap();
        assert_eq!(json, format!("\"{name}\""));
        assert_eq!(serde_json::from_str::<SetupVerdict>(&json).unwrap(), *v);
    }
    let err = "OK".parse::<SetupVerdict>().unwrap_err();
    assert_eq!(
        err.to_string(),
        "unknown setup verdict \"OK\" (expected one of ok, first_run, stale_after_update, \
         stale_after_downgrade, stamp_corrupt)"
    );
    assert!(serde_json::from_str::<SetupVerdict>("\"Ok\"").is_err());
}

#[test]
fn frontend_behaviour_and_exit_codes() {
    use SetupVerdict::*;
    let table = [
        (Ok, false, 0),
        (FirstRun, true, 3),
        (StaleAfterUpdate, false, 3),
        (StaleAfterDowngrade, true, 4),
        (StampCorrupt, true, 3),
    ];
    for (v, blocking, code) in table {
        assert_eq!(v.is_blocking(), blocking, "{v}");
        assert_eq!(v.exit_code(), code, "{v}");
    }
    // Corrupt is treated as first run.
    assert_eq!(StampCorrupt.is_blocking(), FirstRun.is_blocking());
    assert_eq!(StampCorrupt.exit_code(), FirstRun.exit_code());
}

#[test]
fn package_change_strings() {
    let all = [
        (PackageChange::Same, "same"),
        (PackageChange::Upgraded, "upgraded"),
        (PackageChange::Downgraded, "downgraded"),
        (PackageChange::NotInstalled, "not_installed"),
        (PackageChange::NotStamped, "not_stamped"),
        (PackageChange::Unknown, "unknown"),
    ];
    for (c, name) in all {
        assert_eq!(c.as_str(), name);
        assert_eq!(c.to_string(), name);
        assert_eq!(serde_json::to_string(&c).unwrap(), format!("\"{name}\""));
        assert_eq!(
            serde_json::from_str::<PackageChange>(&format!("\"{name}\"")).unwrap(),
            c
        );
    }
}

#[test]
fn empty_stamp_is_ok_even_with_nothing_installed() {
    assert_eq!(verdict(&[], &[]), SetupVerdict::Ok);
    let report = compare(&[], &[inst("terok", Some("1.0"))]).unwrap();
    assert_eq!(report.verdict, SetupVerdict::Ok);
    assert_eq!(
        changes(&report),
        [("terok".to_owned(), PackageChange::NotStamped)]
    );
}

#[test]
fn equal_versions_are_ok() {
    let installed = [
        inst("terok", Some("0.6.0")),
        inst("terok-sandbox", Some("1.0")),
    ];
    assert_eq!(
        verdict(&[("terok", "0.6"), ("terok-sandbox", "v1.0")], &installed),
        SetupVerdict::Ok
    );
}

#[test]
fn newer_install_is_update() {
    let installed = [
        inst("terok", Some("0.7")),
        inst("terok-sandbox", Some("1.0")),
    ];
    let report = compare(
        &stamp(&[("terok", "0.6"), ("terok-sandbox", "1.0")]),
        &installed,
    )
    .unwrap();
    assert_eq!(report.verdict, SetupVerdict::StaleAfterUpdate);
    assert_eq!(
        changes(&report),
        [
            ("terok".to_owned(), PackageChange::Upgraded),
            ("terok-sandbox".to_owned(), PackageChange::Same),
        ]
    );
}

#[test]
fn older_install_is_downgrade_even_after_an_update() {
    let installed = [
        inst("terok", Some("0.7")),
        inst("terok-sandbox", Some("0.9")),
    ];
    assert_eq!(
        verdict(&[("terok", "0.6"), ("terok-sandbox", "1.0")], &installed),
        SetupVerdict::StaleAfterDowngrade
    );
}

#[test]
fn missing_package_is_downgrade_case_sensitively() {
    let installed = [
        inst("terok", Some("1.0")),
        inst("terok-sandbox", Some("1.0")),
    ];
    for name in ["Terok", "terok_sandbox", "terok-shield", "other"] {
        let report = compare(&stamp(&[(name, "1.0")]), &installed).unwrap();
        assert_eq!(report.verdict, SetupVerdict::StaleAfterDowngrade, "{name}");
        assert_eq!(report.packages[0].change, PackageChange::NotInstalled);
        assert_eq!(report.packages[0].installed, None);
    }
}

#[test]
fn string_fallback_examples() {
    let installed = [inst("terok-sandbox", Some("0.6.0"))];
    assert_eq!(
        verdict(&[("terok-sandbox", "x")], &installed),
        SetupVerdict::StaleAfterDowngrade
    );
    assert_eq!(
        verdict(&[("terok-sandbox", "")], &installed),
        SetupVerdict::StaleAfterUpdate
    );
}

#[test]
fn none_version_raises_only_when_reached() {
    let installed = [inst("terok", None), inst("terok-sandbox", Some("1.0"))];
    let err = compare(&stamp(&[("terok", "1.0")]), &installed).unwrap_err();
    assert_eq!(
        err,
        CompareError::MissingInstalledVersion {
            package: "terok".into(),
            stamped: "1.0".into()
        }
    );
    assert_eq!(
        err.to_string(),
        "cannot compare package \"terok\": its installed metadata has no Version \
         (stamped version \"1.0\")"
    );
    // A downgrade returned first hides it: the package is merely Unknown.
    let report = compare(
        &stamp(&[("terok-sandbox", "2.0"), ("terok", "1.0")]),
        &installed,
    )
    .unwrap();
    assert_eq!(report.verdict, SetupVerdict::StaleAfterDowngrade);
    assert_eq!(
        changes(&report),
        [
            ("terok-sandbox".to_owned(), PackageChange::Downgraded),
            ("terok".to_owned(), PackageChange::Unknown),
        ]
    );
    assert_eq!(report.packages[1].installed, Some(None));
    // Unstamped, it is ignored by the verdict.
    let report = compare(&stamp(&[("terok-sandbox", "1.0")]), &installed).unwrap();
    assert_eq!(report.verdict, SetupVerdict::Ok);
    assert_eq!(report.packages[1].change, PackageChange::NotStamped);
}

#[test]
fn digit_limit_raises_only_when_reached() {
    let big = "9".repeat(4301);
    let installed = [
        inst("terok", Some("1.0")),
        inst("terok-sandbox", Some("1.0")),
    ];
    let err = compare(&stamp(&[("terok", &big)]), &installed).unwrap_err();
    assert!(
        matches!(err, CompareError::Version { ref package, .. } if package == &PyString::from("terok"))
    );
    assert!(std::error::Error::source(&err).is_some());
    assert!(err
        .to_string()
        .starts_with("cannot compare package \"terok\": version "));
    let report = compare(
        &stamp(&[("terok-sandbox", "2.0"), ("terok", &big)]),
        &installed,
    )
    .unwrap();
    assert_eq!(report.verdict, SetupVerdict::StaleAfterDowngrade);
    assert_eq!(report.packages[1].change, PackageChange::Unknown);
}

#[test]
fn report_orders_stamp_then_tracked() {
    let installed = [
        inst("terok", Some("1.0")),
        inst("terok-executor", Some("1.0")),
        inst("terok-sandbox", Some("1.0")),
    ];
    let report = compare(
        &stamp(&[("terok-sandbox", "1.0"), ("terok-shield", "1.0")]),
        &installed,
    )
    .unwrap();
    assert_eq!(
        changes(&report),
        [
            ("terok-sandbox".to_owned(), PackageChange::Same),
            ("terok-shield".to_owned(), PackageChange::NotInstalled),
            ("terok".to_owned(), PackageChange::NotStamped),
            ("terok-executor".to_owned(), PackageChange::NotStamped),
        ]
    );
    assert_eq!(report.packages[0].stamped, Some(PyString::from("1.0")));
    assert_eq!(report.packages[2].stamped, None);
    assert_eq!(report.packages[2].installed, Some(Some("1.0".to_owned())));
}

#[test]
fn surrogate_names_and_versions() {
    let mut name = PyString::from("terok");
    name.push_code_point(0xD800);
    let installed = [inst("terok", Some("1.0"))];
    let report = compare(&[(name, PyString::from("1.0"))], &installed).unwrap();
    assert_eq!(report.verdict, SetupVerdict::StaleAfterDowngrade);
    let mut lone = PyString::default();
    lone.push_code_point(0xDC00);
    // '1' < U+DC00 in code-point order: the install looks older.
    let report = compare(&[(PyString::from("terok"), lone)], &installed).unwrap();
    assert_eq!(report.verdict, SetupVerdict::StaleAfterDowngrade);
}

#[test]
fn duplicate_installed_names_behave_like_a_dict() {
    let installed = [
        inst("terok", Some("0.1")),
        inst("terok-sandbox", Some("1.0")),
        inst("terok", Some("2.0")),
    ];
    let report = compare(&stamp(&[("terok", "2.0")]), &installed).unwrap();
    assert_eq!(report.verdict, SetupVerdict::Ok);
    assert_eq!(report.packages.len(), 2);
}

#[test]
fn fixture_matches_python() {
    use crate::version::tests::{fixture_string, fixture_text};
    let text = fixture_text(
        "version_verdict.json",
        include_str!("../../tests/fixtures/version_verdict.json"),
    );
    let doc: serde_json::Value = serde_json::from_str(&text).expect("fixture parses");
    let versions: Vec<PyString> = doc["versions"]
        .as_array()
        .expect("versions")
        .iter()
        .map(fixture_string)
        .collect();
    let cases = doc["cases"].as_array().expect("cases");
    assert!(cases.len() >= 1000);
    let mut mismatches = Vec::new();
    for case in cases {
        let stamped: Vec<(PyString, PyString)> = case["stamped"]
            .as_array()
            .expect("stamped")
            .iter()
            .map(|row| {
                let v = row[1].as_u64().expect("index") as usize;
                (fixture_string(&row[0]), versions[v].clone())
            })
            .collect();
        let installed: Vec<InstalledPackage> = case["installed"]
            .as_array()
            .expect("installed")
            .iter()
            .map(|row| InstalledPackage {
                name: row[0].as_str().expect("name").to_owned(),
                version: row[1].as_u64().map(|v| {
                    versions[v as usize]
                        .as_str()
                        .expect("installed versions are text")
                        .to_owned()
                }),
            })
            .collect();
        let expected = case["verdict"].as_str();
        let got = compare(&stamped, &installed).ok().map(|r| r.verdict);
        if got.map(SetupVerdict::as_str) != expected {
            mismatches.push(format!("{case}: python {expected:?}, ours {got:?}"));
        }
    }
    assert!(
        mismatches.is_empty(),
        "{} mismatches:\n{}",
        mismatches.len(),
        mismatches[..mismatches.len().min(10)].join("\n")
    );
}
