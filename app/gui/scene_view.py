"""The 3D view: the anatomy mesh and the design in patient LPS millimetres, with flagged locations marked.

VTK's ``QVTKRenderWindowInteractor`` in its ``QWidget`` form: a native child window that VTK renders into with
OpenGL (real OpenGL; run tests under Xvfb, never the offscreen Qt platform). It is not a ``QOpenGLWidget`` on
purpose: while a ``QOpenGLWidget`` is in the window, Qt composes the whole top-level window through OpenGL at
every repaint of any widget (about 18 ms a time with software OpenGL), where a native child window leaves the
other widgets to the ordinary raster backing store (under 1 ms for a progress bar).

Both meshes are drawn in their own coordinates, which are the same patient frame, so a design made on the same
images sits where it was designed. The orientation widget is labelled with the patient directions of the LPS axes
(L, P, S).

The design is coloured by its wall thickness (:func:`workflow.display.design_display`: red where thin, the design's
blue where the wall reaches the 95th percentile of its thicknesses, grey where no inward ray meets the surface),
with a scale in mm; :meth:`SceneView.set_wall_map` switches between that and the plain design colour.
Any other per-vertex array the design's surface carries (a scan's or a new revision's deviation, von Mises
stress) can colour it instead (:meth:`SceneView.set_design_colouring`, :class:`SurfaceColouring`).

Every change to the scene (a mesh, the markers, the map) only updates the VTK pipeline and asks Qt to repaint the
view (:meth:`SceneView.render_later`, from a zero timer: after the other widgets changed with it are shown); the
render window renders in the widget's paint, once for all the changes made meanwhile (the anatomy, then the
cleared markers). Under software OpenGL a render is the costly part, so the view keeps it small: the surfaces
arrive prepared (normals, thickness, reduction to at most 60 k triangles) from the worker and are drawn with the
point normals they carry; one headlight instead of a light kit; closed surfaces with outward normals skip their
back faces; a repaint that only uncovers the view shows the last frame again (:meth:`SceneView.show_last_frame`),
and a resize renders once the size has settled. The sample skull and plate render in about 33 ms in a 600 x 500
view and 63 ms in 1200 x 1000 (84 ms and over 120 ms with the light kit and all faces drawn).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QPoint, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QImage, QPainter, QPaintEvent
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from workflow.display import WALL_SCALARS, DisplaySurface, display_surface

if TYPE_CHECKING:
    from geometry.mesh import Mesh

#: Colours (RGB 0..1) as in the report pictures (geometry.render): bone and the device; flagged places in red.
BONE_RGB = (0.89, 0.86, 0.79)
DESIGN_RGB = (0.20, 0.55, 0.85)
FLAG_RGB = (0.85, 0.10, 0.10)
BACKGROUND = "#20242a"
BACKGROUND_RGB255 = (0x20, 0x24, 0x2A)
# The wall-thickness colours from thin (0 mm) to thick (the top of the range and above): red, orange, pale
# yellow, the design's blue; NaN (no opposite wall found) in grey.
WALL_STOPS = (
    (0.0, (0.80, 0.12, 0.10)),
    (0.35, (0.95, 0.55, 0.15)),
    (0.65, (0.93, 0.86, 0.55)),
    (1.0, DESIGN_RGB),
)
NAN_RGB = (0.55, 0.55, 0.55)
# The wall-thickness scale's title: the unit (the scale is drawn by VTK, whose fonts have no CJK glyphs).
WALL_BAR_TITLE = "mm"
# The marker labels' box colour (a dark red behind white text).
LABEL_BOX_RGB = (0x8E / 255.0, 0x1B / 255.0, 0x10 / 255.0)
MARKER_RADIUS_MM = 2.5
#: The 3D distance tool's colour (yellow, clear of the bone, the design and the flags) and its end spheres (mm).
DISTANCE_RGB = (1.0, 0.85, 0.1)
DISTANCE_END_MM = 1.2
LABEL_OFFSET_PX = 8
#: How long the view's size must stay the same before it renders at the new size (ms).
RESIZE_SETTLE_MS = 60
#: Room around the anatomy framed alone: the camera stands this much farther than where it would just fit.
FRAME_MARGIN = 1.08
#: The smallest view (pixels high) whose frame the report's picture takes as it is; a smaller one is rendered at
#: the picture's size (800 x 600).
PICTURE_MIN_HEIGHT = 600


def _rgb(colour: str) -> tuple[float, float, float]:
    """``#rrggbb`` as RGB 0..1."""
    value = colour.lstrip("#")
    return (int(value[0:2], 16) / 255.0, int(value[2:4], 16) / 255.0, int(value[4:6], 16) / 255.0)


#: A signed deviation (e.g. a scan or a new revision against the design, outward positive): blue where inside, white
#: at zero, red where outside.
DEVIATION_STOPS = (
    (0.0, (0.13, 0.30, 0.75)),
    (0.5, (0.96, 0.96, 0.96)),
    (1.0, (0.80, 0.12, 0.10)),
)
#: A magnitude from low to high (e.g. von Mises stress): blue, green, yellow, red.
STRESS_STOPS = (
    (0.0, (0.15, 0.30, 0.80)),
    (0.35, (0.20, 0.70, 0.45)),
    (0.65, (0.95, 0.85, 0.25)),
    (1.0, (0.80, 0.12, 0.10)),
)

ColourStops = tuple[tuple[float, tuple[float, float, float]], ...]


@dataclass(frozen=True)
class SurfaceColouring:
    """How to colour the design by one of the per-vertex arrays its display surface carries.

    ``scalars`` names the array (:attr:`workflow.display.DisplaySurface.point_data`); ``value_range`` is mapped onto
    ``stops`` (positions 0..1 with their RGB 0..1; values outside take the end colours, NaN is grey);
    ``bar_title`` is the scale's title (ASCII: VTK's fonts have no CJK glyphs) and ``label_format`` its labels'.
    """

    scalars: str
    value_range: tuple[float, float]
    stops: ColourStops
    bar_title: str
    label_format: str = "%.2f"


def lookup_table(stops: ColourStops, value_range: tuple[float, float]) -> Any:
    """A VTK colour table of 256 colours interpolated between ``stops`` over ``value_range`` (NaN in grey)."""
    from vtkmodules.vtkCommonCore import vtkLookupTable  # noqa: PLC0415

    positions = np.array([position for position, _ in stops])
    colours = np.array([rgb for _, rgb in stops])
    ramp = np.linspace(0.0, 1.0, 256)
    rgb = np.column_stack([np.interp(ramp, positions, colours[:, k]) for k in range(3)])
    table = vtkLookupTable()
    table.SetNumberOfTableValues(len(ramp))
    for index, (red, green, blue) in enumerate(np.round(rgb * 255.0) / 255.0):
        table.SetTableValue(index, float(red), float(green), float(blue), 1.0)
    table.SetNanColor(*NAN_RGB, 1.0)
    table.SetTableRange(*value_range)
    return table


def _scalar_bar(table: Any, colouring: SurfaceColouring) -> Any:
    """The scale on the right of the view for a colouring drawn with ``table``."""
    from vtkmodules.vtkRenderingAnnotation import vtkScalarBarActor  # noqa: PLC0415

    bar = vtkScalarBarActor()
    bar.SetLookupTable(table)
    bar.SetTitle(colouring.bar_title)
    bar.SetNumberOfLabels(3)
    bar.SetLabelFormat(colouring.label_format)
    bar.SetOrientationToVertical()
    bar.SetPosition(0.86, 0.2)
    bar.SetWidth(0.08)
    bar.SetHeight(0.6)
    bar.SetMaximumNumberOfColors(256)
    bar.UnconstrainedFontSizeOn()  # the sizes below, not scaled to the bar's width
    bar.SetVerticalTitleSeparation(8)  # clear of the top label in a small view
    for text, size in ((bar.GetTitleTextProperty(), 14), (bar.GetLabelTextProperty(), 12)):
        text.SetColor(1.0, 1.0, 1.0)
        text.SetFontSize(size)
        text.SetFontFamilyToArial()
        text.ShadowOff()
        text.ItalicOff()
        text.BoldOff()
    return bar


def wall_lookup_table(value_range: tuple[float, float]) -> Any:
    """The wall-thickness colour table (:data:`WALL_STOPS`, 256 colours) over ``value_range`` (mm)."""
    return lookup_table(WALL_STOPS, value_range)


@cache
def _interactor_class() -> type[Any]:
    """VTK's Qt render window interactor (``QWidget`` base), which also paints into a grab of the window.

    The render window is a native window that VTK draws into with OpenGL, outside Qt's painting: a grab of the
    window (``QWidget.grab``, the screenshots) would find nothing painted there. When Qt paints the widget into
    such a grab (the paint is redirected to the grab's pixmap), it draws the view's pixels read back from VTK.
    Made on first use: VTK takes seconds to load.
    """
    from vtkmodules.qt.QVTKRenderWindowInteractor import QVTKRenderWindowInteractor  # noqa: PLC0415

    class SceneInteractor(QVTKRenderWindowInteractor):  # type: ignore[misc]  # VTK's Qt module is untyped
        def paintEvent(self, event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
            scene = self.parent()
            if self.redirected(QPoint()) is None or not isinstance(scene, SceneView):
                if isinstance(scene, SceneView) and scene.show_last_frame():
                    return
                super().paintEvent(event)  # on screen: VTK renders into the native window
                return
            painter = QPainter(self)
            if scene.active and not scene.closed:
                painter.drawImage(self.rect(), scene._image())
            else:
                painter.fillRect(self.rect(), QColor(BACKGROUND))
            painter.end()

    return SceneInteractor


@cache
def label_font_file() -> str | None:
    """A font file with Chinese glyphs for VTK's labels (fontconfig's choice for ``zh-cn``), or None without one.

    VTK draws text with its own FreeType fonts (Arial-like, Latin only): a Chinese parameter title would show as
    empty boxes. Looked up once, only when a label is not plain ASCII.
    """
    import shutil  # noqa: PLC0415
    import subprocess  # noqa: PLC0415
    from pathlib import Path  # noqa: PLC0415

    finder = shutil.which("fc-match")
    if finder is None:
        return None
    try:
        found = subprocess.run(  # noqa: S603 - fontconfig's own tool, fixed arguments
            [finder, "-f", "%{file}", ":lang=zh-cn"], capture_output=True, text=True, timeout=10, check=False
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return found if found and Path(found).is_file() else None


class SceneView(QWidget):
    """The 3D scene of the current case: anatomy, design and markers (label, LPS point in mm).

    With :meth:`set_measuring` on, left clicks pick points on the surfaces instead of turning the view: every two
    points make a distance (:attr:`distance_picked`); recorded distances are drawn by :meth:`set_distances`.
    """

    #: Two points (a (2, 3) array, LPS mm) picked on the surfaces by the 3D distance tool.
    distance_picked = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sceneView")
        self.measuring = False  # the 3D distance tool: left clicks pick points on the surfaces
        self._picked: list[tuple[float, float, float]] = []  # the first point of a distance being placed
        self.distances: list[tuple[str, np.ndarray[Any, np.dtype[np.float64]]]] = []  # label, (2, 3) LPS mm
        self._pick_observer: int | None = None
        # The VTK objects, made by activate(); typed Any: VTK's stubs do not cover the Qt interactor's proxying.
        self.interactor: Any = None
        self.renderer: Any = None
        self._orientation: Any = None
        self._actors: dict[str, list[Any]] = {}
        self._wall_bar: Any = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(0)  # the notice above the view, with no gap between them
        self._placeholder = QLabel(self.tr("Loading the 3D view..."), self)
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setStyleSheet(f"background: {BACKGROUND}; color: #e0e0e0;")
        self._layout.addWidget(self._placeholder)
        self._notice_label = QLabel(self)
        self._notice_label.setObjectName("sceneNotice")
        self._notice_label.setWordWrap(True)
        self._notice_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._notice_label.setStyleSheet(f"background: {BACKGROUND}; color: #e0e0e0; padding: 12px;")
        self._notice_label.setVisible(False)
        self._layout.insertWidget(0, self._notice_label)
        self.anatomy: Mesh | None = None
        self.wall_limit_mm: float | None = None
        self.design: Mesh | None = None
        self._surfaces: dict[str, DisplaySurface | None] = {}
        self.markers: list[tuple[str, tuple[float, float, float]]] = []
        # Why the view is empty (None: it is not, or nothing needs saying), written in the middle of the view.
        self.notice: str | None = None
        self.wall_map = True  # colour the design by its wall thickness (when its surface carries it)
        self._colouring: SurfaceColouring | None = None  # another per-vertex colouring, before the wall map
        self.renders = 0  # renders of the render window (each is counted when it ends)
        # The size of the last frame rendered, and whether the scene changed since (see frame_is_current).
        self._frame_size: tuple[int, int] | None = None
        self._stale = True
        self._closed = False
        # The repaint is asked for from a zero timer: the widgets changed along with the scene (tables, labels) are
        # painted and shown first, and the render comes in a pass of the event loop of its own.
        self._repaint = QTimer(self)
        self._repaint.setSingleShot(True)
        self._repaint.setInterval(0)
        self._repaint.timeout.connect(self._ask_repaint)
        # After a resize the view renders once the size has settled (a layout change resizes it in steps, a drag of
        # the window's edge continuously), in an event-loop pass of its own.
        self._resized = QTimer(self)
        self._resized.setSingleShot(True)
        self._resized.setInterval(RESIZE_SETTLE_MS)
        self._resized.timeout.connect(self._ask_repaint)
        self.setToolTip(
            self.tr(
                "3D view in patient coordinates (LPS, mm): drag to rotate, scroll to zoom. Surfaces of more than "
                "60,000 triangles are drawn reduced; every measurement uses the full mesh."
            )
        )

    @property
    def active(self) -> bool:
        """Whether the render window exists (see :meth:`activate`)."""
        return self.interactor is not None

    def activate(self) -> None:
        """Create the render window (VTK loads after the window opens) and draw what was set meanwhile."""
        if self.interactor is not None:
            return
        # VTK takes seconds to load: only once the window is shown. The OpenGL and font modules register the
        # implementations of the render window and the text rendering.
        import vtkmodules.vtkRenderingFreeType  # noqa: PLC0415
        import vtkmodules.vtkRenderingOpenGL2  # noqa: F401, PLC0415
        from vtkmodules.vtkInteractionStyle import vtkInteractorStyleTrackballCamera  # noqa: PLC0415
        from vtkmodules.vtkRenderingAnnotation import vtkAxesActor  # noqa: PLC0415
        from vtkmodules.vtkRenderingCore import vtkLight, vtkRenderer  # noqa: PLC0415

        interactor = _interactor_class()(self)
        window = interactor.GetRenderWindow()
        # No multisampling: with software OpenGL (Mesa llvmpipe, Xvfb) it makes every render about 4x slower.
        window.SetMultiSamples(0)
        self.renderer = vtkRenderer()
        self.renderer.SetBackground(*_rgb(BACKGROUND))
        # One light at the camera: every surface facing the viewer is lit, and the wall-thickness colours keep
        # their hue. A light kit (five lights) made each render 1.7x slower with software OpenGL.
        self.renderer.RemoveAllLights()
        headlight = vtkLight()
        headlight.SetLightTypeToHeadlight()
        self.renderer.AddLight(headlight)
        window.AddRenderer(self.renderer)
        interactor.SetInteractorStyle(vtkInteractorStyleTrackballCamera())
        window.AddObserver("EndEvent", self._on_render_end)
        interactor.Initialize()  # enables the interactor's renders: on paint and on mouse interaction
        axes = vtkAxesActor()
        for caption in (axes.GetXAxisCaptionActor2D, axes.GetYAxisCaptionActor2D, axes.GetZAxisCaptionActor2D):
            text = caption().GetCaptionTextProperty()
            text.SetColor(1.0, 1.0, 1.0)
            text.ShadowOff()
        axes.SetXAxisLabelText("L")
        axes.SetYAxisLabelText("P")
        axes.SetZAxisLabelText("S")
        for shaft in (axes.GetXAxisShaftProperty, axes.GetYAxisShaftProperty, axes.GetZAxisShaftProperty):
            shaft().SetLineWidth(2)
        # The axes in the lower-left corner: a renderer of their own on a layer above the scene, its camera turned
        # with the scene's before every render (what vtkOrientationMarkerWidget does, without VTK's widget module
        # and the 30 MB of libraries it loads).
        window.SetNumberOfLayers(2)
        self._orientation = vtkRenderer()
        self._orientation.SetLayer(1)
        self._orientation.SetViewport(0.0, 0.0, 0.2, 0.2)
        self._orientation.InteractiveOff()
        self._orientation.AddActor(axes)
        self._orientation.ResetCamera()
        window.AddRenderer(self._orientation)
        window.AddObserver("StartEvent", self._turn_orientation_axes)
        self.interactor = interactor
        self._layout.removeWidget(self._placeholder)
        self._placeholder.deleteLater()
        self._layout.addWidget(interactor)
        self._draw_anatomy()
        self._draw_design()
        self._frame()
        self._draw_markers()
        self._apply_measuring()
        self.render_later()

    def _turn_orientation_axes(self, _caller: object = None, _event: str = "") -> None:
        """Turn the corner axes' camera as the scene's: the same direction of view and view-up."""
        scene, corner = self.renderer.GetActiveCamera(), self._orientation.GetActiveCamera()
        focal = np.asarray(corner.GetFocalPoint())
        towards = np.asarray(scene.GetDirectionOfProjection())
        corner.SetPosition(*(focal - towards * corner.GetDistance()))
        corner.SetViewUp(*scene.GetViewUp())

    @property
    def closed(self) -> bool:
        """Whether :meth:`close_scene` released the render window."""
        return self._closed

    @property
    def design_surface(self) -> DisplaySurface | None:
        """The design's display surface as shown (None without a design)."""
        return self._surfaces.get("design")

    @property
    def wall_map_shown(self) -> bool:
        """Whether the design is drawn coloured by its wall thickness (switched on, and the surface carries it)."""
        surface = self.design_surface
        return self.wall_map and self.design is not None and surface is not None and WALL_SCALARS in surface.point_data

    @property
    def design_colouring(self) -> SurfaceColouring | None:
        """The colouring the design is drawn with (:meth:`set_design_colouring`), when its surface carries the array."""
        surface = self.design_surface
        colouring = self._colouring
        if colouring is None or self.design is None or surface is None:
            return None
        return colouring if colouring.scalars in surface.point_data else None

    def set_design_colouring(self, colouring: SurfaceColouring | None) -> None:
        """Colour the design by a per-vertex array of its display surface (None: back to the wall map or plain).

        It takes precedence over the wall-thickness map while set; a design whose surface does not carry the array
        is drawn as without it.
        """
        if colouring == self._colouring:
            return
        self._colouring = colouring
        self._draw_design()
        self.render_later()

    @property
    def scalar_bar_titles(self) -> tuple[str, ...]:
        """The titles of the scales shown in the view (:data:`WALL_BAR_TITLE` while the wall map is drawn)."""
        return () if self._wall_bar is None else (str(self._wall_bar.GetTitle()),)

    def set_anatomy(self, mesh: Mesh | None, surface: DisplaySurface | None = None) -> None:
        """Show the anatomy (None removes it); ``surface`` is its prepared display surface (made if not given)."""
        self.anatomy = mesh
        self._surfaces["anatomy"] = surface if surface is not None or mesh is None else display_surface(mesh)
        self._draw_anatomy()
        self._frame()
        self.render_later()

    def set_design(self, mesh: Mesh | None, surface: DisplaySurface | None = None) -> None:
        """Show the design (None removes it); ``surface`` is its prepared display surface (made if not given).

        A surface made by :func:`workflow.display.design_display` carries the wall thickness, shown as colours while
        :attr:`wall_map` is on.
        """
        self.design = mesh
        self._surfaces["design"] = surface if surface is not None or mesh is None else display_surface(mesh)
        self._draw_design()
        self._frame()
        self.render_later()

    def set_wall_limit(self, limit_mm: float) -> None:
        """Centre the wall-thickness colours on ``limit_mm`` (the envelope's minimum wall; NaN: none).

        With a limit the scale runs from 0 to twice it, so that a wall at the limit is pale orange, thinner ones
        redder and thicker ones bluer; without one it runs to the map's 95th percentile (see
        :func:`workflow.display.wall_colour_range`).
        """
        limit = None if not np.isfinite(limit_mm) or limit_mm <= 0 else float(limit_mm)
        if limit == self.wall_limit_mm:
            return
        self.wall_limit_mm = limit
        if self.wall_map_shown:
            self._draw_design()
            self.render_later()

    def set_wall_map(self, on: bool) -> None:
        """Colour the design by its wall thickness (``on``) or draw it in the plain design colour."""
        if on == self.wall_map:
            return
        self.wall_map = on
        self._draw_design()
        self.render_later()

    def _remove(self, name: str) -> None:
        for prop in self._actors.pop(name, []):
            self.renderer.RemoveViewProp(prop)

    def _add(self, name: str, prop: Any) -> None:
        self.renderer.AddViewProp(prop)
        self._actors.setdefault(name, []).append(prop)

    @staticmethod
    def _surface_actor(surface: DisplaySurface) -> tuple[Any, Any]:
        """A mapper and an actor for a display surface, smooth-shaded with the point normals it carries."""
        from vtkmodules.vtkRenderingCore import vtkActor, vtkPolyDataMapper  # noqa: PLC0415

        mapper = vtkPolyDataMapper()
        mapper.SetInputData(surface.polydata())
        mapper.ScalarVisibilityOff()
        actor = vtkActor()
        actor.SetMapper(mapper)
        actor.GetProperty().SetInterpolationToGouraud()
        if surface.closed_outward:
            # Its back faces are hidden behind its front faces: not drawing them halves a software render.
            actor.GetProperty().BackfaceCullingOn()
        return mapper, actor

    def _draw_anatomy(self) -> None:
        if self.interactor is None:
            return
        self._remove("anatomy")
        surface = self._surfaces.get("anatomy")
        if self.anatomy is not None and surface is not None and surface.n_triangles:
            _, actor = self._surface_actor(surface)
            actor.GetProperty().SetColor(*BONE_RGB)
            self._add("anatomy", actor)

    def _draw_design(self) -> None:
        if self.interactor is None:
            return
        self._remove("design")
        self._wall_bar = None
        surface = self.design_surface
        if self.design is None or surface is None or not surface.n_triangles:
            return
        mapper, actor = self._surface_actor(surface)
        actor.GetProperty().SetColor(*DESIGN_RGB)
        colouring = self.design_colouring
        if colouring is None and self.wall_map_shown:
            if self.wall_limit_mm is not None:
                wall_range = (0.0, 2.0 * self.wall_limit_mm)
            elif surface.wall_range_mm is not None:
                wall_range = surface.wall_range_mm
            else:
                wall_range = (0.0, 1.0)
            colouring = SurfaceColouring(WALL_SCALARS, wall_range, WALL_STOPS, WALL_BAR_TITLE, "%.1f")
        if colouring is None:
            self._add("design", actor)
            return
        low, high = colouring.value_range
        if not high > low:  # one value everywhere: a range around it, so that it takes the middle colour
            low, high = low - 0.5, high + 0.5
        table = lookup_table(colouring.stops, (low, high))
        mapper.SetLookupTable(table)
        mapper.SetScalarModeToUsePointFieldData()
        mapper.SelectColorArray(colouring.scalars)
        mapper.SetScalarRange(low, high)
        mapper.UseLookupTableScalarRangeOff()
        mapper.InterpolateScalarsBeforeMappingOn()  # sharp colour bands, and NaN stays grey across a triangle
        mapper.ScalarVisibilityOn()
        self._add("design", actor)
        bar = _scalar_bar(table, colouring)
        self._add("design", bar)
        self._wall_bar = bar

    def set_notice(self, text: str | None) -> None:
        """Say above the view why it shows nothing (None: say nothing).

        A Qt label, not a VTK text: VTK's fonts have no CJK glyphs, and nothing is drawn over the render window (a
        native window of its own).
        """
        if text == self.notice:
            return
        self.notice = text
        self._notice_label.setText(text or "")
        self._notice_label.setVisible(bool(text))

    def set_markers(self, markers: Sequence[tuple[str, tuple[float, float, float]]]) -> None:
        """Mark flagged places (e.g. the thinnest wall) with a red sphere and a label."""
        if list(markers) == self.markers and self.interactor is not None:
            return  # nothing to redraw (a result that cleared markers that were not there)
        self.markers = list(markers)
        self._draw_markers()
        self.render_later()

    def _draw_markers(self) -> None:
        if self.interactor is None:
            return
        from vtkmodules.vtkFiltersSources import vtkSphereSource  # noqa: PLC0415
        from vtkmodules.vtkRenderingCore import (  # noqa: PLC0415
            vtkActor,
            vtkCoordinate,
            vtkPolyDataMapper,
            vtkTextActor,
        )

        self._remove("markers")
        for label, point in self.markers:
            sphere = vtkSphereSource()
            sphere.SetCenter(*point)
            sphere.SetRadius(MARKER_RADIUS_MM)
            sphere.SetThetaResolution(16)
            sphere.SetPhiResolution(16)
            mapper = vtkPolyDataMapper()
            mapper.SetInputConnection(sphere.GetOutputPort())
            actor = vtkActor()
            actor.SetMapper(mapper)
            actor.GetProperty().SetColor(*FLAG_RGB)
            self._add("markers", actor)
            # A 2D text beside the point (a few pixels up and right of it, clear of the sphere): drawn over the
            # surfaces, so it stays readable from every side.
            anchor = vtkCoordinate()
            anchor.SetCoordinateSystemToWorld()
            anchor.SetValue(*point)
            text = vtkTextActor()
            text.SetInput(label)
            text.GetPositionCoordinate().SetCoordinateSystemToDisplay()
            text.GetPositionCoordinate().SetReferenceCoordinate(anchor)
            text.GetPositionCoordinate().SetValue(LABEL_OFFSET_PX, LABEL_OFFSET_PX)
            style = text.GetTextProperty()
            font = None if label.isascii() else label_font_file()
            if font is not None:
                style.SetFontFamilyAsString("File")  # VTK_FONT_FILE: the file below
                style.SetFontFile(font)
            style.SetFontSize(14)
            style.SetColor(1.0, 1.0, 1.0)
            style.SetBackgroundColor(*LABEL_BOX_RGB)
            style.SetBackgroundOpacity(1.0)
            style.SetJustificationToLeft()
            style.SetVerticalJustificationToBottom()
            self._add("markers", text)

    def set_measuring(self, on: bool) -> None:
        """Switch the 3D distance tool: on, left clicks pick points on the surfaces (the view does not turn)."""
        self.measuring = bool(on)
        self._picked = []
        self._apply_measuring()

    def _apply_measuring(self) -> None:
        if self.interactor is None:
            return
        from vtkmodules.vtkInteractionStyle import (  # noqa: PLC0415
            vtkInteractorStyleTrackballCamera,
            vtkInteractorStyleUser,
        )

        if self.measuring:
            self.interactor.SetInteractorStyle(vtkInteractorStyleUser())  # clicks no longer turn the camera
            if self._pick_observer is None:
                self._pick_observer = self.interactor.AddObserver("LeftButtonPressEvent", self._on_pick)
        else:
            self.interactor.SetInteractorStyle(vtkInteractorStyleTrackballCamera())
            if self._pick_observer is not None:
                self.interactor.RemoveObserver(self._pick_observer)
                self._pick_observer = None
        self._draw_distances()
        self.render_later()

    def pick(self, x: int, y: int) -> tuple[float, float, float] | None:
        """The point (LPS mm) of the anatomy or the design under display position (x, y) (VTK's, from the bottom)."""
        from vtkmodules.vtkRenderingCore import vtkCellPicker  # noqa: PLC0415

        surfaces = [*self._actors.get("anatomy", []), *self._actors.get("design", [])]
        picker = vtkCellPicker()
        picker.SetTolerance(0.0005)
        picker.PickFromListOn()
        for actor in surfaces:
            if actor.IsA("vtkActor"):
                picker.AddPickList(actor)
        if not picker.Pick(x, y, 0, self.renderer) or picker.GetCellId() < 0:
            return None
        x_mm, y_mm, z_mm = picker.GetPickPosition()
        return (float(x_mm), float(y_mm), float(z_mm))

    def _on_pick(self, caller: Any, _event: str) -> None:
        if self._closed:
            return
        x, y = caller.GetEventPosition()
        point = self.pick(int(x), int(y))
        if point is None:
            return  # a click beside the surfaces places nothing
        self._picked.append(point)
        if len(self._picked) == 2:
            points = np.asarray(self._picked, dtype=np.float64)
            self._picked = []
            self.distance_picked.emit(points)
        self._draw_distances()
        self.render_later()

    def set_distances(self, distances: Sequence[tuple[str, np.ndarray[Any, np.dtype[np.float64]]]]) -> None:
        """Draw distances measured in 3D: each a line between its two points (LPS mm) with its label."""
        self.distances = [(label, np.asarray(points, dtype=np.float64)) for label, points in distances]
        self._draw_distances()
        self.render_later()

    def _draw_distances(self) -> None:
        if self.interactor is None:
            return
        from vtkmodules.vtkFiltersSources import vtkLineSource, vtkSphereSource  # noqa: PLC0415
        from vtkmodules.vtkRenderingCore import (  # noqa: PLC0415
            vtkActor,
            vtkActor2D,
            vtkCoordinate,
            vtkPolyDataMapper,
            vtkPolyDataMapper2D,
            vtkTextActor,
        )

        self._remove("distances")
        ends = [point for _label, points in self.distances for point in points] + list(self._picked)
        for point in ends:
            sphere = vtkSphereSource()
            sphere.SetCenter(*(float(v) for v in point))
            sphere.SetRadius(DISTANCE_END_MM)
            mapper = vtkPolyDataMapper()
            mapper.SetInputConnection(sphere.GetOutputPort())
            actor = vtkActor()
            actor.SetMapper(mapper)
            actor.GetProperty().SetColor(*DISTANCE_RGB)
            self._add("distances", actor)
        for label, points in self.distances:
            # The straight line between two points of a curved surface runs through it: drawn as a 2D overlay
            # (world points projected at each render), it stays visible over the surfaces.
            line = vtkLineSource()
            line.SetPoint1(*(float(v) for v in points[0]))
            line.SetPoint2(*(float(v) for v in points[1]))
            world = vtkCoordinate()
            world.SetCoordinateSystemToWorld()
            overlay = vtkPolyDataMapper2D()
            overlay.SetInputConnection(line.GetOutputPort())
            overlay.SetTransformCoordinate(world)
            drawn = vtkActor2D()
            drawn.SetMapper(overlay)
            drawn.GetProperty().SetColor(*DISTANCE_RGB)
            drawn.GetProperty().SetLineWidth(3)
            self._add("distances", drawn)
            anchor = vtkCoordinate()
            anchor.SetCoordinateSystemToWorld()
            anchor.SetValue(*(float(v) for v in points.mean(axis=0)))
            text = vtkTextActor()
            text.SetInput(label)
            text.GetPositionCoordinate().SetCoordinateSystemToDisplay()
            text.GetPositionCoordinate().SetReferenceCoordinate(anchor)
            text.GetPositionCoordinate().SetValue(LABEL_OFFSET_PX, LABEL_OFFSET_PX)
            style = text.GetTextProperty()
            style.SetFontSize(14)
            style.SetColor(0.0, 0.0, 0.0)
            style.SetBackgroundColor(*DISTANCE_RGB)
            style.SetBackgroundOpacity(1.0)
            self._add("distances", text)

    def render_later(self) -> None:
        """Render once the event loop is idle (Qt's repaint); changes made meanwhile share that one render."""
        if self.interactor is not None and not self._closed:
            self._stale = True
            self._repaint.start()

    def frame_is_current(self) -> bool:
        """Whether the last frame rendered shows the scene as it is, at the view's size (a repaint can reuse it)."""
        if self.interactor is None or self._closed or self._stale:
            return False
        return self._frame_size == tuple(self.interactor.GetRenderWindow().GetSize())

    def show_last_frame(self) -> bool:
        """Answer a repaint with the last frame rendered, when that will do; False: render now.

        The view only uncovered (a dialog closed over it): the last frame is shown again, a copy of a few ms
        where rendering a large view takes 60 ms or more with software OpenGL. The view resized: nothing is drawn
        until the size settles (:data:`RESIZE_SETTLE_MS`), then the view renders once at its new size (showing
        the old frame in the new window would cost half a render).
        """
        if self.interactor is None or self._closed or self._stale or self._frame_size is None:
            return False
        if self.frame_is_current():
            self.interactor.GetRenderWindow().Frame()
        else:
            self._resized.start()
        return True

    def _ask_repaint(self) -> None:
        if self.interactor is not None and not self._closed:
            self._stale = True
            self.renderer.ResetCameraClippingRange()  # what was added meanwhile stays within the clipping range
            self.interactor.update()

    def _on_render_end(self, caller: Any, _event: str) -> None:
        self.renders += 1
        self._frame_size = tuple(caller.GetSize())
        self._stale = False

    def _frame(self) -> None:
        """Point the camera at the design (or the anatomy) from outside, as the report pictures do.

        The anatomy alone is seen from the front; a design from outside the anatomy (from the anatomy's centre
        through the design's), or from the front without one, turned obliquely so that its wall and seat show.
        Either way the camera looks at the centre of the box around everything shown and stands far enough for the
        sphere about that point that holds everything to fit the view's narrower angle (the vertical one, or the
        horizontal one of a view taller than wide), so nothing is cropped whichever way the camera turns about it.
        """
        if self.interactor is None:
            return
        focus = self.design if self.design is not None else self.anatomy
        if focus is None:
            return
        camera = self.renderer.GetActiveCamera()
        shown = [mesh.vertices for mesh in (self.anatomy, self.design) if mesh is not None]
        if self.design is None:
            low, high = focus.vertices.min(axis=0), focus.vertices.max(axis=0)
            centre = (low + high) / 2.0
            direction = np.array([0.0, -1.0, 0.0])  # anterior
        else:
            centre = focus.vertices.mean(axis=0)
            origin = self.anatomy.vertices.mean(axis=0) if self.anatomy is not None else centre + np.array([0, 1.0, 0])
            direction = centre - origin
            if float(np.linalg.norm(direction)) < 1e-6:
                direction = np.array([0.0, -1.0, 0.0])  # anterior
            direction = direction / np.linalg.norm(direction)
        # The focal point: the centre of the box around everything shown (the design's side of it faces the camera);
        # the radius: of the sphere about it that holds everything shown.
        everything = np.concatenate(shown)
        centre = (everything.min(axis=0) + everything.max(axis=0)) / 2.0
        radius = float(np.linalg.norm(everything - centre, axis=1).max())
        half_height = np.radians(camera.GetViewAngle() / 2.0)
        aspect = self.width() / max(1, self.height())
        half = min(half_height, float(np.arctan(np.tan(half_height) * aspect)))
        distance = max(radius, 1e-3) / float(np.sin(half)) * FRAME_MARGIN
        up = (0.0, 0.0, 1.0) if abs(direction[2]) < 0.9 else (0.0, -1.0, 0.0)
        camera.SetPosition(*(float(v) for v in centre + direction * distance))
        camera.SetFocalPoint(*(float(v) for v in centre))
        camera.SetViewUp(*up)
        if self.design is not None:
            # Oblique, as in the report pictures, so that the wall and its seat show.
            camera.Azimuth(35.0)
            camera.Elevation(20.0)
            camera.OrthogonalizeViewUp()
        self.renderer.ResetCameraClippingRange()

    def screenshot_png(self, size: tuple[int, int] | None = None) -> bytes:
        """The current 3D view as PNG bytes (for the report and the render test)."""
        from PySide6.QtCore import QBuffer, QIODevice  # noqa: PLC0415

        self.activate()
        array = self._grab(size)
        h, w, _ = array.shape
        image = QImage(array.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        # PySide6 takes the format as str at run time; its stubs say bytes.
        image.save(buffer, "PNG")  # type: ignore[call-overload]
        return bytes(buffer.data().data())

    def picture(self) -> np.ndarray[Any, np.dtype[np.uint8]]:
        """The view as shown, for the report: RGB rows top to bottom (the report fits it to 4:3 and encodes it).

        A view at least :data:`PICTURE_MIN_HEIGHT` pixels high whose last frame is current is read as it is, with
        no render (a few ms); a smaller one is rendered at 800 x 600 for the picture, then again as shown.
        """
        self.activate()
        height = int(self.interactor.GetRenderWindow().GetSize()[1])
        if self.frame_is_current() and height >= PICTURE_MIN_HEIGHT:
            return self._read_frame()
        return self._grab((800, 600))

    def _image(self) -> QImage:
        """The view as shown, rendered now (for a grab of the window: see :func:`_interactor_class`)."""
        array = self._grab(None)
        h, w, _ = array.shape
        return QImage(array.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()

    def _grab(self, size: tuple[int, int] | None) -> np.ndarray[Any, np.dtype[np.uint8]]:
        """Render the view (at ``size``, else as shown) and read its pixels (rows top to bottom, RGB)."""
        window = self.interactor.GetRenderWindow()
        shown = tuple(window.GetSize())
        wanted = shown if size is None else (int(size[0]), int(size[1]))
        if wanted != shown:
            window.SetSize(*wanted)
        self.renderer.ResetCameraClippingRange()
        window.Render()
        pixels = self._read_frame()
        if wanted != shown:
            window.SetSize(*shown)
            self._stale = True  # the frame is the picture's: render the view as shown again
            self.interactor.update()
        return pixels

    def _read_frame(self) -> np.ndarray[Any, np.dtype[np.uint8]]:
        """The pixels of the last frame rendered (rows top to bottom, RGB), read back without rendering."""
        from vtkmodules.util.numpy_support import vtk_to_numpy  # noqa: PLC0415
        from vtkmodules.vtkRenderingCore import vtkWindowToImageFilter  # noqa: PLC0415

        grab = vtkWindowToImageFilter()
        grab.SetInput(self.interactor.GetRenderWindow())
        grab.SetInputBufferTypeToRGB()
        grab.ReadFrontBufferOff()  # the last frame rendered
        grab.ShouldRerenderOff()  # not again: a render of a large view takes 60 ms or more
        grab.Update()
        image = grab.GetOutput()
        width, height, _ = image.GetDimensions()
        pixels = vtk_to_numpy(image.GetPointData().GetScalars()).reshape(height, width, -1)[::-1, :, :3]
        return np.ascontiguousarray(pixels, dtype=np.uint8)

    def close_scene(self) -> None:
        """Release the render window and its VTK objects (call before the widget is destroyed)."""
        self._repaint.stop()
        self._resized.stop()
        if self.interactor is not None and not self._closed:
            self._closed = True
            self.interactor.EnableRenderOff()  # a late paint of the widget renders nothing
            self._orientation.RemoveAllViewProps()
            self.renderer.RemoveAllViewProps()
            self.interactor.GetRenderWindow().Finalize()
