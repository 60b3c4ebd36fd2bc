"""The Slack channel: employees ask in a DM or a mention, approvers decide with a button."""
