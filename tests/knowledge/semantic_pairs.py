"""Labelled pairs for calibrating "same meaning" of short texts (`knowledge.semantic`): feature requests as
reps write them, in English and Chinese. `CALIBRATION` set the thresholds; `HELD_OUT` was written separately,
before looking at any score, and only measured. Hard negatives swap one slot (Teams ↔ Slack)."""

from __future__ import annotations

from knowledge.embedding import BundledEmbedder
from knowledge.semantic import same_meaning
from services.requests.duplicates import text_tokens

CALIBRATION: list[tuple[str, str, bool]] = [
    ("SAML single sign-on with Okta", "SSO login via Okta", True),
    ("支持企业微信审批流", "approvals inside WeCom", True),
    ("Teams integration", "Slack integration", False),
    ("Export audit logs to S3", "审计日志导出到 S3", True),
    ("Dark mode for the mobile app", "手机端深色模式", True),
    ("Dark mode for the mobile app", "Dark mode for the web dashboard", False),
    ("Salesforce import tool", "HubSpot import tool", False),
    ("SAML SSO with Okta", "SAML SSO with Azure AD", False),
    ("Two-factor authentication via SMS", "短信双因素认证", True),
    ("Two-factor authentication via SMS", "Two-factor authentication via authenticator app", False),
    ("Bulk edit deals", "批量编辑商机", True),
    ("Bulk edit deals", "Bulk delete deals", False),
    ("Custom fields on contacts", "联系人自定义字段", True),
    ("Custom fields on contacts", "Custom fields on invoices", False),
    ("Gmail two-way sync", "双向同步 Gmail 邮件", True),
    ("Gmail two-way sync", "Outlook two-way sync", False),
    ("Pay invoices with Alipay", "支持支付宝付款", True),
    ("Pay invoices with Alipay", "Pay invoices with PayPal", False),
    ("Webhook when a deal is won", "商机赢单时触发 Webhook", True),
    ("Webhook when a deal is won", "Webhook when a deal is lost", False),
    ("Forecasting by territory", "按区域做销售预测", True),
    ("Forecasting by territory", "Forecasting by product line", False),
    ("Offline mode for the iOS app", "iPhone app works without internet", True),
    ("Offline mode for the iOS app", "Offline mode for the Android app", False),
    ("Data residency in the EU", "customer data stored in Frankfurt region", True),
    ("Data residency in the EU", "Data residency in China", False),
    ("Approval workflow for discounts", "折扣审批流程", True),
    ("Approval workflow for discounts", "Approval workflow for contracts", False),
    ("Export reports to Excel", "报表导出为 Excel", True),
    ("Export reports to Excel", "Export reports to PDF", False),
    ("API rate limit increase", "提高 API 调用频率上限", True),
    ("API rate limit increase", "API for custom objects", False),
    ("Feishu integration", "飞书集成", True),
    ("Feishu integration", "DingTalk integration", False),
    ("Microsoft Teams notifications", "Teams 通知", True),
    ("Microsoft Teams notifications", "Slack notifications", False),
    ("Sandbox environments for Growth", "成长版也要沙箱", True),
    ("Sandbox environments for Growth", "More sandboxes on Enterprise", False),
    ("Audit log retention of 3 years", "审计日志保留三年", True),
    ("Audit log retention of 3 years", "Audit log export", False),
    ("Chinese language UI", "界面支持中文", True),
    ("Chinese language UI", "Japanese language UI", False),
    ("Let admins restrict login by IP address", "IP allowlist for sign-in", True),
    ("Let admins restrict login by IP address", "Let admins reset user passwords", False),
    ("Email templates with merge fields", "邮件模板支持变量", True),
    ("Email templates with merge fields", "SMS templates", False),
]

HELD_OUT: list[tuple[str, str, bool]] = [
    ("Zapier connector", "Zapier 集成", True),
    ("Zapier connector", "Make.com connector", False),
    ("Quote PDF with our logo", "报价单 PDF 加公司 logo", True),
    ("Quote PDF with our logo", "Invoice PDF with our logo", False),
    ("Lead scoring with AI", "AI 线索评分", True),
    ("Lead scoring with AI", "Lead routing by region", False),
    ("Read-only role for auditors", "给审计人员的只读角色", True),
    ("Read-only role for auditors", "Admin role for auditors", False),
    ("Sync contacts with WeChat", "微信联系人同步", True),
    ("Sync contacts with WeChat", "Sync contacts with LinkedIn", False),
    ("Multi-currency deals", "商机支持多币种", True),
    ("Multi-currency deals", "Multi-language deals", False),
    ("SCIM user provisioning", "通过 SCIM 自动开通用户", True),
    ("SCIM user provisioning", "SCIM group provisioning", False),
    ("Call recording in the dialer", "拨号器通话录音", True),
    ("Call recording in the dialer", "Meeting recording in Zoom", False),
    ("Duplicate contact detection", "detect duplicate contacts automatically", True),
    ("Duplicate contact detection", "Duplicate deal detection", False),
    ("On-premises deployment", "私有化部署", True),
    ("On-premises deployment", "Hybrid cloud deployment", False),
    ("Gantt chart for projects", "项目甘特图", True),
    ("Gantt chart for projects", "Kanban board for projects", False),
    ("Territory management", "销售区域管理", True),
    ("Territory management", "Commission management", False),
]


def measure() -> None:  # pragma: no cover - a measurement, run by hand
    """Precision / recall of `knowledge.semantic.same_meaning` and of cosine alone, per set."""
    embedder = BundledEmbedder()
    for name, pairs in (("calibration", CALIBRATION), ("held-out", HELD_OUT)):
        texts = sorted({t for a, b, _ in pairs for t in (a, b)})
        vectors = dict(zip(texts, embedder.passages(texts), strict=True))
        rows = [(a, b, y, float(vectors[a] @ vectors[b])) for a, b, y in pairs]
        rules = {
            "cosine >= 0.85": lambda a, b, c: c >= 0.85,
            "same_meaning": lambda a, b, c: same_meaning(a, b, cosine=c, terms=text_tokens),
        }
        for label, rule in rules.items():
            predicted = [(rule(a, b, c), y) for a, b, y, c in rows]
            tp = sum(1 for p, y in predicted if p and y)
            fp = sum(1 for p, y in predicted if p and not y)
            fn = sum(1 for p, y in predicted if not p and y)
            precision = tp / (tp + fp) if tp + fp else float("nan")
            print(
                f"{name:12} {label:15} P={precision:.2f} R={tp / (tp + fn):.2f} (tp {tp}, fp {fp}, fn {fn})"
            )


if __name__ == "__main__":  # pragma: no cover
    measure()
