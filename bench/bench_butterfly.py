"""Benchmark of the butterfly layers against their dense twins (ratios measured in one run; not a timed test).

Prints three tables, times in ms and ratio = dense time / other time (> 1: faster than dense). The variants of one row are
timed interleaved (a, b, c, a, b, c, ...) so that all of them see the same load on a shared machine; each time is the median
(`--stat median`, default) or the minimum (`--stat min`) over `--reps` repeats, after one warm-up.
1. linear maps, batch of `--bs` rows: square N = 256, 1024, 4096 with L = log2 N, 2, 3, and the ResNet-20 conv matrices
   (16×144 … 64×576) with L = 2, 3 -- forward, and forward + backward;
2. the ResNet-20 3×3 convolutions on their real activation sizes, batch `--conv-bs` images, channels-last, forward + backward:
   dense `nn.Conv2d` vs the im2col path (`order='hwc'`, sparsepriv < 0.2) vs the native path (`order='chw'`), plus the literal
   translation that was tried first (grouped k×k conv, then one grouped 1×1 conv per factor with channel shuffles; bench only);
3. one whole training step (forward, backward, SGD with momentum) of a butterflized ResNet-20 vs the dense one, channels-last,
   for S = 1, 2, 3 and L = 2, 3, im2col path and native path, batch sizes `--step-bs` (the dense channels-first step for reference).
On a busy shared machine, wall-clock ratios are noisy; `--threads 1 --clock cpu` times the process's CPU time instead
(the time it actually ran), which is stable under load and equals wall time on an idle machine with one thread.
Usage: python bench/bench_butterfly.py [--bs 256] [--conv-bs 64] [--step-bs 64 256] [--reps 5] [--threads N] [--stat median|min]
       [--clock wall|cpu] [--skip-linear]
"""
import argparse, math, time, statistics
import torch, torch.nn as nn, torch.nn.functional as F
from sparsepriv.models import resnet20
from sparsepriv.butterfly import ButterflyLinear, ButterflyConv2d, butterflize

CL = torch.channels_last
STAT = statistics.median
CLOCK = time.perf_counter

def timeit(f, reps):
    f()  # warm-up
    ts = []
    for _ in range(reps):
        t0 = CLOCK(); f(); ts.append(CLOCK() - t0)
    return STAT(ts)

def interleaved(fns, reps):
    "Time the functions round-robin: [stat over reps] per function"
    for f in fns: f()  # warm-up
    ts = [[] for _ in fns]
    for _ in range(reps):
        for f, t in zip(fns, ts):
            t0 = CLOCK(); f(); t.append(CLOCK() - t0)
    return [STAT(t) for t in ts]

def fwd_bwd(layer, x):
    def f():
        if isinstance(layer, nn.Module): layer.zero_grad(set_to_none=True)
        layer(x).sum().backward()
    return f

def fwd(layer, x):
    def f():
        with torch.no_grad(): layer(x)
    return f

def row(name, dense, bfly, x, reps, extra=''):
    tdf, tbf = interleaved([fwd(dense, x), fwd(bfly, x)], reps)
    xg = x.clone().requires_grad_(True)
    tdb, tbb = interleaved([fwd_bwd(dense, xg), fwd_bwd(bfly, xg)], reps)
    print(f'{name:<26}{extra:<10}{tdf*1e3:>9.2f}{tbf*1e3:>9.2f}{tdf/tbf:>7.1f}x {tdb*1e3:>9.2f}{tbb*1e3:>9.2f}{tdb/tbb:>7.1f}x', flush=True)

def header(title):
    print(f'\n{title}\n{"shape":<26}{"params":<10}{"fwd dense":>9}{"bfly":>9}{"ratio":>8} {"f+b dense":>9}{"bfly":>9}{"ratio":>8}')

def grouped_literal(bc:ButterflyConv2d):
    "The chain of a native-mappable `ButterflyConv2d` as a grouped k×k conv, then per factor a channel shuffle and a grouped 1×1 conv"
    fs = bc.chain.factors; (kh, kw) = bc.kernel_size
    def shuffle(y, dims, perm):  # permute the channel digits, keeping channels-last memory
        B, C, H, W = y.shape
        z = y.permute(0, 2, 3, 1).reshape(B, H, W, *dims).permute(0, 1, 2, *[3 + p for p in perm]).reshape(B, H, W, C)
        return z.permute(0, 3, 1, 2)
    def f(x):
        ws = list(bc.lin.factors); fl = fs[-1]
        y = F.conv2d(x, ws[-1].reshape(fl.a * fl.b, fl.c // (kh * kw), kh, kw), None, bc.stride, bc.padding, groups=fl.a)
        for i in range(len(fs) - 2, -1, -1):                     # layout of y: (a_g, d_g, b_g) after factor g = fs[i+1] (d_L = 1)
            fi, g = fs[i], fs[i + 1]                             # a_g = (a_i, c_i), d_i = (b_g, d_g); F_i wants (a_i, d_i, c_i)
            y = shuffle(y, (fi.a, fi.c, g.d, g.b), (0, 3, 2, 1))
            y = F.conv2d(y, ws[i].reshape(fi.a * fi.d * fi.b, fi.c, 1, 1), groups=fi.a * fi.d)
        f1 = fs[0]
        return shuffle(y, (f1.d, f1.b), (1, 0))                  # (d_1, b_1) -> rows (b_1, d_1)
    return f

def main():
    global STAT, CLOCK
    ap = argparse.ArgumentParser()
    ap.add_argument('--bs', type=int, default=256); ap.add_argument('--conv-bs', type=int, default=64)
    ap.add_argument('--step-bs', type=int, nargs='*', default=[64, 256]); ap.add_argument('--reps', type=int, default=5)
    ap.add_argument('--threads', type=int, default=None); ap.add_argument('--stat', choices=['median', 'min'], default='median')
    ap.add_argument('--clock', choices=['wall', 'cpu'], default='wall', help='cpu: process CPU time, robust to a busy machine with --threads 1')
    ap.add_argument('--skip-linear', action='store_true')
    a = ap.parse_args(); torch.manual_seed(0)
    if a.threads: torch.set_num_threads(a.threads)
    STAT = statistics.median if a.stat == 'median' else min
    CLOCK = time.perf_counter if a.clock == 'wall' else time.process_time
    print(f'torch {torch.__version__}, {torch.get_num_threads()} threads, {a.clock} clock, {a.stat} of {a.reps} interleaved repeats')

    if not a.skip_linear:
        header(f'1. linear maps, batch {a.bs}')
        cases = [(N, N, L) for N in (256, 1024, 4096) for L in sorted({int(math.log2(N)), 2, 3})]
        cases += [(m, n, L) for m, n in [(16, 144), (32, 288), (64, 576)] for L in (2, 3)]
        for m, n, L in cases:
            bl, dl = ButterflyLinear(n, m, n_factors=L), nn.Linear(n, m, bias=False)
            row(f'{m}×{n} L={L}', dl, bl, torch.randn(a.bs, n), a.reps, f'{bl.n_stored()}')

    print(f'\n2. ResNet-20 3×3 convolutions, batch {a.conv_bs} images, channels-last, forward + backward (ms; ratio = dense / other)')
    print(f'{"conv":<28}{"params":>7}{"dense":>8}{"im2col":>8}{"ratio":>7}{"native":>8}{"ratio":>7}{"grouped":>9}{"ratio":>7}')
    for cin, cout, s, hw in [(16, 16, 1, 32), (16, 32, 2, 32), (32, 32, 1, 16), (32, 64, 2, 16), (64, 64, 1, 8)]:
        for L in (2, 3):
            old = ButterflyConv2d(cin, cout, 3, stride=s, padding=1, n_factors=L, order='hwc')
            new = ButterflyConv2d(cin, cout, 3, stride=s, padding=1, n_factors=L, order='chw')
            dc = nn.Conv2d(cin, cout, 3, stride=s, padding=1, bias=False)
            assert new.native and not old.native
            x = torch.randn(a.conv_bs, cin, hw, hw).to(memory_format=CL).requires_grad_()
            td, to, tn, tg = interleaved([fwd_bwd(dc, x), fwd_bwd(old, x), fwd_bwd(new, x), fwd_bwd(grouped_literal(new), x)], a.reps)
            print(f'{f"{cout}×{9*cin} s{s} {hw}px L={L}":<28}{new.n_stored():>7}{td*1e3:>8.2f}{to*1e3:>8.2f}{td/to:>6.2f}x'
                  f'{tn*1e3:>8.2f}{td/tn:>6.2f}x{tg*1e3:>9.2f}{td/tg:>6.2f}x', flush=True)

    for bs in a.step_bs:
        print(f'\n3. ResNet-20 training step (forward + backward + SGD), batch {bs}, channels-last (ms; ratio = dense / butterfly)')
        x, y = torch.randn(bs, 3, 32, 32), torch.randint(0, 10, (bs,))
        xc = x.to(memory_format=CL)
        def step_fn(m, xx):
            opt = torch.optim.SGD(m.parameters(), lr=0.01, momentum=0.9)
            def f():
                opt.zero_grad(); F.cross_entropy(m(xx), y).backward(); opt.step()
            return f
        torch.manual_seed(0)
        dense_cl, dense_cf = resnet20().to(memory_format=CL).train(), resnet20().train()
        for S, L in [(S, L) for S in (1, 2, 3) for L in (2, 3)]:
            old = butterflize(resnet20(), S, L, seed=0, order='hwc').to(memory_format=CL).train()
            new = butterflize(resnet20(), S, L, seed=0).to(memory_format=CL).train()
            fns = [step_fn(dense_cl, xc), step_fn(old, xc), step_fn(new, xc)] + ([step_fn(dense_cf, x)] if (S, L) == (1, 2) else [])
            ts = interleaved(fns, a.reps)
            if (S, L) == (1, 2): print(f'{"dense channels-first":<22}{ts[3]*1e3:>9.1f} ms  (dense channels-last {ts[0]*1e3:.1f} ms)')
            td, to, tn = ts[:3]
            print(f'{f"S={S} L={L}":<10}dense {td*1e3:>8.1f}   im2col {to*1e3:>8.1f} ({td/to:.2f}x)   native {tn*1e3:>8.1f} ({td/tn:.2f}x)', flush=True)

if __name__ == '__main__': main()
