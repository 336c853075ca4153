"""The ``Idempotency-Key`` request header, shared by the routes that take one (task create, chat turn)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header, HTTPException
from pydantic.json_schema import SkipJsonSchema

#: What a key may be, checked here and declared in the OpenAPI document (the check is ours, for its message).
KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"
_KEY = re.compile(KEY_PATTERN)


async def _idempotency_key(
    # SkipJsonSchema: a header is absent or a string, never null, so the document says "string".
    key: Annotated[str | SkipJsonSchema[None], Header(
        alias="Idempotency-Key", description="1-200 printable ASCII characters, no spaces",
        json_schema_extra={"pattern": KEY_PATTERN})] = None,
) -> str | None:
    if key is not None and not _KEY.match(key):
        raise HTTPException(
            status_code=422,
            detail=[{"loc": ["header", "Idempotency-Key"], "type": "value_error",
                     "msg": "must be 1 to 200 printable ASCII characters without spaces"}],
        )
    return key


#: The request's Idempotency-Key (None without one); 422 when it is not 1-200 printable ASCII characters.
IdempotencyKey = Annotated[str | None, Depends(_idempotency_key)]
