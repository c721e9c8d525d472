"""Insert the README/index section on the published cpu-audit study before "## Reading on" (run once, from the repo root).

The prose comes from `index_section.md` (blocks separated by a line `<!-- code -->`; one block before each code cell
and one after the last); the code cells read the committed copy in nbs/results/cpu-audit. Then execute the index
(`cd nbs && jupyter nbconvert --to notebook --execute --inplace index.ipynb`), nbdev_clean, python tools/make_readme.py.
This file goes when the study is published.
"""
import json
from pathlib import Path

CODE = [
'''aud = Path('results/cpu-audit')   # the committed copy of the cpu-audit run and its report
aud_adf, aud_cur = pd.read_csv(aud/'audit.csv'), pd.read_csv(aud/'audit_curves.csv')
aud_sum = pd.read_csv(aud/'report'/'audit_summary.csv')
aud_q, aud_pooled = pd.read_csv(aud/'report'/'audit_questions.csv'), pd.read_csv(aud/'report'/'audit_pooled.csv')
aud_a = aud_q.endpoint.iloc[0].removesuffix('_tpr_1')   # the questions' attack
cols = {'n': 'networks', 'nonzero_pct_mean': 'nonzero (%)', 'target_train_acc_mean': 'train acc. (%)', 'target_test_acc_mean': 'test acc. (%)',
        'target_best_epoch_mean': 'best epoch', f'{aud_a}_auc_mean': f'{AUDIT_LABELS[aud_a]} AUC', f'{aud_a}_tpr_1_mean': f'{AUDIT_LABELS[aud_a]} TPR@1 % (%)'}
t = aud_sum.set_index('config')[list(cols)].rename(columns=cols)
t[t.columns[-1]] *= 100
t.round({c: (3 if 'AUC' in c else 1) for c in t.columns})''',
'''answer_table(aud_q, aud_pooled).set_index(['question', 'configuration'])''',
'''plot_curves(aud_cur, aud_adf, leak=f'{aud_a}_tpr_1',
            title=f'cpu-audit: mean over {int(aud_sum.n.max())} networks along training; markers: best epochs')''',
]

def main(nb=Path('nbs/index.ipynb'), spec=Path(__file__).with_name('index_section.md')):
    d = json.loads(nb.read_text())
    if any(c.get('id', '').startswith('aud') for c in d['cells']): raise SystemExit(f'{nb} already has the section (cells aud*)')
    prose = spec.read_text().split('<!-- code -->\n')
    if len(prose) != len(CODE) + 1: raise SystemExit(f'{spec}: {len(prose)} prose blocks, need {len(CODE) + 1}')
    lines = lambda s: s.strip('\n').splitlines(keepends=True)
    cells = []
    for i, p in enumerate(prose):
        if p.strip(): cells.append(dict(cell_type='markdown', id=f'aud{2*i:02d}', metadata={}, source=lines(p)))
        if i < len(CODE): cells.append(dict(cell_type='code', id=f'aud{2*i+1:02d}', metadata={}, execution_count=None, outputs=[], source=lines(CODE[i])))
    at = next(i for i, c in enumerate(d['cells']) if ''.join(c['source']).startswith('## Reading on'))
    d['cells'][at:at] = cells
    src0 = ''.join(d['cells'][0]['source'])
    for imp in ('from sparsepriv.questions import answer_table', 'from sparsepriv.audit import AUDIT_LABELS'):
        if imp not in src0: src0 = src0.rstrip('\n') + '\n' + imp
    d['cells'][0]['source'] = lines(src0)
    nb.write_text(json.dumps(d, indent=1, ensure_ascii=False) + '\n')
    print(f'inserted {len(cells)} cells before "## Reading on"')

if __name__ == '__main__': main()
