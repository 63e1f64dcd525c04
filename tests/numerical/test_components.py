"""reluscape.numerical.components against a set whose geometry is known in closed form.

Two units on the ray theta = t (1, -1) (d = 1, inputs 0..3: signs "-0++"), with the
component {t0_0^2 + t1_0^2 = 2}: a quarter circle in the face (t0_0, t1_0 > 0), psi rows
theta_l = (t_l, -t_l). On it the nearest point to any t is the radial projection
sqrt(2) t / |t|, the tangent at (1, 1) is (1, -1) / sqrt(2), and the projection to
(B_0, B_1) is the circle B_0^2 + B_1^2 = 2.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

from reluscape.data import make_problem
from reluscape.exact.polynomial import parse_polynomial
from reluscape.numerical.components import ComponentGeometry, coordinate_names, implicit_equation
from reluscape.numerical.loss import a_hat, float_data
from reluscape.schema import Minimum

PROBLEM = make_problem([[0], [1], [2], [3]], [0, 1, 3, 2], hidden=2, lam="1/10")
RAY = {"signs": "-0++", "kind": "boundary", "basis": [["1", "-1"]]}
CIRCLE = ["t0_0^2 + t1_0^2 - 2"]


def circle_minimum(
    prime: list[str] = CIRCLE,
    variables: tuple[str, ...] = ("t0_0", "t1_0"),
    rational: dict[str, str] | None = None,
    face: tuple[dict, ...] = (RAY, RAY),
) -> Minimum:
    return Minimum(
        id=1,
        dimension=1,
        loss=1.0,
        loss_interval=["1", "1"],
        is_global=True,
        face=list(face),
        activation=[[0, 0, 1, 1], [0, 0, 1, 1]],
        point={
            "a": [1.0, 1.0],
            "B": [[1.0], [1.0]],
            "c": [-1.0, -1.0],
            "rational": {"a0": "1", "a1": "1", "t0_0": "1", "t1_0": "1"}
            if rational is None
            else rational,
        },
        system={"variables": [], "generators": []},
        verdict={"is_minimum": True, "decided_by": "Morse-Bott", "detail": "test construction"},
        orbit_size=1,
        component={"dimension": 1, "variables": list(variables), "prime": prime},
    )


@pytest.fixture(scope="module")
def geometry() -> ComponentGeometry:
    return ComponentGeometry(circle_minimum(), float_data(PROBLEM)[0])


def psi_at(t0: float, t1: float) -> np.ndarray:
    return np.array([[t0, -t0], [t1, -t1]])


def test_coordinates_of_the_face(geometry):
    assert geometry.variables == ["t0_0", "t1_0"]
    assert np.array_equal(geometry.psi(np.array([0.5, 2.0])), psi_at(0.5, 2.0))
    assert geometry.t0.tolist() == [1.0, 1.0]
    assert geometry.residual(np.array([1.0, 1.0])) == 0.0
    assert coordinate_names(2, 1) == ["B_0", "c_0", "B_1", "c_1"]


def test_projection_is_the_nearest_point(geometry):
    for t in ([1.3, 0.4], [0.2, 0.1], [3.0, 2.0]):
        t = np.array(t)
        expected = math.sqrt(2) * t / np.linalg.norm(t)
        assert np.allclose(geometry.project(t), expected, atol=1e-12, rtol=0)


def test_tangent(geometry):
    (tangent,) = geometry.tangent(np.array([1.0, 1.0])).T
    assert abs(abs(float(tangent @ np.array([1.0, -1.0]))) - math.sqrt(2)) < 1e-12


def test_samples_lie_on_the_set_inside_the_face(geometry):
    samples = geometry.sample(20, step=0.3, seed=0)
    assert len(samples) > 5
    assert np.array_equal(samples[0], psi_at(1.0, 1.0))
    for psi in samples:
        t = psi[:, 0]
        assert np.array_equal(psi[:, 1], -t)
        assert abs(t @ t - 2) < 1e-10 and np.all(t > 0)
    assert max(abs(float(psi[0, 0] - 1.0)) for psi in samples) > 0.1


def test_distance_to_the_set(geometry):
    _, yt, lam = float_data(PROBLEM)
    on = psi_at(math.sqrt(2) * math.cos(0.3), math.sqrt(2) * math.sin(0.3))
    a_on = a_hat(PROBLEM, on)
    assert geometry.distance(a_on, on, yt, lam) < 1e-12
    assert geometry.distance(a_on[::-1], on[::-1], yt, lam) < 1e-12  # units swapped
    # radially outward: the nearest point is `on`, at psi distance 0.1 * max |on|
    off = 1.1 * on
    expected = max(0.1 * float(np.abs(on).max()), float(np.abs(a_on - a_on).max()))
    assert geometry.distance(a_on, off, yt, lam) == pytest.approx(expected, rel=1e-9)
    # -psi is on the same variety (the prime is even) but in the opposite face
    assert geometry.distance(a_on, -on, yt, lam) == math.inf


def test_implicit_equation_of_the_projection(geometry):
    (equation,) = implicit_equation(geometry, [0, 2])  # (B_0, B_1)
    F = parse_polynomial(equation, ["B_0", "B_1"])
    circle = parse_polynomial("B_0^2 + B_1^2 - 2", ["B_0", "B_1"])
    points = [(Fraction(p), Fraction(q)) for p, q in [(0, 0), (1, 2), (3, -1), (5, 7)]]
    ratios = {F(list(pt)) / circle(list(pt)) for pt in points}
    assert len(ratios) == 1 and 0 not in ratios


@pytest.mark.parametrize(
    ("minimum", "message"),
    [
        (circle_minimum(prime=["t0_0^^2"]), "component generator"),
        (circle_minimum(prime=["t0_0^2 + t2_0^2 - 2"]), "component generator"),
        (circle_minimum(["t0_0^2 + t2_0^2 - 2"], ("t0_0", "t2_0")), "outside the face"),
        (circle_minimum(rational={"a0": "1", "a1": "1", "t0_0": "1"}), r"sample value for \['t1_0"),
    ],
)
def test_unusable_components_are_refused(minimum, message):
    with pytest.raises(ValueError, match=message):
        ComponentGeometry(minimum, float_data(PROBLEM)[0])


def test_isolated_minimum_has_no_set():
    m = circle_minimum()
    m.dimension, m.component = 0, None
    with pytest.raises(ValueError, match="no positive-dimensional component"):
        ComponentGeometry(m, float_data(PROBLEM)[0])


def test_generators_of_very_different_scales_are_all_used():
    """The circle t0_0^2 + t1_0^2 = 2 at c = -1/2 for both units (chambers "-+++"), its
    quadric given with 1e40 times the coefficients of the linear generators (primes of
    real sets have such spans). Unscaled, the quadric's Jacobian row hides the others:
    the projection never moves c and stalls off the set."""
    chamber = {"signs": "-+++", "kind": "chamber", "basis": [["1", "0"], ["0", "1"]]}
    big = 10**40
    minimum = circle_minimum(
        prime=[f"{big}*t0_0^2 + {big}*t1_0^2 - {2 * big}", "2*t0_1 + 1", "2*t1_1 + 1"],
        variables=("t0_0", "t0_1", "t1_0", "t1_1"),
        rational={"a0": "1", "a1": "1", "t0_0": "1", "t0_1": "-1/2", "t1_0": "1", "t1_1": "-1/2"},
        face=(chamber, chamber),
    )
    geometry = ComponentGeometry(minimum, float_data(PROBLEM)[0])
    t = np.array([1.3, -0.3, 0.4, -0.8])
    radial = math.sqrt(2) * np.array([1.3, 0.4]) / math.hypot(1.3, 0.4)
    expected = np.array([radial[0], -0.5, radial[1], -0.5])
    assert np.allclose(geometry.project(t), expected, atol=1e-12, rtol=0)
    (tangent,) = geometry.tangent(np.array([1.0, -0.5, 1.0, -0.5])).T
    assert np.allclose(np.abs(tangent), np.array([1, 0, 1, 0]) / math.sqrt(2), atol=1e-12)


def test_family_members_have_the_sets_loss_and_are_stationary() -> None:
    """Members of a curve of minima at several parameter values: the asked coordinate
    takes its value, the loss is the certified loss of the set (a set of minima is a level
    set, METHOD) and a is optimal for the member's hidden layer (dl/da = 0; the hidden
    weights sit on walls of this set, where the loss has kinks and no gradient): checked
    by Problem.loss and Problem.gradient, the forward pass, not by the geometry that found
    the point."""
    import numpy as np

    import reluscape
    from reluscape.validation import InputError

    r = reluscape.solve([[0], [1], [2], [4]], ["0", "1", "0", "2"], hidden=2, lam="1/10")
    curve = next(m for m in r.minima if m.dimension == 1)
    c1 = float(curve.point.c[1])
    for delta in (-0.02, 0.01, 0.03):
        a, B, c = reluscape.family_member(r, curve.id, {"c_1": c1 + delta})
        assert c[1] == pytest.approx(c1 + delta, abs=1e-12)
        assert r.problem.loss(a, B, c) == pytest.approx(curve.loss, rel=1e-10)
        assert np.max(np.abs(r.problem.gradient(a, B, c)[0])) < 1e-9
    point = next(m for m in r.minima if m.dimension == 0)
    with pytest.raises(InputError, match="isolated point"):
        reluscape.family_member(r, point.id, {"c_1": 0.0})
    with pytest.raises(InputError, match="not a coordinate"):
        reluscape.family_member(r, curve.id, {"w_1": 0.0})
    with pytest.raises(InputError, match="give 1 coordinate"):
        reluscape.family_member(r, curve.id, {"c_1": 0.0, "c_0": 0.0})
    with pytest.raises(InputError, match="no minimum"):
        reluscape.family_member(r, 99, {"c_1": 0.0})
