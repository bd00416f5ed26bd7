"""``bayesreg report FIT.nc --out report.html``: one self-contained HTML page of a fit.

The page has no external resources and no scripts: the styles are inline and every
figure is a PNG embedded as a ``data:`` URI, so it can be mailed, archived and opened
offline.
"""

from __future__ import annotations

import datetime
import html
from pathlib import Path

from .._version import __version__
from ..inference._selection import effective_nonzero, inclusion_summary
from ..plots import prior_sensitivity
from ._commands import check_prob, describe, load_fit, summary_table
from ._common import (
    advice,
    figure_png,
    output_file,
    progress,
    show_progress,
    stored_convergence,
    warn,
    write_atomic,
)
from ._figures import fit_figures

__all__ = ["add_parser", "render_report"]

_CSS = """
body { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
       margin: 0 auto; max-width: 1100px; padding: 24px 32px 48px; color: #1d1d1f;
       line-height: 1.45; }
h1 { font-size: 1.7em; margin: 0 0 4px; }
h2 { font-size: 1.25em; margin: 34px 0 8px; padding-bottom: 4px; border-bottom: 1px solid #ddd; }
.sub { color: #666; margin: 0 0 18px; }
dl.model { display: grid; grid-template-columns: max-content auto; gap: 3px 18px; margin: 0; }
dl.model dt { font-weight: 600; color: #444; }
dl.model dd { margin: 0; font-family: ui-monospace, Menlo, Consolas, monospace;
              font-size: 0.92em; }
.verdict { padding: 10px 14px; border-radius: 6px; margin: 8px 0; }
.ok { background: #e8f5e9; border-left: 5px solid #2e7d32; }
.bad { background: #fdecea; border-left: 5px solid #c62828; }
.iid { background: #e3f2fd; border-left: 5px solid #1565c0; }
table.summary { border-collapse: collapse; font-size: 0.9em; margin-top: 6px; }
table.summary th, table.summary td { padding: 3px 10px; text-align: right;
                                    border-bottom: 1px solid #eee; }
table.summary th { background: #f5f5f7; position: sticky; top: 0; }
table.summary tbody th { text-align: left; font-family: ui-monospace, Menlo, monospace;
                         background: none; font-weight: normal; }
td.flag { color: #c62828; font-weight: 600; }
figure { margin: 10px 0 26px; }
figure img { max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { color: #555; font-size: 0.92em; margin-top: 4px; }
p.note { color: #666; font-style: italic; }
nav { font-size: 0.92em; margin: 0 0 10px; }
nav a { margin-right: 12px; color: #1565c0; text-decoration: none; }
footer { margin-top: 40px; color: #888; font-size: 0.85em; }
"""


def _esc(text) -> str:
    return html.escape(str(text), quote=True)


def _cell(col: str, value) -> str:
    try:
        num = float(value)
    except (TypeError, ValueError):
        return str(value)
    if col.startswith("ess"):
        return f"{num:.0f}"
    if col == "r_hat":
        return f"{num:.3f}"
    return f"{num:.4g}"


def _summary_html(table, min_ess: float) -> str:
    """The summary table, with R-hat > 1.01 and ESS below 100 per chain in red."""
    head = "".join(f"<th>{_esc(c)}</th>" for c in table.columns)
    rows = []
    for name, row in table.iterrows():
        cells = []
        for col, val in row.items():
            col = str(col)
            flag = ((col == "r_hat" and float(val) > 1.01) or
                    (col.startswith("ess") and float(val) < min_ess))
            cls = ' class="flag"' if flag else ""
            cells.append(f"<td{cls}>{_esc(_cell(col, val))}</td>")
        rows.append(f"<tr><th>{_esc(name)}</th>{''.join(cells)}</tr>")
    return (f'<table class="summary"><thead><tr><th>parameter</th>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")


def _verdict_html(report) -> str:
    if report is None:
        return ('<div class="verdict bad">This fit stores no convergence report (it was not '
                "made by Model.sample); check R-hat and ESS in the table below.</div>")
    num = (f"R-hat max {report['r_hat_max'] or float('nan'):.3f}, ESS min bulk "
           f"{report['ess_bulk_min'] or float('nan'):.0f} / tail "
           f"{report['ess_tail_min'] or float('nan'):.0f}, {report['n_divergent']} "
           f"divergences")
    if report.get("iid"):
        return (f'<div class="verdict iid"><b>Exact draws.</b> Independent draws from the '
                f"closed-form posterior: nothing to converge ({_esc(num)}).</div>")
    if report["ok"]:
        return (f'<div class="verdict ok"><b>Converged.</b> {_esc(num)}: R-hat &le; '
                f'{report["r_hat_threshold"]:g}, bulk and tail ESS &ge; '
                f'{report["min_ess"]:.0f} (100 per chain), divergences &le; '
                f'{report["max_divergences"]}.</div>')
    fix = advice(report)
    return (f'<div class="verdict bad"><b>Not converged: the estimates below may be '
            f"unreliable.</b> {_esc('; '.join(report.get('problems', ())) or num)}."
            + (f"<br>To fix: {_esc(fix)}." if fix else "") + "</div>")


def _sensitivity_html(fit) -> str:
    """The diagnosis of each coefficient by power-scaling, as a table."""
    table = prior_sensitivity(fit)
    rows = "".join(f"<tr><th>{_esc(name)}</th><td>{r['prior']:.3f}</td>"
                   f"<td>{r['likelihood']:.3f}</td><td>{_esc(r['diagnosis'])}</td></tr>"
                   for name, r in table.iterrows())
    return ('<table class="summary"><thead><tr><th>parameter</th><th>prior</th>'
            '<th>likelihood</th><th>diagnosis</th></tr></thead>'
            f"<tbody>{rows}</tbody></table>")


def _inclusion_html(fit, model) -> str:
    """Each coefficient's inclusion under a sparse prior: posterior mean and 90% interval,
    mean shrinkage factor kappa, P(kappa < 1/2), and the SAVS sparse estimate."""
    table = inclusion_summary(model, fit)
    m_eff = effective_nonzero(model, fit)
    lo, hi = (float(v) for v in m_eff.quantile([0.05, 0.95], ("chain", "draw")).values)
    rows = "".join(
        f"<tr><th>{_esc(name)}</th><td>{r['mean']:.4g}</td><td>{r['lower']:.4g}</td>"
        f"<td>{r['upper']:.4g}</td><td>{r['kappa']:.3f}</td><td>{r['p_signal']:.2f}</td>"
        f"<td>{r['savs'] + 0.0:.4g}</td><td>{'yes' if r['selected'] else ''}</td></tr>"
        for name, r in table.iterrows())
    chosen = int(table["selected"].sum())
    return (f"<p>Effective number of non-zero coefficients m_eff = &sum;(1 &minus; "
            f"&kappa;<sub>j</sub>): posterior mean {float(m_eff.mean()):.2f}, 90% interval "
            f"[{lo:.2f}, {hi:.2f}], of {model.n_features}. SAVS (a sparse point estimate "
            f"from the posterior mean) keeps {chosen}.</p>"
            '<table class="summary"><thead><tr><th>coefficient</th><th>mean</th>'
            "<th>5%</th><th>95%</th><th>&kappa; (mean)</th><th>P(&kappa; &lt; &frac12;)</th>"
            f"<th>SAVS</th><th>selected</th></tr></thead><tbody>{rows}</tbody></table>")


def render_report(fit, model, *, title: str, seed: int = 0, prob: float = 0.94,
                  progressbar: bool = False) -> str:
    """The HTML page of a fit (a string). Figures that cannot be drawn for this fit are
    replaced by a note saying why; ``progressbar`` shows one bar step per figure."""
    report = stored_convergence(fit)
    table = summary_table(fit, prob)
    min_ess = 100 * int(fit["posterior"].sizes["chain"])
    figs, notes = [], []
    specs = fit_figures(fit, model, seed=seed)
    with progress("figures", len(specs), enabled=progressbar) as advance:
        drawn = []
        for spec in specs:
            try:
                drawn.append((spec, figure_png(spec.draw())))
            except (ValueError, ArithmeticError, KeyError) as err:
                msg = " ".join(str(err).split())
                warn(f"the report leaves out {spec.title.lower()}: {msg}")
                notes.append(f"{spec.title}: not drawn ({msg})")
            advance()
    for spec, png in drawn:
        anchor = spec.name.removesuffix(".png")
        extra = (_sensitivity_html(fit) if anchor == "prior_sensitivity" else
                 _inclusion_html(fit, model) if anchor == "shrinkage_factors" else "")
        figs.append((anchor, spec.title,
                     f'<h2 id="{anchor}">{_esc(spec.title)}</h2><figure>'
                     f'<img alt="{_esc(spec.title)}" src="data:image/png;base64,{png}">'
                     f"<figcaption>{_esc(spec.caption)}</figcaption></figure>{extra}"))
    model_rows = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>"
                         for k, v in describe(fit, model))
    nav = "".join(f'<a href="#{a}">{_esc(t)}</a>' for a, t in
                  [("model", "Model"), ("convergence", "Convergence"),
                   ("summary", "Summary")] + [(a, t) for a, t, _ in figs])
    when = datetime.datetime.now().strftime("%Y-%m-%d %H:%M")
    notes_html = "".join(f'<p class="note">{_esc(n)}</p>' for n in notes)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bayesreg report: {_esc(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>bayesreg report</h1>
<p class="sub">{_esc(title)} &middot; generated {when} by bayesreg {_esc(__version__)}</p>
<nav>{nav}</nav>
<h2 id="model">Model</h2>
<dl class="model">{model_rows}</dl>
<h2 id="convergence">Convergence</h2>
{_verdict_html(report)}
<h2 id="summary">Posterior summary</h2>
<p>Mean, sd and the {prob:.0%} highest-density interval of each parameter; effective sample
sizes (bulk and tail; at least 100 per chain are needed) and R-hat (at most 1.01 when the
chains agree); Monte Carlo standard errors. Values that fail these checks are in red.</p>
{_summary_html(table, min_ess)}
{''.join(f for _, _, f in figs)}
{notes_html}
<footer>Made with <code>bayesreg report</code>. The page is self-contained: the figures are
embedded PNG images and nothing is loaded from elsewhere.</footer>
</body>
</html>
"""


def _run(args) -> int:
    out = output_file(args.out, overwrite=args.overwrite)
    check_prob(args.prob)
    fit, model = load_fit(args.fit)
    page = render_report(fit, model, title=Path(args.fit).name, seed=args.seed,
                         prob=args.prob, progressbar=show_progress(args))
    write_atomic(out, lambda tmp: Path(tmp).write_text(page, encoding="utf-8"))
    if not args.quiet:
        print(f"wrote {out} ({len(page) / 1e6:.1f} MB, self-contained: open it in a browser)")
    return 0


def add_parser(sub) -> None:
    p = sub.add_parser(
        "report", help="write one self-contained HTML page of a saved fit",
        description="Write one HTML page of a saved fit: the model, the convergence "
                    "verdict, the posterior summary table and the figures of 'bayesreg "
                    "plot' (prior vs posterior, shrinkage, prior sensitivity, the evidence "
                    "curve across prior scales for a Gaussian prior with a fixed scale, the "
                    "shrinkage factors and inclusion table of a sparse prior, predictive "
                    "check, trace, rank), embedded as images. No external resources: it "
                    "opens offline.",
        epilog="example: bayesreg report fit.nc --out report.html")
    p.add_argument("fit", metavar="FIT.nc", help="a fit saved by 'bayesreg fit' or "
                                                 "bayesreg.save")
    p.add_argument("--out", required=True, metavar="REPORT.html",
                   help="where to write the page (its folder must exist)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace --out if it exists (default: refuse)")
    p.add_argument("--prob", type=float, default=0.94, metavar="P",
                   help="probability of the highest-density intervals (default: "
                        "%(default)s)")
    p.add_argument("--seed", type=int, default=0,
                   help="random seed of the prior and predictive draws (default: "
                        "%(default)s)")
    p.add_argument("--quiet", action="store_true",
                   help="print only warnings and errors; no progress bar")
    p.set_defaults(func=_run)
