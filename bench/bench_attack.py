"""Benchmark of the attack's feature extraction (a ratio measured in one run; not a timed test).

Feature extraction sends every clean batch through the network together with its `n_noise` noisy copies, so over
n images it does the work of (1 + n_noise) inference passes. This script times `attack_features` (clean + 5 noisy
passes, softmax, sensitivity) against 6 plain inference passes of ResNet-20 over the same images, both with `bs`
network inputs per forward, and prints throughput ratio = (6 plain passes time) / (feature extraction time); goal >= 0.9.
For reference it also times plain passes with 6·bs inputs per forward (what stacking 5 noisy copies onto `bs` clean
images would cost): on a CPU such large forwards are much slower per image.
Usage: python bench/bench_attack.py [--n 512] [--bs 256] [--device cpu] [--repeats 3]
"""
import argparse, time
import torch
from sparsepriv.attack import attack_features

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

if __name__ == '__main__': main()
