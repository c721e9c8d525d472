import os, subprocess, sys
from pathlib import Path
import pytest

BIN = Path(sys.executable).parent

def run_cli(*args, env=None, timeout=600, **kw):
    "Run a console script of the package as a user would, in a subprocess"
    e = dict(os.environ); e.update(env or {})
    return subprocess.run([str(BIN/args[0]), *map(str, args[1:])], capture_output=True, text=True, env=e, timeout=timeout, **kw)

@pytest.fixture
def cli(): return run_cli

@pytest.fixture
def has_data():
    if not os.environ.get('SPARSEPRIV_DATA'): pytest.skip('SPARSEPRIV_DATA is not set')
