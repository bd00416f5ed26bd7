"""Inference: :class:`Model` (specification + data, thin methods) and its three results:
posterior draws (with the convergence gate), the MAP estimate and the evidence."""

from ._diagnostics import (
    ConvergenceError,
    ConvergenceReport,
    ConvergenceWarning,
    check_convergence,
)
from ._evidence import EvidenceResult, log_evidence
from ._loo import log_likelihood, loo
from ._map import MapEstimate, map_estimate
from ._model import Model, Prediction
from ._outofcore import ChunkedLoo, DaskMapEstimate, DaskModel
from ._sbc import sbc

__all__ = ["ConvergenceError", "ConvergenceReport", "ConvergenceWarning", "check_convergence",
           "EvidenceResult", "log_evidence", "MapEstimate", "map_estimate", "Model",
           "Prediction", "DaskModel", "DaskMapEstimate", "ChunkedLoo", "loo", "log_likelihood", "sbc"]
