"""Announcement data functions (keyword-only): audiences, drafts, publishing (fan-out through the outbox),
acknowledgements, status per channel, the end-of-sale lookup, and summaries for digests and agendas."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from bot.clock import as_utc
from bot.errors import UsageError
from bot.messages import Address, Reply
from bot.models import (
    Acknowledgement,
    Announcement,
    AnnouncementPost,
    Audience,
    FeatureRequest,
    LaunchPlan,
)
from bot.outbox import DeliveryStatus
from services.announcements.followups import product_key, superseded_eos_notices
from services.announcements.posts import announcement_reply, eos_knowledge_text, headline
from services.announcements.targets import (
    Target,
    format_targets,
    is_audience_name,
    load_targets,
    parse_target,
    split_list,
)
from services.announcements.validate import Draft
from services.announcements.values import format_request_ids, load_request_ids
from services.context import Services
from services.requests.workflow import mark_shipped

logger = logging.getLogger(__name__)


# --- delivery helpers --------------------------------------------------------------------------------


def send_once(*, services: Services, address: Address, reply: Reply, key: str) -> bool:
    """Send through the outbox unless a message with this key was queued before. True when written now."""
    return services.send(address, reply, dedupe_key=key).status is not DeliveryStatus.DUPLICATE


def channel_members(*, services: Services, target: Target) -> list[str] | None:
    """Human members of a channel, or None when the platform could not tell us."""
    try:
        return services.members(platform=target.platform, conversation=target.conversation)
    except Exception:
        logger.warning("could not list members of %s", target, exc_info=True)
        return None


# --- audiences ---------------------------------------------------------------------------------------


def parse_targets(*, session: Session, spec: str, enabled_platforms: set[str] | None = None) -> list[Target]:
    """Channel targets and audience names → the distinct targets, or a bilingual usage error."""
    targets: list[Target] = []
    for token in split_list(spec):
        target = parse_target(token)
        if target is not None:
            found = [target]
        elif is_audience_name(token):
            audience = get_audience(session=session, name=token)
            if audience is None:
                raise UsageError(
                    f"No audience named {token!r}. Create it with `audience add {token} slack:#sales feishu:oc_…`"
                    " or name channels directly (slack:#sales, feishu:oc_…).",
                    f"没有名为 {token!r} 的受众。可用 `audience add {token} slack:#sales feishu:oc_…` 创建，"
                    "或直接写频道（slack:#sales、feishu:oc_…）。",
                )
            found = load_targets(audience.targets)
        else:
            raise UsageError(
                f"{token!r} is not a channel: write slack:#sales, slack:C0123, feishu:oc_… or an audience name.",
                f"{token!r} 不是频道：请写 slack:#sales、slack:C0123、feishu:oc_… 或受众名称。",
            )
        for target in found:
            if enabled_platforms is not None and target.platform not in enabled_platforms:
                raise UsageError(
                    f"{target.platform} is not connected to this bot, so {target} cannot be posted to.",
                    f"本机器人未连接 {target.platform}，无法发送到 {target}。",
                )
            if target not in targets:
                targets.append(target)
    if not targets:
        raise UsageError(
            "Name at least one channel: channels:slack:#sales,feishu:oc_… or an audience.",
            "请至少指定一个频道：channels:slack:#sales,feishu:oc_… 或受众名称。",
        )
    return targets


def get_audience(*, session: Session, name: str) -> Audience | None:
    return session.exec(select(Audience).where(func.lower(Audience.name) == name.lower())).first()


def save_audience(
    *, session: Session, name: str, targets: list[Target], by: str, now: datetime
) -> tuple[Audience, bool]:
    """Create or replace an audience; returns it and whether it was new."""
    audience = get_audience(session=session, name=name)
    created = audience is None
    if audience is None:
        audience = Audience(name=name, targets=format_targets(targets), created_by=by, created_at=now)
    else:
        audience.targets, audience.created_by = format_targets(targets), by
    session.add(audience)
    session.flush()
    return audience, created


def list_audiences(*, session: Session) -> list[Audience]:
    return list(session.exec(select(Audience).order_by(col(Audience.name))))


def remove_audience(*, session: Session, name: str) -> bool:
    audience = get_audience(session=session, name=name)
    if audience is None:
        return False
    session.delete(audience)
    return True


# --- drafts and publishing -----------------------------------------------------------------------------


def create_announcement(
    *, session: Session, draft: Draft, targets: list[Target], platform: str, author: str, now: datetime
) -> Announcement:
    announcement = Announcement(
        kind=draft.kind,
        status="scheduled" if draft.at is not None else "draft",
        product=draft.product,
        version=draft.version,
        release_date=draft.release_date,
        highlights=draft.highlights,
        ships=format_request_ids(draft.ships),
        reason=draft.reason,
        last_order=draft.last_order,
        end_of_support=draft.end_of_support,
        scope=draft.scope,
        alternative=draft.alternative,
        support_plan=draft.support_plan,
        contact=draft.contact,
        channel_spec=draft.channels,
        targets=format_targets(targets),
        author_platform=platform,
        author=author,
        scheduled_at=draft.at,
        created_at=now,
    )
    session.add(announcement)
    session.flush()
    return announcement


def get_announcement(*, session: Session, announcement_id: int) -> Announcement | None:
    return session.get(Announcement, announcement_id)


def recent_announcements(*, session: Session, limit: int) -> list[Announcement]:
    """The latest `limit` announcements, newest first, whatever their status."""
    return list(session.exec(select(Announcement).order_by(col(Announcement.id).desc()).limit(limit)))


def cancel_announcement(*, session: Session, announcement_id: int) -> bool:
    """Drafts and scheduled posts can be cancelled; published ones cannot be unsent."""
    result = session.execute(
        update(Announcement)
        .where(
            col(Announcement.id) == announcement_id,
            col(Announcement.status).in_(("draft", "scheduled")),
        )
        .values(status="cancelled")
    )
    return bool(getattr(result, "rowcount", 0))


@dataclass
class Published:
    announcement: Announcement
    targets: list[Target]
    notes: list[tuple[str, str]] = field(default_factory=list)  # (en, zh) about follow-up effects
    refused: list[Target] = field(default_factory=list)  # channels the platform refused the post in


def _claim_for_publishing(*, services: Services, announcement_id: int) -> Announcement | None:
    """Move a draft/scheduled announcement to published, atomically: a second confirm finds nothing."""
    with services.db.session() as session:
        result = session.execute(
            update(Announcement)
            .where(
                col(Announcement.id) == announcement_id,
                col(Announcement.status).in_(("draft", "scheduled")),
            )
            .values(status="published", published_at=services.now())
        )
        if not getattr(result, "rowcount", 0):
            return None
        return session.get(Announcement, announcement_id)


def publish_announcement(*, services: Services, announcement_id: int) -> Published | None:
    """Post to every channel (idempotently, through the outbox) and apply the announcement's effects.

    Returns None when the announcement is not a draft or scheduled (already published, cancelled, unknown).
    """
    announcement = _claim_for_publishing(services=services, announcement_id=announcement_id)
    if announcement is None:
        return None
    reply = announcement_reply(announcement)
    targets = load_targets(announcement.targets)
    refused: list[Target] = []
    for target in targets:
        delivery = services.send(
            Address(platform=target.platform, conversation=target.conversation),
            reply,
            dedupe_key=f"announce:{announcement_id}:post:{target}",
        )
        if delivery.status is DeliveryStatus.REFUSED:  # no such channel, the bot not in it …: nobody to ack
            refused.append(target)
            continue
        sent = delivery.sent
        members = channel_members(services=services, target=target) or []
        try:
            with services.db.session() as session:
                session.add(
                    AnnouncementPost(
                        announcement_id=announcement_id,
                        platform=target.platform,
                        conversation=target.conversation,
                        message_id=sent.message_id if sent is not None else None,
                        members=",".join(members),
                        posted_at=services.now(),
                    )
                )
        except IntegrityError:
            logger.info("announcement %s already recorded for %s", announcement_id, target)
    published = Published(
        announcement=announcement, targets=[t for t in targets if t not in refused], refused=refused
    )
    if refused:
        listed = ", ".join(str(t) for t in refused)
        published.notes.append(
            (
                f"⚠️ Not posted to {listed}: the platform refused the message (is the bot a member of that "
                "channel, does it still exist?). Add the bot there, then announce again to that channel.",
                f"⚠️ 未能发布到 {listed}：平台拒绝了这条消息（机器人在该频道中吗？频道还存在吗？）。"
                "把机器人加入该频道后，再向它发布一次。",
            )
        )
    if announcement.kind == "release" and load_request_ids(announcement.ships):
        if ships_later(services=services, announcement=announcement):
            listed = ", ".join(f"#{i}" for i in load_request_ids(announcement.ships))
            day = announcement.release_date.isoformat() if announcement.release_date else ""
            published.notes.append(
                (
                    f"Requests {listed} will be marked shipped on {day}, the release date, and their "
                    "requesters told then.",
                    f"需求 {listed} 将在发布日 {day} 标记为已交付，届时通知提出人。",
                )
            )
        else:
            published.notes.append(mark_requests_shipped(services=services, announcement=announcement))
    if announcement.kind == "eos":
        published.notes.append(_add_eos_knowledge(services=services, announcement=announcement))
        replaced = _retire_superseded_notices(services=services, announcement=announcement)
        if replaced:
            published.notes.append(replaced)
    logger.info(
        "announcement %s published to %d channels (%d refused)", announcement_id, len(targets), len(refused)
    )
    return published


def ships_later(*, services: Services, announcement: Announcement) -> bool:
    """A release announced ahead of its date ships its requests on that date (in the schedule timezone),
    not when the announcement is posted (`jobs.announcements.ship_on_release_date`)."""
    if announcement.release_date is None:
        return False
    today = services.now().astimezone(services.settings.tz).date()
    return announcement.release_date > today


def mark_requests_shipped(*, services: Services, announcement: Announcement) -> tuple[str, str]:
    """Move the announcement's `ships:` requests to shipped (each requester told); a bilingual summary."""
    ids = load_request_ids(announcement.ships)
    try:
        moved = mark_shipped(
            services=services,
            request_ids=ids,
            release=f"{announcement.product} {announcement.version}",
            by_user=announcement.author,
        )
    except Exception as exc:  # the post is out; tell the PM what did not follow instead of failing it
        logger.exception("marking requests %s shipped failed", ids)
        listed = ", ".join(f"#{i}" for i in ids)
        return (
            f"Requests {listed} could not be marked shipped: {exc}",
            f"需求 {listed} 未能标记为已交付：{exc}",
        )
    shipped = ", ".join(f"#{i}" for i in moved) or "none"
    skipped = [i for i in ids if i not in moved]
    en = f"Requests marked shipped (every requester told personally): {shipped}."
    zh = f"已标记为已交付的需求（已逐一通知提出人）：{shipped if moved else '无'}。"
    if skipped:
        listed = ", ".join(f"#{i}" for i in skipped)
        en += f" Skipped (already shipped or merged): {listed}."
        zh += f" 已跳过（此前已交付或已合并）：{listed}。"
    return en, zh


def unknown_requests(*, session: Session, request_ids: list[int]) -> list[int]:
    """Ids in `ships:` that name no feature request."""
    return [i for i in request_ids if session.get(FeatureRequest, i) is None]


def _add_eos_knowledge(*, services: Services, announcement: Announcement) -> tuple[str, str]:
    try:
        services.knowledge.add_document(
            path=f"eos:{announcement.id}",
            title=headline(announcement),
            text=eos_knowledge_text(announcement),
            kind="eos",
            product=announcement.product,
        )
    except Exception as exc:
        logger.exception("adding end-of-sale notice %s to the knowledge base failed", announcement.id)
        return (
            f"The notice could not be added to the knowledge base: {exc}",
            f"停售通知未能加入知识库：{exc}",
        )
    return (
        f"Questions about {announcement.product} now get the end-of-sale note.",
        f"关于 {announcement.product} 的提问将附带停售说明。",
    )


def _retire_superseded_notices(*, services: Services, announcement: Announcement) -> tuple[str, str] | None:
    """A newer end-of-sale notice replaces the earlier ones of its product: their knowledge-base documents
    go (answers quote only the current dates); their reminders stop (`published_eos_notices`)."""
    with services.db.session() as session:
        older = [
            notice.id
            for notice in superseded_eos_notices(session=session, product=announcement.product)
            if notice.id is not None
        ]
    if not older:
        return None
    for notice_id in older:
        try:
            services.knowledge.remove_document(path=f"eos:{notice_id}")
        except Exception:
            logger.exception(
                "removing superseded end-of-sale notice %s from the knowledge base failed", notice_id
            )
    listed = ", ".join(f"#{i}" for i in older)
    return (
        f"This notice replaces {listed}: no more reminders for {listed}, and answers quote only this one.",
        f"本通知取代 {listed}：{listed} 不再提醒，回答只引用本通知。",
    )


def repeat_warnings(*, session: Session, draft: Draft, tz: ZoneInfo) -> list[tuple[str, str]]:
    """What a preview says when the draft repeats an announcement already published or scheduled: the same
    release (product and version), or an end-of-sale notice for the same product (which it will replace)."""
    query = select(Announcement).where(
        col(Announcement.kind) == draft.kind,
        col(Announcement.status).in_(("published", "scheduled")),
        func.lower(func.trim(Announcement.product)) == product_key(draft.product),
    )
    if draft.kind == "release":
        query = query.where(func.lower(func.trim(Announcement.version)) == draft.version.strip().lower())
    earlier = session.exec(query.order_by(col(Announcement.id).desc())).first()
    if earlier is None:
        return []
    moment = earlier.published_at or earlier.scheduled_at
    day = as_utc(moment).astimezone(tz).strftime("%Y-%m-%d") if moment is not None else ""
    state_en, state_zh = (
        (f"published {day}", f"已于 {day} 发布")
        if earlier.status == "published"
        else (f"scheduled for {day}", f"已定时于 {day}")
    )
    if draft.kind == "release":
        return [
            (
                f"#{earlier.id} already announces {earlier.product} {earlier.version} ({state_en}); confirming "
                "posts the release again.",
                f"公告 #{earlier.id} 已经发布过 {earlier.product} {earlier.version}（{state_zh}）；确认后会再次发布。",
            )
        ]
    return [
        (
            f"#{earlier.id} already announces the end of sale of {earlier.product} ({state_en}, last order "
            f"{earlier.last_order}); once posted, this notice replaces it: no more reminders for #{earlier.id}, "
            "and answers quote only this one.",
            f"公告 #{earlier.id} 已是 {earlier.product} 的停售通知（{state_zh}，最后订购日 {earlier.last_order}）；"
            f"本通知发布后将取代它：#{earlier.id} 不再提醒，回答只引用本通知。",
        )
    ]


def due_announcements(*, session: Session, now: datetime) -> list[int]:
    return [
        a_id
        for a_id in session.exec(
            select(Announcement.id)
            .where(col(Announcement.status) == "scheduled", col(Announcement.scheduled_at) <= now)
            .order_by(col(Announcement.scheduled_at))
        )
        if a_id is not None
    ]


# --- acknowledgement -------------------------------------------------------------------------------------


def acknowledge(
    *, session: Session, announcement_id: int, platform: str, user: str, conversation: str, now: datetime
) -> bool:
    """Record that `user` read the announcement. True the first time, False on repeated clicks."""
    existing = session.exec(
        select(Acknowledgement).where(
            col(Acknowledgement.announcement_id) == announcement_id,
            col(Acknowledgement.platform) == platform,
            col(Acknowledgement.user_id) == user,
        )
    ).first()
    if existing is not None:
        return False
    session.add(
        Acknowledgement(
            announcement_id=announcement_id,
            platform=platform,
            user_id=user,
            conversation=conversation,
            created_at=now,
        )
    )
    session.flush()  # a concurrent double click raises IntegrityError here; callers treat it as "already"
    return True


def acknowledged_users(*, session: Session, announcement_id: int) -> set[tuple[str, str]]:
    rows = session.exec(
        select(Acknowledgement.platform, Acknowledgement.user_id).where(
            col(Acknowledgement.announcement_id) == announcement_id
        )
    )
    return {(platform, user) for platform, user in rows}


def posts_of(*, session: Session, announcement_id: int) -> list[AnnouncementPost]:
    return list(
        session.exec(
            select(AnnouncementPost)
            .where(col(AnnouncementPost.announcement_id) == announcement_id)
            .order_by(col(AnnouncementPost.id))
        )
    )


@dataclass(frozen=True)
class ChannelStatus:
    target: Target
    acknowledged: list[str]
    pending: list[str]
    live: bool  # members came from the platform now (False: the snapshot taken when posting)

    @property
    def rate(self) -> float:
        total = len(self.acknowledged) + len(self.pending)
        return len(self.acknowledged) / total if total else 0.0


def expected_readers(
    *,
    services: Services,
    post: AnnouncementPost,
    author: str,
    cache: dict[Target, list[str] | None] | None = None,
) -> tuple[list[str], bool]:
    """Who should read a post: the channel's current members (or the snapshot), minus the author.

    `cache` (one per job run) keeps a channel shared by several announcements to one members call."""
    target = Target(post.platform, post.conversation)
    if cache is not None and target in cache:
        live = cache[target]
    else:
        live = channel_members(services=services, target=target)
        if cache is not None:
            cache[target] = live
    members = live if live is not None else [m for m in post.members.split(",") if m]
    return [m for m in dict.fromkeys(members) if m != author], live is not None


def acknowledgement_status(*, services: Services, announcement: Announcement) -> list[ChannelStatus]:
    assert announcement.id is not None
    with services.db.session() as session:
        posts = posts_of(session=session, announcement_id=announcement.id)
        acked = acknowledged_users(session=session, announcement_id=announcement.id)
    statuses = []
    for post in posts:
        readers, live = expected_readers(services=services, post=post, author=announcement.author)
        statuses.append(
            ChannelStatus(
                target=Target(post.platform, post.conversation),
                acknowledged=[u for u in readers if (post.platform, u) in acked],
                pending=[u for u in readers if (post.platform, u) not in acked],
                live=live,
            )
        )
    return statuses


# --- the end-of-sale lookup the answer engine uses -----------------------------------------------------------


def eos_notice_for(*, session: Session, product: str, today: date | None = None) -> Announcement | None:
    """The latest published end-of-sale notice for `product` (case-insensitive), still relevant on
    `today` (end of support not yet passed), or None."""
    query = (
        select(Announcement)
        .where(
            col(Announcement.kind) == "eos",
            col(Announcement.status) == "published",
            func.lower(Announcement.product) == product.strip().lower(),
        )
        .order_by(col(Announcement.published_at).desc(), col(Announcement.id).desc())
    )
    for notice in session.exec(query):
        if today is None or notice.end_of_support is None or notice.end_of_support >= today:
            return notice
    return None


# --- summaries for digests and agendas ----------------------------------------------------------------------


def announcements_since(*, session: Session, since: datetime) -> list[Announcement]:
    """Announcements published at or after `since`, oldest first."""
    return list(
        session.exec(
            select(Announcement)
            .where(col(Announcement.status) == "published", col(Announcement.published_at) >= as_utc(since))
            .order_by(col(Announcement.published_at), col(Announcement.id))
        )
    )


@dataclass(frozen=True)
class Upcoming:
    day: date
    kind: str  # release | last_order | end_of_support | launch
    product: str
    title: str  # bilingual one-liner
    announcement_id: int | None = None
    launch_id: int | None = None


def upcoming_releases_and_eos(
    *, session: Session, now: datetime, days: int, timezone: str = "UTC"
) -> list[Upcoming]:
    """Release dates, last-order and end-of-support dates and launch dates in the next `days` days
    (today included, today being the date in `timezone`: the team's, for its agenda), soonest first.
    Drafts and cancelled items are left out."""
    start = as_utc(now).astimezone(ZoneInfo(timezone)).date()
    end = start + timedelta(days=days)
    items: list[Upcoming] = []
    active = col(Announcement.status).in_(("scheduled", "published"))
    for a in session.exec(select(Announcement).where(active)):
        if a.kind == "release" and a.release_date and start <= a.release_date <= end:
            items.append(
                Upcoming(
                    day=a.release_date,
                    kind="release",
                    product=a.product,
                    title=f"{a.product} {a.version} release / 发布",
                    announcement_id=a.id,
                )
            )
        if a.kind == "eos":
            for kind, day, en, zh in (
                ("last_order", a.last_order, "last order", "最后订购日"),
                ("end_of_support", a.end_of_support, "end of support", "停止支持"),
            ):
                if day and start <= day <= end:
                    items.append(
                        Upcoming(
                            day=day,
                            kind=kind,
                            product=a.product,
                            title=f"{a.product} {en} / {zh}",
                            announcement_id=a.id,
                        )
                    )
    for plan in session.exec(select(LaunchPlan).where(col(LaunchPlan.status) == "active")):
        if start <= plan.launch_date <= end:
            items.append(
                Upcoming(
                    day=plan.launch_date,
                    kind="launch",
                    product=plan.product,
                    title=f"{plan.product} launch / 上市",
                    launch_id=plan.id,
                )
            )
    return sorted(items, key=lambda item: (item.day, item.kind, item.product))


@dataclass(frozen=True)
class AckRate:
    announcement_id: int
    title: str
    acknowledged: int
    expected: int  # members of its channels when posted (author excluded)

    @property
    def rate(self) -> float:
        return self.acknowledged / self.expected if self.expected else 0.0


def acknowledgement_rates(*, session: Session, since: datetime) -> list[AckRate]:
    """Per announcement published since `since`: how many of the members it reached acknowledged."""
    rates = []
    for a in announcements_since(session=session, since=since):
        assert a.id is not None
        expected: set[tuple[str, str]] = set()
        for post in posts_of(session=session, announcement_id=a.id):
            expected.update((post.platform, m) for m in post.members.split(",") if m and m != a.author)
        acked = acknowledged_users(session=session, announcement_id=a.id)
        rates.append(
            AckRate(
                announcement_id=a.id,
                title=headline(a),
                acknowledged=len(acked & expected),
                expected=len(expected),
            )
        )
    return rates
