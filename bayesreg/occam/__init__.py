"""The Occam view: empirical Bayes, prior-scale grids (evidence, Occam factor, LOO, the CV
choice), the implied scikit-learn ``alpha`` and the Bayesian regularization path."""

from ._alpha import implied_alpha, summarize_alpha
from ._empirical import EmpiricalBayes, empirical_bayes
from ._grids import cv_scale, regularization_path, scale_grid
from ._many import fit_many

__all__ = ["implied_alpha", "summarize_alpha", "EmpiricalBayes", "empirical_bayes",
           "cv_scale", "regularization_path", "scale_grid", "fit_many"]
