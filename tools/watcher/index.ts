export * from "./args";
export * from "./format";
export * from "./http-probe";
export * from "./run";
export * from "./summary";
