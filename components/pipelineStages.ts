/**
 * The names of a pipeline's stages and actions, in order: shared by the program and the
 * `greenlight` command line (which must not load the Pulumi SDK to start a run).
 */
export const STAGES = {
  source: "Source",
  build: "Build",
  approve: "Approve",
  deploy: "Deploy",
} as const;
