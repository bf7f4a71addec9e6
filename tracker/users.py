"""Local accounts: one JSON file of users, each with a role, an optional unit and an argon2 password hash.

The file is ``SKILLS_USERS_FILE`` if set, else ``[auth] users_file`` of the settings file; with neither (or the
file absent) the dashboard runs open (演示模式). A password is only ever stored as an argon2id hash: a file holding
anything else where a hash belongs (a plain password) is refused as a whole, with a message naming the user.

An entry may also name an OpenID Connect identity (``oidc``: e-mail or subject) so single sign-on users get
their role and unit from the same file. Managed by ``python -m tracker users add|list|remove``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import logging
import os
import threading
from dataclasses import asdict, dataclass, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from tracker import REFERENCE_DIR, settings

USERS_ENV = "SKILLS_USERS_FILE"

# role id → (中文名, what the unit must be: None = no unit, "region" = province/city/county code,
#            "city" = a city code (or a city education bureau unit), "county", "school")
ROLES: dict[str, tuple[str, str | None]] = {
    "province": ("省级", None),
    "city": ("市", "city"),
    "county": ("县", "county"),
    "edu_dept": ("教育厅", None),
    "edu_city": ("市教育局", "city"),
    "school": ("院校", "school"),
    "analyst": ("分析员", None),
    "data_admin": ("数据管理员", None),
    "auditor": ("核查员", "region?"),
}
ROLE_BY_LABEL = {label: role for role, (label, _) in ROLES.items()}

# argon2id at OWASP's minimum (m = 19 MiB, t = 2, p = 1) unless [auth] says otherwise: argon2-cffi's defaults
# (64 MiB, t = 3, 4 lanes) cost ≈ 0.18 CPU s a sign-in, and 20 people signing in at 9:00 on a 2-core office server
# queued behind each other's hashes (issue #12). Hashes made with other parameters still verify; a successful
# sign-in rewrites such a hash with the current parameters (check_needs_rehash).
HASH_MEMORY_KIB = 19 * 1024
HASH_TIME_COST = 2
HASH_PARALLELISM = 1


def hasher() -> PasswordHasher:
    """The argon2id hasher of this server: OWASP's minimum, or ``[auth] hash_memory_kib / hash_time_cost /
    hash_parallelism`` of the settings file."""
    return PasswordHasher(
        time_cost=int(settings.get("auth", "hash_time_cost", HASH_TIME_COST)),
        memory_cost=int(settings.get("auth", "hash_memory_kib", HASH_MEMORY_KIB)),
        parallelism=int(settings.get("auth", "hash_parallelism", HASH_PARALLELISM)),
    )


_HASHER = hasher()
_REHASH_LOCK = threading.Lock()
_log = logging.getLogger("tracker")


class UsersError(Exception):
    """The users file or a users command is wrong (message is shown as is)."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    unit: str | None = None
    hash: str | None = None
    oidc: str | None = None
    created: str | None = None

    @property
    def role_label(self) -> str:
        return ROLES[self.role][0]


def users_path() -> Path | None:
    """The configured users file (env wins over the settings file), or None when sign-in is not configured."""
    env = os.environ.get(USERS_ENV)
    if env:
        return Path(env).expanduser()
    configured = settings.get("auth", "users_file", "")
    return Path(configured).expanduser() if configured else None


def role_id(text: str) -> str:
    """A role given as id (county) or as its Chinese name (县)."""
    if text in ROLES:
        return text
    if text in ROLE_BY_LABEL:
        return ROLE_BY_LABEL[text]
    raise UsersError(f"未知角色 {text}（可用：{'、'.join(f'{label}({r})' for r, (label, _) in ROLES.items())}）")


@lru_cache(maxsize=1)
def unit_tree(reference_dir: Path = REFERENCE_DIR) -> dict[str, dict[str, str]]:
    """Every unit code → {level, parent, name}: regions (province/city/county) and school units (parent = city)."""
    tree: dict[str, dict[str, str]] = {}
    with (reference_dir / "regions.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            tree[row["code"]] = {"level": row["level"], "parent": row["parent_code"] or "", "name": row["name"]}
    with (reference_dir / "schools.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            tree[row["unit_code"]] = {
                "level": "bureau" if row["group"] == "city_education_bureau" else "school",
                "parent": row["city_code"],
                "name": row["name"],
            }
    return tree


def check_unit(role: str, unit: str | None) -> str | None:
    """The unit a role is bound to, validated against the unit tree (a 市教育局 may be given its bureau's code)."""
    need = ROLES[role][1]
    label = ROLES[role][0]
    tree = unit_tree()
    if need is None:
        if unit:
            raise UsersError(f"角色 {label} 覆盖全省，不需要 --unit")
        return None
    if not unit:
        if need == "region?":
            return None
        raise UsersError(f"角色 {label} 需要 --unit（单位代码）")
    node = tree.get(unit)
    if node is None:
        raise UsersError(f"未知单位代码 {unit}（见 data/reference/regions.csv、schools.csv）")
    level = node["level"]
    if need == "city" and role == "edu_city" and level == "bureau":
        return node["parent"]
    ok = {
        "city": level == "city",
        "county": level == "county",
        "school": level in ("school", "bureau"),
        "region?": level in ("province", "city", "county"),
    }[need]
    if not ok:
        raise UsersError(
            f"角色 {label} 的单位应为{ {'city': '地市', 'county': '县区', 'school': '院校', 'region?': '省、市或县'}[need] }代码，{unit} 是 {node['name']}"
        )
    return unit


# ---------------------------------------------------------------- the file


def _validate(raw: Any, path: Path) -> dict[str, User]:
    if not isinstance(raw, dict) or not isinstance(raw.get("users"), dict):
        raise UsersError(f'用户文件 {path} 格式有误：应为 {{"users": {{用户名: {{...}}}}}}')
    users: dict[str, User] = {}
    for name, entry in raw["users"].items():
        if not isinstance(entry, dict):
            raise UsersError(f"用户文件 {path} 中用户 {name} 的条目格式有误")
        if "password" in entry:
            raise UsersError(
                f"用户文件 {path} 中用户 {name} 含明文密码（password 字段），拒绝加载。"
                "请删除该字段，用 python -m tracker users add 重新设置密码（只保存 argon2 哈希）。"
            )
        secret = entry.get("hash")
        if secret is not None and not (isinstance(secret, str) and secret.startswith("$argon2")):
            raise UsersError(
                f"用户文件 {path} 中用户 {name} 的密码不是 argon2 哈希（疑似明文），拒绝加载。"
                "请用 python -m tracker users add 重新设置密码。"
            )
        if secret is None and not entry.get("oidc"):
            raise UsersError(f"用户文件 {path} 中用户 {name} 既无密码哈希也无单点登录身份（oidc）")
        try:
            role = role_id(str(entry.get("role", "")))
            unit = check_unit(role, entry.get("unit") or None)
        except UsersError as exc:
            raise UsersError(f"用户文件 {path} 中用户 {name}：{exc}") from None
        users[name] = User(name, role, unit, secret, entry.get("oidc") or None, entry.get("created"))
    return users


@lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int) -> dict[str, User]:
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise UsersError(f"用户文件 {path} 不是有效的 JSON：第 {exc.lineno} 行 {exc.msg}") from exc
    return _validate(raw, Path(path))


def load(path: Path | None = None) -> dict[str, User]:
    """The users of the file (re-read when it changes); {} when the file does not exist."""
    path = path or users_path()
    if path is None:
        return {}
    try:
        mtime = path.stat().st_mtime_ns
    except FileNotFoundError:
        return {}
    return _load(str(path), mtime)


def enabled(path: Path | None = None) -> bool:
    """Sign-in with local accounts is on: a users file is configured and exists."""
    path = path or users_path()
    return path is not None and path.is_file()


def _save(users: dict[str, User], path: Path) -> None:
    data = {
        "users": {u.name: {k: v for k, v in asdict(u).items() if k != "name" and v is not None} for u in users.values()}
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(data, fh, ensure_ascii=False, indent=1)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def add(name: str, role: str, unit: str | None, password: str | None, oidc: str | None, path: Path) -> User:
    """Add or replace a user; the password is stored as an argon2id hash only."""
    name = name.strip()
    if not name:
        raise UsersError("用户名不能为空")
    role = role_id(role)
    unit = check_unit(role, unit)
    if password is not None and len(password) < 8:
        raise UsersError("密码至少 8 个字符")
    if password is None and not oidc:
        raise UsersError("请给出密码（--password-stdin）或单点登录身份（--oidc 邮箱或 sub）")
    users = dict(load(path)) if path.is_file() else {}
    user = User(
        name,
        role,
        unit,
        _HASHER.hash(password) if password is not None else None,
        oidc,
        dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    )
    users[name] = user
    _save(users, path)
    return user


def remove(name: str, path: Path) -> None:
    users = dict(load(path))
    if name not in users:
        raise UsersError(f"没有用户 {name}")
    del users[name]
    _save(users, path)


def verify(user: User, password: str) -> bool:
    """The password matches the user's argon2 hash (constant-time in argon2)."""
    if not user.hash:
        return False
    try:
        return _HASHER.verify(user.hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


_DUMMY_HASH = _HASHER.hash("not-a-user-password")


def needs_rehash(user: User) -> bool:
    """The user's hash was made with other argon2 parameters than this server's (e.g. argon2-cffi's defaults)."""
    try:
        return bool(user.hash) and _HASHER.check_needs_rehash(user.hash)
    except InvalidHashError:
        return False


def rehash(user: User, password: str, path: Path) -> User:
    """The user's hash made again with this server's parameters and written back to the users file (one writer at
    a time in this process; the file is re-read first so a change made meanwhile is kept)."""
    with _REHASH_LOCK:
        users = dict(load(path))
        current = users.get(user.name)
        if current is None or current.hash != user.hash:  # removed or changed meanwhile: leave it as it is
            return current or user
        users[user.name] = replace(current, hash=_HASHER.hash(password))
        _save(users, path)
        return users[user.name]


def authenticate(name: str, password: str, path: Path | None = None) -> User | None:
    """The user when name and password match; an unknown name costs the same hashing time as a known one.

    A hash made with other parameters is rewritten with the current ones on success (a failure to write it only
    leaves the old hash, which still verifies)."""
    path = path or users_path()
    user = load(path).get(name)
    if user is None:
        verify(User(name, "analyst", hash=_DUMMY_HASH), password)
        return None
    if not verify(user, password):
        return None
    if path is not None and needs_rehash(user):
        try:
            user = rehash(user, password, path)
        except OSError as exc:
            _log.warning("users file %s: hash of %s not renewed: %s", path, name, exc)
    return user


def by_identity(identity: dict[str, Any], path: Path | None = None) -> User | None:
    """The users-file entry for an OpenID Connect identity (its e-mail or subject in ``oidc``)."""
    keys = {str(identity.get(k)).lower() for k in ("email", "sub") if identity.get(k)}
    for user in load(path).values():
        if user.oidc and user.oidc.lower() in keys:
            return user
    return None
