"""The Occam view: empirical Bayes, prior-scale grids (evidence, Occam factor, LOO, the CV
choice), the implied scikit-learn ``alpha`` and the Bayesian regularization path."""

from .alpha import implied_alpha, summarize_alpha
from .empirical import EmpiricalBayes, empirical_bayes
from .grids import cv_scale, regularization_path, scale_grid
from .many import fit_many

__all__ = ["implied_alpha", "summarize_alpha", "EmpiricalBayes", "empirical_bayes",
           "cv_scale", "regularization_path", "scale_grid", "fit_many"]
