// The server's HTTP API as the page uses it (same routes and bodies as the CLI's api.rs).
// Every failure becomes an ApiError carrying the server's stable error code, so the page
// can explain it in the person's language; network failures have the code "network".

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: string,
    message: string,
    public body?: any,
  ) {
    super(message);
  }
}

export class Api {
  token: string | null = null;

  constructor(public base: string) {}

  async request(method: string, path: string, opts: { json?: unknown; body?: BodyInit; headers?: Record<string, string> } = {}): Promise<any> {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    let body: BodyInit | undefined = opts.body;
    if (opts.json !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(opts.json);
    }
    if (this.token) headers["Authorization"] = `Bearer ${this.token}`;
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers,
        body,
        cache: "no-store",
        credentials: "omit",
        referrerPolicy: "no-referrer",
        redirect: "error",
      });
    } catch (e) {
      throw new ApiError(0, "network", String(e));
    }
    if (!res.ok) throw await failure(res);
    if (res.status === 204) return null;
    const type = res.headers.get("Content-Type") ?? "";
    if (type.startsWith("application/json")) return res.json();
    return new Uint8Array(await res.arrayBuffer());
  }
}

async function failure(res: Response): Promise<ApiError> {
  try {
    const b = await res.json();
    return new ApiError(res.status, String(b.error ?? "http"), String(b.message ?? res.statusText), b);
  } catch {
    return new ApiError(res.status, res.status >= 500 ? "server" : "http", res.statusText);
  }
}

/** Retries what a dropped connection or a busy server interrupted; anything else is final. */
export async function retrying<T>(what: () => Promise<T>, onWait?: (seconds: number) => void, tries = 8): Promise<T> {
  let delay = 1;
  for (let n = 1; ; n++) {
    try {
      return await what();
    } catch (e) {
      const retry = e instanceof ApiError && (e.code === "network" || e.status === 503 || e.status === 408);
      if (!retry || n >= tries) throw e;
      onWait?.(delay);
      await new Promise((r) => setTimeout(r, delay * 1000));
      delay = Math.min(delay * 2, 30);
    }
  }
}
