"""Float solves of the convex program of one piece (proposals only; exact checks decide).

docs/METHOD.md section 10. A pair c = (C, e) is a chamber C of one unit's arrangement and a
sign e; a piece is a multiset of L pairs. Its program is

    min_w F(w) = 1/2 |yt - sum_l M_l w_l|^2 + lambda sum_l |w_l|   s.t.  G_l w_l >= 0,

M_l = D_l Xt, G_l = diag(e_l sigma_l) Xt. This module solves it in floats with CLARABEL
(called directly on the reduced form below, or through cvxpy for comparison), turns its
solution into a dual direction (the residual v = yt - sum_l M_l w_l, optimal for the dual
max {yt . v - |v|^2 / 2 : |Pi_{K_l}(M_l^T v)| <= lambda}) and evaluates, for a direction,
the support rho_c(v) = |Pi_{K_c}(M_c^T v)| = min_{mu >= 0} |M_c^T v + G_c^T mu| of every
pair by non-negative least squares. Nothing here is trusted:
:mod:`reluscape.exact.certificate` checks the rationalized (v, mu) exactly.

Reduced form for the solver: with x = (w_1, ..., w_L, s_1, ..., s_L) and M = [M_1 ... M_L],

    min 1/2 w^T (M^T M) w - (M^T yt) . w + lambda sum_l s_l + 1/2 |yt|^2
    s.t. G_l w_l >= 0,  (s_l, w_l) in the second-order cone,

so the solver sees L (d + 2) variables whatever n is.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import nnls
from scipy.sparse import csc_matrix

from reluscape.data import Problem
from reluscape.numerical.loss import float_data

__all__ = ["PiecePrograms", "PieceSolution", "bound_from_support"]

ACCEPTED = ("Solved", "AlmostSolved")
# Cones of d = 2 with at most this many facets get the closed-form support (k^2 edge
# candidates each); others, NNLS.
SPATIAL_FACETS = 12
# Relative slack of the float membership tests of the closed-form supports (floats only
# choose: the exact certificate checks its own multipliers).
CONE_TOL = 1e-12
UNIT_ROUNDOFF = 2.0**-53


@dataclass(frozen=True)
class PieceSolution:
    """A float solution of one piece's program.

    ``value`` is F(w) recomputed at ``w`` (an upper bound of the piece's optimum up to
    rounding), ``w`` has shape (L, d+1), ``status`` is the solver's.
    """

    value: float
    w: np.ndarray
    status: str

    @property
    def ok(self) -> bool:
        return self.status in ACCEPTED


def _least_certified(
    g: np.ndarray, t: np.ndarray, rows: np.ndarray, slack: float
) -> tuple[np.ndarray, np.ndarray]:
    """min over the multipliers of :meth:`PiecePrograms.certified_supports` of the
    rigorous bound of |g + sum_m mu_m r_m|, and the multipliers (pairs x k) reaching it:
    g (pairs x w) and T = sum |v||xt| (pairs x w) from floats, rows r (pairs x k x w)
    the facet rows."""
    k = rows.shape[1]
    norm2 = (rows * rows).sum(axis=2)  # (pairs, k)
    rg = np.einsum("pkw,pw->pk", rows, g)
    cands = [np.zeros((len(g), k))]
    for j in range(k):
        mu = np.zeros((len(g), k))
        mu[:, j] = np.maximum(0.0, -rg[:, j] / norm2[:, j])
        cands.append(mu)
    # Two or (d = 2) three rows: sum mu_j r_j = -g in least squares, by QR of the rows
    # (nearly parallel rows make the normal equations lose every digit).
    sizes = (2, 3) if rows.shape[2] == 3 else (2,)
    for size in sizes:
        for group in itertools.combinations(range(k), size):
            cols = np.transpose(rows[:, list(group), :], (0, 2, 1))  # (pairs, w, size)
            basis, tri = np.linalg.qr(cols)
            rhs = np.einsum("pws,pw->ps", basis, -g)
            diag = np.abs(np.diagonal(tri, axis1=1, axis2=2)).min(axis=1)
            ok = diag > 1e-12 * np.abs(tri).max(axis=(1, 2))
            sol = np.zeros((len(g), size))
            if ok.any():
                sol[ok] = np.linalg.solve(tri[ok], rhs[ok][:, :, None])[:, :, 0]
            mu = np.zeros((len(g), k))
            mu[:, list(group)] = np.maximum(sol, 0.0)
            cands.append(mu)
    best = np.full(len(g), np.inf)
    chosen = cands[0]
    absrows = np.abs(rows)
    for mu in cands:
        h = g + np.einsum("pk,pkw->pw", mu, rows)
        err = slack * (t + np.einsum("pk,pkw->pw", mu, absrows))
        q = np.sqrt(((np.abs(h) + err) ** 2).sum(axis=1)) * (1 + 2.0**-40)
        better = q < best
        best = np.where(better, q, best)
        chosen = np.where(better[:, None], mu, chosen)
    return best, chosen


def bound_from_support(a: float, b: float, lam: float, rho: np.ndarray) -> np.ndarray:
    """Float twin of :func:`reluscape.exact.certificate.piece_bound`, vectorized over rho.

    max_{0 <= t <= lam / rho} t a - t^2 b / 2, with a = yt . v and b = |v|^2.

    >>> bound_from_support(4.0, 2.0, 1.0, np.array([0.25, 1.0]))
    array([4., 3.])
    """
    rho = np.asarray(rho, dtype=float)
    if a <= 0 or b == 0:
        return np.zeros_like(rho)
    with np.errstate(divide="ignore"):
        t = np.minimum(a / b, np.where(rho > 0, lam / np.where(rho > 0, rho, 1.0), np.inf))
    return t * a - t * t * b / 2


class PiecePrograms:
    """The pieces' programs of one problem, over a fixed list of pairs.

    Parameters
    ----------
    problem : Problem
        Data and lambda (sum convention, ``lam_sum``).
    pairs : sequence of (signs, sign)
        Sign vectors sigma and unit signs e in {-1, +1}: chambers (sigma in {-1, +1}^n) or,
        for the faces of the exact path's selection, any face (a zero sigma_i is the
        equality xt_i . w = 0).
    """

    def __init__(
        self,
        problem: Problem,
        pairs: Sequence[tuple[Sequence[int], int]],
        facets: Sequence[Sequence[int]] | None = None,
    ) -> None:
        signs = np.array([list(s) for s, _ in pairs], dtype=np.int8).reshape(len(pairs), problem.n)
        self._setup(problem, signs, np.array([e for _, e in pairs], dtype=float), facets)

    @classmethod
    def of_signs(
        cls,
        problem: Problem,
        signs: np.ndarray,
        sign: np.ndarray,
        facets: Sequence[Sequence[int]] | None = None,
    ) -> PiecePrograms:
        """The same from a matrix of sign vectors (pairs x n, int8) and the unit signs,
        without a Python list of n entries per pair; ``facets``, when given, are the
        facet samples of each pair's face (:func:`reluscape.exact.arrangement.
        facet_samples`), which then need no float search (:meth:`_facet_rows`)."""
        out = cls.__new__(cls)
        out._setup(problem, np.asarray(signs, dtype=np.int8), np.asarray(sign, float), facets)
        return out

    def _setup(
        self,
        problem: Problem,
        signs: np.ndarray,
        sign: np.ndarray,
        facets: Sequence[Sequence[int]] | None,
    ) -> None:
        self.xt, self.yt, self.lam = float_data(problem)
        self.hidden = problem.hidden
        # One byte per pair and sample (bool, int8): float copies of these matrices
        # would take gigabytes at 10^5 pairs of 442 samples.
        self.active = signs > 0
        self.sign = sign
        self.cone = signs * sign.astype(np.int8)[:, None]
        self.width = self.xt.shape[1]
        self.equal = signs == 0
        if facets is None:
            self.facets = [self._facet_rows(c) for c in range(len(signs))]
        else:
            self.facets = [np.array(f, dtype=int) for f in facets]
        self._planar = self._planar_edges()
        self._spatial = self._spatial_cones()

    def _planar_edges(self) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """For d = 1, the pairs whose cone has two facet rows u_1, u_2, with its edge
        directions e_j (perpendicular to u_j, inside the other half-plane): then
        rho_c(v) = |g| if g is in the cone, else max(0, g . e_1, g . e_2) (the support of
        a planar cone over the unit disk), vectorized over pairs."""
        if self.width != 2:
            return None
        which = np.array(
            [len(f) == 2 and not self.equal[c].any() for c, f in enumerate(self.facets)]
        )
        idx = np.flatnonzero(which)
        if idx.size == 0:
            return None
        rows = np.array([self.facets[c] for c in idx])
        u = self.cone[idx[:, None], rows][:, :, None] * self.xt[rows]  # (pairs, 2 facets, 2)
        perp = np.stack([-u[:, :, 1], u[:, :, 0]], axis=2)
        # orient edge j into the half-plane of the other facet row
        other = u[:, ::-1, :]
        flip = np.where((perp * other).sum(axis=2) < 0, -1.0, 1.0)
        edges = perp * flip[:, :, None]
        edges /= np.linalg.norm(edges, axis=2)[:, :, None]
        return idx, u, edges

    def _spatial_cones(self) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """For d = 2, the pairs of cones with k facet rows, 3 <= k <= :data:`SPATIAL_FACETS`
        and no equality, grouped by k: their unit facet normals U (pairs x k x 3) and unit
        candidate edges u_j x u_l oriented into the cone (pairs x k(k-1)/2 x 3; zero where
        neither orientation is in the cone: those two facets share no edge)."""
        if self.width != 3:
            return []
        groups: dict[int, list[int]] = {}
        for c, f in enumerate(self.facets):
            if 3 <= len(f) <= SPATIAL_FACETS and not self.equal[c].any():
                groups.setdefault(len(f), []).append(c)
        out = []
        for k, members in sorted(groups.items()):
            idx = np.array(members)
            rows = np.array([self.facets[c] for c in idx])
            u = self.cone[idx[:, None], rows][:, :, None] * self.xt[rows]
            u /= np.linalg.norm(u, axis=2)[:, :, None]
            j, m = np.triu_indices(k, 1)
            r = np.cross(u[:, j], u[:, m])
            r /= np.maximum(np.linalg.norm(r, axis=2), 1e-300)[:, :, None]
            side = np.einsum("pej,pkj->pek", r, u)  # u_k . r for every edge candidate
            up = (side >= -CONE_TOL).all(axis=2)
            down = (side <= CONE_TOL).all(axis=2)
            r *= np.where(up, 1.0, np.where(down, -1.0, 0.0))[:, :, None]
            out.append((idx, u, r))
        return out

    def _spatial_supports(self, sums: np.ndarray, rho: np.ndarray) -> None:
        """rho_c(v) = |Pi_K(g)| for the cones of :meth:`_spatial_cones`, in closed form:
        the projection onto a closed convex cone is its nearest point among g (if
        inside), the projections onto the facet planes that land in K, the projections
        max(0, g . r) r onto the edges and 0; one of them is Pi_K(g) (the projection
        onto the span of the face holding it), and all lie in K."""
        for idx, u, r in self._spatial:
            g = sums[idx]
            g2 = (g * g).sum(axis=1)
            ug = np.einsum("pkj,pj->pk", u, g)
            best = np.where((ug >= -CONE_TOL * np.sqrt(g2)[:, None]).all(axis=1), 0.0, g2)
            out = np.where(best == 0.0, np.sqrt(g2), 0.0)
            q = g[:, None, :] - ug[:, :, None] * u  # onto each facet plane
            q2 = (q * q).sum(axis=2)
            inside = (np.einsum("pkj,pmj->pkm", q, u) >= -CONE_TOL * np.sqrt(q2)[:, :, None]).all(
                axis=2
            )
            dist = np.where(inside, ug * ug, np.inf)
            k = dist.argmin(axis=1)
            take = dist[np.arange(len(idx)), k] < best
            best = np.where(take, dist[np.arange(len(idx)), k], best)
            out = np.where(take, np.sqrt(q2[np.arange(len(idx)), k]), out)
            t = np.maximum(np.einsum("pej,pj->pe", r, g), 0.0)  # onto each edge (0: none)
            dist = g2[:, None] - t * t
            e = dist.argmin(axis=1)
            take = dist[np.arange(len(idx)), e] < best
            out = np.where(take, t[np.arange(len(idx)), e], out)
            rho[idx] = out

    def _facet_rows(self, c: int) -> np.ndarray:
        """Rows of G_c enough to define the cone K_c (a hint for the solver and the
        multipliers; a superset is always correct). For d = 1 the cone is planar and its
        edges are perpendicular to at most two rows; otherwise every distinct row."""
        g = self._g(c)
        rows = np.unique(
            np.hstack([g, self.equal[c][:, None] * self.xt]), axis=0, return_index=True
        )[1]
        if self.width != 2 or self.equal[c].any():
            return np.sort(rows)
        g = g[rows]
        perp = np.stack([-g[:, 1], g[:, 0]], axis=1)
        cand = np.concatenate([perp, -perp])
        size = np.abs(g).sum(axis=1).max() * np.abs(cand).sum(axis=1)
        inside = (g @ cand.T).min(axis=0) >= -1e-12 * size
        keep: list[int] = []
        edges: list[np.ndarray] = []
        for k in np.flatnonzero(inside):
            ray = cand[k] / np.abs(cand[k]).sum()
            if not any(np.abs(ray - e).sum() <= 1e-9 for e in edges):
                edges.append(ray)
                keep.append(int(rows[k % len(rows)]))
        return np.array(sorted(set(keep)) or np.sort(rows), dtype=int)

    def _m(self, c: int) -> np.ndarray:
        return self.active[c][:, None] * self.xt

    def _g(self, c: int) -> np.ndarray:
        return self.cone[c][:, None] * self.xt

    def objective(self, piece: Sequence[int], w: np.ndarray) -> float:
        """F(w) in floats."""
        fit = sum((self._m(c) @ w[u] for u, c in enumerate(piece)), np.zeros_like(self.yt))
        resid = self.yt - fit
        return float(0.5 * resid @ resid + self.lam * np.linalg.norm(w, axis=1).sum())

    def residual(self, piece: Sequence[int], w: np.ndarray) -> np.ndarray:
        """v = yt - sum_l M_l w_l, the dual direction of a (near) optimal w."""
        fit = sum((self._m(c) @ w[u] for u, c in enumerate(piece)), np.zeros_like(self.yt))
        return self.yt - fit

    def solve(self, piece: Sequence[int]) -> PieceSolution:
        """Solve the reduced form (module docstring) with CLARABEL's own interface."""
        import clarabel

        L, p = len(piece), self.width
        nw = L * p
        m = np.hstack([self._m(c) for c in piece])
        quad = np.zeros((nw + L, nw + L))
        quad[:nw, :nw] = m.T @ m
        lin = np.concatenate([-(m.T @ self.yt), np.full(L, self.lam)])
        n = len(self.yt)
        eq = [np.flatnonzero(self.equal[c]) for c in piece]
        n_eq = sum(len(e) for e in eq)
        rows = np.zeros((n_eq + n * L + L * (p + 1), nw + L))
        at = 0
        for u, zero in enumerate(eq):  # equalities xt_i . w_u = 0 on the face's zero set
            rows[at : at + len(zero), u * p : (u + 1) * p] = self.xt[zero]
            at += len(zero)
        for u, c in enumerate(piece):
            rows[n_eq + u * n : n_eq + (u + 1) * n, u * p : (u + 1) * p] = -self._g(c)
            base = n_eq + n * L + u * (p + 1)
            rows[base, nw + u] = -1.0
            rows[base + 1 : base + 1 + p, u * p : (u + 1) * p] = -np.eye(p)
        cones = (
            ([clarabel.ZeroConeT(n_eq)] if n_eq else [])
            + [clarabel.NonnegativeConeT(n * L)]
            + [clarabel.SecondOrderConeT(p + 1) for _ in range(L)]
        )
        settings = clarabel.DefaultSettings()
        settings.verbose = False
        solver = clarabel.DefaultSolver(
            csc_matrix(np.triu(quad)), lin, csc_matrix(rows), np.zeros(rows.shape[0]), cones,
            settings,
        )  # fmt: skip
        sol = solver.solve()
        w = np.array(sol.x[:nw]).reshape(L, p)
        return PieceSolution(self.objective(piece, w), w, str(sol.status))

    def solve_cvxpy(self, piece: Sequence[int], solver: str = "CLARABEL") -> PieceSolution:
        """The same program stated in cvxpy (the reference the direct call is tested
        against, and the baseline of the benchmark)."""
        import cvxpy as cp

        W = [cp.Variable(self.width) for _ in piece]
        fit = sum(self._m(c) @ W[u] for u, c in enumerate(piece))
        cons = [self._g(c) @ W[u] >= 0 for u, c in enumerate(piece)]
        cons += [
            self.xt[self.equal[c]] @ W[u] == 0 for u, c in enumerate(piece) if self.equal[c].any()
        ]
        obj = 0.5 * cp.sum_squares(self.yt - fit) + self.lam * sum(cp.norm(w, 2) for w in W)
        prob = cp.Problem(cp.Minimize(obj), cons)
        prob.solve(solver=solver)
        w = np.array([wl.value for wl in W])
        status = "Solved" if prob.status == "optimal" else str(prob.status)
        return PieceSolution(self.objective(piece, w), w, status)

    def support(self, v: np.ndarray, c: int) -> tuple[float, dict[int, float]]:
        """rho_c(v) = min_{mu >= 0} |M_c^T v + G_c^T mu| and a minimizing mu (sparse)."""
        g = (self.active[c] * v) @ self.xt
        rows = self.facets[c]
        ineq, eq = rows[~self.equal[c][rows]], rows[self.equal[c][rows]]
        # An equality row xt_i . w = 0 enters twice, as +xt_i and -xt_i (a free multiplier).
        gt = np.vstack([self.cone[c][ineq][:, None] * self.xt[ineq], self.xt[eq], -self.xt[eq]])
        if np.all(gt @ g >= 0):  # g is in the cone: its own projection, mu = 0
            return float(np.linalg.norm(g)), {}
        mu, rnorm = nnls(gt.T, -g)
        k = len(ineq)
        out = {int(i): float(m) for i, m in zip(ineq, mu[:k], strict=True) if m > 0}
        free = mu[k : k + len(eq)] - mu[k + len(eq) :]
        out.update({int(i): float(m) for i, m in zip(eq, free, strict=True) if m != 0})
        return float(rnorm), out

    def active_sums(self, v: np.ndarray, xt: np.ndarray | None = None) -> np.ndarray:
        """M_c^T v = sum_{i active in c} v_i xt_i of every pair (pairs x (d+1)), a block
        of pairs at a time (the 0/1 matrix in floats, block by block); ``xt`` another
        matrix in place of the data's."""
        vx = v[:, None] * (self.xt if xt is None else xt)
        out = np.empty((len(self.active), self.width))
        step = max(1, 2**22 // max(1, self.active.shape[1]))
        for k in range(0, len(self.active), step):
            out[k : k + step] = self.active[k : k + step].astype(float) @ vx
        return out

    def certified_supports(self, v: np.ndarray) -> np.ndarray:
        """Upper bounds q_c >= |M_c^T v + G_c^T mu_c| >= rho_c(v), for some mu_c >= 0, that
        hold for the exact rational v whose correctly rounded floats ``v`` holds and the
        exact data (inf for pairs without a closed-form cone, see below).

        mu_c is the best of: 0, one facet row r_j (mu_j = max(0, -r_j . g / |r_j|^2)), two
        facet rows and, for d = 2, three (sum mu_j r_j = -g in least squares), clipped at
        0: any mu >= 0 gives a valid certificate, and these hold the projection's own
        (its face's facets), so q is near rho_c. Rounding: every entry of
        h = g + sum mu_m r_m is a sum of at most n + 3 terms, each a product of correctly
        rounded inputs; with u = 2^-53 its computed value is within gamma_(n+6) T_j of
        the exact one, T_j = sum_i |v_i| |xt_ij| + sum_m mu_m |xt_mj| (any order of
        summation, fused or not); 2 (n + 8) u T_j (computed) bounds that, and the norm of
        |h_j| + err_j, computed in at most 6 operations, is raised by the factor
        1 + 2^-40 > (1 + u)^6. Pairs: the planar cones of d = 1 (two facet rows) and the
        cones of d = 2 with at most :data:`SPATIAL_FACETS` facets."""
        return self._certified(v, np.arange(len(self.active)))[0]

    def certified_support(self, v: np.ndarray, c: int) -> tuple[float, dict[int, float]]:
        """:meth:`certified_supports` of one pair, with its multipliers by sample (what
        the tests check exactly)."""
        q, mu = self._certified(v, np.array([c]))
        if mu[0] is None:
            return float(q[0]), {}
        return float(q[0]), {
            int(i): float(m) for i, m in zip(self.facets[c], mu[0], strict=True) if m
        }

    def _certified(self, v: np.ndarray, only: np.ndarray) -> tuple[np.ndarray, list]:
        """Bounds of the pairs ``only`` (inf where no closed form) and their multipliers."""
        out = np.full(len(self.active), np.inf)
        mus: list = [None] * len(self.active)
        groups = []
        if self._planar is not None:
            groups.append(self._planar[0])
        groups += [idx for idx, _, _ in self._spatial]
        wanted = np.zeros(len(self.active), dtype=bool)
        wanted[only] = True
        g_all = self.active_sums(v)
        t_all = self.active_sums(np.abs(v), np.abs(self.xt))
        slack = 2 * (len(v) + 8) * UNIT_ROUNDOFF
        for idx in groups:
            idx = idx[wanted[idx]]
            for at in range(0, len(idx), 8192):
                part = idx[at : at + 8192]
                facets = np.array([self.facets[c] for c in part])
                rows = self.cone[part[:, None], facets][:, :, None] * self.xt[facets]
                q, mu = _least_certified(g_all[part], t_all[part], rows, slack)
                out[part] = q
                for c, m in zip(part.tolist(), mu, strict=True):
                    mus[c] = m
        return out[only], [mus[c] for c in only.tolist()]

    def signs_of(self, pairs: Sequence[int]) -> np.ndarray:
        """sigma of the given pairs (rows of an int8 matrix)."""
        rows = list(pairs)
        return self.cone[rows] * self.sign[rows].astype(np.int8)[:, None]

    def supports(self, v: np.ndarray) -> np.ndarray:
        """rho_c(v) for every pair c (closed form for planar cones, else NNLS)."""
        rho = np.full(len(self.active), np.nan)
        if self._planar is not None:
            idx, u, edges = self._planar
            g = self.active_sums(v)[idx]
            inside = ((u @ g[:, :, None])[:, :, 0] >= 0).all(axis=1)
            along = np.maximum((edges @ g[:, :, None])[:, :, 0].max(axis=1), 0.0)
            rho[idx] = np.where(inside, np.linalg.norm(g, axis=1), along)
        if self._spatial:
            self._spatial_supports(self.active_sums(v), rho)
        for c in np.flatnonzero(np.isnan(rho)):
            rho[c] = self.support(v, int(c))[0]
        return rho

    def lift(self, piece: Sequence[int], w: np.ndarray) -> np.ndarray:
        """psi with theta_l = e_l w_l / sqrt|w_l| in cl(C_l) (0 for w_l = 0), the balanced
        point of w; with a_l = e_l sqrt|w_l| its loss is F(w)."""
        norms = np.linalg.norm(w, axis=1)
        scale = np.where(norms > 0, 1.0 / np.sqrt(np.where(norms > 0, norms, 1.0)), 0.0)
        signs = np.array([self.sign[c] for c in piece])
        return w * (scale * signs)[:, None]
