/** The tags every Greenlight resource carries, so cost, ownership and alerts can be traced. */
export const MANAGED_BY = "greenlight";

export type Tags = Readonly<Record<string, string>>;

/** Tags for a resource of `environment`, and of `service` where one applies. */
export function tagsFor(environment: string, service?: string): Tags {
  return service === undefined
    ? { environment, "managed-by": MANAGED_BY }
    : { environment, service, "managed-by": MANAGED_BY };
}
