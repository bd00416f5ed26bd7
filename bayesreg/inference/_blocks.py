r"""The linear predictor of every posterior draw, one block of observations at a time.

``eta[s, i] = b^{(s)} + x_i^\top \beta^{(s)}`` for all draws ``s`` and a block of rows
``i`` whose ``(chain, draw, rows)`` values take at most ``chunk_bytes`` (64 MB by
default), so that pointwise quantities (the log-likelihood, PSIS-LOO, the predictive
mean) cost bounded memory whatever the number of observations. The family's closed forms
(:meth:`bayesreg.families.Family.logpdf`, ``inverse_link``) turn each block into the
quantity asked for.
"""

from __future__ import annotations

import numpy as np

from ._pointwise import param_draws

__all__ = ["CHUNK_BYTES", "rows_per_block", "eta_blocks", "loglik_blocks", "predictive_mean"]

#: memory of one block of ``(chain, draw, rows)`` values (64 MB)
CHUNK_BYTES = 64 * 2**20


def rows_per_block(n_draws_total: int, chunk_bytes: int = CHUNK_BYTES) -> int:
    """Rows per block so that ``n_draws_total * rows * 8 <= chunk_bytes`` (at least 1)."""
    return max(1, int(chunk_bytes) // (8 * max(int(n_draws_total), 1)))


def eta_blocks(model, posterior, X, *, chunk_bytes: int = CHUNK_BYTES):
    """Yield ``(rows, eta, aux)``: a slice of the rows of ``X``, the linear predictor of
    every draw there, shape ``(chain, draw, rows)``, and the family's auxiliary
    parameters ``{name: (chain, draw, 1)}`` (draws, or the fixed value)."""
    coef, intercept, aux = param_draws(model, posterior)
    shape = coef.shape[:2]
    aux = {name: v[..., None] for name, v in aux.items()}
    flat = coef.reshape(-1, coef.shape[-1])  # one matrix product per block
    step = rows_per_block(flat.shape[0], chunk_bytes)
    for start in range(0, X.shape[0], step):
        rows = slice(start, min(start + step, X.shape[0]))
        eta = (flat @ X[rows].T).reshape(*shape, -1)
        eta += intercept[..., None]
        yield rows, eta, aux


def loglik_blocks(model, posterior, X, y, weight, *, chunk_bytes: int = CHUNK_BYTES):
    """Yield ``(rows, log_lik)``: ``w_i log p(y_i | eta, aux)`` of a block of rows for
    every draw, shape ``(chain, draw, rows)`` (``weight`` None: ``w_i = 1``)."""
    for rows, eta, aux in eta_blocks(model, posterior, X, chunk_bytes=chunk_bytes):
        ll = model.family.logpdf(y[rows], eta, **aux)
        if weight is not None:
            ll *= weight[rows]
        yield rows, ll


def predictive_mean(model, posterior, X, *, chunk_bytes: int = CHUNK_BYTES) -> np.ndarray:
    """Posterior mean of ``E[y | x] = g^{-1}(eta)`` at each row of ``X`` (``n`` values),
    in blocks of rows: no ``(chain, draw, n)`` array."""
    out = np.empty(X.shape[0])
    for rows, eta, _ in eta_blocks(model, posterior, X, chunk_bytes=chunk_bytes):
        out[rows] = model.family.inverse_link(eta).mean(axis=(0, 1))
    return out
