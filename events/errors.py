"""A bad value in one field: the API says ``"field: what is wrong"``; forms show it next to
the field."""

from __future__ import annotations

from core.errors import Invalid


class FieldInvalid(Invalid):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem
