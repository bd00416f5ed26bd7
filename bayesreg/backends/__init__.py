"""Backends: the only modules that import pymc and pytensor (and, lazily, the optional
nutpie, numpyro, blackjax and jax).

``pymc_model`` turns a specification into a PyMC model; ``samplers`` runs PyMC's NUTS,
nutpie, the JAX samplers (``jax``) or exact conjugate draws (``exact``) behind one
function; ``smc`` estimates evidence; ``results`` builds the ``xarray.DataTree`` that
ArviZ works with.
"""
