/** Every AWS call of `status` and the commands goes through {@link call}, which names its IAM action. */
import { AwsCallError } from "./errors";

/** Calls AWS, wrapping any failure in an {@link AwsCallError} that names the IAM action. */
export async function call<T>(action: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw new AwsCallError(action, error);
  }
}
