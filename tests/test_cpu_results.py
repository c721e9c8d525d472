"""The published `cpu` study (nbs/results/cpu) reproduces, and the README's answer is backed by it.

`nbs/results/cpu` holds what `sparsepriv_run --preset cpu` wrote that the report needs -- the results table, the run's
settings and the per-sample attack scores, no model weights -- and the report `sparsepriv_report nbs/results/cpu` made from it.
"""
import json
from pathlib import Path
import pandas as pd, pytest
from sparsepriv.test_utils import run_cli, readme_prose, table_values, unbacked_numbers

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

def test_readme_numbers_are_in_the_tables():
    "Every number with decimals in the README's prose on the cpu study appears, so rounded, in a committed report table or tradeoff.json"
    prose = readme_prose((ROOT/'README.md').read_text(), 'What the cpu study shows')
    vals = table_values(*(RES/'report'/n for n in ('summary.csv', 'attacks.csv', 'control_pairs.csv', 'auc_bootstrap.csv', 'tradeoff.json')))
    bad, n = unbacked_numbers(prose, vals)
    assert n >= 5, 'the answer should quote the numbers it rests on'
    assert not bad, f'{bad} in the README are in none of the committed tables'
