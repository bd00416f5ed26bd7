r"""The gaussian linear model with its coefficients integrated out, in NumPy.

For coefficients with independent gaussian priors ``w_j ~ N(0, s_j^2)`` and observations
``y ~ N(b_0 1 + X w, sigma^2 W^{-1})`` (precision weights ``W``), the coefficients can be
integrated out in closed form. With the sufficient statistics of ``r = y - b_0 1``,

.. math:: c = r^T W r, \qquad g = X^T W r, \qquad G = X^T W X,

the log marginal likelihood is, up to ``-S log(sigma) - S/2 log(2 pi)`` (``S = sum(W)``),

.. math::

    \log p(y \mid s, \sigma) = -\frac{c}{2\sigma^2} + F, \qquad
    F(s, \sigma^2, g) = \frac{u^T B^{-1} u}{2\sigma^4} - \frac12 \log |B|,

    B = I + \frac{S G S}{\sigma^2}, \qquad u = S g, \qquad S = \operatorname{diag}(s).

``B`` has every eigenvalue >= 1, so its Cholesky factor is stable however small a scale
``s_j`` gets (a horseshoe's local scales of null coefficients do). Given the scales the
coefficients are gaussian,

.. math:: w \mid y, s, \sigma \sim N(m, \Sigma), \quad m = S B^{-1} u / \sigma^2,
          \quad \Sigma = S B^{-1} S,

and the gradient of ``F`` follows from Fisher's identity (``v = B^{-1} u / sigma^2``,
``m = S v``):

.. math::

    \frac{\partial F}{\partial s_j} = \frac{v_j^2 + (B^{-1})_{jj} - 1}{s_j}, \qquad
    \frac{\partial F}{\partial g} = \frac{m}{\sigma^2},

    \frac{\partial F}{\partial \sigma^2} = \frac{m^T G m - 2 m^T g
        + \sigma^2 (p - \operatorname{tr} B^{-1})}{2 \sigma^4}.

Cost: one Cholesky factorization and one triangular inverse of a ``p x p`` matrix
(``2 p^3 / 3`` flops) per evaluation, whatever the number of observations.
:mod:`bayesreg.backends._marginal` makes this a PyTensor operation for the samplers.
"""

from __future__ import annotations

import ctypes

import numba as nb
import numpy as np
from numba.extending import get_cython_function_address

__all__ = ["marginal_loglik_grad"]

# LAPACK's Cholesky factorization and triangular inverse through SciPy's Cython
# pointers, so that the kernel runs in nopython mode without the GIL (nutpie's chains
# run in threads)
_VOID = ctypes.c_void_p
_dpotrf = ctypes.CFUNCTYPE(None, *[_VOID] * 5)(
    get_cython_function_address("scipy.linalg.cython_lapack", "dpotrf"))
_dtrtri = ctypes.CFUNCTYPE(None, *[_VOID] * 6)(
    get_cython_function_address("scipy.linalg.cython_lapack", "dtrtri"))


@nb.njit(nogil=True)
def marginal_loglik_grad(s, sigma2, g, G):  # pragma: no cover - numba
    """``F`` of the module docstring and its gradient.

    Parameters
    ----------
    s : (p,) float64 array
        Prior standard deviations of the coefficients (positive).
    sigma2 : float
        Noise variance.
    g : (p,) float64 array
        ``X^T W r``.
    G : (p, p) float64 array
        ``X^T W X``.

    Returns
    -------
    value : float
    grad_s, grad_sigma2, grad_g : (p,) array, float, (p,) array
    """
    p = s.shape[0]
    s, g, G = np.ascontiguousarray(s), np.ascontiguousarray(g), np.ascontiguousarray(G)
    # B = I + S G S / sigma^2, C order; B is symmetric, so LAPACK's column-major upper
    # factor U (B = U^T U) is, read in C order, the lower factor L = U^T (B = L L^T)
    B = np.empty((p, p))
    for i in range(p):
        for j in range(p):
            B[i, j] = s[i] * G[i, j] * s[j] / sigma2
        B[i, i] += 1.0
    upper, nonunit = np.array([85], np.uint8), np.array([78], np.uint8)  # 'U', 'N'
    n, info = np.array([p], np.int32), np.zeros(1, np.int32)
    _dpotrf(upper.ctypes, n.ctypes, B.ctypes, n.ctypes, info.ctypes)
    if info[0] != 0:  # B >= I in exact arithmetic: only a non-finite input gets here
        raise np.linalg.LinAlgError("I + S G S / sigma^2 is not positive definite "
                                    "(a scale or sigma is not finite)")
    logdet_half = 0.0
    for i in range(p):
        logdet_half += np.log(B[i, i])
        for j in range(i + 1, p):
            B[i, j] = 0.0
    _dtrtri(upper.ctypes, nonunit.ctypes, n.ctypes, B.ctypes, n.ctypes, info.ctypes)
    Linv = B                                   # L^{-1}, lower triangular
    u = s * g
    a = Linv @ u                               # L^{-1} u
    v = (Linv.T @ a) / sigma2                  # B^{-1} u / sigma^2
    binv_diag = np.zeros(p)                    # diag(B^{-1}) = column norms of L^{-1}
    for i in range(p):
        for j in range(i + 1):
            binv_diag[j] += Linv[i, j] ** 2
    value = 0.5 * (a @ a) / sigma2**2 - logdet_half
    m = s * v
    grad_s = np.zeros(p)
    for j in range(p):
        if s[j] > 0:
            grad_s[j] = (v[j] ** 2 + binv_diag[j] - 1.0) / s[j]
    grad_sigma2 = ((m @ (G @ m)) - 2.0 * (m @ g) + sigma2 * (p - binv_diag.sum())) \
        / (2.0 * sigma2**2)
    return value, grad_s, grad_sigma2, m / sigma2
