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
