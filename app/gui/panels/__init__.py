"""The workflow's panels: Cases, Import, Segment, Design & Check, Review.

Each panel collects input, runs one step of :mod:`workflow.steps` in its :class:`~app.workers.TaskWorker` and shows
the result; the data live in :class:`~app.gui.models.CaseModel` (records) and :class:`~app.gui.models.WorkspaceModel`
(this session's results). Errors go to the window's one error relay (the ``report`` callable).
"""

from app.gui.panels.cases import CasesPanel
from app.gui.panels.check import CheckPanel
from app.gui.panels.importing import ImportPanel
from app.gui.panels.review import ReviewPanel
from app.gui.panels.segment import MaskEditCommand, SegmentPanel

__all__ = ["CasesPanel", "CheckPanel", "ImportPanel", "MaskEditCommand", "ReviewPanel", "SegmentPanel"]
