"""Running VTK filters DVW's way: progress events to a callback, abort on cancel, error output as exceptions.

Only ``vtkmodules.*`` is imported (never ``vtk`` wholesale, never rendering modules).
"""

from __future__ import annotations

from typing import Any

from vtkmodules.util.misc import calldata_type
from vtkmodules.util.vtkConstants import VTK_STRING

from base.progress import Cancelled, CancelToken, ProgressCallback, checkpoint, report
from geometry.errors import VtkError


def run_filter(
    algorithm: Any,
    stage: str,
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Any:
    """Update ``algorithm`` and return its output 0.

    VTK's ``ProgressEvent`` is forwarded to ``progress`` (fraction 0..1 of this filter, message ``stage``); when
    ``cancel`` is set during the run the filter is aborted (``SetAbortExecute``) and :class:`Cancelled` is raised.
    ``ErrorEvent`` observers capture the filter's error output, which becomes a :class:`VtkError` (nothing is
    printed by VTK's output window, since a filter with an error observer does not display its errors).

    Raises
    ------
    Cancelled
        When ``cancel`` was set before or during the run.
    VtkError
        When the filter reported an error.
    """
    checkpoint(cancel)
    errors: list[str] = []

    @calldata_type(VTK_STRING)  # type: ignore[untyped-decorator]  # VTK's helper sets CallDataType
    def on_error(_caller: Any, _event: str, message: Any) -> None:
        errors.append(str(message).strip())

    def on_progress(caller: Any, _event: str) -> None:
        report(progress, float(caller.GetProgress()), stage)
        if cancel is not None and cancel.cancelled:
            caller.SetAbortExecute(1)

    tags = [algorithm.AddObserver("ErrorEvent", on_error), algorithm.AddObserver("ProgressEvent", on_progress)]
    executive = algorithm.GetExecutive()
    tags_exec = executive.AddObserver("ErrorEvent", on_error)
    try:
        algorithm.Update()
    finally:
        for tag in tags:
            algorithm.RemoveObserver(tag)
        executive.RemoveObserver(tags_exec)
    if cancel is not None and cancel.cancelled:
        raise Cancelled("cancelled by the user")
    if errors:
        last = errors[-1].splitlines()
        raise VtkError(f"{stage} failed in VTK: {last[-1] if last else 'unknown error'}")
    report(progress, 1.0, stage)
    return algorithm.GetOutput()
