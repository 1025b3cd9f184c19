"""SalesBridge: the bot that connects a sales team with its product managers on Slack and Feishu."""

__version__ = "0.1.0"
