"""GPU readiness: one epoch of the `paper` preset's first configuration on CUDA (skipped where there is no GPU)."""
import json, os
import pytest, torch

@pytest.mark.skipif(not torch.cuda.is_available(), reason='no CUDA device here')
def test_paper_first_configuration_one_epoch_on_cuda(tmp_path, capsys):
    if not os.environ.get('SPARSEPRIV_DATA'): pytest.skip('SPARSEPRIV_DATA is not set')
    from sparsepriv.experiment import run_study, get_preset
    paper = get_preset('paper')
    p = paper.replace(epochs=1, seeds=(0,), configs=paper.configs[:1], n_ref=0, device='cuda')   # target and shadow only
    df = run_study(p, tmp_path/'gpu', progress=False)
    assert len(df) == 1 and df.target_test_acc.iloc[0] > 20   # one epoch (55 steps) on 14,000 augmented images: twice chance (10 %), which a broken pipeline stays at
    m = json.loads((tmp_path/'gpu'/'models'/'s0'/'imp'/'target'/'round_00'/'metrics.json').read_text())
    ips = p.epochs * (p.size - p.n_valid) / m['fit_s']
    with capsys.disabled():
        print(f"\n{torch.cuda.get_device_name()}: {ips:.0f} training images/s on {p.configs[0]} (batch {p.bs}, "
              f"{p.size - p.n_valid} images, {p.epochs} epochs incl. validation)")
