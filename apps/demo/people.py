"""Demo people: synthetic names, and users built in bulk with one shared demo password.

The demo accounts (one per role, plus a supervisor at each level) are listed in DEMO_ACCOUNTS;
`manage.py demo_logins` prints them. Every other demo person has the same password too, so any
officer or supervisor seen on the map can be tried.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password

from apps.accounts.choices import Role
from apps.accounts.models import Department, User

DEMO_PASSWORD = "demo1234"

# username, role, what the account shows (English; printed by demo_logins)
DEMO_ACCOUNTS: list[tuple[str, str, str]] = [
    ("admin", Role.ADMIN, "administrator (Django admin too)"),
    ("dispatcher", Role.DISPATCHER, "command-center dispatcher"),
    ("hotline", Role.HOTLINE, "12345 hotline operator"),
    ("officer", Role.OFFICER, "grid officer of three cells in 福田街道, backup of a colleague on leave"),
    ("handler", Role.HANDLER, "handler in the sanitation department (环卫)"),
    ("supervisor", Role.SUPERVISOR, "supervisor of 福田区 (district)"),
    ("supervisor_city", Role.SUPERVISOR, "supervisor of 深圳市 (city)"),
    ("supervisor_subdistrict", Role.SUPERVISOR, "supervisor of 福田街道 (subdistrict)"),
    ("supervisor_community", Role.SUPERVISOR, "supervisor of the officer's community"),
    ("resident", Role.RESIDENT, "resident"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严莫孔向常汤康易乔赖文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍建文辉力鹏宇浩凯佳欣怡晨阳雪梅琳峰斌波健红燕林海亮婷志飞雷龙云丹斌宁瑶晓慧颖嘉俊"


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


@dataclass
class PeopleBuilder:
    """Collects users to create, then creates them in one bulk insert with the demo password."""

    rng: random.Random
    password_hash: str = field(default_factory=lambda: make_password(DEMO_PASSWORD))
    pending: list[User] = field(default_factory=list)
    _phones: set[str] = field(default_factory=set)

    def add(
        self, username: str, role: str, *, full_name: str = "", department: Department | None = None, **extra
    ) -> User:
        user = User(
            username=username,
            role=role,
            full_name=full_name or person_name(self.rng),
            department=department,
            password=self.password_hash,
            phone=extra.pop("phone", "") or self.phone(),
            **extra,
        )
        self.pending.append(user)
        return user

    def phone(self) -> str:
        while True:
            number = f"1{self.rng.choice('3578')}{self.rng.randrange(10**9):09d}"
            if number not in self._phones:
                self._phones.add(number)
                return number

    def save(self) -> list[User]:
        """Insert everyone added so far (primary keys are set on the objects) and start a new batch."""
        created = User.objects.bulk_create(self.pending, batch_size=1000)
        self.pending = []
        return created
