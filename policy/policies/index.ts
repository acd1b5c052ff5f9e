export * from "./blueGreen";
export * from "./iam";
export * from "./network";
export * from "./secrets";
export * from "./storage";
export * from "./tags";
