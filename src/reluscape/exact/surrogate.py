"""Surrogate: the polynomial system of one product face (docs/METHOD.md sections 3 and 4b).

On a product face F = F_1 x ... x F_L, write theta_l = K_l t_l with K_l a rational basis
of span(F_l) and A_l the active set of F_l. The unprojected loss restricted to span(F) is
the degree-4 polynomial

    l_F(a, t) = 1/2 sum_i (yt_i - sum_l a_l [i in A_l] (K_l t_l) . xt_i)^2
                + lambda/2 sum_l (a_l^2 + |K_l t_l|^2).

Its critical points (dl_F/da = 0, dl_F/dt = 0, a cubic system with no denominator)
correspond one to one to those of the rational surrogate g_F(t) = min_a l_F(a, t): the
a-equations say a = a_hat(t) = (Omega^T Omega + lambda I)^{-1} Omega^T yt, and by the
envelope theorem grad_t g_F = grad_t l_F there. Units whose face is the origin have
Omega column 0, so a_l = 0 at every critical point; they carry no variable.

Relative-interior conditions are the strict linear inequalities sigma_li theta_l . xt_i > 0
for i outside the zero set of F_l.

*Effective weights.* In relint(F) every live unit has theta_l != 0, hence a_l != 0 at a
critical point (a_l = 0 forces lambda K_l^T K_l t_l = 0). With w_l = a_l t_l and
rho_l = a_l^2, a critical point of l_F satisfies the balance |K_l t_l|^2 = a_l^2 and

    rho_l K_l^T g_l(w) = lambda K_l^T K_l w_l,   rho_l^2 = |K_l w_l|^2,   z prod_l rho_l = 1,

with g_l(w) = sum_{i in A_l} e_i xt_i and e_i = yt_i - sum_l [i in A_l] (K_l w_l) . xt_i.
Conversely a real solution with every rho_l > 0 gives the critical points
a_l = s_l sqrt(rho_l), t_l = w_l / a_l, and one sign s_l puts theta_l in relint(F_l) iff
s_l K_l w_l lies in it. The system is quadratic, and the sign symmetries
(a_l, t_l) -> (-a_l, -t_l) of l_F are quotiented out: its degree is about 2^-L times that
of the critical system of l_F, which is what makes it the cheap exclusion test of a face.
msolve solves it in the directions v_l = w_l / rho_l (:attr:`FaceSystem.direction_equations`),
without z.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from typing import Any

from reluscape.data import Problem, sample_gram, sample_moment
from reluscape.exact import algebra
from reluscape.exact.arrangement import UnitFace, facet_samples

Poly = Any


@dataclass
class FaceSystem:
    """Variables, loss polynomial and critical equations of one product face.

    Examples
    --------
    >>> from reluscape.data import make_problem
    >>> from reluscape.exact.arrangement import unit_arrangement
    >>> p = make_problem([[0], [1]], [0, 1], hidden=1, lam=1)
    >>> arr = unit_arrangement(p)
    >>> chamber = arr.face_of((1, 1))
    >>> sysF = FaceSystem.build(p, (chamber,))
    >>> sysF.variable_names
    ('a0', 't0_0', 't0_1')
    >>> len(sysF.equations), len(sysF.constraints)
    (3, 2)
    """

    problem: Problem
    faces: tuple[UnitFace, ...]
    ring: Any
    live: tuple[int, ...]

    @classmethod
    def build(cls, problem: Problem, faces: tuple[UnitFace, ...]) -> FaceSystem:
        live = tuple(u for u, f in enumerate(faces) if f.dim > 0)
        names = [f"a{u}" for u in live]
        for u in live:
            names += [f"t{u}_{j}" for j in range(faces[u].dim)]
        R = algebra.ring(names) if names else None
        return cls(problem=problem, faces=faces, ring=R, live=live)

    @property
    def variable_names(self) -> tuple[str, ...]:
        return tuple(str(v) for v in self.ring.gens()) if self.ring is not None else ()

    def a_var(self, unit: int) -> Poly:
        return self.ring(f"a{unit}")

    def t_vars(self, unit: int) -> list[Poly]:
        return [self.ring(f"t{unit}_{j}") for j in range(self.faces[unit].dim)]

    @cached_property
    def all_t_vars(self) -> list[Poly]:
        return [v for u in self.live for v in self.t_vars(u)]

    @cached_property
    def all_a_vars(self) -> list[Poly]:
        return [self.a_var(u) for u in self.live]

    @cached_property
    def theta(self) -> dict[int, list[Poly]]:
        """theta_l = K_l t_l as polynomials (length d + 1) for each live unit."""
        return {u: _span_vector(self.faces[u].basis, self.t_vars(u)) for u in self.live}

    def preactivation(self, unit: int, sample: int) -> Poly:
        """theta_unit . xt_sample on span(F)."""
        xt = self.problem.xt[sample]
        return sum(
            (algebra.to_qq(x) * th for x, th in zip(xt, self.theta[unit], strict=True)),
            self.ring(0),
        )

    @cached_property
    def loss(self) -> Poly:
        """l_F(a, t), the unprojected loss on span(F), with its square expanded:

            l_F = 1/2 |yt|^2 - sum_l a_l theta_l . b_l
                  + 1/2 sum_{l,m} a_l a_m theta_l^T G_lm theta_m
                  + lambda/2 sum_l (a_l^2 + |theta_l|^2),

        b_l = sum_{i in A_l} yt_i xt_i and G_lm = sum_{i in A_l and A_m} xt_i xt_i^T
        (:func:`~reluscape.data.sample_moment`, :func:`~reluscape.data.sample_gram`), so
        that the polynomial work does not grow with n.
        """
        R = self.ring
        lam = algebra.to_qq(self.problem.lam_sum)
        theta = self.theta
        fit = algebra.to_qq(sum((v * v for v in self.problem.yt), Fraction(0)))
        for u in self.live:
            fit -= 2 * self.a_var(u) * _dot(self._moment(u), theta[u])
            for m in self.live:
                gram_theta = [_dot(row, theta[m]) for row in self._gram(u, m)]
                fit += self.a_var(u) * self.a_var(m) * _dot(theta[u], gram_theta)
        reg = sum(
            (self.a_var(u) ** 2 + sum(th**2 for th in self.theta[u]) for u in self.live), R(0)
        )
        return fit / 2 + lam * reg / 2

    def _moment(self, unit: int) -> list[Any]:
        """b_l = sum_{i in A_l} yt_i xt_i, as Sage rationals."""
        return [algebra.to_qq(v) for v in sample_moment(self.problem, self.faces[unit].active)]

    def _gram(self, unit: int, other: int) -> list[list[Any]]:
        """G_lm = sum_{i in A_l and A_m} xt_i xt_i^T, as Sage rationals."""
        common = tuple(sorted(set(self.faces[unit].active) & set(self.faces[other].active)))
        return [[algebra.to_qq(v) for v in row] for row in sample_gram(self.problem, common)]

    @cached_property
    def a_equations(self) -> list[Poly]:
        """dl_F/da_l = 0: the linear system (Omega^T Omega + lambda I) a = Omega^T yt."""
        return [self.loss.derivative(v) for v in self.all_a_vars]

    @cached_property
    def t_equations(self) -> list[Poly]:
        """dl_F/dt_j = 0."""
        return [self.loss.derivative(v) for v in self.all_t_vars]

    @cached_property
    def equations(self) -> list[Poly]:
        """The critical-point system of l_F (cubic, no denominator)."""
        return [*self.a_equations, *self.t_equations]

    @cached_property
    def lift_ring(self) -> Any:
        """The ring of (a, t) with one more variable z, for the systems below."""
        return algebra.ring([*self.variable_names, "z"])

    @cached_property
    def _embed(self) -> Any:
        R2 = self.lift_ring
        return self.ring.hom(list(R2.gens())[:-1], R2)

    @cached_property
    def _a_product(self) -> Poly:
        out = self.lift_ring(1)
        for a in self.all_a_vars:
            out *= self._embed(a)
        return out

    @cached_property
    def regular_equations(self) -> list[Poly]:
        """The critical system of l_F with z a_1 ... a_L - 1 = 0 (Rabinowitsch).

        Its real solutions are the critical points with every a_l != 0: all those in
        relint(F) (module docstring), without the branches where some unit is dead.
        """
        return [
            *(self._embed(e) for e in self.equations),
            self.lift_ring("z") * self._a_product - 1,
        ]

    @cached_property
    def gram_det(self) -> Poly:
        """D(t) = det(Omega^T Omega + lambda I), the determinant of the a-equations.

        D >= lambda^L > 0 at every real t, so a = a_hat(t) is determined there.
        """
        M = algebra.matrix_over(
            self.ring,
            [[eq.derivative(v) for v in self.all_a_vars] for eq in self.a_equations],
        )
        return M.det()

    def lift_with_a(self, t_system: list[Poly], *, determined: bool = False) -> list[Poly]:
        """A zero-dimensional system in t, completed with a = a_hat(t).

        The a-equations M(t) a = b(t), M = Omega^T Omega + lambda I, determine a wherever
        D(t) = det M(t) != 0, which holds at every real t (D >= lambda^L). Complex t with
        D(t) = 0 would leave a free, so z D a_1 ... a_L - 1 = 0 is added (Rabinowitsch): no
        real point in relint(F) is lost (there every a_l != 0) and the system stays
        zero-dimensional.

        ``determined``: the caller has shown that D a_1 ... a_L != 0 at every complex
        solution of the t-system and the a-equations. Then z - 1 = 0 is added instead:
        the same solutions in (a, t), z = 1 rather than z = 1 / (D a_1 ... a_L), whose
        parametrization had the heights of D and of every a_l added up, and with it the
        cost of every msolve run on the system (a slice system of L = 4, n = 5 data:
        2.1 s -> 0.2 s; of L = 3, n = 4: 8.6 s -> 0.8 s).
        """
        z = self.lift_ring("z")
        pin = z - 1 if determined else z * self._embed(self.gram_det) * self._a_product - 1
        return [
            *(self._embed(g) for g in t_system),
            *(self._embed(e) for e in self.a_equations),
            pin,
        ]

    @cached_property
    def effective_ring(self) -> Any:
        """Ring of the effective weights: w{u}_{j}, r{u} (rho_u) for live units, and z."""
        names = [f"w{u}_{j}" for u in self.live for j in range(self.faces[u].dim)]
        return algebra.ring([*names, *(f"r{u}" for u in self.live), "z"])

    @cached_property
    def _effective_theta(self) -> dict[int, list[Poly]]:
        """K_l w_l (length d + 1) for each live unit, in :attr:`effective_ring`."""
        return self._weights_theta(self.effective_ring, "w")

    def _weights_theta(self, R: Any, letter: str) -> dict[int, list[Poly]]:
        """K_l x_l (length d + 1) for each live unit, x_l the variables {letter}{u}_{j}
        of the ring R (the effective weights w, or directions v)."""
        return {
            u: _span_vector(
                self.faces[u].basis, [R(f"{letter}{u}_{j}") for j in range(self.faces[u].dim)]
            )
            for u in self.live
        }

    @cached_property
    def effective_equations(self) -> list[Poly]:
        """The quadratic critical system in effective weights (module docstring), with
        g_l = b_l - sum_m G_lm K_m w_m (see :attr:`loss`)."""
        R = self.effective_ring
        eqs = []
        rho_product = R(1)
        for u in self.live:
            rho = R(f"r{u}")
            rho_product *= rho
            theta = self._effective_theta
            eqs += [rho * kg - lk for kg, lk in self._effective_terms(R, u, theta, theta)]
            eqs.append(rho**2 - _dot(self._effective_theta[u], self._effective_theta[u]))
        eqs.append(R("z") * rho_product - 1)
        return eqs

    @cached_property
    def direction_ring(self) -> Any:
        """Ring of the effective directions v{u}_{j} (v_l = w_l / rho_l = t_l / a_l), then
        r{u} (rho_u), for the live units (:attr:`direction_equations`)."""
        names = [f"v{u}_{j}" for u in self.live for j in range(self.faces[u].dim)]
        return algebra.ring([*names, *(f"r{u}" for u in self.live)])

    @cached_property
    def direction_equations(self) -> list[Poly]:
        """The effective-weight system in v_l = w_l / rho_l (docs/METHOD.md section 4b):

            K_l^T g_l(rho v) = lambda K_l^T K_l v_l,   |K_l v_l|^2 = 1,

        g_l(rho v) = b_l - sum_m G_lm K_m rho_m v_m. At every rho_l != 0 these are the
        effective equations at w_l = rho_l v_l divided by rho_l (and the balance by
        rho_l^2), so their solutions with every rho_l != 0 are those of
        :attr:`effective_equations` under w_l = rho_l v_l, z = 1 / prod rho_l; the
        others have some rho_l = 0 and stand for no critical point in relint(F). No
        Rabinowitsch variable: z = 1 / prod rho_l had about the sum of the heights of the
        rho_l, and msolve's multi-modular lifting needs primes for the largest height of
        its parametrization (a face of four units, L = 4, n = 5: 1104 bits here against
        2674 for z). Measured in one run on 150 faces of seeded L = 4, n = 5 data: 129 s
        -> 7.3 s, the slowest 21.5 s -> 0.6 s (bench/faces.py's machine, loaded).
        """
        R = self.direction_ring
        own = self._weights_theta(R, "v")
        fitted = {u: [R(f"r{u}") * x for x in own[u]] for u in self.live}
        eqs = []
        for u in self.live:
            eqs += [kg - lk for kg, lk in self._effective_terms(R, u, fitted, own)]
            eqs.append(1 - _dot(own[u], own[u]))
        return eqs

    def _effective_terms(
        self, R: Any, unit: int, fitted: dict[int, list[Poly]], own: dict[int, list[Poly]]
    ) -> list[tuple[Poly, Poly]]:
        """(K_l^T g_l, lambda K_l^T K_l x_l) row by row, for l = ``unit``, in the ring R:
        g_l = b_l - sum_m G_lm f_m (see :attr:`loss`) with f_m = ``fitted[m]`` (K_m w_m,
        or K_m rho_m v_m) and K_l x_l = ``own[unit]`` (K_l w_l, or K_l v_l)."""
        lam = algebra.to_qq(self.problem.lam_sum)
        g = [R(v) for v in self._moment(unit)]
        for m in self.live:
            for k, row in enumerate(self._gram(unit, m)):
                g[k] -= _dot(row, fitted[m])
        out = []
        for b in self.faces[unit].basis:
            kb = [algebra.to_qq(v) for v in b]
            out.append((_dot(kb, g), lam * _dot(kb, own[unit])))
        return out

    def effective_unit_forms(self, unit: int) -> list[Poly]:
        """sigma_li (K_l w_l) . xt_i for the facet samples i of the unit's face
        (:func:`~reluscape.exact.arrangement.facet_samples`): relint(F_l) holds s K_l w_l
        iff s times every form is positive."""
        return self._unit_forms(unit, self._effective_theta[unit])

    def direction_unit_forms(self, unit: int) -> list[Poly]:
        """The forms of :meth:`effective_unit_forms` in the directions v_l (in
        :attr:`direction_ring`): s K_l v_l lies in relint(F_l) iff s K_l w_l does, for
        w_l = rho_l v_l with rho_l > 0."""
        return self._unit_forms(unit, self._weights_theta(self.direction_ring, "v")[unit])

    def _unit_forms(self, unit: int, theta: list[Poly]) -> list[Poly]:
        xt = self.problem.xt
        face = self.faces[unit]
        return [
            face.signs[i] * _dot([algebra.to_qq(v) for v in xt[i]], theta)
            for i in facet_samples(self.problem, face)
        ]

    @cached_property
    def constraints(self) -> list[Poly]:
        """Forms h = sigma_li theta_l . xt_i with relint(F) = {h > 0 for all}, one per
        facet of each unit's face (the other samples' conditions follow from these)."""
        return [h for u in self.live for h in self._facet_forms(u)]

    def _facet_forms(self, unit: int) -> list[Poly]:
        """sigma_i theta_unit . xt_i for the facet samples i of the unit's face."""
        face = self.faces[unit]
        return [
            face.signs[i] * self.preactivation(unit, i) for i in facet_samples(self.problem, face)
        ]

    @cached_property
    def facets(self) -> list[Poly] | None:
        """Irredundant forms h with relint(F) = {h > 0} (None if some factor is empty).

        Only these enter the barrier of the sampling step, which keeps its degree low.
        """
        out = []
        for u in self.live:
            unit = self.unit_facets(u)
            if unit is None:
                return None
            out += unit
        return out

    def unit_facets(self, unit: int) -> list[Poly] | None:
        """Irredundant forms h with relint(F_unit) = {h > 0}, in the unit's t-variables.

        A face of the arrangement has its facets from its neighbours
        (:func:`~reluscape.exact.arrangement.facet_samples`); a naive piece, possibly
        empty, from the cone's inequalities (None if the cone is empty).
        """
        if self.faces[unit].point is not None:
            return self._facet_forms(unit)
        ts = self.t_vars(unit)
        K = self.faces[unit].basis
        xt = self.problem.xt
        normals = [
            tuple(
                s * sum((K[j][k] * xt[i][k] for k in range(len(K[j]))), Fraction(0))
                for j in range(len(ts))
            )
            for i, s in enumerate(self.faces[unit].signs)
            if s != 0
        ]
        if not normals:
            return []
        facets = algebra.cone_facets(normals)
        if facets is None:
            return None
        return [
            sum((algebra.to_qq(c) * t for c, t in zip(f, ts, strict=True)), self.ring(0))
            for f in facets
        ]

    @cached_property
    def unit_groups(self) -> list[tuple[int, ...]]:
        """Live units on the same unit face, in groups of two or more.

        The units of such a group G share the active set and the basis K, so l_F is
        invariant under O(|G|) acting on (a_l, t_l)_{l in G}: it depends on them only
        through sum_l a_l t_l, sum_l a_l^2 and the Gram matrix sum_l t_l t_l^T.
        """
        groups: dict[int, list[int]] = {}
        for u in self.live:
            groups.setdefault(self.faces[u].index, []).append(u)
        return [tuple(g) for g in groups.values() if len(g) > 1]

    @cached_property
    def merged(self) -> FaceSystem:
        """The system of the product face with one unit per group of :attr:`unit_groups`.

        A critical point of l_F in relint(F) has t_l = a_l w for the units of a group G
        (enumeration docstring), with all a_l of one sign sigma; merging G into one unit
        with a = sigma |a_G|, t = a w gives the same prediction sum_l a_l K t_l = a K t,
        the same regulariser sum_l (a_l^2 + |K t_l|^2) = a^2 + |K t|^2 and the same
        critical equations: a critical point of the merged system in its relative
        interior. So a merged system without one has no critical point in relint(F).
        """
        if not self.unit_groups:
            return self
        return FaceSystem.build(self.problem, tuple(self.faces[u] for u in self.merged_units))

    @cached_property
    def merged_units(self) -> tuple[int, ...]:
        """The units :attr:`merged` keeps, in order: unit k of the merged system is unit
        ``merged_units[k]`` here (the first unit of each group stands for the group)."""
        extra = {u for group in self.unit_groups for u in group[1:]}
        return tuple(u for u in range(len(self.faces)) if u not in extra)

    def has_idle_live_unit(self) -> bool:
        """A unit with theta != 0 on a face with no active sample is never critical.

        There its Omega column vanishes on span(F), so dg_F/dt_l = lambda K^T K t_l, which
        is zero only at t_l = 0, outside relint(F).
        """
        return any(not self.faces[u].active for u in self.live)

    def theta_values(self, point_values: dict[str, Fraction]) -> dict[int, list[Fraction]]:
        """theta_l = K_l t_l, exactly, at rational coordinate values."""
        out = {}
        for u, f in enumerate(self.faces):
            ts = [point_values[f"t{u}_{j}"] for j in range(f.dim)] if u in self.live else []
            out[u] = [
                sum((f.basis[j][k] * ts[j] for j in range(len(ts))), Fraction(0))
                for k in range(self.problem.d + 1)
            ]
        return out


def _span_vector(basis: Sequence[Sequence[Any]], coords: list[Poly]) -> list[Poly]:
    """K^T t = sum_j t_j K_j (length d + 1) for the basis rows K_j of a unit face."""
    zero = coords[0].parent()(0)
    return [
        sum((algebra.to_qq(row[k]) * c for row, c in zip(basis, coords, strict=True)), zero)
        for k in range(len(basis[0]))
    ]


def _dot(u: Sequence[Any], v: Sequence[Any]) -> Poly:
    return sum((a * b for a, b in zip(u, v, strict=True)), 0)
