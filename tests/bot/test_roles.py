from tests.fakes.harness import Harness


def test_roles_from_settings_and_grants(any_db_bot: Harness) -> None:
    roles = any_db_bot.services.roles
    assert roles.role_of(platform="slack", user="UADMIN") == "admin"
    assert roles.role_of(platform="feishu", user="ou_pm") == "pm"
    assert roles.role_of(platform="slack", user="U9") == "sales"
    [reply] = any_db_bot.say("role grant <@U9> pm", user="UADMIN")
    assert "<@U9>" in reply.text
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
    # an admin may step down themselves
    bot.say("role grant @UADMIN sales", user="UADMIN")
    assert "*sales*" in role_of("UADMIN")
    [denied] = bot.say("role grant @lily admin", user="UADMIN")
    assert denied.where == "ephemeral" and "*sales*" in role_of("lily")


def test_role_mistakes_get_bilingual_usage(bot: Harness) -> None:
    for text, en, zh in (
        ("role revoke", "needs one user", "需要一个用户"),
        ("role grant @lily king", "Unknown role", "未知角色"),
        ("role promote @lily", "use grant, revoke or list", "未知子命令"),
    ):
        [reply] = bot.say(text, user="UADMIN")
        assert reply.where == "ephemeral" and en in reply.text and zh in reply.text, text
