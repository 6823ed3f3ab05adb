"""The pydantic model of a session's parameters: the authority on what a valid value is.

Imported only when there are parameters to check (importing pydantic costs a fifth of a second
at start-up); ``agentry.params`` is the way in.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

StopSequence = Annotated[str, StringConstraints(min_length=1, max_length=200)]


class SessionParams(BaseModel):
    """What a session asks of the model; None (absent) leaves it to the provider."""

    # strict: a stored "0.7" or true is refused, not turned into a number.
    model_config = ConfigDict(extra="forbid", strict=True)

    temperature: float | None = Field(None, ge=0, le=2)
    top_p: float | None = Field(None, gt=0, le=1)
    max_tokens: int | None = Field(None, ge=1, le=1_000_000)
    context_length: int | None = Field(None, ge=256, le=10_000_000)
    seed: int | None = Field(None, ge=0, le=2**63 - 1)
    stop: list[StopSequence] | None = Field(None, min_length=1, max_length=16)
