"""The inputs of the code mutations: a pattern, the terms every code gets, and their domain values."""

from __future__ import annotations

from datetime import datetime

import strawberry

from domain.code_batches import CodeTerms
from domain.codegen import Charset, CodePattern

CodeCharset = strawberry.enum(Charset, name="CodeCharset")


@strawberry.input(
    description="How generated codes look: `prefix`, `length` characters of the charset, `postfix`; or a "
    "`pattern` spelling every position (# a digit, ? a letter, * a character of the charset, \\x the character "
    "x). Ambiguous characters (0 O 1 I L) are left out unless `allowAmbiguous`; a CUSTOM charset is `custom`."
)
class CodePatternInput:
    charset: CodeCharset = Charset.ALPHANUMERIC  # type: ignore[valid-type]
    length: int = 12
    prefix: str = ""
    postfix: str = ""
    pattern: str | None = None
    custom: str = ""
    allow_ambiguous: bool = False

    def value(self) -> CodePattern:
        return CodePattern(
            charset=Charset(self.charset),
            length=self.length,
            prefix=self.prefix,
            postfix=self.postfix,
            pattern=self.pattern,
            custom=self.custom,
            allow_ambiguous=self.allow_ambiguous,
        )


@strawberry.input(description="What each code allows: uses (null: unlimited), once per customer, validity.")
class CodeTermsInput:
    max_uses: int | None = 1
    once_per_customer: bool = False
    starts_at: datetime | None = None
    expires_at: datetime | None = None

    def value(self) -> CodeTerms:
        return CodeTerms(
            max_uses=self.max_uses,
            once_per_customer=self.once_per_customer,
            starts_at=self.starts_at,
            expires_at=self.expires_at,
        )


def terms_snapshot(terms: CodeTerms) -> dict[str, object]:
    """What an audit entry keeps of a code's terms."""
    return {
        "max_uses": terms.max_uses,
        "once_per_customer": terms.once_per_customer,
        "starts_at": terms.starts_at.isoformat() if terms.starts_at else None,
        "expires_at": terms.expires_at.isoformat() if terms.expires_at else None,
    }
