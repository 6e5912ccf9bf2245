"""PyInstaller hook for DVW's own ``workflow`` package (installer/spec_common.py collects its modules).

pyinstaller-hooks-contrib ships a hook for an unrelated PyPI distribution also named ``workflow`` that copies that
distribution's metadata and fails when it is not installed; a hook in the spec's ``hookspath`` takes precedence over
the contributed one. DVW's package needs nothing beyond its modules, so this hook adds nothing.
"""
