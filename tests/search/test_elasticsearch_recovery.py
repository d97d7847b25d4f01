"""The Elasticsearch backend on the live node: an indexer that died mid-batch catches up.

A module of its own: it publishes into its world, so the reindex test's counts stay exact
whatever order pytest-randomly picks.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from qingdan_api.models import ItemVersion
from qingdan_api.search.documents import build_document

from .conftest import search
from .dataset import code_of
from .test_contract import _publish


def _documents_of(session: Session, item_ids: list[int]):
    versions = session.scalars(
        select(ItemVersion).where(
            ItemVersion.item_id.in_(item_ids), ItemVersion.public_status == "active"
        )
    )
    return [build_document(v.item_id, v.id, v.record) for v in versions]


def test_catch_up_replays_a_batch_whose_checkpoint_never_committed(es_app):
    """The bulk request reached the node, then the indexer died before its checkpoint."""
    state = es_app.extensions["qingdan"]
    indexer = state.search
    client = es_app.test_client()
    renamed, withdrawn = code_of("建筑工程施工许可证核发"), code_of("排污许可证核发")
    documents = indexer.status().documents
    with Session(state.engine) as session:  # no hook: nothing indexes these commits
        _publish(session, renamed, name="建筑工程施工许可证核发（夜间施工）")
        _publish(session, withdrawn, disposition="cancel", disposition_reason="取消")
        ids = session.scalars(
            select(ItemVersion.item_id).where(ItemVersion.code.in_([renamed, withdrawn]))
        ).all()
    with state.session_factory() as session:  # what the crashed indexer had sent
        indexer.backend.write(session, _documents_of(session, list(set(ids))), [])
    assert indexer.status().lag == 2  # the checkpoint never moved
    assert indexer.catch_up() == 2  # replayed: writes are idempotent
    status = indexer.status()
    assert status.lag == 0 and status.documents == documents - 1
    hits = search(client, "夜间施工")["items"]
    assert [hit["code"] for hit in hits] == [renamed]
    assert withdrawn not in [hit["code"] for hit in search(client, "排污许可", limit=100)["items"]]
