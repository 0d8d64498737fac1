"""Ed25519 keys: the installation's key file, people's password-locked keys, key fingerprints.

The installation key signs what automated stages write. It lives in a file beside the store
(`<db>.key`, mode 0600) or where `CEASEFIRE_KEY` points, never in the database it protects:
whoever can write only the database can change rows, but cannot sign the events that would
explain the change. Public keys go into the database, so checking the record needs no secret.
`ceasefire key rotate` replaces the installation key (`Store.rotate_key`); the log records the
hand-over, signed by both keys, and the retired key signs nothing after it.

A person's private key is kept in the database, encrypted under a key derived from their password
with Argon2id (the same function that hashes the password, so stealing the database gives no
cheaper way to guess a password) and sealed with AES-256-GCM, bound to the user name and key id.
Signing as a person takes their password (or a token of theirs, below), so the server can do it
only while they hand it over, never from what it stores alone. A key file per user would let
whoever runs the server sign for everyone, and its signatures would prove no more than the
installation's.

A token issued by someone with their key open carries a second sealed copy of the key, under a key
derived from the token (HKDF-SHA256: a token is 256 random bits, so a slow function would add
nothing but a delay to every request). Requests with that token then sign as the person; the copy
is as safe as the token, and is wiped when the token is revoked.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from argon2 import profiles
from argon2.exceptions import HashingError
from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ceasefire.errors import InputError

INSTALLATION = "installation"  # the owner name of installation keys; no user may take it
KEY_ENV = "CEASEFIRE_KEY"
KDF = profiles.RFC_9106_LOW_MEMORY  # Argon2id, 64 MiB, 3 passes: argon2-cffi's default
TOKEN_INFO = b"ceasefire api token key"  # HKDF context: a token-derived key seals one thing


@dataclass(frozen=True)
class Signer:
    """Who signs an event (the installation or a person) and the private key they sign with."""

    name: str
    key: Ed25519PrivateKey

    @property
    def public_key(self) -> bytes:
        return public_bytes(self.key)

    @property
    def key_id(self) -> str:
        return key_id(self.public_key)

    def sign(self, message: bytes) -> bytes:
        return self.key.sign(message)


def public_bytes(key: Ed25519PrivateKey) -> bytes:
    return key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: bytes) -> str:
    """A key's fingerprint: the SHA-256 of its raw 32 public bytes, in hex."""
    return hashlib.sha256(public_key).hexdigest()


def verify_signature(public_key: bytes, signature: bytes, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True


def key_path(database_file: str | None, explicit: Path | None = None) -> Path | None:
    """Where a store's installation key lives: `explicit`, else `CEASEFIRE_KEY`, else
    `<file>.key` beside a SQLite file. None for a server database with no key configured."""
    if explicit is not None:
        return explicit
    if os.environ.get(KEY_ENV):
        return Path(os.environ[KEY_ENV]).expanduser()
    return Path(f"{database_file}.key") if database_file else None


def read_key(path: Path) -> Ed25519PrivateKey:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read signing key ({exc.strerror or exc})") from exc
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as exc:
        raise InputError(path, "not an unencrypted Ed25519 private key (PEM)") from exc
    if not isinstance(key, Ed25519PrivateKey):
        raise InputError(path, "not an Ed25519 private key")
    return key


def create_key(path: Path, key: Ed25519PrivateKey | None = None) -> Ed25519PrivateKey:
    """A key file (of a new key unless `key` is given), readable by its owner only. Written to a
    temporary name and linked into place, so a crash never leaves half a key and two processes
    racing end up with one key."""
    key = key or Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        os.link(temporary, path)
    except FileExistsError:
        return read_key(path)
    except OSError as exc:
        raise InputError(path, f"cannot write signing key ({exc.strerror or exc})") from exc
    finally:
        temporary.unlink(missing_ok=True)
    return key


def _derive(
    password: str,
    salt: bytes,
    time_cost: int = KDF.time_cost,
    memory_cost: int = KDF.memory_cost,
    parallelism: int = KDF.parallelism,
) -> bytes:
    secret = password.encode("utf-8")
    return hash_secret_raw(
        secret, salt, time_cost, memory_cost, parallelism, hash_len=32, type=Type.ID
    )


def _context(owner: str, fingerprint: str) -> bytes:
    """Authenticated data: a sealed key opens only as the key of the user it was made for."""
    return f"{owner}\0{fingerprint}".encode()


def _seal(key: Ed25519PrivateKey, secret: bytes, owner: str) -> dict[str, str]:
    nonce = os.urandom(12)
    seed = key.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    sealed = AESGCM(secret).encrypt(nonce, seed, _context(owner, key_id(public_bytes(key))))
    return {"nonce": _b64(nonce), "sealed": _b64(sealed)}


def _open(box: dict[str, Any], secret: bytes, owner: str, expected_id: str) -> Ed25519PrivateKey:
    nonce, sealed = (base64.b64decode(box[k]) for k in ("nonce", "sealed"))
    seed = AESGCM(secret).decrypt(nonce, sealed, _context(owner, expected_id))
    return Ed25519PrivateKey.from_private_bytes(seed)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def lock_key(key: Ed25519PrivateKey, password: str, owner: str) -> str:
    """The private key sealed under the password, as a small JSON document for the users table."""
    salt = os.urandom(16)
    box = _seal(key, _derive(password, salt), owner)
    kdf = {"kdf": "argon2id", "t": KDF.time_cost, "m": KDF.memory_cost, "p": KDF.parallelism}
    return json.dumps({**kdf, "salt": _b64(salt), **box}, sort_keys=True)


def unlock_key(
    locked: str, password: str, owner: str, expected_id: str
) -> Ed25519PrivateKey | None:
    """The private key, or None if the password is wrong (or the sealed key was tampered with)."""
    try:
        box = json.loads(locked)
        secret = _derive(password, base64.b64decode(box["salt"]), box["t"], box["m"], box["p"])
        key = _open(box, secret, owner, expected_id)
    except (InvalidTag, HashingError, ValueError, KeyError, TypeError):
        return None
    return key if key_id(public_bytes(key)) == expected_id else None


def _token_secret(token: str, salt: bytes) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=TOKEN_INFO)
    return hkdf.derive(token.encode("utf-8"))


def lock_key_with_token(key: Ed25519PrivateKey, token: str, owner: str) -> str:
    """The private key sealed under an API token, for `api_token_keys`."""
    salt = os.urandom(16)
    box = _seal(key, _token_secret(token, salt), owner)
    return json.dumps({"kdf": "hkdf-sha256", "salt": _b64(salt), **box}, sort_keys=True)


def unlock_key_with_token(
    locked: str, token: str, owner: str, expected_id: str
) -> Ed25519PrivateKey | None:
    """The private key, or None if the token does not open it."""
    try:
        box = json.loads(locked)
        if box["kdf"] != "hkdf-sha256":
            return None
        key = _open(box, _token_secret(token, base64.b64decode(box["salt"])), owner, expected_id)
    except (InvalidTag, ValueError, KeyError, TypeError):
        return None
    return key if key_id(public_bytes(key)) == expected_id else None
