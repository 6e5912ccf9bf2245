"""Real anatomy with a cut defect, and cranial plates built on its intact bone with a known gap and wall.

The construction is independent of what it tests (:mod:`validation.fit`): rays and distances here go through VTK's
cell locator and ``vtkImplicitPolyDataDistance`` on the *intact* bone mesh, never through DVW's fit code.

- **Anatomy.** A CT (the real skull phantom resampled to 0.9 x 0.9 x 1 mm, or the sample case), segmented with the
  bone preset and meshed as ``dvw run`` meshes bone (:func:`geometry.mesh.mesh_from_mask`, no reduction): the
  *intact* bone mesh. The same CT with a full-thickness cylindrical defect cut into it (soft tissue inside the
  cylinder, a one-voxel partial-volume ramp at its wall, as a scanner sees a craniectomy), segmented and meshed the
  same way, is the anatomy DVW measures.
- **Site.** A point on the intact outer surface and a frame ``(e1, e2, n)`` whose ``n`` is the mean outward normal
  within 12 mm.
- **Plate.** The intact outer surface under the site as heights along ``n`` over the tangent plane (rays along
  ``-n``, 0.5 mm grid), smoothed by a Gaussian (2 mm): the seat's base surface ``S``, with its exact normals ``N``.
  The plate's inner surface is ``S + (lift + gap) N``, its outer surface ``S + (lift + gap + wall) N``, and a band
  along ``N`` closes the two at a circle of ``radius`` around the site (``band_rows`` rows of triangles: 1, or more
  to remesh it). ``lift`` makes the base rest on the intact bone: the smallest distance from the base to the intact
  bone over the seat ring (a dense sample: corners, centroids and edge midpoints) is 0, so a plate at ``gap`` has
  its closest point exactly ``gap`` from the intact bone there, and a plate sunk by ``d`` penetrates exactly ``d``.
  Offsets along the exact normals of a smooth surface are parallel surfaces: the wall is ``wall`` everywhere.
- **Bone-following plate** (the issue's construction): the inner surface on the raw intact bone (no smoothing) plus
  ``gap`` along smoothed normals, the outer surface ``wall`` further; its true wall is the distance between its two
  surfaces, less than ``wall`` where the bone ripples.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt
from scipy.interpolate import RegularGridInterpolator
from scipy.ndimage import gaussian_filter, map_coordinates
from vtkmodules.util.numpy_support import vtk_to_numpy
from vtkmodules.vtkCommonCore import vtkIdList, vtkPoints
from vtkmodules.vtkCommonDataModel import vtkStaticCellLocator

from geometry.distance import signed_distances
from geometry.mesh import Mesh, mesh_from_mask
from imaging.sample_case import SAMPLE_CASE, SampleCase, make_head_ct
from imaging.segment import SegmentParams, segment
from imaging.volume import Volume

FloatArray = npt.NDArray[np.float64]
BONE = SegmentParams.from_preset("bone", keep_largest=1)


def first_hits(mesh: Mesh, origins: FloatArray, directions: FloatArray, length: float) -> FloatArray:
    """Distance along each unit ray to its first triangle of ``mesh`` within ``length`` (NaN for none), with VTK."""
    locator = vtkStaticCellLocator()
    locator.SetDataSet(mesh.to_polydata())
    locator.BuildLocator()
    points, cells = vtkPoints(), vtkIdList()
    out = np.full(len(origins), np.nan)
    for index, (start, direction) in enumerate(zip(origins, directions, strict=True)):
        locator.IntersectWithLine(start, start + length * direction, 0.0, points, cells)
        if points.GetNumberOfPoints():
            hits = vtk_to_numpy(points.GetData()).reshape(-1, 3)
            out[index] = float(((hits - start) @ direction).min())
    return out


def bone_mesh(volume: Volume) -> tuple[Volume, Mesh]:
    """The bone mask of a CT (bone preset, largest component) and its mesh, as ``dvw run`` makes them (unreduced)."""
    mask = segment(volume, BONE).mask
    return mask, mesh_from_mask(mask).mesh


def resample_phantom(volume: Volume) -> Volume:
    """The skull phantom (0.45 x 0.45 x 5 mm) at 0.9 x 0.9 x 1 mm: 2 x 2 pixel means, linear between slices."""
    hu = volume.voxels.astype(np.float32)
    nz, ny, nx = hu.shape
    binned = hu[:, : ny // 2 * 2, : nx // 2 * 2].reshape(nz, ny // 2, 2, nx // 2, 2).mean(axis=(2, 4))
    sx, sy, sz = volume.spacing
    z = np.arange(0.0, (nz - 1) * sz + 1e-6, 1.0) / sz
    k, j, i = np.meshgrid(z, np.arange(ny // 2), np.arange(nx // 2), indexing="ij")
    resampled = map_coordinates(binned, [k, j, i], order=1)
    # The centre of a 2 x 2 block is half a pixel beyond the first pixel's centre, along x and y.
    origin = volume.index_to_world([[0.5, 0.5, 0.0]])[0]
    return Volume(
        np.rint(resampled).astype(np.int16),
        (2 * sx, 2 * sy, 1.0),
        (float(origin[0]), float(origin[1]), float(origin[2])),
        volume.direction,
    )


def intact_sample_ct(case: SampleCase = SAMPLE_CASE) -> Volume:
    """The sample head CT without its defect (the same skull, whole)."""
    return make_head_ct(replace(case, defect_radius_mm=-10.0, defect_irregularity_mm=0.0))


@dataclass(frozen=True)
class Frame:
    """A site: a point on the intact outer surface and a right-handed frame (e1, e2, normal), normal outward."""

    point: FloatArray
    e1: FloatArray
    e2: FloatArray
    normal: FloatArray


def site_frame(mesh: Mesh, near: npt.ArrayLike, outward: npt.ArrayLike, radius: float = 12.0) -> Frame:
    """The outer-surface point under ``near`` (seen from outside along ``outward``) and the mean normal around it."""
    direction = np.asarray(outward, dtype=np.float64)
    direction /= np.linalg.norm(direction)
    point = np.asarray(near, dtype=np.float64)
    a, b, c = (mesh.vertices[mesh.faces[:, k]] for k in range(3))
    cross = np.cross(b - a, c - a)
    centroid = (a + b + c) / 3
    for _ in range(3):
        start = point + 80.0 * direction
        t = first_hits(mesh, start[np.newaxis], -direction[np.newaxis], 160.0)[0]
        point = start - t * direction
        around = (np.linalg.norm(centroid - point, axis=1) < radius) & (cross @ direction > 0)
        normal = cross[around].sum(axis=0)
        direction = normal / np.linalg.norm(normal)
    helper = np.array([0.0, 0.0, 1.0]) if abs(direction[2]) < 0.9 else np.array([1.0, 0.0, 0.0])
    e1 = np.cross(helper, direction)
    e1 /= np.linalg.norm(e1)
    return Frame(point, e1, np.cross(direction, e1), direction)


@dataclass(frozen=True)
class HeightField:
    """The intact outer surface over a site's tangent plane: heights (mm along ``normal``) on a square grid."""

    frame: Frame
    axis_mm: FloatArray
    raw: FloatArray
    smooth: FloatArray

    def at(self, uv: FloatArray, *, smooth: bool = True) -> tuple[FloatArray, FloatArray]:
        """Surface points (LPS mm) over tangent-plane points ``uv`` and their unit normals (of the smoothed field)."""
        grid = (self.axis_mm, self.axis_mm)
        step = float(self.axis_mm[1] - self.axis_mm[0])
        du, dv = np.gradient(self.smooth, step)
        method = "cubic"
        h = RegularGridInterpolator(grid, self.smooth if smooth else self.raw, method=method if smooth else "linear")(
            uv
        )
        gu = RegularGridInterpolator(grid, du, method=method)(uv)
        gv = RegularGridInterpolator(grid, dv, method=method)(uv)
        f = self.frame
        points = f.point + uv[:, :1] * f.e1 + uv[:, 1:] * f.e2 + h[:, np.newaxis] * f.normal
        normals = f.normal - gu[:, np.newaxis] * f.e1 - gv[:, np.newaxis] * f.e2
        return points, normals / np.linalg.norm(normals, axis=1, keepdims=True)


def height_field(mesh: Mesh, frame: Frame, radius: float, step: float = 0.5, sigma_mm: float = 2.0) -> HeightField:
    """The intact outer surface within ``radius`` + 3 mm of the site (every ray within ``radius`` + 1 mm must hit)."""
    half = radius + 3.0
    axis = np.arange(-half, half + step / 2, step)
    u, v = np.meshgrid(axis, axis, indexing="ij")
    starts = frame.point + u.reshape(-1, 1) * frame.e1 + v.reshape(-1, 1) * frame.e2 + 40.0 * frame.normal
    t = first_hits(mesh, starts, np.broadcast_to(-frame.normal, starts.shape), 80.0)
    raw = (40.0 - t).reshape(u.shape)
    needed = u * u + v * v <= (radius + 1.0) ** 2
    if np.isnan(raw[needed]).any():
        raise ValueError(f"the bone under the site has {int(np.isnan(raw[needed]).sum())} holes")
    raw = np.where(np.isnan(raw), np.nanmean(raw[needed]), raw)
    return HeightField(frame, axis, raw, gaussian_filter(raw, sigma_mm / step, mode="nearest"))


@dataclass(frozen=True)
class Plate:
    """A plate made by :func:`build_plate`: its mesh and its construction."""

    mesh: Mesh
    inner: FloatArray  # inner-surface vertices (apex, then rings x sectors)
    normals: FloatArray  # the offset direction at each
    rho: FloatArray  # distance of each from the site's axis in the tangent plane (mm)
    rings: int
    sectors: int
    radius: float
    lift: float


def _polar(radius: float, rings: int, sectors: int) -> tuple[FloatArray, FloatArray]:
    rho = np.concatenate([[0.0], np.repeat(np.arange(1, rings + 1) * radius / rings, sectors)])
    phi = np.concatenate([[0.0], np.tile(np.arange(sectors) * 2 * math.pi / sectors, rings)])
    return np.column_stack([rho * np.cos(phi), rho * np.sin(phi)]), rho


def _cap_faces(rings: int, sectors: int) -> npt.NDArray[np.int64]:
    """Triangles of a polar cap (apex, rings x sectors), counter-clockwise seen from +normal."""
    j = np.arange(sectors, dtype=np.int64)

    def ring(k: int, jj: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        return 1 + k * sectors + (jj % sectors)

    faces = [np.column_stack([np.zeros_like(j), ring(0, j), ring(0, j + 1)])]
    for k in range(rings - 1):
        a, b, c, d = ring(k, j), ring(k, j + 1), ring(k + 1, j + 1), ring(k + 1, j)
        faces += [np.column_stack([a, d, c]), np.column_stack([a, c, b])]
    return np.vstack(faces)


def _close(inner: FloatArray, normals: FloatArray, outer: FloatArray, rings: int, sectors: int, rows: int) -> Mesh:
    """A closed plate from its two surfaces (same polar layout): ``rows`` rows of band triangles along the normals."""
    n = len(inner)
    top = _cap_faces(rings, sectors)
    j = np.arange(sectors, dtype=np.int64)
    last = 1 + (rings - 1) * sectors + j
    vertices = [inner, outer]
    levels = [last]
    extra = 2 * n
    wall = np.linalg.norm(outer[last] - inner[last], axis=1, keepdims=True)
    for r in range(1, rows):
        vertices.append(inner[last] + (r / rows) * wall * normals[last])
        levels.append(extra + j)
        extra += sectors
    levels.append(last + n)
    band = []
    for r in range(len(levels) - 1):
        low, high = levels[r], levels[r + 1]
        low_next, high_next = low[(j + 1) % sectors], high[(j + 1) % sectors]
        if r % 2 == 0:  # alternate the diagonals from row to row: a different triangulation of the same band
            band += [np.column_stack([low, low_next, high_next]), np.column_stack([low, high_next, high])]
        else:
            band += [np.column_stack([low, low_next, high]), np.column_stack([low_next, high_next, high])]
    mesh = Mesh(np.vstack(vertices), np.vstack([top + n, top[:, ::-1], *band]))
    a, b, c = (mesh.vertices[mesh.faces[:, k]] for k in range(3))
    centre = mesh.vertices.mean(axis=0)
    if float(np.einsum("ij,ij->i", a - centre, np.cross(b - centre, c - centre)).sum()) < 0:
        mesh = mesh.flipped()
    return mesh


def _dense(points: FloatArray, faces: npt.NDArray[np.int64]) -> FloatArray:
    """Corners, centroids and edge midpoints of the triangles ``faces`` over ``points``."""
    a, b, c = (points[faces[:, k]] for k in range(3))
    return np.vstack([points[np.unique(faces)], (a + b + c) / 3, (a + b) / 2, (b + c) / 2, (c + a) / 2])


def near_part(mesh: Mesh, centre: FloatArray, radius: float) -> Mesh:
    """The triangles of ``mesh`` with a corner within ``radius`` of ``centre`` (distances near it are unchanged)."""
    close = np.linalg.norm(mesh.vertices - centre, axis=1) <= radius
    faces = mesh.faces[np.any(close[mesh.faces], axis=1)]
    used, inverse = np.unique(faces.reshape(-1), return_inverse=True)
    return Mesh(mesh.vertices[used], inverse.reshape(-1, 3).astype(np.int64))


def build_plate(
    field: HeightField,
    intact: Mesh,
    radius: float,
    gap: float,
    wall: float,
    *,
    seat_from: float,
    rings: int = 48,
    sectors: int = 144,
    band_rows: int = 1,
) -> Plate:
    """A plate over the site resting ``gap`` above the intact bone over the ring ``seat_from <= rho <= radius``."""
    uv, rho = _polar(radius, rings, sectors)
    base, normals = field.at(uv)
    faces = _cap_faces(rings, sectors)
    ring_faces = faces[np.all(rho[faces] >= seat_from, axis=1)]
    local = near_part(intact, field.frame.point, radius + 20.0)
    lift = 0.0
    for _ in range(3):  # the distance changes one for one with the lift along the normals: converges at once
        samples = _dense(base + lift * normals, ring_faces)
        lift -= float(signed_distances(local, samples).min())
    inner = base + (lift + gap) * normals
    outer = base + (lift + gap + wall) * normals
    mesh = _close(inner, normals, outer, rings, sectors, band_rows)
    return Plate(mesh, inner, normals, rho, rings, sectors, radius, lift)


def bone_following_plate(
    field: HeightField, radius: float, gap: float, wall: float, *, rings: int = 48, sectors: int = 144
) -> Plate:
    """The issue's construction: the inner surface on the raw intact bone plus ``gap`` along the smoothed normals."""
    uv, rho = _polar(radius, rings, sectors)
    bone, _ = field.at(uv, smooth=False)
    _, normals = field.at(uv)
    inner = bone + gap * normals
    outer = bone + (gap + wall) * normals
    return Plate(_close(inner, normals, outer, rings, sectors, 1), inner, normals, rho, rings, sectors, radius, 0.0)


def true_wall(plate: Plate, away_from_border_mm: float = 1.0) -> float:
    """The plate's thinnest wall: the smallest distance from its inner surface to its outer surface (VTK)."""
    n = len(plate.inner)
    top = _cap_faces(plate.rings, plate.sectors)
    outer = Mesh(plate.mesh.vertices[n : 2 * n], top)
    inner_faces = top[np.all(plate.rho[top] <= plate.radius - away_from_border_mm, axis=1)]
    samples = _dense(plate.inner, inner_faces)
    return float(np.abs(signed_distances(outer, samples)).min())


@dataclass(frozen=True)
class Cylinder:
    """A cut: the points within ``radius(angle)`` of the line through ``point`` along ``axis``."""

    point: FloatArray
    axis: FloatArray
    e1: FloatArray
    e2: FloatArray
    radius: float
    waviness: float = 0.0  # the sample case's edge: radius + waviness * sin(3 angle)

    def across(self, points: FloatArray) -> tuple[FloatArray, FloatArray]:
        """Distance of each point from the axis, and the cut's radius at its angle."""
        rel = points - self.point
        p1, p2 = rel @ self.e1, rel @ self.e2
        return np.hypot(p1, p2), self.radius + self.waviness * np.sin(3.0 * np.arctan2(p2, p1))


def cut_volume(volume: Volume, cut: Cylinder, *, depth_mm: float = 30.0, replace_hu: float = 40.0) -> Volume:
    """The CT with soft tissue in the cylinder (within ``depth_mm`` of its point along the axis), one-voxel ramp."""
    hu = volume.voxels.astype(np.float32)
    reach = cut.radius + cut.waviness + 2.0 * max(volume.spacing)
    corners = cut.point + np.array(
        [
            sa * reach * cut.e1 + sb * reach * cut.e2 + sc * depth_mm * cut.axis
            for sa in (-1, 1)
            for sb in (-1, 1)
            for sc in (-1, 1)
        ]
    )
    index = volume.world_to_index(corners)
    low = np.clip(np.floor(index.min(axis=0)).astype(int), 0, None)
    high = np.minimum(np.ceil(index.max(axis=0)).astype(int) + 1, np.asarray(volume.size))
    k, j, i = np.meshgrid(*(np.arange(low[a], high[a]) for a in (2, 1, 0)), indexing="ij")
    world = volume.index_to_world(np.column_stack([i.ravel(), j.ravel(), k.ravel()]))
    across, edge = cut.across(world)
    along = (world - cut.point) @ cut.axis
    width = float(min(volume.spacing))
    occupancy = np.clip((edge - across) / width + 0.5, 0.0, 1.0) * (np.abs(along) <= depth_mm)
    block = hu[low[2] : high[2], low[1] : high[1], low[0] : high[0]]
    block += occupancy.reshape(block.shape).astype(np.float32) * (np.float32(replace_hu) - block)
    return Volume(np.rint(hu).astype(np.int16), volume.spacing, volume.origin, volume.direction)


def outline_on(plate: Plate, cut: Cylinder) -> FloatArray:
    """Where the cut's wall crosses the plate's inner surface: one point per sector (LPS mm)."""
    rings, sectors = plate.rings, plate.sectors
    grid = plate.inner[1:].reshape(rings, sectors, 3)
    across, edge = cut.across(grid.reshape(-1, 3))
    f = (across - edge).reshape(rings, sectors)  # < 0 over the hole
    points = []
    for s in range(sectors):
        column = f[:, s]
        k = int(np.argmax(column >= 0))
        if k == 0 or column[k - 1] >= 0:
            raise ValueError("the cut does not cross the plate's inner surface in every sector")
        t = column[k - 1] / (column[k - 1] - column[k])
        points.append(grid[k - 1, s] + t * (grid[k, s] - grid[k - 1, s]))
    return np.asarray(points)


def largest_chord(points: FloatArray) -> float:
    """The largest distance between two of ``points``."""
    difference = points[:, np.newaxis, :] - points[np.newaxis, :, :]
    return float(np.sqrt((difference**2).sum(axis=2).max()))


def profile_thickness(mask: Volume, starts: FloatArray, directions: FloatArray, step: float = 0.05) -> FloatArray:
    """Bone along each ray through the mask by nearest-neighbour sampling: the length of the first run inside (mm).

    An independent reading of the mask (no interpolation): each sample takes its voxel's value. NaN where the ray
    never enters the bone or never leaves it within 40 mm.
    """
    t = np.arange(-3.0, 40.0, step)
    points = starts[:, np.newaxis, :] + t[np.newaxis, :, np.newaxis] * directions[:, np.newaxis, :]
    index = np.rint(mask.world_to_index(points.reshape(-1, 3))).astype(np.int64)
    size = np.asarray(mask.size)
    ok = np.all((index >= 0) & (index < size), axis=1)
    values = np.zeros(len(index), dtype=bool)
    values[ok] = mask.voxels[index[ok, 2], index[ok, 1], index[ok, 0]] > 0
    solid = values.reshape(len(starts), len(t))
    entered = solid.any(axis=1)
    first = np.argmax(solid, axis=1)
    after = np.where(np.arange(len(t))[np.newaxis, :] >= first[:, np.newaxis], ~solid, False)
    left = after.any(axis=1)
    last = np.argmax(after, axis=1)
    return np.where(entered & left, (last - first) * step, np.nan)
