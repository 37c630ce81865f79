"""The stored sort and search keys of names: what `orderBy: NAME` and `NAME_ZH` sort by, and the accent-free name
that search reads.

Neo4j orders strings by code point, so "AVIC" would come before "Anjina" and Chinese names in the order of their
characters' code points, which means nothing to a reader. Each named node therefore also stores:

- `nameSort`: the English name lower-cased, so NAME ignores case as the name filters do;
- `nameZhSort`: the Chinese name in pinyin with tone numbers (`pypinyin`, "成都市" -> "cheng2 du1 shi4"), the
  order of a Chinese dictionary's index; characters without a reading (Latin letters, digits) stay as written,
  lower-cased.

- `nameFolded`: the English name without accents ("Garzê" -> "Garze"), which the `name_search` full-text index
  also reads, so that `garze` finds Garzê (the search text is folded the same way, see `fold`).

They are computed when the dataset is loaded (`loader.write_plan`) and by the mutations that set a name, and are
indexed (`cypher/schema.cypher`) so that a root page sorted by name still walks an index.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from pypinyin import Style, lazy_pinyin

NAME_SORT = "nameSort"
NAME_ZH_SORT = "nameZhSort"
NAME_FOLDED = "nameFolded"


def fold(text: str) -> str:
    """`text` without accents and compatibility forms: "Garzê" -> "Garze", fullwidth letters as ASCII."""
    decomposed = unicodedata.normalize("NFKD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


def name_sort_key(name: str) -> str:
    """The English name as NAME sorts it: lower-cased (the name filters ignore case too)."""
    return name.lower()


def pinyin_sort_key(name_zh: str) -> str:
    """The Chinese name as NAME_ZH sorts it: its pinyin with tone numbers, syllables separated by spaces."""
    syllables = lazy_pinyin(name_zh, style=Style.TONE3, neutral_tone_with_five=True)
    return " ".join(s.strip() for s in syllables if s.strip()).lower()


def with_sort_keys(props: dict[str, Any]) -> dict[str, Any]:
    """`props` (Neo4j property names) with the sort keys of the names it sets; the names it leaves alone keep
    their keys."""
    out = dict(props)
    if isinstance(props.get("name"), str):
        out[NAME_SORT] = name_sort_key(props["name"])
        out[NAME_FOLDED] = fold(props["name"])
    if isinstance(props.get("nameZh"), str):
        out[NAME_ZH_SORT] = pinyin_sort_key(props["nameZh"])
    return out
