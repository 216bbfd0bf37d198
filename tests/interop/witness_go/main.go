//go:build ignore

// main.go — an independent verifier of truce's witnessed log, written with Go's standard
// library only (crypto/ed25519, crypto/sha256, encoding/base64, net/http): no code of
// truce and no third-party package. Built by run.sh:
//
//	GO111MODULE=off go build -o witnessgo main.go
//
// Modes:
//
//	witnessgo vectors
//	    The C2SP test vectors: the signed-note example (verifier key example.com/foo), the
//	    tlog-cosignature example (its key ID, its timestamp, the signed message's bytes), the
//	    tlog-witness example request; and transparency-dev's native cosignature key.
//	witnessgo verify URL TOKEN QUORUM WITNESS_VKEY...
//	    A live truce: its checkpoint must be signed by the log key (GET /v1/log/key) and carry
//	    QUORUM valid cosignature/v1 cosignatures by the witnesses; every receipt must prove its
//	    entry to a cosigned checkpoint (RFC 9162 inclusion); and the record of party SAA
//	    (GET /v1/parties/SAA/record) must prove each notice's object, entry and acknowledgement,
//	    with SAA's Ed25519 signature of a signed one. A flipped bit in a cosignature must fail.
//	witnessgo cosign RECEIPT_IN RECEIPT_OUT BAD_OUT
//	    Go as a witness: a fresh Ed25519 key cosigns the receipt's checkpoint (cosignature/v1,
//	    now); writes the receipt with that cosignature, and one with a tampered timestamp;
//	    prints the witness's verifier key, for `truce verify receipt --witness`.
//
// Exits 0 when everything verified, 1 on the first failure, 2 on bad usage.
package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "witness go: FAILED: "+format+"\n", args...)
	os.Exit(1)
}

// ---- keys and notes (C2SP signed-note, tlog-cosignature) ----

type vkey struct {
	name string
	id   uint32
	alg  byte
	pub  ed25519.PublicKey
}

func keyID(name string, alg byte, pub []byte) uint32 {
	h := sha256.Sum256(append(append([]byte(name+"\n"), alg), pub...))
	return binary.BigEndian.Uint32(h[:4])
}

func parseVkey(s string, alg byte) (vkey, error) {
	parts := strings.SplitN(strings.TrimSpace(s), "+", 3)
	if len(parts) != 3 || len(parts[1]) != 8 {
		return vkey{}, errors.New("not NAME+ID+KEY")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[2])
	if err != nil || len(raw) != 33 || raw[0] != alg {
		return vkey{}, fmt.Errorf("not a key of type %#x", alg)
	}
	id, err := strconv.ParseUint(parts[1], 16, 32)
	if err != nil || uint32(id) != keyID(parts[0], alg, raw[1:]) {
		return vkey{}, errors.New("the key ID does not match")
	}
	return vkey{parts[0], uint32(id), alg, ed25519.PublicKey(raw[1:])}, nil
}

type sigLine struct {
	name string
	raw  []byte
}

// splitNote returns the note text (with its final newline) and its signature lines.
func splitNote(msg string) (string, []sigLine, error) {
	i := strings.LastIndex(msg, "\n\n")
	if i < 0 || !strings.HasSuffix(msg, "\n") {
		return "", nil, errors.New("not a signed note")
	}
	var sigs []sigLine
	for _, l := range strings.Split(strings.TrimSuffix(msg[i+2:], "\n"), "\n") {
		if !strings.HasPrefix(l, "\u2014 ") {
			return "", nil, fmt.Errorf("bad signature line %q", l)
		}
		f := strings.SplitN(l[len("\u2014 "):], " ", 2)
		raw, err := base64.StdEncoding.DecodeString(f[len(f)-1])
		if len(f) != 2 || err != nil || len(raw) < 4 {
			return "", nil, fmt.Errorf("bad signature line %q", l)
		}
		sigs = append(sigs, sigLine{f[0], raw})
	}
	return msg[:i+1], sigs, nil
}

// openNote checks the note's signature by the log key (type 0x01).
func openNote(msg string, k vkey) string {
	text, sigs, err := splitNote(msg)
	if err != nil {
		fail("%v", err)
	}
	ok := false
	for _, s := range sigs {
		if s.name != k.name || binary.BigEndian.Uint32(s.raw) != k.id {
			continue
		}
		if len(s.raw) != 68 || !ed25519.Verify(k.pub, []byte(text), s.raw[4:]) {
			fail("the log's signature does not verify")
		}
		ok = true
	}
	if !ok {
		fail("no signature by the log key %s", k.name)
	}
	return text
}

func cosignedMessage(text string, t uint64) []byte {
	return []byte(fmt.Sprintf("cosignature/v1\ntime %d\n%s", t, text))
}

// cosigners returns the witnesses whose cosignature/v1 on msg verifies; a bad one fails.
func cosigners(msg string, ws []vkey) []string {
	text, sigs, err := splitNote(msg)
	if err != nil {
		fail("%v", err)
	}
	var good []string
	for _, w := range ws {
		seen := false
		for _, s := range sigs {
			if s.name != w.name || binary.BigEndian.Uint32(s.raw) != w.id {
				continue
			}
			t := binary.BigEndian.Uint64(s.raw[4:12])
			if len(s.raw) != 76 || t >= 1<<63 || !ed25519.Verify(w.pub, cosignedMessage(text, t), s.raw[12:]) {
				fail("the cosignature by %s does not verify", w.name)
			}
			seen = true
		}
		if seen {
			good = append(good, w.name)
		}
	}
	return good
}

type tree struct {
	size uint64
	root []byte
}

func parseCheckpoint(text, origin string) tree {
	l := strings.Split(text, "\n")
	if len(l) < 4 || l[0] != origin {
		fail("checkpoint %q is not of %s", text, origin)
	}
	n, err := strconv.ParseUint(l[1], 10, 63)
	root, err2 := base64.StdEncoding.DecodeString(l[2])
	if err != nil || err2 != nil || len(root) != 32 {
		fail("checkpoint %q", text)
	}
	return tree{n, root}
}

// ---- RFC 6962 / RFC 9162 ----

func leafHash(e []byte) []byte {
	h := sha256.Sum256(append([]byte{0}, e...))
	return h[:]
}

func nodeHash(l, r []byte) []byte {
	h := sha256.Sum256(append(append([]byte{1}, l...), r...))
	return h[:]
}

// RFC 9162 section 2.1.3.2.
func inclusion(leaf []byte, index, size uint64, root []byte, proof [][]byte) bool {
	if index >= size {
		return false
	}
	fn, sn, r := index, size-1, leaf
	for _, p := range proof {
		if sn == 0 {
			return false
		}
		if fn%2 == 1 || fn == sn {
			r = nodeHash(p, r)
			for fn%2 == 0 && fn != 0 {
				fn, sn = fn>>1, sn>>1
			}
		} else {
			r = nodeHash(r, p)
		}
		fn, sn = fn>>1, sn>>1
	}
	return sn == 0 && bytes.Equal(r, root)
}

func hashes(list []string) [][]byte {
	var out [][]byte
	for _, s := range list {
		b, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(b) != 32 {
			fail("proof hash %q", s)
		}
		out = append(out, b)
	}
	return out
}

// ---- HTTP ----

var (
	base, token string
	client      = &http.Client{Timeout: 30 * time.Second}
)

func get(path string, auth bool) []byte {
	req, _ := http.NewRequest("GET", base+path, nil)
	if auth {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		fail("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return body
}

// ---- the modes ----

type proven struct {
	Object     string `json:"object"`
	Submission string `json:"submission"`
	Entry      struct {
		Index uint64   `json:"index"`
		Entry string   `json:"entry"`
		Proof []string `json:"proof"`
	} `json:"entry"`
}

// check proves p to t: its entry's object_sha256, type and ref, and its inclusion.
func check(p proven, t tree, typ, ref string) map[string]interface{} {
	var e map[string]interface{}
	if err := json.Unmarshal([]byte(p.Entry.Entry), &e); err != nil {
		fail("entry %d: %v", p.Entry.Index, err)
	}
	sum := sha256.Sum256([]byte(p.Object))
	if e["type"] != typ || e["ref"] != ref || e["object_sha256"] != hex.EncodeToString(sum[:]) {
		fail("entry %d is not %s %s of its object: %s", p.Entry.Index, typ, ref, p.Entry.Entry)
	}
	if !inclusion(leafHash([]byte(p.Entry.Entry)), p.Entry.Index, t.size, t.root, hashes(p.Entry.Proof)) {
		fail("entry %d: the inclusion proof does not lead to the cosigned root", p.Entry.Index)
	}
	return e
}

// record checks the record of SAA: every notice, and SAA's signed acknowledgement.
func record(logKey vkey, ws []vkey, quorum int) (int, int) {
	var b struct {
		Party      string `json:"party"`
		Checkpoint string `json:"checkpoint"`
		Notices    []struct {
			proven
			Notice       int64 `json:"notice"`
			Acknowledged *struct {
				proven
				Key *proven `json:"key"`
			} `json:"acknowledged"`
		} `json:"notices"`
	}
	q := "/v1/parties/SAA/record?from=2000-01-01T00:00:00Z&to=" + time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if err := json.Unmarshal(get(q, true), &b); err != nil || b.Party != "SAA" {
		fail("record: %v", err)
	}
	t := parseCheckpoint(openNote(b.Checkpoint, logKey), logKey.name)
	if n := len(cosigners(b.Checkpoint, ws)); n < quorum {
		fail("record: %d cosignatures, %d required", n, quorum)
	}
	signed := 0
	for _, n := range b.Notices {
		ref := fmt.Sprintf("notice/%d", n.Notice)
		check(n.proven, t, "notice.create", ref)
		var told map[string]interface{}
		json.Unmarshal([]byte(n.Object), &told)
		if told["party"] != "SAA" {
			fail("notice %d was told to %v, not SAA", n.Notice, told["party"])
		}
		if a := n.Acknowledged; a != nil {
			e := check(a.proven, t, "notice.ack", ref)
			if sig, ok := e["signature"].(string); ok && a.Key != nil {
				check(*a.Key, t, "party.key", "party/SAA")
				var k struct {
					PublicKey string `json:"public_key"`
				}
				json.Unmarshal([]byte(a.Key.Object), &k)
				pub, _ := base64.StdEncoding.DecodeString(k.PublicKey)
				body, _ := base64.StdEncoding.DecodeString(a.Submission)
				s, _ := base64.StdEncoding.DecodeString(sig)
				var named struct {
					Notice int64 `json:"notice"`
				}
				json.Unmarshal(body, &named)
				if len(pub) != 32 || !ed25519.Verify(pub, body, s) || named.Notice != n.Notice {
					fail("notice %d: SAA's signed acknowledgement does not verify", n.Notice)
				}
				signed++
			}
		}
	}
	return len(b.Notices), signed
}

func verify(args []string) {
	if len(args) < 4 {
		os.Exit(2)
	}
	base, token = strings.TrimRight(args[0], "/"), args[1]
	quorum, _ := strconv.Atoi(args[2])
	logKey, err := parseVkey(string(get("/v1/log/key", false)), 0x01)
	if err != nil {
		fail("log key: %v", err)
	}
	var ws []vkey
	for _, s := range args[3:] {
		w, err := parseVkey(s, 0x04)
		if err != nil {
			fail("witness key %s: %v", s, err)
		}
		ws = append(ws, w)
	}
	note := string(get("/v1/log/checkpoint", false))
	t := parseCheckpoint(openNote(note, logKey), logKey.name)
	if got := cosigners(note, ws); len(got) < quorum {
		fail("the checkpoint of size %d has %d cosignatures (%v), %d required", t.size, len(got), got, quorum)
	}
	for i := uint64(0); i < t.size; i++ {
		var r struct {
			Index      uint64   `json:"index"`
			Entry      string   `json:"entry"`
			TreeSize   uint64   `json:"tree_size"`
			Proof      []string `json:"proof"`
			Checkpoint string   `json:"checkpoint"`
		}
		json.Unmarshal(get(fmt.Sprintf("/v1/log/receipts/%d", i), true), &r)
		rt := parseCheckpoint(openNote(r.Checkpoint, logKey), logKey.name)
		if len(cosigners(r.Checkpoint, ws)) < quorum || rt.size != r.TreeSize || r.Index != i ||
			!inclusion(leafHash([]byte(r.Entry)), i, rt.size, rt.root, hashes(r.Proof)) {
			fail("receipt %d does not prove its entry to a cosigned checkpoint", i)
		}
	}
	notices, signed := record(logKey, ws, quorum)
	if notices == 0 || signed == 0 {
		fail("the record of SAA has %d notices, %d signed acknowledgements", notices, signed)
	}
	// Not vacuous: one flipped bit in a cosignature is refused.
	text, sigs, _ := splitNote(note)
	bad := text + "\n"
	for k, s := range sigs {
		raw := append([]byte(nil), s.raw...)
		if k == len(sigs)-1 {
			raw[40] ^= 1
		}
		bad += "\u2014 " + s.name + " " + base64.StdEncoding.EncodeToString(raw) + "\n"
	}
	if accepts(bad, ws) {
		fail("a tampered cosignature was accepted")
	}
	fmt.Printf("witness go: OK: checkpoint of size %d cosigned by a quorum of %d, %d receipts, the record of SAA "+
		"(%d notices, %d signed acknowledgements); a tampered cosignature is refused\n", t.size, quorum, t.size,
		notices, signed)
}

// accepts reports whether every cosignature on msg by the witnesses verifies (cosigners,
// which exits on a bad one, is not used here).
func accepts(msg string, ws []vkey) bool {
	text, sigs, _ := splitNote(msg)
	for _, w := range ws {
		for _, s := range sigs {
			if s.name == w.name && binary.BigEndian.Uint32(s.raw) == w.id {
				t := binary.BigEndian.Uint64(s.raw[4:12])
				if !ed25519.Verify(w.pub, cosignedMessage(text, t), s.raw[12:]) {
					return false
				}
			}
		}
	}
	return true
}

func cosign(args []string) {
	if len(args) != 3 {
		os.Exit(2)
	}
	in, err := os.ReadFile(args[0])
	if err != nil {
		fail("%v", err)
	}
	var r map[string]interface{}
	if err := json.Unmarshal(in, &r); err != nil {
		fail("receipt: %v", err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	name := "go.witness.example/w"
	id := keyID(name, 0x04, pub)
	note := r["checkpoint"].(string)
	text, _, err := splitNote(note)
	if err != nil {
		fail("%v", err)
	}
	write := func(path string, t, signedT uint64) {
		raw := make([]byte, 12, 76)
		binary.BigEndian.PutUint32(raw, id)
		binary.BigEndian.PutUint64(raw[4:], t)
		raw = append(raw, ed25519.Sign(priv, cosignedMessage(text, signedT))...)
		r["checkpoint"] = note + "\u2014 " + name + " " + base64.StdEncoding.EncodeToString(raw) + "\n"
		out, _ := json.Marshal(r)
		if err := os.WriteFile(path, out, 0o644); err != nil {
			fail("%v", err)
		}
	}
	now := uint64(time.Now().Unix())
	write(args[1], now, now)
	write(args[2], now+1, now) // the timestamp is part of what is signed
	fmt.Printf("%s+%08x+%s\n", name, id, base64.StdEncoding.EncodeToString(append([]byte{0x04}, pub...)))
}

func vectors() {
	// signed-note: "The following verifier key verifies the following signed note".
	k, err := parseVkey("example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k", 0x01)
	if err != nil {
		fail("signed-note vkey: %v", err)
	}
	openNote("This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n", k)
	// tlog-cosignature: the example line's timestamp is the example message's.
	_, sigs, err := splitNote("example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n" +
		"\u2014 witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n")
	if err != nil || len(sigs) != 1 || len(sigs[0].raw) != 76 || binary.BigEndian.Uint64(sigs[0].raw[4:12]) != 1679315147 {
		fail("tlog-cosignature example: %v", err)
	}
	msg := string(cosignedMessage("example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n", 1679315147))
	if msg != "cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n" {
		fail("cosignature message %q", msg)
	}
	// transparency-dev/formats: a native Ed25519 cosignature/v1 key (its key ID uses 0x04).
	if _, err := parseVkey("remora.n621.de+da77ade7+BOvN63jn/bLvkieywe8R6UYAtVtNbZpXh34x7onlmtw2", 0x04); err != nil {
		fail("transparency-dev cosignature key: %v", err)
	}
	fmt.Println("witness go: OK: the C2SP signed-note and tlog-cosignature vectors")
}

func main() {
	if len(os.Args) < 2 {
		os.Exit(2)
	}
	switch os.Args[1] {
	case "vectors":
		vectors()
	case "verify":
		verify(os.Args[2:])
	case "cosign":
		cosign(os.Args[2:])
	default:
		os.Exit(2)
	}
}
