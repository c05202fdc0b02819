/**
 * A request whose answer is read as JSON when it is JSON, else kept as text: tests look at the
 * status and body of any route, including the ones that answer with an error page.
 */
export async function fetchJson(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: unknown,
  init: { redirect?: RequestRedirect } = {},
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(url, {
    method,
    headers: { ...headers, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}) },
    body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body),
    ...init,
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed };
}
