"""End-to-end tests of the executors: local worker processes and the SLURM path (without a cluster).

A worker process is killed mid-run; the SLURM job script is caught by a stand-in `sbatch`; the SLURM path's job functions run
through submitit's local cluster. Every executor must give the same numbers as the in-process run (same threads).
Commands that stop before any work starts (bad options, submissions to the stand-in SLURM, status) call the command's entry
point in this process (`run_main`).
"""
import json, os, signal, subprocess, time
from pathlib import Path
import pandas as pd, pytest
SMOKE4 = ['--configs', 'dense', 'bfly-S3-L2', 'imp-k1', 'imp-k2']   # the executors are tested on four jobs: two tasks
from sparsepriv.test_utils import BIN, run_cli, run_main, all_files_parse, stamps, slurm_env, job_script, results_table as table

@pytest.fixture(scope='module')
def local1(tmp_path_factory):
    "The smoke study in this process, on one CPU thread: the reference numbers"
    if not os.environ.get('SPARSEPRIV_DATA'): pytest.skip('SPARSEPRIV_DATA is not set')
    out = tmp_path_factory.mktemp('runs')/'local1'
    r = run_cli('sparsepriv_run', '--preset', 'smoke', *SMOKE4, '--out', out, '--quiet', '--threads', '1', '--device', 'cpu')
    assert r.returncode == 0, r.stderr[-3000:]
    return out

def kill_worker(out, task, after_row, proc, timeout=300):
    "SIGKILL the worker process of `task` once `after_row` exists (the task is then mid-way)"
    t0 = time.time()
    while not (out/'jobs'/after_row/'row.json').exists():
        assert proc.poll() is None, 'the run ended before the kill'
        assert time.time() - t0 < timeout; time.sleep(0.05)
    time.sleep(0.5)
    st = json.loads((out/'tasks'/task/'state.json').read_text())
    assert st['state'] == 'running' and st['pid'] != proc.pid
    os.kill(st['pid'], signal.SIGKILL)
    return st

def start(out, *args):
    return subprocess.Popen([str(BIN/'sparsepriv_run'), '--preset', 'smoke', *SMOKE4, '--out', str(out), '--quiet',
                             '--executor', 'processes', '--workers', '2', '--threads', '1', '--device', 'cpu', *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

def test_processes_survive_a_killed_worker(local1, tmp_path):
    out = tmp_path/'proc'
    # 1. no restarts: the killed task is reported with its log, the other task finishes
    p = start(out, '--retries', '0')
    kill_worker(out, 's0-chain', 's0-dense', p)
    so, se = p.communicate(timeout=600)
    assert p.returncode == 1, se[-3000:]
    assert 's0-chain (attempt 1): stopped without finishing' in se and 'log: ' in se and 'Traceback' not in se, se
    log = Path(se.split('log: ')[1].split()[0].rstrip(';'))
    assert log.exists() and log.is_relative_to(out/'logs')
    done = stamps(out, 'jobs/*/row.json')
    assert {Path(k).parent.name for k in done} == {'s0-dense', 's0-bfly-S3-L2'}
    s = run_main('sparsepriv_status', out)
    assert s.returncode == 0 and '2 done, 0 running, 0 queued, 2 failed' in s.stdout and 'failed task s0-chain' in s.stdout, s.stdout
    # 2. the rerun finishes only what is missing; its worker is killed too, and restarted by itself
    models = stamps(out, 'models/s0/imp/*/round_00/*')
    p = start(out, '--retries', '1')
    kill_worker(out, 's0-chain', 's0-imp-k1', p)
    so, se = p.communicate(timeout=600)
    assert p.returncode == 0, se[-3000:]
    assert '4 jobs, 2 already done' in so and 'failed, restarting (1 of 1 restarts)' in so, so
    assert all(stamps(out, 'jobs/*/row.json')[k] == v for k, v in done.items())      # finished jobs not recomputed
    assert stamps(out, 'models/s0/imp/*/round_00/*') == models                        # nor their networks
    # 3. bit-identical to the in-process run on the same number of threads
    pd.testing.assert_frame_equal(table(out), table(local1))
    assert set(table(out).threads) == {1}
    all_files_parse(out)
    s = run_main('sparsepriv_status', out, '--all')
    assert '4 done, 0 running, 0 queued, 0 failed, 0 pending' in s.stdout and 's0-imp-k2' in s.stdout, s.stdout

def test_slurm_submission(tmp_path, has_data, monkeypatch):
    out = tmp_path/'sl'; monkeypatch.setenv('PATH', slurm_env(tmp_path)['PATH'])   # the stand-in sbatch and squeue first
    # submitting stops before any work starts: the commands run in this process (run_main)
    args = ['sparsepriv_run', '--preset', 'smoke', *SMOKE4, '--out', out, '--executor', 'slurm', '--partition', 'gpu', '--time', '600',
            '--gpus_per_job', '2', '--cpus_per_job', '4', '--mem_gb', '16', '--account', 'acct', '--qos', 'high',
            '--array_parallelism', '1', '--sbatch', 'constraint=a100', '--sbatch', 'exclude=node7', '--setup', 'module load cuda']
    r = run_main(*args)
    assert r.returncode == 0, r.stderr[-3000:]
    assert 'submitted 2 tasks: jobs 4240_0, 4240_1' in r.stdout and 'sparsepriv_status' in r.stdout, r.stdout
    script = job_script(tmp_path)
    for opt in ('partition=gpu', 'time=600', 'gpus-per-node=2', 'cpus-per-task=4', 'mem=16GB', 'account=acct', 'qos=high',
                'array=0-1%1', 'constraint=a100', 'exclude=node7', 'job-name=sparsepriv-smoke', 'signal=USR2@120', 'nodes=1',
                f'output={out}/logs/slurm/%A_%a_0_log.out'):
        assert f'#SBATCH --{opt}\n' in script, opt
    assert 'module load cuda\n' in script and '-m submitit.core._submit' in script
    # squeue cannot be asked (no queue file): a submitted task counts as queued until it starts
    s = run_main('sparsepriv_status', out)
    assert '0 done, 0 running, 4 queued' in s.stdout and '4240_0' in s.stdout, s.stdout
    r = run_main(*args)                                      # queued tasks are not submitted twice
    assert r.returncode == 0 and 's0-chain is queued (job 4240_0): not submitted again' in r.stdout, r.stdout
    assert not (tmp_path/'script1.sh').exists()
    # squeue lists the jobs: still queued, still not submitted again
    (tmp_path/'queue').write_text('4240_0 PENDING\n4240_1 RUNNING\n77 RUNNING\n')
    assert '4 queued' in run_main('sparsepriv_status', out).stdout
    r = run_main(*args)
    assert r.returncode == 0 and 'not submitted again' in r.stdout and not (tmp_path/'script1.sh').exists(), r.stdout
    # the jobs left the queue without starting the tasks (e.g. scancel): failed, and a rerun submits them again
    (tmp_path/'queue').write_text('77 RUNNING\n')
    s = run_main('sparsepriv_status', out)
    assert '4 failed' in s.stdout and 'SLURM job 4240_0 ended without running the task' in s.stdout, s.stdout
    r = run_main(*args)
    assert r.returncode == 0 and 'submitted 2 tasks: jobs 4241_0, 4241_1' in r.stdout, r.stdout
    # without squeue, --resubmit submits tasks that look queued
    (tmp_path/'queue').unlink()
    r = run_main(*args, '--resubmit')
    assert r.returncode == 0 and 'submitted 2 tasks: jobs 4242_0, 4242_1' in r.stdout, r.stdout
    assert json.loads((out/'tasks'/'s0-bfly-S3-L2'/'submitted.json').read_text())['job_id'] == '4242_1'

def test_slurm_refused(tmp_path, has_data, monkeypatch):
    monkeypatch.setenv('PATH', slurm_env(tmp_path)['PATH'])
    (tmp_path/'bin'/'sbatch').write_text('#!/bin/sh\necho "sbatch: error: invalid partition specified: nope" >&2\nexit 1\n')
    r = run_main('sparsepriv_run', '--preset', 'smoke', *SMOKE4, '--out', tmp_path/'out', '--executor', 'slurm', '--partition', 'nope')
    assert r.returncode == 2 and 'SLURM refused the submission' in r.stderr and 'invalid partition' in r.stderr, r.stderr
    assert 'Traceback' not in r.stderr

def test_slurm_preempted_task_is_requeued(local1, tmp_path):
    "A task interrupted as SLURM does before preemption checkpoints, is requeued, resumes, and gives the same numbers"
    from sparsepriv.experiment import get_preset, prepare_out
    from sparsepriv.executors import study_tasks, slurm_executor, submit_tasks
    from sparsepriv.runfolder import write_results
    p = get_preset('smoke', configs=['dense', 'imp-k1']); out = prepare_out(tmp_path/'rq', p)
    ex = slurm_executor(out/'logs'/'slurm', p, cluster='local', gpus_per_job=0, cpus_per_job=1)
    job = submit_tasks(ex, out, p, study_tasks(p), threads=1, device='cpu')['s0-chain']
    t0 = time.time()
    while not (out/'jobs'/'s0-dense'/'row.json').exists():
        assert not job.done() and time.time() - t0 < 300; time.sleep(0.05)
    time.sleep(1)
    pid = json.loads((out/'tasks'/'s0-chain'/'state.json').read_text())['pid']
    os.kill(pid, signal.SIGUSR2)   # what SLURM sends before the time limit (--signal=USR2@120) or a preemption
    assert job.exception() is None
    log = Path(job.paths.stdout).read_text() + Path(job.paths.stderr).read_text()
    assert 'this job is preempted' in log and 'Requeued job' in log, log[-2000:]
    st = json.loads((out/'tasks'/'s0-chain'/'state.json').read_text())
    assert st['state'] == 'done' and st['attempt'] == 1            # a requeue is not a new attempt
    ref = table(local1); ref = ref[ref.config.isin(['dense', 'imp-k1'])].reset_index(drop=True)
    write_results(out, p)
    pd.testing.assert_frame_equal(table(out), ref)
    all_files_parse(out)

def test_slurm_path_runs_the_same_jobs(local1, tmp_path):
    "The SLURM path end to end, with submitit's local cluster in place of SLURM"
    from sparsepriv.experiment import run_study, get_preset, study_status   # the names users import from here
    out = tmp_path/'sll'
    df = run_study(get_preset('smoke', configs=SMOKE4[1:]), out, executor='slurm', slurm=dict(cluster='local', gpus_per_job=0, cpus_per_job=1),
                   wait=True, progress=False)
    assert len(df) == 4
    pd.testing.assert_frame_equal(table(out), table(local1))
    st = study_status(out)
    assert set(st.state) == {'done'} and all(Path(l).exists() for l in st.log)
    all_files_parse(out)

@pytest.mark.parametrize('args, message', [
    (['--workers', '2'], '--workers and --gpus are for --executor processes'),
    (['--executor', 'processes', '--workers', '3', '--gpus', '0'], '--workers 3 is more than the 1 GPUs'),
    (['--executor', 'processes', '--workers', '0'], '--workers must be >= 1'),
    (['--executor', 'slurm', '--sbatch', 'constraint'], "write options as KEY=VALUE"),
    (['--threads', '0'], '--threads must be >= 1'),
])
def test_bad_executor_input(tmp_path, args, message):
    out = tmp_path/'out'
    r = run_main('sparsepriv_run', '--preset', 'smoke', '--out', out, *args)
    assert r.returncode == 2 and message in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert not out.exists()

def test_no_slurm_here(tmp_path, has_data):
    r = run_main('sparsepriv_run', '--preset', 'smoke', '--out', tmp_path/'out', '--executor', 'slurm')
    assert r.returncode == 2 and 'Cannot submit to SLURM here' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    assert not list((tmp_path/'out').glob('jobs/*'))

def test_status_errors(tmp_path):
    r = run_main('sparsepriv_status', tmp_path)
    assert r.returncode == 2 and 'holds no study (no run.json)' in r.stderr and 'Traceback' not in r.stderr, r.stderr
