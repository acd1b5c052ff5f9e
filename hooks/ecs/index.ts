export * from "./aws";
export * from "./contract";
export * from "./event";
export * from "./hook";
export * from "./marker";
export * from "./record";
export * from "./resolve";
export * from "./settings";
