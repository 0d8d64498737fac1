"""Text normalisation shared by the registries, so aliases match however a wire spells them."""

from __future__ import annotations

import re

from unidecode import unidecode

_NON_WORD = re.compile(r"[^a-z0-9]+")
_LEADING_ARTICLE = re.compile(r"^(the) ")


def normalise(text: str) -> str:
    """Lower-case ASCII words separated by single spaces, without a leading 'the'.

    "The Syrian Arab Army", "syrian-arab army" and "Syrian Arab Army’s" (after the possessive is
    split off by the tokenizer) all normalise alike; transliteration variants are aliases.
    """
    folded = _NON_WORD.sub(" ", unidecode(text).lower().replace("'", "")).strip()
    return _LEADING_ARTICLE.sub("", folded)
