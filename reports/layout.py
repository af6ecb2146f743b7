"""Force-directed layout for the co-mention network (Fruchterman–Reingold, vectorised numpy).

Deterministic: the same graph gives the same picture every week it is drawn.
"""

from __future__ import annotations

import numpy as np


def force_layout(n_nodes: int, edges: list[tuple[int, int, float]], iterations: int = 200,
                 seed: int = 7) -> np.ndarray:
    """(n_nodes, 2) positions in [0, 1]² for nodes linked by weighted edges (i, j, weight)."""
    if n_nodes == 0:
        return np.zeros((0, 2))
    rng = np.random.default_rng(seed)
    pos = rng.random((n_nodes, 2))
    k = 1.0 / np.sqrt(n_nodes)
    weights = np.zeros((n_nodes, n_nodes))
    for i, j, w in edges:
        weights[i, j] = weights[j, i] = w
    if weights.max() > 0:
        weights = weights / weights.max()
    temperature = 0.1
    for _ in range(iterations):
        delta = pos[:, None, :] - pos[None, :, :]
        distance = np.linalg.norm(delta, axis=-1) + 1e-9
        repulsion = (k * k / distance**2)[..., None] * delta
        attraction = -(weights * distance / k)[..., None] * delta
        step = (repulsion + attraction).sum(axis=1)
        length = np.linalg.norm(step, axis=1, keepdims=True) + 1e-9
        pos += step / length * np.minimum(length, temperature)
        temperature *= 0.98
    pos -= pos.min(axis=0)
    span = pos.max(axis=0)
    return pos / np.where(span > 0, span, 1.0)
