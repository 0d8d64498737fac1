"""The domain types, in the monitor's language (SPEC §2).

Every stage of the pipeline takes and returns these plain dataclasses; the store maps them to
tables and back. Keeping them in one module means a reader learns the vocabulary once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum


class EventType(StrEnum):
    """What happened. The prohibited acts of an agreement are named with these values."""

    AIRSTRIKE = "airstrike"
    SHELLING = "shelling"
    GROUND_ATTACK = "ground_attack"
    CLASH = "clash"
    BOMBING = "bombing"
    SIEGE = "siege"
    TERRITORY_SEIZURE = "territory_seizure"
    ATTACK_ON_CIVILIANS = "attack_on_civilians"
    HUMANITARIAN_OBSTRUCTION = "humanitarian_obstruction"
    OTHER = "other"


class Factuality(StrEnum):
    """How the text stands to the event it mentions; only the first three can become incidents."""

    ASSERTED = "asserted"
    REPORTED = "reported"
    ALLEGED = "alleged"
    DENIED = "denied"
    HYPOTHETICAL = "hypothetical"
    PLANNED = "planned"
    GENERAL = "general"

    @property
    def is_factual(self) -> bool:
        return self in (Factuality.ASSERTED, Factuality.REPORTED, Factuality.ALLEGED)


class Precision(StrEnum):
    """How exactly a place is known, finest first."""

    EXACT = "exact"
    TOWN = "town"
    DISTRICT = "district"
    REGION = "region"
    GOVERNORATE = "governorate"
    COUNTRY = "country"


class DatePrecision(StrEnum):
    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    RANGE = "range"


class VerdictStatus(StrEnum):
    VIOLATION = "violation"
    NOT_A_VIOLATION = "not_a_violation"
    UNDETERMINED = "undetermined"


class Reason(StrEnum):
    PROHIBITED_ACT_BY_PARTY = "prohibited_act_by_party"
    EXCLUDED_ACTOR = "excluded_actor"
    EXCLUDED_TARGET = "excluded_target"
    JOINT_WITH_EXCLUDED = "joint_with_excluded"
    NON_PARTY_ACTOR = "non_party_actor"
    NOT_PROHIBITED = "not_prohibited"
    OUTSIDE_TERRITORY = "outside_territory"
    BEFORE_EFFECTIVE_DATE = "before_effective_date"
    AFTER_EFFECTIVE_UNTIL = "after_effective_until"
    NOT_FACTUAL = "not_factual"
    UNKNOWN_PERPETRATOR = "unknown_perpetrator"


class ReviewStatus(StrEnum):
    REPORTED = "reported"
    CORROBORATED = "corroborated"
    VERIFIED = "verified"
    REJECTED = "rejected"
    MERGED = "merged"


class ActorKind(StrEnum):
    STATE_FORCES = "state_forces"
    MILITIA = "militia"
    REBEL_GROUP = "rebel_group"
    JIHADIST_GROUP = "jihadist_group"
    FOREIGN_STATE = "foreign_state"
    COALITION = "coalition"
    CIVILIANS = "civilians"
    UNIDENTIFIED = "unidentified"  # "unknown gunmen": known to the registry, side unknown
    OTHER = "other"


# --- registries -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Actor:
    """An armed group, state force or population, with every surface form the press uses."""

    id: str
    name: str
    kind: ActorKind
    aliases: tuple[str, ...] = ()
    parent: str | None = None
    country: str | None = None
    # The governorates the group fights in (canonical names), when that is well known and
    # narrower than all Syria: it tells which of several same-named villages a report means.
    areas: tuple[str, ...] = ()


@dataclass(frozen=True)
class Place:
    """A named place, or a region with a centroid and a coarse precision."""

    id: str
    name: str
    lat: float
    lon: float
    kind: str
    precision: Precision
    admin1: str | None = None
    admin2: str | None = None
    country: str = "SY"
    aliases: tuple[str, ...] = ()
    population: int = 0
    # Where the record comes from: "geonames", "boundaries" and "curated" are bundled; anything
    # else (a mission's import) wins name collisions over them.
    source: str = "import"


# --- agreement ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Designation:
    """Why an actor belongs where it does under an agreement: the explicit, reviewable record."""

    actor: str
    basis: str
    since: date | None = None


@dataclass(frozen=True)
class Party:
    id: str
    name: str
    members: tuple[Designation, ...]


@dataclass(frozen=True)
class Guarantor:
    actor: str
    answers_for: str | None = None


@dataclass(frozen=True)
class Clause:
    """A numbered rule: prohibited acts for the parties, or operations the agreement permits."""

    id: str
    title: str
    text: str
    kind: str  # "prohibited" | "permitted" | "scope" (territory) | "period" (in force when)
    acts: tuple[EventType, ...] = ()


@dataclass(frozen=True)
class Agreement:
    id: str
    version: str
    title: str
    signed: date
    effective_from: datetime
    effective_until: datetime | None
    territory: tuple[str, ...]
    parties: tuple[Party, ...]
    guarantors: tuple[Guarantor, ...]
    excluded: tuple[Designation, ...]
    clauses: tuple[Clause, ...]


# --- documents, claims, incidents ---------------------------------------------------------------


@dataclass
class Document:
    """One report as received. `raw` is kept byte-exact; `text` is the cleaned article."""

    id: str  # sha256 of raw
    raw: bytes
    text: str
    title: str | None = None
    outlet: str | None = None
    url: str | None = None
    published_at: date | None = None
    language: str | None = "en"
    external_id: str | None = None
    source_path: str | None = None
    content_type: str = "text/plain"
    duplicate_of: str | None = None
    reliability: str = "F"
    affiliation: str | None = None
    sensitive: bool = False
    ingested_at: datetime | None = None


@dataclass(frozen=True)
class Source:
    """What counting independent sources needs to know of a document."""

    document_id: str
    outlet: str | None
    duplicate_of: str | None


@dataclass(frozen=True)
class Span:
    """Evidence: character offsets into the document's cleaned text, and that text."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class ActorMention:
    actor: str | None  # registry id, None when unresolved
    text: str


@dataclass(frozen=True)
class PlaceMention:
    place: str | None  # gazetteer id, None when unresolved
    text: str
    name: str | None = None
    lat: float | None = None
    lon: float | None = None
    admin1: str | None = None
    country: str | None = None
    precision: Precision | None = None


@dataclass
class Claim:
    """One statement in one document that an event happened (or was planned, denied, ...)."""

    document_id: str
    spans: list[Span]
    event_type: EventType
    perpetrators: list[ActorMention] = field(default_factory=list)
    targets: list[ActorMention] = field(default_factory=list)
    place: PlaceMention | None = None
    date_from: date | None = None
    date_to: date | None = None
    date_precision: DatePrecision = DatePrecision.DAY
    fatalities_min: int | None = None
    fatalities_max: int | None = None
    factuality: Factuality = Factuality.ASSERTED
    confidence: float = 0.5
    id: int | None = None
    incident_id: int | None = None


@dataclass
class Verdict:
    status: VerdictStatus
    reason: Reason
    clause: str | None
    explanation: str
    agreement_version: str
    violator: str | None = None
    disputed: bool = False


@dataclass
class Incident:
    """One real-world event, fused from the claims that report it."""

    event_type: EventType
    claim_ids: list[int]
    perpetrators: list[ActorMention]
    targets: list[ActorMention]
    place: PlaceMention | None
    date_from: date | None
    date_to: date | None
    date_precision: DatePrecision
    fatalities_min: int | None
    fatalities_max: int | None
    independent_sources: int
    confidence: float
    summary: str
    review_status: ReviewStatus = ReviewStatus.REPORTED
    verdict: Verdict | None = None
    id: int | None = None
    # The fields a monitor corrected (`review.CORRECTED_FIELDS`): fusing new claims into the
    # incident keeps them instead of recomputing them from the claims.
    corrected: tuple[str, ...] = ()
