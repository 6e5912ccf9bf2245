"""What every DVW package shares, on the standard library alone.

The error base class (:mod:`base.errors`), the progress callback and cancel token of long steps
(:mod:`base.progress`) and atomic file writes with file hashes (:mod:`base.files`).
"""
