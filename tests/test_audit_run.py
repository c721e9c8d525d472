"""The audit protocol (issue 24) run as a user runs it: `sparsepriv_run --preset smoke-audit` in a subprocess.

M = 8 networks per configuration on random halves of the pool: every pool point is IN for exactly 4 of them, the signals
and membership files exist, the audit table has one row per (configuration, network) with every attack's metrics, it is
recomputed from the saved signals alone, and a run killed while an audit network trains resumes to the same table and
signals as the uninterrupted run. Bad audit settings stop before anything is written (`run_main`, in this process).
"""
import os, signal, subprocess, time
import numpy as np, pandas as pd, pytest
from sparsepriv.config import ATTACK_METRICS
from sparsepriv.audit import ATTACKS, audit_from_signals
from sparsepriv.test_utils import BIN, run_cli, run_main, all_files_parse, stamps, networks, same_weights

ARGS = ['--preset', 'smoke-audit', '--quiet', '--threads', '1', '--signal_every', '1', '--n_canaries', '4']   # curves and canaries on: the report shows them
SLOW = 4 * 3600   # seconds: the tests run at the lowest priority on a shared machine
M = 8
TWO = ['--configs', 'dense', 'imp-k1']   # the killed run: the chain only (a third of the trainings fewer)

def run(out, *args): return run_cli('sparsepriv_run', *ARGS, '--out', out, *args, timeout=SLOW)
def audit(out): return pd.read_csv(out/'audit.csv').drop(columns='wall_s')

@pytest.fixture(scope='module')
def full(tmp_path_factory):
    "An uninterrupted smoke-audit run"
    if not os.environ.get('SPARSEPRIV_DATA'): pytest.skip('SPARSEPRIV_DATA is not set')
    out = tmp_path_factory.mktemp('audit')/'full'
    r = run(out)
    assert r.returncode == 0, r.stderr[-3000:]
    return out

def test_membership_signals_and_table(full):
    z = np.load(full/'audit'/'membership.npz')
    member, pool = z['member'], z['pool']
    assert len(z['canary']) == 4 and ((z['canary_shift'] >= 1) & (z['canary_shift'] <= 9)).all()
    assert member.shape == (M, len(pool)) and (member.sum(0) == M // 2).all(), 'every pool point IN for exactly M/2 networks'
    df = pd.read_csv(full/'audit.csv')
    configs = ['dense', 'imp-k1', 'bfly-S3-L2']
    assert sorted(df.config.unique()) == sorted(configs)
    assert len(df) == M * len(configs) and sorted(df.groupby('config').network.apply(sorted).tolist()) == [list(range(M))] * len(configs)
    cols = [f'{a}_{k}' for a in ATTACKS for k in ATTACK_METRICS]
    assert set(cols) <= set(df.columns) and df[cols].notna().all().all(), 'every attack has every metric for every target'
    for c in configs:
        s = np.load(full/'audit'/f'{c}.npz')
        assert s['phi'].shape == member.shape and np.array_equal(s['member'], member) and np.array_equal(s['pool'], pool)
        for m in range(M):   # network m trained on its IN half: its row's train accuracy is on those images
            assert np.array_equal(np.load(full/'jobs'/f's{m}-{c}'/'signals.npz')['phi'], s['phi'][m])
        again = audit_from_signals(full/'audit'/f'{c}.npz')   # the signals file alone gives the table's metrics
        got = df[df.config == c].sort_values('network')
        np.testing.assert_allclose(again[cols].to_numpy(), got[cols].to_numpy(), rtol=0, atol=1e-9)
    all_files_parse(full)

def test_resume_after_kill_during_an_audit_network(full, tmp_path):
    out = tmp_path/'killed'
    p = subprocess.Popen([str(BIN/'sparsepriv_run'), *ARGS, *TWO, '--out', str(out)],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:   # kill once network 2's IMP round 0 (dense) is done: its round 1 is then training
        t0, flag = time.time(), out/'jobs'/'s2-dense'/'row.json'
        while not flag.exists() and p.poll() is None and time.time() - t0 < SLOW: time.sleep(0.05)
        time.sleep(0.5)
        os.killpg(p.pid, signal.SIGKILL)
    finally: p.wait()
    assert p.returncode == -signal.SIGKILL, f'the run should have been killed, not finished (return code {p.returncode})'
    assert not (out/'audit.csv').exists() or len(pd.read_csv(out/'audit.csv')) < len(pd.read_csv(full/'audit.csv'))
    done = stamps(out, 'models/**/*.pt') | stamps(out, 'jobs/*/*')
    r = run(out, *TWO)
    assert r.returncode == 0, r.stderr[-3000:]
    after = stamps(out, 'models/**/*.pt') | stamps(out, 'jobs/*/*')
    assert all(after[k] == v for k, v in done.items()), 'finished networks, rows and signals must not be recomputed'
    all_files_parse(out)
    assert networks(out) <= networks(full) and all(same_weights(out, full, n) for n in networks(out))
    two = audit(full); two = two[two.config.isin(TWO[1:])].reset_index(drop=True)   # each configuration's audit is its own: the same without the third
    pd.testing.assert_frame_equal(audit(out), two)
    for f in sorted((out/'audit').glob('*.npz')):
        a, b = np.load(full/'audit'/f.name), np.load(f)
        assert a.files == b.files and all(np.array_equal(a[k], b[k]) for k in a.files), f.name

@pytest.mark.parametrize('args, message', [
    (['--n_networks', '6', '--protocol', 'paper'], 'n_networks is for the audit protocol'),
    (['--n_networks', '7'], 'an even n_networks >= 4'),
    (['--n_networks', '2'], 'an even n_networks >= 4'),
    (['--n_ref', '1'], 'n_ref is for the paper'),
    (['--seeds', '1'], 'leave seeds at 0'),
    (['--protocol', 'shadow'], "protocol must be 'paper' or 'audit'"),
])
def test_bad_audit_settings(tmp_path, args, message):
    out = tmp_path/'out'
    r = run_main('sparsepriv_run', '--preset', 'smoke-audit', '--out', out, *args)
    assert r.returncode == 2 and message in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not out.exists()

def test_other_n_networks_is_refused(full):
    r = run_main('sparsepriv_run', '--preset', 'smoke-audit', '--out', full, '--n_networks', '4')
    assert r.returncode == 2 and 'other settings' in r.stderr and 'n_networks' in r.stderr, r.stderr

def test_report_of_an_audit_run(full, tmp_path):
    "sparsepriv_report on an audit run writes the audit's tables, Markdown and figures, byte for byte the same when rerun"
    r = run_main('sparsepriv_report', full, '--out', tmp_path/'a', '--boot', '200')
    assert r.returncode == 0 and 'paired differences from dense' in r.stdout, r.stdout + r.stderr[-3000:]
    files = sorted((tmp_path/'a').iterdir())
    assert {f.name for f in files} >= {'audit_summary.csv', 'audit_paired.csv', 'audit.md', 'audit_figure1.png', 'audit_roc.pdf', 'audit_curves.png',
                                       'audit_matched.csv', 'audit_exposed.png', 'audit_exposure_paired.csv', 'audit_canaries.csv'}
    m = pd.read_csv(tmp_path/'a'/'audit_matched.csv')
    assert set(m.matched_on) == {'test_acc', 'train_acc'} and set(m.point) == {'bfly-S3-L2', 'imp-k1'}
    c = pd.read_csv(tmp_path/'a'/'audit_canaries.csv')
    assert (c.n_members + c.n_nonmembers == 4 * M).all(), 'the 4 canaries, pooled over the M targets'
    s = pd.read_csv(tmp_path/'a'/'audit_summary.csv')
    assert sorted(s.config) == ['bfly-S3-L2', 'dense', 'imp-k1'] and (s.n == M).all()
    r = run_main('sparsepriv_report', full, '--out', tmp_path/'b', '--boot', '200')
    assert r.returncode == 0 and all(f.read_bytes() == (tmp_path/'b'/f.name).read_bytes() for f in files)

def test_publish_audit(full, tmp_path):
    "The published copy holds no weights, its tables are recomputed from its own arrays, its report regenerates byte for byte, and publishing it again changes nothing"
    from sparsepriv.report import publish_audit, make_audit_report
    pub, again = tmp_path/'pub', tmp_path/'again'
    size = publish_audit(full, pub)
    names = {str(f.relative_to(pub)) for f in pub.rglob('*') if f.is_file()}
    assert not any(n.endswith('.pt') for n in names) and {'audit.csv', 'audit_curves.csv', 'results.json', 'audit/membership.npz', 'audit/dense.npz'} <= names
    assert size == sum((pub/n).stat().st_size for n in names)
    a, b = pd.read_csv(full/'audit.csv'), pd.read_csv(pub/'audit.csv')
    assert list(a.columns) == list(b.columns) and a[['config', 'network', 'target_train_acc']].equals(b[['config', 'network', 'target_train_acc']])
    assert (a.lira_online_auc - b.lira_online_auc).abs().max() < 0.01, 'float16 φ moves the metrics only a little'
    z = np.load(pub/'audit'/'dense.npz'); assert z['phi'].dtype == np.float16 and z['phi_epochs'].dtype == np.float16
    publish_audit(pub, again)
    assert all((pub/n).read_bytes() == (again/n).read_bytes() for n in names), 'publishing the copy again gives the same bytes'
    make_audit_report(pub, n_boot=200); first = {f: f.read_bytes() for f in (pub/'report').iterdir()}
    make_audit_report(pub, n_boot=200); assert {f: f.read_bytes() for f in first} == first
