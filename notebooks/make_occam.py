"""Build and execute notebooks/occam.ipynb (needs nbformat, nbclient and ipykernel)."""

from pathlib import Path

import nbformat as nbf
from nbclient import NotebookClient

cells = [
 ("md", "# The Occam view of regularization\n\nA Gaussian prior on the weights *is* an L2 penalty. Seen as a prior, its scale $\\tau$ can be chosen by the **evidence** $p(y \\mid \\tau)$, which balances the best-fit likelihood against an **Occam factor** that penalizes prior volume the data did not need. This notebook shows the Occam curve on the diabetes data, checks that empirical Bayes reproduces scikit-learn's `BayesianRidge`, puts a hyperprior on $\\tau$ and reads off the implied ridge `alpha`, and draws the Bayesian regularization path."),
 ("code", "import warnings\nwarnings.filterwarnings('ignore', category=FutureWarning)\nwarnings.filterwarnings('ignore', message='.*BLAS.*')\n\nimport numpy as np\nimport matplotlib.pyplot as plt\nimport bayesreg as br\nfrom sklearn.datasets import load_diabetes\nfrom sklearn.linear_model import BayesianRidge\n\ndata = load_diabetes(as_frame=True)\nX = (data.data - data.data.mean()) / data.data.std(ddof=0)\ny = data.target.to_numpy()"),
 ("md", "## The Occam curve\n\n`scale_grid` computes, for each prior scale, the closed-form log evidence and its decomposition $\\log p(y\\mid\\tau) = \\log p(y \\mid w_{MP}) + \\log(\\text{Occam factor})$, MacKay's effective number of parameters $\\gamma = \\sum_i \\lambda_i/(\\lambda_i + 1/\\tau^2)$, and PSIS-LOO from exact posterior draws, next to the scale `RidgeCV` picks."),
 ("code", "model = br.Model(X, y, prior=br.Gaussian(10.0), sigma=54.0)\ngrid = br.scale_grid(model, np.logspace(-1, 2.5, 22), random_seed=0)\ngrid[['scale', 'log_evidence', 'log_likelihood_max', 'log_occam_factor', 'effective_params', 'elpd_loo', 'pareto_k_max']].round(2)"),
 ("code", "fig, ax = plt.subplots(1, 3, figsize=(14, 4))\nax[0].semilogx(grid.scale, grid.log_evidence, 'o-', label='log evidence')\nax[0].semilogx(grid.scale, grid.elpd_loo, 's-', label='PSIS-LOO elpd')\nfor name, style in (('evidence_best_scale', '--'), ('loo_best_scale', ':')):\n    ax[0].axvline(grid.attrs[name], color='grey', ls=style, label=name)\nax[0].axvline(grid.attrs['cv']['scale'], color='red', lw=0.8, label='RidgeCV')\nax[0].set_xlabel('prior scale tau'); ax[0].legend(fontsize=8)\nax[1].semilogx(grid.scale, grid.log_likelihood_max, color='C0')\nax[1].set_ylabel('best-fit log likelihood', color='C0'); ax[1].set_xlabel('prior scale tau')\ntw = ax[1].twinx(); tw.semilogx(grid.scale, grid.log_occam_factor, color='C3')\ntw.set_ylabel('log Occam factor', color='C3')\nax[2].semilogx(grid.scale, grid.effective_params, 'k-')\nax[2].set_xlabel('prior scale tau'); ax[2].set_ylabel('effective parameters gamma')\nfig.tight_layout()"),
 ("md", "The fit term only improves as the prior widens; the Occam factor pays for it, so the evidence rises and then falls. Both the evidence and LOO choose an interior scale. Five-fold cross-validation picks a wider prior (a smaller alpha) on these data; the LOO curve is flat between them."),
 ("code", "print(grid.attrs)"),
 ("md", "## Empirical Bayes = `BayesianRidge`\n\nMaximizing the evidence over the prior scale and the noise is type-II maximum likelihood; `empirical_bayes` returns the fit and a new `Model` with the chosen `Gaussian(scale)` and `sigma`."),
 ("code", "eb = br.empirical_bayes(model)\nref = BayesianRidge().fit(X, y)\nprint(eb.model)\nprint('lambda_ rel. diff:', abs(eb.result.lambda_ / ref.lambda_ - 1))\nprint('alpha_  rel. diff:', abs(eb.result.alpha / ref.alpha_ - 1))\nprint('max |coef diff|  :', np.max(np.abs(eb.result.coef - ref.coef_)))"),
 ("md", "## Full Bayes for lambda\n\nA hyperprior on the scale lets the data choose the regularization strength while keeping its uncertainty. `implied_alpha` transforms posterior draws of $(\\tau, \\sigma)$ into the scikit-learn `alpha` $= \\sigma^2/\\tau^2$ they imply."),
 ("code", "hier = br.Model(X, y, prior=br.Gaussian(scale=br.HalfCauchy(10.0), noncentered=False), sigma=br.HalfNormal(100.0))\nidata = hier.sample(draws=1000, tune=1000, chains=2, sampler='pymc', random_seed=3, progressbar=False)\nalpha = br.implied_alpha(idata)\nbr.summarize_alpha(alpha, cv_alpha=grid.attrs['cv']['alpha'])"),
 ("code", "plt.hist(np.log10(alpha.values.ravel()), bins=60, density=True)\nplt.axvline(np.log10(grid.attrs['cv']['alpha']), color='red', label='RidgeCV alpha')\nplt.xlabel('log10 implied Ridge alpha'); plt.legend();"),
 ("md", "## The Bayesian regularization path\n\nPosterior mean and 94% interval of every coefficient across prior scales, with the MAP (= ridge) path."),
 ("code", "path = br.regularization_path(model, np.logspace(-1, 2.5, 15), random_seed=0)\nfig, ax = plt.subplots(figsize=(8, 5))\nfor feat, g in path.groupby('feature'):\n    line, = ax.semilogx(g.scale, g['mean'], label=feat)\n    ax.fill_between(g.scale, g.lower, g.upper, color=line.get_color(), alpha=0.15)\n    ax.semilogx(g.scale, g['map'], ':', color=line.get_color())\nax.set_xlabel('prior scale tau'); ax.set_ylabel('coefficient'); ax.legend(ncol=2, fontsize=8);"),
]
nb = nbf.v4.new_notebook()
nb.cells = [nbf.v4.new_markdown_cell(s) if k == "md" else nbf.v4.new_code_cell(s) for k, s in cells]
nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
NotebookClient(nb, timeout=900, kernel_name="python3").execute()
nbf.write(nb, str(Path(__file__).with_name("occam.ipynb")))
print("ok")
