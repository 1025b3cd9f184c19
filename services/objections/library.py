"""The bilingual library of common B2B objections: seeded (data, not a migration), listed, added to.

`ensure_seeded` inserts any seed whose `key` is missing, so the library appears on first use and new seeds
shipped in a later release are added without touching the team's own objections.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.chat_text import area_word
from bot.database import Database
from bot.errors import UserFacingError
from bot.models import Objection
from services.context import Services


class DuplicateObjection(UserFacingError):
    """The library already has this objection (same text, whatever the case and spacing)."""

    def __init__(self, existing: Objection) -> None:
        self.existing = existing
        super().__init__(
            f"The library already has this objection: #{existing.id} “{existing.text_en}” ({existing.area}). "
            "Nothing was added.",
            f"异议库中已有这条异议：#{existing.id}“{existing.text_zh}”（{area_word(existing.area, 'zh')}），"
            "未重复添加。",
        )


@dataclass(frozen=True)
class Seed:
    key: str
    area: str
    en: str
    zh: str
    hint_en: str  # the real concern usually behind it, for the model answer
    hint_zh: str


SEEDS: tuple[Seed, ...] = (
    Seed("price", "pricing", "Your price is too high.", "你们的价格太高了。",
         "value versus cost; total cost of ownership", "价值与成本；总体拥有成本"),
    Seed("budget", "pricing", "We don't have budget for this this year.", "我们今年没有这方面的预算。",
         "timing of budget cycles; cost of waiting; phased rollout", "预算周期；等待的代价；分阶段上线"),
    Seed("competitor-cheaper", "competition", "Your competitor offers the same thing for less.",
         "竞争对手提供同样的东西，价格更低。",
         "like-for-like comparison; differentiators; hidden costs", "同等比较；差异化能力；隐性成本"),
    Seed("security", "security", "We're worried about data security and compliance.",
         "我们担心数据安全和合规问题。",
         "certifications, data residency, encryption, audit", "安全认证、数据驻留、加密、审计"),
    Seed("integration", "integration", "Integrating this with our existing systems will take too much effort.",
         "和我们现有系统集成太费劲了。",
         "APIs, connectors, implementation timeline, services support", "API、连接器、实施周期、服务支持"),
    Seed("timing", "timing", "Now is not a good time; come back next quarter.", "现在时机不对，下个季度再说吧。",
         "what changes next quarter; cost of delay", "下季度会有什么变化；延迟的代价"),
    Seed("think-about-it", "general", "Let me think about it.", "我再考虑考虑。",
         "the unspoken concern; decision process", "没说出口的顾虑；决策流程"),
    Seed("switching-cost", "migration", "Switching from our current vendor is too costly and risky.",
         "从现有供应商切换成本太高、风险太大。",
         "migration tooling, parallel run, references who switched", "迁移工具、并行运行、成功切换的客户案例"),
    Seed("no-need", "value", "We're fine with what we have today.", "我们现在用的挺好的。",
         "unseen pain; growth plans; cost of status quo", "潜在痛点；增长计划；维持现状的代价"),
    Seed("decision-maker", "process", "I need to get approval from my boss first.", "我得先请示一下领导。",
         "who decides; what they care about; materials for the champion", "谁拍板；他关心什么；给内部支持者的材料"),
    Seed("scale", "product", "We're not sure your product can handle our scale.", "不确定你们的产品能否支撑我们的规模。",
         "benchmarks, largest customers, architecture", "性能基准、最大客户、架构"),
    Seed("support", "service", "We've heard your support is slow.", "听说你们的技术支持响应很慢。",
         "SLA, support tiers, escalation path", "服务等级协议、支持级别、升级通道"),
)  # fmt: skip


def ensure_seeded(*, db: Database) -> int:
    """Insert missing seeds; returns how many were added (0 when the library is complete)."""
    with db.session() as session:
        present = set(session.exec(select(Objection.key).where(col(Objection.key).is_not(None))))
    added = 0
    for seed in SEEDS:
        if seed.key in present:
            continue
        try:
            with db.session() as session:
                session.add(
                    Objection(
                        key=seed.key,
                        text_en=seed.en,
                        text_zh=seed.zh,
                        area=seed.area,
                        hint_en=seed.hint_en,
                        hint_zh=seed.hint_zh,
                        created_by="seed",
                    )
                )
            added += 1
        except IntegrityError:  # another process seeded it at the same moment
            continue
    return added


def list_objections(*, services: Services) -> list[Objection]:
    """The whole library (seeds first, then the team's own), oldest first."""
    ensure_seeded(db=services.db)
    with services.db.session() as session:
        return list(session.exec(select(Objection).order_by(col(Objection.id))))


_SPACE = re.compile(r"\s+")


def same_text_key(text: str) -> str:
    """What makes two objections the same: case, spacing and punctuation do not count ("Too  EXPENSIVE!" ==
    "too expensive.", "你们的价格太高了" == "你们的价格太高了。", quotes around it neither). An apostrophe inside
    a word stays ("we're" is not "were")."""
    kept = "".join(
        " " if unicodedata.category(ch).startswith("P") and ch not in "'’" else ch
        for ch in text.casefold().replace("’", "'")
    )
    kept = re.sub(r"(?<!\w)'|'(?!\w)", " ", kept)  # quotes, not apostrophes
    return _SPACE.sub(" ", kept).strip()


def find_same_objection(*, session: Session, text: str) -> Objection | None:
    """The library entry (a seed in either language, or a team addition) with the same text, if any."""
    key = same_text_key(text)
    for row in session.exec(select(Objection).order_by(col(Objection.id))):
        if key in {same_text_key(row.text_en), same_text_key(row.text_zh)}:
            return row
    return None


def add_objection(*, services: Services, text: str, area: str, user: str) -> Objection:
    """Store a team objection. Raises `DuplicateObjection` (nothing stored) when the library already has
    the same text in either language, whatever the case and spacing."""
    ensure_seeded(db=services.db)
    with services.db.session() as session:
        existing = find_same_objection(session=session, text=text)
        if existing is not None:
            raise DuplicateObjection(existing)
        row = Objection(
            text_en=text,  # one language typed; shown as-is in both lines of the practice post
            text_zh=text,
            area=area.strip()[:128] or "general",
            created_by=user,
            created_at=services.now(),
        )
        session.add(row)
    return row
