"The `sparsepriv_splits` command as a user runs it."
import json

def test_splits_summary_and_save(cli, has_data, tmp_path):
    r = cli('sparsepriv_splits', '--size', 1000, '--n_valid', 100, '--seed', 3, '--out', tmp_path/'s.json')
    assert r.returncode == 0, r.stderr
    assert 'CIFAR-10 pool: 60000 images, 10 classes' in r.stdout
    assert 'target_train' in r.stdout and '900' in r.stdout
    d = json.loads((tmp_path/'s.json').read_text())
    assert d['seed'] == 3 and len(d['target_train']) == 900 and len(d['shadow_test']) == 1000

def test_splits_too_large(cli, has_data):
    r = cli('sparsepriv_splits', '--size', 20000)
    assert r.returncode == 2 and 'use size <= 15000' in r.stderr and 'Traceback' not in r.stderr

def test_missing_data(cli, tmp_path):
    r = cli('sparsepriv_splits', '--data', tmp_path/'nowhere')
    assert r.returncode == 2 and 'No CIFAR-10 copy at' in r.stderr and 'Traceback' not in r.stderr
