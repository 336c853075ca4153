"""The ``Idempotency-Key`` request header, shared by the routes that take one (task create, chat turn)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import Depends, Header, HTTPException

_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


async def _idempotency_key(
    key: Annotated[str | None, Header(alias="Idempotency-Key",
                                      description="1-200 printable ASCII characters, no spaces")] = None,
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
