"""Exact decisions at certified points."""

from __future__ import annotations

import pytest

from reluscape.exact import algebra


def test_exact_zero_sign_is_decided():
    R = algebra.ring(["x", "y"])
    x, y = R.gens()
    (pt,) = [p for p in algebra.real_solutions([x**2 - 2, y - x]) if p.sign(x) > 0]
    assert pt.sign(y**2 - 2) == 0  # zero exactly, though its interval contains 0
    assert pt.sign(y - x) == 0
    assert pt.sign(x - 1) == 1
    assert pt.sign(x**2 - 2 - R(1) / 10**40) == -1  # a tiny nonzero value


def test_positive_dimensional_is_reported():
    R = algebra.ring(["x", "y"])
    x, y = R.gens()
    try:
        algebra.real_solutions([x * y])
    except algebra.PositiveDimensional:
        return
    raise AssertionError("x*y = 0 has infinitely many solutions")


def test_one_variable_ring_supports_primes_and_real_roots():
    R = algebra.ring(["x"])
    (x,) = R.gens()
    assert algebra.minimal_primes([x**3 - 2 * x]) and algebra.dimension([x**2 - 2]) == 0
    assert sorted(p.sign(x) for p in algebra.real_solutions([x**3 - 2 * x])) == [-1, 0, 1]
    assert algebra.contains([x**2 - 2], x**4 - 4) and not algebra.contains([x**2 - 2], x)


def test_minimal_primes_agree_with_singular_gtz():
    R = algebra.ring(["x", "y", "z"])
    x, y, z = R.gens()
    for gens in (
        [x * y, x * z, (y - 1) ** 2 * (x - 2)],
        [x**2 + y**2 + z**2 - 1, x * y * z],
        [(x - y) ** 2 * (x + y - 1), z**3 - z],
    ):
        ours = {algebra.ideal(p) for p in algebra.minimal_primes(gens)}
        gtz = set(algebra.ideal(gens).minimal_associated_primes())
        assert ours == gtz


def test_a_crashed_msolve_is_run_again_then_undecided(monkeypatch) -> None:
    """msolve killed by a signal: run again on the generators in another order; a crash
    every time is Undecided (a face or candidate left open), never a traceback."""
    import subprocess

    R = algebra.ring(["x", "y"])
    gens = [R("x^2 - 2"), R("y - x")]
    real = algebra.ideal
    crashes = [2]

    class Crashing:
        def __init__(self, gs):
            self.inner = real(gs)

        def variety(self, *args, **kwargs):
            if crashes[0] > 0:
                crashes[0] -= 1
                raise subprocess.CalledProcessError(-11, ["msolve"])
            return self.inner.variety(*args, **kwargs)

    monkeypatch.setattr(algebra, "ideal", Crashing)
    assert len(algebra.real_solutions(gens)) == 2  # the third run succeeds
    crashes[0] = algebra.MSOLVE_TRIES
    with pytest.raises(algebra.Undecided, match="msolve failed"):
        algebra.real_solutions(gens)
