/** Reading Kubernetes API failures the same way whichever client call produced them. */

/** The HTTP status of a failed API call, or undefined for a network error. */
export function statusCode(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, statusCode: status } = error as { code?: unknown; statusCode?: unknown };
  if (typeof code === 'number') return code;
  if (typeof status === 'number') return status;
  return undefined;
}

export const isNotFound = (error: unknown): boolean => statusCode(error) === 404;
export const isAlreadyExists = (error: unknown): boolean => statusCode(error) === 409 && reason(error) !== 'Conflict';
export const isConflict = (error: unknown): boolean => statusCode(error) === 409 && reason(error) !== 'AlreadyExists';

/** The `reason` of the Status body the API server sends with an error, when there is one. */
export function reason(error: unknown): string | undefined {
  const body = (error as { body?: unknown })?.body;
  const parsed = typeof body === 'string' ? safeJson(body) : body;
  const value = (parsed as { reason?: unknown } | undefined)?.reason;
  return typeof value === 'string' ? value : undefined;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
