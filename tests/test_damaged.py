"""A long run survives a damaged run folder: every file the runner reads back, when unreadable, is recomputed where that is
safe, or the run stops with one line naming the file and the command that recovers. Nothing finished is lost."""
import json, shutil
from pathlib import Path
import pandas as pd, pytest
from sparsepriv.test_utils import run_cli, run_main, all_files_parse, stamps, results_table

CHAIN = ['--configs', 'dense', 'imp-k1', 'imp-k2']

def rerun(out, *extra):
    return run_cli('sparsepriv_run', '--preset', 'smoke', *CHAIN, '--out', out, '--quiet', *extra)

def one_error_line(r):
    lines = [l for l in r.stderr.strip().splitlines() if l.strip()]
    assert r.returncode == 2 and len(lines) == 1 and 'Traceback' not in r.stderr, r.stderr[-3000:]
    return lines[0]

@pytest.fixture(scope='module')
def finished(tmp_path_factory):
    "A finished smoke chain: dense and two IMP rounds"
    import os
    if not os.environ.get('SPARSEPRIV_DATA'): pytest.skip('SPARSEPRIV_DATA is not set')
    base = tmp_path_factory.mktemp('damaged')/'base'
    r = rerun(base)
    assert r.returncode == 0, r.stderr[-3000:]
    return base

@pytest.fixture
def run(finished, tmp_path):
    out = tmp_path/'run'; shutil.copytree(finished, out); return out

def truncate(f, keep=1000): b = Path(f).read_bytes(); Path(f).write_bytes(b[:keep])

def forget(out, *jobs_rounds):
    "Make the run as if some jobs / rounds had not been computed yet (test setup)"
    for p in jobs_rounds: shutil.rmtree(out/p)

def test_damaged_row_is_recomputed(run, finished):
    (run/'jobs'/'s0-imp-k1'/'row.json').write_text('{bad')
    s = run_main('sparsepriv_status', run)
    assert s.returncode == 0 and 'damaged file' in s.stdout and 's0-imp-k1/row.json' in s.stdout, s.stdout + s.stderr
    others = stamps(run, 'jobs/s0-dense/*') | stamps(run, 'models/**/*.pt')
    r = rerun(run)
    assert r.returncode == 0 and 'Traceback' not in r.stderr, r.stderr[-3000:]
    assert "row.json is unreadable; the job's attack is run again" in r.stdout, r.stdout
    assert (run/'jobs'/'s0-imp-k1'/'row.json.damaged').read_text() == '{bad'              # set aside, not deleted
    assert stamps(run, 'jobs/s0-dense/*') | stamps(run, 'models/**/*.pt') == others       # no network retrained
    pd.testing.assert_frame_equal(results_table(run), results_table(finished))
    all_files_parse(run)

def test_truncated_checkpoint_another_job_depends_on(run, finished):
    "The issue's case: round 1's checkpoint truncated, round 2 still to compute; job imp-k1 was computed from round 1"
    forget(run, 'models/s0/imp/target/round_02', 'models/s0/imp/shadow/round_02', 'jobs/s0-imp-k2')
    truncate(run/'models'/'s0'/'imp'/'target'/'round_01'/'best.pt')
    before = stamps(run, 'jobs/**/*') | stamps(run, 'models/**/*')
    line = one_error_line(rerun(run))
    assert 'round_01 holds a damaged network' in line and 'rerun with --redo s0-imp-k1' in line, line
    assert stamps(run, 'jobs/**/*') | stamps(run, 'models/**/*') == before                 # no result touched
    r = rerun(run, '--redo', 's0-imp-k1')                                                    # the recovery it names
    assert r.returncode == 0 and 'Traceback' not in r.stderr, r.stderr[-3000:]
    assert (run/'models'/'s0'/'imp'/'target'/'round_01.redo').is_dir() and (run/'jobs'/'s0-imp-k1.redo').is_dir()
    pd.testing.assert_frame_equal(results_table(run), results_table(finished))             # same numbers (same threads)
    all_files_parse(run)

def test_truncated_round_nothing_depends_on_is_retrained(run, finished):
    forget(run, 'models/s0/imp/target/round_02', 'models/s0/imp/shadow/round_02', 'jobs/s0-imp-k2', 'jobs/s0-imp-k1')
    truncate(run/'models'/'s0'/'imp'/'shadow'/'round_01'/'best.pt')
    r = rerun(run)
    assert r.returncode == 0 and 'Traceback' not in r.stderr, r.stderr[-3000:]
    assert 'round_01 holds a damaged network; training it again' in r.stdout, r.stdout
    assert (run/'models'/'s0'/'imp'/'shadow'/'round_01.damaged').is_dir()
    pd.testing.assert_frame_equal(results_table(run), results_table(finished))

def test_truncated_masks_with_a_later_round(run):
    truncate(run/'models'/'s0'/'imp'/'shadow'/'round_01'/'masks.pt', 100)
    forget(run, 'jobs/s0-imp-k2')   # something to compute: the chain is read back
    line = one_error_line(rerun(run))
    assert 'shadow/round_01 holds a damaged network and round 2 was trained from it' in line and '--redo s0-imp-k1' in line, line

def test_truncated_splits_are_made_again(run, finished):
    truncate(run/'splits'/'split0.json', 50)
    forget(run, 'jobs/s0-imp-k2')
    r = rerun(run)
    assert r.returncode == 0 and 'Traceback' not in r.stderr, r.stderr[-3000:]
    assert 'split0.json is unreadable' in r.stdout and (run/'splits'/'split0.json.damaged').exists(), r.stdout
    pd.testing.assert_frame_equal(results_table(run), results_table(finished))

def test_damaged_run_settings_stop_the_run(run):
    (run/'run.json').write_text('{bad')
    line = one_error_line(rerun(run))
    assert "run.json (the run's settings) is unreadable" in line and 'restore it' in line, line
    assert (run/'run.json').read_text() == '{bad'
