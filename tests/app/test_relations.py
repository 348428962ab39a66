"""OneToOne and ManyToMany relations, and subsets through them (to-many included), from entity
files through a real sync to Python types that import and validate and TypeScript that compiles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from hotbed.app.syncer import Syncer
from hotbed.config import load_config

from .test_codegen import _import, tsc

# A user has at most one profile (the profile holds the join column) and belongs to many groups.
ENTITIES: dict[str, dict[str, Any]] = {
    "user": {
        "id": "User",
        "table": "users",
        "props": [
            {"name": "id", "type": "integer"},
            {"name": "name", "type": "string", "length": 100},
            {
                "name": "profile",
                "type": "relation",
                "with": "Profile",
                "relationType": "OneToOne",
                "hasJoinColumn": False,
                "nullable": True,
            },
            {"name": "groups", "type": "relation", "with": "Group", "relationType": "ManyToMany", "joinTable": "ug"},
        ],
        "subsets": {"A": ["id", "name", "profile.bio", "groups.id", "groups.title"]},
    },
    "profile": {
        "id": "Profile",
        "table": "profiles",
        "props": [
            {"name": "id", "type": "integer"},
            {"name": "user", "type": "relation", "with": "User", "relationType": "OneToOne"},
            {"name": "bio", "type": "text", "nullable": True},
        ],
        "subsets": {"A": ["id", "bio", "user.id", "user.name"]},
    },
    "group": {
        "id": "Group",
        "table": "groups",
        "props": [
            {"name": "id", "type": "integer"},
            {"name": "title", "type": "string", "length": 50},
            {"name": "members", "type": "relation", "with": "User", "relationType": "ManyToMany", "joinTable": "ug"},
        ],
        "subsets": {"A": ["id", "title", "members.id", "members.name"]},
    },
}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    for name, document in ENTITIES.items():
        path = tmp_path / "src" / "application" / name / f"{name}.entity.json"
        path.parent.mkdir(parents=True)
        path.write_text(json.dumps(document, indent=2))
    report = Syncer(load_config(tmp_path, environ={})).sync()
    assert report.ok and report.entities == ("Group", "Profile", "User"), report.errors
    return tmp_path


def test_relation_types_in_python(root: Path) -> None:
    users = _import(root / "src/application/user/user_types.py")
    profiles = _import(root / "src/application/profile/profile_types.py")
    groups = _import(root / "src/application/group/group_types.py")

    # Only the side holding the join column has a column; to-many relations never do.
    assert set(users.User.model_fields) == {"id", "name"}
    assert set(profiles.Profile.model_fields) == {"id", "user_id", "bio"}
    assert set(groups.Group.model_fields) == {"id", "title"}

    user = users.UserSubsetA.model_validate(
        {"id": 1, "name": "Ann", "profile": {"bio": "hi"}, "groups": [{"id": 1, "title": "a"}, {"id": 2, "title": "b"}]}
    )
    assert user.profile.bio == "hi" and [g.title for g in user.groups] == ["a", "b"]
    assert isinstance(user.groups[0], users.UserSubsetAGroups)
    assert users.UserSubsetA.model_validate({"id": 2, "name": "Bo", "profile": None, "groups": []}).profile is None
    with pytest.raises(ValidationError):
        users.UserSubsetA.model_validate({"id": 3, "name": "Cy", "groups": [{"id": 1}]})  # a group without title
    with pytest.raises(ValidationError):
        users.UserSubsetA.model_validate({"id": 3, "name": "Cy", "groups": {"id": 1, "title": "a"}})  # not a list

    profile = profiles.ProfileSubsetA.model_validate({"id": 1, "bio": None, "user": {"id": 1, "name": "Ann"}})
    assert profile.user.name == "Ann"
    with pytest.raises(ValidationError):
        profiles.ProfileSubsetA.model_validate({"id": 1, "bio": None, "user": None})  # not nullable
    group = groups.GroupSubsetA.model_validate({"id": 1, "title": "a", "members": [{"id": 1, "name": "Ann"}]})
    assert group.members[0].name == "Ann"


def test_relation_types_in_typescript_compile(root: Path) -> None:
    services = root / "web/src/services"
    usage = services / "usage.ts"
    usage.write_text(
        'import { get as getUser } from "./UserService";\n'
        'import { get as getProfile } from "./ProfileService";\n'
        'import { list as listGroups } from "./GroupService";\n'
        "export async function demo(): Promise<string> {\n"
        '  const user = await getUser("A", 1);\n'
        '  const profile = await getProfile("A", 1);\n'
        '  const page = await listGroups("A");\n'
        '  const bio: string = user.profile?.bio ?? "";\n'
        "  const titles: string[] = user.groups.map((group) => group.title);\n"
        "  const members: number[] = page.rows.flatMap((group) => group.members.map((member) => member.id));\n"
        "  return bio + titles.join() + profile.user.name + members.join();\n"
        "}\n"
    )
    result = tsc(services)
    assert result.returncode == 0, result.stdout + result.stderr

    # The types are real: a to-many relation is an array, a nullable one-to-one may be null.
    usage.write_text(
        'import { get } from "./UserService";\n'
        'export const notAString: string = (await get("A", 1)).groups;\n'
        'export const maybeNull = (await get("A", 1)).profile.bio;\n'
    )
    errors = tsc(services).stdout
    assert "usage.ts(2," in errors and "usage.ts(3," in errors, errors
