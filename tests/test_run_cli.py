"""End-to-end tests of the study's command line, run as a user runs it (in a subprocess).

The smoke preset is the whole pipeline at toy size: data, dense/butterfly/IMP training, attack, table, report. (Resuming a
killed run is tested in `test_cpu_study`, `test_nref` and `test_executors`.)
Bad input stops before any work starts: those cases call the same entry point in this process (`run_main`: same arguments,
exit code and output, without the ~5 s start-up of a subprocess); `--help` and a missing data folder go through the script.
"""
import json, os, time
from pathlib import Path
import numpy as np, pandas as pd, pytest
from sparsepriv.test_utils import run_cli, run_main, all_files_parse, stamps

CONFIGS = {'dense', 'bfly-S3-L2', 'imp-k1', 'imp-k2', 'retrain-k1', 'rimp-k1', 'small-p25', 'dp-e8'}   # smoke: one of each kind
N = len(CONFIGS)

@pytest.fixture(scope='module')
def smoke_run(tmp_path_factory):
    if not os.environ.get('SPARSEPRIV_DATA'): pytest.skip('SPARSEPRIV_DATA is not set')
    out = tmp_path_factory.mktemp('runs')/'smoke'
    t0 = time.perf_counter(); r = run_cli('sparsepriv_run', '--preset', 'smoke', '--out', out, '--quiet', '--threads', '2')
    return out, r, time.perf_counter() - t0

def test_help(cli):
    r = cli('sparsepriv_run', '--help')
    assert r.returncode == 0
    for s in ('--preset', '--out', '--data', '--device', '--seeds', '--configs', '--split_seed', '--imp_fraction', '--partition',
              '--workers', 'smoke', 'quick', 'paper', 'resumes', 'retrain-k<k>'):
        assert s in r.stdout, s
    from sparsepriv.config import Preset
    for f in Preset.__dataclass_fields__:   # every preset field is an option
        if f not in ('name', 'description'): assert f'--{f}' in r.stdout, f

def test_smoke_end_to_end(smoke_run, cli):
    out, r, wall = smoke_run
    assert r.returncode == 0, r.stderr[-3000:]
    df = pd.read_csv(out/'results.csv')
    assert set(df.config) == CONFIGS and len(df) == N
    for c in ('seed', 'method', 'S', 'L', 'k', 'nonzero', 'nonzero_pct', 'target_train_acc', 'target_test_acc', 'shadow_test_acc',
              'target_best_epoch', 'attack_acc', 'defense', 'auc', 'tpr_0.1', 'tpr_1', 'loss_auc', 'entropy_defense', 'wall_s',
              'lira_auc', 'lira_tpr_0.1', 'rmia_auc', 'rmia_defense', 'oracle_auc', 'dp_eps'):
        assert c in df.columns, c
    np.testing.assert_allclose(df.defense, 200 - 2*df.attack_acc)
    assert df[['lira_auc', 'rmia_auc']].notna().all().all(), 'every row has LiRA and RMIA'
    d = df.set_index('config')
    assert d.loc['dense', 'nonzero'] == 272474
    assert d.loc['imp-k1', 'nonzero'] < d.loc['dense', 'nonzero'] and d.loc['imp-k2', 'nonzero'] < d.loc['imp-k1', 'nonzero']
    assert d.loc['bfly-S3-L2', 'nonzero'] < d.loc['dense', 'nonzero']
    meta = json.loads((out/'results.json').read_text())
    assert meta['preset']['name'] == 'smoke' and 'torch' in meta['versions'] and len(meta['rows']) == N
    assert 'informative' in r.stdout           # the printed informativeness check
    all_files_parse(out)
    # the report: table and figures
    rr = cli('sparsepriv_report', out)
    assert rr.returncode == 0, rr.stderr[-3000:]
    figs = [p.name for p in (out/'report').iterdir()]
    assert any(f.endswith('.png') for f in figs) and any(f.endswith('.pdf') for f in figs) and 'summary.csv' in figs

def test_rerun_recomputes_nothing(smoke_run):
    out, r, wall = smoke_run
    assert r.returncode == 0
    before = stamps(out, '**/*.pt') | stamps(out, 'jobs/*/*')
    r2 = run_main('sparsepriv_run', '--preset', 'smoke', '--out', out, '--quiet', '--threads', '2')   # nothing to compute: in this process
    assert r2.returncode == 0, r2.stderr[-3000:]
    assert f'{N} jobs, {N} already done' in r2.stdout
    assert stamps(out, '**/*.pt') | stamps(out, 'jobs/*/*') == before

@pytest.mark.parametrize('args, message', [
    (['--preset', 'fast'], "Unknown preset 'fast': choose one of smoke, smoke-audit, quick, quick-paper, cpu, cpu-audit, paper"),
    (['--preset', 'smoke', '--configs', 'dense', 'bfly-S4-L2'], 'S (segments replaced, counted from the last) must be 1, 2 or 3'),
    (['--preset', 'smoke', '--configs', 'bfly-S1-L7'], 'L (number of butterfly factors) must be 2 or 3'),
    (['--preset', 'smoke', '--configs', 'imp-k0'], 'k (IMP rounds) must be an integer between 1 and'),
    (['--preset', 'smoke', '--configs', 'retrain-k0'], 'retrain-k0: k (retrain rounds) must be an integer between 1'),
    (['--preset', 'smoke', '--configs', 'rimp-k-1'], 'rimp-k-1: k (rimp rounds) must be an integer between 1'),
    (['--preset', 'smoke', '--configs', 'small-p0'], 'small-p0: pct (% of the dense parameter count) must be in (0, 100]'),
    (['--preset', 'smoke', '--configs', 'small-p101'], 'small-p101: pct (% of the dense parameter count) must be in (0, 100]'),
    (['--preset', 'smoke', '--configs', 'dp-e0'], 'dp-e0: dp_eps (the DP-SGD privacy budget ε) must be positive'),
    (['--preset', 'smoke', '--configs', 'dp-e-1'], 'dp-e-1: dp_eps (the DP-SGD privacy budget ε) must be positive'),
    (['--preset', 'smoke', '--split_seed', '-1'], 'split_seed must be a non-negative integer'),
    (['--preset', 'smoke', '--n_aug', '3'], 'n_aug must be 1 (the image) or 2'),
    (['--preset', 'smoke', '--eps', '-1'], 'eps (the noise scale of the sensitivity feature) must be a positive number'),
    (['--preset', 'smoke', '--momentum', '1'], 'momentum must be in [0, 1)'),
    (['--preset', 'smoke', '--milestones', '0.75', '0.5'], 'milestones are increasing fractions of the epochs'),
    (['--preset', 'smoke', '--size', '150', '--n_valid', '60'], 'need a population of at least 100 attacker points'),
    (['--preset', 'smoke', '--size', '20000'], 'use size <= 15000'),
])
def test_bad_input(tmp_path, args, message):
    out = tmp_path/'out'
    r = run_main('sparsepriv_run', '--out', out, *args)
    assert r.returncode == 2 and message in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr   # one clear line
    assert not out.exists()                                   # nothing written

def test_pre_fixed_split_run_is_refused(tmp_path, has_data):
    "A run folder made before the split was fixed (no split rule in run.json) is refused with one line and left untouched"
    out = tmp_path/'old'; (out/'jobs'/'s0-dense').mkdir(parents=True)
    from sparsepriv.config import get_preset
    old = {k: v for k, v in get_preset('smoke').to_dict().items() if k != 'split_seed'}
    (out/'run.json').write_text(json.dumps(dict(preset=old))); (out/'jobs'/'s0-dense'/'row.json').write_text('{}')
    before = {str(f): (f.stat().st_mtime_ns, f.read_bytes() if f.is_file() else None) for f in [out, *out.rglob('*')]}
    r = run_main('sparsepriv_run', '--preset', 'smoke', '--out', out, '--quiet')
    assert r.returncode == 2 and 'was made by an older sparsepriv whose split changed with every seed' in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and 'Traceback' not in r.stderr, r.stderr
    assert {str(f): (f.stat().st_mtime_ns, f.read_bytes() if f.is_file() else None) for f in [out, *out.rglob('*')]} == before

def test_unwritable_output(tmp_path, has_data):
    (tmp_path/'afile').write_text('x')
    r = run_main('sparsepriv_run', '--preset', 'smoke', '--out', tmp_path/'afile'/'out')
    assert r.returncode == 2 and 'Cannot write to the output folder' in r.stderr and 'Traceback' not in r.stderr, r.stderr

def test_missing_data(cli, tmp_path):
    out = tmp_path/'out'
    r = cli('sparsepriv_run', '--preset', 'smoke', '--out', out, '--data', tmp_path/'nowhere')
    assert r.returncode == 2 and 'No CIFAR-10 copy at' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert not out.exists()

def test_report_errors(cli, tmp_path):
    r = cli('sparsepriv_report', tmp_path/'nowhere')
    assert r.returncode != 0 and 'Traceback' not in r.stderr and r.stderr.strip()
