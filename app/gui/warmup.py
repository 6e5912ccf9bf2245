"""What the window loads in the background once it is open: the cores and the libraries they load (no Qt here)."""

from __future__ import annotations

from collections.abc import Sequence

from base.progress import CancelToken, ProgressCallback, checkpoint, report
from workflow.steps import bundled_envelopes

#: What the GUI process loads in the background when the window opens (see :func:`warm_up`).
GUI_MODULES = (
    "records.store",
    "records.signatures",
    "records.users",
    "records.checks",
    "vtkmodules.util.numpy_support",  # the display surfaces as VTK data (DisplaySurface.polydata)
    "vtkmodules.qt.QVTKRenderWindowInteractor",
    # What the 3D view builds itself from (scene_view.SceneView.activate).
    "vtkmodules.vtkRenderingOpenGL2",
    "vtkmodules.vtkRenderingFreeType",
    "vtkmodules.vtkInteractionStyle",
    "vtkmodules.vtkRenderingAnnotation",
    "imaging.series",
    "imaging.assemble",
    "imaging.volume_files",
    "nrrd",
    "pydicom.pixels",
    "validation.manifest",
    "validation.envelope",
    "imaging.summary",
)
#: What the worker process loads before its first job (no Qt there).
WORKER_MODULES = (
    "imaging.segment",
    "imaging.volume",
    "cc3d",
    "nrrd",
    "nibabel",
    "scipy.ndimage",
    "vtkmodules.vtkFiltersCore",  # the display surfaces' normals (display_surface)
    "geometry.info",
    "geometry.mesh",
    "validation.registry",
    "validation.check",
)


def warm_up(progress: ProgressCallback, cancel: CancelToken, *, modules: Sequence[str] = GUI_MODULES) -> None:
    """Import ``modules``: the cores and the libraries they load on first use.

    The window opens before any of them is loaded (start-up time), then runs this once in a worker thread (and
    once in the worker process with :data:`WORKER_MODULES`). A module's first import holds the GIL while its C
    extension initialises (VTK's modules: tenths of a second), which would otherwise stall the GUI in the middle of
    the first step that needs it.
    """
    import importlib  # noqa: PLC0415

    for index, name in enumerate(modules):
        checkpoint(cancel)
        report(progress, index / len(modules), f"loading {name}")
        importlib.import_module(name)
    if "validation.manifest" in modules:
        # The software manifest hashes every DVW file: here, once, not on the GUI thread at the first check.
        from validation.manifest import current_manifest  # noqa: PLC0415

        report(progress, 0.98, "hashing the software")
        current_manifest()
    if "validation.envelope" in modules:
        # pint reads its unit definitions on first use (about 1.5 s holding the GIL), and reading an envelope
        # loads the parameter registry: here, not when the window first shows an envelope's limits.
        from validation.units import registry  # noqa: PLC0415

        report(progress, 0.99, "loading the units")
        registry()
        from validation.envelope import load_envelope  # noqa: PLC0415

        for path in bundled_envelopes():  # what reading an envelope loads (the parameter registry: scipy)
            load_envelope(path).parameter("design.min_wall_thickness")
    report(progress, 1.0, "ready")
