//! Behaviour tests for `loads`, `python_str` and `dumps`.
