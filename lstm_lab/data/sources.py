"""Where a lab's data comes from: each source, what it holds, and the dataset a lab's settings point to.

>>> SOURCES["trend"].task, SOURCES["trend"].sequences
('binary', True)
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from lstm_lab.data.dataset import Dataset
from lstm_lab.errors import LstmLabError


@dataclass(frozen=True)
class Source:
    """A data source: its label, the task its labels fit, and its form.

    ``sequences``: ready-made ``(samples, timesteps, features)``, where ``rows`` counts sequences and
    ``timesteps`` is their length; otherwise a table to window. An upload's form is the file's.
    """

    label: str
    task: str
    generated: bool
    sequences: bool


SOURCES = {
    "sine": Source("Noisy sine waves (regression, generated)", "regression", True, False),
    "stocks": Source("Tech stock prices (regression, plotly sample data)", "regression", False, False),
    "trend": Source("Trend up or down? (binary classification, generated)", "binary", True, True),
    "frequency": Source("Which frequency? (3-class classification, generated)", "multiclass", True, True),
    "varlen": Source("Variable-length sequences (binary, padded, generated)", "binary", True, True),
    "upload": Source("Your file (CSV or NumPy)", "regression", False, False),
}


def generation_key(data) -> tuple:
    """The data settings a built-in dataset depends on: equal keys give equal data (for caching)."""
    steps = data.timesteps if SOURCES[data.source].sequences else 0
    return data.source, data.rows, data.channels, data.noise, steps


def dataset_for(lab, upload: Dataset | None, generate) -> Dataset:
    """The dataset ``lab``'s data settings point to: the upload, or a built-in one from ``generate(data, seed)``.

    Raises:
        LstmLabError: the source is an upload and no file has been loaded (code ``no_upload``).
    """
    d = lab.data
    if d.source != "upload":
        return generate(d, lab.seed)
    if upload is None:
        raise LstmLabError("No file has been uploaded yet: choose a CSV or NumPy file above.", code="no_upload",
                           field="data.source")  # fmt: skip
    if upload.missing_feature_axis and d.add_feature_axis:
        return replace(upload, X=upload.X[:, :, None])
    return upload
