"""Benchmark of the training path, float32 and bf16 autocast (ratios measured in one run; not a timed test).

Images/s of one training epoch through fastai's `Learner` as `sparsepriv.train` sets it up -- the project's
`TensorLoader` (shuffle + crop + flip + normalise), the step schedule, `BestWeights`, the default channels-last
memory format and, for the dense ResNet-20, IMP's `MaskCallback` with 20% of the weights pruned -- in float32 and
with `amp=True` (bf16 autocast of the training forward pass, `Bf16Autocast` on a CPU), against bare PyTorch loops over
the same pool tensors with the same model, batch size, optimizer and augmentation written inline
(`torch.optim.SGD`, no callbacks, no masks): float32 in the default layout, float32 channels-last, and bf16 autocast
channels-last. Only the training phase is timed (fastai's validation pass is excluded). For the butterfly config
`bfly-S2-L2` and the small network `small-p17` only the package's two paths are timed.

Goals (ResNet-20): package float32 / bare default >= 1.25, package float32 / bare channels-last >= 0.95, and
package bf16 / package float32 >= 1.4 at batch 128 (2 threads).
Within each (batch size, network), the epochs of all paths alternate (`--repeats`, best of each kept), so that a
change of load on a shared machine hits them all.
Usage: SPARSEPRIV_DATA=... python bench/bench_train.py [--images 3072] [--repeats 3] [--bs 128 256] [--threads 2]
"""
import argparse, copy, os, time
import torch
import torch.nn.functional as F
from fastai.callback.core import Callback
from fastai.data.core import DataLoaders
from sparsepriv.data import load_cifar10, make_splits, dataloaders, augment_batch, normalize
from sparsepriv.models import resnet20, width_for_params
from sparsepriv.butterfly import butterflize
from sparsepriv.train import make_learner
from sparsepriv.pruning import magnitude_masks, apply_masks, MaskCallback

def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize()

class TrainTimer(Callback):
    "Wall and CPU time of the training phase of each epoch (validation excluded)"
    order = 100
    def before_train(self): sync(self.dls.device); self.t0, self.c0 = time.perf_counter(), time.process_time()
    def after_train(self): sync(self.dls.device); self.t, self.c = time.perf_counter() - self.t0, time.process_time() - self.c0

def bare_epoch(model, opt, x, y, idxs, bs, seed, dev, cl=False, amp=False):
    "One epoch of a plain PyTorch loop: permute, index, augment, normalise, (channels-last), forward (bf16 autocast), backward, step"
    g = torch.Generator().manual_seed(seed)
    order = idxs[torch.randperm(len(idxs), generator=g).to(dev)]
    model.train(); n = 0
    sync(dev); t0, c0 = time.perf_counter(), time.process_time()
    for i in range(len(order) // bs + (len(order) % bs > 1)):
        bi = order[i*bs:(i+1)*bs]
        xb, yb = normalize(augment_batch(x[bi], g)), y[bi]
        if cl: xb = xb.contiguous(memory_format=torch.channels_last)
        opt.zero_grad(set_to_none=True)
        with torch.autocast(dev.type, dtype=torch.bfloat16, enabled=amp): out = model(xb)
        F.cross_entropy(out.float(), yb).backward(); opt.step(); n += len(bi)
    sync(dev)
    return n / (time.perf_counter() - t0), n / (time.process_time() - c0)

def networks(names):
    "name -> a fresh network, the same initial weights for every path (seeded)"
    make = {'resnet20': lambda: resnet20(),
            'bfly-S2-L2': lambda: butterflize(resnet20(), 2, 2, seed=0),
            'small-p17': lambda: resnet20(width=width_for_params(17))}
    out = {}
    for n in names:
        torch.manual_seed(0); out[n] = make[n]()
    return out

def bench(name, net, x, y, s, a, bs, dev):
    "Time the paths of one network at one batch size; returns {path: (best img/s, [all], best img/CPU-s)}"
    dls = dataloaders(x, y, s, 'target', bs=bs, seed=0, device=dev)
    xd, yd = dls.train.x, dls.train.y                      # the same pool tensors the loaders index
    idxs = torch.as_tensor(s.target_train, device=dev)
    warm = dls.train.new(idxs=s.target_train[:2*bs])
    n_train = sum(len(b[1]) for b in dls.train.new(augment=False))
    paths = {}
    for amp in (False, True):   # the package: Learner + callbacks (+ IMP masks on the dense network)
        m = copy.deepcopy(net)
        extra = []
        if name == 'resnet20':
            masks = magnitude_masks(m, None, 0.2); apply_masks(m, masks); extra = [MaskCallback(masks)]
        learn = make_learner(m, DataLoaders(warm, dls.valid, device=dev), epochs=1, lr=0.03, wd=0.005, cbs=extra + [TrainTimer()], amp=amp)
        with learn.no_bar(), learn.no_logging(): learn.fit(1)   # warm-up
        def run(r, learn=learn):
            learn.dls.loaders[0] = dls.train.new(seed=r)
            with learn.no_bar(), learn.no_logging(): learn.fit(1)
            tm = learn.cbs.filter(lambda c: isinstance(c, TrainTimer))[0]
            return n_train / tm.t, n_train / tm.c
        paths[f"package {'bf16' if amp else 'float32'}"] = run
    if name == 'resnet20':
        for label, cl, amp in (('bare float32 default', False, False), ('bare float32 channels-last', True, False),
                               ('bare bf16 channels-last', True, True)):
            m = copy.deepcopy(net).to(dev, memory_format=torch.channels_last if cl else torch.contiguous_format)
            opt = torch.optim.SGD(m.parameters(), lr=0.03, momentum=0.9, weight_decay=0.005)
            bare_epoch(m, opt, xd, yd, idxs[:2*bs], bs, 1, dev, cl=cl, amp=amp)   # warm-up
            paths[label] = lambda r, m=m, opt=opt, cl=cl, amp=amp: bare_epoch(m, opt, xd, yd, idxs, bs, r, dev, cl=cl, amp=amp)
    res = {k: [] for k in paths}
    for r in range(a.repeats):                  # alternate the paths, epoch by epoch
        for k, f in paths.items(): res[k].append(f(r))
    return {k: (max(w for w, _ in v), [w for w, _ in v], max(c for _, c in v)) for k, v in res.items()}, n_train

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--images', type=int, default=3072, help='training images per epoch (14,000 = a full target_train)')
    ap.add_argument('--repeats', type=int, default=3, help='timed epochs per path, alternating')
    ap.add_argument('--bs', type=int, nargs='+', default=[128, 256])
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--nets', nargs='+', default=['resnet20', 'bfly-S2-L2', 'small-p17'])
    ap.add_argument('--device', default=None)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    dev = torch.device(a.device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    x, y = load_cifar10(); s = make_splits(len(x), seed=0)
    s.target_train = s.target_train[:a.images]
    nets = networks(a.nets)
    print(f"device {dev}, {torch.get_num_threads()} threads, {a.repeats} alternating epochs per path (best shown, all in brackets); "
          f"load average at start {os.getloadavg()[0]:.2f}", flush=True)
    fmt = lambda v: ', '.join(f'{u:.0f}' for u in v)
    summary = []
    for bs in a.bs:
        for name, net in nets.items():
            r, n = bench(name, net, x, y, s, a, bs, dev)
            print(f"\n{name}, batch {bs}, {n} images per epoch (load average now {os.getloadavg()[0]:.2f})")
            for k, (w, allw, c) in r.items(): print(f"  {k:28s}: {w:8.1f} img/s  [{fmt(allw)}]   {c:8.1f} img/CPU-s")
            g = lambda k: r[k][0]; gc = lambda k: r[k][2]
            ratio = g('package bf16') / g('package float32')
            print(f"  ratio package bf16 / package float32       : {ratio:.3f}   (CPU-s: {gc('package bf16') / gc('package float32'):.3f})"
                  + ("   (goal >= 1.4)" if name == 'resnet20' and bs == 128 else ''))
            summary.append((name, bs, ratio))
            if name == 'resnet20':
                print(f"  ratio package bf16 / bare bf16 channels-last : {g('package bf16') / g('bare bf16 channels-last'):.3f}")
                print(f"  ratio bare bf16 / bare float32 (channels-last): {g('bare bf16 channels-last') / g('bare float32 channels-last'):.3f}")
                print(f"  ratio package float32 / bare default        : {g('package float32') / g('bare float32 default'):.3f}   (goal >= 1.25)")
                print(f"  ratio package float32 / bare channels-last  : {g('package float32') / g('bare float32 channels-last'):.3f}   (goal >= 0.95)")
    print(f"\nsummary, package bf16 / package float32 (load average at end {os.getloadavg()[0]:.2f}):")
    for name, bs, ratio in summary: print(f"  {name:12s} batch {bs:4d}: {ratio:.3f}")

if __name__ == '__main__': main()
