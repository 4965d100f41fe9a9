"""Engine, connection settings, the read snapshot and the one write transaction per command.

SQLite: WAL, foreign keys, a busy timeout, synchronous=NORMAL; pysqlite's own transaction
handling is switched off and we issue `BEGIN IMMEDIATE` ourselves for writes, because the driver's
deferred BEGIN lets two processes read the same unit as in stock and both sell it.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from sqlalchemy import event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DatabaseError, IntegrityError, NoSuchModuleError, OperationalError
from sqlmodel import Session, create_engine

from storectl import clock
from storectl.errors import STORAGE_ERRNOS, storage_error
from storectl.errors import StoreError

# The newest Alembic revision; a test proves it equals the migrations' head.
SCHEMA_HEAD = "0015"
APP_NAME = "storectl"


def default_db_path() -> Path:
    import typer  # only to find the per-user folder the spec names

    return Path(typer.get_app_dir(APP_NAME)) / "store.db"


def resolve_url(db: str | None) -> str:
    """--db / STORECTL_DB / the default, as an SQLAlchemy URL."""
    value = (db or os.environ.get("STORECTL_DB") or "").strip()
    if not value:
        value = str(default_db_path())
    if "://" in value:
        try:
            make_url(value)
        except Exception:
            raise StoreError("invalid_input", f"{value!r} is not a database URL", "use a file path or sqlite:///path/to/store.db") from None
        return value
    return "sqlite:///" + str(Path(value).expanduser().absolute())


def sqlite_path(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database in ("", ":memory:"):
        return None
    return Path(database)


def busy_timeout_ms() -> int:
    """How long a write waits for its turn (STORECTL_BUSY_TIMEOUT_MS). 30 s by default: SQLite's
    retries are not first come, first served, and with eight writers on two busy cores one
    writer was seen losing the race for 21 s."""
    try:
        return max(0, int(os.environ.get("STORECTL_BUSY_TIMEOUT_MS", "30000")))
    except ValueError:
        return 30000


def _sqlite_engine(url: str) -> Engine:
    timeout = busy_timeout_ms()
    engine = create_engine(url, connect_args={"timeout": timeout / 1000, "check_same_thread": False})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # noqa: ANN001
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {timeout}")
        cur.execute("PRAGMA foreign_keys = ON")
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # noqa: ANN001
        mode = conn.get_execution_options().get("storectl_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def _is_locked(exc: BaseException) -> bool:
    msg = str(exc).lower()
    return (
        "database is locked" in msg
        or "database is busy" in msg
        or "could not obtain lock" in msg
        or "lock timeout" in msg  # PostgreSQL's lock_timeout (SQLSTATE 55P03)
    )


# sqlite3's own errors too: raw_connection() and the backup API raise them unwrapped.
_OPERATIONAL = (OperationalError, sqlite3.OperationalError)
_INTEGRITY = (IntegrityError, sqlite3.IntegrityError)
_DATABASE = (DatabaseError, sqlite3.DatabaseError)
# What PostgreSQL drivers say when the server is not there or refuses us (psycopg 3 and 2).
_CANNOT_CONNECT = ("connection failed", "could not connect", "connection refused", "could not translate host name")


# What SQLite (and the OS under it) say when the disk or the file fails us: never the user's input.
_STORAGE = (
    ("database or disk is full", "the disk is full: nothing was saved", "free some space on the disk that holds the database, then run it again"),
    ("disk i/o error", "the disk reported an I/O error: nothing was saved", "check the disk (dmesg, SMART) and the database: storectl db check"),
    ("readonly database", "the database is read-only: nothing was saved", "check the file's and its folder's permissions, and that the disk is not mounted read-only"),
    ("read-only file system", "the database is on a read-only file system: nothing was saved", "remount the disk read-write, or copy the database elsewhere"),
    ("malformed", "the database file is damaged (SQLite: database disk image is malformed)",
     "storectl db check shows the damage; restore the newest good backup"),
    ("database corrupt", "the database file is damaged", "storectl db check shows the damage; restore the newest good backup"),
)
# OS errors that mean the storage failed, not the input (ENOSPC, EDQUOT, EIO, EROFS).
def driver_message(exc: BaseException) -> str:
    """The driver's own one-line message: never SQLAlchemy's text, which carries the SQL and every
    bound parameter (320,000 characters for a big stock-in)."""
    msg = str(getattr(exc, "orig", None) or exc).strip()
    first = msg.splitlines()[0] if msg else type(exc).__name__
    return first[:300]


def translate_db_error(exc: Exception) -> StoreError | None:
    """Turn a driver error that bad input or the environment can cause into a StoreError."""
    msg = driver_message(exc)
    low = msg.lower()
    if isinstance(exc, _OPERATIONAL) and _is_locked(exc):
        return StoreError("busy", "the database is busy: another command held it too long", "try again in a moment")
    if isinstance(exc, _INTEGRITY):
        return StoreError("conflict", f"the database refused the change: {msg}", "check the codes for duplicates")
    if isinstance(exc, _DATABASE):
        for needle, message, hint in _STORAGE:
            if needle in low:
                return StoreError("storage", message, hint)
    if isinstance(exc, _DATABASE) and "not a database" in low:
        return StoreError("invalid_input", f"the file is not a storectl database ({msg})", "point --db at a storectl database, or run storectl init on a new path")
    if isinstance(exc, _OPERATIONAL) and "unable to open" in low:
        return StoreError("invalid_input", f"cannot open the database: {msg}", "check the path given by --db or STORECTL_DB and its permissions")
    if isinstance(exc, _OPERATIONAL) and any(m in low for m in _CANNOT_CONNECT):
        return StoreError("invalid_input", f"cannot connect to the database: {msg}", "check the URL given by --db or STORECTL_DB, and that the server is running")
    if isinstance(exc, _OPERATIONAL) and "no such table" in low:
        return StoreError("db_not_initialized", "the database has no storectl tables", "storectl init")
    if isinstance(exc, OSError) and exc.errno in STORAGE_ERRNOS:
        return storage_error(exc)
    return None


def is_newer(rev: str) -> bool:
    """A revision this storectl does not know: not one of ours up to head (`0001`…SCHEMA_HEAD; the
    revisions are numbered in order), so a newer storectl made it."""
    return not (len(rev) == len(SCHEMA_HEAD) and rev.isascii() and rev.isdigit() and "0001" <= rev <= SCHEMA_HEAD)


def too_new(rev: str) -> StoreError:
    return StoreError(
        "db_too_new",
        f"the database was made by a newer storectl (schema revision {rev}; this storectl knows up to {SCHEMA_HEAD})",
        "upgrade storectl (pip install -U storectl) to use it; db backup still works with this one",
    )


class Database:
    """One database: its URL, engine, and the sessions commands run in."""

    def __init__(self, url: str, *, operator: str = "", pin: str | None = None, pin_prompt=None) -> None:  # noqa: ANN001
        self.url = url
        self.operator = operator
        self.pin = pin
        self.pin_prompt = pin_prompt  # asks for a PIN when a manager-only action needs one
        self.path = sqlite_path(url)
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            if self.is_sqlite:
                self._engine = _sqlite_engine(self.url)
            else:
                from sqlalchemy.pool import NullPool

                # one command, one connection: nothing idles on a shared server
                try:
                    self._engine = create_engine(self.url, poolclass=NullPool)
                except (ImportError, NoSuchModuleError) as exc:  # an unknown dialect, or its driver is not installed
                    raise StoreError(
                        "invalid_input",
                        f"cannot use the database URL {make_url(self.url).render_as_string(hide_password=True)}: {exc}",
                        "use an SQLite file, or PostgreSQL: pip install 'storectl[postgres]' and postgresql+psycopg://…",
                    ) from None
        return self._engine

    # --- readiness -------------------------------------------------------------------------

    def exists(self) -> bool:
        if self.path is None:
            return True
        if self.path.exists() and not self.path.is_file():
            # /dev/null, a folder, a FIFO: SQLite would say "disk I/O error" or worse
            raise StoreError("invalid_input", f"{self.path} is not a regular file, so it cannot hold a database",
                             "point --db or STORECTL_DB at a file, e.g. --db ~/shop/store.db")
        return self.path.exists()

    def current_revision(self) -> str | None:
        """The Alembic revision stamped in the database, or None when it has none."""
        if not self.exists():
            return None
        try:
            with self.engine.connect() as conn:
                if self.is_sqlite:
                    found = conn.exec_driver_sql(
                        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
                    ).first()
                else:
                    found = conn.execute(text("SELECT to_regclass('alembic_version')")).scalar()
                if not found:
                    return None
                return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        except (DatabaseError, OperationalError) as exc:
            raise (translate_db_error(exc) or exc) from None

    def ensure_ready(self) -> None:
        """Refuse a database that is missing, not initialised or behind head. Never migrates."""
        rev = self.current_revision()
        if rev is None:
            where = f" at {self.path}" if self.path else ""
            raise StoreError("db_not_initialized", f"no storectl database{where}", "storectl init")
        if is_newer(rev):
            raise too_new(rev)
        if rev != SCHEMA_HEAD:
            raise StoreError(
                "db_not_migrated",
                f"the database is at revision {rev}, this storectl needs {SCHEMA_HEAD}",
                "storectl db upgrade",
            )

    # --- sessions --------------------------------------------------------------------------

    def _session(self, *, write: bool, command: str, now=None) -> Session:  # noqa: ANN001
        engine = self.engine.execution_options(storectl_begin="IMMEDIATE") if write else self.engine
        session = Session(engine, expire_on_commit=False, autoflush=True)
        session.info.update(
            operator=self.operator, pin=self.pin, command=command, docs=[], write=write,
            now=now if now is not None else clock.now(), db=self,
        )
        return session

    def clock_is_fixed(self) -> bool:
        """Whether this process runs under a fixed clock (STORECTL_NOW); the demo's always does."""
        return bool(clock.fixed())

    @contextmanager
    def read(self, command: str = "", *, assume_ready: bool = False) -> Iterator[Session]:
        """A read-only snapshot: one transaction, rolled back at the end.

        `assume_ready`: a long-running process (the till) checked `ensure_ready` once at its start."""
        if not assume_ready:
            self.ensure_ready()
        session = self._session(write=False, command=command)
        try:
            yield session
        except (DatabaseError, OperationalError) as exc:
            raise self._noted(translate_db_error(exc)) or exc from None
        finally:
            session.rollback()
            session.close()

    def _preflight(self) -> dict:
        """Before the write lock: ask for a manager's PIN (prompt or STORECTL_PIN) and check it.

        Who needs a PIN is read in a snapshot that ends before anyone is asked, so nothing (no
        SQLite write lock, no PostgreSQL advisory lock, no read transaction) is held while a
        person types; scrypt runs here too, outside the lock. The command's own transaction
        judges again (`auth.require_manager`) and refuses and audits what is wrong.
        """
        from storectl.services.shop import auth

        session = self._session(write=False, command="")
        try:
            holder = auth.pin_holder(session)
        except (DatabaseError, OperationalError) as exc:
            raise (translate_db_error(exc) or exc) from None
        finally:
            session.rollback()
            session.close()
        if holder is None:
            return {}
        code, name, stored = holder
        pin = self.pin
        if not pin and callable(self.pin_prompt):
            pin = self.pin_prompt(f"PIN for {code} ({name})")
        if not pin:
            return {}
        return {"pin": pin, "pin_verified": (code, stored) if auth.verify_pin(pin, stored) else None}

    @contextmanager
    def write(self, command: str, *, manager: bool = False) -> Iterator[Session]:
        """The one transaction of a write command: BEGIN IMMEDIATE … COMMIT, with its audit row.

        `manager=True` for a command that may need a manager's PIN: it is asked before the lock.
        """
        self.ensure_ready()
        self.refuse_if_damaged()
        ahead = self._preflight() if manager else {}
        session = self._session(write=True, command=command)
        session.info.update(ahead)
        try:
            session.connection()  # BEGIN IMMEDIATE now, before any read
            if not self.is_sqlite:
                _serialise_writers(session)
            self._check_clock(session)
            yield session
            record_audit(session, outcome="ok", detail=session.info.get("audit_detail", ""))
            session.commit()
        except StoreError as err:
            session.rollback()
            if err.code == "forbidden":
                self._audit_refusal(command, err)
            raise
        except (DatabaseError, OperationalError) as exc:
            try:
                session.rollback()
            except (DatabaseError, OperationalError):
                pass  # a full or failing disk can refuse the rollback too; SQLite undoes it on reopen
            raise self._noted(translate_db_error(exc)) or exc from None
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    # --- damage ------------------------------------------------------------------------------
    # SQLite notices a damaged page only when a statement reads it: a sale may well succeed on a
    # file whose other pages are garbage. Once damage is seen (by any command, `db check` or a
    # backup), a marker beside the file makes every later write refuse, until `db check` finds
    # the file sound again (after a repair or a restore).

    @property
    def damage_marker(self) -> Path | None:
        return Path(str(self.path) + "-damaged") if self.is_sqlite and self.path is not None else None

    def mark_damaged(self, detail: str) -> None:
        marker = self.damage_marker
        if marker is None:
            return
        try:
            fd = os.open(marker, os.O_CREAT | os.O_WRONLY | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(detail[:2000] + "\n")
        except OSError:
            pass  # a full disk may refuse even this; the error itself is still reported

    def clear_damaged(self) -> None:
        marker = self.damage_marker
        if marker is not None:
            try:
                marker.unlink(missing_ok=True)
            except OSError:
                pass

    def refuse_if_damaged(self) -> None:
        marker = self.damage_marker
        if marker is None or not marker.exists():
            return
        try:
            detail = marker.read_text(errors="replace").strip().splitlines()[0][:300]
        except (OSError, IndexError):
            detail = ""
        raise StoreError(
            "storage",
            f"the database file is damaged{': ' + detail if detail else ''}; writes are refused so nothing more is lost",
            "restore the newest good backup; storectl db check lists the damage and clears this once the file is sound",
        )

    def _noted(self, err: StoreError | None) -> StoreError | None:
        if err is not None and err.code == "storage" and "damaged" in err.message:
            self.mark_damaged(err.message)
        return err

    def _check_clock(self, session: Session) -> None:
        """A fixed clock writes only to a database made under one, or where a manager allowed it."""
        if not self.clock_is_fixed():
            return
        mode = setting_value(session, CLOCK_MODE_KEY)
        if mode == "fixed":
            return
        override = setting_value(session, "clock.override") or "deny"
        if override == "allow":
            return
        if override != "deny":
            from datetime import date

            from storectl.services.shop import settings

            try:
                until = date.fromisoformat(override)
            except ValueError:
                until = None
            if until is not None and clock.real_now().astimezone(settings.shop_tz(session)).date() <= until:
                return
        raise ClockRefused(
            "forbidden",
            f"STORECTL_NOW={clock.fixed()} is set, but this database keeps the real time (it was made without a fixed clock)",
            "unset STORECTL_NOW; for a replay a manager first allows it: storectl config set clock.override allow (or an end date, e.g. 2026-11-30)",
        )

    def _audit_refusal(self, command: str, err: StoreError) -> None:
        from storectl.services.shop import auth

        # a refused fixed clock is recorded at the real time, not at the time it tried to claim
        session = self._session(write=True, command=command, now=clock.real_now() if isinstance(err, ClockRefused) else None)
        locked = False
        try:
            record_audit(session, outcome=err.code, detail=err.message)
            if isinstance(err, auth.WrongPin):
                locked = auth.record_wrong_pin(session, err.staff)
                if locked:
                    session.info["operator"] = err.staff
                    record_audit(session, outcome="locked", detail=f"{err.staff} locked for {auth.LOCKOUT} after {auth.MAX_WRONG_PINS} wrong PINs in a row")
            session.commit()
        finally:
            session.close()
        if isinstance(err, auth.WrongPin):
            auth.pause_after_wrong_pin()


class ClockRefused(StoreError):
    """`forbidden`: a fixed clock on a database that keeps the real time."""


# The setting that says whether a database was made under a fixed clock ("fixed") or the real
# one ("real"); stamped once when the database is created (`migrate.upgrade`). Missing = real.
CLOCK_MODE_KEY = "_clock"


def setting_value(session: Session, key: str) -> str | None:
    return session.execute(text("SELECT value FROM setting WHERE key = :k"), {"k": key}).scalar()


# PostgreSQL: one writer at a time, like SQLite's BEGIN IMMEDIATE. A transaction-scoped
# advisory lock taken first thing means two sales can never lock the same rows in opposite
# order (no deadlocks, no serialization failures to retry), and reads never wait for it.
WRITE_LOCK_KEY = 0x53544F5245  # "STORE"


def _serialise_writers(session: Session) -> None:
    session.execute(text(f"SET LOCAL lock_timeout = '{busy_timeout_ms()}ms'"))
    session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": WRITE_LOCK_KEY})


def record_audit(session: Session, *, outcome: str, detail: str = "") -> None:
    from storectl.models import Audit

    info = session.info
    session.add(
        Audit(
            at=info["now"],
            real_at=clock.real_now(),
            operator=info.get("operator") or "",
            command=info.get("command") or "",
            docs=",".join(info.get("docs") or []),
            outcome=outcome,
            detail=detail[:500],
        )
    )
    session.flush()


def now_of(session: Session):
    """The command's clock reading (one per command, so every row of it has the same time)."""
    return session.info["now"]


def operator_of(session: Session) -> str:
    return session.info.get("operator") or ""


def next_doc_no(session: Session, prefix: str) -> str:
    """The next readable document id (`S-000012`); safe under concurrent writers."""
    row = session.execute(
        text("UPDATE doc_counter SET last = last + 1 WHERE prefix = :p RETURNING last"), {"p": prefix}
    ).first()
    if row is None:
        session.execute(text("INSERT INTO doc_counter (prefix, last) VALUES (:p, 1)"), {"p": prefix})
        number = 1
    else:
        number = row[0]
    doc = f"{prefix}-{number:06d}"
    session.info.setdefault("docs", []).append(doc)
    return doc


def note_doc(session: Session, doc: str) -> None:
    """Name a document this write touched without numbering a new one (a transfer received, a price
    rule, a member): the audit row lists it with the documents made."""
    docs = session.info.setdefault("docs", [])
    if doc and doc not in docs:
        docs.append(doc)


def make_private_dirs(folder: Path) -> None:
    """mkdir -p with mode 0700 for every folder it creates, whatever the umask (mkdir's mode is
    masked by the umask, and under umask 000 `parents=True` makes the parents 0777)."""
    folder = Path(folder)
    missing = []
    while not folder.exists():
        missing.append(folder)
        if folder.parent == folder:
            break
        folder = folder.parent
    for path in reversed(missing):
        try:
            path.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(path, 0o700)


def create_database_file(path: Path) -> None:
    """Create an empty database file readable by its owner only, before SQLite opens it."""
    make_private_dirs(path.parent)
    if not path.exists():
        fd = os.open(path, os.O_CREAT | os.O_WRONLY, 0o600)
        os.close(fd)
        os.chmod(path, 0o600)  # the umask may have taken bits away from 0600; never adds any
