"""The dashboard's users: e-mail and an argon2 password hash (pwdlib), never the password."""

from __future__ import annotations

from pwdlib import PasswordHash
from sqlalchemy import select
from sqlalchemy.orm import Session

from brygga.store.tables import User, utcnow

MIN_PASSWORD_LENGTH = 10

_hasher = PasswordHash.recommended()  # argon2id with the library's current parameters
# Verified against when the e-mail is unknown, so a login takes as long either way.
_NOBODY = _hasher.hash("no such user")


def create_user(session: Session, email: str, password: str) -> User:
    email = _normal(email)
    if "@" not in email:
        raise ValueError(f"{email!r} is not an e-mail address")
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise ValueError(f"a user {email} exists")
    user = User(email=email)
    set_password(user, password)
    session.add(user)
    session.flush()
    return user


def set_password(user: User, password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"choose a password of at least {MIN_PASSWORD_LENGTH} characters")
    user.password_hash = _hasher.hash(password)


def user_with_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == _normal(email)))


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user if the password is theirs (the login noted, and the hash brought up to date
    when the library's parameters have moved on); None otherwise."""
    user = user_with_email(session, email)
    if user is None:
        _hasher.verify(password, _NOBODY)
        return None
    valid, updated = _hasher.verify_and_update(password, user.password_hash)
    if not valid:
        return None
    if updated is not None:
        user.password_hash = updated
    user.last_login_at = utcnow()
    return user


def _normal(email: str) -> str:
    return email.strip().lower()
