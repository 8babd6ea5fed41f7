//! Setup receipts: terok's successor to the aggregate stamp
//! (`terok_util.setup`, terok-util 0.4).
//!
//! Each package that owns setup work keeps its own small JSON *receipt*,
//! `{"owner": str, "version": str, "inputs": {str: str}}`, written after its
//! setup succeeded. Checking it gives a [`SetupStatus`] (`ready`, `missing`,
//! `stale`, `downgrade`, `invalid`) with the reference's exact diagnostic;
//! checks of a dependency closure combine with [`setup_status`],
//! [`require_setup`] and [`require_no_downgrade`]. Writes and clears refuse a
//! downgrade and are serialized by the [`SetupLock`].
//!
//! | piece | what | I/O |
//! |---|---|---|
//! | [`status`](SetupStatus) | statuses, checks, how they combine, the errors | pure |
//! | [`format`](compare_receipt) | the JSON, the comparison rules | pure |
//! | [`SetupReceipt`] | check, write (durable, `0o600`), clear | the receipt file |
//! | [`SetupLock`] | `flock` on `<platform state base>/setup.lock` | the lock file |
//! | [`python_identity_of`] | the `python` input, natively | `stat`, cached `sys.version` |
//! | [`TerokOwner`] | terok's owners, parents first | none |
//!
//! ```
//! use setup_stamp::receipt::{require_setup, SetupReceipt};
//! let dir = std::env::temp_dir().join(format!("setup-stamp-doc-mod-{}", std::process::id()));
//! let receipt = SetupReceipt::new(dir.join("setup.json"), "acme", "2.1.0");
//! let checks = [receipt.check()?];
//! assert_eq!(
//!     require_setup(&checks).unwrap_err().to_string(),
//!     "acme/receipt: Setup receipt is missing. Run setup again."
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod file;
mod format;
mod identity;
mod lock;
mod status;
mod terok;

pub use file::{
    ReceiptWriteError, SetupReceipt, EMPTY_OWNER_MESSAGE, MAX_RECEIPT_BYTES, RECEIPT_FILE_MODE,
};
pub use format::{
    compare_receipt, parse_receipt, render_receipt, ReceiptCheckError, ReceiptFormatError, Stored,
    StoredReceipt, BAD_FORMAT, BAD_VERSION, CHANGED, MISSING, RECEIPT_COMPONENT, UNREADABLE,
};
pub use identity::{
    console_python, file_identity, format_python_identity, interpreter_sys_version,
    python_identity_of, FileIdentity, VersionSource,
};
pub use lock::{setup_lock_path, LockError, SetupLock, SETUP_BUSY, SETUP_LOCK_NAME};
pub use status::{
    require_no_downgrade, require_setup, setup_status, SetupCheck, SetupError, SetupStatus,
    UnknownStatus,
};
pub use terok::{sha256_hex, TerokOwner};
