"""Float geometry of a minimum's positive-dimensional set: distance to it, points on it.

A positive-dimensional minimum (``dimension`` k >= 1) is recorded by its face (per unit a
basis K_l of the span of theta_l) and the generators g_1, ..., g_m of the prime ideal of
its Zariski closure in the face coordinates t (``component.prime``). Its points are

    psi = T t + psi_fix,  g(t) = 0,  psi in the closed face,

where T maps the component's t-variables to the rows theta_l = (B_l, c_l) and psi_fix
holds the units whose coordinates are not variables of the component (origin units,
theta_l = 0). Everything here is floating point, for the numerical cross-check
(:mod:`reluscape.numerical.compare`) and for drawing (:mod:`reluscape.numerical.report`);
nothing decides.

- :meth:`ComponentGeometry.project`: Gauss-Newton onto g = 0 in the metric of psi: each step
  Delta minimises |T Delta| subject to g(t) + J Delta = 0, so the result is, to first order,
  the point of the set nearest in psi (not merely in t);
- :meth:`ComponentGeometry.distance`: the distance of a run (a, psi) to the set, minimised
  over permutations of the hidden units, with a compared to a_hat at the projected point;
- :meth:`ComponentGeometry.sample`: a random walk on the set inside the face (tangent step,
  projection back), which gives the sampled real points and family members of the report;
- :func:`implicit_equation`: the projection of the set to k + 1 coordinates of psi as one
  polynomial equation, by elimination (:func:`reluscape.exact.algebra.eliminate`).

The generators are read by :func:`reluscape.exact.polynomial.parse_polynomial`, the parser
``reluscape verify`` uses (nothing in the text is evaluated).

Examples
--------
>>> coordinate_names(2, 1)
['B_0', 'c_0', 'B_1', 'c_1']
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from fractions import Fraction

import numpy as np

from reluscape.data import InputError, Problem
from reluscape.exact.polynomial import parse_polynomial
from reluscape.numerical.loss import a_hat_array, float_data, omega_array
from reluscape.schema import Minimum

__all__ = [
    "ComponentGeometry",
    "coordinate_names",
    "implicit_equation",
]

PROJECT_TOL = 1e-13  # relative residual |g_j| / (sum of |terms of g_j|) that ends projection
PROJECT_ITERATIONS = 50
FACE_MARGIN = 1e-9  # relative slack of the face's strict sign conditions (closure checks)
MEMBER_STEPS = 20  # continuation steps from the sample point to a member's chart values


def coordinate_names(hidden: int, d: int) -> list[str]:
    """Names of the coordinates of psi, row by row: ``B_l`` (d = 1) or ``B_l_j``, then ``c_l``."""
    names = []
    for unit in range(hidden):
        names += [f"B_{unit}"] if d == 1 else [f"B_{unit}_{j}" for j in range(d)]
        names.append(f"c_{unit}")
    return names


class ComponentGeometry:
    """The set of a positive-dimensional minimum as floats: psi = T t + psi_fix, g(t) = 0.

    Parameters
    ----------
    m : Minimum
        A minimum with ``dimension`` >= 1 and a ``component``.
    xt : numpy.ndarray, shape (n, d+1)
        Inputs with a column of ones (:func:`reluscape.numerical.loss.float_data`).

    Raises
    ------
    ValueError
        If the component is missing, its generators cannot be parsed, or they use variables
        that are not coordinates of the face.
    """

    def __init__(self, m: Minimum, xt: np.ndarray) -> None:
        comp = m.component
        self.dimension = m.dimension
        if comp is None or self.dimension < 1 or not comp.variables or not comp.prime:
            raise ValueError(f"minimum {m.id} has no positive-dimensional component recorded")
        self.variables: list[str] = list(comp.variables)
        self.prime_text = list(comp.prime)
        try:
            self.generators = [parse_polynomial(text, self.variables) for text in self.prime_text]
        except ValueError as exc:
            raise ValueError(f"minimum {m.id}: component generator: {exc}") from None
        self.xt = xt
        self.signs = [unit.signs for unit in m.face]
        hidden, width = len(m.face), xt.shape[1]
        self.shape = (hidden, width)
        rational = m.point.rational or {}
        index = {v: k for k, v in enumerate(self.variables)}
        self.T_exact: list[list[Fraction]] = [
            [Fraction(0)] * len(self.variables) for _ in range(hidden * width)
        ]
        offset = [Fraction(0)] * (hidden * width)
        used = set()
        for unit, face in enumerate(m.face):
            for j, row in enumerate(face.basis):
                name = f"t{unit}_{j}"
                if len(row) != width:
                    raise ValueError(f"minimum {m.id}: basis of unit {unit} has wrong length")
                for q, value in enumerate(row):
                    if name in index:
                        self.T_exact[unit * width + q][index[name]] = value
                    elif name in rational:
                        offset[unit * width + q] += value * rational[name]
                    else:
                        raise ValueError(f"minimum {m.id}: no value for {name}")
                used.add(name)
        if set(self.variables) - used:
            raise ValueError(f"minimum {m.id}: component variables outside the face")
        missing = [v for v in self.variables if v not in rational]
        if missing:
            raise ValueError(f"minimum {m.id}: no sample value for {missing}")
        self.offset_exact = offset
        self.T = np.array([[float(v) for v in row] for row in self.T_exact])
        self.offset = np.array([float(v) for v in offset])
        metric = self.T.T @ self.T
        if np.linalg.matrix_rank(metric) < len(self.variables):
            raise ValueError(f"minimum {m.id}: face basis is not independent")
        self.metric_inv = np.linalg.inv(metric)
        self.t0 = np.array([float(rational[v]) for v in self.variables])

    # -- the map t -> psi and the equations ---------------------------------------------

    def psi(self, t: np.ndarray) -> np.ndarray:
        """psi = T t + psi_fix as an (L, d+1) array."""
        return (self.T @ t + self.offset).reshape(self.shape)

    def scales(self, t: np.ndarray) -> np.ndarray:
        """1 / max(1, sum of |terms of g_j|) at t, one per generator.

        Every generator is used at this scale: the coefficients of a prime's generators can
        differ by dozens of orders of magnitude (1e9 against 1e52 on one set), and unscaled
        the largest row of the Jacobian makes the others numerically zero, so the
        projection stalls and the tangent space is wrong.
        """
        return np.array([1.0 / max(1.0, g.magnitude_float(t)) for g in self.generators])

    def values(self, t: np.ndarray) -> np.ndarray:
        """g_j(t), each at its scale (:meth:`scales`)."""
        return self.scales(t) * np.array([g.evaluate_float(t) for g in self.generators])

    def residual(self, t: np.ndarray) -> float:
        """max_j |g_j(t)| / max(1, sum of |terms of g_j|)."""
        return float(np.max(np.abs(self.values(t))))

    def jacobian(self, t: np.ndarray) -> np.ndarray:
        """J_jk = dg_j / dt_k, each row at its generator's scale (:meth:`scales`)."""
        return self.scales(t)[:, None] * np.array([g.gradient_float(t) for g in self.generators])

    def tangent(self, t: np.ndarray) -> np.ndarray:
        """Columns: an orthonormal basis (in t) of the kernel of J(t), ``dimension`` of them."""
        _, _, vt = np.linalg.svd(self.jacobian(t))
        # J has at most rank n - k on a k-dimensional set: the last k right singular vectors
        # span its kernel (the rows of vt beyond J's row count are kernel vectors too).
        return vt[len(self.variables) - self.dimension :].T

    def project(self, t: np.ndarray) -> np.ndarray | None:
        """A point of {g = 0} near t (nearest in psi to first order), or None.

        Gauss-Newton with minimum-norm steps in the metric M = T^T T:
        Delta = -M^{-1} J^T (J M^{-1} J^T)^+ g(t), with g and J at the generators' scales.
        """
        t = np.array(t, dtype=float)
        for _ in range(PROJECT_ITERATIONS):
            g = self.values(t)
            if np.max(np.abs(g)) <= PROJECT_TOL:  # the residual, from the values at hand
                return t
            J = self.jacobian(t)
            inner = J @ self.metric_inv @ J.T
            t = t - self.metric_inv @ J.T @ (np.linalg.pinv(inner) @ g)
            if not np.all(np.isfinite(t)):
                return None
        return t if self.residual(t) <= 1e3 * PROJECT_TOL else None

    def in_face(self, psi: np.ndarray, *, margin: float = FACE_MARGIN) -> bool:
        """psi lies in the face: sign(theta_l . xt_i) as recorded, up to ``margin``.

        ``margin`` > 0 is relative slack (the closed face, for distances); ``margin`` < 0
        demands that much clearance (the open face, for sampling).
        """
        z = self.xt @ psi.T
        for unit, signs in enumerate(self.signs):
            slack = margin * max(1.0, float(np.abs(psi[unit]).max()))
            for i, ch in enumerate(signs):
                if (ch == "+" and z[i, unit] < -slack) or (ch == "-" and z[i, unit] > slack):
                    return False
        return True

    def member(self, fixed: dict[int, float], *, steps: int = MEMBER_STEPS) -> np.ndarray | None:
        """The point t of the set whose psi coordinates ``fixed`` (flat index -> value) take
        the given values, on the branch through the sample point, or None.

        The fixed coordinates are the chart of the set (as many as its dimension): the
        system g(t) = 0, (T t + psi_fix)_i = v_i is solved by Gauss-Newton, moving the values
        from the sample point's to the asked ones in ``steps`` equal steps (a continuation,
        so that the solution stays on the sample point's branch). None if a step does not
        converge or the point leaves the closed face.
        """
        t = self.project(self.t0)
        if t is None:
            return None
        index = sorted(fixed)
        rows = self.T[index]
        start = rows @ t + self.offset[index]
        target = np.array([fixed[i] for i in index], dtype=float)
        for k in range(1, steps + 1):
            goal = start + (target - start) * k / steps
            for _ in range(PROJECT_ITERATIONS):
                F = np.concatenate([self.values(t), rows @ t + self.offset[index] - goal])
                if np.max(np.abs(F)) <= PROJECT_TOL * max(1.0, float(np.max(np.abs(goal)))):
                    break
                J = np.vstack([self.jacobian(t), rows])
                t = t - np.linalg.lstsq(J, F, rcond=None)[0]
                if not np.all(np.isfinite(t)):
                    return None
            else:
                return None
        return t if self.in_face(self.psi(t)) else None

    # -- distance and sampling -------------------------------------------------------

    def distance(self, a: np.ndarray, psi: np.ndarray, yt: np.ndarray, lam: float) -> float:
        """max |(a, psi) - (a_hat(psi'), psi')| to the nearest psi' of the set, over permutations.

        For each permutation of the run's units, psi is split into t (least squares through
        T) and the part off the face's span, t is projected onto g = 0, and the projection
        must lie in the closed face; a is compared with a_hat at the projected point.
        Returns inf if no permutation gives a projection in the face.
        """
        best = math.inf
        hidden = self.shape[0]
        for perm in itertools.permutations(range(hidden)):
            p = list(perm)
            target = psi[p].ravel() - self.offset
            t, *_ = np.linalg.lstsq(self.T, target, rcond=None)
            near = self.project(t)
            if near is None:
                continue
            psi_near = self.psi(near)
            if not self.in_face(psi_near):
                continue
            a_near = a_hat_array(omega_array(self.xt, psi_near), yt, lam)
            dist = max(
                float(np.max(np.abs(psi[p] - psi_near))), float(np.max(np.abs(a[p] - a_near)))
            )
            best = min(best, dist)
        return best

    def sample(self, count: int, *, step: float, seed: int = 0) -> list[np.ndarray]:
        """Up to ``count`` points psi of the set in the open face, the sample point first.

        A random walk: from a random point already found, a step of length ``step`` (in psi)
        along a random tangent direction, projected back onto g = 0; kept if the projection
        lies in the open face and did not jump to another branch (moved < 3 ``step``).
        """
        rng = np.random.default_rng(seed)
        start = self.project(self.t0)
        if start is None:
            return []
        found = [start]
        for _ in range(20 * count):
            if len(found) >= count:
                break
            base = found[int(rng.integers(len(found)))]
            basis = self.tangent(base)
            direction = basis @ rng.standard_normal(basis.shape[1])
            length = float(np.linalg.norm(self.T @ direction))
            if length == 0.0:
                continue
            # a random length, so that a walk along a curve does not revisit the same points
            length /= step * float(rng.uniform(0.3, 1.0))
            cand = self.project(base + direction / length)
            if cand is None:
                continue
            if float(np.linalg.norm(self.T @ (cand - base))) > 3 * step:
                continue
            if self.in_face(self.psi(cand), margin=-FACE_MARGIN):
                found.append(cand)
        return [self.psi(t) for t in found]


def implicit_equation(geometry: ComponentGeometry, coordinates: Sequence[int]) -> list[str]:
    """Generators of the set's projection to the given coordinates of psi, by elimination.

    With u_k = (T t + psi_fix)_{c_k} for the chosen coordinates c_k, the ideal
    <g_1, ..., g_m, u_k - (T t + psi_fix)_{c_k}> is intersected with Q[u]
    (:func:`reluscape.exact.algebra.eliminate`). For a k-dimensional set and k + 1 coordinates
    in general position the result is one polynomial, the implicit equation of the
    projection; none (an empty list) means the projection fills the coordinate space.
    Polynomials are in Sage's syntax, variables named by :func:`coordinate_names`.
    """
    from reluscape.exact import algebra

    names = coordinate_names(geometry.shape[0], geometry.shape[1] - 1)
    chosen = [names[c] for c in coordinates]
    R = algebra.ring([*geometry.variables, *chosen])
    t_vars = [R(v) for v in geometry.variables]
    gens = [R(text) for text in geometry.prime_text]
    for c, name in zip(coordinates, chosen, strict=True):
        linear = sum(
            (algebra.to_qq(coef) * t for coef, t in zip(geometry.T_exact[c], t_vars, strict=True)),
            start=R(0),
        )
        gens.append(R(name) - linear - algebra.to_qq(geometry.offset_exact[c]))
    return [str(g) for g in algebra.eliminate(gens, t_vars)]


def family_member(
    problem: Problem, m: Minimum, values: Mapping[str, float]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The member of the set of minima ``m`` at a parameter value: the point (a, B, c) of
    the set whose coordinates named in ``values`` (:func:`coordinate_names`: ``"B_0"``,
    ``"c_1"``, ...; as many as the set's dimension) take those values, on the branch
    through the recorded sample point (:meth:`ComponentGeometry.member`), with a = a_hat.
    A float point of the certified set: every member has the set's loss (docs/METHOD.md).

    Raises
    ------
    InputError
        If ``m`` is an isolated minimum, a name is not a coordinate, the number of values
        is not the set's dimension, or no member with these values lies in the set's face
        on that branch (the message says which).
    """
    if m.dimension < 1:
        raise InputError(f"minimum {m.id} is an isolated point: it has no family")
    xt, yt, lam = float_data(problem)
    names = coordinate_names(problem.hidden, problem.d)
    unknown = [name for name in values if name not in names]
    if unknown:
        raise InputError(f"{unknown[0]!r} is not a coordinate; the coordinates are {names}")
    if len(values) != m.dimension:
        raise InputError(
            f"minimum {m.id} is a set of dimension {m.dimension}: give {m.dimension} "
            f"coordinate value(s), got {len(values)}"
        )
    try:
        geometry = ComponentGeometry(m, xt)
    except ValueError as exc:
        raise InputError(str(exc)) from None
    t = geometry.member({names.index(name): float(v) for name, v in values.items()})
    if t is None:
        raise InputError(
            f"minimum {m.id}: no member with {dict(values)} on the branch of its sample point "
            "inside its face (the values may not chart the set there, or leave the face)"
        )
    psi = geometry.psi(t)
    a = a_hat_array(omega_array(xt, psi), yt, lam)
    return a, psi[:, :-1].copy(), psi[:, -1].copy()
