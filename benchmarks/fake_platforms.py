"""The fake Slack Web API and Feishu Open API in their own process, so the load generator's measurements do
not share a GIL with the fakes serving the bot's replies.

Prints one JSON line `{"slack": URL, "feishu": URL}`, then answers each `count` line on stdin with the number
of replies (posted, ephemeral, in-thread messages) received so far; exits on EOF.
"""

from __future__ import annotations

import json
import sys
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.fakes.feishu_api import FeishuFake, serve_feishu_api  # noqa: E402
from tests.fakes.slack_api import FakeSlackApi, serve_slack_api  # noqa: E402

SLACK_REPLY_METHODS = ("/api/chat.postMessage", "/api/chat.postEphemeral")
FEISHU_REPLY_PATHS = ("/open-apis/im/v1/messages", "/reply", "/open-apis/ephemeral/v1/send")


def count_replies(slack: FakeSlackApi, feishu: FeishuFake) -> int:
    slack_count = sum(len(slack.recorder.to(method)) for method in SLACK_REPLY_METHODS)
    with feishu.recorder.lock:
        feishu_count = sum(
            1
            for r in feishu.recorder.requests
            if r.method == "POST" and r.path.split("?")[0].endswith(FEISHU_REPLY_PATHS)
        )
    return slack_count + feishu_count


def main() -> int:
    with ExitStack() as stack:
        slack = stack.enter_context(serve_slack_api())
        feishu = stack.enter_context(serve_feishu_api())
        print(json.dumps({"slack": slack.url, "feishu": feishu.url}), flush=True)
        for line in sys.stdin:
            if line.strip() == "count":
                print(count_replies(slack, feishu), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
