"""Benchmark of DP-SGD training (ratios measured in one run; not a timed test).

Training images/s of ResNet-20 on the same batches of real CIFAR-10 images (batch 128, crop + flip + normalise as in
training, SGD with momentum): the non-private BatchNorm network, the GroupNorm network of `sparsepriv.dp.dp_resnet20`
without DP, and DP-SGD through Opacus's `PrivacyEngine` with each per-image gradient mode (`hooks`, `functorch`,
`ew` = expanded weights, `ghost` = ghost clipping with its criterion wrapper); a mode that fails is reported as such.
Fixed-size batches (no Poisson sampling) so that every path does the same work; noise multiplier 1, clipping norm 1.
The paths run in turn, `--repeats` times (best kept), so that the load of a shared machine hits all of them;
each timing follows one warm-up batch. The ratios are costs relative to the BatchNorm network.
Usage: SPARSEPRIV_DATA=... python bench/bench_dp.py [--batches 3] [--repeats 2] [--bs 128] [--device cpu|cuda] [--modes hooks,ew]
"""
import argparse, time, warnings
warnings.filterwarnings("ignore")   # Opacus: secure RNG off, full backward hooks; not what is measured
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset
from opacus import PrivacyEngine
from sparsepriv.data import load_cifar10, make_splits, augment_batch, normalize
from sparsepriv.models import resnet20
from sparsepriv.dp import dp_resnet20

def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize()

def batches(x, y, n, bs, seed):
    "`n` augmented, normalised batches of `bs` images"
    g = torch.Generator().manual_seed(seed)
    out = []
    for i in range(n):
        bi = torch.arange(i * bs, (i + 1) * bs)
        out.append((normalize(augment_batch(x[bi], g)), y[bi]))
    return out

def make_path(kind, mode, dev, bs, n):
    "(model, optimizer, criterion) ready to train: kind 'bn' / 'gn' (plain) or 'dp' (Opacus, `mode`)"
    torch.manual_seed(0)
    m = (resnet20() if kind == 'bn' else dp_resnet20()).to(dev)
    opt = torch.optim.SGD(m.parameters(), lr=0.03, momentum=0.9, weight_decay=0.005)
    if kind != 'dp': return m, opt, nn.CrossEntropyLoss()
    dl = DataLoader(TensorDataset(torch.zeros(n * bs)), batch_size=bs)       # only its length matters to Opacus here
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        out = PrivacyEngine().make_private(module=m, optimizer=opt, data_loader=dl, noise_multiplier=1.0, max_grad_norm=1.0,
                                           poisson_sampling=False, grad_sample_mode=mode, criterion=nn.CrossEntropyLoss())
    if mode == 'ghost': gm, dopt, crit, _ = out
    else: (gm, dopt, _), crit = out, nn.CrossEntropyLoss()
    return gm, dopt, crit

def run(path, data, dev):
    "Images/s over `data` after one warm-up batch"
    m, opt, crit = path
    m.train()
    for i, (xb, yb) in enumerate([data[0]] + data):
        if i == 1: sync(dev); t0 = time.perf_counter()
        opt.zero_grad(set_to_none=True)
        loss = crit(m(xb), yb); loss.backward(); opt.step()
    sync(dev)
    return sum(len(yb) for _, yb in data) / (time.perf_counter() - t0)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--batches', type=int, default=3, help='timed batches per path and repeat')
    ap.add_argument('--repeats', type=int, default=2); ap.add_argument('--bs', type=int, default=128)
    ap.add_argument('--device', default='cpu'); ap.add_argument('--modes', default='hooks,functorch,ew,ghost')
    a = ap.parse_args()
    dev = torch.device(a.device)
    x, y = load_cifar10(); s = make_splits(len(x), seed=0)
    idx = torch.as_tensor(s.target_train[:(a.batches) * a.bs])
    data = [(xb.to(dev), yb.to(dev)) for xb, yb in batches(x[idx], y[idx], a.batches, a.bs, 0)]
    names = ['BatchNorm, no DP', 'GroupNorm, no DP'] + [f'DP-SGD {m}' for m in a.modes.split(',')]
    specs = [('bn', None), ('gn', None)] + [('dp', m) for m in a.modes.split(',')]
    best = {n: None for n in names}
    for r in range(a.repeats):
        for n, (kind, mode) in zip(names, specs):
            if isinstance(best[n], str): continue
            try:
                ips = run(make_path(kind, mode, dev, a.bs, a.batches), data, dev)
                best[n] = max(best[n] or 0., ips)
            except Exception as e:
                best[n] = f'failed: {type(e).__name__}: {str(e).splitlines()[0][:100] if str(e) else ""}'
    print(f'torch {torch.__version__}, threads {torch.get_num_threads()}, device {dev}, batch {a.bs}, '
          f'{a.batches} timed batches x {a.repeats} repeats (best kept)')
    ref = best['BatchNorm, no DP']
    for n in names:
        v = best[n]
        if isinstance(v, str): print(f'{n:22s} {v}')
        else: print(f'{n:22s} {v:8.1f} images/s   cost x{ref / v:5.2f} vs BatchNorm' + (f'   x{best["GroupNorm, no DP"] / v:5.2f} vs GroupNorm' if n.startswith('DP') else ''))

if __name__ == '__main__': main()
