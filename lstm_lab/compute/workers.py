"""The Ray actors: a warm shapes worker, and one training worker per job.

Keras is imported only inside these actors' processes, never in the process that creates them.
"""

from __future__ import annotations

import logging
import os
from dataclasses import replace

import ray

from lstm_lab.errors import LstmLabError
from lstm_lab.records import WorkerPlace


def _use_cpus(n: int) -> None:
    """Limit TensorFlow to ``n`` threads; must run before TensorFlow's first op in the process."""
    for var in ("TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS", "OMP_NUM_THREADS"):
        os.environ[var] = str(n)
    import tensorflow as tf

    tf.config.threading.set_intra_op_parallelism_threads(n)
    tf.config.threading.set_inter_op_parallelism_threads(n)


def _place() -> WorkerPlace:
    """Where this worker runs, and where its ``lstm_lab`` came from (Ray's ``runtime_env`` folder on a cluster)."""
    import lstm_lab

    context = ray.get_runtime_context()
    package = os.path.dirname(os.path.abspath(lstm_lab.__file__))
    return WorkerPlace(ray.util.get_node_ip_address(), context.get_node_id(), os.getpid(), package)


def _assigned_cpus() -> int:
    cpus = ray.get_runtime_context().get_assigned_resources().get("CPU", 1)
    return max(1, round(cpus))


@ray.remote(num_cpus=0)
class ShapesWorker:
    """A warm Keras process answering shape requests; holds no user state."""

    def __init__(self):
        _use_cpus(1)
        import keras  # noqa: F401  (warm the import once)

        self.builds = 0

    def ready(self) -> bool:
        return True

    def shape_table(self, spec: dict) -> dict:
        """``{"value": [row dicts]}``, or ``{"error": error dict}``."""
        from lstm_lab.model.shapes import shape_table
        from lstm_lab.model.train import KERAS_STATE
        from lstm_lab.spec import ModelSpec

        self.builds += 1
        with KERAS_STATE:
            if self.builds % 200 == 0:  # layer bookkeeping grows with every build
                import keras

                keras.backend.clear_session()
            return _as_value(lambda: [r.to_dict() for r in shape_table(ModelSpec.from_dict(spec))])

    def cell_trace(self, x, layer: int, direction: str, lab: dict, model_bytes: bytes | None = None) -> dict:
        """``{"value": a CellTrace dict}`` of sample ``x`` through the trained model (``model_bytes``) or, without
        it, the lab's model with its seed's initial weights; or ``{"error": error dict}``."""
        from lstm_lab.model.traced import trace_sample

        return _as_value(lambda: trace_sample(x, layer, direction, lab, model_bytes))


@ray.remote(max_concurrency=4)
class TrainingWorker:
    """One training job: its model, seed and Keras state belong to it alone."""

    def __init__(self):
        os.nice(10)  # long trainings yield the CPU to people editing shapes
        _use_cpus(_assigned_cpus())
        import keras  # noqa: F401

        from lstm_lab.model.train import ProgressTracker

        self.progress = ProgressTracker()
        self.place = _place()

    def ready(self) -> bool:
        return True

    def run(self, lab: dict, dataset: dict) -> dict:
        """Train; the final progress as a dict (with the model's bytes), or a failed one saying why."""
        from lstm_lab.data.dataset import Dataset
        from lstm_lab.model.train import train
        from lstm_lab.spec import LabSpec

        spec, data = LabSpec.from_dict(lab), Dataset.from_payload(dataset)
        answer = _as_value(lambda: train(spec, data, self.progress))
        if "error" in answer:
            self.progress.update(state="failed", message=answer["error"]["message"])
            error = LstmLabError.from_dict(answer["error"])
            return replace(self.progress.snapshot(), error=error, place=self.place).to_dict()
        return replace(answer["value"], place=self.place).to_dict()

    def poll(self) -> dict:
        return replace(self.progress.snapshot(), place=self.place).to_dict()

    def stop(self) -> None:
        self.progress.stop()


def _as_value(call) -> dict:
    """``{"value": call()}``, or ``{"error": ...}`` with the error as plain data: no Keras exception reaches
    the server."""
    try:
        return {"value": call()}
    except LstmLabError as e:
        return {"error": e.to_dict()}
    except Exception as e:
        logging.getLogger(__name__).exception("compute call failed")
        text = f"{type(e).__name__}: {e}".strip()
        return {"error": LstmLabError(f"Keras failed: {text.splitlines()[0]}", code="keras_failed",
                                      keras_message=text).to_dict()}  # fmt: skip
