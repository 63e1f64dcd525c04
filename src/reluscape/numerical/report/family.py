"""Members of a positive-dimensional set of minima, sampled numerically for drawing.

A k-dimensional set (k >= 1) is known exactly through its component (the prime ideal of
its Zariski closure, docs/METHOD.md section 6.3); the report draws some of its real
points. :class:`reluscape.numerical.components.ComponentGeometry` walks on the set
(random tangent steps, Newton-projected back onto the component's equations inside the
face); :func:`family_members` picks a few of the sampled points far apart.
"""

from __future__ import annotations

import numpy as np

from reluscape.numerical.components import ComponentGeometry
from reluscape.numerical.report.common import Floats, psi_of
from reluscape.schema import Minimum

SET_SAMPLES = 60  # sampled real points of a positive-dimensional set
SET_STEP = 0.08  # random-walk step on the set, relative to max(0.1, max |psi*|)
FAMILY_MEMBERS = 4  # members drawn besides the sample point


def set_samples(m: Minimum, floats: Floats) -> tuple[ComponentGeometry | None, list[np.ndarray]]:
    """The geometry of a positive-dimensional minimum's set and sampled points of it.

    Returns (None, []) when the component cannot be used (its generators cannot be parsed
    or do not describe a set in the face): the report then draws the sample point only.
    """
    try:
        geometry = ComponentGeometry(m, floats.xt)
    except ValueError:
        return None, []
    step = SET_STEP * max(0.1, float(np.abs(psi_of(m)).max()))
    return geometry, geometry.sample(SET_SAMPLES, step=step, seed=m.id)


def family_members(samples: list[np.ndarray], *, count: int = FAMILY_MEMBERS) -> list[np.ndarray]:
    """The first sample (the sample point) and up to ``count`` others spread over the set.

    Farthest-point selection: each next member is the sample farthest (max-abs in psi)
    from the members chosen so far.

    Examples
    --------
    >>> points = [np.array([0.0]), np.array([0.1]), np.array([1.0]), np.array([0.5])]
    >>> [float(p[0]) for p in family_members(points, count=2)]
    [0.0, 1.0, 0.5]
    """
    if not samples:
        return []
    members = [samples[0]]
    while len(members) < count + 1:
        gaps = [min(float(np.abs(s - m).max()) for m in members) for s in samples]
        k = int(np.argmax(gaps))
        if gaps[k] <= 0.0:
            break
        members.append(samples[k])
    return members
