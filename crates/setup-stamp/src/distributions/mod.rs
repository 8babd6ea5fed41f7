//! Finding installed distributions on a search path, as `importlib.metadata` does.
