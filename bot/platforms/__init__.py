"""Platform adapters. Only modules in this package import slack_bolt, slack_sdk or lark_oapi."""
