"""Build the processed Quarto project (_proc/) the way `nbdev_docs` would, without Quarto, and check it.

nbdev 2.4.14's nbdev_proc_nbs / nbdev_docs first try to install Quarto and `pip install -e .`; this calls
the same building blocks directly. Checks: every notebook is processed, the Quarto config files exist,
no processed cell holds an error output, every exported symbol's documentation is rendered, and the
figures saved in the notebooks survive processing.
"""
import json, sys, shutil
from pathlib import Path
from nbdev.config import get_config
from nbdev.quarto import refresh_quarto_yml, nbdev_sidebar
from nbdev.doclinks import _build_modidx
from nbdev.serve import proc_nbs

def n_images(nb):
    return sum('image/png' in o.get('data', {}) for c in nb['cells'] if c['cell_type'] == 'code' for o in c.get('outputs', []))

def main():
    cfg = get_config(); nbs = cfg.nbs_path; proc = cfg.config_path/'_proc'
    shutil.rmtree(proc, ignore_errors=True)
    refresh_quarto_yml(); _build_modidx(); nbdev_sidebar.__wrapped__(); proc_nbs(force=True)
    problems = []
    for f in ('_quarto.yml', 'nbdev.yml', 'sidebar.yml', 'styles.css'):
        if not (proc/f).exists(): problems.append(f'_proc/{f} missing')
    for src in sorted(nbs.glob('*.ipynb')):
        out = proc/src.name
        if not out.exists(): problems.append(f'{src.name}: not processed'); continue
        a, b = json.loads(src.read_text()), json.loads(out.read_text())
        errs = [o for c in b['cells'] if c['cell_type'] == 'code' for o in c.get('outputs', []) if o.get('output_type') == 'error']
        if errs: problems.append(f'{src.name}: {len(errs)} error output(s) after processing: {errs[0].get("ename")}: {errs[0].get("evalue")}')
        if n_images(b) < n_images(a): problems.append(f'{src.name}: {n_images(a)} figures saved, {n_images(b)} after processing')
        n_doc = sum('show_doc' in ''.join(c['source']) for c in a['cells'] if c['cell_type'] == 'code')
        rendered = sum(1 for c in b['cells'] if c['cell_type'] == 'code'
                       for o in c.get('outputs', []) if 'text/markdown' in o.get('data', {}) and '###' in ''.join(o['data']['text/markdown']))
        if rendered < n_doc: problems.append(f'{src.name}: {n_doc} show_doc cells but {rendered} rendered')
        print(f'{src.name}: processed, {n_images(b)} figures, {rendered} rendered docs')
    if problems:
        print('\nDocs check FAILED:\n  ' + '\n  '.join(problems)); sys.exit(1)
    print('Docs check passed: _proc/ is ready for `quarto render` (nbdev_docs on a machine with Quarto).')

if __name__ == '__main__': main()   # proc_nbs uses multiprocessing 'spawn' outside notebooks
