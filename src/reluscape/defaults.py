"""The default of every option that more than one entry point shares, each defined once.

The commands (:mod:`reluscape.cli`) and the library functions read these names, so a
default documented in ``--help`` is the one the library applies.
"""

from __future__ import annotations

FACE_TIMEOUT = 60.0
"""Seconds per product face in ``solve`` and ``compare``: ``solve`` runs thousands of cheap
faces, and one over a minute is reported undecided rather than holding the run."""

LIBRARY_FACE_TIMEOUT: float | None = None
"""Seconds per product face of :func:`reluscape.solve` in Python: none, so that faces run
one after the other in the caller's process and no cluster is started (a notebook's solve
of a small problem costs no process start); the command line uses :data:`FACE_TIMEOUT`."""

GLOBAL_FACE_TIMEOUT = 1800.0
"""Seconds per product face of the exact path of ``global``. It runs a handful of faces,
and the one holding a split neuron (two units on one chamber: L = 3, n = 50 in
bench/global_bench.py) needs minutes, not seconds."""

HOURS_LIMIT = 12.0
"""Estimated hours of wall time above which ``solve`` refuses to start without ``--force``
(:func:`reluscape.execution.costs.estimate_cost`: the orbits to process times the
measured cost of an orbit at this L and d, divided by ``--jobs``): half a day is more than
a run should take by surprise; ``--dry-run`` shows the estimate."""

PIECE_LIMIT = 100_000_000_000
"""Pieces (multisets of L chamber-sign pairs) above which ``global`` refuses to start
without ``--force``. The search holds sets of pieces (a multiset of pairs chosen plus the
pairs still allowed), not pieces, so its memory grows with the sets left open, not with
this count: the 46 million pieces of L = 3 on 442 samples were certified in 71 s and
0.7 GB, the 26 billion of L = 4 searched 420 s in 2.7 GB (bench/results/
global_diabetes.txt). Beyond 10^11 pieces the bounds of the sets would have to prune
at a depth no run here has reached."""

GLOBAL_STARTS = 20
"""Multistart runs of ``global`` for its first exact upper bound."""

MULTISTART_STARTS = 200
"""Seeded starts of :func:`reluscape.numerical.search.multistart` called on its own."""

COMPARE_STARTS = 1000
"""Seeded starts of the training runs of ``compare``."""

MAX_STARTS = 1_000_000
"""Most multistart runs any command takes: each is a local optimisation with its own
arrays, and the start points are drawn at once, so 10**20 starts would only exhaust memory
(issue 31); a million is hours of training already."""

COMPARE_JOBS = 2
"""Faces processed at the same time when ``compare`` runs the enumeration itself."""
