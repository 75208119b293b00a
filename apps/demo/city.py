"""Demo data: a synthetic city shaped like Shenzhen, its grid and its people.

The outline follows Shenzhen's rough shape inside lon 113.75–114.65, lat 22.45–22.85; the nine
districts keep their real names and codes and sit roughly where they really are (a Voronoi
split of the outline around each district's real centre); subdistricts carry real names;
communities are synthetic. Cells are square responsibility grids of `CELL_SIZE_M` metres
clipped to each community (over 5,000 in all). Everything is seeded, so every load is the same.

Demo accounts (one per role) share the password `DEMO_PASSWORD`; the other generated staff
have unusable passwords.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

import shapely
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.utils import timezone
from shapely.geometry import MultiPoint, Point, Polygon, mapping
from shapely.prepared import prep

from apps.accounts.choices import Role
from apps.accounts.models import Department, User
from apps.grid import services as grid_services
from apps.grid.choices import AreaLevel, AssignmentKind
from apps.grid.generator import cells_generate
from apps.grid.geometry import geometry_summary
from apps.grid.models import Area, Cell, CellAssignment, CellUserObjectPermission

SEED = 20261128
CELL_SIZE_M = 700
COMMUNITIES_PER_SUBDISTRICT = 4
CELLS_PER_OFFICER = 3
DEMO_PASSWORD = "gridops-demo"

# Demo logins, one per role (username, role); `demo_logins` prints them.
DEMO_ACCOUNTS = [
    ("resident", Role.RESIDENT),
    ("hotline", Role.HOTLINE),
    ("officer", Role.OFFICER),
    ("handler", Role.HANDLER),
    ("dispatcher", Role.DISPATCHER),
    ("supervisor", Role.SUPERVISOR),
    ("admin", Role.ADMIN),
]

OUTLINE = [  # fmt: skip
    (113.76, 22.78),
    (113.80, 22.84),
    (113.90, 22.85),
    (114.00, 22.80),
    (114.10, 22.78),
    (114.20, 22.80),
    (114.30, 22.78),
    (114.40, 22.80),
    (114.50, 22.74),
    (114.60, 22.68),
    (114.64, 22.58),
    (114.60, 22.50),
    (114.52, 22.46),
    (114.45, 22.52),
    (114.38, 22.55),
    (114.30, 22.56),
    (114.22, 22.55),
    (114.15, 22.53),
    (114.08, 22.51),
    (114.02, 22.50),
    (113.96, 22.48),
    (113.90, 22.46),
    (113.88, 22.50),
    (113.86, 22.56),
    (113.80, 22.62),
    (113.77, 22.70),
    (113.76, 22.78),
]

# code, Chinese, English, (lon, lat) of the real centre, subdistricts (Chinese, pinyin)
DISTRICTS = [
    (
        "440304",
        "福田区",
        "Futian District",
        (114.05, 22.54),
        [
            ("园岭街道", "Yuanling"),
            ("南园街道", "Nanyuan"),
            ("福田街道", "Futian"),
            ("沙头街道", "Shatou"),
            ("梅林街道", "Meilin"),
            ("华富街道", "Huafu"),
            ("香蜜湖街道", "Xiangmihu"),
            ("莲花街道", "Lianhua"),
            ("华强北街道", "Huaqiangbei"),
            ("福保街道", "Fubao"),
        ],
    ),
    (
        "440303",
        "罗湖区",
        "Luohu District",
        (114.13, 22.56),
        [
            ("桂园街道", "Guiyuan"),
            ("黄贝街道", "Huangbei"),
            ("东门街道", "Dongmen"),
            ("翠竹街道", "Cuizhu"),
            ("东晓街道", "Dongxiao"),
            ("南湖街道", "Nanhu"),
            ("笋岗街道", "Sungang"),
            ("东湖街道", "Donghu"),
            ("莲塘街道", "Liantang"),
            ("清水河街道", "Qingshuihe"),
        ],
    ),
    (
        "440305",
        "南山区",
        "Nanshan District",
        (113.93, 22.53),
        [
            ("南头街道", "Nantou"),
            ("南山街道", "Nanshan"),
            ("沙河街道", "Shahe"),
            ("蛇口街道", "Shekou"),
            ("招商街道", "Zhaoshang"),
            ("粤海街道", "Yuehai"),
            ("桃源街道", "Taoyuan"),
            ("西丽街道", "Xili"),
        ],
    ),
    (
        "440306",
        "宝安区",
        "Bao'an District",
        (113.85, 22.66),
        [
            ("新安街道", "Xin'an"),
            ("西乡街道", "Xixiang"),
            ("航城街道", "Hangcheng"),
            ("福永街道", "Fuyong"),
            ("福海街道", "Fuhai"),
            ("沙井街道", "Shajing"),
            ("新桥街道", "Xinqiao"),
            ("松岗街道", "Songgang"),
            ("燕罗街道", "Yanluo"),
            ("石岩街道", "Shiyan"),
        ],
    ),
    (
        "440307",
        "龙岗区",
        "Longgang District",
        (114.24, 22.70),
        [
            ("平湖街道", "Pinghu"),
            ("坂田街道", "Bantian"),
            ("布吉街道", "Buji"),
            ("南湾街道", "Nanwan"),
            ("横岗街道", "Henggang"),
            ("龙城街道", "Longcheng"),
            ("龙岗街道", "Longgang"),
            ("坪地街道", "Pingdi"),
            ("吉华街道", "Jihua"),
            ("宝龙街道", "Baolong"),
            ("园山街道", "Yuanshan"),
        ],
    ),
    (
        "440308",
        "盐田区",
        "Yantian District",
        (114.27, 22.58),
        [
            ("梅沙街道", "Meisha"),
            ("盐田街道", "Yantian"),
            ("沙头角街道", "Shatoujiao"),
            ("海山街道", "Haishan"),
        ],
    ),
    (
        "440309",
        "龙华区",
        "Longhua District",
        (114.04, 22.69),
        [
            ("观湖街道", "Guanhu"),
            ("民治街道", "Minzhi"),
            ("龙华街道", "Longhua"),
            ("大浪街道", "Dalang"),
            ("福城街道", "Fucheng"),
            ("观澜街道", "Guanlan"),
        ],
    ),
    (
        "440310",
        "坪山区",
        "Pingshan District",
        (114.40, 22.68),
        [
            ("坪山街道", "Pingshan"),
            ("马峦街道", "Maluan"),
            ("碧岭街道", "Biling"),
            ("石井街道", "Shijing"),
            ("坑梓街道", "Kengzi"),
            ("龙田街道", "Longtian"),
        ],
    ),
    (
        "440311",
        "光明区",
        "Guangming District",
        (113.93, 22.77),
        [
            ("光明街道", "Guangming"),
            ("公明街道", "Gongming"),
            ("新湖街道", "Xinhu"),
            ("凤凰街道", "Fenghuang"),
            ("玉塘街道", "Yutang"),
            ("马田街道", "Matian"),
        ],
    ),
]

COMMUNITY_STEMS = [
    ("新村", "Xincun"),
    ("花园", "Huayuan"),
    ("东", "East"),
    ("西", "West"),
    ("南", "South"),
    ("北", "North"),
    ("中心", "Central"),
    ("景田", "Jingtian"),
    ("翠苑", "Cuiyuan"),
    ("和平", "Heping"),
    ("南岭", "Nanling"),
    ("荔枝", "Lizhi"),
]

# code, Chinese, English — the functional departments cases are dispatched to.
DEPARTMENTS = [
    ("SAN", "环境卫生管理处", "Sanitation"),
    ("ROAD", "市政道路管理处", "Roads and municipal works"),
    ("WATER", "水务局", "Water authority"),
    ("PARK", "园林绿化管理处", "Parks and greening"),
    ("TRAFFIC", "交通运输局（交警）", "Traffic"),
    ("MARKET", "市场监督管理局", "Market supervision"),
    ("URBAN", "城市管理和综合执法局", "Urban management and law enforcement"),
    ("HOUSING", "住房和建设局", "Housing and construction"),
    ("POLICE", "公安联络室", "Police liaison"),
    ("EMERG", "应急管理局", "Emergency management"),
    ("ECO", "生态环境局", "Ecology and environment"),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅志文斌海燕波辉玲鹏飞宇晨欣怡子涵浩然"


@dataclass
class _Loader:
    rng: random.Random
    password: str
    unusable: str
    now: object
    areas: dict[str, Area] = field(default_factory=dict)
    users: list[User] = field(default_factory=list)
    seq: int = 0

    def person(self) -> str:
        given = self.rng.choice(GIVEN) + (self.rng.choice(GIVEN) if self.rng.random() < 0.6 else "")
        return self.rng.choice(SURNAMES) + given

    def user(self, username: str, role: str, *, demo: bool = False, **extra) -> User:
        user = User(
            username=username,
            role=role,
            full_name=extra.pop("full_name", None) or self.person(),
            password=self.password if demo else self.unusable,
            **extra,
        )
        self.users.append(user)
        return user


def _polygonal(geom) -> Polygon | shapely.MultiPolygon:
    """The polygon parts of a clipping result, as one (multi)polygon."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", []) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


def _split(region, seeds: list[tuple[float, float]]) -> list:
    """Split `region` into one piece per seed (Voronoi), in the order of the seeds."""
    cells = shapely.voronoi_polygons(MultiPoint(seeds), extend_to=region)
    pieces = []
    for lon, lat in seeds:
        seed = Point(lon, lat)
        owner = next(c for c in cells.geoms if c.covers(seed))
        pieces.append(_polygonal(owner.intersection(region)))
    return pieces


def _seeds_in(region, count: int, rng: random.Random) -> list[tuple[float, float]]:
    """`count` well-spread random points inside `region` (best of a few candidates each)."""
    min_lon, min_lat, max_lon, max_lat = region.bounds
    prepared = prep(region)
    chosen: list[tuple[float, float]] = []
    while len(chosen) < count:
        best, best_d = None, -1.0
        for _ in range(12):
            p = (rng.uniform(min_lon, max_lon), rng.uniform(min_lat, max_lat))
            if not prepared.contains(Point(p)):
                continue
            d = min(((p[0] - q[0]) ** 2 + (p[1] - q[1]) ** 2 for q in chosen), default=1.0)
            if d > best_d:
                best, best_d = p, d
        if best is not None:
            chosen.append(best)
    return chosen


def _area(loader: _Loader, *, code: str, name: str, name_en: str, level: str, parent: Area | None, geom) -> Area:
    geojson = mapping(geom)
    summary = geometry_summary(geojson)
    area = Area(
        code=code,
        name=name,
        name_en=name_en,
        level=level,
        parent=parent,
        path=grid_services.area_path_for(code=code, parent=parent),
        geometry=geojson,
    )
    area.min_lon, area.min_lat, area.max_lon, area.max_lat = summary.bbox
    return area


def _build_areas(loader: _Loader) -> tuple[Area, list[Area], list[Area], list[Area]]:
    rng = loader.rng
    outline = Polygon(OUTLINE)
    city = _area(
        loader, code="440300", name="深圳市", name_en="Shenzhen", level=AreaLevel.CITY, parent=None, geom=outline
    )
    city.save()
    district_shapes = _split(outline, [d[3] for d in DISTRICTS])
    districts = Area.objects.bulk_create(
        [
            _area(loader, code=code, name=name, name_en=name_en, level=AreaLevel.DISTRICT, parent=city, geom=geom)
            for (code, name, name_en, _centre, _subs), geom in zip(DISTRICTS, district_shapes, strict=True)
        ]
    )
    subdistricts, sub_shapes = [], []
    for district, geom, (_c, _n, _e, _centre, subs) in zip(districts, district_shapes, DISTRICTS, strict=True):
        for i, ((name, pinyin), piece) in enumerate(
            zip(subs, _split(geom, _seeds_in(geom, len(subs), rng)), strict=True), start=1
        ):
            subdistricts.append(
                _area(
                    loader,
                    code=f"{district.code}{i:03d}",
                    name=name,
                    name_en=f"{pinyin} Subdistrict",
                    level=AreaLevel.SUBDISTRICT,
                    parent=district,
                    geom=piece,
                )
            )
            sub_shapes.append(piece)
    subdistricts = Area.objects.bulk_create(subdistricts)
    communities = []
    for sub, geom in zip(subdistricts, sub_shapes, strict=True):
        stems = rng.sample(COMMUNITY_STEMS, COMMUNITIES_PER_SUBDISTRICT)
        sub_name = sub.name.removesuffix("街道")
        sub_en = sub.name_en.removesuffix(" Subdistrict")
        seeds = _seeds_in(geom, COMMUNITIES_PER_SUBDISTRICT, rng)
        for i, ((stem, stem_en), piece) in enumerate(zip(stems, _split(geom, seeds), strict=True), start=1):
            communities.append(
                _area(
                    loader,
                    code=f"{sub.code}{i:03d}",
                    name=f"{sub_name}{stem}社区",
                    name_en=f"{sub_en} {stem_en} Community",
                    level=AreaLevel.COMMUNITY,
                    parent=sub,
                    geom=piece,
                )
            )
    communities = Area.objects.bulk_create(communities)
    return city, districts, subdistricts, communities


def _departments(loader: _Loader) -> dict[str, Department]:
    departments = Department.objects.bulk_create(
        [
            Department(code=code, name=name, name_en=name_en, email=f"{code.lower()}@gridops.example")
            for code, name, name_en in DEPARTMENTS
        ]
    )
    return {d.code: d for d in departments}


def load(*, stdout=None) -> None:
    """Build the demo city: areas, cells, departments, people, assignments and scopes."""
    rng = random.Random(SEED)
    now = timezone.now()
    loader = _Loader(rng=rng, password=make_password(DEMO_PASSWORD), unusable=make_password(None), now=now)
    city, districts, subdistricts, communities = _build_areas(loader)
    for community in communities:
        cells_generate(area=community, size_m=CELL_SIZE_M)
    departments = _departments(loader)

    # Supervisors: the city, each district, subdistrict and community (网格管理负责人).
    scope: list[tuple[User, Area]] = []
    city_sup = loader.user("city_supervisor", Role.SUPERVISOR)
    scope.append((city_sup, city))
    by_code: dict[str, User] = {}
    for area in [*districts, *subdistricts, *communities]:
        username = "supervisor" if area.code == "440304" else f"sup_{area.code}"
        by_code[area.code] = loader.user(username, Role.SUPERVISOR, demo=username == "supervisor")
        scope.append((by_code[area.code], area))

    # Department heads and handlers.
    heads = {
        code: loader.user(f"head_{code.lower()}", Role.SUPERVISOR, department=d) for code, d in departments.items()
    }
    for code, dept in departments.items():
        for i in (1, 2):
            username = "handler" if (code, i) == ("SAN", 1) else f"{code.lower()}_{i}"
            loader.user(username, Role.HANDLER, department=dept, demo=username == "handler")

    # Command center and hotline.
    loader.user("dispatcher", Role.DISPATCHER, demo=True)
    loader.user("dispatcher2", Role.DISPATCHER)
    loader.user("hotline", Role.HOTLINE, demo=True)
    loader.user("hotline2", Role.HOTLINE)

    # Residents (one demo login; the others report through the demo cases).
    loader.user("resident", Role.RESIDENT, demo=True, phone="13800138000")
    for i in range(1, 40):
        loader.user(f"resident{i:02d}", Role.RESIDENT, phone=f"139{rng.randrange(10**8):08d}")

    # Officers: one for every few adjacent cells of a community.
    cells = list(Cell.objects.order_by("code").values_list("id", "code", "area_id"))
    officer_cells: list[tuple[User, list[int]]] = []
    by_community: dict[int, list[int]] = {}
    for cell_id, _code, area_id in cells:
        by_community.setdefault(area_id, []).append(cell_id)
    community_by_id = {c.id: c for c in communities}
    first = True
    for area_id, cell_ids in by_community.items():
        community = community_by_id.get(area_id)
        for start in range(0, len(cell_ids), CELLS_PER_OFFICER):
            username = "officer" if first and community.code.startswith("440304001") else None
            if username is None:
                loader.seq += 1
                username = f"officer{loader.seq:04d}"
            else:
                first = False
            officer = loader.user(
                username, Role.OFFICER, demo=username == "officer", phone=f"137{rng.randrange(10**8):08d}"
            )
            officer_cells.append((officer, cell_ids[start : start + CELLS_PER_OFFICER]))

    User.objects.bulk_create(loader.users)
    saved = {u.username: u for u in User.objects.all()}
    admin = User.objects.create_superuser(
        username="admin", password=DEMO_PASSWORD, role=Role.ADMIN, full_name="系统管理员", email="admin@gridops.example"
    )

    # Who reports to whom: officers to their community supervisor, handlers to their department head.
    for officer, _cells in officer_cells:
        officer.pk = saved[officer.username].pk
    community_of_cell = {cell_id: area_id for cell_id, _code, area_id in cells}
    reports_to: dict[int, int] = {}
    for officer, cell_ids in officer_cells:
        community = community_by_id[community_of_cell[cell_ids[0]]]
        reports_to[officer.pk] = saved[by_code[community.code].username].pk
    for code, head in heads.items():
        for user in saved.values():
            if user.role == Role.HANDLER and user.department_id == departments[code].pk:
                reports_to[user.pk] = saved[head.username].pk
    for sub in subdistricts:
        for community in communities:
            if community.parent_id == sub.pk:
                reports_to[saved[by_code[community.code].username].pk] = saved[by_code[sub.code].username].pk
    for district in districts:
        reports_to[saved[by_code[district.code].username].pk] = saved[city_sup.username].pk
    updates = [User(pk=pk, reports_to_id=boss) for pk, boss in reports_to.items()]
    User.objects.bulk_update(updates, ["reports_to"], batch_size=1000)

    # Assignments and their object permissions, in bulk (one primary per cell, since half a year).
    since = now - timedelta(days=180)
    work = Permission.objects.get(content_type__app_label="grid", codename="work_in_cell")
    assignments, perms = [], []
    for officer, cell_ids in officer_cells:
        for cell_id in cell_ids:
            assignments.append(
                CellAssignment(cell_id=cell_id, officer_id=officer.pk, kind=AssignmentKind.PRIMARY, valid_from=since)
            )
            perms.append(CellUserObjectPermission(user_id=officer.pk, permission=work, content_object_id=cell_id))
    # A backup for every officer's first cell: the next officer of the same community.
    for (_officer, cell_ids), (other, other_cells) in zip(officer_cells, officer_cells[1:], strict=False):
        if community_of_cell[cell_ids[0]] == community_of_cell[other_cells[0]]:
            assignments.append(
                CellAssignment(cell_id=cell_ids[0], officer_id=other.pk, kind=AssignmentKind.BACKUP, valid_from=since)
            )
            perms.append(CellUserObjectPermission(user_id=other.pk, permission=work, content_object_id=cell_ids[0]))
    CellAssignment.objects.bulk_create(assignments, batch_size=2000)
    CellUserObjectPermission.objects.bulk_create(perms, batch_size=2000, ignore_conflicts=True)

    # One officer on leave this week: the backup covers their first cell.
    on_leave = officer_cells[1][0]
    grid_services.leave_create(
        officer=on_leave, starts_at=now - timedelta(days=1), ends_at=now + timedelta(days=6), reason="年假"
    )

    for supervisor, area in scope:
        grid_services.supervisor_scope_grant(supervisor=saved[supervisor.username], area=area)
    grid_services.grid_revision_bump()

    if stdout is not None:
        stdout.write(
            f"City: {1 + len(districts) + len(subdistricts) + len(communities)} areas, {len(cells)} cells, "
            f"{len(officer_cells)} officers, {len(departments)} departments, {len(saved) + 1} people "
            f"(admin: {admin.username})."
        )
