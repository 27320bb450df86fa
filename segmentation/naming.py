"""Short, deterministic, human-readable segment names from standardised profiles.

A segment's name is built from its standardised feature means (z: the segment mean in units of
the feature's standard deviation over all customers):

* a feature is a *trait* of the segment when ``z >= HIGH_Z`` ("high") or ``z <= LOW_Z`` ("low");
* known features have a role and words (:data:`VOCABULARY`): value (revenue, monetary),
  purchase frequency (transactions, frequency), visits (sessions), engagement
  (avg_session_duration, pages_per_session), age, and recency (recency_days, where LOW is good:
  low is "recent", high is "dormant"); any other feature falls back to "high <feature>" /
  "low <feature>";
* one trait per role (the feature with the largest ``|z|``), the ``MAX_TRAITS`` strongest traits
  kept, written in a fixed role order, followed by a noun: "buyers" when value or purchase
  frequency is high, "browsers" when visits or engagement are high (and spending is not),
  "low-spenders" when spending is low and nothing else calls for a noun, "customers" otherwise;
  unknown features are appended as "with high <feature>";
* a segment without any trait is "average customers".

Names are made unique within a run: colliding names are first rebuilt with every trait (not
only the strongest), and any name still shared gets " (2)", " (3)", ... in segment order.

Examples: "high-value frequent buyers", "young engaged browsers", "dormant low-spenders".
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

log = logging.getLogger(__name__)

HIGH_Z = 0.5
"""A standardised mean at or above this is a "high" trait."""
LOW_Z = -0.5
"""A standardised mean at or below this is a "low" trait."""
MAX_TRAITS = 3
"""Traits in a name before disambiguation."""


@dataclass(frozen=True)
class Term:
    """Words for one known feature.

    Attributes:
        role: Features sharing a role contribute one word at most.
        high: Word when the segment is high on the feature.
        low: Word when the segment is low on the feature.
    """

    role: str
    high: str
    low: str


VOCABULARY: Mapping[str, Term] = {
    "recency_days": Term("recency", high="dormant", low="recent"),
    "age": Term("age", high="older", low="young"),
    "revenue": Term("value", high="high-value", low="low-spend"),
    "monetary": Term("value", high="high-value", low="low-spend"),
    "transactions": Term("purchases", high="frequent", low="infrequent"),
    "frequency": Term("purchases", high="frequent", low="infrequent"),
    "sessions": Term("visits", high="active", low="occasional"),
    "avg_session_duration": Term("engagement", high="engaged", low="low-engagement"),
    "pages_per_session": Term("engagement", high="engaged", low="low-engagement"),
}
"""Known features. Anything else is described generically."""

VALUE_FEATURES: tuple[str, ...] = tuple(f for f, t in VOCABULARY.items() if t.role == "value")
"""Features that measure customer value, in order of preference for ranking segments."""

ROLE_ORDER: tuple[str, ...] = ("recency", "age", "value", "purchases", "visits", "engagement")
"""Order of the words in a name ("dormant young high-value frequent ...")."""


@dataclass(frozen=True)
class Trait:
    feature: str
    role: str
    word: str
    z: float
    is_high: bool
    is_known: bool


def segment_traits(z_means: Mapping[str, float]) -> list[Trait]:
    """All traits of one segment, one per role, strongest first (ties by feature order)."""
    by_role: dict[str, Trait] = {}
    for position, (feature, z) in enumerate(z_means.items()):
        if not math.isfinite(z) or LOW_Z < z < HIGH_Z:
            continue
        is_high = z >= HIGH_Z
        term = VOCABULARY.get(feature)
        if term is not None:
            trait = Trait(feature, term.role, term.high if is_high else term.low, z, is_high, True)
        else:
            word = f"{'high' if is_high else 'low'} {feature}"
            trait = Trait(feature, f"feature:{position}", word, z, is_high, False)
        current = by_role.get(trait.role)
        if current is None or abs(trait.z) > abs(current.z):
            by_role[trait.role] = trait
    order = {feature: i for i, feature in enumerate(z_means)}
    return sorted(by_role.values(), key=lambda t: (-abs(t.z), order[t.feature]))


def _noun(traits: Sequence[Trait]) -> str:
    roles_high = {t.role for t in traits if t.is_high and t.is_known}
    if roles_high & {"value", "purchases"}:
        return "buyers"
    if roles_high & {"visits", "engagement"}:
        return "browsers"
    return "customers"


def compose_name(traits: Sequence[Trait], max_traits: int | None = MAX_TRAITS) -> str:
    """Name from the ``max_traits`` strongest traits (all of them when None)."""
    kept = list(traits if max_traits is None else traits[:max_traits])
    if not kept:
        return "average customers"
    noun = _noun(traits)
    known = [t for t in kept if t.is_known]
    generic = [t for t in kept if not t.is_known]
    rank = {role: i for i, role in enumerate(ROLE_ORDER)}
    known.sort(key=lambda t: rank[t.role])
    if noun == "customers" and any(t.role == "value" and not t.is_high for t in known):
        known = [t for t in known if t.role != "value"]
        noun = "low-spenders"
    words = [t.word for t in known]
    name = " ".join([*words, noun])
    if generic:
        name += " with " + " and ".join(t.word for t in generic)
    return name


def name_segments(z_profiles: Sequence[Mapping[str, float]]) -> list[str]:
    """Unique names for segments given their standardised feature means, in segment order."""
    traits = [segment_traits(z) for z in z_profiles]
    names = [compose_name(t) for t in traits]

    def collisions(current: list[str]) -> set[str]:
        seen: dict[str, int] = {}
        for name in current:
            seen[name] = seen.get(name, 0) + 1
        return {name for name, count in seen.items() if count > 1}

    clashing = collisions(names)
    if clashing:
        names = [
            compose_name(t, max_traits=None) if name in clashing else name
            for name, t in zip(names, traits, strict=True)
        ]
    clashing = collisions(names)
    if clashing:
        counters: dict[str, int] = {}
        unique: list[str] = []
        for name in names:
            if name in clashing:
                counters[name] = counters.get(name, 0) + 1
                if counters[name] > 1:
                    name = f"{name} ({counters[name]})"
            unique.append(name)
        names = unique
    if len(set(names)) != len(names):  # pragma: no cover - suffixes make names unique
        names = [f"{name} (segment {i})" for i, name in enumerate(names)]
    log.debug("segment names: %s", names)
    return names
