"""Axial, coronal and sagittal slice views with window/level presets, a linked crosshair, labels and a scale bar.

Each :class:`SliceView` draws one plane of the volume (numpy slice -> ``QImage``) at its physical aspect ratio,
with the mask (or the live threshold preview) as a translucent overlay, the crosshair, the patient-direction
letters at its edges and a scale bar. :class:`SliceViewsPanel` holds the three views, the shared crosshair (one
voxel; clicking a view moves it, the mouse wheel steps the slice) and the window/level presets.

Every view zooms (Ctrl+wheel, about the point under the cursor; Home fits the slice again) and pans (drag with the
middle button, or Shift+left); dragging with the right button changes the window (left/right) and level (up/down)
of all three views, as in 3D Slicer and InVesalius; the value under the cursor (HU for CT) is shown beside the
crosshair's position.

The measuring tools (Ruler, D: click two points; Angle, A: click three, the vertex second) work on any step: the
panel converts the points to LPS mm and emits ``measure_drawn``; the window records the measurement with the case
and gives the recorded ones back (:meth:`SliceViewsPanel.set_measurements`), which each view draws on their slice.

The anatomy and the design are drawn on every slice as outlines (white and magenta; the Outlines button, O, hides
them): where each mesh crosses the slice's plane (:func:`workflow.outlines.outlines`, computed in a worker thread for
the three slices whenever the crosshair or the meshes change; a result for an older crosshair is dropped).

The drawing tools of the Segment step turn a view into an editor: ``polygon`` (the scissors: click vertices or
press-drag a lasso; double-click, Enter or releasing a lasso closes it, Esc cancels) and ``rectangle`` (crop to
box: press-drag). The views work in continuous image coordinates; :class:`SliceViewsPanel` converts a finished
shape to LPS millimetres at the view's slice (:func:`~app.gui.slicing.screen_to_world`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from types import MappingProxyType
from typing import ClassVar, Literal

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QEvent, QLineF, QPointF, QRectF, QSizeF, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QImage,
    QKeyEvent,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPen,
    QPolygonF,
    QTransform,
    QWheelEvent,
)
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from app.gui.slicing import (
    MAX_ZOOM,
    MIN_ZOOM,
    PLANES,
    WINDOW_PRESETS,
    ZOOM_STEP,
    Plane,
    dragged_window,
    index_to_screen,
    orientation_labels,
    pixel_size_mm,
    plane_image,
    plane_index_axis,
    plane_normal,
    scale_bar_mm,
    screen_to_index,
    screen_to_world,
    threshold_preview,
    voxel_value,
    window_to_uint8,
    world_to_screen,
    world_to_screen_many,
)
from app.gui.widgets import ElidedLabel
from app.workers import TaskWorker
from imaging.volume import Volume
from workflow.outlines import OutlineRequest, Segments, outlines

Voxel = tuple[int, int, int]
ImagePoint = tuple[float, float]  # continuous image (column, row); a pixel's centre is at whole numbers
Drawing = Literal["polygon", "rectangle", "ruler", "angle"]
#: Points a measuring drawing takes (the angle's vertex is the second).
MEASURE_POINTS: Mapping[str, int] = MappingProxyType({"ruler": 2, "angle": 3})
#: The measuring tools' drawings, by the measurement they make (workflow.measurements.KINDS).
MEASURE_KINDS: Mapping[str, str] = MappingProxyType({"ruler": "distance", "angle": "angle"})
#: The outlines of the meshes on the slices: the anatomy white, the design magenta (apart from mask, cross, shapes).
OUTLINE_RGB: Mapping[str, tuple[int, int, int]] = MappingProxyType(
    {"anatomy": (245, 245, 245), "design": (255, 64, 220)}
)
_MEASURE_RGB = (255, 235, 59)  # measurements: yellow, apart from the red shapes, amber mask and cyan cross
#: Screen distance (px) under which a click repeats the last vertex, and a lasso drag adds no new one.
_VERTEX_GAP_PX = 4.0
#: A press-drag longer than this (px) is a lasso, closed on release; shorter ones are clicks.
_LASSO_MIN_PX = 10.0
_DRAW_RGB = (255, 80, 80)  # the polygon and rectangle being drawn: red, apart from the amber mask and cyan cross
_BOX_RGB = (120, 200, 255)  # the crop box
_OVERLAY_RGBA = (255, 200, 0, 110)  # mask: translucent amber, visible on bone and soft tissue windows
_PREVIEW_RGBA = (0, 220, 120, 110)  # live threshold preview: translucent green
#: The labels' distance from the view's edges (px).
LABEL_MARGIN = 4.0


def _rgba_overlay(base: npt.NDArray[np.uint8], inside: npt.NDArray[np.bool_], rgba: tuple[int, ...]) -> QImage:
    """An ARGB32 image: the grey image with ``inside`` pixels blended with ``rgba``."""
    h, w = base.shape
    out = np.empty((h, w, 4), dtype=np.uint8)
    out[..., 0] = base  # B G R A in memory for Format_ARGB32 on little-endian
    out[..., 1] = base
    out[..., 2] = base
    out[..., 3] = 255
    if inside.any():
        alpha = rgba[3] / 255.0
        for channel, value in ((2, rgba[0]), (1, rgba[1]), (0, rgba[2])):
            plane = out[..., channel]
            plane[inside] = (plane[inside] * (1 - alpha) + value * alpha).astype(np.uint8)
    image = QImage(out.data, w, h, 4 * w, QImage.Format.Format_ARGB32)
    return image.copy()  # own the pixels: the numpy buffer goes away


class SliceView(QWidget):
    """One plane of the volume; emits ``picked`` with the voxel (x, y, z) under a click and ``stepped`` on the wheel.

    With a drawing tool (:meth:`set_drawing`) clicks draw instead: ``polygon_closed`` and ``rectangle_drawn`` carry
    the finished shape in continuous image coordinates.

    Parameters
    ----------
    plane
        ``axial``, ``coronal`` or ``sagittal``.
    """

    picked = Signal(object, object)  # voxel (x, y, z), the mouse button
    stepped = Signal(int)
    polygon_closed = Signal(object)  # list of ImagePoint, at least 3, in drawing order
    rectangle_drawn = Signal(object)  # two opposite ImagePoint corners
    window_dragged = Signal(float, float)  # window and level (HU) asked for by a right-button drag
    hovered = Signal(object)  # the voxel (x, y, z) under the cursor, or None when it left the image
    measured = Signal(str, object)  # the measuring drawing ("ruler", "angle") and its ImagePoints, in order
    stroked = Signal(object)  # a brush stroke (paint, erase): the ImagePoints the brush went through, in order

    def __init__(self, plane: Plane, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plane = plane
        self.setObjectName(f"{plane}SliceView")
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(True)  # the value under the cursor follows it
        # A click gives the view the focus: Enter and Esc then reach the drawing tools, and letter shortcuts work.
        self.setFocusPolicy(Qt.FocusPolicy.ClickFocus)
        self.volume: Volume | None = None
        self.mask_volume: Volume | None = None
        self.preview: tuple[float, float | None] | None = None
        self.crosshair: Voxel = (0, 0, 0)
        self.window_hu, self.level_hu = WINDOW_PRESETS["bone"].window, WINDOW_PRESETS["bone"].level
        self._image: QImage | None = None
        self._image_key: tuple[object, ...] | None = None
        self.drawing: Drawing | None = None
        self.box_world: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None = None  # crop box, LPS mm
        self._points: list[ImagePoint] = []  # the polygon being drawn
        self._hover: ImagePoint | None = None  # where the next vertex would go (drawn as a rubber band)
        self._press: QPointF | None = None  # where the left button went down, while it is held
        self._lasso = False
        self._rect: tuple[ImagePoint, ImagePoint] | None = None  # the rectangle being dragged
        # Zoom (1: the whole slice fits) and pan (widget pixels from centred) of this view, and the pan or
        # window/level drag under way: its kind, where it started and the pan or (window, level) then.
        self.zoom = 1.0
        self.pan = QPointF()
        self._navigate: tuple[str, QPointF, QPointF | tuple[float, float]] | None = None
        # Where the last paint wrote the title, the window and the orientation letters (widget pixels).
        self.label_boxes: dict[str, QRectF] = {}
        # The recorded measurements on this view's slice: their image points and the label to write.
        self.measurements: list[tuple[list[ImagePoint], str]] = []
        # The meshes' outlines on this view's slice: per mesh name, line segments in image coordinates.
        self.outlines: dict[str, list[QLineF]] = {}
        # The brush (paint, erase): its radius in mm (None: no brush), where it is, and the stroke being dragged.
        self.brush_mm: float | None = None
        self._brush_at: QPointF | None = None
        self._stroke: list[ImagePoint] | None = None
        self.setToolTip(
            self.tr(
                "Click to move the crosshair; scroll to step through the slices; Ctrl+scroll to zoom (Home fits); "
                "drag with the middle button or Shift+left to pan; drag with the right button for window (left, "
                "right) and level (up, down)"
            )
        )

    def title(self) -> str:
        """The translated plane name."""
        return {"axial": self.tr("Axial"), "coronal": self.tr("Coronal"), "sagittal": self.tr("Sagittal")}[self.plane]

    @property
    def index(self) -> int:
        """The slice shown: the crosshair's coordinate along this plane's axis."""
        return self.crosshair[plane_index_axis(self.plane)]

    def slice_count(self) -> int:
        """Number of slices along this plane's axis (0 without a volume)."""
        return 0 if self.volume is None else self.volume.size[plane_index_axis(self.plane)]

    def _build_image(self) -> QImage | None:
        if self.volume is None:
            return None
        key = (id(self.volume), id(self.mask_volume), self.preview, self.index, self.window_hu, self.level_hu)
        if key == self._image_key and self._image is not None:
            return self._image
        values = plane_image(self.volume.voxels, self.plane, self.index)
        grey = window_to_uint8(values, self.window_hu, self.level_hu)
        if self.preview is not None:
            image = _rgba_overlay(grey, threshold_preview(values, *self.preview), _PREVIEW_RGBA)
        elif self.mask_volume is not None:
            inside = np.ascontiguousarray(plane_image(self.mask_volume.voxels, self.plane, self.index) != 0)
            image = _rgba_overlay(grey, inside, _OVERLAY_RGBA)
        else:
            h, w = grey.shape
            image = QImage(grey.data, w, h, w, QImage.Format.Format_Grayscale8).copy()
        self._image, self._image_key = image, key
        return image

    def _target(self) -> QRectF:
        """Where the image is drawn: at the physical aspect ratio, as large as fits times the zoom, centred + pan."""
        if self.volume is None or self._image is None:
            return QRectF()
        pw, ph = pixel_size_mm(self.volume, self.plane)
        width_mm, height_mm = self._image.width() * pw, self._image.height() * ph
        scale = min(self.width() / width_mm, self.height() / height_mm) * self.zoom
        w, h = width_mm * scale, height_mm * scale
        return QRectF((self.width() - w) / 2 + self.pan.x(), (self.height() - h) / 2 + self.pan.y(), w, h)

    def reset_view(self) -> None:
        """Fit the whole slice again (no zoom, no pan)."""
        self.zoom, self.pan = 1.0, QPointF()
        self.update()

    def zoom_at(self, position: QPointF, factor: float) -> None:
        """Zoom by ``factor`` (within 1x to 32x) keeping the image point under ``position`` where it is."""
        point = self.image_point(position)
        zoom = min(MAX_ZOOM, max(MIN_ZOOM, self.zoom * factor))
        if point is None or zoom == self.zoom:
            return
        self.zoom = zoom
        if zoom == MIN_ZOOM:
            self.pan = QPointF()  # all of the slice fits again: centred
        else:
            self.pan += position - self.widget_point(point)
        self.update()

    def paintEvent(self, _event: QPaintEvent) -> None:  # noqa: N802 - Qt's name
        """Draw the slice, overlay, crosshair, labels and scale bar."""
        painter = QPainter(self)
        painter.fillRect(self.rect(), QColor("black"))
        image = self._build_image()
        painter.setPen(QColor("#e0e0e0"))
        if image is None or self.volume is None:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, self.title())
            painter.end()
            return
        target = self._target()
        painter.drawImage(target, image)
        # Crosshair, at voxel centres.
        column, row = index_to_screen(self.volume, self.plane, self.crosshair)
        sx = target.width() / image.width()
        sy = target.height() / image.height()
        x = target.left() + (column + 0.5) * sx
        y = target.top() + (row + 0.5) * sy
        painter.setPen(QPen(QColor(0, 200, 255, 180), 1))
        painter.drawLine(QPointF(target.left(), y), QPointF(target.right(), y))
        painter.drawLine(QPointF(x, target.top()), QPointF(x, target.bottom()))
        # The plane's title and slice number, the window, and the orientation letters; none drawn over another.
        self._draw_labels(painter)
        # Scale bar, bottom left: a round length in mm.
        r = QRectF(self.rect()).adjusted(LABEL_MARGIN, LABEL_MARGIN, -LABEL_MARGIN, -LABEL_MARGIN)
        mm_per_pixel = pixel_size_mm(self.volume, self.plane)[0] / sx
        length_mm = scale_bar_mm(mm_per_pixel, target.width() / 4)
        if length_mm > 0:
            bar = length_mm / mm_per_pixel
            y0 = r.bottom() - 6
            painter.setPen(QPen(QColor("#e0e0e0"), 2))
            painter.drawLine(QPointF(r.left() + 4, y0), QPointF(r.left() + 4 + bar, y0))
            painter.drawText(QPointF(r.left() + 4, y0 - 5), f"{length_mm:g} mm")
        self._paint_outlines(painter, target)
        self._paint_brush(painter, target)
        self._paint_shapes(painter)
        painter.end()

    def window_text(self) -> str:
        """The view's window and level as written on it ("W 1800  L 400"; 窗宽 and 窗位 in Chinese)."""
        return self.tr("W %1  L %2").replace("%1", f"{self.window_hu:g}").replace("%2", f"{self.level_hu:g}")

    def _draw_labels(self, painter: QPainter) -> None:
        """Write the title, the window and the orientation letters (:attr:`label_boxes` records where).

        The title and the window go on the top line and the letters in the middles of the edges; a label at the
        top moves down a line at a time until it is clear of those written before it, so a narrow view puts the
        window and the top letter on lines of their own.
        """
        assert self.volume is not None
        letters = orientation_labels(self.volume, self.plane)
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        line = float(painter.fontMetrics().height())
        area = QRectF(self.rect()).adjusted(LABEL_MARGIN, LABEL_MARGIN, -LABEL_MARGIN, -LABEL_MARGIN)
        top, left, right = Qt.AlignmentFlag.AlignTop, Qt.AlignmentFlag.AlignLeft, Qt.AlignmentFlag.AlignRight
        centre, middle = Qt.AlignmentFlag.AlignHCenter, Qt.AlignmentFlag.AlignVCenter
        placed: dict[str, tuple[QRectF, Qt.AlignmentFlag, str, str]] = {}
        wanted = [
            ("title", left | top, f"{self.title()}  {self.index + 1}/{self.slice_count()}", "#e0e0e0"),
            ("window", right | top, self.window_text(), "#e0e0e0"),
            ("top", centre | top, letters["top"], "#ffd54f"),
            ("left", left | middle, letters["left"], "#ffd54f"),
            ("right", right | middle, letters["right"], "#ffd54f"),
            ("bottom", centre | Qt.AlignmentFlag.AlignBottom, letters["bottom"], "#ffd54f"),
        ]
        self.label_boxes = {}
        for name, flags, text, colour in wanted:
            rect = QRectF(area)
            box = painter.boundingRect(rect, flags, text)
            while flags & top and any(box.intersects(other) for other in self.label_boxes.values()):
                rect.adjust(0.0, line, 0.0, 0.0)  # one line down
                box = painter.boundingRect(rect, flags, text)
            self.label_boxes[name] = box
            placed[name] = (rect, flags, text, colour)
        for rect, flags, text, colour in placed.values():
            painter.setPen(QColor(colour))
            painter.drawText(rect, flags, text)

    def voxel_at(self, position: QPointF) -> Voxel | None:
        """The voxel (x, y, z) under a widget position, or None outside the image."""
        point = self.image_point(position)
        if point is None or self.volume is None or not self._target().contains(position):
            return None
        return screen_to_index(self.volume, self.plane, self.index, point[0], point[1])

    def image_point(self, position: QPointF) -> ImagePoint | None:
        """The continuous image (column, row) under a widget position (also outside the image); None without one."""
        if self.volume is None or self._build_image() is None or self._image is None:
            return None
        target = self._target()
        if target.isEmpty():
            return None
        column = (position.x() - target.left()) / target.width() * self._image.width() - 0.5
        row = (position.y() - target.top()) / target.height() * self._image.height() - 0.5
        return (column, row)

    def widget_point(self, point: ImagePoint) -> QPointF:
        """The widget position of a continuous image point (the inverse of :meth:`image_point`)."""
        target = self._target()
        if self._image is None or target.isEmpty():
            return QPointF()
        column, row = point
        return QPointF(
            target.left() + (column + 0.5) * target.width() / self._image.width(),
            target.top() + (row + 0.5) * target.height() / self._image.height(),
        )

    # ------------------------------------------------------------------ drawing tools

    def set_drawing(self, drawing: Drawing | None) -> None:
        """Turn the view into a polygon or rectangle editor, or back to crosshair clicks (None); drops any shape."""
        self.drawing = drawing
        self.cancel_drawing()
        if drawing is None:
            self.unsetCursor()
        else:
            self.setCursor(Qt.CursorShape.CrossCursor)

    def cancel_drawing(self) -> None:
        """Forget the polygon or rectangle being drawn."""
        self._points = []
        self._hover = None
        self._press = None
        self._lasso = False
        self._rect = None
        self.update()

    @property
    def polygon_points(self) -> list[ImagePoint]:
        """The vertices of the polygon being drawn (continuous image coordinates)."""
        return list(self._points)

    def close_polygon(self) -> bool:
        """Finish the polygon being drawn: emit ``polygon_closed`` when it has 3 vertices or more; always clear it."""
        points = self._points
        self.cancel_drawing()
        if len(points) < 3:
            return False
        self.polygon_closed.emit(points)
        return True

    def _add_vertex(self, position: QPointF, point: ImagePoint) -> None:
        if self._points:
            last = self.widget_point(self._points[-1])
            if abs(last.x() - position.x()) + abs(last.y() - position.y()) < _VERTEX_GAP_PX:
                return  # the second click of a double-click, or a jittery drag: not a new vertex
        self._points.append(point)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        """Report the voxel under the click, or start or extend the shape being drawn; or start a pan or W/L drag."""
        position = event.position()
        button = event.button()
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        if button == Qt.MouseButton.MiddleButton or (button == Qt.MouseButton.LeftButton and shift):
            self._navigate = ("pan", position, QPointF(self.pan))
            self.setCursor(Qt.CursorShape.ClosedHandCursor)
            return
        if button == Qt.MouseButton.RightButton:
            self._navigate = ("window", position, (self.window_hu, self.level_hu))
            self.setCursor(Qt.CursorShape.SizeAllCursor)
            return
        if self.drawing is None and self.brush_mm is not None and button == Qt.MouseButton.LeftButton:
            point = self.image_point(position)
            if point is not None and self._target().contains(position):
                self._stroke = [point]  # painted when the button is released: one stroke, one undo step
                self.update()
            return
        if self.drawing is None:
            voxel = self.voxel_at(position)
            if voxel is not None:
                self.picked.emit(voxel, event.button())
            return
        point = self.image_point(position)
        if point is None or event.button() != Qt.MouseButton.LeftButton:
            return
        if not self._points and not self._target().contains(position):
            return  # a shape starts on the image
        self.setFocus(Qt.FocusReason.MouseFocusReason)  # Enter and Esc go to the view being drawn on
        if self.drawing in MEASURE_POINTS:
            self._add_vertex(position, point)
            if len(self._points) >= MEASURE_POINTS[self.drawing]:
                points = self._points[: MEASURE_POINTS[self.drawing]]
                drawing = self.drawing
                self.cancel_drawing()
                self.measured.emit(drawing, points)
            self.update()
            return
        self._press = position
        self._lasso = False
        if self.drawing == "polygon":
            self._add_vertex(position, point)
        else:
            self._rect = (point, point)
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        """Pan or change the window while dragging; extend a lasso or a rectangle; move the rubber band otherwise."""
        position = event.position()
        if self._navigate is not None:
            kind, start, initial = self._navigate
            if kind == "pan" and isinstance(initial, QPointF):
                self.pan = initial + (position - start)
                self.update()
            elif isinstance(initial, tuple):
                window, level = dragged_window(*initial, position.x() - start.x(), position.y() - start.y())
                self.window_dragged.emit(window, level)
            return
        self.hovered.emit(self.voxel_at(position))
        if self.brush_mm is not None:
            self._brush_at = position
            if self._stroke is not None:
                point = self.image_point(position)
                last = self.widget_point(self._stroke[-1])
                if point is not None and abs(last.x() - position.x()) + abs(last.y() - position.y()) >= 2.0:
                    self._stroke.append(point)
            self.update()
        if self.drawing is None:
            return
        point = self.image_point(position)
        if point is None:
            return
        if self._press is None:
            self._hover = point if self._points else None
        elif self.drawing == "polygon":  # (measuring drawings never hold a press)
            if abs(position.x() - self._press.x()) + abs(position.y() - self._press.y()) >= _LASSO_MIN_PX:
                self._lasso = True
            self._add_vertex(position, point)
        elif self._rect is not None:
            self._rect = (self._rect[0], point)
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        """End a pan or window drag or a brush stroke; close a lasso, or finish a rectangle."""
        if self._stroke is not None and event.button() == Qt.MouseButton.LeftButton:
            stroke, self._stroke = self._stroke, None
            self.update()
            self.stroked.emit(stroke)
            return
        if self._navigate is not None:
            self._navigate = None
            if self.drawing is None:
                self.unsetCursor()
            else:
                self.setCursor(Qt.CursorShape.CrossCursor)
            return
        if self.drawing is None or self._press is None or event.button() != Qt.MouseButton.LeftButton:
            return
        self._press = None
        point = self.image_point(event.position())
        if self.drawing == "polygon":
            if self._lasso:
                self.close_polygon()
            return
        if self._rect is None or point is None:
            return
        start = self._rect[0]
        self._rect = None
        self.update()
        # A click (no drag) is no rectangle: at least one pixel in each direction.
        if abs(point[0] - start[0]) >= 1.0 and abs(point[1] - start[1]) >= 1.0:
            self.rectangle_drawn.emit((start, point))

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        """Close the polygon (its last vertex is where the double-click started)."""
        if self.drawing == "polygon" and event.button() == Qt.MouseButton.LeftButton:
            self._press = None
            point = self.image_point(event.position())
            if point is not None:
                # Normally the press before the double-click added this vertex already (then this is a repeat).
                self._add_vertex(event.position(), point)
            self.close_polygon()
            return
        super().mouseDoubleClickEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:  # noqa: N802 - Qt's name
        """Enter closes the polygon, Esc cancels the shape being drawn; Home fits the slice again."""
        if event.key() == Qt.Key.Key_Home:
            self.reset_view()
            return
        if self.drawing is not None and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            if self.drawing == "polygon":
                self.close_polygon()
            return
        if self.drawing is not None and event.key() == Qt.Key.Key_Escape and (self._points or self._rect):
            self.cancel_drawing()
            return
        super().keyPressEvent(event)

    def _paint_shapes(self, painter: QPainter) -> None:
        """The crop box (projected on this plane), the rectangle being dragged and the polygon being drawn."""
        if self.volume is None:
            return
        painter.setBrush(Qt.BrushStyle.NoBrush)
        if self.drawing == "rectangle" and self.box_world is not None:
            lower, upper = self.box_world
            corners = [
                world_to_screen(self.volume, self.plane, (x, y, z))
                for x in (lower[0], upper[0])
                for y in (lower[1], upper[1])
                for z in (lower[2], upper[2])
            ]
            columns = [c for c, _ in corners]
            rows = [r for _, r in corners]
            top_left = self.widget_point((min(columns), min(rows)))
            bottom_right = self.widget_point((max(columns), max(rows)))
            painter.setPen(QPen(QColor(*_BOX_RGB), 1, Qt.PenStyle.DashLine))
            painter.drawRect(QRectF(top_left, bottom_right))
        pen = QPen(QColor(*_DRAW_RGB), 2)
        if self._rect is not None:
            painter.setPen(pen)
            painter.drawRect(QRectF(self.widget_point(self._rect[0]), self.widget_point(self._rect[1])).normalized())
        self._paint_measurements(painter)
        if self._points and self.drawing in MEASURE_POINTS:
            vertices = [self.widget_point(p) for p in self._points]
            if self._hover is not None:
                vertices.append(self.widget_point(self._hover))
            painter.setPen(QPen(QColor(*_MEASURE_RGB), 2))
            painter.drawPolyline(QPolygonF(vertices))
            painter.setBrush(QBrush(QColor(*_MEASURE_RGB)))
            for vertex in vertices[: len(self._points)]:
                painter.drawEllipse(vertex, 2.5, 2.5)
            return
        if self._points:
            vertices = [self.widget_point(p) for p in self._points]
            if self._hover is not None and self._press is None:
                vertices.append(self.widget_point(self._hover))
            painter.setPen(pen)
            painter.setBrush(QBrush(QColor(*_DRAW_RGB, 50)))
            painter.drawPolygon(QPolygonF(vertices))
            painter.setBrush(QBrush(QColor(*_DRAW_RGB)))
            # Dots on the clicked corners; a lasso's many points only get one, where it started.
            dotted = vertices[:1] if self._lasso else vertices[: len(self._points)]
            for vertex in dotted:
                painter.drawEllipse(vertex, 2.5, 2.5)

    def _paint_outlines(self, painter: QPainter, target: QRectF) -> None:
        """The meshes' outlines: image coordinates mapped onto the drawn image (pixel centres at whole numbers)."""
        if not self.outlines or self._image is None:
            return
        sx, sy = target.width() / self._image.width(), target.height() / self._image.height()
        painter.save()
        painter.setClipRect(target)
        painter.setTransform(QTransform(sx, 0.0, 0.0, sy, target.left() + 0.5 * sx, target.top() + 0.5 * sy))
        for name, lines in self.outlines.items():
            pen = QPen(QColor(*OUTLINE_RGB.get(name, (255, 255, 255))), 1.5)
            pen.setCosmetic(True)  # the width in screen pixels, at any zoom
            painter.setPen(pen)
            painter.drawLines(lines)
        painter.restore()

    def set_brush(self, radius_mm: float | None) -> None:
        """Show the brush of ``radius_mm`` under the cursor and paint strokes with it (None: no brush)."""
        self.brush_mm = radius_mm
        self._stroke = None
        if radius_mm is None:
            self._brush_at = None
        self.update()

    def _paint_brush(self, painter: QPainter, target: QRectF) -> None:
        """The brush's outline under the cursor, and the stroke being dragged at the brush's width."""
        if self.brush_mm is None or self.volume is None or self._image is None:
            return
        mm_per_px = pixel_size_mm(self.volume, self.plane)[0] * self._image.width() / target.width()
        radius_px = self.brush_mm / mm_per_px
        colour = QColor(255, 200, 0)
        if self._stroke:
            pen = QPen(QColor(255, 200, 0, 110), 2 * radius_px)
            pen.setCapStyle(Qt.PenCapStyle.RoundCap)
            pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
            painter.setPen(pen)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            points = [self.widget_point(p) for p in self._stroke]
            painter.drawPolyline(QPolygonF(points if len(points) > 1 else [points[0], points[0]]))
        if self._brush_at is not None:
            painter.setPen(QPen(colour, 1))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawEllipse(self._brush_at, radius_px, radius_px)

    def leave_brush(self) -> None:
        """The cursor left: no brush outline."""
        self._brush_at = None
        self.update()

    def _paint_measurements(self, painter: QPainter) -> None:
        """The recorded measurements of this slice: their lines, end points and values."""
        if not self.measurements:
            return
        colour = QColor(*_MEASURE_RGB)
        for points, label in self.measurements:
            vertices = [self.widget_point(p) for p in points]
            painter.setPen(QPen(colour, 2))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawPolyline(QPolygonF(vertices))
            painter.setBrush(QBrush(colour))
            for vertex in vertices:
                painter.drawEllipse(vertex, 2.0, 2.0)
            anchor = vertices[1] if len(vertices) == 3 else vertices[-1]  # an angle's value at its vertex
            box = painter.boundingRect(QRectF(anchor + QPointF(6.0, -22.0), QSizeF(0.0, 0.0)), 0, label)
            painter.fillRect(box.adjusted(-2.0, -1.0, 2.0, 1.0), QColor(0, 0, 0, 170))  # readable on bone and mask
            painter.setPen(colour)
            painter.drawText(box, label)

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        """Step through the slices; with Ctrl held, zoom about the point under the cursor."""
        steps = event.angleDelta().y() // 120
        if not steps:
            return
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom_at(event.position(), ZOOM_STEP ** int(steps))
            return
        self.stepped.emit(int(steps))

    def leaveEvent(self, event: QEvent) -> None:  # noqa: N802 - Qt's name
        """The cursor left the view: no value under it, no brush outline."""
        self.hovered.emit(None)
        if self._brush_at is not None:
            self.leave_brush()
        super().leaveEvent(event)


class SliceViewsPanel(QWidget):
    """The three slice views with a shared crosshair and the window/level presets.

    Signals ``picked(voxel, plane, button)`` for the click tools (paint, erase), ``polygon_drawn(plane, polygon)``
    for the scissors (an ``(m, 3)`` array of LPS mm at the view's slice), ``rectangle_drawn(plane, corners)`` for
    the crop box (the rectangle's four corners, ``(4, 3)`` LPS mm) and ``crosshair_changed(voxel)``.
    """

    picked = Signal(object, str, object)
    polygon_drawn = Signal(str, object)
    rectangle_drawn = Signal(str, object)
    crosshair_changed = Signal(object)
    #: A measurement placed: its kind (``distance``, ``angle``), the plane, the slice index and the points, an
    #: ``(n, 3)`` array of LPS mm.
    measure_drawn = Signal(str, str, int, object)
    #: A measuring tool was chosen: the editing tools give way (the Segment step unchecks its buttons).
    measuring_started = Signal()
    #: A brush stroke on a view: the plane and the points the brush went through, ``(n, 3)`` LPS mm at the slice.
    stroke_drawn = Signal(str, object)

    #: How each tool uses the views: clicks (reported by ``picked``) or a shape drawn on them.
    TOOL_DRAWING: ClassVar[Mapping[str, Drawing | None]] = MappingProxyType(
        {"paint": None, "erase": None, "scissors": "polygon", "crop": "rectangle"}
    )

    def __init__(self, parent: QWidget | None = None) -> None:  # noqa: PLR0915 - the views and tools wired in one place
        super().__init__(parent)
        self.views = {plane: SliceView(plane, self) for plane in PLANES}
        self.volume: Volume | None = None
        self.crosshair: Voxel = (0, 0, 0)
        self.tool: str | None = None  # "paint", "erase", "scissors", "crop" or None (clicks move the crosshair)
        self.measuring: str | None = None  # "ruler", "angle" or None: a measuring tool takes precedence over tool
        self.measurements: list[tuple[str, int, str, npt.NDArray[np.float64]]] = []  # plane, slice, label, points
        # The meshes outlined on the slices, as (name, vertices, faces), and the worker that cuts them.
        self.outline_meshes: tuple[tuple[str, object, object], ...] = ()
        self.outline_worker = TaskWorker("outlines", self)
        buttons = QHBoxLayout()
        self.preset_buttons: dict[str, QPushButton] = {}
        titles = {
            "bone": (self.tr("Bone"), self.tr("Bone window: W 1800, L 400 HU"), "Ctrl+1"),
            "soft_tissue": (self.tr("Soft tissue"), self.tr("Soft-tissue window: W 400, L 40 HU"), "Ctrl+2"),
            "brain": (self.tr("Brain"), self.tr("Brain window: W 80, L 40 HU"), "Ctrl+3"),
        }
        self.window_label = QLabel(self.tr("Window:"), self)
        buttons.addWidget(self.window_label)
        for name, (title, tip, keys) in titles.items():
            button = QPushButton(title, self)
            button.setToolTip(f"{tip} ({keys})")
            button.setShortcut(QKeySequence(keys))
            button.setCheckable(True)
            button.clicked.connect(lambda _checked=False, n=name: self.set_window_preset(n))
            self.preset_buttons[name] = button
            buttons.addWidget(button)
        buttons.addSpacing(12)
        self.measure_buttons: dict[str, QPushButton] = {}
        for name, title, tip, keys in (
            ("ruler", self.tr("Ruler"), self.tr("Measure a distance: click two points on a slice"), "D"),
            ("angle", self.tr("Angle"), self.tr("Measure an angle: click three points, the vertex second"), "A"),
        ):
            button = QPushButton(title, self)
            button.setToolTip(f"{tip} ({keys})")
            button.setShortcut(QKeySequence(keys))
            button.setCheckable(True)
            button.toggled.connect(lambda checked, n=name: self._on_measure_toggled(n, checked))
            self.measure_buttons[name] = button
            buttons.addWidget(button)
        self.outline_button = QPushButton(self.tr("Outlines"), self)
        self.outline_button.setCheckable(True)
        self.outline_button.setChecked(True)
        self.outline_button.setShortcut(QKeySequence("O"))
        self.outline_button.setToolTip(
            self.tr("Show where the anatomy (white) and the design (magenta) cross each slice (O)")
        )
        self.outline_button.toggled.connect(self._request_outlines)
        buttons.addWidget(self.outline_button)
        buttons.addStretch(1)
        # Elided, not widening the window: the toolbar's buttons come first.
        self.value_label = ElidedLabel(self)
        self.value_label.setToolTip(self.tr("The value under the cursor (HU for CT) and its voxel"))
        buttons.addWidget(self.value_label)
        buttons.addSpacing(16)
        self.position_label = ElidedLabel(self)
        buttons.addWidget(self.position_label)
        grid = QGridLayout()
        grid.setSpacing(2)
        grid.addWidget(self.views["axial"], 0, 0)
        grid.addWidget(self.views["coronal"], 0, 1)
        grid.addWidget(self.views["sagittal"], 1, 0)
        self.grid = grid
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(buttons)
        layout.addLayout(grid, 1)
        for view in self.views.values():
            view.picked.connect(lambda voxel, button, v=view: self._on_view_picked(v, voxel, button))
            view.stepped.connect(lambda steps, v=view: self._on_view_stepped(v, steps))
            view.polygon_closed.connect(lambda points, v=view: self._on_polygon_closed(v, points))
            view.rectangle_drawn.connect(lambda corners, v=view: self._on_rectangle_drawn(v, corners))
            view.window_dragged.connect(self.set_window)
            view.hovered.connect(self._on_view_hovered)
            view.measured.connect(lambda drawing, points, v=view: self._on_view_measured(v, drawing, points))
            view.stroked.connect(lambda points, v=view: self._on_view_stroked(v, points))
        self.set_window_preset("bone")

    def set_review_layout(self, on: bool) -> None:
        """Show only the 3D view (in the grid's free cell, which then fills the panel) for the review, or all views."""
        for view in self.views.values():
            view.setVisible(not on)
        # Back from the review, four equal cells: by their size hints alone the grid kept the 3D view's cell as
        # large as in the review and squeezed the axial and sagittal views. In the review, no stretch, so that the
        # 3D view's cell takes the whole grid (a stretched row or column keeps its room with nothing in it).
        for index in (0, 1):
            self.grid.setRowStretch(index, 0 if on else 1)
            self.grid.setColumnStretch(index, 0 if on else 1)
        for button in (*self.preset_buttons.values(), *self.measure_buttons.values(), self.outline_button):
            button.setVisible(not on)
        self.window_label.setVisible(not on)
        self.position_label.setVisible(not on)
        self.value_label.setVisible(not on)

    def set_window_preset(self, name: str) -> None:
        """Apply a window/level preset (``bone``, ``soft_tissue``, ``brain``) to the three views."""
        preset = WINDOW_PRESETS[name]
        for key, button in self.preset_buttons.items():
            button.setChecked(key == name)
        for view in self.views.values():
            view.window_hu, view.level_hu = preset.window, preset.level
            view.update()

    def set_window(self, window: float, level: float) -> None:
        """Show the three views at ``window`` and ``level`` (HU); the presets show unchecked unless one matches."""
        for key, button in self.preset_buttons.items():
            preset = WINDOW_PRESETS[key]
            button.setChecked((preset.window, preset.level) == (window, level))
        for view in self.views.values():
            view.window_hu, view.level_hu = window, level
            view.update()

    def _on_view_hovered(self, voxel: Voxel | None) -> None:
        volume = self.volume
        value = None if voxel is None or volume is None else voxel_value(volume, voxel)
        if voxel is None or value is None or volume is None:
            self.value_label.setText("")
            return
        at = str(tuple(int(i) for i in voxel))
        if volume.meta("dvw.modality") == "CT":  # Hounsfield units only where the import says CT
            self.value_label.setText(self.tr("%1 HU at %2").replace("%1", f"{value:.0f}").replace("%2", at))
        else:  # MR and volumes of unknown origin: the value as stored, without a unit
            self.value_label.setText(self.tr("Value %1 at %2").replace("%1", f"{value:.6g}").replace("%2", at))

    def set_volume(self, volume: Volume | None) -> None:
        """Show ``volume`` (None clears the views); the crosshair goes to its centre."""
        self.volume = volume
        self.value_label.setText("")
        for view in self.views.values():
            view.volume = volume
            view.mask_volume = None
            view.preview = None
            view.zoom, view.pan = 1.0, QPointF()
        if volume is not None:
            nx, ny, nz = volume.size
            self.set_crosshair((nx // 2, ny // 2, nz // 2))
        else:
            self.position_label.setText("")
            self._request_outlines()  # none without a volume
            self._update_views()

    def set_mask(self, mask: Volume | None) -> None:
        """Overlay ``mask`` (same geometry as the volume) or remove the overlay."""
        for view in self.views.values():
            view.mask_volume = mask
        self._update_views()

    def set_preview(self, threshold: tuple[float, float | None] | None) -> None:
        """Show the live threshold preview (lower, upper HU; upper None for open) instead of the mask, or stop."""
        for view in self.views.values():
            view.preview = threshold
        self._update_views()

    def set_crosshair(self, voxel: Voxel) -> None:
        """Move the crosshair (and the three slices) to ``voxel`` (x, y, z)."""
        if self.volume is None:
            return
        nx, ny, nz = self.volume.size
        x, y, z = voxel
        self.crosshair = (min(max(x, 0), nx - 1), min(max(y, 0), ny - 1), min(max(z, 0), nz - 1))
        for view in self.views.values():
            view.crosshair = self.crosshair
        world = self.volume.index_to_world(self.crosshair)
        self.position_label.setText(
            self.tr("voxel %1  LPS (%2, %3, %4) mm")
            .replace("%1", str(self.crosshair))
            .replace("%2", f"{world[0]:.1f}")
            .replace("%3", f"{world[1]:.1f}")
            .replace("%4", f"{world[2]:.1f}")
        )
        self._place_measurements()
        self._request_outlines()
        self.crosshair_changed.emit(self.crosshair)

    def _update_views(self) -> None:
        for view in self.views.values():
            view.update()

    def set_tool(self, tool: str | None) -> None:
        """Select the editing tool (one of :attr:`TOOL_DRAWING`'s keys) or None for crosshair clicks.

        An editing tool ends measuring.
        """
        self.tool = tool
        if tool is not None:
            self.set_measuring(None)
        self._apply_drawing()

    def set_measuring(self, measuring: str | None) -> None:
        """Choose the ruler or the angle tool (or None); while one is chosen, clicks on the slices measure."""
        for name, button in self.measure_buttons.items():
            if button.isChecked() != (name == measuring):
                button.blockSignals(True)  # no echo: the state is set here
                button.setChecked(name == measuring)
                button.blockSignals(False)
        if measuring == self.measuring:
            return
        self.measuring = measuring
        if measuring is not None:
            self.measuring_started.emit()
        self._apply_drawing()

    def _on_measure_toggled(self, name: str, checked: bool) -> None:
        self.set_measuring(name if checked else None)

    def _apply_drawing(self) -> None:
        drawing: Drawing | None = None
        if self.measuring is not None:
            drawing = "ruler" if self.measuring == "ruler" else "angle"
        elif self.tool is not None:
            drawing = self.TOOL_DRAWING[self.tool]
        for view in self.views.values():
            if view.drawing != drawing:
                view.set_drawing(drawing)

    def _on_view_measured(self, view: SliceView, drawing: str, points: list[ImagePoint]) -> None:
        if self.volume is not None:
            self.measure_drawn.emit(MEASURE_KINDS[drawing], view.plane, view.index, self._to_world(view, points))

    def set_brush(self, radius_mm: float | None) -> None:
        """Paint and erase as brush strokes of ``radius_mm`` on the views (None: clicks as usual)."""
        for view in self.views.values():
            view.set_brush(radius_mm)

    def _on_view_stroked(self, view: SliceView, points: list[ImagePoint]) -> None:
        if self.volume is not None and points:
            self.stroke_drawn.emit(view.plane, self._to_world(view, points))

    def set_outline_meshes(self, meshes: tuple[tuple[str, object, object], ...]) -> None:
        """The meshes to outline on the slices: (name, ``(n, 3)`` LPS vertices, ``(m, 3)`` faces) each."""
        self.outline_meshes = meshes
        self._request_outlines()

    def _request_outlines(self, _checked: bool = False) -> None:
        """Cut the meshes by the three slices through the crosshair, in the background (an older cut is dropped)."""
        volume = self.volume
        if volume is None or not self.outline_meshes or not self.outline_button.isChecked():
            # A cut still running is left to finish (cancelling would report it): its result is not shown.
            for view in self.views.values():
                view.outlines = {}
                view.update()
            return
        centre = volume.index_to_world(self.crosshair)
        origin = (float(centre[0]), float(centre[1]), float(centre[2]))
        planes = []
        for plane in PLANES:
            normal = plane_normal(volume, plane)
            planes.append((plane, origin, (float(normal[0]), float(normal[1]), float(normal[2]))))
        request = OutlineRequest(self.outline_meshes, tuple(planes))
        self.outline_worker.start(partial(outlines, request), on_done=partial(self._on_outlines, volume))

    def _on_outlines(self, volume: Volume, found: object) -> None:
        if volume is not self.volume or not isinstance(found, dict):
            return
        if not self.outline_meshes or not self.outline_button.isChecked():
            return  # the meshes went, or the outlines were hidden, while this cut ran
        for plane, view in self.views.items():
            cut: dict[str, Segments] = found.get(plane, {})
            shown: dict[str, list[QLineF]] = {}
            for name, segments in cut.items():
                ends = world_to_screen_many(volume, plane, segments)  # (k, 2, 2) image points
                shown[name] = [QLineF(a[0], a[1], b[0], b[1]) for a, b in ends.tolist()]
            view.outlines = shown
            view.update()

    def set_measurements(self, measurements: list[tuple[str, int, str, npt.NDArray[np.float64]]]) -> None:
        """The measurements to draw: (plane, slice index, label, ``(n, 3)`` LPS mm points) each."""
        self.measurements = list(measurements)
        self._place_measurements()

    def _place_measurements(self) -> None:
        """Give each view the measurements of the slice it shows, in its image coordinates."""
        for view in self.views.values():
            shown: list[tuple[list[ImagePoint], str]] = []
            if self.volume is not None:
                for plane, index, label, points in self.measurements:
                    if plane == view.plane and index == view.index:
                        shown.append(([world_to_screen(self.volume, plane, p) for p in points], label))
            view.measurements = shown
            view.update()

    def set_crop_box(self, box: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]] | None) -> None:
        """Show the crop box (lower and upper LPS corners, mm) on the views while the crop tool is active."""
        for view in self.views.values():
            view.box_world = box
            view.update()

    def _to_world(self, view: SliceView, points: list[ImagePoint]) -> npt.NDArray[np.float64]:
        assert self.volume is not None
        return np.array([screen_to_world(self.volume, view.plane, view.index, c, r) for c, r in points])

    def _on_polygon_closed(self, view: SliceView, points: list[ImagePoint]) -> None:
        if self.volume is not None:
            self.polygon_drawn.emit(view.plane, self._to_world(view, points))

    def _on_rectangle_drawn(self, view: SliceView, corners: tuple[ImagePoint, ImagePoint]) -> None:
        if self.volume is not None:
            (c0, r0), (c1, r1) = corners
            self.rectangle_drawn.emit(view.plane, self._to_world(view, [(c0, r0), (c1, r0), (c1, r1), (c0, r1)]))

    def _on_view_picked(self, view: SliceView, voxel: Voxel, button: object) -> None:
        if self.tool is not None:
            self.picked.emit(voxel, view.plane, button)
            return
        self.set_crosshair(voxel)

    def _on_view_stepped(self, view: SliceView, steps: int) -> None:
        axis = plane_index_axis(view.plane)
        moved = list(self.crosshair)
        moved[axis] += steps
        self.set_crosshair((moved[0], moved[1], moved[2]))
