package main

import (
	"encoding/json"
	"strconv"
)

// stream is the contract's xorshift32 generator.
type stream struct{ x uint32 }

func newStream(seed uint32) *stream {
	x := seed ^ 0x9E3779B9
	if x == 0 {
		x = 1
	}
	return &stream{x: x}
}

func (s *stream) draw() uint32 {
	x := s.x
	x ^= x << 13
	x ^= x >> 17
	x ^= x << 5
	s.x = x
	return x
}

// hashKernel is FNV-1a over the low byte of n draws.
func hashKernel(seed, n uint32) uint32 {
	s := newStream(seed)
	h := uint32(0x811C9DC5)
	for i := uint32(0); i < n; i++ {
		h = (h ^ (s.draw() & 0xFF)) * 0x01000193
	}
	return h
}

type record struct {
	ID             uint32 `json:"id"`
	SKU            string `json:"sku"`
	Qty            uint32 `json:"qty"`
	UnitPriceCents uint32 `json:"unit_price_cents"`
}

// jsonKernel serializes n records with encoding/json, parses them back and
// sums the parsed copy.
func jsonKernel(seed, n uint32) (bytes int, totalCents uint64, err error) {
	s := newStream(seed)
	records := make([]record, n)
	for i := range records {
		a, b, c := s.draw(), s.draw(), s.draw()
		records[i] = record{
			ID:             uint32(i),
			SKU:            "SKU-" + strconv.FormatUint(uint64(a%1000), 10),
			Qty:            1 + b%5,
			UnitPriceCents: c % 10000,
		}
	}
	text, err := json.Marshal(records)
	if err != nil {
		return 0, 0, err
	}
	var parsed []record
	if err := json.Unmarshal(text, &parsed); err != nil {
		return 0, 0, err
	}
	for _, r := range parsed {
		totalCents += uint64(r.Qty) * uint64(r.UnitPriceCents)
	}
	return len(text), totalCents, nil
}

// node is one node of the binary-trees kernel, each allocated on its own.
type node struct {
	left, right *node
	value       uint32
}

// makeTree builds a perfect tree of depth: left, then right, then the
// node's own draw.
func makeTree(depth uint32, s *stream) *node {
	n := &node{}
	if depth > 0 {
		n.left = makeTree(depth-1, s)
		n.right = makeTree(depth-1, s)
	}
	n.value = s.draw() & 0xFF
	return n
}

// walk returns the subtree's node count and the sum of its values.
func (n *node) walk() (nodes, check uint32) {
	if n.left == nil {
		return 1, n.value
	}
	ln, lc := n.left.walk()
	rn, rc := n.right.walk()
	return 1 + ln + rn, n.value + lc + rc
}

// treesKernel is binary trees: builds the tree of depth and walks it.
func treesKernel(seed, depth uint32) (nodes, check uint32) {
	return makeTree(depth, newStream(seed)).walk()
}
