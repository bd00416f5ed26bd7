# %% [markdown]
# # bayesreg quickstart
#
# Regularization and priors are the same thing seen from two sides: an L2 penalty is a Gaussian prior on the weights, an L1 penalty a Laplace prior. This notebook fits the diabetes data (bundled with scikit-learn) under both priors, with a hyperprior on the prior scale so that the data choose the regularization strength, and explores the posterior with ArviZ.

# %%
import warnings
warnings.filterwarnings('ignore', category=FutureWarning)
warnings.filterwarnings('ignore', message='.*BLAS.*')

import arviz as az
import matplotlib.pyplot as plt
import bayesreg as br
plt.rcParams['figure.dpi'] = 72
from sklearn.datasets import load_diabetes

data = load_diabetes(as_frame=True)
X = (data.data - data.data.mean()) / data.data.std(ddof=0)   # standardized predictors
y = data.target
X.shape

# %% [markdown]
# ## Two priors, one likelihood
#
# $y_i \sim N(b + x_i^\top w, \sigma^2)$ with a flat intercept $b$, $\sigma \sim \mathrm{HalfNormal}(100)$ and either $w_j \sim N(0, \tau^2)$ (ridge) or $w_j \sim \mathrm{Laplace}(0, \tau)$ (lasso), $\tau \sim \mathrm{HalfNormal}(50)$. With 442 observations the likelihood dominates, so the hierarchy is sampled centred (`noncentered=False`); the non-centred default suits weakly informative data. The Gaussian likelihood is evaluated from sufficient statistics, so each gradient costs $O(p^2)$.
#
# The sampler is named (`sampler='nutpie'`) and seeded: the default `sampler='auto'` picks nutpie when it is installed and PyMC's own NUTS otherwise, so naming it makes the draws independent of what is installed. `'pymc'`, `'numpyro'` and `'blackjax'` are equally reproducible with a seed. Each fit returns an `xarray.DataTree` and passes bayesreg's convergence gate (R-hat, ESS, divergences) or warns.

# %% tags=["mcmc"]
fits = {}
for name, prior in {'ridge': br.Gaussian(scale=br.HalfNormal(50.0), noncentered=False),
                    'lasso': br.Laplace(scale=br.HalfNormal(50.0), noncentered=False)}.items():
    model = br.Model(X, y, prior=prior, sigma=br.HalfNormal(100.0))
    fits[name] = model.sample(draws=1000, tune=1000, chains=2, sampler='nutpie',
                              random_seed=1, progressbar=False)
az.summary(fits['lasso'], var_names=['coef', 'coef_scale', 'sigma'], ci_prob=0.94, ci_kind='hdi')

# %% [markdown]
# The posterior carries labeled dimensions: `coef` has a `feature` dimension named after the DataFrame columns.

# %% tags=["mcmc"]
fits['ridge'].posterior['coef'].sel(feature='bmi').mean().item()

# %% tags=["mcmc"]
pc = az.plot_forest({'Gaussian (L2)': fits['ridge'], 'Laplace (L1)': fits['lasso']},
                     var_names=['coef'], combined=True, ci_kind='hdi', ci_probs=(0.5, 0.94),
                     figure_kwargs={'figsize': (8, 5)})
pc.add_legend('model', title='prior', loc='center left', bbox_to_anchor=(0.98, 0.5))
ax = pc.viz['plot'].sel(column='forest').item()
ax.axvline(0, color='grey', lw=0.5)
ax.set_xlabel('coefficient (per sd of the predictor)')
pc.viz['figure'].item().suptitle('Posterior mean, 50% and 94% HDI of each coefficient');

# %% [markdown]
# ## Model comparison with PSIS-LOO
#
# Every fit has a pointwise `log_likelihood` group, so ArviZ's LOO works directly.

# %% tags=["mcmc"]
az.compare({'ridge': fits['ridge'], 'lasso': fits['lasso']}, round_to=2)

# %% [markdown]
# ## Save, load, predict
#
# A fit is one NetCDF file: the draws plus the model specification as JSON (never pickle).

# %% tags=["mcmc"]
import tempfile, pathlib
path = pathlib.Path(tempfile.mkdtemp()) / 'lasso.nc'
br.save(fits['lasso'], path)
back = br.load(path)
model = br.Model.from_idata(back)
pred = model.predict(X.iloc[:3], idata=back, random_seed=0)
pred.mean
