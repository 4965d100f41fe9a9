"""A writer that cannot get the database within the busy timeout gets a clean `busy` error."""

import os

from sqlalchemy import text

from conftest import ON_POSTGRES, fails, ok
from storectl.db import Database, resolve_url


def _hold_write_lock(db: Database):
    """Open a write transaction the way storectl does and keep it open."""
    session = db._session(write=True, command="hold")
    session.connection()
    if ON_POSTGRES:
        from storectl.db import _serialise_writers

        _serialise_writers(session)
    else:
        session.execute(text("UPDATE doc_counter SET last = last WHERE prefix = 'S'"))
    return session


def test_a_write_waits_for_the_busy_timeout_then_says_busy(shop):
    holder = _hold_write_lock(Database(resolve_url(os.environ["STORECTL_DB"])))
    try:
        err = fails("busy", "store", "add", "SZ09", "临时店", env={"STORECTL_BUSY_TIMEOUT_MS": "300"})
        assert "busy" in err["message"] and err["hint"]
        # reads are not blocked by a writer
        assert [s["code"] for s in ok("store", "list")] == ["SZ01", "SZ02"]
    finally:
        holder.rollback()
        holder.close()
    ok("store", "add", "SZ09", "临时店")
