"""Pictures of meshes for reports: an off-screen VTK rendering of an anatomy and a design, as PNG bytes.

Rendering needs an OpenGL context: an X display (Xvfb on servers) or, in VTK wheels that support it, EGL without
a display. The camera looks at the design from outside the anatomy (from the anatomy's centre through the design's
centre), so a plate is seen sitting on the bone.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np
import numpy.typing as npt
from vtkmodules.vtkIOImage import vtkPNGWriter
from vtkmodules.vtkRenderingCore import (
    vtkActor,
    vtkPolyDataMapper,
    vtkRenderer,
    vtkRenderWindow,
    vtkWindowToImageFilter,
)

from vtkmodules.vtkRenderingOpenGL2 import vtkEGLRenderWindow  # isort: skip - also registers the OpenGL window
from geometry.errors import GeometryError
from geometry.mesh import FloatArray, Mesh


def _offscreen_window() -> vtkRenderWindow:
    """A render window for off-screen use.

    EGL on Linux without an X display (where VTK's default X window would first warn about the missing display,
    then fall back), else VTK's default for the platform.
    """
    if sys.platform.startswith("linux") and not os.environ.get("DISPLAY"):
        return vtkEGLRenderWindow()
    return vtkRenderWindow()


#: Colours (RGB 0..1): bone and the device.
BONE_RGB = (0.89, 0.86, 0.79)
DESIGN_RGB = (0.20, 0.55, 0.85)


def _actor(mesh: Mesh, rgb: tuple[float, float, float], opacity: float = 1.0) -> vtkActor:
    mapper = vtkPolyDataMapper()
    mapper.SetInputData(mesh.to_polydata())
    actor = vtkActor()
    actor.SetMapper(mapper)
    actor.GetProperty().SetColor(*rgb)
    actor.GetProperty().SetOpacity(opacity)
    return actor


STANDARD_VIEWS: dict[str, tuple[float, float, float]] = {
    "anterior": (0.0, -1.0, 0.0),
    "left": (1.0, 0.0, 0.0),
    "right": (-1.0, 0.0, 0.0),
    "superior": (0.0, 0.0, 1.0),
}
"""Where the camera stands, as a unit direction from the scene in patient LPS, for each standard anatomical view."""


def _view_direction(view: str, anatomy: Mesh | None, focus: Mesh, whole: FloatArray) -> FloatArray:
    """Where the camera stands, as a unit vector from the scene.

    A standard view's direction, or from the anatomy's centre out through the design's (anterior when they coincide).
    """
    if view in STANDARD_VIEWS:
        return np.asarray(STANDARD_VIEWS[view], dtype=np.float64)
    origin = anatomy.vertices.mean(axis=0) if anatomy is not None and anatomy.n_triangles else whole.mean(axis=0)
    direction = focus.vertices.mean(axis=0) - origin
    if np.linalg.norm(direction) < 1e-6:
        direction = np.array([0.0, -1.0, 0.0])  # anterior (LPS: -y)
    return np.asarray(direction / np.linalg.norm(direction), dtype=np.float64)


def render_png(
    anatomy: Mesh | None,
    design: Mesh | None,
    *,
    size: tuple[int, int] = (800, 600),
    view: str = "design",
) -> bytes:
    """Render the meshes off screen and return a PNG.

    Parameters
    ----------
    anatomy, design
        What to draw (at least one).
    size
        Image width and height in pixels.
    view
        ``"design"``: close up and oblique (35 degrees round, 20 up), looking at the design from outside;
        ``"overview"``: the whole anatomy, straight from outside the design (the view facing the device);
        ``"anterior"``, ``"left"``, ``"right"``, ``"superior"``: the whole scene from the front (LPS -y), the
        patient's left (+x) or right (-x) side, or from above (+z), head up (anterior up when seen from above).

    Returns
    -------
    bytes
        The PNG file's bytes.

    Raises
    ------
    GeometryError
        When there is nothing to draw.
    """
    meshes = [m for m in (anatomy, design) if m is not None and m.n_triangles]
    if not meshes:
        raise GeometryError("nothing to render: no triangles")
    renderer = vtkRenderer()
    renderer.SetBackground(1.0, 1.0, 1.0)
    if anatomy is not None and anatomy.n_triangles:
        renderer.AddActor(_actor(anatomy, BONE_RGB))
    if design is not None and design.n_triangles:
        renderer.AddActor(_actor(design, DESIGN_RGB))
    focus = design if design is not None and design.n_triangles else meshes[0]
    whole = np.vstack([m.vertices for m in meshes])
    direction = _view_direction(view, anatomy, focus, whole)
    target = focus.vertices if view == "design" else whole
    radius = float(np.linalg.norm(target - target.mean(axis=0), axis=1).max())
    camera = renderer.GetActiveCamera()
    look_at = target.mean(axis=0)
    camera.SetFocalPoint(*look_at)
    camera.SetPosition(*(look_at + direction * radius * 4.0))
    up = np.array([0.0, 0.0, 1.0]) if abs(direction[2]) < 0.9 else np.array([0.0, -1.0, 0.0])
    camera.SetViewUp(*up)
    camera.SetViewAngle(30.0)
    if view == "design":  # oblique, so the design's thickness and its seat on the bone show
        camera.Azimuth(35.0)
        camera.Elevation(20.0)
        camera.OrthogonalizeViewUp()
    renderer.ResetCameraClippingRange()
    return _grab_png(renderer, size)


#: A sequential colour scale for a stress (or any non-negative) field: blue -> green -> yellow -> red.
FIELD_STOPS: tuple[tuple[float, tuple[float, float, float]], ...] = (
    (0.0, (0.23, 0.30, 0.75)),
    (0.35, (0.20, 0.70, 0.35)),
    (0.7, (0.95, 0.85, 0.20)),
    (1.0, (0.80, 0.10, 0.10)),
)


def render_field_png(
    design: Mesh,
    values: FloatArray,
    value_range: tuple[float, float],
    *,
    anatomy: Mesh | None = None,
    marker: tuple[float, float, float] | None = None,
    bar_title: str = "",
    size: tuple[int, int] = (800, 600),
) -> bytes:
    """Render the design coloured by one value per vertex, with a colour bar and a marked point, off screen (PNG).

    Parameters
    ----------
    design
        The design's surface (LPS mm).
    values
        One value per design vertex (e.g. von Mises stress, MPa).
    value_range
        The values mapped onto :data:`FIELD_STOPS`' ends (clamped outside).
    anatomy
        Only used to choose the camera: from the anatomy's centre out through the design (not drawn).
    marker
        A point to mark (e.g. the worst point, LPS mm): a black-ringed white ball.
    bar_title
        The colour bar's title (ASCII: VTK's fonts have no other glyphs).
    size
        Image width and height in pixels.

    Raises
    ------
    GeometryError
        When the design has no triangles, ``values`` is not one value per vertex, or nothing is rendered.
    """
    from vtkmodules.util.numpy_support import numpy_to_vtk  # noqa: PLC0415
    from vtkmodules.vtkRenderingCore import vtkColorTransferFunction  # noqa: PLC0415

    scalars = np.ascontiguousarray(values, dtype=np.float64)
    if not design.n_triangles or scalars.shape != (design.n_vertices,):
        raise GeometryError(f"a field picture needs one value per vertex ({design.n_vertices}), not {scalars.shape}")
    low, high = float(value_range[0]), float(value_range[1])
    high = high if high > low else low + 1.0
    colours = vtkColorTransferFunction()
    for position, rgb in FIELD_STOPS:
        colours.AddRGBPoint(low + position * (high - low), *rgb)
    colours.ClampingOn()
    polydata = design.to_polydata()
    array = numpy_to_vtk(scalars, deep=1)  # a copy: VTK owns it, no view into numpy outlives this call
    array.SetName("field")
    polydata.GetPointData().SetScalars(array)
    mapper = vtkPolyDataMapper()
    mapper.SetInputData(polydata)
    mapper.SetLookupTable(colours)
    mapper.SetScalarRange(low, high)
    mapper.SetColorModeToMapScalars()
    mapper.ScalarVisibilityOn()
    actor = vtkActor()
    actor.SetMapper(mapper)
    renderer = vtkRenderer()
    renderer.SetBackground(1.0, 1.0, 1.0)
    renderer.AddActor(actor)
    radius = float(np.linalg.norm(design.vertices - design.vertices.mean(axis=0), axis=1).max())
    if marker is not None:
        for ball in _marker_actors(marker, radius):
            renderer.AddActor(ball)
    renderer.AddViewProp(_colour_bar(colours, bar_title))
    direction = _view_direction("overview", anatomy, design, design.vertices)
    camera = renderer.GetActiveCamera()
    look_at = design.vertices.mean(axis=0)
    camera.SetFocalPoint(*look_at)
    camera.SetPosition(*(look_at + direction * radius * 4.4))
    up = np.array([0.0, 0.0, 1.0]) if abs(direction[2]) < 0.9 else np.array([0.0, -1.0, 0.0])
    camera.SetViewUp(*up)
    camera.SetViewAngle(30.0)
    renderer.ResetCameraClippingRange()
    return _grab_png(renderer, size)


def _marker_actors(point: tuple[float, float, float], scale: float) -> list[vtkActor]:
    """A white ball in a translucent black shell at ``point``, sized to the scene (``scale`` mm across)."""
    from vtkmodules.vtkFiltersSources import vtkSphereSource  # noqa: PLC0415

    actors = []
    for ball_radius, rgb, opacity in ((0.035, (0.0, 0.0, 0.0), 0.45), (0.025, (1.0, 1.0, 1.0), 1.0)):
        sphere = vtkSphereSource()
        sphere.SetCenter(*point)
        sphere.SetRadius(ball_radius * scale)
        sphere.SetThetaResolution(24)
        sphere.SetPhiResolution(24)
        mapper = vtkPolyDataMapper()
        mapper.SetInputConnection(sphere.GetOutputPort())
        actor = vtkActor()
        actor.SetMapper(mapper)
        actor.GetProperty().SetColor(*rgb)
        actor.GetProperty().SetOpacity(opacity)
        actors.append(actor)
    return actors


def _colour_bar(colours: Any, title: str) -> Any:
    """A vertical colour bar at the right edge: five labels, dark text on the white background."""
    from vtkmodules.vtkRenderingAnnotation import vtkScalarBarActor  # noqa: PLC0415

    bar = vtkScalarBarActor()
    bar.SetLookupTable(colours)
    bar.SetTitle(title)
    bar.SetNumberOfLabels(5)
    bar.SetLabelFormat("%.3g")
    bar.SetWidth(0.1)
    bar.SetHeight(0.7)
    bar.SetPosition(0.87, 0.15)
    for text in (bar.GetTitleTextProperty(), bar.GetLabelTextProperty()):
        text.SetColor(0.1, 0.1, 0.1)
        text.ShadowOff()
        text.ItalicOff()
    return bar


def _grab_png(renderer: vtkRenderer, size: tuple[int, int]) -> bytes:
    window = _offscreen_window()
    window.SetOffScreenRendering(True)
    window.SetSize(*size)
    window.AddRenderer(renderer)
    window.Render()
    grab = vtkWindowToImageFilter()
    grab.SetInput(window)
    grab.Update()
    writer = vtkPNGWriter()
    writer.SetWriteToMemory(True)
    writer.SetInputConnection(grab.GetOutputPort())
    writer.Write()
    result = writer.GetResult()
    data = bytes(memoryview(result)) if result is not None else b""
    window.Finalize()
    if not data:
        raise GeometryError("rendering produced no image")
    return data


def picture_png(
    pixels: npt.NDArray[np.uint8],
    size: tuple[int, int] = (800, 600),
    background: tuple[int, int, int] = (255, 255, 255),
) -> bytes:
    """A picture (RGB rows top to bottom, e.g. a screen's view) fitted to ``size`` and encoded as PNG.

    The picture is centred in the target shape: cut at the sides when it is wider, filled out with ``background``
    when it is narrower (a 3D view's height is what its camera frames, so the sides are only more or less of the
    background), then resampled to ``size`` (VTK's image resize, a windowed-sinc kernel).

    Parameters
    ----------
    pixels
        ``(height, width, 3)`` unsigned bytes.
    size
        The PNG's width and height in pixels.
    background
        The RGB colour (0..255) of the filled-out sides.

    Raises
    ------
    GeometryError
        When ``pixels`` is not an RGB picture.
    """
    from vtkmodules.util.numpy_support import numpy_to_vtk  # noqa: PLC0415
    from vtkmodules.vtkCommonDataModel import vtkImageData  # noqa: PLC0415
    from vtkmodules.vtkImagingCore import vtkImageResize  # noqa: PLC0415

    rgb = np.asarray(pixels)
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8 or not rgb.shape[0] or not rgb.shape[1]:
        raise GeometryError(f"a picture is (height, width, 3) unsigned bytes, not {rgb.dtype} {rgb.shape}")
    height, width = rgb.shape[:2]
    wanted = max(1, round(height * size[0] / size[1]))
    if width > wanted:
        left = (width - wanted) // 2
        rgb = rgb[:, left : left + wanted]
    elif width < wanted:
        canvas = np.empty((height, wanted, 3), dtype=np.uint8)
        canvas[:] = np.asarray(background, dtype=np.uint8)
        left = (wanted - width) // 2
        canvas[:, left : left + width] = rgb
        rgb = canvas
    image = vtkImageData()
    image.SetDimensions(rgb.shape[1], rgb.shape[0], 1)
    flat = np.ascontiguousarray(rgb[::-1]).reshape(-1, 3)  # VTK's rows run bottom to top
    image.GetPointData().SetScalars(numpy_to_vtk(flat, deep=True))
    resize = vtkImageResize()
    resize.SetInputData(image)
    resize.SetOutputDimensions(int(size[0]), int(size[1]), 1)
    writer = vtkPNGWriter()
    writer.SetWriteToMemory(True)
    writer.SetInputConnection(resize.GetOutputPort())
    writer.Write()
    result = writer.GetResult()
    data = bytes(memoryview(result)) if result is not None else b""
    if not data:
        raise GeometryError("the picture could not be encoded")
    return data
