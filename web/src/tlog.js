// tlog.js — checks a log receipt in the browser (docs/tlog.md): the entry's RFC 6962 leaf
// hash, the inclusion proof up to the root (RFC 9162 §2.1.3.2), the checkpoint's Ed25519
// signature (C2SP signed-note) against the centre's verifier key, and its witnesses'
// cosignatures (C2SP tlog-cosignature) against their keys, all with WebCrypto.

const enc = new TextEncoder();
const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const eq = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

async function sha256(...parts) {
  const n = parts.reduce((s, p) => s + p.length, 0);
  const buf = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { buf.set(p, o); o += p.length; }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', buf));
}

export const leafHash = (entry) => sha256(Uint8Array.of(0), enc.encode(entry));
const nodeHash = (l, r) => sha256(Uint8Array.of(1), l, r);

// RFC 9162 §2.1.3.2: the root that leaf at index in a tree of size, with proof, leads to.
export async function rootFromProof(index, size, leaf, proof) {
  if (index >= size) throw new Error('index beyond the tree');
  let fn = index, sn = size - 1, r = leaf;
  for (const p of proof) {
    if (sn === 0) throw new Error('proof too long');
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new Error('proof too short');
  return r;
}

// Parses "<name>+<hex id>+<base64(0x01 || key)>".
export function parseVerifierKey(vkey) {
  const parts = vkey.trim().split('+'); // a name has no '+'; the base64 key may
  if (parts.length < 3) throw new Error('bad verifier key');
  const raw = b64(parts.slice(2).join('+'));
  if (raw.length !== 33 || raw[0] !== 1) throw new Error('not an Ed25519 verifier key');
  return { name: parts[0], id: parseInt(parts[1], 16) >>> 0, key: raw.slice(1) };
}

// Opens a signed checkpoint: answers {origin, size, root} when a signature by vkey verifies.
export async function openCheckpoint(note, vkey) {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new Error('not a signed note');
  const text = note.slice(0, split + 1);
  const key = await crypto.subtle.importKey('raw', vkey.key, { name: 'Ed25519' }, false, ['verify']);
  let ok = false;
  for (const line of note.slice(split + 2).split('\n')) {
    const m = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!m || m[1] !== vkey.name) continue;
    const sig = b64(m[2]);
    const id = ((sig[0] << 24) | (sig[1] << 16) | (sig[2] << 8) | sig[3]) >>> 0;
    if (id !== vkey.id || sig.length !== 68) continue;
    if (!(await crypto.subtle.verify({ name: 'Ed25519' }, key, sig.slice(4), enc.encode(text)))) {
      throw new Error('the checkpoint signature does not verify');
    }
    ok = true;
  }
  if (!ok) throw new Error('the checkpoint has no signature by the centre key');
  const [origin, size, root] = text.split('\n');
  if (origin !== vkey.name) throw new Error('checkpoint origin is not the key name');
  return { origin, size: Number(size), root: b64(root) };
}

// Verifies a GET /v1/log/receipts/{index} answer; ref, when given, must be the entry's ref.
// Answers {ok: true, entry, size} or throws with the reason.
export async function verifyReceipt(receipt, vkeyText, ref) {
  const vkey = parseVerifierKey(vkeyText);
  const cp = await openCheckpoint(receipt.checkpoint, vkey);
  if (cp.size !== receipt.tree_size) throw new Error('the proof is for another tree size');
  const leaf = await leafHash(receipt.entry);
  if (!eq(leaf, b64(receipt.leaf_hash))) throw new Error('the entry does not hash to its leaf');
  const entry = JSON.parse(receipt.entry);
  if (ref && entry.ref !== ref) throw new Error(`the entry is ${entry.ref}, not ${ref}`);
  const root = await rootFromProof(receipt.index, receipt.tree_size, leaf, receipt.proof.map(b64));
  if (!eq(root, cp.root)) throw new Error('the proof does not lead to the signed root');
  return { ok: true, entry, size: cp.size };
}

// Witnesses (docs/tlog.md "Witnesses"): "<name>+<hex id>+<base64(0x04 || key)>".
export function parseWitnessKey(vkey) {
  const parts = vkey.trim().split('+');
  if (parts.length < 3) throw new Error('bad witness key');
  const raw = b64(parts.slice(2).join('+'));
  if (raw.length !== 33 || raw[0] !== 4) throw new Error('not an Ed25519 cosignature key');
  return { name: parts[0], id: parseInt(parts[1], 16) >>> 0, key: raw.slice(1) };
}

// Checks the C2SP tlog-cosignature lines on a signed checkpoint: each witness's Ed25519
// signature over "cosignature/v1\ntime <t>\n" and the checkpoint text. Answers
// {witnesses: [{name, state: 'valid'|'invalid'|'absent', time}], valid, quorum, holds}.
export async function verifyCosignatures(note, witnessKeys, quorum) {
  const split = note.lastIndexOf('\n\n');
  if (split < 0) throw new Error('not a signed note');
  const text = note.slice(0, split + 1), lines = note.slice(split + 2).split('\n');
  const witnesses = [];
  for (const vkey of witnessKeys) {
    const w = parseWitnessKey(vkey);
    const key = await crypto.subtle.importKey('raw', w.key, { name: 'Ed25519' }, false, ['verify']);
    let state = 'absent', time = null;
    for (const line of lines) {
      const m = /^\u2014 (\S+) (\S+)$/.exec(line);
      const sig = m && m[1] === w.name ? b64(m[2]) : null;
      if (!sig || sig.length < 4 || (((sig[0] << 24) | (sig[1] << 16) | (sig[2] << 8) | sig[3]) >>> 0) !== w.id) continue;
      const t = sig.length === 76 ? new DataView(sig.buffer, sig.byteOffset + 4, 8).getBigUint64(0) : -1n;
      const ok = t >= 0n && await crypto.subtle.verify({ name: 'Ed25519' }, key, sig.slice(12),
        enc.encode(`cosignature/v1\ntime ${t}\n${text}`));
      if (!ok) { state = 'invalid'; break; }
      state = 'valid';
      time = new Date(Number(t) * 1000).toISOString();
    }
    witnesses.push({ name: w.name, state, time });
  }
  const valid = witnesses.filter((x) => x.state === 'valid').length;
  return { witnesses, valid, quorum, holds: valid >= quorum && !witnesses.some((x) => x.state === 'invalid') };
}
