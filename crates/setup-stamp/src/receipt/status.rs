//! Setup statuses and how checks combine: `terok_util.setup`'s
//! `SetupStatus`, `SetupCheck`, `setup_status`, `require_setup` and
//! `require_no_downgrade` (pure).

use std::fmt;

/// Whether installed setup can be used by the running package.
///
/// The strings are the reference's enum values.
///
/// ```
/// use setup_stamp::receipt::SetupStatus;
/// assert_eq!(SetupStatus::Downgrade.as_str(), "downgrade");
/// assert_eq!("stale".parse::<SetupStatus>(), Ok(SetupStatus::Stale));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SetupStatus {
    /// The receipt matches the owner, version and inputs.
    Ready,
    /// There is no receipt.
    Missing,
    /// The version or the inputs changed since setup.
    Stale,
    /// The receipt belongs to a newer version of the owner.
    Downgrade,
    /// The receipt cannot be read, or is not a receipt of this owner.
    Invalid,
}

impl SetupStatus {
    /// Every status, in the reference's declaration order.
    pub const ALL: [SetupStatus; 5] = [
        SetupStatus::Ready,
        SetupStatus::Missing,
        SetupStatus::Stale,
        SetupStatus::Downgrade,
        SetupStatus::Invalid,
    ];

    /// The enum value (`ready`, `missing`, `stale`, `downgrade`, `invalid`).
    pub fn as_str(self) -> &'static str {
        match self {
            SetupStatus::Ready => "ready",
            SetupStatus::Missing => "missing",
            SetupStatus::Stale => "stale",
            SetupStatus::Downgrade => "downgrade",
            SetupStatus::Invalid => "invalid",
        }
    }

    /// The `setup-stamp receipt check` exit code: 0 ready, 4 downgrade, 3
    /// otherwise (terok's contract: setup needed).
    pub fn exit_code(self) -> u8 {
        match self {
            SetupStatus::Ready => 0,
            SetupStatus::Downgrade => 4,
            SetupStatus::Missing | SetupStatus::Stale | SetupStatus::Invalid => 3,
        }
    }
}

impl fmt::Display for SetupStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that is not one of the [`SetupStatus`] values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownStatus(pub String);

impl fmt::Display for UnknownStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?} is not a setup status", self.0)
    }
}

impl std::error::Error for UnknownStatus {}

impl std::str::FromStr for SetupStatus {
    type Err = UnknownStatus;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        SetupStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| UnknownStatus(s.to_owned()))
    }
}

/// One owner's setup result (`SetupCheck(owner, component, status,
/// diagnostic)`), composable with checks from its dependencies.
///
/// ```
/// use setup_stamp::receipt::{SetupCheck, SetupStatus};
/// let check = SetupCheck::new("terok", "receipt", SetupStatus::Missing, "Setup receipt is missing");
/// assert_eq!(check.label(), "terok/receipt: Setup receipt is missing");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SetupCheck {
    /// The package the check belongs to (`terok-sandbox`).
    pub owner: String,
    /// What was checked (`receipt` for a receipt).
    pub component: String,
    /// The result.
    pub status: SetupStatus,
    /// Why, in the reference's words (empty when ready).
    pub diagnostic: String,
}

impl SetupCheck {
    /// A check from its four fields.
    pub fn new(
        owner: impl Into<String>,
        component: impl Into<String>,
        status: SetupStatus,
        diagnostic: impl Into<String>,
    ) -> Self {
        SetupCheck {
            owner: owner.into(),
            component: component.into(),
            status,
            diagnostic: diagnostic.into(),
        }
    }

    /// `owner/component: diagnostic` (the status when there is no
    /// diagnostic), as the reference's error messages list checks.
    pub fn label(&self) -> String {
        let why = if self.diagnostic.is_empty() {
            self.status.as_str()
        } else {
            &self.diagnostic
        };
        format!("{}/{}: {why}", self.owner, self.component)
    }
}

/// Summarizes checks, unsupported downgrades first: downgrade > invalid >
/// missing > stale > ready (`setup_status`). No checks at all is ready.
///
/// ```
/// use setup_stamp::receipt::{setup_status, SetupCheck, SetupStatus::*};
/// let checks = [
///     SetupCheck::new("a", "receipt", Stale, ""),
///     SetupCheck::new("b", "receipt", Missing, ""),
/// ];
/// assert_eq!(setup_status(&checks), Missing);
/// assert_eq!(setup_status(&[]), Ready);
/// ```
pub fn setup_status<'a>(checks: impl IntoIterator<Item = &'a SetupCheck>) -> SetupStatus {
    let mut seen = [false; 5];
    for check in checks {
        seen[check.status as usize] = true;
    }
    [
        SetupStatus::Downgrade,
        SetupStatus::Invalid,
        SetupStatus::Missing,
        SetupStatus::Stale,
    ]
    .into_iter()
    .find(|status| seen[*status as usize])
    .unwrap_or(SetupStatus::Ready)
}

/// Why setup cannot be used: the reference's `SetupRequiredError` and its
/// subclass `SetupDowngradeError`, with their exact messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SetupError {
    /// `SetupRequiredError`: setup must (re)run first.
    Required {
        /// The message (`owner/component: diagnostic; …. Run setup again.`).
        message: String,
    },
    /// `SetupDowngradeError`: newer setup cannot be replaced by an older
    /// package.
    Downgrade {
        /// The message (`…. Downgrades are not supported.`).
        message: String,
    },
}

impl SetupError {
    /// The message, as the Python exception's `str()`.
    pub fn message(&self) -> &str {
        match self {
            SetupError::Required { message } | SetupError::Downgrade { message } => message,
        }
    }
}

impl fmt::Display for SetupError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl std::error::Error for SetupError {}

/// Rejects newer setup anywhere in the checks (`require_no_downgrade`).
///
/// ```
/// use setup_stamp::receipt::{require_no_downgrade, SetupCheck, SetupStatus};
/// let newer = SetupCheck::new("terok", "receipt", SetupStatus::Downgrade,
///     "Setup belongs to newer terok 2.0; running 1.0");
/// assert_eq!(
///     require_no_downgrade(&[newer]).unwrap_err().to_string(),
///     "terok/receipt: Setup belongs to newer terok 2.0; running 1.0. Downgrades are not supported."
/// );
/// ```
pub fn require_no_downgrade<'a>(
    checks: impl IntoIterator<Item = &'a SetupCheck>,
) -> Result<(), SetupError> {
    let downgrades: Vec<&SetupCheck> = checks
        .into_iter()
        .filter(|check| check.status == SetupStatus::Downgrade)
        .collect();
    if downgrades.is_empty() {
        return Ok(());
    }
    Err(SetupError::Downgrade {
        message: format!("{}. Downgrades are not supported.", joined(&downgrades)),
    })
}

/// Requires every check to be ready (`require_setup`): a downgrade among
/// them is reported as such, anything else not ready as setup required.
///
/// ```
/// use setup_stamp::receipt::{require_setup, SetupCheck, SetupStatus};
/// let checks = [
///     SetupCheck::new("terok", "receipt", SetupStatus::Ready, ""),
///     SetupCheck::new("terok-sandbox", "credentials", SetupStatus::Missing, ""),
/// ];
/// assert_eq!(
///     require_setup(&checks).unwrap_err().to_string(),
///     "terok-sandbox/credentials: missing. Run setup again."
/// );
/// ```
pub fn require_setup<'a>(
    checks: impl IntoIterator<Item = &'a SetupCheck>,
) -> Result<(), SetupError> {
    let pending: Vec<&SetupCheck> = checks
        .into_iter()
        .filter(|check| check.status != SetupStatus::Ready)
        .collect();
    require_no_downgrade(pending.iter().copied())?;
    if pending.is_empty() {
        return Ok(());
    }
    Err(SetupError::Required {
        message: format!("{}. Run setup again.", joined(&pending)),
    })
}

/// `"; ".join(owner/component: diagnostic-or-status)`.
fn joined(checks: &[&SetupCheck]) -> String {
    checks
        .iter()
        .map(|check| check.label())
        .collect::<Vec<_>>()
        .join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(status: SetupStatus) -> SetupCheck {
        SetupCheck::new("o", "c", status, "")
    }

    #[test]
    fn priority_is_downgrade_invalid_missing_stale_ready() {
        use SetupStatus::*;
        let order = [Downgrade, Invalid, Missing, Stale, Ready];
        for (i, &expected) in order.iter().enumerate() {
            // Every status at or below `expected` present: `expected` wins.
            let checks: Vec<SetupCheck> = order[i..].iter().map(|&s| check(s)).collect();
            assert_eq!(setup_status(&checks), expected);
            let reversed: Vec<SetupCheck> = checks.into_iter().rev().collect();
            assert_eq!(setup_status(&reversed), expected);
        }
    }

    #[test]
    fn require_setup_lists_only_pending_checks_in_order() {
        let checks = [
            SetupCheck::new(
                "a",
                "receipt",
                SetupStatus::Stale,
                "Setup version or inputs changed",
            ),
            check(SetupStatus::Ready),
            SetupCheck::new("b", "routes", SetupStatus::Invalid, ""),
        ];
        assert_eq!(
            require_setup(&checks),
            Err(SetupError::Required {
                message: "a/receipt: Setup version or inputs changed; b/routes: invalid. \
                          Run setup again."
                    .into()
            })
        );
        assert_eq!(require_setup(&[check(SetupStatus::Ready)]), Ok(()));
        assert_eq!(require_setup(&[]), Ok(()));
    }

    #[test]
    fn a_downgrade_wins_over_other_pending_checks() {
        let checks = [check(SetupStatus::Missing), check(SetupStatus::Downgrade)];
        assert_eq!(
            require_setup(&checks),
            Err(SetupError::Downgrade {
                message: "o/c: downgrade. Downgrades are not supported.".into()
            })
        );
        assert_eq!(require_no_downgrade(&[check(SetupStatus::Invalid)]), Ok(()));
    }

    #[test]
    fn statuses_round_trip_and_map_to_exit_codes() {
        for status in SetupStatus::ALL {
            assert_eq!(status.as_str().parse(), Ok(status));
        }
        assert!("READY".parse::<SetupStatus>().is_err());
        let codes: Vec<u8> = SetupStatus::ALL.iter().map(|s| s.exit_code()).collect();
        assert_eq!(codes, [0, 3, 3, 4, 3]);
    }
}
