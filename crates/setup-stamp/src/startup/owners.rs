//! terok's verdict by owner: each owner's receipt (where terok's code keeps
//! it, and what it records) and its checks, in the order terok met them.
//! What `setup-stamp receipts` shows.

use std::path::PathBuf;

use super::{
    install_protocol, package_dir, receipt_startup, InstallError, InstallOptions, Protocol,
    StartupVerdict,
};
use crate::environment::{Environment, HostEnv};
use crate::receipt::{parse_receipt, SetupCheck, StoredReceipt, TerokOwner, MAX_RECEIPT_BYTES};
use crate::SetupStamp;

/// One owner in terok's verdict.
#[derive(Debug, Clone)]
pub struct OwnerView {
    /// The owner (`terok-sandbox`).
    pub owner: String,
    /// Its installed version, if it has a distribution with one.
    pub installed: Option<String>,
    /// Its receipt file, as terok's code named it (`None`: the check read
    /// no receipt of this owner).
    pub receipt: Option<PathBuf>,
    /// The receipt as recorded, when it parses as one.
    pub stored: Option<StoredReceipt>,
    /// Its checks, in terok's order.
    pub checks: Vec<SetupCheck>,
}

impl OwnerView {
    /// The check of its receipt, if there is one.
    pub fn receipt_check(&self) -> Option<&SetupCheck> {
        self.checks.iter().find(|c| c.component == "receipt")
    }
}

/// terok's verdict and its owners.
#[derive(Debug, Clone)]
pub struct OwnerReport {
    /// The verdict (what `check` gives on this install).
    pub verdict: StartupVerdict,
    /// The owners: those whose receipts the check read, then any other owner
    /// of a check.
    pub owners: Vec<OwnerView>,
}

/// Groups `verdict` by owner; `installed` gives an owner's installed version.
pub fn group_by_owner(
    verdict: StartupVerdict,
    installed: impl Fn(&str) -> Option<String>,
) -> OwnerReport {
    use std::os::unix::ffi::OsStrExt;
    let mut owners: Vec<OwnerView> = Vec::new();
    let index_of = |owners: &mut Vec<OwnerView>, name: &str| -> usize {
        if let Some(i) = owners.iter().position(|v| v.owner == name) {
            return i;
        }
        let receipt = verdict
            .receipts
            .iter()
            .find(|r| r.owner == name)
            .map(|r| PathBuf::from(std::ffi::OsStr::from_bytes(r.path.as_bytes())));
        let stored = receipt.as_deref().and_then(|path| {
            let bytes = crate::safe_file::read_regular_file(path, MAX_RECEIPT_BYTES).ok()?;
            parse_receipt(&bytes).ok()
        });
        owners.push(OwnerView {
            owner: name.to_owned(),
            installed: installed(name),
            receipt,
            stored,
            checks: Vec::new(),
        });
        owners.len() - 1
    };
    for receipt in &verdict.receipts {
        index_of(&mut owners, &receipt.owner);
    }
    for check in verdict.answer.checks() {
        let i = index_of(&mut owners, &check.owner);
        owners[i].checks.push(check);
    }
    OwnerReport { verdict, owners }
}

/// terok's verdict by owner on the install `stamp` and `env` describe:
/// [`InstallError::StampEra`] or [`InstallError::NoReceiptOwner`] when the
/// install does not use receipts.
pub fn owner_report(
    stamp: &SetupStamp,
    env: &Environment,
    host: &HostEnv,
    options: &InstallOptions,
) -> Result<OwnerReport, InstallError> {
    let owner = match install_protocol(stamp) {
        Protocol::Receipts { owner } => owner,
        Protocol::Stamp => {
            let stamp_era = package_dir(&stamp.search_path, "terok_sandbox").is_some_and(|dir| {
                dir.join("setup_stamp.py").is_file()
                    || dir.join("setup_stamp/__init__.py").is_file()
            });
            return Err(if stamp_era {
                InstallError::StampEra
            } else {
                InstallError::NoReceiptOwner
            });
        }
    };
    let verdict = receipt_startup(owner, env, host, options)?
        .check()
        .map_err(InstallError::Startup)?;
    let names: Vec<&str> = TerokOwner::ALL.iter().map(|o| o.name()).collect();
    // Versions are for the report only: one that cannot be read is shown as
    // unknown rather than turning terok's verdict into an error.
    let found = crate::distributions::find_distributions(&stamp.search_path, &names).ok();
    let version = |name: &str| {
        let i = names.iter().position(|n| *n == name)?;
        found.as_ref()?.get(i)?.as_ref()?.version.clone()
    };
    Ok(group_by_owner(verdict, version))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::startup::{Answer, AnswerSource, Bytes, CheckRecord, ReceiptRef};

    fn check(owner: &str, component: &str, status: &str) -> CheckRecord {
        CheckRecord {
            owner: owner.into(),
            component: component.into(),
            status: status.into(),
            diagnostic: String::new(),
        }
    }

    #[test]
    fn owners_come_in_terok_s_order_with_their_checks() {
        let dir = tempfile::tempdir().unwrap();
        let receipt = dir.path().join("setup.json");
        std::fs::write(
            &receipt,
            "{\"inputs\": {\"k\": \"v\"}, \"owner\": \"terok\", \"version\": \"0.9.1\"}\n",
        )
        .unwrap();
        let verdict = StartupVerdict {
            owner: TerokOwner::Terok,
            interpreter: "/v/bin/python".into(),
            answer: Answer::Checks {
                status: "stale".into(),
                checks: vec![
                    check("terok", "receipt", "ready"),
                    check("terok-executor", "routes", "stale"),
                    check("terok", "other", "ready"),
                ],
            },
            receipts: vec![
                ReceiptRef {
                    owner: "terok".into(),
                    path: Bytes(receipt.to_str().unwrap().into()),
                },
                ReceiptRef {
                    owner: "terok-shield".into(),
                    path: Bytes(b"/no/such/setup.json".to_vec()),
                },
            ],
            source: AnswerSource::Kept { file: "/c".into() },
        };
        let report = group_by_owner(verdict, |name| {
            (name == "terok").then(|| "0.9.1".to_owned())
        });
        let names: Vec<&str> = report.owners.iter().map(|o| o.owner.as_str()).collect();
        assert_eq!(names, ["terok", "terok-shield", "terok-executor"]);
        let terok = &report.owners[0];
        assert_eq!(terok.installed.as_deref(), Some("0.9.1"));
        assert_eq!(terok.checks.len(), 2);
        assert_eq!(
            terok.receipt_check().map(|c| c.component.as_str()),
            Some("receipt")
        );
        assert_eq!(
            terok.stored.as_ref().map(|s| s.version.to_string_lossy()),
            Some("0.9.1".into())
        );
        let shield = &report.owners[1];
        assert!(shield.stored.is_none() && shield.checks.is_empty());
        assert!(report.owners[2].receipt.is_none());
    }
}
