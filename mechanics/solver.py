"""Linear-elastic static finite-element solver on quadratic tetrahedra.

The displacement is approximated with quadratic (10-node, straight-sided) tetrahedra on the vertices of a linear
tetrahedral mesh (a node at each vertex and at each edge's midpoint), assembled with numpy in blocks of elements
(the 4-point Gauss rule: exact for the stiffness of straight quadratic elements). Stresses are the element stresses
of the quadratic field evaluated at each element's four vertices (exact there: the strain of a quadratic field is
linear in each element) and averaged over the elements sharing a vertex, weighted by their volumes. Peak values are
taken over vertices.

Units are consistent millimetre-newton-megapascal: coordinates and displacements in mm, forces in N, tractions,
moduli and stresses in MPa (N/mm²).

The element matrices are one constant reference tensor (the integrals of products of the shape functions'
barycentric coefficients) times each element's barycentric gradients, computed for all elements in one matrix
product and summed into a block (3x3 per node pair) sparse pattern with numpy. The linear system is solved directly
on the free unknowns for shells and small systems: ordered by METIS's nested dissection of the node graph (pymetis),
factored by SuperLU without pivoting on the symmetric positive definite matrix, checked by its residual against
:data:`DIRECT_RTOL`. Both are loaded as their bare extension modules, not through scipy.sparse and pymetis's
packages, whose imports cost more CPU time than the factorization. Bulky bodies above :data:`DIRECT_LIMIT` are
solved by conjugate gradients preconditioned with smoothed-aggregation algebraic multigrid (pyamg) built on the six
rigid-body modes, to a relative residual of :data:`CG_RTOL`; scipy.sparse and pyamg are imported for them only.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import importlib.util
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from base.progress import CancelToken, ProgressCallback, checkpoint, report
from mechanics.errors import MechanicsError

if TYPE_CHECKING:
    import scipy.sparse as sp

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
#: Largest relative residual ``||K u - f|| / ||f||`` accepted from the unpivoted direct factorization before it is
#: repeated with partial pivoting (SuperLU's own residuals on DVW's systems are about 1e-14).
DIRECT_RTOL = 1e-10


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
    relative_residual
        ``||K u - f|| / ||f||`` of the solved system on its free unknowns (0 when nothing is loaded).
    """

    displacement_mm: FloatArray
    stress_mpa: FloatArray
    von_mises_mpa: FloatArray
    unknowns: int
    solver: str
    relative_residual: float = 0.0

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
    key = np.sort(faces, axis=1).astype(np.int64)
    n = max(mesh.n_points, 1)
    if n < 2**21:  # one int64 code per sorted triple
        codes = (key[:, 0] * n + key[:, 1]) * n + key[:, 2]
        _, inverse, counts = np.unique(codes, return_inverse=True, return_counts=True)
    else:
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


#: Local edges of a tetrahedron, in the order of its six mid-edge nodes (4..9).
_EDGES = np.array([[0, 1], [1, 2], [2, 0], [0, 3], [1, 3], [2, 3]])
#: The 4-point Gauss rule on the reference tetrahedron (degree 2): barycentric points, equal weights.
_GAUSS_A, _GAUSS_B = 0.5854101966249685, 0.1381966011250105
_GAUSS = np.full((4, 4), _GAUSS_B) + np.eye(4) * (_GAUSS_A - _GAUSS_B)


@dataclass(frozen=True)
class _Quadratic:
    """The quadratic elements on a linear mesh: node numbering (vertices, then edges) and geometry per element."""

    tets: IndexArray  # (m, 4) positively oriented
    nodes: IndexArray  # (m, 10) vertices then mid-edge nodes (n_points + edge index)
    edges: IndexArray  # (k, 2) sorted vertex pairs
    lambda_gradients: FloatArray  # (m, 4, 3) gradients of the barycentric coordinates, 1/mm
    volumes: FloatArray  # (m,) mm³
    n_nodes: int

    def edge_nodes(self, pairs: IndexArray) -> IndexArray:
        """The mid-edge node numbers of (k, 2) vertex pairs, which must be edges of the mesh."""
        key = np.sort(pairs, axis=1)
        n = int(self.edges.max()) + 1
        codes = self.edges[:, 0] * n + self.edges[:, 1]
        wanted = key[:, 0] * n + key[:, 1]
        position = np.searchsorted(codes, wanted)
        position = np.minimum(position, len(codes) - 1)
        if not np.all(codes[position] == wanted):
            raise MechanicsError("a support or load names a triangle that is not on the mesh")
        return np.asarray(position + self.n_nodes - len(self.edges), dtype=np.int64)


def _pair_codes(pairs: IndexArray, n: int) -> IndexArray:
    """One int64 code per sorted vertex pair (lexicographic order of the pairs is the order of the codes)."""
    return np.asarray(pairs[:, 0] * n + pairs[:, 1], dtype=np.int64)


def _quadratic(mesh: TetMesh) -> _Quadratic:
    points = mesh.points
    tets = np.asarray(mesh.tets, dtype=np.int64).copy()
    a, b, c, d = (points[tets[:, i]] for i in range(4))
    negative = np.einsum("ij,ij->i", np.cross(b - a, c - a), d - a) < 0
    tets[negative] = tets[negative][:, [0, 2, 1, 3]]
    pairs = np.sort(tets[:, _EDGES].reshape(-1, 2), axis=1)
    codes, inverse = np.unique(_pair_codes(pairs, mesh.n_points), return_inverse=True)
    edges = np.stack([codes // mesh.n_points, codes % mesh.n_points], axis=1)
    nodes = np.hstack([tets, mesh.n_points + inverse.reshape(-1, 6)])
    # Barycentric gradients: rows of the inverse of [x1-x0, x2-x0, x3-x0]^T give grad lambda_1..3.
    x = points[tets]
    jacobian = np.stack([x[:, 1] - x[:, 0], x[:, 2] - x[:, 0], x[:, 3] - x[:, 0]], axis=1)  # (m, 3, 3) rows
    determinant = np.linalg.det(jacobian)
    if np.any(determinant <= 0):
        raise MechanicsError("the volume mesh has flat (zero-volume) tetrahedra")
    inverse_t = np.linalg.inv(jacobian)  # columns: grad lambda_1..3
    grads = np.empty((len(tets), 4, 3))
    grads[:, 1:, :] = np.swapaxes(inverse_t, 1, 2)
    grads[:, 0, :] = -grads[:, 1:, :].sum(axis=1)
    return _Quadratic(
        tets=tets,
        nodes=np.asarray(nodes, dtype=np.int64),
        edges=np.asarray(edges, dtype=np.int64),
        lambda_gradients=grads,
        volumes=determinant / 6.0,
        n_nodes=mesh.n_points + len(edges),
    )


def _shape_gradients(q: _Quadratic, barycentric: FloatArray) -> FloatArray:
    """Gradients (m, 10, 3) of the ten quadratic shape functions at one barycentric point (4,)."""
    return np.asarray(np.einsum("ak,ekx->eax", _gradient_coefficients(barycentric), q.lambda_gradients))


def _gradient_coefficients(barycentric: FloatArray) -> FloatArray:
    """C (10, 4) with grad N_a = sum_k C[a, k] grad lambda_k at a barycentric point (4,) of a straight element."""
    coefficients = np.zeros((10, 4))
    coefficients[np.arange(4), np.arange(4)] = 4.0 * barycentric - 1.0
    for e, (i, j) in enumerate(_EDGES):
        coefficients[4 + e, i] = 4.0 * barycentric[j]
        coefficients[4 + e, j] = 4.0 * barycentric[i]
    return coefficients


def _reference_products() -> FloatArray:
    """M (100, 16): integral over the element of C[a, k] C[b, l] per unit volume, as rows (a, b) and columns (k, l).

    The gradients of straight quadratic shape functions are linear in the barycentric coordinates, so their products
    are quadratic and the 4-point rule integrates them exactly; the element's geometry enters only through the
    constant barycentric gradients: int dN_a/dx dN_b/dy = V sum_kl M[ab, kl] g_k,x g_l,y.
    """
    total = np.zeros((10, 4, 10, 4))
    for point in _GAUSS:
        coefficients = _gradient_coefficients(point)
        total += 0.25 * np.einsum("ak,bl->akbl", coefficients, coefficients)
    return np.ascontiguousarray(total.transpose(0, 2, 1, 3).reshape(100, 16))


_PRODUCTS = _reference_products()


def _element_blocks(q: _Quadratic, start: int, stop: int, lam: float, mu: float) -> FloatArray:
    """The element stiffness matrices of elements start..stop as node blocks K[a, b, e, i, j], shape (100, m, 9).

    Pair-major (a, b first) so that every step below runs over contiguous memory.
    """
    g = q.lambda_gradients[start:stop]
    m = stop - start
    # H[k, l, e, x, y] = V_e g[e, k, x] g[e, l, y]; S[ab, e, xy] = sum_kl M[ab, kl] H[kl, e, xy] in one matrix product.
    h = np.einsum("ekx,ely,e->klexy", g, g, q.volumes[start:stop]).reshape(16, m * 9)
    s = (_PRODUCTS @ h).reshape(100, m, 3, 3)
    # K[a, i, b, j] = lambda S[a, i, b, j] + mu S[a, j, b, i] + mu delta_ij sum_k S[a, k, b, k].
    blocks = lam * s
    blocks += mu * np.swapaxes(s, 2, 3)
    trace = mu * (s[:, :, 0, 0] + s[:, :, 1, 1] + s[:, :, 2, 2])
    for component in range(3):
        blocks[:, :, component, component] += trace
    return np.asarray(blocks.reshape(100, m, 9))


@dataclass(frozen=True)
class _BlockMatrix:
    """A symmetric matrix over nodes as 3x3 blocks: the sorted node pairs that share an element and their blocks."""

    rows: IndexArray  # (b,) node of each block's row, ascending (then by column)
    columns: IndexArray  # (b,) node of each block's column
    data: FloatArray  # (b, 3, 3) block values over (row component, column component)
    n_nodes: int


def _stiffness_blocks(q: _Quadratic, lam: float, mu: float, cancel: CancelToken | None) -> _BlockMatrix:
    """The global stiffness matrix by 3x3 node blocks (numpy only).

    The pattern is the sorted set of node pairs that share an element (one sort of int64 codes); each component of
    the element blocks is summed into its place by ``bincount``.
    """
    m, n = len(q.tets), q.n_nodes
    codes = (q.nodes.T[:, None, :] * n + q.nodes.T[None, :, :]).reshape(100, m)  # pair-major, like the blocks
    pattern, position = np.unique(codes, return_inverse=True)
    del codes
    position = position.reshape(100, m)
    n_blocks = len(pattern)
    data = np.zeros((9, n_blocks))
    chunk = 8_000
    for start in range(0, m, chunk):
        checkpoint(cancel)
        stop = min(m, start + chunk)
        blocks = _element_blocks(q, start, stop, lam, mu).reshape(-1, 9)
        where = position[:, start:stop].reshape(-1)
        for k in range(9):
            data[k] += np.bincount(where, weights=blocks[:, k], minlength=n_blocks)
    return _BlockMatrix(
        rows=np.asarray(pattern // n, dtype=np.int64),
        columns=np.asarray(pattern % n, dtype=np.int64),
        data=np.ascontiguousarray(data.T).reshape(n_blocks, 3, 3),
        n_nodes=n,
    )


def _stiffness(q: _Quadratic, lam: float, mu: float, cancel: CancelToken | None) -> sp.csr_matrix:
    """The global stiffness matrix over interleaved unknowns (node * 3 + component), as scipy CSR."""
    import scipy.sparse as sp  # noqa: PLC0415 - only the multigrid path and the tests need scipy's sparse matrices

    blocks = _stiffness_blocks(q, lam, mu, cancel)
    n = blocks.n_nodes
    indptr = np.searchsorted(blocks.rows, np.arange(n + 1))
    block_matrix = sp.bsr_matrix((blocks.data, blocks.columns, indptr), shape=(3 * n, 3 * n))
    return sp.csr_matrix(block_matrix.tocsr())


def _triangle_nodes(q: _Quadratic, triangles: IndexArray) -> tuple[IndexArray, IndexArray]:
    """The corner and mid-edge node numbers (k, 3) each of boundary triangles."""
    mids = np.stack(
        [q.edge_nodes(triangles[:, [0, 1]]), q.edge_nodes(triangles[:, [1, 2]]), q.edge_nodes(triangles[:, [2, 0]])],
        axis=1,
    )
    return triangles, mids


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


def _extension(name: str) -> ModuleType:
    """A compiled extension module loaded from its file without importing its parent packages first.

    SuperLU's module from scipy (``scipy.sparse.linalg._dsolve._superlu``) and METIS's from pymetis
    (``pymetis._internal``) need only numpy, but the ordinary import first runs their packages' ``__init__``:
    ``scipy.sparse`` and every solver of ``scipy.sparse.linalg`` (0.5-0.6 s CPU, more than the factorization:
    scipy's array-API layer imports all of numpy's submodules), and pymetis's version look-up through
    importlib.metadata (0.1 s). Where the file is not found beside its top-level package (a frozen bundle laid out
    otherwise), the module is imported the ordinary way.
    """
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded
    top, *middle, stem = name.split(".")
    spec = importlib.util.find_spec(top)
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for location in locations:
        for path in sorted(Path(location, *middle).glob(f"{stem}.*")):
            if not path.name.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)):
                continue
            loader = importlib.machinery.ExtensionFileLoader(name, str(path))
            module_spec = importlib.util.spec_from_file_location(name, path, loader=loader)
            if module_spec is None:
                continue
            module = importlib.util.module_from_spec(module_spec)
            loader.exec_module(module)
            sys.modules[name] = module
            return module
    return importlib.import_module(name)


def _no_factors(*_args: object, **_kwargs: object) -> None:
    """SuperLU's constructor of its L and U matrices, which DVW never reads."""
    raise MechanicsError("the factors of the direct solver are not kept")


@dataclass(frozen=True)
class _FreeSystem:
    """The stiffness on the free unknowns, nested-dissection ordered, in compressed rows (= columns: symmetric)."""

    data: FloatArray
    indices: npt.NDArray[np.intc]
    indptr: npt.NDArray[np.intc]
    row_of_entry: IndexArray
    unknowns: IndexArray  # (N,) the global unknown (node * 3 + component) of each row, in the solver's order

    @property
    def size(self) -> int:
        """Number of free unknowns."""
        return len(self.unknowns)

    def multiply(self, x: FloatArray) -> FloatArray:
        """The product of the matrix with a vector (N,)."""
        product = np.bincount(self.row_of_entry, weights=self.data * x[self.indices], minlength=self.size)
        return np.asarray(product, dtype=np.float64)


def _node_order(blocks: _BlockMatrix, nodes: IndexArray) -> IndexArray:
    """A fill-reducing order of ``nodes`` (ascending): METIS's nested dissection of the graph of node pairs.

    Returns the rank of each node of ``nodes`` in the elimination order.
    """
    metis = _extension("pymetis._internal")
    local = np.full(blocks.n_nodes, -1, dtype=np.int64)
    local[nodes] = np.arange(len(nodes))
    rows, columns = local[blocks.rows], local[blocks.columns]
    edge = (rows >= 0) & (columns >= 0) & (rows != columns)
    rows, columns = rows[edge], columns[edge]  # sorted by row: the pattern's order
    starts = np.searchsorted(rows, np.arange(len(nodes) + 1))
    # METIS's default options (its fixed random seed: the same order every time).
    _order, rank = metis.edge_nd(starts.astype(np.int32), columns.astype(np.int32), None, metis.Options())
    return np.asarray(rank, dtype=np.int64)


def _free_system(blocks: _BlockMatrix, free: npt.NDArray[np.bool_]) -> _FreeSystem:
    """The matrix on the free unknowns (``free``: a mask over node * 3 + component), in nested-dissection order.

    Nodes with a free unknown are ordered by :func:`_node_order`; the blocks are sorted by their renumbered node
    pairs and expanded to scalar rows (each row's entries by ascending column), and the held unknowns' rows and
    columns are dropped.
    """
    nodes = np.flatnonzero(free.reshape(-1, 3).any(axis=1))
    rank = np.full(blocks.n_nodes, -1, dtype=np.int64)
    rank[nodes] = _node_order(blocks, nodes)
    k = len(nodes)
    rows, columns = rank[blocks.rows], rank[blocks.columns]
    keep = (rows >= 0) & (columns >= 0)
    rows, columns, data = rows[keep], columns[keep], blocks.data[keep]
    order = np.argsort(rows * k + columns)
    rows, columns, data = rows[order], columns[order], data[order]
    n_blocks = len(rows)
    # Entry (b, r, c) of block b lies in scalar row 3 * rows[b] + r at the place that keeps each row's blocks, and
    # their three columns, in order.
    count = np.bincount(rows, minlength=k)
    start = np.concatenate([[0], np.cumsum(count)])
    place = (
        9 * start[rows][:, None, None]
        + 3 * count[rows][:, None, None] * np.arange(3)[None, :, None]
        + 3 * (np.arange(n_blocks) - start[rows])[:, None, None]
        + np.arange(3)[None, None, :]
    ).reshape(-1)
    values = np.empty(9 * n_blocks)
    values[place] = data.reshape(-1)
    scalar_columns = np.empty(9 * n_blocks, dtype=np.int64)
    scalar_columns[place] = (3 * columns[:, None, None] + np.zeros((1, 3, 1), dtype=np.int64) + np.arange(3)).reshape(
        -1
    )
    scalar_rows = np.empty(9 * n_blocks, dtype=np.int64)
    scalar_rows[place] = (
        3 * rows[:, None, None] + np.arange(3)[None, :, None] + np.zeros((1, 1, 3), dtype=np.int64)
    ).reshape(-1)
    # Unknowns in the new order: node nodes[i] at rank[nodes[i]]; drop the held ones.
    ordered_nodes = np.empty(k, dtype=np.int64)
    ordered_nodes[rank[nodes]] = nodes
    unknowns = (3 * ordered_nodes[:, None] + np.arange(3)).reshape(-1)
    is_free = free[unknowns]
    renumber = np.cumsum(is_free) - 1
    entry = is_free[scalar_rows] & is_free[scalar_columns]
    row_of_entry = renumber[scalar_rows[entry]]
    size = int(is_free.sum())
    indptr = np.concatenate([[0], np.cumsum(np.bincount(row_of_entry, minlength=size))])
    return _FreeSystem(
        data=values[entry],
        indices=renumber[scalar_columns[entry]].astype(np.intc),
        indptr=indptr.astype(np.intc),
        row_of_entry=row_of_entry,
        unknowns=unknowns[is_free],
    )


def _solve_direct(blocks: _BlockMatrix, load: FloatArray, held: IndexArray) -> tuple[FloatArray, float]:
    """Solve the system on the free unknowns by a sparse LU factorization (SuperLU); the relative residual too.

    The held unknowns are removed (their displacement is zero), which leaves a symmetric positive definite matrix.
    It is ordered by METIS's nested dissection of the node graph (fewer nonzeros in the factors than SuperLU's
    minimum degree ordering on DVW's plates: 6.9 M against 7.9 M on the benchmark's, and larger supernodes) and
    SuperLU factors it in that order without pivoting, on the diagonal: the factorization of an SPD matrix needs no
    pivoting for stability. Should the residual ``||K u - f|| / ||f||`` nevertheless exceed :data:`DIRECT_RTOL`,
    the system is factored again with SuperLU's partial pivoting and its own minimum degree ordering.
    """
    free = np.ones(len(load), dtype=bool)
    free[held] = False
    u = np.zeros(len(load))
    if not free.any():
        return u, 0.0
    system = _free_system(blocks, free)
    rhs = load[system.unknowns]
    scale = float(np.linalg.norm(rhs))
    if scale == 0.0:
        return u, 0.0
    superlu = _extension("scipy.sparse.linalg._dsolve._superlu")

    def _factor(options: dict[str, object]) -> FloatArray:
        factor = superlu.gstrf(
            system.size,
            len(system.data),
            system.data,
            system.indices,
            system.indptr,
            csc_construct_func=_no_factors,
            ilu=False,
            options=options,
        )
        return np.asarray(factor.solve(rhs), dtype=np.float64)

    x = _factor({"ColPerm": "NATURAL", "DiagPivotThresh": 0.0, "SymmetricMode": True})
    residual = float(np.linalg.norm(system.multiply(x) - rhs)) / scale
    if not residual <= DIRECT_RTOL:
        x = _factor({"ColPerm": "MMD_AT_PLUS_A"})
        residual = float(np.linalg.norm(system.multiply(x) - rhs)) / scale
    u[system.unknowns] = x
    return u, residual


def _solve_amg(
    stiffness: sp.csr_matrix, load: FloatArray, held: IndexArray, modes: FloatArray, cancel: CancelToken | None
) -> tuple[FloatArray, float]:
    """Solve by conjugate gradients preconditioned with smoothed-aggregation multigrid; the relative residual too."""
    import pyamg  # noqa: PLC0415 - only large bulky bodies need it
    import scipy.sparse as sp  # noqa: PLC0415
    from scipy.sparse.linalg import cg  # noqa: PLC0415

    # Held unknowns become identity rows and columns (not removed), so each node keeps its three unknowns together
    # in one 3x3 block: the smoothed-aggregation preconditioner aggregates nodes, not scalar unknowns.
    keep = np.ones(len(load))
    keep[held] = 0.0
    scale = sp.diags(keep)
    system = (scale @ stiffness @ scale + sp.diags(1.0 - keep)).tocsr()
    rhs = load * keep
    hierarchy = pyamg.smoothed_aggregation_solver(
        system.tobsr(blocksize=(3, 3)), B=modes, symmetry="symmetric", max_coarse=500, coarse_solver="splu"
    )
    preconditioner = hierarchy.aspreconditioner(cycle="V")

    def _callback(_x: FloatArray) -> None:
        checkpoint(cancel)

    solution, info = cg(system, rhs, rtol=CG_RTOL, atol=0.0, maxiter=2000, M=preconditioner, callback=_callback)
    if info != 0:
        raise MechanicsError(f"the iterative solver did not converge ({info} iterations)")
    norm = float(np.linalg.norm(rhs))
    residual = float(np.linalg.norm(system @ solution - rhs)) / norm if norm > 0 else 0.0
    return np.asarray(solution, dtype=np.float64), residual


@contextmanager
def _small_pages() -> Iterator[None]:
    """Within the block, numpy does not ask the kernel for transparent huge pages for its large arrays.

    numpy advises huge pages for every array of 4 MB and more; the solver allocates and frees many such temporaries,
    and on a busy machine each fault of a fresh huge page (zeroed, often after compacting memory) cost the solve
    0.3-0.75 s of system time and 1-2.5 s of wall time on the benchmark's plate, against 0.26-0.28 s of system time
    with ordinary pages. numpy's switch is process-wide and private (absent: nothing changes); the previous setting
    is restored on leaving.
    """
    switch = getattr(getattr(getattr(np, "_core", None), "multiarray", None), "_set_madvise_hugepage", None)
    if switch is None:
        yield
        return
    previous = bool(switch(False))
    try:
        yield
    finally:
        switch(previous)


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
    with _small_pages():
        return _solve(mesh, material, fixed, tractions, progress=progress, cancel=cancel)


def _solve(
    mesh: TetMesh,
    material: ElasticMaterial,
    fixed: Sequence[Fixed],
    tractions: Sequence[Traction],
    *,
    progress: ProgressCallback | None,
    cancel: CancelToken | None,
) -> Solution:
    report(progress, 0.0, "assembling the stiffness matrix")
    q = _quadratic(mesh)
    young, poisson = material.youngs_modulus_mpa, material.poisson_ratio
    lam = young * poisson / ((1.0 + poisson) * (1.0 - 2.0 * poisson))
    mu = young / (2.0 * (1.0 + poisson))
    n_unknowns = 3 * q.n_nodes
    load = np.zeros(n_unknowns)
    p = mesh.points
    for traction in tractions:
        if len(traction.triangles) == 0:
            continue
        # A constant traction on a straight 6-node triangle: a third of the triangle's force on each mid-edge
        # node, none on the corners (the exact integral of the quadratic shape functions).
        _corners, mids = _triangle_nodes(q, traction.triangles)
        tri = traction.triangles
        area = 0.5 * np.linalg.norm(np.cross(p[tri[:, 1]] - p[tri[:, 0]], p[tri[:, 2]] - p[tri[:, 0]]), axis=1)
        force = traction.traction_mpa * (area / 3.0)[:, None]
        where = (mids[:, :, None] * 3 + np.arange(3)).reshape(-1)  # (triangle, mid-edge node, component)
        load += np.bincount(where, weights=np.repeat(force[:, None, :], 3, axis=1).reshape(-1), minlength=n_unknowns)
    held: list[IndexArray] = []
    for support in fixed:
        if len(support.triangles) == 0:
            continue
        corners, mids = _triangle_nodes(q, support.triangles)
        nodes = np.unique(np.concatenate([corners.ravel(), mids.ravel()]))
        held.extend(nodes * 3 + component for component in support.components)
    held_dofs = np.unique(np.concatenate(held))
    report(progress, 0.3, "solving")
    checkpoint(cancel)
    surface = np.unique(boundary_triangles(mesh)).size / mesh.n_points
    if surface >= SHELL_SURFACE_FRACTION or n_unknowns <= DIRECT_LIMIT:
        u, residual = _solve_direct(_stiffness_blocks(q, lam, mu, cancel), load, held_dofs)
        solver = "direct"
    else:
        node_points = np.vstack([p, 0.5 * (p[q.edges[:, 0]] + p[q.edges[:, 1]])])
        modes = _rigid_body_modes(np.repeat(node_points, 3, axis=0))
        u, residual = _solve_amg(_stiffness(q, lam, mu, cancel), load, held_dofs, modes, cancel)
        solver = "amg-cg"
    report(progress, 0.8, "recovering stresses")
    checkpoint(cancel)
    stress, vm = _vertex_stress(q, mesh.n_points, u.reshape(-1, 3), lam, mu)
    displacement = u.reshape(-1, 3)[: mesh.n_points].copy()
    report(progress, 1.0, "solved")
    return Solution(
        displacement_mm=displacement,
        stress_mpa=stress,
        von_mises_mpa=vm,
        unknowns=n_unknowns,
        solver=solver,
        relative_residual=residual,
    )


def _vertex_stress(q: _Quadratic, n_points: int, u: FloatArray, lam: float, mu: float) -> tuple[FloatArray, FloatArray]:
    """Volume-weighted average over elements of each element's stress at its vertices."""
    element_u = u[q.nodes]  # (m, 10, 3)
    total = np.zeros((n_points, 6))
    weight = np.zeros(n_points)
    for corner in range(4):
        grad_n = _shape_gradients(q, np.eye(4)[corner])  # (m, 10, 3)
        grad = np.einsum("eai,eaj->eij", element_u, grad_n)  # d u_i / d x_j
        strain = 0.5 * (grad + np.swapaxes(grad, 1, 2))
        trace = strain[:, 0, 0] + strain[:, 1, 1] + strain[:, 2, 2]
        sigma = np.stack(
            [
                2 * mu * strain[:, 0, 0] + lam * trace,
                2 * mu * strain[:, 1, 1] + lam * trace,
                2 * mu * strain[:, 2, 2] + lam * trace,
                2 * mu * strain[:, 1, 2],
                2 * mu * strain[:, 0, 2],
                2 * mu * strain[:, 0, 1],
            ],
            axis=-1,
        )
        np.add.at(total, q.tets[:, corner], sigma * q.volumes[:, None])
        np.add.at(weight, q.tets[:, corner], q.volumes)
    stress = total / np.maximum(weight, 1e-300)[:, None]
    return stress, von_mises(stress)
