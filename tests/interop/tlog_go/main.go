// main.go — the Go side of the interoperability test of truce's transparency log,
// using golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog from Debian's
// golang-golang-x-mod-dev, built offline:
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go run main.go verify < c.json
//	GOPATH=/usr/share/gocode GO111MODULE=off go run main.go sign > go.json
//
// "verify" reads what `gen emit` printed and checks it with Go's implementation: the
// signed checkpoints (note.Open with the verifier key; the 3-line checkpoint body is
// parsed here, since tlog.ParseTree expects the "go.sum database tree" header), the
// inclusion proofs (tlog.CheckRecord) and consistency proofs (tlog.CheckTree), every tile
// and entry bundle (recomputed by Go from the entries, and authenticated with
// tlog.TileHashReader against the signed root), the tile path names, and the example key
// and note of the sumdb/note documentation. "sign" builds a tree and signs checkpoints
// with Go for `gen check` to verify with the C engine.
//
// Exits non-zero on the first failure.
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type checkpoint struct {
	Size int64  `json:"size"`
	Note string `json:"note"`
}

type inclusion struct {
	Index int64    `json:"index"`
	Size  int64    `json:"size"`
	Entry string   `json:"entry"`
	Leaf  string   `json:"leaf,omitempty"`
	Proof []string `json:"proof"`
}

type consistency struct {
	Old     int64    `json:"old"`
	New     int64    `json:"new"`
	OldRoot string   `json:"old_root,omitempty"`
	NewRoot string   `json:"new_root,omitempty"`
	Proof   []string `json:"proof"`
}

type document struct {
	Origin      string        `json:"origin"`
	Vkey        string        `json:"vkey"`
	Checkpoints []checkpoint  `json:"checkpoints"`
	Inclusion   []inclusion   `json:"inclusion"`
	Consistency []consistency `json:"consistency"`
	Tiles       *struct {
		Size  int64             `json:"size"`
		Files map[string]string `json:"files"`
	} `json:"tiles,omitempty"`
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go verify: FAILED: "+format+"\n", args...)
	os.Exit(1)
}

func unb64(s string) []byte {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		fail("bad base64 %q: %v", s, err)
	}
	return b
}

func hashOf(s string) tlog.Hash {
	h, err := tlog.ParseHash(s)
	if err != nil {
		fail("bad hash %q: %v", s, err)
	}
	return h
}

func proofOf(p []string) []tlog.Hash {
	out := make([]tlog.Hash, len(p))
	for i, s := range p {
		out[i] = hashOf(s)
	}
	return out
}

// parseCheckpoint reads a C2SP tlog-checkpoint body: origin, size, base64 root hash,
// then optional extension lines.
func parseCheckpoint(text, origin string) (tlog.Tree, error) {
	lines := strings.SplitAfter(text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return tlog.Tree{}, errors.New("fewer than 3 lines")
	}
	if lines[0] != origin+"\n" {
		return tlog.Tree{}, fmt.Errorf("origin %q", lines[0])
	}
	sz := strings.TrimSuffix(lines[1], "\n")
	n, err := strconv.ParseInt(sz, 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != sz {
		return tlog.Tree{}, fmt.Errorf("size %q", sz)
	}
	h, err := tlog.ParseHash(strings.TrimSuffix(lines[2], "\n"))
	if err != nil {
		return tlog.Tree{}, err
	}
	return tlog.Tree{N: n, Hash: h}, nil
}

// hashStore keeps a tree's stored hashes in Go's own layout (tlog.StoredHashIndex).
type hashStore []tlog.Hash

func (s *hashStore) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x < 0 || x >= int64(len(*s)) {
			return nil, fmt.Errorf("no stored hash %d", x)
		}
		out[i] = (*s)[x]
	}
	return out, nil
}

func (s *hashStore) add(n int64, entry []byte) {
	hs, err := tlog.StoredHashes(n, entry, s)
	if err != nil {
		fail("StoredHashes: %v", err)
	}
	*s = append(*s, hs...)
}

// c2spPath maps Go's tile path ("tile/8/L/N", "tile/8/data/N") to C2SP's
// ("tile/L/N", "tile/entries/N").
func c2spPath(t tlog.Tile) string {
	p := strings.TrimPrefix(t.Path(), "tile/8/")
	if strings.HasPrefix(p, "data/") {
		p = "entries/" + strings.TrimPrefix(p, "data/")
	}
	return "tile/" + p
}

type tileFiles map[string][]byte

func (f tileFiles) Height() int { return 8 }

func (f tileFiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		data, ok := f[c2spPath(t)]
		if !ok {
			return nil, fmt.Errorf("no tile %s", c2spPath(t))
		}
		out[i] = data
	}
	return out, nil
}

func (f tileFiles) SaveTiles([]tlog.Tile, [][]byte) {}

// The example of the sumdb/note documentation, and the C2SP signed-note example.
const (
	peterVkey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
	peterNote = "If you think cryptography is the answer to your problem,\n" +
		"then you don't know what your problem is.\n" +
		"\n" +
		"— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
	c2spNote = "Ognuno sta solo sul cuor della terra\ntrafitto da un raggio di sole:\n\ned è subito sera.\n\n" +
		"— quasimodo.example/salvatore NnugSzTjtVAewIS+Z/iJhUPeFDkO/5QQ2i5ddnGITLlC+EhfLW9oJKONrMouFSQU0xMcXxj99ihAQwaqP3ZekRwNtIc=\n"
)

func verifyVectors() {
	v, err := note.NewVerifier(peterVkey)
	if err != nil {
		fail("example key: %v", err)
	}
	if _, err := note.Open([]byte(peterNote), note.VerifierList(v)); err != nil {
		fail("example note: %v", err)
	}
	bad := []byte(peterNote)
	bad[0] = 'i'
	if _, err := note.Open(bad, note.VerifierList(v)); err == nil {
		fail("changed example note accepted")
	}
	var unverified *note.UnverifiedNoteError
	if _, err := note.Open([]byte(c2spNote), note.VerifierList(v)); !errors.As(err, &unverified) {
		fail("C2SP example note: want an unverified (well-formed, unknown key) note, got %v", err)
	}
	fmt.Println("go: the sumdb/note example key and note verify; the C2SP example note parses (its key is not published)")
}

func verify() {
	var d document
	if err := json.NewDecoder(os.Stdin).Decode(&d); err != nil {
		fail("reading the JSON from gen: %v", err)
	}
	verifyVectors()

	v, err := note.NewVerifier(d.Vkey)
	if err != nil {
		fail("verifier key %q: %v", d.Vkey, err)
	}
	trees := map[int64]tlog.Hash{}
	for _, c := range d.Checkpoints {
		n, err := note.Open([]byte(c.Note), note.VerifierList(v))
		if err != nil {
			fail("note.Open of the checkpoint at %d: %v", c.Size, err)
		}
		tree, err := parseCheckpoint(n.Text, d.Origin)
		if err != nil || tree.N != c.Size {
			fail("checkpoint at %d: %v", c.Size, err)
		}
		trees[tree.N] = tree.Hash
		bad := []byte(c.Note)
		bad[len(d.Origin)+1] ^= 1
		if _, err := note.Open(bad, note.VerifierList(v)); err == nil {
			fail("a changed checkpoint was accepted")
		}
	}
	fmt.Printf("go: %d checkpoints signed by %s open with note.Open\n", len(d.Checkpoints), d.Vkey)

	// Roots of other sizes come from the tiles (authenticated below) or from the JSON.
	var store hashStore
	if d.Tiles == nil {
		fail("no tiles")
	}
	files := tileFiles{}
	for path, data := range d.Tiles.Files {
		files[path] = unb64(data)
	}
	var entries [][]byte
	for n := int64(0); n*256 < d.Tiles.Size; n++ {
		w := d.Tiles.Size - n*256
		if w > 256 {
			w = 256
		}
		t := tlog.Tile{H: 8, L: -1, N: n, W: int(w)}
		bundle, ok := files[c2spPath(t)]
		if !ok {
			fail("no entry bundle %s", c2spPath(t))
		}
		for k := 0; k < t.W; k++ {
			if len(bundle) < 2 || len(bundle) < 2+int(binary.BigEndian.Uint16(bundle)) {
				fail("truncated entry bundle %s", c2spPath(t))
			}
			l := int(binary.BigEndian.Uint16(bundle))
			entries = append(entries, bundle[2:2+l])
			bundle = bundle[2+l:]
		}
		if len(bundle) != 0 {
			fail("entry bundle %s has extra bytes", c2spPath(t))
		}
	}
	for i, e := range entries {
		store.add(int64(i), e)
	}
	size := d.Tiles.Size
	root, err := tlog.TreeHash(size, &store)
	if err != nil || root != trees[size] {
		fail("Go's root of the entries in the bundles differs from the signed root at %d", size)
	}
	// Go's NewTiles lists every partial width since size 0; a C2SP log publishes the
	// partial tiles of its checkpoints' sizes, here only those of the final size.
	published := 0
	for _, t := range tlog.NewTiles(8, 0, size) {
		if t.W != 256 && int64(t.W) != (size>>(8*uint(t.L)))%256 {
			continue
		}
		want, err := tlog.ReadTileData(t, &store)
		if err != nil {
			fail("ReadTileData %v: %v", t, err)
		}
		if got, ok := files[c2spPath(t)]; !ok || !bytes.Equal(got, want) {
			fail("tile %s differs from Go's", c2spPath(t))
		}
		published++
		if t.L == 0 {
			published++ // and its entry bundle, checked above
		}
	}
	if published != len(files) {
		fail("gen published %d tiles and bundles, Go expects %d", len(files), published)
	}
	for path := range files {
		goPath := "tile/8/" + strings.TrimPrefix(path, "tile/")
		goPath = strings.Replace(goPath, "tile/8/entries/", "tile/8/data/", 1)
		t, err := tlog.ParseTilePath(goPath)
		if err != nil || c2spPath(t) != path {
			fail("tile path %s is not one Go names", path)
		}
	}
	thr := tlog.TileHashReader(tlog.Tree{N: size, Hash: trees[size]}, files)
	if h, err := tlog.TreeHash(size, thr); err != nil || h != trees[size] {
		fail("TileHashReader: %v", err)
	}
	fmt.Printf("go: %d entries in %d tiles and bundles: Go recomputes every tile and the signed root, and authenticates the tiles\n",
		len(entries), len(files))

	rootAt := func(n int64, given string) tlog.Hash {
		h, err := tlog.TreeHash(n, thr)
		if err != nil {
			fail("TreeHash(%d): %v", n, err)
		}
		if r, ok := trees[n]; ok && r != h {
			fail("signed root at %d differs", n)
		}
		if given != "" && hashOf(given) != h {
			fail("the root gen gave for %d differs from Go's", n)
		}
		return h
	}
	for _, p := range d.Inclusion {
		entry := unb64(p.Entry)
		leaf := tlog.RecordHash(entry)
		if p.Leaf != "" && hashOf(p.Leaf) != leaf {
			fail("leaf hash of entry %d differs", p.Index)
		}
		proof := tlog.RecordProof(proofOf(p.Proof))
		th := rootAt(p.Size, "")
		if err := tlog.CheckRecord(proof, p.Size, th, p.Index, leaf); err != nil {
			fail("CheckRecord(%d in %d): %v", p.Index, p.Size, err)
		}
		mine, err := tlog.ProveRecord(p.Size, p.Index, thr)
		if err != nil || len(mine) != len(proof) {
			fail("ProveRecord(%d in %d) differs", p.Index, p.Size)
		}
		for k := range mine {
			if mine[k] != proof[k] {
				fail("ProveRecord(%d in %d) differs at %d", p.Index, p.Size, k)
			}
		}
		if len(proof) > 0 {
			proof[0][0] ^= 1
			if tlog.CheckRecord(proof, p.Size, th, p.Index, leaf) == nil {
				fail("a changed inclusion proof was accepted")
			}
		}
	}
	fmt.Printf("go: %d inclusion proofs pass tlog.CheckRecord and equal tlog.ProveRecord\n", len(d.Inclusion))
	for _, p := range d.Consistency {
		proof := tlog.TreeProof(proofOf(p.Proof))
		oh, nh := rootAt(p.Old, p.OldRoot), rootAt(p.New, p.NewRoot)
		if err := tlog.CheckTree(proof, p.New, nh, p.Old, oh); err != nil {
			fail("CheckTree(%d -> %d): %v", p.Old, p.New, err)
		}
		mine, err := tlog.ProveTree(p.New, p.Old, thr)
		if err != nil || len(mine) != len(proof) {
			fail("ProveTree(%d -> %d) differs", p.Old, p.New)
		}
		for k := range mine {
			if mine[k] != proof[k] {
				fail("ProveTree(%d -> %d) differs at %d", p.Old, p.New, k)
			}
		}
		if len(proof) > 0 {
			proof[len(proof)-1][31] ^= 1
			if tlog.CheckTree(proof, p.New, nh, p.Old, oh) == nil {
				fail("a changed consistency proof was accepted")
			}
		}
	}
	fmt.Printf("go: %d consistency proofs pass tlog.CheckTree and equal tlog.ProveTree\n", len(d.Consistency))
}

func sign() {
	const origin = "go.example/interop"
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		fail("GenerateKey: %v", err)
	}
	signer, err := note.NewSigner(skey)
	if err != nil {
		fail("NewSigner: %v", err)
	}
	var store hashStore
	entries := make([][]byte, 1000)
	for i := range entries {
		b := make([]byte, 1+i%97)
		rand.Read(b)
		entries[i] = b
		store.add(int64(i), b)
	}
	d := document{Origin: origin, Vkey: vkey}
	for _, n := range []int64{300, 1000} {
		h, err := tlog.TreeHash(n, &store)
		if err != nil {
			fail("TreeHash: %v", err)
		}
		text := fmt.Sprintf("%s\n%d\n%s\n", origin, n, base64.StdEncoding.EncodeToString(h[:]))
		msg, err := note.Sign(&note.Note{Text: text}, signer)
		if err != nil {
			fail("Sign: %v", err)
		}
		d.Checkpoints = append(d.Checkpoints, checkpoint{Size: n, Note: string(msg)})
	}
	for _, n := range []int64{300, 1000} {
		for _, i := range []int64{0, 1, 100, 255, 256, 299, 511, 999} {
			if i >= n {
				continue
			}
			p, err := tlog.ProveRecord(n, i, &store)
			if err != nil {
				fail("ProveRecord: %v", err)
			}
			inc := inclusion{Index: i, Size: n, Entry: base64.StdEncoding.EncodeToString(entries[i])}
			for _, h := range p {
				inc.Proof = append(inc.Proof, base64.StdEncoding.EncodeToString(h[:]))
			}
			d.Inclusion = append(d.Inclusion, inc)
		}
	}
	for _, pair := range [][2]int64{{300, 1000}, {300, 300}, {1000, 1000}} {
		p, err := tlog.ProveTree(pair[1], pair[0], &store)
		if err != nil {
			fail("ProveTree: %v", err)
		}
		c := consistency{Old: pair[0], New: pair[1], Proof: []string{}}
		for _, h := range p {
			c.Proof = append(c.Proof, base64.StdEncoding.EncodeToString(h[:]))
		}
		d.Consistency = append(d.Consistency, c)
	}
	if err := json.NewEncoder(os.Stdout).Encode(d); err != nil {
		fail("writing JSON: %v", err)
	}
}

func main() {
	if len(os.Args) == 2 && os.Args[1] == "verify" {
		verify()
		return
	}
	if len(os.Args) == 2 && os.Args[1] == "sign" {
		sign()
		return
	}
	fmt.Fprintln(os.Stderr, "usage: main verify < c.json | main sign > go.json")
	os.Exit(2)
}
