"""Benchmark of the butterfly layers against their dense twins (ratios measured in one run; not a timed test).

Prints three tables, times in ms (median of a few repeats) and ratio = dense time / butterfly time (> 1: butterfly faster):
1. linear maps, batch of `--bs` rows: square N = 256, 1024, 4096 with L = log2 N, 2, 3, and the ResNet-20 conv matrices
   (16×144 … 64×576) with L = 2, 3 -- forward, and forward + backward;
2. the ResNet-20 3×3 convolutions as `ButterflyConv2d` vs `nn.Conv2d` on their real activation sizes, batch `--conv-bs` images;
3. one whole training step (forward, backward, SGD) of a butterflized ResNet-20 vs the dense one, batch `--conv-bs`.
Usage: python bench/bench_butterfly.py [--bs 256] [--conv-bs 64] [--reps 5]
"""
import argparse, math, time, statistics
import torch, torch.nn as nn, torch.nn.functional as F
from sparsepriv.models import resnet20
from sparsepriv.butterfly import ButterflyLinear, ButterflyConv2d, butterflize

def timeit(f, reps):
    f()  # warm-up
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
    return statistics.median(ts)

def fwd_bwd(layer, x):
    def f():
        layer.zero_grad(set_to_none=True); layer(x).sum().backward()
    return f

def fwd(layer, x):
    def f():
        with torch.no_grad(): layer(x)
    return f

def row(name, dense, bfly, x, reps, extra=''):
    tdf, tbf = timeit(fwd(dense, x), reps), timeit(fwd(bfly, x), reps)
    xg = x.clone().requires_grad_(True)
    tdb, tbb = timeit(fwd_bwd(dense, xg), reps), timeit(fwd_bwd(bfly, xg), reps)
    print(f'{name:<26}{extra:<10}{tdf*1e3:>9.2f}{tbf*1e3:>9.2f}{tdf/tbf:>7.1f}x {tdb*1e3:>9.2f}{tbb*1e3:>9.2f}{tdb/tbb:>7.1f}x', flush=True)

def header(title):
    print(f'\n{title}\n{"shape":<26}{"params":<10}{"fwd dense":>9}{"bfly":>9}{"ratio":>8} {"f+b dense":>9}{"bfly":>9}{"ratio":>8}')

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--bs', type=int, default=256); ap.add_argument('--conv-bs', type=int, default=64); ap.add_argument('--reps', type=int, default=5)
    a = ap.parse_args(); torch.manual_seed(0)
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads')

    header(f'1. linear maps, batch {a.bs}')
    cases = [(N, N, L) for N in (256, 1024, 4096) for L in sorted({int(math.log2(N)), 2, 3})]
    cases += [(m, n, L) for m, n in [(16, 144), (32, 288), (64, 576)] for L in (2, 3)]
    for m, n, L in cases:
        bl, dl = ButterflyLinear(n, m, n_factors=L), nn.Linear(n, m, bias=False)
        row(f'{m}×{n} L={L}', dl, bl, torch.randn(a.bs, n), a.reps, f'{bl.n_stored()}')

    header(f'2. ResNet-20 3×3 convolutions, batch {a.conv_bs} images')
    for cin, cout, s, hw in [(16, 16, 1, 32), (16, 32, 2, 32), (32, 32, 1, 16), (32, 64, 2, 16), (64, 64, 1, 8)]:
        for L in (2, 3):
            bc = ButterflyConv2d(cin, cout, 3, stride=s, padding=1, n_factors=L); dc = nn.Conv2d(cin, cout, 3, stride=s, padding=1, bias=False)
            row(f'conv {cout}×{9*cin} s{s} {hw}px L={L}', dc, bc, torch.randn(a.conv_bs, cin, hw, hw), a.reps, f'{bc.n_stored()}')

    print(f'\n3. ResNet-20 training step (forward + backward + SGD), batch {a.conv_bs}')
    x, y = torch.randn(a.conv_bs, 3, 32, 32), torch.randint(0, 10, (a.conv_bs,))
    def step_fn(m):
        opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
        def f():
            opt.zero_grad(); F.cross_entropy(m(x), y).backward(); opt.step()
        return f
    td = timeit(step_fn(resnet20().train()), a.reps)
    print(f'{"dense":<14}{td*1e3:>9.1f} ms')
    for S, L in [(1, 2), (3, 2), (3, 3)]:
        tb = timeit(step_fn(butterflize(resnet20(), S, L, seed=0).train()), a.reps)
        print(f'{f"S={S} L={L}":<14}{tb*1e3:>9.1f} ms   dense/butterfly = {td/tb:.2f}x')

if __name__ == '__main__': main()
