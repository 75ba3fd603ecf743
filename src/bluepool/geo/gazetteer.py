"""The gazetteer: addresses, streets, intersections, places and points of interest, searched
by text (fuzzy, typo-tolerant) and by position (the nearest address or street).

It is built from an OpenStreetMap extract (``bluepool.geo.gazetteer_build``) and saved as one
``.npz`` file (no pickle): a row per entry (kind, position, name, house number, locality and
category as indexes into one table of strings) and the points along each named street, for
reverse geocoding. docs/geocoding.md and docs/decisions/0016-gazetteer-format-and-index.md
say why it is built this way.

A search runs in two steps. The prefilter normalises the query (case, accents, common
abbreviations: ``str.`` is ``strasse``, ``st`` is ``street``), sets the house number aside,
and looks each word up in the vocabulary of every name and locality (exactly, as a prefix for
the word being typed, and fuzzily with rapidfuzz); the groups (one name in one locality)
holding those words are scored by the words' rarity, and the best few are scored again as
whole strings by rapidfuzz. A group's entries then become the results: the address with the
house number asked for first, then the street, the places and points of interest of that name.
"""

from __future__ import annotations

import bisect
import functools
import json
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from rapidfuzz import fuzz, process
from scipy.spatial import cKDTree

from bluepool.domain.shared.errors import Invalid
from bluepool.domain.shared.geo import EARTH_RADIUS_M, Location
from bluepool.services.ports import GazetteerHit

FORMAT = "bluepool-gazetteer/1"
#: The demo's gazetteer (Liechtenstein, © OpenStreetMap contributors, ODbL 1.0).
DEMO_GAZETTEER = "liechtenstein.addresses.npz"
#: Coordinates are stored as integers of this many degrees (1e-7°: about 1 cm).
SCALE = 1e7


class Kind(IntEnum):
    ADDRESS = 0
    STREET = 1
    INTERSECTION = 2
    PLACE = 3
    POI = 4

    @property
    def label(self) -> str:
        return self.name.lower()


# -- text ----------------------------------------------------------------------------------

#: Words written short, and what they stand for (applied to names and queries alike).
ABBREVIATIONS = {
    "str": "strasse",
    "st": "street",
    "ave": "avenue",
    "av": "avenue",
    "rd": "road",
    "dr": "drive",
    "blvd": "boulevard",
    "ln": "lane",
    "ct": "court",
    "pl": "place",
    "pkwy": "parkway",
    "hwy": "highway",
    "sq": "square",
    "ter": "terrace",
    "cir": "circle",
    "mt": "mount",
    "ft": "fort",
    "n": "north",
    "s": "south",
    "e": "east",
    "w": "west",
    "ne": "northeast",
    "nw": "northwest",
    "se": "southeast",
    "sw": "southwest",
    "und": "&",
    "and": "&",
}
_WORD = re.compile(r"[0-9a-z]+|&")
#: A house number: digits with at most one letter (38, 38a) or a range (12-14).
_NUMBER = re.compile(r"^\d{1,5}[a-z]?$")


def fold(text: str) -> str:
    """Return text in lower case without accents (``Städtle`` -> ``stadtle``, ß -> ss)."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def tokens(text: str) -> list[str]:
    """Return the normalised words of a name or query (abbreviations spelled out)."""
    words = []
    for word in _WORD.findall(fold(text)):
        word = ABBREVIATIONS.get(word, word)
        if len(word) > 3 and word.endswith("str"):  # Landstr -> landstrasse
            word += "asse"
        words.append(word)
    return words


def normalise(text: str) -> str:
    return " ".join(tokens(text))


def house_number(text: str) -> str:
    """Return a house number as it is compared (``38 A`` -> ``38a``)."""
    return re.sub(r"[^0-9a-z-]", "", fold(text))


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: its words without the numbers, and the numbers that may be a house
    number (in the order written)."""

    words: tuple[str, ...]
    numbers: tuple[str, ...]
    #: The last word is still being typed (no space after it): match it as a prefix too.
    typing: bool

    @classmethod
    def parse(cls, text: str) -> Query:
        words: list[str] = []
        numbers: list[str] = []
        # "38a" and "38 a" are both house number 38a.
        raw = re.sub(r"(?<=\d)\s+([a-zA-Z])(?![\w])", r"\1", text)
        for word in tokens(raw):
            if _NUMBER.match(word):
                numbers.append(word)
            elif word != "&":
                words.append(word)
        typing = bool(text) and not text[-1].isspace() and text[-1] not in ",;"
        return cls(tuple(words), tuple(numbers), typing)


# -- entries -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Entry:
    """One thing the gazetteer knows, ready to show: ``label`` reads as a person writes it."""

    kind: Kind
    label: str
    lat: float
    lon: float
    name: str
    number: str = ""
    locality: str = ""
    category: str = ""


@dataclass(frozen=True, slots=True)
class Match:
    """A search result: an entry, how well it matches (0-100) and, for a reverse lookup,
    how far it is from the point asked for (metres)."""

    entry: Entry
    score: float
    distance_m: float | None = None


@dataclass(eq=False)
class GazetteerData:
    """The gazetteer's arrays, as saved. ``strings`` is the table the ``*_id`` columns point
    into (-1: none); ``street_*`` are points along the named streets, each with its entry."""

    kind: NDArray[np.uint8]
    lat: NDArray[np.int32]
    lon: NDArray[np.int32]
    name_id: NDArray[np.int32]
    number_id: NDArray[np.int32]
    locality_id: NDArray[np.int32]
    category_id: NDArray[np.int32]
    street_lat: NDArray[np.int32]
    street_lon: NDArray[np.int32]
    street_entry: NDArray[np.int32]
    strings: list[str]
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        n = len(self.kind)
        columns = (self.lat, self.lon, self.name_id, self.number_id, self.locality_id)
        if any(len(c) != n for c in (*columns, self.category_id)):
            raise Invalid(
                "gazetteer arrays disagree on the number of entries", code="bad_gazetteer"
            )
        if not (len(self.street_lat) == len(self.street_lon) == len(self.street_entry)):
            raise Invalid("gazetteer street arrays disagree", code="bad_gazetteer")

    def __len__(self) -> int:
        return len(self.kind)


ARRAYS = ("kind", "lat", "lon", "name_id", "number_id", "locality_id", "category_id",
          "street_lat", "street_lon", "street_entry")  # fmt: skip


def save_gazetteer(data: GazetteerData, path: str | Path) -> None:
    """Write the gazetteer as a compressed ``.npz`` (strings as one UTF-8 blob, no pickle)."""
    if any("\n" in s for s in data.strings):
        raise Invalid("a gazetteer string holds a line break", code="bad_gazetteer")
    blob = "\n".join(data.strings).encode()
    meta = {**data.meta, "format": FORMAT}
    arrays = {name: getattr(data, name) for name in ARRAYS}
    with Path(path).open("wb") as out:
        np.savez_compressed(
            out,
            strings=np.frombuffer(blob, dtype=np.uint8),
            meta=np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8),
            **arrays,
        )


def load_gazetteer(path: str | Path) -> GazetteerData:
    """Read a gazetteer written by ``save_gazetteer``."""
    path = Path(path)
    if not path.is_file():
        raise Invalid(f"no gazetteer at {path}", code="not_a_file")
    try:
        with np.load(path, allow_pickle=False) as f:
            meta = json.loads(f["meta"].tobytes().decode())
            if meta.get("format") != FORMAT:
                raise Invalid(f"{path.name} is not a bluepool gazetteer", code="bad_gazetteer")
            arrays = {name: f[name] for name in ARRAYS}
            blob = f["strings"].tobytes().decode()
    except (OSError, ValueError, KeyError) as exc:
        raise Invalid(
            f"cannot read {path.name} as a gazetteer: {exc}", code="bad_gazetteer"
        ) from exc
    strings = blob.split("\n") if blob else []
    return GazetteerData(**arrays, strings=strings, meta=meta)


def demo_gazetteer_path() -> Path:
    from importlib import resources

    return Path(str(resources.files("bluepool") / "demo" / DEMO_GAZETTEER))


# -- the index -----------------------------------------------------------------------------

#: Groups scored as whole strings after the prefilter.
CANDIDATES = 48
#: Vocabulary words a query word may stand for (fuzzy matches kept per word).
FUZZY_PER_WORD = 6
#: A reverse lookup gives the nearest address within this radius, else the nearest street.
ADDRESS_RADIUS_M = 60.0
#: Nothing farther than this is "the address" of a point.
MAX_REVERSE_M = 2000.0
#: Query words whose vocabulary matches are remembered.
WORD_CACHE = 8192
#: A locality word counts this much of a name word in the prefilter.
LOCALITY_WEIGHT = 0.6


def _cutoff(word: str) -> float:
    """The least similarity (0-100) for a fuzzy match of a word of this length."""
    return 100.0 if len(word) < 4 else 80.0 if len(word) < 7 else 75.0


class Gazetteer:
    """Search a gazetteer by text, and find what is at a point."""

    def __init__(self, data: GazetteerData) -> None:
        self.data = data
        strings = data.strings
        self._norm = [normalise(s) for s in strings]
        n = len(data)
        self._lat = data.lat.astype(np.float64) / SCALE
        self._lon = data.lon.astype(np.float64) / SCALE
        self._kind = [Kind(k) for k in data.kind.tolist()]
        self._name = data.name_id.tolist()
        self._number = [house_number(strings[i]) if i >= 0 else "" for i in data.number_id]
        self._locality = data.locality_id.tolist()
        self._number_first = bool(data.meta.get("number_first", False))
        # Groups: one name in one locality; an address belongs to its street's group.
        group_of: dict[tuple[int, int], int] = {}
        self._group = np.empty(n, dtype=np.int64)
        self._group_text: list[str] = []
        members: list[list[int]] = []
        for i in range(n):
            key = (self._norm_id(self._name[i]), self._norm_id(self._locality[i]))
            g = group_of.get(key)
            if g is None:
                g = group_of[key] = len(members)
                members.append([])
                self._group_text.append(" ".join(self._norm[j] for j in key if j >= 0))
            members[g].append(i)
            self._group[i] = g
        self._members = members
        self._addresses: list[dict[str, list[int]]] = [{} for _ in members]
        for i in range(n):
            if self._kind[i] is Kind.ADDRESS:
                self._addresses[self._group[i]].setdefault(self._number[i], []).append(i)
        # The vocabulary: each word with the groups whose name (or locality) holds it.
        postings: dict[str, dict[int, float]] = {}
        for (name, locality), g in group_of.items():
            for ids, weight in ((name, 1.0), (locality, LOCALITY_WEIGHT)):
                if ids < 0:
                    continue
                for word in self._norm[ids].split():
                    if word == "&":
                        continue
                    seen = postings.setdefault(word, {})
                    seen[g] = max(seen.get(g, 0.0), weight)
        self._vocab = sorted(postings)
        groups = max(len(members), 1)
        self._postings = [
            (
                np.fromiter(postings[w].keys(), dtype=np.int64, count=len(postings[w])),
                np.fromiter(postings[w].values(), dtype=np.float64, count=len(postings[w]))
                * math.log(1.0 + groups / len(postings[w])),
            )
            for w in self._vocab
        ]
        self._word_index = {w: k for k, w in enumerate(self._vocab)}
        self._group_count = len(members)
        # A dispatcher's queries repeat words (street, avenue, the town): the vocabulary
        # words each stands for are remembered.
        self._word_matches = functools.lru_cache(maxsize=WORD_CACHE)(self._matches)

    def _norm_id(self, string_id: int) -> int:
        """The id of the first string with the same normal form (names equal when folded)."""
        if string_id < 0:
            return -1
        return self._canonical.get(self._norm[string_id], string_id)

    @cached_property
    def _canonical(self) -> dict[str, int]:
        first: dict[str, int] = {}
        for i, text in enumerate(self._norm):
            first.setdefault(text, i)
        return first

    def __len__(self) -> int:
        return len(self.data)

    def entry(self, i: int) -> Entry:
        """Return entry ``i`` with its label."""
        s = self.data.strings
        kind = self._kind[i]
        name = s[self._name[i]] if self._name[i] >= 0 else ""
        number_id = int(self.data.number_id[i])
        number = s[number_id] if number_id >= 0 else ""
        locality = s[self._locality[i]] if self._locality[i] >= 0 else ""
        category_id = int(self.data.category_id[i])
        category = s[category_id] if category_id >= 0 else ""
        head = name
        if kind is Kind.ADDRESS and number:
            head = f"{number} {name}" if self._number_first else f"{name} {number}"
        label = f"{head}, {locality}" if locality and fold(locality) != fold(head) else head
        return Entry(
            kind,
            label,
            round(float(self._lat[i]), 7),
            round(float(self._lon[i]), 7),
            name,
            number,
            locality,
            category,
        )

    def labels(self) -> list[str]:
        """Every entry's label (for a baseline that scores them all)."""
        return [self.entry(i).label for i in range(len(self))]

    # -- search ----------------------------------------------------------------------------

    def search(self, text: str, limit: int = 10) -> list[Match]:
        """Return the entries that best match ``text``, best first (at most ``limit``)."""
        query = Query.parse(text)
        if not query.words:
            return []
        groups = self._prefilter(query)
        if not groups:
            return []
        phrase = " ".join(query.words)
        scored: list[tuple[float, int, int]] = []
        for g, coverage in groups:
            similarity = fuzz.WRatio(phrase, self._group_text[g])
            score = similarity * (0.4 + 0.6 * coverage)
            for rank, (i, bonus) in enumerate(self._pick(g, query.numbers)):
                scored.append((min(100.0, score + bonus), rank, i))
        scored.sort(key=lambda t: (-t[0], t[1], self._kind[t[2]], t[2]))
        out: list[Match] = []
        seen: set[str] = set()
        for score, _, i in scored:
            entry = self.entry(i)
            key = f"{entry.kind}:{entry.label}"
            if key in seen:
                continue
            seen.add(key)
            out.append(Match(entry, round(score, 1)))
            if len(out) >= limit:
                break
        return out

    def _matches(self, word: str, typing: bool) -> tuple[tuple[int, float], ...]:
        """The vocabulary words a query word may stand for, with their similarity (0-1)."""
        found: dict[int, float] = {}
        exact = self._word_index.get(word)
        if exact is not None:
            found[exact] = 1.0
        if typing:
            lo = bisect.bisect_left(self._vocab, word)
            hi = bisect.bisect_left(self._vocab, word + "\uffff")
            for k in range(lo, min(hi, lo + 64)):
                # A prefix counts by how much of the word it covers.
                found.setdefault(k, 0.7 + 0.3 * len(word) / len(self._vocab[k]))
        cutoff = _cutoff(word)
        if cutoff < 100.0:
            for _, similarity, k in process.extract(
                word, self._vocab, scorer=fuzz.ratio, score_cutoff=cutoff, limit=FUZZY_PER_WORD
            ):
                found[k] = max(found.get(k, 0.0), similarity / 100.0)
        return tuple(found.items())

    def _prefilter(self, query: Query) -> list[tuple[int, float]]:
        """The groups worth scoring, each with the share of query words it matched."""
        words = query.words
        best = np.zeros((len(words), self._group_count))
        weight = np.zeros(len(words))
        for w, word in enumerate(words):
            typing = query.typing and w == len(words) - 1
            for k, similarity in self._word_matches(word, typing):
                ids, scores = self._postings[k]
                np.maximum.at(best[w], ids, scores * similarity)
            weight[w] = best[w].max(initial=0.0)
        if not weight.any():
            return []
        total = best.sum(axis=0)
        count = min(CANDIDATES, int(np.count_nonzero(total)))
        top = np.argpartition(-total, count - 1)[:count]
        coverage = (best[:, top] > 0).sum(axis=0) / len(words)
        return list(zip(top.tolist(), coverage.tolist(), strict=True))

    def _pick(self, g: int, numbers: Sequence[str]) -> Iterable[tuple[int, float]]:
        """A group's entries as results, each with a bonus (or malus) to its score."""
        addresses = self._addresses[g]
        found_number = False
        for number in numbers:
            for i in addresses.get(number, ()):
                found_number = True
                yield i, 5.0
            if found_number:
                break
        malus = -8.0 if numbers and not found_number else 0.0
        for i in self._members[g]:
            if self._kind[i] is not Kind.ADDRESS:
                yield i, malus
        if (
            not numbers
            and addresses
            and all(self._kind[i] is Kind.ADDRESS for i in self._members[g])
        ):
            # A street known only by its addresses: offer its first one.
            yield self._members[g][0], -10.0

    # -- reverse ---------------------------------------------------------------------------

    @cached_property
    def _origin(self) -> tuple[float, float]:
        lat0 = float(self.data.meta.get("center_lat", 0.0))
        per_degree = EARTH_RADIUS_M * math.pi / 180.0
        return per_degree * math.cos(math.radians(lat0)), per_degree

    def _xy(self, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
        kx, ky = self._origin
        return np.column_stack((lon * kx, lat * ky))

    @cached_property
    def _address_tree(self) -> tuple[cKDTree | None, NDArray[np.int64]]:
        idx = np.flatnonzero(self.data.kind == Kind.ADDRESS)
        if len(idx) == 0:
            return None, idx
        return cKDTree(self._xy(self._lat[idx], self._lon[idx])), idx

    @cached_property
    def _street_tree(self) -> cKDTree | None:
        if len(self.data.street_entry) == 0:
            return None
        lat = self.data.street_lat.astype(np.float64) / SCALE
        lon = self.data.street_lon.astype(np.float64) / SCALE
        return cKDTree(self._xy(lat, lon))

    def reverse(
        self, lat: float, lon: float, *, radius_m: float = ADDRESS_RADIUS_M
    ) -> Match | None:
        """Return the nearest address within ``radius_m`` of the point, else the nearest
        street (within ``MAX_REVERSE_M``), else None."""
        point = self._xy(np.array([lat]), np.array([lon]))[0]
        tree, idx = self._address_tree
        if tree is not None:
            d, k = tree.query(point, distance_upper_bound=radius_m)
            if math.isfinite(d):
                return Match(self.entry(int(idx[k])), 100.0, round(float(d), 1))
        streets = self._street_tree
        if streets is not None:
            d, k = streets.query(point, distance_upper_bound=MAX_REVERSE_M)
            if math.isfinite(d):
                i = int(self.data.street_entry[k])
                return Match(self.entry(i), 100.0, round(float(d), 1))
        return None


def open_gazetteer(path: str | Path) -> Gazetteer:
    """Load a gazetteer file and index it."""
    return Gazetteer(load_gazetteer(path))


class OfflineGazetteer:
    """The gazetteer as the use cases see it (``services.ports.Gazetteer``)."""

    def __init__(self, gazetteer: Gazetteer) -> None:
        self.gazetteer = gazetteer

    @classmethod
    def from_file(cls, path: str | Path) -> OfflineGazetteer:
        return cls(open_gazetteer(path))

    def search(self, text: str, limit: int) -> list[GazetteerHit]:
        return [_hit(m) for m in self.gazetteer.search(text, limit)]

    def reverse(self, location: Location) -> GazetteerHit | None:
        match = self.gazetteer.reverse(location.lat, location.lon)
        return _hit(match) if match is not None else None


def _hit(match: Match) -> GazetteerHit:
    e = match.entry
    return GazetteerHit(
        e.kind.label, e.label, Location(e.lat, e.lon), match.score, match.distance_m, e.category
    )
