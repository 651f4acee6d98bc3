"""A Keras 3 model trains a few steps with an arraydist loss, on the Keras backend of ``KERAS_BACKEND``.

Run by ``tests/test_keras.py`` in a subprocess per backend (Keras chooses its backend once, at import):
``KERAS_BACKEND=jax python tests/keras_train.py`` prints one JSON object with what the test checks. Two models:

* a VAE: a Normal encoder sampled with ``rsample`` (the reparameterization trick), a Bernoulli decoder's
  ``log_prob`` and ``kl_divergence`` to a standard Normal, the ELBO maximized by ``model.fit``;
* a policy: ``Categorical(logits=...)``, an action drawn per state and the REINFORCE loss
  ``-log_prob(action) * advantage`` (the reward, 1 for the state's right action, less its batch mean).

The losses are written in ``compute_loss``, so Keras's own ``fit`` (compiled by ``jax.jit`` on JAX) trains them.
On torch the draws come from torch's global generator (``keras.utils.set_random_seed`` seeds it); on JAX, which has
no global random state, from a key of a Keras ``SeedGenerator`` drawn inside ``call``, where Keras threads the
generator's state through the compiled step.
"""

from __future__ import annotations

import json
from typing import Any

import keras
import numpy as np
from keras import ops

from arraydist import Bernoulli, Categorical, Normal, kl_divergence

STEPS_PER_EPOCH = 8
EPOCHS = 5


def next_seed(generator: keras.random.SeedGenerator) -> Any:
    """A seed arraydist takes on this Keras backend: a JAX key (Keras keeps JAX's raw uint32 keys), or None on
    torch (its global generator)."""
    seed = generator.next()
    return seed if keras.backend.backend() == "jax" else None


class VAE(keras.Model):
    def __init__(self, features: int, latent: int = 2, hidden: int = 16) -> None:
        super().__init__()
        self.hidden = keras.layers.Dense(hidden, activation="tanh")
        self.loc = keras.layers.Dense(latent)
        self.log_scale = keras.layers.Dense(latent)
        self.decoder = keras.Sequential([keras.layers.Dense(hidden, activation="tanh"), keras.layers.Dense(features)])
        self.seeds = keras.random.SeedGenerator(0)
        self.sizes = (hidden, latent)

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        hidden, latent = self.sizes
        self.hidden.build(input_shape)
        self.loc.build((None, hidden))
        self.log_scale.build((None, hidden))
        self.decoder.build((None, latent))  # used in the loss only, so built here

    def call(self, x: Any) -> tuple[Any, Any, Any]:
        h = self.hidden(x)
        return self.loc(h), self.log_scale(h), next_seed(self.seeds)

    def compute_loss(self, x: Any = None, y: Any = None, y_pred: Any = None, sample_weight: Any = None, **kw: Any):
        loc, log_scale, seed = y_pred
        q = Normal(loc, ops.exp(log_scale))
        z = q.rsample(seed=seed)
        log_likelihood = ops.sum(Bernoulli(logits=self.decoder(z)).log_prob(x), axis=-1)
        kl = ops.sum(kl_divergence(q, Normal(0.0, 1.0)), axis=-1)
        return ops.mean(kl - log_likelihood)  # the negative ELBO


class Policy(keras.Model):
    def __init__(self, actions: int) -> None:
        super().__init__()
        self.logits = keras.layers.Dense(actions)
        self.seeds = keras.random.SeedGenerator(1)

    def build(self, input_shape: tuple[int | None, ...]) -> None:
        self.logits.build(input_shape)

    def call(self, states: Any) -> tuple[Any, Any]:
        return self.logits(states), next_seed(self.seeds)

    def compute_loss(self, x: Any = None, y: Any = None, y_pred: Any = None, sample_weight: Any = None, **kw: Any):
        logits, seed = y_pred
        pi = Categorical(logits=logits)
        action = pi.sample(seed=seed)
        reward = ops.cast(ops.equal(action, ops.cast(y, action.dtype)), logits.dtype)
        advantage = reward - ops.mean(reward)
        return -ops.mean(pi.log_prob(action) * advantage)


def weights(model: keras.Model) -> list[np.ndarray]:
    return [np.array(keras.ops.convert_to_numpy(w)) for w in model.trainable_weights]


def changed_and_finite(before: list[np.ndarray], after: list[np.ndarray]) -> dict[str, bool]:
    return {
        "changed": all(not np.array_equal(b, a) for b, a in zip(before, after)),
        "finite": all(bool(np.isfinite(a).all()) for a in after),
    }


def train_vae(rng: np.random.Generator) -> dict[str, Any]:
    features, n = 8, 32 * STEPS_PER_EPOCH
    prototypes = np.array([[1, 1, 1, 1, 0, 0, 0, 0], [0, 0, 1, 1, 1, 1, 0, 1]], dtype="float32")
    x = prototypes[rng.integers(0, 2, n)]
    x = np.where(rng.random(x.shape) < 0.05, 1.0 - x, x).astype("float32")  # flip 5 % of the bits
    model = VAE(features)
    model.compile(optimizer=keras.optimizers.Adam(0.02))
    model(x[:2])  # builds the weights
    before = weights(model)
    history = model.fit(x, batch_size=32, epochs=EPOCHS, shuffle=False, verbose=0)
    return {"losses": [float(v) for v in history.history["loss"]], **changed_and_finite(before, weights(model))}


def train_policy(rng: np.random.Generator) -> dict[str, Any]:
    actions, n = 4, 32 * STEPS_PER_EPOCH
    target = rng.integers(0, actions, n)
    states = np.eye(actions, dtype="float32")[target] + rng.normal(0.0, 0.1, (n, actions)).astype("float32")
    model = Policy(actions)
    model.compile(optimizer=keras.optimizers.Adam(0.05))

    def p_right() -> float:  # the policy's mean probability of each state's right action
        probs = keras.ops.convert_to_numpy(keras.ops.softmax(model(states)[0], axis=-1))
        return float(np.mean(probs[np.arange(n), target]))

    before, p_before = weights(model), p_right()
    history = model.fit(states, target.astype("int32"), batch_size=32, epochs=EPOCHS, shuffle=False, verbose=0)
    return {
        "losses": [float(v) for v in history.history["loss"]],
        "p_right_before": p_before,
        "p_right_after": p_right(),
        **changed_and_finite(before, weights(model)),
    }


def main() -> None:
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    result = {"backend": keras.backend.backend(), "vae": train_vae(rng), "policy": train_policy(rng)}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
