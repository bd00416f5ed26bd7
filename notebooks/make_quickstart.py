"""Build and execute notebooks/quickstart.ipynb (needs nbformat, nbclient and ipykernel).

Run it with the Python whose packages the notebook should use, e.g.
``.venv/bin/python notebooks/make_quickstart.py``.
"""

from pathlib import Path

from _nbbuild import build

cells = [
 ("md", "# bayesreg quickstart\n\nRegularization and priors are the same thing seen from two sides: an L2 penalty is a Gaussian prior on the weights, an L1 penalty a Laplace prior. This notebook fits the diabetes data (bundled with scikit-learn) under both priors, with a hyperprior on the prior scale so that the data choose the regularization strength, and explores the posterior with ArviZ."),
 ("code", "import warnings\nwarnings.filterwarnings('ignore', category=FutureWarning)\nwarnings.filterwarnings('ignore', message='.*BLAS.*')\n\nimport arviz as az\nimport matplotlib.pyplot as plt\nimport bayesreg as br\nfrom sklearn.datasets import load_diabetes\n\ndata = load_diabetes(as_frame=True)\nX = (data.data - data.data.mean()) / data.data.std(ddof=0)   # standardized predictors\ny = data.target\nX.shape"),
 ("md", "## Two priors, one likelihood\n\n$y_i \\sim N(b + x_i^\\top w, \\sigma^2)$ with a flat intercept $b$, $\\sigma \\sim \\mathrm{HalfNormal}(100)$ and either $w_j \\sim N(0, \\tau^2)$ (ridge) or $w_j \\sim \\mathrm{Laplace}(0, \\tau)$ (lasso), $\\tau \\sim \\mathrm{HalfNormal}(50)$. With 442 observations the likelihood dominates, so the hierarchy is sampled centred (`noncentered=False`); the non-centred default suits weakly informative data. The Gaussian likelihood is evaluated from sufficient statistics, so each gradient costs $O(p^2)$.\n\nThe sampler is named (`sampler='pymc'`, PyMC's own NUTS) and seeded: the default `sampler='auto'` picks nutpie when it is installed, so without it the draws would depend on what is installed. `'nutpie'`, `'numpyro'` and `'blackjax'` are equally reproducible with a seed. Each fit returns an `xarray.DataTree` and passes bayesreg's convergence gate (R-hat, ESS, divergences) or warns."),
 ("code", "fits = {}\nfor name, prior in {'ridge': br.Gaussian(scale=br.HalfNormal(50.0), noncentered=False),\n                    'lasso': br.Laplace(scale=br.HalfNormal(50.0), noncentered=False)}.items():\n    model = br.Model(X, y, prior=prior, sigma=br.HalfNormal(100.0))\n    fits[name] = model.sample(draws=1000, tune=1000, chains=2, sampler='pymc',\n                              random_seed=1, progressbar=False)\naz.summary(fits['lasso'], var_names=['coef', 'coef_scale', 'sigma'], ci_prob=0.94, ci_kind='hdi')"),
 ("md", "The posterior carries labeled dimensions: `coef` has a `feature` dimension named after the DataFrame columns."),
 ("code", "fits['ridge'].posterior['coef'].sel(feature='bmi').mean().item()"),
 ("code", "pc = az.plot_forest({'Gaussian (L2)': fits['ridge'], 'Laplace (L1)': fits['lasso']},\n                     var_names=['coef'], combined=True, ci_kind='hdi', ci_probs=(0.5, 0.94),\n                     figure_kwargs={'figsize': (8, 5)})\npc.add_legend('model', title='prior', loc='center left', bbox_to_anchor=(0.98, 0.5))\nax = pc.viz['plot'].sel(column='forest').item()\nax.axvline(0, color='grey', lw=0.5)\nax.set_xlabel('coefficient (per sd of the predictor)')\npc.viz['figure'].item().suptitle('Posterior mean, 50% and 94% HDI of each coefficient');"),
 ("md", "## Model comparison with PSIS-LOO\n\nEvery fit has a pointwise `log_likelihood` group, so ArviZ's LOO works directly."),
 ("code", "az.compare({'ridge': fits['ridge'], 'lasso': fits['lasso']}, round_to=2)"),
 ("md", "## Save, load, predict\n\nA fit is one NetCDF file: the draws plus the model specification as JSON (never pickle)."),
 ("code", "import tempfile, pathlib\npath = pathlib.Path(tempfile.mkdtemp()) / 'lasso.nc'\nbr.save(fits['lasso'], path)\nback = br.load(path)\nmodel = br.Model.from_idata(back)\npred = model.predict(X.iloc[:3], idata=back, random_seed=0)\npred.mean"),
]
build(cells, Path(__file__).with_name("quickstart.ipynb"))
print("ok")
