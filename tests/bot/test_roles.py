from bot.models import RoleGrant
from tests.fakes.chat import tokens
from tests.fakes.harness import Harness


def test_roles_from_settings_and_grants(any_db_bot: Harness) -> None:
    roles = any_db_bot.services.roles
    assert roles.role_of(platform="slack", user="UADMIN") == "admin"
    assert roles.role_of(platform="feishu", user="ou_pm") == "pm"
    assert roles.role_of(platform="slack", user="U9") == "sales"
    [reply] = any_db_bot.say("role grant <@U9> pm", user="UADMIN")
    assert tokens("<@U9>") in reply.text
    assert roles.role_of(platform="slack", user="U9") == "pm"
    assert roles.role_of(platform="feishu", user="U9") == "sales"


def test_only_admins_grant(bot: Harness) -> None:
    [reply] = bot.say("role grant <@U9> admin", user="UPM")
    assert "admin" in reply.text and reply.where == "ephemeral"
    assert bot.services.roles.role_of(platform="slack", user="U9") == "sales"


def test_unknown_role_is_a_usage_error(bot: Harness) -> None:
    [reply] = bot.say("role grant <@U9> king", user="UADMIN")
    assert "king" in reply.text and "未知角色" in reply.text


def test_revoke_chinese_words_and_granting_sales_change_what_role_reports(bot: Harness) -> None:
    def role_of(user: str) -> str:
        [reply] = bot.say("role", user=user)
        return reply.text

    [granted] = bot.say("角色 授予 @lily 产品经理", user="UADMIN")
    assert "产品经理" in granted.text
    assert "*pm*" in role_of("lily")
    [revoked] = bot.say("role revoke @lily", user="UADMIN")
    assert "*sales*" in revoked.text and "*sales*" in role_of("lily")
    # a role from the settings (UPM is a configured PM) changes too: a chat grant wins over the settings
    bot.say("role grant <@UPM> sales", user="UADMIN")
    assert "*sales*" in role_of("UPM")
    bot.say("role grant <@UPM> pm", user="UADMIN")
    assert "*pm*" in role_of("UPM")
    bot.say("角色 撤销 <@UPM>", user="UADMIN")
    assert "*sales*" in role_of("UPM")
    # a chat-granted admin may step down while another admin remains
    bot.say("role grant @lily admin", user="UADMIN")
    assert "*admin*" in role_of("lily")
    bot.say("role grant @lily sales", user="lily")
    assert "*sales*" in role_of("lily")


def test_role_mistakes_get_bilingual_usage(bot: Harness) -> None:
    for text, en, zh in (
        ("role revoke", "needs one user", "需要一个用户"),
        ("role grant @lily king", "Unknown role", "未知角色"),
        ("role promote @lily", "use grant, revoke or list", "未知子命令"),
    ):
        [reply] = bot.say(text, user="UADMIN")
        assert reply.where == "ephemeral" and en in reply.text and zh in reply.text, text


def test_a_configured_admin_keeps_admin_whatever_is_said_in_chat(bot: Harness) -> None:
    def role_of(user: str) -> str:
        [reply] = bot.say("role", user=user)
        return reply.text

    for text in (
        "role grant @UADMIN sales",
        "role revoke @UADMIN",
        "角色 授予 @UADMIN 销售",
        "role grant @UADMIN pm",
    ):
        [denied] = bot.say(text, user="UADMIN")
        assert denied.where == "ephemeral", text
        assert "SALESBRIDGE_ADMIN_USERS" in denied.text and "配置中的管理员" in denied.text, text
        assert "*admin*" in role_of("UADMIN"), text
    # another admin cannot demote a configured admin either
    bot.say("role grant @ann admin", user="UADMIN")
    [denied] = bot.say("role revoke @UADMIN", user="ann")
    assert "SALESBRIDGE_ADMIN_USERS" in denied.text and "*admin*" in role_of("UADMIN")
    # a platform-qualified configured admin is protected on that platform
    [denied] = bot.say("role revoke @ou_admin", user="ou_admin", platform="feishu", channel="oc_1")
    assert "SALESBRIDGE_ADMIN_USERS" in denied.text


def test_a_grant_stored_before_the_rule_does_not_demote_a_configured_admin(bot: Harness) -> None:
    from bot.models import RoleGrant

    with bot.services.db.session() as session:
        session.add(RoleGrant(platform="slack", user_id="UADMIN", role="sales", granted_by="UADMIN"))
    assert bot.services.roles.role_of(platform="slack", user="UADMIN") == "admin"


def test_the_last_admin_cannot_step_down(sqlite_url: str) -> None:
    bot = Harness.create(sqlite_url, SALESBRIDGE_ADMIN_USERS="feishu:ou_admin")
    try:
        # on Slack nobody is configured; the feishu admin grants nothing here. Seed a chat admin.
        bot.services.roles.grant(platform="slack", user="ann", role="admin", by="setup")
        for text in ("role revoke @ann", "role grant @ann pm", "角色 撤销 @ann"):
            [denied] = bot.say(text, user="ann")
            assert denied.where == "ephemeral", text
            assert "last admin" in denied.text and "最后一位管理员" in denied.text, text
        assert bot.services.roles.role_of(platform="slack", user="ann") == "admin"
        # with a second admin, stepping down works
        bot.say("role grant @bob admin", user="ann")
        [done] = bot.say("role revoke @ann", user="ann")
        assert "*sales*" in done.text
        assert bot.services.roles.role_of(platform="slack", user="ann") == "sales"
    finally:
        bot.close()


def test_roles_are_keyed_by_platform_and_workspace(any_db_bot: Harness) -> None:
    roles = any_db_bot.services.roles
    [granted] = any_db_bot.say("role grant <@U9> pm", user="UADMIN", workspace="T1")
    assert granted.where != "ephemeral", granted.text
    assert roles.role_of(platform="slack", user="U9", workspace="T1") == "pm"
    assert roles.role_of(platform="slack", user="U9", workspace="T2") == "sales"  # same id, other team
    [refused] = any_db_bot.say("requests status 1 planned", user="U9", workspace="T2")
    assert refused.where == "ephemeral" and "pm" in refused.text
    # a grant from before workspaces were recorded holds in every workspace until it is changed
    with any_db_bot.services.db.session() as session:
        session.add(RoleGrant(platform="feishu", workspace="", user_id="ou_old", role="pm", granted_by="x"))
    assert roles.role_of(platform="feishu", user="ou_old", workspace="tk1") == "pm"
    roles.revoke(platform="feishu", user="ou_old", by="ou_admin", workspace="tk1")
    assert roles.role_of(platform="feishu", user="ou_old", workspace="tk1") == "sales"


def test_configured_users_work_in_every_workspace_or_in_the_one_named(sqlite_url: str) -> None:
    bot = Harness.create(
        sqlite_url, migrate=False, SALESBRIDGE_PM_USERS="UPM,slack:T1:U5", SALESBRIDGE_ADMIN_USERS="feishu:ou_a"
    )
    try:
        roles = bot.services.roles
        assert roles.role_of(platform="slack", user="UPM", workspace="T7") == "pm"
        assert roles.role_of(platform="slack", user="U5", workspace="T1") == "pm"
        assert roles.role_of(platform="slack", user="U5", workspace="T2") == "sales"
        assert roles.role_of(platform="feishu", user="ou_a", workspace="tk") == "admin"
        assert roles.admins(platform="feishu", workspace="tk") == {"ou_a"}
    finally:
        bot.close()
