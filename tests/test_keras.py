"""arraydist under Keras 3: a VAE and a policy train with arraydist losses on Keras's torch and JAX backends.

Each backend runs ``tests/keras_train.py`` in a subprocess with ``KERAS_BACKEND`` set; the child prints what it
measured (losses per epoch, whether the weights changed and are finite, the policy's probability of the right
action before and after) and the checks are made here. Seeded: the same numbers every run.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from _keras import BACKENDS, run_under_keras

SCRIPT = Path(__file__).resolve().parent / "keras_train.py"


@pytest.mark.slow
# not named ``backend``: that parameter holds the suite's Backend objects (tests/_matrix.py)
@pytest.mark.parametrize("keras_backend", BACKENDS)
def test_keras_models_train_with_arraydist_losses(keras_backend: str, tmp_path: Path) -> None:
    out = run_under_keras(keras_backend, [str(SCRIPT)], tmp_path)
    result = json.loads(out.strip().splitlines()[-1])
    assert result["backend"] == keras_backend
    vae, policy = result["vae"], result["policy"]
    for name, run in (("VAE", vae), ("policy", policy)):
        assert run["changed"], f"{name}: some weights did not change"
        assert run["finite"], f"{name}: non-finite weights"
        assert all(map(math.isfinite, run["losses"])), f"{name}: losses {run['losses']}"
    # the negative ELBO falls by a fifth at least over the epochs (reparameterized gradients reach the encoder)
    assert vae["losses"][-1] < 0.8 * vae["losses"][0], vae["losses"]
    # REINFORCE's surrogate loss need not fall; what it optimizes does: the probability of the right action
    assert policy["p_right_after"] > policy["p_right_before"] + 0.2, policy
