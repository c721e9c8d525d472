"""The published `cpu` study (nbs/results/cpu) reproduces, and the README's answer is backed by it.

`nbs/results/cpu` holds what `sparsepriv_run --preset cpu` wrote that the report needs -- the results table, the run's
settings and the per-sample attack scores, no model weights -- and the report `sparsepriv_report nbs/results/cpu` made from it.
"""
import json, re
from pathlib import Path
import numpy as np, pandas as pd, pytest
from sparsepriv.test_utils import run_cli

ROOT = Path(__file__).resolve().parents[1]
RES = ROOT/'nbs'/'results'/'cpu'
TEXT = ('summary.csv', 'attacks.csv', 'controls.csv', 'control_pairs.csv', 'auc_bootstrap.csv', 'tradeoff.json', 'conclusions.md')

def test_committed_results_are_complete():
    df = pd.read_csv(RES/'results.csv')
    preset = json.loads((RES/'results.json').read_text())['preset']
    assert preset['name'] == 'cpu' and len(preset['seeds']) >= 3
    assert len(df) == len(preset['seeds']) * len(preset['configs']), 'every (seed, configuration) of the preset has its row'
    assert not list(RES.rglob('*.pt')), 'no model weights are published'
    assert sum(f.stat().st_size for f in RES.rglob('*') if f.is_file()) <= 5 * 2**20, 'the published study stays within 5 MB'

def test_report_reproduces_byte_for_byte(tmp_path):
    "Rerunning the report on the committed rows and scores gives the committed tables, verdicts and numbers"
    t = json.loads((RES/'report'/'tradeoff.json').read_text())
    r = run_cli('sparsepriv_report', 'nbs/results/cpu', '--out', tmp_path, '--boot', t['bootstrap']['n_boot'],
                '--boot_attacks', ','.join(t['bootstrap']['attacks']), cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    for name in TEXT:
        assert (tmp_path/name).read_bytes() == (RES/'report'/name).read_bytes(), f'{name} differs from the committed one'

def test_tpr_columns_follow_the_current_rule():
    "The committed TPR columns are what `tpr_at_fpr` gives on the committed scores (RMIA's were recomputed when its tie rule changed)"
    from sparsepriv.attack import tpr_at_fpr
    from sparsepriv.stats import job_scores
    from sparsepriv.results import attack_col
    from sparsepriv.config import job_key
    df = pd.read_csv(RES/'results.csv')
    n = 0
    for r in df.itertuples(index=False):
        sc = job_scores(RES/'jobs'/job_key(r.seed, r.config))
        for a in ('paper', 'lira', 'rmia'):
            for m, fpr in (('tpr_0.1', 1e-3), ('tpr_1', 1e-2)):
                got = df.loc[(df.seed == r.seed) & (df.config == r.config), attack_col(a, m)].iloc[0]
                assert got == tpr_at_fpr(sc['labels'], sc[a], fpr), f'{job_key(r.seed, r.config)} {attack_col(a, m)}: table {got}'
                n += 1
    assert n == 6 * len(df)
    rec = json.loads((RES/'results.json').read_text()).get('rescored', [])
    assert [x['columns'] for x in rec] == [['rmia_tpr_0.1', 'rmia_tpr_1']], 'the recomputation of the RMIA TPR columns is recorded'

def _section(text, title):
    "The text of the README section `## title` up to the next section"
    m = re.search(rf'^## {re.escape(title)}\n(.*?)(?=^## )', text, re.S | re.M)
    assert m, f'README has no section "## {title}"'
    return m[1]

def test_readme_numbers_are_in_the_tables():
    "Every number with decimals in the README's prose on the cpu study appears, so rounded, in a committed report table or tradeoff.json"
    prose = '\n'.join(l for l in _section((ROOT/'README.md').read_text(), 'What the cpu study shows').splitlines()
                      if not l.startswith(('|', '    ', '```', '![', '<')))   # prose only: not tables, code or outputs
    vals = []
    for name in ('summary.csv', 'attacks.csv', 'control_pairs.csv', 'auc_bootstrap.csv'):
        t = pd.read_csv(RES/'report'/name)
        vals += [v for c in t.columns if pd.api.types.is_numeric_dtype(t[c]) for v in t[c].dropna().tolist()]
    def leaves(o):   # every number in tradeoff.json (ratios, slopes, ranges, the paper's values)
        if isinstance(o, dict): return [v for x in o.values() for v in leaves(x)]
        if isinstance(o, list): return [v for x in o for v in leaves(x)]
        return [o] if isinstance(o, (int, float)) and not isinstance(o, bool) else []
    vals += leaves(json.loads((RES/'report'/'tradeoff.json').read_text()))
    vals = np.array(vals, dtype=float)
    nums = re.findall(r'(?<![\w.])[-−+]?\d+\.\d+', prose)
    assert len(nums) >= 5, 'the answer should quote the numbers it rests on'
    for s in nums:
        x, d = float(s.replace('−', '-')), len(s.split('.')[1])
        ok = np.isclose(np.round(vals, d), x) | np.isclose(np.round(np.abs(vals), d), abs(x))
        ok |= np.isclose(np.round(100 * vals, d), x)    # fractions (AUC, TPR) quoted in %
        assert ok.any(), f'{s} in the README is in none of the committed tables'
