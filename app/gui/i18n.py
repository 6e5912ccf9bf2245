"""Translations of the GUI: Qt Linguist sources in ``resources/translations``, compiled to ``.qm`` at build.

Sources: ``resources/translations/dvw_en.ts`` and ``dvw_zh_CN.ts``, made from the code with ``pyside6-lupdate
app/gui/*.py app/gui/panels/*.py -ts resources/translations/dvw_en.ts resources/translations/dvw_zh_CN.ts`` and
translated with Qt Linguist. :func:`build_translations` compiles them with ``pyside6-lrelease`` into the build folder
(``build/translations`` beside the packages, or ``$DVW_TRANSLATIONS_DIR``), outside the packages so that building
does not change the software manifest (the ``.ts`` sources, which are hashed, determine the ``.qm`` files).
``python -m app.gui.i18n`` runs the build. When the app starts and a ``.qm`` file is missing or older than its source,
it is compiled then.

The language is chosen in Settings and applies at once: the window is built again in that language (see
``MainView.switch_language``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib import resources
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

#: Language code -> its own name (shown in Settings in that language, never translated).
LANGUAGES: dict[str, str] = {"en": "English", "zh_CN": "简体中文"}
DEFAULT_LANGUAGE = "en"


def source_dir() -> Path:
    """The folder of the ``.ts`` sources."""
    return Path(str(resources.files("resources") / "translations"))


def build_dir() -> Path:
    """Where compiled ``.qm`` files go: ``$DVW_TRANSLATIONS_DIR`` or ``build/translations`` beside the packages."""
    chosen = os.environ.get("DVW_TRANSLATIONS_DIR")
    if chosen:
        return Path(chosen)
    return Path(__file__).resolve().parents[2] / "build" / "translations"


def _lrelease() -> str | None:
    found = shutil.which("pyside6-lrelease")
    if found:
        return found
    import PySide6  # noqa: PLC0415 - only to find the lrelease shipped with it

    bundled = Path(PySide6.__file__).resolve().parent / "lrelease"
    return str(bundled) if bundled.is_file() else None


def build_translations(out: Path | None = None) -> list[Path]:
    """Compile every ``resources/translations/dvw_*.ts`` into ``out`` (default :func:`build_dir`).

    Returns
    -------
    list of Path
        The ``.qm`` files written.

    Raises
    ------
    RuntimeError
        When ``pyside6-lrelease`` is not installed or fails.
    """
    target = build_dir() if out is None else out
    target.mkdir(parents=True, exist_ok=True)
    tool = _lrelease()
    if tool is None:
        raise RuntimeError("pyside6-lrelease was not found; install PySide6")
    written = []
    for source in sorted(source_dir().glob("dvw_*.ts")):
        qm = target / f"{source.stem}.qm"
        done = subprocess.run(  # noqa: S603 - a fixed tool on our own files
            [tool, "-silent", str(source), "-qm", str(qm)], capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise RuntimeError(f"pyside6-lrelease failed on {source.name}: {done.stderr.strip()}")
        written.append(qm)
    return written


def _compiled(language: str) -> Path | None:
    source = source_dir() / f"dvw_{language}.ts"
    qm = build_dir() / f"dvw_{language}.qm"
    if source.is_file() and (not qm.is_file() or qm.stat().st_mtime < source.stat().st_mtime):
        try:
            build_translations()
        except (OSError, RuntimeError):
            return qm if qm.is_file() else None
    return qm if qm.is_file() else None


_installed: list[QTranslator] = []
_language = [DEFAULT_LANGUAGE]  # the language last installed (install_language)


def current_language() -> str:
    """The language the window speaks: the one last installed by :func:`install_language` (English before any)."""
    return _language[0]


def install_language(language: str) -> bool:
    """Install the translators for ``language`` (DVW's own and Qt's standard dialogs) in the application.

    Replaces the translators installed before. English needs none: the source strings are English.

    Returns
    -------
    bool
        True when DVW's translation for ``language`` was loaded (always True for English).
    """
    app = QCoreApplication.instance()
    if app is None:
        return False
    for translator in _installed:
        QCoreApplication.removeTranslator(translator)
    _installed.clear()
    QLocale.setDefault(QLocale(language))
    _language[0] = language if language in LANGUAGES else DEFAULT_LANGUAGE
    if language == DEFAULT_LANGUAGE or language not in LANGUAGES:
        return language == DEFAULT_LANGUAGE
    qt_base = QTranslator(app)
    if qt_base.load(f"qtbase_{language}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
        QCoreApplication.installTranslator(qt_base)
        _installed.append(qt_base)
    qm = _compiled(language)
    own = QTranslator(app)
    if qm is None or not own.load(str(qm)):
        return False
    QCoreApplication.installTranslator(own)
    _installed.append(own)
    return True


def main() -> int:
    """``python -m app.gui.i18n``: compile the translations into the build folder."""
    for path in build_translations():
        sys.stderr.write(f"{path}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
