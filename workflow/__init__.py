"""The workflow of one case, written once for both faces: the ``dvw`` commands and the GUI call it (no Qt here).

A case's working files live in a work folder (:mod:`workflow.folder`), each step's file followed by a small JSON
sidecar; the steps scan -> import -> segment -> mesh -> design -> measure -> check -> record are plain functions
with frozen inputs and results (:mod:`workflow.steps`, :mod:`workflow.record`), a progress callback and a cancel
token; :mod:`workflow.reopen` loads a case's work folder back into the steps' results, :mod:`workflow.report`
assembles the case report and :mod:`workflow.display` prepares surfaces for a 3D view. ``app/`` parses arguments
and prints (the command line) or collects input and shows results (the GUI) around these calls.
"""
