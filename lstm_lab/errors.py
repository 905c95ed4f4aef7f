"""The one exception type lstm_lab raises.

Every :class:`LstmLabError` carries a stable ``code`` and the values it is about beside its message,
so :mod:`lstm_lab.teach.explain` can pick an explanation and a fix without reading the prose:
rewording a message never removes a Fix button.

``field`` always has one format: the dotted path of the setting in the lab dict, as
``LabSpec.to_dict()`` lays it out. A layer's setting is ``model.layers.1.return_sequences`` (0-based),
a whole layer ``model.layers.1``, the head ``model.head`` or ``model.head.units``; data and training
settings are ``data.timesteps`` and ``train.batch_size``. An uploaded file is ``data.source``.

>>> e = LstmLabError("Set the head's `units` to 3.", code="output_width", field="model.head.units", expected=3)
>>> e.code, e.field, e.values["expected"]
('output_width', 'model.head.units', 3)
>>> LstmLabError.from_dict(e.to_dict()).values
{'expected': 3}
"""

from __future__ import annotations


class LstmLabError(ValueError):
    """A setting, a file or a model that cannot work, with a message a user can act on.

    Args:
        message: What is wrong and what is allowed, in plain words.
        code: A stable name for the kind of problem (``"no_time_axis"``), for explanations and tests.
        field: The setting at fault as a dotted lab path (``"model.layers.1.units"``), if any.
        keras_message: Keras's own message, when Keras rejected the model.
        **values: Plain values the problem is about (``layer=1``, ``expected=3``).
    """

    def __init__(
        self, message: str, *, code: str = "invalid", field: str | None = None, keras_message: str | None = None,
        **values,
    ):  # fmt: skip
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field
        self.keras_message = keras_message
        self.values = values

    def to_dict(self) -> dict:
        """Plain data, so the error can cross a process boundary as a value."""
        return {"message": self.message, "code": self.code, "field": self.field,
                "keras_message": self.keras_message, "values": dict(self.values)}  # fmt: skip

    @classmethod
    def from_dict(cls, d: dict) -> LstmLabError:
        """The error :meth:`to_dict` described."""
        return cls(d["message"], code=d.get("code", "invalid"), field=d.get("field"),
                   keras_message=d.get("keras_message"), **d.get("values", {}))  # fmt: skip
