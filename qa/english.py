"""Closed-class English shared by the answering steps: the words that point back to
something named before them. Grammar only, nothing about any article."""
from __future__ import annotations

# Personal pronouns, by the referent they take ("his" and "him" both stand for a "he").
PRONOUN_GROUP = {"he": "he", "him": "he", "his": "he", "she": "she", "her": "she", "hers": "she",
                 "it": "it", "its": "it", "they": "they", "them": "they", "their": "they", "theirs": "they"}
POSSESSIVES = frozenset({"his", "her", "its", "their"})
DEMONSTRATIVES = frozenset({"this", "that", "these", "those"})

# A follow-up question that holds one of these leans on the conversation.
ANAPHORA = frozenset(PRONOUN_GROUP) | DEMONSTRATIVES | {"there", "then", "same", "other"}
# Question words (a rewrite that only swaps "which" for "what" says nothing new).
WH_WORDS = frozenset({"what", "which", "who", "whom", "whose", "when", "where", "why", "how"})
# A follow-up that holds one of these points back to a time the conversation named.
POINTS_TO_TIME = frozenset({"then"})
# An article sentence that holds one of these names its referent in the sentence before.
# "it" and "that" are left out: too often a dummy subject ("it is expected") or a conjunction.
POINTS_BACK = (frozenset(PRONOUN_GROUP) - {"it"}) | (DEMONSTRATIVES - {"that"}) | {"there", "then", "both",
                                                                                   "former", "latter"}
# An article sentence opening on one of these goes on from the one before ("He said…", "But…").
OPENS_ON_BEFORE = frozenset({"he", "she", "they", "it", "his", "her", "their", "but", "and"}) | DEMONSTRATIVES
