"""The Predictions page's baseline line and split-conformal band: on known noise, and from a real training."""

import numpy as np
import pytest

from lstm_lab import LabSpec
from lstm_lab.data.generate import sine_table
from lstm_lab.model.predict import conformal_band
from lstm_lab.model.train import train


def test_the_band_covers_its_nominal_share_of_known_noise():
    sigma, coverages, halves = 3.0, [], []
    for seed in range(20):
        rng = np.random.default_rng(seed)
        val, test = rng.normal(0, sigma, (400, 2)), rng.normal(0, sigma, (1000, 2))
        band = conformal_band(val, np.zeros_like(val), test, np.zeros_like(test), level=0.9)
        coverages += band["coverage"]
        halves += band["half_width"]
    assert np.mean(coverages) == pytest.approx(0.9, abs=0.015)
    assert np.mean(halves) == pytest.approx(1.6449 * sigma, rel=0.03)


def test_too_few_validation_samples_give_no_band():
    five = np.zeros((5, 1))
    assert conformal_band(five, five, five, five, level=0.9) is None  # needs ⌈6 · 0.9⌉ = 6 samples
    assert conformal_band(five[:0], five[:0], five, five) is None


def test_a_training_draws_the_baseline_and_a_band_that_says_its_coverage():
    data = sine_table(400, 1, 0.3, 0)
    lab = LabSpec.from_dict({"data": {"rows": 400, "timesteps": 8, "val_fraction": 0.25},
                             "model": {"layers": [{"units": 4}]}, "train": {"epochs": 2}})  # fmt: skip
    pred = train(lab, data).predictions
    actual, predicted, baseline = (np.asarray(a)[:, 0] for a in (pred.actual, pred.predicted, pred.baseline))
    assert baseline[1:] == pytest.approx(actual[:-1])  # "next value = this value": the row before
    assert pred.metrics["baseline_mae"] == pytest.approx(np.mean(np.abs(actual - baseline)))
    band = pred.interval
    assert band["level"] == 0.9 and band["samples"] > 50
    inside = np.abs(actual - predicted) <= band["half_width"][0]
    assert band["coverage"][0] == pytest.approx(inside.mean())
    assert 0 < band["half_width"][0] < np.ptp(actual)
