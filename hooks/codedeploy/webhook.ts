/** The Slack webhook source now lives in `../shared/webhook` (the notifier uses it too). */
export * from "../shared/webhook";
