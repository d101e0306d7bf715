// The parts of Amanat's protocol the page needs, as pure functions: the root fingerprint,
// keyring verification, codenames and their keys, grants, the document envelope, proof of
// work and receipts. It mirrors `protocol/` in Rust byte for byte (docs/protocol.md) and
// does no I/O, so Node's test runner can check it against vectors made by the Rust code.

import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { argon2idAsync } from "@noble/hashes/argon2.js";
import { bech32, base64 } from "@scure/base";
import { WORDS } from "./wordlist.js";

export { WORDS };

const te = new TextEncoder();
const td = new TextDecoder("utf-8", { fatal: true });

export class ProtocolError extends Error {
  /** A stable code the page turns into a sentence in the person's language. */
  constructor(
    public code: string,
    detail: string,
  ) {
    super(detail);
  }
}

export function concat(...parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

export function utf8(s: string): Uint8Array {
  return te.encode(s);
}

export function hex(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

export const b64 = {
  encode: (b: Uint8Array) => base64.encode(b),
  decode: (s: string) => base64.decode(s),
};

export function b64url(b: Uint8Array): string {
  return base64.encode(b).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// ---------------------------------------------------------------- root fingerprint

const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** SHA-256("amanat/root-fingerprint/v1\n" ‖ root public key). */
export function fingerprintOf(rootKey: Uint8Array): Uint8Array {
  return sha256(concat(utf8("amanat/root-fingerprint/v1\n"), rootKey));
}

/** Crockford base32 in groups of four, as the CLI prints it. */
export function formatFingerprint(fp: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of fp) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += CROCKFORD[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += CROCKFORD[(value << (5 - bits)) & 31];
  return out.match(/.{1,4}/g)!.join("-");
}

/** Ignores case, spaces and dashes; reads O as 0 and I/L as 1. */
export function parseFingerprint(text: string): Uint8Array {
  const clean = text
    .toUpperCase()
    .replace(/[\s-]/g, "")
    .replace(/O/g, "0")
    .replace(/[IL]/g, "1");
  if (clean.length !== 52) throw new ProtocolError("bad_root", "a root fingerprint has 52 symbols");
  const out = new Uint8Array(32);
  let bits = 0;
  let value = 0;
  let o = 0;
  for (const ch of clean) {
    const v = CROCKFORD.indexOf(ch);
    if (v < 0) throw new ProtocolError("bad_root", `'${ch}' is not a fingerprint symbol`);
    value = ((value << 5) | v) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      if (o < 32) out[o++] = (value >>> (bits - 8)) & 0xff;
      bits -= 8;
    }
  }
  // 52 symbols carry 260 bits: the last four must be zero, as the encoder leaves them.
  if ((value & ((1 << bits) - 1)) !== 0)
    throw new ProtocolError("bad_root", "the fingerprint's last symbol is not possible");
  return out;
}

// ---------------------------------------------------------------- keyring

export interface StaffMember {
  id: string;
  name: string;
  age_recipient: string;
  verifying_key: string;
  roles: string[];
}

export interface Keyring {
  format: number;
  version: number;
  previous?: string | null;
  staff: StaffMember[];
  log?: { origin: string; key: string } | null;
  /** Hex fingerprint of the foundation's first root (after a rotation). */
  lineage?: string;
  /** Not in the JSON: set by `verifyKeyring`, the fingerprint codename keys are salted with
   *  (the lineage, or the keyring's own root). */
  codenameRoot?: Uint8Array;
  /** Not in the JSON: the fingerprint of the root that signed it (set by `verifyKeyring`). */
  signedBy?: Uint8Array;
}

export interface SignedKeyring {
  root_key: string;
  body: string;
  signature: string;
}

const KEYRING_FIELDS = new Set(["format", "version", "previous", "staff", "log", "witnesses", "witness_threshold", "lineage"]);
const MEMBER_FIELDS = new Set(["id", "name", "age_recipient", "verifying_key", "roles"]);
const ROLES = new Set(["reviewer", "auditor", "admin", "coordinator"]);

/** The checks `KeyringPin::accept` makes: pinned root, strict signature, well-formed body,
 *  no rollback below `minVersion`. Returns the keyring to encrypt to. */
export function verifyKeyring(signed: SignedKeyring, root: Uint8Array, minVersion = 0): Keyring {
  const rootKey = b64.decode(signed.root_key);
  if (rootKey.length !== 32 || !equalBytes(fingerprintOf(rootKey), root))
    throw new ProtocolError("unknown_root", "the keyring is signed by another root key");
  const body = b64.decode(signed.body);
  const sig = b64.decode(signed.signature);
  const ok =
    sig.length === 64 &&
    ed25519.verify(sig, concat(utf8("amanat/keyring/v1\n"), body), rootKey, { zip215: false });
  if (!ok) throw new ProtocolError("bad_signature", "the keyring's signature does not verify");
  let k: Keyring;
  try {
    k = JSON.parse(td.decode(body));
  } catch {
    throw new ProtocolError("bad_keyring", "the keyring is not JSON");
  }
  const bad = (why: string) => new ProtocolError("bad_keyring", why);
  if (typeof k !== "object" || k === null || Array.isArray(k)) throw bad("not an object");
  for (const f of Object.keys(k)) if (!KEYRING_FIELDS.has(f)) throw bad(`unknown field ${f}`);
  if (k.format !== 1) throw bad("unknown keyring format");
  if (!Number.isSafeInteger(k.version) || k.version < 1) throw bad("bad version");
  if (!Array.isArray(k.staff)) throw bad("no staff list");
  const kw = k as unknown as { witnesses?: unknown; witness_threshold?: unknown };
  const witnesses = kw.witnesses ?? [];
  if (!Array.isArray(witnesses)) throw bad("witnesses is not a list");
  for (const w of witnesses as { name?: unknown; key?: unknown }[]) {
    if (typeof w !== "object" || w === null || Object.keys(w).some((f) => f !== "name" && f !== "key"))
      throw bad("a malformed witness");
    if (typeof w.name !== "string" || w.name === "" || /[\s+]/.test(w.name)) throw bad("a witness's name");
    if (typeof w.key !== "string" || b64.decode(w.key).length !== 32) throw bad("a witness's key");
  }
  const threshold = kw.witness_threshold ?? 0;
  if (!Number.isInteger(threshold) || (threshold as number) < 0 || (threshold as number) > witnesses.length)
    throw bad("the witness threshold");
  const ids = new Set<string>();
  const keys = new Set<string>();
  for (const m of k.staff) {
    for (const f of Object.keys(m)) if (!MEMBER_FIELDS.has(f)) throw bad(`unknown member field ${f}`);
    if (typeof m.id !== "string" || ids.has(m.id)) throw bad("duplicate or missing staff id");
    ids.add(m.id);
    if (typeof m.age_recipient !== "string" || keys.has(m.age_recipient)) throw bad("duplicate age key");
    keys.add(m.age_recipient);
    if (!Array.isArray(m.roles) || m.roles.length === 0 || !m.roles.every((r) => ROLES.has(r)))
      throw bad(`member ${m.id} has no valid role`);
    if (b64.decode(m.verifying_key).length !== 32) throw bad("bad verifying key");
    if (m.roles.includes("reviewer")) decodeRecipient(m.age_recipient);
  }
  if (k.version < minVersion)
    throw new ProtocolError(
      "keyring_rollback",
      `the server offers keyring version ${k.version}, older than version ${minVersion} seen before`,
    );
  if (k.lineage !== undefined && (typeof k.lineage !== "string" || !/^[0-9a-f]{64}$/.test(k.lineage)))
    throw bad("the lineage is not a hex fingerprint");
  k.codenameRoot = k.lineage !== undefined ? hexToBytes(k.lineage) : fingerprintOf(rootKey);
  k.signedBy = fingerprintOf(rootKey);
  return k;
}

function hexToBytes(h: string): Uint8Array {
  const out = new Uint8Array(h.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** A root handover as `GET /v1/root/handovers` lists it (protocol/src/handover.rs). */
export interface Handover {
  from: string;
  to: string;
  signed_at: number;
  from_signature: string;
  to_signature: string;
}

/** `handover::roots` and `handover::follow`: the whole chain must check (both signatures on
 *  every handover, each starting where the one before ended, no root twice); the root in
 *  force is its last root if the pinned root is on it, else the pinned root. */
export function followHandovers(pinned: Uint8Array, chain: Handover[]): Uint8Array {
  if (!Array.isArray(chain) || chain.length > 64) throw new ProtocolError("bad_handover", "not a list of handovers");
  const bad = (why: string) => new ProtocolError("bad_handover", why);
  const roots: Uint8Array[] = [];
  for (const h of chain) {
    const from = b64.decode(h.from);
    const to = b64.decode(h.to);
    if (from.length !== 32 || to.length !== 32) throw bad("a handover's key is malformed");
    if (!Number.isSafeInteger(h.signed_at)) throw bad("a handover's time");
    const at = new Uint8Array(8);
    new DataView(at.buffer).setBigInt64(0, BigInt(h.signed_at));
    const msg = concat(utf8("amanat/root-handover/v1\n"), from, to, at);
    const ok = (sig: string, key: Uint8Array) => {
      const s = b64.decode(sig);
      return s.length === 64 && ed25519.verify(s, msg, key, { zip215: false });
    };
    if (equalBytes(from, to) || !ok(h.from_signature, from) || !ok(h.to_signature, to))
      throw bad("a root handover's signatures do not verify");
    if (roots.length === 0) roots.push(from);
    else if (!equalBytes(roots[roots.length - 1], from)) throw bad("a handover does not start where the one before ended");
    if (roots.some((r) => equalBytes(r, to))) throw bad("the handovers loop");
    roots.push(to);
  }
  const fingerprints = roots.map(fingerprintOf);
  return fingerprints.some((f) => equalBytes(f, pinned)) ? fingerprints[fingerprints.length - 1] : pinned;
}

export function reviewers(k: Keyring): StaffMember[] {
  return k.staff.filter((m) => m.roles.includes("reviewer"));
}

function decodeRecipient(r: string): Uint8Array {
  try {
    const d = bech32.decodeToBytes(r);
    if (d.prefix !== "age" || d.bytes.length !== 32) throw new Error();
    return d.bytes;
  } catch {
    throw new ProtocolError("bad_keyring", "a reviewer's age recipient is malformed");
  }
}

// ---------------------------------------------------------------- codenames

/** The codename KDF versions of protocol/src/codename.rs; the version is the word count. */
export interface KdfVersion {
  version: 1 | 2;
  dataWords: number;
  /** Argon2id memory in KiB and passes (one lane). */
  m: number;
  t: number;
  salt: Uint8Array;
  check: Uint8Array;
}

export const KDF: Record<1 | 2, KdfVersion> = {
  1: { version: 1, dataWords: 8, m: 65536, t: 3, salt: utf8("amanat/codename/v1"), check: utf8("amanat/codename-check/v1") },
  2: { version: 2, dataWords: 10, m: 8192, t: 2, salt: utf8("amanat/codename/v2"), check: utf8("amanat/codename-check/v2") },
};
export const CURRENT_KDF = KDF[2];

function checkIndex(v: KdfVersion, indexes: number[]): number {
  const buf = new Uint8Array(indexes.length * 2);
  indexes.forEach((x, i) => {
    buf[2 * i] = x >> 8;
    buf[2 * i + 1] = x & 0xff;
  });
  const h = sha256(concat(v.check, buf));
  return (h[0] << 3) | (h[1] >> 5);
}

/** A new codename: uniformly random BIP-39 words (110 bits in v2) and a check word. */
export function generateCodename(v: KdfVersion = CURRENT_KDF): string {
  const idx: number[] = [];
  const rnd = new Uint16Array(1);
  while (idx.length < v.dataWords) {
    crypto.getRandomValues(rnd);
    idx.push(rnd[0] & 2047); // 2048 = 2^11: masking is uniform
  }
  idx.push(checkIndex(v, idx));
  return idx.map((i) => WORDS[i]).join(" ");
}

function kdfForWords(n: number): KdfVersion {
  const v = Object.values(KDF).find((k) => k.dataWords + 1 === n);
  if (!v) throw new ProtocolError("bad_codename_length", "a codename has 11 words (9 if made before December 2026)");
  return v;
}

/** The KDF version of a canonical codename, read off its length. */
export function kdfOf(codename: string): KdfVersion {
  return kdfForWords(codename.split(" ").length);
}

/** Reads a typed codename as the CLI does: any spacing and case, four-letter prefixes;
 *  returns the canonical form or throws `bad_codename_*` without echoing what was typed. */
export function parseCodename(input: string): string {
  const typed = input.toLowerCase().split(/[\s,.;-]+/).filter(Boolean);
  const v = kdfForWords(typed.length);
  const idx = typed.map((w, n) => {
    let i = WORDS.indexOf(w);
    if (i < 0 && w.length >= 4) {
      const m = WORDS.filter((x) => x.startsWith(w));
      if (m.length === 1) i = WORDS.indexOf(m[0]);
    }
    if (i < 0) throw new ProtocolError("bad_codename_word", String(n + 1));
    return i;
  });
  if (checkIndex(v, idx.slice(0, v.dataWords)) !== idx[v.dataWords])
    throw new ProtocolError("bad_codename_check", "the check word does not match");
  return idx.map((i) => WORDS[i]).join(" ");
}

export interface Argon2 {
  (password: Uint8Array, salt: Uint8Array, m: number, t: number): Promise<Uint8Array>;
}

/** Argon2id in pure JavaScript (one lane), for when WebAssembly is off. */
export const argon2Js: Argon2 = (password, salt, m, t) =>
  argon2idAsync(password, salt, { m, t, p: 1, dkLen: 32, asyncTick: 50 });

export function codenameSalt(root: Uint8Array, v: KdfVersion): Uint8Array {
  return sha256(concat(v.salt, root));
}

export interface CaseKeys {
  identitySecret: Uint8Array;
  identity: string;
  recipient: string;
  authSecret: Uint8Array;
  authPublic: Uint8Array;
}

/** HKDF-SHA256 split of the 32-byte seed into the case's age identity and auth key. */
export function caseKeysFromSeed(seed: Uint8Array): CaseKeys {
  const identitySecret = hkdf(sha256, seed, undefined, utf8("amanat/case/age-x25519/v1"), 32);
  const authSecret = hkdf(sha256, seed, undefined, utf8("amanat/case/ed25519-auth/v1"), 32);
  return {
    identitySecret,
    identity: bech32.encode("AGE-SECRET-KEY-", bech32.toWords(identitySecret), false).toUpperCase(),
    recipient: bech32.encode("age", bech32.toWords(x25519.getPublicKey(identitySecret)), false),
    authSecret,
    authPublic: ed25519.getPublicKey(authSecret),
  };
}

export async function deriveCaseKeys(codename: string, root: Uint8Array, argon2: Argon2): Promise<CaseKeys> {
  const v = kdfOf(codename);
  const seed = await argon2(utf8(codename), codenameSalt(root, v), v.m, v.t);
  return caseKeysFromSeed(seed);
}

export function uuidBytes(id: string): Uint8Array {
  const h = id.replace(/-/g, "");
  if (!/^[0-9a-f]{32}$/.test(h)) throw new ProtocolError("bad_id", "not a UUID");
  return Uint8Array.from(h.match(/../g)!, (x) => parseInt(x, 16));
}

/** SHA-256("amanat/case-commitment/v1\n" ‖ case secret ‖ case id). */
export function commitment(keys: CaseKeys, caseId: string): Uint8Array {
  return sha256(concat(utf8("amanat/case-commitment/v1\n"), keys.identitySecret, uuidBytes(caseId)));
}

/** The grant's plaintext, field for field as `grant::wrap` writes it. */
export function grantBody(caseId: string, keys: CaseKeys): string {
  return JSON.stringify({ format: 1, case_id: caseId, identity: keys.identity });
}

export function authMessage(challenge: Uint8Array): Uint8Array {
  return concat(utf8("amanat/auth/v1\n"), challenge);
}

export function signAuth(keys: CaseKeys, challenge: Uint8Array): Uint8Array {
  return ed25519.sign(authMessage(challenge), keys.authSecret);
}

// ---------------------------------------------------------------- the envelope

export const MAGIC = utf8("amanat-document/1\n");
export const MIN_PADDED = 4096;

/** Padmé with a 4096-byte floor (padding.rs). Exact for lengths below 2^53. */
export function paddedLen(len: number): number {
  const l = Math.max(len, MIN_PADDED);
  let e = 12; // floor(log2 l), l >= 4096, found exactly (no floating-point log)
  while (2 ** (e + 1) <= l) e++;
  let s = 0; // floor(log2 e) + 1
  while (2 ** s <= e) s++;
  const unit = 2 ** (e - s);
  return Math.ceil(l / unit) * unit;
}

/** age STREAM: 64 KiB chunks, each with a 16-byte tag. */
export function agePayloadLen(len: number): number {
  const chunks = len === 0 ? 1 : Math.ceil(len / 65536);
  return len + chunks * 16;
}

export interface DocumentMeta {
  kind: "appeal-form" | "power-of-attorney" | "attachment";
  name?: string;
  media_type: string;
  length: number;
}

/** Everything before the content: magic, u32 metadata length, metadata JSON. */
export function containerHead(meta: DocumentMeta): Uint8Array {
  const m: Record<string, unknown> = { kind: meta.kind };
  if (meta.name !== undefined) m.name = meta.name;
  m.media_type = meta.media_type;
  m.length = meta.length;
  const json = utf8(JSON.stringify(m));
  if (json.length > 16 * 1024) throw new ProtocolError("name_too_long", "file name too long");
  const len = new Uint8Array(4);
  new DataView(len.buffer).setUint32(0, json.length);
  return concat(MAGIC, len, json);
}

/** The container (head ‖ content ‖ zeros up to Padmé) as a stream; constant memory. */
export function containerStream(head: Uint8Array, content: ReadableStream<Uint8Array>, contentLen: number): {
  stream: ReadableStream<Uint8Array>;
  length: number;
} {
  const total = paddedLen(head.length + contentLen);
  let zeros = total - head.length - contentLen;
  let sent = 0;
  let headSent = false;
  const reader = content.getReader();
  const ZERO = new Uint8Array(64 * 1024);
  const stream = new ReadableStream<Uint8Array>({
    async pull(ctl) {
      if (!headSent) {
        headSent = true;
        ctl.enqueue(head);
        return;
      }
      if (sent < contentLen) {
        const { value, done } = await reader.read();
        if (done || !value) {
          ctl.error(new ProtocolError("file_changed", "the file ended early; was it changed?"));
          return;
        }
        sent += value.length;
        if (sent > contentLen) {
          ctl.error(new ProtocolError("file_changed", "the file grew while it was read"));
          return;
        }
        ctl.enqueue(value);
        return;
      }
      if (zeros > 0) {
        const n = Math.min(zeros, ZERO.length);
        zeros -= n;
        ctl.enqueue(ZERO.subarray(0, n));
        return;
      }
      ctl.close();
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return { stream, length: total };
}

// ---------------------------------------------------------------- proof of work

export const POW_MAX_BITS = 32;
const POW_DOMAIN = utf8("amanat-pow-v1\u0000");
const PURPOSE: Record<string, number> = { "create-case": 1, auth: 2 };

function leadingZeroBits(h: Uint8Array): number {
  let n = 0;
  for (const b of h) {
    if (b === 0) {
      n += 8;
      continue;
    }
    return n + Math.clz32(b) - 24;
  }
  return n;
}

/** Counts up from `start` until SHA-256(domain ‖ purpose ‖ seed ‖ u64be(nonce)) has `bits`
 *  leading zero bits. `progress` is called every 2^14 tries so a worker can report. */
export function solvePow(purpose: string, seed: Uint8Array, bits: number, progress?: (tries: number) => void): bigint {
  if (bits > POW_MAX_BITS) throw new ProtocolError("pow_too_hard", `the server asks for ${bits} bits`);
  const p = PURPOSE[purpose];
  if (!p) throw new ProtocolError("bad_pow", "unknown purpose");
  const prefix = concat(POW_DOMAIN, Uint8Array.of(p), seed);
  const buf = new Uint8Array(prefix.length + 8);
  buf.set(prefix);
  const view = new DataView(buf.buffer);
  for (let nonce = 0; ; nonce++) {
    view.setUint32(prefix.length, Math.floor(nonce / 2 ** 32));
    view.setUint32(prefix.length + 4, nonce >>> 0);
    if (leadingZeroBits(sha256(buf)) >= bits) return BigInt(nonce);
    if (progress && (nonce & 0x3fff) === 0) progress(nonce);
  }
}

export function powHeader(seed: Uint8Array, nonce: bigint): string {
  return `${b64url(seed)}.${nonce.toString()}`;
}

// ---------------------------------------------------------------- receipts

export interface LogKey {
  origin: string;
  key: Uint8Array;
}

export function logKeyOf(k: Keyring): LogKey | null {
  if (!k.log) return null;
  return { origin: k.log.origin, key: b64.decode(k.log.key) };
}

function noteKeyId(name: string, key: Uint8Array): Uint8Array {
  return sha256(concat(utf8(name), Uint8Array.of(0x0a, 0x01), key)).subarray(0, 4);
}

/** C2SP signed-note: the text, if `log` signed it (other signatures are ignored). */
export function openNote(note: string, log: LogKey): string {
  const split = note.lastIndexOf("\n\n");
  if (split < 0) throw new ProtocolError("bad_receipt", "no blank line before the signatures");
  const text = note.slice(0, split + 1);
  const sigs = note.slice(split + 2);
  if (!sigs.endsWith("\n")) throw new ProtocolError("bad_receipt", "signatures must end with a newline");
  const id = noteKeyId(log.origin, log.key);
  let found: Uint8Array | null = null;
  for (const line of sigs.slice(0, -1).split("\n")) {
    if (!line.startsWith("\u2014 ")) throw new ProtocolError("bad_receipt", "a signature line must start with an em dash");
    const [name, sig] = line.slice(2).split(" ");
    const blob = b64.decode(sig ?? "");
    if (name === log.origin && equalBytes(blob.subarray(0, 4), id)) {
      if (found) throw new ProtocolError("bad_receipt", "the same key signed twice");
      found = blob;
    }
  }
  if (!found) throw new ProtocolError("receipt_unsigned", "the checkpoint is not signed by the foundation's log");
  if (!ed25519.verify(found.subarray(4), utf8(text), log.key, { zip215: false }))
    throw new ProtocolError("receipt_bad_signature", "the checkpoint's signature does not verify");
  return text;
}

export function leafHash(entry: Uint8Array): Uint8Array {
  return sha256(concat(Uint8Array.of(0), entry));
}

function nodeHash(l: Uint8Array, r: Uint8Array): Uint8Array {
  return sha256(concat(Uint8Array.of(1), l, r));
}

/** RFC 9162 §2.1.3.2: verify an inclusion proof. Indexes are below 2^53. */
export function verifyInclusion(index: number, size: number, leaf: Uint8Array, proof: Uint8Array[], root: Uint8Array): boolean {
  if (index >= size) return false;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalBytes(r, root);
}

export interface DocumentReceived {
  commitment: Uint8Array;
  documentId: string;
  kind: number;
  sha256: Uint8Array;
  length: number;
  receivedAt: number;
}

export const KIND_CODE: Record<string, number> = {
  "appeal-form": 1,
  "power-of-attorney": 2,
  attachment: 3,
  reply: 4,
  note: 5,
};

/** The 99-byte `01` entry the log holds for a received document. */
export function encodeDocumentReceived(d: DocumentReceived): Uint8Array {
  const out = new Uint8Array(99);
  const v = new DataView(out.buffer);
  out[0] = 1;
  out[1] = 1;
  out.set(d.commitment, 2);
  out.set(uuidBytes(d.documentId), 34);
  out[50] = d.kind;
  out.set(d.sha256, 51);
  v.setBigUint64(83, BigInt(d.length));
  v.setBigInt64(91, BigInt(d.receivedAt));
  return out;
}

/** Checks the receipt of a withdrawal: a `07` entry (version 1, type 7, the case's
 *  commitment, reason 1 "withdrawn by the complainant", a time) in the log the root vouches
 *  for. Returns the entry's index. */
export function verifyWithdrawalReceipt(text: string, log: LogKey, commitment: Uint8Array): number {
  const line = text.split("\n")[1] ?? "";
  const entry = line.startsWith("extra ") ? b64.decode(line.slice(6)) : new Uint8Array();
  if (entry.length !== 43 || entry[0] !== 1 || entry[1] !== 7 || entry[34] !== 1 || !equalBytes(entry.subarray(2, 34), commitment))
    throw new ProtocolError("receipt_mismatch", "the receipt does not record the withdrawal of this case");
  return verifyReceipt(text, log, entry).index;
}

/** Checks a tlog-proof@v1 receipt against the root-vouched log key and that its entry is
 *  exactly `expected`. Returns the checkpoint's tree size. */
export function verifyReceipt(text: string, log: LogKey, expected: Uint8Array): { index: number; size: number } {
  if (text.length > 16 * 1024) throw new ProtocolError("bad_receipt", "too large");
  const cut = text.indexOf("\n\n");
  if (cut < 0) throw new ProtocolError("bad_receipt", "no blank line before the checkpoint");
  const lines = text.slice(0, cut).split("\n");
  if (lines[0] !== "c2sp.org/tlog-proof@v1") throw new ProtocolError("bad_receipt", "not a tlog-proof@v1 receipt");
  if (!lines[1]?.startsWith("extra ")) throw new ProtocolError("bad_receipt", "no entry");
  const entry = b64.decode(lines[1].slice(6));
  const m = /^index (0|[1-9][0-9]{0,15})$/.exec(lines[2] ?? "");
  if (!m) throw new ProtocolError("bad_receipt", "bad index line");
  const index = Number(m[1]);
  const proof = lines.slice(3).map((l) => {
    const h = b64.decode(l);
    if (h.length !== 32) throw new ProtocolError("bad_receipt", "a proof line is not a hash");
    return h;
  });
  if (proof.length > 64) throw new ProtocolError("bad_receipt", "proof too long");
  const body = openNote(text.slice(cut + 2), log).split("\n");
  if (body[0] !== log.origin) throw new ProtocolError("bad_receipt", "the checkpoint names another log");
  if (!/^(0|[1-9][0-9]{0,15})$/.test(body[1] ?? "")) throw new ProtocolError("bad_receipt", "bad tree size");
  const size = Number(body[1]);
  const root = b64.decode(body[2] ?? "");
  if (!verifyInclusion(index, size, leafHash(entry), proof, root))
    throw new ProtocolError("receipt_not_included", "the entry is not in the log the checkpoint commits to");
  if (!equalBytes(entry, expected))
    throw new ProtocolError("receipt_mismatch", "the receipt records something other than this upload");
  return { index, size };
}
