"""Coupon code generation: a character set, a length, a prefix and a postfix, or a pattern such as
`KMP-####-????`; codes drawn with `secrets`, and refused when the pattern cannot hold the count with enough
entropy to resist guessing.

The guessing rule: a batch of `count` codes needs a code space of at least `count × GUESSES_PER_CODE`
(10^9) codes, so that a random guess hits a valid code at most once in 10^9 tries.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from math import prod

from domain.errors import FieldError

GUESSES_PER_CODE = 10**9
"""At most one valid code per this many random guesses."""
MAX_COUNT = 1_000_000
"""The largest batch."""
MAX_CODE_LENGTH = 64
AMBIGUOUS = frozenset("0O1IL")
DIGITS = "0123456789"
LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class Charset(StrEnum):
    ALPHANUMERIC = "ALPHANUMERIC"
    LETTERS = "LETTERS"
    DIGITS = "DIGITS"
    CUSTOM = "CUSTOM"


@dataclass(frozen=True, slots=True)
class CodePattern:
    """How codes look. Without `pattern`: `prefix`, `length` characters of the charset, `postfix`. A pattern
    spells every position: `#` a digit, `?` a letter, `*` a character of the charset, `\\x` the character x,
    anything else itself. Ambiguous characters (0 O 1 I L) are left out of the built-in sets unless
    `allow_ambiguous`; a CUSTOM set (`custom`) is taken as given."""

    charset: Charset = Charset.ALPHANUMERIC
    length: int = 12
    prefix: str = ""
    postfix: str = ""
    pattern: str | None = None
    custom: str = ""
    allow_ambiguous: bool = False


class PatternRefused(ValueError):
    """The pattern is malformed, or cannot hold the count safely; `errors` say why, by field."""

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = tuple(errors)


def _clear(characters: str, allow_ambiguous: bool) -> str:
    return characters if allow_ambiguous else "".join(char for char in characters if char not in AMBIGUOUS)


def alphabets(spec: CodePattern) -> tuple[str, str, str]:
    """Return the digits, the letters and the charset the positions draw from."""
    digits = _clear(DIGITS, spec.allow_ambiguous)
    letters = _clear(LETTERS, spec.allow_ambiguous)
    charset = {
        Charset.ALPHANUMERIC: digits + letters,
        Charset.LETTERS: letters,
        Charset.DIGITS: digits,
        Charset.CUSTOM: spec.custom.upper(),
    }[spec.charset]
    return digits, letters, charset


def positions(spec: CodePattern) -> list[str]:
    """Return, for each position of a code, the characters it may hold (one for a literal)."""
    digits, letters, charset = alphabets(spec)
    if spec.pattern is None:
        return [*spec.prefix.upper(), *([charset] * spec.length), *spec.postfix.upper()]
    slots: list[str] = []
    escaped = False
    for char in spec.pattern:
        if escaped or char not in "#?*\\":
            slots.append(char.upper())
            escaped = False
        elif char == "\\":
            escaped = True
        else:
            slots.append({"#": digits, "?": letters, "*": charset}[char])
    if escaped:
        slots.append("\\")
    return slots


def code_space(spec: CodePattern) -> int:
    """Return how many distinct codes the pattern spells."""
    return prod(len(slot) for slot in positions(spec))


def problems(spec: CodePattern, count: int) -> list[FieldError]:
    """Return why `count` codes of `spec` are refused (nothing when they are not)."""
    found = list(_malformed(spec))
    if not 1 <= count <= MAX_COUNT:
        found.append(FieldError("/count", f"a batch has 1 to {MAX_COUNT:,} codes"))
    if found:
        return found
    space = code_space(spec)
    if space < count * GUESSES_PER_CODE:
        found.append(
            FieldError(
                "/pattern" if spec.pattern is not None else "/length",
                f"{count:,} codes need a code space of at least {count * GUESSES_PER_CODE:,} (one valid code per "
                f"{GUESSES_PER_CODE:,} guesses); this pattern spells {space:,}: add random positions",
            )
        )
    return found


def _malformed(spec: CodePattern) -> Iterator[FieldError]:
    if spec.charset is Charset.CUSTOM:
        custom = spec.custom.upper()
        if len(custom) < 2:
            yield FieldError("/custom", "a custom charset has at least 2 characters")
        if len(set(custom)) != len(custom):
            yield FieldError("/custom", "a custom charset lists each character once (codes are upper-case)")
    elif spec.custom:
        yield FieldError("/custom", "custom characters need the CUSTOM charset")
    if spec.pattern is None and not 1 <= spec.length <= MAX_CODE_LENGTH:
        yield FieldError("/length", f"a code has 1 to {MAX_CODE_LENGTH} random characters")
        return  # the positions of an absurd length are not spelled out (a length of 10**9 would take minutes)
    if len(spec.pattern or "") > 2 * MAX_CODE_LENGTH or len(spec.prefix) + len(spec.postfix) > MAX_CODE_LENGTH:
        yield FieldError("/pattern" if spec.pattern else "/prefix", f"a code has at most {MAX_CODE_LENGTH} characters")
        return
    if spec.pattern is not None and (spec.prefix or spec.postfix):
        yield FieldError("/pattern", "a pattern spells the whole code: put the prefix and postfix in it")
    slots = positions(spec)
    if spec.pattern is not None and all(len(slot) == 1 for slot in slots):
        yield FieldError("/pattern", "a pattern needs random positions: # a digit, ? a letter, * the charset")
    if len(slots) > MAX_CODE_LENGTH:
        yield FieldError("/pattern" if spec.pattern else "/length", f"a code has at most {MAX_CODE_LENGTH} characters")
    text = "".join(slot for slot in slots if len(slot) == 1) + alphabets(spec)[2]
    if any(char.isspace() or not char.isprintable() for char in text):
        yield FieldError("/pattern" if spec.pattern else "/prefix", "a code holds no spaces nor control characters")


class SecureBelow:
    """`secrets.randbelow` reading the system's CSPRNG 64 KiB at a time instead of once per number (a
    system call per code dominates the cost otherwise); rejection sampling keeps every number equally likely."""

    def __init__(self, chunk: int = 65536) -> None:
        self._chunk = chunk
        self._buffer = b""
        self._at = 0

    def __call__(self, bound: int) -> int:
        bits = max(1, (bound - 1).bit_length())
        size = (bits + 7) // 8
        mask = (1 << bits) - 1
        while True:
            if self._at + size > len(self._buffer):
                self._buffer = secrets.token_bytes(max(self._chunk, size))
                self._at = 0
            number = int.from_bytes(self._buffer[self._at : self._at + size], "big") & mask
            self._at += size
            if number < bound:
                return number


class CodeGenerator:
    """Draws codes of a valid pattern; `fresh` returns distinct ones."""

    def __init__(self, spec: CodePattern, randbelow: Callable[[int], int] | None = None) -> None:
        if errors := list(_malformed(spec)):
            raise PatternRefused(errors)
        self._groups = _groups(positions(spec))
        self._space = code_space(spec)
        self._randbelow = randbelow or SecureBelow()

    def draw(self) -> str:
        """Return one code, uniformly at random over the code space."""
        number = self._randbelow(self._space)
        parts: list[str] = []
        for size, table in self._groups:
            number, index = divmod(number, size)
            parts.append(table[index])
        return "".join(parts)

    def fresh(self, count: int, taken: set[str] | None = None) -> list[str]:
        """Return `count` distinct codes, none in `taken` (which gains them)."""
        seen = set() if taken is None else taken
        if count > self._space - len(seen):
            raise ValueError(f"{count:,} new codes do not fit in a space of {self._space:,}")
        codes: list[str] = []
        while len(codes) < count:
            code = self.draw()
            if code not in seen:
                seen.add(code)
                codes.append(code)
        return codes


def _groups(slots: list[str]) -> list[tuple[int, list[str]]]:
    """Return the positions joined two by two into lookup tables of every pair (half the divisions per code):
    each group is its number of values and the text of each value."""
    groups: list[tuple[int, list[str]]] = []
    for start in range(0, len(slots), 2):
        pair = slots[start : start + 2]
        table = [first + second for first in pair[0] for second in (pair[1] if len(pair) > 1 else "")]
        table = table or list(pair[0])
        groups.append((len(table), table))
    return groups


def generator(spec: CodePattern, count: int) -> CodeGenerator:
    """Return a generator for `count` codes of `spec`; raise `PatternRefused` when the rule refuses them."""
    if errors := problems(spec, count):
        raise PatternRefused(errors)
    return CodeGenerator(spec)
