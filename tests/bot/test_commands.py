from bot.commands import parse_args, split_command_word, tokenize

KEYS = {"customer": "customer", "客户": "customer", "tier": "tier", "等级": "tier", "arr": "arr"}


def test_key_value_pairs_with_quotes_and_free_text() -> None:
    parsed = parse_args('SAML SSO for admins customer:"Acme Corp" tier:gold', keys=KEYS)
    assert parsed.text == "SAML SSO for admins"
    assert parsed.options == {"customer": "Acme Corp", "tier": "gold"}


def test_full_width_colon_chinese_keys_and_chinese_quotes() -> None:
    parsed = parse_args("需要单点登录 客户：“华为 云” 等级：钻石", keys=KEYS)
    assert parsed.text == "需要单点登录"
    assert parsed.options == {"customer": "华为 云", "tier": "钻石"}


def test_unknown_keys_urls_and_times_stay_in_text() -> None:
    parsed = parse_args("see https://x.io/a at 10:00 customer:Acme", keys=KEYS)
    assert parsed.text == "see https://x.io/a at 10:00"
    assert parsed.options == {"customer": "Acme"}


def test_duplicate_keys_are_reported() -> None:
    parsed = parse_args("x tier:gold tier:silver", keys=KEYS)
    assert parsed.duplicates == ("tier",)
    assert parsed.options["tier"] == "silver"


def test_unbalanced_quote_takes_rest_of_line() -> None:
    assert parse_args('x customer:"Acme Corp', keys=KEYS).options == {"customer": "Acme Corp"}


def test_split_command_word() -> None:
    assert split_command_word("/Request foo bar") == ("request", "foo bar")
    assert split_command_word("需求\u3000登录") == ("需求", "登录")
    assert split_command_word("   ") == ("", "")
    # "@Ann @bot role": the message addresses both; the command is the first word after the mentions
    assert split_command_word("<@U2> <@ou_3>role") == ("role", "")
    assert split_command_word("<@U2> request SSO for <@U3>") == ("request", "SSO for <@U3>")


def test_tokenize_keeps_quoted_runs() -> None:
    assert tokenize('grant "<@U1>" pm') == ["grant", "<@U1>", "pm"]
