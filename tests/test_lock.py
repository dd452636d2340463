"""What ./dev installs is what the lock holds: uv.lock for every package but torch, the hash in ./dev for torch."""
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
UV = Path(sys.executable).with_name("uv")


def _export(*extra: str) -> str:
    if not UV.exists():
        pytest.skip("uv is not in this venv (./dev installs it)")
    args = [str(UV), "export", "-q", "--frozen", "--no-emit-project", "--extra", "dev", "--group", "torch-runtime",
            "--format", "requirements.txt"]
    for e in extra:
        args += ["--extra", e]
    out = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


def test_every_locked_package_is_pinned_and_hashed_and_provider_extras_come_from_the_lock():
    base, openai = _export(), _export("openai")
    pins = re.findall(r"^([A-Za-z0-9_.-]+)==\S+", base, re.M)
    assert len(pins) > 100 and "torch" not in {p.lower() for p in pins}
    # every requirement line carries its hashes (pip's --require-hashes refuses a file where one does not)
    blocks = [b for b in re.split(r"\n(?=[A-Za-z0-9])", base) if "==" in b]
    assert len(blocks) == len(pins) and all("--hash=sha256:" in b for b in blocks)
    assert "langchain-openai==1.7.4" in openai and "langchain-openai" not in base


def test_the_torch_lock_in_dev_is_the_version_pyproject_pins_and_the_venv_runs():
    dev = (ROOT / "dev").read_text()
    locked = re.search(r'TORCH_LOCK="torch==([\w.+]+) --hash=sha256:([0-9a-f]{64})"', dev)
    assert locked, "./dev no longer locks torch by hash"
    pinned = re.search(r'"torch==([\w.]+)"', (ROOT / "pyproject.toml").read_text()).group(1)
    assert locked.group(1).split("+")[0] == pinned
    torch = pytest.importorskip("torch")
    assert torch.__version__ == locked.group(1)
