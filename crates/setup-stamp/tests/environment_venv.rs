//! Static venv search paths compared with what the venv's own interpreter
//! reports as `sys.path` for a script in its `bin` directory.

mod support;

use std::path::{Path, PathBuf};

use setup_stamp::environment::{search_path_for_python_in, HostEnv};

use support::{have_python, host_command, make_venv, py312, py312_prefix, stdout_of};

/// `sys.path` as seen by a script in the venv's `bin`.
fn real_sys_path(venv: &Path, host: &HostEnv) -> Vec<PathBuf> {
    let script = venv.join("bin/show-path");
    std::fs::write(
        &script,
        format!(
            "#!{}\nimport sys, json\nprint(json.dumps(sys.path))\n",
            venv.join("bin/python").display()
        ),
    )
    .unwrap();
    let out = stdout_of(host_command(venv.join("bin/python"), host).arg(&script));
    let v: Vec<String> = serde_json::from_slice(&out).unwrap();
    v.into_iter().map(PathBuf::from).collect()
}

#[test]
fn venv_matches_python() {
    if !have_python() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let v = tmp.path().join("v");
    make_venv(&v, false);
    let site = v.join("lib/python3.12/site-packages");
    std::fs::create_dir_all(tmp.path().join("extra")).unwrap();
    std::fs::create_dir_all(tmp.path().join("cwd")).unwrap();
    std::fs::write(
        site.join("extra.pth"),
        "# comment\nimport os\n../../../../extra\nmissing\n",
    )
    .unwrap();
    let host = HostEnv::empty(tmp.path().join("cwd"))
        .with_var("HOME", tmp.path())
        .with_var(
            "PYTHONPATH",
            format!("rel::{}", tmp.path().join("pp").display()),
        );
    let sp = search_path_for_python_in(&v.join("bin/python"), &host).unwrap();
    assert_eq!(sp.search_path, real_sys_path(&v, &host));
    assert_eq!(sp.virtual_env.as_deref(), Some(v.as_path()));
    // PYTHONHOME names the standard library's prefix.
    let host = host.with_var("PYTHONHOME", py312_prefix());
    let sp = search_path_for_python_in(&v.join("bin/python"), &host).unwrap();
    assert_eq!(sp.search_path, real_sys_path(&v, &host));
}

#[test]
fn system_site_venv_matches_python() {
    if !have_python() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let v = tmp.path().join("v");
    make_venv(&v, true);
    let user_site = tmp.path().join("ub/lib/python3.12/site-packages");
    std::fs::create_dir_all(&user_site).unwrap();
    let host = HostEnv::empty(tmp.path())
        .with_var("HOME", tmp.path())
        .with_var("PYTHONUSERBASE", tmp.path().join("ub"));
    let sp = search_path_for_python_in(&v, &host).unwrap();
    assert_eq!(sp.search_path, real_sys_path(&v, &host));
    assert!(sp.search_path.contains(&user_site));
    let host = host.with_var("PYTHONNOUSERSITE", "1");
    let sp = search_path_for_python_in(&v, &host).unwrap();
    assert!(!sp.search_path.contains(&user_site));
    assert_eq!(sp.search_path, real_sys_path(&v, &host));
}

/// `pyvenv.cfg` spellings, each compared with what the interpreter makes
/// of it.
#[test]
fn pyvenv_cfg_variants_match_python() {
    if !have_python() {
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let v = tmp.path().join("v");
    make_venv(&v, false);
    let home = Path::new(py312()).parent().unwrap().display();
    let variants = [
        format!("home = {home}\ninclude-system-site-packages = TRUE\nversion = 3.12.1\n"),
        format!("home = {home}\nversion = 3.12.1\n"),
        format!("home={home}\r\nInclude-System-Site-Packages=false\r\nversion_info=3.12.1.final.0\r\n"),
        format!("  HOME =  {home}  \ninclude-system-site-packages = yes\n"),
        format!("home = {home}\ninclude-system-site-packages = true\ninclude-system-site-packages = false\n"),
        format!("# comment\nhome = /nonexistent\nhome = {home}\nno equals sign\n"),
    ];
    let host = HostEnv::empty(tmp.path()).with_var("HOME", tmp.path());
    for cfg in variants {
        std::fs::write(v.join("pyvenv.cfg"), &cfg).unwrap();
        let sp = search_path_for_python_in(&v, &host).unwrap();
        assert_eq!(sp.search_path, real_sys_path(&v, &host), "{cfg:?}");
    }
}
