"""What every DVW package shares, on the standard library alone.

The error base class (:mod:`base.errors`), the progress callback and cancel token of long steps
(:mod:`base.progress`), atomic file writes with file hashes (:mod:`base.files`), and bounded, strict reading of
the JSON and TOML files users hand to DVW (:mod:`base.safe_load`).
"""
