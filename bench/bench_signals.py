"""The cost of `curves.SignalRecorder` at the `cpu` preset's scale, measured in one run (fits with and without it alternate).

A ResNet-20 trains on 2,750 images (batch 128, 2 threads by default); the recorder computes φ on the audit's pool of
2 · 3000 − 250 = 5,750 points after every epoch. Prints the seconds per training epoch, per record, and the overhead of
recording every k epochs, record / (k · epoch), for k = 1, 5, 10.

    python bench/bench_signals.py [--epochs 3] [--repeats 2] [--threads 2] [--n_aug 1]
"""
import argparse, time
import numpy as np, torch
from sparsepriv.data import load_cifar10, make_splits, dataloaders
from sparsepriv.models import resnet20
from sparsepriv.train import train_model
from sparsepriv.curves import SignalRecorder

p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
p.add_argument('--epochs', type=int, default=3); p.add_argument('--repeats', type=int, default=2)
p.add_argument('--threads', type=int, default=2); p.add_argument('--n_aug', type=int, default=1)
a = p.parse_args()
torch.set_num_threads(a.threads)
x, y = load_cifar10()
s = make_splits(len(x), seed=0, size=3000, n_valid=250)
pool = np.r_[s.target_train, s.target_test]
dls = dataloaders(x, y, s, 'target', bs=128, augment=False, seed=0, device='cpu', eval_bs=1024)
def fit(rec):
    torch.manual_seed(0); t0 = time.perf_counter()
    cb = [SignalRecorder(x, y, pool, range(a.epochs), n_aug=a.n_aug, best=False)] if rec else []
    train_model(resnet20(), dls, epochs=a.epochs, lr=0.03, wd=5e-3, progress=False, cbs=cb)
    return time.perf_counter() - t0
times = {False: [], True: []}
for _ in range(a.repeats):
    for rec in (False, True): times[rec].append(fit(rec))
t0, t1 = np.median(times[False]), np.median(times[True])
ep, rec = t0 / a.epochs, (t1 - t0) / a.epochs
print(f"{a.threads} threads, {len(s.target_train)} training images, pool {len(pool)}, n_aug {a.n_aug}: "
      f"{ep:.1f} s per epoch, {rec:.1f} s per record (fits: without {t0:.1f} s, with a record every epoch {t1:.1f} s, medians of {a.repeats})")
for k in (1, 5, 10): print(f"  a record every {k:>2} epochs: overhead {100 * rec / (k * ep):.1f} % of the training time")
