//! The Python environment: from a venv or interpreter to its search path.
