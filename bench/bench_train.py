"""Benchmark of the training path (ratios measured in one run; not a timed test).

Images/s of one training epoch of ResNet-20 (batch 256) through fastai's `Learner` as `sparsepriv.train` sets it
up -- the project's `TensorLoader` (shuffle + crop + flip + normalise), the step schedule, `BestWeights`, IMP's
`MaskCallback` with 20% of the weights pruned, and the default channels-last memory format -- against a bare
PyTorch loop over the same pool tensors, with the same model, batch size, optimizer and the same augmentation
written inline (`torch.optim.SGD`, no callbacks, no masks), (b) in the default memory format and (c) in
channels-last. Only the training phase is timed (fastai's validation pass is excluded); the bare loop without
augmentation is printed for reference. Goals: package / bare default >= 1.25, package / bare channels-last >= 0.95.
Epochs of the three paths alternate (`--repeats`, best of each kept), so that the load of a shared machine hits all.
Usage: SPARSEPRIV_DATA=... python bench/bench_train.py [--images 3072] [--repeats 3] [--device cpu|cuda]
"""
import argparse, time
import torch
import torch.nn.functional as F
from fastai.callback.core import Callback
from sparsepriv.data import load_cifar10, make_splits, dataloaders, augment_batch, normalize
from sparsepriv.models import resnet20
from fastai.data.core import DataLoaders
from sparsepriv.train import make_learner
from sparsepriv.pruning import magnitude_masks, apply_masks, MaskCallback

def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize()

class TrainTimer(Callback):
    "Wall time of the training phase of each epoch (validation excluded)"
    order = 100
    def before_train(self): sync(self.dls.device); self.t0, self.c0 = time.perf_counter(), time.process_time()
    def after_train(self): sync(self.dls.device); self.t, self.c = time.perf_counter() - self.t0, time.process_time() - self.c0

def bare_epoch(model, opt, x, y, idxs, bs, seed, augment, dev, cl=False):
    "One epoch of a plain PyTorch loop: permute, index, (augment), normalise, (channels-last), forward, backward, step"
    g = torch.Generator().manual_seed(seed)
    order = idxs[torch.randperm(len(idxs), generator=g).to(dev)]
    model.train(); n = 0
    sync(dev); t0, c0 = time.perf_counter(), time.process_time()
    for i in range(len(order) // bs + (len(order) % bs > 1)):
        bi = order[i*bs:(i+1)*bs]
        xb = x[bi]
        if augment: xb = augment_batch(xb, g)
        xb, yb = normalize(xb), y[bi]
        if cl: xb = xb.contiguous(memory_format=torch.channels_last)
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(xb), yb).backward(); opt.step(); n += len(bi)
    sync(dev)
    return n / (time.perf_counter() - t0), n / (time.process_time() - c0)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--images', type=int, default=3072, help='training images per epoch (14,000 = a full target_train)')
    ap.add_argument('--repeats', type=int, default=3, help='timed epochs per path, alternating')
    ap.add_argument('--bs', type=int, default=256); ap.add_argument('--device', default=None)
    a = ap.parse_args()
    dev = torch.device(a.device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    x, y = load_cifar10(); s = make_splits(len(x), seed=0)
    s.target_train = s.target_train[:a.images]
    dls = dataloaders(x, y, s, 'target', bs=a.bs, seed=0, device=dev)
    xd, yd = dls.train.x, dls.train.y                      # the same pool tensors the loaders index
    idxs = torch.as_tensor(s.target_train, device=dev)

    torch.manual_seed(0); m_learn = resnet20(); m_bare, m_cl = resnet20(), resnet20()
    m_bare.load_state_dict(m_learn.state_dict()); m_cl.load_state_dict(m_learn.state_dict())
    masks = magnitude_masks(m_learn, None, 0.2); apply_masks(m_learn, masks)
    learn = make_learner(m_learn, DataLoaders(dls.train.new(), dls.valid, device=dev), epochs=1, lr=0.03, wd=0.005, cbs=[MaskCallback(masks), TrainTimer()])
    opt = torch.optim.SGD(m_bare.to(dev).parameters(), lr=0.03, momentum=0.9, weight_decay=0.005)
    m_cl = m_cl.to(dev, memory_format=torch.channels_last)
    opt_cl = torch.optim.SGD(m_cl.parameters(), lr=0.03, momentum=0.9, weight_decay=0.005)

    # warm-up: a few batches of each path (allocator, kernels, threads)
    warm = dls.train.new(idxs=s.target_train[:2*a.bs])
    with learn.no_bar(), learn.no_logging():
        learn.dls.loaders[0] = warm; learn.fit(1)
    bare_epoch(m_bare, opt, xd, yd, idxs[:2*a.bs], a.bs, 1, True, dev)
    bare_epoch(m_cl, opt_cl, xd, yd, idxs[:2*a.bs], a.bs, 1, True, dev, cl=True)

    # timed epochs, alternating the three paths so that a change of machine load hits both; best of `repeats` each
    n_train = sum(len(b[1]) for b in dls.train.new(augment=False))
    ips_learn, ips_bare, ips_cl, t_fit, cpu_learn, cpu_bare, cpu_cl = [], [], [], [], [], [], []
    for r in range(a.repeats):
        learn.dls.loaders[0] = dls.train.new(seed=r)
        t0 = time.perf_counter()
        with learn.no_bar(), learn.no_logging(): learn.fit(1)
        t_fit.append(time.perf_counter() - t0)
        tm = learn.cbs.filter(lambda c: isinstance(c, TrainTimer))[0]
        ips_learn.append(n_train / tm.t); cpu_learn.append(n_train / tm.c)
        w, c = bare_epoch(m_bare, opt, xd, yd, idxs, a.bs, r, True, dev); ips_bare.append(w); cpu_bare.append(c)
        w, c = bare_epoch(m_cl, opt_cl, xd, yd, idxs, a.bs, r, True, dev, cl=True); ips_cl.append(w); cpu_cl.append(c)
    ips_plain = bare_epoch(m_bare, opt, xd, yd, idxs, a.bs, 0, False, dev)[0]
    L, B, C = max(ips_learn), max(ips_bare), max(ips_cl)
    fmt = lambda v: ', '.join(f'{u:.1f}' for u in v)
    print(f"ResNet-20, batch {a.bs}, {n_train} images per epoch, device {dev}, {torch.get_num_threads()} threads, "
          f"{a.repeats} alternating epochs per path (best shown, all in brackets)")
    print(f"  (a) package: Learner + TensorLoader + schedule + BestWeights + MaskCallback, channels-last : {L:8.1f} img/s  [{fmt(ips_learn)}]")
    print(f"      (whole fit incl. validation of {dls.valid.n} images: {min(t_fit):.1f} s)")
    print(f"  (b) bare PyTorch loop, default layout, same tensors, same augmentation        : {B:8.1f} img/s  [{fmt(ips_bare)}]")
    print(f"  (c) bare PyTorch loop, channels-last, same tensors, same augmentation         : {C:8.1f} img/s  [{fmt(ips_cl)}]")
    print(f"      bare loop, default layout, no augmentation (reference)                     : {ips_plain:8.1f} img/s")
    print(f"  ratio package / bare default       : {L / B:.3f}   (goal >= 1.25)")
    print(f"  ratio package / bare channels-last : {L / C:.3f}   (goal >= 0.95)")
    print(f"  ratio bare channels-last / bare default: {C / B:.3f}")
    print(f"  the same ratios in images per CPU-second of this process (less sensitive to other jobs on a shared machine): "
          f"{max(cpu_learn) / max(cpu_bare):.3f}, {max(cpu_learn) / max(cpu_cl):.3f}")

if __name__ == '__main__': main()
