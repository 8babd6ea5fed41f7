//! Property tests over the stamp pipeline: parsing never panics on any
//! bytes, rendering then parsing (and writing then reading) gives back what
//! was stamped, version comparison is a consistent order, and the verdict
//! keeps its invariants — above all, checking right after writing, with the
//! install unchanged, is always `ok`.

use std::cmp::Ordering;

use proptest::prelude::*;
use setup_stamp::pyjson::PyString;
use setup_stamp::stamp::{parse_stamp, read_stamp_file, render_stamp, write_stamp_file, StampRead};
use setup_stamp::verdict::{compare, InstalledPackage};
use setup_stamp::version::compare_versions;
use setup_stamp::SetupVerdict;

const TRACKED: [&str; 5] = [
    "terok",
    "terok-executor",
    "terok-sandbox",
    "terok-shield",
    "terok-clearance",
];

/// Bytes that look like JSON often enough to reach deep into the parser.
fn jsonish() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..256),
        proptest::string::string_regex(
            r#"[{}\[\]",:0-9a-z .eE+\-\\u]{0,64}|\{"version": ?(1|1\.0|true|"1"|null), ?"packages": ?\{("[a-z\-]{1,12}": ?("[0-9.a-z]{0,8}"|[0-9]{1,5}|null|\[[0-9, ]{0,9}\])(, )?){0,4}\}\}"#
        )
        .expect("regex")
        .prop_map(String::into_bytes),
    ]
}

/// A version-ish string: valid PEP 440 often, arbitrary text sometimes.
fn versionish() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => proptest::string::string_regex(
            r"v?[0-9]{1,3}(\.[0-9]{1,3}){0,3}((a|b|rc|c|alpha|beta|pre|preview)[0-9]{0,2})?(\.post[0-9]{0,2})?(\.dev[0-9]{0,2})?(\+[a-z0-9]{1,4}(\.[a-z0-9]{1,3})?)?"
        )
        .expect("regex"),
        1 => "\\PC{0,12}",
        1 => proptest::string::string_regex(r"[ \t]{0,2}[0-9!.+a-zA-Z_-]{0,10}[ \t]{0,2}").expect("regex"),
    ]
}

/// A valid PEP 440 version without local part, with its parts: the
/// expected order comes from [`spec_key`], not from the code under test.
#[derive(Debug, Clone)]
struct Pep440 {
    text: String,
    epoch: u32,
    release: Vec<u32>,
    /// `a`, `b`, `rc` as 0, 1, 2, and the number.
    pre: Option<(u8, u32)>,
    post: Option<u32>,
    dev: Option<u32>,
}

/// `([1-9]!)?N(.N){0,2}((a|b|rc)N)?(.postN)?(.devN)?`, a number now and then
/// with a leading zero.
fn pep440() -> impl Strategy<Value = Pep440> {
    (
        prop_oneof![3 => Just(0u32), 1 => 1u32..10],
        proptest::collection::vec((0u32..100, any::<bool>()), 1..=3),
        proptest::option::of((0u8..3, 0u32..10)),
        proptest::option::of(0u32..10),
        proptest::option::of(0u32..10),
    )
        .prop_map(|(epoch, release, pre, post, dev)| {
            let mut text = if epoch > 0 {
                format!("{epoch}!")
            } else {
                String::new()
            };
            let parts: Vec<String> = release
                .iter()
                .map(|&(n, pad)| {
                    if pad && n < 10 {
                        format!("0{n}")
                    } else {
                        n.to_string()
                    }
                })
                .collect();
            text.push_str(&parts.join("."));
            if let Some((letter, n)) = pre {
                text.push_str(["a", "b", "rc"][letter as usize]);
                text.push_str(&n.to_string());
            }
            if let Some(n) = post {
                text.push_str(&format!(".post{n}"));
            }
            if let Some(n) = dev {
                text.push_str(&format!(".dev{n}"));
            }
            Pep440 {
                text,
                epoch,
                release: release.into_iter().map(|(n, _)| n).collect(),
                pre,
                post,
                dev,
            }
        })
}

/// The sort key PEP 440 (and packaging's `Version._key`) gives: epoch; the
/// release without trailing zeros; the pre-release (a development release
/// of a final release sorts before its pre-releases, a final release after
/// them); the post-release (none sorts first); the development release
/// (none sorts last).
type SpecKey = (u32, Vec<u32>, (i8, u8, u32), (i8, u32), (i8, u32));

fn spec_key(v: &Pep440) -> SpecKey {
    let mut release = v.release.clone();
    while release.last() == Some(&0) {
        release.pop();
    }
    let pre = match (v.pre, v.post, v.dev) {
        (Some((letter, n)), _, _) => (0, letter, n),
        (None, None, Some(_)) => (-1, 0, 0),
        (None, _, _) => (1, 0, 0),
    };
    let post = v.post.map_or((-1, 0), |n| (0, n));
    let dev = v.dev.map_or((1, 0), |n| (0, n));
    (v.epoch, release, pre, post, dev)
}

/// The order of `a` and `b` by [`spec_key`].
fn spec_order(a: &Pep440, b: &Pep440) -> Ordering {
    spec_key(a).cmp(&spec_key(b))
}

/// Installed tracked packages: a subset of the tracked names, in tracked
/// order, each with a version.
fn installed_set() -> impl Strategy<Value = Vec<InstalledPackage>> {
    proptest::collection::vec(proptest::option::of(versionish()), TRACKED.len()).prop_map(
        |versions| {
            TRACKED
                .iter()
                .zip(versions)
                .filter_map(|(name, v)| {
                    v.map(|v| InstalledPackage {
                        name: (*name).to_owned(),
                        version: Some(v),
                    })
                })
                .collect()
        },
    )
}

fn stamped_of(bytes: &str) -> Vec<(PyString, PyString)> {
    parse_stamp(bytes.as_bytes())
        .expect("a rendered stamp parses")
        .packages
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn parsing_any_bytes_never_panics(bytes in jsonish()) {
        let _ = parse_stamp(&bytes);
    }

    #[test]
    fn render_then_parse_round_trips(
        at in "\\PC{0,30}",
        packages in proptest::collection::vec(("\\PC{1,12}", proptest::option::of("\\PC{0,12}")), 0..8),
    ) {
        let installed: Vec<InstalledPackage> = packages
            .iter()
            .map(|(name, version)| InstalledPackage { name: name.clone(), version: version.clone() })
            .collect();
        let parsed = parse_stamp(render_stamp(&at, &installed).as_bytes()).expect("parses");
        // Expected: duplicates resolved (last wins), keys sorted by code
        // point (sort_keys=True), None written as null and read back by
        // str() as "None".
        let mut expected: Vec<(String, String)> = Vec::new();
        for (name, version) in &packages {
            let text = version.clone().unwrap_or_else(|| "None".to_owned());
            match expected.iter_mut().find(|(n, _)| n == name) {
                Some(slot) => slot.1 = text,
                None => expected.push((name.clone(), text)),
            }
        }
        expected.sort_by(|a, b| a.0.chars().cmp(b.0.chars()));
        let got: Vec<(String, String)> = parsed
            .packages
            .iter()
            .map(|(n, v)| (n.to_string_lossy(), v.to_string_lossy()))
            .collect();
        prop_assert_eq!(got, expected);
        prop_assert_eq!(parsed.completed_at, Some(PyString::from(at.as_str())));
    }

    #[test]
    fn checking_right_after_writing_is_ok(installed in installed_set()) {
        let stamp = render_stamp("2026-01-01T00:00:00+00:00", &installed);
        let report = compare(&stamped_of(&stamp), &installed).expect("comparable");
        prop_assert_eq!(report.verdict, SetupVerdict::Ok);
    }

    #[test]
    fn verdict_follows_the_direction_of_a_change(
        old in pep440(),
        new in pep440(),
        which in 0..TRACKED.len(),
    ) {
        let before: Vec<InstalledPackage> = TRACKED
            .iter()
            .map(|n| InstalledPackage { name: (*n).to_owned(), version: Some(old.text.clone()) })
            .collect();
        let stamp = render_stamp("2026-01-01T00:00:00+00:00", &before);
        let mut after = before.clone();
        after[which].version = Some(new.text.clone());
        let verdict = compare(&stamped_of(&stamp), &after).expect("comparable").verdict;
        let expected = match spec_order(&new, &old) {
            Ordering::Equal => SetupVerdict::Ok,
            Ordering::Greater => SetupVerdict::StaleAfterUpdate,
            Ordering::Less => SetupVerdict::StaleAfterDowngrade,
        };
        prop_assert_eq!(verdict, expected);
        // Uninstalling a stamped package is a downgrade.
        let mut removed = before.clone();
        removed.remove(which);
        prop_assert_eq!(
            compare(&stamped_of(&stamp), &removed).expect("comparable").verdict,
            SetupVerdict::StaleAfterDowngrade
        );
        // Installing a package the stamp does not list changes nothing.
        let stamp_without = render_stamp("2026-01-01T00:00:00+00:00", &removed);
        prop_assert_eq!(
            compare(&stamped_of(&stamp_without), &before).expect("comparable").verdict,
            SetupVerdict::Ok
        );
    }

    #[test]
    fn compare_never_panics(
        stamped in proptest::collection::vec(("\\PC{0,14}", versionish()), 0..6),
        installed in installed_set(),
    ) {
        let stamped: Vec<(PyString, PyString)> = stamped
            .iter()
            .map(|(n, v)| (PyString::from(n.as_str()), PyString::from(v.as_str())))
            .collect();
        let _ = compare(&stamped, &installed);
    }

    #[test]
    fn version_order_is_reflexive_and_antisymmetric(a in versionish(), b in versionish()) {
        prop_assert_eq!(compare_versions(&a, &a).expect("comparable"), Ordering::Equal);
        let ab = compare_versions(&a, &b).expect("comparable");
        let ba = compare_versions(&b, &a).expect("comparable");
        prop_assert_eq!(ab, ba.reverse());
    }

    #[test]
    fn pep440_order_is_the_specs_and_transitive(a in pep440(), b in pep440(), c in pep440()) {
        let mut v = [a, b, c];
        for (x, y) in [(0, 1), (1, 2), (0, 2), (1, 0), (2, 1), (2, 0)] {
            prop_assert_eq!(
                compare_versions(&v[x].text, &v[y].text).expect("comparable"),
                spec_order(&v[x], &v[y]),
                "{} vs {}", v[x].text, v[y].text
            );
        }
        // Sorted by the specification, each is at most the ones after it.
        v.sort_by(spec_order);
        for (x, y) in [(0, 1), (1, 2), (0, 2)] {
            prop_assert_ne!(
                compare_versions(&v[x].text, &v[y].text).expect("comparable"),
                Ordering::Greater
            );
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn write_then_read_round_trips(installed in installed_set()) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state").join("setup.stamp");
        let stamp = render_stamp("2026-01-01T00:00:00+00:00", &installed);
        write_stamp_file(&path, stamp.as_bytes()).expect("write");
        let read = read_stamp_file(&path).expect("read");
        let StampRead::Valid(contents) = read else {
            panic!("not valid after writing: {read:?}");
        };
        prop_assert_eq!(&contents, &parse_stamp(stamp.as_bytes()).expect("parses"));
        let report = compare(&contents.packages, &installed).expect("comparable");
        prop_assert_eq!(report.verdict, SetupVerdict::Ok);
    }
}
