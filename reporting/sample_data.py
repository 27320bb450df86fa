"""Realistic, deliberately dirty sample data for the raw contract, generated in bounded chunks.

The generator is deterministic for a (seed, end_date) pair: the same arguments give the same rows.
Dates run over the 365 days ending at ``end_date``, so a default run (as_of = today) analyses all
of them. What makes the data dirty, and roughly how much of it (shares of campaign rows):

* 0.5 % duplicate (campaign, day) rows, appended later in load order with slightly different values
* channel names in mixed case, padded, and as aliases ("FB", "Google Ads", "newsletter", ...)
* 0.4 % null channel, 0.2 % unknown channel ("TV", "Affiliate")
* about 1 % null impressions / clicks / conversions each
* 0.3 % revenue outliers (10-40 x the usual revenue)
* rule breakers: 0.1 % negative cost, 0.1 % clicks above impressions, 0.05 % missing campaign
  name, 0.05 % missing revenue

:func:`iter_campaigns` and :func:`iter_customers` yield the rows in DataFrames of at most
``chunk_rows`` rows, so memory stays flat with the row count; :func:`generate_campaigns`,
:func:`generate_customers` and :func:`generate` concatenate the chunks. The rows are exactly those
the earlier whole-frame generator made (``tests/reporting/sample_data_reference.py``), whatever
the chunk size. How, in short (details at :class:`_Tape` and :class:`_LoadOrder`):

* every random draw is made from the same generator, in the same order and with the same sizes,
  as the whole-frame generator made it; numpy gives the same numbers for a block of draws made
  in one call or in consecutive pieces, so each block is drawn in pieces into a temporary file;
* rows are drawn campaign by campaign but loaded day by day (then by campaign name): the drawn
  rows are spilled to temporary files, one per output chunk, and each file is sorted on its own;
* the dirt is chosen over all rows at once (``rng.choice`` of row positions) before any chunk is
  made, and applied to each chunk's share of the positions; duplicated rows are set aside as their
  chunk passes and appended at the end, in the order they were chosen.
"""

from __future__ import annotations

import datetime as dt
import logging
import pickle
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

#: Rows per chunk unless the caller says otherwise (about 20 MB of DataFrame for campaigns).
DEFAULT_CHUNK_ROWS = 100_000

# channel: (spellings as exported, mean impressions/day, CTR, conversion rate, CPC, order value)
CHANNEL_PROFILES: dict[str, tuple[list[str], float, float, float, float, float]] = {
    "Email": (["Email", "email", " EMAIL ", "newsletter", "E-mail"], 8_000, 0.035, 0.045, 6.0, 1_450.0),
    "Social Media": (["Social Media", "social", "FB", "Facebook", "instagram ", "Social media"], 40_000, 0.012, 0.020, 9.0, 1_300.0),
    "Paid Search": (["Paid Search", "Google Ads", "search", "PPC", "bing ads"], 15_000, 0.040, 0.038, 22.0, 1_700.0),
    "Display": (["Display", "display ", "Banner", "programmatic", "DISPLAY"], 90_000, 0.004, 0.012, 11.0, 1_150.0),
    "Mobile Push": (["Mobile Push", "push", "mobile", "Push Notification"], 20_000, 0.020, 0.025, 4.5, 900.0),
}
UNKNOWN_CHANNELS = ["TV", "Affiliate", "Podcast"]
THEMES = [
    "Spring Sale", "Summer Clearance", "Back to School", "Diwali Offers", "Black Friday",
    "New Year", "Loyalty Rewards", "Brand Awareness", "Retargeting", "Product Launch",
    "Festive Bundle", "App Install", "Win-back", "Referral Boost", "Weekend Flash",
]

CAMPAIGN_COLUMNS = ["id", "campaign_name", "channel", "cost", "impressions", "clicks",
                    "conversions", "revenue", "date"]

# the channel profiles as arrays indexed by channel number (same values and dtypes as per-row lists)
_CHANNELS = list(CHANNEL_PROFILES)
_PROFILES = [CHANNEL_PROFILES[c] for c in _CHANNELS]
_MEAN_IMPRESSIONS = np.array([p[1] for p in _PROFILES])
_CTR = np.array([p[2] for p in _PROFILES])
_CVR = np.array([p[3] for p in _PROFILES])
_CPC = np.array([p[4] for p in _PROFILES])
_ORDER_VALUE = np.array([p[5] for p in _PROFILES])
_SPELLING_COUNT = np.array([len(p[0]) for p in _PROFILES])
_SPELLINGS = np.array([p[0] + [None] * (max(_SPELLING_COUNT) - len(p[0])) for p in _PROFILES], dtype=object)


@dataclass(frozen=True)
class SampleData:
    campaigns: pd.DataFrame
    customers: pd.DataFrame


# ---- drawing whole-length blocks in chunks ---------------------------------------------------


@dataclass(frozen=True)
class _Block:
    """One whole-length draw of the whole-frame generator (e.g. a lognormal factor per row), as
    a function of the generator and the chunk's values (its context and the blocks it needs)."""

    name: str
    draw: Callable[[np.random.Generator, dict[str, Any]], np.ndarray]
    needs: tuple[str, ...] = ()
    #: whether it reads the rows' context (else it gets only their number, "size")
    per_row: bool = False


class _Tape:
    """The blocks a whole-frame generator draws one after another, kept in temporary files and
    read back side by side, a chunk of rows at a time.

    A whole-frame generator draws block after block from one stream: all n lognormal factors,
    then all n Poisson counts, and so on. numpy gives the same numbers (and leaves the stream in
    the same state) whether a block is drawn in one call or in consecutive pieces, so each block
    is drawn here in pieces, in the same order from the same generator, and written to a file;
    a block that depends on an earlier one (the binomial clicks on the impressions) reads it back
    piece by piece. :meth:`chunks` then reads all blocks' values for one range of rows at a time.
    """

    def __init__(self, rng: np.random.Generator, n: int, blocks: Sequence[_Block],
                 context: Callable[[int, int], dict[str, Any]], chunk_rows: int, folder: Path) -> None:
        self.n, self.context, self.chunk_rows, self.folder = n, context, chunk_rows, folder
        self.dtypes: dict[str, np.dtype] = {}
        for block in blocks:
            with self._path(block.name).open("wb") as fh:
                for lo, hi in self._ranges():
                    values = self._values(lo, hi, block.needs, context=block.per_row)
                    drawn = np.ascontiguousarray(block.draw(rng, values))
                    self.dtypes[block.name] = drawn.dtype
                    drawn.tofile(fh)

    def _path(self, name: str) -> Path:
        return self.folder / f"block-{name}.bin"

    def _ranges(self) -> Iterator[tuple[int, int]]:
        for lo in range(0, self.n, self.chunk_rows):
            yield lo, min(lo + self.chunk_rows, self.n)

    def _values(self, lo: int, hi: int, names: Sequence[str], context: bool = True) -> dict[str, Any]:
        values = self.context(lo, hi) if context else {"size": hi - lo}
        for name in names:
            dtype = self.dtypes[name]
            values[name] = np.fromfile(self._path(name), dtype=dtype, count=hi - lo, offset=lo * dtype.itemsize)
        return values

    def chunks(self, names: Sequence[str]) -> Iterator[tuple[int, int, dict[str, Any]]]:
        """(lo, hi, values) for consecutive row ranges: the context and the named blocks' draws."""
        for lo, hi in self._ranges():
            yield lo, hi, self._values(lo, hi, names)

    def discard(self) -> None:
        for name in self.dtypes:
            self._path(name).unlink(missing_ok=True)


def _pick(rng: np.random.Generator, n: int, share: float) -> np.ndarray:
    """``share`` of the positions 0..n-1, drawn as the whole-frame generator draws them."""
    k = int(round(n * share))
    return rng.choice(n, size=k, replace=False) if k else np.array([], dtype=int)


@dataclass(frozen=True)
class _Picks:
    """Row positions chosen over all rows (sorted), with the values drawn for them."""

    positions: np.ndarray
    values: np.ndarray | None = None

    @classmethod
    def of(cls, positions: np.ndarray, values: np.ndarray | None = None) -> _Picks:
        order = np.argsort(positions, kind="stable")
        return cls(np.asarray(positions)[order], None if values is None else np.asarray(values)[order])

    def within(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray | None]:
        """The positions in [lo, hi), relative to lo, and their values."""
        i, j = np.searchsorted(self.positions, [lo, hi])
        return self.positions[i:j] - lo, None if self.values is None else self.values[i:j]


def _order_statistics(read: Callable[[], Iterator[np.ndarray]], n: int, ranks: Sequence[int],
                      limit: int) -> dict[int, int]:
    """The values at ``ranks`` (0-based, ascending order) of ``n`` non-negative int64 keys that
    ``read()`` yields in chunks, in bounded memory (a radix select): each pass reads the keys once
    and, for every rank still open, counts the keys that share its known high bits by their next
    16 bits, which fixes 16 more bits of the rank's value; keys sharing a rank's high bits are
    collected and sorted instead once there are at most ``limit`` of them."""
    found: dict[int, int] = {}
    # rank -> (its value's known high bits, how many low bits are unknown, its rank among the keys
    # with those high bits); and how many keys have each such prefix
    open_: dict[int, tuple[int, int, int]] = {r: (0, 64, r) for r in ranks}
    sizes: dict[tuple[int, int], int] = {(0, 64): n}
    while open_:
        for rank, (prefix, shift, _) in list(open_.items()):
            if shift == 0:
                found[rank] = prefix
                del open_[rank]
        groups = {(prefix, shift) for prefix, shift, _ in open_.values()}
        collect = {g for g in groups if sizes[g] <= limit}
        counts = {g: np.zeros(1 << 16, dtype=np.int64) for g in groups - collect}
        kept: dict[tuple[int, int], list[np.ndarray]] = {g: [] for g in collect}
        if groups:
            for keys in read():
                for prefix, shift in groups:
                    mine = keys if shift == 64 else keys[(keys >> shift) == prefix]
                    if (prefix, shift) in collect:
                        kept[(prefix, shift)].append(mine)
                    else:
                        counts[(prefix, shift)] += np.bincount((mine >> (shift - 16)) & 0xFFFF, minlength=1 << 16)
        for rank, (prefix, shift, within) in list(open_.items()):
            g = (prefix, shift)
            if g in collect:
                found[rank] = int(np.sort(np.concatenate(kept[g]))[within])
                del open_[rank]
                continue
            cumulative = np.cumsum(counts[g])
            digit = int(np.searchsorted(cumulative, within, side="right"))
            below = int(cumulative[digit - 1]) if digit else 0
            narrower = ((prefix << 16) | digit, shift - 16)
            sizes[narrower] = int(counts[g][digit])
            open_[rank] = (*narrower, within - below)
    return found


# ---- campaigns -------------------------------------------------------------------------------


class _CampaignPlan:
    """The campaigns and the stretch of days each runs, in the order the rows are drawn
    (campaign by campaign, day by day), and where each row lands in load order (day by day,
    then by campaign name)."""

    def __init__(self, rng: np.random.Generator, n_unique: int, end_date: dt.date) -> None:
        # campaigns run over contiguous stretches of days inside the 365-day window
        names: list[str] = []
        chan: list[int] = []
        starts: list[int] = []
        takes: list[int] = []
        total = 0
        i = 0
        while total < n_unique:
            # campaigns may have started before the window or run past its end; clipping them to
            # the window keeps the number of live campaigns per day even across the year
            length = int(rng.integers(14, 366))
            start = int(rng.integers(-length + 14, 366 - 14))
            end = min(start + length, 365)
            start = max(start, 0)
            length = end - start
            c = int(rng.integers(0, len(_CHANNELS)))
            theme = THEMES[int(rng.integers(0, len(THEMES)))]
            names.append(f"{theme} {_CHANNELS[c].split()[0]} #{i + 1:05d}")
            chan.append(c)
            take = min(length, n_unique - total)
            starts.append(start)
            takes.append(take)
            total += take
            i += 1
        # a campaign-level quality multiplier makes some campaigns better than others
        self.quality = rng.lognormal(0.0, 0.35, size=len(names))
        self.names = np.array(names, dtype=object)
        self.channel = np.array(chan, dtype=np.int64)
        self.start = np.array(starts, dtype=np.int64)
        self.take = np.array(takes, dtype=np.int64)
        self.end_row = np.cumsum(self.take)
        self.first_row = self.end_row - self.take  # each campaign's first row, in drawing order
        self.n_unique = n_unique
        base = pd.Timestamp(end_date) - pd.Timedelta(days=365)
        self.dates = (base + pd.to_timedelta(np.arange(365) + 1, unit="D")).date
        # load order: by day, then campaign name; a row's sort key is day * R + the name's rank
        self.by_rank = np.array(sorted(range(len(names)), key=names.__getitem__), dtype=np.int64)
        self.rank = np.empty_like(self.by_rank)
        self.rank[self.by_rank] = np.arange(len(names))
        per_day = np.cumsum(np.bincount(self.start, minlength=366)
                            - np.bincount(self.start + self.take, minlength=366))[:365]
        self.day_first = np.cumsum(per_day) - per_day  # load position of each day's first row

    @property
    def n_campaigns(self) -> int:
        return len(self.names)

    def rows(self, lo: int, hi: int) -> dict[str, Any]:
        """Rows lo..hi-1 in drawing order: their campaign, day, channel and quality."""
        first, last = np.searchsorted(self.end_row, [lo, hi - 1], side="right")
        spans = np.minimum(self.end_row[first:last + 1], hi) - np.maximum(self.first_row[first:last + 1], lo)
        camp = np.repeat(np.arange(first, last + 1), spans)
        p = np.arange(lo, hi)
        return {"size": hi - lo, "camp": camp, "day": self.start[camp] + (p - self.first_row[camp]),
                "ch": self.channel[camp], "quality": self.quality[camp]}

    def sort_key(self, camp: np.ndarray, day: np.ndarray) -> np.ndarray:
        return day * self.n_campaigns + self.rank[camp]

    def keys_at(self, positions: np.ndarray) -> np.ndarray:
        """The sort keys of the rows at ``positions`` in load order."""
        days = np.searchsorted(self.day_first, positions, side="right") - 1
        keys = np.empty(len(positions), dtype=np.int64)
        for day in np.unique(days):
            here = days == day
            live = (self.start <= day) & (day < self.start + self.take)
            ranks = np.sort(self.rank[live])[positions[here] - self.day_first[day]]
            keys[here] = day * self.n_campaigns + ranks
        return keys

    def frame(self, records: np.ndarray) -> pd.DataFrame:
        """Rows in load order (records sorted by key) as the whole-frame generator builds them."""
        key = records["key"]
        camp = self.by_rank[key % self.n_campaigns]
        ch = self.channel[camp]
        return pd.DataFrame({
            "campaign_name": self.names[camp],
            "channel": _SPELLINGS[ch, records["spelling"]],
            "cost": records["cost"],
            "impressions": pd.array(records["impressions"], dtype="Int64"),
            "clicks": pd.array(records["clicks"], dtype="Int64"),
            "conversions": pd.array(records["conversions"], dtype="Int64"),
            "revenue": records["revenue"],
            "date": self.dates[key // self.n_campaigns],
        })


def _impressions(g: np.random.Generator, v: dict[str, Any]) -> np.ndarray:
    return g.poisson(_MEAN_IMPRESSIONS[v["ch"]] * v["impression_factor"]).astype(np.int64)


def _clicks(g: np.random.Generator, v: dict[str, Any]) -> np.ndarray:
    return g.binomial(v["impressions"], np.clip(_CTR[v["ch"]] * v["quality"], 0, 0.9)).astype(np.int64)


def _conversions(g: np.random.Generator, v: dict[str, Any]) -> np.ndarray:
    return g.binomial(v["clicks"], np.clip(_CVR[v["ch"]] * v["quality"], 0, 0.9)).astype(np.int64)


#: The whole-frame generator's per-row draws, in its order (after the campaigns and qualities).
_CAMPAIGN_BLOCKS = [
    _Block("impression_factor", lambda g, v: g.lognormal(0.0, 0.5, size=v["size"])),
    _Block("impressions", _impressions, needs=("impression_factor",), per_row=True),
    _Block("clicks", _clicks, needs=("impressions",), per_row=True),
    _Block("conversions", _conversions, needs=("clicks",), per_row=True),
    _Block("cost_factor", lambda g, v: g.lognormal(0.0, 0.2, size=v["size"])),
    _Block("revenue_factor", lambda g, v: g.lognormal(0.0, 0.3, size=v["size"])),
    # spellings as exported
    _Block("spelling", lambda g, v: g.integers(0, 60, size=v["size"])),
]

#: A drawn campaign row on its way to load order (the columns a chunk is built from).
_RECORD = np.dtype([("key", "<i8"), ("spelling", "u1"), ("impressions", "<i8"), ("clicks", "<i8"),
                    ("conversions", "<i8"), ("cost", "<f8"), ("revenue", "<f8")])


class _CampaignDirt:
    """All the dirt, chosen over the whole (load-ordered) frame as the whole-frame generator
    chooses it, to be applied chunk by chunk."""

    def __init__(self, rng: np.random.Generator, n_unique: int, n_dupes: int) -> None:
        outliers = _pick(rng, n_unique, 0.003)
        self.outliers = _Picks.of(outliers, rng.uniform(10, 40, size=len(outliers)))
        self.no_channel = _Picks.of(_pick(rng, n_unique, 0.004))
        unknown = _pick(rng, n_unique, 0.002)
        self.unknown = _Picks.of(unknown, rng.choice(UNKNOWN_CHANNELS, size=len(unknown)))
        self.nulls = {col: _Picks.of(_pick(rng, n_unique, 0.01))
                      for col in ("impressions", "clicks", "conversions")}
        self.padded = _Picks.of(_pick(rng, n_unique, 0.01))
        self.negative = _Picks.of(_pick(rng, n_unique, 0.001))
        over = _pick(rng, n_unique, 0.001)
        self.over = _Picks.of(over, rng.integers(1, 50, size=len(over)))
        self.no_name = _Picks.of(_pick(rng, n_unique, 0.0005))
        self.no_revenue = _Picks.of(_pick(rng, n_unique, 0.0005))
        # duplicates: re-exported rows, appended later, values drifted a little
        self.n_dupes = n_dupes
        if n_dupes:
            src = rng.choice(n_unique, size=n_dupes, replace=False)
            self.dupes = _Picks.of(src, np.arange(n_dupes))
            self.cost_drift = rng.uniform(0.9, 1.1, size=n_dupes)
            self.revenue_drift = rng.uniform(0.9, 1.1, size=n_dupes)
        else:
            self.dupes = _Picks.of(np.array([], dtype=int), np.array([], dtype=int))

    def apply(self, frame: pd.DataFrame, lo: int, typical: float) -> pd.DataFrame | None:
        """Dirty ``frame`` (rows lo.. in load order, index 0..) in place, in the whole-frame
        generator's order; return its rows that are duplicated later (index: duplicate number)."""
        hi = lo + len(frame)
        rows, factor = self.outliers.within(lo, hi)
        if len(rows):
            frame.loc[rows, "revenue"] = (factor * typical).round(2)
        rows, _ = self.no_channel.within(lo, hi)
        if len(rows):
            frame.loc[rows, "channel"] = None
        rows, names = self.unknown.within(lo, hi)
        if len(rows):
            frame.loc[rows, "channel"] = names
        for col, picks in self.nulls.items():
            rows, _ = picks.within(lo, hi)
            if len(rows):
                frame.loc[rows, col] = pd.NA
        rows, _ = self.padded.within(lo, hi)
        if len(rows):
            frame.loc[rows, "campaign_name"] = "  " + frame.loc[rows, "campaign_name"].astype(str) + " "
        rows, _ = self.negative.within(lo, hi)
        if len(rows):
            frame.loc[rows, "cost"] = -frame.loc[rows, "cost"].abs() - 1
        rows, extra = self.over.within(lo, hi)
        if len(rows):
            frame.loc[rows, "clicks"] = frame.loc[rows, "impressions"].fillna(0) + extra
        rows, _ = self.no_name.within(lo, hi)
        if len(rows):
            frame.loc[rows, "campaign_name"] = None
        rows, _ = self.no_revenue.within(lo, hi)
        if len(rows):
            frame.loc[rows, "revenue"] = np.nan
        rows, which = self.dupes.within(lo, hi)
        if not len(rows):
            return None
        dupes = frame.iloc[rows].copy()
        dupes["cost"] = (dupes["cost"] * self.cost_drift[which]).round(2)
        dupes["revenue"] = (dupes["revenue"] * self.revenue_drift[which]).round(2)
        dupes.index = pd.Index(which)
        return dupes


class _LoadOrder:
    """Brings rows drawn campaign by campaign into load order through temporary files.

    Output chunk k holds load positions k*C .. (k+1)*C-1. The sort key of its first row is known
    from the plan, so every drawn row can be appended to its chunk's file as it is drawn; a chunk
    is then one file, sorted on its own. The revenue of every row also goes to a file of its own,
    for the median the outliers are scaled by. Duplicated rows wait in files of their own, by
    duplicate number, until the end.
    """

    def __init__(self, plan: _CampaignPlan, chunk_rows: int, folder: Path) -> None:
        self.plan, self.chunk_rows, self.folder = plan, chunk_rows, folder
        self.n_chunks = -(-plan.n_unique // chunk_rows)
        self.first_keys = plan.keys_at(np.arange(self.n_chunks, dtype=np.int64) * chunk_rows)

    def _chunk_file(self, k: int) -> Path:
        return self.folder / f"rows-{k:06d}.bin"

    def add(self, records: np.ndarray) -> None:
        chunk = np.searchsorted(self.first_keys, records["key"], side="right") - 1
        order = np.argsort(chunk, kind="stable")
        bounds = np.searchsorted(chunk[order], np.arange(self.n_chunks + 1))
        for k in np.flatnonzero(np.diff(bounds)):
            with self._chunk_file(int(k)).open("ab") as fh:
                records[order[bounds[k]:bounds[k + 1]]].tofile(fh)
        with (self.folder / "revenue.bin").open("ab") as fh:
            # non-negative doubles order as their bit patterns do (+ 0.0 turns -0.0 into 0.0)
            (records["revenue"] + 0.0).view(np.int64).tofile(fh)

    def revenue_median(self) -> float:
        """The revenue median as pandas computes it (the mean of the two middle values)."""
        n = self.plan.n_unique
        path = self.folder / "revenue.bin"

        def read() -> Iterator[np.ndarray]:
            for lo in range(0, n, self.chunk_rows):
                yield np.fromfile(path, dtype=np.int64, count=min(self.chunk_rows, n - lo), offset=lo * 8)

        ranks = sorted({(n - 1) // 2, n // 2})
        keys = _order_statistics(read, n, ranks, limit=max(self.chunk_rows, 1 << 16))
        middle = np.array([keys[r] for r in ranks], dtype=np.int64).view(np.float64)
        return float(np.median(middle))

    def chunks(self) -> Iterator[tuple[int, pd.DataFrame]]:
        """(first load position, rows in load order) for each output chunk."""
        for k in range(self.n_chunks):
            path = self._chunk_file(k)
            records = np.fromfile(path, dtype=_RECORD)
            path.unlink()
            lo = k * self.chunk_rows
            expected = min(self.chunk_rows, self.plan.n_unique - lo)
            if len(records) != expected:  # pragma: no cover - a broken invariant, not bad input
                raise RuntimeError(f"sample chunk {k}: {len(records)} rows drawn, {expected} expected")
            yield lo, self.plan.frame(records[np.argsort(records["key"])])

    def keep_dupes(self, dupes: pd.DataFrame) -> None:
        index = np.asarray(dupes.index)
        spill = index // self.chunk_rows
        for j in np.unique(spill):
            with (self.folder / f"dupes-{int(j):06d}.pickle").open("ab") as fh:
                pickle.dump(dupes[spill == j], fh, protocol=pickle.HIGHEST_PROTOCOL)

    def dupe_chunks(self, n_dupes: int) -> Iterator[pd.DataFrame]:
        """The duplicated rows in the order they were chosen, at most ``chunk_rows`` at a time."""
        for j in range(-(-n_dupes // self.chunk_rows)):
            path = self.folder / f"dupes-{j:06d}.pickle"
            parts = []
            with path.open("rb") as fh:
                while True:
                    try:
                        parts.append(pickle.load(fh))
                    except EOFError:
                        break
            path.unlink()
            yield pd.concat(parts).sort_index()


def _with_ids(frame: pd.DataFrame, first_id: int) -> pd.DataFrame:
    frame.index = pd.RangeIndex(first_id - 1, first_id - 1 + len(frame))
    frame.insert(0, "id", np.arange(first_id, first_id + len(frame), dtype=np.int64))
    return frame


def iter_campaigns(rows: int, *, seed: int = 42, end_date: dt.date,
                   chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """``rows`` campaign-day rows ending at ``end_date``, ids 1..rows in load order, in DataFrames
    of at most ``chunk_rows`` rows (the same rows whatever the chunk size)."""
    if rows < 0:
        raise ValueError("rows must be >= 0")
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be >= 1")
    return _campaign_chunks(rows, seed, end_date, chunk_rows)


def _campaign_chunks(rows: int, seed: int, end_date: dt.date, chunk_rows: int) -> Iterator[pd.DataFrame]:
    if rows == 0:
        return
    rng = np.random.default_rng(seed)
    n_dupes = int(round(rows * 0.005))
    n_unique = rows - n_dupes
    plan = _CampaignPlan(rng, n_unique, end_date)
    with tempfile.TemporaryDirectory(prefix="mca-sample-") as tmp:
        tape = _Tape(rng, n_unique, _CAMPAIGN_BLOCKS, plan.rows, chunk_rows, Path(tmp))
        dirt = _CampaignDirt(rng, n_unique, n_dupes)
        order = _LoadOrder(plan, chunk_rows, Path(tmp))
        needed = ["impressions", "clicks", "conversions", "cost_factor", "revenue_factor", "spelling"]
        for _, _, v in tape.chunks(needed):
            ch = v["ch"]
            records = np.empty(v["size"], dtype=_RECORD)
            records["key"] = plan.sort_key(v["camp"], v["day"])
            records["spelling"] = v["spelling"] % _SPELLING_COUNT[ch]
            records["impressions"] = v["impressions"]
            records["clicks"] = v["clicks"]
            records["conversions"] = v["conversions"]
            records["cost"] = np.round(v["clicks"] * _CPC[ch] * v["cost_factor"] + 1.0, 2)
            records["revenue"] = np.round(v["conversions"] * _ORDER_VALUE[ch] * v["revenue_factor"], 2)
            order.add(records)
        tape.discard()
        typical = max(order.revenue_median(), 1000.0)
        for lo, frame in order.chunks():
            dupes = dirt.apply(frame, lo, typical)
            if dupes is not None:
                order.keep_dupes(dupes)
            yield _with_ids(frame, lo + 1)
        first = n_unique + 1
        for dupes in order.dupe_chunks(n_dupes):
            yield _with_ids(dupes, first)
            first += len(dupes)


def generate_campaigns(rows: int, *, seed: int = 42, end_date: dt.date,
                       chunk_rows: int = DEFAULT_CHUNK_ROWS) -> pd.DataFrame:
    """``rows`` campaign-day rows ending at ``end_date`` (ids 1..rows in load order), in one frame."""
    chunks = list(iter_campaigns(rows, seed=seed, end_date=end_date, chunk_rows=chunk_rows))
    if not chunks:
        return pd.DataFrame({c: pd.Series(dtype="object") for c in CAMPAIGN_COLUMNS})
    return pd.concat(chunks, ignore_index=True)


# ---- customers -------------------------------------------------------------------------------

# segment archetypes for customers: (share, age mean, sessions, duration s, pages, transactions, order value)
CUSTOMER_ARCHETYPES = [
    (0.40, 29, 6, 140, 3.5, 0.6, 900.0),     # young browsers, rarely buy
    (0.30, 41, 14, 260, 5.5, 3.0, 1_600.0),  # regular buyers
    (0.18, 52, 26, 420, 8.0, 9.0, 2_600.0),  # loyal high-value
    (0.12, 35, 2, 60, 1.8, 0.1, 700.0),      # dormant sign-ups
]
_SHARES = np.array([a[0] for a in CUSTOMER_ARCHETYPES])
_ARCHE = np.array([a[1:] for a in CUSTOMER_ARCHETYPES])

_CUSTOMER_BLOCKS = [
    _Block("kind", lambda g, v: g.choice(len(CUSTOMER_ARCHETYPES), size=v["size"], p=_SHARES / _SHARES.sum())),
    _Block("age", lambda g, v: g.normal(_ARCHE[v["kind"], 0], 8), needs=("kind",)),
    _Block("sessions", lambda g, v: g.poisson(_ARCHE[v["kind"], 1]), needs=("kind",)),
    _Block("duration", lambda g, v: g.gamma(4.0, _ARCHE[v["kind"], 2] / 4.0), needs=("kind",)),
    _Block("pages", lambda g, v: g.gamma(6.0, _ARCHE[v["kind"], 3] / 6.0), needs=("kind",)),
    _Block("transactions", lambda g, v: g.poisson(_ARCHE[v["kind"], 4]), needs=("kind",)),
    _Block("revenue_factor", lambda g, v: g.lognormal(0.0, 0.25, size=v["size"])),
    _Block("channel", lambda g, v: g.integers(0, len(_CHANNELS), size=v["size"])),
    _Block("spelling", lambda g, v: g.integers(0, 60, size=v["size"])),
    _Block("signup_days", lambda g, v: g.integers(0, 3 * 365, size=v["size"])),
]


def iter_customers(n: int, *, seed: int = 42, end_date: dt.date,
                   chunk_rows: int = DEFAULT_CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    """``n`` customers with behavioural features drawn from four archetypes, a little dirty, in
    DataFrames of at most ``chunk_rows`` rows (the same rows whatever the chunk size)."""
    if n < 0:
        raise ValueError("customers must be >= 0")
    if chunk_rows < 1:
        raise ValueError("chunk_rows must be >= 1")
    return _customer_chunks(n, seed, end_date, chunk_rows)


def _customer_chunks(n: int, seed: int, end_date: dt.date, chunk_rows: int) -> Iterator[pd.DataFrame]:
    if n == 0:
        return
    rng = np.random.default_rng(seed + 1)
    with tempfile.TemporaryDirectory(prefix="mca-sample-") as tmp:
        tape = _Tape(rng, n, _CUSTOMER_BLOCKS, lambda lo, hi: {"size": hi - lo}, chunk_rows, Path(tmp))
        nulls = []  # (column, rows, missing value), chosen over all customers as before
        for col, share, missing in (("age", 0.01, pd.NA), ("avg_session_duration", 0.005, np.nan),
                                    ("pages_per_session", 0.005, np.nan), ("acquisition_channel", 0.10, None),
                                    ("signup_date", 0.05, None)):
            nulls.append((col, _Picks.of(rng.choice(n, size=int(round(n * share)), replace=False)), missing))
        signup_dates = (pd.Timestamp(end_date) - pd.to_timedelta(np.arange(3 * 365), unit="D")).date
        for lo, hi, v in tape.chunks([b.name for b in _CUSTOMER_BLOCKS]):
            kind = v["kind"]
            transactions = v["transactions"].astype(np.int64)
            frame = pd.DataFrame({
                "customer_id": np.arange(lo + 1, hi + 1, dtype=np.int64),
                "age": pd.array(np.clip(v["age"], 18, 85).round().astype(np.int64), dtype="Int64"),
                "sessions": pd.array(v["sessions"].astype(np.int64), dtype="Int64"),
                "avg_session_duration": np.round(v["duration"], 1),
                "pages_per_session": np.round(v["pages"], 2),
                "transactions": pd.array(transactions, dtype="Int64"),
                "revenue": np.round(transactions * _ARCHE[kind, 5] * v["revenue_factor"], 2),
                "acquisition_channel": _SPELLINGS[v["channel"], v["spelling"] % _SPELLING_COUNT[v["channel"]]],
                "signup_date": signup_dates[v["signup_days"]],
            })
            for col, picks, missing in nulls:
                rows, _ = picks.within(lo, hi)
                if len(rows):
                    frame.loc[rows, col] = missing
            frame.index = pd.RangeIndex(lo, hi)
            yield frame


def generate_customers(n: int, *, seed: int = 42, end_date: dt.date,
                       chunk_rows: int = DEFAULT_CHUNK_ROWS) -> pd.DataFrame:
    """``n`` customers with behavioural features drawn from four archetypes, a little dirty."""
    chunks = list(iter_customers(n, seed=seed, end_date=end_date, chunk_rows=chunk_rows))
    if not chunks:
        return _empty_customers()
    return pd.concat(chunks, ignore_index=True)


def _empty_customers() -> pd.DataFrame:
    return pd.DataFrame({
        "customer_id": np.arange(1, 1, dtype=np.int64),
        "age": pd.array([], dtype="Int64"),
        "sessions": pd.array([], dtype="Int64"),
        "avg_session_duration": np.array([], dtype=np.float64),
        "pages_per_session": np.array([], dtype=np.float64),
        "transactions": pd.array([], dtype="Int64"),
        "revenue": np.array([], dtype=np.float64),
        "acquisition_channel": np.array([], dtype=object),
        "signup_date": pd.DatetimeIndex([]).date,
    })


def generate(rows: int, customers: int, *, seed: int, end_date: dt.date,
             chunk_rows: int = DEFAULT_CHUNK_ROWS) -> SampleData:
    return SampleData(
        campaigns=generate_campaigns(rows, seed=seed, end_date=end_date, chunk_rows=chunk_rows),
        customers=generate_customers(customers, seed=seed, end_date=end_date, chunk_rows=chunk_rows),
    )
