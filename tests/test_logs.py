"""The study's output when stdout is a file (`sparsepriv_run ... > run.log`): plain lines, a bounded number per network.

fastprogress redraws its bars with carriage returns after every batch whether or not stdout is a terminal; where it is
not, `train_model(progress=True)` prints a few `LogLines` instead (a header per network, at most 11 epoch lines, a
closing line). Run as a user runs it: the console script in a subprocess, stdout redirected to a file.
"""
import os, subprocess
from pathlib import Path
import pytest
from sparsepriv.test_utils import BIN

MAX_EPOCH_LINES = 11   # `log_epochs`: every ceil(epochs/10)-th epoch and the last

@pytest.fixture(scope='module')
def logged_run(tmp_path_factory):
    if not os.environ.get('SPARSEPRIV_DATA'): pytest.skip('SPARSEPRIV_DATA is not set')
    tmp = tmp_path_factory.mktemp('logs')
    out, log, err = tmp/'smoke', tmp/'run.log', tmp/'run.err'
    with open(log, 'w') as fo, open(err, 'w') as fe:
        r = subprocess.run([str(BIN/'sparsepriv_run'), '--preset', 'smoke', '--out', str(out), '--configs', 'dense', 'bfly-S3-L2',
                            '--threads', '2'], stdout=fo, stderr=fe, stdin=subprocess.DEVNULL, timeout=900)
    # read as bytes: text mode would turn carriage returns into newlines
    return r, out, log.read_bytes().decode(), err.read_bytes().decode()

def blocks(text):
    "The `LogLines` of each trained network: lists of lines from a 'training ...' header to its '  done in ...' line"
    out, cur = [], None
    for line in text.splitlines():
        if line.startswith('training ') and ' epochs, ' in line: cur = [line]
        elif cur is not None:
            cur.append(line)
            if line.startswith('  done in '): out.append(cur); cur = None
    return out

def test_run_succeeds(logged_run):
    r, out, text, err = logged_run
    assert r.returncode == 0, err[-3000:]
    assert (out/'results.csv').exists()

def test_no_carriage_returns(logged_run):
    r, out, text, err = logged_run
    assert '\r' not in text, f"progress bars in a redirected log: {text.count(chr(13))} carriage returns"
    assert '\r' not in err

def test_one_short_block_per_network(logged_run):
    r, out, text, err = logged_run
    bs = blocks(text)
    # smoke trains a target and a shadow network per job: 2 configs x 2 roles at least
    assert len(bs) >= 4, text[-3000:]
    assert len(bs) == text.count('\ntraining ') + text.startswith('training '), 'every header has its closing line'
    for b in bs:
        epochs = [l for l in b if l.startswith('  epoch ')]
        assert 1 <= len(epochs) <= MAX_EPOCH_LINES, b
        assert all('train loss' in l and 'valid acc' in l and 'elapsed' in l and 'left' in l for l in epochs), b
        assert 'best epoch' in b[-1], b
    # and little else: a few lines of the study per job around the networks' blocks
    n_block_lines = sum(map(len, bs))
    assert len(text.splitlines()) - n_block_lines <= 10 + 3 * len(bs), text
    assert len(text) < 20_000
