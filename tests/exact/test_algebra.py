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


def test_zero_dimensional_primes_are_groebner_bases_of_gtz_primes():
    """The primes split off by a separating form are Singular's (GTZ) minimal primes, each
    returned as its reduced Groebner basis (modStd's, not the generators with the residue
    f(l)), and a basis whose count of standard monomials differs is not used."""
    R = algebra.ring(["x", "y", "z"])
    x, y, z = R.gens()
    for gens in (
        [x**2 - 2, y**2 - 3, z - x * y],
        [(x**2 - 2) * (x - 3), y**2 - x, z**3 - z],
        [x**4 - 10 * x**2 + 1, y - x**3 + 9 * x, z**2 - y * z - 1],
    ):
        primes = algebra.zero_dimensional_primes(algebra.ideal(gens))
        assert primes is not None
        gtz = set(algebra.ideal(gens).minimal_associated_primes())
        assert {algebra.ideal(p) for p in primes} == gtz
        if len(primes) > 1:
            for p in primes:
                assert sorted(p) == sorted(algebra.ideal(p).groebner_basis())
    assert algebra._prime_basis([x**2 - 2, y - x, z], 3) is None  # dim Q[x,y,z]/P is 2


def _multiplication_charpoly(G, form):
    """The old route, independent of msolve: the exact characteristic polynomial of
    multiplication by ``form`` on Q[t]/<G> (FLINT's, through Sage's rational matrix)."""
    basis = algebra.ideal(G).normal_basis()
    return algebra.multiplication_matrix(list(G), basis, form).charpoly().list()


def _merged_critical_set():
    import json
    from pathlib import Path

    doc = json.loads(
        (Path(__file__).parents[1] / "data" / "merged_critical_set_l4_n6.json").read_text()
    )
    R = algebra.ring(doc["names"])
    return list(algebra.ideal([R(g) for g in doc["gens"]]).groebner_basis())


def test_eliminating_polynomial_is_the_exact_characteristic_polynomial():
    """msolve's eliminating polynomial of the separating form equals the exact
    characteristic polynomial of the multiplication matrix (the old route), on small
    ideals and forms; a form msolve replaces (not separating) gives no candidate."""
    R = algebra.ring(["x", "y", "z"])
    x, y, z = R.gens()
    for gens, form in (
        ([x**2 - 2, y**2 - 3, z - x * y], x + 2 * y - z),
        ([(x**2 - 2) * (x - 3), y**2 - x, z**3 - z], 3 * x - y + 5 * z),
        ([x**4 - 10 * x**2 + 1, y - x**3 + 9 * x, z**2 - y * z - 1], -4 * x + 7 * y + z),
        ([2 * x**3 - x - R(1) / 7, 3 * y**2 - x * y - 2, z - x**2 + y], x - y + 9 * z),
    ):
        G = list(algebra.ideal(gens).groebner_basis())
        chi = algebra._eliminating_polynomial(G, form)
        assert chi is not None
        assert chi.univariate_polynomial().list() == _multiplication_charpoly(G, form)
    G = list(algebra.ideal([x**2 - 2, y**2 - 3, z - x * y]).groebner_basis())
    assert algebra._eliminating_polynomial(G, R(0)) is None  # 0 separates no points


@pytest.mark.slow
def test_slow_face_polynomial_and_primes_agree_with_the_old_route():
    """The merged critical set of the slowest L = 4, n = 6 face (dim 128): msolve's
    candidate is FLINT's exact characteristic polynomial of the first separating form, and
    the primes are those the exact polynomial gives (two of degree 64, containing E)."""
    import random

    G = _merged_critical_set()
    R = G[0].parent()
    form = sum((random.Random(0).randint(-9, 9) * v for v in R.gens()), R(0))
    chi = algebra._eliminating_polynomial(G, form)
    exact = _multiplication_charpoly(G, form)
    assert chi is not None and chi.univariate_polynomial().list() == exact
    primes = algebra.zero_dimensional_primes(algebra.ideal(G))
    assert primes is not None
    # Each prime contains E and is the factor's prime: l's characteristic polynomial on
    # Q[t]/P (Cayley-Hamilton: f(l) in P) is one factor of the exact chi, each once.
    assert all(algebra.contains(p, g) for p in primes for g in G)
    on_primes = sorted(str(_multiplication_charpoly(p, form)) for p in primes)
    T = chi.parent()
    exact_factors = T(sum(c * T.gen() ** k for k, c in enumerate(exact))).factor()
    assert on_primes == sorted(
        str((f / f.lc()).univariate_polynomial().list()) for f, _ in exact_factors
    )


def test_a_wrong_candidate_polynomial_gives_no_primes(monkeypatch) -> None:
    """msolve's polynomial is a candidate: one that is not the characteristic polynomial
    (split or irreducible) fails the proof and gives no primes, never wrong ones; without
    any candidate, minimal_primes decomposes by Singular (the GTZ primes)."""
    R = algebra.ring(["x", "y", "z"])
    x, y, z = R.gens()
    gens = [x**2 - 2, y**2 - 3, z - x * y]
    E = algebra.ideal(gens)
    T = algebra.ring(["T"]).gen()
    for wrong in ((T**2 - 5) * (T**2 - 7), T**4 - 10 * T**2 + 2, (T**2 - 2) * (T**2 - 3)):
        monkeypatch.setattr(algebra, "_eliminating_polynomial", lambda G, form, w=wrong: w)
        assert algebra.zero_dimensional_primes(E) is None
    monkeypatch.setattr(algebra, "_eliminating_polynomial", lambda G, form: None)
    assert algebra.zero_dimensional_primes(E) is None
    ours = {algebra.ideal(p) for p in algebra.minimal_primes(gens)}
    assert ours == set(E.minimal_associated_primes())


def test_eliminate_agrees_with_sages_elimination_ideal():
    R = algebra.ring(["x", "y", "s", "t"])
    x, y, s, t = R.gens()
    for gens, out in (
        ([x - s * t, y - s**2 - t, s**3 - t - 1], [s]),
        ([x - s * t, y - s**2 - t, s**3 - t - 1], [s, t]),
        ([x**2 + y**2 - s, s * t - 1, x - y * t], [s, t]),
    ):
        ours = algebra.ideal(algebra.eliminate(gens, out))
        assert ours == algebra.ideal(gens).elimination_ideal(out)


def test_a_crashed_msolve_is_run_again_then_undecided(monkeypatch) -> None:
    """msolve killed by a signal: run again on the generators in another order; a crash
    every time is Undecided (a face or candidate left open), never a traceback."""
    import subprocess

    R = algebra.ring(["x", "y"])
    gens = [R("x^2 - 2"), R("y - x")]
    real = algebra._run_msolve
    crashes = [2]

    def crashing(gs, precision):
        if crashes[0] > 0:
            crashes[0] -= 1
            raise subprocess.CalledProcessError(-11, ["msolve"])
        return real(gs, precision)

    monkeypatch.setattr(algebra, "_run_msolve", crashing)
    assert len(algebra.real_solutions(gens)) == 2  # the third run succeeds
    crashes[0] = algebra.MSOLVE_TRIES
    with pytest.raises(algebra.Undecided, match="msolve failed"):
        algebra.real_solutions(gens)


def test_own_msolve_reader_agrees_with_sages():
    """reluscape runs msolve itself (a smaller hash table, its own reader): the boxes are
    those of Sage's msolve interface, on irrational, rational and no solutions."""
    import sage.all__sagemath_msolve  # noqa: F401  (registers msolve for variety)
    from sage.all__sagemath_singular import RealIntervalField

    R = algebra.ring(["x", "y", "z"])
    x, y, z = R.gens()
    systems = [
        [x**2 - 2, y - x, z**2 - y - 3],
        [2 * x - 5, y**2 - x**2, z - x * y],  # rational coordinates: msolve prints p / q
        [x**2 + 1, y, z],  # no real solution
        [x**3 - x - R(1) / 7, y**2 - 3 * x - 1, z * y - 1],
    ]
    for gens in systems:
        ours = sorted(
            (tuple((p.box[k].lower(), p.box[k].upper()) for k in "xyz"))
            for p in algebra.real_solutions(gens)
        )
        sols = algebra.ideal(gens).variety(RealIntervalField(64), algorithm="msolve", proof=False)
        theirs = sorted(tuple((s[v].lower(), s[v].upper()) for v in (x, y, z)) for s in sols)
        assert ours == theirs


def test_unreadable_msolve_output_is_undecided():
    with pytest.raises(algebra.Undecided, match="unexpected msolve output"):
        algebra.parse_msolve_output("[0, [1, [[[1 / 2^3 2]]]]]:")


def test_msolve_eliminant_has_the_elimination_ideal_s_roots():
    """msolve's parametrization (eliminant) and Singular's elimination ideal give the same
    irreducible factors in lambda on seeded zero-dimensional systems where lambda is
    msolve's separating variable (None where it is not: Singular decides)."""
    import random

    R = algebra.ring(["x", "y", "lam"])
    x, y, lam = R.gens()
    monomials = [R(1), x, y, lam, x * y, x * lam, y * lam, x**2, y**2, lam**2]
    rng = random.Random(7)
    compared = 0
    for _ in range(12):
        gens = [sum(rng.randint(-3, 3) * m for m in monomials) for _ in range(3)]
        if algebra.dimension(gens) != 0:
            continue
        quick = algebra.eliminant(gens, lam)
        if quick is None:
            continue
        (slow,) = algebra.eliminate(gens, [x, y])
        assert algebra.integer_factors(quick, lam) == algebra.integer_factors(slow, lam)
        compared += 1
    assert compared >= 6
    assert algebra.eliminant([x**2 - lam, x**2 - 2, y], lam) is None  # lam does not separate
    assert algebra.eliminant([x - y, lam], lam) is None  # a line: not zero-dimensional
    assert algebra.eliminant([x**2 + 1, x, lam], lam) == 1  # no solution
