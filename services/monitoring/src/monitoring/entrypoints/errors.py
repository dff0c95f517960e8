"""Monitoring's HTTP error answers: the status of each message of the catalogue.

The words are in `domain/errors.py` (Bahasa Indonesia by default, English to
`Accept-Language: en`); here only what the API answers with them.
"""

from __future__ import annotations

from dataclasses import dataclass

from monitoring.domain import errors as catalogue
from monitoring.domain.errors import Message
from slrt_shared.http import ApiError


@dataclass(frozen=True)
class Answer:
    """A catalogue message as the API answers it: with its HTTP status."""

    status: int
    message: Message

    def error(self, **values: str) -> ApiError:
        """The error to raise, its texts filled in with `values`."""
        text_id, text_en = self.message.texts(**values)
        return ApiError(self.status, self.message.code, text_en, message_id=text_id)


UNKNOWN_REGENCY = Answer(404, catalogue.UNKNOWN_REGENCY)
INVALID_PERIOD = Answer(422, catalogue.INVALID_PERIOD)
INVALID_LEVEL = Answer(422, catalogue.INVALID_LEVEL)
AGENCIES_NEED_A_REGENCY = Answer(422, catalogue.AGENCIES_NEED_A_REGENCY)
NO_SUCH_VILLAGE = Answer(404, catalogue.NO_SUCH_VILLAGE)
INVALID_MEASURE = Answer(422, catalogue.INVALID_MEASURE)
MONTH_NEEDED = Answer(422, catalogue.MONTH_NEEDED)
PDF_UNAVAILABLE = Answer(503, catalogue.PDF_UNAVAILABLE)
PDF_FAILED = Answer(503, catalogue.PDF_FAILED)
NO_MAP = Answer(404, catalogue.NO_MAP)
INVALID_YEAR = Answer(422, catalogue.INVALID_YEAR)
