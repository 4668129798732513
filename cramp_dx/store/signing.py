"""The audit signing key, the seals made with it and this workstation's last verified head.

The hash chain alone shows that rows were changed *unless* whoever changed them recomputed
the hashes (plain SHA-256 needs no secret). So the head of the chain is sealed after every
transaction that appends to it: an HMAC-SHA-256 (the `cryptography` package) over the head
row's id and hash, with a key the database does not hold. The key lives in the OS keyring
(`keyring`, service "cramp-dx", name "audit-signing-key"), else in an owner-only file
`audit-signing.key` in the config folder.

One clinic key: the first workstation to write to a record that has no seals creates it; an
admin copies it to the other workstations (`cramp-dx audit export-key -o FILE`, then
`cramp-dx audit import-key FILE` on each). A workstation without the key still works, but
what it writes is unsealed and `audit --verify` says so.

Each workstation also remembers, per record, the last head it sealed or verified (the data
folder's `audit-heads.json`); if that row later is gone or different, the trail was
truncated or rewritten, even by someone who holds the key and resealed the rest."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from pathlib import Path

from sqlalchemy import URL

from cramp_dx.errors import InputError, Problem

SERVICE = "cramp-dx"
KEY_NAME = "audit-signing-key"
KEY_FILE = "audit-signing.key"
HEADS_FILE = "audit-heads.json"
KEY_FORMAT = "cramp-dx-audit-key/1"
_cache: dict[str, bytes] = {}


# --- the key ---------------------------------------------------------------------------------


def key_file() -> Path:
    from cramp_dx.paths import config_dir

    return config_dir() / KEY_FILE


def load_key() -> bytes | None:
    """This workstation's signing key, or None when it holds none."""
    cache_key = str(key_file())
    if cache_key in _cache:
        return _cache[cache_key]
    text = None
    try:
        import keyring

        text = keyring.get_password(SERVICE, KEY_NAME)
    except Exception:  # no usable keyring here: the owner-only file
        text = None
    if text is None and key_file().is_file():
        text = key_file().read_text(encoding="ascii").strip()
    if text is None:
        return None
    key = base64.b64decode(text)
    _cache[cache_key] = key
    return key


def store_key(key: bytes) -> str:
    """Keep `key` (the OS keyring, else the owner-only file); returns where it went."""
    from cramp_dx.files import private_folder, write_atomic

    text = base64.b64encode(key).decode("ascii")
    _cache.pop(str(key_file()), None)
    try:
        import keyring

        keyring.set_password(SERVICE, KEY_NAME, text)
        where = "the OS keyring"
    except Exception:
        private_folder(key_file().parent)
        write_atomic(key_file(), (text + "\n").encode("ascii"))
        where = str(key_file())
    _cache[str(key_file())] = key
    return where


def create_key() -> bytes:
    key = os.urandom(32)
    store_key(key)
    return key


def key_id(key: bytes) -> str:
    """A short public name of a key (says which key made a seal, reveals nothing of it)."""
    return hashlib.sha256(b"cramp-dx audit key id\n" + key).hexdigest()[:16]


def mac(key: bytes, message: str) -> str:
    from cryptography.hazmat.primitives import hashes, hmac

    signer = hmac.HMAC(key, hashes.SHA256())
    signer.update(message.encode("utf-8"))
    return signer.finalize().hex()


def mac_ok(key: bytes, message: str, tag: str) -> bool:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes, hmac

    checker = hmac.HMAC(key, hashes.SHA256())
    checker.update(message.encode("utf-8"))
    try:
        checker.verify(bytes.fromhex(tag))
    except (InvalidSignature, ValueError):
        return False
    return True


def seal_message(audit_id: int, row_hash: str) -> str:
    return f"cramp-dx audit seal/1\n{audit_id}\n{row_hash}"


def export_key(path: Path) -> str:
    """Write this workstation's key to `path` (owner-only) for the other workstations."""
    from cramp_dx.files import write_atomic

    key = load_key()
    if key is None:
        raise InputError(Problem("key", "this workstation holds no audit signing key yet (it is "
                                 "made when this workstation first writes to a record)"))
    data = {"format": KEY_FORMAT, "key": base64.b64encode(key).decode("ascii"), "key_id": key_id(key)}
    write_atomic(Path(path), (json.dumps(data) + "\n").encode("ascii"))
    return key_id(key)


def import_key(path: Path) -> tuple[str, str]:
    """Take the clinic key from a file written by `export_key`; returns (key id, where)."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(data, dict) or data.get("format") != KEY_FORMAT:
            raise ValueError
        key = base64.b64decode(data["key"], validate=True)
        if len(key) != 32:
            raise ValueError
    except FileNotFoundError:
        raise InputError(Problem(str(path), "no such file")) from None
    except (OSError, ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise InputError(Problem(str(path), f"not an audit key file (format {KEY_FORMAT}, as "
                                 "written by `cramp-dx audit export-key`)")) from None
    held = load_key()
    if held is not None and held != key:
        raise InputError(Problem(str(path), (
            f"this workstation already holds another audit key ({key_id(held)}); the seals it "
            "made could no longer be checked, so it is not replaced")))
    return key_id(key), store_key(key)


# --- the last verified head ------------------------------------------------------------------


def record_key(url: URL) -> str:
    """Which record a remembered head belongs to (not the account: one record, any role)."""
    if url.get_backend_name() == "sqlite":
        return f"sqlite:{Path(url.database or '').absolute()}"
    return f"postgresql:{url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def _heads_file() -> Path:
    from cramp_dx.paths import data_dir

    return data_dir() / HEADS_FILE


def _heads() -> dict[str, dict[str, object]]:
    try:
        data = json.loads(_heads_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def remembered_head(record: str) -> tuple[int, str] | None:
    head = _heads().get(record)
    if not isinstance(head, dict):
        return None
    try:
        return int(head["id"]), str(head["hash"])  # type: ignore[call-overload]
    except (KeyError, TypeError, ValueError):
        return None


def remember_head(record: str, audit_id: int, row_hash: str) -> None:
    """Note (id, hash) as the head this workstation last sealed or verified."""
    from cramp_dx.files import private_folder

    path = _heads_file()
    heads = _heads()
    heads[record] = {"id": audit_id, "hash": row_hash}
    try:
        private_folder(path.parent)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_CREAT | os.O_TRUNC | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(heads, handle)
        os.replace(tmp, path)
    except OSError:
        pass  # the record stays usable; the next verify reports what it can


def adopt_trail(connection: object, url: URL) -> int | None:
    """Seal the trail of a record upgraded to the schema with seals, as it stands (what was
    written before cannot be vouched for beyond the hash chain); returns the sealed row id."""
    from sqlalchemy import text

    conn = connection  # a SQLAlchemy Connection inside the upgrade's transaction
    if conn.execute(text("SELECT 1 FROM audit_seal LIMIT 1")).first() is not None:  # type: ignore[attr-defined]
        return None
    tail = conn.execute(  # type: ignore[attr-defined]
        text("SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1")
    ).first()
    if tail is None:
        return None
    key = load_key() or create_key()
    conn.execute(  # type: ignore[attr-defined]
        text("INSERT INTO audit_seal (audit_id, hash, key_id, mac) VALUES (:i, :h, :k, :m)"),
        {"i": tail[0], "h": tail[1], "k": key_id(key), "m": mac(key, seal_message(tail[0], tail[1]))},
    )
    remember_head(record_key(url), int(tail[0]), str(tail[1]))
    return int(tail[0])


def start_problems(engine: object, url: URL) -> list[str]:
    """The quick check at a workstation's start (plain SQL, no ORM): the head it last
    sealed or verified is still in the trail, unchanged, and the trail's last row is sealed.
    The full check is `cramp-dx audit --verify`."""
    from sqlalchemy import text
    from sqlalchemy.exc import DBAPIError

    problems = []
    try:
        with engine.connect() as connection:  # type: ignore[attr-defined]
            head = remembered_head(record_key(url))
            if head is not None:
                found = connection.execute(
                    text("SELECT hash FROM audit_event WHERE id = :i"), {"i": head[0]}
                ).scalar()
                if found != head[1]:
                    problems.append(
                        f"the audit trail was truncated or rewritten: this workstation verified "
                        f"audit row {head[0]} and it {'is gone' if found is None else 'has changed'}"
                    )
            tail = connection.execute(
                text("SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1")
            ).first()
            key = load_key()
            if tail is not None and key is not None:
                seal = connection.execute(
                    text("SELECT hash, mac FROM audit_seal WHERE audit_id = :i"), {"i": tail[0]}
                ).first()
                if seal is None or seal[0] != tail[1] or not mac_ok(
                    key, seal_message(int(tail[0]), str(tail[1])), str(seal[1])
                ):
                    problems.append(f"the last audit row ({tail[0]}) is not sealed with this "
                                    "workstation's key")
    except DBAPIError as exc:
        problems.append(f"the audit trail cannot be read: {exc.orig}")
    return problems
