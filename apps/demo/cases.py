"""Demo data: a few hundred cases over the last 60 days, in every state and from every channel.

Every case is made by the real services (`case_intake`, `case_transition`) with `at=` in the past, so
their histories, SLA clocks and notifications are what the system itself would have produced. Points
are random inside demo cells; descriptions are realistic per category. Seeded: the same data each time.
"""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from shapely.geometry import Point, shape

from apps.accounts.choices import Role
from apps.accounts.models import User
from apps.cases import services
from apps.cases.choices import CaseState, Channel
from apps.cases.models import Case, Category
from apps.cases.selectors import case_list_for_user
from apps.cases.workflow import Action
from apps.grid.choices import AssignmentKind
from apps.grid.models import Cell, CellAssignment
from apps.grid.selectors import cell_responsible_officer
from apps.sla import services as sla_services
from apps.sla.choices import LimitUnit, RequestKind
from gridops.errors import DomainError

DAYS = 60
OFFICE_HOURS = (8, 20)  # local hours when department staff and grid officers act (the command center never closes)
DEMO_OFFICER = "officer"
DEMO_OFFICER_SHARE = 0.06  # of the reports fall in the demo officer's cells
OPEN = (CaseState.REPORTED, CaseState.REGISTERED, CaseState.DISPATCHED, CaseState.IN_PROGRESS, CaseState.RESOLVED)
# Cases in progress that asked for more time or for the clock to stop (some still waiting for a
# supervisor's decision: the queue of requests is not empty on a demo's first day).
TIME_REQUEST_SHARE = 0.35
EXTENSION_REASONS = ["需协调供电部门停电后施工", "所需配件需从厂家调货", "涉及多个产权单位，需联合处置"]
SUSPENSION_REASONS = ["连续降雨，暂不具备施工条件", "等待业主委员会表决维修资金使用", "需待区住建局出具鉴定意见"]
PLACES = [
    "小区东门",
    "十字路口",
    "公交站旁",
    "地铁站C出口",
    "菜市场门口",
    "学校南侧",
    "公园入口",
    "商场停车场",
    "城中村巷道",
    "桥底下",
    "人行天桥下",
    "医院后门",
    "写字楼楼下",
    "河堤步道",
]
DESCRIPTIONS = {
    "C0101": ["{p}井盖不见了，晚上很危险，已有电动车差点掉进去", "{p}雨水井盖丢失，路人容易踩空"],
    "C0102": ["{p}井盖破裂下陷，车辆经过有巨响", "{p}井盖松动，踩上去会翘起来"],
    "C0103": ["{p}路灯连续三晚不亮，行人看不清路", "{p}一排路灯忽明忽暗"],
    "C0104": ["{p}消防栓被撞歪，有漏水", "{p}消防栓盖子丢失"],
    "C0105": ["{p}地面冒水，像是供水管破了", "{p}自来水管漏水，路面积了一片水"],
    "C0201": ["{p}路面坑洼，下雨后积水，车辆绕行", "{p}人行道地砖松动翘起，老人容易绊倒"],
    "C0202": ["{p}红绿灯不亮，路口车辆混乱", "{p}信号灯一直黄闪"],
    "C0401": ["{p}大树被风吹倒，压住了半条路", "{p}行道树倾斜，随时可能倒下"],
    "C0402": ["{p}绿化带杂草丛生，很久没修剪", "{p}草坪被踩秃，枯黄一片"],
    "C0502": ["{p}外墙瓷砖掉落，下面是人行道", "{p}楼体外墙有大块脱落风险"],
    "E0101": ["{p}堆放大量生活垃圾，气味很重", "{p}有人乱倒垃圾，好几天没人清理"],
    "E0102": ["{p}路面满是泥沙和落叶，很脏", "{p}路面有油污，走路打滑"],
    "E0104": ["{p}下水道返水，污水漫到路面", "{p}化粪池外溢，臭气熏天"],
    "E0106": ["{p}夜间有人施工敲打，噪音扰民", "{p}广场舞音响太大声，影响休息"],
    "E0201": ["{p}电线杆上贴满小广告", "{p}墙面被喷涂办证电话"],
    "E0301": ["{p}楼顶在搭建铁皮房，疑似违建", "{p}有人在绿地上围墙圈地建房"],
    "E0303": ["{p}工地没有覆盖，扬尘很大", "{p}渣土车进出没有冲洗，尘土飞扬"],
    "E0401": ["{p}流动摊贩占道摆卖，行人只能走机动车道", "{p}早餐摊占用人行道"],
    "E0402": ["{p}车辆长期占用消防通道", "{p}人行道上停满了小汽车"],
    "E0403": ["{p}共享单车堆成一片，堵住了盲道", "{p}大量共享单车乱停在路口"],
    "E0405": ["{p}楼上有人往下扔垃圾，差点砸到人", "{p}高空掉下花盆，非常危险"],
    "E0501": ["{p}电动车电池起火冒烟", "{p}楼道里充电的电动车着火了"],
    "E0502": ["{p}暴雨后积水没过膝盖，车辆熄火", "{p}下穿通道积水严重"],
    "E0503": ["{p}路面突然塌陷出一个大坑", "{p}路面下沉开裂，有塌陷迹象"],
    "E0504": ["{p}闻到很浓的燃气味", "{p}餐馆门口燃气管道漏气"],
    "E0601": ["{p}家中被盗，门锁被撬", "{p}楼里多户夜间被入室盗窃"],
    "H0101": ["来电人称{p}有老人摔倒，需要紧急帮助", "来电人称{p}有人被困电梯"],
    "H0102": ["来电咨询{p}附近的垃圾分类投放时间", "来电咨询{p}占道施工什么时候结束"],
    "H0103": ["来电人求助：{p}家门口的下水道堵了", "独居老人来电求助，{p}楼道灯坏了"],
    "H0104": ["来电投诉{p}商铺夜间噪音扰民", "来电投诉{p}垃圾清运不及时"],
    "H0105": ["来电举报{p}有无证经营的黑作坊", "来电举报{p}有人售卖过期食品"],
}
GENERIC = ["{p}发现{c}问题，请尽快处理", "{p}{c}，已经持续好几天了", "{p}有{c}情况，影响居民出行"]
RESOLVE_NOTES = [
    "已安排人员到场处理完毕",
    "已清理干净并拍照留档",
    "已更换损坏设施",
    "已联系责任单位整改到位",
    "已劝离并教育当事人",
]
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵敏", "黄磊", "周婷", "吴刚", "徐丽", "孙强"]

# The final state of each demo case (weights), then the channel (weights).
OUTCOMES = [
    ("closed", 30),
    ("reported", 10),
    ("registered", 8),
    ("dispatched", 10),
    ("in_progress", 10),
    ("resolved", 8),
    ("rejected", 6),
    ("merged", 4),
    ("self_handled", 6),
    ("reopened", 4),
    ("returned", 4),
]
# How long ago a case that is still open was reported: a city keeps its queue short, so most open
# cases are days old (exponential, mean in hours), and a few have been waiting for weeks. Finished
# outcomes (closed, rejected, self-handled) spread over the whole period.
OPEN_AGE_MEAN_H = {
    "reported": 3,
    "registered": 4,
    "dispatched": 24,
    "returned": 24,
    "merged": 12,
    "in_progress": 72,
    "resolved": 36,
    "reopened": 7 * 24,
}
LONG_OVERDUE_SHARE = 0.1
CHANNELS = [
    (Channel.RESIDENT_WEB, 40),
    (Channel.HOTLINE, 25),
    (Channel.PATROL, 20),
    (Channel.SENSOR, 5),
    (Channel.API, 5),
    (Channel.OPEN311, 5),
]


def _tiny_jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), (90, 140, 90)).save(out, format="JPEG", quality=60)
    return out.getvalue()


class _Demo:
    def __init__(self, *, rng: random.Random, now: datetime) -> None:
        self.rng, self.now = rng, now
        self.photo = _tiny_jpeg()
        by_role: dict[str, list[User]] = {}
        for user in User.objects.filter(is_active=True).order_by("id"):
            by_role.setdefault(user.role, []).append(user)
        self.by_role = by_role
        self.handlers_by_dept: dict[int, list[User]] = {}
        for handler in by_role.get(Role.HANDLER, []):
            if handler.department_id:
                self.handlers_by_dept.setdefault(handler.department_id, []).append(handler)
        self.dispatchers = by_role.get(Role.DISPATCHER, []) or by_role.get(Role.ADMIN, [])
        self.categories = list(Category.objects.filter(is_active=True, parent__isnull=False).select_related("parent"))
        self.masters: list[Case] = []

    def pick(self, weighted):
        values, weights = zip(*weighted, strict=True)
        return self.rng.choices(values, weights=weights)[0]

    def after_photo(self) -> SimpleUploadedFile:
        return SimpleUploadedFile("after.jpg", self.photo, content_type="image/jpeg")

    def point_in(self, cell: Cell) -> tuple[float, float]:
        geom = shape(cell.geometry)
        for _ in range(20):
            lon = self.rng.uniform(cell.min_lon, cell.max_lon)
            lat = self.rng.uniform(cell.min_lat, cell.max_lat)
            if geom.contains(Point(lon, lat)):
                return lon, lat
        point = geom.representative_point()
        return point.x, point.y

    def description(self, category: Category) -> str:
        place = self.rng.choice(PLACES)
        templates = DESCRIPTIONS.get(category.code) or GENERIC
        return self.rng.choice(templates).format(p=place, c=category.name)

    def step(self, at: datetime, low_min: int, high_min: int, *, office_hours: bool = False) -> datetime | None:
        """When the next step happens (None if that is still in the future). Department and grid
        staff work by day: with `office_hours` a step due at night waits for the morning."""
        nxt = at + timedelta(minutes=self.rng.randint(low_min, high_min))
        if office_hours:
            local = timezone.localtime(nxt)
            if not OFFICE_HOURS[0] <= local.hour < OFFICE_HOURS[1]:
                morning = local.replace(hour=OFFICE_HOURS[0], minute=0, second=0, microsecond=0)
                if local.hour >= OFFICE_HOURS[1]:
                    morning += timedelta(days=1)
                nxt = morning + timedelta(minutes=self.rng.randint(0, 180))
        return nxt if nxt < self.now else None


def _intake(demo: _Demo, cell: Cell, at: datetime, channel: str, category: Category, near: Case | None = None) -> Case:
    if near is not None:  # a second report of the same thing, a few metres away
        lon, lat = near.lon + demo.rng.uniform(-2e-4, 2e-4), near.lat + demo.rng.uniform(-2e-4, 2e-4)
    else:
        lon, lat = demo.point_in(cell)
    residents = demo.by_role.get(Role.RESIDENT, [])
    actor, name, phone = None, "", ""
    if channel == Channel.HOTLINE and demo.by_role.get(Role.HOTLINE):
        actor = demo.rng.choice(demo.by_role[Role.HOTLINE])
        name = demo.rng.choice(NAMES)
        phone = f"13{demo.rng.randint(0, 9)}{demo.rng.randint(10000000, 99999999)}"
    elif channel == Channel.PATROL:
        actor = cell_responsible_officer(cell=cell, at=at)
    elif channel in (Channel.RESIDENT_WEB, Channel.API) and residents and demo.rng.random() < 0.7:
        actor = demo.rng.choice(residents)
    elif channel == Channel.RESIDENT_WEB:
        name = demo.rng.choice(NAMES)
        phone = f"15{demo.rng.randint(0, 9)}{demo.rng.randint(10000000, 99999999)}"
    return services.case_intake(
        actor=actor,
        channel=channel,
        category=category,
        description=demo.description(category),
        lon=lon,
        lat=lat,
        address="",
        reporter_name=name,
        reporter_phone=phone,
        at=at,
    )


def _play(demo: _Demo, case: Case, outcome: str, at: datetime, master: Case | None = None) -> None:
    """Walk `case` towards `outcome`, stopping early if the next step would be in the future."""
    rng = demo.rng
    dispatcher = rng.choice(demo.dispatchers)
    # The officer responsible then, or (if the grid's assignments start later) the one responsible now.
    officer = case.responsible_officer or (cell_responsible_officer(cell=case.cell, at=demo.now) if case.cell else None)

    def go(action, actor, low, high, **inputs):
        nonlocal at
        by_day = actor is not None and actor.role in (Role.HANDLER, Role.OFFICER)
        nxt = demo.step(at, low, high, office_hours=by_day)
        if nxt is None or actor is None:
            return False
        services.case_transition(case=case, actor=actor, action=action, at=nxt, **inputs)
        at = nxt
        return True

    if outcome == "self_handled" and officer is not None:
        go(Action.SELF_HANDLE, officer, 20, 120, note=rng.choice(RESOLVE_NOTES), photos=[demo.after_photo()])
        if rng.random() < 0.7:
            go(Action.VERIFY_PASS, dispatcher, 30, 600)
        return
    if outcome == "reported":
        return
    if outcome == "rejected":
        go(
            Action.REJECT,
            dispatcher,
            10,
            240,
            note=rng.choice(["不属于城市管理范围", "信息不全，无法核实", "现场核实无此问题"]),
        )
        return
    if outcome == "merged" and master is not None:
        go(Action.MERGE, dispatcher, 10, 240, merge_into=master)
        return
    if not go(Action.REGISTER, dispatcher, 5, 240) or outcome == "registered":
        return
    department = case.category.default_department
    handlers = demo.handlers_by_dept.get(department.pk, []) if department else []
    if handlers:
        target = {"department": department}
        handler = rng.choice(handlers)
    elif officer is not None:  # no staff in that department: the cell's officer handles it
        target = {"assignee": officer, "department": None}
        handler = officer
    else:  # nobody fits: any department with staff
        dept_id = rng.choice(sorted(demo.handlers_by_dept)) if demo.handlers_by_dept else None
        if dept_id is None:
            return
        handler = rng.choice(demo.handlers_by_dept[dept_id])
        target = {"department": handler.department}
    if not go(Action.DISPATCH, dispatcher, 5, 180, **target) or outcome == "dispatched":
        return
    if outcome == "returned":
        go(Action.RETURN, handler, 30, 600, note="不属于本部门职责，请改派")
        return
    if not go(Action.ACCEPT, handler, 10, 480):
        return
    if outcome == "in_progress":
        _ask_for_time(demo, case, handler, at)
        return
    if not go(Action.RESOLVE, handler, 60, 2880, note=rng.choice(RESOLVE_NOTES), photos=[demo.after_photo()]):
        return
    if outcome == "resolved":
        return
    verifier = officer if officer is not None and rng.random() < 0.8 else dispatcher
    if rng.random() < 0.1:
        if not go(Action.VERIFY_FAIL, verifier, 60, 1440, note="现场复核未整改到位"):
            return
        if not (
            go(Action.ACCEPT, handler, 10, 240)
            and go(Action.RESOLVE, handler, 60, 1440, note="已返工整改", photos=[demo.after_photo()])
        ):
            return
    if not go(Action.VERIFY_PASS, verifier, 60, 1440):
        return
    if outcome == "reopened":
        reopener = (
            case.reporter if case.reporter is not None else rng.choice(demo.by_role.get(Role.HOTLINE) or [dispatcher])
        )
        go(Action.REOPEN, reopener, 120, 4 * 1440, note="问题又出现了，不满意")
    elif case.reporter is not None and rng.random() < 0.5:
        services.case_rate(
            case=case,
            actor=case.reporter,
            rating=rng.choice([3, 4, 5, 5, 5]),
            comment="",
            at=min(at + timedelta(hours=2), demo.now),
        )


def _ask_for_time(demo: _Demo, case: Case, handler: User, at: datetime) -> None:
    """Now and then a handler asks for more time or for the clock to stop, and a supervisor who
    oversees the case decides (or has not yet)."""
    rng = demo.rng
    roll = rng.random()
    asked = demo.step(at, 30, 600, office_hours=True)
    if roll >= TIME_REQUEST_SHARE or asked is None:
        return
    try:
        if roll < TIME_REQUEST_SHARE * 0.7:
            request = sla_services.extension_request(
                actor=handler,
                case=case,
                amount=rng.choice([1, 2, 3]),
                unit=LimitUnit.DAYS,
                reason=rng.choice(EXTENSION_REASONS),
                at=asked,
            )
        else:
            request = sla_services.suspension_request(
                actor=handler, case=case, reason=rng.choice(SUSPENSION_REASONS), at=asked
            )
    except DomainError:  # the deadline has passed, or the policy allows no extension: nothing asked
        return
    decided = demo.step(asked, 30, 480, office_hours=True)
    deciders = [
        s for s in demo.by_role.get(Role.SUPERVISOR, []) if case_list_for_user(user=s).filter(pk=case.pk).exists()
    ]
    if decided is None or not deciders or rng.random() < 0.4:
        return  # still waiting for a decision
    supervisor = rng.choice(deciders)
    extension = request.kind == RequestKind.EXTENSION
    if rng.random() < 0.8:
        approve = sla_services.extension_approve if extension else sla_services.suspension_approve
        approve(actor=supervisor, request_id=request.pk, note="同意", at=decided)
    else:
        refuse = sla_services.extension_refuse if extension else sla_services.suspension_refuse
        refuse(actor=supervisor, request_id=request.pk, note="请按原时限完成", at=decided)


def _age(rng: random.Random, outcome: str) -> timedelta:
    """How long ago a case meant to end in `outcome` was reported (30 minutes to DAYS days)."""
    longest = DAYS * 24 * 60
    mean_h = OPEN_AGE_MEAN_H.get(outcome)
    if mean_h is None or rng.random() < LONG_OVERDUE_SHARE:
        return timedelta(minutes=rng.randint(30, longest))
    return timedelta(minutes=min(longest, 30 + int(rng.expovariate(1 / (mean_h * 60)))))


def load(*, stdout=None, count: int = 300, seed: int = 20261128) -> None:
    """Load `count` demo cases (needs the demo city and categories)."""
    rng = random.Random(seed)
    now = timezone.now()
    cell_ids = list(Cell.objects.filter(is_active=True).order_by("id").values_list("id", flat=True))
    demo = _Demo(rng=rng, now=now)
    if not cell_ids or not demo.categories or not demo.dispatchers:
        if stdout is not None:
            stdout.write("Demo cases skipped: the demo city (cells, dispatchers) or categories are missing.")
        return
    # A few hot spots get many of the reports, as real cities have; so do the cells of the demo
    # officer (and so their community's supervisor), so that logging in as them shows work.
    hot = rng.sample(cell_ids, min(len(cell_ids), max(1, count // 25)))
    demo_cells = sorted(
        CellAssignment.objects.filter(officer__username=DEMO_OFFICER, kind=AssignmentKind.PRIMARY).values_list(
            "cell_id", flat=True
        )
    )

    def pick_cell() -> int:
        roll = rng.random()
        if demo_cells and roll < DEMO_OFFICER_SHARE:
            return rng.choice(demo_cells)
        return rng.choice(hot) if roll < 0.3 else rng.choice(cell_ids)

    chosen = [pick_cell() for _ in range(count)]
    cells = Cell.objects.in_bulk(set(chosen))
    plan = sorted(
        ((now - _age(rng, outcome), outcome) for outcome in (demo.pick(OUTCOMES) for _ in range(count))),
        key=lambda item: item[0],
    )
    made, skipped = 0, 0
    for cell_id, (at, outcome) in zip(chosen, plan, strict=True):
        cell = cells[cell_id]
        category = rng.choice(demo.categories)
        channel = demo.pick(CHANNELS)
        if outcome == "self_handled":
            channel = Channel.PATROL
        master = None
        if outcome == "merged":
            master = next((m for m in reversed(demo.masters) if m.state in OPEN), None)
            if master is None:
                outcome = "closed"
            else:
                cell, category = master.cell, master.category
        try:
            case = _intake(demo, cell, at, channel, category, near=master)
            _play(demo, case, outcome, at, master=master)
        except DomainError as exc:  # e.g. a cell outside the locator's view: report, go on
            skipped += 1
            if stdout is not None and skipped <= 3:
                stdout.write(f"Demo case skipped ({exc.field}: {exc})")
            continue
        made += 1
        if outcome in ("dispatched", "in_progress", "registered", "resolved"):
            demo.masters.append(case)
    fired = _replay_sweeps(now=now)
    if stdout is not None:
        stdout.write(f"Cases: {made} over the last {DAYS} days ({skipped} skipped); {fired} SLA alerts.")


def _replay_sweeps(*, now: datetime) -> int:
    """Run the SLA sweep as the minute beat would have over the demo's past: each warning and
    escalation fires (with its history entry and notifications) in the minute it fell due, not
    all at the first sweep after loading. Returns the number of alerts.

    Only what fell due before `now`: an escalation fires once its instant has passed, so one due
    at exactly `now` is left to the first sweep after loading (replaying it would never end)."""
    from apps.sla.models import CaseClock
    from apps.sla.sweep import sla_sweep

    fired = 0
    while True:
        due = (
            CaseClock.objects.filter(next_check_at__lt=now)
            .order_by("next_check_at")
            .values_list("next_check_at", flat=True)
            .first()
        )
        if due is None:
            return fired
        beat = min(due.replace(second=0, microsecond=0) + timedelta(minutes=1), now)
        result = sla_sweep(now=beat)
        fired += result.warnings + result.escalations
