// The page's Web Worker: the two slow, CPU-only steps (solving the server's proof-of-work
// puzzle, stretching the codename with Argon2id) run here so the page stays responsive.
// Argon2id uses hash-wasm's WebAssembly; with WebAssembly off (Tor Browser "Safer") it
// falls back to pure JavaScript, which gives the same bytes, only slower.

import { argon2id } from "hash-wasm";
import { argon2Js, solvePow } from "./protocol.js";

type Job =
  | { id: number; type: "pow"; purpose: string; seed: Uint8Array; bits: number }
  | { id: number; type: "kdf"; password: Uint8Array; salt: Uint8Array; m: number; t: number };

async function argon2(password: Uint8Array, salt: Uint8Array, m: number, t: number): Promise<{ seed: Uint8Array; engine: string }> {
  if (typeof WebAssembly === "object") {
    try {
      const seed = await argon2id({
        password,
        salt,
        iterations: t,
        memorySize: m,
        parallelism: 1,
        hashLength: 32,
        outputType: "binary",
      });
      return { seed, engine: "wasm" };
    } catch {
      // WebAssembly present but refused (policy or memory): fall through to pure JS.
    }
  }
  return { seed: await argon2Js(password, salt, m, t), engine: "js" };
}

self.onmessage = async (ev: MessageEvent<Job>) => {
  const job = ev.data;
  try {
    if (job.type === "pow") {
      const nonce = solvePow(job.purpose, job.seed, job.bits, (tries) =>
        (self as any).postMessage({ id: job.id, progress: tries }),
      );
      (self as any).postMessage({ id: job.id, result: nonce.toString() });
    } else {
      const t0 = performance.now();
      const { seed, engine } = await argon2(job.password, job.salt, job.m, job.t);
      (self as any).postMessage({ id: job.id, result: seed, engine, ms: performance.now() - t0 });
    }
  } catch (e) {
    (self as any).postMessage({ id: job.id, error: String((e as Error)?.message ?? e) });
  }
};
