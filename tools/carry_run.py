"""Carry an unfinished study run from one sitting to the next through the repository.

A run folder lives outside the repository (`runs/` is ignored) and, on a machine that is not kept between sittings,
is lost with it. `pack` copies what a resumed run needs from its finished tasks -- the settings, the split, the audit
membership, each finished job's `row.json` and `signals.npz`, the task's state and text logs -- into a tracked folder,
without weights (a finished task never trains again, so its networks are not needed). Unfinished tasks are left out
entirely: the resumed run trains them from the start. `unpack` puts the copy back as a run folder, and
`sparsepriv_run` with the same preset and `--out` resumes it. The copy is removed once the run is published.

    python tools/carry_run.py pack   /work/runs/cpu-audit  runs-in-progress/cpu-audit
    python tools/carry_run.py unpack runs-in-progress/cpu-audit  /work/runs/cpu-audit
"""
import json, shutil, sys
from pathlib import Path

from sparsepriv.config import Preset
from sparsepriv.executors import study_tasks
from sparsepriv.runfolder import job_dir, job_done, task_dir

JOB_FILES = ('row.json', 'signals.npz')   # what a finished audit job keeps; its networks are not carried
TASK_FILES = ('state.json', 'submitted.json')

def _copy(src:Path, dst:Path):
    dst.parent.mkdir(parents=True, exist_ok=True)
    tmp = dst.with_name(f'.{dst.name}.tmp'); shutil.copyfile(src, tmp); tmp.replace(dst)

def pack(run:Path, dest:Path) -> tuple[int, int]:
    "Copy `run`'s settings and finished tasks (no weights) into `dest`, replacing it; returns (tasks carried, tasks in all)"
    if not (run/'run.json').exists(): raise SystemExit(f"{run} holds no study (no run.json): give the --out folder of sparsepriv_run.")
    preset = Preset.from_dict(json.loads((run/'run.json').read_text())['preset'])
    if preset.protocol != 'audit': raise SystemExit(f"{run} is a run of the {preset.protocol!r} protocol; this tool carries audit runs only.")
    tasks = study_tasks(preset)
    done = {n: js for n, js in tasks.items() if all(job_done(run, *j) for j in js)}
    new = dest.with_name(dest.name + '.new'); shutil.rmtree(new, ignore_errors=True)
    for f in ['run.json', 'audit/membership.npz', *(p.relative_to(run) for p in (run/'splits').glob('*.json'))]:
        _copy(run/f, new/f)
    for name, js in done.items():
        for seed, cfg in js:
            for f in JOB_FILES:
                if (src := job_dir(run, seed, cfg)/f).exists(): _copy(src, job_dir(new, seed, cfg)/f)
        for f in TASK_FILES:
            if (src := task_dir(run, name)/f).exists(): _copy(src, task_dir(new, name)/f)
        for log in (run/'logs'/name).glob('*_log.*'): _copy(log, new/'logs'/name/log.name)
    (new/'CARRIED.md').write_text(f"A copy of the unfinished run `{preset.name}` without weights: {len(done)} of {len(tasks)} tasks finished "
                                  f"({', '.join(sorted(done)) or 'none'}). Resume: see tools/carry_run.py.\n")
    shutil.rmtree(dest, ignore_errors=True); new.replace(dest)
    return len(done), len(tasks)

def unpack(src:Path, run:Path):
    "Put the carried copy `src` back as run folder `run` (which must not exist yet)"
    if run.exists(): raise SystemExit(f"{run} exists: unpack into a new folder (nothing was changed).")
    if not (src/'run.json').exists(): raise SystemExit(f"{src} is not a carried run (no run.json).")
    shutil.copytree(src, run); (run/'CARRIED.md').unlink(missing_ok=True)

if __name__ == '__main__':
    if len(sys.argv) != 4 or sys.argv[1] not in ('pack', 'unpack'): raise SystemExit(__doc__)
    a, b = Path(sys.argv[2]).expanduser(), Path(sys.argv[3]).expanduser()
    if sys.argv[1] == 'pack': print("carried %d of %d tasks" % pack(a, b))
    else: unpack(a, b); print(f"unpacked into {b}: resume with sparsepriv_run and --out {b}")
