"""`--n_ref K`: extra reference networks for LiRA and RMIA (issue 12, item 4), run as a user runs them (in subprocesses).

Two chain configurations of the smoke preset (dense = IMP round 0, imp-k1) with one extra reference network: every row has
LiRA and RMIA, the reference networks are exactly what is added to a run without them, and a run killed while a reference
trains resumes to the same results as an uninterrupted one.
`--help` and bad values call the command's entry point in this process (`run_main`): they stop before any work starts.
"""
import os, signal, subprocess, time
import numpy as np, pandas as pd, pytest
from sparsepriv.test_utils import BIN, run_cli, run_main, all_files_parse, stamps, results_table, networks, same_weights

ARGS = ['--preset', 'smoke', '--configs', 'dense', 'imp-k1', '--quiet', '--threads', '1']
REFS = {'models/s0/imp/ref0/round_00', 'models/s0/imp/ref0/round_01'}   # reference 0's own IMP chain: its round 0 (dense) and round 1
LIKELIHOOD = ('lira_', 'rmia_')
SLOW = 4 * 3600   # seconds: the tests run at the lowest priority on a shared machine

def run(out, *args): return run_cli('sparsepriv_run', *ARGS, '--out', out, *args, timeout=SLOW)

@pytest.fixture(scope='module')
def with_ref(tmp_path_factory):
    "An uninterrupted run with one extra reference network"
    if not os.environ.get('SPARSEPRIV_DATA'): pytest.skip('SPARSEPRIV_DATA is not set')
    out = tmp_path_factory.mktemp('nref')/'ref1'
    r = run(out, '--n_ref', '1')
    assert r.returncode == 0, r.stderr[-3000:]
    return out

def test_help():
    r = run_main('sparsepriv_run', '--help')
    assert r.returncode == 0 and '--n_ref N_REF' in r.stdout and 'besides the shadow network' in r.stdout, r.stdout

def test_every_row_has_lira_and_rmia(with_ref):
    df = pd.read_csv(with_ref/'results.csv')
    assert sorted(df.config) == ['dense', 'imp-k1']
    cols = [c for c in df.columns if c.startswith(LIKELIHOOD)]
    assert {'lira_auc', 'lira_tpr_0.1', 'lira_tpr_1', 'rmia_auc', 'rmia_tpr_0.1', 'rmia_tpr_1'} <= set(cols), df.columns
    assert df[cols].notna().all().all(), 'every row has LiRA and RMIA'
    assert (df.ref_networks == 2).all(), 'the row counts the shadow network and the extra reference'
    assert df[['ref_train_acc', 'ref_valid_acc', 'ref_test_acc']].notna().all().all()
    assert networks(with_ref) >= REFS
    all_files_parse(with_ref)

def test_adds_exactly_the_reference_networks(with_ref, tmp_path):
    base = tmp_path/'ref0'
    r = run(base)   # the same run without extra references (the smoke preset's n_ref = 0)
    assert r.returncode == 0, r.stderr[-3000:]
    assert networks(with_ref) == networks(base) | REFS and not networks(base) & REFS
    assert all(same_weights(with_ref, base, n) for n in networks(base)), 'target and shadow networks must be the same'
    a, b = results_table(with_ref), results_table(base)
    assert (b.ref_networks == 1).all() and not any(c.startswith('ref_') and c != 'ref_networks' for c in b.columns)
    same = [c for c in b.columns if not c.startswith(LIKELIHOOD) and c not in ('ref_networks', 'rmia_a', 'lira_sigma')]
    pd.testing.assert_frame_equal(a[same], b[same])   # the paper's attack, the baselines, the training metrics: unchanged

def test_resume_after_kill_during_a_reference(with_ref, tmp_path):
    out = tmp_path/'killed'
    p = subprocess.Popen([str(BIN/'sparsepriv_run'), *ARGS, '--out', str(out), '--n_ref', '1'],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:   # kill once imp-k1's shadow round is finished: the job's reference round is then training
        t0, flag = time.time(), out/'models/s0/imp/shadow/round_01/done'
        while not flag.exists() and p.poll() is None and time.time() - t0 < SLOW: time.sleep(0.05)
        time.sleep(0.3)
        os.killpg(p.pid, signal.SIGKILL)
    finally: p.wait()
    assert p.returncode == -signal.SIGKILL, f'the run should have been killed, not finished (return code {p.returncode})'
    assert (out/'jobs/s0-dense/row.json').exists() and not (out/'jobs/s0-imp-k1/row.json').exists()
    assert 'models/s0/imp/ref0/round_00' in networks(out) and 'models/s0/imp/ref0/round_01' not in networks(out), networks(out)
    done = stamps(out, 'models/**/*.pt') | stamps(out, 'jobs/*/row.json')
    r = run(out, '--n_ref', '1')
    assert r.returncode == 0, r.stderr[-3000:]
    assert '2 jobs, 1 already done' in r.stdout, r.stdout
    after = stamps(out, 'models/**/*.pt') | stamps(out, 'jobs/*/row.json')
    assert all(after[k] == v for k, v in done.items()), 'finished networks and rows must not be recomputed'
    all_files_parse(out)
    assert networks(out) == networks(with_ref) and all(same_weights(out, with_ref, n) for n in networks(out))
    pd.testing.assert_frame_equal(results_table(out), results_table(with_ref))   # the same results as the uninterrupted run

def test_rerun_resumes_and_other_n_ref_is_refused(with_ref):
    before = stamps(with_ref, '**/*.pt') | stamps(with_ref, 'jobs/*/*')
    r = run_main('sparsepriv_run', *ARGS, '--out', with_ref, '--n_ref', '1')   # nothing to compute: in this process
    assert r.returncode == 0 and '2 jobs, 2 already done' in r.stdout, r.stdout + r.stderr[-3000:]
    r = run_main('sparsepriv_run', *ARGS, '--out', with_ref, '--n_ref', '0')   # rows attacked with other references must not mix
    assert r.returncode == 2 and "holds a run with other settings {'n_ref': (1, 0)}" in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and 'Traceback' not in r.stderr, r.stderr
    assert stamps(with_ref, '**/*.pt') | stamps(with_ref, 'jobs/*/*') == before

@pytest.mark.parametrize('value', ['-1', '999'])
def test_bad_n_ref(tmp_path, value):
    out = tmp_path/'out'
    r = run_main('sparsepriv_run', '--preset', 'smoke', '--out', out, '--n_ref', value)
    assert r.returncode == 2 and 'n_ref (reference networks besides the shadow network, for LiRA and RMIA) must be an integer from 0 to 998' in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and 'Traceback' not in r.stderr, r.stderr   # one clear line
    assert not out.exists()                                                                   # nothing written
