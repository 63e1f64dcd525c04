"""The network and its loss in floats, at parameters a user gives: for computing with a
result (predictions, a loss, a gradient), never for deciding anything.

docs/METHOD.md section 1: a network with L hidden units computes

    f(x) = sum_l a_l ReLU(B_l . x + c_l),

and its ridge-regularized squared loss on the data is (sum convention)

    l(a, B, c) = 1/2 sum_i (yt_i - f(x_i))^2 + lambda/2 (|a|^2 + |B|_F^2 + |c|^2),

with the centered outcomes yt_i = y_i - mean(y) standing in for an output bias. This
module sits beside :mod:`reluscape.data` and :mod:`reluscape.schema`, outside the exact
path and outside :mod:`reluscape.numerical` (whose array-level functions are the inner
loops of the search): :meth:`reluscape.data.Problem.loss` and
:meth:`reluscape.schema.Minimum.predict` call it, and the schema must not import the
numerical tools (tests/test_layout.py). NumPy is imported by the functions, so that the
command line reads a result without loading it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from reluscape.data import Problem

__all__ = ["float_data", "inputs", "loss_and_gradient", "output", "parameters"]


def _finite_array(values: object, name: str, ndims: tuple[int, ...]) -> np.ndarray:
    """``values`` as a finite float array with one of ``ndims`` dimensions, or a
    ValueError naming it."""
    import numpy as np

    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an array of numbers") from None
    if arr.ndim not in ndims:
        allowed = " or ".join(map(str, ndims))
        raise ValueError(f"{name} must have {allowed} dimension(s), got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite, got NaN or inf entries")
    return arr


def parameters(
    a: object, B: object, c: object, hidden: int, d: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(a, B, c)`` as finite float arrays of shapes (L,), (L, d), (L,), or a ValueError
    naming the parameter and the shape expected.

    >>> a, B, c = parameters([1], [[2]], [0], hidden=1, d=1)
    >>> B.shape
    (1, 1)
    >>> parameters([1, 2], [[2]], [0], hidden=1, d=1)
    Traceback (most recent call last):
    ...
    ValueError: a must have shape (L,) = (1,), got shape (2,)
    """
    arrays = (
        _finite_array(a, "a", (1,)),
        _finite_array(B, "B", (2,)),
        _finite_array(c, "c", (1,)),
    )
    for name, arr, shape in zip(
        ("a", "B", "c"), arrays, ((hidden,), (hidden, d), (hidden,)), strict=True
    ):
        if arr.shape != shape:
            label = "(L, d)" if name == "B" else "(L,)"
            raise ValueError(f"{name} must have shape {label} = {shape}, got shape {arr.shape}")
    return arrays


def inputs(X: object, d: int) -> np.ndarray:
    """Inputs as a finite (m, d) float array: rows of d numbers, or (d = 1 only) a flat
    list of m numbers, as a grid to plot over is usually written.

    >>> inputs([0, 0.5, 1], d=1).shape
    (3, 1)
    >>> inputs([[0, 1, 2]], d=2)
    Traceback (most recent call last):
    ...
    ValueError: X must have d = 2 columns, got shape (1, 3)
    """
    arr = _finite_array(X, "X", (1, 2))
    if arr.ndim == 1 and d == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] != d:
        raise ValueError(f"X must have d = {d} columns, got shape {arr.shape}")
    return arr


def output(a: np.ndarray, B: np.ndarray, c: np.ndarray, X: np.ndarray) -> np.ndarray:
    """f(x) = sum_l a_l ReLU(B_l . x + c_l) for each row x of ``X`` (checked arrays).

    >>> import numpy as np
    >>> output(np.array([2.0]), np.array([[1.0]]), np.array([-1.0]), np.array([[0.0], [3.0]]))
    array([0., 4.])
    """
    import numpy as np

    return np.maximum(X @ B.T + c, 0.0) @ a


def loss_and_gradient(
    a: np.ndarray, B: np.ndarray, c: np.ndarray, X: np.ndarray, yt: np.ndarray, lam: float
) -> tuple[float, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """l(a, B, c) in the sum convention with ridge ``lam``, and its gradient
    (dl/da, dl/dB, dl/dc), with ReLU'(0) = 0 (checked arrays; ``yt`` centered).

    With e = Omega a - yt, Omega_il = ReLU(B_l . x_i + c_l) and m_il = 1[B_l . x_i + c_l > 0]:
    dl/da = Omega^T e + lam a, dl/dB_l = a_l sum_i e_i m_il x_i + lam B_l and
    dl/dc_l = a_l sum_i e_i m_il + lam c_l. On a kink l is not differentiable and this is
    one of its one-sided derivatives at best: it decides nothing.
    """
    import numpy as np

    z = X @ B.T + c
    active = z > 0.0
    omega = np.where(active, z, 0.0)
    err = omega @ a - yt
    ridge = float(a @ a) + float(np.sum(B * B)) + float(c @ c)
    value = 0.5 * float(err @ err) + 0.5 * lam * ridge
    # d Omega_il / d(B_l, c_l) = m_il (x_i, 1).
    weighted = (err[:, None] * a[None, :]) * active
    grad_a = omega.T @ err + lam * a
    grad_B = weighted.T @ X + lam * B
    grad_c = weighted.sum(axis=0) + lam * c
    return value, (grad_a, grad_B, grad_c)


def float_data(problem: Problem) -> tuple[np.ndarray, np.ndarray, float]:
    """Float copies ``(X, yt, lam_sum)`` of a problem's exact data."""
    import numpy as np

    X = np.array([[float(v) for v in row] for row in problem.X], dtype=float)
    yt = np.array([float(v) for v in problem.yt], dtype=float)
    return X, yt, float(problem.lam_sum)
