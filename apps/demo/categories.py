"""Demo data: the category taxonomy, in the style of the national urban-management classification
(GB/T 30428.2 / CJ/T 214): components (部件, code C..) and events (事件, code E..), two levels, plus
the 12345 hotline request types (H..). Each leaf names a default department by code and a priority.

Codes are stable: the SLA policies (apps/demo/sla.py) and demo cases refer to them.
"""

from __future__ import annotations

from apps.accounts.models import Department
from apps.cases.choices import CategoryKind, Priority
from apps.cases.models import Category

# code, Chinese name, English name
DEPARTMENTS = [
    ("SAN", "环境卫生管理处", "Sanitation"),
    ("ROAD", "道路管养中心", "Roads"),
    ("WATER", "水务局", "Water"),
    ("PARK", "城市管理和综合执法局园林处", "Parks and greening"),
    ("TRAFFIC", "交通运输局", "Traffic"),
    ("MARKET", "市场监督管理局", "Market regulation"),
    ("URBAN", "城市管理综合执法队", "Urban management enforcement"),
    ("HOUSING", "住房和建设局", "Housing and construction"),
    ("POLICE", "公安派出所联络", "Police liaison"),
    ("EMERG", "应急管理局", "Emergency management"),
    ("ECO", "生态环境局", "Ecology and environment"),
]

C, E = CategoryKind.COMPONENT, CategoryKind.EVENT
U, H, N, L = Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW

# (code, name, name_en, kind, [(code, name, name_en, department, priority), ...])
TAXONOMY = [
    (
        "C01",
        "公用设施",
        "Public facilities",
        C,
        [
            ("C0101", "井盖丢失", "Missing manhole cover", "WATER", U),
            ("C0102", "井盖破损", "Damaged manhole cover", "WATER", H),
            ("C0103", "路灯故障", "Street light out", "ROAD", N),
            ("C0104", "消防栓损坏", "Damaged fire hydrant", "WATER", H),
            ("C0105", "供水管道漏水", "Water main leak", "WATER", H),
            ("C0106", "电力设施损坏", "Damaged power equipment", "EMERG", H),
        ],
    ),
    (
        "C02",
        "道路交通",
        "Roads and traffic",
        C,
        [
            ("C0201", "道路破损", "Damaged road surface", "ROAD", N),
            ("C0202", "交通信号灯故障", "Traffic light fault", "TRAFFIC", H),
            ("C0203", "交通标志损坏", "Damaged traffic sign", "TRAFFIC", N),
            ("C0204", "护栏损坏", "Damaged guardrail", "ROAD", N),
            ("C0205", "公交站亭损坏", "Damaged bus shelter", "TRAFFIC", L),
        ],
    ),
    (
        "C03",
        "市容环境",
        "City appearance facilities",
        C,
        [
            ("C0301", "垃圾桶损坏", "Damaged litter bin", "SAN", L),
            ("C0302", "公厕设施损坏", "Damaged public toilet", "SAN", N),
            ("C0303", "果皮箱满溢", "Overflowing litter bin", "SAN", N),
        ],
    ),
    (
        "C04",
        "园林绿化",
        "Greening",
        C,
        [
            ("C0401", "行道树倒伏", "Fallen street tree", "PARK", H),
            ("C0402", "绿地养护", "Greenery upkeep", "PARK", L),
            ("C0403", "花坛损坏", "Damaged flower bed", "PARK", L),
        ],
    ),
    (
        "C05",
        "房屋土地",
        "Housing and land",
        C,
        [
            ("C0501", "危房隐患", "Unsafe building", "HOUSING", H),
            ("C0502", "外墙脱落", "Falling facade", "HOUSING", U),
        ],
    ),
    (
        "C06",
        "其他设施",
        "Other facilities",
        C,
        [
            ("C0601", "电动车充电设施损坏", "Damaged e-bike charger", "EMERG", N),
            ("C0602", "健身器材损坏", "Damaged fitness equipment", "PARK", L),
        ],
    ),
    (
        "E01",
        "市容环境",
        "City appearance and environment",
        E,
        [
            ("E0101", "暴露垃圾", "Exposed garbage", "SAN", N),
            ("E0102", "道路不洁", "Dirty road", "SAN", N),
            ("E0103", "积存垃圾渣土", "Piled-up waste and muck", "SAN", N),
            ("E0104", "污水外溢", "Sewage overflow", "WATER", H),
            ("E0105", "焚烧垃圾", "Burning waste", "ECO", H),
            ("E0106", "噪声扰民", "Noise nuisance", "ECO", N),
        ],
    ),
    (
        "E02",
        "宣传广告",
        "Advertising",
        E,
        [
            ("E0201", "违规张贴小广告", "Illegal flyers", "URBAN", L),
            ("E0202", "非法户外广告", "Illegal outdoor advertising", "URBAN", N),
            ("E0203", "广告牌破损", "Damaged billboard", "URBAN", H),
        ],
    ),
    (
        "E03",
        "施工管理",
        "Construction",
        E,
        [
            ("E0301", "违法建设", "Illegal construction", "URBAN", N),
            ("E0302", "施工扰民", "Construction nuisance", "HOUSING", N),
            ("E0303", "工地扬尘", "Construction dust", "ECO", N),
            ("E0304", "道路遗撒", "Spillage on the road", "SAN", H),
        ],
    ),
    (
        "E04",
        "街面秩序",
        "Street order",
        E,
        [
            ("E0401", "占道经营", "Street vending on the road", "URBAN", N),
            ("E0402", "机动车乱停放", "Illegal parking", "TRAFFIC", N),
            ("E0403", "共享单车乱停放", "Disorderly shared bikes", "TRAFFIC", L),
            ("E0404", "店外经营", "Trading outside the shop", "MARKET", L),
            ("E0405", "高空抛物", "Objects thrown from height", "POLICE", H),
        ],
    ),
    (
        "E05",
        "突发事件",
        "Emergencies",
        E,
        [
            ("E0501", "电动车起火", "E-bike battery fire", "EMERG", U),
            ("E0502", "道路积水", "Waterlogged road", "WATER", U),
            ("E0503", "路面塌陷", "Road collapse", "ROAD", U),
            ("E0504", "燃气泄漏", "Gas leak", "EMERG", U),
        ],
    ),
    (
        "E06",
        "其他事件",
        "Other events",
        E,
        [
            ("E0601", "入室盗窃", "Burglary", "POLICE", H),
            ("E0602", "流浪动物", "Stray animals", "URBAN", L),
            ("E0603", "无证照经营", "Unlicensed business", "MARKET", N),
        ],
    ),
    (
        "H01",
        "12345热线诉求",
        "12345 hotline requests",
        E,
        [
            ("H0101", "紧急求助", "Urgent request", "EMERG", U),
            ("H0102", "咨询", "Consultation", "URBAN", L),
            ("H0103", "求助", "Help", "URBAN", N),
            ("H0104", "投诉", "Complaint", "URBAN", N),
            ("H0105", "举报", "Report of wrongdoing", "MARKET", N),
        ],
    ),
]


def departments_ensure() -> dict[str, Department]:
    """The demo departments by code (created if the city loader did not make them)."""
    found = {}
    for code, name, name_en in DEPARTMENTS:
        found[code], _ = Department.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en})
    return found


def load(*, stdout=None) -> None:
    """Load (or update in place) the demo categories."""
    departments = departments_ensure()
    count = 0
    for top_order, (code, name, name_en, kind, leaves) in enumerate(TAXONOMY):
        parent, _ = Category.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "kind": kind,
                "parent": None,
                "priority": Priority.NORMAL,
                "sort_order": top_order * 100,
                "is_active": True,
            },
        )
        count += 1
        for order, (leaf_code, leaf_name, leaf_en, dept, priority) in enumerate(leaves, start=1):
            Category.objects.update_or_create(
                code=leaf_code,
                defaults={
                    "name": leaf_name,
                    "name_en": leaf_en,
                    "kind": kind,
                    "parent": parent,
                    "default_department": departments[dept],
                    "priority": priority,
                    "sort_order": top_order * 100 + order,
                    "is_active": True,
                },
            )
            count += 1
    if stdout is not None:
        stdout.write(f"Categories: {count} in {len(TAXONOMY)} classes.")
