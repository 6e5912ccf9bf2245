"""Starting the GUI: the Qt application, its language, the settings and the main window."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from app.gui import signal_refs
from app.gui.i18n import install_language
from app.gui.settings import GuiSettings


def create_application(argv: Sequence[str] = ()) -> QApplication:
    """The QApplication (created once; high-DPI scaling follows the screen's fractional factor).

    Before any signal is emitted, ``SignalInstance.emit`` is made to hold the reference to the ``True`` it returns,
    where the PySide6 in use does not (:mod:`app.gui.signal_refs`).
    """
    signal_refs.install()
    existing = QApplication.instance()
    if isinstance(existing, QApplication):
        return existing
    # Qt 6 scales for high DPI by itself; pass fractional factors through instead of rounding them.
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(Qt.HighDpiScaleFactorRoundingPolicy.PassThrough)
    QCoreApplication.setOrganizationName("DVW")
    QCoreApplication.setApplicationName("dvw")
    return QApplication(["dvw", *argv])


def run_gui(home: str | None = None, argv: Sequence[str] = ()) -> int:
    """Open the workstation window and run the event loop until it is closed; returns the exit code.

    Parameters
    ----------
    home
        A store folder given on the command line (``--home``); it overrides the one in the settings.
    argv
        Extra arguments for Qt (e.g. ``-platform``).
    """
    app = create_application(argv)
    settings = GuiSettings(home_override=home)
    install_language(settings.language)
    from app.gui.main_window import MainView  # noqa: PLC0415 - imported after the translators are installed

    window = MainView(settings)
    # A language switch builds a new window in the old one's place: hold whichever is current, delete the old one.
    current = [window]

    def follow(shown: MainView) -> None:
        def replaced(new: object) -> None:
            if isinstance(new, MainView):
                current[0] = new
                follow(new)
                shown.deleteLater()  # closed already; deleted once control is back in the event loop

        shown.replaced.connect(replaced)

    follow(window)
    window.show()
    quit_after = os.environ.get("DVW_GUI_QUIT_AFTER_MS")
    if quit_after:  # smoke tests (make bundle-test): open the window, let it settle, close it as a user would
        QTimer.singleShot(int(quit_after), lambda: current[0].close())  # noqa: PLW0108 - the window current then
    code = int(app.exec())
    from app.workers.process import process_runner  # noqa: PLC0415

    process_runner().shutdown()
    return code


if __name__ == "__main__":
    sys.exit(run_gui())
