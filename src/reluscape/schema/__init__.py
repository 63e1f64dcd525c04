"""The result document: typed dataclasses, one validating reader, one writer.

Every part of reluscape that reads or writes a result goes through this module: the run
(:mod:`reluscape.exact.merge` builds :class:`Minimum` objects), the checkpoint, and the
numerical tools (``verify``, ``compare``, ``report``). The constructors validate: a
:class:`Result` built from a JSON document, from a checkpoint or by the run is checked
the same way, and a malformed one raises :class:`MalformedResult` naming the field
(``minima[2].face[0].signs: expected 5 characters from '+0-', got '+0'``).

Document (``schema_version`` "1"; exact values are strings ``"p/q"``, floats appear only
where labelled as approximations; every loss, bound, barrier and height is in the
problem's ``convention``, a ``mean`` document keeping the sum-convention floats beside
them as ``loss_sum``, ``barrier_sum``, ``height_sum`` (:mod:`reluscape.convention`; a
:class:`Result` object holds sum-convention losses, as the computation does; the
polynomial of ``loss_exact`` is of the sum-convention loss, n times the mean one):

- ``problem``: the exact input (:meth:`reluscape.data.Problem.describe`): ``X``, ``y``,
  ``hidden``, ``lam``, ``convention``, ``lam_sum``, ``n``, ``d`` and ``data`` (the path as
  given to the run, or null); read back into a :class:`reluscape.data.Problem`.
- ``minima``: one entry per orbit of local minima under unit permutation, by increasing
  loss; ``undecided``: candidates no exact test settled; ``stats``: counts, rejections by
  reason, ``faces_undecided``, ``complete``, timings, versions;
- ``global_minimum`` (only in a ``reluscape global`` result, :class:`GlobalMinimum`): the
  certified interval of the global minimum value and the search's counts; ``minima`` then
  holds the global minimizers. A result without it has no such key.
- ``critical_points`` (only in a ``solve --census`` result, :class:`CriticalPoint`): every
  stationary point up to unit permutation, minima (with their ids in ``minima``), saddles
  with their index, and degenerate points with the reason; absent otherwise. A point that
  is not a minimum may carry ``connects`` (:class:`Connection`: the minima its descent
  paths reach, with the barriers), and the document then a ``landscape``
  (:class:`Landscape`: the graph of minima and the points that connect them).

One minimum (:class:`Minimum`):

- ``id`` (1, 2, ... in order), ``dimension`` (0 isolated point, k > 0 a k-dimensional
  set), ``loss`` (float approximation, null if it overflows a float), ``loss_interval``
  (certified, exact rational endpoints), ``loss_exact`` (``{"polynomial", "variable"}``: a
  polynomial over Q with the loss as a root in ``loss_interval``) when computed;
- ``is_global``: true or false when the run is complete; null when it is not (a
  minimum an incomplete run found is never claimed global);
- ``face``: per unit its sign vector (``"+0-"``), ``kind`` and span basis K
  (theta_l = K t_l); ``activation``: per unit s_li = 1 iff theta_l . xt_i > 0;
- ``point``: ``a``, ``B``, ``c`` as floats (a sample point of a set; null entries where a
  value overflows a float), ``rational`` approximations of the coordinates (a, t) at
  ``precision_bits``, and the certified ``box`` (exact rational interval endpoints);
- ``system``: the variables and generators of the zero-dimensional system whose real
  solution in ``box`` is the point; ``component``: for a set of dimension >= 1, the
  generators of the prime ideal (in the t variables) of its Zariski closure;
- ``verdict``: ``is_minimum``, ``decided_by`` (one of :data:`DECIDED_BY`), ``detail``;
  ``orbit_size``: the number of images under permutations of the hidden units.

Coordinates: on a face, unit l has variables ``a{l}`` and ``t{l}_{j}`` (j < dim F_l) with
theta_l = (B_l, c_l) = sum_j t{l}_{j} * ``face[l].basis[j]``; a unit whose face ``kind`` is
``"origin"`` has theta_l = 0, a_l = 0 and no variables. A system may have one more
variable ``z``. Polynomials are in Sage's syntax (``^`` for powers, ``5/4*t0_0``).

Examples
--------
>>> from reluscape.data import make_problem
>>> problem = make_problem([[0], [1]], ["1", "0"], hidden=1, lam="1/10")
>>> r = Result(problem=problem, minima=[], stats={"complete": True})
>>> Result.from_json(r.to_json()) == r
True
>>> try:
...     Result.from_dict({**r.to_dict(), "schema_version": "0"})
... except MalformedResult as exc:
...     print(exc)
unsupported schema_version '0'; this reluscape reads '1'
"""

from reluscape.schema.document import (
    CENSUS_DECIDED_BY,
    CRITICAL_KINDS,
    DECIDED_BY,
    FACE_KINDS,
    SCHEMA_VERSION,
    Component,
    Connection,
    CriticalPoint,
    Face,
    GlobalMinimum,
    Join,
    Landscape,
    LossExact,
    Minimum,
    Point,
    Result,
    System,
    Verdict,
)
from reluscape.schema.read import MAX_DEPTH, MalformedResult, load_json, problem_from_dict
from reluscape.schema.render import walls_text

__all__ = [
    "CENSUS_DECIDED_BY",
    "CRITICAL_KINDS",
    "DECIDED_BY",
    "FACE_KINDS",
    "MAX_DEPTH",
    "SCHEMA_VERSION",
    "Component",
    "Connection",
    "CriticalPoint",
    "Face",
    "GlobalMinimum",
    "Join",
    "Landscape",
    "LossExact",
    "MalformedResult",
    "Minimum",
    "Point",
    "Result",
    "System",
    "Verdict",
    "load_json",
    "problem_from_dict",
    "walls_text",
]
