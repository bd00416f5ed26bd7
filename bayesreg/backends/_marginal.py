r"""Gaussian coefficients integrated out of a gaussian likelihood, as PyMC.

With a sparse prior the coefficients are gaussian given their latent scales,
``w_j ~ N(0, s_j^2)``, and a gaussian likelihood lets them be integrated out exactly
(:mod:`bayesreg.base._marginal`). The sampler then moves on the scales, the noise scale and
the intercept only, and the coefficients are drawn exactly given those, from standard
normals ``coef_z``:

.. math:: p(s, \sigma, b_0, z \mid y) = p(s, \sigma, b_0 \mid y)\, N(z \mid 0, I),
          \qquad w = m + S L^{-T} z \sim N(m, \Sigma)\ \text{given}\ (s, \sigma, b_0).

This removes the funnel between each coefficient and its local scale that makes the
horseshoe hard for NUTS (on the n = 100, p = 200 benchmark: no divergences and ~15
leapfrog steps per draw instead of ~160; ``benchmarks/bench_sparse.py``). Each gradient
costs a ``p x p`` Cholesky factorization, so it is used up to
:data:`MARGINAL_MAX_FEATURES` coefficients.

:class:`GaussianMarginal` is the PyTensor operation: its value and analytic gradient
come from a numba kernel that calls LAPACK without the GIL (in every PyTensor mode but
JAX), or from ``jax.numpy`` (registered by :func:`register_jax`).
:func:`marginal_coef` adds the likelihood and the coefficients to the current PyMC model.
"""

from __future__ import annotations

import numba
import numpy as np
import pymc as pm
import pytensor.tensor as pt
from pytensor.gradient import DisconnectedType, grad_undefined
from pytensor.graph.basic import Apply
from pytensor.graph.op import Op
from pytensor.link.numba.dispatch import numba_funcify

from ..base._marginal import marginal_loglik_grad

__all__ = ["GaussianMarginal", "marginal_coef", "register_jax", "MARGINAL_MAX_FEATURES"]

#: above this many coefficients the p x p factorization per gradient costs more than the
#: funnel it removes; the coefficients are then sampled (non-centred)
MARGINAL_MAX_FEATURES = 500


class GaussianMarginal(Op):
    """``F(s, sigma2, g; G)`` of :mod:`bayesreg.base._marginal` and its gradient.

    Outputs ``(F, dF/ds, dF/dsigma2, dF/dg)``; only ``F`` may be differentiated (its
    gradient is the other three outputs). ``G`` is data: it has no gradient.
    """

    __props__ = ()

    def make_node(self, s, sigma2, g, G):
        inputs = [pt.as_tensor_variable(x).astype("float64") for x in (s, sigma2, g, G)]
        outputs = [pt.dscalar(), pt.dvector(), pt.dscalar(), pt.dvector()]
        return Apply(self, inputs, outputs)

    def perform(self, node, inputs, output_storage):
        s, g, G = (np.ascontiguousarray(inputs[i], dtype="float64") for i in (0, 2, 3))
        value, grad_s, grad_sigma2, grad_g = marginal_loglik_grad(s, float(inputs[1]), g, G)
        output_storage[0][0] = np.asarray(value, dtype="float64")
        output_storage[1][0] = np.asarray(grad_s, dtype="float64")
        output_storage[2][0] = np.asarray(grad_sigma2, dtype="float64")
        output_storage[3][0] = np.asarray(grad_g, dtype="float64")

    def infer_shape(self, node, shapes):
        return [(), shapes[0], (), shapes[2]]

    def pullback(self, inputs, outputs, output_grads):
        if any(not isinstance(g.type, DisconnectedType) for g in output_grads[1:]):
            raise NotImplementedError("GaussianMarginal: only its value (output 0) can be "
                                      "differentiated.")
        gz = output_grads[0]
        return [gz * outputs[1], gz * outputs[2], gz * outputs[3],
                grad_undefined(self, 3, inputs[3], "G is data")]


@numba_funcify.register(GaussianMarginal)
def _numba_gaussian_marginal(op, node, **kwargs):
    @numba.njit(nogil=True)
    def gaussian_marginal(s, sigma2, g, G):  # pragma: no cover - numba
        value, grad_s, grad_sigma2, grad_g = marginal_loglik_grad(s, sigma2.item(), g, G)
        return np.asarray(value), grad_s, np.asarray(grad_sigma2), grad_g

    return gaussian_marginal


def register_jax():
    """Register the JAX implementation of :class:`GaussianMarginal` (``jax.numpy``).
    Called before a model is compiled to JAX: by :mod:`bayesreg.backends._jax` (numpyro,
    blackjax) and for nutpie's JAX backend."""
    import jax.numpy as jnp
    from jax.scipy.linalg import solve_triangular
    from pytensor.link.jax.dispatch import jax_funcify

    @jax_funcify.register(GaussianMarginal)
    def _jax_gaussian_marginal(op, **kwargs):
        def gaussian_marginal(s, sigma2, g, G):
            # the kernel of bayesreg.base._marginal in jax.numpy: JAX differentiates the
            # value itself (numpyro, blackjax), and a PyTensor gradient compiled to JAX
            # (nutpie's JAX backend) uses the analytic gradient outputs
            eye = jnp.eye(s.shape[0])
            L = jnp.linalg.cholesky(eye + (s[:, None] * G * s[None, :]) / sigma2)
            Linv = solve_triangular(L, eye, lower=True)
            a = Linv @ (s * g)
            v = (Linv.T @ a) / sigma2
            binv_diag = jnp.sum(Linv**2, axis=0)
            value = 0.5 * (a @ a) / sigma2**2 - jnp.sum(jnp.log(jnp.diag(L)))
            m = s * v
            safe = jnp.where(s > 0, s, 1.0)
            grad_s = jnp.where(s > 0, (v**2 + binv_diag - 1.0) / safe, 0.0)
            grad_sigma2 = ((m @ (G @ m)) - 2.0 * (m @ g)
                           + sigma2 * (s.shape[0] - binv_diag.sum())) / (2.0 * sigma2**2)
            return value, grad_s, grad_sigma2, m / sigma2

        return gaussian_marginal


def marginal_coef(scale, sigma, intercept, stats: dict, name: str = "coef",
                  dims: str = "feature"):
    """Add the gaussian log-likelihood with ``name`` integrated out, and ``name`` itself.

    Parameters
    ----------
    scale : tensor (p,)
        Prior standard deviations of the coefficients (the sparse prior's scales).
    sigma : tensor or float
        Noise scale.
    intercept : tensor or None
        The intercept (the first column of the design in ``stats``) or ``None``.
    stats : dict
        ``gram``, ``beta_hat``, ``rss_min``, ``sum_w`` of the design ``[1, X]`` (with an
        intercept) or ``X``, as in :func:`bayesreg.backends._pymc_model.build_pymc_model`.

    Returns
    -------
    The deterministic ``name``: the coefficients drawn exactly given the scales, the noise
    scale and the intercept from the standard normals ``f"{name}_z"``.
    """
    gram, beta_hat = stats["gram"], stats["beta_hat"]
    # residual statistics of r = y - b0 1: ||r - X w||^2_W = c - 2 w'g + w'G w
    if intercept is None:
        e, G = -beta_hat, gram
        Ge = pt.dot(gram, e)
        g = -Ge
    else:
        e = pt.concatenate([pt.stack([intercept - beta_hat[0]]), -beta_hat[1:]])
        Ge = pt.dot(gram, e)
        g, G = -Ge[1:], gram[1:, 1:]
    c = stats["rss_min"] + pt.dot(e, Ge)
    sigma2 = pt.as_tensor_variable(sigma) ** 2
    value = GaussianMarginal()(scale, sigma2, g, G)[0]
    pm.Potential("y_loglik", value - c / (2.0 * sigma2) - stats["sum_w"] * pt.log(sigma)
                 - 0.5 * stats["sum_w"] * np.log(2 * np.pi))
    z = pm.Normal(f"{name}_z", 0.0, 1.0, dims=dims)
    B = pt.eye(scale.shape[0]) + pt.outer(scale, scale) * G / sigma2
    L = pt.linalg.cholesky(B)
    mean = pt.linalg.cho_solve((L, True), scale * g) / sigma2
    from_z = pt.linalg.solve_triangular(L.T, z, lower=False)
    return pm.Deterministic(name, scale * (mean + from_z), dims=dims)
