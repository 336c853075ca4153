"""Users: JWT bearer tokens verified with a shared secret, and the lab's stand-in sign-in.

In the Phase-3 app an auth service signs users in and issues HS256 tokens; this backend only
verifies them with the secret both share (``JWT_SECRET``, Secret ``todo-auth`` on Kubernetes).
``sub`` is the user id, and a request may touch only the data of the user its token names.

``POST /api/auth/lab-sign-in`` is a **stand-in for that auth service**, for the lab only: it
signs anyone in as the user id they ask for, with no password. It is off unless
``LAB_SIGN_IN=true`` (404 otherwise). labrun does not use it: it mints its tokens from the Secret.
"""

from __future__ import annotations

import re
import time
from typing import Annotated

import jwt
from fastapi import APIRouter, Depends, HTTPException, Path, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field

from .responses import BODY, error
from .settings import USER_ID_PATTERN, Settings

ALGORITHM = "HS256"
_USER_ID = re.compile(USER_ID_PATTERN)
#: Where the authenticated user id is left in the ASGI scope, for the request log line.
SCOPE_KEY = "app.user_id"


class TokenError(Exception):
    """A token that is not accepted; the message says why and never contains the token."""


class Tokens:
    """Verifies (and, for the lab sign-in, issues) the HS256 tokens of one configuration."""

    def __init__(self, settings: Settings) -> None:
        self._secret = settings.jwt_secret
        self.issuer = settings.jwt_issuer
        self.audience = settings.jwt_audience
        self.leeway = settings.jwt_leeway

    def __repr__(self) -> str:  # never the secret
        return f"Tokens(issuer={self.issuer!r}, audience={self.audience!r})"

    def verify(self, token: str) -> str:
        """The user id (``sub``) of a valid token; TokenError says what is wrong otherwise."""
        try:
            claims = jwt.decode(
                token, self._secret,
                # Only HS256: "none", RS256 with the secret as a "public key" and the rest are refused.
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iss", "aud", "sub"]},
            )
        except jwt.ExpiredSignatureError:
            raise TokenError("token expired") from None
        except jwt.MissingRequiredClaimError as error:
            raise TokenError(f"token has no {error.claim} claim") from None
        except jwt.InvalidAudienceError:
            raise TokenError(f"token audience is not {self.audience}") from None
        except jwt.InvalidIssuerError:
            raise TokenError(f"token issuer is not {self.issuer}") from None
        except jwt.InvalidAlgorithmError:
            raise TokenError(f"token algorithm is not {ALGORITHM}") from None
        except jwt.InvalidSignatureError:
            raise TokenError("token signature does not verify") from None
        except jwt.ImmatureSignatureError:
            raise TokenError("token is not valid yet (nbf or iat in the future)") from None
        except jwt.DecodeError:
            raise TokenError("token is malformed") from None
        except jwt.InvalidTokenError as error:
            raise TokenError(f"token is invalid ({type(error).__name__})") from None
        subject = claims["sub"]
        if not isinstance(subject, str) or not _USER_ID.fullmatch(subject):
            raise TokenError("token subject is not a user id (1-64 of A-Z a-z 0-9 . _ @ -)")
        return subject

    def issue(self, user_id: str, ttl_seconds: int) -> str:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.audience, "sub": user_id, "iat": now, "exp": now + ttl_seconds}
        return jwt.encode(claims, self._secret, algorithm=ALGORITHM)


# auto_error=False: the 401 below names what is wrong. The scheme is declared in the OpenAPI
# document (components.securitySchemes.bearer), so clients and schemathesis know to send a token.
_bearer = HTTPBearer(auto_error=False, scheme_name="bearer",
                     description="HS256 JWT from the app's auth service: sub = user id, with exp, iss and aud")


def _unauthorized(detail: str, error: str | None = "invalid_token") -> HTTPException:
    challenge = "Bearer" if error is None else f'Bearer error="{error}"'
    return HTTPException(status_code=401, detail=detail, headers={"WWW-Authenticate": challenge})


async def authenticated_user(
    request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> str:
    """The user id of the request's bearer token, or 401."""
    if credentials is None:
        raise _unauthorized("missing bearer token (send Authorization: Bearer <token>)", error=None)
    try:
        user_id = request.app.state.tokens.verify(credentials.credentials)
    except TokenError as error:
        raise _unauthorized(str(error)) from None
    request.scope[SCOPE_KEY] = user_id
    return user_id


UserId = Annotated[str, Path(pattern=USER_ID_PATTERN, description="The user id: the token's sub")]


async def path_user(user_id: UserId, subject: Annotated[str, Depends(authenticated_user)]) -> str:
    """The ``{user_id}`` of the path, when it is the token's user; 403 for anyone else's."""
    if user_id != subject:
        raise HTTPException(status_code=403, detail="the token's user may not access another user's data")
    return user_id


CurrentUser = Annotated[str, Depends(path_user)]


# ---------------------------------------------------------------------------------------------
# The lab's stand-in sign-in


class LabSignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: str = Field(pattern=USER_ID_PATTERN, description="Any user id: the lab asks for no password")


class LabToken(BaseModel):
    token: str
    token_type: str = "bearer"
    expires_in: int
    user_id: str


router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/lab-sign-in", response_model=LabToken,
             responses={**BODY, 404: error("The lab sign-in is off (LAB_SIGN_IN is not true), as in production")})
async def lab_sign_in(body: LabSignIn, request: Request) -> LabToken:
    """Stand-in for the app's auth service, for the lab only (LAB_SIGN_IN=true): a token for any user id,
    no password. 404 when off, as in production."""
    settings: Settings = request.app.state.settings
    if not settings.lab_sign_in:
        raise HTTPException(status_code=404, detail="lab sign-in is off on this backend (LAB_SIGN_IN is not true);"
                                                    " tokens come from the app's auth service")
    token = request.app.state.tokens.issue(body.user_id, settings.lab_token_ttl)
    request.scope[SCOPE_KEY] = body.user_id
    return LabToken(token=token, expires_in=settings.lab_token_ttl, user_id=body.user_id)
