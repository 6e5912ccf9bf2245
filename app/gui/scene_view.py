"""The 3D view: the anatomy mesh and the design in patient LPS millimetres, with flagged locations marked.

A pyvistaqt ``QtInteractor`` in the window (real OpenGL; run tests under Xvfb, never the offscreen Qt platform).
Both meshes are drawn in their own coordinates, which are the same patient frame, so a design made on the same
images sits where it was designed. The orientation widget is labelled with the patient directions of the LPS axes
(L, P, S), and the bounds of the design carry millimetre ticks as a scale.

The design is coloured by its wall thickness (:func:`app.gui.steps.design_display`: red where thin, the design's
blue where the wall reaches the 95th percentile of its thicknesses, grey where no inward ray meets the surface),
with a scale in mm; :meth:`SceneView.set_wall_map` switches between that and the plain design colour.

Every change to the scene (a mesh, the markers, the map) only updates the VTK pipeline and asks Qt to repaint the
view (:meth:`SceneView.render_later`, from a zero timer: after the other widgets changed with it are shown); the
render window (pyvistaqt's ``QOpenGLWidget``) renders in its paint, once for all the changes made meanwhile (the
anatomy, then the cleared markers). ``plotter.render()`` is not used: it
renders, and the frame it ends then schedules that paint, which renders a second time. Under software OpenGL a
render is the costly part (50-70 ms for the sample skull, reduced for display to 60 k triangles, and the plate in a
500 x 430 view), and the surfaces arrive prepared (normals, thickness, reduction) from the worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.gui.steps import WALL_RANGE, WALL_SCALARS, display_surface

if TYPE_CHECKING:
    import pyvista as pv

    from geometry.mesh import Mesh

#: Colours (RGB 0..1) as in the report pictures (geometry.render): bone and the device; flagged places in red.
BONE_RGB = (0.89, 0.86, 0.79)
DESIGN_RGB = (0.20, 0.55, 0.85)
FLAG_RGB = (0.85, 0.10, 0.10)
BACKGROUND = "#20242a"
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


def wall_lookup_table(value_range: tuple[float, float]) -> Any:
    """The wall-thickness colour table (:data:`WALL_STOPS`, 256 colours) over ``value_range`` (mm)."""
    import pyvista as pv  # noqa: PLC0415

    positions = np.array([position for position, _ in WALL_STOPS])
    colours = np.array([rgb for _, rgb in WALL_STOPS])
    ramp = np.linspace(0.0, 1.0, 256)
    rgb = np.column_stack([np.interp(ramp, positions, colours[:, k]) for k in range(3)])
    values = np.column_stack([np.round(rgb * 255.0), np.full(256, 255.0)]).astype(np.uint8)
    return pv.LookupTable(values=values, scalar_range=value_range, nan_color=(*NAN_RGB, 1.0))


class SceneView(QWidget):
    """The 3D scene of the current case: anatomy, design and markers (label, LPS point in mm)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sceneView")
        self.plotter: Any = None
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._placeholder = QLabel(self.tr("Loading the 3D view..."), self)
        self._placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self._placeholder.setStyleSheet(f"background: {BACKGROUND}; color: #e0e0e0;")
        self._layout.addWidget(self._placeholder)
        self.anatomy: Mesh | None = None
        self.wall_limit_mm: float | None = None
        self.design: Mesh | None = None
        self._surfaces: dict[str, Any] = {}
        self.markers: list[tuple[str, tuple[float, float, float]]] = []
        self.wall_map = True  # colour the design by its wall thickness (when its surface carries it)
        self.renders = 0  # renders of the render window (each is counted when it ends)
        self._closed = False
        # The repaint is asked for from a zero timer: the widgets changed along with the scene (tables, labels) are
        # painted and shown first, and the render comes in a pass of the event loop of its own.
        self._repaint = QTimer(self)
        self._repaint.setSingleShot(True)
        self._repaint.setInterval(0)
        self._repaint.timeout.connect(self._ask_repaint)
        self.setToolTip(
            self.tr(
                "3D view in patient coordinates (LPS, mm): drag to rotate, scroll to zoom. Surfaces of more than "
                "60,000 triangles are drawn reduced; every measurement uses the full mesh."
            )
        )

    @property
    def active(self) -> bool:
        """Whether the render window exists (see :meth:`activate`)."""
        return self.plotter is not None

    def activate(self) -> None:
        """Create the render window (VTK/pyvista load after the window opens) and draw what was set meanwhile."""
        if self.plotter is not None:
            return
        from pyvistaqt import QtInteractor  # noqa: PLC0415 - VTK and pyvista take seconds to load

        # No multisampling: with software OpenGL (Mesa llvmpipe, Xvfb) it makes every render about 4x slower.
        # pyvista's decorated methods confuse mypy (its wrappers type `self` as the first argument): use Any.
        self.plotter = cast(Any, QtInteractor(self, auto_update=False, multi_samples=0))
        self.plotter.set_background(BACKGROUND)
        self.plotter.ren_win.AddObserver("EndEvent", self._on_render_end)
        self.plotter.add_axes(xlabel="L", ylabel="P", zlabel="S", line_width=2)
        self._layout.removeWidget(self._placeholder)
        self._placeholder.deleteLater()
        self._layout.addWidget(self.plotter.interactor)
        self._draw_anatomy()
        self._draw_design()
        self._frame()
        self._draw_markers()
        self.render_later()

    @property
    def design_surface(self) -> pv.PolyData | None:
        """The design's display surface as shown (None without a design)."""
        return self._surfaces.get("design")

    @property
    def wall_map_shown(self) -> bool:
        """Whether the design is drawn coloured by its wall thickness (switched on, and the surface carries it)."""
        surface = self.design_surface
        return self.wall_map and self.design is not None and surface is not None and WALL_SCALARS in surface.point_data

    def set_anatomy(self, mesh: Mesh | None, surface: pv.PolyData | None = None) -> None:
        """Show the anatomy (None removes it); ``surface`` is its prepared display surface (made if not given)."""
        self.anatomy = mesh
        self._surfaces["anatomy"] = surface if surface is not None or mesh is None else display_surface(mesh)
        self._draw_anatomy()
        self._frame()
        self.render_later()

    def set_design(self, mesh: Mesh | None, surface: pv.PolyData | None = None) -> None:
        """Show the design (None removes it); ``surface`` is its prepared display surface (made if not given).

        A surface made by :func:`app.gui.steps.design_display` carries the wall thickness, shown as colours while
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
        :func:`app.gui.steps.wall_colour_range`).
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

    def _draw_anatomy(self) -> None:
        if self.plotter is None:
            return
        self.plotter.remove_actor("anatomy", render=False)
        surface = self._surfaces.get("anatomy")
        if self.anatomy is not None and surface is not None and surface.n_cells:
            self.plotter.add_mesh(
                surface, color=BONE_RGB, name="anatomy", smooth_shading=True, reset_camera=False, render=False
            )

    def _draw_design(self) -> None:
        if self.plotter is None:
            return
        self.plotter.remove_actor("design", render=False)
        if WALL_BAR_TITLE in self.plotter.scalar_bars:
            self.plotter.remove_scalar_bar(WALL_BAR_TITLE, render=False)
        surface = self.design_surface
        if self.design is None or surface is None or not surface.n_cells:
            return
        if not self.wall_map_shown:
            self.plotter.add_mesh(
                surface, color=DESIGN_RGB, name="design", smooth_shading=True, reset_camera=False, render=False
            )
            return
        if self.wall_limit_mm is not None:
            low, high = 0.0, 2.0 * self.wall_limit_mm
        elif WALL_RANGE in surface.field_data:
            low, high = (float(v) for v in surface.field_data[WALL_RANGE])
        else:
            low, high = 0.0, 1.0
        actor = self.plotter.add_mesh(
            surface,
            scalars=WALL_SCALARS,
            cmap=wall_lookup_table((low, high)),
            clim=(low, high),
            nan_color=NAN_RGB,
            name="design",
            smooth_shading=True,
            reset_camera=False,
            show_scalar_bar=False,
            render=False,
        )
        bar = self.plotter.add_scalar_bar(
            title=WALL_BAR_TITLE,
            mapper=actor.mapper,
            n_labels=3,
            fmt="%.1f",
            vertical=True,
            position_x=0.86,
            position_y=0.2,
            width=0.08,
            height=0.6,
            title_font_size=14,
            label_font_size=12,
            color="white",
            render=False,
        )
        bar.SetVerticalTitleSeparation(8)  # clear of the top label in a small view

    def set_markers(self, markers: Sequence[tuple[str, tuple[float, float, float]]]) -> None:
        """Mark flagged places (e.g. the thinnest wall) with a red sphere and a label."""
        if list(markers) == self.markers and self.plotter is not None:
            return  # nothing to redraw (a result that cleared markers that were not there)
        self.markers = list(markers)
        self._draw_markers()
        self.render_later()

    def _draw_markers(self) -> None:
        if self.plotter is None:
            return
        import pyvista as pv  # noqa: PLC0415

        self.plotter.remove_actor("markers", render=False)
        self.plotter.remove_actor("marker-labels", render=False)
        if self.markers:
            points = np.array([point for _, point in self.markers], dtype=np.float64)
            spheres = pv.PolyData(points).glyph(geom=pv.Sphere(radius=2.5), scale=False, orient=False)
            self.plotter.add_mesh(spheres, color=FLAG_RGB, name="markers", reset_camera=False, render=False)
            self.plotter.add_point_labels(
                points,
                [label for label, _ in self.markers],
                name="marker-labels",
                font_size=14,
                text_color="white",
                shape_color="#8e1b10",
                always_visible=True,
                reset_camera=False,
                render=False,
            )

    def render_later(self) -> None:
        """Render once the event loop is idle (Qt's repaint); changes made meanwhile share that one render."""
        if self.plotter is not None and not self._closed:
            self._repaint.start()

    def _ask_repaint(self) -> None:
        if self.plotter is not None and not self._closed:
            self.plotter.interactor.update()

    def _on_render_end(self, _caller: object, _event: str) -> None:
        self.renders += 1

    def _frame(self) -> None:
        """Point the camera at the design (or the anatomy) from outside, as the report pictures do."""
        if self.plotter is None:
            return
        focus = self.design if self.design is not None else self.anatomy
        if focus is None:
            return
        centre = focus.vertices.mean(axis=0)
        origin = self.anatomy.vertices.mean(axis=0) if self.anatomy is not None else centre - np.array([0, 1.0, 0])
        direction = centre - origin
        if float(np.linalg.norm(direction)) < 1e-6:
            direction = np.array([0.0, -1.0, 0.0])  # anterior
        direction = direction / np.linalg.norm(direction)
        whole = self.anatomy if self.anatomy is not None else focus
        radius = float(np.linalg.norm(whole.vertices - whole.vertices.mean(axis=0), axis=1).max())
        up = (0.0, 0.0, 1.0) if abs(direction[2]) < 0.9 else (0.0, -1.0, 0.0)
        self.plotter.camera_position = [tuple(centre + direction * radius * 3.0), tuple(centre), up]
        if self.design is not None:  # oblique, as in the report pictures, so that the wall and its seat show
            camera = self.plotter.camera
            camera.Azimuth(35.0)
            camera.Elevation(20.0)
            camera.OrthogonalizeViewUp()
        self.plotter.reset_camera_clipping_range()

    def screenshot_png(self, size: tuple[int, int] | None = None) -> bytes:
        """The current 3D view as PNG bytes (for the report and the render test)."""
        from PySide6.QtCore import QBuffer, QIODevice  # noqa: PLC0415
        from PySide6.QtGui import QImage  # noqa: PLC0415

        self.activate()
        pixels = self.plotter.screenshot(return_img=True, window_size=size)
        array = np.ascontiguousarray(np.asarray(pixels, dtype=np.uint8)[..., :3])
        h, w, _ = array.shape
        image = QImage(array.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy()
        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        # PySide6 takes the format as str at run time; its stubs say bytes.
        image.save(buffer, "PNG")  # type: ignore[call-overload]
        return bytes(buffer.data().data())

    def close_scene(self) -> None:
        """Release the render window and its VTK objects (call before the widget is destroyed)."""
        self._repaint.stop()
        if self.plotter is not None:
            self.plotter.close()
            self._closed = True
