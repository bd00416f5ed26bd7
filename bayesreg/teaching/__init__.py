"""The seed ideas, as small computations to look at (NumPy only).

- :func:`penalty_steps`: gradient descent on an L2 penalty multiplies a weight by
  ``1 - 2 * lr * lam`` each step; subgradient descent on an L1 penalty oscillates around
  zero while the proximal (soft-thresholding) step lands on zero exactly.
- :func:`unconstrained_weight`: a weight the data do not constrain is pulled by an L2
  prior to the null model (its prior mean), by the evidence as well as by the MAP.
- :func:`laplace_posterior_1d`: the one-dimensional posterior under a Laplace prior,
  whose mode is exactly zero over a whole range of data while its mean never is.

Their figures are in :mod:`bayesreg.plots` (``plot_seed_ideas``,
``plot_unconstrained_weight``, ``plot_laplace_posterior``).
"""

from ._descent import penalty_steps
from ._ideas import LaplacePosterior1D, UnconstrainedWeight, laplace_posterior_1d, unconstrained_weight

__all__ = ["penalty_steps", "unconstrained_weight", "laplace_posterior_1d",
           "UnconstrainedWeight", "LaplacePosterior1D"]
