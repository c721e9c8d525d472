"""Print the facts the closing note and the README section need, from a published audit run (its committed copy).

    python runs-in-progress/facts.py nbs/results/cpu-audit

Every number comes from the committed files (audit.csv, run.json, audit/membership.npz, report/*.csv, report/*.json),
so the prose written from this sheet is backed by a table. This file goes when the study is published.
"""
import json, sys
from pathlib import Path
import numpy as np, pandas as pd
from sparsepriv.config import Config

def trainings(config:str) -> int:
    "how many trainings a configuration's job does on top of what it starts from: retrain-kN trains N times, the rest once"
    c = Config.parse(config)
    return c.k if c.method == 'retrain' else 1

def main(folder:str):
    d = Path(folder)
    p = json.loads((d/'run.json').read_text())['preset']
    adf = pd.read_csv(d/'audit.csv')
    mem = np.load(d/'audit'/'membership.npz')['member']
    q, pooled = pd.read_csv(d/'report'/'audit_questions.csv'), pd.read_csv(d/'report'/'audit_pooled.csv')
    tr = json.loads((d/'report'/'audit_tradeoff.json').read_text())
    a = tr['attack']
    half = mem.shape[1] // 2
    print(f"# {p['name']}: {mem.shape[0]} networks per configuration, pool {mem.shape[1]}, IN counts per point: {sorted(set(mem.sum(0).tolist()))}")
    n_tr = sum(trainings(c) for c in adf.config)
    print(f"trainings {n_tr}; process time {adf.wall_s.sum():.0f} s = {adf.wall_s.sum() / 3600:.2f} h, "
          f"over 2 processes {adf.wall_s.sum() / 2 / 3600:.2f} h; {p['epochs']} epochs of {half} images per training")
    print("\n| config | nonzero % | train acc. mean (lowest) | test acc. | best epoch | median s per training | images/s per process | pooled TPR@0.1 % |")
    print("|---|---|---|---|---|---|---|---|")
    for c, g in adf.groupby('config', sort=False):
        s = g.wall_s / trainings(c)
        tpr = pooled[(pooled.config == c) & (pooled.attack == a)]['tpr_0.1']
        print(f"| {c} | {g.nonzero_pct.mean():.1f} | {g.target_train_acc.mean():.1f} ({g.target_train_acc.min():.1f}) | {g.target_test_acc.mean():.1f} "
              f"| {g.target_best_epoch.mean():.1f} | {s.median():.0f} | {half * p['epochs'] / s.median():.0f} | {tpr.iloc[0] if len(tpr) else float('nan'):.2f} |")
    dn = adf[adf.config == 'dense']
    print(f"\ndense below 95 %: " + (', '.join(f"network {r.network} at {r.target_train_acc:.1f} %" for r in dn.itertuples() if r.target_train_acc < 95) or 'none'))
    print(f"\nquestions' attack: {a}; endpoint {q.endpoint.iloc[0]}")
    print("\n| question | config | against | diff | 95 % interval | Holm p | n | verdict | note |\n|---|---|---|---|---|---|---|---|---|")
    for r in q.itertuples():
        print(f"| {r.question} | {r.config} | {r.against} | {r.diff:.2f} | [{r.lo:.2f}, {r.hi:.2f}] | {r.p_holm:.3f} | {r.n} | {r.verdict} | {r.note if isinstance(r.note, str) else ''} |")
    rt = tr['ratio']
    print(f"\nratio (paper {tr['paper']['ratio']}): " + '; '.join(f"{c}: {v['ratio']:.2f} ({v['status']})" for c, v in rt['per_config'].items()))
    print(f"ratio note: {rt.get('note', '')}; per method: " + '; '.join(f"{m}: {v['mean']}" for m, v in rt['per_method'].items()))
    print(f"slopes (paper {tr['paper']['slope']}): " + '; '.join(f"{m}: {v['slope']:.2f} ± {v['stderr'] if v['stderr'] is None else round(v['stderr'], 2)} (n {v['n']})"
                                                        for m, v in tr['slopes'].items()))

if __name__ == '__main__': main(sys.argv[1])
