"""Mesh files (STL, PLY, OBJ, 3MF), mesh_info with minimum wall thickness, and the ``dvw mesh`` CLI contract."""

from __future__ import annotations

import json
import math
import sys
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import trimesh
from conftest import INNER, MIDPOINT, OUTER, Phantom, mask_of

from app.cli import main
from geometry.errors import MeshFileError, MeshOutputExistsError
from geometry.info import mesh_info
from geometry.io import read_mesh, write_mesh
from geometry.mesh import Mesh, mesh_from_volume
from geometry.metrics import mesh_metrics
from imaging.volume import write_volume

FORMATS = [".stl", ".ply", ".obj", ".3mf"]


@pytest.fixture(scope="module")
def shell_mesh(shell: Phantom) -> Mesh:
    return mesh_from_volume(shell.volume, MIDPOINT, reduction=0.1).mesh


@pytest.mark.parametrize("suffix", FORMATS)
def test_written_and_read_back_vertices_are_identical(shell_mesh: Mesh, tmp_path: Path, suffix: str) -> None:
    written = write_mesh(shell_mesh, tmp_path / f"shell{suffix}")
    back = read_mesh(written.path)
    # Files hold float32 vertices: the stored mesh is the input rounded to float32, read back exactly.
    assert np.abs(written.mesh.vertices - shell_mesh.vertices).max() < 1e-5
    # Every format reads back the stored mesh itself (STL's corners are merged and numbered in order of first use).
    assert np.array_equal(back.vertices, written.mesh.vertices)
    assert np.array_equal(back.faces, written.mesh.faces)
    loaded = trimesh.load(str(written.path), process=False, force="mesh")
    assert np.allclose(loaded.bounds.T.reshape(-1), np.asarray(mesh_metrics(back).bounds))


def test_stl_is_binary_and_3mf_is_in_millimetres(shell_mesh: Mesh, tmp_path: Path) -> None:
    stl = write_mesh(shell_mesh, tmp_path / "a.stl").path
    assert stl.stat().st_size == 84 + 50 * shell_mesh.n_triangles
    model = zipfile.ZipFile(write_mesh(shell_mesh, tmp_path / "a.3mf").path).read("3D/3dmodel.model").decode()
    assert 'unit="millimeter"' in model


def test_stl_bytes_are_trimesh_s_own(shell_mesh: Mesh, tmp_path: Path) -> None:
    """DVW encodes binary STL with numpy alone (no trimesh import to write a file); the bytes equal trimesh's export,
    degenerate triangles (zero normals) included, and read back to the same mesh."""
    degenerate = Mesh(np.array([[0.0, 0, 0], [1, 0, 0], [2, 0, 0], [0, 1, 0]]), np.array([[0, 1, 2], [0, 1, 3]]))
    for mesh in (shell_mesh, degenerate):
        written = write_mesh(mesh, tmp_path / "m.stl", force=True)
        assert (tmp_path / "m.stl").read_bytes() == written.mesh.to_trimesh().export(file_type="stl")
    back = read_mesh(tmp_path / "m.stl")
    assert np.array_equal(back.faces, written.mesh.faces)


def test_ascii_stl_is_read(tmp_path: Path) -> None:
    box = trimesh.creation.box(extents=(10.0, 20.0, 30.0))
    path = tmp_path / "ascii.stl"
    path.write_text(trimesh.exchange.stl.export_stl_ascii(box), encoding="ascii")
    mesh = read_mesh(path)
    assert mesh.n_triangles == 12
    assert mesh.n_vertices == 8
    info = mesh_info(path)
    assert info.metrics.watertight
    assert info.metrics.manifold
    assert info.metrics.volume_mm3 == pytest.approx(6000.0)


def test_no_overwrite_without_force(shell_mesh: Mesh, tmp_path: Path) -> None:
    path = write_mesh(shell_mesh, tmp_path / "a.ply").path
    with pytest.raises(MeshOutputExistsError):
        write_mesh(shell_mesh, path)
    write_mesh(shell_mesh, path, force=True)
    assert [p.name for p in tmp_path.iterdir()] == ["a.ply"]  # no temporary file left


@pytest.mark.parametrize("suffix", FORMATS)
def test_a_text_file_is_not_a_mesh(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"notes{suffix}"
    path.write_text("this is a text file, not a mesh\n" * 20, encoding="utf-8")
    with pytest.raises(MeshFileError, match="not a"):
        read_mesh(path)


def test_missing_and_unsupported_files(tmp_path: Path) -> None:
    with pytest.raises(MeshFileError, match="no such file"):
        read_mesh(tmp_path / "missing.stl")
    with pytest.raises(MeshFileError, match="unsupported"):
        read_mesh(tmp_path / "mesh.vtk")


def _analytic_shell_thickness() -> float:
    """Minimum wall thickness along normals between the outer and inner ellipsoids (ray-ellipsoid quadratic)."""
    best = math.inf
    theta, phi = np.meshgrid(np.linspace(0, math.pi, 400), np.linspace(0, 2 * math.pi, 800), indexing="ij")
    unit = np.stack([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)], axis=-1).reshape(-1, 3)
    for start_axes, target_axes, sign in ((OUTER, INNER, -1.0), (INNER, OUTER, 1.0)):
        a = np.asarray(start_axes)
        b = np.asarray(target_axes)
        p = unit * a
        n = p / a**2
        d = sign * n / np.linalg.norm(n, axis=1, keepdims=True)
        qa = np.sum((d / b) ** 2, axis=1)
        qb = 2 * np.sum(p * d / b**2, axis=1)
        qc = np.sum((p / b) ** 2, axis=1) - 1
        disc = qb**2 - 4 * qa * qc
        ok = disc >= 0
        roots = np.stack(
            [(-qb - np.sqrt(np.where(ok, disc, 0))) / (2 * qa), (-qb + np.sqrt(np.where(ok, disc, 0))) / (2 * qa)]
        )
        roots = np.where(roots > 1e-9, roots, np.inf).min(axis=0)
        best = min(best, float(roots[ok].min()))
    return best


def test_min_wall_thickness_of_the_shell(shell_mesh: Mesh, tmp_path: Path) -> None:
    analytic = _analytic_shell_thickness()
    info = mesh_info(write_mesh(shell_mesh, tmp_path / "shell.stl").path)
    assert info.wall is not None
    sys.stdout.write(f"\nshell min wall: analytic {analytic:.3f} mm, measured {info.wall.min_mm:.3f} mm\n")
    assert 5.0 < analytic <= 6.0
    assert info.wall.min_mm == pytest.approx(analytic, abs=0.625)
    assert info.metrics.shells == 2


def test_min_wall_thickness_of_a_slab(tmp_path: Path) -> None:
    slab = trimesh.creation.box(extents=(50.0, 40.0, 3.5)).subdivide().subdivide().subdivide()
    slab.apply_translation((10.0, -20.0, 30.0))
    path = tmp_path / "slab.obj"
    write_mesh(Mesh.from_trimesh(slab), path)
    info = mesh_info(path)
    assert info.wall is not None
    assert info.wall.min_mm == pytest.approx(3.5, abs=1e-6)
    assert 30.0 - 1.75 - 1e-9 <= info.wall.location[2] <= 30.0 + 1.75 + 1e-9
    assert info.metrics.volume_mm3 == pytest.approx(50 * 40 * 3.5)


# ---------------------------------------------------------------- CLI


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any], str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, json.loads(captured.out) if captured.out.strip() else {}, captured.err


MESH_KEYS = {
    "output",
    "sha256",
    "vertices",
    "triangles",
    "volume_mm3",
    "area_mm2",
    "watertight",
    "manifold",
    "bounds",
    "surface_deviation_mm",
    "input_sha256",
    "manifest_id",
}


def test_cli_mesh_volume_and_mask(sphere: Phantom, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    volume = tmp_path / "sphere.nrrd"
    volume_sha = write_volume(sphere.volume, volume)
    out = tmp_path / "sphere.stl"
    code, payload, _ = _run(
        capsys, "mesh", str(volume), "--threshold", "0", "--out", str(out), "--reduce", "0.2", "--json"
    )
    assert code == 0
    assert set(payload) >= MESH_KEYS
    assert set(payload["surface_deviation_mm"]) == {"mean", "max"}
    assert payload["input_sha256"] == volume_sha
    assert payload["watertight"] is True
    assert payload["manifold"] is True
    assert payload["volume_mm3"] == pytest.approx(sphere.volume_mm3, rel=0.01)
    assert out.is_file()

    code, again, _ = _run(capsys, "mesh", str(volume), "--threshold", "0", "--out", str(out), "--json")
    assert code == 2
    assert again["error"]["code"] == "output_exists"

    mask = tmp_path / "mask.nrrd"
    write_volume(mask_of(sphere.volume), mask)
    code, masked, _ = _run(capsys, "mesh", str(mask), "--out", str(tmp_path / "mask.3mf"), "--json")
    assert code == 0
    assert masked["area_mm2"] == pytest.approx(sphere.area_mm2, rel=0.02)

    code, info, _ = _run(capsys, "mesh-info", str(out), "--json")
    assert code == 0
    assert {"vertices", "triangles", "volume_mm3", "area_mm2", "watertight", "manifold", "bounds", "shells"} <= set(
        info
    )
    assert info["min_wall_thickness_mm"] == pytest.approx(40.0, abs=0.7)
    assert len(info["min_wall_location"]) == 3
    assert info["bounds"] == pytest.approx(payload["bounds"], abs=1e-4)


def test_cli_bad_input_exits_2(sphere: Phantom, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    volume = tmp_path / "sphere.nrrd"
    write_volume(sphere.volume, volume)
    code, payload, err = _run(capsys, "mesh", str(volume), "--out", str(tmp_path / "x.stl"), "--json")
    assert code == 2
    assert "--threshold" in payload["error"]["message"]
    assert len(err.strip().splitlines()) == 1

    fake = tmp_path / "fake.stl"
    fake.write_text("solid? no, just text\n", encoding="utf-8")
    code, payload, err = _run(capsys, "mesh-info", str(fake), "--json")
    assert code == 2
    assert payload["error"]["code"] == "mesh_file"
    assert err.startswith("dvw: error:")
    assert len(err.strip().splitlines()) == 1

    code, _, _ = _run(capsys, "mesh", str(volume), "--threshold", "0", "--out", str(tmp_path / "x.vtk"))
    assert code == 2
    code, _, _ = _run(capsys, "mesh", str(volume), "--threshold", "5000", "--out", str(tmp_path / "x.stl"))
    assert code == 2
