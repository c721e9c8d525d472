import os
import pytest
from sparsepriv.test_utils import run_cli, BIN

@pytest.fixture
def cli(): return run_cli

@pytest.fixture
def has_data():
    if not os.environ.get('SPARSEPRIV_DATA'): pytest.skip('SPARSEPRIV_DATA is not set')
