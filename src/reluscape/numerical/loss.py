"""Variable projection in floats: the output weights a solved for, the reduced loss r(psi).

docs/METHOD.md section 2. With theta_l = (B_l, c_l), psi = (theta_1, ..., theta_L) stored as an
array of shape (L, d+1) (row l is theta_l) and xt_i = (x_i, 1),

    Omega_il    = ReLU(theta_l . xt_i)                                   (n x L)
    l(a, psi)   = 1/2 |yt - Omega a|^2 + lambda/2 (|a|^2 + |psi|_F^2)
    a_hat(psi)  = (Omega^T Omega + lambda I)^{-1} Omega^T yt
    r(psi)      = l(a_hat(psi), psi)
                = 1/2 |yt|^2 - 1/2 (Omega^T yt) . a_hat(psi) + lambda/2 |psi|_F^2.

Because l is strongly convex in a (lambda > 0), (a*, psi*) is a local minimum of l exactly
when psi* is a local minimum of r and a* = a_hat(psi*). Everything here uses the sum
convention through :attr:`reluscape.data.Problem.lam_sum`.

These float functions serve numerical search, the comparison and the report: they may
support a verdict, never make one. The same r in exact rational arithmetic is
:func:`reluscape.exact.projection.reduced_loss_exact`.
"""

from __future__ import annotations

import numpy as np

from reluscape.data import Problem

__all__ = [
    "a_hat",
    "a_hat_array",
    "check_psi",
    "float_data",
    "full_loss",
    "full_loss_grad",
    "full_loss_grad_array",
    "join_psi",
    "omega",
    "omega_array",
    "reduced_loss",
    "reduced_loss_array",
    "split_psi",
]


def float_data(problem: Problem) -> tuple[np.ndarray, np.ndarray, float]:
    """Float copies ``(xt, yt, lam)`` of the centered data, for the array-level functions below.

    The array-level functions (``*_array``) skip validation; they are the inner loops of
    the numerical search, the comparison and the report.
    """
    xt = np.array([[float(v) for v in row] for row in problem.xt], dtype=float)
    yt = np.array([float(v) for v in problem.yt], dtype=float)
    return xt, yt, float(problem.lam_sum)


def check_psi(problem: Problem, psi: object) -> np.ndarray:
    """``psi`` as a finite float array of shape ``(L, d+1)``, or a ValueError naming the problem."""
    arr = np.asarray(psi, dtype=float)
    expected = (problem.hidden, problem.d + 1)
    if arr.shape != expected:
        raise ValueError(
            f"psi must have shape (L, d+1) = {expected} (one row theta_l = (B_l, c_l) per "
            f"hidden unit), got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError("psi must be finite, got NaN or inf entries")
    return arr


def _check_a(problem: Problem, a: object) -> np.ndarray:
    arr = np.asarray(a, dtype=float)
    expected = (problem.hidden,)
    if arr.shape != expected:
        raise ValueError(f"a must have shape (L,) = {expected}, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError("a must be finite, got NaN or inf entries")
    return arr


def omega_array(xt: np.ndarray, psi: np.ndarray) -> np.ndarray:
    """Omega(psi)_il = ReLU(xt_i . theta_l) on float arrays."""
    return np.maximum(xt @ psi.T, 0.0)


def a_hat_array(om: np.ndarray, yt: np.ndarray, lam: float) -> np.ndarray:
    """a_hat = (Omega^T Omega + lambda I)^{-1} Omega^T yt on float arrays."""
    gram = om.T @ om + lam * np.eye(om.shape[1])
    return np.linalg.solve(gram, om.T @ yt)


def _full_loss(xt: np.ndarray, yt: np.ndarray, lam: float, a: np.ndarray, psi: np.ndarray) -> float:
    res = yt - omega_array(xt, psi) @ a
    return 0.5 * float(res @ res) + 0.5 * lam * (float(a @ a) + float(np.sum(psi * psi)))


def full_loss_grad_array(
    xt: np.ndarray, yt: np.ndarray, lam: float, a: np.ndarray, psi: np.ndarray
) -> tuple[float, np.ndarray, np.ndarray]:
    """(l(a, psi), dl/da, dl/dpsi) on float arrays, with ReLU'(0) = 0."""
    z = xt @ psi.T
    active = z > 0.0
    om = np.where(active, z, 0.0)
    err = om @ a - yt
    value = 0.5 * float(err @ err) + 0.5 * lam * (float(a @ a) + float(np.sum(psi * psi)))
    grad_a = om.T @ err + lam * a
    # d Omega_il / d theta_l = 1[z_il > 0] xt_i: the ReLU'(0) = 0 convention.
    grad_psi = ((err[:, None] * a[None, :]) * active).T @ xt + lam * psi
    return value, grad_a, grad_psi


def reduced_loss_array(xt: np.ndarray, yt: np.ndarray, lam: float, psi: np.ndarray) -> float:
    """r(psi) = l(a_hat(psi), psi) on float arrays."""
    om = omega_array(xt, psi)
    return _full_loss(xt, yt, lam, a_hat_array(om, yt, lam), psi)


def omega(problem: Problem, psi: object) -> np.ndarray:
    """Hidden-layer outputs Omega_il = ReLU(theta_l . xt_i), an n x L array.

    Parameters
    ----------
    problem : Problem
        Data and settings.
    psi : array_like, shape (L, d+1)
        Row l is theta_l = (B_l, c_l).

    Returns
    -------
    numpy.ndarray, shape (n, L)

    Raises
    ------
    ValueError
        If ``psi`` does not have shape (L, d+1) or is not finite.

    Examples
    --------
    >>> from reluscape.data import make_problem
    >>> p = make_problem([[0], [1], [2]], [1, 2, 6], hidden=1, lam="1/10")
    >>> omega(p, [[1.0, -0.5]]).ravel().tolist()
    [0.0, 0.5, 1.5]
    """
    xt, _, _ = float_data(problem)
    return omega_array(xt, check_psi(problem, psi))


def a_hat(problem: Problem, psi: object) -> np.ndarray:
    """Optimal output weights a_hat(psi) = (Omega^T Omega + lambda I)^{-1} Omega^T yt.

    The unique minimiser of l(., psi); lambda is ``problem.lam_sum``.

    Parameters
    ----------
    problem : Problem
        Data and settings.
    psi : array_like, shape (L, d+1)
        Row l is theta_l = (B_l, c_l).

    Returns
    -------
    numpy.ndarray, shape (L,)

    Raises
    ------
    ValueError
        If ``psi`` does not have shape (L, d+1) or is not finite.

    Examples
    --------
    With Omega = (0, 1, 2)^T, yt = (-2, -1, 3) and lambda = 1:
    a_hat = (0 - 1 + 6) / (0 + 1 + 4 + 1) = 5/6.

    >>> from reluscape.data import make_problem
    >>> p = make_problem([[0], [1], [2]], [1, 2, 6], hidden=1, lam=1)
    >>> round(float(a_hat(p, [[1.0, 0.0]])[0]), 12)
    0.833333333333
    """
    xt, yt, lam = float_data(problem)
    return a_hat_array(omega_array(xt, check_psi(problem, psi)), yt, lam)


def full_loss(problem: Problem, a: object, psi: object) -> float:
    """Ridge-regularized loss l(a, psi) = 1/2 |yt - Omega a|^2 + lambda/2 (|a|^2 + |psi|_F^2).

    Parameters
    ----------
    problem : Problem
        Data and settings; lambda is ``problem.lam_sum``.
    a : array_like, shape (L,)
        Output weights.
    psi : array_like, shape (L, d+1)
        Row l is theta_l = (B_l, c_l).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``a`` or ``psi`` has the wrong shape or is not finite.

    Examples
    --------
    Omega = (0, 1, 2)^T, a = 1: residual (-2, -2, 1), so l = 9/2 + 1/2 (1 + 1) = 5.5.

    >>> from reluscape.data import make_problem
    >>> p = make_problem([[0], [1], [2]], [1, 2, 6], hidden=1, lam=1)
    >>> full_loss(p, [1.0], [[1.0, 0.0]])
    5.5
    """
    xt, yt, lam = float_data(problem)
    return _full_loss(xt, yt, lam, _check_a(problem, a), check_psi(problem, psi))


def full_loss_grad(
    problem: Problem, a: object, psi: object
) -> tuple[float, np.ndarray, np.ndarray]:
    """Value and gradient of l(a, psi), with the convention ReLU'(0) = 0.

    With e = Omega a - yt and the mask m_il = 1[theta_l . xt_i > 0],

        dl/da        = Omega^T e + lambda a
        dl/dtheta_l  = a_l sum_i e_i m_il xt_i + lambda theta_l.

    On a kink (some theta_l . xt_i = 0) l is not differentiable and this is one element of
    neither the sub- nor the superdifferential in general: use it for numerical optimisers
    only, never to decide stationarity.

    Parameters
    ----------
    problem : Problem
        Data and settings.
    a : array_like, shape (L,)
        Output weights.
    psi : array_like, shape (L, d+1)
        Row l is theta_l = (B_l, c_l).

    Returns
    -------
    value : float
    grad_a : numpy.ndarray, shape (L,)
    grad_psi : numpy.ndarray, shape (L, d+1)

    Raises
    ------
    ValueError
        If ``a`` or ``psi`` has the wrong shape or is not finite.

    Examples
    --------
    >>> from reluscape.data import make_problem
    >>> p = make_problem([[0], [1], [2]], [1, 2, 6], hidden=1, lam=1)
    >>> value, ga, gpsi = full_loss_grad(p, [1.0], [[1.0, 0.0]])
    >>> value, ga.tolist(), gpsi.tolist()
    (5.5, [1.0], [[1.0, 1.0]])
    """
    xt, yt, lam = float_data(problem)
    return full_loss_grad_array(xt, yt, lam, _check_a(problem, a), check_psi(problem, psi))


def reduced_loss(problem: Problem, psi: object) -> float:
    """Reduced loss r(psi) = l(a_hat(psi), psi) in floating point.

        r(psi) = 1/2 |yt|^2 - 1/2 yt^T Omega (Omega^T Omega + lambda I)^{-1} Omega^T yt
                 + lambda/2 |psi|_F^2

    Parameters
    ----------
    problem : Problem
        Data and settings.
    psi : array_like, shape (L, d+1)
        Row l is theta_l = (B_l, c_l).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If ``psi`` does not have shape (L, d+1) or is not finite.

    Examples
    --------
    At psi = 0 every unit is off and r = 1/2 |yt|^2 = 1/2 (4 + 1 + 9):

    >>> from reluscape.data import make_problem
    >>> p = make_problem([[0], [1], [2]], [1, 2, 6], hidden=1, lam=1)
    >>> reduced_loss(p, [[0.0, 0.0]])
    7.0
    >>> round(reduced_loss(p, [[1.0, 0.0]]), 12)  # 7 - 1/2 * 5 * 5/6 + 1/2
    5.416666666667
    """
    xt, yt, lam = float_data(problem)
    return reduced_loss_array(xt, yt, lam, check_psi(problem, psi))


def split_psi(psi: object) -> tuple[np.ndarray, np.ndarray]:
    """Split psi (rows theta_l = (B_l, c_l)) into weights B (L x d) and biases c (L,).

    Raises
    ------
    ValueError
        If ``psi`` is not a 2-d array with at least 2 columns.

    Examples
    --------
    >>> B, c = split_psi([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    >>> B.tolist(), c.tolist()
    ([[1.0, 2.0], [4.0, 5.0]], [3.0, 6.0])
    """
    arr = np.asarray(psi, dtype=float)
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise ValueError(f"psi must have shape (L, d+1) with d >= 1, got shape {arr.shape}")
    return arr[:, :-1].copy(), arr[:, -1].copy()


def join_psi(B: object, c: object) -> np.ndarray:
    """Stack weights B (L x d) and biases c (L,) into psi of shape (L, d+1), the inverse of
    :func:`split_psi`.

    Raises
    ------
    ValueError
        If ``B`` is not 2-d with d >= 1 or ``c`` does not have shape (L,).

    Examples
    --------
    >>> join_psi([[1.0], [2.0]], [3.0, 4.0]).tolist()
    [[1.0, 3.0], [2.0, 4.0]]
    """
    b_arr = np.asarray(B, dtype=float)
    c_arr = np.asarray(c, dtype=float)
    if b_arr.ndim != 2 or b_arr.shape[1] < 1:
        raise ValueError(f"B must have shape (L, d) with d >= 1, got shape {b_arr.shape}")
    if c_arr.shape != (b_arr.shape[0],):
        raise ValueError(f"c must have shape (L,) = ({b_arr.shape[0]},), got shape {c_arr.shape}")
    return np.column_stack([b_arr, c_arr])
