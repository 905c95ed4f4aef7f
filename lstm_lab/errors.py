"""The one exception type lstm_lab raises."""

from __future__ import annotations


class LstmLabError(ValueError):
    """A setting, a file or a model that cannot work, with a message a user can act on.

    Args:
        message: What is wrong and what is allowed, in plain words.
        field: The setting at fault as a dotted path (``"layers.1.units"``), if any.
        keras_message: Keras's own message, when Keras rejected the model.
    """

    def __init__(self, message: str, *, field: str | None = None, keras_message: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.keras_message = keras_message

    def to_dict(self) -> dict:
        """Plain data, so the error can cross a process boundary as a value."""
        return {"message": self.message, "field": self.field, "keras_message": self.keras_message}

    @classmethod
    def from_dict(cls, d: dict) -> LstmLabError:
        return cls(d["message"], field=d.get("field"), keras_message=d.get("keras_message"))
