export * from "./args";
export * from "./collect";
export * from "./errors";
export * from "./format";
export * from "./main";
export * from "./ecs";
export * from "./engine";
