"""A cell trace as CSV: one row per timestep and unit. The exported script prints it with ``--trace``.

This module needs NumPy only: :mod:`lstm_lab.export.script` splices :func:`trace_csv` into the script word
for word, so the app's download and the script print the same numbers in the same layout.
"""

import io

import numpy as np


def trace_csv(trace):
    """``t,unit,real,i,f,g,o,c,h``: every gate and state of a :func:`~lstm_lab.model.trace.cell_trace` dict.

    ``real`` is 0 at a masked step. Values have float32's precision (7 significant digits).

    >>> z = {k: np.full((2, 1), 0.25, np.float32) for k in "ifgoch"}
    >>> print(trace_csv({**z, "mask": np.array([True, False])}), end="")
    t,unit,real,i,f,g,o,c,h
    0,0,1,0.25,0.25,0.25,0.25,0.25,0.25
    1,0,0,0.25,0.25,0.25,0.25,0.25,0.25
    """
    steps, units = trace["h"].shape
    t, unit = np.divmod(np.arange(steps * units), units)
    real = np.repeat(np.asarray(trace["mask"], dtype=int), units)
    values = np.column_stack([trace[k].reshape(-1).astype(np.float64) for k in "ifgoch"])
    out = io.StringIO()
    out.write("t,unit,real,i,f,g,o,c,h\n")
    np.savetxt(out, np.column_stack([t, unit, real, values]), fmt=["%d"] * 3 + ["%.7g"] * 6, delimiter=",")
    return out.getvalue()
