"""The standard wording of the statements the law requires, and how to recognise one.

Drafts start from this wording; an edited statement is still accepted if it keeps the words that
carry the legal weight (e.g. "penalty of perjury" for 17 U.S.C. 512(c)(3)(A)(vi)), in either language.
"""
from __future__ import annotations

from typing import Any

from casework.documents.values import text

__all__ = ["STANDARD_STATEMENTS", "KEYWORDS", "standard_statement", "statement_ok"]

STANDARD_STATEMENTS: dict[str, dict[str, str]] = {
    "good_faith_statement": {
        "en": ("I have a good faith belief that use of the copyrighted material described above as "
               "allegedly infringing is not authorized by the copyright owner, its agent, or the law."),
        "zh": "本人善意地相信，上述被指控侵权材料的使用未经版权所有人、其代理人或法律的授权。",
    },
    "accuracy_statement": {
        "en": ("I swear, under penalty of perjury, that the information in this notification is accurate "
               "and that I am the copyright owner or am authorized to act on behalf of the owner of an "
               "exclusive right that is allegedly infringed."),
        "zh": ("本人在知悉作伪证将受处罚的前提下声明：本通知中的信息准确无误，且本人是版权所有人，"
               "或经授权代表被指控受侵害的专有权利的所有人行事。"),
    },
    "truth_statement": {
        "en": ("The right holder undertakes that the contents of this notice are true and takes "
               "responsibility for the truth of this notice; should an erroneous notice cause loss to you "
               "or others, the right holder will bear legal liability in accordance with the law."),
        "zh": "权利人承诺：本通知书内容真实，权利人对本通知书的真实性负责；如因通知错误给贵方或他人造成损失，权利人将依法承担法律责任。",
    },
}

# Every word of one language's set must appear (case-insensitively for English).
KEYWORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "good_faith_statement": {"en": ("good faith", "not authorized"), "zh": ("善意", "授权")},
    "accuracy_statement": {"en": ("accurate", "penalty of perjury", "authorized"), "zh": ("准确", "伪证", "授权")},
    "truth_statement": {"en": ("true", "responsib"), "zh": ("真实", "负责")},
}


def standard_statement(code: str, lang: str) -> str:
    """The standard wording of a statement in "en" or "zh" (KeyError for an unknown one)."""
    return STANDARD_STATEMENTS[code][lang]


def statement_ok(code: str, value: Any) -> bool:
    """Whether a (possibly edited) statement still says what the law requires."""
    statement = text(value)
    if not statement:
        return False
    lowered = statement.lower()
    return any(all(word in lowered for word in words) for words in KEYWORDS[code].values())
