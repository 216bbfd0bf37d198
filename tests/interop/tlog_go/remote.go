//go:build ignore

// remote.go — verifies the transparency log of a LIVE `truce serve` with Go's reference
// implementation (golang.org/x/mod/sumdb/note and sumdb/tlog, Debian's
// golang-golang-x-mod-dev), built offline by remote.sh:
//
//	GOPATH=/usr/share/gocode GO111MODULE=off go build -o remote remote.go
//	remote http://127.0.0.1:PORT ADMIN_TOKEN
//
// Over HTTP only, as an independent auditor or witness would:
//
//  1. /v1/log/key and /v1/log/checkpoint: the checkpoint opens with note.Open under the
//     served verifier key (the 3-line C2SP body is parsed here: tlog.ParseTree expects
//     the "go.sum database tree" header of Go's own checkpoints);
//  2. every tile and entry bundle of that size (C2SP names mapped to Go's): Go recomputes
//     every tile and the signed root from the entries, and tlog.TileHashReader
//     authenticates the served tiles against the signed root;
//  3. /v1/log/receipts/{i} for every entry: the receipt's checkpoint opens, its inclusion
//     proof passes tlog.CheckRecord and equals tlog.ProveRecord, its entry is the bundle's;
//  4. more writes (4 clients, POST /v1/actors and /v1/areas): the receipts' indexes are
//     distinct and dense and their leaf hashes are tlog.RecordHash of the logged entries;
//  5. a later checkpoint: /v1/log/consistency from the first passes tlog.CheckTree and
//     equals tlog.ProveTree; so do proofs from sizes in between; the tiles published at
//     the first size are served unchanged; every tile at the new size authenticates;
//  6. a flipped bit in a proof or a checkpoint makes Go reject it.
//
// Exits 0 when everything verified, 1 on the first failure, 2 on bad usage.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

var (
	base   string
	token  string
	client = &http.Client{Timeout: 60 * time.Second}
)

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "go remote: FAILED: "+format+"\n", args...)
	os.Exit(1)
}

// get fetches base+path (with the bearer token if auth) and insists on 200.
func get(path string, auth bool) ([]byte, http.Header) {
	req, err := http.NewRequest("GET", base+path, nil)
	if err != nil {
		fail("%s: %v", path, err)
	}
	if auth {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		fail("GET %s: %v", path, err)
	}
	if resp.StatusCode != 200 {
		fail("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return body, resp.Header
}

func post(path string, body interface{}) (int, map[string]interface{}) {
	data, _ := json.Marshal(body)
	req, err := http.NewRequest("POST", base+path, bytes.NewReader(data))
	if err != nil {
		fail("%s: %v", path, err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		fail("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	var out map[string]interface{}
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		fail("POST %s: %d, not JSON: %s", path, resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

// ---- checkpoints ----

type signedTree struct {
	tlog.Tree
	note string
}

func parseCheckpoint(text, origin string) (tlog.Tree, error) {
	lines := strings.SplitAfter(text, "\n")
	if len(lines) < 4 || lines[len(lines)-1] != "" {
		return tlog.Tree{}, errors.New("fewer than 3 lines")
	}
	if lines[0] != origin+"\n" {
		return tlog.Tree{}, fmt.Errorf("origin %q, want %q", lines[0], origin)
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

func openCheckpoint(msg string, v note.Verifier) signedTree {
	n, err := note.Open([]byte(msg), note.VerifierList(v))
	if err != nil {
		fail("note.Open of the checkpoint: %v\n%s", err, msg)
	}
	t, err := parseCheckpoint(n.Text, v.Name())
	if err != nil {
		fail("checkpoint: %v", err)
	}
	return signedTree{t, msg}
}

func latest(v note.Verifier) signedTree {
	body, h := get("/v1/log/checkpoint", false)
	if !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		fail("/v1/log/checkpoint is %q, want text/plain", h.Get("Content-Type"))
	}
	return openCheckpoint(string(body), v)
}

// ---- tiles ----

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

// published lists the tiles a C2SP log serves at size n: full tiles and the partial
// tile of each level at exactly n's width (Go's NewTiles also lists every intermediate
// width), each level-0 tile with its entry bundle.
func published(n int64) []tlog.Tile {
	var out []tlog.Tile
	for _, t := range tlog.NewTiles(8, 0, n) {
		if t.W != 256 && int64(t.W) != (n>>(8*uint(t.L)))%256 {
			continue
		}
		out = append(out, t)
		if t.L == 0 {
			d := t
			d.L = -1
			out = append(out, d)
		}
	}
	return out
}

// audit fetches every tile and entry bundle of tree t, recomputes them and the root
// with Go from the entries, authenticates the served tiles with TileHashReader, and
// returns the tiles, the entries and a hash reader over the tiles.
func audit(t signedTree) (tileFiles, [][]byte, tlog.HashReader) {
	files := tileFiles{}
	var entries [][]byte
	for _, tile := range published(t.N) {
		data, h := get("/v1/log/"+c2spPath(tile), true)
		if ct := h.Get("Content-Type"); ct != "application/octet-stream" {
			fail("%s is served as %q", c2spPath(tile), ct)
		}
		files[c2spPath(tile)] = data
		if tile.L == -1 {
			n := 0
			for len(data) > 0 {
				if len(data) < 2 {
					fail("truncated entry bundle %s", c2spPath(tile))
				}
				l := int(data[0])<<8 | int(data[1])
				if len(data) < 2+l {
					fail("truncated entry bundle %s", c2spPath(tile))
				}
				entries = append(entries, data[2:2+l])
				data = data[2+l:]
				n++
			}
			if n != tile.W {
				fail("entry bundle %s holds %d entries, want %d", c2spPath(tile), n, tile.W)
			}
		} else if len(data) != 32*tile.W {
			fail("tile %s has %d bytes, want %d", c2spPath(tile), len(data), 32*tile.W)
		}
	}
	if int64(len(entries)) != t.N {
		fail("the bundles hold %d entries, the checkpoint %d", len(entries), t.N)
	}
	var store hashStore
	for i, e := range entries {
		hs, err := tlog.StoredHashes(int64(i), e, &store)
		if err != nil {
			fail("StoredHashes: %v", err)
		}
		store = append(store, hs...)
	}
	if root, err := tlog.TreeHash(t.N, &store); err != nil || root != t.Hash {
		fail("Go's root of the %d entries in the bundles differs from the signed root (%v)", t.N, err)
	}
	for _, tile := range published(t.N) {
		if tile.L < 0 {
			continue
		}
		want, err := tlog.ReadTileData(tile, &store)
		if err != nil {
			fail("ReadTileData %v: %v", tile, err)
		}
		if !bytes.Equal(files[c2spPath(tile)], want) {
			fail("tile %s differs from Go's", c2spPath(tile))
		}
	}
	thr := tlog.TileHashReader(t.Tree, files)
	if h, err := tlog.TreeHash(t.N, thr); err != nil || h != t.Hash {
		fail("TileHashReader does not authenticate the tiles at %d: %v", t.N, err)
	}
	// A changed tile is caught. (Not always by TileHashReader itself: in x/mod v0.7.0 it
	// leaves a level-0 tile unauthenticated when the tree-hash tiles of its ReadHashes call
	// number fewer than the tree-hash nodes, e.g. ProveRecord(300, 1); the proof built
	// from it then fails CheckRecord, which is what a verifier relies on.)
	if t.N > 1 {
		bad := tileFiles{}
		for k, v := range files {
			bad[k] = append([]byte(nil), v...)
		}
		bad[c2spPath(tlog.Tile{H: 8, L: 0, N: 0, W: int(min64(t.N, 256))})][0] ^= 1
		p, err := tlog.ProveRecord(t.N, 1, tlog.TileHashReader(t.Tree, bad))
		if err == nil && tlog.CheckRecord(p, t.N, t.Hash, 1, tlog.RecordHash(entries[1])) == nil {
			fail("a changed tile gave a valid inclusion proof at %d", t.N)
		}
	}
	return files, entries, thr
}

func min64(a, b int64) int64 {
	if a < b {
		return a
	}
	return b
}

// ---- receipts and proofs ----

type receipt struct {
	Index      int64    `json:"index"`
	Entry      string   `json:"entry"`
	LeafHash   string   `json:"leaf_hash"`
	TreeSize   int64    `json:"tree_size"`
	Proof      []string `json:"proof"`
	Checkpoint string   `json:"checkpoint"`
}

func hashes(p []string) []tlog.Hash {
	out := make([]tlog.Hash, len(p))
	for i, s := range p {
		h, err := tlog.ParseHash(s)
		if err != nil {
			fail("bad hash %q: %v", s, err)
		}
		out[i] = h
	}
	return out
}

func equalHashes(a, b []tlog.Hash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// checkReceipt verifies /v1/log/receipts/i: its checkpoint, its inclusion proof with
// CheckRecord, and (when the proof is for size t.N) that it equals Go's ProveRecord.
func checkReceipt(v note.Verifier, i int64, entries [][]byte, t signedTree, thr tlog.HashReader) receipt {
	body, _ := get("/v1/log/receipts/"+strconv.FormatInt(i, 10), true)
	var r receipt
	if err := json.Unmarshal(body, &r); err != nil {
		fail("receipt %d: %v", i, err)
	}
	cp := openCheckpoint(r.Checkpoint, v)
	if r.Index != i || cp.N != r.TreeSize || i >= cp.N {
		fail("receipt %d: index %d, tree_size %d, checkpoint size %d", i, r.Index, r.TreeSize, cp.N)
	}
	leaf := tlog.RecordHash([]byte(r.Entry))
	if lh, err := tlog.ParseHash(r.LeafHash); err != nil || lh != leaf {
		fail("receipt %d: leaf_hash is not the RecordHash of its entry", i)
	}
	if i < int64(len(entries)) && !bytes.Equal(entries[i], []byte(r.Entry)) {
		fail("receipt %d: its entry differs from the entry bundle's", i)
	}
	proof := tlog.RecordProof(hashes(r.Proof))
	if err := tlog.CheckRecord(proof, cp.N, cp.Hash, i, leaf); err != nil {
		fail("CheckRecord(%d in %d): %v", i, cp.N, err)
	}
	if cp.N == t.N {
		if cp.Hash != t.Hash {
			fail("two roots signed for size %d", cp.N)
		}
		mine, err := tlog.ProveRecord(t.N, i, thr)
		if err != nil || !equalHashes(mine, proof) {
			fail("ProveRecord(%d in %d) differs from the server's proof (%v)", i, t.N, err)
		}
	}
	if len(proof) > 0 {
		proof[len(proof)/2][7] ^= 0x10
		if tlog.CheckRecord(proof, cp.N, cp.Hash, i, leaf) == nil {
			fail("a changed inclusion proof was accepted")
		}
	}
	return r
}

func checkConsistency(old, new tlog.Tree, thr tlog.HashReader) {
	body, _ := get(fmt.Sprintf("/v1/log/consistency?from=%d&to=%d", old.N, new.N), true)
	var c struct {
		From, To int64
		Proof    []string
	}
	if err := json.Unmarshal(body, &c); err != nil || c.From != old.N || c.To != new.N {
		fail("consistency %d -> %d: %v %s", old.N, new.N, err, body)
	}
	proof := tlog.TreeProof(hashes(c.Proof))
	if old.N == 0 {
		// Go's CheckTree and ProveTree take sizes >= 1; truce (docs/tlog.md) answers an
		// empty proof from the empty tree, a prefix of every tree.
		if len(proof) != 0 {
			fail("consistency 0 -> %d: %d hashes, want none", new.N, len(proof))
		}
		return
	}
	if err := tlog.CheckTree(proof, new.N, new.Hash, old.N, old.Hash); err != nil {
		fail("CheckTree(%d -> %d): %v", old.N, new.N, err)
	}
	mine, err := tlog.ProveTree(new.N, old.N, thr)
	if err != nil || !equalHashes(mine, proof) {
		fail("ProveTree(%d -> %d) differs from the server's proof (%v)", old.N, new.N, err)
	}
	if len(proof) > 0 {
		proof[0][31] ^= 1
		if tlog.CheckTree(proof, new.N, new.Hash, old.N, old.Hash) == nil {
			fail("a changed consistency proof was accepted")
		}
	}
}

// ---- writes ----

type written struct {
	index int64
	leaf  string
	ref   string
}

func write(k, i int) written {
	var path string
	var body interface{}
	var ref func(map[string]interface{}) string
	name := fmt.Sprintf("GoWriter%d-%d", k, i)
	if i%3 == 0 {
		path, body = "/v1/actors", map[string]interface{}{"name": name}
		ref = func(map[string]interface{}) string { return "actor/" + name }
	} else {
		lon, lat := -170+float64(i%300), -60+float64(k)*0.5
		ring := [][]float64{{lon, lat}, {lon + 0.25, lat}, {lon + 0.25, lat + 0.25}, {lon, lat + 0.25}, {lon, lat}}
		path = "/v1/areas"
		body = map[string]interface{}{"type": "Feature",
			"geometry":   map[string]interface{}{"type": "Polygon", "coordinates": [][][]float64{ring}},
			"properties": map[string]interface{}{"kind": "no_strike", "name": name, "valid_from": "2016-01-01T00:00:00Z"}}
		ref = func(a map[string]interface{}) string { return fmt.Sprintf("area/%.0f@1", a["id"].(float64)) }
	}
	status, a := post(path, body)
	if status != 201 {
		fail("POST %s: %d %v", path, status, a)
	}
	rc, ok := a["receipt"].(map[string]interface{})
	if !ok {
		fail("POST %s answered no receipt: %v", path, a)
	}
	idx, ok1 := rc["index"].(float64)
	leaf, ok2 := rc["leaf_hash"].(string)
	if !ok1 || !ok2 {
		fail("POST %s: bad receipt %v", path, rc)
	}
	return written{int64(idx), leaf, ref(a)}
}

func main() {
	if len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: remote BASE_URL ADMIN_TOKEN WRITES")
		os.Exit(2)
	}
	base, token = strings.TrimSuffix(os.Args[1], "/"), os.Args[2]
	nwrites, err := strconv.Atoi(os.Args[3])
	if err != nil || nwrites < 1 {
		fmt.Fprintln(os.Stderr, "remote: WRITES must be a positive number")
		os.Exit(2)
	}

	// 1. The key and the latest checkpoint.
	kb, h := get("/v1/log/key", false)
	if !strings.HasPrefix(h.Get("Content-Type"), "text/plain") {
		fail("/v1/log/key is %q, want text/plain", h.Get("Content-Type"))
	}
	vkey := strings.TrimSpace(string(kb))
	v, err := note.NewVerifier(vkey)
	if err != nil {
		fail("note.NewVerifier(%q): %v", vkey, err)
	}
	t1 := latest(v)
	bad := []byte(t1.note)
	bad[len(v.Name())+1] ^= 1
	if _, err := note.Open(bad, note.VerifierList(v)); err == nil {
		fail("a changed checkpoint was accepted")
	}
	fmt.Printf("go remote: checkpoint of size %d opens with note.Open under %s\n", t1.N, vkey)

	// 2. Tiles and bundles at t1; 3. a receipt for every entry.
	files1, entries1, thr1 := audit(t1)
	fmt.Printf("go remote: %d tiles and bundles at %d: Go recomputes each and the signed root; TileHashReader authenticates them\n",
		len(files1), t1.N)
	for i := int64(0); i < t1.N; i++ {
		checkReceipt(v, i, entries1, t1, thr1)
	}
	fmt.Printf("go remote: %d receipts pass tlog.CheckRecord and equal tlog.ProveRecord\n", t1.N)

	// 4. More writes from 4 clients.
	const clients = 4
	var mu sync.Mutex
	var wg sync.WaitGroup
	var done []written
	for k := 0; k < clients; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			for i := k; i < nwrites; i += clients {
				w := write(k, i)
				mu.Lock()
				done = append(done, w)
				mu.Unlock()
			}
		}(k)
	}
	wg.Wait()
	seen := map[int64]bool{}
	lo, hi := done[0].index, done[0].index
	for _, w := range done {
		if seen[w.index] {
			fail("two writes answered receipt index %d", w.index)
		}
		seen[w.index] = true
		if w.index < lo {
			lo = w.index
		}
		if w.index > hi {
			hi = w.index
		}
	}
	if lo < t1.N || hi-lo+1 != int64(len(done)) {
		fail("receipt indexes %d..%d for %d writes after size %d: not dense", lo, hi, len(done), t1.N)
	}

	// 5. A later checkpoint covering them all.
	var t2 signedTree
	deadline := time.Now().Add(30 * time.Second)
	for {
		t2 = latest(v)
		if t2.N > hi {
			break
		}
		if time.Now().After(deadline) {
			fail("no checkpoint covered entry %d within 30 s (latest %d)", hi, t2.N)
		}
		time.Sleep(20 * time.Millisecond)
	}
	files2, entries2, thr2 := audit(t2)
	for path, data := range files1 {
		again, _ := get("/v1/log/"+path, true)
		if !bytes.Equal(again, data) {
			fail("%s changed after the log grew", path)
		}
	}
	for i := range entries1 {
		if !bytes.Equal(entries1[i], entries2[i]) {
			fail("entry %d changed after the log grew", i)
		}
	}
	for _, w := range done {
		r := checkReceipt(v, w.index, entries2, t2, thr2)
		if r.LeafHash != w.leaf {
			fail("entry %d: the write's receipt gave leaf hash %s, the log has %s", w.index, w.leaf, r.LeafHash)
		}
		var e struct {
			Ref string `json:"ref"`
		}
		if err := json.Unmarshal([]byte(r.Entry), &e); err != nil || e.Ref != w.ref {
			fail("entry %d names %q, the write was %q", w.index, e.Ref, w.ref)
		}
	}
	fmt.Printf("go remote: %d writes from %d clients: dense receipts %d..%d, each in the log (tlog.CheckRecord) naming its object\n",
		len(done), clients, lo, hi)
	checkConsistency(t1.Tree, t2.Tree, thr2)
	n := 1
	for _, m := range []int64{0, 1, t1.N / 2, t1.N, 256, 257, 511, 512, (t1.N + t2.N) / 2, t2.N - 1, t2.N} {
		if m < 0 || m > t2.N {
			continue
		}
		rm, err := tlog.TreeHash(m, thr2)
		if err != nil {
			fail("TreeHash(%d): %v", m, err)
		}
		checkConsistency(tlog.Tree{N: m, Hash: rm}, t2.Tree, thr2)
		n++
	}
	fmt.Printf("go remote: %d tiles and bundles at %d authenticate; the tiles published at %d are unchanged; %d consistency proofs up to %d pass tlog.CheckTree and equal tlog.ProveTree (the one from 0 is empty)\n",
		len(files2), t2.N, t1.N, n, t2.N)
	fmt.Println("go remote: OK")
}
