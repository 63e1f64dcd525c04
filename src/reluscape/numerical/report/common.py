"""Float data of a problem and small helpers shared by the report's figures.

Everything here is floating point, for drawing; nothing decides. The reduced loss r and
the fitted output weights a_hat (docs/METHOD.md section 2) come from
:mod:`reluscape.numerical.loss`.

Examples
--------
>>> from reluscape.data import make_problem
>>> floats = Floats.of(make_problem([[0], [1], [2]], [1, 2, 6], hidden=1, lam=1))
>>> floats.x.ravel().tolist(), floats.y.tolist()
([0.0, 1.0, 2.0], [1.0, 2.0, 6.0])
>>> psi = np.array([[1.0, 0.0]])  # f(x) = a ReLU(x) + mean(y), a_hat = 5/6
>>> round(float(floats.output(psi, floats.a_hat(psi), np.array([[2.0]]))[0]), 12)
4.666666666667
>>> floats.x_names, floats.y_name
(('x1',), 'y')
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import numpy as np

from reluscape.convention import divisor
from reluscape.data import InputError, Problem
from reluscape.numerical.loss import (
    a_hat_array,
    float_data,
    join_psi,
    omega_array,
    reduced_loss_array,
)
from reluscape.schema import Minimum

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

GRID = 200  # points per axis of a curve; a 2-D plot uses GRID // 2 per axis
DPI = 90


class Floats(NamedTuple):
    """Float copies of a problem's data (:func:`reluscape.numerical.loss.float_data`).

    ``xt`` holds the inputs with a column of ones, ``yt`` the centered outcomes, ``lam``
    the ridge parameter in the sum convention and ``mean_y`` the mean of the outcomes;
    ``x_names`` and ``y_name`` are the data's column names (:attr:`reluscape.data.Problem.
    x_names`), the labels of the figures' axes; ``divisor`` turns a sum-convention loss into
    the problem's convention (n for ``mean``), so that every loss drawn is in the convention
    the user asked for.
    """

    xt: np.ndarray
    yt: np.ndarray
    lam: float
    mean_y: float
    x_names: tuple[str, ...]
    y_name: str
    divisor: int = 1
    convention: str = "sum"

    @classmethod
    def of(cls, problem: Problem) -> Floats:
        """The float data of ``problem``.

        Raises
        ------
        InputError
            If a value overflows a float (nothing could be drawn).
        """
        try:
            xt, yt, lam = float_data(problem)
            mean_y = float(sum(problem.y) / problem.n)
        except OverflowError:
            raise InputError(
                "the data or lambda overflow a float; no figure can be drawn"
            ) from None
        return cls(
            xt=xt,
            yt=yt,
            lam=lam,
            mean_y=mean_y,
            x_names=problem.x_names,
            y_name=problem.y_name,
            divisor=divisor(problem),
            convention=problem.convention,
        )

    @property
    def d(self) -> int:
        return self.xt.shape[1] - 1

    @property
    def x(self) -> np.ndarray:
        """The inputs, n x d."""
        return self.xt[:, :-1]

    @property
    def y(self) -> np.ndarray:
        """The outcomes, un-centered."""
        return self.yt + self.mean_y

    def a_hat(self, psi: np.ndarray) -> np.ndarray:
        """The output weights fitted to psi: a_hat(psi)."""
        return a_hat_array(omega_array(self.xt, psi), self.yt, self.lam)

    def r(self, psi: np.ndarray) -> float:
        """The reduced loss r(psi) = l(a_hat(psi), psi), in the problem's convention."""
        return reduced_loss_array(self.xt, self.yt, self.lam, psi) / self.divisor

    def output(self, psi: np.ndarray, a: np.ndarray, x: np.ndarray) -> np.ndarray:
        """The network's output f(x) = sum_l a_l ReLU(B_l x + c_l) + mean(y) at the rows of x."""
        return omega_array(np.hstack([x, np.ones((x.shape[0], 1))]), psi) @ a + self.mean_y


def psi_of(m: Minimum) -> np.ndarray:
    """The sample point's psi (row l is theta_l = (B_l, c_l)) as floats.

    Raises
    ------
    InputError
        If a coordinate overflows a float (None in the result): the point cannot be drawn.
    """
    if any(v is None for v in m.point.c) or any(v is None for row in m.point.B for v in row):
        raise InputError(
            f"minimum {m.id}: a coordinate of its point overflows a float; it cannot be drawn"
        )
    return join_psi(m.point.B, m.point.c)


def a_of(m: Minimum) -> np.ndarray:
    """The sample point's output weights a as floats (see :func:`psi_of`)."""
    if any(v is None for v in m.point.a):
        raise InputError(
            f"minimum {m.id}: a coordinate of its point overflows a float; it cannot be drawn"
        )
    return np.asarray(m.point.a, dtype=float)


def loss_text(loss: float | None, digits: int) -> str:
    """The float loss to ``digits`` significant digits, or a note when it overflowed.

    >>> loss_text(1.0100660036, 6), loss_text(None, 6)
    ('1.01007', '(overflows a float)')
    """
    return "(overflows a float)" if loss is None else f"{loss:.{digits}g}"


def new_axes(figsize: tuple[float, float], projection: str | None = None) -> Axes:
    """The axis of a new figure, for a drawing function called with ``ax=None``.

    The figure uses the constrained layout, so that labels, titles and colour bars are
    never clipped."""
    import matplotlib.pyplot as plt

    fig = plt.figure(figsize=figsize, layout="constrained")
    return fig.add_subplot(projection=projection)


def axis_labels(ax: Axes) -> list[str]:
    """The axis labels of ``ax``'s figure (every axis, colour bars among them), in order,
    for the page's caption.

    >>> ax = new_axes((3.0, 2.0))
    >>> _ = ax.set_xlabel("dose"), ax.set_ylabel("response")
    >>> axis_labels(ax)
    ['dose', 'response']
    >>> import matplotlib.pyplot as plt; plt.close(ax.figure)
    """
    labels = []
    for each in ax.figure.axes:
        getters = [each.get_xlabel, each.get_ylabel, getattr(each, "get_zlabel", None)]
        labels += [text for get in getters if get is not None and (text := get())]
    return labels


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """An HTML table, every cell escaped."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>{body}</tbody>\n</table>\n"


def root_figure(ax: Axes) -> Figure:
    """The figure ``ax`` is drawn in (the root one when ``ax`` is in a sub-figure)."""
    from matplotlib.figure import Figure

    fig = ax.figure
    while not isinstance(fig, Figure):
        fig = fig.figure
    return fig


def save(fig: Figure, path: Path) -> None:
    """Write ``fig`` as a PNG and release it."""
    import matplotlib.pyplot as plt

    fig.savefig(path, format="png", dpi=DPI)
    plt.close(fig)
