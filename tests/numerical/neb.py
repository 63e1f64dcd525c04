"""An independent nudged elastic band (NEB) between minima, for checking claimed barriers.

Shares no code with reluscape: the loss and its gradient are written here again from
docs/METHOD.md section 1 (sum convention, centered y, no output bias), on the full
parameters (a, B, c). Climbing-image NEB (Henkelman, Uberuaga and Jonsson 2000) with the
improved tangent, relaxed by FIRE; the band's height is read along the whole polyline
(every segment sampled), so it is the height of an explicit path: an upper bound of the
minimax barrier between its ends, whatever the optimiser did.
"""

from __future__ import annotations

import itertools

import numpy as np


class Loss:
    """l(a, B, c) = 1/2 |yt - ReLU(X B^T + c) a|^2 + lam/2 |(a, B, c)|^2 on flat vectors."""

    def __init__(self, X: np.ndarray, y: np.ndarray, hidden: int, lam: float) -> None:
        self.X = np.asarray(X, dtype=float)
        self.yt = np.asarray(y, dtype=float) - np.mean(y)
        self.L, self.d = hidden, self.X.shape[1]
        self.lam = lam

    def unpack(self, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        L, d = self.L, self.d
        return p[..., :L], p[..., L : L + L * d].reshape(*p.shape[:-1], L, d), p[..., L + L * d :]

    def pack(self, a: np.ndarray, B: np.ndarray, c: np.ndarray) -> np.ndarray:
        return np.concatenate([a, np.asarray(B).ravel(), c])

    def value_grad(self, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Values and gradients of a stack of points P (m x dim)."""
        a, B, c = self.unpack(P)
        z = np.einsum("nd,mld->mnl", self.X, B) + c[:, None, :]
        h = np.maximum(z, 0.0)
        r = self.yt[None, :] - np.einsum("mnl,ml->mn", h, a)
        value = 0.5 * np.sum(r * r, axis=1) + 0.5 * self.lam * np.sum(P * P, axis=1)
        ga = -np.einsum("mn,mnl->ml", r, h)
        gz = -(r[:, :, None] * a[:, None, :]) * (z > 0)
        gB = np.einsum("mnl,nd->mld", gz, self.X)
        gc = np.sum(gz, axis=1)
        grad = np.concatenate([ga, gB.reshape(len(P), -1), gc], axis=1) + self.lam * P
        return value, grad

    def permuted(self, p: np.ndarray, perm: tuple[int, ...]) -> np.ndarray:
        a, B, c = self.unpack(p)
        return self.pack(a[list(perm)], B[list(perm)], c[list(perm)])


def path_height(loss: Loss, band: np.ndarray, samples: int = 16) -> float:
    """The highest loss on the polyline through the band's images (each segment sampled)."""
    t = np.linspace(0.0, 1.0, samples + 1)
    points = (band[:-1, None, :] * (1 - t)[None, :, None] + band[1:, None, :] * t[None, :, None])
    values, _ = loss.value_grad(points.reshape(-1, band.shape[1]))
    return float(np.max(values))


def neb(
    loss: Loss, start: np.ndarray, end: np.ndarray, *, images: int = 24, steps: int = 3000
) -> tuple[float, np.ndarray]:
    """Climbing-image NEB from start to end; (height of the relaxed band, band)."""
    t = np.linspace(0.0, 1.0, images + 2)[:, None]
    band = (1 - t) * start + t * end
    velocity = np.zeros_like(band)
    dt, alpha, n_positive = 0.02, 0.1, 0
    spring = 1.0
    for step in range(steps):
        values, grads = loss.value_grad(band)
        tangents = _tangents(band, values)
        inner = slice(1, -1)
        force = -grads[inner]
        force -= np.sum(force * tangents, axis=1, keepdims=True) * tangents
        gaps = np.linalg.norm(np.diff(band, axis=0), axis=1)
        force += spring * (gaps[1:] - gaps[:-1])[:, None] * tangents
        if step > steps // 5:
            top = int(np.argmax(values[inner]))
            g = grads[inner][top]
            force[top] = -g + 2 * np.dot(g, tangents[top]) * tangents[top]
        # FIRE (Bitzek et al. 2006) on the inner images.
        v = velocity[inner]
        power = float(np.sum(force * v))
        norm_f = np.linalg.norm(force) or 1.0
        v = (1 - alpha) * v + alpha * np.linalg.norm(v) * force / norm_f
        if power > 0:
            n_positive += 1
            if n_positive > 5:
                dt, alpha = min(dt * 1.1, 0.2), alpha * 0.99
        else:
            n_positive, dt, alpha = 0, dt * 0.5, 0.1
            v[:] = 0
        v += dt * force
        band[inner] += dt * v
        velocity[inner] = v
    return path_height(loss, band), band


def _tangents(band: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The improved tangents of Henkelman and Jonsson (2000) at the inner images."""
    out = []
    for k in range(1, len(band) - 1):
        forward, backward = band[k + 1] - band[k], band[k] - band[k - 1]
        vp, v0, vm = values[k + 1], values[k], values[k - 1]
        if vp > v0 > vm:
            tau = forward
        elif vp < v0 < vm:
            tau = backward
        else:
            dmax, dmin = max(abs(vp - v0), abs(vm - v0)), min(abs(vp - v0), abs(vm - v0))
            tau = forward * dmax + backward * dmin if vp > vm else forward * dmin + backward * dmax
        out.append(tau / (np.linalg.norm(tau) or 1.0))
    return np.array(out)


def lowest_band(loss: Loss, start: np.ndarray, end: np.ndarray, **kw: int) -> float:
    """The lowest NEB height between start and every unit permutation of end."""
    return min(
        neb(loss, start, loss.permuted(end, perm), **kw)[0]
        for perm in itertools.permutations(range(loss.L))
    )
