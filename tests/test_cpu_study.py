"""The `cpu` study preset: an interrupted run finishes with the results of an uninterrupted one.

The full-size `cpu` run takes about two hours, so the check runs on smoke-sized overrides of the `cpu` preset: its
configuration kinds (dense, an IMP round of 45 %, the retraining control), no augmentation, its batch size, fewer images and
epochs, one noise draw. The run is killed while an IMP round trains, then rerun: what had finished is not recomputed, and
results and per-sample scores must equal those of an uninterrupted run with the same seeds and thread count. (This is the
package's test of resuming a killed run in one process; `test_nref` kills one during a reference network, `test_executors`
kills a worker process.)

A round's folder appears only when its files are written (training keeps the best weights in memory), so the test cannot wait
for a round folder to exist: it waits for the dense job's row (the chain's next job, imp-k1, then trains round 1 for seconds),
kills 0.3 s later, and checks that round 1 was left unfinished.
"""
import os, signal, subprocess, time
import numpy as np, pandas as pd, pytest
from sparsepriv.test_utils import BIN, run_cli, all_files_parse, results_table, stamps

SMALL = ['--size', '240', '--n_valid', '40', '--epochs', '2', '--attack_epochs', '5', '--n_noise', '1', '--eval_bs', '512', '--seeds', '0',
         '--configs', 'dense', 'imp-k1', 'retrain-k1', '--threads', '2', '--quiet']

def _dense_done(out): return (out/'jobs'/'s0-dense'/'row.json').exists()
def _round1_done(out): return (out/'models'/'s0'/'imp'/'shadow'/'round_01'/'done').exists()

def test_cpu_preset_interrupted_equals_uninterrupted(tmp_path, has_data):
    ref = tmp_path/'uninterrupted'
    r = run_cli('sparsepriv_run', '--preset', 'cpu', '--out', ref, *SMALL)
    assert r.returncode == 0, r.stderr[-3000:]
    out = tmp_path/'interrupted'
    log = tmp_path/'interrupted.log'
    with open(log, 'w') as f:
        p = subprocess.Popen([str(BIN/'sparsepriv_run'), '--preset', 'cpu', '--out', str(out), *SMALL],
                             stdout=f, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            t0 = time.time()
            while not _dense_done(out) and p.poll() is None and time.time() - t0 < 300: time.sleep(0.02)
            time.sleep(0.3)   # imp-k1's round 1 (target, then shadow) is training
            if p.poll() is None: os.killpg(p.pid, signal.SIGKILL)
        finally: p.wait()
    assert p.returncode == -signal.SIGKILL and _dense_done(out) and not _round1_done(out), \
        f'the run should have been killed while IMP round 1 was training; it ended with {p.returncode}:\n{log.read_text()[-3000:]}'
    assert not (out/'results.csv').exists() or len(pd.read_csv(out/'results.csv')) < 3, 'killed before the end'
    done = stamps(out, 'jobs/*/row.json') | stamps(out, 'models/**/round_00/*')   # the finished dense job and its networks
    assert 'jobs/s0-dense/row.json' in done and 'models/s0/imp/target/round_00/best.pt' in done, sorted(done)
    r = run_cli('sparsepriv_run', '--preset', 'cpu', '--out', out, *SMALL)
    assert r.returncode == 0, r.stderr[-3000:]
    assert '3 jobs, 1 already done' in r.stdout, r.stdout
    after = stamps(out, 'jobs/*/row.json') | stamps(out, 'models/**/round_00/*')
    assert {k: after.get(k) for k in done} == done, 'finished rows and networks must not be recomputed'
    all_files_parse(out)
    a, b = results_table(ref), results_table(out)
    assert set(a.config) == {'dense', 'imp-k1', 'retrain-k1'}
    pd.testing.assert_frame_equal(a.sort_values('config').reset_index(drop=True), b.sort_values('config').reset_index(drop=True))
    for f in sorted(ref.glob('jobs/*/scores.npz')):   # the per-sample attack scores too, bit for bit
        x, y = np.load(f), np.load(out/f.relative_to(ref))
        assert set(x.files) == set(y.files), f
        for k in x.files: np.testing.assert_array_equal(x[k], y[k], err_msg=f'{f.parent.name}: {k}')
