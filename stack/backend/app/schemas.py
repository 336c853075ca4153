"""Request and response bodies of the tasks API (pydantic v2)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints, model_validator
from pydantic.json_schema import SkipJsonSchema

#: The largest task or conversation id accepted (bigserial columns). Not 2**63 - 1: FastAPI's OpenAPI models hold
#: numeric bounds as floats, which print that as 2**63, a value the database cannot hold, so the document would
#: promise what the server refuses. 2**53 - 1 is exact as a float, every JSON client that reads numbers as doubles
#: (JavaScript) reads ids up to it exactly, and a sequence would need 9e15 rows to get there.
MAX_ID = 2**53 - 1

Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Description = Annotated[str, StringConstraints(max_length=2000)]


class TaskCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: Title
    description: Description = ""
    # Strict: a JSON boolean only, as documented (lax pydantic would take 0, 1, "yes", "off" as well).
    completed: StrictBool = False


class TaskReplace(TaskCreate):
    """PUT body: the whole task (fields left out get their defaults)."""


def _some_fields_none_null(schema: dict[str, Any]) -> None:
    """The PATCH body's document: at least one field, and none of them null (``SkipJsonSchema[None]`` leaves the
    null out of the types; the ``default: null`` pydantic would add goes too, or clients would send it)."""
    schema["minProperties"] = 1
    for field in schema["properties"].values():
        field.pop("default", None)


class TaskUpdate(BaseModel):
    """PATCH body: only the fields given change; at least one is required, and none may be null."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_some_fields_none_null)

    title: Title | SkipJsonSchema[None] = None
    description: Description | SkipJsonSchema[None] = None
    completed: StrictBool | SkipJsonSchema[None] = None

    @model_validator(mode="after")
    def _not_empty(self) -> "TaskUpdate":
        if not self.model_fields_set:
            raise ValueError("give at least one of title, description, completed")
        for name in ("title", "description", "completed"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} must not be null")
        return self


class Task(BaseModel):
    id: int
    user_id: str = Field(description="The owner: the user id of the token that created it.")
    title: str
    description: str
    completed: bool
    created_at: datetime
    updated_at: datetime


class TaskPage(BaseModel):
    items: list[Task]
    total: int = Field(description="Tasks matching the filter, across all pages.")
    limit: int
    offset: int
