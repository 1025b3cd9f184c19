"""Typer's own usage errors in English and Chinese, for the whole `salesbridge` command, in one place.

`fail` is how our own commands refuse an invocation the same way.

A missing option or argument, an unknown command or option, a value that does not parse or is out of range,
an extra argument: typer reports them itself, before our code runs, in English only. `BilingualGroup` is the
class of every `salesbridge` command group (`salesbridge/cli/__init__.py`); the innermost group an error passes
through prints it as the project prints every usage error — the usage line, click's English detail, then the
same in Chinese, each with the `--help` hint — and exits with code 2 (`typer.Exit(2)`), never a traceback.

Typer (0.2x) vendors click as `typer._click`: its exceptions are `typer._click.exceptions.*`, not
`click.exceptions.*`, which is why they are imported from there.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from difflib import get_close_matches
from enum import Enum
from typing import Any

import typer
from typer._click.core import Command, Context
from typer._click.exceptions import (
    BadArgumentUsage,
    BadOptionUsage,
    BadParameter,
    MissingParameter,
    NoArgsIsHelpError,
    NoSuchOption,
    UsageError,
)
from typer.core import TyperGroup, TyperOption


def fail(en: str, zh: str, *, usage: str = "") -> typer.Exit:
    """Our own usage errors: the English and the Chinese line (then the usage, if given) on stderr; the exit
    (code 2) for the command to raise."""
    typer.echo(f"{en}\n{zh}" + (f"\n{usage}" if usage else ""), err=True)
    return typer.Exit(2)


class NoSuchCommand(UsageError):
    """`salesbridge kb foo`: click's "No such command 'foo'." with what the Chinese line needs."""

    def __init__(self, message: str, ctx: Context, *, name: str, suggestions: Sequence[str]) -> None:
        super().__init__(message, ctx)
        self.name = name
        self.suggestions = list(suggestions)


class BilingualGroup(TyperGroup):
    """A typer group whose usage errors (its own and its commands') are printed in English and Chinese."""

    def make_context(
        self, info_name: str | None, args: list[str], parent: Context | None = None, **extra: Any
    ) -> Context:
        with _bilingual_usage_errors(lambda: self.context_class(self, info_name=info_name, parent=parent)):
            return super().make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: Context) -> Any:
        with _bilingual_usage_errors(lambda: self._subcommand_context(ctx)):
            return super().invoke(ctx)

    def _subcommand_context(self, ctx: Context) -> Context:
        """Where an error without a context (an option's missing value) happened: the subcommand parsed."""
        name = ctx.invoked_subcommand
        command = self.get_command(ctx, name) if name else None
        if command is None:
            return ctx
        return command.context_class(command, info_name=name, parent=ctx)

    def resolve_command(self, ctx: Context, args: list[str]) -> tuple[str | None, Command | None, list[str]]:
        try:
            return super().resolve_command(ctx, args)
        except UsageError as exc:
            if type(exc) is not UsageError:  # a group option that does not exist, say: not about the name
                raise
            name = args[0]
            suggestions = get_close_matches(name, list(self.commands)) if self.suggest_commands else []
            raise NoSuchCommand(exc.message, ctx, name=name, suggestions=suggestions) from exc


@contextmanager
def _bilingual_usage_errors(context: Callable[[], Context]) -> Iterator[None]:
    """Turn a usage error raised inside into the bilingual message on stderr and exit code 2. `context()` is
    the context to name in the usage line when the error carries none. No arguments (the help) pass."""
    try:
        yield
    except NoArgsIsHelpError:
        raise
    except UsageError as exc:
        ctx = exc.ctx if exc.ctx is not None else context()
        typer.echo(bilingual_message(exc, ctx), err=True, color=ctx.color)
        raise typer.Exit(2) from exc


def bilingual_message(exc: UsageError, ctx: Context) -> str:
    """The usage line, click's English detail and the Chinese line, each with the `--help` hint."""
    english = " ".join(exc.format_message().split())  # one line ("Choose from:\n\ta,\n\tb" included)
    if not english.endswith((".", "?", "!")):
        english += "."
    chinese = chinese_detail(exc, ctx)
    if ctx.command.get_help_option(ctx) is not None:
        help_command = f"{ctx.command_path} {ctx.help_option_names[0]}"
        english += f" Try '{help_command}' for help."
        chinese += f"运行 '{help_command}' 查看帮助。"
    return f"{ctx.get_usage()}\nError: {english}\n错误：{chinese}"


def chinese_detail(exc: UsageError, ctx: Context) -> str:
    """What click's English message says, in Chinese (names and values as given)."""
    if isinstance(exc, NoSuchCommand):
        text = f"没有这个命令 '{exc.name}'。"
        if exc.suggestions:
            text += f"你是不是想用 {', '.join(repr(s) for s in exc.suggestions)}？"
        return text
    if isinstance(exc, MissingParameter):
        kind = {"option": "选项", "argument": "参数"}.get(_param_type(exc), "参数")
        return f"缺少{kind} {_param_hint(exc)}。{_choices(exc.param)}"
    if isinstance(exc, BadParameter):
        return f"参数值无效 {_param_hint(exc)}：{_bad_value(exc)}。"
    if isinstance(exc, NoSuchOption):
        possible = f"（可能的选项：{', '.join(sorted(exc.possibilities))}）" if exc.possibilities else ""
        return f"没有这个选项 {exc.option_name}{possible}。"
    if isinstance(exc, BadOptionUsage):
        return _bad_option_usage(exc.option_name, ctx)
    if isinstance(exc, BadArgumentUsage):
        return "参数个数不对（详见上一行英文说明）。"
    extra = re.fullmatch(r"Got unexpected extra argument(?:s|\(s\))? \((.*)\)", exc.message, flags=re.DOTALL)
    if extra:
        return f"多余的参数：{extra.group(1)}。"
    if exc.message == "Missing command.":
        return "缺少命令。"
    return "用法不对（详见上一行英文说明）。"


def _param_type(exc: MissingParameter) -> str:
    if exc.param_type is not None:
        return exc.param_type
    return exc.param.param_type_name if exc.param is not None else "parameter"


def _param_hint(exc: BadParameter) -> str:
    hint: Sequence[str] | str | None = exc.param_hint
    if hint is None and exc.param is not None:
        hint = exc.param.get_error_hint()
    if hint is None:
        return ""
    return hint if isinstance(hint, str) else " / ".join(repr(x) for x in hint)


def _choices(param: Any) -> str:
    descriptor = getattr(param, "type_descriptor", None)
    if descriptor is None or not descriptor.is_choice or not descriptor.choices:
        return ""
    values = [choice.value if isinstance(choice, Enum) else choice for choice in descriptor.choices]
    return f"可选值：{', '.join(str(value) for value in values)}。"


# pydantic's error types (typer converts values with pydantic, and so do the settings), said in Chinese
VALUE_ERRORS_ZH = {
    "int_parsing": "不是有效的整数",
    "int_type": "不是有效的整数",
    "int_from_float": "不是整数",
    "float_parsing": "不是有效的数字",
    "float_type": "不是有效的数字",
    "bool_parsing": "不是有效的布尔值（true / false）",
    "bool_type": "不是有效的布尔值（true / false）",
    "greater_than_equal": "必须大于或等于 {ge}",
    "greater_than": "必须大于 {gt}",
    "less_than_equal": "必须小于或等于 {le}",
    "less_than": "必须小于 {lt}",
    "literal_error": "可选值：{expected}",
}
_PATH_PROBLEMS = {
    "does not exist": "不存在",
    "is a file": "是文件，这里需要文件夹",
    "is a directory": "是文件夹，这里需要文件",
    "is not readable": "没有读取权限",
    "is not writable": "没有写入权限",
}
_PATH_KINDS = {"file": "文件", "directory": "文件夹", "path": "路径"}


def _bad_value(exc: BadParameter) -> str:
    """Why the value is refused, in Chinese: from pydantic's structured error, or typer's path checks."""
    cause = exc.__cause__
    errors = cause.errors() if cause is not None and hasattr(cause, "errors") else []
    if errors:
        error = errors[0]
        value = error.get("input")
        choices = _choices(exc.param)
        if choices and error["type"] == "value_error":
            return f"{value!r} 不在可选范围内。{choices.removesuffix('。')}"
        template = VALUE_ERRORS_ZH.get(error["type"])
        if template is not None:
            return f"{value!r} " + template.format(**error.get("ctx", {}))
        return f"{value!r} 不符合要求（详见上一行英文说明）"
    path = re.fullmatch(r"(\w+) '(.*)' (" + "|".join(_PATH_PROBLEMS) + r")\.", exc.message, flags=re.DOTALL)
    if path:
        kind, name, problem = path.groups()
        return f"{_PATH_KINDS.get(kind.lower(), '路径')} '{name}' {_PATH_PROBLEMS[problem]}"
    return "详见上一行英文说明"


def _bad_option_usage(option_name: str, ctx: Context) -> str:
    """An option given without its value (`--k` at the end), or a flag given one (`--json=1`)."""
    option = next(
        (
            param
            for param in ctx.command.get_params(ctx)
            if isinstance(param, TyperOption) and option_name in (*param.opts, *param.secondary_opts)
        ),
        None,
    )
    if option is not None and (option.is_flag or option.count):
        return f"选项 '{option_name}' 不接受值。"
    count = option.nargs if option is not None else 1
    return f"选项 '{option_name}' 需要{'一个值' if count == 1 else f' {count} 个值'}。"
