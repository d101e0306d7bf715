// Unit tests of web/src/protocol.ts under Node's test runner, against values the Rust
// protocol crate computes (the same vectors are asserted in protocol/src/codename.rs and
// padding.rs), so the page and the CLI cannot drift apart.

import { test } from "node:test";
import assert from "node:assert/strict";
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const out = await build({
  entryPoints: [join(here, "../src/protocol.ts")],
  bundle: true,
  format: "esm",
  platform: "neutral",
  mainFields: ["module", "main"],
  write: false,
  logLevel: "warning",
});
const P = await import("data:text/javascript;base64," + Buffer.from(out.outputFiles[0].contents).toString("base64"));

const RUST = JSON.parse(readFileSync(join(here, "vectors.json"), "utf8"));
const hex = (b) => Buffer.from(b).toString("hex");
const seq = (n, f) => Uint8Array.from({ length: n }, (_, i) => f(i));

test("the word list is the Rust one", async () => {
  const { WORDS } = P;
  const rust = readFileSync(join(here, "../../protocol/wordlist/bip39-english.txt"), "utf8").split(/\s+/).filter(Boolean);
  assert.deepEqual([...WORDS], rust);
});

test("Padmé lengths match padding.rs", () => {
  assert.equal(P.paddedLen(0), 4096);
  assert.equal(P.paddedLen(4096), 4096);
  assert.equal(P.paddedLen(4097), 4352);
  assert.equal(P.paddedLen(1_000_000), 1_015_808);
  assert.equal(P.paddedLen(2 ** 30), 2 ** 30);
  assert.equal(String(P.paddedLen(2 ** 32 + 1)), RUST.paddedLen2p32p1);
  for (let l = 4000; l < 300_000; l += 997) {
    const p = P.paddedLen(l);
    assert.ok(p >= l && p <= Math.max(4096, l * 1.12));
    assert.equal(P.paddedLen(p), p);
  }
  assert.equal(P.agePayloadLen(0), 16);
  assert.equal(P.agePayloadLen(65536), 65552);
  assert.equal(P.agePayloadLen(65537), 65537 + 32);
});

test("fingerprints round-trip and forgive as the CLI does", () => {
  const fp = seq(32, (i) => (i * 37 + 11) & 0xff);
  const s = P.formatFingerprint(fp);
  assert.equal(s.length, 52 + 12);
  assert.deepEqual(P.parseFingerprint(s), fp);
  assert.deepEqual(P.parseFingerprint(s.toLowerCase().replace(/-/g, " ")), fp);
  assert.throws(() => P.parseFingerprint(s.slice(0, -1)), /52 symbols/);
  assert.throws(() => P.parseFingerprint(s + "0"), /52 symbols/);
  assert.throws(() => P.parseFingerprint("U".repeat(52)));
});

test("codenames: nine or eleven words, prefixes accepted, a changed word caught", () => {
  assert.equal(P.generateCodename().split(" ").length, 11);
  // An 11-bit check word misses a swap 1 time in 2048, so random codenames may slip
  // through now and then (CI once saw it); count the misses instead of failing on one.
  let missed = 0;
  for (let i = 0; i < 100; i++) {
    const c = P.generateCodename(P.KDF[(i % 2) + 1]);
    assert.equal(c.split(" ").length, i % 2 ? 11 : 9);
    assert.equal(P.parseCodename(c), c);
    assert.equal(P.parseCodename(c.toUpperCase().split(" ").map((w) => w.slice(0, 4)).join("  ")), c);
    const words = c.split(" ");
    [words[0], words[1]] = [words[1], words[0]];
    if (words[0] === words[1]) continue;
    try {
      P.parseCodename(words.join(" "));
      missed++;
    } catch (e) {
      assert.equal(e.code, "bad_codename_check");
    }
  }
  // P(4 or more misses in 100) is about 2e-7; a broken check word misses nearly all.
  assert.ok(missed <= 3, `${missed} swapped codenames passed the check word`);
  for (const name of ["V1", "V2"]) {
    const words = RUST[`codename${name}`].split(" ");
    [words[0], words[words.length - 1]] = [words[words.length - 1], words[0]];
    assert.throws(() => P.parseCodename(words.join(" ")), (e) => e.code === "bad_codename_check");
  }
  assert.throws(() => P.parseCodename("abandon abandon"), (e) => e.code === "bad_codename_length");
  assert.throws(() => P.parseCodename("zzzz ".repeat(9)), (e) => e.code === "bad_codename_word");
});

// protocol/src/codename.rs (mod web_vectors) asserts the same values in Rust.
test("case keys from a seed and from a codename match the Rust derivation", async () => {
  const k = P.caseKeysFromSeed(seq(32, (i) => i));
  assert.equal(k.recipient, RUST.seedRecipient);
  assert.equal(hex(k.authPublic), RUST.seedAuth);
  assert.equal(hex(P.commitment(k, "00112233-4455-6677-8899-aabbccddeeff")), RUST.seedCommitment);
  const fp = seq(32, () => 0x11);
  for (const name of ["V1", "V2"]) {
    const c = P.parseCodename(RUST[`codename${name}`]);
    assert.equal(P.kdfOf(c).version, name === "V1" ? 1 : 2);
    const keys = await P.deriveCaseKeys(c, fp, P.argon2Js);
    assert.equal(keys.recipient, RUST[`recipient${name}`]);
  }
});

test("proof of work solves what the server checks", () => {
  const seed = seq(43, (i) => i);
  const nonce = P.solvePow("auth", seed, 12);
  assert.ok(nonce >= 0n);
  assert.match(P.powHeader(seed, nonce), /^[A-Za-z0-9_-]+\.[0-9]+$/);
  assert.throws(() => P.solvePow("auth", seed, 33), (e) => e.code === "pow_too_hard");
});

test("the container head is magic, length, metadata JSON", () => {
  const head = P.containerHead({ kind: "attachment", name: "ф.jpg", media_type: "image/jpeg", length: 5 });
  const text = Buffer.from(head).toString("utf8");
  assert.ok(text.startsWith("amanat-document/1\n"));
  const len = Buffer.from(head).readUInt32BE(18);
  assert.deepEqual(JSON.parse(Buffer.from(head.subarray(22)).toString()), { kind: "attachment", name: "ф.jpg", media_type: "image/jpeg", length: 5 });
  assert.equal(len, head.length - 22);
});


// A keyring that names witnesses (keyring.rs `Witness`) is accepted; a malformed one is not.
test("keyrings may name witnesses and a threshold", async () => {
  const { ed25519 } = await import("@noble/curves/ed25519.js");
  const seed = seq(32, (i) => i + 1);
  const rootKey = ed25519.getPublicKey(seed);
  const b64 = (b) => Buffer.from(b).toString("base64");
  const sign = (k) => {
    const body = new TextEncoder().encode(JSON.stringify(k));
    const msg = new Uint8Array([...new TextEncoder().encode("amanat/keyring/v1\n"), ...body]);
    return { root_key: b64(rootKey), body: b64(body), signature: b64(ed25519.sign(msg, seed)) };
  };
  const base = { format: 1, version: 1, staff: [] };
  const w = { name: "witness.example", key: b64(seq(32, () => 9)) };
  const root = P.fingerprintOf(rootKey);
  assert.equal(P.verifyKeyring(sign({ ...base, witnesses: [w], witness_threshold: 1 }), root).version, 1);
  for (const bad of [
    { ...base, witnesses: [w], witness_threshold: 2 },
    { ...base, witnesses: [{ ...w, name: "a b" }] },
    { ...base, witnesses: [{ ...w, key: "AAAA" }] },
    { ...base, witnesses: [{ ...w, extra: 1 }] },
    { ...base, witnesses: "w" },
  ])
    assert.throws(() => P.verifyKeyring(sign(bad), root), (e) => e.code === "bad_keyring", JSON.stringify(bad));
});

test("a root handover signed in Rust is followed; a changed one is refused", async () => {
  const { ed25519 } = await import("@noble/curves/ed25519.js");
  const h = RUST.handover;
  const from = P.fingerprintOf(Buffer.from(h.from, "base64"));
  assert.equal(hex(P.followHandovers(from, [h])), RUST.handoverTo);
  // Not from the pinned root: skipped, the pin stays.
  const other = P.fingerprintOf(ed25519.getPublicKey(seq(32, () => 7)));
  assert.equal(hex(P.followHandovers(other, [h])), hex(other));
  for (const bad of [
    { ...h, signed_at: h.signed_at + 1 },
    { ...h, to_signature: h.from_signature },
    { ...h, from_signature: "AAAA" },
  ])
    assert.throws(() => P.followHandovers(from, [bad]), (e) => e.code === "bad_handover", JSON.stringify(bad));
  assert.throws(() => P.followHandovers(from, "x"), (e) => e.code === "bad_handover");
});

test("a keyring's lineage salts codename keys; without one, its own root does", async () => {
  const { ed25519 } = await import("@noble/curves/ed25519.js");
  const seed = seq(32, (i) => i + 3);
  const rootKey = ed25519.getPublicKey(seed);
  const b64 = (b) => Buffer.from(b).toString("base64");
  const sign = (k) => {
    const body = new TextEncoder().encode(JSON.stringify(k));
    const msg = new Uint8Array([...new TextEncoder().encode("amanat/keyring/v1\n"), ...body]);
    return { root_key: b64(rootKey), body: b64(body), signature: b64(ed25519.sign(msg, seed)) };
  };
  const root = P.fingerprintOf(rootKey);
  const base = { format: 1, version: 1, staff: [] };
  assert.equal(hex(P.verifyKeyring(sign(base), root).codenameRoot), hex(root));
  const lineage = "ab".repeat(32);
  assert.equal(hex(P.verifyKeyring(sign({ ...base, lineage }), root).codenameRoot), lineage);
  for (const bad of ["AB".repeat(32), "ab", 5])
    assert.throws(() => P.verifyKeyring(sign({ ...base, lineage: bad }), root), (e) => e.code === "bad_keyring");
  // A keyring can never carry the computed field itself.
  assert.throws(() => P.verifyKeyring(sign({ ...base, codenameRoot: lineage }), root), (e) => e.code === "bad_keyring");
});

test("a withdrawal receipt must record this case's withdrawal", () => {
  const log = { origin: "amanat.example/log", key: new Uint8Array(32) };
  const commitment = seq(32, (i) => i);
  const receipt = (entry) =>
    `c2sp.org/tlog-proof@v1\nextra ${Buffer.from(entry).toString("base64")}\nindex 0\n\namanat.example/log\n1\n${"A".repeat(43)}=\n`;
  const entry = (type, reason, c) => Uint8Array.from([1, type, ...c, reason, 0, 0, 0, 0, 0, 0, 0, 1]);
  for (const bad of [entry(1, 1, commitment), entry(7, 2, commitment), entry(7, 1, seq(32, () => 9)), Uint8Array.of(1, 7)])
    assert.throws(() => P.verifyWithdrawalReceipt(receipt(bad), log, commitment), (e) => e.code === "receipt_mismatch");
  // The right entry goes on to the signature check, which this unsigned note fails.
  assert.throws(() => P.verifyWithdrawalReceipt(receipt(entry(7, 1, commitment)), log, commitment), (e) => e.code !== "receipt_mismatch");
});
