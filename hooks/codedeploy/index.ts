export * from "./appspec";
export * from "./aws";
export * from "./hook";
export * from "./record";
export * from "./resolve";
export * from "./settings";
export * from "./webhook";
