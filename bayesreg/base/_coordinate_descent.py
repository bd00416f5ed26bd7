"""Coordinate descent with soft-thresholding (exact zeros) and an active-set polish: the
numba kernels on the Gram and on the design, and their drivers. Arrays in, arrays out."""

from __future__ import annotations

import numba as nb
import numpy as np
from scipy import linalg

from ._map_problem import kkt_distance

_CD_CHUNK = 50  # coordinate-descent sweeps between two active-set polish attempts
_EPS = np.finfo(np.float64).eps


# =====================================================================================
# Numba kernels: coordinate descent
# =====================================================================================


@nb.njit(nogil=True)
def _soft(u, t):
    if u > t:
        return u - t
    if u < -t:
        return u + t
    return 0.0


@nb.njit(nogil=True)
def _active_set(w, active):
    """Write the indices of the non-zero ``w`` into ``active``; return their count."""
    n_active = 0
    for j in range(w.shape[0]):
        if w[j] != 0.0:
            active[n_active] = j
            n_active += 1
    return n_active


@nb.njit(nogil=True)
def _coord_viol(g, wj, t):
    if wj > 0:
        return abs(g + t)
    if wj < 0:
        return abs(g - t)
    return max(abs(g) - t, 0.0)


@nb.njit(nogil=True)
def _cd_gram_kernel(G, c, l1, l2, w, q, max_sweeps, tol):  # pragma: no cover - numba
    """Minimize ``1/2 w'Gw - c'w + sum(l1|w|) + 1/2 sum(l2 w^2)`` in place.

    ``q = G @ w`` is maintained. Alternates full sweeps with sweeps over the active set.
    Returns ``(sweeps, kkt)`` where ``kkt`` is the max subgradient violation at exit.
    """
    p = w.shape[0]
    active = np.empty(p, np.int64)
    n_active = p
    for j in range(p):
        active[j] = j
    full = True
    sweeps = 0
    kkt = np.inf
    while sweeps < max_sweeps:
        m = p if full else n_active
        for k in range(m):
            j = k if full else active[k]
            hjj = G[j, j] + l2[j]
            if hjj <= 0.0:
                continue
            wj = w[j]
            new = _soft(c[j] - q[j] + G[j, j] * wj, l1[j]) / hjj
            delta = new - wj
            if delta != 0.0:
                w[j] = new
                for i in range(p):
                    q[i] += G[j, i] * delta
        sweeps += 1
        kkt = 0.0
        kkt_act = 0.0
        for j in range(p):
            v = _coord_viol(q[j] - c[j] + l2[j] * w[j], w[j], l1[j])
            if v > kkt:
                kkt = v
            if w[j] != 0.0 and v > kkt_act:
                kkt_act = v
        if kkt <= tol:
            break
        if full:
            n_active = _active_set(w, active)
            full = n_active == 0 or n_active == p
        elif kkt_act <= tol:
            full = True
    return sweeps, kkt


@nb.njit(nogil=True)
def _cd_x_kernel(X, d, r, l1, l2, colh, w, b, fit_b, max_sweeps, tol):  # pragma: no cover
    """Minimize ``1/2 sum_i d_i (z_i - x_i'w - b)^2 + pen(w)`` by CD on ``X`` in place.

    ``X`` is Fortran-ordered, ``r = z - X w - b`` is maintained, ``colh_j = sum_i d_i
    X_ij^2`` and ``b`` is a length-1 array (updated when ``fit_b``). Returns
    ``(sweeps, kkt)``; ``kkt`` is exact (recomputed) when a full check was done.
    """
    n, p = X.shape
    active = np.empty(p, np.int64)
    n_active = p
    for j in range(p):
        active[j] = j
    dsum = 0.0
    for i in range(n):
        dsum += d[i]
    full = True
    sweeps = 0
    kkt = np.inf
    while sweeps < max_sweeps:
        worst = 0.0
        if fit_b and dsum > 0.0:
            gb = 0.0
            for i in range(n):
                gb += d[i] * r[i]
            worst = abs(gb)
            delta = gb / dsum
            b[0] += delta
            for i in range(n):
                r[i] -= delta
        m = p if full else n_active
        for k in range(m):
            j = k if full else active[k]
            gj = 0.0
            for i in range(n):
                gj += d[i] * X[i, j] * r[i]
            wj = w[j]
            v = _coord_viol(-gj + l2[j] * wj, wj, l1[j])
            if v > worst:
                worst = v
            hjj = colh[j] + l2[j]
            if hjj <= 0.0:
                continue
            new = _soft(gj + colh[j] * wj, l1[j]) / hjj
            delta = new - wj
            if delta != 0.0:
                w[j] = new
                for i in range(n):
                    r[i] -= X[i, j] * delta
        sweeps += 1
        if worst <= tol:
            if full:
                # verify at the final point: exact gradient of every coordinate
                kkt = 0.0
                if fit_b:
                    gb = 0.0
                    for i in range(n):
                        gb += d[i] * r[i]
                    kkt = abs(gb)
                for j in range(p):
                    gj = 0.0
                    for i in range(n):
                        gj += d[i] * X[i, j] * r[i]
                    v = _coord_viol(-gj + l2[j] * w[j], w[j], l1[j])
                    if v > kkt:
                        kkt = v
                if kkt <= tol:
                    break
            full = True
        elif full:
            n_active = _active_set(w, active)
            full = n_active == 0 or n_active == p
    return sweeps, kkt


# =====================================================================================
# Coordinate-descent drivers with active-set polish
# =====================================================================================


def _quad_kkt(G, c, l1, l2, w, q) -> float:
    return kkt_distance(q - c + l2 * w, w, l1)


def _polish_gram(G, c, l1, l2, w):
    """Exact solution on the current support/signs, or ``None`` if inconsistent."""
    A = np.flatnonzero(w)
    if A.size == 0:
        return None
    sgn = np.sign(w[A])
    M = G[np.ix_(A, A)] + np.diag(l2[A])
    try:
        u = linalg.cho_solve(linalg.cho_factor(M, check_finite=False),
                             c[A] - l1[A] * sgn, check_finite=False)
    except linalg.LinAlgError:
        return None
    if not np.all(np.sign(u) == sgn):
        return None
    w_new = np.zeros_like(w)
    w_new[A] = u
    q = G[:, A] @ u
    return w_new, q, _quad_kkt(G, c, l1, l2, w_new, q)


def _cd_gram(G, c, l1, l2, w, tol_abs, max_sweeps):
    """Solve the quadratic elastic-net problem on a Gram matrix; returns ``(w, sweeps)``.

    Minimizes ``1/2 w'Gw - c'w + sum(l1 |w|) + 1/2 sum(l2 w^2)`` starting at ``w``.
    """
    G = np.ascontiguousarray(G)
    c = np.ascontiguousarray(c, dtype=np.float64)
    w = np.array(w, dtype=np.float64)
    q = G @ w
    total, prev_support = 0, None
    while True:
        chunk = min(_CD_CHUNK, max_sweeps - total)
        sweeps, kkt = _cd_gram_kernel(G, c, l1, l2, w, q, max(chunk, 0), tol_abs)
        total += sweeps
        support = w != 0
        done = kkt <= tol_abs or total >= max_sweeps
        if done or (prev_support is not None and np.array_equal(support, prev_support)):
            pol = _polish_gram(G, c, l1, l2, w)
            if pol is not None and pol[2] <= tol_abs and pol[2] <= kkt:
                return pol[0], total
        if done:
            return w, total
        prev_support = support


def _cd_x(Xf, d, z, l1, l2, w, b, fit_b, tol_abs, max_sweeps):
    """Weighted elastic net by CD on the columns of ``Xf``; returns ``(w, b, sweeps)``.

    Minimizes ``1/2 sum_i d_i (z_i - x_i'w - b)^2 + sum(l1|w|) + 1/2 sum(l2 w^2)``.
    """
    w = np.array(w, dtype=np.float64)
    bb = np.array([b if fit_b else 0.0])
    r = z - Xf @ w - bb[0]
    colh = d @ (Xf * Xf)
    total, prev_support = 0, None
    while True:
        chunk = min(_CD_CHUNK, max_sweeps - total)
        sweeps, kkt = _cd_x_kernel(Xf, d, r, l1, l2, colh, w, bb, fit_b, max(chunk, 0), tol_abs)
        total += sweeps
        support = w != 0
        done = kkt <= tol_abs or total >= max_sweeps
        if done or (prev_support is not None and np.array_equal(support, prev_support)):
            pol = _polish_x(Xf, d, z, l1, l2, w, fit_b)
            if pol is not None and pol[2] <= tol_abs and (pol[2] <= kkt or not done):
                return pol[0], pol[1], total
        if done:
            return w, float(bb[0]), total
        prev_support = support


def _polish_x(Xf, d, z, l1, l2, w, fit_b):
    """Exact weighted least squares on the support of ``w`` (with fixed signs)."""
    A = np.flatnonzero(w)
    n = Xf.shape[0]
    if A.size == 0 or A.size + fit_b > n:
        return None
    XA = Xf[:, A]
    if fit_b:
        XA = np.column_stack([XA, np.ones(n)])
    pen2 = np.append(l2[A], 0.0) if fit_b else l2[A]
    sgn = np.sign(w[A])
    rhs = XA.T @ (d * z)
    rhs[: A.size] -= l1[A] * sgn
    M = (XA * d[:, None]).T @ XA + np.diag(pen2)
    try:
        u = linalg.cho_solve(linalg.cho_factor(M, check_finite=False), rhs, check_finite=False)
    except linalg.LinAlgError:
        return None
    if not np.all(np.sign(u[: A.size]) == sgn):
        return None
    w_new = np.zeros_like(w)
    w_new[A] = u[: A.size]
    b_new = float(u[-1]) if fit_b else 0.0
    r = z - Xf[:, A] @ w_new[A] - b_new
    g = -(Xf.T @ (d * r)) + l2 * w_new
    kkt = kkt_distance(g, w_new, l1, float(d @ r) if fit_b else None)
    return w_new, b_new, kkt
