"""Training with live progress: per-epoch history, refreshed predictions, stop, NaN guard.

Runs wherever Keras may run (a Ray training actor, a notebook, a test); never in the web server.
"""

from __future__ import annotations

import math
import os
import tempfile
import threading
import time
from dataclasses import dataclass, field, replace

import numpy as np

from lstm_lab.data.dataset import Dataset
from lstm_lab.data.window import Prepared, prepare
from lstm_lab.limits import LIMITS
from lstm_lab.model.build import build_model
from lstm_lab.model.predict import predictions_view
from lstm_lab.model.task import fit_problems, loss_for
from lstm_lab.records import Predictions, Progress
from lstm_lab.spec import LabSpec

# Windows are materialised for fit only below this size; above it they are fed batch by batch.
MATERIALISE_BYTES = 256 * 2**20
# Keras's seed and session are per process: whoever sets the seed and builds a model holds this lock.
KERAS_STATE = threading.RLock()
# Live predictions may use this share of the CPU time the training has used so far.
PREDICT_SHARE = 0.03
# Windows per forward pass when predicting (a stateful model's fixed batch instead).
PREDICT_CHUNK = 4096


@dataclass
class ProgressTracker:
    """What a training run has done so far, shared between the training thread and pollers."""

    state: str = "starting"  # starting, training, done, stopped, failed
    epoch: int = 0
    epochs: int = 0
    steps: int = 0
    params: int = 0
    history: list[dict] = field(default_factory=list)
    predictions: Predictions | None = None
    message: str | None = None
    stop_requested: bool = False
    stop_reason: str | None = None
    model: object = field(default=None, repr=False)  # the model being fitted, so Stop can reach it
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def stop(self, reason: str = "Stopped by you; the model keeps the weights it had reached.") -> None:
        """Ask training to stop after the current batch (Keras checks ``stop_training`` after every step)."""
        with self.lock:
            if not self.stop_requested:
                self.stop_requested, self.stop_reason = True, reason
            if self.model is not None:
                self.model.stop_training = True

    def snapshot(self) -> Progress:
        """The progress so far, as a frozen record."""
        with self.lock:
            return Progress(self.state, self.epoch, self.epochs, self.steps, tuple(self.history), self.predictions,
                            self.message, params=self.params)  # fmt: skip

    def update(self, **values) -> None:
        with self.lock:
            for k, v in values.items():
                setattr(self, k, v)


def train(lab: LabSpec, dataset: Dataset, progress: ProgressTracker | None = None) -> Progress:
    """Build, compile and fit the lab's model on its data, reporting into ``progress``.

    Returns:
        The final :class:`~lstm_lab.records.Progress`: ``state`` done, stopped or failed, the history, the
        predictions and ``model_bytes``, the trained model as a ``.keras`` file.

    Raises:
        LstmLabError: the data or the model cannot be trained (nothing was fitted).
    """
    import keras

    progress = progress or ProgressTracker()
    prep = prepare(dataset, lab.data)
    spec = lab.model_spec(features=prep.X.shape[2], timesteps=prep.X.shape[1])
    loss, metrics = loss_for(lab.data.task, lab.train.loss)
    with KERAS_STATE:  # the global seed and layer naming are process-wide
        keras.utils.set_random_seed(lab.seed)
        full = build_model(spec)
        model = _training_model(keras, full, lab, prep)
        model.compile(optimizer=keras.optimizers.Adam(lab.train.learning_rate), loss=loss, metrics=metrics)

    x_train, y_train = prep.part("train")
    batch = lab.train.batch_size
    steps = math.ceil(len(x_train) / batch)
    progress.update(state="training", epochs=lab.train.epochs, steps=steps, params=full.count_params())
    forward = Forward(model, prep)  # traced now, once: the final predictions need it anyway
    live = live_updates(keras, progress, prep, lab, forward)
    progress.model = model
    limit = threading.Timer(
        LIMITS.max_train_seconds,
        progress.stop,
        args=(f"Stopped at the time limit of {LIMITS.max_train_seconds} s for one training.",),
    )
    limit.daemon = True
    limit.start()
    fit_kwargs = dict(epochs=lab.train.epochs, verbose=0, callbacks=[live])
    if prep.n_val:
        fit_kwargs["validation_data"] = _arrays_or_batches(keras, *prep.part("val"), batch, shuffle=False)
    train_data = _arrays_or_batches(keras, x_train, y_train, batch, shuffle=True, seed=lab.seed)
    try:
        if isinstance(train_data, tuple):
            model.fit(*train_data, batch_size=batch, shuffle=True, **fit_kwargs)
        else:
            model.fit(train_data, **fit_kwargs)
    finally:
        limit.cancel()
        progress.model = None

    progress.update(**live.outcome())
    return replace(progress.snapshot(), model_bytes=_model_bytes(model))


def _training_model(keras, full, lab: LabSpec, prep: Prepared):
    """The model to fit: its main output only (states are for inspection), checked against ``y``."""
    main = full.outputs[0]
    splits = (prep.n_train, prep.n_val, prep.n_test)
    problems = fit_problems(lab, tuple(main.shape), prep.y.shape, splits, len(prep.class_names or []))
    if problems:
        raise problems[0]
    return full if len(full.outputs) == 1 else keras.Model(full.inputs, main, name=full.name)


def live_updates(keras, progress: ProgressTracker, prep: Prepared, lab: LabSpec, forward: Forward):
    """A Keras callback: history per epoch, refreshed predictions and a NaN guard.

    It has no per-batch hook, so Keras never waits for a batch's loss on its account: Stop and the
    time limit set ``model.stop_training`` directly (:meth:`Progress.stop`), which Keras checks after
    every step. A NaN or infinite loss is caught at the epoch's end (an epoch's mean loss is NaN if
    any batch's was) and the previous epoch's weights are restored. Predictions are refreshed at an
    epoch's end (the first one at once) while all refreshes stay under :data:`PREDICT_SHARE` of the
    CPU time the training has used, through ``forward`` (one traced function, no per-call setup).
    """

    class LiveUpdates(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.started = time.monotonic()
            self.cpu_started = time.process_time()
            self.good_weights = None
            self.predict_cpu = 0.0
            self.refreshes = 0
            self.failure: str | None = None

        def on_train_begin(self, logs=None):
            self.good_weights = self.model.get_weights()
            if progress.stop_requested:  # Stop pressed before fit began (fit resets the flag)
                self.model.stop_training = True

        def on_epoch_end(self, epoch, logs=None):
            logs = {k: float(v) for k, v in (logs or {}).items()}
            bad = {k: v for k, v in logs.items() if not math.isfinite(v)}
            if bad:
                name, value = next(iter(bad.items()))
                self.failure = (
                    f"The {name} became {value} in epoch {epoch + 1}. Lower the learning rate (now "
                    f"{lab.train.learning_rate:g}) or scale the data (scaling: standard). The weights from the last "
                    "good epoch were kept."
                )
                self.model.set_weights(self.good_weights)
                self.model.stop_training = True
                return
            self.good_weights = self.model.get_weights()
            elapsed = time.monotonic() - self.started
            with progress.lock:
                progress.history.append({"epoch": epoch + 1, **logs, "seconds": round(elapsed, 3)})
                progress.epoch = epoch + 1
            expected = self.predict_cpu / self.refreshes if self.refreshes else 0.0
            if self.predict_cpu + expected <= PREDICT_SHARE * (time.process_time() - self.cpu_started):
                start = time.process_time()
                progress.update(predictions=forward.predictions(lab))
                self.predict_cpu += time.process_time() - start
                self.refreshes += 1

        def outcome(self) -> dict:
            """Final state, message and predictions once ``fit`` has returned."""
            predictions = forward.predictions(lab)
            if self.failure:
                return {"state": "failed", "message": self.failure, "predictions": predictions}
            state = "stopped" if progress.stop_requested else "done"
            return {"state": state, "message": progress.stop_reason, "predictions": predictions}

    return LiveUpdates()


class Forward:
    """The model's predictions on the validation and test windows, through one traced function.

    ``model.predict`` sets up a dataset and an iterator on every call, which costs as much as an epoch
    of a small training; ``predict_on_batch`` on chunks of one shape (the last chunk padded with zero
    windows whose outputs are dropped) traces once, here, and then only computes. A stateful model's
    LSTM states are put back after each pass, so predicting never changes what training sees.
    """

    def __init__(self, model, prep: Prepared, chunk: int = PREDICT_CHUNK):
        self.model, self.prep = model, prep
        fixed = model.inputs[0].shape[0]  # a stateful model's batch, else None
        parts = [len(prep.part(name)[0]) for name in ("val", "test")]
        self.chunk = fixed or max(1, min(chunk, max(parts)))
        self.states = _stateful_states(model)
        self(np.zeros((self.chunk, *prep.X.shape[1:]), np.float32))  # trace now

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """The model's outputs for windows ``x`` (at least one), one chunk at a time."""
        out, saved = [], [np.array(v.numpy()) for v in self.states]
        try:
            for i in range(0, len(x), self.chunk):
                part = _contiguous(x[i : i + self.chunk])
                if len(part) < self.chunk:
                    part = np.concatenate([part, np.zeros((self.chunk - len(part), *part.shape[1:]), np.float32)])
                out.append(np.asarray(self.model.predict_on_batch(part))[: len(x) - i])
        finally:
            for v, value in zip(self.states, saved, strict=True):
                v.assign(value)
        return np.concatenate(out)

    def predictions(self, lab: LabSpec) -> Predictions | None:
        """The predictions view of the test windows (None without any), with the validation windows' for the band."""
        x_test, _ = self.prep.part("test")
        if len(x_test) == 0:
            return None
        x_val, _ = self.prep.part("val")
        y_val_pred = self(x_val) if self.prep.task == "regression" and len(x_val) else None
        return predictions_view(self.prep, self(x_test), lab.data, y_val_pred)


def _stateful_states(model) -> list:
    """The state variables of a model's stateful LSTM layers (both directions of a Bidirectional one)."""
    layers = [
        sub
        for layer in model.layers
        for sub in (layer, *(getattr(layer, f"{d}_layer", None) for d in ("forward", "backward")))
    ]
    return [v for layer in layers if getattr(layer, "stateful", False) for v in (getattr(layer, "states", None) or ())]


def _contiguous(x: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(x, dtype=np.float32)


def _arrays_or_batches(keras, x, y, batch, shuffle, seed=0):
    """Small data as arrays (fastest ``fit``); large data as batches cut from the window view."""
    if x.size * 4 <= MATERIALISE_BYTES:
        return _contiguous(x), _contiguous(y)
    return window_batches(keras, x, y, batch, shuffle, seed)


def window_batches(keras, x, y, batch, shuffle, seed):
    """A ``keras.utils.PyDataset`` copying one batch of windows at a time, never all of them."""

    class WindowBatches(keras.utils.PyDataset):
        def __init__(self):
            super().__init__()
            self.order = np.arange(len(x))
            self.rng = np.random.default_rng(seed)
            self.on_epoch_end()

        def __len__(self):
            return math.ceil(len(x) / batch)

        def __getitem__(self, i):
            idx = np.sort(self.order[i * batch : (i + 1) * batch])
            return _contiguous(x[idx]), _contiguous(y[idx])

        def on_epoch_end(self):
            if shuffle:
                self.rng.shuffle(self.order)

    return WindowBatches()


def _model_bytes(model) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "model.keras")
        model.save(path)
        with open(path, "rb") as f:
            return f.read()
