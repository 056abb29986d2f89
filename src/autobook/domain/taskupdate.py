"""Partial task specs derived from `TaskCreate`: what a user may change on an existing task
(`TaskUpdate`), and the defaults a CSV import fills rows from (`TaskDefaults`).

Both are generated from `TaskCreate`'s own fields (each optional, same types and constraints),
so they can never drift apart. `db.taskrepo.update_task` checks a change by merging it into the
task's current spec and validating the result as a whole `TaskCreate`, so cross-field rules
(paying by card needs a profile) hold after an edit exactly as at creation.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, create_model
from pydantic.fields import FieldInfo

from autobook.domain.taskspec import TaskCreate

# The site fixes which accounts, venues and adapter a task uses: changing it is a new task.
# A task's notification URLs are set when it is created (they are stored encrypted and never
# read back, so an edit could not show what it replaces).
FIXED_FIELDS = frozenset({"site", "notify_urls"})
EDITABLE_FIELDS = tuple(name for name in TaskCreate.model_fields if name not in FIXED_FIELDS)
# A CSV row gives the date and the times; everything else may come from the request.
DEFAULTABLE_FIELDS = tuple(
    name for name in TaskCreate.model_fields if name not in ("target_date", "times", "notify_urls")
)


def _optional(info: FieldInfo) -> tuple[Any, FieldInfo]:
    """The field's type and constraints, with `None` meaning "not given"."""
    field = FieldInfo.merge_field_infos(info, default=None)
    field.default_factory = None
    return (info.annotation | None, field)


def partial_spec(name: str, fields: tuple[str, ...], doc: str) -> type[BaseModel]:
    """A model of `TaskCreate`'s `fields`, every one optional, unknown fields refused."""
    return create_model(  # type: ignore[call-overload,no-any-return]
        name,
        __config__=ConfigDict(extra="forbid", str_strip_whitespace=True),
        __doc__=doc,
        **{field: _optional(TaskCreate.model_fields[field]) for field in fields},
    )


TaskUpdate = partial_spec(
    "TaskUpdate",
    EDITABLE_FIELDS,
    "Fields to change on a task that is not running; omitted fields stay as they are.",
)
TaskDefaults = partial_spec(
    "TaskDefaults",
    DEFAULTABLE_FIELDS,
    "Values for every imported row that does not give its own.",
)


def given(partial: BaseModel) -> dict[str, Any]:
    """Only the fields the caller sent: an explicit null clears an optional field."""
    return partial.model_dump(exclude_unset=True)
