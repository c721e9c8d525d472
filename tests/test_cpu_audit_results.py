"""The published `cpu-audit` study (nbs/results/cpu-audit) is complete, reproduces, and backs the README's answer.

`nbs/results/cpu-audit` holds what `publish_audit` copies from the run of `sparsepriv_run --preset cpu-audit`: the run's
settings, the membership matrix, the training rows and every network's φ at the best and at each recorded epoch -- no
weights -- and the report `sparsepriv_report nbs/results/cpu-audit` made from them.
"""
import json
from pathlib import Path
import numpy as np, pandas as pd, pytest
from sparsepriv.test_utils import run_cli, readme_prose, table_values, unbacked_numbers
from sparsepriv.report import REGIME

ROOT = Path(__file__).resolve().parents[1]
RES = ROOT/'nbs'/'results'/'cpu-audit'

def _preset(): return json.loads((RES/'run.json').read_text())['preset']

def test_committed_results_are_complete():
    "M >= 8 networks per configuration, every pool point IN for exactly M/2 of them, every configuration's signals and curves"
    p = _preset(); M = p['n_networks']
    assert p['name'] == 'cpu-audit' and p['protocol'] == 'audit' and M >= 8
    with np.load(RES/'audit'/'membership.npz') as z: member = z['member']
    assert member.shape[0] == M and (member.sum(0) == M // 2).all(), 'every pool point is IN for exactly M/2 networks'
    adf = pd.read_csv(RES/'audit.csv')
    assert sorted(set(adf.config)) == sorted(p['configs']), 'every configuration of the preset is published'
    for c in p['configs']:
        assert sorted(adf.loc[adf.config == c, 'network']) == list(range(M)), f'{c}: one row per network'
        with np.load(RES/'audit'/f'{c}.npz') as z:
            assert z['phi'].shape == member.shape and (z['member'] == member).all(), f'{c}: φ of every network on the pool, the same halves'
            assert z['phi_epochs'].shape[:2] == (M, len(z['epochs'])) and len(z['epochs']) >= 2, f'{c}: φ at every recorded epoch'
    assert not [f for f in RES.rglob('*') if f.suffix in ('.pt', '.pth', '.ckpt')], 'no model weights are published'
    assert sum(f.stat().st_size for f in RES.rglob('*') if f.is_file()) <= 10 * 2**20, 'the published study stays within 10 MiB'

def test_dense_interpolates_and_the_report_names_its_slow_networks():
    "Dense's mean train accuracy at the best epoch reaches the regime; each dense network under it is named in audit.md"
    d = pd.read_csv(RES/'audit.csv').query("config == 'dense'")
    assert d.target_train_acc.mean() >= REGIME['dense'], f"dense's mean train accuracy {d.target_train_acc.mean():.1f} % is under {REGIME['dense']} %"
    md = (RES/'report'/'audit.md').read_text()
    for r in d[d.target_train_acc < REGIME['dense']].itertuples():
        assert f'network {r.network} at {r.target_train_acc:.1f} %' in md, f'audit.md does not name dense network {r.network}'

def test_report_reproduces_byte_for_byte(tmp_path):
    "Rerunning the report on the committed copy gives the committed tables, numbers and audit.md"
    r = run_cli('sparsepriv_report', 'nbs/results/cpu-audit', '--out', tmp_path, cwd=ROOT)
    assert r.returncode == 0, r.stderr[-3000:]
    text = sorted(f.name for f in (RES/'report').iterdir() if f.suffix in ('.csv', '.json', '.md'))
    assert {'audit.md', 'audit_summary.csv', 'audit_questions.csv', 'audit_tradeoff.json'} <= set(text)
    assert text == sorted(f.name for f in tmp_path.iterdir() if f.suffix in ('.csv', '.json', '.md')), 'the same files'
    for name in text:
        assert (tmp_path/name).read_bytes() == (RES/'report'/name).read_bytes(), f'{name} differs from the committed one'

def test_readme_answer_is_in_the_tables():
    "The README answers the four questions, and every number with decimals in its prose is in a committed table"
    prose = readme_prose((ROOT/'README.md').read_text(), 'What the cpu-audit study shows')
    for q in ('Q1', 'Q2', 'Q3', 'Q4'): assert q in prose, f'the README does not answer {q}'
    rep = RES/'report'
    bad, n = unbacked_numbers(prose, table_values(*sorted(rep.glob('*.csv')), *sorted(rep.glob('*.json')), RES/'audit.csv'))
    assert n >= 8, 'the answer should quote the numbers it rests on'
    assert not bad, f'{bad} in the README are in none of the committed tables'
