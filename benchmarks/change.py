"""Benchmark: the revision comparison of ``dvw change`` on a 300 k-triangle design pair, beside a plain trimesh
proximity query, in one run.

Two pairs, built in code: the previous revision an icosphere of radius 20 mm with 327,680 triangles, the new one a
sphere of the same triangle count with a 0.8 mm bump over a cap 10 mm across (the bump's profile of
``tests/geometry/revision_meshes.py``, vertices moved radially):

- ``edited``: the new design is the previous one's triangulation with the cap's vertices moved (a local edit: the
  other vertices are where they were);
- ``re-meshed``: the new design's triangulation is the icosphere turned by 1.3 degrees before the bump (no vertex
  shared: a design exported anew by CAD).

Contenders, both in this process after a warm-up run, each the median of ``--runs`` runs:

- DVW: ``geometry.distance.compare_revisions`` with the default 0.2 mm tolerance: exact signed distances of the new
  design's vertices from the previous design (``vtkImplicitPolyDataDistance`` on whole arrays) *and* of the previous
  design's vertices from the new one, vertex areas, and every ``change.*`` figure;
- trimesh: ``trimesh.proximity.closest_point(previous, new.vertices)``: unsigned distances one way only (its R-tree of
  triangles, then the closest point of each candidate triangle), with nothing else computed.

Both distance fields are compared (largest difference of |d|), so the speed is of the same answer. Goal (issue 21):
DVW under 2 s on this 2-core machine.

Run: ``uv run python benchmarks/change.py [--runs N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
for path in (REPO, REPO / "tests" / "geometry"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))


def _pair(remeshed: bool) -> tuple[object, object]:
    from revision_meshes import bump_height, sphere  # noqa: PLC0415

    from geometry.mesh import Mesh  # noqa: PLC0415

    previous = sphere(20.0, subdivisions=7)
    vertices = previous.vertices
    if remeshed:
        angle = np.radians(1.3)
        axis = np.array([1.0, 2.0, 0.5]) / np.linalg.norm([1.0, 2.0, 0.5])
        k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
        turn = np.eye(3) + np.sin(angle) * k + (1 - np.cos(angle)) * k @ k
        vertices = vertices @ turn.T
    direction = vertices / np.linalg.norm(vertices, axis=1)[:, None]
    # The bump's profile over the cap around +z, by the arc length from the pole (mm).
    arc = 20.0 * np.arccos(np.clip(direction[:, 2], -1.0, 1.0))
    lift = bump_height(radius_mm=5.0, height_mm=0.8)(arc, np.zeros_like(arc))
    return previous, Mesh(vertices + direction * lift[:, None], previous.faces)


def _median_seconds(work: object, runs: int) -> tuple[float, object]:
    result = work()  # type: ignore[operator]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        result = work()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def main() -> int:
    """Run both contenders and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    import trimesh  # noqa: PLC0415

    from geometry.distance import compare_revisions  # noqa: PLC0415

    load_before = os.getloadavg()[0]
    rows = []
    for name in ("edited", "re-meshed"):
        previous, new = _pair(name == "re-meshed")
        dvw_seconds, comparison = _median_seconds(lambda: compare_revisions(previous, new), args.runs)  # type: ignore[arg-type]  # noqa: B023
        reference = previous.to_trimesh()  # type: ignore[attr-defined]
        peer_seconds, peer = _median_seconds(
            lambda: trimesh.proximity.closest_point(reference, new.vertices),  # type: ignore[attr-defined]  # noqa: B023
            args.runs,
        )
        peer_distance = np.asarray(peer[1])  # type: ignore[index]
        agreement = float(np.max(np.abs(np.abs(comparison.signed_distance) - peer_distance)))  # type: ignore[attr-defined]
        rows.append((name, previous, new, dvw_seconds, peer_seconds, comparison.parameters(), agreement))  # type: ignore[attr-defined]
    load_after = os.getloadavg()[0]
    print(
        f"revision comparison, 327,680 + 327,680 triangles (median of {args.runs} after a warm-up; load average "
        f"{load_before:.2f} before, {load_after:.2f} after)"
    )
    print(f"{'pair':10} {'contender':34} {'seconds':>8} {'ratio':>6}  what it computes")
    for name, _previous, _new, dvw_seconds, peer_seconds, figures, agreement in rows:
        print(f"{name:10} {'DVW compare_revisions':34} {dvw_seconds:8.2f} {1.0:6.2f}  signed, both ways, change.*")
        ratio = peer_seconds / dvw_seconds
        print(f"{name:10} {'trimesh.proximity.closest_point':34} {peer_seconds:8.2f} {ratio:6.2f}  unsigned, one way")
        print(
            f"{'':10} max deviation {figures['change.max_deviation_mm']:.4f} mm, changed area "
            f"{figures['change.area_changed_mm2']:.1f} mm² (cap {np.pi * 25:.1f} mm²); |d| of DVW and trimesh differ "
            f"by at most {agreement:.1e} mm; DVW < 2 s: {'met' if dvw_seconds < 2.0 else 'NOT met'}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
