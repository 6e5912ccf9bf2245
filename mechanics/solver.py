"""Linear-elastic static finite-element solver on quadratic tetrahedra.

The displacement is approximated with quadratic (10-node, straight-sided) tetrahedra on the vertices of a linear
tetrahedral mesh (scikit-fem's ``ElementTetP2``). Stresses are the element stresses of the quadratic field
evaluated at each element's four vertices (exact there: the strain of a quadratic field is linear in each element)
and averaged over the elements sharing a vertex, weighted by their volumes. Peak values are taken over vertices.

Units are consistent millimetre-newton-megapascal: coordinates and displacements in mm, forces in N, tractions,
moduli and stresses in MPa (N/mm²).

The linear system is solved directly (SuperLU) when small, otherwise by conjugate gradients preconditioned with
smoothed-aggregation algebraic multigrid (pyamg) built on the six rigid-body modes, to a relative residual of
:data:`CG_RTOL`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import scipy.sparse.linalg as spla
from skfem import Basis, ElementTetP2, ElementVector, FacetBasis, LinearForm, MeshTet, asm
from skfem.models.elasticity import lame_parameters, linear_elasticity

from base.progress import CancelToken, ProgressCallback, checkpoint, report
from mechanics.errors import MechanicsError

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.int64]

#: Up to this many unknowns every system is solved directly.
DIRECT_LIMIT = 20_000
#: A body with at least this fraction of its vertices on its surface is a shell (a plate): its sparse factorization
#: fills in like a two-dimensional problem's, while multigrid converges slowly across its thin direction, so it is
#: solved directly at any size. Bulky bodies above :data:`DIRECT_LIMIT` use AMG-CG.
SHELL_SURFACE_FRACTION = 0.5
#: Relative residual at which conjugate gradients stop.
CG_RTOL = 1e-9


@dataclass(frozen=True)
class TetMesh:
    """A linear tetrahedral mesh in mm: the vertices of the quadratic elements the solver builds on it.

    Attributes
    ----------
    points
        (n, 3) vertex positions, mm.
    tets
        (m, 4) vertex indices per tetrahedron.
    """

    points: FloatArray
    tets: IndexArray

    @property
    def n_points(self) -> int:
        """Number of vertices."""
        return int(self.points.shape[0])

    @property
    def n_tets(self) -> int:
        """Number of tetrahedra."""
        return int(self.tets.shape[0])


@dataclass(frozen=True)
class ElasticMaterial:
    """An isotropic linear-elastic material.

    Attributes
    ----------
    youngs_modulus_mpa
        Young's modulus E, MPa.
    poisson_ratio
        Poisson's ratio nu (0 <= nu < 0.5).
    """

    youngs_modulus_mpa: float
    poisson_ratio: float


@dataclass(frozen=True)
class Fixed:
    """A displacement boundary condition: zero displacement on boundary triangles.

    Attributes
    ----------
    triangles
        (k, 3) vertex indices of boundary triangles of the mesh.
    components
        Which displacement components are held at zero (0 = x, 1 = y, 2 = z); all three for a clamp, one for a
        symmetry plane.
    """

    triangles: IndexArray
    components: tuple[int, ...] = (0, 1, 2)


@dataclass(frozen=True)
class Traction:
    """A surface load: a traction vector (MPa) constant on each of some boundary triangles.

    Attributes
    ----------
    triangles
        (k, 3) vertex indices of boundary triangles of the mesh.
    traction_mpa
        (k, 3) traction vector on each triangle, MPa (force per area, N/mm²).
    """

    triangles: IndexArray
    traction_mpa: FloatArray


@dataclass(frozen=True)
class Solution:
    """The solved fields at the mesh's vertices.

    Attributes
    ----------
    displacement_mm
        (n, 3) displacement at each vertex, mm.
    stress_mpa
        (n, 6) averaged stress at each vertex (xx, yy, zz, yz, xz, xy), MPa.
    von_mises_mpa
        (n,) von Mises stress of the averaged stress, MPa.
    unknowns
        Number of displacement unknowns (before the supports were applied).
    solver
        ``direct`` or ``amg-cg``.
    """

    displacement_mm: FloatArray
    stress_mpa: FloatArray
    von_mises_mpa: FloatArray
    unknowns: int
    solver: str

    @property
    def max_displacement_mm(self) -> float:
        """The largest displacement magnitude at a vertex, mm."""
        return float(np.linalg.norm(self.displacement_mm, axis=1).max())

    @property
    def max_von_mises_mpa(self) -> float:
        """The largest von Mises stress at a vertex, MPa."""
        return float(self.von_mises_mpa.max())

    @property
    def worst_vertex(self) -> int:
        """Index of the vertex with the largest von Mises stress."""
        return int(np.argmax(self.von_mises_mpa))


def von_mises(stress: FloatArray) -> FloatArray:
    """Von Mises stress of (..., 6) stress components (xx, yy, zz, yz, xz, xy), same unit."""
    sxx, syy, szz, syz, sxz, sxy = (stress[..., i] for i in range(6))
    return np.asarray(
        np.sqrt(0.5 * ((sxx - syy) ** 2 + (syy - szz) ** 2 + (szz - sxx) ** 2) + 3.0 * (syz**2 + sxz**2 + sxy**2)),
        dtype=np.float64,
    )


def boundary_triangles(mesh: TetMesh) -> IndexArray:
    """The boundary triangles of a tetrahedral mesh (each facet that belongs to one tetrahedron), outward wound."""
    tets = mesh.tets
    local = np.array([[1, 2, 3], [0, 3, 2], [0, 1, 3], [0, 2, 1]])
    faces = tets[:, local].reshape(-1, 3)
    key = np.sort(faces, axis=1)
    _, inverse, counts = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    once = counts[inverse.ravel()] == 1
    faces = faces[once]
    # Orient outward: the normal points away from the tetrahedron's opposite vertex.
    opposite = tets.reshape(-1)[once]  # local face k is opposite local vertex k
    p = mesh.points
    normal = np.cross(p[faces[:, 1]] - p[faces[:, 0]], p[faces[:, 2]] - p[faces[:, 0]])
    inward = np.einsum("ij,ij->i", normal, p[opposite] - p[faces[:, 0]]) > 0
    faces[inward] = faces[inward][:, ::-1]
    return np.asarray(faces, dtype=np.int64)


def _skfem_mesh(mesh: TetMesh) -> MeshTet:
    points = mesh.points
    tets = mesh.tets.copy()
    # scikit-fem wants positively oriented tetrahedra.
    a, b, c, d = (points[tets[:, i]] for i in range(4))
    negative = np.einsum("ij,ij->i", np.cross(b - a, c - a), d - a) < 0
    tets[negative] = tets[negative][:, [0, 2, 1, 3]]
    return MeshTet(np.ascontiguousarray(points.T), np.ascontiguousarray(tets.T))


def _facet_indices(skmesh: MeshTet, triangles: IndexArray) -> IndexArray:
    facets = np.sort(skmesh.facets.T, axis=1)
    wanted = np.sort(triangles, axis=1)
    lookup = {tuple(f): i for i, f in enumerate(facets[skmesh.boundary_facets()])}
    boundary = skmesh.boundary_facets()
    index = []
    for tri in wanted:
        found = lookup.get((int(tri[0]), int(tri[1]), int(tri[2])))
        if found is None:
            raise MechanicsError("a support or load names a triangle that is not on the mesh's boundary")
        index.append(boundary[found])
    return np.asarray(index, dtype=np.int64)


def _rigid_body_modes(dof_points: FloatArray) -> FloatArray:
    """The six rigid-body motions as (N, 6) columns over interleaved (x, y, z) unknowns at ``dof_points``."""
    n_dofs = dof_points.shape[0]
    modes = np.zeros((n_dofs, 6))
    x, y, z = dof_points[0::3, 0], dof_points[0::3, 1], dof_points[0::3, 2]
    for comp in range(3):
        modes[comp::3, comp] = 1.0
    modes[0::3, 3], modes[1::3, 3] = -y, x
    modes[1::3, 4], modes[2::3, 4] = -z, y
    modes[0::3, 5], modes[2::3, 5] = z, -x
    return modes


def _solve_system(
    stiffness: sp.csr_matrix, load: FloatArray, modes: FloatArray, shell: bool, cancel: CancelToken | None
) -> tuple[FloatArray, str]:
    if shell or stiffness.shape[0] <= DIRECT_LIMIT:
        return np.asarray(spla.spsolve(stiffness.tocsc(), load, permc_spec="MMD_AT_PLUS_A"), dtype=np.float64), "direct"
    import pyamg  # noqa: PLC0415 - only large systems need it

    hierarchy = pyamg.smoothed_aggregation_solver(
        stiffness.tobsr(blocksize=(3, 3)), B=modes, symmetry="symmetric", max_coarse=500, coarse_solver="splu"
    )
    preconditioner = hierarchy.aspreconditioner(cycle="V")

    def _callback(_x: FloatArray) -> None:
        checkpoint(cancel)

    solution, info = spla.cg(
        stiffness, load, rtol=CG_RTOL, atol=0.0, maxiter=2000, M=preconditioner, callback=_callback
    )
    if info != 0:
        raise MechanicsError(f"the iterative solver did not converge ({info} iterations)")
    return np.asarray(solution, dtype=np.float64), "amg-cg"


def solve(
    mesh: TetMesh,
    material: ElasticMaterial,
    fixed: Sequence[Fixed],
    tractions: Sequence[Traction],
    *,
    progress: ProgressCallback | None = None,
    cancel: CancelToken | None = None,
) -> Solution:
    """Solve a linear-elastic static problem with quadratic tetrahedra.

    Parameters
    ----------
    mesh
        Linear tetrahedra (mm); the quadratic elements are built on them.
    material
        Isotropic material (MPa).
    fixed
        Zero-displacement conditions on boundary triangles; together they must hold the body against rigid motion.
    tractions
        Surface loads on boundary triangles (MPa).
    progress, cancel
        Progress callback and cancel token, checked between assembly, solution and stress recovery.

    Returns
    -------
    Solution
        Displacements (mm) and stresses (MPa) at the vertices.

    Raises
    ------
    MechanicsError
        When a triangle is not on the boundary, nothing is fixed, or the iterative solver does not converge.
    """
    if not fixed or all(len(f.triangles) == 0 for f in fixed):
        raise MechanicsError("nothing holds the design: a support selects no surface")
    report(progress, 0.0, "assembling the stiffness matrix")
    skmesh = _skfem_mesh(mesh)
    element = ElementVector(ElementTetP2())
    basis = Basis(skmesh, element, intorder=2)
    lam, mu = lame_parameters(material.youngs_modulus_mpa, material.poisson_ratio)
    stiffness = asm(linear_elasticity(lam, mu), basis)
    checkpoint(cancel)
    load = np.zeros(basis.N)
    for traction in tractions:
        if len(traction.triangles) == 0:
            continue
        facets = _facet_indices(skmesh, traction.triangles)
        fbasis = FacetBasis(skmesh, element, facets=facets, intorder=2)
        values = traction.traction_mpa
        # FacetBasis keeps the given facet order: one traction row per facet, constant over its quadrature points.
        nqp = fbasis.X.shape[1]
        components = [np.repeat(values[:, i : i + 1], nqp, axis=1) for i in range(3)]

        @LinearForm
        def surface_load(v, w):  # type: ignore[no-untyped-def]
            return v[0] * w.tx + v[1] * w.ty + v[2] * w.tz

        load += asm(surface_load, fbasis, tx=components[0], ty=components[1], tz=components[2])
    held: list[IndexArray] = []
    for support in fixed:
        if len(support.triangles) == 0:
            continue
        facets = _facet_indices(skmesh, support.triangles)
        dofs = basis.get_dofs(facets=facets)
        names = [f"u^{c + 1}" for c in support.components]
        held.append(np.asarray(dofs.all(names), dtype=np.int64))
    held_dofs = np.unique(np.concatenate(held))
    report(progress, 0.3, "solving")
    # Held unknowns become identity rows and columns (not removed), so each node keeps its three unknowns together
    # in one 3x3 block: the smoothed-aggregation preconditioner aggregates nodes, not scalar unknowns.
    keep = np.ones(basis.N)
    keep[held_dofs] = 0.0
    scale = sp.diags(keep)
    system = (scale @ stiffness @ scale + sp.diags(1.0 - keep)).tocsr()
    rhs = load * keep
    checkpoint(cancel)
    surface = np.unique(skmesh.facets[:, skmesh.boundary_facets()]).size / skmesh.p.shape[1]
    u, solver = _solve_system(
        system, rhs, _rigid_body_modes(basis.doflocs.T), surface >= SHELL_SURFACE_FRACTION, cancel
    )
    report(progress, 0.8, "recovering stresses")
    checkpoint(cancel)
    stress, vm = _vertex_stress(skmesh, element, u, lam, mu)
    nodal = basis.nodal_dofs  # (3, n_vertices)
    displacement = np.stack([u[nodal[c]] for c in range(3)], axis=1)
    report(progress, 1.0, "solved")
    return Solution(
        displacement_mm=displacement, stress_mpa=stress, von_mises_mpa=vm, unknowns=int(basis.N), solver=solver
    )


def _vertex_stress(
    skmesh: MeshTet, element: ElementVector, u: FloatArray, lam: float, mu: float
) -> tuple[FloatArray, FloatArray]:
    """Volume-weighted average over elements of each element's stress at its vertices."""
    vertices = np.array([[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0], [0.0, 0.0, 0.0, 1.0]])
    at_vertices = Basis(skmesh, element, quadrature=(vertices, np.full(4, 1.0 / 24.0)))
    grad = at_vertices.interpolate(u).grad  # (3, 3, n_elements, 4): d u_i / d x_j
    strain = 0.5 * (grad + np.swapaxes(grad, 0, 1))
    trace = strain[0, 0] + strain[1, 1] + strain[2, 2]
    sigma = np.stack(
        [
            2 * mu * strain[0, 0] + lam * trace,
            2 * mu * strain[1, 1] + lam * trace,
            2 * mu * strain[2, 2] + lam * trace,
            2 * mu * strain[1, 2],
            2 * mu * strain[0, 2],
            2 * mu * strain[0, 1],
        ],
        axis=-1,
    )  # (n_elements, 4, 6)
    p = skmesh.p.T
    t = skmesh.t.T
    a = p[t[:, 0]]
    volume = np.abs(np.einsum("ij,ij->i", np.cross(p[t[:, 1]] - a, p[t[:, 2]] - a), p[t[:, 3]] - a)) / 6.0
    n = p.shape[0]
    total = np.zeros((n, 6))
    weight = np.zeros(n)
    for corner in range(4):
        np.add.at(total, t[:, corner], sigma[:, corner, :] * volume[:, None])
        np.add.at(weight, t[:, corner], volume)
    stress = total / np.maximum(weight, 1e-300)[:, None]
    return stress, von_mises(stress)
