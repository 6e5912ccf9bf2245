"""Help > Manual (F1): the manual in the window's language, with the keyboard shortcuts of the window as it is.

The text is ``resources/manual/manual_<language>.html`` (English and Simplified Chinese, written for the people who
use the window: the workflow, each step, signing, what each verdict means). The keyboard shortcuts are not written
there but read from the window's own actions and buttons when the manual opens, so the list is always the window's.
"""

from __future__ import annotations

import html
import re
from importlib import resources
from pathlib import Path

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QAbstractButton, QDialog, QDialogButtonBox, QTextBrowser, QVBoxLayout, QWidget

from app.gui.i18n import DEFAULT_LANGUAGE

#: A tooltip's trailing keys in parentheses, ASCII or full-width (U+FF08, U+FF09) as Chinese text writes them.
_TRAILING_KEYS = re.compile("\\s*[(\uff08][^()\uff08\uff09]*[)\uff09]\\s*$")


def _plain(text: str) -> str:
    """A label's text without its mnemonic marks ("&File" -> "File", "&&" -> "&"; "Design & Check" stays)."""
    return re.sub(r"&(&|\w)", lambda found: found.group(1), text)


def manual_path(language: str) -> Path:
    """The manual's HTML file for ``language`` (English when there is none in that language)."""
    folder = Path(str(resources.files("resources") / "manual"))
    chosen = folder / f"manual_{language}.html"
    return chosen if chosen.is_file() else folder / f"manual_{DEFAULT_LANGUAGE}.html"


def window_shortcuts(window: QWidget) -> list[tuple[str, str]]:
    """(keys, what they do) for every action and button of ``window`` that has a shortcut, sorted by what they do.

    The text is the action's or button's own (translated) name, with its tooltip; single keys come first, then
    the combinations in the order of their names.
    """
    found: dict[str, str] = {}
    for action in window.findChildren(QAction):
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        if keys and keys not in found:
            found[keys] = _plain(action.text())
    for button in window.findChildren(QAbstractButton):
        keys = button.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        if not keys or keys in found:
            continue
        name = _plain(button.text())
        tip = _TRAILING_KEYS.sub("", button.toolTip())  # the keys are in their own column
        found[keys] = f"{name} — {tip}" if name and tip and tip != name else name or tip
    return sorted(found.items(), key=lambda item: (len(item[0]) > 1, item[0]))


class ManualDialog(QDialog):
    """The manual (not modal: it may stay open beside the window)."""

    def __init__(self, language: str, window: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("DVW manual"))
        self.resize(760, 820)
        self.browser = QTextBrowser(self)
        self.browser.setOpenExternalLinks(False)
        rows = "".join(
            f"<tr><td><b>{html.escape(keys)}</b></td><td>{html.escape(what)}</td></tr>"
            for keys, what in window_shortcuts(window)
        )
        heading = self.tr("Keyboard shortcuts")
        shortcuts = f"<h2>{html.escape(heading)}</h2><table cellspacing='0' cellpadding='3' border='1'>{rows}</table>"
        text = manual_path(language).read_text(encoding="utf-8")
        self.browser.setHtml(text + shortcuts)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser)
        layout.addWidget(buttons)
