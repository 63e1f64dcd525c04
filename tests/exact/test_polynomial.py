"""The polynomial parser: exact evaluation, exact derivatives, and nothing but polynomials."""

from __future__ import annotations

from fractions import Fraction

import pytest

from reluscape.exact.polynomial import MAX_DEGREE, parse_polynomial


def test_evaluation_is_exact() -> None:
    p = parse_polynomial("5/4*a0*t0_0^2 - (t0_0 + 1)**2 + -3", ["a0", "t0_0"])
    a, t = Fraction(2), Fraction(1, 3)
    assert p([a, t]) == Fraction(5, 4) * a * t**2 - (t + 1) ** 2 - 3
    assert p.degree == 3


def test_derivatives_match_difference_quotients() -> None:
    """The exact partial derivatives against exact central differences of a cubic (which
    are exact up to the h^2 term, computed here too)."""
    p = parse_polynomial("x^3 - 2*x*y + 7/3*y^2 - 1", ["x", "y"])
    x, y, h = Fraction(1, 2), Fraction(-2, 3), Fraction(1, 1000)
    dx = (p([x + h, y]) - p([x - h, y])) / (2 * h) - h**2  # x^3's third derivative term
    dy = (p([x, y + h]) - p([x, y - h])) / (2 * h)
    assert p.gradient([x, y]) == (dx, dy)
    assert p.gradient_float([0.5, -2 / 3]) == pytest.approx([float(dx), float(dy)])


def test_float_evaluation_agrees_with_exact() -> None:
    p = parse_polynomial("410*t0_0^2 + 410*t1_0^2 - 201", ["t0_0", "t1_0"])
    point = [Fraction(1, 3), Fraction(-1, 7)]
    assert p.evaluate_float([float(v) for v in point]) == pytest.approx(float(p(point)))
    assert p.magnitude(point) == Fraction(410, 9) + Fraction(410, 49) + 201


@pytest.mark.parametrize(
    "bad",
    ["x.real", "open('f')", "x ** y", "x / y", "1.5 * x", "z + 1", f"x ** {MAX_DEGREE + 1}", "x +"],
)
def test_anything_else_is_refused(bad: str) -> None:
    with pytest.raises(ValueError):
        parse_polynomial(bad, ["x", "y"])
