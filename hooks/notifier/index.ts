export * from "./aws";
export * from "./dedup";
export * from "./deployment";
export * from "./events";
export * from "./messages";
export * from "./notifier";
export * from "./settings";
