"""The arguments of :meth:`bayesreg.Model.sample`, checked before anything is compiled or
run, and the sampler that runs.

``sampler="auto"`` resolves to ``"exact"`` for a conjugate model (gaussian family, fixed
Gaussian prior, fixed ``sigma`` or the Normal-Inverse-Gamma prior; see
:mod:`bayesreg.priors._conjugate`) with more features than observations (``p > n``), and
otherwise, as documented, to nutpie when it is installed. On such a model NUTS may need
hundreds of leapfrog steps per draw: ``p = 2000``, ``n = 50``, fixed ``sigma``,
``Gaussian(1.0)`` took ~850 under nutpie, because the likelihood pins ``n`` directions
down to ``sigma / sqrt(eigenvalue)`` while the other ``p - n`` keep the prior scale, a
condition number far beyond what a diagonal or low-rank mass matrix learns in a tuning
window. Its posterior is known in closed form, so the exact sampler draws it i.i.d.,
with no tuning and no convergence to check. A NUTS sampler named explicitly on such a
model still runs, after a warning that says so before it starts.
"""

from __future__ import annotations

import warnings

from ..backends._samplers import check_sampler_options
from ..utils._validation import (
    NON_NEGATIVE_INT,
    POSITIVE_INT,
    check_bool,
    check_param,
    check_random_seed,
    check_sampler,
)
from ._evidence import is_conjugate
from ._model_spec import check_proper_posterior

__all__ = ["sample_arguments"]


def sample_arguments(model, sampler, *, draws, tune, chains, retry, random_seed, compiled,
                     options, flags) -> tuple[str, int, int, int, int]:
    """``(sampler, draws, tune, chains, max_retries)`` of :meth:`Model.sample`, checked;
    ``options`` (the sampler options) are checked against the sampler that will run and
    ``flags`` (``progressbar``, ``strict``, ...) must be bools."""
    owner = "Model.sample"
    for name, value in flags.items():
        check_bool(value, name, owner)
    asked = sampler
    sampler = check_sampler(sampler)
    draws = check_param(draws, "draws", owner, POSITIVE_INT)
    tune = check_param(tune, "tune", owner, NON_NEGATIVE_INT)
    chains = check_param(chains, "chains", owner, POSITIVE_INT)
    check_random_seed(random_seed, owner)
    max_retries = 2 if retry is True else 0 if retry is False else \
        check_param(retry, "retry", owner, NON_NEGATIVE_INT)
    check_proper_posterior(model, "Sampling the posterior")
    wide = model.n_features > model.n_samples
    conjugate = wide and sampler != "exact" and not compiled and is_conjugate(model)
    if conjugate and asked == "auto" and not options:
        sampler = "exact"
    elif conjugate:
        warnings.warn(
            f"This model is conjugate (gaussian family, fixed Gaussian prior) with more "
            f"features than observations (p={model.n_features} > n={model.n_samples}): "
            f"NUTS (sampler={sampler!r}) can need hundreds of leapfrog steps per draw on "
            f"its badly scaled posterior, while sampler='exact' draws it exactly in a "
            f"fraction of a second. Use sampler='exact' (or sampler='auto').",
            UserWarning, stacklevel=3)
    check_sampler_options(sampler, options)
    return sampler, draws, tune, chains, max_retries
