"""The DVW workstation GUI (PySide6): a thin shell over the core packages (see app/gui/main_window.py)."""
