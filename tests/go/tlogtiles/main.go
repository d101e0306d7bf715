// Command tlogtiles is an outside tlog-tiles client for the test suite, built only on the Go
// team's golang.org/x/mod/sumdb packages (Debian's golang-golang-x-mod-dev) and the C2SP
// tlog-tiles spec: it verifies the checkpoint, reads the hash tiles (tlog.TileHashReader
// authenticates every tile against the signed root), reads every entry bundle, and
// recomputes the root from the entries. It prints what it found as JSON, or fails.
//
// Usage: tlogtiles BASE_URL CERT_PEM VERIFIER_KEY
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type fetcher struct {
	base   string
	client *http.Client
	tiles  int
}

func (f *fetcher) get(path string) ([]byte, error) {
	resp, err := f.client.Get(f.base + path)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET %s: HTTP %d: %s", path, resp.StatusCode, body)
	}
	return body, nil
}

// tileReader maps sumdb's tile paths (tile/8/L/N[.p/W]) onto C2SP's (tile/L/N[.p/W]).
type tileReader struct{ f *fetcher }

func (r tileReader) Height() int { return 8 }

func (r tileReader) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, t := range tiles {
		path := "/" + strings.Replace(t.Path(), "tile/8/", "tile/", 1)
		data, err := r.f.get(path)
		if err != nil {
			return nil, err
		}
		r.f.tiles++
		out[i] = data
	}
	return out, nil
}

func (r tileReader) SaveTiles([]tlog.Tile, [][]byte) {}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "tlogtiles: "+format+"\n", args...)
	os.Exit(1)
}

func main() {
	if len(os.Args) != 4 {
		fail("usage: tlogtiles BASE_URL CERT_PEM VERIFIER_KEY")
	}
	pem, err := os.ReadFile(os.Args[2])
	if err != nil {
		fail("%v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		fail("no certificate in %s", os.Args[2])
	}
	f := &fetcher{base: strings.TrimRight(os.Args[1], "/"), client: &http.Client{
		Timeout:   60 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}}
	verifier, err := note.NewVerifier(os.Args[3])
	if err != nil {
		fail("verifier key: %v", err)
	}

	raw, err := f.get("/checkpoint")
	if err != nil {
		fail("%v", err)
	}
	n, err := note.Open(raw, note.VerifierList(verifier))
	if err != nil {
		fail("checkpoint: %v", err)
	}
	lines := strings.Split(n.Text, "\n")
	if len(lines) < 4 {
		fail("checkpoint body has %d lines", len(lines))
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	if err != nil || size < 0 {
		fail("checkpoint size %q", lines[1])
	}
	rootBytes, err := base64.StdEncoding.DecodeString(lines[2])
	if err != nil || len(rootBytes) != tlog.HashSize {
		fail("checkpoint root %q", lines[2])
	}
	var tree tlog.Tree
	tree.N = size
	copy(tree.Hash[:], rootBytes)

	// The root from the hash tiles, each tile checked against the signed tree.
	tiles := tlog.TileHashReader(tree, tileReader{f})
	fromTiles, err := tlog.TreeHash(size, tiles)
	if err != nil {
		fail("hash tiles: %v", err)
	}
	if fromTiles != tree.Hash {
		fail("the hash tiles give root %v, the checkpoint %v", fromTiles, tree.Hash)
	}

	// The root from the entries alone, and each entry's hash against the level-0 tiles.
	stored := map[int64]tlog.Hash{}
	mem := tlog.HashReaderFunc(func(idx []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(idx))
		for i, x := range idx {
			h, ok := stored[x]
			if !ok {
				return nil, fmt.Errorf("stored hash %d not computed", x)
			}
			out[i] = h
		}
		return out, nil
	})
	bundles := 0
	for start := int64(0); start < size; start += 256 {
		width := size - start
		if width > 256 {
			width = 256
		}
		path := fmt.Sprintf("/tile/entries/%s", strings.TrimPrefix(tlog.Tile{H: 8, L: 0, N: start / 256, W: int(width)}.Path(), "tile/8/0/"))
		data, err := f.get(path)
		if err != nil {
			fail("%v", err)
		}
		bundles++
		for i := int64(0); i < width; i++ {
			if len(data) < 2 {
				fail("%s ends before entry %d", path, start+i)
			}
			l := int(binary.BigEndian.Uint16(data))
			if len(data) < 2+l {
				fail("%s ends inside entry %d", path, start+i)
			}
			entry := data[2 : 2+l]
			data = data[2+l:]
			hashes, err := tlog.StoredHashes(start+i, entry, mem)
			if err != nil {
				fail("%v", err)
			}
			for k, h := range hashes {
				stored[tlog.StoredHashIndex(0, start+i)+int64(k)] = h
			}
			leaf, err := tiles.ReadHashes([]int64{tlog.StoredHashIndex(0, start+i)})
			if err != nil {
				fail("level-0 tile for entry %d: %v", start+i, err)
			}
			if !bytes.Equal(leaf[0][:], hashes[0][:]) {
				fail("entry %d does not hash to its level-0 tile hash", start+i)
			}
		}
		if len(data) != 0 {
			fail("%s holds more than %d entries", path, width)
		}
	}
	fromEntries, err := tlog.TreeHash(size, mem)
	if err != nil {
		fail("%v", err)
	}
	if fromEntries != tree.Hash {
		fail("the entries give root %v, the checkpoint %v", fromEntries, tree.Hash)
	}
	out, _ := json.Marshal(map[string]interface{}{
		"origin":  lines[0],
		"size":    size,
		"root":    base64.StdEncoding.EncodeToString(rootBytes),
		"tiles":   f.tiles,
		"bundles": bundles,
	})
	fmt.Println(string(out))
}
