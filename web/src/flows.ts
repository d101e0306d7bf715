// What a complainant does, as the CLI's submit and inbox do it: verify the keyring, open
// the case with grants, sign in with the codename's key, encrypt each document to the case
// recipient while sending it (one PUT, or resumable chunks), check every receipt, and read
// the foundation's replies. No plaintext, codename or key is ever put in browser storage.

import { Decrypter, Encrypter } from "age-encryption";
import { sha256 } from "@noble/hashes/sha2.js";
import { Api, ApiError, retrying } from "./api.js";
import * as P from "./protocol.js";

/**
 * Ciphertext up to this size goes in one PUT; larger documents in chunks of this size. The
 * CLI's size too; a server that keeps blobs in S3 takes no chunk but the last under 5 MiB.
 */
export const CHUNK = 8 * 1024 * 1024;

export interface Worker2 {
  pow(purpose: string, seed: Uint8Array, bits: number): Promise<string>;
  kdf(password: Uint8Array, salt: Uint8Array, m: number, t: number): Promise<Uint8Array>;
}

export interface Progress {
  (p: { phase: "pow" | "encrypt" | "wait" | "finish"; sent?: number; total?: number; waitSeconds?: number }): void;
}

/** The keyring, verified against the pinned root — or, if another root signed it, against the
 *  root the logged handovers lead to from the pinned one (each checked here). */
export async function fetchKeyring(api: Api, root: Uint8Array, minVersion = 0): Promise<P.Keyring> {
  const signed = await api.request("GET", "/v1/keyring");
  let inForce = root;
  const signer = P.b64.decode(signed?.root_key ?? "");
  if (signer.length === 32 && !P.equalBytes(P.fingerprintOf(signer), root)) {
    const chain = await api.request("GET", "/v1/root/handovers");
    inForce = P.followHandovers(root, chain?.handovers);
  }
  const k = P.verifyKeyring(signed, inForce, minVersion);
  if (P.reviewers(k).length === 0)
    throw new P.ProtocolError("no_reviewers", "the keyring lists no reviewers, so nobody could read the case");
  return k;
}

async function solved(api: Api, worker: Worker2, purpose: string): Promise<string> {
  const puzzle = await retrying(() => api.request("GET", `/v1/pow?purpose=${purpose}`));
  const seed = P.b64.decode(puzzle.seed);
  if (puzzle.bits > P.POW_MAX_BITS) throw new P.ProtocolError("pow_too_hard", `the server asks for ${puzzle.bits} bits`);
  const nonce = await worker.pow(purpose, seed, puzzle.bits);
  return P.powHeader(seed, BigInt(nonce));
}

/** Runs `send` with a fresh puzzle; once more if the puzzle expired while it was solved. */
async function withPow<T>(api: Api, worker: Worker2, purpose: string, send: (header: string) => Promise<T>): Promise<T> {
  try {
    return await send(await solved(api, worker, purpose));
  } catch (e) {
    if (e instanceof ApiError && e.code === "bad_pow") return send(await solved(api, worker, purpose));
    throw e;
  }
}

async function encryptSmall(recipient: string, data: Uint8Array): Promise<Uint8Array> {
  const e = new Encrypter();
  e.addRecipient(recipient);
  return e.encrypt(data);
}

/** Opens a case: grants for every reviewer of the verified keyring, a fresh id. */
export async function openCase(api: Api, worker: Worker2, keyring: P.Keyring, keys: P.CaseKeys): Promise<string> {
  const caseId = crypto.randomUUID();
  const grants = [];
  for (const r of P.reviewers(keyring)) {
    const ct = await encryptSmall(r.age_recipient, P.utf8(P.grantBody(caseId, keys)));
    grants.push({ staff_id: r.id, ciphertext: P.b64.encode(ct) });
  }
  const body = {
    case_id: caseId,
    auth_key: P.b64.encode(keys.authPublic),
    commitment: P.b64.encode(P.commitment(keys, caseId)),
    keyring_version: keyring.version,
    grants,
  };
  await withPow(api, worker, "create-case", (pow) => api.request("POST", "/v1/cases", { json: body, headers: { "Amanat-PoW": pow } }));
  return caseId;
}

/** Signs in with the codename's auth key: a challenge (with proof of work), signed. */
export async function signIn(api: Api, worker: Worker2, keys: P.CaseKeys): Promise<void> {
  const pk = P.b64.encode(keys.authPublic);
  const ch = await withPow(api, worker, "auth", (pow) =>
    api.request("POST", "/v1/auth/challenge", { json: { public_key: pk }, headers: { "Amanat-PoW": pow } }),
  );
  const challenge = P.b64.decode(ch.challenge);
  const session = await api.request("POST", "/v1/auth/session", {
    json: { public_key: pk, challenge: ch.challenge, signature: P.b64.encode(P.signAuth(keys, challenge)) },
  });
  api.token = session.token;
}

export interface Sent {
  info: { document_id: string; kind: string; sha256: string; length: number; received_at: number; receipt?: string };
  receiptChecked: boolean;
}

/** Reads exactly `n` bytes (fewer only at the end) from a stream reader into one buffer. */
class Chunker {
  private pending: Uint8Array | null = null;
  constructor(private reader: ReadableStreamDefaultReader<Uint8Array>) {}
  async take(n: number): Promise<Uint8Array> {
    const buf = new Uint8Array(n);
    let o = 0;
    while (o < n) {
      let piece = this.pending;
      this.pending = null;
      if (!piece) {
        const { value, done } = await this.reader.read();
        if (done || !value) break;
        piece = value;
      }
      const k = Math.min(piece.length, n - o);
      buf.set(piece.subarray(0, k), o);
      o += k;
      if (k < piece.length) this.pending = piece.subarray(k);
    }
    return o === n ? buf : buf.subarray(0, o);
  }
}

/** Encrypts `content` to the case while sending it, in constant memory: one chunk of
 *  ciphertext is held until the server has acknowledged it durable. */
export async function sendDocument(
  api: Api,
  caseId: string,
  keys: P.CaseKeys,
  meta: P.DocumentMeta,
  content: ReadableStream<Uint8Array>,
  log: P.LogKey | null,
  progress: Progress,
): Promise<Sent> {
  const head = P.containerHead(meta);
  const { stream, length } = P.containerStream(head, content, meta.length);
  const e = new Encrypter();
  e.addRecipient(keys.recipient);
  const ct = await e.encrypt(stream);
  const total = ct.size(length);
  const docId = crypto.randomUUID();
  const chunker = new Chunker(ct.getReader());
  const hash = sha256.create();
  let info: Sent["info"];
  let digest: Uint8Array;
  const onWait = (s: number) => progress({ phase: "wait", waitSeconds: s });
  if (total <= CHUNK) {
    const all = await chunker.take(total);
    if (all.length !== total) throw new P.ProtocolError("encrypt_length", "the ciphertext has an unexpected length");
    progress({ phase: "encrypt", sent: 0, total });
    digest = hash.update(all).digest();
    info = await retrying(
      () =>
        api.request("PUT", `/v1/cases/${caseId}/documents/${docId}?kind=${meta.kind}`, {
          body: all,
          headers: { "Content-Type": "application/octet-stream" },
        }),
      onWait,
    );
    progress({ phase: "encrypt", sent: total, total });
  } else {
    let state = await retrying(
      () => api.request("POST", `/v1/cases/${caseId}/uploads`, { json: { document_id: docId, kind: meta.kind, length: total } }),
      onWait,
    );
    let start = 0;
    while (start < total) {
      const chunk = await chunker.take(Math.min(CHUNK, total - start));
      if (chunk.length === 0) throw new P.ProtocolError("encrypt_length", "the ciphertext ended early");
      hash.update(chunk);
      const end = start + chunk.length;
      let offset = start;
      // Send what the server lacks of this chunk until it has all of it; after a dropped
      // connection, ask the server where it is (it may have kept part of the chunk).
      for (let attempt = 0; offset < end; attempt++) {
        try {
          await api.request("PATCH", `/v1/uploads/${state.upload_id}`, {
            body: chunk.subarray(offset - start),
            headers: { "Content-Type": "application/offset+octet-stream", "Upload-Offset": String(offset) },
          });
          offset = end;
        } catch (err) {
          const transient = err instanceof ApiError && (err.code === "network" || err.status >= 500 || err.status === 408 || err.code === "offset_mismatch" || err.code === "upload_busy");
          if (!transient || attempt >= 30) throw err;
          const wait = Math.min(2 ** Math.min(attempt, 5), 30);
          onWait(wait);
          await new Promise((r) => setTimeout(r, wait * 1000));
          state = await retrying(() => api.request("GET", `/v1/uploads/${state.upload_id}`), onWait, 30);
          if (state.offset < start || state.offset > end)
            throw new P.ProtocolError("upload_lost", "the server lost part of the upload it had acknowledged");
          offset = state.offset;
        }
        progress({ phase: "encrypt", sent: offset, total });
      }
      start = end;
    }
    progress({ phase: "finish", sent: total, total });
    digest = hash.digest();
    info = await retrying(() => api.request("POST", `/v1/uploads/${state.upload_id}/finish`, { json: { sha256: P.hex(digest) } }), onWait);
  }
  const sent: Uploaded = { documentId: docId, kind: meta.kind, sha256: digest, length: total };
  // The server's record must be exactly what was sent; the receipt is then checked against
  // these values, never against what the server says it stored.
  if (info.document_id !== sent.documentId || info.kind !== sent.kind || info.length !== sent.length || info.sha256 !== P.hex(sent.sha256))
    throw new P.ProtocolError("hash_mismatch", "the server stored other bytes than were sent");
  return { info, receiptChecked: checkReceipt(info, sent, keys, caseId, log) };
}

/** What this page sent, as it knows it. */
interface Uploaded {
  documentId: string;
  kind: string;
  sha256: Uint8Array;
  length: number;
}

/** A receipt must be signed by the keyring's log and record exactly this upload (only the
 *  time of receipt comes from the server). */
function checkReceipt(info: Sent["info"], sent: Uploaded, keys: P.CaseKeys, caseId: string, log: P.LogKey | null): boolean {
  if (!log) return false;
  if (!info.receipt) throw new P.ProtocolError("no_receipt", "the server stored the document but gave no receipt");
  const expected = P.encodeDocumentReceived({
    commitment: P.commitment(keys, caseId),
    documentId: sent.documentId,
    kind: P.KIND_CODE[sent.kind],
    sha256: sent.sha256,
    length: sent.length,
    receivedAt: info.received_at,
  });
  P.verifyReceipt(info.receipt, log, expected);
  return true;
}

export interface Reply {
  receivedAt: number;
  text: string;
  name?: string;
}

/** The foundation's replies, decrypted here with the case identity. */
export async function readReplies(api: Api, keys: P.CaseKeys): Promise<{ caseId: string; status: string; documents: any[]; replies: Reply[] }> {
  const me = await api.request("GET", "/v1/me");
  const replies: Reply[] = [];
  const d = new Decrypter();
  d.addIdentity(keys.identity);
  for (const doc of me.documents) {
    if (doc.kind !== "reply") continue;
    const ct: Uint8Array = await api.request("GET", `/v1/cases/${me.case_id}/documents/${doc.document_id}`);
    const plain = await d.decrypt(ct);
    const { meta, content } = openContainer(plain);
    replies.push({ receivedAt: doc.received_at, text: new TextDecoder().decode(content), name: meta.name });
  }
  return { caseId: me.case_id, status: me.status, documents: me.documents, replies };
}

export function openContainer(plain: Uint8Array): { meta: P.DocumentMeta; content: Uint8Array } {
  const m = P.MAGIC;
  if (plain.length < m.length + 4 || !P.equalBytes(plain.subarray(0, m.length), m))
    throw new P.ProtocolError("not_document", "not an amanat document");
  const len = new DataView(plain.buffer, plain.byteOffset + m.length, 4).getUint32(0);
  const start = m.length + 4;
  const meta = JSON.parse(new TextDecoder().decode(plain.subarray(start, start + len)));
  const content = plain.subarray(start + len, start + len + meta.length);
  if (content.length !== meta.length) throw new P.ProtocolError("not_document", "the document is truncated");
  return { meta, content };
}

/** Deletes the signed-in case from the server for good, and checks the receipt of its `07`
 *  entry when the keyring names a log. */
export async function withdraw(api: Api, caseId: string, keys: P.CaseKeys, log: P.LogKey | null): Promise<{ documents: number; index: number | null }> {
  const done = await api.request("POST", "/v1/me/withdraw", { json: { case_id: caseId } });
  const index = log ? P.verifyWithdrawalReceipt(done.receipt, log, P.commitment(keys, caseId)) : null;
  return { documents: done.documents, index };
}
