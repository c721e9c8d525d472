"""Benchmark of the attack's feature extraction (a ratio measured in one run; not a timed test).

Feature extraction sends every clean batch through the network together with its `n_noise` noisy copies, so over
n images it does the work of (1 + n_noise) inference passes. This script times `attack_features` (clean + 5 noisy
passes, softmax, sensitivity) against 6 plain inference passes of ResNet-20 over the same images, both with `bs`
network inputs per forward, and prints throughput ratio = (6 plain passes time) / (feature extraction time); goal >= 0.9.
For reference it also times plain passes with 6·bs inputs per forward (what stacking 5 noisy copies onto `bs` clean
images would cost): on a CPU such large forwards are much slower per image.

It then times every stage of the whole attack on n target points (half members) and n shadow points, in one run:
the paper's feature extraction (target and shadow), its nine discriminators (small MLPs trained on the CPU, timed
separately and excluded from the ratio), the four threshold baselines, the two extra forward passes of the likelihood
attacks (the reference -- the shadow -- on the target points, the target on the population = the shadow points) and
LiRA + RMIA themselves (`likelihood_attacks`, with its calibration game). The whole attack stage, discriminators
excluded, is compared with 6 plain inference passes over the same 2n points (goal: at most 1.5 times).
Usage: python bench/bench_attack.py [--n 512] [--bs 256] [--device cpu] [--repeats 3] [--epochs 80]
"""
import argparse, time
import numpy as np
import torch
from sparsepriv.attack import attack_features, baseline_scores, fit_class_thresholds, train_discriminator, HIDDEN, LRS
from sparsepriv.config import BASELINES
from sparsepriv.likelihood import phi_from_logits, model_signals, lira_scores, rmia_scores, likelihood_attacks

try:
    from sparsepriv.models import resnet20
except ImportError:  # a local copy of the CIFAR ResNet-20 (option-B shortcuts) if the models module is not there
    import torch.nn as nn, torch.nn.functional as F
    class _Block(nn.Module):
        def __init__(self, i, o, s):
            super().__init__()
            self.c1, self.b1 = nn.Conv2d(i, o, 3, s, 1, bias=False), nn.BatchNorm2d(o)
            self.c2, self.b2 = nn.Conv2d(o, o, 3, 1, 1, bias=False), nn.BatchNorm2d(o)
            self.sc = nn.Sequential() if s == 1 and i == o else nn.Sequential(nn.Conv2d(i, o, 1, s, bias=False), nn.BatchNorm2d(o))
        def forward(self, x): return F.relu(self.b2(self.c2(F.relu(self.b1(self.c1(x))))) + self.sc(x))
    def resnet20():
        layers, i = [nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU()], 16
        for w, s in ((16, 1), (32, 2), (64, 2)):
            for j in range(3): layers.append(_Block(i, w, s if j == 0 else 1)); i = w
        return nn.Sequential(*layers, nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10))

def best_times(fs, repeats):
    "Best time of each function, the functions timed in turn (so that a change of machine load hits all of them)"
    for f in fs: f()  # warm-up
    ts = [[] for _ in fs]
    for _ in range(repeats):
        for f, t in zip(fs, ts):
            t0 = time.perf_counter(); f(); t.append(time.perf_counter() - t0)
    return [min(t) for t in ts]

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--n', type=int, default=512); ap.add_argument('--bs', type=int, default=256)
    ap.add_argument('--device', default='cpu'); ap.add_argument('--repeats', type=int, default=3)
    ap.add_argument('--epochs', type=int, default=80)
    a = ap.parse_args(); torch.manual_seed(0)
    dev = torch.device(a.device)
    net = resnet20().to(dev).eval()
    x = torch.randint(0, 256, (a.n, 3, 32, 32), dtype=torch.uint8); y = torch.randint(0, 10, (a.n,))
    prep = lambda xb: (xb.float() / 255 - 0.5) / 0.25
    sync = (lambda: torch.cuda.synchronize()) if dev.type == 'cuda' else (lambda: None)

    def feats():
        attack_features(net, x, y, prep=prep, bs=a.bs, n_noise=5, seed=0, device=dev); sync()
    @torch.no_grad()
    def plain(k, bs):
        for _ in range(k):
            for i in range(0, a.n, bs): net(prep(x[i:i+bs].to(dev))).softmax(-1).cpu()
        sync()
    @torch.no_grad()
    def plain_stacked():  # forwards of 6·bs inputs
        for i in range(0, a.n, a.bs):
            xb = prep(x[i:i+a.bs].to(dev)); net(torch.cat([xb] * 6)).softmax(-1).cpu()
        sync()

    t_f, t_p, t_s = best_times([feats, lambda: plain(6, a.bs), plain_stacked], a.repeats)
    print(f'ResNet-20 on {dev}, {torch.get_num_threads()} threads, {a.n} images, bs {a.bs}:')
    print(f'  feature extraction (clean + 5 noisy): {t_f:.2f} s  ({6 * a.n / t_f:.0f} forward images/s)')
    print(f'  6 plain passes, batch {a.bs}:           {t_p:.2f} s  ({6 * a.n / t_p:.0f} images/s)')
    print(f'  6 plain passes, stacked batch {6 * a.bs}:  {t_s:.2f} s  ({6 * a.n / t_s:.0f} images/s)')
    print(f'throughput ratio (extraction vs 6 plain passes): {t_p / t_f:.2f}  (goal >= 0.9)')
    print(f'(6 plain passes with 6·bs inputs per forward: {t_s / t_f:.2f} times the extraction time)')
    stages(a, dev, prep, sync)

def stages(a, dev, prep, sync):
    "Time every stage of the attack on n target and n shadow points against 6 plain passes over those 2n points"
    n = a.n; torch.manual_seed(1)
    target, shadow = resnet20().to(dev).eval(), resnet20().to(dev).eval()
    x = torch.randint(0, 256, (2 * n, 3, 32, 32), dtype=torch.uint8); y = torch.randint(0, 10, (2 * n,))
    tg, sh = np.arange(n), n + np.arange(n)                         # target points, shadow points (= the population)
    lab = (np.arange(n) < n // 2).astype(np.int64)                  # members first, in both sets
    kw = dict(prep=prep, bs=a.bs, device=dev)
    st = {}
    def feats(): st['ft'], st['fs'] = attack_features(target, x, y, tg, seed=1, **kw), attack_features(shadow, x, y, sh, seed=0, **kw); sync()
    def extra(): st['ref_t'], st['tgt_p'] = model_signals(shadow, x, y, tg, **kw), model_signals(target, x, y, sh, **kw); sync()
    def base():
        bs_, bt = baseline_scores(st['fs'].logits, st['fs'].y), baseline_scores(st['ft'].logits, st['ft'].y)
        for b in BASELINES: bt[b] - fit_class_thresholds(bs_[b], lab, st['fs'].y)[st['ft'].y]
    def phis(): st['phi_t'], st['phi_s'] = phi_from_logits(st['ft'].logits, st['ft'].y), phi_from_logits(st['fs'].logits, st['fs'].y)
    def likelihood():
        st['rec'] = likelihood_attacks(st['phi_t'], st['ref_t'][None], st['tgt_p'], st['phi_s'][None], lab[None].astype(bool), tg, sh, labels=lab)
    def lira(): lira_scores(st['phi_t'], st['ref_t'][None], sigma=1.)
    def rmia():
        o = np.ones((1, n), bool); rmia_scores(st['phi_t'], st['ref_t'][None], o, st['tgt_p'], st['phi_s'][None], o, a=0.5)
    @torch.no_grad()
    def plain6():
        for _ in range(6):
            for i in range(0, 2 * n, a.bs): target(prep(x[i:i+a.bs].to(dev))).softmax(-1).cpu()
        sync()
    def discs():
        X = st['fs'].matrix()
        for k, (h, lr) in enumerate((h, lr) for h in HIDDEN for lr in LRS): train_discriminator(X, lab, h, lr, a.epochs, seed=k)
    names = ['feature extraction (target + shadow, clean + 5 noisy)', 'extra passes (shadow on target pts, target on population)',
             'threshold baselines (4, per-class thresholds)', 'phi from the clean logits (no forward)',
             'LiRA + RMIA with calibration (likelihood_attacks)', '  of which LiRA scores alone', '  of which RMIA scores alone (one a)',
             '6 plain passes over the 2n points']
    ts = best_times([feats, extra, base, phis, likelihood, lira, rmia, plain6], a.repeats)
    t0 = time.perf_counter(); discs(); t_d = time.perf_counter() - t0
    print(f'\nWhole attack on {n} target + {n} shadow points (ResNet-20, {dev}, bs {a.bs}, best of {a.repeats}; '
          f'machine load shared with other work):')
    for name, t in zip(names, ts): print(f'  {name:<60s} {t:8.4f} s')
    print(f'  {"nine discriminators (CPU MLPs, " + str(a.epochs) + " epochs, one run)":<60s} {t_d:7.3f} s')
    total = ts[0] + ts[1] + ts[2] + ts[3] + ts[4]
    print(f'attack stage without discriminators: {total:.3f} s = {total / ts[-1]:.2f} x the 6 plain passes (goal <= 1.5)')
    print(f'  with the discriminators: {(total + t_d) / ts[-1]:.2f} x;  likelihood attacks alone (extra passes + phi + scores): '
          f'{(ts[1] + ts[3] + ts[4]) / ts[-1]:.2f} x;  info {st["rec"]["info"]}')

if __name__ == '__main__': main()
