"""Axial, coronal and sagittal slice views with window/level presets, a linked crosshair, labels and a scale bar.

Each :class:`SliceView` draws one plane of the volume (numpy slice -> ``QImage``) at its physical aspect ratio,
with the mask (or the live threshold preview) as a translucent overlay, the crosshair, the patient-direction
letters at its edges and a scale bar. :class:`SliceViewsPanel` holds the three views, the shared crosshair (one
voxel; clicking a view moves it, the mouse wheel steps the slice) and the window/level presets.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QKeySequence, QMouseEvent, QPainter, QPaintEvent, QPen, QWheelEvent
from PySide6.QtWidgets import QGridLayout, QHBoxLayout, QLabel, QPushButton, QSizePolicy, QVBoxLayout, QWidget

from app.gui.slicing import (
    PLANES,
    WINDOW_PRESETS,
    Plane,
    index_to_screen,
    orientation_labels,
    pixel_size_mm,
    plane_image,
    plane_index_axis,
    scale_bar_mm,
    screen_to_index,
    threshold_preview,
    window_to_uint8,
)
from imaging.volume import Volume

Voxel = tuple[int, int, int]
_OVERLAY_RGBA = (255, 200, 0, 110)  # mask: translucent amber, visible on bone and soft tissue windows
_PREVIEW_RGBA = (0, 220, 120, 110)  # live threshold preview: translucent green


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

    Parameters
    ----------
    plane
        ``axial``, ``coronal`` or ``sagittal``.
    """

    picked = Signal(object, object)  # voxel (x, y, z), the mouse button
    stepped = Signal(int)

    def __init__(self, plane: Plane, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plane = plane
        self.setObjectName(f"{plane}SliceView")
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMouseTracking(False)
        self.volume: Volume | None = None
        self.mask_volume: Volume | None = None
        self.preview: tuple[float, float | None] | None = None
        self.crosshair: Voxel = (0, 0, 0)
        self.window_hu, self.level_hu = WINDOW_PRESETS["bone"].window, WINDOW_PRESETS["bone"].level
        self._image: QImage | None = None
        self._image_key: tuple[object, ...] | None = None
        self.setToolTip(self.tr("Click to move the crosshair; scroll to step through the slices"))

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
        """Where the image is drawn: centred, at the physical aspect ratio, as large as fits."""
        if self.volume is None or self._image is None:
            return QRectF()
        pw, ph = pixel_size_mm(self.volume, self.plane)
        width_mm, height_mm = self._image.width() * pw, self._image.height() * ph
        scale = min(self.width() / width_mm, self.height() / height_mm)
        w, h = width_mm * scale, height_mm * scale
        return QRectF((self.width() - w) / 2, (self.height() - h) / 2, w, h)

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
        # Orientation letters and the plane's title and slice number.
        labels = orientation_labels(self.volume, self.plane)
        painter.setPen(QColor("#ffd54f"))
        font = painter.font()
        font.setBold(True)
        painter.setFont(font)
        margin = 4.0
        r = QRectF(self.rect()).adjusted(margin, margin, -margin, -margin)
        painter.drawText(r, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, labels["left"])
        painter.drawText(r, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, labels["right"])
        painter.drawText(r, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, labels["top"])
        painter.drawText(r, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, labels["bottom"])
        painter.setPen(QColor("#e0e0e0"))
        painter.drawText(
            r,
            Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop,
            f"{self.title()}  {self.index + 1}/{self.slice_count()}",
        )
        painter.drawText(
            r,
            Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop,
            f"W {self.window_hu:g}  L {self.level_hu:g}",
        )
        # Scale bar, bottom left: a round length in mm.
        mm_per_pixel = pixel_size_mm(self.volume, self.plane)[0] / sx
        length_mm = scale_bar_mm(mm_per_pixel, target.width() / 4)
        if length_mm > 0:
            bar = length_mm / mm_per_pixel
            y0 = r.bottom() - 6
            painter.setPen(QPen(QColor("#e0e0e0"), 2))
            painter.drawLine(QPointF(r.left() + 4, y0), QPointF(r.left() + 4 + bar, y0))
            painter.drawText(QPointF(r.left() + 4, y0 - 5), f"{length_mm:g} mm")
        painter.end()

    def voxel_at(self, position: QPointF) -> Voxel | None:
        """The voxel (x, y, z) under a widget position, or None outside the image."""
        if self.volume is None or self._image is None:
            return None
        target = self._target()
        if not target.contains(position):
            return None
        column = (position.x() - target.left()) / target.width() * self._image.width() - 0.5
        row = (position.y() - target.top()) / target.height() * self._image.height() - 0.5
        return screen_to_index(self.volume, self.plane, self.index, column, row)

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802 - Qt's name
        """Report the voxel under the click."""
        voxel = self.voxel_at(event.position())
        if voxel is not None:
            self.picked.emit(voxel, event.button())

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802 - Qt's name
        """Step through the slices."""
        steps = event.angleDelta().y() // 120
        if steps:
            self.stepped.emit(int(steps))


class SliceViewsPanel(QWidget):
    """The three slice views with a shared crosshair and the window/level presets.

    Signals ``picked(voxel, plane, button)`` for tools (paint, erase) and ``crosshair_changed(voxel)``.
    """

    picked = Signal(object, str, object)
    crosshair_changed = Signal(object)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.views = {plane: SliceView(plane, self) for plane in PLANES}
        self.volume: Volume | None = None
        self.crosshair: Voxel = (0, 0, 0)
        self.tool: str | None = None  # "paint", "erase" or None (clicks move the crosshair)
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
        buttons.addStretch(1)
        self.position_label = QLabel(self)
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
        self.set_window_preset("bone")

    def set_review_layout(self, on: bool) -> None:
        """Show only the 3D view (in the grid's free cell, which then fills the panel) for the review, or all views."""
        for view in self.views.values():
            view.setVisible(not on)
        for button in self.preset_buttons.values():
            button.setVisible(not on)
        self.window_label.setVisible(not on)
        self.position_label.setVisible(not on)

    def set_window_preset(self, name: str) -> None:
        """Apply a window/level preset (``bone``, ``soft_tissue``, ``brain``) to the three views."""
        preset = WINDOW_PRESETS[name]
        for key, button in self.preset_buttons.items():
            button.setChecked(key == name)
        for view in self.views.values():
            view.window_hu, view.level_hu = preset.window, preset.level
            view.update()

    def set_volume(self, volume: Volume | None) -> None:
        """Show ``volume`` (None clears the views); the crosshair goes to its centre."""
        self.volume = volume
        for view in self.views.values():
            view.volume = volume
            view.mask_volume = None
            view.preview = None
        if volume is not None:
            nx, ny, nz = volume.size
            self.set_crosshair((nx // 2, ny // 2, nz // 2))
        else:
            self.position_label.setText("")
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
        self._update_views()
        self.crosshair_changed.emit(self.crosshair)

    def _update_views(self) -> None:
        for view in self.views.values():
            view.update()

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
