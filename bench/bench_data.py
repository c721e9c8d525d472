"""Benchmark of the data module (ratios measured in one run; not a timed test).

Prints: time of a cached `load_cifar10`; throughput of the training loader (shuffle + crop + flip + normalise)
against plain tensor indexing of the same batches; and the loader's cost per batch against one ResNet-20
training step (forward + backward + SGD) on the same batch.
Usage: SPARSEPRIV_DATA=... python bench/bench_data.py [--bs 256] [--batches 40]
"""
import argparse, time
import torch
from sparsepriv.data import load_cifar10, make_splits, TensorLoader, normalize

def timeit(f, n):
    f()  # warm-up
    t0 = time.perf_counter()
    for _ in range(n): f()
    return (time.perf_counter() - t0) / n

def main():
    ap = argparse.ArgumentParser(); ap.add_argument('--bs', type=int, default=256); ap.add_argument('--batches', type=int, default=40)
    a = ap.parse_args(); torch.manual_seed(0)
    load_cifar10()  # make sure the cache exists
    t0 = time.perf_counter(); x, y = load_cifar10(); t_load = time.perf_counter() - t0
    s = make_splits(len(x), seed=0)
    n = a.bs * a.batches
    aug = TensorLoader(x, y, s.target_train[:n], bs=a.bs, shuffle=True, augment=True, seed=0)
    plain_idx = torch.as_tensor(s.target_train[:n])
    def run_aug():
        for xb, yb in aug: pass
    def run_plain():
        perm = plain_idx[torch.randperm(n)]
        for i in range(a.batches):
            bi = perm[i*a.bs:(i+1)*a.bs]; xb, yb = normalize(x[bi]), y[bi]
    t_aug, t_plain = timeit(run_aug, 3) / a.batches, timeit(run_plain, 3) / a.batches
    try:
        from sparsepriv.models import resnet20
        m = resnet20(); opt = torch.optim.SGD(m.parameters(), lr=0.03, momentum=0.9, weight_decay=5e-3)
        xb, yb = next(iter(aug))
        def step():
            opt.zero_grad(); torch.nn.functional.cross_entropy(m(xb), yb).backward(); opt.step()
        t_step = timeit(step, 5)
    except ImportError: t_step = float('nan')
    print(f"cached load_cifar10: {t_load:.3f} s for {len(x)} images")
    print(f"batch {a.bs}, {a.batches} batches, {torch.get_num_threads()} threads")
    print(f"  plain indexing + normalise : {t_plain*1e3:7.2f} ms/batch  ({a.bs/t_plain:9.0f} img/s)")
    print(f"  loader with crop + flip    : {t_aug*1e3:7.2f} ms/batch  ({a.bs/t_aug:9.0f} img/s)")
    print(f"  augmentation overhead      : {(t_aug-t_plain)*1e3:7.2f} ms/batch  (loader/plain time ratio {t_aug/t_plain:.2f})")
    print(f"  ResNet-20 training step    : {t_step*1e3:7.1f} ms/batch")
    print(f"  loader time / training step: {t_aug/t_step:.3f}  (augmentation alone: {(t_aug-t_plain)/t_step:.3f})")

if __name__ == '__main__': main()
