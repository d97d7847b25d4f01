"""Keeping the search index in step with the database, through the change feed.

The change feed (`changes`) is the indexer's durable queue and `search_checkpoints` holds
the last `seq` each index absorbed. Catching up reads the changes after the checkpoint in
batches, re-reads the current public version of every item they touch (a withdrawn item
is removed) and advances the checkpoint: in the same transaction as the index writes for
the `sql` backend, after the bulk request succeeded for Elasticsearch. Writes are
idempotent, so replaying a batch after a crash is harmless, and a crash between a
publication's commit and its indexing loses nothing: the next catch-up finds the change
still after the checkpoint.

Change rows must be absorbed in commit order, not just `seq` order: on PostgreSQL a
transaction can commit seq 11 while seq 10 is still in flight. Catch-up therefore stops at
a high-water mark below which every change is settled (see `_high_water`).

An item is indexed once per catch-up, at its last change up to the high-water mark: its
earlier changes in the window are absorbed without building it (see `_changes`). Replaying
the 1M demo's whole feed built 1,073,035 documents for 939,200 items, and from the
800,000th change on, half the changes were re-publications, each making FTS5 delete the
row it had just written.

A bulk catch-up (a first load, a big harvest: see `_absorb`) is a sweep: it indexes the
items changed in its window in item order, each as it is when reached, so that every
B-tree of the index is appended to. In feed order, the items re-published late in the 1M
demo's feed were written at scattered places of B-trees of gigabytes, and the rate fell
from 2,800 to 750 changes/s. The checkpoint row keeps the sweep's progress
(`SearchCheckpoint.sweep_to`, `sweep_item_id`): a crashed sweep resumes where it
stopped, and its `seq` moves only when the sweep ends. Changes made meanwhile come after
the sweep's end in the feed and are absorbed right after it. Swept, the whole 1M
feed took 434 s (775 s in feed order), at a rate as high at its end as at its start.
"""

from __future__ import annotations

import gc
import logging
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, func, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from ..db import page_cache, sqlite_pragmas
from ..listings.filters import ACTIVE
from ..models import Change, ItemVersion, SearchCheckpoint
from .builder import BuilderFailed, DocumentBuilder, can_build_apart, read_documents
from .documents import Document, build_document
from .protocol import SearchBackend

log = logging.getLogger(__name__)

BATCH_SIZE = 2000
INDEXER_SESSION = "qingdan_search_indexer"  # session.info flag: the indexer's own sessions
# How long catch-up waits for in-flight publications before trying again later.
PG_LOCK_TIMEOUT = "5s"
# SQLite page cache of the indexer's connection while it writes (db.page_cache): the
# index's B-trees stay in it instead of being re-read from the OS for every row. At 1M
# items, with the autocomplete table of the time (10M rows under three indexes), catching
# up from 400,000 to 550,000 ran at 347-394 changes/s with 256 MiB, at 751-784 with
# 2 GiB. The cache fills only as far as a catch-up reads, and shrinks back when it ends.
INDEXING_CACHE_MIB = 2048
SORTER_THREADS = 1  # helper threads SQLite's sorter may use while the indexer writes
# From this many changes to absorb, documents are built by a second process one batch
# ahead of the writer (QINGDAN_INDEX_PROCESSES = 2; see `builder`).
SECOND_PROCESS_FROM = 20000
BATCHES_AHEAD = 2
# From this many changes to absorb, and at least half as many as the index holds
# documents, a catch-up sweeps (see the module's docstring).
SWEEP_FROM = 20000
# Changes per transaction when catching up with a second process: commits were a fifth
# of the writer's time at 2,000 (each writes the pages the batch touched). A longer
# write transaction holds SQLite's write lock longer (about 3 s at 10,000): only such
# bulk catch-ups (loads, harvests) use it.
COMMIT_EVERY = 10000


@dataclass
class IndexStatus:
    backend: str
    documents: int
    checkpoint: int
    last_change: int
    lag: int  # changes in the feed not yet absorbed by the index
    sweep_to: int | None = None  # a sweep under way: the seq it brings the index to ...
    sweep_item_id: int | None = None  # ... and the last item it wrote


@dataclass(frozen=True)
class Position:
    """How far an index got: its checkpoint and the progress of a sweep under way."""

    seq: int  # every change up to it is absorbed
    sweep_to: int | None = None  # a sweep under way brings the index to this seq ...
    sweep_item_id: int = 0  # ... and has written the items up to this id


@dataclass(frozen=True)
class _Batch:
    """Changes absorbed in one go: a run of the feed, or a sweep's next items."""

    position: Position  # the index's position once the batch is written
    changes: int  # how many change rows it covers
    item_ids: frozenset[int]  # the items to index (in the feed: not changed again later)
    last: bool  # the catch-up's (or sweep's) last batch


class Indexer:
    """Catch-up, full rebuild and status of one backend's index over one database."""

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        backend: SearchBackend,
        processes: int = 2,
        second_process_from: int = SECOND_PROCESS_FROM,
        sweep_from: int = SWEEP_FROM,
    ):
        self.session_factory = session_factory
        self.backend = backend
        self.processes = processes  # QINGDAN_INDEX_PROCESSES
        self.second_process_from = second_process_from
        self.sweep_from = sweep_from

    def _session(self, bind: Connection | None = None) -> Session:
        if bind is None:
            return self.session_factory(info={INDEXER_SESSION: True})
        return self.session_factory(bind=bind, info={INDEXER_SESSION: True})

    @contextmanager
    def _writing(self) -> Iterator[Connection]:
        """One connection for a whole catch-up or rebuild, with a roomy page cache.

        Sessions bound to it begin and commit their own transactions, batch by batch.
        """
        engine = self.session_factory.kw["bind"]
        with (
            engine.connect() as connection,
            page_cache(connection, INDEXING_CACHE_MIB),
            # Debian builds SQLite with secure_delete on: every page freed is zeroed and
            # written out. The index frees pages all the time (FTS5 merging segments,
            # pending keys merged away) and holds only published text, nothing to scrub:
            # its writer zeroes only within pages it writes anyway (FAST).
            # threads: SQLite's sorter may sort in a helper thread. The merge that ends a
            # first load of 1M items sorts 15.7M autocomplete keys: 42.6 s alone, 32.2-34.9
            # s with one helper (on the core the second process has just left idle), peak
            # memory 2.7 -> 3.2 GiB; two helpers gained nothing more and took 3.5 GiB.
            sqlite_pragmas(connection, secure_delete="FAST", threads=SORTER_THREADS),
        ):
            yield connection

    def catch_up(self, batch_size: int = BATCH_SIZE, progress: Any = None) -> int:
        """Index every settled change after the checkpoint; returns how many were absorbed."""
        high_water = self._high_water()
        position = self._position()
        pending = high_water - position.seq
        if pending <= 0:
            return 0  # nothing to do: write nothing, so idle catch-ups never block writers
        with self._writing() as connection:
            absorbed, swept = self._absorb(
                connection, position, high_water, pending, batch_size, progress
            )
        if swept:
            # Changes committed while it swept come after its end in the feed: absorbed
            # now rather than at the next publication (on a connection of their own, the
            # sweep's page cache given back first).
            absorbed += self.catch_up(batch_size, progress)
        return absorbed

    def _absorb(
        self,
        connection: Connection,
        position: Position,
        high_water: int,
        pending: int,
        batch_size: int,
        progress: Any,
    ) -> tuple[int, bool]:
        """Absorb about `pending` changes from `position` (both read before the writing
        began: another indexer may take some first, which only the batches' own reads
        decide); a bulk catch-up sweeps, and a sweep under way (say, one that crashed) is
        carried on first. Returns (changes absorbed, whether it swept to the end)."""
        # As many changes as half the index holds documents (a first load, a big
        # harvest): the catch-up sweeps and ends by compacting the index. A 30,000-change
        # harvest into the 1M index would have spent 17 s of its 46 on FTS5's optimize.
        # The index is counted only for such catch-ups, not after each publication.
        if pending >= self.sweep_from and pending >= self._documents(connection) / 2:
            position = self._begin_sweep(connection, sweep_to=high_water)
        bulk = position.sweep_to is not None  # sweeping: it ends by compacting the index
        builder = self._builder(connection, pending)
        if builder is None:
            return self._absorb_here(connection, high_water, batch_size, progress, bulk), bulk
        with builder, _heap_frozen():
            absorbed, ended = self._absorb_ahead(
                connection, builder, position, high_water, batch_size, progress, bulk
            )
        return absorbed, bulk and ended

    def _documents(self, connection: Connection) -> int:
        with self._session(connection) as session:
            return self.backend.count(session)

    def _begin_sweep(self, connection: Connection, sweep_to: int) -> Position:
        """The index's position once a sweep to `sweep_to` is begun, unless one is under
        way already or the index got there meanwhile."""
        with self._session(connection) as session, session.begin():
            position = self._claim(session)
            if position.sweep_to is None and sweep_to > position.seq:
                position = Position(position.seq, sweep_to)
                self._set_position(session, position)
            return position

    def _absorb_here(
        self, connection: Connection, high_water: int, batch_size: int, progress: Any, bulk: bool
    ) -> int:
        """Batch by batch: read the changes, build their documents, write, commit.
        `bulk`: a catch-up that ends by compacting the index (see `SearchBackend.settle`)."""
        absorbed = 0
        while True:
            with self._session(connection) as session, session.begin():
                position = self._claim(session)
                batch = self._next_batch(session, position, high_water, batch_size)
                if batch.position != position:
                    documents = list(read_documents(session, batch.item_ids))
                    self._write(session, batch, documents, bulk)
                if batch.last:  # nothing left deferred
                    self.backend.settle(session, bulk=bulk)
            absorbed += batch.changes
            if progress is not None and batch.changes:
                progress.update(batch.changes)
            if batch.last:
                return absorbed

    def _absorb_ahead(
        self,
        connection: Connection,
        builder: DocumentBuilder,
        position: Position,
        high_water: int,
        batch_size: int,
        progress: Any,
        bulk: bool,
    ) -> tuple[int, bool]:
        """As `_absorb_here`, with the documents built by `builder`, BATCHES_AHEAD batches
        ahead of the one being written, and a commit every COMMIT_EVERY changes. Stops
        (having written what it could) when another indexer moved the checkpoint
        meanwhile: the batches read ahead are then stale. When the builder fails, the
        open transaction is rolled back and the rest absorbed here, as without it.
        Returns (changes absorbed, whether it got to the end rather than stopping)."""
        built = _built(builder, self._batches(connection, position, high_water, batch_size))
        absorbed = 0
        try:
            while True:
                written = 0
                ended = True
                with self._session(connection) as session, session.begin():
                    if self._claim(session) != position:
                        return absorbed, False
                    for batch, documents in built:
                        position = batch.position
                        self._write(session, batch, documents, bulk)
                        written += batch.changes
                        if written >= COMMIT_EVERY and not batch.last:
                            ended = False
                            break
                    if ended:  # nothing more to write: nothing left deferred
                        self.backend.settle(session, bulk=bulk)
                absorbed += written
                if progress is not None and written:
                    progress.update(written)
                if ended:
                    return absorbed, True
        except BuilderFailed as failure:
            log.warning("the index's second process failed (%s); building here", failure)
            rest = self._absorb_here(connection, high_water, batch_size, progress, bulk)
            return absorbed + rest, True

    def _builder(self, connection: Connection, pending: int) -> DocumentBuilder | None:
        """A second process to build documents, when it pays and can open the database."""
        if self.processes < 2 or not can_build_apart(connection.engine):
            return None
        if pending < self.second_process_from:
            return None
        url = connection.engine.url.render_as_string(hide_password=False)
        try:
            return DocumentBuilder(url)
        except OSError:
            log.warning("no second process for the index; building here", exc_info=True)
            return None

    def _batches(
        self, connection: Connection, position: Position, high_water: int, batch_size: int
    ) -> Iterator[_Batch]:
        """The batches after `position`, each read when asked for; the last one too, even
        empty, when it ends a sweep."""
        while True:
            with self._session(connection) as session, session.begin():
                batch = self._next_batch(session, position, high_water, batch_size)
            if batch.position != position:
                yield batch
            if batch.last:
                return
            position = batch.position

    def _next_batch(
        self, session: Session, position: Position, high_water: int, batch_size: int
    ) -> _Batch:
        """The next batch from `position`: the sweep's next items, or the feed's changes."""
        if position.sweep_to is not None:
            return self._swept(session, position, high_water, batch_size)
        return self._changes(session, position.seq, high_water, batch_size)

    @staticmethod
    def _swept(session: Session, position: Position, high_water: int, batch_size: int) -> _Batch:
        """The next `batch_size` items of a sweep: those after `position.sweep_item_id`
        changed in its window, in item order. Its last batch ends the sweep, and the
        catch-up too unless the sweep (begun by another) ends below `high_water`: the
        feed after it follows."""
        rows = session.execute(
            select(Change.item_id, func.count())
            .where(
                Change.item_id > position.sweep_item_id,
                Change.seq > position.seq,
                Change.seq <= position.sweep_to,
            )
            .group_by(Change.item_id)
            .order_by(Change.item_id)
            .limit(batch_size)
        ).all()
        changes = sum(count for _item_id, count in rows)
        item_ids = frozenset(item_id for item_id, _count in rows)
        if len(rows) < batch_size:
            ended = position.sweep_to >= high_water
            return _Batch(Position(position.sweep_to), changes, item_ids, last=ended)
        after = Position(position.seq, position.sweep_to, rows[-1][0])
        return _Batch(after, changes, item_ids, last=False)

    @staticmethod
    def _changes(session: Session, after: int, high_water: int, batch_size: int) -> _Batch:
        """The next `batch_size` changes after seq `after`, up to `high_water`.

        Its items changed again before `high_water` are left out: they are indexed at
        their later change, read as they are then. A crash in between loses nothing, as
        the checkpoint stays below that change until it is written.
        """
        rows = session.execute(
            select(Change.seq, Change.item_id)
            .where(Change.seq > after, Change.seq <= high_water)
            .order_by(Change.seq)
            .limit(batch_size)
        ).all()
        if not rows:
            return _Batch(Position(after), 0, frozenset(), last=True)
        last = rows[-1][0]
        if last == high_water:
            # Nothing after it changes its items again (a publication). It is the last
            # batch even when full, so the settle ending the catch-up commits with its
            # writes: an empty last batch settled alone, and a crash between the two left
            # the checkpoint at the end with a sweep's autocomplete keys never merged.
            return _Batch(Position(last), len(rows), frozenset(_item_ids(rows)), last=True)
        latest = session.execute(
            select(Change.item_id)
            .where(Change.item_id.in_(sorted(_item_ids(rows))), Change.seq <= high_water)
            .group_by(Change.item_id)
            .having(func.max(Change.seq) <= last)
        ).scalars()
        return _Batch(Position(last), len(rows), frozenset(latest), len(rows) < batch_size)

    def _write(
        self, session: Session, batch: _Batch, documents: list[Document], bulk: bool
    ) -> None:
        """Write one batch (items without a public version are removed) and its position;
        `bulk`: the batch belongs to a sweep (see `SearchBackend.write`)."""
        removed = sorted(batch.item_ids - {d.item_id for d in documents})
        self.backend.write(session, documents, removed, bulk=bulk)
        self._set_position(session, batch.position)

    def reindex(self, progress: Any = None) -> int:
        """Rebuild the whole index from the database; returns the number of documents."""
        high_water = self._high_water()
        with self._writing() as connection, self._session(connection) as session, session.begin():
            total = session.scalar(select(func.count()).where(ItemVersion.public_status == ACTIVE))
            if progress is not None:
                progress.reset(total=total)
            counted = _Counter(progress)
            self.backend.rebuild(session, counted.wrap(_all_documents(session)))
            # Changes after the high-water mark are replayed by the next catch-up;
            # replaying what the rebuild already saw is harmless.
            self._claim(session)
            self._set_position(session, Position(high_water))  # a sweep under way ends too
        self.catch_up()
        return counted.count

    def clear(self) -> None:
        """Empty the index and rewind its checkpoint: the next catch-up absorbs the whole
        feed (a first load, as the benchmarks measure it). On the indexer's own
        connection: emptying the 1M index through a plain one took 7 min 41 s, SQLite
        zeroing every freed page (see `_writing`)."""
        with (
            self._writing() as connection,
            self._session(connection) as session,
            session.begin(),
        ):
            self.backend.rebuild(session, [])
            self._claim(session)
            self._set_position(session, Position(0))

    def status(self) -> IndexStatus:
        with self._session() as session:
            position = self._position_in(session)
            last = session.scalar(select(func.max(Change.seq))) or 0
            lag = session.scalar(select(func.count()).where(Change.seq > position.seq)) or 0
            sweeping = position.sweep_to is not None
            return IndexStatus(
                self.backend.name,
                self.backend.count(session),
                position.seq,
                last,
                lag,
                position.sweep_to,
                position.sweep_item_id if sweeping else None,
            )

    # ---- the checkpoint row ----

    def _position(self) -> Position:
        with self._session() as session:
            return self._position_in(session)

    def _position_in(self, session: Session) -> Position:
        """The index's position, as the checkpoint row says (no row: nothing absorbed)."""
        row = session.execute(
            select(
                SearchCheckpoint.seq, SearchCheckpoint.sweep_to, SearchCheckpoint.sweep_item_id
            ).where(SearchCheckpoint.name == self.backend.checkpoint_name)
        ).one_or_none()
        if row is None:
            return Position(0)
        seq, sweep_to, sweep_item_id = row
        if sweep_to is None:
            return Position(seq or 0)
        return Position(seq or 0, sweep_to, sweep_item_id or 0)

    def _claim(self, session: Session) -> Position:
        """Lock the checkpoint row (writing it first), so indexers take turns; the index's
        position."""
        name = self.backend.checkpoint_name
        claimed = session.execute(
            update(SearchCheckpoint)
            .where(SearchCheckpoint.name == name)
            .values(seq=SearchCheckpoint.seq)
        )
        if claimed.rowcount == 0:  # the first catch-up of this index
            session.add(SearchCheckpoint(name=name, seq=0))
            session.flush()
            return Position(0)
        return self._position_in(session)

    def _set_position(self, session: Session, position: Position) -> None:
        session.execute(
            update(SearchCheckpoint)
            .where(SearchCheckpoint.name == self.backend.checkpoint_name)
            .values(
                seq=position.seq,
                sweep_to=position.sweep_to,
                sweep_item_id=None if position.sweep_to is None else position.sweep_item_id,
            )
        )

    def _high_water(self) -> int:
        """The highest seq below which no change can still appear.

        SQLite has one writer at a time, so seq order is commit order. On PostgreSQL a
        SHARE lock on `changes` waits for every transaction that has inserted into it to
        end; after that, any seq not yet visible was rolled back, and later inserts get
        higher seqs. The lock is held only for this one query.
        """
        with self._session() as session, session.begin():
            if session.get_bind().dialect.name == "postgresql":
                session.execute(text(f"SET LOCAL lock_timeout = '{PG_LOCK_TIMEOUT}'"))
                session.execute(text("LOCK TABLE changes IN SHARE MODE"))
            return session.scalar(select(func.max(Change.seq))) or 0


@contextmanager
def _heap_frozen() -> Iterator[None]:
    """The objects alive now left out of Python's full garbage collections while the
    block runs (`gc.freeze`). Each batch unpickles some 100,000 objects, which set off a
    full collection every other batch, each walking the whole heap (the application's
    modules, the ORM's mappings): 4.75 s of a 38.7 s catch-up of the 100k demo, 1.09 s
    with the heap frozen."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _item_ids(rows: list) -> set[int]:
    """The items a batch of (seq, item_id) change rows touches, each once."""
    return {item_id for _seq, item_id in rows}


def _built(builder: DocumentBuilder, batches: Iterator[_Batch]) -> Iterator[tuple[_Batch, list]]:
    """(batch, its documents) batch by batch, the builder kept BATCHES_AHEAD batches
    ahead; raises BuilderFailed."""
    sent: deque[_Batch] = deque()
    for batch in batches:
        builder.submit(list(batch.item_ids))
        sent.append(batch)
        if len(sent) == BATCHES_AHEAD:
            break
    while sent:
        batch = sent.popleft()
        documents = builder.receive()
        if (following := next(batches, None)) is not None:
            builder.submit(list(following.item_ids))
            sent.append(following)
        yield batch, documents


class _Counter:
    def __init__(self, progress: Any):
        self.progress = progress
        self.count = 0

    def wrap(self, documents: Iterator[Document]) -> Iterator[Document]:
        for document in documents:
            self.count += 1
            if self.progress is not None:
                self.progress.update(1)
            yield document


def _all_documents(session: Session) -> Iterator[Document]:
    rows = session.execute(
        select(ItemVersion.item_id, ItemVersion.id, ItemVersion.record, ItemVersion.source_id)
        .where(ItemVersion.public_status == ACTIVE)
        .order_by(ItemVersion.item_id)
        .execution_options(yield_per=BATCH_SIZE)
    )
    for item_id, version_id, record, source_id in rows:
        yield build_document(item_id, version_id, record, source_id)
