"""The 3D view: the anatomy mesh and the design in patient LPS millimetres, with flagged locations marked.

A pyvistaqt ``QtInteractor`` in the window (real OpenGL; run tests under Xvfb, never the offscreen Qt platform).
Both meshes are drawn in their own coordinates, which are the same patient frame, so a design made on the same
images sits where it was designed. The orientation widget is labelled with the patient directions of the LPS axes
(L, P, S), and the bounds of the design carry millimetre ticks as a scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from app.gui.steps import display_surface

if TYPE_CHECKING:
    import pyvista as pv

    from geometry.mesh import Mesh

#: Colours (RGB 0..1) as in the report pictures (geometry.render): bone and the device; flagged places in red.
BONE_RGB = (0.89, 0.86, 0.79)
DESIGN_RGB = (0.20, 0.55, 0.85)
FLAG_RGB = (0.85, 0.10, 0.10)
BACKGROUND = "#20242a"


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
        self.design: Mesh | None = None
        self._surfaces: dict[str, Any] = {}
        self.markers: list[tuple[str, tuple[float, float, float]]] = []
        self.setToolTip(self.tr("3D view in patient coordinates (LPS, mm): drag to rotate, scroll to zoom"))

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
        self.plotter.add_axes(xlabel="L", ylabel="P", zlabel="S", line_width=2)
        self._layout.removeWidget(self._placeholder)
        self._placeholder.deleteLater()
        self._layout.addWidget(self.plotter.interactor)
        self._draw_mesh("anatomy", self.anatomy, BONE_RGB)
        self._draw_mesh("design", self.design, DESIGN_RGB)
        self._frame()
        self.set_markers(self.markers)

    def set_anatomy(self, mesh: Mesh | None, surface: pv.PolyData | None = None) -> None:
        """Show the anatomy (None removes it); ``surface`` is its prepared display surface (made if not given)."""
        self.anatomy = mesh
        self._surfaces["anatomy"] = surface
        self._draw_mesh("anatomy", mesh, BONE_RGB)
        self._frame()

    def set_design(self, mesh: Mesh | None, surface: pv.PolyData | None = None) -> None:
        """Show the design (None removes it); ``surface`` is its prepared display surface (made if not given)."""
        self.design = mesh
        self._surfaces["design"] = surface
        self._draw_mesh("design", mesh, DESIGN_RGB)
        self._frame()

    def _draw_mesh(self, name: str, mesh: Mesh | None, rgb: tuple[float, float, float]) -> None:
        if self.plotter is None:
            return
        self.plotter.remove_actor(name, render=False)
        if mesh is not None and mesh.n_triangles:
            surface = self._surfaces.get(name)
            shown = surface if surface is not None else display_surface(mesh)
            self.plotter.add_mesh(shown, color=rgb, name=name, smooth_shading=True, reset_camera=False)

    def set_markers(self, markers: Sequence[tuple[str, tuple[float, float, float]]]) -> None:
        """Mark flagged places (e.g. the thinnest wall) with a red sphere and a label."""
        self.markers = list(markers)
        if self.plotter is None:
            return
        import pyvista as pv  # noqa: PLC0415

        self.plotter.remove_actor("markers", render=False)
        self.plotter.remove_actor("marker-labels", render=False)
        if self.markers:
            points = np.array([point for _, point in self.markers], dtype=np.float64)
            spheres = pv.PolyData(points).glyph(geom=pv.Sphere(radius=2.5), scale=False, orient=False)
            self.plotter.add_mesh(spheres, color=FLAG_RGB, name="markers", reset_camera=False)
            self.plotter.add_point_labels(
                points,
                [label for label, _ in self.markers],
                name="marker-labels",
                font_size=14,
                text_color="white",
                shape_color="#8e1b10",
                always_visible=True,
                reset_camera=False,
            )
        self.plotter.render()

    def _frame(self) -> None:
        """Point the camera at the design (or the anatomy) from outside, as the report pictures do."""
        if self.plotter is None:
            return
        focus = self.design if self.design is not None else self.anatomy
        if focus is None:
            self.plotter.render()
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
        self.plotter.render()

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
        if self.plotter is not None:
            self.plotter.close()
