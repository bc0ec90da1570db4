"""The public API is small, listed in __all__, and importing changes no global state."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys


def test_all_matches_exports() -> None:
    import stancekit
    import stancekit.fitting.baseline  # as another test may have done: a submodule becomes an attribute

    public = {n for n in dir(stancekit) if not n.startswith("_")}
    submodules = {m.name for m in pkgutil.iter_modules(stancekit.__path__)}
    assert set(stancekit.__all__) - {"__version__"} == public - submodules
    for name in stancekit.__all__:
        assert getattr(stancekit, name) is not None


def test_import_changes_nothing() -> None:
    """In a fresh interpreter: environment, warning filters, logging levels and handlers are the same after import.

    The dependencies are imported first: what torch or scipy do on import is theirs, not ours.
    """
    code = """
import json, logging, os, warnings
import torch, datasets, sklearn.metrics, scipy.special, pandas, pyarrow.parquet, sentencex, yaml
import tqdm.auto, safetensors.torch
from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer, PreTrainedModel
def state():
    root = logging.getLogger()
    return {"env": dict(os.environ), "filters": [repr(f) for f in warnings.filters],
            "level": root.level, "handlers": len(root.handlers)}
before = state()
import stancekit, stancekit.cli, stancekit.data, stancekit.fitting.trainer, stancekit.scoring
print(json.dumps([before, state()]))
"""
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    before, after = json.loads(out.strip().splitlines()[-1])
    assert before["env"] == after["env"]
    assert before["level"] == after["level"] and before["handlers"] == after["handlers"]
    assert before["filters"] == after["filters"]


def test_git_commit_names_this_checkout_or_says_unknown(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from stancekit.core.provenance import git_commit

    commit = git_commit(__file__)
    assert commit == "unknown" or (len(commit) == 40 and int(commit, 16) >= 0)
    assert git_commit(tmp_path) == "unknown"  # not a git checkout
