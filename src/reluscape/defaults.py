"""The default of every option that more than one entry point shares, each defined once.

The commands (:mod:`reluscape.cli`) and the library functions read these names, so a
default documented in ``--help`` is the one the library applies.
"""

from __future__ import annotations

FACE_TIMEOUT = 60.0
"""Seconds per product face in ``solve`` and ``compare``: ``solve`` runs thousands of cheap
faces, and one over a minute is reported undecided rather than holding the run."""

GLOBAL_FACE_TIMEOUT = 1800.0
"""Seconds per product face of the exact path of ``global``. It runs a handful of faces,
and the one holding a split neuron (two units on one chamber: L = 3, n = 50 in
bench/global_bench.py) needs minutes, not seconds."""

ORBIT_LIMIT = 2_000_000
"""Orbits of product faces above which ``solve`` refuses to start without ``--force``.
bench/results/full.txt measures 20-100 ms of wall time per orbit with ``--jobs 2`` on two
cores (L = 2 and 3, n <= 20), so 2 million orbits are half a day to two days of work."""

PIECE_LIMIT = 5_000_000
"""Pieces (multisets of L chamber-sign pairs) above which ``global`` refuses to start
without ``--force``. The search keeps about 4 L + 17 bytes per piece in arrays and solves
a convex program for a fraction of them: 5 million pieces are under 0.2 GB at L = 3; the
46 million pieces of an L = 3 run on 442 samples took 4.9 GB and 20 minutes."""

GLOBAL_STARTS = 20
"""Multistart runs of ``global`` for its first exact upper bound."""

COMPARE_STARTS = 1000
"""Seeded starts of the training runs of ``compare``."""

MAX_STARTS = 1_000_000
"""Most multistart runs any command takes: each is a local optimisation with its own
arrays, and the start points are drawn at once, so 10**20 starts would only exhaust memory
(issue 31); a million is hours of training already."""

COMPARE_JOBS = 2
"""Faces processed at the same time when ``compare`` runs the enumeration itself."""
